//! The sign-up and log-in forms: what they post and how each field is checked. A rule
//! broken names the field, and the page shows the message beside it.

use std::str::FromStr;

use herald_platform::secret::Secret;
use serde::Deserialize;

/// Longest e-mail address accepted (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;
/// Longest agency name.
const MAX_AGENCY_CHARS: usize = 200;

fn empty_secret() -> Secret {
    Secret::new("")
}

/// What the sign-up form posts.
#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub agency_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default = "empty_secret")]
    pub password: Secret,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub csrf: String,
}

/// What the log-in form posts.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default = "empty_secret")]
    pub password: Secret,
    #[serde(default)]
    pub csrf: String,
}

/// A form field's problem, for the page to show beside it.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    pub agency_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub time_zone: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.agency_name.is_none()
            && self.email.is_none()
            && self.password.is_none()
            && self.time_zone.is_none()
    }
}

/// Trims and lower-cases an e-mail address.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Checks a normalised e-mail address loosely: one `@` with text on both sides.
pub fn check_email(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("is required".into());
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(format!("must be at most {MAX_EMAIL_CHARS} characters"));
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.contains('@') =>
        {
            Ok(())
        }
        _ => Err("must look like name@example.com".into()),
    }
}

/// Checks an IANA time zone name such as `Europe/Paris`.
pub fn check_time_zone(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Ok("UTC".into());
    }
    chrono_tz::Tz::from_str(name)
        .map(|tz| tz.name().to_owned())
        .map_err(|_| format!("`{name}` is not a time zone name such as Europe/Paris"))
}

impl SignupForm {
    /// Every field checked; the cleaned agency name, e-mail and time zone when all pass.
    pub fn validate(&self) -> Result<(String, String, String), FieldErrors> {
        let mut errors = FieldErrors::default();
        let agency_name = self.agency_name.trim().to_owned();
        if agency_name.is_empty() {
            errors.agency_name = Some("is required".into());
        } else if agency_name.chars().count() > MAX_AGENCY_CHARS {
            errors.agency_name = Some(format!("must be at most {MAX_AGENCY_CHARS} characters"));
        }
        let email = normalize_email(&self.email);
        errors.email = check_email(&email).err();
        errors.password = super::password::check_new(&self.password).err();
        let time_zone = check_time_zone(&self.time_zone);
        errors.time_zone = time_zone.as_ref().err().cloned();
        match (errors.is_empty(), time_zone) {
            (true, Ok(tz)) => Ok((agency_name, email, tz)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_time_zones_are_checked_by_rule() {
        assert!(check_email("owner@agency.example").is_ok());
        assert!(check_email("owner")
            .unwrap_err()
            .contains("name@example.com"));
        assert_eq!(check_time_zone("Europe/Paris").unwrap(), "Europe/Paris");
        assert_eq!(check_time_zone("").unwrap(), "UTC");
        assert!(check_time_zone("Mars/Olympus")
            .unwrap_err()
            .contains("Mars/Olympus"));
    }
}
