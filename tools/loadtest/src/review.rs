//! `review`: the organizers' review dashboard under load.
//!
//! Seeds one new event of the `load` community with a CfP (3 weighted review categories, 4
//! tracks, 2 session types), `talks` submitted talks (one speaker each), `reviewers` assigned
//! reviewers and `reviews` submitted reviews with a score in every category, then runs the
//! `page` measurement on `/e/ID/talks` with a session of the organizer (closed loop,
//! `concurrency` keep-alive connections).
//!
//! The CfP, categories, tracks, session types and reviewers go through `sbor_domain`; the
//! talks and reviews themselves are bulk-inserted with SQL (going through `talks::act` would
//! queue 500 "submission received" mails the measurement does not care about). The rows are
//! those the rules layer writes: state `submitted`, `submitted = 1`, one score per category.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use serde_json::json;
use sqlx::Row;

use sbor_domain::accounts::{self, Site};
use sbor_domain::communities;
use sbor_domain::{Db, DomainError, Lang, cfp, clock, reviews, sessions};

use crate::page;
use crate::prepare::{community_input, create_event, insert_users, load_user_ids};

pub struct Options {
    pub database_url: String,
    pub base_url: String,
    pub talks: usize,
    pub reviews: usize,
    pub reviewers: usize,
    pub concurrency: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub timeout: Duration,
    pub server_pid: Option<u32>,
    pub seed_only: bool,
}

const BATCH: usize = 200;

