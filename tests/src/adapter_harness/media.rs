//! The media fixtures served over HTTP on 127.0.0.1:0, as Herald serves media to Meta, with
//! their facts (as Herald's prober reports them) and a switch to make a file fail its
//! next fetches.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use herald_platform::domain::{MediaFacts, MediaType, SpecMedia};
use herald_platform::ids::MediaId;

/// The files in `tests/fixtures/media/` (see its `make.sh`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    Reel9x16,
    Landscape16x9,
    TooShort1s,
    Square1080,
    Portrait4x5,
    Landscape191x100,
    NotJpeg,
    Banner4x1,
}

impl Fixture {
    pub fn file_name(self) -> &'static str {
        match self {
            Fixture::Reel9x16 => "reel_9x16.mp4",
            Fixture::Landscape16x9 => "landscape_16x9.mp4",
            Fixture::TooShort1s => "too_short_1s.mp4",
            Fixture::Square1080 => "square_1080.jpg",
            Fixture::Portrait4x5 => "portrait_4x5.jpg",
            Fixture::Landscape191x100 => "landscape_191x100.jpg",
            Fixture::NotJpeg => "not_jpeg.png",
            Fixture::Banner4x1 => "banner_4x1.jpg",
        }
    }

    fn path(self) -> PathBuf {
        fixtures_dir().join(self.file_name())
    }

    /// The facts `make.sh` produced the file with.
    pub fn facts(self) -> MediaFacts {
        let size_bytes = std::fs::metadata(self.path()).map(|m| m.len()).unwrap_or(0);
        let image = |mime: &str, width, height| MediaFacts {
            media_type: MediaType::Image,
            mime: mime.into(),
            size_bytes,
            width,
            height,
            duration_ms: None,
            frame_rate: None,
            video_codec: None,
            audio_codec: None,
        };
        let video = |width, height, duration_ms, fps| MediaFacts {
            media_type: MediaType::Video,
            mime: "video/mp4".into(),
            size_bytes,
            width,
            height,
            duration_ms: Some(duration_ms),
            frame_rate: Some(fps),
            video_codec: Some("h264".into()),
            audio_codec: Some("aac".into()),
        };
        match self {
            Fixture::Reel9x16 => video(540, 960, 4_000, 30.0),
            Fixture::Landscape16x9 => video(640, 360, 4_000, 25.0),
            Fixture::TooShort1s => video(540, 960, 1_000, 30.0),
            Fixture::Square1080 => image("image/jpeg", 1080, 1080),
            Fixture::Portrait4x5 => image("image/jpeg", 1080, 1350),
            Fixture::Landscape191x100 => image("image/jpeg", 1146, 600),
            Fixture::NotJpeg => image("image/png", 800, 800),
            Fixture::Banner4x1 => image("image/jpeg", 1200, 300),
        }
    }
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("media")
}

#[derive(Default)]
struct Failures {
    /// File name → fetches still to fail with a 500.
    remaining: HashMap<String, u32>,
    fetches: HashMap<String, u32>,
}

/// A static file server for the fixtures.
pub struct MediaServer {
    pub addr: SocketAddr,
    failures: Arc<Mutex<Failures>>,
    _handle: actix_web::dev::ServerHandle,
}

async fn serve_file(
    req: HttpRequest,
    name: web::Path<String>,
    failures: web::Data<Arc<Mutex<Failures>>>,
) -> HttpResponse {
    let name = name.into_inner();
    if let Ok(mut f) = failures.lock() {
        *f.fetches.entry(name.clone()).or_default() += 1;
        if let Some(left) = f.remaining.get_mut(&name).filter(|left| **left > 0) {
            *left -= 1;
            return HttpResponse::InternalServerError().body("flaky on purpose");
        }
    }
    if name.contains('/') || name.contains("..") {
        return HttpResponse::NotFound().finish();
    }
    let Ok(bytes) = std::fs::read(fixtures_dir().join(&name)) else {
        return HttpResponse::NotFound().finish();
    };
    let mime = match name.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("mp4") => "video/mp4",
        _ => "application/octet-stream",
    };
    // Honour a simple `Range: bytes=a-b`, as Herald's media route does.
    let range = req
        .headers()
        .get("range")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    if let Some((start, end)) = range.filter(|(a, b)| a <= b && *a < bytes.len()) {
        let end = end.min(bytes.len() - 1);
        return HttpResponse::PartialContent()
            .content_type(mime)
            .insert_header((
                "content-range",
                format!("bytes {start}-{end}/{}", bytes.len()),
            ))
            .body(bytes[start..=end].to_vec());
    }
    HttpResponse::Ok().content_type(mime).body(bytes)
}

impl MediaServer {
    pub async fn start() -> std::io::Result<Self> {
        let failures = Arc::new(Mutex::new(Failures::default()));
        let data = web::Data::new(failures.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/media/{name}", web::get().to(serve_file))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))?;
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            addr,
            failures,
            _handle: handle,
        })
    }

    pub fn url(&self, fixture: Fixture) -> String {
        format!("http://{}/media/{}", self.addr, fixture.file_name())
    }

    /// The fixture as a post's media: its URL here and its facts.
    pub fn media(&self, fixture: Fixture) -> SpecMedia {
        SpecMedia {
            id: MediaId::new(),
            url: self.url(fixture),
            facts: fixture.facts(),
        }
    }

    /// Makes the next `times` fetches of `fixture` fail with HTTP 500.
    pub fn fail_next(&self, fixture: Fixture, times: u32) {
        if let Ok(mut f) = self.failures.lock() {
            f.remaining.insert(fixture.file_name().to_owned(), times);
        }
    }

    /// How often `fixture` was fetched.
    pub fn fetches(&self, fixture: Fixture) -> u32 {
        self.failures
            .lock()
            .ok()
            .and_then(|f| f.fetches.get(fixture.file_name()).copied())
            .unwrap_or(0)
    }
}
