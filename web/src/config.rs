//! Settings in one place: defaults, then the optional TOML file, then `HERALD_*`
//! environment variables and flags (clap merges those two). Validated at start; an error
//! names the key and the rule it broke. Secrets are held in types that never print.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use herald_platform::secret::Secret;
use serde::Deserialize;

use crate::cli::{CommonArgs, ServeArgs};

/// A setting that is missing or wrong. The message names the key and the rule.
#[derive(Debug, thiserror::Error)]
#[error("setting `{key}`: {rule}")]
pub struct ConfigError {
    pub key: &'static str,
    pub rule: String,
}

impl ConfigError {
    fn new(key: &'static str, rule: impl Into<String>) -> Self {
        Self {
            key,
            rule: rule.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxMode {
    Auto,
    On,
    Off,
}

/// A real Meta app: with one, Herald talks to Meta's hosts.
#[derive(Debug, Clone)]
pub struct MetaApp {
    pub app_id: String,
    pub app_secret: Secret,
}

/// Every setting Herald reads, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub data_dir: PathBuf,
    pub database_url: Secret,
    pub keyring_file: PathBuf,
    /// Whether the keyring file was named by the operator (else the development default).
    pub keyring_configured: bool,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub listen: SocketAddr,
    pub public_url: String,
    pub meta_app: Option<MetaApp>,
    pub meta_api_version: String,
    pub sandbox: bool,
    /// A sandbox in another process; `None` mounts one in this server when `sandbox`.
    pub sandbox_url: Option<String>,
    pub demo: bool,
    pub demo_tenants: u32,
    /// How long a tenant lease lasts unless renewed.
    pub lease_seconds: u64,
}

/// The TOML file's shape: the same keys as the environment, lower-case, without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    env: Option<String>,
    keyring_file: Option<PathBuf>,
    log_format: Option<String>,
    log: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    meta_app_id: Option<String>,
    meta_app_secret: Option<String>,
    meta_api_version: Option<String>,
    sandbox: Option<String>,
    sandbox_url: Option<String>,
    lease_seconds: Option<u64>,
}

impl Settings {
    /// Layers the file under the flags and environment, fills defaults, validates.
    pub fn load(common: &CommonArgs, serve: &ServeArgs) -> Result<Self, ConfigError> {
        let file = match &common.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };

        let environment = match pick(&common.environment, &file.env).as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "HERALD_ENV",
                    format!("must be `development` or `production`, not `{other}`"),
                ))
            }
        };
        let data_dir = pick(&common.data_dir, &file.data_dir).unwrap_or_else(|| "data".into());
        let database_url = pick(&common.database_url, &file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("herald.db").display()));
        validate_database_url(&database_url)?;

        let keyring_named = pick(&common.keyring_file, &file.keyring_file);
        if environment == Environment::Production && keyring_named.is_none() {
            return Err(ConfigError::new(
                "HERALD_KEYRING_FILE",
                "is required when HERALD_ENV=production (create one with `herald keys generate --out FILE`)",
            ));
        }
        let keyring_configured = keyring_named.is_some();
        let keyring_file = keyring_named
            .unwrap_or_else(|| data_dir.join(herald_platform::vault::DEV_KEYRING_FILE));

        let log_format = match pick(&common.log_format, &file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "HERALD_LOG_FORMAT",
                    format!("must be `text` or `json`, not `{other}`"),
                ))
            }
        };
        let log_filter = pick(&common.log, &file.log)
            .or_else(|| std::env::var("RUST_LOG").ok())
            .unwrap_or_else(|| "info".into());

        let listen = match (serve.listen, file.listen.as_deref()) {
            (Some(addr), _) => addr,
            (None, Some(text)) => text.parse().map_err(|_| {
                ConfigError::new(
                    "HERALD_LISTEN",
                    format!("`{text}` is not an IP:PORT address"),
                )
            })?,
            (None, None) => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let public_url =
            pick(&serve.public_url, &file.public_url).unwrap_or_else(|| format!("http://{listen}"));
        validate_public_url(&public_url)?;

        let meta_app = meta_app(
            pick(&serve.meta_app_id, &file.meta_app_id),
            pick(&serve.meta_app_secret, &file.meta_app_secret),
        )?;
        let meta_api_version =
            pick(&serve.meta_api_version, &file.meta_api_version).unwrap_or_else(|| "v26.0".into());
        validate_api_version(&meta_api_version)?;

        let sandbox_mode = match pick(&serve.sandbox, &file.sandbox).as_deref() {
            None | Some("auto") => SandboxMode::Auto,
            Some("on") => SandboxMode::On,
            Some("off") => SandboxMode::Off,
            Some(other) => {
                return Err(ConfigError::new(
                    "HERALD_SANDBOX",
                    format!("must be `auto`, `on` or `off`, not `{other}`"),
                ))
            }
        };
        let sandbox = match sandbox_mode {
            SandboxMode::On => true,
            SandboxMode::Off => false,
            SandboxMode::Auto => meta_app.is_none(),
        };
        if !sandbox && meta_app.is_none() {
            return Err(ConfigError::new(
                "HERALD_SANDBOX",
                "is `off` but no real Meta app is set (HERALD_META_APP_ID and HERALD_META_APP_SECRET)",
            ));
        }

        let sandbox_url = pick(&serve.sandbox_url, &file.sandbox_url)
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &sandbox_url {
            if !sandbox {
                return Err(ConfigError::new(
                    "HERALD_SANDBOX_URL",
                    "is set while the sandbox is off (HERALD_SANDBOX=off or a real Meta app)",
                ));
            }
            match url::Url::parse(url) {
                Ok(parsed) if parsed.scheme() == "http" && parsed.host().is_some() => {}
                _ => {
                    return Err(ConfigError::new(
                        "HERALD_SANDBOX_URL",
                        format!("`{url}` is not an absolute http:// URL"),
                    ))
                }
            }
        }
        let demo_tenants = serve.demo_tenants.unwrap_or(1);
        if !(1..=1000).contains(&demo_tenants) {
            return Err(ConfigError::new(
                "HERALD_DEMO_TENANTS",
                "must be from 1 to 1000",
            ));
        }

        let lease_seconds = pick(&serve.lease_seconds, &file.lease_seconds).unwrap_or(60);
        if !(2..=3600).contains(&lease_seconds) {
            return Err(ConfigError::new(
                "HERALD_LEASE_SECONDS",
                "must be from 2 to 3600 seconds",
            ));
        }

        Ok(Self {
            environment,
            data_dir,
            database_url: Secret::new(database_url),
            keyring_file,
            keyring_configured,
            log_format,
            log_filter,
            listen,
            public_url: public_url.trim_end_matches('/').to_owned(),
            meta_app,
            meta_api_version,
            sandbox,
            sandbox_url,
            demo: serve.demo,
            demo_tenants,
            lease_seconds,
        })
    }
}

