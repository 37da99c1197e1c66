//! The conference schedule on SQLite and PostgreSQL: rooms and breaks, placing talks (and the
//! drops that are refused), conflicts, "Fill the schedule", publishing versions with their
//! changelog and mails, favourites, exports valid against the c3voc schemas, and importing a
//! pretalx schedule (round trip, and hostile files that change nothing).

use sbor_domain::accounts::User;
use sbor_domain::clock::{DAY, HOUR, MINUTE, Micros};
use sbor_domain::schedule::conflicts::Conflict;
use sbor_domain::schedule::plan::Window;
use sbor_domain::schedule::store::{self, Filled};
use sbor_domain::schedule::{exchange, publish};
use sbor_tests::conference::published_conference;
use sbor_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    talks_are_placed_filled_and_published_with_a_changelog,
    strangers_cannot_touch_the_schedule,
    a_pretalx_schedule_imports_and_exports_the_same,
    a_hostile_import_is_refused_and_changes_nothing,
);

struct World {
    organizer: User,
    community_id: i64,
    event_id: i64,
    /// The first day's 09:00 in Moscow.
    day0: Micros,
}

/// A three-day conference in Moscow, 09:00–18:00 each day, two rooms and a lunch break.
async fn world(app: &TestApp) -> World {
    let (organizer, _) = app.admin("org@example.org").await;
    let (community_id, event_id, _) =
        published_conference(&app.db, &organizer, "devconf", 30, 3, ("09:00", "18:00")).await;
    store::save_settings(&app.db, &organizer, event_id, 5, "09:00", "18:00")
        .await
        .unwrap();
    let d = store::draft(&app.db, &organizer, event_id).await.unwrap();
    assert_eq!(d.days.len(), 3, "three days");
    let day0 = d.days[0].window.start;
    store::add_room(&app.db, &organizer, event_id, "Big hall", Some(300))
        .await
        .unwrap();
    store::add_room(&app.db, &organizer, event_id, "Small room", Some(40))
        .await
        .unwrap();
    for day in &d.days {
        let lunch = day.window.start + 4 * HOUR;
        store::add_block(
            &app.db,
            &organizer,
            event_id,
            None,
            Window::new(lunch, lunch + HOUR),
            "Lunch",
        )
        .await
        .unwrap();
    }
    World {
        organizer,
        community_id,
        event_id,
        day0,
    }
}

/// A confirmed talk of the event by `speaker` (`minutes` long).
async fn confirmed_talk(app: &TestApp, w: &World, speaker: &User, title: &str, minutes: i64) -> i64 {
    sbor_tests::conference::confirmed_talk(&app.db, (w.community_id, w.event_id), speaker, title, "", minutes)
        .await
}

