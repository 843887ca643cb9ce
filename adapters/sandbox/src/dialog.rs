//! The login dialogs: Facebook Login (`/www/{v}/dialog/oauth`) and Instagram Login
//! (`/ig-www/oauth/authorize`). Plain HTML consent pages that work in a real browser: the
//! user picks which Pages and IG accounts to grant, Continue redirects with a single-use
//! code and the `state`, Cancel redirects with `error=access_denied`.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::Duration;
use url::Url;

use crate::control::create_user;
use crate::state::{AuthCode, Shared};
use crate::tokens::{DEFAULT_SCOPES, IG_LOGIN_SCOPES};

type Query = web::Query<HashMap<String, String>>;
type Form = web::Form<Vec<(String, String)>>;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:34em;margin:2em auto}}\
         label{{display:block;margin:.4em 0}}button{{margin:.5em .5em 0 0;padding:.4em 1.2em}}\
         .note{{color:#555;font-size:.9em}}</style></head><body><h1>{t}</h1>{body}\
         <p class=\"note\">Herald sandbox: a stand-in for Meta's login dialog.</p></body></html>",
        t = esc(title)
    )
}

fn error_page(msg: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/html; charset=utf-8")
        .body(page(
            "Can't load URL",
            &format!("<p id=\"error\">{}</p>", esc(msg)),
        ))
}

/// Whether the dialog may send the user to `uri`.
fn redirect_ok(shared: &Shared, uri: &str) -> bool {
    let allowed = &shared.config.allowed_redirect_uris;
    if !allowed.is_empty() {
        return allowed.iter().any(|a| a == uri);
    }
    let Ok(u) = Url::parse(uri) else { return false };
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    matches!(u.scheme(), "http" | "https") && loopback
}

fn check_request(shared: &Shared, q: &HashMap<String, String>) -> Result<(), String> {
    if q.get("client_id") != Some(&shared.config.app_id) {
        return Err("client_id: this app id is not known (Invalid App ID).".into());
    }
    let uri = q.get("redirect_uri").map(String::as_str).unwrap_or("");
    if !redirect_ok(shared, uri) {
        return Err(
            "URL Blocked: redirect_uri is not whitelisted in the app's Valid OAuth Redirect URIs."
                .into(),
        );
    }
    if q.get("response_type").is_some_and(|r| r != "code") {
        return Err("response_type: only code is supported.".into());
    }
    if q.get("code_challenge").is_some()
        && q.get("code_challenge_method").is_some_and(|m| m != "S256")
    {
        return Err("code_challenge_method: only S256 is supported.".into());
    }
    Ok(())
}

fn hidden(q: &HashMap<String, String>, keys: &[&str]) -> String {
    keys.iter()
        .filter_map(|k| {
            q.get(*k)
                .map(|v| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", esc(v)))
        })
        .collect()
}

const BUTTONS: &str = "<button id=\"continue\" name=\"decision\" value=\"continue\" \
     type=\"submit\">Continue</button><button id=\"cancel\" name=\"decision\" \
     value=\"cancel\" type=\"submit\">Cancel</button>";

fn checkbox(name: &str, value: &str, label: &str) -> String {
    format!(
        "<label><input type=\"checkbox\" name=\"{name}\" value=\"{}\" checked> {}</label>",
        esc(value),
        esc(label)
    )
}

/// Links to show the dialog as another sandbox user.
fn switcher(q: &HashMap<String, String>, users: &[&crate::state::User], current: &str) -> String {
    let others: Vec<_> = users.iter().filter(|u| u.id != current).collect();
    if others.is_empty() {
        return String::new();
    }
    let mut s = String::from("<p>Not you? Continue as:</p><ul>");
    for u in others {
        let mut link_q = q.clone();
        link_q.insert("as_user".into(), u.id.clone());
        let qs = serde_urlencoded::to_string(&link_q).unwrap_or_default();
        s.push_str(&format!(
            "<li><a class=\"user\" href=\"?{}\">{}</a></li>",
            esc(&qs),
            esc(&u.name)
        ));
    }
    s + "</ul>"
}

const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "as_user",
];

/// `GET /www/{v}/dialog/oauth` and `GET /ig-www/oauth/authorize`.
async fn show(shared: web::Data<Shared>, q: Query, instagram: bool) -> HttpResponse {
    let q = q.into_inner();
    if let Err(e) = check_request(&shared, &q) {
        return error_page(&e);
    }
    let inner = shared.lock();
    let candidates: Vec<_> = inner
        .users
        .values()
        .filter(|u| !instagram || u.ig_login.is_some())
        .collect();
    // The most recent user unless the dialog was asked for another (`as_user`).
    let chosen = q
        .get("as_user")
        .and_then(|id| candidates.iter().find(|u| &u.id == id))
        .or(candidates.last());
    let body =
        match chosen {
            None => format!(
                "<p>No sandbox user exists yet.</p><form method=\"post\" action=\"demo_user\">{}\
             <input type=\"hidden\" name=\"instagram\" value=\"{instagram}\">\
             <button id=\"create-demo\" type=\"submit\">Create a demo user</button></form>",
                hidden(&q, CARRIED)
            ),
            Some(user) => {
                let mut boxes = String::new();
                if instagram {
                    if let Some(ig) = user.ig_login.as_ref().and_then(|i| inner.igs.get(i)) {
                        boxes.push_str(&checkbox("ig", &ig.id, &format!("@{}", ig.username)));
                    }
                } else {
                    boxes.push_str("<fieldset><legend>Pages</legend>");
                    for pid in &user.pages {
                        let Some(p) = inner.pages.get(pid) else {
                            continue;
                        };
                        boxes.push_str(&checkbox("page", &p.id, &p.name));
                    }
                    boxes.push_str("</fieldset><fieldset><legend>Instagram accounts</legend>");
                    for pid in &user.pages {
                        let Some(ig) = inner
                            .pages
                            .get(pid)
                            .and_then(|p| p.ig.as_ref())
                            .and_then(|i| inner.igs.get(i))
                        else {
                            continue;
                        };
                        boxes.push_str(&checkbox("ig", &ig.id, &format!("@{}", ig.username)));
                    }
                    boxes.push_str("</fieldset>");
                }
                format!(
                "<p>{} is asked for access by Herald.</p><form method=\"post\" action=\"{}\">{}\
                 <input type=\"hidden\" name=\"user_id\" value=\"{}\">{boxes}\
                 {BUTTONS}</form>{}",
                esc(&user.name),
                if instagram { "authorize/decide" } else { "oauth/decide" },
                hidden(&q, CARRIED),
                esc(&user.id),
                switcher(&q, &candidates, &user.id)
            )
            }
        };
    let title = if instagram {
        "Log in with Instagram"
    } else {
        "Log in with Facebook"
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page(title, &body))
}

