//! `page`: closed-loop GET load on one path, then (optionally) on a comparison path.
//!
//! Closed loop — each worker sends its next request only after the previous answer — because
//! that is how the numbers stay honest on a small machine: the generator can never queue more
//! work than `concurrency` requests, so latency is the server's, not a backlog in the client.
//! Every worker owns a client with a single keep-alive connection, so the test measures
//! request handling and not TCP handshakes, and `concurrency` equals open connections.
//!
//! The comparison path (usually `/healthz`, which does no work) runs in the same invocation
//! with the same settings, so the ratio says what the page costs relative to the bare HTTP
//! stack on this very machine, which is more portable than absolute req/s.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

use crate::rss::{CpuMeter, RssSampler};
use crate::stats::{Summary, fmt_ms, fmt1, micros, print_table, round3};

pub struct Options {
    pub base_url: String,
    pub path: String,
    pub compare: Option<String>,
    /// Text the body of `path` must contain; a 200 without it counts as an error.
    pub expect: Option<String>,
    pub concurrency: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub timeout: Duration,
    pub server_pid: Option<u32>,
    /// A session cookie secret: requests are sent logged in as its account.
    pub session: Option<String>,
}

/// What one worker saw during the measured window.
#[derive(Default)]
struct WorkerLog {
    /// Latencies of 200 answers, in µs.
    ok_micros: Vec<u64>,
    errors: u64,
    body_bytes: u64,
    first_error: Option<String>,
}

struct PathResult {
    path: String,
    requests: u64,
    errors: u64,
    rps: f64,
    summary: Summary,
    avg_body_bytes: f64,
    server_cores: Option<f64>,
    client_cores: Option<f64>,
    server_rss_max_kib: Option<u64>,
    first_error: Option<String>,
}

impl PathResult {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "path": self.path,
            "requests": self.requests,
            "errors": self.errors,
            "rps": round3(self.rps),
            "avg_body_bytes": self.avg_body_bytes.round(),
            "server_cores": self.server_cores.map(round3),
            "client_cores": self.client_cores.map(round3),
            "server_rss_max_kib": self.server_rss_max_kib,
        });
        if let (Value::Object(m), Value::Object(s)) = (&mut v, self.summary.to_json()) {
            m.extend(s);
        }
        v
    }

    fn row(&self, concurrency: usize) -> Vec<String> {
        let opt = |x: Option<f64>| x.map_or("–".to_owned(), |c| format!("{c:.2}"));
        vec![
            format!("`{}`", self.path),
            concurrency.to_string(),
            self.requests.to_string(),
            self.errors.to_string(),
            fmt1(self.rps),
            fmt_ms(self.summary.p50_ms),
            fmt_ms(self.summary.p90_ms),
            fmt_ms(self.summary.p99_ms),
            fmt_ms(self.summary.max_ms),
            format!("{:.1}", self.avg_body_bytes / 1024.0),
            opt(self.server_cores),
            opt(self.client_cores),
            self.server_rss_max_kib
                .map_or("–".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
        ]
    }
}

/// Ok(false) when any request failed: the numbers then describe a broken page, not a fast one.
pub async fn run(o: Options) -> anyhow::Result<bool> {
    anyhow::ensure!(o.concurrency >= 1, "--concurrency must be at least 1");
    let mut results = vec![measure(&o, &o.path, o.expect.as_deref()).await?];
    if let Some(compare) = &o.compare {
        results.push(measure(&o, compare, None).await?);
    }
    let ratio = (results.len() == 2 && results[1].rps > 0.0).then(|| results[0].rps / results[1].rps);

    for r in &results {
        if let Some(e) = &r.first_error {
            eprintln!("first error on {}: {e}", r.path);
        }
    }
    print_table(
        &[
            "path",
            "conns",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "KiB/resp",
            "server cores",
            "client cores",
            "server RSS MiB",
        ],
        &results.iter().map(|r| r.row(o.concurrency)).collect::<Vec<_>>(),
    );
    if let Some(ratio) = ratio {
        println!(
            "\nthroughput `{}` / `{}` = {ratio:.3}",
            results[0].path, results[1].path
        );
    }
    println!(
        "{}",
        json!({
            "mode": "page",
            "base_url": o.base_url,
            "concurrency": o.concurrency,
            "duration_s": o.duration.as_secs_f64(),
            "warmup_s": o.warmup.as_secs_f64(),
            "results": results.iter().map(PathResult::to_json).collect::<Vec<_>>(),
            "ratio": ratio.map(round3),
        })
    );
    Ok(results.iter().all(|r| r.errors == 0))
}

