//! Request parameters the way Graph reads them: query string, form body, multipart body or
//! JSON body, merged; and the access token from `access_token` or the `Authorization` header.

use std::collections::HashMap;

use actix_web::HttpRequest;
use bytes::Bytes;
use serde_json::Value;

use crate::errors::GraphError;

/// Parameters of one call; body values win over query values of the same name.
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
    files: HashMap<String, Vec<u8>>,
}

impl Params {
    pub fn parse(req: &HttpRequest, body: &Bytes) -> Result<Params, GraphError> {
        let mut p = Params::default();
        let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
            .map_err(|_| GraphError::param("The query string could not be parsed"))?;
        p.values.extend(query);

        let ctype = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if body.is_empty() {
            return Ok(p);
        }
        if ctype.starts_with("application/x-www-form-urlencoded") {
            let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|_| GraphError::param("The form body could not be parsed"))?;
            p.values.extend(form);
        } else if ctype.starts_with("multipart/form-data") {
            let boundary = ctype_boundary(req)
                .ok_or_else(|| GraphError::param("The multipart body has no boundary"))?;
            for part in multipart_parts(body, &boundary) {
                match part.filename {
                    Some(_) => {
                        p.files.insert(part.name, part.data);
                    }
                    None => {
                        let text = String::from_utf8_lossy(&part.data).into_owned();
                        p.values.insert(part.name, text);
                    }
                }
            }
        } else if ctype.starts_with("application/json") {
            let v: Value = serde_json::from_slice(body)
                .map_err(|_| GraphError::param("The JSON body could not be parsed"))?;
            if let Some(obj) = v.as_object() {
                for (k, v) in obj {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    p.values.insert(k.clone(), s);
                }
            }
        }
        Ok(p)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key) || self.files.contains_key(key)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key)
            .map(|v| matches!(v, "true" | "1" | "True" | "TRUE"))
    }

    pub fn file(&self, key: &str) -> Option<&[u8]> {
        self.files.get(key).map(Vec::as_slice)
    }

    /// Keys present, for rules like `attached_media[0]`.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.values.keys()
    }

    /// The `fields` parameter split at top-level commas (`a,b{c,d},e`).
    pub fn fields(&self) -> Vec<String> {
        let Some(f) = self.get("fields") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut depth = 0;
        let mut cur = String::new();
        for c in f.chars() {
            match c {
                '{' => {
                    depth += 1;
                    cur.push(c)
                }
                '}' => {
                    depth -= 1;
                    cur.push(c)
                }
                ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        out.push(cur);
        out.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// The access token of a call: `access_token` parameter, else `Authorization: OAuth|Bearer`.
pub fn access_token(req: &HttpRequest, params: &Params) -> Option<String> {
    if let Some(t) = params.get("access_token") {
        return Some(t.to_string());
    }
    header_token(req)
}

/// The token in an `Authorization: OAuth x` or `Bearer x` header.
pub fn header_token(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("authorization")?.to_str().ok()?.trim();
    let (scheme, rest) = h.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("oauth") || scheme.eq_ignore_ascii_case("bearer") {
        Some(rest.trim().to_string()).filter(|t| !t.is_empty())
    } else {
        None
    }
}

fn ctype_boundary(req: &HttpRequest) -> Option<String> {
    let ct = req.headers().get("content-type")?.to_str().ok()?;
    ct.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_string())
    })
}

struct Part {
    name: String,
    filename: Option<String>,
    data: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

fn multipart_parts(body: &[u8], boundary: &str) -> Vec<Part> {
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let Some(mut pos) = find(body, &delim, 0) else {
        return parts;
    };
    loop {
        let start = pos + delim.len();
        if body.get(start..start + 2) == Some(b"--") {
            break;
        }
        let Some(head_end) = find(body, b"\r\n\r\n", start) else {
            break;
        };
        let Some(next) = find(body, &delim, head_end + 4) else {
            break;
        };
        let head = String::from_utf8_lossy(&body[start..head_end]).into_owned();
        let mut data_end = next;
        if data_end >= 2 && &body[data_end - 2..data_end] == b"\r\n" {
            data_end -= 2;
        }
        let data = body[head_end + 4..data_end.max(head_end + 4)].to_vec();
        let mut name = None;
        let mut filename = None;
        for line in head.lines() {
            if !line.to_ascii_lowercase().starts_with("content-disposition") {
                continue;
            }
            for item in line.split(';') {
                if let Some((k, v)) = item.trim().split_once('=') {
                    let v = v.trim_matches('"').to_string();
                    match k.trim() {
                        "name" => name = Some(v),
                        "filename" => filename = Some(v),
                        _ => {}
                    }
                }
            }
        }
        if let Some(name) = name {
            parts.push(Part {
                name,
                filename,
                data,
            });
        }
        pos = next;
    }
    parts
}
