//! `storm`: many members RSVP to one limited event at the same moment, then the database is
//! checked for what must hold under any concurrency: never more seats than capacity, everyone
//! else on the waitlist, and one distinct arrival number per RSVP.
//!
//! Connections are opened before the start (one per worker, with a `GET /healthz`) unless
//! `--cold`: otherwise the first second would measure the kernel's accept queue — a server
//! listens with a backlog of 1024 and 2000 simultaneous SYNs overflow it — instead of the RSVP
//! path. All workers then wait on one barrier so the requests really leave together.
//! Connections stay open until every answer is in, as browsers keep theirs alive: closing
//! the early ones while the rest still wait would put 2,000 TCP teardowns into their wait.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use sqlx::Row;
use tokio::sync::Barrier;

use sbor_domain::Db;

use crate::prepare::TokensFile;
use crate::raw_http;
use crate::rss::{CpuMeter, RssSampler};
use crate::stats::{Summary, fmt_ms, fmt1, micros, print_table, round3};

pub struct Options {
    pub base_url: String,
    pub tokens: std::path::PathBuf,
    pub concurrency: usize,
    pub database_url: Option<String>,
    pub server_pid: Option<u32>,
    /// Which of the prepared storm events to use (0 = the first).
    pub event_index: usize,
    pub event: Option<i64>,
    pub cold: bool,
    pub timeout: Duration,
}

/// One RSVP request and what came back.
struct Answer {
    /// Index into the tokens file.
    index: usize,
    latency_us: u64,
    /// When the answer arrived, µs after the start: the order in which the server answered.
    done_us: u64,
    /// HTTP status, or None when the request itself failed.
    status: Option<u16>,
    body: String,
}

