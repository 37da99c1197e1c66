//! The mail outbox against a real SMTP server: retries, permanent failures, restarts, the file
//! fallback, and a clean stop.

use std::time::Duration;

use sbor_domain::Db;
use sbor_domain::accounts::Site;
use sbor_domain::outbox::{self, Delivery, NewMail, Rendered};
use sbor_tests::{Backend, RcptRule, TestApp, TestDatabase, TestSmtp, on_both_backends};

on_both_backends!(
    temporary_failures_are_retried_then_delivered,
    permanent_failures_are_marked_failed,
    restart_loses_and_duplicates_nothing,
    without_smtp_mail_is_written_to_files_and_listed,
    the_same_idempotency_key_queues_one_mail,
    a_leased_mail_is_left_to_its_worker,
    temporary_failures_give_up_after_max_attempts,
    two_instances_send_each_mail_once,
    sent_mail_keeps_no_link_secrets,
    claims_take_lapsed_leases_then_the_oldest_due_and_record_writes_each_outcome,
    a_deferred_mail_without_its_source_fails_with_the_reason,
    mail_text_and_bundles_survive_the_json_inserts,
    a_bundle_that_cannot_be_unpacked_waits_without_holding_up_others,
);

async fn a_leased_mail_is_left_to_its_worker(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    enqueue(&app, mail(1, "busy@example.org")).await;
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 1).await;
    // Another worker holds this row and its lease has not run out: nobody else may send it.
    let far = sbor_domain::clock::now() + 3_600_000_000;
    sqlx::query("UPDATE outbox SET status = 'sending', locked_until = $1")
        .bind(far)
        .execute(app.db.write())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.smtp.messages_to("busy@example.org").len(), 1);
    // A worker whose lease was taken over records nothing.
    let stale = sbor_domain::outbox::OutboxMail {
        locked_until: Some(far - 1),
        ..outbox::list_recent(&app.db, 1).await.unwrap().remove(0)
    };
    let recorded = outbox::record(&app.db, &[(stale, Delivery::Permanent("late".into()))]).await;
    assert_eq!(recorded.unwrap(), [false]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
            .await,
        1
    );
}

async fn temporary_failures_give_up_after_max_attempts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.smtp.set_rule("never@example.org", RcptRule::TempFail);
    enqueue(&app, mail(1, "never@example.org")).await;
    wait_until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE attempts = 1 AND status = 'queued'",
        1,
    )
    .await;
    sqlx::query("UPDATE outbox SET attempts = $1 - 1, next_attempt_at = 0")
        .bind(outbox::MAX_ATTEMPTS)
        .execute(app.db.write())
        .await
        .unwrap();
    wait_until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND last_error LIKE '%451%'",
        1,
    )
    .await;
    assert_eq!(
        app.count("SELECT attempts FROM outbox").await,
        outbox::MAX_ATTEMPTS
    );
}

async fn two_instances_send_each_mail_once(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = first.sibling().await;
    let recipients: Vec<String> = (0..200).map(|i| format!("r{i}@example.org")).collect();
    for (i, r) in recipients.iter().enumerate() {
        enqueue(&first, mail(i, r)).await;
    }
    wait_until(&first, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 200).await;
    for r in &recipients {
        assert_eq!(first.smtp.messages_to(r).len(), 1, "{r} got exactly one mail");
    }
    assert_eq!(first.smtp.messages().len(), 200);
    let (_, m1) = first.get("/metrics").await;
    let (_, m2) = second.get("/metrics").await;
    let sent = |m: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix("sbor_mail_deliveries_total{outcome=\"sent\"} "))
            .map(|n| n.parse().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(sent(&m1) + sent(&m2), 200);
    eprintln!(
        "{backend:?}: instance 1 sent {}, instance 2 sent {}",
        sent(&m1),
        sent(&m2)
    );
}

