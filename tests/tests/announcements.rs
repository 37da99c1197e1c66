//! Announcements end to end over real HTTP and a real SMTP server, on SQLite and PostgreSQL.

use std::collections::HashMap;
use std::time::Duration;

use sbor_tests::smtp::{RcptRule, TestSmtp};
use sbor_tests::{Backend, TestApp, location, on_both_backends, submit_with};

on_both_backends!(
    every_member_gets_an_announcement_exactly_once,
    bounces_are_suppressed_and_temporary_failures_retried,
    one_click_unsubscribe_works_and_forged_tokens_change_nothing,
    scheduled_announcements_go_out_at_their_time,
    bad_announcements_are_refused_and_change_nothing,
    the_send_rate_is_kept,
    public_announcements_are_archived_with_a_feed,
    mail_is_dkim_signed_when_a_key_is_configured,
    pause_resume_and_cancel_control_a_send,
);

/// A community `news` with an admin organizer and `n` members with confirmed addresses
/// (`m0@example.org` …), inserted directly: hundreds of sign-ups over HTTP would only test
/// argon2's speed.
async fn community_with_members(app: &TestApp, n: usize) -> (reqwest::Client, i64) {
    let (admin, client) = app.admin("root@example.org").await;
    let res = submit_with(
        &client,
        &app.base_url,
        "/communities/new",
        "create_community",
        &[
            ("slug", "news"),
            ("name", "DevOps News"),
            ("description", ""),
            ("logo_url", ""),
            ("links", ""),
            ("time_zone", "Europe/Moscow"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/c/news");
    let community = app.count("SELECT id FROM communities WHERE slug = 'news'").await;
    sbor_tests::insert_members(&app.db, community, "m", n).await;
    // The admin organizes (and is a member, so gets it too).
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES ($1, $2, 'organizer', 1) \
         ON CONFLICT (community_id, user_id) DO UPDATE SET role = 'organizer'",
    )
    .bind(community)
    .bind(admin.id)
    .execute(app.db.write())
    .await
    .unwrap();
    (client, community)
}

/// Posts the composer form of the `news` community's announcements page.
async fn compose(app: &TestApp, client: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    submit_with(
        client,
        &app.base_url,
        "/c/news/announcements",
        "create_announcement",
        fields,
    )
    .await
}

/// Composes a draft through the form and returns its id.
async fn draft(
    app: &TestApp,
    client: &reqwest::Client,
    community: i64,
    subject: &str,
    audience: &str,
) -> i64 {
    let res = compose(
        app,
        client,
        &[
            ("community_id", &community.to_string()),
            ("subject", subject),
            ("body", "**Meetup** on Thursday. <script>alert(1)</script>"),
            ("sender_name", "Anna from DevOps News"),
            ("reply_to", "anna@example.org"),
            ("audience", audience),
        ],
    )
    .await;
    let to = location(&res);
    to.rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("draft created: {to}"))
}

async fn act(app: &TestApp, client: &reqwest::Client, id: i64, action: &str) -> reqwest::Response {
    submit_with(
        client,
        &app.base_url,
        &format!("/c/news/announcements/{id}"),
        "announcement_action",
        &[("id", &id.to_string()), ("action", action)],
    )
    .await
}

async fn every_member_gets_an_announcement_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, community) = community_with_members(&app, 300).await;
    // One member opted out, one address bounced before: neither gets it.
    sqlx::query(
        "UPDATE memberships SET announcements = 0 WHERE user_id = (SELECT id FROM users WHERE email = 'm1@example.org')",
    )
    .execute(app.db.write())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO suppressions (email, reason, created_at) VALUES ('m2@example.org', '550 earlier', 1)",
    )
    .execute(app.db.write())
    .await
    .unwrap();
    let id = draft(&app, &client, community, "Thursday meetup", "members").await;
    let (status, page) =
        sbor_tests::get_with(&client, &app.url(&format!("/c/news/announcements/{id}"))).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<strong>299</strong>"),
        "recipient count shown before sending: {page}"
    );
    assert!(!page.contains("<script>alert"), "the preview is sanitised");

    let res = act(&app, &client, id, "send").await;
    assert_eq!(location(&res), format!("/c/news/announcements/{id}"));
    // 298 members + the organizer.
    app.wait_until(
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'sent'"),
        299,
    )
    .await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'sent'"),
        1,
    )
    .await;
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for m in app.smtp.messages() {
        if m.subject() == "Thursday meetup" {
            for to in &m.to {
                *per_recipient.entry(to.clone()).or_default() += 1;
            }
        }
    }
    assert_eq!(per_recipient.len(), 299, "every recipient got it");
    assert!(per_recipient.values().all(|&n| n == 1), "nobody got it twice");
    assert!(!per_recipient.contains_key("m1@example.org"), "opted out");
    assert!(!per_recipient.contains_key("m2@example.org"), "suppressed");

    let mail = app.smtp.messages_to("m7@example.org").pop().unwrap();
    let unsubscribe = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert!(unsubscribe.contains("/unsubscribe/one-click?t="), "{unsubscribe}");
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        mail.header("Reply-To")
            .unwrap_or_default()
            .contains("anna@example.org")
    );
    assert!(
        mail.header("From")
            .unwrap_or_default()
            .contains("Anna from DevOps News")
    );
    assert!(mail.html_body().contains("<strong>Meetup</strong>"));
    assert!(!mail.html_body().contains("<script>"));

    // The link in the body: a page with a button (a mail scanner's GET changes nothing),
    // then the POST turns announcements off for that member.
    let link = app.link_path(&mail, "/unsubscribe?t=");
    let visitor = app.new_client();
    let (status, page) = sbor_tests::get_with(&visitor, &app.url(&link)).await;
    assert_eq!(status, 200);
    assert!(page.contains("DevOps News"), "{page}");
    let opted_out = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE u.email = 'm7@example.org' AND m.announcements = 0";
    assert_eq!(app.count(opted_out).await, 0, "a GET changes nothing");
    let token = link.split("t=").nth(1).unwrap().to_owned();
    let res = submit_with(&visitor, &app.base_url, &link, "unsubscribe", &[("t", &token)]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(app.count(opted_out).await, 1);

    // The progress and the log.
    let (_, page) = sbor_tests::get_with(
        &client,
        &app.url(&format!("/c/news/announcements/{id}?status=sent")),
    )
    .await;
    assert!(
        page.contains("m7@example.org"),
        "the delivery log lists recipients"
    );
    let (status, csv) =
        sbor_tests::get_with(&client, &app.url(&format!("/c/news/announcements/{id}/log.csv"))).await;
    assert_eq!(status, 200);
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("email,status,attempts,last_reply,sent_at"),
        "{csv}"
    );
    assert_eq!(csv.lines().filter(|l| l.contains(",sent,")).count(), 299);
    // The reach recorded when the send started: 299 queued, one opted out, one suppressed.
    for (column, want) in [("recipients", 299), ("opted_out", 1), ("suppressed", 1)] {
        assert_eq!(
            app.count(&format!("SELECT {column} FROM announcements WHERE id = {id}"))
                .await,
            want,
            "{column}"
        );
    }
    // The page asks the rules layer for a page of the log; the CSV for all of it.
    let organizer = sbor_domain::accounts::get(
        &app.db,
        app.count("SELECT id FROM users WHERE email = 'root@example.org'")
            .await,
    )
    .await
    .unwrap();
    let page_of_log = sbor_domain::announcements::deliveries(&app.db, &organizer, id, None, Some(10))
        .await
        .unwrap();
    assert_eq!(page_of_log.len(), 10);
    let whole_log = sbor_domain::announcements::deliveries(&app.db, &organizer, id, None, None)
        .await
        .unwrap();
    assert_eq!(whole_log.len(), 299);
    assert_eq!(whole_log[..10], page_of_log[..], "the same order, cut");
    // Not public: the archive and its feed do not show it.
    let (_, news) = app.get("/c/news/news").await;
    assert!(!news.contains("Thursday meetup"));
}

