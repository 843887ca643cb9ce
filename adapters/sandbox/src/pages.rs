//! Facebook Pages on the Graph host: who may act as a Page, `me`, `me/accounts`, Page
//! fields, recent posts and `subscribed_apps`. Publishing lives in `feed.rs` and `videos.rs`.

use actix_web::HttpResponse;
use serde_json::{json, Value};

use crate::errors::GraphError;
use crate::graph::{ok, success, Call};
use crate::state::{Inner, Post, TokenKind};
use crate::tokens::{self, Auth};

/// The error Meta sends when the token's user has no role on the Page any more.
pub fn lost_role() -> GraphError {
    GraphError::new(
        190,
        "Error validating access token: The permission(s) pages_manage_posts must be granted \
         before impersonating a user's page.",
    )
}

/// Checks that the call may act as `page_id`: a Page token of that Page, with its user still
/// holding a role and the scopes in `need`.
pub fn page_access(
    call: &Call<'_>,
    inner: &Inner,
    page_id: &str,
    need: &[&str],
) -> Result<(), GraphError> {
    let Some(page) = inner.pages.get(page_id) else {
        return Err(GraphError::no_object(page_id, "post"));
    };
    let Some(tok) = call.auth.token() else {
        return Err(GraphError::new(
            200,
            "(#200) An app access token cannot act on a Page",
        ));
    };
    if !tok.pages.iter().any(|p| p == page_id) {
        return Err(GraphError::no_object(page_id, call.method.as_str()));
    }
    if !page.roles.contains(&tok.user_id) {
        return Err(lost_role());
    }
    if tok.kind != TokenKind::Page || tok.profile_id.as_deref() != Some(page_id) {
        return Err(GraphError::new(
            200,
            "(#200) If posting to a page, requires both pages_read_engagement and \
             pages_manage_posts as an admin with sufficient administrative permission",
        ));
    }
    for scope in need {
        if !call.auth.has_scope(scope) {
            return Err(GraphError::new(
                200,
                format!("(#200) The permission {scope} is required for this call"),
            ));
        }
    }
    Ok(())
}

/// `GET /me`.
pub fn me(call: &Call<'_>) -> Result<HttpResponse, GraphError> {
    let inner = call.shared.lock();
    match call.auth.token() {
        Some(t) if t.kind == TokenKind::Page => {
            let id = t.profile_id.clone().unwrap_or_default();
            let name = inner.pages.get(&id).map(|p| p.name.clone());
            ok(json!({"id": id, "name": name}))
        }
        Some(t) => {
            let name = inner.users.get(&t.user_id).map(|u| u.name.clone());
            ok(json!({"id": t.user_id, "name": name}))
        }
        None => Err(GraphError::new(
            2500,
            "An active access token must be used to query information about the current user.",
        )),
    }
}

/// `GET /me/accounts`: the Pages the user granted, each with a Page token.
pub fn accounts(call: &Call<'_>) -> Result<HttpResponse, GraphError> {
    let Auth::Token(value, tok) = &call.auth else {
        return Err(GraphError::new(2500, "An active access token must be used"));
    };
    if !matches!(tok.kind, TokenKind::UserShort | TokenKind::UserLong) {
        return Err(GraphError::param(
            "Tried accessing nonexisting field (accounts) on node type (Page)",
        ));
    }
    if !call.auth.has_scope("pages_show_list") {
        return ok(json!({"data": []}));
    }
    let fields = call.params.fields();
    let now = call.shared.clock.now();
    let mut inner = call.shared.lock();
    let mut data = Vec::new();
    for page_id in &tok.pages {
        let Some(page) = inner.pages.get(page_id) else {
            continue;
        };
        if !page.roles.contains(&tok.user_id) {
            continue;
        }
        let (name, ig) = (page.name.clone(), page.ig.clone());
        let token = tokens::page_token(&mut inner, value, page_id, now);
        let mut entry = json!({
            "id": page_id, "name": name, "access_token": token,
            "category": "Brand",
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        });
        if fields
            .iter()
            .any(|f| f.starts_with("instagram_business_account"))
        {
            entry["instagram_business_account"] = ig_ref(&inner, ig.as_deref());
        }
        data.push(entry);
    }
    ok(json!({"data": data, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}))
}