async fn sent_mail_keeps_no_link_secrets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signed_up_user("sec@example.org", "Sec").await;
    app.submit(
        "/password/forgot",
        "forgot_password",
        &[("email", "sec@example.org")],
    )
    .await;
    let mail = app.mail_to("sec@example.org", 2).await;
    let link = app.link_path(&mail, "/password/reset?token=");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 2).await;
    let stored = outbox::list_recent(&app.db, 10).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|m| !m.body_text.contains(&token) && !m.body_html.contains(&token))
    );
    assert!(stored.iter().any(|m| m.body_text.contains("token=[redacted]")));
}

/// The rules layer alone (no worker running): which rows a claim takes, in which order, and
/// what recording a batch's outcomes in one transaction writes.
async fn claims_take_lapsed_leases_then_the_oldest_due_and_record_writes_each_outcome(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = database.migrated().await;
    let site = Site {
        base_url: "https://sbor.example.org".into(),
    };
    let now = sbor_domain::clock::now();
    // Twelve queued mails, due in the reverse order of their ids; mail 6 carries a secret.
    for n in 1..=12usize {
        let mut m = mail(n, &format!("m{n}@example.org"));
        if n == 6 {
            m.mail.text = "Reset: https://sbor.example.org/password/reset?token=s3cret-Tok_en".into();
        }
        outbox::enqueue(&db, &site, m).await.unwrap();
    }
    for n in 1..=12i64 {
        let due = now - 1_000 * n;
        set(
            &db,
            "UPDATE outbox SET next_attempt_at = $1 WHERE recipient = $2",
            due,
            n,
        )
        .await;
    }
    // Mail 9 is not due yet (it would be among the oldest); mail 11's lease ran out (its
    // worker died) and it is the newest, so only "lapsed leases first" puts it in a claim of
    // six; mail 12 is being sent under a live lease.
    let later = now + 3_600_000_000;
    set(
        &db,
        "UPDATE outbox SET next_attempt_at = $1 WHERE recipient = $2",
        later,
        9,
    )
    .await;
    set(
        &db,
        "UPDATE outbox SET status = 'sending', next_attempt_at = $1, locked_until = $1 WHERE recipient = $2",
        now - 1,
        11,
    )
    .await;
    set(
        &db,
        "UPDATE outbox SET status = 'sending', locked_until = $1 WHERE recipient = $2",
        later,
        12,
    )
    .await;

    let claimed = outbox::claim_due(&db, 6).await.unwrap();
    assert_eq!(claimed[0].recipient, "m11@example.org", "the lapsed lease first");
    let mut due: Vec<&str> = claimed[1..].iter().map(|m| m.recipient.as_str()).collect();
    due.sort();
    assert_eq!(
        due,
        [
            "m10@example.org",
            "m5@example.org",
            "m6@example.org",
            "m7@example.org",
            "m8@example.org"
        ],
        "then the oldest due mails; never a live lease or a mail not due"
    );
    assert!(
        claimed
            .iter()
            .all(|m| m.status == "sending" && m.locked_until.is_some_and(|l| l > now))
    );

    // One batch: sent, a temporary failure, a permanent one, one whose lease another worker
    // took over meanwhile, and the mail with the secret.
    let by = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().clone();
    let stolen = outbox::OutboxMail {
        locked_until: Some(now - 5),
        ..by("m7@example.org")
    };
    let recorded = outbox::record(
        &db,
        &[
            (by("m11@example.org"), Delivery::Sent),
            (by("m10@example.org"), Delivery::Temporary("451 try later".into())),
            (
                by("m8@example.org"),
                Delivery::Permanent("550 no such user".into()),
            ),
            (stolen, Delivery::Sent),
            (by("m6@example.org"), Delivery::Sent),
        ],
    )
    .await
    .unwrap();
    assert_eq!(recorded, [true, true, true, false, true]);
    let rows = outbox::list_recent(&db, 20).await.unwrap();
    let row = |to: &str| rows.iter().find(|m| m.recipient == to).unwrap();
    let sent = row("m11@example.org");
    assert_eq!(sent.status, "sent");
    assert!(sent.sent_at.is_some() && sent.last_error.is_none() && sent.locked_until.is_none());
    assert_eq!(
        sent.body_text, "Body 11",
        "a body without secrets is kept as it was"
    );
    let retry = row("m10@example.org");
    assert_eq!(retry.status, "queued");
    assert!(retry.next_attempt_at > now && retry.locked_until.is_none());
    assert_eq!(retry.last_error.as_deref(), Some("451 try later"));
    let failed = row("m8@example.org");
    assert_eq!(
        (failed.status.as_str(), failed.last_error.as_deref()),
        ("failed", Some("550 no such user"))
    );
    assert!(failed.sent_at.is_none());
    assert_eq!(
        row("m7@example.org").status,
        "sending",
        "a lost lease records nothing"
    );
    let secret = row("m6@example.org");
    assert_eq!(secret.status, "sent");
    assert!(!secret.body_text.contains("s3cret") && secret.body_text.contains("token=[redacted]"));
    assert_eq!(row("m12@example.org").status, "sending");
    assert_eq!(row("m9@example.org").status, "queued");
}