pub async fn run(o: Options) -> anyhow::Result<bool> {
    ensure!(
        o.talks >= 1 && o.reviewers >= 1,
        "--talks and --reviewers must be at least 1"
    );
    ensure!(
        o.reviews <= o.talks * o.reviewers,
        "--reviews ({}) exceeds one review per talk and reviewer ({})",
        o.reviews,
        o.talks * o.reviewers
    );
    let started = Instant::now();
    let db = Db::connect(&o.database_url, 8)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("migrating")?;
    let site = Site {
        base_url: o.base_url.clone(),
    };
    let people = o.talks + o.reviewers;
    insert_users(&db, people).await?;
    let ids = load_user_ids(&db, people).await?;
    let (speakers, reviewer_ids) = ids.split_at(o.talks);

    let (admin, _) = accounts::create_admin(&db, &site, "loadadmin@example.org", None).await?;
    let community = match communities::by_slug(&db, "load").await {
        Ok(c) => c,
        Err(DomainError::NotFound) => communities::create(&db, &admin, community_input()).await?,
        Err(e) => return Err(e.into()),
    };
    let day = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let event_id = create_event(&db, &admin, community.id, &day, "Load test: review dashboard", "").await?;
    let now = clock::now();
    cfp::set(
        &db,
        &admin,
        event_id,
        cfp::CfpInput {
            opens_at: now - clock::DAY,
            closes_at: now + 30 * clock::DAY,
            description: "Load test CfP",
            languages: vec![Lang::En, Lang::Ru],
            levels: cfp::Level::ALL.to_vec(),
            anonymous_review: false,
            late_edits: false,
            confirm_days: 7,
        },
    )
    .await?;
    let mut categories = Vec::new();
    for (name, weight) in [("Content", 3), ("Relevance", 2), ("Delivery", 1)] {
        categories.push(
            reviews::add_category(&db, &admin, event_id, name, weight)
                .await?
                .id,
        );
    }
    let mut tracks = Vec::new();
    for (name, colour) in [
        ("Systems", "#3366cc"),
        ("Web", "#cc6633"),
        ("Data", "#33aa66"),
        ("Culture", "#aa33aa"),
    ] {
        tracks.push(cfp::add_track(&db, &admin, event_id, name, colour).await?.id);
    }
    let mut types = Vec::new();
    for (name, minutes) in [("Talk", 40), ("Lightning", 10)] {
        let input = cfp::SessionTypeInput {
            name,
            minutes,
            deadline: None,
        };
        types.push(cfp::add_session_type(&db, &admin, event_id, input).await?.id);
    }
    for i in 0..o.reviewers {
        let email = format!("load{}@example.org", o.talks + i);
        reviews::assign_reviewer(&db, &admin, event_id, &email, &[]).await?;
    }

    // Talks, one speaker each.
    let mut talk_ids = Vec::with_capacity(o.talks);
    let mut tx = db.write().begin().await?;
    for start in (0..o.talks).step_by(BATCH) {
        let end = (start + BATCH).min(o.talks);
        let mut sql = String::from(
            "INSERT INTO talks (community_id, event_id, owner_id, title, summary, description, session_type_id, \
               track_id, language, level, state, submitted_at, created_at, updated_at) VALUES ",
        );
        for (k, i) in (start..end).enumerate() {
            if k > 0 {
                sql.push_str(", ");
            }
            // Our own numbers; only the texts are bound.
            sql.push_str(&format!(
                "({}, {event_id}, {}, ${}, ${}, '', {}, {}, 'en', 'intermediate', 'submitted', {now}, {now}, {now})",
                community.id,
                speakers[i],
                2 * k + 1,
                2 * k + 2,
                types[i % types.len()],
                tracks[i % tracks.len()],
            ));
        }
        sql.push_str(" RETURNING id");
        let mut q = sqlx::query(&sql);
        for i in start..end {
            q = q
                .bind(format!("Load talk {i}: what we learned"))
                .bind("An abstract of a realistic length, about what happened and why it matters.");
        }
        for row in q.fetch_all(&mut *tx).await? {
            talk_ids.push(row.try_get::<i64, _>("id")?);
        }
        let values: Vec<String> = (start..end)
            .map(|i| format!("({}, {}, {now})", talk_ids[i], speakers[i]))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES {}",
            values.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
    }
    // Reviews: review r is of talk r % talks by reviewer (talk + r / talks) % reviewers, so no
    // reviewer reviews a talk twice; scores are a fixed spread over 0..=5.
    for start in (0..o.reviews).step_by(BATCH) {
        let end = (start + BATCH).min(o.reviews);
        let pairs: Vec<(usize, usize)> = (start..end)
            .map(|r| {
                let t = r % o.talks;
                (t, (t + r / o.talks) % o.reviewers)
            })
            .collect();
        let values: Vec<String> = pairs
            .iter()
            .map(|(t, rv)| {
                format!(
                    "({}, {}, 'Load review', 1, {now}, {now})",
                    talk_ids[*t], reviewer_ids[*rv]
                )
            })
            .collect();
        let rows = sqlx::query(&format!(
            "INSERT INTO reviews (talk_id, reviewer_id, comment, submitted, created_at, updated_at) VALUES {} \
             RETURNING id",
            values.join(", ")
        ))
        .fetch_all(&mut *tx)
        .await?;
        let mut scores = Vec::new();
        for (row, (t, rv)) in rows.iter().zip(&pairs) {
            let review_id: i64 = row.try_get("id")?;
            for (c, category) in categories.iter().enumerate() {
                scores.push(format!("({review_id}, {category}, {})", (t * 7 + rv * 3 + c) % 6));
            }
        }
        sqlx::query(&format!(
            "INSERT INTO review_scores (review_id, category_id, score) VALUES {}",
            scores.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let token = sessions::create(&db, admin.id).await?;
    let path = format!("/e/{event_id}/talks");
    eprintln!(
        "seeded event {event_id}: {} talks, {} reviews by {} reviewers in {:.1} s",
        o.talks,
        o.reviews,
        o.reviewers,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        json!({"mode": "review-seed", "event": event_id, "path": path, "talks": o.talks, "reviews": o.reviews})
    );
    if o.seed_only {
        return Ok(true);
    }
    page::run(page::Options {
        base_url: o.base_url,
        // The CSV link is on the dashboard only (not on the "forbidden" page), in every language.
        expect: Some(format!("/e/{event_id}/talks.csv")),
        path,
        compare: None,
        concurrency: o.concurrency,
        duration: o.duration,
        warmup: o.warmup,
        timeout: o.timeout,
        server_pid: o.server_pid,
        session: Some(token),
    })
    .await
}
