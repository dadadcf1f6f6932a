//! Store: provider, route and alias CRUD (each write bumps the version and is audited) and
//! referential integrity.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod store_support;

use gproxy_config::bundle::{Alias, ChannelKind};
use gproxy_controlplane::crypto::Crypto;
use gproxy_controlplane::store::{Page, ProviderFilter, StoreError};
use store_support::{audit, is_not_found, last_audit, provider, route, TestDb};

fn crypto() -> Crypto {
    Crypto::from_master_key("entities")
}

async fn provider_crud(db: &TestDb) {
    let s = &db.store;
    let c = crypto();
    let a = provider("a", &["m1"]);
    let mut b = provider("b", &["m2"]);
    b.channel = ChannelKind::Gemini;
    assert_eq!(s.put_provider(&a, &c, "ann").await.unwrap(), 1);
    assert_eq!(
        last_audit(db).await,
        audit("ann", "create", "provider", Some("a"), 1)
    );
    assert_eq!(s.put_provider(&b, &c, "ann").await.unwrap(), 2);
    assert_eq!(s.get_provider(&c, "b").await.unwrap(), Some(b.clone()));
    assert_eq!(s.get_provider(&c, "zzz").await.unwrap(), None);

    // replacing keeps the provider's place in the order
    let mut a2 = a.clone();
    a2.models.push(store_support::model("m1b"));
    a2.credentials[0].api_key = "sk-rotated".into();
    assert_eq!(s.put_provider(&a2, &c, "bob").await.unwrap(), 3);
    assert_eq!(
        last_audit(db).await,
        audit("bob", "replace", "provider", Some("a"), 3)
    );
    let all = s.list_providers(&c, Page::default()).await.unwrap();
    assert_eq!((all.total, all.items), (2, vec![a2.clone(), b.clone()]));

    // paging and filters
    let page = s.list_providers(&c, Page::new(1, 1)).await.unwrap();
    assert_eq!((page.total, page.items), (2, vec![b.clone()]));
    let gemini = ProviderFilter {
        channel: Some(ChannelKind::Gemini),
        ..Default::default()
    };
    assert_eq!(
        s.find_providers(&c, &gemini, Page::default())
            .await
            .unwrap()
            .items,
        vec![b.clone()]
    );

    // enable/disable is all or nothing
    let err = s
        .set_providers_enabled(&["a".into(), "ghost".into()], false, "ann")
        .await
        .unwrap_err();
    assert!(
        is_not_found(&err) && err.to_string().contains("ghost"),
        "{err}"
    );
    assert!(s.get_provider(&c, "a").await.unwrap().unwrap().enabled);
    assert_eq!(s.config_version().await.unwrap(), 3);
    assert_eq!(
        s.set_providers_enabled(&["a".into(), "b".into()], false, "ann")
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        last_audit(db).await,
        audit("ann", "disable", "provider", None, 4)
    );
    let disabled = ProviderFilter {
        enabled: Some(false),
        ..Default::default()
    };
    assert_eq!(
        s.find_providers(&c, &disabled, Page::default())
            .await
            .unwrap()
            .total,
        2
    );
    let enabled = ProviderFilter {
        enabled: Some(true),
        ..Default::default()
    };
    assert_eq!(
        s.find_providers(&c, &enabled, Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    assert_eq!(s.delete_provider("a", "ann").await.unwrap(), 5);
    assert_eq!(
        last_audit(db).await,
        audit("ann", "delete", "provider", Some("a"), 5)
    );
    assert_eq!(
        db.raw_count("SELECT COUNT(*) FROM credentials WHERE provider = 'a'")
            .await,
        0
    );
    assert_eq!(
        db.raw_count("SELECT COUNT(*) FROM models WHERE provider = 'a'")
            .await,
        0
    );
    let err = s.delete_provider("a", "ann").await.unwrap_err();
    assert!(is_not_found(&err), "{err:?}");
    assert_eq!(s.config_version().await.unwrap(), 5);
    assert_eq!(s.audit_log(Page::default()).await.unwrap().total, 5);
}

async fn referenced_provider_is_a_conflict(db: &TestDb) {
    let s = &db.store;
    let c = crypto();
    s.put_provider(&provider("oai", &["gpt-4o", "mini"]), &c, "t")
        .await
        .unwrap();
    s.put_route(&route("gpt-4o", &[("oai", "gpt-4o")]), "t")
        .await
        .unwrap();
    let alias = Alias {
        name: Some("small".into()),
        pattern: None,
        target: "oai/mini".into(),
    };
    s.put_alias(&alias, "t").await.unwrap();
    let v = s.config_version().await.unwrap();

    let err = s.delete_provider("oai", "t").await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        msg.contains("route `gpt-4o` uses `oai/gpt-4o`") && msg.contains("alias `small`"),
        "{msg}"
    );
    // dropping a used model is refused too, an unused one is fine
    let err = s
        .put_provider(&provider("oai", &["mini"]), &c, "t")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("route `gpt-4o` uses `oai/gpt-4o`"),
        "{err}"
    );
    assert_eq!(s.config_version().await.unwrap(), v);
    assert!(s.get_provider(&c, "oai").await.unwrap().is_some());

    // a route cannot go while an alias targets it
    s.put_alias(
        &Alias {
            name: Some("four".into()),
            pattern: None,
            target: "gpt-4o".into(),
        },
        "t",
    )
    .await
    .unwrap();
    let err = s.delete_route("gpt-4o", "t").await.unwrap_err();
    assert!(err.to_string().contains("alias(es) `four`"), "{err}");

    s.delete_alias("four", "t").await.unwrap();
    s.delete_route("gpt-4o", "t").await.unwrap();
    let err = s.delete_provider("oai", "t").await.unwrap_err();
    assert!(
        err.to_string().contains("alias `small` targets `oai/mini`"),
        "{err}"
    );
    s.delete_alias("small", "t").await.unwrap();
    assert_eq!(s.delete_provider("oai", "t").await.unwrap(), v + 5);
}