/// Runs `concurrency` workers on `path` for warm-up + duration and keeps what happened in the
/// measured window: requests that started after the warm-up and finished before the end.
async fn measure(o: &Options, path: &str, expect: Option<&str>) -> anyhow::Result<PathResult> {
    let url = format!("{}{path}", o.base_url);
    eprintln!(
        "GET {url}: {} connections, {:.0} s warm-up, {:.0} s measured",
        o.concurrency,
        o.warmup.as_secs_f64(),
        o.duration.as_secs_f64()
    );
    let mut clients = Vec::with_capacity(o.concurrency);
    for _ in 0..o.concurrency {
        clients.push(one_connection_client(o.timeout, o.session.as_deref())?);
    }
    let begin = Instant::now();
    let measured_from = begin + o.warmup;
    let until = measured_from + o.duration;

    let mut workers = Vec::with_capacity(o.concurrency);
    for client in clients {
        let url = url.clone();
        let expect = expect.map(str::to_owned);
        workers.push(tokio::spawn(async move {
            let mut log = WorkerLog::default();
            loop {
                let started = Instant::now();
                if started >= until {
                    return log;
                }
                let outcome = get(&client, &url, expect.as_deref()).await;
                let finished = Instant::now();
                if started < measured_from || finished > until {
                    continue;
                }
                match outcome {
                    Ok(bytes) => {
                        log.ok_micros.push(micros(finished - started));
                        log.body_bytes += bytes;
                    }
                    Err(e) => {
                        log.errors += 1;
                        log.first_error.get_or_insert(e);
                    }
                }
            }
        }));
    }

    // Server and client load are sampled over the measured window only.
    tokio::time::sleep_until(measured_from.into()).await;
    let rss = o.server_pid.map(RssSampler::start).transpose()?;
    let server_cpu = o.server_pid.and_then(|pid| CpuMeter::start(Some(pid)));
    let client_cpu = CpuMeter::start(None);
    tokio::time::sleep_until(until.into()).await;
    let server_cores = server_cpu.and_then(|m| m.cores());
    let client_cores = client_cpu.and_then(|m| m.cores());
    let rss = rss.map(RssSampler::finish);

    let mut all = Vec::new();
    let (mut errors, mut body_bytes, mut first_error) = (0, 0, None);
    for w in workers {
        let log = w.await.context("a worker panicked")?;
        all.extend(log.ok_micros);
        errors += log.errors;
        body_bytes += log.body_bytes;
        first_error = first_error.or(log.first_error);
    }
    let ok = all.len() as u64;
    let summary = Summary::of_micros(&mut all);
    Ok(PathResult {
        path: path.to_owned(),
        requests: ok + errors,
        errors,
        rps: ok as f64 / o.duration.as_secs_f64(),
        summary,
        avg_body_bytes: if ok > 0 {
            body_bytes as f64 / ok as f64
        } else {
            0.0
        },
        server_cores,
        client_cores,
        server_rss_max_kib: rss.map(|r| r.max_kib),
        first_error,
    })
}

/// A client that keeps one keep-alive connection, as a browser tab does, sending the session
/// cookie `session` (a token) on every request when given.
pub fn one_connection_client(timeout: Duration, session: Option<&str>) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = session {
        headers.insert(
            reqwest::header::COOKIE,
            reqwest::header::HeaderValue::from_str(&format!("sbor_session={token}"))?,
        );
    }
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(timeout)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// One GET, body read to the end (so the connection can be reused). Ok(body length) on a 200
/// whose body contains `expect`.
///
/// Why look at the body: a server-rendered page whose data failed to load still answers 200
/// (with an error message in the HTML), and fast failures would otherwise count as throughput.
async fn get(client: &reqwest::Client, url: &str, expect: Option<&str>) -> Result<u64, String> {
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("reading the body failed: {e}"))?;
    if status != reqwest::StatusCode::OK {
        let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        return Err(format!("HTTP {status}: {text}"));
    }
    if let Some(needle) = expect
        && !body.windows(needle.len()).any(|w| w == needle.as_bytes())
    {
        return Err(format!(
            "HTTP 200 but the body lacks {needle:?} ({} bytes)",
            body.len()
        ));
    }
    Ok(body.len() as u64)
}
