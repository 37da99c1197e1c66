//! `schedule`: the public schedule of a big conference under load.
//!
//! Seeds a new three-day event of the `load` community (09:00–19:00 Moscow, lunch 13:00–14:00,
//! 6 rooms, 8 tracks) with `talks` confirmed talks shaped like `sbor_domain::schedule::sample`
//! (lengths, tracks, one speaker each), lets "Fill the schedule" place them and publishes the
//! result, then runs the `page` measurement (anonymous, closed loop, `concurrency` keep-alive
//! connections) on the public page `/e/ID/schedule` and on `/e/ID/schedule.json`.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use serde_json::json;
use sqlx::Row;

use sbor_domain::accounts::{self, Site};
use sbor_domain::events::{self, EventInput};
use sbor_domain::schedule::plan::Window;
use sbor_domain::schedule::publish;
use sbor_domain::schedule::sample::{self, Shape};
use sbor_domain::schedule::store::{self, Filled};
use sbor_domain::{Db, DomainError, cfp, clock, communities};

use crate::page;
use crate::prepare::{community_input, insert_users, load_user_ids};

pub struct Options {
    pub database_url: String,
    pub base_url: String,
    pub talks: usize,
    pub concurrency: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub timeout: Duration,
    pub server_pid: Option<u32>,
    pub seed_only: bool,
}

pub async fn run(o: Options) -> anyhow::Result<bool> {
    ensure!(o.talks >= 1, "--talks must be at least 1");
    let started = Instant::now();
    let db = Db::connect(&o.database_url, 8)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("migrating")?;
    let site = Site {
        base_url: o.base_url.clone(),
    };
    insert_users(&db, o.talks).await?;
    let speakers = load_user_ids(&db, o.talks).await?;
    let (admin, _) = accounts::create_admin(&db, &site, "loadadmin@example.org", None).await?;
    let community = match communities::by_slug(&db, "load").await {
        Ok(c) => c,
        Err(DomainError::NotFound) => communities::create(&db, &admin, community_input()).await?,
        Err(e) => return Err(e.into()),
    };
    let first = chrono::Utc::now() + chrono::Duration::days(90);
    let day = |d: i64| (first + chrono::Duration::days(d)).format("%Y-%m-%d").to_string();
    let event = events::create(
        &db,
        &admin,
        community.id,
        EventInput {
            title: "Load test: conference schedule",
            starts_local: &format!("{}T09:00", day(0)),
            ends_local: &format!("{}T19:00", day(2)),
            time_zone: "Europe/Moscow",
            venue_name: "Expo",
            ..Default::default()
        },
    )
    .await?;
    events::publish(&db, &admin, event.id).await?;
    let event_id = event.id;
    store::save_settings(&db, &admin, event_id, 5, "09:00", "19:00").await?;
    for (i, seats) in [500, 300, 200, 150, 120, 100].into_iter().enumerate() {
        store::add_room(&db, &admin, event_id, &format!("Room {}", i + 1), Some(seats)).await?;
    }
    let days = store::draft(&db, &admin, event_id).await?.days;
    for d in &days {
        let lunch = d.window.start + 4 * clock::HOUR;
        store::add_block(
            &db,
            &admin,
            event_id,
            None,
            Window::new(lunch, lunch + clock::HOUR),
            "Lunch",
        )
        .await?;
    }
    let mut tracks = Vec::new();
    for i in 0..8 {
        tracks.push(
            cfp::add_track(&db, &admin, event_id, &format!("Track {}", i + 1), "#3366cc")
                .await?
                .id,
        );
    }
    let shape = sample::conference(
        &Shape {
            talks: o.talks,
            rooms: 6,
            days: 3,
            tracks: 8,
        },
        1,
    );
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    for (i, t) in shape.talks.iter().enumerate() {
        let id: i64 = sqlx::query(
            "INSERT INTO talks (community_id, event_id, owner_id, title, summary, track_id, language, state, minutes, \
               submitted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'en', 'confirmed', $7, $8, $8, $8) \
             RETURNING id",
        )
        .bind(community.id)
        .bind(event_id)
        .bind(speakers[i])
        .bind(format!("Load talk {i}: what we learned"))
        .bind("An abstract of a realistic length, about what happened and why it matters.")
        .bind(t.track_id.map(|k| tracks[(k as usize - 1) % tracks.len()]))
        .bind(t.length / clock::MINUTE)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        sqlx::query("INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(speakers[i])
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let solve_started = Instant::now();
    let filled = store::fill(&db, &admin, event_id).await?;
    let solve_ms = solve_started.elapsed().as_secs_f64() * 1e3;
    ensure!(matches!(filled, Filled::Solved { .. }), "no schedule: {filled:?}");
    let published = publish::publish(&db, &site, &admin, event_id, "Load", false)
        .await?
        .map_err(|c| anyhow::anyhow!("conflicts: {c:?}"))?;
    let page_path = format!("/e/{event_id}/schedule");
    let json_path = format!("/e/{event_id}/schedule.json");
    eprintln!(
        "seeded event {event_id}: {} talks placed and published as version {} in {:.1} s (fill with the database: {solve_ms:.0} ms)",
        o.talks,
        published.version.number,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        json!({"mode": "schedule-seed", "event": event_id, "talks": o.talks, "fill_ms": solve_ms})
    );
    if o.seed_only {
        return Ok(true);
    }
    let mut passed = true;
    for (path, expect) in [(page_path, "Load talk 0:"), (json_path, "\"conference\"")] {
        passed &= page::run(page::Options {
            base_url: o.base_url.clone(),
            expect: Some(expect.to_owned()),
            path,
            compare: None,
            concurrency: o.concurrency,
            duration: o.duration,
            warmup: o.warmup,
            timeout: o.timeout,
            server_pid: o.server_pid,
            session: None,
        })
        .await?;
    }
    Ok(passed)
}