fn redirect(uri: &str, pairs: &[(&str, &str)]) -> HttpResponse {
    let mut u = match Url::parse(uri) {
        Ok(u) => u,
        Err(_) => return error_page("redirect_uri: not a URL"),
    };
    {
        let mut qp = u.query_pairs_mut();
        for (k, v) in pairs {
            qp.append_pair(k, v);
        }
    }
    HttpResponse::Found()
        .insert_header(("Location", u.to_string()))
        .finish()
}

/// The Continue or Cancel of a dialog.
async fn decide(shared: web::Data<Shared>, form: Form, instagram: bool) -> HttpResponse {
    let pairs = form.into_inner();
    let one: HashMap<String, String> = pairs.iter().cloned().collect();
    if let Err(e) = check_request(&shared, &one) {
        return error_page(&e);
    }
    let uri = one.get("redirect_uri").cloned().unwrap_or_default();
    let state = one.get("state").cloned().unwrap_or_default();
    if one.get("decision").map(String::as_str) != Some("continue") {
        return redirect(
            &uri,
            &[
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
                ("state", &state),
            ],
        );
    }
    let user_id = one.get("user_id").cloned().unwrap_or_default();
    let picked = |key: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let Some(user) = inner.users.get(&user_id) else {
        return error_page("user_id: no such sandbox user");
    };
    let own_igs: Vec<String> = if instagram {
        user.ig_login.iter().cloned().collect()
    } else {
        user.pages
            .iter()
            .filter_map(|p| inner.pages.get(p).and_then(|p| p.ig.clone()))
            .collect()
    };
    let pages: Vec<String> = picked("page")
        .into_iter()
        .filter(|p| user.pages.contains(p))
        .collect();
    let igs: Vec<String> = picked("ig")
        .into_iter()
        .filter(|i| own_igs.contains(i))
        .collect();
    let requested: Vec<String> = one
        .get("scope")
        .map(|s| {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let scopes = if requested.is_empty() {
        (if instagram {
            IG_LOGIN_SCOPES
        } else {
            DEFAULT_SCOPES
        })
        .iter()
        .map(|s| s.to_string())
        .collect()
    } else {
        requested
    };
    let code = Shared::token_string("AQ");
    let ttl = inner.settings.code_ttl_seconds;
    inner.codes.insert(
        code.clone(),
        AuthCode {
            user_id,
            redirect_uri: uri.clone(),
            scopes,
            pages,
            igs,
            challenge: one.get("code_challenge").cloned(),
            expires_at: now + Duration::seconds(ttl),
            used: false,
            instagram,
        },
    );
    redirect(&uri, &[("code", &code), ("state", &state)])
}

/// Creates a demo user from the empty dialog, then shows the dialog again.
async fn demo_user(shared: web::Data<Shared>, form: Form) -> HttpResponse {
    let one: HashMap<String, String> = form.into_inner().into_iter().collect();
    let instagram = one.get("instagram").is_some_and(|v| v == "true");
    let spec = serde_json::json!({"name": "Demo User", "instagram_login": instagram,
    "pages": [
        {"name": "Demo Bakery", "instagram": true},
        {"name": "Demo Bookshop", "instagram": false},
    ]});
    if let Ok(spec) = serde_json::from_value(spec) {
        create_user(&shared, spec);
    }
    let mut q = one;
    q.remove("instagram");
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    let target = if instagram { "authorize" } else { "oauth" };
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("{target}?{qs}")))
        .finish()
}

async fn fb_show(s: web::Data<Shared>, q: Query) -> HttpResponse {
    show(s, q, false).await
}
async fn ig_show(s: web::Data<Shared>, q: Query) -> HttpResponse {
    show(s, q, true).await
}
async fn fb_decide(s: web::Data<Shared>, f: Form) -> HttpResponse {
    decide(s, f, false).await
}
async fn ig_decide(s: web::Data<Shared>, f: Form) -> HttpResponse {
    decide(s, f, true).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/www/{v}/dialog/oauth", web::get().to(fb_show))
        .route("/www/dialog/oauth", web::get().to(fb_show))
        .route("/www/{v}/dialog/oauth/decide", web::post().to(fb_decide))
        .route("/www/dialog/oauth/decide", web::post().to(fb_decide))
        .route("/www/{v}/dialog/demo_user", web::post().to(demo_user))
        .route("/www/dialog/demo_user", web::post().to(demo_user))
        .route("/ig-www/oauth/authorize", web::get().to(ig_show))
        .route("/ig-www/oauth/authorize/decide", web::post().to(ig_decide))
        .route("/ig-www/oauth/demo_user", web::post().to(demo_user));
}
