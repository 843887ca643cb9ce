//! Facebook Login and Instagram Login: dialog URLs (with `state` and PKCE), code
//! exchanges, long-lived tokens, `debug_token`, the Pages a user granted and their linked
//! Instagram accounts, and Instagram Login token refresh.

use herald_platform::secret::Secret;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::client::{GraphClient, Request};
use crate::config::Host;
use crate::error::{CallError, Delivery};
use crate::pkce::Pkce;

/// The most pages of `/me/accounts` read (100 Pages each).
const MAX_ACCOUNT_PAGES: usize = 20;

/// A token Meta handed out.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenGrant {
    pub access_token: Secret,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until it expires; absent for tokens that do not.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// Instagram Login's code exchange names the account.
    #[serde(default, deserialize_with = "id_as_string")]
    pub user_id: Option<String>,
    /// Instagram Login's code exchange lists what was granted, comma-separated or as a list.
    #[serde(default)]
    pub permissions: Option<serde_json::Value>,
}

/// One grant of `granular_scopes`: which objects a scope was really granted for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GranularScope {
    pub scope: String,
    #[serde(default)]
    pub target_ids: Vec<String>,
}

/// The error `debug_token` reports for a dead token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenProblem {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub subcode: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
}

/// What `debug_token` says about a token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenDebug {
    #[serde(default, deserialize_with = "id_as_string")]
    pub app_id: Option<String>,
    /// `USER`, `PAGE` or `APP`.
    #[serde(default, rename = "type")]
    pub token_type: Option<String>,
    #[serde(default, deserialize_with = "id_as_string")]
    pub user_id: Option<String>,
    #[serde(default, deserialize_with = "id_as_string")]
    pub profile_id: Option<String>,
    #[serde(default)]
    pub is_valid: bool,
    #[serde(default)]
    pub issued_at: Option<i64>,
    /// Unix seconds; 0 means never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub data_access_expires_at: Option<i64>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub granular_scopes: Vec<GranularScope>,
    #[serde(default)]
    pub error: Option<TokenProblem>,
}

impl TokenDebug {
    /// The objects `scope` was granted for; `None` when the scope was not granted at all.
    pub fn targets_of(&self, scope: &str) -> Option<&[String]> {
        self.granular_scopes
            .iter()
            .find(|g| g.scope == scope)
            .map(|g| g.target_ids.as_slice())
    }
}

/// A Page the user granted, with its Page token.
#[derive(Debug, Clone, Deserialize)]
pub struct PageAccount {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub access_token: Secret,
    #[serde(default)]
    pub tasks: Vec<String>,
}

/// An Instagram professional account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IgAccount {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
}

