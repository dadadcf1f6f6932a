//! Store: migrations, whole-bundle replace/load, atomicity, secrets at rest, master key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod store_support;

use gproxy_config::bundle::Member;
use gproxy_config::Bundle;
use gproxy_controlplane::crypto::{Crypto, CryptoError};
use gproxy_controlplane::store::{Page, Store, StoreError};
use store_support::{as_loaded, rich_bundle, TestDb};

fn crypto() -> Crypto {
    Crypto::from_master_key("test master key")
}

async fn migrations_apply(db: &TestDb) {
    let s = &db.store;
    assert_eq!(s.config_version().await.unwrap(), 0);
    assert_eq!(s.load_bundle(&crypto()).await.unwrap(), Bundle::default());
    assert_eq!(s.count_usage().await.unwrap(), 0);
    assert_eq!(s.audit_log(Page::default()).await.unwrap().total, 0);
    let applied = db
        .raw_count("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .await;
    assert_eq!(applied, 2, "0001_initial and 0002_orgs_teams_rules");
    // opening again finds everything applied and keeps the data
    s.replace_bundle(&rich_bundle(), &crypto(), "test")
        .await
        .unwrap();
    let again = Store::open(&db.url).await.unwrap();
    assert_eq!(again.config_version().await.unwrap(), 1);
    again.close().await;
}

async fn bundle_round_trips(db: &TestDb) {
    let s = &db.store;
    let b = rich_bundle();
    assert_eq!(
        s.replace_bundle(&b, &crypto(), "alice@ops").await.unwrap(),
        1
    );
    let loaded = s.load_bundle(&crypto()).await.unwrap();
    assert_eq!(loaded, as_loaded(&b));
    // secrets come back decrypted, keys as digests, unnamed credential stays unnamed
    assert_eq!(
        loaded.providers[0].credentials[0].api_key,
        "sk-oai-PLAINTEXT-primary-7f3a"
    );
    assert_eq!(loaded.providers[0].credentials[1].name, None);
    assert!(loaded.users[0].keys.iter().all(|k| k.key.is_none()));
    // the loaded bundle is itself a valid bundle, and applying it again changes nothing
    loaded.validate().unwrap();
    assert_eq!(s.replace_bundle(&loaded, &crypto(), "ci").await.unwrap(), 2);
    let (version, again) = s.load_bundle_versioned(&crypto()).await.unwrap();
    assert_eq!((version, again), (2, as_loaded(&b)));

    // a smaller bundle removes what it no longer lists
    let mut small = b.clone();
    small.providers.truncate(1);
    small.routes.truncate(1);
    small.aliases.truncate(1);
    small.users.truncate(1);
    assert_eq!(s.replace_bundle(&small, &crypto(), "ci").await.unwrap(), 3);
    assert_eq!(s.load_bundle(&crypto()).await.unwrap(), as_loaded(&small));
    assert_eq!(db.raw_count("SELECT COUNT(*) FROM models").await, 2);
    assert_eq!(db.raw_count("SELECT COUNT(*) FROM api_keys").await, 2);

    let audit = s.audit_log(Page::default()).await.unwrap();
    assert_eq!(audit.total, 3);
    let newest = &audit.items[0];
    assert_eq!(
        (newest.entity.as_str(), newest.action.as_str()),
        ("bundle", "replace")
    );
    assert_eq!((newest.actor.as_str(), newest.version), ("ci", 3));
    assert_eq!(newest.detail["providers"], 1);
    assert_eq!(audit.items[2].actor, "alice@ops");
}

/// Replace `good` by `bad`; it must fail with a conflict naming `needle` and change nothing.
async fn rejected_without_trace(db: &TestDb, good: &Bundle, bad: &Bundle, needle: &str) {
    let s = &db.store;
    let audit_before = s.audit_log(Page::default()).await.unwrap().total;
    let err = s.replace_bundle(bad, &crypto(), "test").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains(needle), "{err}");
    assert_eq!(s.config_version().await.unwrap(), 1);
    assert_eq!(s.load_bundle(&crypto()).await.unwrap(), as_loaded(good));
    assert_eq!(
        s.audit_log(Page::default()).await.unwrap().total,
        audit_before
    );
}

