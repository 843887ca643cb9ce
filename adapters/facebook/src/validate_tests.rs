//! One test per Facebook validation rule, asserting the words a user reads.

use herald_platform::domain::{MediaFacts, MediaType, PostKind, PostOptions, PostSpec, SpecMedia};
use herald_platform::ids::MediaId;
use herald_platform::publish::Limits;

use super::validate;

fn image(mime: &str, size_bytes: u64) -> SpecMedia {
    SpecMedia {
        id: MediaId::new(),
        url: "http://127.0.0.1:1/p.jpg".into(),
        facts: MediaFacts {
            media_type: MediaType::Image,
            mime: mime.into(),
            size_bytes,
            width: 1080,
            height: 1080,
            duration_ms: None,
            frame_rate: None,
            video_codec: None,
            audio_codec: None,
        },
    }
}

fn video(width: u32, height: u32, duration_ms: u64, fps: f64) -> SpecMedia {
    SpecMedia {
        id: MediaId::new(),
        url: "http://127.0.0.1:1/v.mp4".into(),
        facts: MediaFacts {
            media_type: MediaType::Video,
            mime: "video/mp4".into(),
            size_bytes: 1_000_000,
            width,
            height,
            duration_ms: Some(duration_ms),
            frame_rate: Some(fps),
            video_codec: Some("h264".into()),
            audio_codec: Some("aac".into()),
        },
    }
}

fn jpeg() -> SpecMedia {
    image("image/jpeg", 100_000)
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

/// A story: no caption.
fn story(media: Vec<SpecMedia>) -> PostSpec {
    PostSpec {
        caption: String::new(),
        ..spec(PostKind::FbStory, media)
    }
}

#[test]
fn a_story_takes_no_caption() {
    assert_one(
        &spec(PostKind::FbStory, vec![jpeg()]),
        "caption (5 characters): a story takes no caption",
    );
}

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
    let mut feed = spec(PostKind::FbFeed, vec![]);
    feed.options.link = Some("https://example.org/a".into());
    assert!(messages(&feed).is_empty());
    assert!(messages(&spec(
        PostKind::FbPhotos,
        vec![jpeg(), image("image/png", 5)]
    ))
    .is_empty());
    assert!(messages(&spec(PostKind::FbVideo, vec![video(640, 360, 4000, 25.0)])).is_empty());
    assert!(messages(&spec(PostKind::FbReel, vec![video(540, 960, 4000, 30.0)])).is_empty());
    assert!(messages(&story(vec![jpeg()])).is_empty());
    assert!(messages(&story(vec![video(540, 960, 4000, 30.0)])).is_empty());
}

#[test]
fn post_text_too_long() {
    let mut s = spec(PostKind::FbFeed, vec![]);
    s.caption = "x".repeat(63_207);
    assert_one(&s, "caption (63,207 characters): at most 63,206 characters");
}

#[test]
fn feed_post_needs_text_or_link() {
    let mut s = spec(PostKind::FbFeed, vec![]);
    s.caption.clear();
    assert_one(&s, "caption (empty): a feed post needs text or a link");
}

#[test]
fn feed_post_takes_no_media() {
    assert_one(
        &spec(PostKind::FbFeed, vec![jpeg()]),
        "media (1 files): a feed post takes text or a link; post media as photos, a video or a reel",
    );
}

#[test]
fn link_must_be_a_web_address() {
    let mut s = spec(PostKind::FbFeed, vec![]);
    s.options.link = Some("example.org".into());
    assert_one(
        &s,
        "options.link (example.org): a link is a full http:// or https:// address",
    );
}

#[test]
fn photos_and_video_cannot_be_mixed() {
    assert_one(
        &spec(
            PostKind::FbPhotos,
            vec![jpeg(), video(640, 360, 4000, 25.0)],
        ),
        "media (1 photos and 1 videos): photos and a video cannot be mixed in one post",
    );
}

#[test]
fn at_most_ten_photos() {
    let eleven = (0..11).map(|_| jpeg()).collect();
    assert_one(
        &spec(PostKind::FbPhotos, eleven),
        "media (11 files): a photo post takes 1 to 10 photos",
    );
}

#[test]
fn photo_too_large() {
    assert_one(
        &spec(
            PostKind::FbPhotos,
            vec![image("image/jpeg", 11 * 1024 * 1024)],
        ),
        "media[0] (11 MiB): a photo is at most 10 MiB",
    );
}

#[test]
fn photo_format() {
    assert_one(
        &spec(PostKind::FbPhotos, vec![image("image/svg+xml", 10)]),
        "media[0] (SVG+XML): Facebook takes JPEG, PNG, GIF, BMP, TIFF or WebP photos",
    );
}

#[test]
fn video_post_takes_one_video() {
    assert_one(
        &spec(PostKind::FbVideo, vec![jpeg()]),
        "media (1 files): a video post takes exactly one video",
    );
}

#[test]
fn video_container_format() {
    let mut v = video(640, 360, 4000, 25.0);
    v.facts.mime = "video/webm".into();
    assert_one(
        &spec(PostKind::FbVideo, vec![v]),
        "media[0] (WEBM): a video must be MP4 or MOV",
    );
}

#[test]
fn reel_must_be_vertical() {
    assert_one(
        &spec(PostKind::FbReel, vec![video(1920, 1080, 4000, 30.0)]),
        "media[0] (1920x1080 (aspect 1.78)): a reel is vertical 9:16",
    );
}

#[test]
fn reel_resolution() {
    assert_one(
        &spec(PostKind::FbReel, vec![video(360, 640, 4000, 30.0)]),
        "media[0] (360x640): a reel is at least 540x960",
    );
}

#[test]
fn reel_duration() {
    assert_one(
        &spec(PostKind::FbReel, vec![video(540, 960, 1000, 30.0)]),
        "media[0] (1 s): a reel lasts 3 to 90 s",
    );
    assert_one(
        &spec(PostKind::FbReel, vec![video(540, 960, 91_000, 30.0)]),
        "media[0] (1 min 31 s): a reel lasts 3 to 90 s",
    );
}

#[test]
fn reel_frame_rate() {
    assert_one(
        &spec(PostKind::FbReel, vec![video(540, 960, 4000, 20.0)]),
        "media[0] (20 fps): a reel's frame rate is 24 to 60 fps",
    );
}

#[test]
fn story_video_at_most_60_seconds() {
    assert_one(
        &story(vec![video(540, 960, 75_000, 30.0)]),
        "media[0] (1 min 15 s): a video story lasts at most 60 s",
    );
}

#[test]
fn story_takes_one_file() {
    assert_one(
        &story(vec![jpeg(), jpeg()]),
        "media (2 files): a story takes exactly one photo or video",
    );
}

#[test]
fn instagram_options_are_refused() {
    let mut s = spec(PostKind::FbPhotos, vec![jpeg()]);
    s.options.collaborators = vec!["ann".into()];
    assert_one(
        &s,
        "options.collaborators (ann): this option is for Instagram posts only",
    );
}

#[test]
fn title_only_on_videos() {
    let mut s = spec(PostKind::FbPhotos, vec![jpeg()]);
    s.options.title = Some("Summer".into());
    assert_one(
        &s,
        "options.title (Summer): a title is for videos and reels only",
    );
}
