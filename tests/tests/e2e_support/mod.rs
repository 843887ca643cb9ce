//! What the end-to-end journey needs besides Herald itself: a headless Chromium driven
//! through chromedriver, a client's webhook receiver that checks every signature with the
//! independent `standardwebhooks` package, the posts to compose, and the checks made once
//! they are published.

pub mod browser;
pub mod checks;
pub mod posts;
pub mod receiver;

use std::path::PathBuf;

/// A file of the repository, by its path from the workspace root.
pub fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

/// A committed media fixture, as an absolute path a browser's file input accepts.
pub fn fixture(name: &str) -> String {
    let path = repo_file("tests/fixtures/media")
        .join(name)
        .canonicalize()
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    path.to_string_lossy().into_owned()
}

/// The value of the sample `name{labels}` in a Prometheus text exposition, where `labels`
/// is the label set exactly as rendered (sorted by name).
pub fn sample(metrics: &str, name: &str, labels: &str) -> Option<f64> {
    let series = format!("{name}{{{labels}}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
}