async fn bounces_are_suppressed_and_temporary_failures_retried(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, community) = community_with_members(&app, 20).await;
    app.smtp.set_rule("m3@example.org", RcptRule::PermFail);
    app.smtp.set_rule("m4@example.org", RcptRule::TempFailTimes(1));
    let id = draft(&app, &client, community, "First", "members").await;
    act(&app, &client, id, "send").await;
    // 21 recipients: 19 delivered, m3 refused for good, m4 refused for now.
    app.wait_until(
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'sent'"),
        19,
    )
    .await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'failed'"),
        1,
    )
    .await;
    let failed = sqlx::query(&format!(
        "SELECT recipient, last_error FROM outbox WHERE announcement_id = {id} AND status = 'failed'"
    ))
    .fetch_all(app.db.read())
    .await
    .unwrap();
    assert_eq!(failed.len(), 1);
    use sqlx::Row;
    assert_eq!(failed[0].get::<String, _>("recipient"), "m3@example.org");
    assert!(
        failed[0].get::<String, _>("last_error").contains("550"),
        "the server's reply is kept"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM suppressions WHERE email = 'm3@example.org'")
            .await,
        1
    );
    // m4 was refused once (451), queued again with a backoff; let its time come.
    app.wait_until(&format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND recipient = 'm4@example.org' AND status = 'queued' AND attempts = 1"),
        1,
    )
    .await;
    sqlx::query(&format!(
        "UPDATE outbox SET next_attempt_at = 0 WHERE announcement_id = {id} AND status = 'queued'"
    ))
    .execute(app.db.write())
    .await
    .unwrap();
    app.smtp
        .wait_for("m4@example.org", 1, Duration::from_secs(30))
        .await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'sent'"),
        1,
    )
    .await;

    // The next announcement leaves the bounced address out, and says so.
    let second = draft(&app, &client, community, "Second", "members").await;
    let (_, page) = sbor_tests::get_with(&client, &app.url(&format!("/c/news/announcements/{second}"))).await;
    assert!(
        page.contains("<strong>20</strong>"),
        "21 members, 1 suppressed: {page}"
    );
    act(&app, &client, second, "send").await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {second} AND status = 'sent'"),
        20,
    )
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE announcement_id = {second} AND recipient = 'm3@example.org'"
        ))
        .await,
        0
    );
    // Organizers see it and can lift it.
    let (_, page) = sbor_tests::get_with(&client, &app.url("/c/news/announcements")).await;
    assert!(page.contains("m3@example.org"));
    let res = submit_with(
        &client,
        &app.base_url,
        "/c/news/announcements",
        "lift_suppression",
        &[
            ("community_id", &community.to_string()),
            ("email", "m3@example.org"),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(app.count("SELECT COUNT(*) FROM suppressions").await, 0);
}

async fn one_click_unsubscribe_works_and_forged_tokens_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, community) = community_with_members(&app, 3).await;
    let id = draft(&app, &client, community, "Hello", "members").await;
    act(&app, &client, id, "send").await;
    let mail = app
        .smtp
        .wait_for("m0@example.org", 1, Duration::from_secs(30))
        .await
        .pop()
        .unwrap();
    let header = mail.header("List-Unsubscribe").unwrap();
    let url = header
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let path = url.strip_prefix(&app.base_url).expect("our own URL").to_owned();
    let forged = format!("{}x", &path[..path.len() - 1]);
    // A mail provider's POST: no cookies, no Origin.
    let provider = reqwest::Client::new();
    let res = provider
        .post(app.url(&forged))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a forged token is refused");
    let opted_out = "SELECT COUNT(*) FROM memberships WHERE announcements = 0";
    assert_eq!(app.count(opted_out).await, 0, "and changes nothing");
    let res = provider
        .post(app.url(&path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.count(opted_out).await, 1);
    // The page for a forged link says so, in the reader's language.
    let (status, page) = sbor_tests::get_with(&app.new_client(), &app.url("/unsubscribe?t=1.1.AAAA")).await;
    assert_eq!(status, 200);
    assert!(page.contains("not valid"), "{page}");
}

