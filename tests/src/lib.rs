//! Shared pieces of Herald's end-to-end tests: running the real `herald` binary as a child
//! process, and talking to the Meta sandbox's control API.

pub mod adapter_harness;
pub mod process;
