//! The database of a test control plane: a temp SQLite file, or a fresh PostgreSQL schema (the
//! store tests' approach: `options[search_path]` in the URL) dropped at the end.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

pub struct TestDb {
    /// The `database_url` to start the control plane with.
    pub url: String,
    /// Data dir and spool dirs live under it.
    pub dir: tempfile::TempDir,
    /// `(server url, schema)` to drop at the end.
    schema: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/gproxy.db", dir.path().display());
        TestDb {
            url,
            dir,
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
            "gp_e2e_{}_{}_{}",
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
        Some(TestDb {
            url: format!("{base}{sep}options[search_path]={schema}"),
            dir: tempfile::tempdir().unwrap(),
            schema: Some((base, schema)),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
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