fn ig_ref(inner: &Inner, ig: Option<&str>) -> Value {
    match ig.and_then(|id| inner.igs.get(id)) {
        Some(a) => json!({"id": a.id, "username": a.username}),
        None => Value::Null,
    }
}

/// `GET /{page-id}?fields=...`; a user token may ask for the Page's `access_token` here.
pub fn get_page(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let fields = call.params.fields();
    let mut inner = call.shared.lock();
    let tok = call.auth.token();
    if tok.is_some_and(|t| !t.pages.iter().any(|p| p == page_id)) {
        return Err(GraphError::no_object(page_id, "get"));
    }
    let Some(page) = inner.pages.get(page_id) else {
        return Err(GraphError::no_object(page_id, "get"));
    };
    let mut out = json!({"id": page.id, "name": page.name});
    if fields
        .iter()
        .any(|f| f.starts_with("instagram_business_account"))
    {
        let granted_ig = page
            .ig
            .as_deref()
            .filter(|ig| tok.is_none_or(|t| t.igs.iter().any(|g| g == ig)));
        let ig = ig_ref(&inner, granted_ig);
        if !ig.is_null() {
            out["instagram_business_account"] = ig;
        }
    }
    let has_role = tok.is_some_and(|t| page.roles.contains(&t.user_id));
    if let (true, true, Auth::Token(value, t)) = (
        fields.iter().any(|f| f == "access_token"),
        has_role,
        &call.auth,
    ) {
        if matches!(t.kind, TokenKind::UserShort | TokenKind::UserLong) {
            out["access_token"] = json!(tokens::page_token(&mut inner, value, page_id, now));
        }
    }
    ok(out)
}

/// `GET /{page-id}/feed|posts|published_posts`: the Page's posts, newest first.
pub fn list_posts(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let inner = call.shared.lock();
    let tok = call.auth.token();
    if tok.is_some_and(|t| !t.pages.iter().any(|p| p == page_id)) {
        return Err(GraphError::no_object(page_id, "get"));
    }
    let limit: usize = call
        .params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25);
    let since = call.params.get("since").and_then(|s| s.parse::<i64>().ok());
    let mut posts: Vec<&Post> = inner
        .posts
        .values()
        .filter(|p| p.page_id == page_id && p.kind != "fb_story")
        .filter(|p| since.is_none_or(|s| p.created_at.timestamp() >= s))
        .collect();
    posts.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let data: Vec<Value> = posts
        .into_iter()
        .take(limit)
        .map(
            |p| json!({"id": p.id, "message": p.message, "created_time": graph_time(p.created_at)}),
        )
        .collect();
    ok(json!({ "data": data }))
}

/// `GET /{post-id}` or `/{photo-id}`.
pub fn get_post(call: &Call<'_>, id: &str) -> Result<HttpResponse, GraphError> {
    let inner = call.shared.lock();
    if let Some(p) = inner.posts.get(id) {
        return ok(json!({
            "id": p.id, "message": p.message,
            "created_time": graph_time(p.created_at),
            "permalink_url": format!("https://www.facebook.com/{}", p.id.replace('_', "/posts/")),
        }));
    }
    if let Some(ph) = inner.photos.get(id) {
        return ok(json!({"id": ph.id, "published": ph.published}));
    }
    Err(GraphError::no_object(id, "get"))
}

/// `GET|POST|DELETE /{page-id}/subscribed_apps`.
pub fn subscribed_apps(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let mut inner = call.shared.lock();
    page_access(call, &inner, page_id, &[])?;
    match call.method.as_str() {
        "POST" => {
            let fields: Vec<String> = call
                .params
                .get("subscribed_fields")
                .ok_or_else(|| GraphError::param("subscribed_fields: required"))?
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            inner.page_apps.insert(page_id.into(), fields);
            success()
        }
        "DELETE" => {
            inner.page_apps.remove(page_id);
            success()
        }
        _ => {
            let data: Vec<Value> = inner
                .page_apps
                .get(page_id)
                .map(|f| {
                    let app = &call.shared.config.app_id;
                    vec![json!({"name": "Herald Sandbox", "id": app, "subscribed_fields": f})]
                })
                .unwrap_or_default();
            ok(json!({ "data": data }))
        }
    }
}

/// A time the way Graph writes it (`2026-12-04T16:02:35+0000`).
pub fn graph_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}
