//! Communities, events and RSVPs end to end, on SQLite and PostgreSQL.

use std::time::Duration;

use sbor_tests::{Backend, TestApp, get_with, ics_attachment, location, on_both_backends, submit_with};

on_both_backends!(
    community_lifecycle_and_roles,
    event_form_explains_bad_input_and_changes_nothing,
    rsvp_waitlist_promotion_and_calendar,
    capacity_changes_are_checked_and_promote,
    approval_mode_never_overbooks,
    cancelled_and_closed_events_refuse_rsvps,
    guests_count_toward_capacity,
    concurrent_rsvps_never_overbook,
    drafts_stay_hidden_and_search_folds_cyrillic,
    past_events_keep_materials_and_attendance,
    offer_mode_holds_a_seat_until_confirmed_or_expired,
    a_series_makes_dates_and_subscribers_are_rsvped,
    batched_rsvps_equal_one_by_one,
    a_batch_makes_those_who_say_yes_members,
    a_batch_queues_its_mails_as_one_bundle_that_the_worker_unpacks,
    a_deferred_answer_mail_is_rendered_at_each_try_and_dropped_once_cancelled,
);

/// "Every <weekday>" with one date skipped; a subscriber is RSVPed to every occurrence, can
/// say no to one, and new occurrences join them automatically.
async fn a_series_makes_dates_and_subscribers_are_rsvped(backend: Backend) {
    use sqlx::Row;
    let app = TestApp::spawn(backend).await;
    let (admin, _, template) = setup(&app, "", "0", false).await;
    let (_, page) = get_with(&admin, &app.url(&format!("/e/{template}"))).await;
    assert!(
        page.contains("Repeat as a series") && page.contains("weekly:"),
        "organizers are offered the rules"
    );
    let rule = page
        .split("value=\"weekly:")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|d| format!("weekly:{d}"))
        .unwrap();
    let start: i64 = app
        .count(&format!("SELECT starts_at FROM events WHERE id = {template}"))
        .await;
    let skip = (sbor_domain::clock::to_datetime(start) + chrono::Duration::days(14))
        .with_timezone(&chrono_tz::Europe::Moscow)
        .format("%Y-%m-%d")
        .to_string();
    let res = submit_with(
        &admin,
        &app.base_url,
        &format!("/e/{template}"),
        "create_series",
        &[
            ("event_id", &template.to_string()),
            ("rule", &rule),
            ("exceptions", "not-a-date"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"), "bad exception date refused");
    let res = submit_with(
        &admin,
        &app.base_url,
        &format!("/e/{template}"),
        "create_series",
        &[
            ("event_id", &template.to_string()),
            ("rule", &rule),
            ("exceptions", &skip),
        ],
    )
    .await;
    assert_eq!(location(&res), format!("/e/{template}"));
    let rows = sqlx::query("SELECT starts_at FROM events WHERE series_id IS NOT NULL ORDER BY starts_at")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    let days: Vec<i64> = rows
        .iter()
        .map(|r| (r.get::<i64, _>("starts_at") - start) / sbor_domain::clock::DAY)
        .collect();
    assert_eq!(
        days,
        vec![0, 7, 21, 28],
        "the template, then weekly without the skipped date"
    );
    let site = sbor_domain::accounts::Site {
        base_url: app.base_url.clone(),
    };
    assert_eq!(
        sbor_domain::series::extend_all(&app.db, &site).await.unwrap(),
        0,
        "made once"
    );

    // A member subscribes from any date of the series.
    let (member, browser) = app.member("fan@example.org", "Fan").await;
    let series_id = app.count("SELECT id FROM event_series").await;
    let res = submit_with(
        &browser,
        &app.base_url,
        &format!("/e/{template}"),
        "subscribe_series",
        &[("series_id", &series_id.to_string()), ("on", "on")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM rsvps WHERE user_id = {} AND status = 'going'",
            member.id
        ))
        .await,
        4
    );
    // No to one date only.
    let second = app
        .count(&format!(
            "SELECT id FROM events WHERE series_id = {series_id} ORDER BY starts_at LIMIT 1 OFFSET 1"
        ))
        .await;
    rsvp(&app, &browser, second, "no", "0").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM rsvps WHERE user_id = {} AND status = 'going'",
            member.id
        ))
        .await,
        3
    );
    // A new date (the template moved two weeks later, so a new date falls in the window)
    // joins the subscriber by itself.
    sqlx::query("DELETE FROM events WHERE series_id = $1 AND id <> $2 AND starts_at > $3")
        .bind(series_id)
        .bind(template)
        .bind(start + 22 * sbor_domain::clock::DAY)
        .execute(app.db.write())
        .await
        .unwrap();
    assert_eq!(sbor_domain::series::extend_all(&app.db, &site).await.unwrap(), 1);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM rsvps WHERE user_id = {} AND status = 'going'",
            member.id
        ))
        .await,
        3,
        "the re-made date is RSVPed"
    );
    let (_, page) = get_with(&browser, &app.url(&format!("/e/{template}"))).await;
    assert!(page.contains("Leave the series"));
}

