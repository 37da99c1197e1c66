//! Test support: start the real Sbor server on port 0 with a fresh database (a SQLite file or a
//! new PostgreSQL database) and a real SMTP server on loopback, and talk HTTP to it.

pub mod conference;
pub mod formats;
pub mod smtp;

use std::collections::HashMap;
use std::time::Duration;

use reqwest::header::{ACCEPT, ORIGIN, REFERER};
use reqwest::redirect::Policy;
use sbor_domain::Db;
use sbor_server::{Application, Config};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use smtp::{RcptRule, ReceivedMail, TestSmtp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server that tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test only.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("tempdir");
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}/sbor.db", dir.path().display()),
                pg_name: None,
                _dir: dir,
            },
            Backend::Postgres => {
                let name = format!(
                    "sbor_test_{}",
                    sbor_domain::tokens::generate()[..16]
                        .to_lowercase()
                        .replace('-', "_")
                );
                let admin = postgres_admin_url();
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("PostgreSQL on 127.0.0.1:5432 (TEST_POSTGRES_URL) must be running for the tests");
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE \"{name}\"").as_str())
                    .await
                    .expect("create test database");
                let mut url = url::Url::parse(&admin).expect("admin url");
                url.set_path(&name);
                TestDatabase {
                    url: url.to_string(),
                    pg_name: Some(name),
                    _dir: dir,
                }
            }
        }
    }

    /// A handle on this database with every migration applied, for tests of the rules layer
    /// that need no server.
    pub async fn migrated(&self) -> Db {
        let db = Db::connect(&self.url, 4).await.expect("connect");
        db.migrate().await.expect("migrate");
        db
    }

    /// Another handle on the same database that does not drop it.
    pub fn shared(&self) -> TestDatabase {
        TestDatabase {
            url: self.url.clone(),
            pg_name: None,
            _dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs outside async; a helper thread with its own runtime removes the database.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
                    let _ = sqlx::Executor::execute(
                        &mut conn,
                        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str(),
                    )
                    .await;
                }
            });
        })
        .join();
    }
}

/// A running server plus everything a test needs to talk to it.
pub struct TestApp {
    pub base_url: String,
    pub smtp: TestSmtp,
    pub db: Db,
    pub database: TestDatabase,
    pub data_dir: std::path::PathBuf,
    /// A browser without JavaScript: keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
    /// Dropping it (with the TestApp) stops the server, like a `stop` without waiting.
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow_result::Result>>,
}

mod anyhow_result {
    pub type Result = std::result::Result<(), String>;
}

/// `n` members of `community_id` with confirmed addresses `{prefix}0@example.org`,
/// `{prefix}1@example.org` …, inserted directly (hundreds of sign-ups over HTTP would only
/// measure argon2) with multi-row statements.
pub async fn insert_members(db: &Db, community_id: i64, prefix: &str, n: usize) {
    let ids: Vec<usize> = (0..n).collect();
    for chunk in ids.chunks(200) {
        let values = chunk
            .iter()
            .map(|i| format!("('{prefix}{i}@example.org', 'Member {i}', 'en', 'Europe/Moscow', '', 1, 1)"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "INSERT INTO users (email, display_name, lang, time_zone, bio, email_confirmed_at, created_at) \
             VALUES {values}"
        ))
        .execute(db.write())
        .await
        .expect("insert members");
    }
    sqlx::query(&format!(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) \
         SELECT $1, id, 'member', 1 FROM users WHERE email LIKE '{prefix}%@example.org'"
    ))
    .bind(community_id)
    .execute(db.write())
    .await
    .expect("insert memberships");
}

