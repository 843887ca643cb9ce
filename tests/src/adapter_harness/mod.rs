//! Test doubles and fixtures for the adapters' contract tests: the real sandbox on a free
//! loopback port with its control API, a static server for the media fixtures, an
//! in-memory `StepContext` (a stand-in for the publish engine), and a driver that runs a
//! publish step by step, moving both clocks forward instead of sleeping.

pub mod context;
pub mod driver;
pub mod media;
pub mod sandbox;

pub use context::TestContext;
pub use driver::{drive, Drive};
pub use media::{Fixture, MediaServer};
pub use sandbox::{SandboxHandle, SandboxPage, SandboxUser};
