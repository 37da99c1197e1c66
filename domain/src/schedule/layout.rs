//! What every schedule export shares: wall-clock rendering in the conference's zone, `HH:MM`
//! durations, stable UUID-shaped ids, and the day → room → talks nesting that frab XML and
//! c3voc JSON both use.
//!
//! The nesting is computed once here so the two formats can never place a talk differently,
//! and so that no talk is ever dropped from an export even when the document is inconsistent
//! (a talk outside every day, or in a room missing from the room list).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::doc::{Day, Room, ScheduleDoc, Talk};
use crate::clock::{self, MINUTE, Micros};

/// The instant on the conference's wall clock.
pub(crate) fn local(at: Micros, tz: Tz) -> DateTime<Tz> {
    clock::to_datetime(at).with_timezone(&tz)
}

/// `2020-12-14T09:00:00+01:00`: the formats want local time *with* its offset, so a reader
/// that ignores the zone name still gets the right instant.
pub(crate) fn date_time(at: Micros, tz: Tz) -> String {
    local(at, tz).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `09:00` on the conference's wall clock.
pub(crate) fn clock_time(at: Micros, tz: Tz) -> String {
    local(at, tz).format("%H:%M").to_string()
}

/// `01:30`. Clamped to `0..=99:59` because the XSD allows only two hour digits; a talk that
/// long is a data error, and a clamped value keeps the file readable by every consumer.
pub(crate) fn hhmm(minutes: i64) -> String {
    let m = minutes.clamp(0, 99 * 60 + 59);
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A UUID-shaped id that is the same on every export of the same thing, for rooms and talks
/// whose stored guid is missing or not a UUID (both formats require one). It is the first
/// 128 bits of SHA-256 over the kind, the site and the id, marked as an RFC 9562 version 8
/// ("custom") UUID, so it never collides with random (v4) or name-based (v5) ids by shape.
pub fn stable_guid(kind: &str, base_url: &str, id: i64) -> String {
    let digest = Sha256::digest(format!("sbor\0{kind}\0{base_url}\0{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `8-4-4-4-12` hex digits, the shape both schemas check.
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()))
}

pub(crate) fn room_guid(doc: &ScheduleDoc, room: &Room) -> String {
    if is_uuid(&room.guid) {
        room.guid.clone()
    } else {
        stable_guid("room", &doc.base_url, room.id)
    }
}

/// The talk's guid, or one derived from its id when it is not a UUID or another talk already
/// used it (the XSD demands unique event guids). `used` collects them over one export.
pub(crate) fn talk_guid(doc: &ScheduleDoc, talk: &Talk, used: &mut HashSet<String>) -> String {
    let guid = if is_uuid(&talk.guid) && !used.contains(&talk.guid) {
        talk.guid.clone()
    } else {
        stable_guid("talk", &doc.base_url, talk.id)
    };
    used.insert(guid.clone());
    guid
}

/// The acronym as the formats allow it (`[a-z0-9_]`, at least 4 characters; the JSON schema
/// allows a hyphen only as the first character). Our acronyms are slugs, so hyphens become
/// underscores and short ones are padded; an acronym that already fits is kept as is, so it
/// survives a round trip.
pub(crate) fn voc_acronym(acronym: &str) -> String {
    let fits = acronym.len() >= 4
        && acronym
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    if fits {
        return acronym.to_owned();
    }
    let mut out: String = acronym
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.len() < 4 {
        out.push('_');
    }
    out
}

/// A slug both schemas accept: `[a-z0-9_-]+` ending in a letter or digit (JSON), and
/// `acronym-rest` with at least four characters either side (XSD). The talk's own slug is kept
/// when it fits; otherwise (e.g. Cyrillic title words) `<acronym>-<id>` stands in, which is
/// unique because ids are. `used` keeps the slugs unique as the XSD demands.
pub(crate) fn voc_slug(acronym: &str, talk: &Talk, used: &mut HashSet<String>) -> String {
    let fits = |s: &str| {
        let Some((head, tail)) = s.split_once('-') else {
            return false;
        };
        head.len() >= 4
            && tail.len() >= 4
            && head
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
            && tail
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
            && s.bytes()
                .last()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    let fallback = format!("{}-{:04}", voc_acronym(acronym), talk.id);
    let mut slug = if fits(&talk.slug) && !used.contains(&talk.slug) {
        talk.slug.clone()
    } else {
        fallback
    };
    let mut n = 2;
    while used.contains(&slug) {
        slug = format!("{}-{:04}-{n}", voc_acronym(acronym), talk.id);
        n += 1;
    }
    used.insert(slug.clone());
    slug
}

/// `s` as an absolute URL, for the schemas' `uri` / `httpURI` fields: kept as written when it
/// already is one in canonical form (so it survives a round trip), else normalized, and a
/// relative one (`/talks/7`) resolved against the site. `None` when nothing sensible is left.
pub(crate) fn absolute_url(base_url: &str, s: &str) -> Option<String> {
    if s.trim().is_empty() {
        return None;
    }
    let parsed = url::Url::parse(s).or_else(|_| url::Url::parse(base_url).and_then(|b| b.join(s)));
    let u = parsed.ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return None;
    }
    // Written as is when it parsed by itself and holds only characters a URI may hold (the
    // parser would add a `/` to a bare host, which a round trip must not see).
    let plain = s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&c));
    Some(if plain && url::Url::parse(s).is_ok() {
        s.to_owned()
    } else {
        u.to_string()
    })
}

