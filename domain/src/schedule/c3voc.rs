//! The c3voc / pretalx `schedule.json`, written to validate against the c3voc JSON schema
//! (`tests/fixtures/schedule-formats/schema.json`) and shaped like pretalx's own export, so
//! that the apps and the recording pipeline that read pretalx read us too.
//!
//! The document is built from typed structs rather than `serde_json::Value` because the
//! day's `rooms` object must keep our room order (a `Value` map would sort the names), and
//! the struct fields fix the key order to the familiar pretalx one.

use std::collections::HashSet;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::doc::{Person, ScheduleDoc};
use super::layout::{self, clock_time, date_time, hhmm};

/// Where the schema lives; written as `$schema` so a validator (or a person) can find it.
pub const SCHEMA_URL: &str = "https://c3voc.de/schedule/schema.json";

/// The whole schedule as c3voc JSON (pretty-printed: the files are read by people too).
pub fn c3voc_json(doc: &ScheduleDoc) -> String {
    let tz = doc.conference.time_zone;
    let c = &doc.conference;
    let plan = layout::plan(doc);
    let rooms = layout::rooms(doc);
    let mut slugs = HashSet::new();
    let mut guids = HashSet::new();
    let days = plan
        .iter()
        .map(|day| DayOut {
            index: day.index,
            date: day.date.to_string(),
            day_start: date_time(day.starts_at, tz),
            day_end: date_time(day.ends_at, tz),
            rooms: RoomsOut(
                day.rooms
                    .iter()
                    .map(|(room, talks)| {
                        let events = talks
                            .iter()
                            .map(|t| EventOut {
                                guid: layout::talk_guid(doc, t, &mut guids),
                                id: t.id.max(1),
                                date: date_time(t.starts_at, tz),
                                start: clock_time(t.starts_at, tz),
                                end: date_time(t.starts_at + t.minutes * crate::clock::MINUTE, tz),
                                duration: hhmm(t.minutes),
                                room: &room.name,
                                slug: layout::voc_slug(&c.acronym, t, &mut slugs),
                                // Required by the schema, and a `uri`: a relative or empty
                                // address falls back to the site.
                                url: layout::absolute_url(&doc.base_url, &t.url)
                                    .unwrap_or_else(|| doc.base_url.clone()),
                                title: &t.title,
                                subtitle: &t.subtitle,
                                track: t.track.as_deref().filter(|s| !s.is_empty()),
                                kind: &t.session_type,
                                language: &t.language,
                                abstract_text: &t.abstract_text,
                                description: &t.description,
                                persons: t.persons.iter().map(PersonOut::from).collect(),
                                links: [],
                            })
                            .collect();
                        (room.name.as_str(), events)
                    })
                    .collect(),
            ),
        })
        .collect::<Vec<_>>();
    let file = FileOut {
        schema: SCHEMA_URL,
        generator: GeneratorOut {
            name: "sbor",
            version: env!("CARGO_PKG_VERSION"),
        },
        schedule: ScheduleOut {
            version: &doc.version,
            base_url: layout::absolute_url(&doc.base_url, &doc.base_url),
            conference: ConferenceOut {
                acronym: layout::voc_acronym(&c.acronym),
                title: &c.title,
                start: c.start.to_string(),
                end: c.end.to_string(),
                days_count: days.len(),
                timeslot_duration: hhmm(c.grid_minutes),
                time_zone_name: Some(c.time_zone.name()).filter(|z| zone_fits_schema(z)),
                url: layout::absolute_url(&doc.base_url, &c.url),
                tracks: layout::tracks(doc)
                    .into_iter()
                    .map(|name| TrackOut { name })
                    .collect(),
                rooms: rooms
                    .iter()
                    .map(|r| RoomOut {
                        name: &r.name,
                        guid: layout::room_guid(doc, r),
                        description: Some(r.description.as_str()).filter(|d| !d.is_empty()),
                        capacity: r.capacity,
                    })
                    .collect(),
                days,
            },
        },
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// The schema's `time_zone_name` pattern, `^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$`: every canonical
/// `Area/City` zone fits, but legacy aliases (`US/Eastern`, `CET`) and `Etc/GMT+3` do not.
/// For those the field (which is optional) is left out rather than failing validation; the
/// offsets on every time still give the right instants.
pub(crate) fn zone_fits_schema(zone: &str) -> bool {
    let word = |s: &str| {
        let mut cs = s.chars();
        cs.next().is_some_and(|c| c.is_ascii_uppercase())
            && s.len() > 1
            && cs.next().is_some_and(|c| c.is_ascii_lowercase())
    };
    let prefix = zone.split_once('/').is_some_and(|(area, rest)| {
        word(area) && area[1..].chars().all(|c| c.is_ascii_lowercase()) && word(rest)
    });
    prefix || zone.ends_with("UTC")
}

#[derive(serde::Serialize)]
struct FileOut<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    generator: GeneratorOut,
    schedule: ScheduleOut<'a>,
}

#[derive(serde::Serialize)]
struct GeneratorOut {
    name: &'static str,
    version: &'static str,
}

#[derive(serde::Serialize)]
struct ScheduleOut<'a> {
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    conference: ConferenceOut<'a>,
}