/// Runs `sql` with `value` for mail `n`'s row (recipient `m<n>@example.org`).
async fn set(db: &Db, sql: &str, value: i64, n: i64) {
    let to = format!("m{n}@example.org");
    sqlx::query(sql)
        .bind(value)
        .bind(to)
        .execute(db.write())
        .await
        .unwrap();
}

fn mail(n: usize, to: &str) -> NewMail {
    NewMail::new(
        format!("test:{n}:{to}"),
        "test",
        to,
        Rendered {
            subject: format!("Test {n}"),
            text: format!("Body {n}"),
            html: format!("<p>Body {n}</p>"),
        },
    )
}

async fn enqueue(app: &TestApp, m: NewMail) {
    let site = Site {
        base_url: app.base_url.clone(),
    };
    outbox::enqueue(&app.db, &site, m).await.unwrap();
}

/// Lets queued retries come due now instead of after their backoff.
async fn make_retries_due(app: &TestApp) {
    sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE status = 'queued'")
        .execute(app.db.write())
        .await
        .unwrap();
}

async fn wait_until(app: &TestApp, sql: &str, expected: i64) {
    for _ in 0..300 {
        if app.count(sql).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for `{sql}` = {expected} (is {})",
        app.count(sql).await
    );
}

/// A mail queued unrendered (`deferred_mail`) whose event was deleted before it was sent, or
/// whose stored source cannot be read, is marked failed with the reason and never sent; a mail
/// in the same claim still goes out.
async fn a_deferred_mail_without_its_source_fails_with_the_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let gone = r#"{"rsvp_answer":{"event":987654,"name":"Ann","lang":"En","status":"going","position":null,"party_too_big":false}}"#;
    enqueue(
        &app,
        NewMail::deferred("d:1".into(), "rsvp_going", "ann@example.org", gone.into()),
    )
    .await;
    enqueue(
        &app,
        NewMail::deferred("d:2".into(), "rsvp_going", "bob@example.org", "{not json".into()),
    )
    .await;
    enqueue(&app, mail(3, "fine@example.org")).await;
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 1).await;
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'failed'", 2).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'ann@example.org' \
             AND last_error = 'the event no longer exists'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.org' \
             AND last_error LIKE 'cannot read what to render the mail from:%'"
        )
        .await,
        1
    );
    let sent: Vec<String> = app.smtp.messages().iter().map(|m| m.to.join(",")).collect();
    assert_eq!(sent.len(), 1, "only the ordinary mail went out: {sent:?}");
}