fn pick<T: Clone>(flag_or_env: &Option<T>, file: &Option<T>) -> Option<T> {
    flag_or_env.clone().or_else(|| file.clone())
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = fs::read_to_string(path).map_err(|err| {
        ConfigError::new(
            "HERALD_CONFIG",
            format!("cannot read `{}`: {err}", path.display()),
        )
    })?;
    toml::from_str(&text).map_err(|err| {
        ConfigError::new(
            "HERALD_CONFIG",
            format!("`{}` is not valid: {err}", path.display()),
        )
    })
}

fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    let key = "HERALD_DATABASE_URL";
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(ConfigError::new(
                key,
                "a `sqlite://` URL must name a file path",
            ));
        }
        return Ok(());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return match url::Url::parse(url) {
            Ok(parsed) if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
            _ => Err(ConfigError::new(
                key,
                "is not a valid postgres:// URL (it needs a host)",
            )),
        };
    }
    Err(ConfigError::new(
        key,
        "must start with `sqlite://` or `postgres://` (the value is not shown; it may hold a password)",
    ))
}

fn validate_public_url(url: &str) -> Result<(), ConfigError> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(())
        }
        _ => Err(ConfigError::new(
            "HERALD_PUBLIC_URL",
            format!("`{url}` is not an absolute http(s) URL"),
        )),
    }
}

fn validate_api_version(version: &str) -> Result<(), ConfigError> {
    let number = version
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'));
    match number {
        Some((major, minor)) if major.parse::<u32>().is_ok() && minor.parse::<u32>().is_ok() => {
            Ok(())
        }
        _ => Err(ConfigError::new(
            "HERALD_META_API_VERSION",
            format!("`{version}` is not a Graph API version like `v26.0`"),
        )),
    }
}

fn meta_app(id: Option<String>, secret: Option<String>) -> Result<Option<MetaApp>, ConfigError> {
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(app_id), Some(secret)) => {
            if app_id.is_empty() || !app_id.chars().all(|c| c.is_ascii_digit()) {
                return Err(ConfigError::new(
                    "HERALD_META_APP_ID",
                    "must be the app's numeric id",
                ));
            }
            Ok(Some(MetaApp {
                app_id,
                app_secret: Secret::new(secret),
            }))
        }
        (Some(_), None) => Err(ConfigError::new(
            "HERALD_META_APP_SECRET",
            "is required when HERALD_META_APP_ID is set",
        )),
        (None, Some(_)) => Err(ConfigError::new(
            "HERALD_META_APP_ID",
            "is required when HERALD_META_APP_SECRET is set",
        )),
    }
}

#[cfg(test)]
mod tests;