/// Offer mode: a freed seat is held for the next person, who confirms it; an offer that runs
/// out passes the seat on.
async fn offer_mode_holds_a_seat_until_confirmed_or_expired(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _, event_id) = setup(&app, "1", "0", false).await;
    let mut form = event_form("1", "0");
    form.push(("event[offer_hours]".into(), "12".into()));
    form.push(("event_id".into(), event_id.to_string()));
    assert_eq!(
        location(
            &post(
                &admin,
                &app,
                &format!("/e/{event_id}/edit"),
                "update_event",
                &form
            )
            .await
        ),
        format!("/e/{event_id}")
    );
    let (_, a) = app.member("a@example.org", "A").await;
    let (b_user, b) = app.member("b@example.org", "B").await;
    let (c_user, c) = app.member("c@example.org", "C").await;
    let (d_user, d) = app.member("d@example.org", "D").await;
    rsvp(&app, &a, event_id, "yes", "0").await;
    rsvp(&app, &b, event_id, "yes", "0").await;
    rsvp(&app, &c, event_id, "yes", "0").await;
    // A leaves: the seat is held for B, not given; a newcomer cannot take it.
    rsvp(&app, &a, event_id, "no", "0").await;
    assert_eq!(status_of(&app, event_id, b_user.id).await, "offered");
    assert_eq!(
        app.count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
            .await,
        1,
        "held"
    );
    app.mail_about("b@example.org", "A seat is yours if you confirm")
        .await;
    rsvp(&app, &d, event_id, "yes", "0").await;
    assert_eq!(status_of(&app, event_id, d_user.id).await, "waitlisted");
    let (_, page) = get_with(&b, &app.url(&format!("/e/{event_id}"))).await;
    assert!(page.contains("A seat is held for you") && page.contains("Confirm my seat"));
    // B confirms and gets the invitation.
    rsvp(&app, &b, event_id, "yes", "0").await;
    assert_eq!(status_of(&app, event_id, b_user.id).await, "going");
    let going = app.mail_about("b@example.org", "You're going").await;
    assert!(sbor_tests::ics_attachment(&going).is_some());
    // B leaves; C is offered the seat but lets the offer run out: it passes to D.
    rsvp(&app, &b, event_id, "no", "0").await;
    assert_eq!(status_of(&app, event_id, c_user.id).await, "offered");
    let site = sbor_domain::accounts::Site {
        base_url: app.base_url.clone(),
    };
    let later = sbor_domain::clock::now() + 13 * sbor_domain::clock::HOUR;
    assert_eq!(
        sbor_domain::rsvp::expire_offers(&app.db, &site, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(status_of(&app, event_id, c_user.id).await, "not_going");
    assert_eq!(status_of(&app, event_id, d_user.id).await, "offered");
    app.mail_about("c@example.org", "passed on").await;
    assert_eq!(
        app.count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
            .await,
        1
    );
    assert_eq!(
        sbor_domain::rsvp::expire_offers(&app.db, &site, sbor_domain::clock::now())
            .await
            .unwrap(),
        0,
        "D's offer still runs"
    );
}

async fn past_events_keep_materials_and_attendance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _, event_id) = setup(&app, "", "0", false).await;
    let (_, a) = app.member("a@example.org", "A").await;
    let (_, b) = app.member("b@example.org", "B").await;
    rsvp(&app, &a, event_id, "yes", "0").await;
    rsvp(&app, &b, event_id, "yes", "0").await;
    let root = sbor_domain::email::Email::parse("root@example.org").unwrap();
    let admin_user = sbor_domain::accounts::find_by_email(&app.db, &root)
        .await
        .unwrap()
        .unwrap();
    let first = app
        .count(&format!("SELECT MIN(id) FROM rsvps WHERE event_id = {event_id}"))
        .await;
    sbor_domain::checkin::by_rsvp(&app.db, &admin_user, event_id, first)
        .await
        .unwrap();
    // The event took place.
    let now = sbor_domain::clock::now();
    sqlx::query("UPDATE events SET starts_at = $1, ends_at = $2")
        .bind(now - 5 * sbor_domain::clock::HOUR)
        .bind(now - 3 * sbor_domain::clock::HOUR)
        .execute(app.db.write())
        .await
        .unwrap();
    let page = format!("/e/{event_id}");
    let res = submit_with(
        &admin,
        &app.base_url,
        &page,
        "set_materials",
        &[("event_id", &event_id.to_string()), ("materials", "not a link")],
    )
    .await;
    let (_, shown) = get_with(&admin, &app.url(&location(&res))).await;
    assert!(shown.contains("Enter a full http:// or https:// link."));
    let res = submit_with(
        &admin,
        &app.base_url,
        &page,
        "set_materials",
        &[
            ("event_id", &event_id.to_string()),
            (
                "materials",
                "https://slides.example.org/k8s\nhttps://video.example.org/42",
            ),
        ],
    )
    .await;
    assert_eq!(location(&res), page);
    let (status, public) = app.get(&page).await;
    assert_eq!(status, 200, "past events keep their page");
    assert!(public.contains("Slides and recordings") && public.contains("https://video.example.org/42"));
    let (_, dashboard) = get_with(&admin, &app.url(&format!("/e/{event_id}/manage"))).await;
    assert!(
        dashboard.contains("Attendance") && dashboard.contains("50 %"),
        "one of two came"
    );
    assert!(dashboard.contains("<svg") && dashboard.contains("RSVPs over time"));
    // Members cannot set materials.
    let res = submit_with(
        &a,
        &app.base_url,
        &page,
        "set_materials",
        &[
            ("event_id", &event_id.to_string()),
            ("materials", "https://evil.example"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"));
}

async fn drafts_stay_hidden_and_search_folds_cyrillic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, community_id, published) = setup(&app, "", "0", false).await;
    let mut form = event_form("", "0");
    form.iter_mut().find(|(k, _)| k == "event[title]").unwrap().1 = "Секретный черновик".into();
    form.push(("community_id".into(), community_id.to_string()));
    let res = post(&admin, &app, "/c/devops-msk/events/new", "create_event", &form).await;
    let draft: i64 = location(&res).trim_start_matches("/e/").parse().unwrap();
    let (_, member) = app.member("m@example.org", "M").await;
    for client in [&app.client, &member] {
        assert_eq!(get_with(client, &app.url(&format!("/e/{draft}"))).await.0, 404);
        assert_eq!(
            get_with(client, &app.url(&format!("/e/{draft}/calendar.ics")))
                .await
                .0,
            404
        );
        let (_, page) = get_with(client, &app.url("/c/devops-msk")).await;
        assert!(!page.contains("Секретный"), "not listed");
        let (_, home) = get_with(client, &app.url("/?q=секретный")).await;
        assert!(!home.contains("Секретный черновик"));
    }
    for feed in ["/c/devops-msk/calendar.ics", "/c/devops-msk/feed.atom"] {
        assert!(!app.get(feed).await.1.contains("Секретный"), "{feed}");
    }
    let res = submit_with(
        &member,
        &app.base_url,
        "/",
        "rsvp",
        &[("event_id", &draft.to_string()), ("going", "yes")],
    )
    .await;
    assert!(location(&res).contains("__err"));
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM rsvps WHERE event_id = {draft}"))
            .await,
        0
    );
    let (status, own) = get_with(&admin, &app.url(&format!("/e/{draft}"))).await;
    assert_eq!(status, 200, "organizers see their drafts");
    assert!(own.contains("Draft"));

    // Search folds case for Cyrillic on both backends, and takes % and _ literally.
    let (_, found) = app.get("/?q=%D0%9A%D0%A3%D0%91%D0%95%D0%A0").await; // "КУБЕР"
    assert!(
        !found.contains("Kubernetes meetup"),
        "Latin title does not match Cyrillic"
    );
    let mut form = event_form("", "0");
    form.iter_mut().find(|(k, _)| k == "event[title]").unwrap().1 = "Как ускорить CI в 5 раз".into();
    form.push(("event_id".into(), published.to_string()));
    post(
        &admin,
        &app,
        &format!("/e/{published}/edit"),
        "update_event",
        &form,
    )
    .await;
    let (_, found) = app
        .get("/?q=%D0%BA%D0%B0%D0%BA+%D1%83%D1%81%D0%BA%D0%BE%D1%80%D0%B8%D1%82%D1%8C")
        .await; // "как ускорить"
    assert!(
        found.contains("Как ускорить CI в 5 раз"),
        "case-folded Cyrillic match"
    );
    let (_, none) = app.get("/?q=%25").await; // "%"
    assert!(!none.contains("Как ускорить"), "% is not a wildcard");
}