pub fn test_config(database_url: &str, data_dir: &std::path::Path, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("DATABASE_URL".into(), database_url.into());
    vars.insert("BIND".into(), "127.0.0.1:0".into());
    vars.insert("DATA_DIR".into(), data_dir.display().to_string());
    vars.insert("SITE_ROOT".into(), data_dir.join("site").display().to_string());
    vars.insert(
        "SECRET_KEY".into(),
        "test-secret-key-that-is-long-enough-0123456789".into(),
    );
    vars.insert("DB_MAX_CONNECTIONS".into(), "8".into());
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    Config::from_vars(&vars).expect("test config")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let smtp = TestSmtp::start().await;
        let url = smtp.url();
        TestApp::spawn_with(backend, smtp, &[("SMTP_URL", url.as_str())]).await
    }

    /// A second server on this one's database and SMTP server, as behind a load balancer.
    pub async fn sibling(&self) -> TestApp {
        let database = self.database.shared();
        let smtp = self.smtp.clone();
        let url = smtp.url();
        TestApp::start_on(database, smtp, &[("SMTP_URL", url.as_str())]).await
    }

    pub async fn spawn_with(backend: Backend, smtp: TestSmtp, extra: &[(&str, &str)]) -> TestApp {
        let database = TestDatabase::new(backend).await;
        TestApp::start_on(database, smtp, extra).await
    }

    /// Starts a server on an existing database (used to restart on the same data).
    pub async fn start_on(database: TestDatabase, smtp: TestSmtp, extra: &[(&str, &str)]) -> TestApp {
        let data_dir = database.dir().join("data");
        let config = test_config(&database.url, &data_dir, extra);
        let app = Application::build(config).await.expect("application builds");
        let base_url = app.base_url().to_owned();
        let db = app.db().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            app.run_until_stopped(async {
                let _ = stopped.await;
            })
            .await
            .map_err(|e| e.to_string())
        });
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        TestApp {
            base_url,
            smtp,
            db,
            database,
            data_dir,
            client,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// Stops the server gracefully and hands back its database and SMTP server.
    pub async fn stop(mut self) -> (TestDatabase, TestSmtp) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task").expect("server stopped cleanly");
        }
        let TestApp { database, smtp, .. } = self;
        (database, smtp)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A fresh cookie jar, as a second browser would have.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(90))
            .build()
            .expect("client")
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        get_with(&self.client, &self.url(path)).await
    }

    /// Posts a form as a browser without JavaScript does from the page `from`: same-origin
    /// `Origin` and `Referer`, `Accept: text/html`.
    pub async fn submit(&self, from: &str, endpoint: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        submit_with(&self.client, &self.base_url, from, endpoint, fields).await
    }

    /// [`TestApp::submit`] from a browser with no cookies (another person, another device).
    pub async fn submit_fresh(
        &self,
        from: &str,
        endpoint: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        submit_with(&self.new_client(), &self.base_url, from, endpoint, fields).await
    }

    /// Posts a form and follows the redirect, returning the final path and page.
    pub async fn submit_and_follow(
        &self,
        from: &str,
        endpoint: &str,
        fields: &[(&str, &str)],
    ) -> (String, String) {
        let res = self.submit(from, endpoint, fields).await;
        assert_eq!(res.status().as_u16(), 302, "form posts answer with a redirect");
        let location = location(&res);
        let (status, body) = self.get(&location).await;
        assert!(status < 500, "page after redirect failed: {status}");
        (location, body)
    }

    /// Waits for the `n`th mail to `to` and returns it.
    pub async fn mail_to(&self, to: &str, n: usize) -> ReceivedMail {
        let mails = self.smtp.wait_for(to, n, Duration::from_secs(15)).await;
        mails[n - 1].clone()
    }

    /// Waits for a mail to `to` whose subject contains `needle`, whatever order mails arrive in
    /// (the worker sends several at once).
    pub async fn mail_about(&self, to: &str, needle: &str) -> ReceivedMail {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(m) = self
                .smtp
                .messages_to(to)
                .into_iter()
                .find(|m| m.subject().contains(needle))
            {
                return m;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail to {to} about {needle:?}; got {:?}",
                self.smtp
                    .messages_to(to)
                    .iter()
                    .map(|m| m.subject())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The path of a link in a mail, with the base URL cut off.
    pub fn link_path(&self, mail: &ReceivedMail, path_prefix: &str) -> String {
        let link = mail
            .link_starting_with(&self.url(path_prefix))
            .unwrap_or_else(|| panic!("no {path_prefix} link in mail:\n{}", mail.text_body()));
        link.trim_start_matches(&self.base_url).to_owned()
    }

    /// Signs up, confirms the address and logs in with `client`; returns the password.
    pub async fn signed_up_user(&self, email: &str, name: &str) -> &'static str {
        let password = "correct horse battery";
        let res = self
            .submit(
                "/signup",
                "signup",
                &[("email", email), ("password", password), ("display_name", name)],
            )
            .await;
        assert_eq!(location(&res), "/check-email");
        let mail = self.mail_to(email, 1).await;
        let res = self.confirm(&mail).await;
        assert_eq!(location(&res), "/login");
        password
    }

    /// Opens the confirmation link of `mail` and presses its button, as a person does.
    pub async fn confirm(&self, mail: &ReceivedMail) -> reqwest::Response {
        let page = self.link_path(mail, "/auth/confirm?token=");
        let (status, _) = self.get(&page).await;
        assert_eq!(
            status, 200,
            "the link opens a page; it does not confirm by itself"
        );
        let token = page.split("token=").nth(1).expect("token").to_owned();
        self.submit(&page, "confirm_email", &[("token", &token)]).await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.submit("/login", "login", &[("email", email), ("password", password)])
            .await
    }

    /// A confirmed account made directly in the database (no password hashing, for speed) and a
    /// browser logged in as it.
    pub async fn member(&self, email: &str, name: &str) -> (sbor_domain::accounts::User, reqwest::Client) {
        use sqlx::Row;
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, lang, time_zone, email_confirmed_at, created_at) \
             VALUES ($1, $2, 'en', 'UTC', 1, 1) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .fetch_one(self.db.write())
        .await
        .expect("insert member");
        let user = sbor_domain::accounts::get(&self.db, row.try_get("id").unwrap())
            .await
            .unwrap();
        (user.clone(), self.browser_for(user.id).await)
    }

    /// A browser with a fresh session of `user_id`.
    pub async fn browser_for(&self, user_id: i64) -> reqwest::Client {
        let token = sbor_domain::sessions::create(&self.db, user_id)
            .await
            .expect("session");
        // A real cookie jar (not a fixed header), so flash and other cookies work as in a browser.
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: url::Url = self.base_url.parse().expect("base url");
        jar.add_cookie_str(&format!("sbor_session={token}; Path=/"), &url);
        reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(90))
            .build()
            .expect("client")
    }

    /// A site admin's browser.
    pub async fn admin(&self, email: &str) -> (sbor_domain::accounts::User, reqwest::Client) {
        let site = sbor_domain::accounts::Site {
            base_url: self.base_url.clone(),
        };
        let (user, _) = sbor_domain::accounts::create_admin(&self.db, &site, email, Some("Admin"))
            .await
            .unwrap();
        (user.clone(), self.browser_for(user.id).await)
    }

    /// The site as the rules layer needs it (links in mails), for tests that call it directly.
    pub fn site(&self) -> sbor_domain::accounts::Site {
        sbor_domain::accounts::Site {
            base_url: self.base_url.clone(),
        }
    }

    /// Posts to a server function as a script does (`Accept: application/json`), returning the
    /// status and the raw JSON body.
    pub async fn call_json(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let res = client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ORIGIN, &self.base_url)
            .header(REFERER, self.url("/"))
            .header(ACCEPT, "application/json")
            .form(fields)
            .send()
            .await
            .expect("POST");
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }

    /// Polls the count query `sql` until it is `want`; fails the test after 30 s.
    pub async fn wait_until(&self, sql: &str, want: i64) {
        for _ in 0..600 {
            if self.count(sql).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "waited 30 s for `{sql}` to be {want}, it is {}",
            self.count(sql).await
        );
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        let row = sqlx::query(sql)
            .fetch_one(self.db.read())
            .await
            .expect("count query");
        row.try_get::<i64, _>(0).expect("count")
    }
}

