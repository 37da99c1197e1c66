//! The schedule over real HTTP on SQLite and PostgreSQL: the editor's no-JavaScript forms
//! (a refused drop shows its reason, a good one places the talk), who may call which server
//! function, the public pages before and after publishing, favourites and "my schedule", the
//! exports validated by xmllint and jsonschema, and the starred-talks calendar.

use sbor_domain::accounts::User;
use sbor_domain::clock::HOUR;
use sbor_domain::schedule::store;
use sbor_tests::conference::{confirmed_talk, published_conference};
use sbor_tests::{Backend, TestApp, get_with, location, on_both_backends, submit_with};

on_both_backends!(
    the_editor_works_without_javascript,
    only_organizers_reach_the_editor_functions,
    the_public_sees_published_versions_and_valid_exports,
);

struct World {
    organizer: User,
    org: reqwest::Client,
    event_id: i64,
    talk_id: i64,
    room_id: i64,
    /// The first day's local date, `YYYY-MM-DD`.
    date: String,
}

/// A published two-day conference (10:00–18:00, Moscow) with one room and one confirmed talk.
async fn world(app: &TestApp) -> World {
    let (organizer, org) = app.admin("org@example.org").await;
    let (community_id, event_id, date) =
        published_conference(&app.db, &organizer, "conf", 20, 2, ("10:00", "18:00")).await;
    let room = store::add_room(&app.db, &organizer, event_id, "Main hall", Some(200))
        .await
        .unwrap();
    let (speaker, _) = app.member("sam@example.org", "Sam Speaker").await;
    let talk_id = confirmed_talk(
        &app.db,
        (community_id, event_id),
        &speaker,
        "Ownership <for> humans",
        "An abstract",
        40,
    )
    .await;
    World {
        organizer,
        org,
        event_id,
        talk_id,
        room_id: room.id,
        date,
    }
}

async fn the_editor_works_without_javascript(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let editor = format!("/e/{}/schedule/edit", w.event_id);
    let (status, html) = get_with(&w.org, &app.url(&editor)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Unscheduled talks") && html.contains("Ownership &lt;for&gt; humans"));
    let (event, talk, room) = (
        w.event_id.to_string(),
        w.talk_id.to_string(),
        w.room_id.to_string(),
    );
    // Off the grid: refused, back to the editor with the reason; nothing placed.
    let off = format!("{}T10:03", w.date);
    let res = submit_with(
        &w.org,
        &app.base_url,
        &editor,
        "place_talk",
        &[
            ("event_id", &event),
            ("talk_id", &talk),
            ("room_id", &room),
            ("start", &off),
        ],
    )
    .await;
    let to = location(&res);
    assert!(to.contains("__err"), "refused: {to}");
    let (_, html) = get_with(&w.org, &app.url(&to)).await;
    assert!(html.contains("not on the schedule"), "the reason is shown");
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_slots").await, 0);
    // Before the programme starts: refused too, in Russian for a Russian reader.
    sqlx::query("UPDATE users SET lang = 'ru' WHERE id = $1")
        .bind(w.organizer.id)
        .execute(app.db.write())
        .await
        .unwrap();
    let early = format!("{}T08:00", w.date);
    let res = submit_with(
        &w.org,
        &app.base_url,
        &editor,
        "place_talk",
        &[
            ("event_id", &event),
            ("talk_id", &talk),
            ("room_id", &room),
            ("start", &early),
        ],
    )
    .await;
    let (_, html) = get_with(&w.org, &app.url(&location(&res))).await;
    assert!(html.contains("Это время вне часов программы."), "Russian message");
    // A good slot: placed, back to the talk on the editor.
    let good = format!("{}T11:00", w.date);
    let res = submit_with(
        &w.org,
        &app.base_url,
        &editor,
        "place_talk",
        &[
            ("event_id", &event),
            ("talk_id", &talk),
            ("room_id", &room),
            ("start", &good),
        ],
    )
    .await;
    assert_eq!(location(&res), format!("{editor}#talk-{talk}"));
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_slots").await, 1);
    let (_, html) = get_with(&w.org, &app.url(&editor)).await;
    assert!(html.contains("class=\"sched-slot\""), "the talk is on the grid");
    // Later programme hours leave the talk placed outside them: it is listed with its start
    // and can be taken off the grid (and the conflict says so).
    store::save_settings(&app.db, &w.organizer, w.event_id, 5, "12:00", "18:00")
        .await
        .unwrap();
    let (_, html) = get_with(&w.org, &app.url(&editor)).await;
    assert!(
        html.contains(&format!("стоит вне часов программы: {} 11:00", w.date)),
        "listed as outside the hours"
    );
    assert!(html.contains("data-code=\"outside_day\""), "and as a conflict");
    store::save_settings(&app.db, &w.organizer, w.event_id, 5, "10:00", "18:00")
        .await
        .unwrap();
    // Fill, then publish: lands on the changelog.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &editor,
        "fill_schedule",
        &[("event_id", &event)],
    )
    .await;
    assert!(location(&res).contains("fill=done"));
    let res = submit_with(
        &w.org,
        &app.base_url,
        &editor,
        "publish_schedule",
        &[("event_id", &event), ("name", "Первая")],
    )
    .await;
    assert_eq!(location(&res), format!("/e/{event}/schedule/changes"));
    let (_, html) = get_with(&w.org, &app.url(&location(&res))).await;
    assert!(
        html.contains("Версия 1: Первая") && html.contains("Новый"),
        "the changelog in Russian"
    );
}