/// A community (by an admin) with one published event; returns (community id, event id).
async fn setup(
    app: &TestApp,
    capacity: &str,
    max_guests: &str,
    approval: bool,
) -> (reqwest::Client, i64, i64) {
    let (_, admin) = app.admin("root@example.org").await;
    let res = submit_with(
        &admin,
        &app.base_url,
        "/communities/new",
        "create_community",
        &[
            ("slug", "devops-msk"),
            ("name", "DevOps Moscow"),
            ("description", "**Meetups**"),
            ("logo_url", ""),
            ("links", "https://t.me/devops"),
            ("time_zone", "Europe/Moscow"),
            ("lang", "ru"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/c/devops-msk");
    let community_id = app
        .count("SELECT id FROM communities WHERE slug = 'devops-msk'")
        .await;
    let event_id = published_event(app, &admin, community_id, capacity, max_guests, approval).await;
    (admin, community_id, event_id)
}

/// Creates and publishes an event in the `devops-msk` community of [`setup`].
async fn published_event(
    app: &TestApp,
    admin: &reqwest::Client,
    community_id: i64,
    capacity: &str,
    max_guests: &str,
    approval: bool,
) -> i64 {
    let mut form = event_form(capacity, max_guests);
    if approval {
        form.push(("event[approval_required]".into(), "on".into()));
    }
    form.push(("community_id".into(), community_id.to_string()));
    let res = post(admin, app, "/c/devops-msk/events/new", "create_event", &form).await;
    let to = location(&res);
    let event_id: i64 = to
        .trim_start_matches("/e/")
        .parse()
        .unwrap_or_else(|_| panic!("created: {to}"));
    let res = submit_with(
        admin,
        &app.base_url,
        &to,
        "event_action",
        &[("event_id", &event_id.to_string()), ("action", "publish")],
    )
    .await;
    assert_eq!(location(&res), to);
    event_id
}

fn event_form(capacity: &str, max_guests: &str) -> Vec<(String, String)> {
    let day = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    [
        ("event[title]", "Kubernetes meetup"),
        (
            "event[description]",
            "Talks and *pizza* <script>alert(1)</script>",
        ),
        ("event[starts_local]", &format!("{day}T19:00")),
        ("event[ends_local]", &format!("{day}T21:00")),
        ("event[time_zone]", "Europe/Moscow"),
        ("event[venue_name]", "Yandex"),
        ("event[venue_address]", "Lva Tolstogo 16"),
        ("event[map_url]", ""),
        ("event[online_url]", "https://meet.example.org/secret-room"),
        ("event[cover_url]", ""),
        ("event[capacity]", capacity),
        ("event[max_guests]", max_guests),
        ("event[rsvp_opens_local]", ""),
        ("event[rsvp_closes_local]", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    from: &str,
    endpoint: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    submit_with(client, &app.base_url, from, endpoint, &fields).await
}

async fn rsvp(
    app: &TestApp,
    client: &reqwest::Client,
    event_id: i64,
    going: &str,
    guests: &str,
) -> (String, String) {
    let from = format!("/e/{event_id}");
    let res = submit_with(
        client,
        &app.base_url,
        &from,
        "rsvp",
        &[
            ("event_id", &event_id.to_string()),
            ("going", going),
            ("guests", guests),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    let to = location(&res);
    let (_, page) = get_with(client, &app.url(&to)).await;
    (to, page)
}

/// The organizer cancels the event from its page.
async fn cancel(app: &TestApp, organizer: &reqwest::Client, event_id: i64) {
    let res = submit_with(
        organizer,
        &app.base_url,
        &format!("/e/{event_id}"),
        "event_action",
        &[("event_id", &event_id.to_string()), ("action", "cancel")],
    )
    .await;
    assert_eq!(res.status(), 302);
}

async fn status_of(app: &TestApp, event_id: i64, user_id: i64) -> String {
    use sqlx::Row;
    sqlx::query("SELECT status FROM rsvps WHERE event_id = $1 AND user_id = $2")
        .bind(event_id)
        .bind(user_id)
        .fetch_one(app.db.read())
        .await
        .unwrap()
        .get::<String, _>("status")
}

async fn community_lifecycle_and_roles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, community_id, _) = setup(&app, "", "0", false).await;
    let (_, page) = app.get("/c/devops-msk").await;
    assert!(
        page.contains("DevOps Moscow")
            && page.contains("<strong>Meetups</strong>")
            && page.contains("Kubernetes meetup")
    );

    // Members join and leave; only organizers see the member list.
    let (ann, ann_browser) = app.member("ann@example.org", "Ann").await;
    let res = submit_with(
        &ann_browser,
        &app.base_url,
        "/c/devops-msk",
        "join_community",
        &[("community_id", &community_id.to_string())],
    )
    .await;
    assert_eq!(location(&res), "/c/devops-msk");
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 2);
    let (status, _) = get_with(&ann_browser, &app.url("/c/devops-msk/members.csv")).await;
    assert_eq!(status, 403);
    let res = ann_browser
        .post(app.url("/api/community_members"))
        .header("Origin", &app.base_url)
        .form(&[("slug", "devops-msk")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "the server function refuses too");
    // Members cannot create communities or events.
    let res = submit_with(
        &ann_browser,
        &app.base_url,
        "/communities/new",
        "create_community",
        &[
            ("slug", "mine"),
            ("name", "Mine"),
            ("description", ""),
            ("logo_url", ""),
            ("links", ""),
            ("time_zone", "UTC"),
            ("lang", "en"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"), "refused");
    assert_eq!(app.count("SELECT COUNT(*) FROM communities").await, 1);

    // An organizer adds Ann as organizer; she is told by mail and can then see the members.
    let res = submit_with(
        &admin,
        &app.base_url,
        "/c/devops-msk/edit",
        "add_organizer",
        &[
            ("community_id", &community_id.to_string()),
            ("email", "ann@example.org"),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    let mail = app.mail_to("ann@example.org", 1).await;
    assert!(mail.subject().contains("organizer of DevOps Moscow"));
    let (status, csv) = get_with(&ann_browser, &app.url("/c/devops-msk/members.csv")).await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("name,email,role,joined,attended,no_shows") && csv.contains("ann@example.org,organizer"),
        "{csv}"
    );
    let res = submit_with(
        &ann_browser,
        &app.base_url,
        "/c/devops-msk",
        "leave_community",
        &[("community_id", &community_id.to_string())],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE user_id = {}",
            ann.id
        ))
        .await,
        0
    );

    // An address without an account gets an invitation with a sign-up link; signing up alone
    // does not make it an organizer, confirming the address does.
    let res = submit_with(
        &admin,
        &app.base_url,
        "/c/devops-msk/edit",
        "add_organizer",
        &[
            ("community_id", &community_id.to_string()),
            ("email", "newcomer+ops@example.org"),
        ],
    )
    .await;
    let (_, page) = get_with(&admin, &app.url(&location(&res))).await;
    assert!(page.contains("we sent an invitation"), "the organizer is told");
    assert_eq!(app.count("SELECT COUNT(*) FROM organizer_invites").await, 1);
    let invitation = app.mail_to("newcomer+ops@example.org", 1).await;
    assert!(
        // In the community's language (Russian here): the invitee has no language yet.
        invitation
            .subject()
            .contains("приглашает вас в организаторы сообщества DevOps Moscow"),
        "{}",
        invitation.subject()
    );
    let signup = app.link_path(&invitation, "/signup?email=");
    let (_, form) = app.get(&signup).await;
    assert!(
        form.contains("value=\"newcomer+ops@example.org\""),
        "the address is filled in"
    );
    let res = app
        .submit(
            "/signup",
            "signup",
            &[
                ("email", "newcomer+ops@example.org"),
                ("password", "correct horse battery"),
                ("display_name", "Newcomer"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/check-email");
    let organizers = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                      WHERE u.email = 'newcomer+ops@example.org' AND m.role = 'organizer'";
    assert_eq!(app.count(organizers).await, 0, "not before the address is proven");
    let confirmation = app.mail_to("newcomer+ops@example.org", 2).await;
    app.confirm(&confirmation).await;
    assert_eq!(app.count(organizers).await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM organizer_invites").await, 0);
}

async fn event_form_explains_bad_input_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, community_id, event_id) = setup(&app, "10", "0", false).await;
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "event[ends_local]",
            "2020-01-01T10:00",
            "ends_at",
            "The end must be after the start.",
        ),
        (
            "event[time_zone]",
            "Mars/Olympus",
            "time_zone",
            "Unknown time zone",
        ),
        ("event[title]", "  ", "title", "This field is required."),
        ("event[capacity]", "lots", "capacity", "Enter a whole number."),
    ];
    for (key, value, field, message) in cases {
        let mut form = event_form("10", "0");
        form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.into();
        form.push(("community_id".into(), community_id.to_string()));
        let res = post(&admin, &app, "/c/devops-msk/events/new", "create_event", &form).await;
        let to = location(&res);
        assert!(to.starts_with("/c/devops-msk/events/new?"), "{to}");
        let (_, page) = get_with(&admin, &app.url(&to)).await;
        let marker = format!("id=\"{field}-error\"");
        let at = page
            .find(&marker)
            .unwrap_or_else(|| panic!("no error slot for {field}: {page}"));
        assert!(
            !page[..at].contains("<template"),
            "rendered in place, not streamed for a script to move"
        );
        assert!(
            page[at..at + 300].contains(message),
            "{field}: {}",
            &page[at..at + 300]
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events").await,
        1,
        "nothing was created"
    );
    // Russian readers read Russian (the profile language wins over the browser's).
    sqlx::query("UPDATE users SET lang = 'ru'")
        .execute(app.db.write())
        .await
        .unwrap();
    let mut form = event_form("10", "0");
    form.iter_mut().find(|(k, _)| k == "event[ends_local]").unwrap().1 = "2020-01-01T10:00".into();
    form.push(("event_id".into(), event_id.to_string()));
    let res = admin
        .post(app.url("/api/update_event"))
        .header("Origin", &app.base_url)
        .header("Referer", app.url(&format!("/e/{event_id}/edit")))
        .header("Accept", "text/html")
        .header("Accept-Language", "ru")
        .form(&form)
        .send()
        .await
        .unwrap();
    let to = location(&res);
    let page = admin
        .get(app.url(&to))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Окончание должно быть позже начала."));
}

async fn rsvp_waitlist_promotion_and_calendar(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, event_id) = setup(&app, "2", "0", false).await;
    let (a, a_browser) = app.member("a@example.org", "A").await;
    let (b, b_browser) = app.member("b@example.org", "B").await;
    let (c, c_browser) = app.member("c@example.org", "C").await;
    let (d, d_browser) = app.member("d@example.org", "D").await;

    let (_, page) = rsvp(&app, &a_browser, event_id, "yes", "0").await;
    assert!(
        page.contains("You&#x27;re going.") || page.contains("You're going."),
        "flash and status"
    );
    assert!(
        page.contains("https://meet.example.org/secret-room"),
        "attendees see the online link"
    );
    rsvp(&app, &b_browser, event_id, "yes", "0").await;
    let (_, page) = rsvp(&app, &c_browser, event_id, "yes", "0").await;
    assert!(page.contains("on the waitlist, number 1"), "{page}");
    assert!(
        !page.contains("secret-room"),
        "the waitlisted do not see the online link"
    );
    rsvp(&app, &d_browser, event_id, "yes", "0").await;
    assert_eq!(status_of(&app, event_id, c.id).await, "waitlisted");
    assert_eq!(status_of(&app, event_id, d.id).await, "waitlisted");
    let (_, public) = app.get(&format!("/e/{event_id}")).await;
    assert!(public.contains("2 / 2 seats") && public.contains("2 waitlist"));
    assert!(
        !public.contains("secret-room") && !public.contains("<script>alert"),
        "no link for visitors; markdown sanitized"
    );

    // The confirmation carries a calendar invitation that a real parser reads.
    let mail = app.mail_about("a@example.org", "You're going").await;
    let ics = ics_attachment(&mail).expect("invite.ics attached");
    let cal = ical::IcalParser::new(ics.as_bytes())
        .next()
        .expect("one calendar")
        .expect("valid iCalendar");
    let ev = &cal.events[0];
    let prop = |name: &str| {
        ev.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    assert_eq!(prop("SUMMARY"), "Kubernetes meetup");
    assert!(
        prop("DTSTART").ends_with("T160000Z"),
        "19:00 in Moscow is 16:00 UTC: {}",
        prop("DTSTART")
    );
    assert_eq!(prop("UID"), format!("event-{event_id}@127.0.0.1"));
    assert_eq!(prop("SEQUENCE"), "0");
    let waitlist_mail = app.mail_about("c@example.org", "Waitlist").await;
    assert!(waitlist_mail.text_body().contains("number 1"));

    // A cancels: C (first in line) gets the seat and a mail; D moves up.
    let (_, page) = rsvp(&app, &a_browser, event_id, "no", "0").await;
    assert!(page.contains("You said you won"));
    assert_eq!(status_of(&app, event_id, c.id).await, "going");
    let promoted = app.mail_about("c@example.org", "A seat freed up").await;
    assert!(ics_attachment(&promoted).is_some());
    let (_, page) = get_with(&d_browser, &app.url(&format!("/e/{event_id}"))).await;
    assert!(page.contains("on the waitlist, number 1"));
    assert_eq!(
        app.count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
            .await,
        2
    );
    let _ = (a, b);

    // The calendar route has the same UID; an edit of the time raises SEQUENCE and mails a change.
    let (status, ics) = app.get(&format!("/e/{event_id}/calendar.ics")).await;
    assert_eq!(status, 200);
    assert!(ics.contains(&format!("UID:event-{event_id}@127.0.0.1")));
}

async fn capacity_changes_are_checked_and_promote(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _, event_id) = setup(&app, "2", "0", false).await;
    let mut users = Vec::new();
    for i in 0..4 {
        let (u, browser) = app.member(&format!("u{i}@example.org"), &format!("U{i}")).await;
        rsvp(&app, &browser, event_id, "yes", "0").await;
        users.push(u);
    }
    // Lowering below the 2 confirmed seats is refused with the number.
    let mut form = event_form("1", "0");
    form.push(("event_id".into(), event_id.to_string()));
    let res = post(
        &admin,
        &app,
        &format!("/e/{event_id}/edit"),
        "update_event",
        &form,
    )
    .await;
    let (_, page) = get_with(&admin, &app.url(&location(&res))).await;
    assert!(
        page.contains("2 seats are already confirmed; capacity cannot be lower."),
        "refused with the numbers"
    );
    assert_eq!(
        app.count(&format!("SELECT capacity FROM events WHERE id = {event_id}"))
            .await,
        2,
        "unchanged"
    );
    // Raising it promotes the waitlist in order, and moving the time tells everyone.
    let mut form = event_form("3", "0");
    let later = (chrono::Utc::now() + chrono::Duration::days(21))
        .format("%Y-%m-%d")
        .to_string();
    form.iter_mut()
        .find(|(k, _)| k == "event[starts_local]")
        .unwrap()
        .1 = format!("{later}T19:00");
    form.iter_mut().find(|(k, _)| k == "event[ends_local]").unwrap().1 = format!("{later}T21:00");
    form.push(("event_id".into(), event_id.to_string()));
    let res = post(
        &admin,
        &app,
        &format!("/e/{event_id}/edit"),
        "update_event",
        &form,
    )
    .await;
    assert_eq!(location(&res), format!("/e/{event_id}"));
    assert_eq!(status_of(&app, event_id, users[2].id).await, "going");
    assert_eq!(status_of(&app, event_id, users[3].id).await, "waitlisted");
    let changed = app.mail_about("u0@example.org", "Changed").await;
    assert!(changed.text_body().contains("→"), "says what changed");
    let waiting = app.mail_about("u3@example.org", "Changed").await;
    assert!(
        !waiting.text_body().contains("secret-room") && !waiting.html_body().contains("secret-room"),
        "no online link for the waitlist"
    );
    let ics = ics_attachment(&changed).expect("updated invitation");
    assert!(ics.contains("SEQUENCE:1"), "same UID, higher SEQUENCE");
}

async fn approval_mode_never_overbooks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _, event_id) = setup(&app, "1", "0", true).await;
    let (a, a_browser) = app.member("a@example.org", "A").await;
    let (b, b_browser) = app.member("b@example.org", "B").await;
    let (c, c_browser) = app.member("c@example.org", "C").await;
    for browser in [&a_browser, &b_browser, &c_browser] {
        let (_, page) = rsvp(&app, browser, event_id, "yes", "0").await;
        assert!(page.contains("waits for the organizers"));
    }
    assert_eq!(
        app.count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
            .await,
        0
    );
    let rsvp_id = |user_id: i64| format!("SELECT id FROM rsvps WHERE user_id = {user_id}");
    let decide = |id: i64, decision: &'static str| {
        let admin = admin.clone();
        let app_url = app.base_url.clone();
        async move {
            submit_with(
                &admin,
                &app_url,
                &format!("/e/{event_id}/manage"),
                "decide_rsvps",
                &[
                    ("event_id", &event_id.to_string()),
                    ("rsvp_id", &id.to_string()),
                    ("decision", decision),
                ],
            )
            .await
        }
    };
    decide(app.count(&rsvp_id(a.id)).await, "approve").await;
    decide(app.count(&rsvp_id(b.id)).await, "approve").await;
    decide(app.count(&rsvp_id(c.id)).await, "decline").await;
    assert_eq!(status_of(&app, event_id, a.id).await, "going");
    assert_eq!(
        status_of(&app, event_id, b.id).await,
        "waitlisted",
        "approved but full: waitlist"
    );
    assert_eq!(status_of(&app, event_id, c.id).await, "declined");
    app.mail_about("a@example.org", "Approved:").await;
    app.mail_about("b@example.org", "Approved, on the waitlist").await;
    app.mail_about("c@example.org", "Not this time").await;
    // A declined person cannot come back by answering no and then yes.
    let (_, page) = rsvp(&app, &c_browser, event_id, "no", "0").await;
    assert!(page.contains("The organizers declined your RSVP."));
    rsvp(&app, &c_browser, event_id, "yes", "0").await;
    assert_eq!(status_of(&app, event_id, c.id).await, "declined");
    // Deciding again does nothing and mails nobody.
    decide(app.count(&rsvp_id(c.id)).await, "approve").await;
    assert_eq!(status_of(&app, event_id, c.id).await, "declined");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages_to("c@example.org").len(), 2);
    // Members cannot decide.
    let res = submit_with(
        &b_browser,
        &app.base_url,
        "/",
        "decide_rsvps",
        &[("event_id", &event_id.to_string()), ("decision", "approve")],
    )
    .await;
    assert!(location(&res).contains("__err"));
    assert_eq!(
        app.count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
            .await,
        1
    );
}

async fn cancelled_and_closed_events_refuse_rsvps(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _, event_id) = setup(&app, "", "0", false).await;
    let (_, a_browser) = app.member("a@example.org", "A").await;
    let (_, b_browser) = app.member("b@example.org", "B").await;
    rsvp(&app, &a_browser, event_id, "yes", "0").await;
    cancel(&app, &admin, event_id).await;
    let cancelled = app.mail_about("a@example.org", "Cancelled").await;
    assert!(ics_attachment(&cancelled).unwrap().contains("STATUS:CANCELLED"));
    let (to, page) = rsvp(&app, &b_browser, event_id, "yes", "0").await;
    assert!(to.contains("__err") && page.contains("This event is cancelled."));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rsvps").await,
        1,
        "nothing changed"
    );

    // An event whose RSVP closed yesterday.
    let (_, _, _) = (admin, 0, 0);
    sqlx::query("UPDATE events SET status = 'published', rsvp_closes_at = $1")
        .bind(sbor_domain::clock::now() - sbor_domain::clock::DAY)
        .execute(app.db.write())
        .await
        .unwrap();
    let (_, page) = rsvp(&app, &b_browser, event_id, "yes", "0").await;
    assert!(page.contains("RSVP is closed."));
    assert_eq!(app.count("SELECT COUNT(*) FROM rsvps").await, 1);
}

async fn guests_count_toward_capacity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, event_id) = setup(&app, "4", "2", false).await;
    let (a, a_browser) = app.member("a@example.org", "A").await;
    let (b, b_browser) = app.member("b@example.org", "B").await;
    let (c, c_browser) = app.member("c@example.org", "C").await;
    let (_, page) = rsvp(&app, &a_browser, event_id, "yes", "3").await;
    assert!(
        page.contains("More guests than this event allows."),
        "over max_guests"
    );
    rsvp(&app, &a_browser, event_id, "yes", "2").await; // 3 seats
    rsvp(&app, &b_browser, event_id, "yes", "2").await; // needs 3, 1 free: waitlisted
    assert_eq!(status_of(&app, event_id, b.id).await, "waitlisted");
    let mail = app.mail_about("b@example.org", "Waitlist").await;
    assert!(
        mail.text_body().contains("not enough for you and your guests"),
        "told why"
    );
    rsvp(&app, &c_browser, event_id, "yes", "0").await; // 1 seat fits: skips B
    assert_eq!(status_of(&app, event_id, c.id).await, "going");
    // A brings fewer guests: 2 seats free up; B (3) still does not fit, stays first in line.
    rsvp(&app, &a_browser, event_id, "yes", "0").await;
    assert_eq!(status_of(&app, event_id, b.id).await, "waitlisted");
    // A leaves: 3 free, B gets in with both guests.
    rsvp(&app, &a_browser, event_id, "no", "0").await;
    assert_eq!(status_of(&app, event_id, b.id).await, "going");
    assert_eq!(
        app.count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
            .await,
        4
    );
    let _ = (a, c);
}