async fn temporary_failures_are_retried_then_delivered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.smtp.set_rule("slow@example.org", RcptRule::TempFailTimes(2));
    enqueue(&app, mail(1, "slow@example.org")).await;
    wait_until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND attempts = 1 AND last_error LIKE '%451%'",
        1,
    )
    .await;
    let next: i64 = app.count("SELECT next_attempt_at - created_at FROM outbox").await;
    assert!(next >= 29_000_000, "backs off about 30 s, not {next} µs");
    make_retries_due(&app).await;
    wait_until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE attempts = 2 AND status = 'queued'",
        1,
    )
    .await;
    make_retries_due(&app).await;
    wait_until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND attempts = 3",
        1,
    )
    .await;
    assert_eq!(app.smtp.messages_to("slow@example.org").len(), 1);
    let (_, metrics) = app.get("/metrics").await;
    assert!(
        metrics.contains("sbor_mail_deliveries_total{outcome=\"retry\"} 2"),
        "{metrics}"
    );
}

async fn permanent_failures_are_marked_failed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.smtp.set_rule("gone@example.org", RcptRule::PermFail);
    enqueue(&app, mail(1, "gone@example.org")).await;
    enqueue(&app, mail(2, "fine@example.org")).await;
    enqueue(&app, mail(3, "not an address")).await;
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'failed'", 2).await;
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 1).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND last_error LIKE '%550%'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND attempts = 1")
            .await,
        2,
        "not retried"
    );
    assert_eq!(app.smtp.messages().len(), 1);
}

async fn restart_loses_and_duplicates_nothing(backend: Backend) {
    // First life: the SMTP server refuses everything for now, so mails pile up.
    let app = TestApp::spawn(backend).await;
    let recipients: Vec<String> = (0..40).map(|i| format!("m{i}@example.org")).collect();
    for r in &recipients {
        app.smtp.set_rule(r, RcptRule::TempFail);
    }
    for (i, r) in recipients.iter().enumerate() {
        enqueue(&app, mail(i, r)).await;
    }
    wait_until(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE attempts >= 1 AND status = 'queued'",
        40,
    )
    .await;
    let (database, smtp) = app.stop().await;
    assert_eq!(smtp.messages().len(), 0);

    // A crash mid-send leaves rows in `sending` with a lease; simulate one that ran out.
    let db = sbor_domain::Db::connect(&database.url, 2).await.unwrap();
    sqlx::query("UPDATE outbox SET status = 'sending', locked_until = 1 WHERE id <= 5")
        .execute(db.write())
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET next_attempt_at = 0")
        .execute(db.write())
        .await
        .unwrap();
    db.close().await;

    // Second life: the SMTP server accepts; every mail arrives exactly once.
    for r in &recipients {
        smtp.set_rule(r, RcptRule::Accept);
    }
    let url = smtp.url();
    let app = TestApp::start_on(database, smtp, &[("SMTP_URL", url.as_str())]).await;
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 40).await;
    for r in &recipients {
        assert_eq!(app.smtp.messages_to(r).len(), 1, "{r} got exactly one mail");
    }
    // A graceful stop leaves nothing half-sent.
    let (database, _smtp) = app.stop().await;
    let db = sbor_domain::Db::connect(&database.url, 2).await.unwrap();
    let sending: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sending'")
            .fetch_one(db.read())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(sending, 0);
    db.close().await;
}

