//! Latency summaries and the two output forms (a Markdown table row for people, one JSON line
//! for scripts).
//!
//! Why raw samples and not a histogram: a run records at most a few hundred thousand
//! latencies (8 bytes each), so keeping them all costs a few MB and gives exact percentiles
//! with no bucket error to explain.

use std::time::Duration;

use serde_json::{Value, json};

/// Exact percentiles of a set of latencies.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    /// Summarises latencies given in microseconds (the slice is sorted in place).
    pub fn of_micros(samples: &mut [u64]) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_unstable();
        let ms = |us: u64| us as f64 / 1000.0;
        Summary {
            count: samples.len(),
            p50_ms: ms(nearest_rank(samples, 50.0)),
            p90_ms: ms(nearest_rank(samples, 90.0)),
            p99_ms: ms(nearest_rank(samples, 99.0)),
            max_ms: ms(*samples.last().expect("not empty")),
        }
    }

    pub fn to_json(self) -> Value {
        json!({
            "p50_ms": round3(self.p50_ms),
            "p90_ms": round3(self.p90_ms),
            "p99_ms": round3(self.p99_ms),
            "max_ms": round3(self.max_ms),
        })
    }
}

/// The nearest-rank percentile of sorted samples: the smallest value with at least `p` % of
/// the samples at or below it. No interpolation, so every reported number was observed.
fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Three decimals are enough for milliseconds and keep the JSON readable.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Prints a Markdown table: the header, its separator, then the rows.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    println!("| {} |", header.join(" | "));
    println!("|{}|", header.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    for row in rows {
        println!("| {} |", row.join(" | "));
    }
}

/// `1234.5` → `"1234.5"`; keeps the Markdown columns short.
pub fn fmt1(x: f64) -> String {
    format!("{x:.1}")
}

/// Milliseconds with two decimals for the Markdown table.
pub fn fmt_ms(x: f64) -> String {
    format!("{x:.2}")
}

/// Parses `20s`, `500ms`, `2m` or a bare number of seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (number, unit) = match raw.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {raw:?} (try 20s, 500ms, 2m)"))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("unknown unit in {raw:?} (use ms, s or m)")),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("not a duration: {raw:?}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        let s = Summary::of_micros(&mut v);
        assert_eq!(s.count, 100);
        assert_eq!(s.p50_ms, 50.0);
        assert_eq!(s.p90_ms, 90.0);
        assert_eq!(s.p99_ms, 99.0);
        assert_eq!(s.max_ms, 100.0);
        let mut one = vec![7000];
        let s = Summary::of_micros(&mut one);
        assert_eq!((s.p50_ms, s.p99_ms, s.max_ms), (7.0, 7.0, 7.0));
        assert_eq!(Summary::of_micros(&mut []), Summary::default());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s").unwrap(), Duration::from_secs(20));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("s").is_err());
    }
}
