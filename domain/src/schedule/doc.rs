//! A schedule as the exchange formats see it: one conference, its days and rooms, and the
//! talks placed in them with their speakers. Exports (frab XML, c3voc JSON, iCal, CSV) are
//! written from a [`ScheduleDoc`], and an import (a pretalx / c3voc `schedule.json`) is read
//! into one, so the formats never touch the database and the database never sees a format.

use crate::clock::Micros;

#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleDoc {
    /// The published version's label, e.g. `3: Final` (free text in both formats).
    pub version: String,
    /// The site's public address, no trailing slash (`https://sbor.example.org`).
    pub base_url: String,
    pub conference: Conference,
    /// In display order.
    pub rooms: Vec<Room>,
    /// In date order; `index` counts from 1.
    pub days: Vec<Day>,
    /// Every placed talk, in start order (then room order).
    pub talks: Vec<Talk>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conference {
    /// Short name used in ids and file names (the community's or event's slug).
    pub acronym: String,
    pub title: String,
    /// First and last day, in the conference's zone.
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    /// IANA zone, e.g. `Europe/Moscow`; every local time in the formats is in it.
    pub time_zone: chrono_tz::Tz,
    /// The editor's grid step in minutes (5 by default).
    pub grid_minutes: i64,
    /// The conference's page.
    pub url: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Room {
    /// Our id on export; on import, the position in the file.
    pub id: i64,
    pub name: String,
    pub capacity: Option<i64>,
    pub description: String,
    /// A stable UUID (formats require one); derived from the id on export.
    pub guid: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    pub index: i64,
    pub date: chrono::NaiveDate,
    /// The day's first and last instant of the programme.
    pub starts_at: Micros,
    pub ends_at: Micros,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Talk {
    /// Our talk id on export; on import, the file's id.
    pub id: i64,
    pub guid: String,
    /// The `id` of a room in [`ScheduleDoc::rooms`].
    pub room_id: i64,
    pub starts_at: Micros,
    pub minutes: i64,
    pub title: String,
    pub subtitle: String,
    /// Track name, if any.
    pub track: Option<String>,
    /// Session type ("Talk", "Workshop").
    pub session_type: String,
    /// `en`, `ru`, …
    pub language: String,
    /// Plain text / markdown as the speaker wrote it.
    pub abstract_text: String,
    pub description: String,
    /// The talk's public page.
    pub url: String,
    /// Unique within the conference (`<acronym>-<id>-<title words>`).
    pub slug: String,
    pub persons: Vec<Person>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// Our user id on export; on import, the file's id (0 when it has none).
    pub id: i64,
    /// A short stable code (pretalx's `code`); on export derived from the id.
    pub code: String,
    pub name: String,
    pub biography: String,
}
