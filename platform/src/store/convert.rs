//! Turning stored columns back into typed values. A value that does not parse is a
//! corrupt row, reported by column, never a panic.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::ids::BadId;

/// Parses a stored id with its type's `from_db`.
pub fn id<T>(column: &str, value: &str, parse: fn(&str) -> Result<T, BadId>) -> StoreResult<T> {
    parse(value).map_err(|err| StoreError::corrupt(column, err))
}

/// Parses an optional stored id.
pub fn opt_id<T>(
    column: &str,
    value: Option<&str>,
    parse: fn(&str) -> Result<T, BadId>,
) -> StoreResult<Option<T>> {
    value.map(|v| id(column, v, parse)).transpose()
}

/// Parses a stored name (kind, state, status…).
pub fn name<T: FromStr>(column: &str, value: &str) -> StoreResult<T>
where
    T::Err: Display,
{
    value
        .parse()
        .map_err(|err| StoreError::corrupt(column, err))
}

/// Reads a JSON column.
pub fn json<T: DeserializeOwned>(column: &str, value: &str) -> StoreResult<T> {
    serde_json::from_str(value).map_err(|err| StoreError::corrupt(column, err))
}

/// Writes a JSON column.
pub fn to_json<T: Serialize>(field: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|err| StoreError::invalid(field, err.to_string()))
}

/// Milliseconds back to an instant.
pub fn at(ms: i64) -> DateTime<Utc> {
    crate::clock::from_millis(ms)
}

/// An optional instant.
pub fn opt_at(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(at)
}

/// An instant to its stored milliseconds.
pub fn ms(at: DateTime<Utc>) -> i64 {
    crate::clock::to_millis(at)
}

/// Refuses an empty (or whitespace-only) or over-long text field.
pub fn require_text(field: &str, value: &str, max_chars: usize) -> StoreResult<()> {
    if value.trim().is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(())
}

/// Declares a small enum stored as text, with `as_str`, `FromStr` and `Display`.
macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::domain::UnknownName;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err(crate::domain::UnknownName {
                        what: $what,
                        value: value.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}
pub(crate) use stored_enum;
