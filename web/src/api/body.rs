//! Reading JSON request bodies so that every mistake names its field: the body is read as
//! a JSON object and each field is taken out by name, so a wrong type, a missing field or
//! an unknown one is reported as `invalid_field` with that field's path — never a 500.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::ApiError;

/// The fields of a JSON object body.
pub struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    /// Parses `bytes` as a JSON object. An empty body is an empty object.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self { map: Map::new() });
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self { map }),
            Ok(_) => Err(ApiError::bad_request(
                None,
                "the body must be a JSON object",
            )),
            Err(err) => Err(ApiError::bad_request(
                None,
                format!("the body is not valid JSON: {err}"),
            )),
        }
    }

    /// Refuses fields other than `known`.
    pub fn deny_unknown(&self, known: &[&str]) -> Result<(), ApiError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(ApiError::invalid(
                unknown.clone(),
                format!("unknown field; expected one of: {}", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn present(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn optional_str(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(name, "must be a string")),
        }
    }

    pub fn required_str(&self, name: &str) -> Result<String, ApiError> {
        self.optional_str(name)?
            .ok_or_else(|| ApiError::invalid(name, "is required"))
    }

    pub fn optional_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(name, "must be true or false")),
        }
    }

    pub fn optional_str_list(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(ApiError::invalid(
                        format!("{name}[{i}]"),
                        "must be a string",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(ApiError::invalid(name, "must be a list of strings")),
        }
    }

    /// A field read by its own serde shape (such as `options`), errors named after it.
    pub fn optional_typed<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.present(name) {
            None => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|err| ApiError::invalid(name, err.to_string())),
        }
    }
}

/// Parses a typed value (an id, a kind) from a field's text, naming the field on error.
pub fn parse_as<T: std::str::FromStr>(field: &str, text: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|err: T::Err| ApiError::invalid(field, err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mistakes_name_their_field() {
        let f = Fields::parse(br#"{"name": 5, "extra": true, "list": ["a", 1]}"#).unwrap();
        assert_eq!(
            f.required_str("name").unwrap_err().field.as_deref(),
            Some("name")
        );
        assert_eq!(
            f.required_str("missing").unwrap_err().field.as_deref(),
            Some("missing")
        );
        assert_eq!(
            f.deny_unknown(&["name", "list"])
                .unwrap_err()
                .field
                .as_deref(),
            Some("extra")
        );
        assert_eq!(
            f.optional_str_list("list").unwrap_err().field.as_deref(),
            Some("list[1]")
        );
        assert!(Fields::parse(b"[1]").is_err());
        assert!(Fields::parse(b"")
            .unwrap()
            .optional_str("x")
            .unwrap()
            .is_none());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(f) = Fields::parse(&bytes) {
                let _ = f.deny_unknown(&["a"]);
                let _ = f.optional_str_list("a");
            }
        }
    }
}
