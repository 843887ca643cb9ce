//! The rest of the repository suite (media, API keys, links, invitations, deliveries,
//! inbound events, idempotency keys), on SQLite always and PostgreSQL when configured.

mod support;

use chrono::{DateTime, Duration, Utc};
use herald_platform::domain::{MediaFacts, MediaType};
use herald_platform::ids::{AgencyId, MediaId, TenantId};
use herald_platform::secret::Secret;
use herald_platform::store::idempotency::Claim;
use herald_platform::store::users::Role;
use herald_platform::store::webhook_deliveries::{DeliveryStatus, NewDelivery};
use herald_platform::store::webhooks::{EndpointOwner, NewEndpoint};
use herald_platform::store::*;
use herald_platform::vault::Keyring;
use support::{on_every_backend, TestDb};

fn now() -> DateTime<Utc> {
    herald_platform::clock::from_millis(Utc::now().timestamp_millis())
}

fn setup(conn: &mut DbConnection) -> (AgencyId, TenantId, TenantId) {
    let agency = agencies::create(conn, "Agency", "UTC", now()).unwrap().id;
    let a = tenants::create(conn, agency, "A", now()).unwrap().id;
    let b = tenants::create(conn, agency, "B", now()).unwrap().id;
    (agency, a, b)
}

#[test]
fn the_other_repositories_behave_the_same_on_every_backend() {
    on_every_backend(|db: &TestDb| {
        let mut conn = db.store.conn().unwrap();
        let (agency, a, b) = setup(&mut conn);
        media_is_content_addressed_per_tenant(&mut conn, a, b);
        api_keys_by_prefix(&mut conn, agency, a);
        links_and_invitations(&mut conn, agency, a);
        deliveries(&mut conn, agency, a, b);
        inbound_and_idempotency(&mut conn, agency);
        println!("second repository suite passed on {}", db.label);
    });
}

fn media_is_content_addressed_per_tenant(conn: &mut DbConnection, a: TenantId, b: TenantId) {
    let facts = MediaFacts {
        media_type: MediaType::Image,
        mime: "image/jpeg".into(),
        size_bytes: 1234,
        width: 1080,
        height: 1350,
        duration_ms: None,
        frame_rate: None,
        video_codec: None,
        audio_codec: None,
    };
    let new = media::NewMedia {
        sha256: "AB".repeat(32),
        facts: facts.clone(),
        storage_path: "ab/abab.jpg".into(),
        source_url: None,
    };
    let first = media::create_or_get(conn, a, &new, now()).unwrap();
    let again = media::create_or_get(conn, a, &new, now()).unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(first.sha256, "ab".repeat(32));
    assert_eq!(first.facts, facts);
    let other = media::create_or_get(conn, b, &new, now()).unwrap();
    assert_ne!(other.id, first.id);

    assert!(matches!(
        media::get(conn, b, first.id),
        Err(StoreError::NotFound { .. })
    ));
    let both = media::get_many(conn, a, &[first.id, first.id]).unwrap();
    assert_eq!(both.len(), 2);
    assert!(media::get_many(conn, a, &[first.id, MediaId::new()]).is_err());
    let bad = media::NewMedia {
        sha256: "xyz".into(),
        ..new
    };
    assert_eq!(
        media::create_or_get(conn, a, &bad, now())
            .unwrap_err()
            .to_string(),
        "invalid sha256: must be 64 hex digits"
    );
}

fn api_keys_by_prefix(conn: &mut DbConnection, agency: AgencyId, a: TenantId) {
    let key = api_keys::create(conn, agency, Some(a), "hk_abc", "hash-1", "CI", now()).unwrap();
    let found = api_keys::find_by_prefix(conn, "hk_abc").unwrap().unwrap();
    assert_eq!((found.id, found.tenant_id), (key.id, Some(a)));
    assert!(!format!("{found:?}").contains("hash-1"));
    api_keys::touch(conn, key.id, now()).unwrap();
    api_keys::revoke(conn, agency, key.id, now()).unwrap();
    let revoked = api_keys::find_by_prefix(conn, "hk_abc").unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    let other = agencies::create(conn, "Other", "UTC", now()).unwrap().id;
    assert!(matches!(
        api_keys::revoke(conn, other, key.id, now()),
        Err(StoreError::NotFound { .. })
    ));
    let dup = api_keys::create(conn, agency, None, "hk_abc", "hash-2", "again", now());
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
}