impl Answer {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A check's verdict, printed as a PASS/FAIL line.
struct Check {
    name: String,
    pass: bool,
    detail: String,
}

fn check(checks: &mut Vec<Check>, name: &str, pass: bool, detail: String) {
    checks.push(Check {
        name: name.to_owned(),
        pass,
        detail,
    });
}

pub async fn run(o: Options) -> anyhow::Result<bool> {
    let file: TokensFile = serde_json::from_slice(
        &std::fs::read(&o.tokens).with_context(|| format!("reading {}", o.tokens.display()))?,
    )
    .with_context(|| format!("parsing {}", o.tokens.display()))?;
    let event_id = match o.event {
        Some(id) => id,
        None if file.storm_events.is_empty() && o.event_index == 0 => file.storm_event,
        None => *file.storm_events.get(o.event_index).with_context(|| {
            format!(
                "--event-index {} but the file has {} storm events",
                o.event_index,
                file.storm_events.len()
            )
        })?,
    };
    let total = file.tokens.len();
    anyhow::ensure!(total > 0, "no tokens in {}", o.tokens.display());
    anyhow::ensure!(o.concurrency >= 1, "--concurrency must be at least 1");

    let db = match &o.database_url {
        Some(url) => Some(Db::connect(url, 2).await.context("connecting to the database")?),
        None => None,
    };
    let capacity = match &db {
        Some(db) => {
            let rows = rsvp_rows(db, event_id).await?;
            if rows > 0 {
                bail!(
                    "event {event_id} already has {rows} RSVPs; a storm needs a fresh event (--event-index)"
                );
            }
            sbor_domain::events::get(db, event_id).await?.capacity
        }
        None => None,
    };

    let workers = o.concurrency.min(total);
    eprintln!(
        "storm: {total} RSVPs to event {event_id} (capacity {}), {workers} at a time, {} connections",
        capacity.map_or("?".to_owned(), |c| c.to_string()),
        if o.cold { "cold" } else { "pre-opened" }
    );
    let (answers, wall, rss, server_cores) = fire(&o, &file.tokens, event_id, workers).await?;

    let mut latencies: Vec<u64> = answers.iter().map(|a| a.latency_us).collect();
    let summary = Summary::of_micros(&mut latencies);
    let errors: Vec<&Answer> = answers.iter().filter(|a| !a.ok()).collect();
    for e in errors.iter().take(5) {
        let status = e.status.map_or("no answer".to_owned(), |s| format!("HTTP {s}"));
        eprintln!(
            "error (token #{}): {status}: {}",
            e.index,
            e.body.chars().take(500).collect::<String>()
        );
    }
    let throughput = total as f64 / wall.as_secs_f64();

    // What the answers themselves say, where their JSON names a status.
    let said: Vec<Option<String>> = answers.iter().map(|a| answer_status(&a.body)).collect();
    let mut said_counts: BTreeMap<String, u64> = BTreeMap::new();
    for s in said.iter().flatten() {
        *said_counts.entry(s.clone()).or_default() += 1;
    }

    let mut checks = Vec::new();
    check(
        &mut checks,
        "every request answered 2xx",
        errors.is_empty(),
        format!("{} of {total} failed", errors.len()),
    );
    let not_json = answers
        .iter()
        .filter(|a| a.ok() && serde_json::from_str::<Value>(&a.body).is_err())
        .count();
    check(
        &mut checks,
        "every 2xx answer is JSON",
        not_json == 0,
        format!("{not_json} were not"),
    );
    let mut db_json = Value::Null;
    if let Some(db) = &db {
        db_json = verify(db, event_id, capacity, &file, &answers, &said, &mut checks).await?;
        db.close().await;
    }

    let passed = checks.iter().all(|c| c.pass);
    for c in &checks {
        println!(
            "{}: {} ({})",
            if c.pass { "PASS" } else { "FAIL" },
            c.name,
            c.detail
        );
    }
    println!();
    let rss_mib = rss.map(|r| r.max_kib as f64 / 1024.0);
    print_table(
        &[
            "event",
            "capacity",
            "RSVPs",
            "at once",
            "conns",
            "errors",
            "wall s",
            "RSVP/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "server cores",
            "server RSS MiB max",
            "checks",
        ],
        &[vec![
            event_id.to_string(),
            capacity.map_or("∞".to_owned(), |c| c.to_string()),
            total.to_string(),
            workers.to_string(),
            (if o.cold { "cold" } else { "warm" }).to_owned(),
            errors.len().to_string(),
            format!("{:.2}", wall.as_secs_f64()),
            fmt1(throughput),
            fmt_ms(summary.p50_ms),
            fmt_ms(summary.p90_ms),
            fmt_ms(summary.p99_ms),
            fmt_ms(summary.max_ms),
            server_cores.map_or("–".to_owned(), |c| format!("{c:.2}")),
            rss_mib.map_or("–".to_owned(), |m| format!("{m:.1}")),
            (if passed { "PASS" } else { "FAIL" }).to_owned(),
        ]],
    );
    let mut out = json!({
        "mode": "storm",
        "event": event_id,
        "capacity": capacity,
        "total": total,
        "concurrency": workers,
        "connections": if o.cold { "cold" } else { "warm" },
        "errors": errors.len(),
        "wall_s": round3(wall.as_secs_f64()),
        "rps": round3(throughput),
        "answers_said": said_counts,
        "server_cores": server_cores.map(round3),
        "server_rss_start_kib": rss.map(|r| r.start_kib),
        "server_rss_max_kib": rss.map(|r| r.max_kib),
        "server_rss_end_kib": rss.map(|r| r.end_kib),
        "database": db_json,
        "checks": checks.iter().map(|c| json!({"name": c.name, "pass": c.pass, "detail": c.detail})).collect::<Vec<_>>(),
        "pass": passed,
    });
    if let (Value::Object(m), Value::Object(s)) = (&mut out, summary.to_json()) {
        m.extend(s);
    }
    println!("{out}");
    Ok(passed)
}

type Fired = (Vec<Answer>, Duration, Option<crate::rss::RssReport>, Option<f64>);

/// Sends every RSVP, `workers` at a time, all released by one barrier. Each worker has one
/// connection of the lean client ([`raw_http`]) and its requests are built before the start,
/// so the time measured is the server's, not the load generator's.
async fn fire(o: &Options, tokens: &[String], event_id: i64, workers: usize) -> anyhow::Result<Fired> {
    let host = raw_http::host_port(&o.base_url)?;
    let body = format!("event_id={event_id}&going=true&guests=0");
    let healthz = raw_http::request("GET", &host, "/healthz", &[], b"");
    // What the browser's hydrated client sends: the answer is the server function's JSON,
    // not a redirect meant for a no-JavaScript form.
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        tokens
            .iter()
            .map(|token| {
                let headers = [
                    format!("Origin: {}", o.base_url),
                    format!("Cookie: sbor_session={token}"),
                    "Content-Type: application/x-www-form-urlencoded".to_owned(),
                    "Accept: application/json".to_owned(),
                ];
                raw_http::request("POST", &host, "/api/rsvp", &headers, body.as_bytes())
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    // The main task waits too, so it knows when the workers were released.
    let barrier = Arc::new(Barrier::new(workers + 1));
    // Where workers leave their connections: they are closed once every answer is in.
    let kept = Arc::new(std::sync::Mutex::new(Vec::with_capacity(workers)));
    let start_cell = Arc::new(std::sync::OnceLock::<Instant>::new());
    let mut tasks = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (host, healthz) = (host.clone(), healthz.clone());
        let (requests, next, barrier, kept, start_cell, cold, timeout) = (
            requests.clone(),
            next.clone(),
            barrier.clone(),
            kept.clone(),
            start_cell.clone(),
            o.cold,
            o.timeout,
        );
        tasks.push(tokio::spawn(async move {
            // Opens this worker's connection; a failure here shows up in the RSVP itself.
            let mut conn = None;
            if !cold
                && let Ok(mut c) = raw_http::Conn::open(&host, timeout).await
                && c.send(&healthz).await.is_ok()
            {
                conn = Some(c);
            }
            barrier.wait().await;
            let start = *start_cell.get_or_init(Instant::now);
            let mut answers = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= requests.len() {
                    // Kept open until every answer is in (see the module docs).
                    if let Some(c) = conn
                        && let Ok(mut kept) = kept.lock()
                    {
                        kept.push(c);
                    }
                    return answers;
                }
                let sent = Instant::now();
                let result = match conn.take() {
                    Some(c) => Ok(c),
                    None => raw_http::Conn::open(&host, timeout).await,
                };
                let result = match result {
                    Ok(mut c) => {
                        let answer = c.send(&requests[index]).await;
                        conn = Some(c);
                        answer
                    }
                    Err(e) => Err(e),
                };
                let (status, text) = match result {
                    Ok(a) => (Some(a.status), String::from_utf8_lossy(&a.body).into_owned()),
                    Err(e) => {
                        conn = None;
                        (None, format!("request failed: {e:#}"))
                    }
                };
                let now = Instant::now();
                answers.push(Answer {
                    index,
                    latency_us: micros(now - sent),
                    done_us: micros(now.saturating_duration_since(start)),
                    status,
                    body: text,
                });
            }
        }));
    }
    // Sample from just before the release: memory at rest is the baseline.
    let rss = o.server_pid.map(RssSampler::start).transpose()?;
    let cpu = o.server_pid.and_then(|p| CpuMeter::start(Some(p)));
    barrier.wait().await;
    let start = *start_cell.get_or_init(Instant::now);
    let mut answers = Vec::with_capacity(tokens.len());
    for t in tasks {
        answers.extend(t.await.context("a storm worker panicked")?);
    }
    let wall = start.elapsed();
    let server_cores = cpu.and_then(|m| m.cores());
    let rss = rss.map(RssSampler::finish);
    drop(kept); // the last handle: closes the connections, after everything was measured
    answers.sort_by_key(|a| a.done_us);
    Ok((answers, wall, rss, server_cores))
}

/// The RSVP status an answer names: any JSON string (at any depth) that reads `going`,
/// `waitlisted`, `pending` or `not_going` in any case, so it works whether the server function
/// returns a struct with a `status` field or a bare serde enum (`"Going"`). None when the
/// answer names none or several.
fn answer_status(body: &str) -> Option<String> {
    fn walk(v: &Value, found: &mut HashSet<String>) {
        match v {
            Value::String(s) => {
                let s = s.to_ascii_lowercase().replace('-', "_");
                let s = if s == "notgoing" {
                    "not_going".to_owned()
                } else {
                    s
                };
                if matches!(
                    s.as_str(),
                    "going" | "waitlisted" | "pending" | "not_going" | "declined"
                ) {
                    found.insert(s);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, found)),
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                // A variant with data in an externally tagged enum (`{"Waitlisted": {..}}`)
                // shows up as a key; a plain field such as `"going": true` must not count.
                if matches!(v, Value::Object(_) | Value::Array(_)) {
                    walk(&Value::String(k.clone()), found);
                }
                walk(v, found);
            }),
            _ => {}
        }
    }
    let value: Value = serde_json::from_str(body).ok()?;
    let mut found = HashSet::new();
    walk(&value, &mut found);
    if found.len() == 1 {
        found.into_iter().next()
    } else {
        None
    }
}

