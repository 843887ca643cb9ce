//! The `herald` command line as an operator uses it: migrations, the key commands through a
//! rotation, the health check, and clear refusals of bad settings.

use std::path::Path;
use std::process::{Command, Output};

use herald_tests::process::{herald_binary, HeraldProcess};

fn herald(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(herald_binary());
    command
        .args(args)
        .env("HERALD_DATA_DIR", data_dir)
        .env("HERALD_LOG", "error");
    for key in [
        "HERALD_DATABASE_URL",
        "HERALD_KEYRING_FILE",
        "HERALD_ENV",
        "HERALD_CONFIG",
    ] {
        command.env_remove(key);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("herald runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn migrate_creates_the_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = herald(dir.path(), &[], &["migrate"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("migration(s) applied"),
        "{}",
        text(&first)
    );
    assert!(dir.path().join("herald.db").exists());

    let second = herald(dir.path(), &[], &["migrate"]);
    assert!(second.status.success());
    assert!(text(&second).contains("nothing to do"), "{}", text(&second));
}

#[test]
fn bad_settings_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("HERALD_ENV", "production")], "HERALD_KEYRING_FILE"),
        (
            &[("HERALD_DATABASE_URL", "mysql://user:pw@host/db")],
            "HERALD_DATABASE_URL",
        ),
        (&[("HERALD_LOG_FORMAT", "xml")], "HERALD_LOG_FORMAT"),
        (&[("HERALD_KEYRING_FILE", "/nonexistent/keys.json")], "key"),
    ];
    for (env, named) in cases {
        let output = herald(dir.path(), env, &["migrate"]);
        let said = text(&output);
        if named == "key" {
            // A missing keyring only matters to commands that open secrets.
            let output = herald(dir.path(), env, &["keys", "status"]);
            assert!(!output.status.success(), "{env:?}");
            assert!(
                text(&output).contains("/nonexistent/keys.json"),
                "{}",
                text(&output)
            );
            continue;
        }
        assert!(!output.status.success(), "{env:?} was accepted");
        assert!(said.contains(named), "{env:?}: {said}");
        assert!(
            !said.contains("pw@"),
            "the database password leaked: {said}"
        );
        assert!(!said.contains("panicked"), "{said}");
    }
}

#[test]
fn a_rotation_then_a_rewrap_moves_every_secret_to_the_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = dir.path().join("keys.json");
    let keyring_text = keyring.to_str().unwrap();
    let generate = herald(
        dir.path(),
        &[],
        &["keys", "generate", "--out", keyring_text],
    );
    assert!(generate.status.success(), "{}", text(&generate));
    let env = [("HERALD_KEYRING_FILE", keyring_text)];

    // The demo stores a user token, Page tokens and an API key's secrets.
    {
        let herald_process = HeraldProcess::start(dir.path(), &[("HERALD_DEMO", "true"), env[0]]);
        herald_process.demo_api_key(std::time::Duration::from_secs(60));
    }
    let before = text(&herald(dir.path(), &env, &["keys", "status"]));
    let old_key = before
        .lines()
        .find_map(|l| l.strip_prefix("active key: "))
        .unwrap()
        .to_owned();
    assert!(
        before.contains(&old_key) && before.contains("secret(s)"),
        "{before}"
    );

    let rotate = herald(dir.path(), &env, &["keys", "rotate"]);
    assert!(rotate.status.success(), "{}", text(&rotate));
    let rewrap = herald(dir.path(), &env, &["keys", "rewrap", "--batch", "2"]);
    assert!(rewrap.status.success(), "{}", text(&rewrap));
    assert!(text(&rewrap).contains(", 0 failed"), "{}", text(&rewrap));

    let after = text(&herald(dir.path(), &env, &["keys", "status"]));
    let new_key = after
        .lines()
        .find_map(|l| l.strip_prefix("active key: "))
        .unwrap()
        .to_owned();
    assert_ne!(new_key, old_key);
    let protected_by_old = after
        .lines()
        .any(|l| l.starts_with(&old_key) && !l.contains(" 0 secret"));
    assert!(!protected_by_old, "secrets still on the old key:\n{after}");
    assert!(after.lines().any(|l| l.starts_with(&new_key)), "{after}");

    // Everything is still readable: the server starts and publishes nothing wrongly.
    drop(HeraldProcess::start(dir.path(), &env));

    // A keyring that never sealed these secrets is refused at start, naming the missing key.
    let foreign = dir.path().join("foreign.json");
    let foreign_text = foreign.to_str().unwrap();
    let made = herald(
        dir.path(),
        &[],
        &["keys", "generate", "--out", foreign_text],
    );
    assert!(made.status.success(), "{}", text(&made));
    let refused = herald(
        dir.path(),
        &[
            ("HERALD_KEYRING_FILE", foreign_text),
            ("HERALD_LISTEN", "127.0.0.1:0"),
        ],
        &["serve"],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains(&format!("lacks key(s) {new_key}")),
        "{}",
        text(&refused)
    );
}

#[test]
fn a_second_node_on_the_same_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = HeraldProcess::start(dir.path(), &[]);
    let second = herald(dir.path(), &[("HERALD_LISTEN", "127.0.0.1:0")], &["serve"]);
    assert!(!second.status.success());
    assert!(
        text(&second).contains("another herald is already serving"),
        "{}",
        text(&second)
    );
    // The first node is untouched by the attempt.
    let ready = reqwest::blocking::get(format!("{}/readyz", first.base_url)).unwrap();
    assert_eq!(ready.status(), 200);
}

#[test]
fn healthcheck_says_whether_the_server_is_ready() {
    let dir = tempfile::tempdir().unwrap();
    let server = HeraldProcess::start(dir.path(), &[]);
    let listen = format!("127.0.0.1:{}", server.port);
    let ok = herald(dir.path(), &[("HERALD_LISTEN", &listen)], &["healthcheck"]);
    assert!(ok.status.success(), "{}", text(&ok));
    drop(server);

    let down = herald(dir.path(), &[("HERALD_LISTEN", &listen)], &["healthcheck"]);
    assert!(!down.status.success());
    assert!(text(&down).contains("no server answers"), "{}", text(&down));
}
