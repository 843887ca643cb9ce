//! A small ISO-BMFF (MP4 / MOV) box reader: enough to learn a video's duration, tracks,
//! codecs, dimensions and frame rate without decoding anything.

/// One box: its four-character type and its body (after the header).
struct Box<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// The boxes laid one after the other in `data`; stops at the first malformed header.
fn boxes(data: &[u8]) -> Vec<Box<'_>> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while let (Some(size32), Some(kind)) = (u32_at(data, i), data.get(i + 4..i + 8)) {
        let (header, size) = match size32 {
            1 => match u64_at(data, i + 8).and_then(|s| usize::try_from(s).ok()) {
                Some(s) => (16, s),
                None => break,
            },
            0 => (8, data.len() - i),
            s => (8, s as usize),
        };
        let Some(body) = data.get(i + header..i.saturating_add(size)) else {
            break;
        };
        if size < header {
            break;
        }
        let mut k = [0u8; 4];
        k.copy_from_slice(kind);
        out.push(Box { kind: k, body });
        i += size;
    }
    out
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(data)
        .into_iter()
        .find(|b| &b.kind == kind)
        .map(|b| b.body)
}

/// (timescale, duration) of an `mvhd` or `mdhd` body, both versions.
fn time_header(body: &[u8]) -> Option<(u32, u64)> {
    match body.first()? {
        1 => Some((u32_at(body, 20)?, u64_at(body, 24)?)),
        _ => Some((u32_at(body, 12)?, u64::from(u32_at(body, 16)?))),
    }
}

/// What one track holds.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Track {
    /// `vide` or `soun` (or another handler type).
    pub handler: String,
    /// The first sample entry's type: `avc1`, `hvc1`, `mp4a`, ...
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub duration_ms: u64,
    pub samples: u64,
}

/// A movie: its duration and tracks.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Movie {
    pub duration_ms: u64,
    pub tracks: Vec<Track>,
}

fn ms(timescale: u32, duration: u64) -> u64 {
    if timescale == 0 {
        0
    } else {
        duration.saturating_mul(1000) / u64::from(timescale)
    }
}

fn track(trak: &[u8]) -> Option<Track> {
    let mut t = Track::default();
    if let Some(tkhd) = child(trak, b"tkhd") {
        let at = if tkhd.first() == Some(&1) { 88 } else { 76 };
        t.width = u32_at(tkhd, at).unwrap_or(0) >> 16;
        t.height = u32_at(tkhd, at + 4).unwrap_or(0) >> 16;
    }
    let mdia = child(trak, b"mdia")?;
    if let Some((scale, dur)) = child(mdia, b"mdhd").and_then(time_header) {
        t.duration_ms = ms(scale, dur);
    }
    if let Some(h) = child(mdia, b"hdlr").and_then(|h| h.get(8..12)) {
        t.handler = String::from_utf8_lossy(h).into_owned();
    }
    let stbl = child(mdia, b"minf").and_then(|m| child(m, b"stbl"))?;
    if let Some(stsd) = child(stbl, b"stsd") {
        let entries = stsd.get(8..).unwrap_or(&[]);
        if let Some(first) = boxes(entries).first() {
            t.codec = String::from_utf8_lossy(&first.kind).into_owned();
            if t.handler == "vide" && (t.width == 0 || t.height == 0) {
                t.width = u32::from(u16_at(first.body, 24).unwrap_or(0));
                t.height = u32::from(u16_at(first.body, 26).unwrap_or(0));
            }
        }
    }
    if let Some(stts) = child(stbl, b"stts") {
        let count = u32_at(stts, 4).unwrap_or(0) as usize;
        t.samples = (0..count)
            .filter_map(|i| u32_at(stts, 8 + i * 8))
            .map(u64::from)
            .sum();
    }
    Some(t)
}

/// Reads the movie header and tracks, or `None` when there is no readable `moov`.
pub fn read(data: &[u8]) -> Option<Movie> {
    let moov = child(data, b"moov")?;
    let mut movie = Movie::default();
    if let Some((scale, dur)) = child(moov, b"mvhd").and_then(time_header) {
        movie.duration_ms = ms(scale, dur);
    }
    movie.tracks = boxes(moov)
        .into_iter()
        .filter(|b| &b.kind == b"trak")
        .filter_map(|b| track(b.body))
        .collect();
    Some(movie)
}
