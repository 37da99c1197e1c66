//! Prometheus metrics, hand-rolled: a few counters and one histogram do not justify a global
//! recorder, and a per-application registry keeps tests (many servers in one process) apart.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(&'static str, String, u16), u64>>,
    latency: Mutex<HashMap<String, Histogram>>,
    mails: Mutex<HashMap<&'static str, u64>>,
}

impl Metrics {
    pub fn observe_request(&self, method: &'static str, route: &str, status: u16, elapsed: Duration) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry((method, route.to_owned(), status))
            .or_default() += 1;
        let secs = elapsed.as_secs_f64();
        let mut lat = self.latency.lock().expect("metrics lock");
        let h = lat.entry(route.to_owned()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Counts a mail delivery outcome: `sent`, `retry` or `failed`.
    pub fn observe_mail(&self, outcome: &'static str) {
        *self
            .mails
            .lock()
            .expect("metrics lock")
            .entry(outcome)
            .or_default() += 1;
    }

    /// The text exposition format; `outbox_pending` is read from the database at scrape time.
    pub fn render(&self, outbox_pending: Option<i64>) -> String {
        let mut out = String::new();
        out.push_str("# HELP sbor_http_requests_total HTTP requests by method, route and status.\n# TYPE sbor_http_requests_total counter\n");
        let mut reqs: Vec<_> = self
            .requests
            .lock()
            .expect("metrics lock")
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        reqs.sort();
        for ((method, route, status), n) in reqs {
            let _ = writeln!(
                out,
                "sbor_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(&route)
            );
        }
        out.push_str("# HELP sbor_http_request_duration_seconds Time to response headers, by route.\n# TYPE sbor_http_request_duration_seconds histogram\n");
        let lat = self.latency.lock().expect("metrics lock");
        let mut routes: Vec<_> = lat.keys().cloned().collect();
        routes.sort();
        for route in routes {
            let h = &lat[&route];
            let r = escape(&route);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "sbor_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "sbor_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "sbor_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "sbor_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        drop(lat);
        out.push_str("# HELP sbor_mail_deliveries_total Mail delivery attempts by outcome.\n# TYPE sbor_mail_deliveries_total counter\n");
        let mut mails: Vec<_> = self
            .mails
            .lock()
            .expect("metrics lock")
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        mails.sort();
        for (outcome, n) in mails {
            let _ = writeln!(out, "sbor_mail_deliveries_total{{outcome=\"{outcome}\"}} {n}");
        }
        if let Some(depth) = outbox_pending {
            out.push_str(
                "# HELP sbor_outbox_pending Mails queued or being sent.\n# TYPE sbor_outbox_pending gauge\n",
            );
            let _ = writeln!(out, "sbor_outbox_pending {depth}");
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_request("GET", "/healthz", 200, Duration::from_millis(3));
        m.observe_request("GET", "/healthz", 200, Duration::from_millis(30));
        let text = m.render(Some(4));
        assert!(
            text.contains("sbor_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2")
        );
        assert!(
            text.contains("sbor_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1")
        );
        assert!(text.contains("sbor_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 2"));
        assert!(text.contains("sbor_outbox_pending 4"));
    }
}
