//! Vault properties: sealed secrets round-trip, and every kind of damage is refused with
//! its own error — a changed byte, a changed associated datum, an unknown key id.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use herald_platform::secret::Secret;
use herald_platform::vault::{Binding, Keyring, SecretColumn, VaultError};
use proptest::prelude::*;

fn column() -> impl Strategy<Value = SecretColumn> {
    proptest::sample::select(SecretColumn::ALL.to_vec())
}

fn binding() -> impl Strategy<Value = Binding> {
    (column(), "[a-z0-9-]{1,40}", "[a-z0-9-]{1,40}")
        .prop_map(|(column, scope, row)| Binding::new(column, scope, row))
}

/// Re-encodes an envelope after `edit` changed its decoded payload.
fn edit_payload(envelope: &str, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let (head, data) = envelope.rsplit_once('.').unwrap();
    let mut blob = URL_SAFE_NO_PAD.decode(data).unwrap();
    edit(&mut blob);
    format!("{head}.{}", URL_SAFE_NO_PAD.encode(blob))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sealed_secrets_open_to_the_same_text(text in ".{0,300}", binding in binding()) {
        let keyring = Keyring::generate();
        let sealed = keyring.seal(&binding, &Secret::new(text.clone()));
        let prefix = format!("v1.{}.", keyring.active_id());
        prop_assert!(sealed.starts_with(&prefix));
        prop_assert!(text.len() < 16 || !sealed.contains(&text));
        let opened = keyring.open(&binding, &sealed).unwrap();
        prop_assert_eq!(opened.expose(), text.as_str());
    }

    #[test]
    fn a_changed_byte_is_refused(text in ".{1,100}", binding in binding(), index in any::<prop::sample::Index>(), bit in 0u8..8) {
        let keyring = Keyring::generate();
        let sealed = keyring.seal(&binding, &Secret::new(text));
        let damaged = edit_payload(&sealed, |blob| {
            let at = index.index(blob.len());
            blob[at] ^= 1 << bit;
        });
        prop_assert!(keyring.open(&binding, &damaged).is_err());
    }

    #[test]
    fn a_changed_associated_datum_is_refused(
        text in ".{1,100}",
        binding in binding(),
        other in binding(),
    ) {
        prop_assume!(binding != other);
        let keyring = Keyring::generate();
        let sealed = keyring.seal(&binding, &Secret::new(text));
        let err = keyring.open(&other, &sealed).unwrap_err();
        let is_wrong_row = matches!(err, VaultError::WrongRow { .. });
        prop_assert!(is_wrong_row, "{:?}", err);
    }

    #[test]
    fn an_unknown_key_id_is_refused(text in ".{1,100}", binding in binding()) {
        let sealer = Keyring::generate();
        let other = Keyring::generate();
        let sealed = sealer.seal(&binding, &Secret::new(text));
        let err = other.open(&binding, &sealed).unwrap_err();
        let is_unknown = matches!(&err, VaultError::UnknownKeyId { key_id, .. } if key_id == sealer.active_id());
        prop_assert!(is_unknown, "{:?}", err);
    }
}

fn token_binding(row: &str) -> Binding {
    Binding::new(SecretColumn::PageToken, "tenant-1", row)
}

#[test]
fn each_kind_of_damage_has_its_own_error() {
    let keyring = Keyring::generate();
    let binding = token_binding("acc-1");
    let sealed = keyring.seal(&binding, &Secret::new("EAAB-page-token"));

    // Copied to another row.
    let err = keyring.open(&token_binding("acc-2"), &sealed).unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret in accounts.page_token belongs to another row or column: it was copied here and \
         will not decrypt"
    );

    // A ciphertext byte altered.
    let altered = edit_payload(&sealed, |blob| {
        let last = blob.len() - 1;
        blob[last] ^= 0x01;
    });
    let err = keyring.open(&binding, &altered).unwrap_err();
    assert!(matches!(err, VaultError::Tampered { .. }), "{err:?}");

    // Cut short: in the payload, or before it.
    let cut = edit_payload(&sealed, |blob| blob.truncate(blob.len() - 3));
    assert!(matches!(
        keyring.open(&binding, &cut),
        Err(VaultError::Truncated { .. })
    ));
    for short in [&sealed[..sealed.len() / 2], "v1.k1", "v1", ""] {
        let err = keyring.open(&binding, short).unwrap_err();
        assert!(
            matches!(err, VaultError::Truncated { .. }),
            "{short}: {err:?}"
        );
    }

    // Another format version, or not base64 at all.
    let v2 = sealed.replacen("v1.", "v2.", 1);
    assert!(matches!(
        keyring.open(&binding, &v2),
        Err(VaultError::UnsupportedVersion { .. })
    ));
    let junk = format!("v1.{}.!!!!", keyring.active_id());
    assert!(matches!(
        keyring.open(&binding, &junk),
        Err(VaultError::Malformed { .. })
    ));

    // No error message carries the secret.
    for err in [
        keyring.open(&token_binding("acc-2"), &sealed).unwrap_err(),
        keyring.open(&binding, &altered).unwrap_err(),
    ] {
        assert!(!err.to_string().contains("EAAB"), "{err}");
    }
}

#[test]
fn keys_never_print() {
    let keyring = Keyring::from_env_value(&Secret::new(format!(
        "main:{}",
        base64::engine::general_purpose::STANDARD.encode([7u8; 32])
    )))
    .unwrap();
    let shown = format!("{keyring:?}");
    assert!(shown.contains("main"), "{shown}");
    assert!(!shown.contains("BwcH"), "{shown}");
}
