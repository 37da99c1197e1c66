//! Cross-cutting behaviour: CSRF, probes and metrics, error pages, schema parity.

use sbor_tests::{Backend, TestApp, TestDatabase, location, on_both_backends};

on_both_backends!(
    cross_site_posts_are_refused,
    probes_and_metrics,
    unknown_pages_get_a_404_page,
    schema_matches_the_other_backend,
);

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("ann@example.org", "Ann").await;
    let form = [("email", "ann@example.org"), ("password", pw)];

    // From another site: refused before anything runs, with or without JavaScript's headers.
    for (origin, referer) in [
        (Some("https://evil.example"), None),
        (None, Some("https://evil.example/page")),
        (Some("null"), None),
        (None, None),
    ] {
        let mut req = app
            .client
            .post(app.url("/api/login"))
            .header("Accept", "text/html")
            .form(&form);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        if let Some(r) = referer {
            req = req.header("Referer", r);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "origin {origin:?} referer {referer:?}");
        assert!(res.headers().get("set-cookie").is_none());
    }
    let res = app
        .client
        .post(app.url("/api/login"))
        .header("Origin", &app.base_url)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Plain routes too.
    let res = app
        .client
        .post(app.url("/auth/confirm"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);

    // A hydrated form (JSON answer) gets a status that says what went wrong, not a 500.
    let res = app
        .client
        .post(app.url("/api/login"))
        .header("Origin", &app.base_url)
        .form(&[("email", "ann@example.org"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("invalid_credentials"));
    let res = app
        .client
        .post(app.url("/api/signup"))
        .header("Origin", &app.base_url)
        .form(&[
            ("email", "nope"),
            ("password", "longenough"),
            ("display_name", "X"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    // The same request from our own pages works, with JavaScript (JSON answer) or without.
    let res = app
        .client
        .post(app.url("/api/login"))
        .header("Origin", &app.base_url)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    assert_eq!(location(&app.log_in("ann@example.org", pw).await), "/");
}

async fn probes_and_metrics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/healthz").await, (200, "ok\n".into()));
    assert_eq!(app.get("/readyz").await, (200, "ready\n".into()));
    app.get("/").await;
    app.get("/no-such-page").await;
    app.submit(
        "/login/email",
        "request_login_link",
        &[("email", "x@example.org")],
    )
    .await;
    let (status, text) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("sbor_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("route=\"/healthz\",status=\"200\"} 1"));
    assert!(text.contains("sbor_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 1"));
    assert!(text.contains("sbor_outbox_pending 0"));
    assert!(!text.contains("x@example.org"));

    // Readiness follows the database.
    app.db.close().await;
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(app.get("/healthz").await.0, 200);
}

/// The pools ping a connection at checkout only if it sat idle for a second
/// (`PING_AFTER_IDLE` in `domain/src/db.rs`). A PostgreSQL restart or failover closes the
/// server's idle connections; the first requests a second later must get fresh ones, not a
/// dead connection's error. PostgreSQL only: nothing can close a SQLite connection under the
/// server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_the_database_dropped_are_replaced() {
    let app = TestApp::spawn(Backend::Postgres).await;
    // Opens connections in the server's pools.
    assert_eq!(app.get("/readyz").await.0, 200);
    assert_eq!(app.get("/").await.0, 200);
    // Every connection to the test database but the one running this statement: the pool
    // hands out its oldest idle connection first, so the next checkouts get killed ones.
    let killed = app
        .count(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()) AS killed",
        )
        .await;
    assert!(killed > 0, "no connection of the server was open");
    // Longer than PING_AFTER_IDLE, so that the killed connections are pinged at checkout.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    for _ in 0..3 {
        assert_eq!(app.get("/readyz").await, (200, "ready\n".into()));
        let (status, page) = app.get("/").await;
        assert_eq!(status, 200, "{page}");
    }
}

async fn unknown_pages_get_a_404_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, page) = app.get("/this/does/not/exist").await;
    assert_eq!(status, 404);
    assert!(page.contains("Page not found") && page.contains("<header class=\"topbar\""));
    let res = app
        .client
        .get(app.url("/this/does/not/exist"))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("Страница не найдена"));
}

/// Tables, columns and indexes of a freshly migrated database, as sorted text.
async fn schema_of(backend: Backend) -> Vec<String> {
    use sqlx::Row;
    let database = TestDatabase::new(backend).await;
    let db = database.migrated().await;
    let (columns, indexes) = match backend {
        Backend::Sqlite => (
            "SELECT m.name || '.' || p.name AS item FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            "SELECT tbl_name || ':' || name AS item FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
        ),
        Backend::Postgres => (
            "SELECT table_name || '.' || column_name AS item FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
            "SELECT tablename || ':' || indexname AS item FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND tablename NOT LIKE '_sqlx%'",
        ),
    };
    let mut items = Vec::new();
    for sql in [columns, indexes] {
        for row in sqlx::query(sql).fetch_all(db.read()).await.unwrap() {
            items.push(row.try_get::<String, _>("item").unwrap());
        }
    }
    db.close().await;
    items.sort();
    items
}

async fn schema_matches_the_other_backend(backend: Backend) {
    let other = match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let mine = schema_of(backend).await;
    assert!(mine.contains(&"users.email".to_string()));
    assert!(mine.contains(&"outbox:outbox_status_due".to_string()), "{mine:?}");
    assert_eq!(
        mine,
        schema_of(other).await,
        "migrations/sqlite and migrations/postgres drifted"
    );
}