/// Hundreds of members RSVP at once to a small event: exactly capacity seats are given, the
/// rest wait in arrival order, nobody gets an error.
async fn concurrent_rsvps_never_overbook(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, event_id) = setup(&app, "25", "1", false).await;
    let mut browsers = Vec::new();
    for i in 0..300 {
        let (_, browser) = app.member(&format!("m{i}@example.org"), &format!("M{i}")).await;
        browsers.push(browser);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(browsers.len()));
    let mut tasks = Vec::new();
    for (i, browser) in browsers.into_iter().enumerate() {
        let barrier = barrier.clone();
        let base = app.base_url.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let guests = if i % 7 == 0 { "1" } else { "0" };
            browser
                .post(format!("{base}/api/rsvp"))
                .header("Origin", &base)
                .form(&[
                    ("event_id", event_id.to_string().as_str()),
                    ("going", "yes"),
                    ("guests", guests),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap().expect("request"),
            200,
            "no errors under contention"
        );
    }
    use sqlx::Row;
    let seats: i64 = app
        .count(&format!("SELECT seats_taken FROM events WHERE id = {event_id}"))
        .await;
    let going_seats = app.count(&format!("SELECT CAST(COALESCE(SUM(1 + guests), 0) AS BIGINT) FROM rsvps WHERE event_id = {event_id} AND status = 'going'")).await;
    assert_eq!(seats, going_seats, "the counter matches the rows");
    let tally = sbor_domain::rsvp::counts(&app.db, event_id).await.unwrap();
    let going = app
        .count(&format!(
            "SELECT COUNT(*) FROM rsvps WHERE event_id = {event_id} AND status = 'going'"
        ))
        .await;
    assert_eq!(
        (tally.going, tally.waitlisted),
        (going, 300 - going),
        "the tallies match the rows"
    );
    assert!((24..=25).contains(&seats), "full but never over: {seats}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rsvps").await,
        300,
        "one RSVP each"
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT arrival) FROM rsvps").await,
        300,
        "arrival order is total"
    );
    // Everyone waiting arrived after everyone seated, except parties skipped for not fitting.
    let rows = sqlx::query(&format!(
        "SELECT status, guests, arrival FROM rsvps WHERE event_id = {event_id} ORDER BY arrival"
    ))
    .fetch_all(app.db.read())
    .await
    .unwrap();
    let first_waiting = rows
        .iter()
        .position(|r| r.get::<String, _>("status") == "waitlisted")
        .unwrap();
    for r in &rows[first_waiting..] {
        if r.get::<String, _>("status") == "going" {
            assert_eq!(
                r.get::<i64, _>("guests"),
                0,
                "only a smaller party may pass a waiting one"
            );
        }
    }
}

