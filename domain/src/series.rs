//! Recurring series: "every Thursday" or "every 2nd Thursday of the month", with exceptions.
//! Occurrences are real events, copied from a template event, made a few dates ahead; members
//! who subscribe to a series are RSVPed to every new occurrence (and can say no to any one).

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use sqlx::{AnyConnection, Row};

use crate::accounts::{Site, User};
use crate::clock::{self, Micros};
use crate::error::{DomainError, Result};
use crate::events::{self, Event, Status};
use crate::{Db, accounts, communities, rsvp};

/// How many future occurrences a series keeps made.
pub const AHEAD: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Weekly(Weekday),
    /// The nth (1–4, or 5 = last) given weekday of each month.
    Monthly(u8, Weekday),
}

fn weekday_code(w: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.num_days_from_monday() as usize]
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .position(|d| *d == s)
        .map(|i| Weekday::try_from(i as u8).expect("0..7 is a weekday"))
}

impl Rule {
    /// `weekly:thu`, `monthly:2:thu`, `monthly:5:fri` (last Friday).
    pub fn parse(s: &str) -> Option<Rule> {
        let lowered = s.trim().to_lowercase();
        let parts: Vec<&str> = lowered.split(':').collect();
        match parts.as_slice() {
            ["weekly", d] => parse_weekday(d).map(Rule::Weekly),
            ["monthly", n, d] => {
                let n: u8 = n.parse().ok().filter(|n| (1..=5).contains(n))?;
                parse_weekday(d).map(|w| Rule::Monthly(n, w))
            }
            _ => None,
        }
    }

    pub fn code(self) -> String {
        match self {
            Rule::Weekly(w) => format!("weekly:{}", weekday_code(w)),
            Rule::Monthly(n, w) => format!("monthly:{n}:{}", weekday_code(w)),
        }
    }

    pub fn matches(self, d: NaiveDate) -> bool {
        match self {
            Rule::Weekly(w) => d.weekday() == w,
            Rule::Monthly(n, w) => {
                d.weekday() == w && nth_of_month(d) == n || (n == 5 && d.weekday() == w && is_last(d))
            }
        }
    }

    /// The rules an event on `d` could repeat by, for the organizer to choose from.
    pub fn choices_for(d: NaiveDate) -> Vec<Rule> {
        let mut rules = vec![Rule::Weekly(d.weekday())];
        let n = nth_of_month(d);
        if n <= 4 {
            rules.push(Rule::Monthly(n, d.weekday()));
        }
        if is_last(d) {
            rules.push(Rule::Monthly(5, d.weekday()));
        }
        rules
    }
}

fn nth_of_month(d: NaiveDate) -> u8 {
    ((d.day() - 1) / 7 + 1) as u8
}

fn is_last(d: NaiveDate) -> bool {
    (d + Duration::days(7)).month() != d.month()
}

/// The next `count` dates after `after` that match `rule` and are not exceptions.
pub fn dates(rule: Rule, after: NaiveDate, count: usize, exceptions: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut out = Vec::with_capacity(count);
    let mut d = after;
    // Ten years of days bounds the search even if every date is an exception.
    for _ in 0..3660 {
        if out.len() == count {
            break;
        }
        d += Duration::days(1);
        if rule.matches(d) && !exceptions.contains(&d) {
            out.push(d);
        }
    }
    out
}

pub fn parse_exceptions(raw: &str) -> Result<Vec<NaiveDate>> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| DomainError::invalid("exceptions", "invalid_date"))
        })
        .collect()
}

