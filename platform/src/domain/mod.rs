//! Herald's domain vocabulary: what a post is, what state it is in, what a media file is.
//! Plain data and plain functions; no I/O.

pub mod media;
pub mod post;
pub mod spec;

pub use media::{MediaFacts, MediaType};
pub use post::{Network, PostKind, PostState, UnknownName};
pub use spec::{PostOptions, PostSpec, SpecMedia, UserTag};