/// A batch of fresh answers makes members of those who say yes and are not members yet. It
/// asks who is a member first and writes only the others (in a storm nearly everyone is one),
/// so this checks both sides: the newcomer joins, a no joins no one, and those who belong
/// already keep their role and the day they joined.
async fn a_batch_makes_those_who_say_yes_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, community_id, event_id) = setup(&app, "", "2", false).await;
    let root_id = app
        .count("SELECT id FROM users WHERE email = 'root@example.org'")
        .await;
    let root = sbor_domain::accounts::get(&app.db, root_id).await.unwrap();
    let (newcomer, _) = app.member("new@example.org", "New").await;
    let (declining, _) = app.member("no@example.org", "No").await;
    let (old, _) = app.member("old@example.org", "Old").await;
    sbor_domain::communities::join(&app.db, community_id, old.id)
        .await
        .unwrap();
    sqlx::query("UPDATE memberships SET joined_at = 7 WHERE user_id = $1")
        .bind(old.id)
        .execute(app.db.write())
        .await
        .unwrap();
    let answers = [
        (true, 0, &newcomer),
        (false, 0, &declining),
        (true, 1, &old),
        (true, 0, &root),
    ];
    let outcomes = sbor_domain::rsvp_batch::apply(&app.db, &app.site(), event_id, &answers)
        .await
        .expect("the batch succeeds");
    assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
    let membership = |user_id: i64| {
        let app = &app;
        async move {
            use sqlx::Row;
            sqlx::query("SELECT role, joined_at FROM memberships WHERE community_id = $1 AND user_id = $2")
                .bind(community_id)
                .bind(user_id)
                .fetch_optional(app.db.read())
                .await
                .unwrap()
                .map(|r| (r.get::<String, _>("role"), r.get::<i64, _>("joined_at")))
        }
    };
    let (role, joined) = membership(newcomer.id).await.expect("a yes makes a member");
    assert_eq!(role, "member");
    assert!(joined > 7, "joined when answering: {joined}");
    assert_eq!(membership(declining.id).await, None, "a no makes no member");
    assert_eq!(
        membership(old.id).await,
        Some(("member".to_owned(), 7)),
        "a member stays as they were"
    );
    assert_eq!(
        membership(root.id).await.map(|m| m.0).as_deref(),
        Some("organizer"),
        "an organizer stays an organizer"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM rsvps WHERE event_id = {event_id} AND status = 'going'"
        ))
        .await,
        3
    );
}

