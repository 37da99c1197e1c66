//! `announce`: one announcement to N members through a local SMTP sink, with the server as a
//! child process. Reports messages per second, the time until the first message leaves, the
//! server's peak memory, and the event page's latency while the send runs next to idle.
//!
//! The sink ([`smtp_sink`]) runs in this process, so the measurement is the server's sending,
//! not a mail server's storage.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use sbor_domain::Db;
use sbor_domain::accounts::Site;

use crate::rss::RssSampler;
use crate::smtp_sink;
use crate::stats::{Summary, fmt_ms, fmt1, micros, print_table};

pub struct Options {
    pub server: std::path::PathBuf,
    pub database_url: String,
    pub recipients: usize,
    /// MAIL_RATE for the server (None: unlimited).
    pub mail_rate: Option<String>,
    pub smtp_concurrency: Option<String>,
}

/// A community with `n` members, an organizer (returned with a session token) and one
/// published event for the page measurements.
async fn prepare(db: &Db, n: usize) -> anyhow::Result<(i64, i64, String)> {
    let site = Site {
        base_url: "http://127.0.0.1".into(),
    };
    let (admin, _) =
        sbor_domain::accounts::create_admin(db, &site, "bench@example.org", Some("Bench")).await?;
    sqlx::query(
        "INSERT INTO communities (slug, name, time_zone, created_at) VALUES ('bench', 'Bench', 'UTC', 1)",
    )
    .execute(db.write())
    .await?;
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE slug = 'bench'")
        .fetch_one(db.read())
        .await?;
    for start in (0..n).step_by(500) {
        let values = (start..(start + 500).min(n))
            .map(|i| format!("('a{i}@example.org', 'A{i}', 'en', 'UTC', '', 1, 1)"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "INSERT INTO users (email, display_name, lang, time_zone, bio, email_confirmed_at, created_at) VALUES {values}"
        ))
        .execute(db.write())
        .await?;
    }
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) \
         SELECT $1, id, 'member', 1 FROM users WHERE email LIKE 'a%@example.org'",
    )
    .bind(community)
    .execute(db.write())
    .await?;
    let day = sbor_domain::clock::DAY;
    let now = sbor_domain::clock::now();
    let event: i64 = sqlx::query_scalar(
        "INSERT INTO events (community_id, title, description, starts_at, ends_at, time_zone, status, created_at, updated_at) \
         VALUES ($1, 'Bench event', 'A **page** to measure.', $2, $3, 'UTC', 'published', $4, $4) RETURNING id",
    )
    .bind(community)
    .bind(now + 10 * day)
    .bind(now + 10 * day + day / 12)
    .bind(now)
    .fetch_one(db.write())
    .await?;
    let token = sbor_domain::sessions::create(db, admin.id).await?;
    Ok((community, event, token))
}

