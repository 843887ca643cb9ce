//! What a Facebook Login really granted, worked out from `debug_token`'s granular scopes,
//! `/me/accounts` and each Page's linked Instagram account, and said in plain words. A
//! pure function, so every odd grant can be tested without Meta.

use std::collections::HashSet;

use herald_graph::{IgAccount, TokenDebug};

/// The permission that lets Herald publish to a Page.
pub const PAGE_PUBLISH_SCOPE: &str = "pages_manage_posts";
/// The permission that lets Herald publish to an Instagram account.
pub const IG_PUBLISH_SCOPE: &str = "instagram_content_publish";

/// A Page from `/me/accounts` with its linked IG account (tokens stay with the caller).
#[derive(Debug, Clone)]
pub struct SeenPage {
    pub id: String,
    pub name: String,
    pub ig: Option<IgAccount>,
}

/// A Page Herald may publish to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedPage {
    pub id: String,
    pub name: String,
}

/// An Instagram account Herald may publish to, through its Page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedIg {
    pub id: String,
    pub username: Option<String>,
    pub page_id: String,
    pub page_name: String,
}

/// Everything the result page says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub pages: Vec<GrantedPage>,
    pub igs: Vec<GrantedIg>,
    /// Plain sentences about what was granted only in part, or not at all.
    pub notes: Vec<String>,
}

/// Whether `scope` was granted for `target`. Page and Instagram scopes list their targets;
/// an empty list grants nothing. A token without granular scopes at all falls back to its
/// plain scope list.
fn granted_for(debug: &TokenDebug, scope: &str, target: &str) -> bool {
    match debug.targets_of(scope) {
        Some(targets) => targets.iter().any(|t| t == target),
        None => debug.granular_scopes.is_empty() && debug.scopes.iter().any(|s| s == scope),
    }
}

fn ig_name(ig: &IgAccount) -> String {
    match &ig.username {
        Some(name) => format!("@{name}"),
        None => format!("the Instagram account {}", ig.id),
    }
}

/// Works out the grants.
pub fn work_out(debug: &TokenDebug, pages: &[SeenPage]) -> Grants {
    let mut grants = Grants::default();
    let mut linked_igs = HashSet::new();

    for page in pages {
        if granted_for(debug, PAGE_PUBLISH_SCOPE, &page.id) {
            grants.pages.push(GrantedPage {
                id: page.id.clone(),
                name: page.name.clone(),
            });
        } else {
            grants.notes.push(format!(
                "The Page {} was shared without the permission to publish to it, so Herald \
                 cannot post there.",
                page.name
            ));
        }
        match &page.ig {
            None => grants.notes.push(format!(
                "The Page {} came without an Instagram account: either none is linked to it, or \
                 it was not ticked in Facebook's window. Only the Page itself is connected; to \
                 add its Instagram account, open the link again and tick it.",
                page.name
            )),
            Some(ig) => {
                linked_igs.insert(ig.id.clone());
                if granted_for(debug, IG_PUBLISH_SCOPE, &ig.id) {
                    grants.igs.push(GrantedIg {
                        id: ig.id.clone(),
                        username: ig.username.clone(),
                        page_id: page.id.clone(),
                        page_name: page.name.clone(),
                    });
                } else {
                    grants.notes.push(format!(
                        "The Page {} was granted without its Instagram account {}: Herald \
                         cannot publish to {}. Open the link again and tick it in the dialog.",
                        page.name,
                        ig_name(ig),
                        ig_name(ig)
                    ));
                }
            }
        }
    }

    for target in debug.targets_of(IG_PUBLISH_SCOPE).unwrap_or_default() {
        if !linked_igs.contains(target) {
            grants.notes.push(format!(
                "The Instagram account {target} was granted, but not the Facebook Page it is linked \
                 to, so Herald cannot publish to it. Open the link again and tick its Page too."
            ));
        }
    }
    if pages.is_empty() {
        grants.notes.push(
            "No Facebook Page was shared. Open the link again and tick at least one Page.".into(),
        );
    }
    grants
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_graph::GranularScope;

    fn debug(pages: &[&str], igs: &[&str]) -> TokenDebug {
        serde_json::from_value(serde_json::json!({
            "is_valid": true,
            "scopes": [PAGE_PUBLISH_SCOPE, IG_PUBLISH_SCOPE],
            "granular_scopes": [
                GranularScopeJson { scope: PAGE_PUBLISH_SCOPE, target_ids: pages },
                GranularScopeJson { scope: IG_PUBLISH_SCOPE, target_ids: igs },
            ]
        }))
        .unwrap()
    }

    #[derive(serde::Serialize)]
    struct GranularScopeJson<'a> {
        scope: &'a str,
        target_ids: &'a [&'a str],
    }

    fn page(id: &str, name: &str, ig: Option<&str>) -> SeenPage {
        SeenPage {
            id: id.into(),
            name: name.into(),
            ig: ig.map(|i| IgAccount {
                id: i.into(),
                username: Some(format!("{name}_ig")),
            }),
        }
    }

    #[test]
    fn a_full_grant_connects_the_page_and_its_instagram_account() {
        let grants = work_out(&debug(&["1"], &["17"]), &[page("1", "Bakery", Some("17"))]);
        assert_eq!(grants.pages.len(), 1);
        assert_eq!(grants.igs.len(), 1);
        assert_eq!(grants.igs[0].page_id, "1");
        assert!(grants.notes.is_empty(), "{:?}", grants.notes);
    }

    #[test]
    fn a_page_granted_without_its_instagram_account_is_said_plainly() {
        let grants = work_out(&debug(&["1"], &[]), &[page("1", "Bakery", Some("17"))]);
        assert_eq!(grants.pages.len(), 1);
        assert!(grants.igs.is_empty());
        assert!(
            grants.notes[0].contains("without its Instagram account @Bakery_ig"),
            "{:?}",
            grants.notes
        );
    }

    #[test]
    fn an_instagram_account_without_its_page_is_said_plainly() {
        let grants = work_out(&debug(&["1"], &["99"]), &[page("1", "Bakery", None)]);
        assert!(grants
            .notes
            .iter()
            .any(|n| n.contains("99 was granted, but not the Facebook Page")));
        assert!(grants
            .notes
            .iter()
            .any(|n| n.contains("came without an Instagram account")));
    }

    #[test]
    fn an_empty_target_list_grants_nothing_and_no_granular_data_trusts_the_scopes() {
        let mut d = debug(&["1"], &[]);
        d.granular_scopes.push(GranularScope {
            scope: "email".into(),
            target_ids: vec![],
        });
        let grants = work_out(&d, &[page("1", "Bakery", Some("17"))]);
        assert!(grants.igs.is_empty());
        d.granular_scopes.clear();
        let grants = work_out(&d, &[page("1", "Bakery", Some("17"))]);
        assert_eq!((grants.pages.len(), grants.igs.len()), (1, 1));
    }
}
