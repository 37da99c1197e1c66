//! The organizers' and reviewers' side of talks over real HTTP, on SQLite and PostgreSQL: CfP
//! settings, who may read and change what, the dashboard's numbers, staged decisions and their
//! mails, the CSV export, and announcements to speakers. Speakers' talks are made with the
//! rules layer directly (the speaker pages are tested elsewhere).

use std::time::Duration;

use sbor_domain::accounts::User;
use sbor_domain::talks::{self, Action, TalkInput, Target};
use sbor_tests::{Backend, TestApp, get_with, location, on_both_backends, submit_with};

on_both_backends!(
    cfp_settings_explain_bad_input_and_change_nothing,
    reviewers_see_what_they_may_and_nothing_more,
    dashboard_decisions_csv_and_speaker_announcements,
);

struct World {
    organizer: User,
    org: reqwest::Client,
    community_id: i64,
    event_id: i64,
}

/// A community (the admin organizes it) with a published event a month ahead, no CfP yet.
async fn world(app: &TestApp) -> World {
    let (organizer, org) = app.admin("org@example.org").await;
    let c = sbor_domain::communities::create(
        &app.db,
        &organizer,
        sbor_domain::communities::CommunityInput {
            slug: "rustconf",
            name: "Rust Conf",
            time_zone: "Europe/Moscow",
            lang: "en",
            ..Default::default()
        },
    )
    .await
    .expect("community");
    let event_id = new_event(app, &organizer, c.id, "Rust Conf 2027").await;
    World {
        organizer,
        org,
        community_id: c.id,
        event_id,
    }
}

/// A published event of the community a month ahead; returns its id.
async fn new_event(app: &TestApp, organizer: &User, community_id: i64, title: &str) -> i64 {
    let start = sbor_domain::clock::to_datetime(sbor_domain::clock::now() + 30 * sbor_domain::clock::DAY)
        .with_timezone(&chrono_tz::Europe::Moscow);
    let starts = start.format("%Y-%m-%dT10:00").to_string();
    let ends = start.format("%Y-%m-%dT18:00").to_string();
    let e = sbor_domain::events::create(
        &app.db,
        organizer,
        community_id,
        sbor_domain::events::EventInput {
            title,
            starts_local: &starts,
            ends_local: &ends,
            time_zone: "Europe/Moscow",
            venue_name: "Hall",
            ..Default::default()
        },
    )
    .await
    .expect("event");
    sbor_domain::events::publish(&app.db, organizer, e.id)
        .await
        .expect("publish");
    e.id
}

/// Opens the CfP (now − 1 day … now + 10 days) through the rules layer.
async fn open_cfp(app: &TestApp, w: &World, anonymous: bool) {
    let now = sbor_domain::clock::now();
    sbor_domain::cfp::set(
        &app.db,
        &w.organizer,
        w.event_id,
        sbor_domain::cfp::CfpInput {
            opens_at: now - sbor_domain::clock::DAY,
            closes_at: now + 10 * sbor_domain::clock::DAY,
            description: "Talk to us",
            languages: vec![sbor_domain::Lang::En],
            levels: sbor_domain::cfp::Level::ALL.to_vec(),
            anonymous_review: anonymous,
            late_edits: false,
            confirm_days: 7,
        },
    )
    .await
    .expect("cfp");
}

/// A submitted talk by `speaker`.
async fn submitted_talk(app: &TestApp, w: &World, speaker: &User, title: &str) -> i64 {
    let talk = talks::create(
        &app.db,
        speaker,
        Target::Event { event_id: w.event_id },
        TalkInput {
            title,
            summary: "An abstract",
            description: "The **description**",
            notes: "secret notes for organizers",
            session_type_id: None,
            track_id: None,
            language: Some(sbor_domain::Lang::En),
            level: None,
            answers: &[],
        },
    )
    .await
    .expect("talk");
    talks::act(&app.db, &app.site(), speaker, talk.id, Action::Submit)
        .await
        .expect("submit");
    talk.id
}

/// A confirmed account with a speaker profile (bio, company, a link) and its browser.
async fn speaker(app: &TestApp, email: &str, name: &str) -> (User, reqwest::Client) {
    let (u, c) = app.member(email, name).await;
    sqlx::query(
        "INSERT INTO speaker_profiles (user_id, bio, photo_url, company, links, availability, updated_at) \
         VALUES ($1, $2, '', 'Speakercorp', 'https://speaker.example.org/zina', '', 1)",
    )
    .bind(u.id)
    .bind(format!("Bio of {name}"))
    .execute(app.db.write())
    .await
    .unwrap();
    (u, c)
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    get_with(client, &app.url(path)).await
}