/// A batch does not write its answers' mails into the outbox under the event's lock: it queues
/// them as one bundle row in its transaction, and the mail worker unpacks it. The bundle
/// survives a restart before it is unpacked (here the first server runs no workers), and the
/// mails then go out once each.
async fn a_batch_queues_its_mails_as_one_bundle_that_the_worker_unpacks(backend: Backend) {
    let smtp = sbor_tests::TestSmtp::start().await;
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(
        backend,
        smtp,
        &[("SMTP_URL", smtp_url.as_str()), ("RUN_WORKERS", "false")],
    )
    .await;
    let (admin, _, event_id) = setup(&app, "1", "0", false).await;
    let (first, _) = app.member("first@example.org", "First").await;
    let (second, _) = app.member("second@example.org", "Second").await;
    let queued_before = app.count("SELECT COUNT(*) FROM outbox").await;
    let pending_before = sbor_domain::outbox::pending_count(&app.db).await.unwrap();
    let outcomes = sbor_domain::rsvp_batch::apply(
        &app.db,
        &app.site(),
        event_id,
        &[(true, 0, &first), (true, 0, &second)],
    )
    .await
    .expect("the batch succeeds");
    assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        queued_before,
        "no outbox row written under the lock"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox_bundles").await, 1);
    assert_eq!(
        sbor_domain::outbox::pending_count(&app.db).await.unwrap(),
        pending_before + 2,
        "the outbox depth (a metric) counts the bundled mails"
    );
    // The admin's outbox page shows the bundle while it waits.
    let (status, page) = get_with(&admin, &app.url("/admin/outbox")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<h2>Waiting to join the outbox</h2>")
            && page.contains("<li class=\"mail\"><strong>2</strong> <!>mails of one RSVP batch"),
        "{page}"
    );

    let (database, smtp) = app.stop().await;
    let smtp_url = smtp.url();
    let app = TestApp::start_on(database, smtp, &[("SMTP_URL", smtp_url.as_str())]).await;
    app.mail_about("first@example.org", "You're going").await;
    app.mail_about("second@example.org", "Waitlist").await;
    app.wait_until("SELECT COUNT(*) FROM outbox_bundles", 0).await;
    app.wait_until(
        "SELECT COUNT(*) FROM outbox WHERE recipient IN ('first@example.org', 'second@example.org') \
         AND status = 'sent'",
        2,
    )
    .await;
    assert_eq!(
        sbor_domain::outbox::unpack_bundles(&app.db).await.unwrap(),
        0,
        "nothing left to unpack"
    );
    assert_eq!(app.smtp.messages_to("first@example.org").len(), 1, "sent once");
    assert_eq!(app.smtp.messages_to("second@example.org").len(), 1, "sent once");
}

