use super::*;

fn load(common: CommonArgs, serve: ServeArgs) -> Result<Settings, ConfigError> {
    Settings::load(&common, &serve)
}

#[test]
fn defaults_are_a_local_sandbox_with_sqlite() {
    let settings = load(CommonArgs::default(), ServeArgs::default()).unwrap();
    assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    assert!(settings.sandbox);
    assert_eq!(settings.database_url.expose(), "sqlite://data/herald.db");
    assert_eq!(settings.public_url, "http://127.0.0.1:8080");
}

#[test]
fn production_without_a_keyring_names_the_missing_setting() {
    let common = CommonArgs {
        environment: Some("production".into()),
        ..Default::default()
    };
    let err = load(common, ServeArgs::default()).unwrap_err();
    assert_eq!(err.key, "HERALD_KEYRING_FILE");
}

#[test]
fn a_malformed_database_url_is_refused_without_echoing_it() {
    let common = CommonArgs {
        database_url: Some("mysql://root:hunter2@db/herald".into()),
        ..Default::default()
    };
    let err = load(common, ServeArgs::default()).unwrap_err();
    assert_eq!(err.key, "HERALD_DATABASE_URL");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn a_postgres_url_without_host_is_refused() {
    let common = CommonArgs {
        database_url: Some("postgres://".into()),
        ..Default::default()
    };
    assert_eq!(
        load(common, ServeArgs::default()).unwrap_err().key,
        "HERALD_DATABASE_URL"
    );
}

#[test]
fn the_file_sits_under_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.toml");
    fs::write(
        &path,
        "listen = \"127.0.0.1:9000\"\nlog_format = \"json\"\n",
    )
    .unwrap();
    let common = CommonArgs {
        config: Some(path.clone()),
        ..Default::default()
    };
    let settings = load(common.clone(), ServeArgs::default()).unwrap();
    assert_eq!(settings.listen.port(), 9000);
    assert_eq!(settings.log_format, LogFormat::Json);

    let serve = ServeArgs {
        listen: Some("127.0.0.1:9100".parse().unwrap()),
        ..Default::default()
    };
    assert_eq!(load(common, serve).unwrap().listen.port(), 9100);
}

#[test]
fn an_unknown_key_in_the_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.toml");
    fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
    let common = CommonArgs {
        config: Some(path),
        ..Default::default()
    };
    let err = load(common, ServeArgs::default()).unwrap_err();
    assert_eq!(err.key, "HERALD_CONFIG");
    assert!(err.to_string().contains("lisen"), "{err}");
}

#[test]
fn half_a_meta_app_is_refused_and_the_secret_never_prints() {
    let serve = ServeArgs {
        meta_app_id: Some("1234".into()),
        ..Default::default()
    };
    assert_eq!(
        load(CommonArgs::default(), serve).unwrap_err().key,
        "HERALD_META_APP_SECRET"
    );

    let serve = ServeArgs {
        meta_app_id: Some("1234".into()),
        meta_app_secret: Some("s3cr3t-value".into()),
        ..Default::default()
    };
    let settings = load(CommonArgs::default(), serve).unwrap();
    assert!(
        !settings.sandbox,
        "a real app turns the sandbox off by default"
    );
    assert!(!format!("{settings:?}").contains("s3cr3t-value"));
}

#[test]
fn the_lease_term_defaults_to_a_minute_and_is_bounded() {
    let settings = load(CommonArgs::default(), ServeArgs::default()).unwrap();
    assert_eq!(settings.lease_seconds, 60);

    for bad in [0, 1, 3601] {
        let serve = ServeArgs {
            lease_seconds: Some(bad),
            ..Default::default()
        };
        let err = load(CommonArgs::default(), serve).unwrap_err();
        assert_eq!(err.key, "HERALD_LEASE_SECONDS", "{bad}");
    }
    let serve = ServeArgs {
        lease_seconds: Some(5),
        ..Default::default()
    };
    assert_eq!(load(CommonArgs::default(), serve).unwrap().lease_seconds, 5);
}

#[test]
fn a_bad_api_version_is_refused() {
    let serve = ServeArgs {
        meta_api_version: Some("26".into()),
        ..Default::default()
    };
    assert_eq!(
        load(CommonArgs::default(), serve).unwrap_err().key,
        "HERALD_META_API_VERSION"
    );
}
