//! The `sbor` binary as an operator uses it: configuration errors, admin tasks, backups and a
//! graceful stop on SIGTERM.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sbor_tests::{Backend, TestDatabase, on_both_backends};

mod common;
use common::start_server;

on_both_backends!(
    admin_create_migrate_seed_and_backup,
    serves_and_stops_gracefully_on_sigterm,
    logs_hold_no_secrets
);

fn sbor(database: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sbor"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("DATA_DIR", database.dir().join("data"))
        .env("BASE_URL", "https://sbor.example.org")
        .output()
        .expect("run sbor")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn bad_configuration_fails_with_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("BIND", "not-an-address"),
        ("SMTP_URL", "http://x"),
        ("SECRET_KEY", "short"),
        ("DATABASE_URL", "mysql://x"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sbor"))
            .arg("migrate")
            .env_clear()
            .env("DATA_DIR", dir.path())
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(var), "names {var}: {err}");
        assert!(
            !err.contains(value) || var == "BIND" || var == "DATABASE_URL",
            "no secret echoed: {err}"
        );
    }
}

async fn admin_create_migrate_seed_and_backup(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let out = sbor(&database, &["migrate"]);
    assert!(out.status.success(), "{out:?}");

    let out = sbor(
        &database,
        &["admin", "create", "Root@Example.org", "--name", "Root"],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("root@example.org is a site admin"));
    assert!(
        text.contains("https://sbor.example.org/login/link?token="),
        "{text}"
    );
    // Running it again promotes, never duplicates.
    assert!(
        sbor(&database, &["admin", "create", "root@example.org"])
            .status
            .success()
    );
    let bad = sbor(&database, &["admin", "create", "not-an-email"]);
    assert!(!bad.status.success());

    let first = stdout(&sbor(&database, &["seed"]));
    assert!(first.contains("12 demo members added"), "{first}");
    let second = stdout(&sbor(&database, &["seed"]));
    assert!(
        first.contains("community devops-moscow with 5 events added"),
        "{first}"
    );
    assert!(
        second.contains("0 demo members added") && second.contains("already there"),
        "idempotent: {second}"
    );

    let db = sbor_domain::Db::connect(&database.url, 2).await.unwrap();
    assert_eq!(sbor_domain::accounts::count(&db).await.unwrap(), 13);
    // The conference has an open call for papers, ready to receive talks.
    use sqlx::Row;
    let cfp = sqlx::query(
        "SELECT COUNT(*) AS n FROM cfps c JOIN session_types s ON s.event_id = c.event_id \
         WHERE c.anonymous_review = 1",
    )
    .fetch_one(db.read())
    .await
    .unwrap();
    assert_eq!(cfp.try_get::<i64, _>("n").unwrap(), 3, "three session types");
    assert!(
        sbor_domain::accounts::list(&db, 100)
            .await
            .unwrap()
            .iter()
            .any(|u| u.is_admin && u.email == "root@example.org")
    );
    db.close().await;

    let backup = database.dir().join("backup.db");
    let out = sbor(&database, &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let size = std::fs::metadata(&backup).unwrap().len();
    assert!(size > 1000, "backup has content ({size} bytes)");
    if backend == Backend::Sqlite {
        let copy = sbor_domain::Db::connect(&format!("sqlite://{}", backup.display()), 1)
            .await
            .unwrap();
        assert_eq!(
            sbor_domain::accounts::count(&copy).await.unwrap(),
            13,
            "the backup is a working database"
        );
        copy.close().await;
    }
    let again = sbor(&database, &["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success(), "never overwrites a backup");
}

async fn serves_and_stops_gracefully_on_sigterm(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let started = Instant::now();
    let (mut child, url) = start_server(&database, &[("LOG_FORMAT", "json")], Stdio::piped());
    let client = reqwest::Client::new();
    let ready = client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    eprintln!("{backend:?}: ready after {:?}", started.elapsed());

    // A request in flight when SIGTERM arrives still gets its answer. To be sure it is in
    // flight, its head is sent (and parsed by the server) before the signal, its body after.
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://").to_owned();
    let body = "email=nobody%40example.org&password=not-the-password";
    let (first, rest) = body.split_at(10);
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nOrigin: {url}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 400"),
        "the in-flight login was answered: {answer}"
    );
    assert!(answer.contains("invalid_credentials"));

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop within 15 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit: {status}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    for l in logs.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|_| panic!("JSON log line: {l}"));
        assert!(v.get("level").is_some() && v.get("message").is_some(), "{l}");
    }
    assert!(
        logs.contains("shutdown requested")
            && logs.contains("mail worker stopped")
            && logs.contains("Sbor stopped")
    );
}

/// Runs the account flows against the binary with debug logging and checks that no password,
/// mailed token or database credential reaches the log.
async fn logs_hold_no_secrets(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let data = database.dir().join("data");
    let (mut child, url) = start_server(&database, &[("RUST_LOG", "debug")], Stdio::piped());
    // Read the log while the server runs: debug logging fills a pipe's 64 KiB quickly, and a
    // server blocked writing its log would stall the test.
    let mut stderr = child.stderr.take().expect("stderr");
    let log_reader = std::thread::spawn(move || {
        let mut logs = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut logs);
        logs
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |endpoint: &str, form: Vec<(&str, &str)>| {
        client
            .post(format!("{url}/api/{endpoint}"))
            .header("Origin", &url)
            .header("Referer", format!("{url}/"))
            .header("Accept", "text/html")
            .form(&form)
            .send()
    };
    let password = "Pa55word-that-must-not-leak";
    post(
        "signup",
        vec![
            ("email", "log@example.org"),
            ("password", password),
            ("display_name", "Log"),
        ],
    )
    .await
    .unwrap();
    post(
        "login",
        vec![("email", "log@example.org"), ("password", password)],
    )
    .await
    .unwrap();
    post("forgot_password", vec![("email", "log@example.org")])
        .await
        .unwrap();
    post("request_login_link", vec![("email", "log@example.org")])
        .await
        .unwrap();

    // Wait for the four mails, then use the login link.
    let outbox = data.join("outbox");
    let deadline = Instant::now() + Duration::from_secs(15);
    let tokens = loop {
        let mut tokens = Vec::new();
        for entry in std::fs::read_dir(&outbox).into_iter().flatten().flatten() {
            let raw = std::fs::read_to_string(entry.path())
                .unwrap_or_default()
                .replace("=\r\n", "")
                .replace("=3D", "=");
            for part in raw.split("token=").skip(1) {
                let t: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                if t.len() >= 40 && !tokens.contains(&t) {
                    // Login links first: that is the one the test uses.
                    if raw.contains(&format!("/login/link?token={t}")) {
                        tokens.insert(0, t);
                    } else {
                        tokens.push(t);
                    }
                }
            }
        }
        // Confirmation (at sign-up and again at the unconfirmed login), reset and login link.
        if tokens.len() >= 4 {
            break tokens;
        }
        assert!(Instant::now() < deadline, "mails did not arrive: {tokens:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    client
        .get(format!("{url}/login/link?token={}", tokens[0]))
        .send()
        .await
        .unwrap();
    post("login_with_link", vec![("token", &tokens[0])])
        .await
        .unwrap();

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let logs = log_reader.join().expect("log reader");
    assert!(logs.contains("logged in"), "debug logs were captured: {logs}");
    assert!(!logs.contains(password), "password in the log");
    for t in &tokens {
        assert!(!logs.contains(t.as_str()), "a mailed token is in the log");
    }
    assert!(!logs.contains("token="), "a URL with a token is in the log");
}