async fn scheduled_announcements_go_out_at_their_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, community) = community_with_members(&app, 5).await;
    let id = draft(&app, &client, community, "Later", "members").await;
    let admin = sbor_domain::accounts::get(
        &app.db,
        app.count("SELECT id FROM users WHERE email = 'root@example.org'")
            .await,
    )
    .await
    .unwrap();
    let at = sbor_domain::clock::now() + 2 * sbor_domain::clock::SECOND;
    sbor_domain::announcements::schedule(&app.db, &admin, id, at)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.smtp.messages_to("m0@example.org").len(),
        0,
        "not before its time"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE announcement_id = {id}"
        ))
        .await,
        0
    );
    app.smtp
        .wait_for("m0@example.org", 1, Duration::from_secs(30))
        .await;
    assert!(sbor_domain::clock::now() >= at, "not early");
    app.wait_until(
        &format!("SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'sent'"),
        1,
    )
    .await;
    // A time in the past is refused, nothing changes.
    let second = draft(&app, &client, community, "Past", "members").await;
    let res = submit_with(
        &client,
        &app.base_url,
        &format!("/c/news/announcements/{second}"),
        "announcement_action",
        &[
            ("id", &second.to_string()),
            ("action", "schedule"),
            ("send_at", "2020-01-01T10:00"),
        ],
    )
    .await;
    let (_, page) = sbor_tests::get_with(&client, &app.url(&location(&res))).await;
    assert!(
        page.contains("Pick a time in the future."),
        "the message is shown: {page}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM announcements WHERE id = {second} AND status = 'draft'"
        ))
        .await,
        1
    );
}

