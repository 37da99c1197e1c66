//! Instants are stored as unix microseconds (i64) so one column type works on both backends.

use chrono::{DateTime, Utc};

/// Microseconds since the unix epoch, UTC.
pub type Micros = i64;

pub const SECOND: Micros = 1_000_000;
pub const MINUTE: Micros = 60 * SECOND;
pub const HOUR: Micros = 60 * MINUTE;
pub const DAY: Micros = 24 * HOUR;

pub fn now() -> Micros {
    Utc::now().timestamp_micros()
}

pub fn to_datetime(micros: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// `2026-12-03 19:00`: the instant on the wall clock of `tz`, for pages that name the zone
/// beside it.
pub fn local(micros: Micros, tz: chrono_tz::Tz) -> String {
    to_datetime(micros)
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// RFC 3339 rendering for logs, CSV and the admin pages.
pub fn rfc3339(micros: Micros) -> String {
    to_datetime(micros).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
