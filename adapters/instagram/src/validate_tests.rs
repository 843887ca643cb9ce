//! One test per validation rule, asserting the words a user reads.

use herald_platform::domain::{
    MediaFacts, MediaType, PostKind, PostOptions, PostSpec, SpecMedia, UserTag,
};
use herald_platform::ids::MediaId;
use herald_platform::publish::Limits;

use super::validate;

fn jpeg(width: u32, height: u32) -> SpecMedia {
    SpecMedia {
        id: MediaId::new(),
        url: "http://127.0.0.1:1/m.jpg".into(),
        facts: MediaFacts {
            media_type: MediaType::Image,
            mime: "image/jpeg".into(),
            size_bytes: 200_000,
            width,
            height,
            duration_ms: None,
            frame_rate: None,
            video_codec: None,
            audio_codec: None,
        },
    }
}

fn mp4(width: u32, height: u32, duration_ms: u64, fps: f64) -> SpecMedia {
    SpecMedia {
        id: MediaId::new(),
        url: "http://127.0.0.1:1/v.mp4".into(),
        facts: MediaFacts {
            media_type: MediaType::Video,
            mime: "video/mp4".into(),
            size_bytes: 2_000_000,
            width,
            height,
            duration_ms: Some(duration_ms),
            frame_rate: Some(fps),
            video_codec: Some("h264".into()),
            audio_codec: Some("aac".into()),
        },
    }
}

fn spec(kind: PostKind, media: Vec<SpecMedia>) -> PostSpec {
    PostSpec {
        kind,
        caption: "Hello".into(),
        media,
        options: PostOptions::default(),
        cover: None,
    }
}

/// The violations as a user reads them.
fn messages(spec: &PostSpec) -> Vec<String> {
    validate(spec, &Limits::default())
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn assert_one(spec: &PostSpec, expected: &str) {
    assert_eq!(messages(spec), vec![expected.to_owned()]);
}

#[test]
fn good_posts_of_every_kind_pass() {
    assert!(messages(&spec(PostKind::IgImage, vec![jpeg(1080, 1350)])).is_empty());
    assert!(messages(&spec(PostKind::IgImage, vec![jpeg(1146, 600)])).is_empty());
    assert!(messages(&spec(PostKind::IgReel, vec![mp4(540, 960, 4000, 30.0)])).is_empty());
    let carousel = spec(
        PostKind::IgCarousel,
        vec![jpeg(1080, 1080), mp4(540, 960, 4000, 30.0)],
    );
    assert!(messages(&carousel).is_empty());
    let mut story = spec(PostKind::IgStory, vec![jpeg(1080, 1920)]);
    story.caption.clear();
    assert!(messages(&story).is_empty());
}

#[test]
fn caption_too_long() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.caption = "x".repeat(2_201);
    assert_one(&s, "caption (2,201 characters): at most 2,200 characters");
}

#[test]
fn too_many_hashtags_per_setting() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.caption = "#a #b #c #d #e #f".into();
    let limits = Limits {
        hashtags_max: 5,
        ..Limits::default()
    };
    let found: Vec<String> = validate(&s, &limits)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found, vec!["caption (6 hashtags): at most 5 hashtags"]);
}

