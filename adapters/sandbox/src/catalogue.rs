//! Meta's error catalogue: the message, user title and user message Meta sends for each
//! (code, subcode) the sandbox answers with, whether from a real rule or a fault rule.

use crate::errors::{token_error, GraphError};

/// One known error: which (code, subcode) it answers, and Meta's words for it.
struct Known {
    code: Option<i64>,
    sub: Option<i64>,
    /// `{code}` is replaced by the code.
    message: &'static str,
    /// `error_user_title` and `error_user_msg`, when Meta sets them.
    user: Option<(&'static str, &'static str)>,
    transient: bool,
}

const fn known(
    code: Option<i64>,
    sub: Option<i64>,
    message: &'static str,
    user: Option<(&'static str, &'static str)>,
    transient: bool,
) -> Known {
    Known {
        code,
        sub,
        message,
        user,
        transient,
    }
}

/// Meta's errors, most specific first; `None` matches any code or subcode.
const CATALOGUE: &[Known] = &[
    known(
        Some(1),
        Some(2207057),
        "An unknown error has occurred.",
        Some((
            "Invalid thumbnail offset",
            "Thumbnail offset must be greater than or equal to 0 and less than video duration.",
        )),
        false,
    ),
    known(Some(1), None, "An unknown error has occurred.", None, true),
    known(
        Some(2),
        None,
        "An unexpected error has occurred. Please retry your request later.",
        None,
        true,
    ),
    known(
        Some(4),
        Some(2207051),
        "Application request limit reached",
        Some((
            "Action is blocked",
            "We restrict certain activity to protect our community. Tell us if you think we made \
         a mistake.",
        )),
        false,
    ),
    known(
        Some(4),
        Some(2207050),
        "The Instagram account is restricted.",
        Some((
            "Restricted account",
            "The Instagram account is inactive, checkpointed or restricted.",
        )),
        false,
    ),
    known(
        Some(4),
        None,
        "(#4) Application request limit reached",
        None,
        true,
    ),
    known(
        Some(17),
        None,
        "(#17) User request limit reached",
        None,
        true,
    ),
    known(
        Some(32),
        None,
        "(#32) Page request limit reached",
        None,
        true,
    ),
    known(
        Some(341),
        None,
        "(#341) Application limit reached",
        None,
        true,
    ),
    known(
        Some(613),
        None,
        "(#613) Calls to this api have exceeded the rate limit.",
        None,
        true,
    ),
    known(
        Some(80001),
        None,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try \
         again. For more info, please refer to \
         https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        None,
        true,
    ),
    known(
        Some(80002),
        None,
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and \
         try again. For more info, please refer to \
         https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        None,
        true,
    ),
    known(
        Some(80000),
        None,
        "(#{code}) There have been too many calls for this business use case. Wait a bit and \
         try again.",
        None,
        true,
    ),
    known(
        Some(368),
        Some(1390008),
        "It looks like you were misusing this feature by going too fast. You've been \
         temporarily blocked from using it.",
        Some((
            "You Can't Use This Feature Right Now",
            "You're posting too fast.",
        )),
        false,
    ),
    known(
        Some(368),
        None,
        "The action attempted has been deemed abusive or is otherwise disallowed",
        None,
        false,
    ),
    known(
        Some(10),
        None,
        "(#10) Application does not have permission for this action",
        None,
        false,
    ),
    known(Some(200), None, "(#{code}) Permissions error", None, false),
    known(
        Some(100),
        Some(2207089),
        "(#100) The media type VIDEO is only supported as a \
        carousel item; use REELS instead.",
        Some((
            "Unsupported media type",
            "A standalone VIDEO container cannot be published. Use media_type=REELS.",
        )),
        false,
    ),
    known(
        Some(506),
        None,
        "(#506) Duplicate status message",
        None,
        false,
    ),
    known(
        Some(9007),
        None,
        "The media is not ready for publishing, please wait for a moment",
        Some((
            "Media ID is not available",
            "The media is not ready for publishing, please wait for a moment",
        )),
        false,
    ),
    known(
        Some(9),
        Some(2207042),
        "Application request limit reached",
        Some((
            "Maximum number of posts reached",
            "You reached maximum number of posts that is allowed to be published by Content \
         Publishing API.",
        )),
        false,
    ),
    known(
        Some(-2),
        Some(2207003),
        "Timeout",
        Some((
            "Media download has failed",
            "It takes too long to download the media.",
        )),
        true,
    ),
    known(
        Some(-2),
        Some(2207020),
        "The media you are trying to access has expired.",
        Some((
            "Media has expired",
            "The media you are trying to access has expired. Please try to upload again.",
        )),
        false,
    ),
    known(
        Some(9004),
        Some(2207052),
        "Only photo or video can be accepted as media type.",
        Some((
            "Media download has failed",
            "The media could not be fetched from this URI. Please check the URI and try again.",
        )),
        false,
    ),
    known(
        Some(-1),
        Some(2207001),
        "An unexpected error has occurred.",
        Some((
            "Media upload has failed",
            "Instagram server error. Try again.",
        )),
        true,
    ),
    known(
        Some(-1),
        Some(2207032),
        "An unexpected error has occurred.",
        Some((
            "Media upload has failed",
            "Create media fail, please try to re-create media",
        )),
        true,
    ),
    known(
        Some(-1),
        Some(2207053),
        "An unexpected error has occurred.",
        Some(("Media upload has failed", "unknown upload error")),
        true,
    ),
    known(
        None,
        Some(2207006),
        "The media with id cannot be found",
        Some((
            "Media not found",
            "The media with this id cannot be found. Please check the id.",
        )),
        false,
    ),
    known(
        None,
        Some(2207008),
        "The media builder does not exist or has expired.",
        Some((
            "Media builder expired",
            "The media builder with this id does not exist or has expired.",
        )),
        false,
    ),
    known(
        None,
        Some(2207050),
        "The Instagram account is restricted.",
        Some((
            "Restricted account",
            "The Instagram account is inactive, checkpointed or restricted.",
        )),
        false,
    ),
    known(
        Some(36000),
        None,
        "The image size is too large.",
        Some((
            "Image size too large",
            "The image is too large to download. It should be less than 8 MiB.",
        )),
        false,
    ),
    known(
        Some(36001),
        None,
        "The image format is not supported.",
        Some((
            "Invalid image format",
            "The image format is not supported. Supported formats are: JPEG.",
        )),
        false,
    ),
    known(
        Some(36003),
        None,
        "The submitted image's aspect ratio cannot be published.",
        Some((
            "Invalid aspect ratio",
            "The aspect ratio must be between 4:5 and 1.91:1.",
        )),
        false,
    ),
    known(
        None,
        Some(2207010),
        "The caption is too long.",
        Some((
            "Caption exceeded maximum",
            "The caption exceeds the maximum character, hashtag or mention limit.",
        )),
        false,
    ),
    known(
        Some(352),
        None,
        "The video file you selected is in a format that we don't support.",
        Some((
            "Unsupported video format",
            "The video format is not supported. Please check spec for supported streams format.",
        )),
        false,
    ),
    known(
        None,
        Some(2207023),
        "The media type is unknown.",
        Some((
            "Unknown media type",
            "The media_type is not one of IMAGE, VIDEO, REELS, STORIES, CAROUSEL.",
        )),
        false,
    ),
    known(
        None,
        Some(2207028),
        "Your post won't be published as a carousel.",
        Some((
            "Carousel validation failed",
            "Carousels need 2 to 10 items, and children cannot carry collaborators.",
        )),
        false,
    ),
    known(
        Some(110),
        None,
        "(#110) Invalid user id",
        Some((
            "Invalid collaborator",
            "Collaborators must be at most 3 Instagram usernames, without @.",
        )),
        false,
    ),
    known(
        Some(6000),
        None,
        "There was a problem uploading your video file.",
        Some((
            "Problem uploading video",
            "There was a problem uploading your video file. Please try again with another file.",
        )),
        false,
    ),
];

/// The error Meta sends for `code` and `subcode`, used by fault rules and by real rules.
///
/// Unknown pairs still get the envelope, with a generic message.
pub fn catalogue(http: u16, code: i64, subcode: Option<i64>) -> GraphError {
    let family = match code {
        80000 | 80003..=80014 => 80000,
        201..=299 => 200,
        c => c,
    };
    let e = if code == 190 {
        token_error(subcode.unwrap_or(0), "100000000000001")
    } else if (code, subcode) == (100, Some(33)) {
        GraphError::no_object("0", "get")
    } else if let Some(k) = CATALOGUE
        .iter()
        .find(|k| k.code.is_none_or(|c| c == family) && k.sub.is_none_or(|s| Some(s) == subcode))
    {
        let mut e = GraphError::new(code, k.message.replace("{code}", &code.to_string()));
        if let Some((title, msg)) = k.user {
            e = e.user(title, msg);
        }
        e.is_transient = k.transient;
        e
    } else if code == 100 {
        GraphError::param(format!(
            "Invalid parameter (subcode {})",
            subcode.unwrap_or(0)
        ))
    } else {
        GraphError::new(code, format!("(#{code}) An error occurred."))
    };
    let mut e = e.http(http);
    e.subcode = subcode;
    e
}