async fn route_and_alias_crud(db: &TestDb) {
    let s = &db.store;
    s.put_provider(&provider("p", &["m", "n"]), &crypto(), "t")
        .await
        .unwrap();
    let err = s
        .put_route(&route("r", &[("p", "m"), ("p", "ghost")]), "t")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("route `r` member 1: provider `p` has no model `ghost`"),
        "{err}"
    );
    assert_eq!(s.get_route("r").await.unwrap(), None);

    let r = route("r", &[("p", "m"), ("p", "n")]);
    assert_eq!(s.put_route(&r, "t").await.unwrap(), 2);
    assert_eq!(
        last_audit(db).await,
        audit("t", "create", "route", Some("r"), 2)
    );
    assert_eq!(s.get_route("r").await.unwrap(), Some(r.clone()));
    let r2 = route("r", &[("p", "n")]);
    assert_eq!(s.put_route(&r2, "t").await.unwrap(), 3);
    assert_eq!(s.get_route("r").await.unwrap(), Some(r2.clone()));
    s.put_route(&route("other", &[("p", "m")]), "t")
        .await
        .unwrap();
    assert_eq!(s.list_routes(Page::default()).await.unwrap().total, 2);
    assert_eq!(
        s.find_routes(Some("oth"), Page::default())
            .await
            .unwrap()
            .items[0]
            .name,
        "other"
    );

    let bad = Alias {
        name: None,
        pattern: Some("^x$".into()),
        target: "nowhere".into(),
    };
    let err = s.put_alias(&bad, "t").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("neither a route nor a provider/model"),
        "{err}"
    );
    let both = Alias {
        name: Some("a".into()),
        pattern: Some("b".into()),
        target: "r".into(),
    };
    assert!(matches!(
        s.put_alias(&both, "t").await,
        Err(StoreError::Invalid(_))
    ));
    let pat = Alias {
        name: None,
        pattern: Some("^claude-.*$".into()),
        target: "r".into(),
    };
    let v = s.put_alias(&pat, "t").await.unwrap();
    assert_eq!(
        last_audit(db).await,
        audit("t", "create", "alias", Some("^claude-.*$"), v)
    );
    assert_eq!(s.get_alias("^claude-.*$").await.unwrap(), Some(pat.clone()));
    let pat2 = Alias {
        target: "p/m".into(),
        ..pat.clone()
    };
    assert_eq!(s.put_alias(&pat2, "t").await.unwrap(), v + 1);
    assert_eq!(
        s.list_aliases(Page::default()).await.unwrap().items,
        vec![pat2]
    );
    assert_eq!(s.delete_alias("^claude-.*$", "t").await.unwrap(), v + 2);
    assert!(is_not_found(
        &s.delete_alias("^claude-.*$", "t").await.unwrap_err()
    ));
    assert_eq!(s.delete_route("r", "t").await.unwrap(), v + 3);
    assert_eq!(
        db.raw_count("SELECT COUNT(*) FROM route_members WHERE route = 'r'")
            .await,
        0
    );
    assert!(is_not_found(&s.delete_route("r", "t").await.unwrap_err()));
    assert_eq!(s.config_version().await.unwrap(), v + 3);
}

both_backends!(
    provider_crud,
    referenced_provider_is_a_conflict,
    route_and_alias_crud,
);