/// The waitlist place an answer names: the first integer under a key `position`.
fn answer_position(body: &str) -> Option<i64> {
    fn walk(v: &Value) -> Option<i64> {
        match v {
            Value::Object(m) => m
                .get("position")
                .and_then(Value::as_i64)
                .or_else(|| m.values().find_map(walk)),
            Value::Array(items) => items.iter().find_map(walk),
            _ => None,
        }
    }
    walk(&serde_json::from_str(body).ok()?)
}

async fn rsvp_rows(db: &Db, event_id: i64) -> anyhow::Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM rsvps WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(db.read())
        .await?;
    Ok(row.try_get("n")?)
}

/// The checks through the database. Returns what it found, for the JSON line.
async fn verify(
    db: &Db,
    event_id: i64,
    capacity: Option<i64>,
    file: &TokensFile,
    answers: &[Answer],
    said: &[Option<String>],
    checks: &mut Vec<Check>,
) -> anyhow::Result<Value> {
    let total = file.tokens.len() as i64;
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for row in sqlx::query("SELECT status, COUNT(*) AS n FROM rsvps WHERE event_id = $1 GROUP BY status")
        .bind(event_id)
        .fetch_all(db.read())
        .await?
    {
        by_status.insert(row.try_get("status")?, row.try_get("n")?);
    }
    let get = |s: &str| by_status.get(s).copied().unwrap_or(0);
    let (going, waitlisted) = (get("going"), get("waitlisted"));
    let others = by_status.values().sum::<i64>() - going - waitlisted;
    let expected_going = capacity.map_or(total, |c| c.min(total));
    check(
        checks,
        "going = capacity",
        going == expected_going,
        format!("going {going}, expected {expected_going}"),
    );
    check(
        checks,
        "the rest waitlisted",
        waitlisted == total - expected_going,
        format!("waitlisted {waitlisted}, expected {}", total - expected_going),
    );
    check(checks, "no other status", others == 0, format!("{by_status:?}"));

    let event = sbor_domain::events::get(db, event_id).await?;
    check(
        checks,
        "events.seats_taken = capacity",
        event.seats_taken == expected_going,
        format!("seats_taken {}, expected {expected_going}", event.seats_taken),
    );

    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT arrival) AS d, MIN(arrival) AS lo, MAX(arrival) AS hi \
         FROM rsvps WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_one(db.read())
    .await?;
    let (rows, distinct): (i64, i64) = (row.try_get("n")?, row.try_get("d")?);
    let (lo, hi): (Option<i64>, Option<i64>) = (row.try_get("lo")?, row.try_get("hi")?);
    check(
        checks,
        "arrival numbers distinct",
        rows == total && distinct == total,
        format!("{rows} RSVPs, {distinct} distinct arrivals (min {lo:?}, max {hi:?}), {total} sent"),
    );

    // First come, first served: every confirmed seat arrived before every waitlisted one.
    let row = sqlx::query(
        "SELECT (SELECT MAX(arrival) FROM rsvps WHERE event_id = $1 AND status = 'going') AS last_going, \
                (SELECT MIN(arrival) FROM rsvps WHERE event_id = $1 AND status = 'waitlisted') AS first_waiting",
    )
    .bind(event_id)
    .fetch_one(db.read())
    .await?;
    let (last_going, first_waiting): (Option<i64>, Option<i64>) =
        (row.try_get("last_going")?, row.try_get("first_waiting")?);
    check(
        checks,
        "seats went to the earliest arrivals",
        match (last_going, first_waiting) {
            (Some(g), Some(w)) => g < w,
            _ => true,
        },
        format!("last going arrival {last_going:?}, first waitlisted arrival {first_waiting:?}"),
    );

    // Each answer must agree with the row it created.
    let mut order_correlation = None;
    if file.user_ids.len() == file.tokens.len() {
        let mut stored: HashMap<i64, String> = HashMap::new();
        let mut arrival_of: HashMap<i64, i64> = HashMap::new();
        for row in sqlx::query("SELECT user_id, status, arrival FROM rsvps WHERE event_id = $1")
            .bind(event_id)
            .fetch_all(db.read())
            .await?
        {
            let user: i64 = row.try_get("user_id")?;
            stored.insert(user, row.try_get("status")?);
            arrival_of.insert(user, row.try_get("arrival")?);
        }
        // `answers` is in the order the answers arrived; how closely the arrival numbers
        // follow it shows whether the server answers in the order it queues. Information
        // only: answers to requests that commit within microseconds of each other can cross
        // on their way back.
        let arrivals: Vec<i64> = answers
            .iter()
            .filter_map(|a| arrival_of.get(&file.user_ids[a.index]).copied())
            .collect();
        order_correlation = spearman(&arrivals);
        let (mut compared, mut disagree) = (0, 0);
        for (a, s) in answers.iter().zip(said) {
            if let Some(s) = s {
                compared += 1;
                if stored.get(&file.user_ids[a.index]) != Some(s) {
                    disagree += 1;
                }
            }
        }
        // The place on the waitlist each person was told must be their place in the database.
        let mut waiting: Vec<(i64, i64)> = stored
            .iter()
            .filter(|(_, s)| s.as_str() == "waitlisted")
            .map(|(user, _)| (arrival_of[user], *user))
            .collect();
        waiting.sort_unstable();
        let place: HashMap<i64, i64> = waiting.iter().zip(1..).map(|(&(_, user), n)| (user, n)).collect();
        let (mut told, mut wrong) = (0, 0);
        for (a, s) in answers.iter().zip(said) {
            if s.as_deref() == Some("waitlisted")
                && let Some(position) = answer_position(&a.body)
            {
                told += 1;
                if place.get(&file.user_ids[a.index]) != Some(&position) {
                    wrong += 1;
                }
            }
        }
        if told > 0 {
            check(
                checks,
                "waitlist positions told = database order",
                wrong == 0,
                format!("{wrong} of {told} waitlisted answers named another place than their arrival rank"),
            );
        }
        if compared > 0 {
            check(
                checks,
                "answers agree with the database",
                disagree == 0,
                format!("{disagree} of {compared} answers named another status than their row"),
            );
        } else {
            eprintln!("note: no answer named an RSVP status, so answers were not compared with rows");
        }
    }
    Ok(json!({
        "by_status": by_status,
        "seats_taken": event.seats_taken,
        "rsvps": rows,
        "distinct_arrivals": distinct,
        "arrival_min": lo,
        "arrival_max": hi,
        "answer_order_vs_arrival_spearman": order_correlation.map(round3),
    }))
}