async fn bad_announcements_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, community) = community_with_members(&app, 2).await;
    let res = compose(
        &app,
        &client,
        &[
            ("community_id", &community.to_string()),
            ("subject", "   "),
            ("body", "text"),
            ("sender_name", ""),
            ("reply_to", "not an address"),
            ("audience", "members"),
        ],
    )
    .await;
    let (_, page) = sbor_tests::get_with(&client, &app.url(&location(&res))).await;
    assert!(
        page.contains("This field is required."),
        "the message is shown: {page}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM announcements").await, 0);
    // An audience nobody is in: refused at send time, nothing queued.
    // An event of no (or another) community is no audience.
    let res = compose(
        &app,
        &client,
        &[
            ("community_id", &community.to_string()),
            ("subject", "To nobody"),
            ("body", "text"),
            ("sender_name", ""),
            ("reply_to", ""),
            ("audience", "event:999:going"),
        ],
    )
    .await;
    let (_, page) = sbor_tests::get_with(&client, &app.url(&location(&res))).await;
    assert!(
        page.contains("Choose who gets it."),
        "the message is shown: {page}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM announcements").await, 0);
    let id = draft(&app, &client, community, "Organizers", "organizers").await;
    sqlx::query("UPDATE memberships SET announcements = 0 WHERE role = 'organizer'")
        .execute(app.db.write())
        .await
        .unwrap();
    let res = act(&app, &client, id, "send").await;
    let (_, page) = sbor_tests::get_with(&client, &app.url(&location(&res))).await;
    assert!(
        page.contains("Nobody would get this announcement"),
        "the message is shown: {page}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE announcement_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'draft' AND started_at IS NULL"
        ))
        .await,
        1,
        "the refused send left the draft as it was"
    );
    // A member (not an organizer) can neither compose nor send.
    let (plain, member) = app.member("plain@example.org", "Plain").await;
    let res = act(&app, &member, id, "send").await;
    assert!(location(&res).contains("__err"), "refused: {}", location(&res));
    let before = app.count("SELECT COUNT(*) FROM announcements").await;
    let res = compose(
        &app,
        &member,
        &[
            ("community_id", &community.to_string()),
            ("subject", "Spam"),
            ("body", "Buy now"),
            ("sender_name", ""),
            ("reply_to", ""),
            ("audience", "members"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"), "refused: {}", location(&res));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM announcements").await,
        before,
        "no draft made"
    );
    let (_, page) = sbor_tests::get_with(&member, &app.url("/c/news/announcements")).await;
    assert!(!page.contains("Organizers"), "no list for members");
    // The rules layer itself refuses them the organizers' list (drafts included).
    assert!(matches!(
        sbor_domain::announcements::list_for(&app.db, &plain, community).await,
        Err(sbor_domain::DomainError::Forbidden)
    ));
}

