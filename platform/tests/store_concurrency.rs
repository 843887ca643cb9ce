//! Concurrent writers: several threads creating and moving posts at once never see
//! "database is locked" on SQLite, and never lose a write on either backend.

mod support;

use chrono::Utc;
use herald_platform::domain::{Network, PostKind, PostState};
use herald_platform::secret::Secret;
use herald_platform::store::connections::{LoginKind, NewConnection};
use herald_platform::store::posts::NewPost;
use herald_platform::store::posts_transition::PostChanges;
use herald_platform::store::*;
use herald_platform::vault::Keyring;
use support::on_every_backend;

const THREADS: usize = 4;
const POSTS_EACH: usize = 15;

#[test]
fn concurrent_writers_all_succeed() {
    on_every_backend(|db| {
        let keyring = Keyring::generate();
        let (tenant, account) = {
            let mut conn = db.store.conn().unwrap();
            let agency = agencies::create(&mut conn, "A", "UTC", Utc::now()).unwrap();
            let tenant = tenants::create(&mut conn, agency.id, "T", Utc::now())
                .unwrap()
                .id;
            let connection = connections::upsert(
                &mut conn,
                &keyring,
                tenant,
                &NewConnection {
                    login_kind: LoginKind::Facebook,
                    meta_user_id: "1".into(),
                    user_token: Secret::new("t"),
                    expires_at: None,
                    scopes: vec![],
                },
                Utc::now(),
            )
            .unwrap();
            let account = accounts::upsert(
                &mut conn,
                &keyring,
                tenant,
                &accounts::NewAccount {
                    connection_id: connection.id,
                    network: Network::Facebook,
                    external_id: "p".into(),
                    name: "P".into(),
                    username: None,
                    linked_page_id: None,
                    page_token: None,
                },
                Utc::now(),
            )
            .unwrap();
            (tenant, account.id)
        };

        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                let store = db.store.clone();
                scope.spawn(move || {
                    for _ in 0..POSTS_EACH {
                        let mut conn = store.conn().unwrap();
                        let new = NewPost {
                            account_id: account,
                            kind: PostKind::FbFeed,
                            caption: "c".into(),
                            spec: serde_json::json!({}),
                            publish_at: Utc::now(),
                            state: PostState::Scheduled,
                            idempotency_key: None,
                        };
                        let post = posts::create(&mut conn, tenant, &new, "s", None, Utc::now())
                            .expect("create under contention");
                        posts_transition::transition(
                            &mut conn,
                            tenant,
                            post.id,
                            PostState::Scheduled,
                            PostState::Queued,
                            "due",
                            PostChanges {
                                count_attempt: true,
                                ..Default::default()
                            },
                            Some(outbox::NewOutboxEvent::new(
                                "post.queued",
                                serde_json::json!({}),
                            )),
                            Utc::now(),
                        )
                        .expect("transition under contention");
                    }
                });
            }
        });

        let mut conn = db.store.conn().unwrap();
        let filter = posts_list::PostFilter {
            states: vec![PostState::Queued],
            limit: 200,
            ..Default::default()
        };
        let queued = posts_list::list(&mut conn, tenant, &filter).unwrap().posts;
        assert_eq!(queued.len(), THREADS * POSTS_EACH, "{}", db.label);
        assert!(queued.iter().all(|p| p.attempts == 1));
        let events = outbox::list_for_tenant(&mut conn, tenant, 1000).unwrap();
        assert_eq!(events.len(), THREADS * POSTS_EACH);
    });
}
