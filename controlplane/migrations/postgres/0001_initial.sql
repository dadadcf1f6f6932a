-- gproxy control plane schema, PostgreSQL dialect. Keep table and column names identical to
-- ../sqlite/0001_initial.sql; only types differ (native BOOLEAN, BYTEA for secrets).

CREATE TABLE providers (
    name                TEXT PRIMARY KEY NOT NULL,
    channel             TEXT NOT NULL,
    base_url            TEXT,
    enabled             BOOLEAN NOT NULL,
    credential_strategy TEXT NOT NULL,
    headers_json        TEXT NOT NULL,
    timeouts_json       TEXT NOT NULL,
    proxy               TEXT,
    prefer              TEXT,
    stream_only         BOOLEAN NOT NULL,
    position            BIGINT NOT NULL
);

CREATE TABLE credentials (
    provider          TEXT NOT NULL REFERENCES providers (name) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    secret            BYTEA NOT NULL,
    enabled           BOOLEAN NOT NULL,
    proxy             TEXT,
    rpm               BIGINT,
    cooldown_until_ms BIGINT,
    position          BIGINT NOT NULL,
    PRIMARY KEY (provider, name)
);

CREATE TABLE models (
    provider          TEXT NOT NULL REFERENCES providers (name) ON DELETE CASCADE,
    id                TEXT NOT NULL,
    upstream          TEXT,
    price_input       DOUBLE PRECISION,
    price_output      DOUBLE PRECISION,
    price_cache_read  DOUBLE PRECISION,
    price_cache_write DOUBLE PRECISION,
    display_name      TEXT,
    context_window    BIGINT,
    max_output_tokens BIGINT,
    position          BIGINT NOT NULL,
    PRIMARY KEY (provider, id)
);

CREATE TABLE routes (
    name     TEXT PRIMARY KEY NOT NULL,
    strategy TEXT NOT NULL,
    position BIGINT NOT NULL
);

-- A member points at a model of a provider: deleting either while a route uses it fails.
CREATE TABLE route_members (
    route    TEXT NOT NULL REFERENCES routes (name) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    provider TEXT NOT NULL,
    model    TEXT NOT NULL,
    weight   BIGINT NOT NULL,
    tier     BIGINT NOT NULL,
    PRIMARY KEY (route, position),
    FOREIGN KEY (provider, model) REFERENCES models (provider, id)
);
CREATE INDEX route_members_model ON route_members (provider, model);

-- key = the alias's name, or its pattern.
CREATE TABLE aliases (
    key      TEXT PRIMARY KEY NOT NULL,
    name     TEXT,
    pattern  TEXT,
    target   TEXT NOT NULL,
    position BIGINT NOT NULL
);

CREATE TABLE users (
    name             TEXT PRIMARY KEY NOT NULL,
    enabled          BOOLEAN NOT NULL,
    permissions_json TEXT NOT NULL,
    rpm              BIGINT,
    tpm              BIGINT,
    concurrency      BIGINT,
    quota_usd        DOUBLE PRECISION,
    position         BIGINT NOT NULL
);

-- Key material is never stored: its SHA-256 (hex) and, when known, its last 4 characters.
CREATE TABLE api_keys (
    digest     TEXT PRIMARY KEY NOT NULL,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    name       TEXT,
    enabled    BOOLEAN NOT NULL,
    created_ms BIGINT NOT NULL,
    last4      TEXT,
    position   BIGINT NOT NULL
);
CREATE INDEX api_keys_user ON api_keys (user_name);

-- Gateway settings (`gateway`), the admin token digest, the config version.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value_json TEXT NOT NULL
);
INSERT INTO settings (key, value_json) VALUES ('config_version', '0');

CREATE TABLE usage (
    request_id         TEXT PRIMARY KEY NOT NULL,
    ts_ms              BIGINT NOT NULL,
    user_name          TEXT NOT NULL,
    key                TEXT NOT NULL,
    route              TEXT NOT NULL,
    provider           TEXT,
    credential         TEXT,
    model              TEXT,
    operation          TEXT NOT NULL,
    inbound_kind       TEXT NOT NULL,
    upstream_kind      TEXT,
    stream             BOOLEAN NOT NULL,
    input_tokens       BIGINT NOT NULL,
    output_tokens      BIGINT NOT NULL,
    cache_read_tokens  BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    reasoning_tokens   BIGINT NOT NULL,
    cost_usd           DOUBLE PRECISION NOT NULL,
    status             BIGINT NOT NULL,
    end_state          TEXT NOT NULL,
    latency_ms         BIGINT NOT NULL,
    ttft_ms            BIGINT,
    attempts           BIGINT NOT NULL
);
CREATE INDEX usage_ts ON usage (ts_ms);
CREATE INDEX usage_user_ts ON usage (user_name, ts_ms);

-- Rollups: provider and model are '' when the request never reached one.
CREATE TABLE usage_hourly (
    bucket_ms          BIGINT NOT NULL,
    user_name          TEXT NOT NULL,
    route              TEXT NOT NULL,
    provider           TEXT NOT NULL,
    model              TEXT NOT NULL,
    requests           BIGINT NOT NULL,
    errors             BIGINT NOT NULL,
    input_tokens       BIGINT NOT NULL,
    output_tokens      BIGINT NOT NULL,
    cache_read_tokens  BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    reasoning_tokens   BIGINT NOT NULL,
    cost_usd           DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (bucket_ms, user_name, route, provider, model)
);

CREATE TABLE usage_daily (
    bucket_ms          BIGINT NOT NULL,
    user_name          TEXT NOT NULL,
    route              TEXT NOT NULL,
    provider           TEXT NOT NULL,
    model              TEXT NOT NULL,
    requests           BIGINT NOT NULL,
    errors             BIGINT NOT NULL,
    input_tokens       BIGINT NOT NULL,
    output_tokens      BIGINT NOT NULL,
    cache_read_tokens  BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    reasoning_tokens   BIGINT NOT NULL,
    cost_usd           DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (bucket_ms, user_name, route, provider, model)
);
CREATE INDEX usage_daily_user ON usage_daily (user_name);

-- version = the config version the change produced (0 for changes outside the configuration).
CREATE TABLE audit (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts_ms       BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    name        TEXT,
    version     BIGINT NOT NULL,
    detail_json TEXT NOT NULL
);
