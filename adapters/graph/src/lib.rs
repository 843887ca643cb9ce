//! Herald's Graph API client: versioned base URLs for every Meta host, Meta's error
//! envelope as a typed [`GraphError`], the [`classify`] function that turns it into the
//! engine's [`Verdict`](herald_platform::publish::Verdict), usage headers as a
//! [`BudgetReport`](herald_platform::publish::BudgetReport), and the OAuth and token
//! endpoints of Facebook Login and Instagram Login. [`GraphPublisher`] is the `Publisher`
//! both networks share: each supplies its steps through [`GraphAdapter`].
//!
//! Depends on the platform only; never on another adapter, the sandbox or `web`.

pub mod classify;
pub mod client;
pub mod config;
pub mod error;
pub mod oauth;
pub mod pkce;
pub mod publisher;
pub mod redact;
pub mod rules;
pub mod session;
pub mod steps;
pub mod usage;

pub use classify::{classify, classify_call, classify_container_error};
pub use client::{Body, GraphClient, GraphResponse, Request};
pub use config::{GraphConfig, Host, DEFAULT_API_VERSION};
pub use error::{CallError, Delivery, GraphError};
pub use oauth::{GranularScope, IgAccount, PageAccount, TokenDebug, TokenGrant};
pub use pkce::{new_state, Pkce};
pub use publisher::{read_checkpoint, GraphAdapter, GraphPublisher, StepState};
pub use session::{is_graph_error, missing_field, str_field, Session};
pub use steps::{InFlight, CLOCK_SLACK};
pub use usage::parse_usage;
