//! Probing the shared fixtures and hostile bytes.

use proptest::prelude::*;

use super::*;
use crate::domain::MediaType;

fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/media/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

#[test]
fn jpeg_and_png_dimensions() {
    let facts = probe(&fixture("portrait_4x5.jpg")).unwrap();
    assert_eq!(facts.media_type, MediaType::Image);
    assert_eq!(facts.mime, "image/jpeg");
    assert!((facts.aspect_ratio() - 0.8).abs() < 0.01, "{facts:?}");

    let png = probe(&fixture("not_jpeg.png")).unwrap();
    assert_eq!(png.mime, "image/png");
    assert!(png.width > 0 && png.height > 0);
}

#[test]
fn mp4_codec_duration_fps_and_audio() {
    let reel = probe(&fixture("reel_9x16.mp4")).unwrap();
    assert_eq!(reel.media_type, MediaType::Video);
    assert_eq!(reel.mime, "video/mp4");
    assert_eq!((reel.width, reel.height), (540, 960));
    assert_eq!(reel.video_codec.as_deref(), Some("h264"));
    assert_eq!(reel.audio_codec.as_deref(), Some("aac"));
    let duration = reel.duration_ms.unwrap();
    assert!((3_900..=4_100).contains(&duration), "{duration}");
    let fps = reel.frame_rate.unwrap();
    assert!((29.0..=30.5).contains(&fps), "{fps}");

    let short = probe(&fixture("too_short_1s.mp4")).unwrap();
    assert!(short.duration_ms.unwrap() <= 1_100);
}

#[test]
fn truncated_and_foreign_files_are_refused() {
    assert_eq!(probe(b""), Err(ProbeError::Empty));
    assert_eq!(probe(b"GIF89a......"), Err(ProbeError::Unsupported));
    let mp4 = fixture("reel_9x16.mp4");
    assert!(probe(&mp4[..200]).is_err());
    let jpeg = fixture("square_1080.jpg");
    assert!(probe(&jpeg[..4]).is_err());
}

proptest! {
    #[test]
    fn probing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = probe(&bytes);
    }

    #[test]
    fn probing_corrupted_mp4_never_panics(cut in 8usize..4096, flip in 0usize..4096, bit in 0u8..8) {
        let mut mp4 = fixture("landscape_16x9.mp4");
        mp4.truncate(cut.min(mp4.len()));
        let at = flip % mp4.len();
        mp4[at] ^= 1 << bit;
        let _ = probe(&mp4);
    }
}
