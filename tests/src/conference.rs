//! Fixtures for the conference schedule tests: a published multi-day conference in Moscow
//! and confirmed talks, written the way the rules layer would have left them.

use sbor_domain::Db;
use sbor_domain::accounts::User;
use sbor_domain::clock::{self, DAY};
use sqlx::Row;

/// A new community `slug` organized by `organizer` with a published conference from
/// `days_ahead` days from now, `days` days long, `from`–`to` (local `HH:MM`) in Moscow.
/// Returns (community id, event id, the first day's local date `YYYY-MM-DD`).
pub async fn published_conference(
    db: &Db,
    organizer: &User,
    slug: &str,
    days_ahead: i64,
    days: i64,
    (from, to): (&str, &str),
) -> (i64, i64, String) {
    let c = sbor_domain::communities::create(
        db,
        organizer,
        sbor_domain::communities::CommunityInput {
            slug,
            name: slug,
            time_zone: "Europe/Moscow",
            lang: "en",
            ..Default::default()
        },
    )
    .await
    .expect("community");
    let local = |d: i64| clock::to_datetime(clock::now() + d * DAY).with_timezone(&chrono_tz::Europe::Moscow);
    let (first, last) = (local(days_ahead), local(days_ahead + days - 1));
    let e = sbor_domain::events::create(
        db,
        organizer,
        c.id,
        sbor_domain::events::EventInput {
            title: "Conf 2027",
            starts_local: &format!("{}T{from}", first.format("%Y-%m-%d")),
            ends_local: &format!("{}T{to}", last.format("%Y-%m-%d")),
            time_zone: "Europe/Moscow",
            venue_name: "Expo",
            ..Default::default()
        },
    )
    .await
    .expect("event");
    sbor_domain::events::publish(db, organizer, e.id)
        .await
        .expect("publish");
    (c.id, e.id, first.format("%Y-%m-%d").to_string())
}

/// A confirmed talk of the event by `speaker`, `minutes` long, with this `summary`.
pub async fn confirmed_talk(
    db: &Db,
    (community_id, event_id): (i64, i64),
    speaker: &User,
    title: &str,
    summary: &str,
    minutes: i64,
) -> i64 {
    let now = clock::now();
    let id: i64 = sqlx::query(
        "INSERT INTO talks (community_id, event_id, owner_id, title, summary, state, minutes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7, $7) RETURNING id",
    )
    .bind(community_id)
    .bind(event_id)
    .bind(speaker.id)
    .bind(title)
    .bind(summary)
    .bind(minutes)
    .bind(now)
    .fetch_one(db.write())
    .await
    .expect("talk")
    .try_get("id")
    .expect("id");
    sqlx::query("INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(speaker.id)
        .bind(now)
        .execute(db.write())
        .await
        .expect("speaker");
    id
}