#[test]
fn too_many_mentions() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.caption = (0..21)
        .map(|i| format!("@user{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert_one(&s, "caption (21 @-mentions): at most 20 @-mentions");
}

#[test]
fn png_is_refused_with_a_clear_message() {
    let mut image = jpeg(800, 800);
    image.facts.mime = "image/png".into();
    assert_one(
        &spec(PostKind::IgImage, vec![image]),
        "media[0] (PNG): Instagram takes JPEG images only; convert the file to JPEG",
    );
}

#[test]
fn image_too_large() {
    let mut image = jpeg(1080, 1080);
    image.facts.size_bytes = 9 * 1024 * 1024;
    assert_one(
        &spec(PostKind::IgImage, vec![image]),
        "media[0] (9 MiB): an image is at most 8 MiB",
    );
}

#[test]
fn banner_aspect_is_refused() {
    assert_one(
        &spec(PostKind::IgImage, vec![jpeg(1200, 300)]),
        "media[0] (1200x300 (aspect 4)): the aspect ratio must be between 4:5 (0.8) and 1.91:1",
    );
}

#[test]
fn image_width_out_of_range() {
    assert_one(
        &spec(PostKind::IgImage, vec![jpeg(200, 200)]),
        "media[0] (200 px wide): the width must be 320 to 1440 px",
    );
}

#[test]
fn a_video_is_not_an_image_post() {
    assert_one(
        &spec(PostKind::IgImage, vec![mp4(540, 960, 4000, 30.0)]),
        "media[0] (a video): an image post takes an image; post a video as a reel",
    );
}

#[test]
fn reel_too_short() {
    assert_one(
        &spec(PostKind::IgReel, vec![mp4(540, 960, 1000, 30.0)]),
        "media[0] (1 s): the video must last 3 s to 15 min 0 s",
    );
}

#[test]
fn reel_frame_rate() {
    assert_one(
        &spec(PostKind::IgReel, vec![mp4(540, 960, 4000, 15.0)]),
        "media[0] (15 fps): the frame rate must be 23 to 60 fps",
    );
}

#[test]
fn reel_codec_and_container() {
    let mut video = mp4(540, 960, 4000, 30.0);
    video.facts.mime = "video/webm".into();
    video.facts.video_codec = Some("vp9".into());
    video.facts.audio_codec = Some("opus".into());
    assert_eq!(
        messages(&spec(PostKind::IgReel, vec![video])),
        vec![
            "media[0] (WEBM): a video must be MP4 or MOV",
            "media[0] (vp9): the video codec must be H.264 or HEVC",
            "media[0] (opus): the audio codec must be AAC",
        ]
    );
}

#[test]
fn reel_too_wide() {
    assert_one(
        &spec(PostKind::IgReel, vec![mp4(2560, 1440, 4000, 30.0)]),
        "media[0] (2560 px wide): a video is at most 1920 px wide",
    );
}

#[test]
fn story_video_at_most_60_seconds() {
    let mut s = spec(PostKind::IgStory, vec![mp4(540, 960, 61_000, 30.0)]);
    s.caption.clear();
    assert_one(
        &s,
        "media[0] (1 min 1 s): the video must last 3 s to 1 min 0 s",
    );
}

#[test]
fn story_takes_no_caption() {
    assert_one(
        &spec(PostKind::IgStory, vec![jpeg(1080, 1920)]),
        "caption (5 characters): a story takes no caption",
    );
}

#[test]
fn carousel_size() {
    assert_one(
        &spec(PostKind::IgCarousel, vec![jpeg(1080, 1080)]),
        "media (1 files): a carousel takes 2 to 10 images or videos",
    );
    let eleven = (0..11).map(|_| jpeg(1080, 1080)).collect();
    assert_one(
        &spec(PostKind::IgCarousel, eleven),
        "media (11 files): a carousel takes 2 to 10 images or videos",
    );
}

#[test]
fn carousel_children_are_checked_each() {
    let mut png = jpeg(1080, 1080);
    png.facts.mime = "image/png".into();
    assert_one(
        &spec(PostKind::IgCarousel, vec![jpeg(1080, 1080), png]),
        "media[1] (PNG): Instagram takes JPEG images only; convert the file to JPEG",
    );
}

#[test]
fn collaborators_at_most_three() {
    let mut s = spec(
        PostKind::IgCarousel,
        vec![jpeg(1080, 1080), jpeg(1080, 1080)],
    );
    s.options.collaborators = vec!["a".into(), "b".into(), "c".into(), "d".into()];
    assert_one(
        &s,
        "options.collaborators (4 usernames): at most 3 collaborators",
    );
}

#[test]
fn collaborators_without_at() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.options.collaborators = vec!["@ann".into()];
    assert_one(
        &s,
        "options.collaborators[0] (@ann): write the username without @",
    );
}

#[test]
fn user_tags_inside_the_image() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.options.user_tags = vec![UserTag {
        username: "ann".into(),
        x: 1.5,
        y: 0.5,
    }];
    assert_one(
        &s,
        "options.user_tags[0] (x=1.5, y=0.5): x and y are fractions of the image, from 0 to 1",
    );
}

#[test]
fn user_tags_at_most_twenty() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.options.user_tags = (0..21)
        .map(|i| UserTag {
            username: format!("u{i}"),
            x: 0.5,
            y: 0.5,
        })
        .collect();
    assert_one(
        &s,
        "options.user_tags (21 tags): at most 20 people can be tagged",
    );
}

#[test]
fn user_tags_not_on_carousels() {
    let mut s = spec(
        PostKind::IgCarousel,
        vec![jpeg(1080, 1080), jpeg(1080, 1080)],
    );
    s.options.user_tags = vec![UserTag {
        username: "ann".into(),
        x: 0.5,
        y: 0.5,
    }];
    assert_one(
        &s,
        "options.user_tags (1 tags): user tags are for single images and reels only",
    );
}

#[test]
fn alt_text_only_on_images() {
    let mut s = spec(PostKind::IgReel, vec![mp4(540, 960, 4000, 30.0)]);
    s.options.alt_text = Some("a dog".into());
    assert_one(&s, "options.alt_text (a dog): alt text is for images only");
}

#[test]
fn location_is_a_page_id() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.options.location_id = Some("Paris".into());
    assert_one(
        &s,
        "options.location_id (Paris): a location is the numeric id of a Page with a location",
    );
}

#[test]
fn thumb_offset_inside_the_video() {
    let mut s = spec(PostKind::IgReel, vec![mp4(540, 960, 4000, 30.0)]);
    s.options.thumb_offset_ms = Some(5_000);
    assert_one(
        &s,
        "options.thumb_offset_ms (5 s): the thumbnail must be inside the video (4 s long)",
    );
}

#[test]
fn facebook_options_are_refused() {
    let mut s = spec(PostKind::IgImage, vec![jpeg(1080, 1080)]);
    s.options.link = Some("https://example.org".into());
    assert_one(
        &s,
        "options.link (https://example.org): links are for Facebook feed posts only",
    );
}

#[test]
fn every_violation_is_reported_not_just_the_first() {
    let mut s = spec(PostKind::IgCarousel, vec![jpeg(1200, 300)]);
    s.caption = "x".repeat(2_300);
    s.options.collaborators = vec!["@a".into()];
    assert_eq!(messages(&s).len(), 4, "{:?}", messages(&s));
}