fn id_as_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match value {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn decode<T: DeserializeOwned>(endpoint: &str, body: serde_json::Value) -> Result<T, CallError> {
    serde_json::from_value(body).map_err(|err| CallError::Transport {
        endpoint: endpoint.to_owned(),
        delivery: Delivery::MaybeSent,
        idempotent: true,
        detail: format!("unexpected answer shape: {err}"),
        http_status: None,
    })
}

impl GraphClient {
    /// The Facebook Login dialog: `state` always, PKCE S256 as well (never instead).
    pub fn facebook_dialog_url(
        &self,
        redirect_uri: &str,
        state: &str,
        scopes: &[&str],
        pkce: Option<&Pkce>,
    ) -> Url {
        let config = self.config();
        let mut url = config.versioned(Host::FacebookWww, "dialog/oauth");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &config.app_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", state)
                .append_pair("response_type", "code")
                .append_pair("scope", &scopes.join(","));
            if let Some(pkce) = pkce {
                query
                    .append_pair("code_challenge", &pkce.challenge)
                    .append_pair("code_challenge_method", "S256");
            }
        }
        url
    }

    /// Exchanges the dialog's code for a short-lived user token.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&Secret>,
    ) -> Result<TokenGrant, CallError> {
        let config = self.config();
        let mut request = Request::get(
            config.versioned(Host::Graph, "oauth/access_token"),
            "oauth/access_token",
        )
        .query(&[
            ("client_id", &config.app_id),
            ("redirect_uri", redirect_uri),
            ("client_secret", config.app_secret.expose()),
            ("code", code),
        ]);
        if let Some(verifier) = code_verifier {
            request = request.query(&[("code_verifier", verifier.expose())]);
        }
        // A code is single-use: a lost answer cannot be retried with it.
        let response = self.send(request.idempotent(false)).await?;
        decode("oauth/access_token", response.body)
    }

    /// Exchanges a short-lived user token for a long-lived one (about 60 days).
    pub async fn long_lived_token(&self, short_lived: &Secret) -> Result<TokenGrant, CallError> {
        let config = self.config();
        let request = Request::get(
            config.versioned(Host::Graph, "oauth/access_token"),
            "oauth/access_token",
        )
        .query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", &config.app_id),
            ("client_secret", config.app_secret.expose()),
            ("fb_exchange_token", short_lived.expose()),
        ]);
        let response = self.send(request).await?;
        decode("oauth/access_token", response.body)
    }

    /// What Meta knows about `token`, asked with the app token.
    pub async fn debug_token(&self, token: &Secret) -> Result<TokenDebug, CallError> {
        #[derive(Deserialize)]
        struct Data {
            data: TokenDebug,
        }
        let config = self.config();
        let app_token = Secret::new(format!("{}|{}", config.app_id, config.app_secret.expose()));
        let request = Request::get(config.versioned(Host::Graph, "debug_token"), "debug_token")
            .query(&[("input_token", token.expose())])
            .token(&app_token);
        let response = self.send(request).await?;
        Ok(decode::<Data>("debug_token", response.body)?.data)
    }

    /// The Pages the user granted, each with its Page token.
    pub async fn pages(&self, user_token: &Secret) -> Result<Vec<PageAccount>, CallError> {
        #[derive(Deserialize)]
        struct Listing {
            #[serde(default)]
            data: Vec<PageAccount>,
            #[serde(default)]
            paging: Option<serde_json::Value>,
        }
        let mut pages = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_ACCOUNT_PAGES {
            let mut request = Request::get(
                self.config().versioned(Host::Graph, "me/accounts"),
                "me/accounts",
            )
            .query(&[("fields", "id,name,access_token,tasks"), ("limit", "100")])
            .token(user_token);
            if let Some(cursor) = &after {
                request = request.query(&[("after", cursor)]);
            }
            let listing: Listing = decode("me/accounts", self.send(request).await?.body)?;
            let done = listing.data.is_empty();
            pages.extend(listing.data);
            let paging = listing.paging.unwrap_or_default();
            after = paging
                .get("next")
                .and(paging.pointer("/cursors/after"))
                .and_then(|c| c.as_str())
                .map(str::to_owned);
            if done || after.is_none() {
                break;
            }
        }
        Ok(pages)
    }

    /// The Instagram professional account linked to a Page, if any.
    pub async fn page_instagram_account(
        &self,
        page_id: &str,
        token: &Secret,
    ) -> Result<Option<IgAccount>, CallError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            instagram_business_account: Option<IgAccount>,
        }
        let request = Request::get(self.config().versioned(Host::Graph, page_id), "page")
            .query(&[("fields", "instagram_business_account{id,username}")])
            .token(token);
        let page: Page = decode("page", self.send(request).await?.body)?;
        Ok(page.instagram_business_account)
    }

    /// The Instagram Login authorize page.
    pub fn instagram_authorize_url(&self, redirect_uri: &str, state: &str, scopes: &[&str]) -> Url {
        let config = self.config();
        let mut url = config.unversioned(Host::IgWww, "oauth/authorize");
        url.query_pairs_mut()
            .append_pair("client_id", &config.app_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &scopes.join(","))
            .append_pair("state", state);
        url
    }

    /// Exchanges an Instagram Login code for a short-lived token and the account's id.
    pub async fn instagram_exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenGrant, CallError> {
        let config = self.config();
        let form = vec![
            ("client_id".to_owned(), config.app_id.clone()),
            (
                "client_secret".to_owned(),
                config.app_secret.expose().to_owned(),
            ),
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("redirect_uri".to_owned(), redirect_uri.to_owned()),
            ("code".to_owned(), code.to_owned()),
        ];
        let request = Request::post(
            config.unversioned(Host::IgApi, "oauth/access_token"),
            "ig oauth/access_token",
            form,
        );
        let body = self.send(request).await?.body;
        // Older answers wrap the grant in `data: [..]`.
        let body = match body.get("data").and_then(|d| d.get(0)) {
            Some(first) => first.clone(),
            None => body,
        };
        decode("ig oauth/access_token", body)
    }

    /// Exchanges a short-lived Instagram Login token for a 60-day one.
    pub async fn instagram_long_lived_token(
        &self,
        short_lived: &Secret,
    ) -> Result<TokenGrant, CallError> {
        let config = self.config();
        let request = Request::get(
            config.unversioned(Host::IgGraph, "access_token"),
            "ig access_token",
        )
        .query(&[
            ("grant_type", "ig_exchange_token"),
            ("client_secret", config.app_secret.expose()),
            ("access_token", short_lived.expose()),
        ]);
        decode("ig access_token", self.send(request).await?.body)
    }

    /// Refreshes an Instagram Login token (at least 24 hours old, not yet expired) for a
    /// fresh 60-day one.
    pub async fn instagram_refresh_token(&self, token: &Secret) -> Result<TokenGrant, CallError> {
        let request = Request::get(
            self.config()
                .unversioned(Host::IgGraph, "refresh_access_token"),
            "ig refresh_access_token",
        )
        .query(&[
            ("grant_type", "ig_refresh_token"),
            ("access_token", token.expose()),
        ]);
        decode("ig refresh_access_token", self.send(request).await?.body)
    }
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