async fn replace_is_all_or_nothing(db: &TestDb) {
    let good = rich_bundle();
    db.store
        .replace_bundle(&good, &crypto(), "test")
        .await
        .unwrap();

    // the first provider changes and a new user is added before the second provider fails on
    // a duplicate credential name (primary key violation inside the transaction)
    let mut bad = good.clone();
    bad.providers[0].base_url = Some("http://changed.invalid/v1".into());
    bad.users
        .push(store_support::user("carol", &["gp-carol-0001"]));
    let dup = bad.providers[1].credentials[0].clone();
    bad.providers[1].credentials[0].name = Some("same".into());
    bad.providers[1]
        .credentials
        .push(gproxy_config::bundle::Credential {
            name: Some("same".into()),
            ..dup
        });
    rejected_without_trace(db, &good, &bad, "two credentials named `same`").await;

    // a route member naming a model its provider does not have (foreign key violation)
    let mut bad = good.clone();
    bad.routes[1].members.push(Member {
        provider: "oai".into(),
        model: "no-such-model".into(),
        weight: 1,
        tier: 0,
    });
    rejected_without_trace(
        db,
        &good,
        &bad,
        "provider `oai` has no model `no-such-model`",
    )
    .await;

    // the same key material for two users
    let mut bad = good.clone();
    bad.users[1].keys[0].key = Some("gp-alice-0001-material".into());
    rejected_without_trace(db, &good, &bad, "the same key is configured twice").await;

    // a provider listed twice
    let mut bad = good.clone();
    bad.providers.push(bad.providers[0].clone());
    rejected_without_trace(db, &good, &bad, "provider `oai` twice").await;
}

async fn secrets_are_encrypted_at_rest(db: &TestDb) {
    let b = rich_bundle();
    db.store
        .replace_bundle(&b, &crypto(), "test")
        .await
        .unwrap();
    let secrets = db.raw_column("SELECT secret FROM credentials").await;
    assert_eq!(secrets.len(), 3);
    for (raw, plain) in secrets.iter().zip([
        "sk-oai-PLAINTEXT-primary-7f3a",
        "sk-oai-PLAINTEXT-second-9b1c",
        "sk-ant-secret-0001",
    ]) {
        assert!(
            !contains(raw, b"PLAINTEXT") && !contains(raw, b"sk-"),
            "{raw:?}"
        );
        // nonce (12) + ciphertext + tag (16)
        assert!(raw.len() >= 12 + plain.len() + 16 - 8, "{}", raw.len());
    }
    // key material is nowhere in api_keys: digest and last4 only
    for column in ["digest", "name", "last4", "user_name"] {
        for v in db
            .raw_column(&format!(
                "SELECT {column} FROM api_keys WHERE {column} IS NOT NULL"
            ))
            .await
        {
            assert!(!contains(&v, b"gp-alice-0001-material"), "{column}");
        }
    }
    let last4 = db
        .raw_column("SELECT last4 FROM api_keys WHERE last4 IS NOT NULL ORDER BY user_name")
        .await;
    assert_eq!(last4, vec![b"rial".to_vec(), b"rial".to_vec()]);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn wrong_master_key_fails_clearly(db: &TestDb) {
    let s = &db.store;
    s.verify_master_key(&crypto()).await.unwrap();
    s.replace_bundle(&rich_bundle(), &crypto(), "test")
        .await
        .unwrap();
    s.verify_master_key(&crypto()).await.unwrap();
    let wrong = Crypto::from_master_key("another key");
    let err = s.load_bundle(&wrong).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Crypto(CryptoError::WrongKey)),
        "{err:?}"
    );
    assert!(err.to_string().contains("master key"), "{err}");
    let err = s.verify_master_key(&wrong).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Crypto(CryptoError::WrongKey)),
        "{err:?}"
    );
    // listings that do not decrypt keep working
    assert_eq!(s.list_routes(Page::default()).await.unwrap().total, 2);
}

async fn cooldowns_survive_rewrites(db: &TestDb) {
    let s = &db.store;
    let b = rich_bundle();
    s.replace_bundle(&b, &crypto(), "test").await.unwrap();
    s.set_credential_cooldown(
        "oai",
        "primary",
        Some(1_900_000_000_000),
        Some("rate_limited"),
    )
    .await
    .unwrap();
    let err = s
        .set_credential_cooldown("oai", "nope", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    s.replace_bundle(&b, &crypto(), "test").await.unwrap();
    s.put_provider(&b.providers[0], &crypto(), "test")
        .await
        .unwrap();
    let cd = s.credential_cooldowns().await.unwrap();
    assert_eq!(
        cd,
        vec![gproxy_config::snapshot::CredentialCooldown {
            provider: "oai".into(),
            credential: "primary".into(),
            until_ms: 1_900_000_000_000,
            reason: "rate_limited".into(),
        }]
    );
    // a cooldown is health state, not configuration
    assert_eq!(s.config_version().await.unwrap(), 3);
}

both_backends!(
    migrations_apply,
    bundle_round_trips,
    replace_is_all_or_nothing,
    secrets_are_encrypted_at_rest,
    wrong_master_key_fails_clearly,
    cooldowns_survive_rewrites,
);
