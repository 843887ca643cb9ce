//! Loading keys: key files (mode 0600), `HERALD_MASTER_KEY` input, the development keyring,
//! and `keys rotate`. Each bad input is one clear error that names what is wrong.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use herald_platform::secret::Secret;
use herald_platform::vault::{
    rotate, Binding, Keyring, SecretColumn, VaultError, DEV_KEYRING_FILE,
};

fn write_key_file(dir: &std::path::Path, text: &str, mode: u32) -> std::path::PathBuf {
    let path = dir.join("keys.json");
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn the_development_keyring_is_private_and_stable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Keyring::generate_dev(&data).unwrap();
    assert!(first.created);
    assert_eq!(first.path, data.join(DEV_KEYRING_FILE));
    let mode = fs::metadata(&first.path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let again = Keyring::generate_dev(&data).unwrap();
    assert!(!again.created);
    assert_eq!(again.keyring.active_id(), first.keyring.active_id());
    let binding = Binding::new(SecretColumn::UserToken, "t", "r");
    let sealed = first.keyring.seal(&binding, &Secret::new("token"));
    assert_eq!(
        again.keyring.open(&binding, &sealed).unwrap().expose(),
        "token"
    );
}

#[test]
fn rotate_adds_an_active_key_and_keeps_the_old_one_for_reading() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Keyring::generate_dev(dir.path()).unwrap();
    let binding = Binding::new(SecretColumn::WebhookSecret, "agency", "endpoint");
    let old = dev.keyring.seal(&binding, &Secret::new("whsec_1"));

    let new_id = rotate(&dev.path).unwrap();
    let rotated = Keyring::load(&dev.path).unwrap();
    assert_eq!(rotated.active_id(), new_id);
    assert_ne!(new_id, dev.keyring.active_id());
    assert_eq!(rotated.key_ids().count(), 2);
    assert_eq!(rotated.open(&binding, &old).unwrap().expose(), "whsec_1");
    assert!(rotated
        .seal(&binding, &Secret::new("x"))
        .starts_with(&format!("v1.{new_id}.")));
    let mode = fs::metadata(&dev.path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn bad_key_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let good = STANDARD.encode([1u8; 32]);
    let short = STANDARD.encode([1u8; 16]);

    let missing = Keyring::load(&dir.path().join("nope.json")).unwrap_err();
    assert!(
        matches!(missing, VaultError::KeyFileUnreadable { .. }),
        "{missing:?}"
    );
    assert!(missing.to_string().contains("cannot be read"), "{missing}");

    let text = format!(r#"{{"active": "a", "keys": [{{"id": "a", "key": "{good}"}}]}}"#);
    let open = write_key_file(dir.path(), &text, 0o644);
    let err = Keyring::load(&open).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "key file {0}: mode 644 lets other users read it; it must be 600 (run `chmod 600 {0}`)",
            open.display()
        )
    );
    fs::set_permissions(&open, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(Keyring::load(&open).unwrap().active_id(), "a");

    let text = format!(r#"{{"active": "a", "keys": [{{"id": "a", "key": "{short}"}}]}}"#);
    let path = write_key_file(dir.path(), &text, 0o600);
    let err = Keyring::load(&path).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("key `a` is 16 bytes long; a key must be exactly 32 bytes"),
        "{err}"
    );
    assert!(!err.to_string().contains(&short));

    let text = format!(r#"{{"active": "b", "keys": [{{"id": "a", "key": "{good}"}}]}}"#);
    let path = write_key_file(dir.path(), &text, 0o600);
    let err = Keyring::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("`active` names key `b`, which is not in `keys`"),
        "{err}"
    );

    let path = write_key_file(
        dir.path(),
        &format!("{{\"active\": 1, \"secret\": \"{good}\""),
        0o600,
    );
    let err = Keyring::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a valid key file"), "{err}");
    assert!(!err.contains(&good), "{err}");
}

#[test]
fn master_key_input_is_checked() {
    let good = STANDARD.encode([9u8; 32]);
    let keyring = Keyring::from_env_value(&Secret::new(good.clone())).unwrap();
    let again = Keyring::from_env_value(&Secret::new(good.clone())).unwrap();
    assert_eq!(
        keyring.active_id(),
        again.active_id(),
        "a bare key keeps its id"
    );

    let two = Keyring::from_env_value(&Secret::new(format!(
        "new:{good}, old:{}",
        STANDARD.encode([3u8; 32])
    )))
    .unwrap();
    assert_eq!(two.active_id(), "new");
    assert_eq!(two.key_ids().count(), 2);

    let err = Keyring::from_env_value(&Secret::new(STANDARD.encode([9u8; 31]))).unwrap_err();
    assert!(
        err.to_string().starts_with("HERALD_MASTER_KEY: key"),
        "{err}"
    );
    assert!(err.to_string().contains("is 31 bytes long"), "{err}");
    let err = Keyring::from_env_value(&Secret::new("not base64 at all!")).unwrap_err();
    assert!(matches!(err, VaultError::KeyEncoding { .. }), "{err:?}");
    let err = Keyring::from_env_value(&Secret::new("")).unwrap_err();
    assert_eq!(err.to_string(), "HERALD_MASTER_KEY: no keys");
    let err = Keyring::from_env_value(&Secret::new(format!("bad.id:{good}"))).unwrap_err();
    assert!(matches!(err, VaultError::BadKeyId { .. }), "{err:?}");
}
