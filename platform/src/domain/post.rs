//! Post kinds and the publishing state machine's states.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A name (kind, state, network) that Herald does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName {
                        what: $what,
                        value: value.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

named_enum!(
    /// The network an account lives on; each has one `Publisher`.
    Network, "network" {
        Facebook => "facebook",
        Instagram => "instagram",
    }
);

named_enum!(
    /// What is being published.
    PostKind, "post kind" {
        FbFeed => "fb_feed",
        FbPhotos => "fb_photos",
        FbVideo => "fb_video",
        FbReel => "fb_reel",
        FbStory => "fb_story",
        IgImage => "ig_image",
        IgReel => "ig_reel",
        IgCarousel => "ig_carousel",
        IgStory => "ig_story",
    }
);

impl PostKind {
    pub fn network(&self) -> Network {
        match self {
            PostKind::FbFeed
            | PostKind::FbPhotos
            | PostKind::FbVideo
            | PostKind::FbReel
            | PostKind::FbStory => Network::Facebook,
            PostKind::IgImage | PostKind::IgReel | PostKind::IgCarousel | PostKind::IgStory => {
                Network::Instagram
            }
        }
    }
}

named_enum!(
    /// Where a post is in its life. See DESIGN.md, "Publishing: a durable state machine".
    PostState, "post state" {
        Scheduled => "scheduled",
        Queued => "queued",
        Preparing => "preparing",
        Processing => "processing",
        Publishing => "publishing",
        Published => "published",
        Failed => "failed",
        Canceled => "canceled",
        Unconfirmed => "unconfirmed",
    }
);

impl PostState {
    /// A state the post never leaves by itself.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            PostState::Published | PostState::Failed | PostState::Canceled | PostState::Unconfirmed
        )
    }

    /// A state in which a remote step may be under way, so recovery must reconcile
    /// before acting again.
    pub fn is_in_flight(&self) -> bool {
        matches!(
            self,
            PostState::Preparing | PostState::Processing | PostState::Publishing
        )
    }

    /// Whether the state machine allows moving from `self` to `to`.
    pub fn can_move_to(&self, to: PostState) -> bool {
        use PostState::*;
        match (self, to) {
            (from, _) if from.is_terminal() => matches!((from, to), (Failed | Unconfirmed, Queued)),
            (_, Canceled) => matches!(self, Scheduled | Queued),
            (Scheduled, Queued) => true,
            (Queued, Preparing | Scheduled) => true,
            (Preparing, Preparing | Processing | Publishing | Queued) => true,
            (Processing, Processing | Publishing | Preparing | Queued) => true,
            (Publishing, Publishing | Queued | Preparing) => true,
            (Preparing | Processing | Publishing, Published | Failed | Unconfirmed) => true,
            (Queued, Failed) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in PostKind::ALL {
            assert_eq!(kind.as_str().parse::<PostKind>().unwrap(), *kind);
        }
        for state in PostState::ALL {
            assert_eq!(state.as_str().parse::<PostState>().unwrap(), *state);
        }
    }

    #[test]
    fn unknown_kind_lists_the_known_ones() {
        let err = "ig_video".parse::<PostKind>().unwrap_err();
        assert!(err.to_string().contains("ig_reel"), "{err}");
    }

    #[test]
    fn a_published_post_cannot_be_canceled_or_requeued() {
        assert!(!PostState::Published.can_move_to(PostState::Canceled));
        assert!(!PostState::Published.can_move_to(PostState::Queued));
        assert!(PostState::Failed.can_move_to(PostState::Queued));
        assert!(!PostState::Publishing.can_move_to(PostState::Canceled));
    }
}
