//! The posts suite: create, move, list and fence posts, the same on SQLite always and on
//! PostgreSQL when `HERALD_TEST_POSTGRES_URL` is set.

mod support;

use chrono::Duration;
use herald_platform::domain::{Network, PostKind, PostState};
use herald_platform::ids::{NodeId, PostId};
use herald_platform::secret::Secret;
use herald_platform::store::connections::{LoginKind, NewConnection};
use herald_platform::store::outbox::NewOutboxEvent;
use herald_platform::store::posts::NewPost;
use herald_platform::store::posts_list::{PostCursor, PostFilter};
use herald_platform::store::posts_transition::PostChanges;
use herald_platform::store::*;
use herald_platform::vault::Keyring;
use support::fixture::{fixture, new_post, now, Fixture};
use support::{on_every_backend, TestDb};

#[test]
fn posts_behave_the_same_on_every_backend() {
    on_every_backend(|db: &TestDb| {
        let keyring = Keyring::generate();
        let mut conn = db.store.conn().unwrap();
        let f = fixture(&mut conn, &keyring);
        posts_create_and_transition(&mut conn, &f);
        posts_list_pages_and_filters(&mut conn, &f);
        failed_transition_changes_nothing(&mut conn, &f);
        leases_fence_writes(&mut conn, &f);
        println!("posts suite passed on {}", db.label);
    });
}

fn posts_create_and_transition(conn: &mut DbConnection, f: &Fixture) {
    let created_event = NewOutboxEvent::new("post.scheduled", serde_json::json!({"n": 1}));
    let post = posts::create(
        conn,
        f.tenant,
        &NewPost {
            idempotency_key: Some("k-1".into()),
            ..new_post(f.facebook, PostKind::FbFeed, now())
        },
        "scheduled by the API",
        Some(&created_event),
        now(),
    )
    .unwrap();
    assert_eq!(post.state, PostState::Scheduled);
    assert_eq!(post_events::list(conn, f.tenant, post.id).unwrap().len(), 1);
    let events = outbox::list_for_tenant(conn, f.tenant, 10).unwrap();
    assert_eq!(events[0].event_type, "post.scheduled");

    // Same idempotency key: conflict. Wrong network: invalid. Other tenant: missing.
    let dup = posts::create(
        conn,
        f.tenant,
        &NewPost {
            idempotency_key: Some("k-1".into()),
            ..new_post(f.facebook, PostKind::FbFeed, now())
        },
        "again",
        None,
        now(),
    );
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    let wrong = posts::create(
        conn,
        f.tenant,
        &new_post(f.facebook, PostKind::IgImage, now()),
        "x",
        None,
        now(),
    )
    .unwrap_err();
    assert!(
        wrong
            .to_string()
            .starts_with("invalid account_id: is a facebook account"),
        "{wrong}"
    );
    let stranger = tenants::create(conn, f.agency, "Stranger 2", now()).unwrap();
    assert!(matches!(
        posts::get(conn, stranger.id, post.id),
        Err(StoreError::NotFound { .. })
    ));
    let foreign = posts::create(
        conn,
        stranger.id,
        &new_post(f.facebook, PostKind::FbFeed, now()),
        "x",
        None,
        now(),
    );
    assert!(
        matches!(foreign, Err(StoreError::NotFound { what: "account" })),
        "{foreign:?}"
    );

    // A move writes state, changes, timeline and outbox together.
    let moved = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Scheduled,
        PostState::Queued,
        "due",
        PostChanges {
            count_attempt: true,
            next_attempt_at: Some(Some(now())),
            ..Default::default()
        },
        Some(NewOutboxEvent::new("post.queued", serde_json::json!({}))),
        now(),
    )
    .unwrap();
    assert_eq!((moved.state, moved.attempts), (PostState::Queued, 1));
    let timeline = post_events::list(conn, f.tenant, post.id).unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(
        (timeline[1].from_state, timeline[1].to_state),
        (Some(PostState::Scheduled), PostState::Queued)
    );
    assert_eq!(
        outbox::list_for_tenant(conn, f.tenant, 10).unwrap().len(),
        2
    );

    // The loser of a race is told, and nothing is written.
    let lost = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Scheduled,
        PostState::Queued,
        "due again",
        PostChanges::default(),
        Some(NewOutboxEvent::new("post.queued", serde_json::json!({}))),
        now(),
    );
    assert!(matches!(lost, Err(StoreError::Conflict { .. })), "{lost:?}");
    assert_eq!(post_events::list(conn, f.tenant, post.id).unwrap().len(), 2);
    assert_eq!(
        outbox::list_for_tenant(conn, f.tenant, 10).unwrap().len(),
        2
    );

    // The state machine's rules hold.
    let bad = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Queued,
        PostState::Published,
        "skip",
        PostChanges::default(),
        None,
        now(),
    )
    .unwrap_err();
    assert_eq!(
        bad.to_string(),
        "invalid state: a post cannot move from queued to published"
    );

    // Checkpoints and results persist.
    let preparing = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Queued,
        PostState::Preparing,
        "container",
        PostChanges {
            checkpoint: Some(herald_platform::publish::Checkpoint(
                serde_json::json!({"container": "c1"}),
            )),
            ..Default::default()
        },
        None,
        now(),
    )
    .unwrap();
    assert_eq!(preparing.checkpoint.0["container"], "c1");
    let done = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Preparing,
        PostState::Published,
        "published",
        PostChanges {
            external_id: Some(Some("123_456".into())),
            permalink: Some(Some("https://example.invalid/p".into())),
            ..Default::default()
        },
        None,
        now(),
    )
    .unwrap();
    assert_eq!(done.external_id.as_deref(), Some("123_456"));
    assert_eq!(
        posts::get(conn, f.tenant, post.id).unwrap().checkpoint.0["container"],
        "c1"
    );
}