/// Spearman's rank correlation between position in `values` and the values themselves
/// (1.0 = strictly increasing). None for fewer than two values.
fn spearman(values: &[i64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| values[i]);
    let mut rank = vec![0usize; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let d2: f64 = rank
        .iter()
        .enumerate()
        .map(|(i, &r)| (i as f64 - r as f64).powi(2))
        .sum();
    let n = n as f64;
    Some(1.0 - 6.0 * d2 / (n * (n * n - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::{answer_position, answer_status, spearman};

    #[test]
    fn finds_the_position() {
        assert_eq!(
            answer_position(r#"{"status":"waitlisted","position":4}"#),
            Some(4)
        );
        assert_eq!(answer_position(r#"{"Waitlisted":{"position":2}}"#), Some(2));
        assert_eq!(answer_position(r#"{"status":"going","position":null}"#), None);
    }

    #[test]
    fn rank_correlation() {
        assert_eq!(spearman(&[1, 2, 3, 4]), Some(1.0));
        assert_eq!(spearman(&[4, 3, 2, 1]), Some(-1.0));
        assert_eq!(spearman(&[7]), None);
    }

    #[test]
    fn finds_the_status_in_any_shape() {
        assert_eq!(
            answer_status(r#"{"status":"going","position":null}"#).as_deref(),
            Some("going")
        );
        assert_eq!(answer_status(r#""Waitlisted""#).as_deref(), Some("waitlisted"));
        assert_eq!(
            answer_status(r#"{"Waitlisted":{"position":3}}"#).as_deref(),
            Some("waitlisted")
        );
        assert_eq!(
            answer_status(r#"{"outcome":{"status":"NotGoing"}}"#).as_deref(),
            Some("not_going")
        );
        assert_eq!(answer_status(r#"{"a":"going","b":"waitlisted"}"#), None);
        assert_eq!(answer_status("not json"), None);
        assert_eq!(answer_status(r#"{"ok":true}"#), None);
        assert_eq!(
            answer_status(r#"{"going":true,"status":"going"}"#).as_deref(),
            Some("going")
        );
        assert_eq!(
            answer_status(r#"{"going":false,"status":"waitlisted"}"#).as_deref(),
            Some("waitlisted")
        );
    }
}
