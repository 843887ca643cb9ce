//! The six posts of the journey: which account, which kind, which fixtures, when.

/// One post the agency composes.
pub struct Compose {
    pub account: &'static str,
    pub kind_label: &'static str,
    pub kind: &'static str,
    pub network: &'static str,
    /// What the sandbox's ledger calls the published object, and how many children it has
    /// (a carousel's items; the photo a Page post carries).
    pub ledger_kind: &'static str,
    pub children: usize,
    pub files: &'static [&'static str],
    pub caption: &'static str,
    pub later: bool,
}

const FACEBOOK: &str = "Facebook Page Bakery";
/// The IG account's label starts so; the sandbox adds a number to the username.
const INSTAGRAM: &str = "Instagram @bakery_";

pub const POSTS: &[Compose] = &[
    Compose {
        account: INSTAGRAM,
        kind_label: "Instagram: reel",
        kind: "ig_reel",
        network: "instagram",
        ledger_kind: "ig_reel",
        children: 0,
        files: &["reel_9x16.mp4"],
        caption: "e2e: a reel from the oven #bakery",
        later: false,
    },
    Compose {
        account: INSTAGRAM,
        kind_label: "Instagram: carousel",
        kind: "ig_carousel",
        network: "instagram",
        ledger_kind: "ig_carousel",
        children: 2,
        files: &["square_1080.jpg", "reel_9x16.mp4"],
        caption: "e2e: a carousel of bread and a video @neighbour",
        later: true,
    },
    Compose {
        account: INSTAGRAM,
        kind_label: "Instagram: story",
        kind: "ig_story",
        network: "instagram",
        ledger_kind: "ig_story",
        children: 0,
        files: &["portrait_4x5.jpg"],
        caption: "",
        later: false,
    },
    Compose {
        account: FACEBOOK,
        kind_label: "Facebook: video",
        kind: "fb_video",
        network: "facebook",
        ledger_kind: "fb_video",
        children: 0,
        files: &["landscape_16x9.mp4"],
        caption: "e2e: a Page video of the shop",
        later: true,
    },
    Compose {
        account: FACEBOOK,
        kind_label: "Facebook: reel",
        kind: "fb_reel",
        network: "facebook",
        ledger_kind: "fb_reel",
        children: 0,
        files: &["reel_9x16.mp4"],
        caption: "e2e: a Page reel",
        later: false,
    },
    Compose {
        account: FACEBOOK,
        kind_label: "Facebook: photos",
        kind: "fb_photos",
        network: "facebook",
        ledger_kind: "fb_post",
        children: 1,
        files: &["portrait_4x5.jpg"],
        caption: "e2e: a Page photo of today's loaves",
        later: true,
    },
];
