//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, one
//! lane, version 0x13), stored as PHC strings.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use herald_platform::secret::Secret;

/// Shortest password accepted at sign-up.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A hash to verify against when the account does not exist, so that a wrong e-mail
/// address takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash(&Secret::new("not-a-real-password-at-all")).unwrap_or_default());

/// Checks a new password's length; the message names the rule.
pub fn check_new(password: &Secret) -> Result<(), String> {
    let chars = password.expose().chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`). Slow on purpose: call from
/// a blocking thread.
pub fn hash(password: &Secret) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches `stored`. A stored value that does not parse never matches.
pub fn verify(password: &Secret, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification, for an account that does not exist.
pub fn verify_dummy(password: &Secret) {
    let _ = verify(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let password = Secret::new("correct horse battery");
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(&password, &stored));
        assert!(!verify(&Secret::new("wrong horse battery"), &stored));
        assert!(!verify(&password, "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused_by_rule() {
        assert!(check_new(&Secret::new("short"))
            .unwrap_err()
            .contains("at least 10"));
        assert!(check_new(&Secret::new("long enough password")).is_ok());
    }
}
