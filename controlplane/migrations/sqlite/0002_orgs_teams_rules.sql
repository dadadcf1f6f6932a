-- Orgs and teams (shared spend quotas), console logins (roles, argon2 password hashes, admin
-- tokens), rule sets, and the store's epoch. Keep in step with ../postgres/0002_orgs_teams_rules.sql.

CREATE TABLE orgs (
    name         TEXT PRIMARY KEY NOT NULL,
    display_name TEXT,
    quota_usd    DOUBLE PRECISION,
    position     BIGINT NOT NULL
);

-- References to orgs (and users' to teams) are checked by bundle validation before every write.
CREATE TABLE teams (
    name         TEXT PRIMARY KEY NOT NULL,
    org          TEXT,
    display_name TEXT,
    quota_usd    DOUBLE PRECISION,
    position     BIGINT NOT NULL
);

ALTER TABLE users ADD COLUMN team TEXT;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
ALTER TABLE users ADD COLUMN password_hash TEXT;
CREATE INDEX users_team ON users (team);

ALTER TABLE providers ADD COLUMN rule_sets_json TEXT NOT NULL DEFAULT '[]';

-- Why a credential is cooling down cluster-wide (rate_limited, auth_dead, breaker_open).
ALTER TABLE credentials ADD COLUMN cooldown_reason TEXT;

-- The rule set's whole document (docs/rules.md) as JSON.
CREATE TABLE rule_sets (
    name     TEXT PRIMARY KEY NOT NULL,
    doc_json TEXT NOT NULL,
    position BIGINT NOT NULL
);

-- Admin API tokens of users (password logins and named long-lived tokens): digests only.
CREATE TABLE admin_tokens (
    digest       TEXT PRIMARY KEY NOT NULL,
    user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    name         TEXT,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT,
    last_used_ms BIGINT
);
CREATE INDEX admin_tokens_user ON admin_tokens (user_name);

-- Versions are only comparable within one epoch (a data plane resumes with a delta only then).
INSERT INTO settings (key, value_json) VALUES ('epoch', '"' || lower(hex(randomblob(16))) || '"');