/// Makes `template_event_id` the first event of a new series and makes the next occurrences.
pub async fn create(
    db: &Db,
    site: &Site,
    actor: &User,
    template_event_id: i64,
    rule: &str,
    exceptions: &str,
) -> Result<i64> {
    let template = events::get(db, template_event_id).await?;
    communities::require_organizer(db, template.community_id, actor).await?;
    let rule = Rule::parse(rule).ok_or(DomainError::invalid("rule", "invalid_rule"))?;
    let exceptions = parse_exceptions(exceptions)?;
    if template.series_id.is_some() {
        return Err(DomainError::Refused("already_a_series"));
    }
    let mut tx = db.write().begin().await?;
    let row = sqlx::query(
        "INSERT INTO event_series (community_id, template_event_id, rule, exceptions, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(template.community_id)
    .bind(template.id)
    .bind(rule.code())
    .bind(
        exceptions
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(" "),
    )
    .bind(clock::now())
    .fetch_one(&mut *tx)
    .await?;
    let series_id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE events SET series_id = $1 WHERE id = $2")
        .bind(series_id)
        .bind(template.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    extend(db, site, series_id).await?;
    Ok(series_id)
}

/// Makes the occurrences of the next [`AHEAD`] dates that do not exist yet (one per date,
/// guarded by a unique index), and RSVPs the series' subscribers to each new one.
pub async fn extend(db: &Db, site: &Site, series_id: i64) -> Result<usize> {
    let row = sqlx::query("SELECT template_event_id, rule, exceptions FROM event_series WHERE id = $1")
        .bind(series_id)
        .fetch_optional(db.read())
        .await?
        .ok_or(DomainError::NotFound)?;
    let template = events::get(db, row.try_get("template_event_id")?).await?;
    let rule = Rule::parse(&row.try_get::<String, _>("rule")?)
        .ok_or(DomainError::Internal("bad stored rule".into()))?;
    let exceptions = parse_exceptions(&row.try_get::<String, _>("exceptions")?)?;
    let tz = template.tz();
    let start_local = clock::to_datetime(template.starts_at).with_timezone(&tz);
    let duration = template.ends_at - template.starts_at;
    let today = clock::to_datetime(clock::now()).with_timezone(&tz).date_naive();
    let after = today.max(start_local.date_naive());
    let mut made = 0;
    for date in dates(rule, after, AHEAD, &exceptions) {
        let Some(start) = tz
            .from_local_datetime(&date.and_time(start_local.time()))
            .single()
        else {
            continue; // the wall-clock time does not exist that day (clock change)
        };
        let starts_at = start.timestamp_micros();
        let mut tx = db.write().begin().await?;
        let Some(id) = copy_event(&mut tx, &template, series_id, starts_at, starts_at + duration).await?
        else {
            continue;
        };
        tx.commit().await?;
        made += 1;
        let subscribers = sqlx::query("SELECT user_id FROM series_subscriptions WHERE series_id = $1")
            .bind(series_id)
            .fetch_all(db.read())
            .await?;
        for s in subscribers {
            let user = accounts::get(db, s.try_get("user_id")?).await?;
            if let Err(e) = rsvp::respond(db, site, &user, id, true, 0).await {
                tracing::info!(event_id = id, user_id = user.id, error = %e, "series subscriber not RSVPed");
            }
        }
    }
    Ok(made)
}

/// Inserts an occurrence copied from `template`; `None` when that date exists already.
async fn copy_event(
    tx: &mut AnyConnection,
    template: &Event,
    series_id: i64,
    starts_at: Micros,
    ends_at: Micros,
) -> Result<Option<i64>> {
    let now = clock::now();
    let row = sqlx::query(
        "INSERT INTO events (community_id, title, description, starts_at, ends_at, time_zone, venue_name, \
           venue_address, map_url, online_url, cover_url, capacity, max_guests, approval_required, status, \
           created_at, updated_at, remind_24h, remind_2h, search_text, offer_hours, series_id) \
         SELECT community_id, title, description, $1, $2, time_zone, venue_name, venue_address, map_url, online_url, \
           cover_url, capacity, max_guests, approval_required, $3, $4, $4, remind_24h, remind_2h, search_text, \
           offer_hours, $5 FROM events WHERE id = $6 \
         ON CONFLICT (series_id, starts_at) DO NOTHING RETURNING id",
    )
    .bind(starts_at)
    .bind(ends_at)
    .bind(if template.status == Status::Published { "published" } else { "draft" })
    .bind(now)
    .bind(series_id)
    .bind(template.id)
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|r| r.try_get("id")).transpose().map_err(Into::into)
}

/// Extends every series (run periodically).
pub async fn extend_all(db: &Db, site: &Site) -> Result<usize> {
    let ids = sqlx::query("SELECT id FROM event_series")
        .fetch_all(db.read())
        .await?;
    let mut made = 0;
    for r in ids {
        made += extend(db, site, r.try_get("id")?).await?;
    }
    Ok(made)
}

/// Subscribes to a series: RSVPs to every upcoming occurrence now and to each new one later.
pub async fn subscribe(db: &Db, site: &Site, user: &User, series_id: i64) -> Result<usize> {
    sqlx::query(
        "INSERT INTO series_subscriptions (series_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (series_id, user_id) DO NOTHING",
    )
    .bind(series_id)
    .bind(user.id)
    .bind(clock::now())
    .execute(db.write())
    .await?;
    let upcoming = sqlx::query(
        "SELECT e.id FROM events e WHERE e.series_id = $1 AND e.status = 'published' AND e.starts_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id AND r.user_id = $3) ORDER BY e.starts_at",
    )
    .bind(series_id)
    .bind(clock::now())
    .bind(user.id)
    .fetch_all(db.read())
    .await?;
    let mut joined = 0;
    for r in upcoming {
        if rsvp::respond(db, site, user, r.try_get("id")?, true, 0)
            .await
            .is_ok()
        {
            joined += 1;
        }
    }
    Ok(joined)
}

/// Ends a subscription; RSVPs already made stay (each can be answered no on its own).
pub async fn unsubscribe(db: &Db, user: &User, series_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM series_subscriptions WHERE series_id = $1 AND user_id = $2")
        .bind(series_id)
        .bind(user.id)
        .execute(db.write())
        .await?;
    Ok(())
}

pub async fn is_subscribed(db: &Db, series_id: i64, user_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS ok FROM series_subscriptions WHERE series_id = $1 AND user_id = $2")
        .bind(series_id)
        .bind(user_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn second_thursdays() {
        let rule = Rule::parse("monthly:2:thu").unwrap();
        assert_eq!(
            dates(rule, d("2026-11-28"), 3, &[]),
            vec![d("2026-12-10"), d("2027-01-14"), d("2027-02-11")]
        );
        assert_eq!(
            dates(rule, d("2026-11-28"), 2, &[d("2027-01-14")]),
            vec![d("2026-12-10"), d("2027-02-11")]
        );
        assert_eq!(
            Rule::choices_for(d("2026-12-10")),
            vec![Rule::Weekly(Weekday::Thu), Rule::Monthly(2, Weekday::Thu)]
        );
        assert_eq!(
            dates(Rule::parse("monthly:5:fri").unwrap(), d("2026-11-28"), 1, &[]),
            vec![d("2026-12-25")]
        );
        assert!(Rule::parse("daily").is_none() && Rule::parse("monthly:6:thu").is_none());
    }

    proptest! {
        #[test]
        fn dates_match_the_rule_in_order_without_exceptions(
            weekly in any::<bool>(), n in 1u8..=5, wd in 0u8..7, offset in 0i64..3000, skip in 0usize..5,
        ) {
            let w = Weekday::try_from(wd).unwrap();
            let rule = if weekly { Rule::Weekly(w) } else { Rule::Monthly(n, w) };
            let after = d("2026-01-01") + Duration::days(offset);
            let all = dates(rule, after, 6, &[]);
            prop_assert_eq!(all.len(), 6);
            let exceptions: Vec<NaiveDate> = all.iter().take(skip).copied().collect();
            let kept = dates(rule, after, 6, &exceptions);
            prop_assert!(kept.windows(2).all(|p| p[0] < p[1]));
            for k in &kept {
                prop_assert!(*k > after && rule.matches(*k) && !exceptions.contains(k));
            }
            prop_assert_eq!(Rule::parse(&rule.code()), Some(rule));
        }
    }
}