#[derive(serde::Serialize)]
struct ConferenceOut<'a> {
    acronym: String,
    title: &'a str,
    start: String,
    end: String,
    #[serde(rename = "daysCount")]
    days_count: usize,
    timeslot_duration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_zone_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    tracks: Vec<TrackOut<'a>>,
    rooms: Vec<RoomOut<'a>>,
    days: Vec<DayOut<'a>>,
}

#[derive(serde::Serialize)]
struct TrackOut<'a> {
    name: &'a str,
}

#[derive(serde::Serialize)]
struct RoomOut<'a> {
    name: &'a str,
    guid: String,
    description: Option<&'a str>,
    capacity: Option<i64>,
}

#[derive(serde::Serialize)]
struct DayOut<'a> {
    index: i64,
    date: String,
    day_start: String,
    day_end: String,
    rooms: RoomsOut<'a>,
}

/// `{"Room name": [events…], …}` in room order.
struct RoomsOut<'a>(Vec<(&'a str, Vec<EventOut<'a>>)>);

impl Serialize for RoomsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, events) in &self.0 {
            map.serialize_entry(name, events)?;
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct EventOut<'a> {
    guid: String,
    id: i64,
    date: String,
    start: String,
    end: String,
    duration: String,
    room: &'a str,
    slug: String,
    url: String,
    title: &'a str,
    subtitle: &'a str,
    track: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    language: &'a str,
    #[serde(rename = "abstract")]
    abstract_text: &'a str,
    description: &'a str,
    persons: Vec<PersonOut<'a>>,
    links: [(); 0],
}

/// A person in the frab shape (`id` + `public_name`) plus pretalx's `code` and `biography`.
/// Not `name` as well: the schema's `oneOf` would then match both person shapes and fail.
#[derive(serde::Serialize)]
struct PersonOut<'a> {
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    public_name: &'a str,
    biography: &'a str,
}

impl<'a> From<&'a Person> for PersonOut<'a> {
    fn from(p: &'a Person) -> Self {
        let code_fits = !p.code.is_empty()
            && p.code
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        PersonOut {
            id: p.id,
            code: Some(p.code.as_str()).filter(|_| code_fits),
            public_name: &p.name,
            biography: &p.biography,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_the_schema_accepts() {
        for z in [
            "Europe/Moscow",
            "America/New_York",
            "UTC",
            "Etc/UTC",
            "America/Argentina/Buenos_Aires",
        ] {
            assert!(zone_fits_schema(z), "{z}");
        }
        for z in ["US/Eastern", "CET", "Etc/GMT+3", "EST5EDT"] {
            assert!(!zone_fits_schema(z), "{z}");
        }
    }
}