fn links_and_invitations(conn: &mut DbConnection, agency: AgencyId, a: TenantId) {
    let link =
        connect_links::create(conn, a, "link-hash", now() + Duration::days(7), now()).unwrap();
    assert_eq!(
        connect_links::find_valid(conn, "link-hash", now())
            .unwrap()
            .unwrap()
            .id,
        link.id
    );
    assert!(
        connect_links::find_valid(conn, "link-hash", now() + Duration::days(8))
            .unwrap()
            .is_none()
    );
    connect_links::mark_used(conn, a, link.id, now()).unwrap();
    assert!(connect_links::list(conn, a).unwrap()[0].used_at.is_some());

    let inv = invitations::create(
        conn,
        agency,
        "Bo@Example.com",
        Role::Member,
        "inv-hash",
        None,
        now() + Duration::days(1),
        now(),
    )
    .unwrap();
    assert_eq!(inv.email, "bo@example.com");
    let accepted = invitations::accept(conn, "inv-hash", now()).unwrap();
    assert!(accepted.accepted_at.is_some());
    assert!(matches!(
        invitations::accept(conn, "inv-hash", now()),
        Err(StoreError::Conflict { .. })
    ));
    invitations::create(
        conn,
        agency,
        "c@example.com",
        Role::Owner,
        "old-hash",
        None,
        now(),
        now(),
    )
    .unwrap();
    let err = invitations::accept(conn, "old-hash", now() + Duration::seconds(1)).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}

fn deliveries(conn: &mut DbConnection, agency: AgencyId, a: TenantId, b: TenantId) {
    let keyring = Keyring::generate();
    let owner = EndpointOwner {
        agency,
        tenant: Some(a),
    };
    let endpoint = webhooks::create(
        conn,
        &keyring,
        owner,
        &NewEndpoint {
            url: "http://127.0.0.1:9/h".into(),
            description: "test".into(),
            event_types: vec!["*".into()],
            secret: Secret::new("whsec_x"),
        },
        now(),
    )
    .unwrap();
    let event = outbox::insert(
        conn,
        agency,
        Some(a),
        &outbox::NewOutboxEvent::new("post.published", serde_json::json!({})),
        now(),
    )
    .unwrap();
    let attempt = |n: i32, status, next: Option<DateTime<Utc>>| NewDelivery {
        endpoint_id: endpoint.id,
        event_id: event.id,
        attempt: n,
        status,
        http_status: Some(503),
        latency_ms: Some(12),
        response_start: Some("busy".into()),
        error: None,
        next_attempt_at: next,
    };
    let first = webhook_deliveries::record(
        conn,
        owner,
        &attempt(1, DeliveryStatus::Pending, Some(now())),
        now(),
    )
    .unwrap();
    assert_eq!(webhook_deliveries::due(conn, now(), 10).unwrap().len(), 1);
    webhook_deliveries::set_status(conn, first.id, DeliveryStatus::Failed).unwrap();
    assert!(webhook_deliveries::due(conn, now(), 10).unwrap().is_empty());
    webhook_deliveries::record(
        conn,
        owner,
        &attempt(2, DeliveryStatus::Succeeded, None),
        now(),
    )
    .unwrap();

    let listed = webhook_deliveries::list_for_endpoint(conn, owner, endpoint.id, 10).unwrap();
    assert_eq!(
        listed.iter().map(|d| d.attempt).collect::<Vec<_>>().len(),
        2
    );
    let stranger = EndpointOwner {
        agency,
        tenant: Some(b),
    };
    assert!(
        webhook_deliveries::list_for_endpoint(conn, stranger, endpoint.id, 10)
            .unwrap()
            .is_empty()
    );
}

