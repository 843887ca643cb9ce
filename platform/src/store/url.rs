//! Reading `HERALD_DATABASE_URL`: which backend, and where. The scheme decides:
//! `postgres://` or `postgresql://` is PostgreSQL; `sqlite://PATH` or a plain file path is
//! SQLite. Anything else is refused with a message naming the setting and the rule.

use std::fmt;
use std::path::PathBuf;

use crate::secret::Secret;

use super::StoreError;

/// The setting a malformed URL is reported against.
pub const DATABASE_URL_SETTING: &str = "HERALD_DATABASE_URL";

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed database URL. The PostgreSQL form may hold a password, so it never prints.
#[derive(Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret),
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            DatabaseUrl::Postgres(_) => f.write_str("Postgres(***)"),
        }
    }
}

impl DatabaseUrl {
    /// Parses the setting's value; the error never repeats the value (it may hold a
    /// password).
    pub fn parse(value: &str) -> Result<Self, StoreError> {
        let bad = |problem: String| StoreError::Config {
            setting: DATABASE_URL_SETTING,
            problem,
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(bad(
                "is empty; expected sqlite://PATH, a file path, or postgres://…".into(),
            ));
        }

        if value.contains(":memory:") || value.contains("mode=memory") {
            return Err(bad(
                "an in-memory SQLite database is not shared between pooled connections; \
                 use a file path"
                    .into(),
            ));
        }
        let Some((scheme, rest)) = value.split_once("://") else {
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(value)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest.is_empty() {
                    return Err(bad("sqlite:// needs a file path after it".into()));
                }
                Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)))
            }
            "postgres" | "postgresql" => {
                let parsed = url::Url::parse(value)
                    .map_err(|err| bad(format!("is not a valid PostgreSQL URL ({err})")))?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(bad("a PostgreSQL URL needs a host".into()));
                }
                Ok(DatabaseUrl::Postgres(Secret::new(value)))
            }
            other => Err(bad(format!(
                "unsupported scheme `{other}`; expected sqlite://PATH, a file path, \
                 postgres:// or postgresql://"
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_backend() {
        let cases = [
            ("data/herald.db", Backend::Sqlite),
            ("sqlite://data/herald.db", Backend::Sqlite),
            ("sqlite:///var/lib/herald.db", Backend::Sqlite),
            ("postgres://u:p@127.0.0.1/db", Backend::Postgres),
            ("postgresql://127.0.0.1:5432/db", Backend::Postgres),
        ];
        for (url, backend) in cases {
            assert_eq!(DatabaseUrl::parse(url).unwrap().backend(), backend, "{url}");
        }
        match DatabaseUrl::parse("sqlite:///var/lib/herald.db").unwrap() {
            DatabaseUrl::Sqlite(path) => assert_eq!(path, PathBuf::from("/var/lib/herald.db")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_urls_name_the_setting_and_hide_the_password() {
        for url in [
            "",
            "mysql://h/db",
            "sqlite://",
            "postgres://user:hunter2@/db",
            "postgres://:x",
        ] {
            let err = DatabaseUrl::parse(url).unwrap_err().to_string();
            assert!(err.starts_with("HERALD_DATABASE_URL: "), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
        let err = DatabaseUrl::parse("mysql://h/db").unwrap_err().to_string();
        assert!(err.contains("unsupported scheme `mysql`"), "{err}");
    }

    #[test]
    fn debug_hides_the_postgres_url() {
        let url = DatabaseUrl::parse("postgres://u:hunter2@127.0.0.1/db").unwrap();
        assert_eq!(format!("{url:?}"), "Postgres(***)");
    }
}