async fn talks_are_placed_filled_and_published_with_a_changelog(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let org = &w.organizer;
    let (ann, _) = app.member("ann@example.org", "Ann").await;
    let (bob, _) = app.member("bob@example.org", "Bob").await;
    let (fan, _) = app.member("fan@example.org", "Fan").await;
    let a = confirmed_talk(&app, &w, &ann, "Ownership", 40).await;
    let b = confirmed_talk(&app, &w, &ann, "Borrowing", 30).await;
    let c = confirmed_talk(&app, &w, &bob, "Async", 60).await;
    let d0 = store::draft(&app.db, org, w.event_id).await.unwrap();
    let (big, small) = (d0.rooms[0].id, d0.rooms[1].id);

    // Drops that are not slots: refused with the reason, nothing stored.
    let refused = |r: sbor_domain::Result<Vec<Conflict>>| match r {
        Err(sbor_domain::DomainError::Invalid { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refused(store::place(&app.db, org, w.event_id, a, big, w.day0 + 3 * MINUTE).await),
        "off_grid"
    );
    assert_eq!(
        refused(store::place(&app.db, org, w.event_id, a, big, w.day0 - HOUR).await),
        "outside_programme"
    );
    assert_eq!(
        refused(store::place(&app.db, org, w.event_id, a, big, w.day0 + 8 * HOUR + 40 * MINUTE).await),
        "runs_past_day_end"
    );
    assert_eq!(
        refused(store::place(&app.db, org, w.event_id, a, 999_999, w.day0).await),
        "unknown_room"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_slots").await, 0);

    // A good drop; then Ann's second talk at the same time in the other room: a conflict,
    // allowed in the draft and named; over lunch: another.
    assert!(
        store::place(&app.db, org, w.event_id, a, big, w.day0)
            .await
            .unwrap()
            .is_empty()
    );
    let conflicts = store::place(&app.db, org, w.event_id, b, small, w.day0 + 10 * MINUTE)
        .await
        .unwrap();
    assert_eq!(
        conflicts,
        vec![Conflict::SpeakerOverlap {
            speaker_id: ann.id,
            a,
            b
        }]
    );
    let conflicts = store::place(
        &app.db,
        org,
        w.event_id,
        c,
        small,
        w.day0 + 3 * HOUR + 30 * MINUTE,
    )
    .await
    .unwrap();
    assert!(matches!(conflicts.as_slice(), [Conflict::Break { talk_id, .. }] if *talk_id == c));
    let d = store::draft(&app.db, org, w.event_id).await.unwrap();
    assert_eq!(d.conflicts.iter().filter(|c| c.is_hard()).count(), 2);

    // Publishing with hard conflicts asks for confirmation and names them; nothing published.
    let named = publish::publish(&app.db, &app.site(), org, w.event_id, "Draft", false)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(named.len(), 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_versions").await, 0);

    // Fill: Ownership pinned where it is, the others placed without conflicts.
    store::pin(&app.db, org, w.event_id, a, true).await.unwrap();
    let filled = store::fill(&app.db, org, w.event_id).await.unwrap();
    assert!(matches!(filled, Filled::Solved { placed: 2, .. }), "{filled:?}");
    let d = store::draft(&app.db, org, w.event_id).await.unwrap();
    assert!(d.conflicts.iter().all(|c| !c.is_hard()), "{:?}", d.conflicts);
    assert_eq!(
        d.talks.iter().find(|t| t.id == a).unwrap().slot,
        Some((big, w.day0, true))
    );

    // Version 1: everything new; the public doc shows it, the draft can change meanwhile.
    let v1 = publish::publish(&app.db, &app.site(), org, w.event_id, "First", false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.version.number, 1);
    assert_eq!(v1.changes.len(), 3);
    assert_eq!(v1.mails, 0, "new talks mail nobody");
    publish::star(&app.db, &fan, c, true).await.unwrap();
    assert_eq!(
        publish::starred(&app.db, fan.id, w.event_id).await.unwrap(),
        vec![c]
    );

    // Move Async to day 2 and take Borrowing off the grid: version 2 has one move and one
    // cancellation; Bob (speaker) and Fan (starred Async) get one mail each, Ann one.
    store::place(&app.db, org, w.event_id, c, big, w.day0 + DAY)
        .await
        .unwrap();
    store::unplace(&app.db, org, w.event_id, b).await.unwrap();
    let event = sbor_domain::events::get(&app.db, w.event_id).await.unwrap();
    let (v, doc_before) = exchange::published_doc(&app.db, &app.site(), &event)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.number, 1);
    assert_eq!(
        doc_before.talks.len(),
        3,
        "the public sees version 1, not the draft"
    );
    let v2 = publish::publish(&app.db, &app.site(), org, w.event_id, "", false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v2.version.number, 2);
    let kinds: Vec<_> = v2
        .changes
        .iter()
        .map(|c| (c.talk_id, matches!(c.kind, publish::ChangeKind::Cancelled)))
        .collect();
    assert_eq!(kinds, vec![(c, false), (b, true)]);
    assert_eq!(v2.mails, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'schedule_changed'")
            .await,
        3
    );
    let fan_mail = app.mail_about("fan@example.org", "Schedule changed").await;
    let text = fan_mail.text_body();
    assert!(
        text.contains("\"Async\": now") && text.contains("talks you starred"),
        "{text}"
    );
    // Borrowing is cancelled in the latest version: it can no longer be starred.
    assert!(matches!(
        publish::star(&app.db, &fan, b, true).await,
        Err(sbor_domain::DomainError::NotFound)
    ));
    // Later programme hours in the draft do not push published talks off the public schedule.
    store::save_settings(&app.db, org, w.event_id, 5, "12:00", "18:00")
        .await
        .unwrap();
    let (_, public) = exchange::visible_doc(&app.db, &app.site(), None, w.event_id)
        .await
        .unwrap();
    let (_, public) = public.unwrap();
    assert!(
        public.talks.iter().all(|t| public
            .days
            .iter()
            .any(|d| d.starts_at <= t.starts_at && t.starts_at < d.ends_at)),
        "every published talk is inside a day"
    );
    store::save_settings(&app.db, org, w.event_id, 5, "09:00", "18:00")
        .await
        .unwrap();
    let log = publish::changelog(&app.db, w.event_id).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].0.number, 2);
    assert_eq!(log[1].1.len(), 3, "version 1: three new talks");

    // The exports of the published version validate (the schemas are checked in the domain
    // crate's tests; here: both formats carry the talks and times).
    let (_, doc) = exchange::published_doc(&app.db, &app.site(), &event)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.talks.len(), 2);
    let json = sbor_domain::schedule::c3voc_json(&doc);
    let back = sbor_domain::schedule::parse_c3voc(&json).expect("our own export reads back");
    assert_eq!(
        back.talks
            .iter()
            .map(|t| (t.title.clone(), t.starts_at, t.minutes))
            .collect::<Vec<_>>(),
        doc.talks
            .iter()
            .map(|t| (t.title.clone(), t.starts_at, t.minutes))
            .collect::<Vec<_>>()
    );
    assert!(sbor_domain::schedule::frab_xml(&doc).contains("<title>Async</title>"));
}

