//! The OpenAPI 3.1 document of the admin API, served at `/admin/v1/openapi.json`.

use axum::Json;
use serde_json::{json, Value};

fn op(summary: &str, body: Option<&str>, ok: &str) -> Value {
    let mut o = json!({
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": {
            "200": {"description": ok, "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "409": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        }
    });
    if let Some(schema) = body {
        o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    }
    o
}

fn entity(plural: &str, schema: &str, key: &str) -> Vec<(String, Value)> {
    let one = format!("/admin/v1/{plural}/{{{key}}}");
    let param =
        json!([{"name": key, "in": "path", "required": true, "schema": {"type": "string"}}]);
    let mut item = json!({
        "parameters": param,
        "get": op(&format!("Get one {schema}"), None, schema),
        "delete": op(&format!("Delete a {schema}"), None, "the new configuration version"),
    });
    if plural != "aliases" {
        item["put"] = op(
            &format!("Create or replace a {schema}"),
            Some(schema),
            "the new configuration version",
        );
    }
    vec![
        (
            format!("/admin/v1/{plural}"),
            json!({
                "get": {
                    "summary": format!("List {plural} (paged: limit, offset; filters: enabled, prefix)"),
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100, "maximum": 1000}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
                        {"name": "enabled", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "prefix", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "a page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}
                },
                "post": op(&format!("Create a {schema}"), Some(schema), "the new configuration version"),
            }),
        ),
        (one, item),
    ]
}

pub async fn document() -> Json<Value> {
    let mut paths = serde_json::Map::new();
    let mut add = |p: &str, v: Value| {
        paths.insert(p.to_owned(), v);
    };
    add(
        "/admin/v1/version",
        json!({"get": op("Stored and published configuration versions", None, "versions")}),
    );
    add(
        "/admin/v1/bundle",
        json!({
            "get": op("Export the whole configuration (secrets redacted unless ?secrets=true; ?format=yaml)", None, "the bundle"),
            "put": op("Apply a whole configuration (JSON or YAML): validated first, all or nothing", Some("Bundle"), "the new configuration version"),
        }),
    );
    add(
        "/admin/v1/dataplanes",
        json!({"get": op("Connected data planes: applied version, lag, last seen", None, "data planes")}),
    );
    add(
        "/admin/v1/usage",
        json!({"get": op("Usage records (filters: user, route, provider, since_ms, until_ms; paged)", None, "records")}),
    );
    add(
        "/admin/v1/usage/totals",
        json!({"get": op("Usage rollups by period (hour|day) and user/route/provider/model", None, "rollups")}),
    );
    add(
        "/admin/v1/audit",
        json!({"get": op("Audit log of admin changes (paged)", None, "entries")}),
    );
    add(
        "/admin/v1/settings",
        json!({
            "get": op("Gateway settings", None, "settings"),
            "put": op("Replace gateway settings", Some("Settings"), "the new configuration version"),
        }),
    );
    for (plural, schema, key) in [
        ("providers", "Provider", "name"),
        ("routes", "Route", "name"),
        ("aliases", "Alias", "key"),
        ("users", "User", "name"),
        ("orgs", "Org", "name"),
        ("teams", "Team", "name"),
        ("rule_sets", "RuleSet", "name"),
    ] {
        for (p, v) in entity(plural, schema, key) {
            add(&p, v);
        }
    }
    for plural in ["providers", "users", "rule_sets"] {
        add(
            &format!("/admin/v1/{plural}/_batch"),
            json!({"post": op(&format!("Enable or disable several {plural}"), Some("Batch"), "how many changed")}),
        );
    }
    add(
        "/admin/v1/users/{name}/keys",
        json!({
            "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
            "post": op("Create an API key; its material is returned once", Some("NewKey"), "the key"),
        }),
    );
    add(
        "/admin/v1/users/{name}/keys/{digest}",
        json!({
            "parameters": [
                {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "digest", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "delete": op("Delete an API key by its SHA-256 digest", None, "the new configuration version"),
        }),
    );
    add(
        "/admin/v1/login",
        json!({"post": {
            "summary": "Password login: a user's admin API token (12 h by default)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Login"}}}},
            "responses": {
                "200": {"description": "token, user, role, expires_ms", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Error"}
            }
        }}),
    );
    add(
        "/admin/v1/logout",
        json!({"post": op("End the presented login token", None, "ok")}),
    );
    add(
        "/admin/v1/me",
        json!({"get": op("The caller: role, team, quota, settled spend, keys", None, "the caller")}),
    );
    add(
        "/admin/v1/me/usage",
        json!({"get": op("The caller's usage records (paged)", None, "records")}),
    );
    add(
        "/admin/v1/me/keys",
        json!({"post": op("Create an API key for the caller; its material is returned once", Some("NewKey"), "the key")}),
    );
    add(
        "/admin/v1/me/keys/{digest}",
        json!({
            "parameters": [{"name": "digest", "in": "path", "required": true, "schema": {"type": "string"}}],
            "delete": op("Delete one of the caller's API keys", None, "the new configuration version"),
        }),
    );
    add(
        "/admin/v1/me/tokens",
        json!({
            "get": op("The caller's admin API tokens (digests)", None, "tokens"),
            "post": op("Create an admin API token for scripts; returned once", Some("NewToken"), "the token"),
        }),
    );
    add(
        "/admin/v1/me/tokens/{digest}",
        json!({
            "parameters": [{"name": "digest", "in": "path", "required": true, "schema": {"type": "string"}}],
            "delete": op("Delete one of the caller's admin API tokens", None, "ok"),
        }),
    );
    let obj =
        |desc: &str| json!({"type": "object", "description": desc, "additionalProperties": true});
    Json(json!({
        "openapi": "3.1.0",
        "info": {"title": "gproxy control plane admin API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Configuration, usage and operations of a gproxy cluster. Shapes follow the declarative bundle (docs/configuration.md)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "required": ["message", "code"],
                    "properties": {"message": {"type": "string"}, "code": {"type": "string"}, "details": {}}}}},
                "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {}}, "total": {"type": "integer"},
                    "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
                "Batch": {"type": "object", "required": ["names", "enabled"], "properties": {"names": {"type": "array", "items": {"type": "string"}}, "enabled": {"type": "boolean"}}},
                "NewKey": {"type": "object", "properties": {"name": {"type": "string"}}},
                "NewToken": {"type": "object", "properties": {"name": {"type": "string"}, "ttl_seconds": {"type": "integer"}}},
                "Login": {"type": "object", "required": ["user", "password"], "properties": {"user": {"type": "string"}, "password": {"type": "string"}, "ttl_seconds": {"type": "integer"}}},
                "Org": obj("name, display_name, quota"),
                "Team": obj("name, org, display_name, quota"),
                "RuleSet": obj("name, description, enabled, rules (docs/rules.md)"),
                "Bundle": obj("providers, routes, aliases, users, settings (docs/configuration.md)"),
                "Provider": obj("name, channel, base_url, credentials, models, ... (docs/configuration.md)"),
                "Route": obj("name, strategy, members"),
                "Alias": obj("name or pattern, target"),
                "User": obj("name, keys, permissions, limits, quota, team, role, password"),
                "Settings": obj("max_body_bytes, max_in_flight, max_attempts, breaker_threshold, breaker_cooldown_ms")
            }
        }
    }))
}