/// MAIL_RATE=20: 30 recipients take at least (30 - 1) / 20 s, and all arrive over SMTP.
async fn the_send_rate_is_kept(backend: Backend) {
    let smtp = TestSmtp::start().await;
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(
        backend,
        smtp,
        &[("SMTP_URL", smtp_url.as_str()), ("MAIL_RATE", "20")],
    )
    .await;
    let (client, community) = community_with_members(&app, 29).await;
    let id = draft(&app, &client, community, "Paced", "members").await;
    let started = std::time::Instant::now();
    act(&app, &client, id, "send").await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'sent'"),
        30,
    )
    .await;
    let took = started.elapsed();
    assert_eq!(
        app.smtp.messages().len(),
        30,
        "every one went through the SMTP server"
    );
    assert!(
        took >= Duration::from_millis(1400),
        "30 mails at 20/s took only {took:?}"
    );
}

async fn public_announcements_are_archived_with_a_feed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, community) = community_with_members(&app, 2).await;
    let res = compose(
        &app,
        &client,
        &[
            ("community_id", &community.to_string()),
            ("subject", "Talks of the year"),
            ("body", "Slides are *online*."),
            ("sender_name", ""),
            ("reply_to", ""),
            ("audience", "members"),
            ("public", "on"),
        ],
    )
    .await;
    let id: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let (_, news) = app.get("/c/news/news").await;
    assert!(!news.contains("Talks of the year"), "not before it is sent");
    act(&app, &client, id, "send").await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'sent'"),
        1,
    )
    .await;
    let (status, news) = app.get("/c/news/news").await;
    assert_eq!(status, 200);
    assert!(
        news.contains("Talks of the year") && news.contains("<em>online</em>"),
        "{news}"
    );
    let (status, atom) = app.get("/c/news/news.atom").await;
    assert_eq!(status, 200);
    assert!(atom.contains("<title>Talks of the year</title>"), "{atom}");
    assert!(
        atom.contains("&lt;em&gt;online&lt;/em&gt;"),
        "the text as escaped HTML: {atom}"
    );
}

/// Runs the independent verifier (dkimpy) on a raw message; returns whether it verified and
/// what it printed (signed headers, domain, selector).
fn dkim_verify(raw: &[u8]) -> (bool, String) {
    use std::io::Write;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let public_key = std::fs::read_to_string(dir.join("fixtures/dkim-test-rsa.pub")).unwrap();
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg(dir.join("tools/dkim_verify.py"))
        .arg(public_key.trim())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with dkimpy (scripts/setup.sh installs python3-dkim)");
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), printed)
}

/// With DKIM_KEY_FILE set, announcements (including their List-Unsubscribe headers) and
/// account mail carry a signature that an independent verifier accepts; a changed subject
/// breaks it, so the check can fail.
async fn mail_is_dkim_signed_when_a_key_is_configured(backend: Backend) {
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dkim-test-rsa.pem");
    let smtp = TestSmtp::start().await;
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(
        backend,
        smtp,
        &[
            ("SMTP_URL", smtp_url.as_str()),
            ("DKIM_KEY_FILE", key.to_str().unwrap()),
            ("DKIM_SELECTOR", "sbor2026"),
            ("DKIM_DOMAIN", "example.org"),
        ],
    )
    .await;
    let (client, community) = community_with_members(&app, 2).await;
    let id = draft(&app, &client, community, "Signed", "members").await;
    act(&app, &client, id, "send").await;
    let announcement = app.mail_about("m0@example.org", "Signed").await;
    let (ok, printed) = dkim_verify(&announcement.data);
    assert!(ok, "the announcement verifies: {printed}");
    let signed = printed.to_ascii_lowercase();
    assert!(
        signed.contains("list-unsubscribe:list-unsubscribe-post") && signed.contains("example.org sbor2026"),
        "the one-click headers are signed, with d= and s= as configured: {printed}"
    );

    // Account mail (a sign-up confirmation) is signed too.
    app.submit(
        "/signup",
        "signup",
        &[
            ("email", "new@example.org"),
            ("password", "correct horse battery"),
            ("display_name", "New"),
        ],
    )
    .await;
    let confirmation = app.mail_to("new@example.org", 1).await;
    let (ok, printed) = dkim_verify(&confirmation.data);
    assert!(ok, "the confirmation verifies: {printed}");

    let raw = String::from_utf8_lossy(&announcement.data).replacen("Subject: Signed", "Subject: Forged", 1);
    assert_ne!(
        raw.as_bytes(),
        &announcement.data[..],
        "the subject was found and changed"
    );
    let (ok, _) = dkim_verify(raw.as_bytes());
    assert!(!ok, "a changed subject fails verification");
}

