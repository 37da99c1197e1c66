//! `prepare`: fills the server's database with a community big enough to load-test.
//!
//! Accounts and memberships are bulk-inserted with SQL: going through `accounts::sign_up`
//! would hash 10 000 passwords with argon2 (minutes of CPU) and mail 10 000 confirmations,
//! none of which the tests exercise. Everything the tests do measure — the admin, the
//! community, events, RSVPs and sessions — is made through `sbor_domain`, so the rows are
//! exactly what the server itself would have written.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use sbor_domain::accounts::{self, Site, User};
use sbor_domain::communities::{self, CommunityInput};
use sbor_domain::events::{self, EventInput};
use sbor_domain::rsvp::{self, RsvpStatus};
use sbor_domain::{Db, DomainError, clock, sessions};

use crate::stats::{fmt1, print_table, round3};

/// Rows per multi-row INSERT: large enough that 10 000 users take a handful of statements,
/// small enough to stay far below SQLite's and PostgreSQL's bind-parameter limits.
const BATCH: usize = 500;

/// How many domain calls (RSVPs, sessions) run at once. On SQLite they queue for the one
/// writer anyway; on PostgreSQL this matches the pool size.
const WORKERS: usize = 8;

pub struct Options {
    pub database_url: String,
    pub base_url: String,
    pub members: usize,
    pub rsvps: usize,
    pub storm_members: usize,
    pub storm_capacity: i64,
    pub storm_events: usize,
    pub out: std::path::PathBuf,
}