async fn cfp_settings_explain_bad_input_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    let id = w.event_id.to_string();
    let from = format!("/e/{id}/cfp/edit");
    let (status, html) = page(&app, &w.org, &from).await;
    assert_eq!(status, 200);
    assert!(html.contains("no call for papers yet"), "new CfP form");
    for id in ["languages-error", "levels-error", "description-error"] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "{id}: the field errors of the CfP form have their ids"
        );
    }
    let (_, event_page) = page(&app, &w.org, &format!("/e/{id}")).await;
    assert!(
        event_page.contains(&format!("/e/{id}/cfp/edit")),
        "the manage area links the CfP page"
    );

    let cfp_form = |opens: &'static str, closes: &'static str| {
        vec![
            ("event_id", id.clone()),
            ("opens_at", opens.to_owned()),
            ("closes_at", closes.to_owned()),
            ("description", "Send us talks".to_owned()),
            ("lang_en", "on".to_owned()),
            ("level_beginner", "on".to_owned()),
            ("anonymous_review", "on".to_owned()),
            ("confirm_days", "7".to_owned()),
        ]
    };
    let as_refs =
        |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    // Closing before opening: refused, with the CfP's own message next to the field.
    let bad = as_refs(&cfp_form("2027-01-10T10:00", "2027-01-01T10:00"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = submit_with(&w.org, &app.base_url, &from, "save_cfp", &bad).await;
    let to = location(&res);
    assert!(to.contains("__err"), "refused: {to}");
    let (_, html) = page(&app, &w.org, &to).await;
    assert!(
        html.contains("The call for papers must close after it opens."),
        "message shown"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM cfps").await, 0, "nothing saved");
    // A member who does not organize is refused too.
    let (_, member) = app.member("member@example.org", "Member").await;
    let good = as_refs(&cfp_form("2027-01-01T10:00", "2027-01-10T10:00"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) = app.call_json(&member, "save_cfp", &good).await;
    assert_eq!(status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM cfps").await, 0);
    // The organizer's good form: saved, local times in the event's zone (Moscow, UTC+3).
    let res = submit_with(&w.org, &app.base_url, &from, "save_cfp", &good).await;
    assert_eq!(location(&res), format!("{from}#cfp"));
    let (_, html) = page(&app, &w.org, &from).await;
    assert!(
        html.contains("Saved.") && !html.contains("Profile saved."),
        "the flash says what was saved"
    );
    let c = sbor_domain::cfp::get(&app.db, w.event_id).await.unwrap().unwrap();
    assert_eq!(sbor_domain::clock::rfc3339(c.opens_at)[..16], *"2027-01-01T07:00");
    assert!(c.anonymous_review);
    assert_eq!(c.languages, vec![sbor_domain::Lang::En]);

    // A colour that is not #rrggbb: refused, message, no track.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_track",
        &[("event_id", &id), ("name", "Systems"), ("colour", "red")],
    )
    .await;
    let to = location(&res);
    assert!(to.contains("__err"));
    let (_, html) = page(&app, &w.org, &to).await;
    assert!(
        html.contains("Write the colour as #rrggbb"),
        "colour message shown"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM tracks").await, 0);
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_track",
        &[("event_id", &id), ("name", "Systems"), ("colour", "#A1B2C3")],
    )
    .await;
    assert!(!location(&res).contains("__err"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tracks WHERE colour = '#a1b2c3'")
            .await,
        1
    );

    // Weight 0: refused, no category; weight 3: saved.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_review_category",
        &[("event_id", &id), ("name", "Content"), ("weight", "0")],
    )
    .await;
    let to = location(&res);
    assert!(to.contains("__err"));
    let (_, html) = page(&app, &w.org, &to).await;
    assert!(html.contains("This number is out of range."));
    assert_eq!(app.count("SELECT COUNT(*) FROM review_categories").await, 0);
    submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_review_category",
        &[("event_id", &id), ("name", "Content"), ("weight", "3")],
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_categories WHERE weight = 3")
            .await,
        1
    );

    // Session type with too few minutes refused; a good one with its own deadline saved.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_session_type",
        &[
            ("event_id", &id),
            ("name", "Talk"),
            ("minutes", "2"),
            ("deadline", ""),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"));
    submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_session_type",
        &[
            ("event_id", &id),
            ("name", "Talk"),
            ("minutes", "40"),
            ("deadline", "2027-01-05T12:00"),
        ],
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM session_types WHERE minutes = 40 AND deadline IS NOT NULL")
            .await,
        1
    );
    // A choice question needs two options.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_cfp_question",
        &[
            ("event_id", &id),
            ("prompt", "Level?"),
            ("kind", "choice"),
            ("options", "one"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"));
    assert_eq!(app.count("SELECT COUNT(*) FROM cfp_questions").await, 0);
    submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_cfp_question",
        &[
            ("event_id", &id),
            ("prompt", "Level?"),
            ("kind", "choice"),
            ("options", "one\ntwo"),
            ("required", "on"),
        ],
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cfp_questions WHERE required = 1")
            .await,
        1
    );

    // Reviewers: unknown address refused; a member limited to the track.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "assign_reviewer",
        &[("event_id", &id), ("email", "nobody@example.org")],
    )
    .await;
    assert!(location(&res).contains("__err"));
    let track_id = app.count("SELECT id FROM tracks").await.to_string();
    let field = format!("tracks[{track_id}]");
    submit_with(
        &w.org,
        &app.base_url,
        &from,
        "assign_reviewer",
        &[("event_id", &id), ("email", "member@example.org"), (&field, "on")],
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM reviewers").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM reviewer_tracks").await, 1);

    // Decision template: an unknown placeholder is refused; a good one saved.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_decision_template",
        &[
            ("event_id", &id),
            ("decision", "accept"),
            ("subject", "Yes: {talk_titel}"),
            ("body", "Hi {speaker_name}"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"));
    assert_eq!(app.count("SELECT COUNT(*) FROM talk_mail_templates").await, 0);
    submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_decision_template",
        &[
            ("event_id", &id),
            ("decision", "accept"),
            ("subject", "Yes: {talk_title}"),
            ("body", "Hi {speaker_name}, confirm by {deadline}: {confirm_url}"),
        ],
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM talk_mail_templates").await, 1);

    let (status, html) = page(&app, &w.org, &from).await;
    assert_eq!(status, 200);
    for shown in [
        "Systems",
        "#a1b2c3",
        "Content",
        "Level?",
        "member@example.org",
        "{talk_title}",
    ] {
        assert!(html.contains(shown), "the page shows {shown}");
    }
    // Russian texts too, for an organizer who reads Russian.
    sqlx::query("UPDATE users SET lang = 'ru' WHERE id = $1")
        .bind(w.organizer.id)
        .execute(app.db.write())
        .await
        .unwrap();
    let (_, html_ru) = page(&app, &w.org, &from).await;
    assert!(html_ru.contains("Приём докладов") && html_ru.contains("Критерии оценки"));
    // The member (a reviewer now) cannot open the organizers' page.
    let (_, html) = page(&app, &member, &from).await;
    assert!(!html.contains("Send us talks"));

    // Deleting a track or a category: only through its own event, only by its organizers.
    let other = new_event(&app, &w.organizer, w.community_id, "Another conf")
        .await
        .to_string();
    let category_id = app.count("SELECT id FROM review_categories").await.to_string();

    // Editing: the item's own form opens in place of its line (`?edit=`), with its values.
    let edit_page = format!("{from}?edit=track-{track_id}");
    let (_, html) = page(&app, &w.org, &edit_page).await;
    assert!(
        html.contains("id=\"edit_colour\"") && html.contains("value=\"#a1b2c3\""),
        "the track's edit form, filled in"
    );
    // A bad colour: refused next to the edit form's field (in Russian, the organizer's
    // language now), the track unchanged.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &edit_page,
        "save_track",
        &[
            ("event_id", &id),
            ("id", &track_id),
            ("name", "Platform"),
            ("colour", "blue"),
        ],
    )
    .await;
    let to = location(&res);
    assert!(
        to.contains("__err") && to.contains("edit=track-"),
        "back to the edit form: {to}"
    );
    let (_, html) = page(&app, &w.org, &to).await;
    assert!(
        html.contains(
            "id=\"edit_colour-error\" role=\"alert\" class=\"field-error\">Укажите цвет как #rrggbb"
        ),
        "the message is next to the edited field: {}",
        html.split("edit_colour").nth(1).unwrap_or("no edit_colour field")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tracks WHERE name = 'Systems'")
            .await,
        1
    );
    // Through another event, or by a member: refused, unchanged.
    let (status, _) = app
        .call_json(
            &w.org,
            "save_track",
            &[
                ("event_id", &other),
                ("id", &track_id),
                ("name", "Platform"),
                ("colour", "#000000"),
            ],
        )
        .await;
    assert_eq!(status, 404, "a track of another event");
    let (status, _) = app
        .call_json(
            &member,
            "save_track",
            &[
                ("event_id", &id),
                ("id", &track_id),
                ("name", "Platform"),
                ("colour", "#000000"),
            ],
        )
        .await;
    assert_eq!(status, 403, "a member edits no track");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tracks WHERE name = 'Systems'")
            .await,
        1
    );
    // The organizer's good edit: saved, back to the list.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &edit_page,
        "save_track",
        &[
            ("event_id", &id),
            ("id", &track_id),
            ("name", "Platform"),
            ("colour", "#00AA00"),
        ],
    )
    .await;
    assert_eq!(location(&res), format!("{from}#tracks"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tracks WHERE name = 'Platform' AND colour = '#00aa00'")
            .await,
        1
    );
    // The other lists edit the same way.
    let type_id = app.count("SELECT id FROM session_types").await.to_string();
    let question_id = app.count("SELECT id FROM cfp_questions").await.to_string();
    let (_, html) = page(&app, &w.org, &format!("{from}?edit=question-{question_id}")).await;
    assert!(html.contains("id=\"edit_prompt\"") && html.contains("value=\"Level?\""));
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "save_session_type",
        &[
            ("event_id", &id),
            ("id", &type_id),
            ("name", "Long talk"),
            ("minutes", "2"),
            ("deadline", ""),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"), "too short");
    for (endpoint, fields) in [
        (
            "save_session_type",
            vec![
                ("id", type_id.as_str()),
                ("name", "Long talk"),
                ("minutes", "50"),
                ("deadline", ""),
            ],
        ),
        (
            "save_cfp_question",
            vec![
                ("id", question_id.as_str()),
                ("prompt", "Your level?"),
                ("kind", "text"),
                ("options", ""),
            ],
        ),
        (
            "save_review_category",
            vec![("id", category_id.as_str()), ("name", "Depth"), ("weight", "5")],
        ),
    ] {
        let mut form = vec![("event_id", id.as_str())];
        form.extend(fields);
        let res = submit_with(&w.org, &app.base_url, &from, endpoint, &form).await;
        assert!(!location(&res).contains("__err"), "{endpoint} saved");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM session_types WHERE name = 'Long talk' AND minutes = 50 AND deadline IS NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cfp_questions WHERE prompt = 'Your level?' AND kind = 'text' AND required = 0")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_categories WHERE name = 'Depth' AND weight = 5")
            .await,
        1
    );

    for (what, item, table, anchor) in [
        ("track", &track_id, "tracks", "tracks"),
        ("category", &category_id, "review_categories", "categories"),
    ] {
        let (status, _) = app
            .call_json(
                &w.org,
                "delete_cfp_item",
                &[("event_id", &other), ("what", what), ("id", item)],
            )
            .await;
        assert_eq!(status, 404, "a {what} of another event");
        let (status, _) = app
            .call_json(
                &member,
                "delete_cfp_item",
                &[("event_id", &id), ("what", what), ("id", item)],
            )
            .await;
        assert_eq!(status, 403, "a member deletes no {what}");
        let count = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(app.count(&count).await, 1, "the {what} is still there");
        let res = submit_with(
            &w.org,
            &app.base_url,
            &from,
            "delete_cfp_item",
            &[("event_id", &id), ("what", what), ("id", item)],
        )
        .await;
        assert_eq!(location(&res), format!("{from}#{anchor}"));
        assert_eq!(app.count(&count).await, 0, "the {what} is deleted");
    }
}

async fn reviewers_see_what_they_may_and_nothing_more(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    open_cfp(&app, &w, false).await;
    let content = sbor_domain::reviews::add_category(&app.db, &w.organizer, w.event_id, "Content", 3)
        .await
        .unwrap();
    let (zina, zina_client) = speaker(&app, "zina@example.org", "Zinaida Speakerova").await;
    let talk = submitted_talk(&app, &w, &zina, "Ownership for busy people").await;
    let (r1, r1c) = app.member("r1@example.org", "Reviewer One").await;
    let (_, r2c) = app.member("r2@example.org", "Reviewer Two").await;
    for email in ["r1@example.org", "r2@example.org"] {
        sbor_domain::reviews::assign_reviewer(&app.db, &w.organizer, w.event_id, email, &[])
            .await
            .unwrap();
    }
    let review_path = format!("/review/{talk}");
    let talk_s = talk.to_string();

    // Reviewers find their queue from the event page and from "My talks"; others do not.
    let queue = format!("href=\"/e/{}/review\"", w.event_id);
    let (_, html) = page(&app, &r1c, &format!("/e/{}", w.event_id)).await;
    assert!(html.contains(&queue), "the event page links the reviewer's queue");
    let (_, html) = page(&app, &r1c, "/talks").await;
    assert!(
        html.contains(&queue) && html.contains("Talks to review"),
        "My talks lists it"
    );
    let (_, html) = page(&app, &zina_client, &format!("/e/{}", w.event_id)).await;
    assert!(
        !html.contains(&queue),
        "a speaker who does not review sees no queue link"
    );
    let (_, html) = page(&app, &zina_client, "/talks").await;
    assert!(!html.contains("Talks to review"));

    // Not anonymous: the reviewer sees the speaker (control for the anonymous checks below),
    // never the notes for organizers.
    let (status, html) = page(&app, &r1c, &review_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Zinaida Speakerova") && html.contains("Bio of Zinaida"));
    assert!(!html.contains("secret notes"));

    // Reviewer one submits through the form.
    let score_field = format!("scores[{}]", content.id);
    let res = submit_with(
        &r1c,
        &app.base_url,
        &review_path,
        "save_review",
        &[
            ("talk_id", &talk_s),
            (&score_field, "4"),
            ("comment", "R1 thinks this is solid"),
            ("intent", "submit"),
        ],
    )
    .await;
    assert_eq!(location(&res), review_path);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reviews WHERE submitted = 1")
            .await,
        1
    );
    // A score out of range: refused, nothing changed.
    let res = submit_with(
        &r2c,
        &app.base_url,
        &review_path,
        "save_review",
        &[
            ("talk_id", &talk_s),
            (&score_field, "9"),
            ("comment", "x"),
            ("intent", "submit"),
        ],
    )
    .await;
    assert!(location(&res).contains("__err"));
    assert_eq!(app.count("SELECT COUNT(*) FROM reviews").await, 1);

    // Reviewer two has not submitted: neither the page nor the JSON shows R1's review.
    let (_, html) = page(&app, &r2c, &review_path).await;
    assert!(html.contains("once you have submitted yours"));
    assert!(!html.contains("R1 thinks"));
    let (status, json) = app.call_json(&r2c, "review_page", &[("talk_id", &talk_s)]).await;
    assert_eq!(status, 200, "{json}");
    assert!(json.contains("\"others\":null"), "{json}");
    assert!(!json.contains("R1 thinks") && !json.contains("Reviewer One"));
    // A draft is not enough.
    submit_with(
        &r2c,
        &app.base_url,
        &review_path,
        "save_review",
        &[
            ("talk_id", &talk_s),
            (&score_field, "2"),
            ("comment", "R2 draft"),
            ("intent", "save"),
        ],
    )
    .await;
    let (_, json) = app.call_json(&r2c, "review_page", &[("talk_id", &talk_s)]).await;
    assert!(!json.contains("R1 thinks"), "draft does not unlock: {json}");
    // An organizer who reviews too reads the submitted reviews at once, and their own draft
    // marked as one, but never another reviewer's draft.
    sbor_domain::reviews::assign_reviewer(&app.db, &w.organizer, w.event_id, "org@example.org", &[])
        .await
        .unwrap();
    sbor_domain::reviews::save_review(
        &app.db,
        &w.organizer,
        talk,
        &[(content.id, 3)],
        "Org draft",
        false,
    )
    .await
    .unwrap();
    let (status, json) = app
        .call_json(&w.org, "review_page", &[("talk_id", &talk_s)])
        .await;
    assert_eq!(status, 200, "{json}");
    assert!(!json.contains("R2 draft"), "another's draft leaked: {json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let others = v["others"].as_array().expect("organizers read the reviews");
    let flags: Vec<(&str, bool)> = others
        .iter()
        .map(|r| (r["comment"].as_str().unwrap(), r["submitted"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        flags,
        vec![("R1 thinks this is solid", true), ("Org draft", false)]
    );
    let (_, html) = page(&app, &w.org, &review_path).await;
    assert!(html.contains("R1 thinks this is solid") && !html.contains("R2 draft"));
    let read = sbor_domain::reviews::reviews_of(&app.db, &w.organizer, talk)
        .await
        .unwrap();
    assert!(
        read.iter()
            .all(|r| r.submitted || r.reviewer_id == w.organizer.id)
    );
    // Submitted: now R2 sees R1's review, on the page and in JSON.
    submit_with(
        &r2c,
        &app.base_url,
        &review_path,
        "save_review",
        &[
            ("talk_id", &talk_s),
            (&score_field, "2"),
            ("comment", "R2 final"),
            ("intent", "submit"),
        ],
    )
    .await;
    let (_, html) = page(&app, &r2c, &review_path).await;
    assert!(html.contains("R1 thinks this is solid"));
    let (_, json) = app.call_json(&r2c, "review_page", &[("talk_id", &talk_s)]).await;
    assert!(json.contains("R1 thinks this is solid"));
    assert!(
        !json.contains("Org draft"),
        "the organizer's draft is theirs alone: {json}"
    );

    // A reviewer cannot change a talk's state: refused with 403, nothing staged or applied.
    let (status, _) = app
        .call_json(
            &r1c,
            "stage_talk_decision",
            &[("talk_id", &talk_s), ("decision", "accept")],
        )
        .await;
    assert_eq!(status, 403);
    let res = submit_with(
        &r1c,
        &app.base_url,
        &review_path,
        "stage_talk_decision",
        &[("talk_id", &talk_s), ("decision", "accept")],
    )
    .await;
    assert!(location(&res).contains("__err"), "no-JS form refused too");
    let (status, _) = app
        .call_json(
            &r1c,
            "apply_talk_decisions",
            &[("event_id", &w.event_id.to_string())],
        )
        .await;
    assert_eq!(status, 403);
    let err = talks::act(&app.db, &app.site(), &r1, talk, Action::Accept).await;
    assert!(err.is_err(), "the rules layer refuses a reviewer's accept too");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talks WHERE id = {talk} AND state = 'submitted' AND staged_decision IS NULL"
        ))
        .await,
        1
    );
    let (status, _) = page(&app, &r1c, &format!("/e/{}/talks.csv", w.event_id)).await;
    assert_eq!(status, 403, "no CSV for reviewers");

    // The speaker cannot see reviews: not on the review page, not in JSON, not on the
    // dashboard.
    let (_, html) = page(&app, &zina_client, &review_path).await;
    assert!(!html.contains("R1 thinks") && !html.contains("R2 final"));
    let (status, json) = app
        .call_json(&zina_client, "review_page", &[("talk_id", &talk_s)])
        .await;
    assert_eq!(status, 403, "{json}");
    assert!(!json.contains("R1 thinks"));
    let (status, json) = app
        .call_json(
            &zina_client,
            "talks_dashboard",
            &[
                ("event_id", &w.event_id.to_string()),
                ("track", ""),
                ("kind", ""),
                ("state", ""),
                ("sort", ""),
            ],
        )
        .await;
    assert_eq!(status, 403);
    assert!(!json.contains("3.00"));

    // Anonymous mode: no speaker name, bio, company or link anywhere a reviewer reads.
    open_cfp(&app, &w, true).await;
    let (status, html) = page(&app, &r1c, &review_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ownership for busy people"));
    let (_, queue_html) = page(&app, &r1c, &format!("/e/{}/review", w.event_id)).await;
    assert!(queue_html.contains("Ownership for busy people"));
    let (status, json) = app.call_json(&r1c, "review_page", &[("talk_id", &talk_s)]).await;
    assert_eq!(status, 200);
    let (_, queue_json) = app
        .call_json(&r1c, "review_queue", &[("event_id", &w.event_id.to_string())])
        .await;
    assert!(queue_json.contains("Ownership for busy people"));
    for body in [&html, &queue_html, &json, &queue_json] {
        for secret in [
            "Zinaida",
            "Speakerova",
            "Bio of",
            "Speakercorp",
            "speaker.example.org",
            "zina@example.org",
            "secret notes",
        ] {
            assert!(!body.contains(secret), "{secret} leaked in anonymous mode");
        }
    }
    assert!(json.contains("\"speakers\":null"), "{json}");
}

async fn dashboard_decisions_csv_and_speaker_announcements(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = world(&app).await;
    open_cfp(&app, &w, false).await;
    let content = sbor_domain::reviews::add_category(&app.db, &w.organizer, w.event_id, "Content", 3)
        .await
        .unwrap();
    let delivery = sbor_domain::reviews::add_category(&app.db, &w.organizer, w.event_id, "Delivery", 1)
        .await
        .unwrap();
    let (anna, _) = speaker(&app, "anna@example.org", "Anna Alpha").await;
    let (boris, _) = speaker(&app, "boris@example.org", "Boris Beta").await;
    let (vera, _) = speaker(&app, "vera@example.org", "Vera Gamma").await;
    let (_, bystander) = app.member("bystander@example.org", "Bystander").await;
    sbor_domain::communities::join(&app.db, w.community_id, bystander_id(&app).await)
        .await
        .unwrap();
    let talk_a = submitted_talk(&app, &w, &anna, "Alpha talk").await;
    // Boris co-speaks on talk A.
    sqlx::query("INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, 2)")
        .bind(talk_a)
        .bind(boris.id)
        .execute(app.db.write())
        .await
        .unwrap();
    let talk_b = submitted_talk(&app, &w, &vera, "Beta talk").await;
    let (r1, _) = app.member("r1@example.org", "Reviewer One").await;
    let (r2, _) = app.member("r2@example.org", "Reviewer Two").await;
    for email in ["r1@example.org", "r2@example.org"] {
        sbor_domain::reviews::assign_reviewer(&app.db, &w.organizer, w.event_id, email, &[])
            .await
            .unwrap();
    }
    let review = |who: &User, talk: i64, c: i64, d: i64, submit: bool| {
        let who = who.clone();
        let db = app.db.clone();
        let (content, delivery) = (content.id, delivery.id);
        async move {
            sbor_domain::reviews::save_review(&db, &who, talk, &[(content, c), (delivery, d)], "", submit)
                .await
                .unwrap();
        }
    };
    // Talk A: (3×5 + 1×1)/4 = 4.00 and (3×3 + 1×3)/4 = 3.00 → 3.50, spread 1.00, 2 reviews.
    review(&r1, talk_a, 5, 1, true).await;
    review(&r2, talk_a, 3, 3, true).await;
    // Talk B: (3×0 + 1×4)/4 = 1.00; R2's draft does not count.
    review(&r1, talk_b, 0, 4, true).await;
    review(&r2, talk_b, 5, 5, false).await;

    let eid = w.event_id.to_string();
    let (status, json) = app
        .call_json(
            &w.org,
            "talks_dashboard",
            &[
                ("event_id", &eid),
                ("track", ""),
                ("kind", ""),
                ("state", ""),
                ("sort", "score"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["title"], "Alpha talk", "sorted by score");
    assert_eq!(lines[0]["score"], "3.50");
    assert_eq!(lines[0]["spread"], "1.00");
    assert_eq!(lines[0]["reviews"], 2);
    assert_eq!(lines[0]["speakers"], "Anna Alpha, Boris Beta");
    assert_eq!(lines[1]["score"], "1.00");
    assert_eq!(lines[1]["reviews"], 1);
    // Fewest reviews first, and a state filter, as the page's GET form asks.
    let (status, html) = page(
        &app,
        &w.org,
        &format!("/e/{eid}/talks?sort=reviews&state=submitted"),
    )
    .await;
    assert_eq!(status, 200);
    let (b, a) = (html.find("Beta talk").unwrap(), html.find("Alpha talk").unwrap());
    assert!(b < a, "fewest reviews first");
    assert!(html.contains("3.50") && html.contains("Apply staged decisions (0)"));
    let (_, html) = page(&app, &w.org, &format!("/e/{eid}/talks?state=accepted")).await;
    assert!(!html.contains("Alpha talk"), "state filter");

    // CSV: organizers 200, members 403.
    let res = w
        .org
        .get(app.url(&format!("/e/{eid}/talks.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(csv.contains(&format!("{talk_a},Alpha talk,Anna Alpha; Boris Beta,submitted,")));
    assert!(csv.contains(",2,3.50,1.00\r\n"));
    let (status, _) = page(&app, &bystander, &format!("/e/{eid}/talks.csv")).await;
    assert_eq!(status, 403);

    // Stage: accept A, reject B (through the page's forms), then apply twice.
    let from = format!("/e/{eid}/talks");
    for (talk, decision) in [(talk_a, "accept"), (talk_b, "reject")] {
        let res = submit_with(
            &w.org,
            &app.base_url,
            &from,
            "stage_talk_decision",
            &[("talk_id", &talk.to_string()), ("decision", decision)],
        )
        .await;
        assert_eq!(location(&res), from);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'talk_decision'")
            .await,
        0,
        "staging mails nobody"
    );
    let (_, html) = page(&app, &w.org, &from).await;
    assert!(html.contains("Apply staged decisions (2)"));
    // The count is over the whole event, whatever the filter shows.
    let (_, html) = page(&app, &w.org, &format!("{from}?state=accepted")).await;
    assert!(html.contains("Apply staged decisions (2)") && !html.contains("Alpha talk"));
    assert_eq!(
        sbor_domain::reviews::staged_count(&app.db, &w.organizer, w.event_id)
            .await
            .unwrap(),
        2
    );
    assert!(matches!(
        sbor_domain::reviews::staged_count(&app.db, &r1, w.event_id).await,
        Err(sbor_domain::DomainError::Forbidden)
    ));
    for _ in 0..2 {
        let res = submit_with(
            &w.org,
            &app.base_url,
            &from,
            "apply_talk_decisions",
            &[("event_id", &eid)],
        )
        .await;
        assert_eq!(location(&res), from);
    }
    // Concurrent presses too.
    let apply_fields = [("event_id", eid.as_str())];
    let (x, y) = tokio::join!(
        app.call_json(&w.org, "apply_talk_decisions", &apply_fields),
        app.call_json(&w.org, "apply_talk_decisions", &apply_fields),
    );
    assert!(x.0 < 500 && y.0 < 500);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'talk_decision'")
            .await,
        3,
        "one decision mail per speaker: Anna and Boris (accepted), Vera (rejected)"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talks WHERE id = {talk_a} AND state = 'accepted'"
        ))
        .await,
        1
    );
    for (to, needle) in [
        ("anna@example.org", "Alpha talk"),
        ("boris@example.org", "Alpha talk"),
        ("vera@example.org", "Beta talk"),
    ] {
        app.mail_about(to, needle).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for to in ["anna@example.org", "boris@example.org", "vera@example.org"] {
        let decisions = app
            .smtp
            .messages_to(to)
            .into_iter()
            .filter(|m| m.subject().contains("talk"))
            .filter(|m| !m.subject().to_lowercase().contains("received"))
            .count();
        assert_eq!(decisions, 1, "{to} got exactly one decision mail");
    }
    // Staging a decision on a talk that is already decided is refused.
    let res = submit_with(
        &w.org,
        &app.base_url,
        &from,
        "stage_talk_decision",
        &[("talk_id", &talk_b.to_string()), ("decision", "accept")],
    )
    .await;
    assert!(location(&res).contains("__err"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM talks WHERE id = {talk_b} AND staged_decision IS NULL"
        ))
        .await,
        1,
        "nothing staged"
    );

    // An announcement to the accepted speakers reaches exactly Anna and Boris.
    let (_, html) = page(&app, &w.org, "/c/rustconf/announcements").await;
    let audience = format!("speakers:{eid}:accepted");
    assert!(
        html.contains(&audience),
        "the composer offers the speakers audience"
    );
    let res = submit_with(
        &w.org,
        &app.base_url,
        "/c/rustconf/announcements",
        "create_announcement",
        &[
            ("community_id", &w.community_id.to_string()),
            ("subject", "Speaker dinner"),
            ("body", "See you at the **dinner**."),
            ("sender_name", ""),
            ("reply_to", ""),
            ("audience", &audience),
        ],
    )
    .await;
    let to = location(&res);
    let ann: i64 = to
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{to}"));
    let res = submit_with(
        &w.org,
        &app.base_url,
        &to,
        "announcement_action",
        &[("id", &ann.to_string()), ("action", "send")],
    )
    .await;
    assert!(!location(&res).contains("__err"), "{}", location(&res));
    app.mail_about("anna@example.org", "Speaker dinner").await;
    app.mail_about("boris@example.org", "Speaker dinner").await;
    app.wait_until(
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {ann} AND status = 'sent'"),
        2,
    )
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE announcement_id = {ann}"
        ))
        .await,
        2
    );
    for other in [
        "vera@example.org",
        "bystander@example.org",
        "r1@example.org",
        "org@example.org",
    ] {
        assert!(
            !app.smtp
                .messages_to(other)
                .iter()
                .any(|m| m.subject().contains("Speaker dinner")),
            "{other} is not an accepted speaker"
        );
    }

    // An organizer who speaks on a talk reads none of its numbers: not in the dashboard's
    // JSON, not on the page, not in the CSV (R1's review of Beta is still there).
    sqlx::query("INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, 3)")
        .bind(talk_b)
        .bind(w.organizer.id)
        .execute(app.db.write())
        .await
        .unwrap();
    let (status, json) = app
        .call_json(
            &w.org,
            "talks_dashboard",
            &[
                ("event_id", &eid),
                ("track", ""),
                ("kind", ""),
                ("state", ""),
                ("sort", "score"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let lines = v["lines"].as_array().unwrap();
    let line = |title: &str| lines.iter().find(|l| l["title"] == title).unwrap().clone();
    let beta = line("Beta talk");
    assert_eq!(
        (&beta["score"], &beta["spread"], &beta["reviews"], &beta["own"]),
        (
            &serde_json::json!(""),
            &serde_json::json!(""),
            &serde_json::json!(0),
            &serde_json::json!(true)
        ),
        "{json}"
    );
    let alpha = line("Alpha talk");
    assert_eq!(
        (&alpha["score"], &alpha["own"]),
        (&serde_json::json!("3.50"), &serde_json::json!(false))
    );
    let (_, html) = page(&app, &w.org, &from).await;
    let row = &html[html.find(&format!("data-talk=\"{talk_b}\"")).expect("Beta's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(!row.contains("1.00"), "{row}");
    let csv = w
        .org
        .get(app.url(&format!("/e/{eid}/talks.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let beta_csv = csv
        .split("\r\n")
        .find(|l| l.starts_with(&format!("{talk_b},Beta talk,")))
        .expect("Beta in the CSV");
    assert!(
        beta_csv.ends_with(",,,"),
        "reviews, score and spread blank: {beta_csv}"
    );
    assert!(
        csv.contains(",2,3.50,1.00\r\n"),
        "the other talk keeps its numbers"
    );
    let _ = r2;
}

async fn bystander_id(app: &TestApp) -> i64 {
    app.count("SELECT id FROM users WHERE email = 'bystander@example.org'")
        .await
}