/// Closed-loop GETs of `url` on `conns` connections until `stop`; latencies in µs.
async fn page_load(url: String, conns: usize, stop: Arc<AtomicBool>) -> Vec<u64> {
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (url, stop) = (url.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = crate::page::one_connection_client(Duration::from_secs(30), None).expect("client");
            let mut lat = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if let Ok(r) = client.get(&url).send().await
                    && r.status().is_success()
                    && r.bytes().await.is_ok()
                {
                    lat.push(micros(t.elapsed()));
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    all
}

async fn measure_page(url: &str, duration: Duration) -> Summary {
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(page_load(url.to_owned(), 8, stop.clone()));
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat = load.await.unwrap_or_default();
    Summary::of_micros(&mut lat)
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let db = Db::connect(&o.database_url, 4).await.context("connecting")?;
    db.migrate().await?;
    eprintln!("announce: preparing {} members", o.recipients);
    let (community, event, token) = prepare(&db, o.recipients).await?;
    let t0 = Instant::now();
    let (smtp_port, sink) = smtp_sink::start(0, t0).await?;
    let data = std::env::temp_dir().join(format!("sbor-announce-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let mut cmd = tokio::process::Command::new(&o.server);
    cmd.env("DATABASE_URL", &o.database_url)
        .env("DATA_DIR", &data)
        .env("BIND", "127.0.0.1:0")
        .env("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true);
    if let Some(r) = &o.mail_rate {
        cmd.env("MAIL_RATE", r);
    }
    if let Some(c) = &o.smtp_concurrency {
        cmd.env("SMTP_CONCURRENCY", c);
    }
    let mut server = cmd.spawn().context("starting the server")?;
    let mut out = BufReader::new(server.stdout.take().context("stdout")?).lines();
    let line = out.next_line().await?.context("the server printed nothing")?;
    let base = line
        .trim()
        .strip_prefix("Sbor is running at ")
        .context("unexpected first line")?
        .to_owned();
    let pid = server.id().context("server pid")?;
    let page_url = format!("{base}/e/{event}");

    eprintln!("announce: idle event page, 5 s");
    let idle = measure_page(&page_url, Duration::from_secs(5)).await;

    let rss = RssSampler::start(pid)?;
    let input = sbor_domain::announcements::Input {
        subject: "Benchmark",
        body: "Hello **everyone**: this is the benchmark announcement.\n\nSee you on Thursday.",
        sender_name: "",
        reply_to: "",
        audience: "members",
        public: false,
    };
    let admin = sbor_domain::accounts::get(
        &db,
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'bench@example.org'")
            .fetch_one(db.read())
            .await?,
    )
    .await?;
    let id = sbor_domain::announcements::create(&db, &admin, community, input).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let during = tokio::spawn(page_load(page_url.clone(), 8, stop.clone()));
    let sent_at = Instant::now();
    let base_us = micros(t0.elapsed());
    let res = client
        .post(format!("{base}/api/announcement_action"))
        .header("Origin", &base)
        .header("Cookie", format!("sbor_session={token}"))
        .form(&[("id", id.to_string()), ("action", "send".into())])
        .send()
        .await?;
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    anyhow::ensure!(
        (status.is_success() || status.is_redirection())
            && !body.contains("Refused")
            && !body.contains("Field"),
        "send refused: {status} {body}"
    );
    let total = o.recipients as u64;
    let deadline = Instant::now() + Duration::from_secs(1800);
    while sink.messages.load(Ordering::Relaxed) < total {
        anyhow::ensure!(
            Instant::now() < deadline,
            "not all messages arrived within 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = sent_at.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut during_lat = during.await.unwrap_or_default();
    let during = Summary::of_micros(&mut during_lat);
    let rss = rss.finish();
    let first_ms = (sink.first_us.load(Ordering::Relaxed).saturating_sub(base_us)) as f64 / 1000.0;
    let rate = total as f64 / wall.as_secs_f64();
    let _ = server.kill().await;
    let _ = std::fs::remove_dir_all(&data);

    print_table(
        &[
            "recipients",
            "MAIL_RATE",
            "wall s",
            "msg/s",
            "first message ms",
            "server RSS start MiB",
            "server RSS max MiB",
            "page p50 idle ms",
            "page p99 idle ms",
            "page p50 sending ms",
            "page p99 sending ms",
        ],
        &[vec![
            total.to_string(),
            o.mail_rate.clone().unwrap_or_else(|| "unlimited".into()),
            fmt1(wall.as_secs_f64()),
            fmt1(rate),
            fmt1(first_ms),
            fmt1(rss.start_kib as f64 / 1024.0),
            fmt1(rss.max_kib as f64 / 1024.0),
            fmt_ms(idle.p50_ms),
            fmt_ms(idle.p99_ms),
            fmt_ms(during.p50_ms),
            fmt_ms(during.p99_ms),
        ]],
    );
    println!(
        "{}",
        json!({
            "mode": "announce", "recipients": total, "mail_rate": o.mail_rate, "wall_s": wall.as_secs_f64(),
            "msgs_per_s": rate, "first_message_ms": first_ms, "rss_start_kib": rss.start_kib,
            "rss_max_kib": rss.max_kib, "page_idle": idle.to_json(), "page_sending": during.to_json(),
        })
    );
    Ok(())
}
