//! Store: users and their keys, settings, the admin token, and concurrent writers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod store_support;

use gproxy_config::bundle::Settings;
use gproxy_config::digest::key_digest;
use gproxy_controlplane::crypto::Crypto;
use gproxy_controlplane::store::{Page, UserFilter};
use store_support::{audit, is_not_found, last_audit, provider, user, TestDb};

fn crypto() -> Crypto {
    Crypto::from_master_key("users")
}

async fn user_and_key_crud(db: &TestDb) {
    let s = &db.store;
    let alice = user("alice", &["gp-alice-material-1"]);
    assert_eq!(s.put_user(&alice, "t").await.unwrap(), 1);
    let got = s.get_user("alice").await.unwrap().unwrap();
    assert_eq!(got.keys[0].key, None);
    assert_eq!(
        got.keys[0].digest.as_deref(),
        Some(key_digest("gp-alice-material-1").as_str())
    );

    let new = s.add_key("alice", Some("laptop"), "t").await.unwrap();
    assert_eq!(new.version, 2);
    assert!(
        new.key.starts_with("gp-") && new.key.len() == 43,
        "{}",
        new.key
    );
    assert!(new.key[3..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(new.digest, key_digest(&new.key));
    assert_ne!(s.add_key("alice", None, "t").await.unwrap().key, new.key);
    let keys = s.list_keys("alice").await.unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0].last4.as_deref(), Some("al-1"));
    assert_eq!(
        (keys[1].name.as_deref(), keys[1].last4.as_deref()),
        (Some("laptop"), Some(&new.key[39..]))
    );
    assert!(is_not_found(
        &s.add_key("ghost", None, "t").await.unwrap_err()
    ));

    // a key of alice cannot be given to bob
    let mut bob = user("bob", &[]);
    bob.keys.push(gproxy_config::bundle::Key {
        key: None,
        digest: Some(new.digest.clone()),
        name: None,
        enabled: true,
    });
    let err = s.put_user(&bob, "t").await.unwrap_err();
    assert!(
        err.to_string().contains("already belongs to user `alice`"),
        "{err}"
    );
    assert_eq!(
        s.put_user(&user("bob", &["gp-bob-material-1"]), "t")
            .await
            .unwrap(),
        4
    );

    // replacing alice keeps the creation time and last4 of the keys she keeps
    let mut alice2 = s.get_user("alice").await.unwrap().unwrap();
    alice2.keys.remove(2);
    alice2.limits.rpm = Some(10);
    assert_eq!(s.put_user(&alice2, "t").await.unwrap(), 5);
    let after = s.list_keys("alice").await.unwrap();
    assert_eq!(after, keys[..2].to_vec());
    assert_eq!(s.get_user("alice").await.unwrap(), Some(alice2));

    assert_eq!(
        s.set_key_enabled(&new.digest.to_uppercase(), false, "t")
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        last_audit(db).await,
        audit("t", "disable_key", "key", Some("alice"), 6)
    );
    assert!(!s.list_keys("alice").await.unwrap()[1].enabled);
    assert_eq!(s.delete_key(&new.digest, "t").await.unwrap(), 7);
    assert!(is_not_found(
        &s.delete_key(&new.digest, "t").await.unwrap_err()
    ));

    let prefix = UserFilter {
        name_prefix: Some("al".into()),
        ..Default::default()
    };
    assert_eq!(
        s.find_users(&prefix, Page::default()).await.unwrap().total,
        1
    );
    assert_eq!(
        s.set_users_enabled(&["bob".into()], false, "t")
            .await
            .unwrap(),
        8
    );
    let off = UserFilter {
        enabled: Some(false),
        ..Default::default()
    };
    let off = s.find_users(&off, Page::default()).await.unwrap();
    assert_eq!(
        off.items
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
    assert_eq!(s.list_users(Page::new(1, 0)).await.unwrap().total, 2);

    assert_eq!(s.delete_user("alice", "t").await.unwrap(), 9);
    assert_eq!(
        db.raw_count("SELECT COUNT(*) FROM api_keys WHERE user_name = 'alice'")
            .await,
        0
    );
    assert!(is_not_found(&s.list_keys("alice").await.unwrap_err()));
    assert!(is_not_found(
        &s.delete_user("alice", "t").await.unwrap_err()
    ));
    assert_eq!(s.audit_log(Page::default()).await.unwrap().total, 9);
}

async fn settings_and_admin_token(db: &TestDb) {
    let s = &db.store;
    assert_eq!(s.get_settings().await.unwrap(), Settings::default());
    let custom = Settings {
        max_attempts: 7,
        ..Settings::default()
    };
    assert_eq!(s.put_settings(&custom, "t").await.unwrap(), 1);
    assert_eq!(s.get_settings().await.unwrap(), custom);
    assert_eq!(
        last_audit(db).await,
        audit("t", "replace", "settings", None, 1)
    );

    assert_eq!(s.admin_token_digest().await.unwrap(), None);
    let d = key_digest("admin-token");
    s.set_admin_token_digest(&d).await.unwrap();
    assert_eq!(s.admin_token_digest().await.unwrap(), Some(d));
    assert_eq!(
        last_audit(db).await,
        audit("system", "set", "admin_token", None, 0)
    );
    assert_eq!(s.config_version().await.unwrap(), 1);
}

async fn concurrent_writes_get_distinct_versions(db: &TestDb) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let p = provider(&format!("p{i}"), &["m"]);
            s.put_provider(&p, &crypto(), "t").await.unwrap()
        }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        versions.push(t.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=8).collect::<Vec<u64>>());
    assert_eq!(db.store.config_version().await.unwrap(), 8);
}

both_backends!(
    user_and_key_crud,
    settings_and_admin_token,
    concurrent_writes_get_distinct_versions,
);