fn inbound_and_idempotency(conn: &mut DbConnection, agency: AgencyId) {
    let stored = inbound_events::insert_once(conn, "page:1:123", "page", "{}", now()).unwrap();
    assert!(stored.is_some());
    assert!(
        inbound_events::insert_once(conn, "page:1:123", "page", "{}", now())
            .unwrap()
            .is_none()
    );
    let pending = inbound_events::unprocessed(conn, 10).unwrap();
    assert_eq!(pending.len(), 1);
    inbound_events::mark_processed(conn, pending[0].id, now()).unwrap();
    assert!(inbound_events::unprocessed(conn, 10).unwrap().is_empty());

    assert_eq!(
        idempotency::claim(conn, agency, "key-1", "req-a", now()).unwrap(),
        Claim::New
    );
    assert_eq!(
        idempotency::claim(conn, agency, "key-1", "req-a", now()).unwrap(),
        Claim::InProgress
    );
    assert_eq!(
        idempotency::claim(conn, agency, "key-1", "req-b", now()).unwrap(),
        Claim::Mismatch
    );
    idempotency::finish(conn, agency, "key-1", 201, "{\"id\":1}").unwrap();
    assert_eq!(
        idempotency::claim(conn, agency, "key-1", "req-a", now()).unwrap(),
        Claim::Replay {
            status: 201,
            body: "{\"id\":1}".into()
        }
    );
    idempotency::claim(conn, agency, "key-2", "req", now()).unwrap();
    idempotency::release(conn, agency, "key-2").unwrap();
    assert_eq!(
        idempotency::claim(conn, agency, "key-2", "req", now()).unwrap(),
        Claim::New
    );
}

#[test]
fn an_idempotency_claim_left_by_a_dead_process_is_taken_over() {
    use herald_platform::store::idempotency_api::{
        claim_idempotency, finish_idempotency, IdempotencyClaim, CLAIM_TRUSTED_FOR,
    };
    on_every_backend(|db: &TestDb| {
        let mut conn = db.store.conn().unwrap();
        let (agency, _, _) = setup(&mut conn);
        let t0 = now();
        let claim = |conn: &mut DbConnection, process: &str, at| {
            claim_idempotency(conn, agency, "key-1", "hash-1", process, at).unwrap()
        };
        assert_eq!(claim(&mut conn, "proc_a", t0), IdempotencyClaim::New);
        // The same process is still running it.
        assert_eq!(claim(&mut conn, "proc_a", t0), IdempotencyClaim::InProgress);

        // Another process: on SQLite the first one died (one process serves the file); on
        // PostgreSQL another node may still run it, until the claim is old.
        let later = t0 + Duration::seconds(5);
        if conn.is_sqlite() {
            assert_eq!(claim(&mut conn, "proc_b", later), IdempotencyClaim::New);
        } else {
            assert_eq!(
                claim(&mut conn, "proc_b", later),
                IdempotencyClaim::InProgress
            );
            let stale = t0 + CLAIM_TRUSTED_FOR + Duration::seconds(1);
            assert_eq!(claim(&mut conn, "proc_b", stale), IdempotencyClaim::New);
        }
        // The new owner answers; everyone else now gets that answer.
        finish_idempotency(&mut conn, agency, "key-1", 201, "{\"id\":1}").unwrap();
        let replay = IdempotencyClaim::Replay {
            status: 201,
            body: "{\"id\":1}".into(),
        };
        assert_eq!(claim(&mut conn, "proc_a", later), replay);
        // A different request under the key is still refused.
        assert_eq!(
            claim_idempotency(&mut conn, agency, "key-1", "hash-2", "proc_c", later).unwrap(),
            IdempotencyClaim::Mismatch
        );
    });
}