/// The group commit of RSVPs (`rsvp_batch::apply`) must decide exactly as answering one by one
/// (`rsvp::respond`): the same answers, rows, arrival numbers, seats, tallies and mails, for
/// random sequences of fresh answers, changes, withdrawals, guest changes and bad input, cut
/// into batches of random sizes.
async fn batched_rsvps_equal_one_by_one(backend: Backend) {
    use sbor_domain::accounts::{Site, User};
    use sqlx::Row;
    let app = TestApp::spawn(backend).await;
    let (admin, community_id, _) = setup(&app, "5", "2", false).await;
    let site = Site {
        base_url: app.base_url.clone(),
    };
    let mut users: Vec<User> = Vec::new();
    for i in 0..10 {
        sqlx::query(
            "INSERT INTO users (email, display_name, lang, time_zone, bio, email_confirmed_at, created_at) \
             VALUES ($1, $2, 'en', 'Europe/Moscow', '', 1, 1)",
        )
        .bind(format!("b{i}@example.org"))
        .bind(format!("B{i}"))
        .execute(app.db.write())
        .await
        .unwrap();
        let id = app
            .count(&format!("SELECT id FROM users WHERE email = 'b{i}@example.org'"))
            .await;
        users.push(sbor_domain::accounts::get(&app.db, id).await.unwrap());
    }
    // A small deterministic generator: the same cases on every run and backend.
    let mut state: u64 = 0x5eed;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    for round in 0..6 {
        let batched = published_event(&app, &admin, community_id, "5", "2", false).await;
        let single = published_event(&app, &admin, community_id, "5", "2", false).await;
        let answers: Vec<(bool, i64, &User)> = (0..30)
            .map(|_| (next(10) < 7, next(4) as i64, &users[next(10) as usize]))
            .collect();
        let mut got = Vec::new();
        let mut rest = &answers[..];
        while !rest.is_empty() {
            let n = (1 + next(12) as usize).min(rest.len());
            let outcomes = sbor_domain::rsvp_batch::apply(&app.db, &site, batched, &rest[..n])
                .await
                .expect("the batch as a whole succeeds");
            got.extend(outcomes.into_iter().map(|o| format!("{o:?}")));
            rest = &rest[n..];
        }
        // The batch's mails wait in bundles until the worker unpacks them; unpack them now.
        while sbor_domain::outbox::unpack_bundles(&app.db).await.unwrap() > 0 {}
        let mut want = Vec::new();
        for &(going, guests, user) in &answers {
            let o = sbor_domain::rsvp::respond(&app.db, &site, user, single, going, guests).await;
            want.push(format!("{o:?}"));
        }
        assert_eq!(got, want, "round {round}: the same answers");
        let rows = |event: i64| {
            let db = app.db.clone();
            async move {
                sqlx::query(&format!(
                    "SELECT user_id, status, guests, arrival FROM rsvps WHERE event_id = {event} ORDER BY user_id"
                ))
                .fetch_all(db.read())
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.get::<i64, _>("user_id"),
                        r.get::<String, _>("status"),
                        r.get::<i64, _>("guests"),
                        r.get::<i64, _>("arrival"),
                    )
                })
                .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            rows(batched).await,
            rows(single).await,
            "round {round}: the same rows"
        );
        let mails = |event: i64| {
            let db = app.db.clone();
            async move {
                let mut m: Vec<(String, String)> = sqlx::query(&format!(
                    "SELECT kind, recipient FROM outbox WHERE idempotency_key LIKE kind || ':{event}:%'"
                ))
                .fetch_all(db.read())
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get("kind"), r.get("recipient")))
                .collect();
                m.sort();
                m
            }
        };
        assert_eq!(
            mails(batched).await,
            mails(single).await,
            "round {round}: the same mails"
        );
        for event in [batched, single] {
            let tally = sbor_domain::rsvp::counts(&app.db, event).await.unwrap();
            let app = &app;
            let recount = |status: &'static str| async move {
                app.count(&format!(
                    "SELECT COUNT(*) FROM rsvps WHERE event_id = {event} AND status = '{status}'"
                ))
                .await
            };
            assert_eq!(tally.going, recount("going").await, "round {round}: going tally");
            assert_eq!(
                tally.waitlisted,
                recount("waitlisted").await,
                "round {round}: waitlist tally"
            );
            let held = app
                .count(&format!(
                    "SELECT CAST(COALESCE(SUM(1 + guests), 0) AS BIGINT) FROM rsvps \
                     WHERE event_id = {event} AND status IN ('going', 'offered')"
                ))
                .await;
            assert_eq!(tally.seats_taken, held, "round {round}: seats");
        }
        assert_eq!(
            sbor_domain::rsvp::counts(&app.db, batched).await.unwrap(),
            sbor_domain::rsvp::counts(&app.db, single).await.unwrap()
        );
        // The batch queues its fresh answers' mails unrendered (`deferred_mail`); once the
        // worker has sent them, they read exactly like those rendered at once.
        app.wait_until(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')",
            0,
        )
        .await;
        // Each mail as one line with the event's own id taken out, and whether it was deferred.
        let sent = |event: i64| {
            let db = app.db.clone();
            async move {
                let own = |s: String| {
                    s.replace(&format!("/e/{event}"), "/e/ID")
                        .replace(&format!("event-{event}@"), "event-ID@")
                };
                let mut m: Vec<(String, bool)> = sqlx::query(&format!(
                    "SELECT kind, recipient, status, subject, body_text, body_html, ics, render FROM outbox \
                     WHERE idempotency_key LIKE kind || ':{event}:%'"
                ))
                .fetch_all(db.read())
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    // Unfolded (a long line may break inside the event's link); the calendar
                    // file's creation stamp is the moment it was rendered.
                    let ics = r.get::<Option<String>, _>("ics").map(|ics| {
                        own(ics.replace("\r\n ", "").replace("\n ", ""))
                            .lines()
                            .filter(|l| !l.starts_with("DTSTAMP"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    });
                    let line = format!(
                        "{} {} {} {:?} {:?} {:?} {ics:?}",
                        r.get::<String, _>("kind"),
                        r.get::<String, _>("recipient"),
                        r.get::<String, _>("status"),
                        own(r.get("subject")),
                        own(r.get("body_text")),
                        own(r.get("body_html")),
                    );
                    (line, r.get::<Option<String>, _>("render").is_some())
                })
                .collect();
                m.sort();
                m
            }
        };
        let (batched_mails, single_mails) = (sent(batched).await, sent(single).await);
        assert!(
            batched_mails.iter().any(|m| m.1) && single_mails.iter().all(|m| !m.1),
            "round {round}: the batch deferred its answers' mails, one by one rendered them at once"
        );
        let lines = |m: &[(String, bool)]| m.iter().map(|m| m.0.clone()).collect::<Vec<_>>();
        assert_eq!(
            lines(&batched_mails),
            lines(&single_mails),
            "round {round}: the same mails, word for word"
        );
        assert!(
            batched_mails.iter().all(|m| m.0.contains(" sent \"")),
            "round {round}: all sent, with their rendered subject stored"
        );
    }
}

