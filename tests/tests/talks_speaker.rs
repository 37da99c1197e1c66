//! Talks from the speaker's and the public's side, over real HTTP and SMTP, on SQLite and
//! PostgreSQL: the CfP page and submission, bad submissions that change nothing, co-speaker
//! invitations, who may see and do what on a talk, public pages, and the talk pool.
//!
//! The CfP itself (organizer settings) is set up through the rules layer: its pages belong to
//! the organizer side.

use sbor_domain::accounts::User;
use sbor_domain::clock::{self, DAY, HOUR};
use sbor_tests::{Backend, TestApp, get_with, location, on_both_backends, submit_with};

on_both_backends!(
    a_draft_is_saved_then_submitted_and_mailed,
    bad_submissions_are_refused_and_change_nothing,
    co_speakers_join_by_the_link_only_with_the_right_account,
    co_speaker_invitations_to_one_address_are_rate_limited,
    strangers_and_illegal_actions_are_refused,
    public_pages_show_only_confirmed_talks_without_notes,
    pool_proposals_move_into_an_event_cfp,
);

struct World {
    admin: User,
    admin_browser: reqwest::Client,
    community_id: i64,
    event_id: i64,
    session_type_id: i64,
    question_id: i64,
}

/// A community `club` organized by an admin, a published event in ten days with an open CfP
/// (one session type, one track, one required question).
async fn world(app: &TestApp) -> World {
    use sbor_domain::{cfp, communities, events};
    let (admin, admin_browser) = app.admin("org@example.org").await;
    let c = communities::create(
        &app.db,
        &admin,
        communities::CommunityInput {
            slug: "club",
            name: "Club",
            time_zone: "UTC",
            lang: "en",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let start = clock::to_datetime(clock::now() + 10 * DAY);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    let e = events::create(
        &app.db,
        &admin,
        c.id,
        events::EventInput {
            title: "RustConf Club",
            starts_local: &fmt(start),
            ends_local: &fmt(start + chrono::Duration::hours(3)),
            time_zone: "UTC",
            venue_name: "Hall",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    events::publish(&app.db, &admin, e.id).await.unwrap();
    let now = clock::now();
    cfp::set(
        &app.db,
        &admin,
        e.id,
        cfp::CfpInput {
            opens_at: now - DAY,
            closes_at: now + 5 * DAY,
            description: "We want **your** talks.",
            languages: vec![sbor_domain::Lang::En, sbor_domain::Lang::Ru],
            levels: cfp::Level::ALL.to_vec(),
            anonymous_review: false,
            late_edits: false,
            confirm_days: 7,
        },
    )
    .await
    .unwrap();
    let st = cfp::add_session_type(
        &app.db,
        &admin,
        e.id,
        cfp::SessionTypeInput {
            name: "Talk",
            minutes: 40,
            deadline: None,
        },
    )
    .await
    .unwrap();
    cfp::add_track(&app.db, &admin, e.id, "Systems", "#336699")
        .await
        .unwrap();
    let q = cfp::add_question(
        &app.db,
        &admin,
        e.id,
        cfp::QuestionInput {
            prompt: "Have you spoken before?",
            kind: cfp::QuestionKind::Text,
            options: "",
            required: true,
        },
    )
    .await
    .unwrap();
    World {
        admin,
        admin_browser,
        community_id: c.id,
        event_id: e.id,
        session_type_id: st.id,
        question_id: q.id,
    }
}

/// Posts the CfP form of the event (`intent` = `draft` or `submit`) with `extra` fields
/// overriding the complete defaults.
async fn post_talk(
    app: &TestApp,
    browser: &reqwest::Client,
    w: &World,
    intent: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let event = w.event_id.to_string();
    let st = w.session_type_id.to_string();
    let answer = format!("answers[{}]", w.question_id);
    let defaults: Vec<(&str, &str)> = vec![
        ("event_id", &event),
        ("title", "Ownership for humans"),
        ("summary", "Borrowing explained with pictures."),
        ("description", "Long *markdown* text."),
        ("notes", "SECRET-NOTE-FOR-ORGANIZERS"),
        ("session_type_id", &st),
        ("track_id", ""),
        ("language", "en"),
        ("level", "beginner"),
        (&answer, "Twice at meetups"),
        ("intent", intent),
    ];
    let mut fields: Vec<(&str, &str)> = defaults
        .into_iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .collect();
    fields.extend_from_slice(extra);
    submit_with(
        browser,
        &app.base_url,
        &format!("/e/{}/cfp", w.event_id),
        "create_talk",
        &fields,
    )
    .await
}

/// The id of the talk a successful form post redirected to.
fn talk_id_of(res: &reqwest::Response) -> i64 {
    let to = location(res);
    to.strip_prefix("/talks/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("expected a redirect to the talk, got {to}"))
}

async fn state_of(app: &TestApp, talk_id: i64) -> String {
    use sqlx::Row;
    sqlx::query("SELECT state FROM talks WHERE id = $1")
        .bind(talk_id)
        .fetch_one(app.db.read())
        .await
        .unwrap()
        .get::<String, _>("state")
}

async fn act(app: &TestApp, browser: &reqwest::Client, talk_id: i64, action: &str) -> reqwest::Response {
    submit_with(
        browser,
        &app.base_url,
        &format!("/talks/{talk_id}"),
        "talk_action",
        &[("id", &talk_id.to_string()), ("action", action)],
    )
    .await
}

/// Follows a refused form post back to its page and returns (location, page).
async fn refused(app: &TestApp, browser: &reqwest::Client, res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status().as_u16(), 302, "a plain form post is redirected back");
    let to = location(&res);
    assert!(to.contains("__err"), "refused, back to the form: {to}");
    let (status, page) = get_with(browser, &app.url(&to)).await;
    assert_eq!(status, 200, "the form page shows again");
    (to, page)
}

/// `page` contains `needle`; on failure shows the page's error messages.
#[track_caller]
fn assert_has(page: &str, needle: &str) {
    if !page.contains(needle) {
        let errors: Vec<&str> = page
            .match_indices("error")
            .map(|(i, _)| &page[i.saturating_sub(60)..(i + 120).min(page.len())])
            .collect();
        panic!("page lacks {needle:?}; error spots: {errors:#?}");
    }
}

async fn a_draft_is_saved_then_submitted_and_mailed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, ann) = app.member("ann@example.org", "Ann Speaker").await;

    // The event page announces the CfP; the CfP page shows its parts and limits.
    let (status, page) = get_with(&ann, &app.url(&format!("/e/{}", w.event_id))).await;
    assert_eq!(status, 200);
    assert!(page.contains("The call for papers is open.") && page.contains("Submit a talk"));
    assert!(page.contains(&format!("/e/{}/cfp", w.event_id)));
    let (status, page) = get_with(&ann, &app.url(&format!("/e/{}/cfp", w.event_id))).await;
    assert_eq!(status, 200);
    for needle in [
        "<strong>your</strong>",
        "Talk — 40 min",
        "Systems",
        "Have you spoken before?",
        "at most 120 characters",
        "at most 600 characters",
        "Save draft",
    ] {
        assert_has(&page, needle);
    }
    // Anonymous visitors are sent to log in (the page links there too) and get no form.
    let (status, page) = get_with(&app.new_client(), &app.url(&format!("/e/{}/cfp", w.event_id))).await;
    assert_eq!(status, 302, "sent to log in");
    assert_has(
        &page,
        &format!("<a href=\"/login?next=/e/{}/cfp\" class=\"button\">", w.event_id),
    );
    assert!(
        !page.contains("name=\"title\""),
        "no talk form for anonymous visitors"
    );

    // A refused attempt keeps its input (see bad_submissions…) until one goes through.
    let res = post_talk(&app, &ann, &w, "draft", &[("title", "")]).await;
    assert!(location(&res).contains("__err"));
    assert_eq!(app.count("SELECT COUNT(*) FROM form_stash").await, 1);

    // A draft needs only a title; it is not submitted and nothing is mailed.
    let res = post_talk(
        &app,
        &ann,
        &w,
        "draft",
        &[("summary", ""), (&format!("answers[{}]", w.question_id), "")],
    )
    .await;
    let id = talk_id_of(&res);
    assert_eq!(state_of(&app, id).await, "draft");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM form_stash").await,
        0,
        "forgotten once saved"
    );
    let (status, page) = get_with(&ann, &app.url(&format!("/talks/{id}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ownership for humans") && page.contains("Draft"));

    // Submitting it without the abstract and the required answer is refused, with the reason.
    let res = act(&app, &ann, id, "submit").await;
    let (_, page) = refused(&app, &ann, res).await;
    assert!(page.contains("This field is required."), "abstract missing");
    assert_eq!(state_of(&app, id).await, "draft", "nothing changed");

    // Completing it in the edit form, then submitting it.
    let answer = format!("answers[{}]", w.question_id);
    let res = submit_with(
        &ann,
        &app.base_url,
        &format!("/talks/{id}"),
        "update_talk",
        &[
            ("id", &id.to_string()),
            ("title", "Ownership for humans"),
            ("summary", "Borrowing explained."),
            ("description", ""),
            ("notes", ""),
            ("session_type_id", &w.session_type_id.to_string()),
            ("track_id", ""),
            ("language", "ru"),
            ("level", ""),
            (&answer, "Never"),
        ],
    )
    .await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    let res = act(&app, &ann, id, "submit").await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    assert_eq!(state_of(&app, id).await, "submitted");
    let mail = app.mail_about("ann@example.org", "Talk received").await;
    assert!(mail.text_body().contains("Ownership for humans"));
    assert!(mail.text_body().contains(&format!("/talks/{id}")));

    // "My talks" lists it with its state, event and history.
    let (status, page) = get_with(&ann, &app.url("/talks")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ownership for humans") && page.contains("Submitted"));
    assert!(page.contains("RustConf Club") && page.contains("History (2)"));
    // The talk page shows the history from → to and only the speaker's actions.
    let (_, page) = get_with(&ann, &app.url(&format!("/talks/{id}"))).await;
    assert!(page.contains("Draft → Submitted"));
    assert!(page.contains("value=\"withdraw\"") && !page.contains("value=\"accept\""));
    // Submitting with one form post also works, and mails too.
    let res = post_talk(&app, &ann, &w, "submit", &[("title", "Second talk")]).await;
    let second = talk_id_of(&res);
    assert_eq!(state_of(&app, second).await, "submitted");
    app.mail_about("ann@example.org", "Talk received: Second talk")
        .await;
}

async fn bad_submissions_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, ann) = app.member("ann@example.org", "Ann").await;
    let talks = "SELECT COUNT(*) FROM talks";

    // Over the length limit: the message sits next to the title, with the limit.
    let long = "x".repeat(sbor_domain::talks::MAX_TITLE + 1);
    let res = post_talk(&app, &ann, &w, "submit", &[("title", &long)]).await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(
        &page,
        "id=\"title-error\" role=\"alert\" class=\"field-error\">This is too long.",
    );
    assert_eq!(app.count(talks).await, 0);
    // What she typed comes back with the form (this is a plain form post: no JavaScript),
    // for her only.
    assert_has(&page, "Borrowing explained with pictures.");
    assert_has(&page, "SECRET-NOTE-FOR-ORGANIZERS");
    assert_has(&page, &long);
    let (_, bob) = app.member("bob@example.org", "Bob").await;
    let (_, other) = get_with(&bob, &app.url(&format!("/e/{}/cfp", w.event_id))).await;
    assert!(
        !other.contains("Borrowing explained with pictures."),
        "nobody else sees it"
    );

    // A missing required answer: nothing is written, not even a draft.
    let answer = format!("answers[{}]", w.question_id);
    let res = post_talk(&app, &ann, &w, "submit", &[(&answer, "  ")]).await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(
        &page,
        "id=\"answers-error\" role=\"alert\" class=\"field-error\">Answer every question marked *.",
    );
    assert_eq!(app.count(talks).await, 0);

    // An unknown choice (a session type of no event) is refused next to its field.
    let res = post_talk(&app, &ann, &w, "submit", &[("session_type_id", "99999")]).await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(
        &page,
        "id=\"session_type_id-error\" role=\"alert\" class=\"field-error\">Choose one of the options.",
    );
    assert_eq!(app.count(talks).await, 0);

    // After a session type's own deadline.
    let late = sbor_domain::cfp::add_session_type(
        &app.db,
        &w.admin,
        w.event_id,
        sbor_domain::cfp::SessionTypeInput {
            name: "Lightning",
            minutes: 10,
            deadline: Some(clock::now() - HOUR),
        },
    )
    .await
    .unwrap();
    let res = post_talk(
        &app,
        &ann,
        &w,
        "submit",
        &[("session_type_id", &late.id.to_string())],
    )
    .await;
    let (_, page) = refused(&app, &ann, res).await;
    assert!(page.contains("The deadline for this session type has passed."));
    assert_eq!(app.count(talks).await, 0);

    // A closed CfP: the page says so and has no form; a post anyway changes nothing.
    sqlx::query("UPDATE cfps SET closes_at = $1 WHERE event_id = $2")
        .bind(clock::now() - HOUR)
        .bind(w.event_id)
        .execute(app.db.write())
        .await
        .unwrap();
    let (status, page) = get_with(&ann, &app.url(&format!("/e/{}/cfp", w.event_id))).await;
    assert_eq!(status, 200);
    assert!(page.contains("This call for papers is closed: no new proposals are taken."));
    assert!(!page.contains("name=\"title\""), "no form");
    for intent in ["submit", "draft"] {
        let res = post_talk(&app, &ann, &w, intent, &[]).await;
        let (to, _) = refused(&app, &ann, res).await;
        assert!(to.contains("__err"));
    }
    let res = post_talk(&app, &ann, &w, "submit", &[]).await;
    assert_eq!(res.status().as_u16(), 302);
    let (_, page) = get_with(&ann, &app.url(&location(&res))).await;
    assert!(page.contains("The call for papers is closed: nothing was submitted."));
    assert_eq!(app.count(talks).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        0,
        "nothing mailed"
    );

    // In Russian the messages are Russian.
    sqlx::query("UPDATE users SET lang = 'ru' WHERE email = 'ann@example.org'")
        .execute(app.db.write())
        .await
        .unwrap();
    let res = post_talk(&app, &ann, &w, "submit", &[]).await;
    let (_, page) = get_with(&ann, &app.url(&location(&res))).await;
    assert!(page.contains("Приём докладов закрыт"), "Russian message");
}

/// Five invitations an hour may reach one address (across talks); the sixth is refused with
/// the message, and neither stored nor mailed.
async fn co_speaker_invitations_to_one_address_are_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, ann) = app.member("ann@example.org", "Ann Owner").await;
    let first = talk_id_of(&post_talk(&app, &ann, &w, "draft", &[]).await);
    let second = talk_id_of(&post_talk(&app, &ann, &w, "draft", &[]).await);
    let invite = |talk: i64| {
        let ann = ann.clone();
        let base = app.base_url.clone();
        async move {
            submit_with(
                &ann,
                &base,
                &format!("/talks/{talk}"),
                "invite_co_speaker",
                &[("talk_id", &talk.to_string()), ("email", "Carol@Example.org")],
            )
            .await
        }
    };
    // The first talk takes four pending invitations (five speakers at most), the second one.
    for talk in [first, first, first, first, second] {
        let res = invite(talk).await;
        assert_eq!(location(&res), format!("/talks/{talk}"), "invitation accepted");
    }
    let res = invite(second).await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(&page, "Too many attempts");
    let invitations = "SELECT COUNT(*) FROM talk_invitations WHERE email = 'carol@example.org'";
    assert_eq!(app.count(invitations).await, 5, "the sixth is not stored");
    // Queued with the invitation, in its transaction.
    let mails = "SELECT COUNT(*) FROM outbox WHERE recipient = 'carol@example.org'";
    assert_eq!(app.count(mails).await, 5, "the sixth is not mailed");
}