async fn only_organizers_reach_the_editor_functions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (_, member) = app.member("mia@example.org", "Mia").await;
    let (event, talk, room) = (
        w.event_id.to_string(),
        w.talk_id.to_string(),
        w.room_id.to_string(),
    );
    let start = format!("{}T11:00", w.date);
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("schedule_editor", vec![("event_id", &event), ("fill", "")]),
        (
            "place_talk",
            vec![
                ("event_id", &event),
                ("talk_id", &talk),
                ("room_id", &room),
                ("start", &start),
            ],
        ),
        (
            "schedule_talk_action",
            vec![("event_id", &event), ("talk_id", &talk), ("action", "unplace")],
        ),
        ("fill_schedule", vec![("event_id", &event)]),
        (
            "publish_schedule",
            vec![("event_id", &event), ("name", "x"), ("confirm", "on")],
        ),
        (
            "save_room",
            vec![("event_id", &event), ("name", "Mine"), ("capacity", "")],
        ),
        ("delete_room", vec![("event_id", &event), ("id", &room)]),
        (
            "save_schedule_settings",
            vec![
                ("event_id", &event),
                ("grid_minutes", "5"),
                ("day_start", "08:00"),
                ("day_end", "20:00"),
            ],
        ),
    ];
    for (endpoint, fields) in &calls {
        let (status, _) = app.call_json(&member, endpoint, fields).await;
        assert_eq!(status, 403, "{endpoint}: a member is refused");
        let (status, _) = app.call_json(&app.new_client(), endpoint, fields).await;
        assert_eq!(status, 401, "{endpoint}: anonymous is asked to log in");
    }
    let (status, _) = get_with(&member, &app.url(&format!("/e/{event}/schedule/edit"))).await;
    assert_eq!(status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_slots").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM rooms").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_versions").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_settings").await, 0);
}

async fn the_public_sees_published_versions_and_valid_exports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let event = w.event_id;
    let visitor = app.new_client();
    // Before the first version: nothing public, the draft stays private.
    let start = store::draft(&app.db, &w.organizer, event).await.unwrap().days[0]
        .window
        .start
        + HOUR;
    store::place(&app.db, &w.organizer, event, w.talk_id, w.room_id, start)
        .await
        .unwrap();
    let (status, html) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("not published yet") && !html.contains("Ownership"));
    let (status, _) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule.json"))).await;
    assert_eq!(status, 404);

    sbor_domain::schedule::publish::publish(&app.db, &app.site(), &w.organizer, event, "One", false)
        .await
        .unwrap()
        .unwrap();
    let (_, html) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule"))).await;
    assert!(html.contains("Ownership &lt;for&gt; humans") && html.contains("11:00–11:40"));
    // The talk's own page says where and when.
    let (_, html) = get_with(&visitor, &app.url(&format!("/talk/{}", w.talk_id))).await;
    assert!(
        html.contains("11:00–11:40 · Main hall (Europe/Moscow)"),
        "the slot on the talk page"
    );
    // Another zone on request.
    let (_, html) = get_with(
        &visitor,
        &app.url(&format!("/e/{event}/schedule?tz=Europe/London")),
    )
    .await;
    assert!(
        html.contains("08:00–08:40"),
        "London is three hours behind Moscow"
    );
    // Exports of the published version, valid for the tools that read them.
    let (status, xml) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule.xml"))).await;
    assert_eq!(status, 200);
    let (_, json) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule.json"))).await;
    sbor_tests::formats::validate_schedule_exports(&[xml], std::slice::from_ref(&json));
    assert!(json.contains("Ownership <for> humans"));
    let (_, ics) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule.ics"))).await;
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    let (_, csv) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule.csv"))).await;
    assert!(csv.lines().count() >= 2 && csv.contains("Main hall"));
    let (_, atom) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule/changes.atom"))).await;
    assert!(atom.contains("<entry>") && atom.contains("Version 1: One"));

    // A member stars the talk (no-JS form), finds it in "my schedule" and in their calendar.
    let (member_user, member) = app.member("mia@example.org", "Mia").await;
    let page = format!("/e/{event}/schedule");
    let res = submit_with(
        &member,
        &app.base_url,
        &page,
        "star_talk",
        &[("talk_id", &w.talk_id.to_string()), ("on", "on")],
    )
    .await;
    assert!(location(&res).ends_with(&format!("#talk-{}", w.talk_id)));
    let (_, mine) = get_with(&member, &app.url(&format!("/e/{event}/schedule/mine"))).await;
    assert!(mine.contains("Ownership &lt;for&gt; humans") && mine.contains("★"));
    let (status, _) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule/mine"))).await;
    assert_ne!(status, 200, "my schedule needs a login");
    let token = sbor_domain::feeds::reset_token(&app.db, member_user.id)
        .await
        .unwrap();
    let (status, cal) = get_with(&visitor, &app.url(&format!("/feeds/{token}/starred.ics"))).await;
    assert_eq!(status, 200);
    assert!(cal.contains("SUMMARY:Ownership <for> humans"), "{cal}");
    let (status, _) = get_with(&visitor, &app.url("/feeds/not-a-token/starred.ics")).await;
    assert_eq!(status, 404);

    // A draft event's schedule is nobody's business but its organizers'.
    sqlx::query("UPDATE events SET status = 'draft' WHERE id = $1")
        .bind(event)
        .execute(app.db.write())
        .await
        .unwrap();
    let (status, _) = get_with(&visitor, &app.url(&format!("/e/{event}/schedule.json"))).await;
    assert_eq!(status, 404);
    let (status, _) = get_with(&w.org, &app.url(&format!("/e/{event}/schedule.json"))).await;
    assert_eq!(status, 200);
}