/// An RSVP's mail is queued unrendered (`deferred_mail`): a temporary SMTP failure puts it back
/// in the queue still unrendered, and the next try renders and sends it; once the event is
/// cancelled, a confirmation still waiting is dropped with the reason instead of sent after
/// the cancellation.
async fn a_deferred_answer_mail_is_rendered_at_each_try_and_dropped_once_cancelled(backend: Backend) {
    use sbor_tests::RcptRule;
    let app = TestApp::spawn(backend).await;
    let (admin, _, event_id) = setup(&app, "", "0", false).await;
    let (_, a_browser) = app.member("a@example.org", "A").await;
    let (_, b_browser) = app.member("b@example.org", "B").await;
    app.smtp.set_rule("a@example.org", RcptRule::TempFail);
    app.smtp.set_rule("b@example.org", RcptRule::TempFail);
    rsvp(&app, &a_browser, event_id, "yes", "0").await;
    rsvp(&app, &b_browser, event_id, "yes", "0").await;
    app.wait_until(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'rsvp_going' AND status = 'queued' \
         AND attempts = 1 AND render IS NOT NULL AND subject = ''",
        2,
    )
    .await;
    // Unrendered, it has no subject yet: the admin's outbox names it by its kind instead.
    let (_, root) = app.admin("root@example.org").await;
    let (status, page) = sbor_tests::get_with(&root, &app.url("/admin/outbox")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<strong>[rsvp_going]</strong>"), "{page}");

    app.smtp.set_rule("a@example.org", RcptRule::Accept);
    let due_now = "UPDATE outbox SET next_attempt_at = 0 WHERE status = 'queued'";
    sqlx::query(due_now).execute(app.db.write()).await.unwrap();
    let mail = app.mail_about("a@example.org", "You're going").await;
    assert!(ics_attachment(&mail).is_some(), "the invitation is rendered too");
    app.wait_until(
        "SELECT COUNT(*) FROM outbox WHERE recipient = 'a@example.org' AND status = 'sent' \
         AND subject LIKE 'You''re going%' AND ics IS NOT NULL",
        1,
    )
    .await;

    // B's confirmation waits for its next try (30 s away) while the cancellation goes out.
    app.smtp.set_rule("b@example.org", RcptRule::Accept);
    cancel(&app, &admin, event_id).await;
    app.mail_about("b@example.org", "Cancelled").await;
    sqlx::query(due_now).execute(app.db.write()).await.unwrap();
    app.wait_until(
        "SELECT COUNT(*) FROM outbox WHERE recipient = 'b@example.org' AND kind = 'rsvp_going' \
         AND status = 'failed' AND last_error = 'the event was cancelled before this mail went out'",
        1,
    )
    .await;
    let to_b: Vec<String> = app
        .smtp
        .messages_to("b@example.org")
        .iter()
        .map(|m| m.subject())
        .collect();
    assert!(
        to_b.iter().all(|s| !s.contains("going")),
        "no confirmation after the cancellation: {to_b:?}"
    );
}
