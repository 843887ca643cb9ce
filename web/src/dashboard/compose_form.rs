//! The compose form: reading its multipart body (files kept in memory up to the media
//! limit), and the errors shown beside each field.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::StreamExt;

use super::page::PageError;

/// What the compose form posted.
#[derive(Debug, Default, Clone)]
pub struct ComposeInput {
    pub csrf: String,
    pub tenant: String,
    pub account: String,
    pub kind: String,
    pub caption: String,
    pub media_url: String,
    /// `now` or `later`.
    pub when: String,
    /// A `datetime-local` value in the agency's time zone.
    pub publish_at: String,
}

/// An uploaded file.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Field name → message, for the form's fields: `account`, `kind`, `caption`, `media`,
/// `publish_at`, and `form` for the rest.
pub type FieldErrors = HashMap<&'static str, Vec<String>>;

/// The form field a service error's path belongs beside.
pub fn field_for(path: &str) -> &'static str {
    let head = path.split(['.', '[']).next().unwrap_or_default();
    match head {
        "account_id" | "account" => "account",
        "kind" => "kind",
        "caption" => "caption",
        "media" | "file" | "url" | "media_url" => "media",
        "publish_at" => "publish_at",
        _ => "form",
    }
}

/// Reads the form. Files larger than `max_bytes` are refused by name.
pub async fn read(
    mut payload: Multipart,
    max_bytes: u64,
) -> Result<(ComposeInput, Vec<Upload>, FieldErrors), PageError> {
    let mut input = ComposeInput::default();
    let mut uploads = Vec::new();
    let mut errors = FieldErrors::new();
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|_| PageError::BadRequest("the form could not be read".into()))?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        let mut too_big = false;
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|_| PageError::BadRequest("the upload was interrupted".into()))?;
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                too_big = true;
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "files" {
            let filename = filename.unwrap_or_default();
            if too_big {
                errors.entry("media").or_default().push(format!(
                    "{filename} is larger than {} MiB",
                    max_bytes / (1024 * 1024)
                ));
            } else if !bytes.is_empty() {
                uploads.push(Upload {
                    name: filename,
                    bytes,
                });
            }
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => input.csrf = text,
            "tenant" => input.tenant = text,
            "account" => input.account = text,
            "kind" => input.kind = text,
            "caption" => input.caption = text.replace("\r\n", "\n"),
            "media_url" => input.media_url = text.trim().to_owned(),
            "when" => input.when = text,
            "publish_at" => input.publish_at = text,
            _ => {}
        }
    }
    Ok((input, uploads, errors))
}

#[cfg(test)]
mod tests {
    use super::field_for;

    #[test]
    fn service_paths_land_beside_their_fields() {
        assert_eq!(field_for("media[2]"), "media");
        assert_eq!(field_for("caption"), "caption");
        assert_eq!(field_for("options.collaborators"), "form");
        assert_eq!(field_for("account_id"), "account");
    }
}