async fn co_speakers_join_by_the_link_only_with_the_right_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, ann) = app.member("ann@example.org", "Ann Owner").await;
    let (_, bob) = app.member("bob@example.org", "Bob").await;
    let (_, eve) = app.member("eve@example.org", "Eve").await;
    let id = talk_id_of(&post_talk(&app, &ann, &w, "draft", &[]).await);
    let speakers = format!("SELECT COUNT(*) FROM talk_speakers WHERE talk_id = {id}");

    // A bad address is refused next to the field.
    let res = submit_with(
        &ann,
        &app.base_url,
        &format!("/talks/{id}"),
        "invite_co_speaker",
        &[("talk_id", &id.to_string()), ("email", "not-an-address")],
    )
    .await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(
        &page,
        "id=\"email-error\" role=\"alert\" class=\"field-error\">Enter a valid email address",
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talk_invitations WHERE talk_id = {id}"
        ))
        .await,
        0
    );

    let res = submit_with(
        &ann,
        &app.base_url,
        &format!("/talks/{id}"),
        "invite_co_speaker",
        &[("talk_id", &id.to_string()), ("email", "bob@example.org")],
    )
    .await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    let (_, page) = get_with(&ann, &app.url(&format!("/talks/{id}"))).await;
    assert!(page.contains("Pending invitations") && page.contains("bob@example.org"));
    let mail = app
        .mail_about("bob@example.org", "invites you to co-present")
        .await;
    let link = app.link_path(&mail, "/invitations/talk?token=");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    // The wrong account sees whom it is for and cannot accept.
    let (status, page) = get_with(&eve, &app.url(&link)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ownership for humans") && page.contains("Ann Owner"));
    assert!(page.contains("This invitation is for another email address"));
    let res = submit_with(
        &eve,
        &app.base_url,
        &link,
        "accept_talk_invitation",
        &[("token", &token)],
    )
    .await;
    let (_, page) = refused(&app, &eve, res).await;
    assert!(page.contains("This invitation is for another email address"));
    assert_eq!(app.count(&speakers).await, 1, "nothing changed");
    // A forged token.
    let res = submit_with(
        &bob,
        &app.base_url,
        "/invitations/talk?token=forged",
        "accept_talk_invitation",
        &[("token", "forged")],
    )
    .await;
    let (_, page) = refused(&app, &bob, res).await;
    assert!(page.contains("This invitation link is not valid."));
    assert_eq!(app.count(&speakers).await, 1);

    // The invited account accepts with the button.
    let (status, page) = get_with(&bob, &app.url(&link)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Accept the invitation"));
    let res = submit_with(
        &bob,
        &app.base_url,
        &link,
        "accept_talk_invitation",
        &[("token", &token)],
    )
    .await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    assert_eq!(app.count(&speakers).await, 2);
    let (status, page) = get_with(&bob, &app.url(&format!("/talks/{id}"))).await;
    assert_eq!(status, 200, "the co-speaker opens the talk");
    assert!(page.contains("Bob") && page.contains("Ann Owner"));
    let (_, page) = get_with(&bob, &app.url("/talks")).await;
    assert!(page.contains("Ownership for humans"), "in Bob's talks too");

    // Twice: a clear message, nothing changed.
    let (_, page) = get_with(&bob, &app.url(&link)).await;
    assert!(page.contains("This invitation has already been accepted."));
    let res = submit_with(
        &bob,
        &app.base_url,
        &link,
        "accept_talk_invitation",
        &[("token", &token)],
    )
    .await;
    let (_, page) = refused(&app, &bob, res).await;
    assert!(page.contains("This invitation has already been accepted."));
    assert_eq!(app.count(&speakers).await, 2);
}

async fn strangers_and_illegal_actions_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, ann) = app.member("ann@example.org", "Ann").await;
    let (_, mallory) = app.member("mallory@example.org", "Mallory").await;
    let (reviewer, rev_browser) = app.member("rev@example.org", "Rita Reviewer").await;
    sqlx::query("INSERT INTO reviewers (event_id, user_id, added_at) VALUES ($1, $2, 1)")
        .bind(w.event_id)
        .bind(reviewer.id)
        .execute(app.db.write())
        .await
        .unwrap();
    let id = talk_id_of(&post_talk(&app, &ann, &w, "submit", &[]).await);
    assert_eq!(state_of(&app, id).await, "submitted");
    let history = format!("SELECT COUNT(*) FROM talk_history WHERE talk_id = {id}");
    let before = app.count(&history).await;

    // An illegal change: confirming a talk that is only submitted.
    let res = act(&app, &ann, id, "confirm").await;
    let (_, page) = refused(&app, &ann, res).await;
    assert!(
        page.contains("That is not possible in the talk&#x27;s current state")
            || page.contains("That is not possible in the talk's current state")
    );
    assert_eq!(state_of(&app, id).await, "submitted");
    assert_eq!(app.count(&history).await, before);
    // A speaker cannot accept their own talk.
    let res = act(&app, &ann, id, "accept").await;
    refused(&app, &ann, res).await;
    assert_eq!(state_of(&app, id).await, "submitted");

    // Another member: no page, no data, no changes.
    let (status, page) = get_with(&mallory, &app.url(&format!("/talks/{id}"))).await;
    assert_eq!(status, 404);
    assert!(!page.contains("Ownership for humans") && !page.contains("SECRET-NOTE"));
    let (status, body) = app
        .call_json(&mallory, "talk_page", &[("id", &id.to_string())])
        .await;
    assert_eq!(status, 404);
    assert!(!body.contains("SECRET-NOTE"));
    let (status, _) = app
        .call_json(
            &mallory,
            "update_talk",
            &[
                ("id", &id.to_string()),
                ("title", "Hijacked"),
                ("summary", "x"),
                ("description", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call_json(
            &mallory,
            "talk_action",
            &[("id", &id.to_string()), ("action", "withdraw")],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call_json(
            &mallory,
            "invite_co_speaker",
            &[("talk_id", &id.to_string()), ("email", "mallory@example.org")],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM talks WHERE id = {id} AND title = 'Ownership for humans' AND state = 'submitted'")).await,
        1,
        "nothing changed"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM talk_invitations").await, 0);
    // Anonymous: the page asks to log in; the function says 401.
    let (status, _) = app
        .call_json(&app.new_client(), "talk_page", &[("id", &id.to_string())])
        .await;
    assert_eq!(status, 401);

    // A reviewer of the event: 403 here (reviews happen elsewhere), and no notes.
    let (status, page) = get_with(&rev_browser, &app.url(&format!("/talks/{id}"))).await;
    assert_eq!(status, 403);
    assert!(!page.contains("SECRET-NOTE"));
    let (status, _) = app
        .call_json(
            &rev_browser,
            "talk_action",
            &[("id", &id.to_string()), ("action", "withdraw")],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(state_of(&app, id).await, "submitted");

    // The community's organizer reads it (with the notes meant for them).
    let (status, page) = get_with(&w.admin_browser, &app.url(&format!("/talks/{id}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ownership for humans") && page.contains("SECRET-NOTE-FOR-ORGANIZERS"));
    assert!(page.contains("You see this talk as an organizer"));

    // The speaker withdraws: allowed, recorded.
    let res = act(&app, &ann, id, "withdraw").await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    assert_eq!(state_of(&app, id).await, "withdrawn");
    assert_eq!(app.count(&history).await, before + 1);
}

async fn public_pages_show_only_confirmed_talks_without_notes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (ann_user, ann) = app.member("ann@example.org", "Ann Speaker").await;
    let (_, visitor) = app.member("visitor@example.org", "Visitor").await;
    // A speaker profile with a bio.
    let res = submit_with(
        &ann,
        &app.base_url,
        "/profile/speaker",
        "save_speaker_profile",
        &[
            ("bio", "I *teach* Rust."),
            ("photo_url", "https://example.org/ann.jpg"),
            ("company", "Ferrous"),
            ("links", "https://ann.example.org"),
            ("availability", "2026-12-10 09:00-13:00\nmornings only"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/profile/speaker");
    // A bad availability line is refused next to its field.
    let res = submit_with(
        &ann,
        &app.base_url,
        "/profile/speaker",
        "save_speaker_profile",
        &[
            ("bio", ""),
            ("photo_url", ""),
            ("company", ""),
            ("links", ""),
            ("availability", "2026-12-10 13:00-09:00"),
        ],
    )
    .await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(
        &page,
        "id=\"availability-error\" role=\"alert\" class=\"field-error\">Write slots as YYYY-MM-DD HH:MM-HH:MM",
    );
    assert!(page.contains("I *teach* Rust."), "the saved profile is unchanged");

    let id = talk_id_of(&post_talk(&app, &ann, &w, "submit", &[]).await);
    let public = format!("/talk/{id}");
    let speaker = format!("/speakers/{}", ann_user.id);
    for (state, _) in [("submitted", ()), ("accepted", ())] {
        if state == "accepted" {
            sbor_domain::talks::stage_decision(
                &app.db,
                &w.admin,
                id,
                Some(sbor_domain::talks::Decision::Accept),
            )
            .await
            .unwrap();
            let applied = sbor_domain::talks::apply_staged(&app.db, &app.site(), &w.admin, w.event_id)
                .await
                .unwrap();
            assert_eq!(applied.accepted, 1);
        }
        assert_eq!(state_of(&app, id).await, state);
        let (status, page) = get_with(&visitor, &app.url(&public)).await;
        assert_eq!(status, 404, "not public while {state}");
        assert!(!page.contains("Ownership for humans"));
        assert_eq!(get_with(&visitor, &app.url(&speaker)).await.0, 404);
    }
    // Accepted: the speaker adds slides and confirms.
    let res = submit_with(
        &ann,
        &app.base_url,
        &format!("/talks/{id}"),
        "set_talk_materials",
        &[
            ("talk_id", &id.to_string()),
            ("slides_url", "https://slides.example.org/own"),
            ("recording_url", ""),
        ],
    )
    .await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    let (_, page) = get_with(&ann, &app.url(&format!("/talks/{id}"))).await;
    assert!(
        page.contains("value=\"confirm\""),
        "confirm is offered once accepted"
    );
    let res = act(&app, &ann, id, "confirm").await;
    assert_eq!(location(&res), format!("/talks/{id}"));
    assert_eq!(state_of(&app, id).await, "confirmed");

    for client in [visitor.clone(), app.new_client()] {
        let (status, page) = get_with(&client, &app.url(&public)).await;
        assert_eq!(status, 200);
        for needle in [
            "Ownership for humans",
            "Borrowing explained with pictures.",
            "<em>markdown</em>",
            "Ann Speaker",
            "<em>teach</em>",
            "https://example.org/ann.jpg",
            "https://slides.example.org/own",
            "RustConf Club",
        ] {
            assert!(page.contains(needle), "public talk page shows {needle:?}");
        }
        assert!(!page.contains("SECRET-NOTE"), "never the notes for organizers");
        assert!(!page.contains("ann@example.org"), "never an address");
        assert!(!page.contains("Twice at meetups"), "never the answers");
    }
    // The server function's JSON has no notes either.
    let (status, body) = app
        .call_json(&app.new_client(), "public_talk", &[("id", &id.to_string())])
        .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Ownership for humans")
            && !body.contains("SECRET-NOTE")
            && !body.contains("ann@example.org")
    );

    // The speaker page and the event's programme list it.
    let (status, page) = get_with(&visitor, &app.url(&speaker)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Ann Speaker") && page.contains(&format!("/talk/{id}")) && page.contains("Ferrous")
    );
    let (_, page) = get_with(&visitor, &app.url(&format!("/e/{}", w.event_id))).await;
    assert!(
        page.contains(&format!("href=\"/talk/{id}\""))
            && page.contains(&format!("/speakers/{}", ann_user.id))
    );
    // Someone who never spoke has no page.
    assert_eq!(
        get_with(&visitor, &app.url(&format!("/speakers/{}", w.admin.id)))
            .await
            .0,
        404
    );
}

async fn pool_proposals_move_into_an_event_cfp(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, ann) = app.member("ann@example.org", "Ann").await;
    let (_, mallory) = app.member("mallory@example.org", "Mallory").await;
    let community = w.community_id.to_string();

    // A proposal without an abstract cannot be submitted: nothing is written.
    let propose = |client: &reqwest::Client, title: &'static str, summary: &'static str| {
        let community = community.clone();
        let client = client.clone();
        let base = app.base_url.clone();
        async move {
            submit_with(
                &client,
                &base,
                "/c/club/pool",
                "propose_talk",
                &[
                    ("community_id", community.as_str()),
                    ("title", title),
                    ("summary", summary),
                    ("description", ""),
                    ("notes", "pool note"),
                    ("intent", "submit"),
                ],
            )
            .await
        }
    };
    let res = propose(&ann, "Async in practice", "").await;
    let (_, page) = refused(&app, &ann, res).await;
    assert_has(
        &page,
        "id=\"summary-error\" role=\"alert\" class=\"field-error\">This field is required.",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM talks").await, 0);

    let res = propose(&ann, "Async in practice", "Tokio without tears.").await;
    assert_eq!(location(&res), "/c/club/pool");
    let id = app
        .count("SELECT id FROM talks WHERE title = 'Async in practice'")
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talks WHERE id = {id} AND event_id IS NULL AND state = 'submitted'"
        ))
        .await,
        1
    );
    app.mail_about("ann@example.org", "Talk received").await;
    let (status, page) = get_with(&ann, &app.url("/c/club/pool")).await;
    assert_eq!(status, 200);
    assert!(page.contains("My proposals") && page.contains("Async in practice"));
    assert!(!page.contains("All proposals"), "members see only their own");
    let (_, page) = get_with(&ann, &app.url("/talks")).await;
    assert!(page.contains("Async in practice") && page.contains("talk pool"));

    // A member cannot move it; the organizer can, with the select of events with a CfP.
    let move_it = |client: reqwest::Client| {
        let base = app.base_url.clone();
        let event = w.event_id.to_string();
        async move {
            submit_with(
                &client,
                &base,
                "/c/club/pool",
                "move_talk",
                &[("talk_id", id.to_string().as_str()), ("event_id", event.as_str())],
            )
            .await
        }
    };
    let res = move_it(mallory.clone()).await;
    refused(&app, &mallory, res).await;
    let res = move_it(ann.clone()).await;
    refused(&app, &ann, res).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talks WHERE id = {id} AND event_id IS NULL"
        ))
        .await,
        1,
        "still in the pool"
    );
    let (status, page) = get_with(&w.admin_browser, &app.url("/c/club/pool")).await;
    assert_eq!(status, 200);
    assert!(page.contains("All proposals") && page.contains("Async in practice"));
    assert!(page.contains(&format!("<option value=\"{}\"", w.event_id)) && page.contains("RustConf Club"));
    let res = move_it(w.admin_browser.clone()).await;
    assert_eq!(location(&res), "/c/club/pool");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talks WHERE id = {id} AND event_id = {} AND state = 'submitted'",
            w.event_id
        ))
        .await,
        1,
        "moved into the event's CfP, still submitted"
    );
    let (_, page) = get_with(&ann, &app.url(&format!("/talks/{id}"))).await;
    assert!(page.contains("RustConf Club"), "the speaker sees the event now");
    // Moving twice is refused.
    let res = move_it(w.admin_browser.clone()).await;
    let (_, page) = refused(&app, &w.admin_browser, res).await;
    assert!(page.contains("This talk is not in the pool."));
}
