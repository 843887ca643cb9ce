//! A store, the services and a webhook dispatcher driven by hand with an accelerated
//! clock, plus receivers on 127.0.0.1 that answer as a test scripts them.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use herald_platform::clock::{OffsetClock, SharedClock};
use herald_platform::ids::{AgencyId, TenantId, WebhookEndpointId};
use herald_platform::media::{MediaStorage, MediaUrlSigner};
use herald_platform::publish::Limits;
use herald_platform::secret::Secret;
use herald_platform::store::webhook_endpoints_api::{
    self, DeliveryRecord, EndpointRecord, EndpointScope,
};
use herald_platform::store::{tenants_api, Store};
use herald_platform::vault::Keyring;
use herald_platform::webhooks::{queue, Dispatcher, EventType};
use herald_web::outbound::{AddressPolicy, OutboundClient};
use herald_web::services::webhook_endpoints::{self, EndpointInput, EndpointWithSecret};
use herald_web::services::{no_wake, Services};

/// Everything a delivery test needs.
pub struct Env {
    pub services: Arc<Services>,
    pub dispatcher: Dispatcher,
    pub clock: OffsetClock,
    pub agency: AgencyId,
    pub tenant: TenantId,
    pub _dir: tempfile::TempDir,
}

/// A store in a temp dir (or PostgreSQL when `postgres_url` is given), an agency and a
/// tenant, and a dispatcher whose attempts time out after `timeout`.
pub fn env_on(database_url: Option<String>, timeout: Duration) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("herald.db").display()));
    let store = Store::open(&url).unwrap();
    store.migrate().unwrap();
    let clock = OffsetClock::default();
    let shared: SharedClock = Arc::new(clock.clone());
    let keyring = Arc::new(Keyring::generate());
    let outbound = OutboundClient::new(AddressPolicy::allow_loopback(), timeout).unwrap();
    let services = Arc::new(Services {
        store: store.clone(),
        keyring: keyring.clone(),
        clock: shared.clone(),
        public_url: "http://127.0.0.1:9".into(),
        publishers: Arc::new(HashMap::new()),
        limits: Limits::default(),
        media_storage: MediaStorage::new(dir.path()),
        media_signer: MediaUrlSigner::new(Secret::new("k")),
        max_media_bytes: 1024,
        outbound: outbound.clone(),
        wake_engine: no_wake(),
        wake_dispatcher: no_wake(),
    });
    let dispatcher = Dispatcher {
        store: store.clone(),
        keyring,
        transport: Arc::new(outbound),
        clock: shared,
        metrics: None,
    };

    let now = clock_now(&clock);
    let mut conn = store.conn().unwrap();
    let agency = tenants_api::insert_agency(&mut conn, "Agency", "UTC", now).unwrap();
    let tenant = tenants_api::insert_tenant(&mut conn, agency, "Client", now)
        .unwrap()
        .id;
    Env {
        services,
        dispatcher,
        clock,
        agency,
        tenant,
        _dir: dir,
    }
}

pub fn env(timeout: Duration) -> Env {
    env_on(None, timeout)
}

fn clock_now(clock: &OffsetClock) -> chrono::DateTime<chrono::Utc> {
    use herald_platform::clock::Clock;
    clock.now()
}

impl Env {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        clock_now(&self.clock)
    }

    pub fn scope(&self) -> EndpointScope {
        EndpointScope {
            agency: self.agency,
            tenant: Some(self.tenant),
        }
    }

    pub fn endpoint(&self, url: &str) -> EndpointWithSecret {
        let input = EndpointInput {
            url: Some(url.to_owned()),
            ..EndpointInput::default()
        };
        webhook_endpoints::create_endpoint(&self.services, self.scope(), input).unwrap()
    }

    /// Writes an event for the tenant to the outbox.
    pub fn event(&self, event_type: EventType, data: serde_json::Value) -> String {
        let mut conn = self.services.store.conn().unwrap();
        let tenant = self.tenant.to_db();
        queue::insert_event(
            &mut conn,
            &self.agency.to_db(),
            Some(&tenant),
            event_type,
            &data,
            self.now(),
        )
        .unwrap()
        .to_string()
    }

    pub async fn round(&self) -> herald_platform::webhooks::RoundReport {
        self.dispatcher.run_once().await.unwrap()
    }

    /// The endpoint's deliveries, oldest first.
    pub fn deliveries(&self, endpoint: WebhookEndpointId) -> Vec<DeliveryRecord> {
        let mut conn = self.services.store.conn().unwrap();
        let mut list = webhook_endpoints_api::list_deliveries(
            &mut conn,
            self.scope(),
            Some(endpoint),
            None,
            1000,
        )
        .unwrap();
        list.reverse();
        list
    }

    pub fn endpoint_now(&self, endpoint: WebhookEndpointId) -> EndpointRecord {
        let mut conn = self.services.store.conn().unwrap();
        webhook_endpoints_api::get_endpoint(&mut conn, self.scope(), endpoint).unwrap()
    }

    /// The pending attempt's due time, if any.
    pub fn pending_due(
        &self,
        endpoint: WebhookEndpointId,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.deliveries(endpoint)
            .into_iter()
            .find(|d| d.status == "pending")
            .and_then(|d| d.next_attempt_at)
    }

    /// Moves the clock to `at` (plus a millisecond).
    pub fn advance_to(&self, at: chrono::DateTime<chrono::Utc>) {
        let by = at - self.now() + chrono::Duration::milliseconds(1);
        if by > chrono::Duration::zero() {
            self.clock.advance(by);
        }
    }
}

/// How the scripted receiver answers one request.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(u16),
    StatusWithRetryAfter(u16, String),
    RedirectTo(String),
    /// Answers 200, but only after this long (longer than the client's timeout).
    Slow(Duration),
}

/// One request the receiver saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Default)]
struct Script {
    answers: VecDeque<Answer>,
    default: Option<Answer>,
    seen: Vec<Seen>,
}

/// A receiver on 127.0.0.1 that answers from a script and records every request.
#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let script = Arc::new(Mutex::new(Script::default()));
        let data = web::Data::from(script.clone());
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        Receiver {
            base: format!("http://{addr}"),
            script,
        }
    }

    pub fn then(&self, answer: Answer) -> &Self {
        self.script.lock().unwrap().answers.push_back(answer);
        self
    }

    pub fn always(&self, answer: Answer) -> &Self {
        self.script.lock().unwrap().default = Some(answer);
        self
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.script.lock().unwrap().seen.clone()
    }
}

async fn answer(
    req: HttpRequest,
    body: web::Bytes,
    script: web::Data<Mutex<Script>>,
) -> HttpResponse {
    let next = {
        let mut script = script.lock().unwrap();
        script.seen.push(Seen {
            path: req.path().to_owned(),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        script
            .answers
            .pop_front()
            .or_else(|| script.default.clone())
            .unwrap_or(Answer::Status(200))
    };
    match next {
        Answer::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .body(format!("answered {code}"))
        }
        Answer::StatusWithRetryAfter(code, after) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .insert_header(("retry-after", after))
                .body("slow down")
        }
        Answer::RedirectTo(to) => HttpResponse::Found()
            .insert_header(("location", to))
            .finish(),
        Answer::Slow(wait) => {
            actix_web::rt::time::sleep(wait).await;
            HttpResponse::Ok().body("late")
        }
    }
}
