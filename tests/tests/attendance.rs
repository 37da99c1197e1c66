//! Reminders, tickets and check-in, and calendar feeds, on SQLite and PostgreSQL.

use sbor_domain::clock::{self, HOUR};
use sbor_tests::{Backend, TestApp, get_with, location, on_both_backends, submit_with};

on_both_backends!(
    reminders_are_sent_once_to_those_who_want_them,
    tickets_check_in_once,
    calendar_and_atom_feeds
);

/// A community and a published event starting `hours_ahead` from now, with `capacity`.
async fn event_in(
    app: &TestApp,
    hours_ahead: i64,
    capacity: Option<i64>,
) -> (sbor_domain::accounts::User, reqwest::Client, i64, i64) {
    let (admin, browser) = app.admin("root@example.org").await;
    let site = sbor_domain::accounts::Site {
        base_url: app.base_url.clone(),
    };
    let c = match sbor_domain::communities::by_slug(&app.db, "club").await {
        Ok(c) => c,
        Err(_) => sbor_domain::communities::create(
            &app.db,
            &admin,
            sbor_domain::communities::CommunityInput {
                slug: "club",
                name: "Club",
                time_zone: "UTC",
                lang: "en",
                ..Default::default()
            },
        )
        .await
        .unwrap(),
    };
    let start = clock::to_datetime(clock::now() + hours_ahead * HOUR);
    let end = start + chrono::Duration::hours(2);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    let e = sbor_domain::events::create(
        &app.db,
        &admin,
        c.id,
        sbor_domain::events::EventInput {
            title: &format!("Meetup in {hours_ahead} h"),
            starts_local: &fmt(start),
            ends_local: &fmt(end),
            time_zone: "UTC",
            venue_name: "Hall",
            capacity: &capacity.map(|c| c.to_string()).unwrap_or_default(),
            max_guests: "1",
            remind_24h: true,
            remind_2h: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    sbor_domain::events::publish(&app.db, &admin, e.id).await.unwrap();
    let _ = site;
    (admin, browser, c.id, e.id)
}

async fn going(app: &TestApp, event_id: i64, email: &str) -> (sbor_domain::accounts::User, reqwest::Client) {
    let (user, browser) = app.member(email, email.split('@').next().unwrap()).await;
    let res = submit_with(
        &browser,
        &app.base_url,
        &format!("/e/{event_id}"),
        "rsvp",
        &[
            ("event_id", &event_id.to_string()),
            ("going", "yes"),
            ("guests", "0"),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    (user, browser)
}

async fn reminders_are_sent_once_to_those_who_want_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let site = sbor_domain::accounts::Site {
        base_url: app.base_url.clone(),
    };
    let (_, _, community_id, tomorrow) = event_in(&app, 23, Some(2)).await;
    let (_, _, _, soon) = event_in(&app, 1, None).await;
    going(&app, tomorrow, "a@example.org").await;
    let (_, b_browser) = going(&app, tomorrow, "b@example.org").await;
    going(&app, tomorrow, "c@example.org").await; // waitlisted: no reminder
    going(&app, soon, "a2@example.org").await;
    // B turns reminders off for this community, on the profile page.
    let res = submit_with(
        &b_browser,
        &app.base_url,
        "/profile",
        "set_reminders",
        &[("community_id", &community_id.to_string()), ("on", "off")],
    )
    .await;
    assert_eq!(res.status(), 302);
    let (_, profile) = get_with(&b_browser, &app.url("/profile")).await;
    assert!(profile.contains("Club") && profile.contains("Turn on"));

    let queued = sbor_domain::reminders::queue_due(&app.db, &site, clock::now())
        .await
        .unwrap();
    assert_eq!(
        queued, 2,
        "A for tomorrow (24 h), A2 for the event in an hour (2 h only)"
    );
    app.mail_about("a@example.org", "starts in 23 hours").await;
    app.mail_about("a2@example.org", "starts in 1 hour").await;
    // Again, and after a restart: nothing more.
    assert_eq!(
        sbor_domain::reminders::queue_due(&app.db, &site, clock::now())
            .await
            .unwrap(),
        0
    );
    let (database, smtp) = app.stop().await;
    let url = smtp.url();
    let app = TestApp::start_on(database, smtp, &[("SMTP_URL", url.as_str())]).await;
    assert_eq!(
        sbor_domain::reminders::queue_due(&app.db, &site, clock::now())
            .await
            .unwrap(),
        0
    );
    // An hour before, the 2-hour reminder of tomorrow's event comes (here: pretend time passed).
    let later = clock::now() + 22 * HOUR;
    assert_eq!(
        sbor_domain::reminders::queue_due(&app.db, &site, later)
            .await
            .unwrap(),
        1
    );
    app.mail_about("a@example.org", "starts in 1 hour").await;
    let subjects = |to: &str| {
        app.smtp
            .messages_to(to)
            .iter()
            .map(|m| m.subject())
            .filter(|s| s.starts_with("Reminder"))
            .count()
    };
    assert_eq!(subjects("a@example.org"), 2, "24 h and 2 h, each once");
    assert_eq!(subjects("b@example.org"), 0, "reminders off");
    assert_eq!(subjects("c@example.org"), 0, "waitlisted");
}

async fn tickets_check_in_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, organizer, _, event_id) = event_in(&app, 48, Some(1)).await;
    let (_, a_browser) = going(&app, event_id, "a@example.org").await;
    let (_, b_browser) = going(&app, event_id, "b@example.org").await; // waitlisted
    let (status, ticket) = get_with(&a_browser, &app.url(&format!("/e/{event_id}/ticket"))).await;
    assert_eq!(status, 200);
    assert!(ticket.contains("<svg"), "QR code");
    let code = ticket
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("code")
        .to_owned();
    let (_, no_ticket) = get_with(&b_browser, &app.url(&format!("/e/{event_id}/ticket"))).await;
    assert!(no_ticket.contains("no seat"), "the waitlisted have no ticket");

    // The door: scanning opens the page with the code; checking in works once.
    let (status, door) = get_with(
        &organizer,
        &app.url(&format!("/e/{event_id}/checkin?code={code}")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(door.contains("Valid ticket.") && door.contains("a@example.org"));
    let check = |code: String| {
        let organizer = organizer.clone();
        let base = app.base_url.clone();
        async move {
            let res = submit_with(
                &organizer,
                &base,
                &format!("/e/{event_id}/checkin"),
                "check_in",
                &[("event_id", &event_id.to_string()), ("code", &code)],
            )
            .await;
            let (_, page) = get_with(&organizer, &format!("{base}{}", location(&res))).await;
            page
        }
    };
    assert!(check(code.clone()).await.contains("Checked in."));
    assert!(check(code.clone()).await.contains("Already checked in"));
    let forged = format!("{}.AAAAAAAAAAAAAAAAAAAAAA", code.split('.').next().unwrap());
    assert!(check(forged).await.contains("not valid for this event"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rsvps WHERE checked_in_at IS NOT NULL")
            .await,
        1
    );
    // Members cannot check anyone in.
    let res = submit_with(
        &a_browser,
        &app.base_url,
        "/",
        "check_in",
        &[("event_id", &event_id.to_string()), ("code", &code)],
    )
    .await;
    assert!(location(&res).contains("__err"));
    let (_, dashboard) = get_with(&organizer, &app.url(&format!("/e/{event_id}/manage"))).await;
    assert!(dashboard.contains("checked in"));
}

async fn calendar_and_atom_feeds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, _, event_id) = event_in(&app, 72, None).await;
    let (status, ics) = app.get("/c/club/calendar.ics").await;
    assert_eq!(status, 200);
    let cal = ical::IcalParser::new(ics.as_bytes())
        .next()
        .expect("a calendar")
        .expect("valid iCalendar");
    assert_eq!(cal.events.len(), 1);
    assert!(ics.contains(&format!("UID:event-{event_id}@")));
    let (status, atom) = app.get("/c/club/feed.atom").await;
    assert_eq!(status, 200);
    assert!(atom.starts_with("<?xml") && atom.contains("<entry>") && atom.contains("Meetup in 72 h"));
    assert_eq!(app.get("/c/nope/feed.atom").await.0, 404);

    // The private feed: made on the profile page, shown once, revocable.
    let (_, browser) = going(&app, event_id, "a@example.org").await;
    let res = submit_with(&browser, &app.base_url, "/profile", "reset_feed", &[]).await;
    let to = location(&res);
    let token = to
        .split("feed=")
        .nth(1)
        .and_then(|t| t.split('#').next())
        .expect("token in the redirect")
        .to_owned();
    let (_, profile) = get_with(&browser, &app.url(&to)).await;
    assert!(profile.contains(&format!("/feeds/{token}/calendar.ics")));
    let (status, mine) = app.get(&format!("/feeds/{token}/calendar.ics")).await;
    assert_eq!(status, 200);
    assert!(mine.contains("Meetup in 72 h"));
    submit_with(&browser, &app.base_url, "/profile", "reset_feed", &[]).await;
    assert_eq!(
        app.get(&format!("/feeds/{token}/calendar.ics")).await.0,
        404,
        "the old link is revoked"
    );
}