pub async fn get_with(client: &reqwest::Client, url: &str) -> (u16, String) {
    let res = client
        .get(url)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("GET");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

pub async fn submit_with(
    client: &reqwest::Client,
    base_url: &str,
    from: &str,
    endpoint: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{base_url}/api/{endpoint}"))
        .header(ORIGIN, base_url)
        .header(REFERER, format!("{base_url}{from}"))
        .header(ACCEPT, "text/html")
        .form(fields)
        .send()
        .await
        .expect("POST")
}

/// The text of the `.ics` attachment of a mail, if it has one.
pub fn ics_attachment(mail: &ReceivedMail) -> Option<String> {
    use mail_parser::MimeHeaders;
    let parsed = mail_parser::MessageParser::default().parse(&mail.data)?;
    parsed
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".ics")))
        .map(|a| String::from_utf8_lossy(a.contents()).into_owned())
}

/// The `Location` of a redirect, made relative to the site.
pub fn location(res: &reqwest::Response) -> String {
    let loc = res
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location header; status {}", res.status()))
        .to_str()
        .expect("ascii location")
        .to_owned();
    match url::Url::parse(&loc) {
        Ok(u) => format!(
            "{}{}",
            u.path(),
            u.query().map(|q| format!("?{q}")).unwrap_or_default()
        ),
        Err(_) => loc,
    }
}

/// Runs each named `async fn(Backend)` as two tests: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}
