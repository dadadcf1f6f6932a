//! Harness for the store tests: every scenario runs on SQLite (a temp file) and on PostgreSQL
//! (a fresh schema per test) when `GPROXY_TEST_POSTGRES_URL` is set.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use gproxy_config::bundle::{
    Alias, ChannelKind, Credential, CredentialStrategy, Key, Limits, Member, Model, PreferredKind,
    Price, Provider, Quota, Route, Settings, Strategy, Timeouts, User,
};
use gproxy_config::digest::key_digest;
use gproxy_config::Bundle;
use gproxy_controlplane::store::{Backend, Page, Store, StoreError};
use sqlx::Connection;

pub struct TestDb {
    pub store: Store,
    /// A URL sqlx can open directly to look at the raw tables.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// `(server url, schema)` to drop at the end.
    schema: Option<(String, String)>,
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sub/dir/gproxy.db", dir.path().display());
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    TestDb {
        store,
        url,
        _dir: Some(dir),
        schema: None,
    }
}

/// `None` (with a note) when no server is configured; a failure when services are required.
pub async fn postgres() -> Option<TestDb> {
    let Ok(base) = std::env::var("GPROXY_TEST_POSTGRES_URL") else {
        if std::env::var("GPROXY_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("GPROXY_REQUIRE_SERVICES=1 but GPROXY_TEST_POSTGRES_URL is not set");
        }
        eprintln!("skipped: set GPROXY_TEST_POSTGRES_URL to run the PostgreSQL variant");
        return None;
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!(
        "gp_test_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
    // the schema name is generated above from digits and underscores only
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options[search_path]={schema}");
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    Some(TestDb {
        store,
        url,
        _dir: None,
        schema: Some((base, schema)),
    })
}

impl TestDb {
    /// Every value of the first column of a raw query, as bytes (BLOB/BYTEA or TEXT).
    pub async fn raw_column(&self, sql: &str) -> Vec<Vec<u8>> {
        use sqlx::Row;
        match self.store.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
                rows.iter().map(|r| r.get::<Vec<u8>, _>(0)).collect()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
                rows.iter()
                    .map(|r| {
                        r.try_get::<Vec<u8>, _>(0)
                            .or_else(|_| r.try_get::<String, _>(0).map(String::into_bytes))
                            .unwrap()
                    })
                    .collect()
            }
        }
    }

    /// A raw `COUNT(*)`-like query returning one BIGINT.
    pub async fn raw_count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        match self.store.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query(sql).fetch_one(&mut c).await.unwrap().get(0)
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query(sql).fetch_one(&mut c).await.unwrap().get(0)
            }
        }
    }

    pub async fn finish(self) {
        self.store.close().await;
    }
}

impl Drop for TestDb {
    /// Drop the PostgreSQL schema even when the scenario panicked.
    fn drop(&mut self) {
        let Some((base, schema)) = self.schema.take() else {
            return;
        };
        let dropper = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let Ok(mut conn) = sqlx::PgConnection::connect(&base).await else {
                    return;
                };
                // a panicked scenario may still hold locks: give up rather than hang
                let _ = sqlx::query("SET lock_timeout = '5s'")
                    .execute(&mut conn)
                    .await;
                let drop = format!("DROP SCHEMA {schema} CASCADE");
                if let Err(e) = sqlx::query(&drop).execute(&mut conn).await {
                    eprintln!("could not drop test schema {schema}: {e}");
                }
            });
        });
        let _ = dropper.join();
    }
}

/// `both_backends!(scenario, ...)`: a `sqlite` and a `postgres` test per `async fn scenario(&TestDb)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::store_support::sqlite().await;
                super::$name(&db).await;
                db.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::store_support::postgres().await else { return };
                super::$name(&db).await;
                db.finish().await;
            }
        }
    )*};
}

/// An audit entry as `(actor, action, entity, name, version)`.
pub type AuditTuple = (String, String, String, Option<String>, u64);

/// The newest audit entry as `(actor, action, entity, name, version)`.
pub async fn last_audit(db: &TestDb) -> AuditTuple {
    let a = db.store.audit_log(Page::new(1, 0)).await.unwrap();
    let e = a.items.into_iter().next().unwrap();
    (e.actor, e.action, e.entity, e.name, e.version)
}

pub fn audit(actor: &str, action: &str, entity: &str, name: Option<&str>, v: u64) -> AuditTuple {
    (
        actor.into(),
        action.into(),
        entity.into(),
        name.map(Into::into),
        v,
    )
}

pub fn is_not_found(e: &StoreError) -> bool {
    matches!(e, StoreError::NotFound { .. })
}

pub fn provider(name: &str, models: &[&str]) -> Provider {
    Provider {
        name: name.into(),
        channel: ChannelKind::Openai,
        base_url: None,
        enabled: true,
        credentials: vec![Credential {
            name: None,
            api_key: format!("sk-{name}-secret-0001"),
            enabled: true,
            proxy: None,
            rpm: None,
        }],
        credential_strategy: CredentialStrategy::default(),
        models: models.iter().map(|m| model(m)).collect(),
        headers: Default::default(),
        timeouts: Timeouts::default(),
        proxy: None,
        prefer: None,
        stream_only: false,
        rule_sets: Vec::new(),
    }
}

pub fn model(id: &str) -> Model {
    Model {
        id: id.into(),
        upstream: None,
        price: None,
        display_name: None,
        context_window: None,
        max_output_tokens: None,
    }
}

pub fn route(name: &str, members: &[(&str, &str)]) -> Route {
    Route {
        name: name.into(),
        strategy: Strategy::Failover,
        members: members
            .iter()
            .map(|(p, m)| Member {
                provider: (*p).into(),
                model: (*m).into(),
                weight: 1,
                tier: 0,
            })
            .collect(),
    }
}