fn posts_list_pages_and_filters(conn: &mut DbConnection, f: &Fixture) {
    let tenant = tenants::create(conn, f.agency, "Lister", now()).unwrap().id;
    let keyring = Keyring::generate();
    let connection = connections::upsert(
        conn,
        &keyring,
        tenant,
        &NewConnection {
            login_kind: LoginKind::Instagram,
            meta_user_id: "77".into(),
            user_token: Secret::new("IGQ-token"),
            expires_at: None,
            scopes: vec![],
        },
        now(),
    )
    .unwrap();
    let ig = accounts::upsert(
        conn,
        &keyring,
        tenant,
        &accounts::NewAccount {
            connection_id: connection.id,
            network: Network::Instagram,
            external_id: "ig-77".into(),
            name: "IG".into(),
            username: Some("bakery".into()),
            linked_page_id: None,
            page_token: None,
        },
        now(),
    )
    .unwrap();
    let base = now();
    let mut ids = Vec::new();
    for i in 0..5 {
        // Two posts share a publish time, to exercise the id tie-break.
        let at = base + Duration::minutes(i.min(3));
        ids.push(
            posts::create(
                conn,
                tenant,
                &new_post(ig.id, PostKind::IgImage, at),
                "s",
                None,
                now(),
            )
            .unwrap()
            .id,
        );
    }

    let mut seen: Vec<PostId> = Vec::new();
    let mut cursor: Option<PostCursor> = None;
    loop {
        let page = posts_list::list(
            conn,
            tenant,
            &PostFilter {
                limit: 2,
                cursor,
                ..Default::default()
            },
        )
        .unwrap();
        seen.extend(page.posts.iter().map(|p| p.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next.to_string().parse().unwrap()),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, every post once");

    let window = PostFilter {
        from: Some(base + Duration::minutes(1)),
        until: Some(base + Duration::minutes(3)),
        ..Default::default()
    };
    assert_eq!(
        posts_list::list(conn, tenant, &window).unwrap().posts.len(),
        2
    );
    let by_state = PostFilter {
        states: vec![PostState::Published],
        ..Default::default()
    };
    assert!(posts_list::list(conn, tenant, &by_state)
        .unwrap()
        .posts
        .is_empty());
    let by_account = PostFilter {
        account: Some(f.facebook),
        ..Default::default()
    };
    assert!(posts_list::list(conn, tenant, &by_account)
        .unwrap()
        .posts
        .is_empty());
    assert!("garbage".parse::<PostCursor>().is_err());

    let due = posts_list::due(conn, base + Duration::minutes(1), 100).unwrap();
    assert!(due.iter().filter(|p| p.tenant_id == tenant).count() >= 2);
}

fn failed_transition_changes_nothing(conn: &mut DbConnection, f: &Fixture) {
    let post = posts::create(
        conn,
        f.tenant,
        &new_post(f.facebook, PostKind::FbFeed, now()),
        "s",
        None,
        now(),
    )
    .unwrap();
    let outbox_before = outbox::list_for_tenant(conn, f.tenant, 1000).unwrap().len();
    // The outbox event is refused (empty type) after the state and timeline were written.
    let err = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Scheduled,
        PostState::Queued,
        "due",
        PostChanges::default(),
        Some(NewOutboxEvent::new("", serde_json::json!({}))),
        now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("event_type"), "{err}");
    assert_eq!(
        posts::get(conn, f.tenant, post.id).unwrap().state,
        PostState::Scheduled
    );
    assert_eq!(post_events::list(conn, f.tenant, post.id).unwrap().len(), 1);
    assert_eq!(
        outbox::list_for_tenant(conn, f.tenant, 1000).unwrap().len(),
        outbox_before
    );
}

fn leases_fence_writes(conn: &mut DbConnection, f: &Fixture) {
    let (a, b) = (NodeId::new(), NodeId::new());
    let t0 = now();
    let lease = leases::acquire(conn, f.tenant, a, t0 + Duration::seconds(30), t0)
        .unwrap()
        .unwrap();
    assert_eq!(lease.epoch, 1);
    assert!(
        leases::acquire(conn, f.tenant, b, t0 + Duration::seconds(30), t0)
            .unwrap()
            .is_none()
    );

    // A renews without changing the epoch; after expiry, B takes over with a new epoch.
    let renewed = leases::acquire(conn, f.tenant, a, t0 + Duration::seconds(60), t0)
        .unwrap()
        .unwrap();
    assert_eq!(renewed.epoch, 1);
    let later = t0 + Duration::seconds(61);
    let taken = leases::acquire(conn, f.tenant, b, later + Duration::seconds(30), later)
        .unwrap()
        .unwrap();
    assert_eq!(taken.epoch, 2);

    // A comes back with its old fence: refused, nothing written.
    let post = posts::create(
        conn,
        f.tenant,
        &new_post(f.facebook, PostKind::FbFeed, now()),
        "s",
        None,
        now(),
    )
    .unwrap();
    let stale = posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Scheduled,
        PostState::Queued,
        "due",
        PostChanges {
            fence: Some(lease.fence()),
            ..Default::default()
        },
        None,
        later,
    );
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert_eq!(
        posts::get(conn, f.tenant, post.id).unwrap().state,
        PostState::Scheduled
    );
    posts_transition::transition(
        conn,
        f.tenant,
        post.id,
        PostState::Scheduled,
        PostState::Queued,
        "due",
        PostChanges {
            fence: Some(taken.fence()),
            ..Default::default()
        },
        None,
        later,
    )
    .unwrap();

    leases::heartbeat(conn, a, t0).unwrap();
    leases::heartbeat(conn, a, later).unwrap();
    assert_eq!(leases::live_nodes(conn, later).unwrap(), vec![a]);
}
