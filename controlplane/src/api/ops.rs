//! Whole-configuration and operational endpoints: version, bundle export/apply, connected data
//! planes, usage, audit log.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gproxy_config::Bundle;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, PageQuery, Shared};
use crate::registry::now_ms;

pub async fn version(State(s): State<Shared>) -> Result<Json<Value>, ApiError> {
    let stored = s.svc.store.config_version().await?;
    Ok(Json(
        json!({ "config_version": stored, "published_version": s.svc.publisher.current().version }),
    ))
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    secrets: bool,
    format: Option<String>,
}

/// The whole configuration. Secrets are redacted and keys exported as digests unless
/// `?secrets=true`; `?format=yaml` for YAML.
pub async fn get_bundle(
    State(s): State<Shared>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let b = s.svc.bundle().await?;
    let b = if q.secrets { b } else { b.redacted() };
    if q.format.as_deref() == Some("yaml") {
        let text = serde_yaml::to_string(&b).map_err(|e| ApiError::bad_request(e.to_string()))?;
        return Ok(([(header::CONTENT_TYPE, "application/yaml")], text).into_response());
    }
    Ok(Json(b).into_response())
}

/// Apply a whole configuration (JSON or YAML): validated first, all or nothing.
pub async fn put_bundle(
    State(s): State<Shared>,
    axum::Extension(p): axum::Extension<super::auth::Principal>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("the bundle must be UTF-8"))?;
    let bundle = Bundle::parse(text).map_err(crate::service::ServiceError::Invalid)?;
    let actor = format!("{}: apply bundle", p.actor());
    let version = s.svc.apply_bundle(&bundle, &actor).await?;
    Ok((StatusCode::OK, Json(json!({ "version": version }))))
}

/// Connected data planes with their applied version and lag behind the published one.
pub async fn dataplanes(State(s): State<Shared>) -> Json<Value> {
    let published = s.svc.publisher.current().version;
    let now = now_ms();
    let items: Vec<Value> = s
        .registry
        .list()
        .into_iter()
        .map(|d| {
            let mut v = serde_json::to_value(&d).unwrap_or_default();
            v["lag_versions"] = json!(published.saturating_sub(d.applied_version));
            v["last_seen_ago_ms"] = json!(now.saturating_sub(d.last_seen_ms));
            v
        })
        .collect();
    Json(json!({ "published_version": published, "items": items }))
}

#[derive(Deserialize)]
pub struct UsageQuery {
    #[serde(flatten)]
    page: PageQuery,
    user: Option<String>,
    route: Option<String>,
    provider: Option<String>,
    since_ms: Option<u64>,
    until_ms: Option<u64>,
    /// `hour` or `day` for totals.
    period: Option<String>,
}

impl UsageQuery {
    fn filter(&self) -> crate::store::UsageFilter {
        crate::store::UsageFilter {
            user: self.user.clone(),
            route: self.route.clone(),
            provider: self.provider.clone(),
            from_ms: self.since_ms,
            to_ms: self.until_ms,
            ..Default::default()
        }
    }
}

pub async fn usage(
    State(s): State<Shared>,
    Query(q): Query<UsageQuery>,
) -> Result<Json<Value>, ApiError> {
    let page = crate::store::Page {
        limit: q.page.limit.clamp(1, 1000),
        offset: u64::from(q.page.offset),
    };
    let res = s.svc.store.recent_usage(q.filter(), page).await?;
    Ok(Json(json!({ "items": res.items, "total": res.total })))
}

pub async fn usage_totals(
    State(s): State<Shared>,
    Query(q): Query<UsageQuery>,
) -> Result<Json<Value>, ApiError> {
    let mut filter = q.filter();
    filter.period = match q.period.as_deref() {
        None | Some("day") => crate::store::Period::Day,
        Some("hour") => crate::store::Period::Hour,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown period `{other}` (hour or day)"
            )))
        }
    };
    let rows = s.svc.store.usage_totals(filter).await?;
    Ok(Json(json!({ "items": rows })))
}

pub async fn audit(
    State(s): State<Shared>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let page = crate::store::Page {
        limit: p.limit.clamp(1, 1000),
        offset: u64::from(p.offset),
    };
    let res = s.svc.store.audit_log(page).await?;
    Ok(Json(json!({ "items": res.items, "total": res.total })))
}