/// What `prepare` hands to `page` and `storm`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokensFile {
    /// The event whose page is loaded (many RSVPs, unlimited capacity).
    pub page_event: i64,
    /// The first fresh event for an RSVP storm (`storm_events[0]`).
    pub storm_event: i64,
    /// Every fresh storm event, so one `prepare` serves several storms.
    #[serde(default)]
    pub storm_events: Vec<i64>,
    /// Session cookie secrets of the storm members, in user order.
    pub tokens: Vec<String>,
    /// `user_ids[i]` is the account behind `tokens[i]`.
    #[serde(default)]
    pub user_ids: Vec<i64>,
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    ensure!(
        o.rsvps <= o.members,
        "--rsvps ({}) exceeds --members ({})",
        o.rsvps,
        o.members
    );
    ensure!(
        o.storm_members <= o.members,
        "--storm-members ({}) exceeds --members ({})",
        o.storm_members,
        o.members
    );
    ensure!(o.storm_events >= 1, "--storm-events must be at least 1");
    let started = Instant::now();
    let db = Db::connect(&o.database_url, WORKERS as u32)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("migrating")?;
    let site = Site {
        base_url: o.base_url.trim_end_matches('/').to_owned(),
    };
    let mut phases: Vec<(&str, f64)> = Vec::new();

    let t = Instant::now();
    insert_users(&db, o.members).await?;
    let user_ids = load_user_ids(&db, o.members).await?;
    phases.push(("users", t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let (admin, _login_link) = accounts::create_admin(&db, &site, "loadadmin@example.org", None).await?;
    let community = match communities::by_slug(&db, "load").await {
        Ok(c) => c,
        Err(DomainError::NotFound) => communities::create(&db, &admin, community_input()).await?,
        Err(e) => return Err(e.into()),
    };
    insert_memberships(&db, community.id, &user_ids).await?;
    phases.push(("memberships", t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let day = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let page_event = create_event(&db, &admin, community.id, &day, "Load test: the page", "").await?;
    let mut storm_events = Vec::with_capacity(o.storm_events);
    for n in 1..=o.storm_events {
        let title = format!("Load test: RSVP storm {n}");
        let capacity = o.storm_capacity.to_string();
        storm_events.push(create_event(&db, &admin, community.id, &day, &title, &capacity).await?);
    }
    phases.push(("events", t.elapsed().as_secs_f64()));

    let t = Instant::now();
    rsvp_all(&db, &site, page_event, &user_ids[..o.rsvps]).await?;
    // The server's mail worker would otherwise spend the first minutes of the measurement
    // writing these confirmations, and the numbers would measure the mailer.
    let dropped = sqlx::query("DELETE FROM outbox WHERE recipient LIKE '%load%@example.org%'")
        .execute(db.write())
        .await?
        .rows_affected();
    phases.push(("rsvps", t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let storm_users = user_ids[..o.storm_members].to_vec();
    let tokens = create_sessions(&db, &storm_users).await?;
    phases.push(("sessions", t.elapsed().as_secs_f64()));

    let file = TokensFile {
        page_event,
        storm_event: storm_events[0],
        storm_events: storm_events.clone(),
        tokens,
        user_ids: storm_users,
    };
    std::fs::write(&o.out, serde_json::to_vec(&file)?)
        .with_context(|| format!("writing {}", o.out.display()))?;
    db.close().await;

    let total = started.elapsed().as_secs_f64();
    eprintln!(
        "prepared: community {} (id {}), page event /e/{page_event}, storm events {storm_events:?}, \
         {} tokens in {}; {dropped} queued mails dropped",
        community.slug,
        community.id,
        o.storm_members,
        o.out.display()
    );
    let mut header = vec!["backend", "members", "rsvps", "sessions"];
    let phase_headers: Vec<String> = phases.iter().map(|(name, _)| format!("{name} s")).collect();
    header.extend(phase_headers.iter().map(String::as_str));
    header.push("total s");
    let mut row = vec![
        format!("{:?}", db.backend()).to_lowercase(),
        o.members.to_string(),
        o.rsvps.to_string(),
        o.storm_members.to_string(),
    ];
    row.extend(phases.iter().map(|(_, s)| fmt1(*s)));
    row.push(fmt1(total));
    print_table(&header, &[row]);
    let phase_json: serde_json::Map<String, serde_json::Value> = phases
        .iter()
        .map(|(name, s)| ((*name).to_owned(), json!(round3(*s))))
        .collect();
    println!(
        "{}",
        json!({
            "mode": "prepare",
            "backend": format!("{:?}", db.backend()).to_lowercase(),
            "members": o.members,
            "rsvps": o.rsvps,
            "sessions": o.storm_members,
            "page_event": page_event,
            "storm_events": storm_events,
            "seconds": phase_json,
            "total_s": round3(total),
        })
    );
    Ok(())
}

pub(crate) fn community_input() -> CommunityInput<'static> {
    CommunityInput {
        slug: "load",
        name: "Load Test",
        description: "A community of generated accounts for load tests. **Not** real people.",
        logo_url: "",
        links: "",
        time_zone: "Europe/Moscow",
        lang: "en",
    }
}

/// A published event on `day` (19:00–21:00 Moscow time; Moscow has no DST, so the local
/// times are never ambiguous). `capacity` empty means unlimited.
pub(crate) async fn create_event(
    db: &Db,
    admin: &User,
    community_id: i64,
    day: &str,
    title: &str,
    capacity: &str,
) -> anyhow::Result<i64> {
    let starts = format!("{day}T19:00");
    let ends = format!("{day}T21:00");
    let event = events::create(
        db,
        admin,
        community_id,
        EventInput {
            title,
            description: EVENT_DESCRIPTION,
            starts_local: &starts,
            ends_local: &ends,
            time_zone: "Europe/Moscow",
            venue_name: "Loft on Pyatnitskaya",
            venue_address: "Pyatnitskaya 3, Moscow",
            map_url: "",
            online_url: "",
            cover_url: "",
            capacity,
            max_guests: "2",
            approval_required: false,
            rsvp_opens_local: "",
            rsvp_closes_local: "",
            remind_24h: true,
            remind_2h: true,
            offer_hours: "",
        },
    )
    .await?;
    events::publish(db, admin, event.id).await?;
    Ok(event.id)
}

/// A description of realistic length with the Markdown features the page renders.
const EVENT_DESCRIPTION: &str = "\
## What

An evening of **short talks** and long conversations. Three speakers, 15 minutes each, then \
questions and tea.

## Programme

1. *Rust in production*: what broke and what did not
2. Databases under load: SQLite vs PostgreSQL
3. Lightning talks: sign up at the door

## Bring

- yourself and up to two friends
- a laptop if you want to follow along

More at [the community page](https://example.org/c/load). Doors open at 18:30.
";

/// Inserts `members` confirmed accounts without passwords in one transaction, `BATCH` rows
/// per statement. Existing addresses are left alone, so `prepare` can be run twice.
pub(crate) async fn insert_users(db: &Db, members: usize) -> anyhow::Result<()> {
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    for start in (0..members).step_by(BATCH) {
        let end = (start + BATCH).min(members);
        let mut sql = String::from(
            "INSERT INTO users (email, display_name, lang, time_zone, bio, email_confirmed_at, created_at) VALUES ",
        );
        for (k, _) in (start..end).enumerate() {
            if k > 0 {
                sql.push_str(", ");
            }
            // The constant columns are our own literals; only the varying ones are bound.
            sql.push_str(&format!(
                "(${}, ${}, 'en', 'Europe/Moscow', '', {now}, {now})",
                2 * k + 1,
                2 * k + 2
            ));
        }
        sql.push_str(" ON CONFLICT (email) DO NOTHING");
        let mut q = sqlx::query(&sql);
        for i in start..end {
            q = q
                .bind(format!("load{i}@example.org"))
                .bind(format!("Load Tester {i}"));
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The ids of `load0@…` … `load{members-1}@…`, index = the number in the address.
pub(crate) async fn load_user_ids(db: &Db, members: usize) -> anyhow::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id, email FROM users WHERE email LIKE 'load%@example.org'")
        .fetch_all(db.read())
        .await?;
    let mut ids = vec![0i64; members];
    for row in rows {
        let email: String = row.try_get("email")?;
        let number = email
            .strip_prefix("load")
            .and_then(|r| r.strip_suffix("@example.org"));
        if let Some(i) = number.and_then(|n| n.parse::<usize>().ok())
            && i < members
        {
            ids[i] = row.try_get("id")?;
        }
    }
    if let Some(missing) = ids.iter().position(|&id| id == 0) {
        bail!("account load{missing}@example.org is missing after the insert");
    }
    Ok(ids)
}

async fn insert_memberships(db: &Db, community_id: i64, user_ids: &[i64]) -> anyhow::Result<()> {
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    for chunk in user_ids.chunks(BATCH) {
        let values: Vec<String> = (1..=chunk.len())
            .map(|k| format!("({community_id}, ${k}, 'member', {now})"))
            .collect();
        let sql = format!(
            "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES {} \
             ON CONFLICT (community_id, user_id) DO NOTHING",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Runs `f` for every item with [`WORKERS`] tasks pulling from a shared index.
async fn for_each_concurrently<T, R, F, Fut>(items: Arc<Vec<T>>, f: F) -> anyhow::Result<Vec<R>>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
    F: Fn(usize, Arc<Vec<T>>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<R>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(WORKERS);
    for _ in 0..WORKERS {
        let (items, next, f) = (items.clone(), next.clone(), f.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= items.len() {
                    return anyhow::Ok(done);
                }
                done.push((i, f(i, items.clone()).await?));
            }
        }));
    }
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for task in tasks {
        for (i, r) in task.await?? {
            results[i] = Some(r);
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every index was taken once"))
        .collect())
}

/// Everyone in `user_ids` says yes, through the same rule the server uses.
async fn rsvp_all(db: &Db, site: &Site, event_id: i64, user_ids: &[i64]) -> anyhow::Result<()> {
    let (db, site) = (db.clone(), site.clone());
    let statuses = for_each_concurrently(Arc::new(user_ids.to_vec()), move |i, ids| {
        let (db, site) = (db.clone(), site.clone());
        async move {
            let user = accounts::get(&db, ids[i]).await?;
            let outcome = rsvp::respond(&db, &site, &user, event_id, true, 0).await?;
            Ok(outcome.status)
        }
    })
    .await?;
    if let Some(s) = statuses.iter().find(|s| **s != RsvpStatus::Going) {
        bail!("an RSVP to the unlimited page event came out {}", s.code());
    }
    Ok(())
}

async fn create_sessions(db: &Db, user_ids: &[i64]) -> anyhow::Result<Vec<String>> {
    let db = db.clone();
    for_each_concurrently(Arc::new(user_ids.to_vec()), move |i, ids| {
        let db = db.clone();
        async move { Ok(sessions::create(&db, ids[i]).await?) }
    })
    .await
}