async fn without_smtp_mail_is_written_to_files_and_listed(backend: Backend) {
    let app = TestApp::spawn_with(backend, TestSmtp::start().await, &[]).await;
    let res = app
        .submit(
            "/signup",
            "signup",
            &[
                ("email", "file@example.org"),
                ("password", "password1"),
                ("display_name", "Филипп"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 1).await;
    let dir = app.data_dir.join("outbox");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).collect();
    assert_eq!(files.len(), 1, "one .eml file in {}", dir.display());
    let raw = std::fs::read(files[0].path()).unwrap();
    let parsed = sbor_tests::ReceivedMail {
        from: String::new(),
        to: vec![],
        data: raw,
    };
    assert_eq!(parsed.subject(), "Confirm your email for Sbor");
    assert!(parsed.text_body().contains("Hello, Филипп!"));
    assert!(parsed.header("Message-ID").is_some());
    assert_eq!(app.smtp.messages().len(), 0, "no SMTP configured, none used");
}

async fn the_same_idempotency_key_queues_one_mail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..3 {
        enqueue(&app, mail(7, "once@example.org")).await;
    }
    wait_until(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages_to("once@example.org").len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
}

/// Mails travel into the outbox as one JSON parameter, straight (`enqueue_many_in`) or through
/// a bundle (`enqueue_bundle_in`, then `unpack_bundles`): every character survives exactly;
/// bundles are moved oldest first, each mail keeping the time its bundle was queued, so they
/// are claimed in that order; two workers unpacking at once move each bundle once; and a mail
/// holding a NUL character is refused before anything is written.
async fn mail_text_and_bundles_survive_the_json_inserts(backend: Backend) {
    use sqlx::Row;
    let database = TestDatabase::new(backend).await;
    let db = database.migrated().await;
    let site = Site {
        base_url: "https://sbor.example.org".into(),
    };
    let tricky = "Quote \" backslash \\ new\nline\ttab \u{1} é ё 😀 </script> ' -- $1 ? \\u0000";
    let mut direct = mail(1, "direct@example.org");
    direct.mail.subject = tricky.into();
    direct.mail.text = tricky.into();
    direct.mail.html = format!("<p>{tricky}</p>");
    direct.ics = Some(tricky.into());
    let mut conn = db.write().acquire().await.unwrap();
    outbox::enqueue_many_in(&mut conn, &site, vec![direct])
        .await
        .unwrap();
    for b in 1..=9usize {
        let mails = (0..2)
            .map(|i| {
                let mut m = mail(10 * b + i, &format!("b{b}-{i}@example.org"));
                m.mail.subject = tricky.into();
                m.render = Some(format!("{{\"bundle\":{b},\"text\":{tricky:?}}}"));
                m
            })
            .collect();
        outbox::enqueue_bundle_in(&mut conn, &site, mails).await.unwrap();
        // Each bundle queued at its own instant.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut nul = mail(99, "nul@example.org");
    nul.mail.text = "a\0b".into();
    assert!(
        outbox::enqueue_bundle_in(&mut conn, &site, vec![nul])
            .await
            .is_err()
    );
    let mut nul = mail(99, "nul@example.org");
    nul.render = Some("a\0b".into());
    assert!(
        outbox::enqueue_many_in(&mut conn, &site, vec![nul])
            .await
            .is_err()
    );
    drop(conn);
    assert_eq!(
        outbox::pending_count(&db).await.unwrap(),
        19,
        "bundled mails count as queued"
    );

    // One call alone moves the four oldest bundles, oldest first.
    assert_eq!(outbox::unpack_bundles(&db).await.unwrap(), 4);
    let first_moved: Vec<String> =
        sqlx::query("SELECT recipient FROM outbox WHERE kind = 'test' ORDER BY id")
            .fetch_all(db.read())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("recipient"))
            .collect();
    let oldest: Vec<String> = (1..=4)
        .flat_map(|b| (0..2).map(move |i| format!("b{b}-{i}@example.org")))
        .collect();
    assert_eq!(
        first_moved[1..],
        oldest[..],
        "the oldest bundles first, in their order"
    );

    let unpack_all = || async {
        let mut moved = 0;
        loop {
            match outbox::unpack_bundles(&db).await.unwrap() {
                0 => return moved,
                n => moved += n,
            }
        }
    };
    let (first, second) = tokio::join!(unpack_all(), unpack_all());
    assert_eq!(first + second, 5, "each remaining bundle moved once");
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(db.read())
                .await
                .unwrap()
                .try_get::<i64, _>(0)
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM outbox_bundles").await, 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM outbox").await,
        19,
        "no NUL mail, no mail twice"
    );

    let rows = sqlx::query(
        "SELECT recipient, kind, message_id, subject, body_text, body_html, ics, render FROM outbox \
         ORDER BY next_attempt_at, id",
    )
    .fetch_all(db.read())
    .await
    .unwrap();
    let direct = &rows[0];
    assert_eq!(direct.get::<String, _>("recipient"), "direct@example.org");
    assert_eq!(direct.get::<String, _>("subject"), tricky);
    assert_eq!(direct.get::<String, _>("body_text"), tricky);
    assert_eq!(direct.get::<String, _>("body_html"), format!("<p>{tricky}</p>"));
    assert_eq!(direct.get::<Option<String>, _>("ics").as_deref(), Some(tricky));
    assert_eq!(direct.get::<Option<String>, _>("render"), None);
    let bundled: Vec<String> = rows[1..].iter().map(|r| r.get("recipient")).collect();
    let queued: Vec<String> = (1..=9)
        .flat_map(|b| (0..2).map(move |i| format!("b{b}-{i}@example.org")))
        .collect();
    assert_eq!(bundled, queued, "claimed in the order they were queued");
    let mut message_ids = std::collections::HashSet::new();
    for r in &rows {
        assert_eq!(r.get::<String, _>("kind"), "test");
        let id: String = r.get("message_id");
        assert!(id.starts_with('<') && id.ends_with("@sbor.example.org>"), "{id}");
        assert!(message_ids.insert(id), "one Message-ID per mail");
    }
    for (r, b) in rows[1..].iter().zip((1..=9).flat_map(|b| [b, b])) {
        assert_eq!(r.get::<String, _>("subject"), tricky);
        assert_eq!(
            r.get::<Option<String>, _>("render"),
            Some(format!("{{\"bundle\":{b},\"text\":{tricky:?}}}"))
        );
        assert_eq!(r.get::<Option<String>, _>("ics"), None);
    }
}