async fn strangers_cannot_touch_the_schedule(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let (ann, _) = app.member("ann@example.org", "Ann").await;
    let talk = confirmed_talk(&app, &w, &ann, "Ownership", 40).await;
    let room = store::rooms(&app.db, w.event_id).await.unwrap()[0].id;
    let forbidden = |r: Result<(), sbor_domain::DomainError>| {
        assert!(matches!(r, Err(sbor_domain::DomainError::Forbidden)), "{r:?}");
    };
    forbidden(store::draft(&app.db, &ann, w.event_id).await.map(drop));
    forbidden(
        store::place(&app.db, &ann, w.event_id, talk, room, w.day0)
            .await
            .map(drop),
    );
    forbidden(store::fill(&app.db, &ann, w.event_id).await.map(drop));
    forbidden(
        store::add_room(&app.db, &ann, w.event_id, "Mine", None)
            .await
            .map(drop),
    );
    forbidden(
        publish::publish(&app.db, &app.site(), &ann, w.event_id, "", true)
            .await
            .map(drop),
    );
    forbidden(
        exchange::import_conference(&app.db, &ann, w.community_id, "{}")
            .await
            .map(drop),
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_slots").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM rooms").await, 2);
    // Starring needs a published talk.
    assert!(matches!(
        publish::star(&app.db, &ann, talk, true).await,
        Err(sbor_domain::DomainError::NotFound)
    ));
}

fn democon() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/schedule-formats/pretalx-democon.json"
    ))
    .expect("fixture")
}

async fn a_pretalx_schedule_imports_and_exports_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let source = sbor_domain::schedule::parse_c3voc(&democon()).expect("the fixture is valid");
    let imported = exchange::import_conference(&app.db, &w.organizer, w.community_id, &democon())
        .await
        .unwrap()
        .expect("imported");
    assert_eq!(imported.talks, source.talks.len());
    assert_eq!(imported.rooms, source.rooms.len());
    let event = sbor_domain::events::get(&app.db, imported.event_id)
        .await
        .unwrap();
    assert_eq!(event.title, "DemoCon");
    let (version, doc) = exchange::published_doc(&app.db, &app.site(), &event)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version.number, 1);
    // Export, read back, compare every talk: title, room, start instant, length, speakers.
    let exported = sbor_domain::schedule::parse_c3voc(&sbor_domain::schedule::c3voc_json(&doc)).unwrap();
    let rooms = |d: &sbor_domain::schedule::doc::ScheduleDoc| {
        d.rooms
            .iter()
            .map(|r| (r.id, r.name.clone()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let view = |d: &sbor_domain::schedule::doc::ScheduleDoc| {
        let names = rooms(d);
        let mut v: Vec<_> = d
            .talks
            .iter()
            .map(|t| {
                (
                    t.starts_at,
                    names[&t.room_id].clone(),
                    t.title.clone(),
                    t.minutes,
                    t.track.clone(),
                    t.persons.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(view(&exported), view(&source));
    assert_eq!(exported.conference.time_zone, source.conference.time_zone);
    // The draft holds the imported slots, pinned, without hard conflicts.
    let d = store::draft(&app.db, &w.organizer, imported.event_id)
        .await
        .unwrap();
    assert!(d.conflicts.iter().all(|c| !c.is_hard()), "{:?}", d.conflicts);
    assert!(d.talks.iter().all(|t| t.slot.is_some_and(|s| s.2)));
}

async fn a_hostile_import_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let events = "SELECT COUNT(*) FROM events";
    let before = app.count(events).await;
    // An event in a room the file does not list, and a huge title.
    let bad = democon()
        .replacen("\"room\": \"Gray Room\"", "\"room\": \"Nowhere\"", 1)
        .replacen(
            "\"title\": \"Focused 5thgeneration hardware\"",
            &format!("\"title\": \"{}\"", "x".repeat(400)),
            1,
        );
    let problems = exchange::import_conference(&app.db, &w.organizer, w.community_id, &bad)
        .await
        .unwrap()
        .unwrap_err();
    let codes: Vec<&str> = problems.iter().map(|p| p.code).collect();
    assert!(
        codes.contains(&"room_mismatch") || codes.contains(&"unknown_room"),
        "{codes:?}"
    );
    assert!(codes.contains(&"too_long"), "{codes:?}");
    for garbage in ["", "[]", "{\"schedule\": 5}", "not json"] {
        let problems = exchange::import_conference(&app.db, &w.organizer, w.community_id, garbage)
            .await
            .unwrap()
            .unwrap_err();
        assert!(!problems.is_empty());
    }
    assert_eq!(app.count(events).await, before, "no event created");
    assert_eq!(app.count("SELECT COUNT(*) FROM talk_guests").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM schedule_versions").await, 0);
}
