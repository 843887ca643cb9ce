//! Media files: probing their bytes, storing them by content hash, and signing the URLs
//! Meta fetches them from. Shared by the REST API and the dashboard (through
//! `herald-web`'s media service).

pub mod probe;
pub mod signed_url;
pub mod storage;

pub use probe::{probe, ProbeError};
pub use signed_url::{MediaUrlSigner, MEDIA_PATH};
pub use storage::{sha256_hex, MediaStorage};

#[cfg(test)]
mod tests;