/// Sent announcement rows, counted in the outbox.
async fn sent(app: &TestApp, id: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'sent'"
    ))
    .await
}

/// Waits until the sent count of `id` has not moved for a second (the rows a worker had
/// already claimed finish their send after a pause or cancel) and returns it.
async fn settled(app: &TestApp, id: i64) -> i64 {
    let mut last = sent(app, id).await;
    loop {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let now = sent(app, id).await;
        if now == last {
            return now;
        }
        last = now;
    }
}

/// At MAIL_RATE=10, a send to 41 people takes about 4 s: pause stops it (nothing more leaves
/// while paused), resume finishes it with one copy each; cancel stops a sending one for good
/// and a scheduled one before anything is queued.
async fn pause_resume_and_cancel_control_a_send(backend: Backend) {
    let smtp = TestSmtp::start().await;
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(
        backend,
        smtp,
        &[("SMTP_URL", smtp_url.as_str()), ("MAIL_RATE", "10")],
    )
    .await;
    let (client, community) = community_with_members(&app, 40).await;
    let id = draft(&app, &client, community, "Paused", "members").await;
    act(&app, &client, id, "send").await;
    while sent(&app, id).await < 3 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    act(&app, &client, id, "pause").await;
    let at_pause = settled(&app, id).await;
    assert!(at_pause < 41, "paused before the end ({at_pause} sent)");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sent(&app, id).await, at_pause, "nothing leaves while paused");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'paused'"
        ))
        .await,
        1
    );
    act(&app, &client, id, "resume").await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'sent'"),
        1,
    )
    .await;
    assert_eq!(sent(&app, id).await, 41);
    for i in 0..40 {
        let to = format!("m{i}@example.org");
        let copies = app
            .smtp
            .messages_to(&to)
            .iter()
            .filter(|m| m.subject() == "Paused")
            .count();
        assert_eq!(copies, 1, "{to} got {copies} copies");
    }

    // Cancelled while sending: the rest never goes out.
    let id = draft(&app, &client, community, "Cancelled", "members").await;
    act(&app, &client, id, "send").await;
    while sent(&app, id).await < 3 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    act(&app, &client, id, "cancel").await;
    let at_cancel = settled(&app, id).await;
    assert!(at_cancel < 41, "cancelled before the end ({at_cancel} sent)");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'cancelled'"
        ))
        .await,
        41 - at_cancel,
        "every unsent row is cancelled"
    );
    let arrived = app
        .smtp
        .messages()
        .iter()
        .filter(|m| m.subject() == "Cancelled")
        .count() as i64;
    assert_eq!(arrived, at_cancel, "what was sent arrived, nothing else");

    // Cancelled while scheduled: nothing is ever queued.
    let id = draft(&app, &client, community, "Never", "members").await;
    let res = submit_with(
        &client,
        &app.base_url,
        &format!("/c/news/announcements/{id}"),
        "announcement_action",
        &[
            ("id", &id.to_string()),
            ("action", "schedule"),
            ("send_at", "2099-01-01T10:00"),
        ],
    )
    .await;
    assert!(!location(&res).contains("__err"), "scheduled: {}", location(&res));
    act(&app, &client, id, "cancel").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM announcements WHERE id = {id} AND status = 'cancelled'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE announcement_id = {id}"
        ))
        .await,
        0
    );
    // A cancelled announcement cannot be resumed.
    let res = act(&app, &client, id, "resume").await;
    assert!(location(&res).contains("__err"), "refused: {}", location(&res));
}