/// Track names in order of first use, for the formats' track lists.
pub(crate) fn tracks(doc: &ScheduleDoc) -> Vec<&str> {
    let mut seen = Vec::new();
    for t in &doc.talks {
        if let Some(track) = t.track.as_deref().filter(|s| !s.is_empty())
            && !seen.contains(&track)
        {
            seen.push(track);
        }
    }
    seen
}

/// The document's rooms in display order, plus a stand-in for any room a talk names that the
/// list lacks.
pub(crate) fn rooms(doc: &ScheduleDoc) -> Vec<Room> {
    let mut rooms: Vec<Room> = doc.rooms.clone();
    for t in &doc.talks {
        if !rooms.iter().any(|r| r.id == t.room_id) {
            rooms.push(Room {
                id: t.room_id,
                name: format!("Room {}", t.room_id),
                capacity: None,
                description: String::new(),
                guid: String::new(),
            });
        }
    }
    rooms
}

/// One day of the export with, for every room, its talks in start order.
pub(crate) struct DayPlan<'a> {
    /// Counts from 1 in date order (the XSD wants unique positive indexes).
    pub index: i64,
    pub date: NaiveDate,
    pub starts_at: Micros,
    pub ends_at: Micros,
    /// Every room on every day, as pretalx does, so apps show the same columns each day.
    pub rooms: Vec<(Room, Vec<&'a Talk>)>,
}

/// Places every talk in exactly one day and one room. A talk goes to the day whose programme
/// window holds its start, else to the day of its local date, else to a day made up for that
/// date; a talk whose room is unknown gets a stand-in room, so a broken document still loses
/// nothing.
pub(crate) fn plan(doc: &ScheduleDoc) -> Vec<DayPlan<'_>> {
    let tz = doc.conference.time_zone;
    let rooms = rooms(doc);
    let mut days: Vec<Day> = doc.days.clone();
    days.sort_by_key(|d| (d.date, d.starts_at));
    let mut made_up: BTreeMap<NaiveDate, (Micros, Micros)> = BTreeMap::new();
    let mut placed: Vec<(NaiveDate, &Talk)> = Vec::new();
    for t in &doc.talks {
        let date = local(t.starts_at, tz).date_naive();
        let day = days
            .iter()
            .find(|d| d.starts_at <= t.starts_at && t.starts_at <= d.ends_at)
            .or_else(|| days.iter().find(|d| d.date == date));
        match day {
            Some(d) => placed.push((d.date, t)),
            None => {
                let end = t.starts_at + t.minutes * MINUTE;
                let w = made_up.entry(date).or_insert((t.starts_at, end));
                w.0 = w.0.min(t.starts_at);
                w.1 = w.1.max(end);
                placed.push((date, t));
            }
        }
    }
    for (date, (starts_at, ends_at)) in made_up {
        days.push(Day {
            index: 0,
            date,
            starts_at,
            ends_at,
        });
    }
    if days.is_empty() {
        // The XSD wants at least one day; an empty schedule shows its first day, empty.
        let date = doc.conference.start;
        let midnight = date
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map_or(0, |t| t.timestamp_micros());
        days.push(Day {
            index: 1,
            date,
            starts_at: midnight,
            ends_at: midnight + 24 * 60 * MINUTE - MINUTE,
        });
    }
    days.sort_by_key(|d| (d.date, d.starts_at));
    days.dedup_by_key(|d| d.date);
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let rooms = rooms
                .iter()
                .map(|r| {
                    let mut talks: Vec<&Talk> = placed
                        .iter()
                        .filter(|(date, t)| *date == d.date && t.room_id == r.id)
                        .map(|(_, t)| *t)
                        .collect();
                    talks.sort_by_key(|t| (t.starts_at, t.id));
                    (r.clone(), talks)
                })
                .collect();
            DayPlan {
                index: i as i64 + 1,
                date: d.date,
                starts_at: d.starts_at,
                ends_at: d.ends_at,
                rooms,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_guids_are_uuids_and_stable() {
        let a = stable_guid("talk", "https://x.org", 7);
        assert!(is_uuid(&a), "{a}");
        assert_eq!(a, stable_guid("talk", "https://x.org", 7));
        assert_ne!(a, stable_guid("room", "https://x.org", 7));
        assert_eq!(&a[14..15], "8");
        assert!(!is_uuid("not-a-uuid"));
    }

    #[test]
    fn acronyms_and_durations() {
        assert_eq!(voc_acronym("democon"), "democon");
        assert_eq!(voc_acronym("rust-msk"), "rust_msk");
        assert_eq!(voc_acronym("ai"), "ai__");
        assert_eq!(voc_acronym("Мск"), "____");
        assert_eq!(hhmm(90), "01:30");
        assert_eq!(hhmm(0), "00:00");
        assert_eq!(hhmm(100_000), "99:59");
    }
}