/// A bundle whose mails cannot be inserted (here: rows without a key) is tried again after a
/// backoff, with the error kept; it holds up neither the bundle behind it nor the worker.
async fn a_bundle_that_cannot_be_unpacked_waits_without_holding_up_others(backend: Backend) {
    use sqlx::Row;
    let database = TestDatabase::new(backend).await;
    let db = database.migrated().await;
    let site = Site {
        base_url: "https://sbor.example.org".into(),
    };
    for _ in 0..5 {
        sqlx::query("INSERT INTO outbox_bundles (mails, size, created_at) VALUES ('[{}]', 1, 1)")
            .execute(db.write())
            .await
            .unwrap();
    }
    let mut conn = db.write().acquire().await.unwrap();
    outbox::enqueue_bundle_in(&mut conn, &site, vec![mail(1, "behind@example.org")])
        .await
        .unwrap();
    drop(conn);
    assert_eq!(
        outbox::unpack_bundles(&db).await.unwrap(),
        1,
        "the good bundle moved"
    );
    let queued = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE recipient = 'behind@example.org'")
        .fetch_one(db.read())
        .await
        .unwrap()
        .get::<i64, _>("n");
    assert_eq!(queued, 1);
    let broken = sqlx::query("SELECT attempts, next_attempt_at, last_error FROM outbox_bundles")
        .fetch_all(db.read())
        .await
        .unwrap();
    assert_eq!(broken.len(), 5, "the broken bundles stay");
    let now = sbor_domain::clock::now();
    for r in &broken {
        assert_eq!(r.get::<i64, _>("attempts"), 1);
        assert!(
            r.get::<i64, _>("next_attempt_at") > now,
            "tried again only after a backoff"
        );
        assert!(
            r.get::<Option<String>, _>("last_error")
                .is_some_and(|e| !e.is_empty())
        );
    }
    assert_eq!(outbox::unpack_bundles(&db).await.unwrap(), 0);
    let attempts = sqlx::query("SELECT MAX(attempts) AS n FROM outbox_bundles")
        .fetch_one(db.read())
        .await
        .unwrap()
        .get::<i64, _>("n");
    assert_eq!(attempts, 1, "not tried again before their time");
    assert_eq!(
        outbox::pending_count(&db).await.unwrap(),
        6,
        "their mails still count as waiting"
    );
}