pub fn user(name: &str, keys: &[&str]) -> User {
    User {
        name: name.into(),
        enabled: true,
        keys: keys
            .iter()
            .map(|k| Key {
                key: Some((*k).into()),
                digest: None,
                name: None,
                enabled: true,
            })
            .collect(),
        permissions: vec!["*".into()],
        limits: Limits::default(),
        quota: None,
        team: None,
        role: Default::default(),
        password: None,
    }
}

/// A bundle that sets every field the store persists, validated.
pub fn rich_bundle() -> Bundle {
    let mut oai = provider("oai", &["gpt-4o", "gpt-4o-mini"]);
    oai.base_url = Some("http://127.0.0.1:9001/v1".into());
    oai.credential_strategy = CredentialStrategy::Sticky;
    oai.credentials = vec![
        Credential {
            name: Some("primary".into()),
            api_key: "sk-oai-PLAINTEXT-primary-7f3a".into(),
            enabled: true,
            proxy: Some("socks5://127.0.0.1:1080".into()),
            rpm: Some(500),
        },
        Credential {
            name: None,
            api_key: "sk-oai-PLAINTEXT-second-9b1c".into(),
            enabled: false,
            proxy: None,
            rpm: None,
        },
    ];
    oai.models[0].price = Some(Price {
        input: 2.5,
        output: 10.0,
        cache_read: Some(1.25),
        cache_write: None,
    });
    oai.models[0].upstream = Some("gpt-4o-2024-11-20".into());
    oai.models[0].display_name = Some("GPT-4o".into());
    oai.models[0].context_window = Some(128_000);
    oai.models[0].max_output_tokens = Some(16_384);
    oai.headers.insert("x-org".into(), "org-1".into());
    oai.timeouts = Timeouts {
        connect_ms: Some(2000),
        first_byte_ms: None,
        idle_ms: Some(30_000),
        total_ms: None,
    };
    oai.proxy = Some("http://127.0.0.1:3128".into());
    oai.prefer = Some(PreferredKind::Responses);

    let mut ant = provider("ant", &["claude-sonnet"]);
    ant.channel = ChannelKind::Anthropic;
    ant.enabled = false;
    ant.stream_only = true;
    ant.models[0].price = Some(Price {
        input: 3.0,
        output: 15.0,
        cache_read: Some(0.3),
        cache_write: Some(3.75),
    });

    let mut weighted = route("smart", &[("oai", "gpt-4o"), ("ant", "claude-sonnet")]);
    weighted.strategy = Strategy::Weighted;
    weighted.members[0].weight = 3;
    weighted.members[1].tier = 1;

    let mut alice = user("alice", &["gp-alice-0001-material"]);
    alice.keys.push(Key {
        key: None,
        digest: Some(key_digest("gp-alice-legacy").to_ascii_uppercase()),
        name: Some("legacy".into()),
        enabled: false,
    });
    alice.limits = Limits {
        rpm: Some(600),
        tpm: Some(1_000_000),
        concurrency: Some(8),
    };
    alice.quota = Some(Quota { usd: 25.5 });
    alice.team = Some("ml".into());
    alice.role = gproxy_config::bundle::Role::Admin;
    alice.password = Some(gproxy_controlplane::passwords::hash("alice-password-1").unwrap());
    let mut bob = user("bob", &["gp-bob-0001-material"]);
    bob.enabled = false;
    bob.permissions = vec!["gpt-*".into(), "oai/*".into()];
    bob.team = Some("ops".into());
    oai.rule_sets = vec!["caps".into()];
    let caps: gproxy_config::rules::RuleSet = serde_yaml::from_str(
        "name: caps\nrules:\n  - when: {models: [\"gpt-*\"]}\n    actions: [{op: clamp, path: /max_tokens, max: 4096}]\n",
    )
    .unwrap();

    let b = Bundle {
        providers: vec![oai, ant],
        routes: vec![route("gpt-4o", &[("oai", "gpt-4o")]), weighted],
        aliases: vec![
            Alias {
                name: Some("fast".into()),
                pattern: None,
                target: "oai/gpt-4o-mini".into(),
            },
            Alias {
                name: None,
                pattern: Some("^gpt-4o-.*$".into()),
                target: "gpt-4o".into(),
            },
        ],
        users: vec![alice, bob],
        orgs: vec![gproxy_config::bundle::Org {
            name: "acme".into(),
            display_name: Some("ACME".into()),
            quota: Some(Quota { usd: 1000.0 }),
        }],
        teams: vec![
            gproxy_config::bundle::Team {
                name: "ml".into(),
                org: Some("acme".into()),
                display_name: None,
                quota: Some(Quota { usd: 100.0 }),
            },
            gproxy_config::bundle::Team {
                name: "ops".into(),
                org: None,
                display_name: Some("Operations".into()),
                quota: None,
            },
        ],
        rule_sets: vec![caps],
        settings: Settings {
            max_body_bytes: 1 << 20,
            max_in_flight: 64,
            max_attempts: 2,
            breaker_threshold: 3,
            breaker_cooldown_ms: 5000,
        },
    };
    b.validate().unwrap();
    b
}

/// What loading `b` back gives: the same, user keys as lowercase digests.
pub fn as_loaded(b: &Bundle) -> Bundle {
    let mut b = b.clone();
    for u in &mut b.users {
        for k in &mut u.keys {
            let d = match k.key.take() {
                Some(material) => key_digest(&material),
                None => k.digest.clone().unwrap().to_ascii_lowercase(),
            };
            k.digest = Some(d);
        }
    }
    b
}
