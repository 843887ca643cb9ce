//! Cursor pagination: lists are ordered newest first by id (ids are time-ordered UUIDv7),
//! and `next_cursor` is the last id of the page, opaque to the caller. A cursor keeps
//! working while rows are added, unlike an offset.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `?limit=&cursor=`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 200; default 50.
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// A checked page request: the limit, and the stored id to continue after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => text.trim().parse::<i64>().unwrap_or(0),
        };
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(Page { limit, after })
    }
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let bad = || ApiError::invalid("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    uuid::Uuid::parse_str(&text).map_err(|_| bad())?;
    Ok(text)
}

/// The cursor for a stored id.
pub fn encode_cursor(stored_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(stored_id)
}

/// A page of results.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Paged<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says there is more.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        stored_id: impl Fn(&R) -> String,
        map: impl Fn(R) -> T,
    ) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(&stored_id(r)))
        } else {
            None
        };
        Self {
            data: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_are_checked() {
        let q = PageQuery {
            limit: Some("0".into()),
            cursor: None,
        };
        assert_eq!(q.page().unwrap_err().field.as_deref(), Some("limit"));
        let q = PageQuery {
            limit: None,
            cursor: Some("%%%".into()),
        };
        assert_eq!(q.page().unwrap_err().field.as_deref(), Some("cursor"));
        let id = uuid::Uuid::now_v7().to_string();
        let q = PageQuery {
            limit: Some("2".into()),
            cursor: Some(encode_cursor(&id)),
        };
        assert_eq!(
            q.page().unwrap(),
            Page {
                limit: 2,
                after: Some(id)
            }
        );
    }

    #[test]
    fn the_extra_row_makes_a_cursor() {
        let page = Paged::from_rows(vec!["a", "b", "c"], 2, |r| r.to_string(), |r| r);
        assert_eq!(page.data, vec!["a", "b"]);
        assert_eq!(page.next_cursor, Some(encode_cursor("b")));
        let last = Paged::from_rows(vec!["a"], 2, |r| r.to_string(), |r| r);
        assert_eq!(last.next_cursor, None);
    }
}
