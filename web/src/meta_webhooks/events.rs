//! Reading Meta's event notifications: which object and account each change concerns,
//! a key to deduplicate it by, and the comments worth forwarding. Parsing never panics
//! and never trusts the shape of the payload.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One change in a notification, with the account it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `page` or `instagram`.
    pub object: String,
    /// The Page id or IG account id (`entry[].id`).
    pub account_external_id: String,
    /// `feed`, `comments`, `mentions`, …
    pub field: String,
    pub value: Value,
    /// Identifies the change across Meta's retries.
    pub dedup_key: String,
}

impl Change {
    /// A comment worth a `comment.received` event: a Page feed comment being added, or
    /// an IG comment or mention.
    pub fn comment(&self) -> Option<Value> {
        let v = &self.value;
        let is_comment = match (self.object.as_str(), self.field.as_str()) {
            ("page", "feed") => {
                v.get("item").and_then(Value::as_str) == Some("comment")
                    && v.get("verb")
                        .and_then(Value::as_str)
                        .is_none_or(|verb| verb == "add")
            }
            ("instagram", "comments" | "mentions") => true,
            _ => false,
        };
        if !is_comment {
            return None;
        }
        let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(serde_json::json!({
            "network": if self.object == "page" { "facebook" } else { "instagram" },
            "account_external_id": self.account_external_id,
            "comment_id": text("comment_id").or_else(|| text("id")),
            "post_external_id": text("post_id").or_else(|| v.pointer("/media/id").and_then(Value::as_str).map(str::to_owned)),
            "message": text("message").or_else(|| text("text")),
            "from": v.get("from").cloned().unwrap_or(Value::Null),
            "created_time": v.get("created_time").cloned().unwrap_or(Value::Null),
        }))
    }
}

/// The changes of a notification body. Unknown shapes give no changes.
pub fn changes(body: &Value) -> Vec<Change> {
    let object = body
        .get("object")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let Some(entries) = body.get("entry").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let id = match entry.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        let Some(list) = entry.get("changes").and_then(Value::as_array) else {
            continue;
        };
        for change in list {
            let field = change
                .get("field")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let value = change.get("value").cloned().unwrap_or(Value::Null);
            let digest = Sha256::digest(format!("{object}|{id}|{field}|{value}").as_bytes());
            out.push(Change {
                object: object.clone(),
                account_external_id: id.clone(),
                field,
                value,
                dedup_key: format!("change:{}", hex::encode(digest)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn page_comments_are_found_and_keyed_stably() {
        let body = json!({"object": "page", "entry": [{"id": "111", "time": 1, "changes": [
            {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "c1",
             "post_id": "111_9", "message": "hi", "from": {"id": "5", "name": "Ann"}}},
            {"field": "feed", "value": {"item": "reaction", "verb": "add"}}
        ]}]});
        let found = changes(&body);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].account_external_id, "111");
        let comment = found[0].comment().unwrap();
        assert_eq!(comment["comment_id"], "c1");
        assert_eq!(comment["message"], "hi");
        assert!(found[1].comment().is_none());
        assert_eq!(changes(&body)[0].dedup_key, found[0].dedup_key);
        assert_ne!(found[0].dedup_key, found[1].dedup_key);
    }

    #[test]
    fn instagram_comments_are_found() {
        let body = json!({"object": "instagram", "entry": [{"id": 178, "changes": [
            {"field": "comments", "value": {"id": "c2", "text": "nice", "media": {"id": "m1"}}}
        ]}]});
        let comment = changes(&body)[0].comment().unwrap();
        assert_eq!(comment["network"], "instagram");
        assert_eq!(comment["post_external_id"], "m1");
        assert_eq!(comment["account_external_id"], "178");
    }

    proptest! {
        #[test]
        fn odd_shapes_never_panic(text in ".{0,200}") {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                for change in changes(&value) {
                    let _ = change.comment();
                }
            }
            let odd = json!({"object": text.clone(), "entry": [{"id": text.clone(), "changes": [text.clone(), {"value": text}]}]});
            for change in changes(&odd) {
                let _ = change.comment();
            }
        }
    }
}
