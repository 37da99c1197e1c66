//! The whole programme as an iCalendar feed (one entry per talk, for people who subscribe in
//! their calendar app) and as CSV (for organizers' spreadsheets: room signs, volunteer
//! plans). Both reuse the crate's writers, so escaping, line folding, the BOM and formula
//! defusing work exactly as in every other Sbor calendar and spreadsheet.

use super::doc::ScheduleDoc;
use super::layout;
use crate::accounts::Site;
use crate::clock::{MINUTE, Micros};
use crate::ics::{escape, line, utc};

/// The schedule as an iCalendar feed. Times are UTC (as in [`crate::ics`]), so no VTIMEZONE
/// is needed. `stamp` is the DTSTAMP (the publication time; a parameter so the output is a
/// pure function of its inputs), and `sequence` the published version's number: a new
/// release raises it, so calendar apps replace entries instead of keeping stale times.
pub fn ics(doc: &ScheduleDoc, stamp: Micros, sequence: i64) -> String {
    let host = Site {
        base_url: doc.base_url.clone(),
    }
    .host();
    let rooms = layout::rooms(doc);
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Sbor//Sbor//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(
        &mut out,
        &format!("X-WR-CALNAME:{}", escape(&doc.conference.title)),
    );
    line(
        &mut out,
        &format!("X-WR-TIMEZONE:{}", doc.conference.time_zone.name()),
    );
    let stamp = utc(stamp);
    for t in &doc.talks {
        line(&mut out, "BEGIN:VEVENT");
        // Distinct from event UIDs (`event-…`), stable for the talk's life.
        line(&mut out, &format!("UID:talk-{}@{host}", t.id));
        line(&mut out, &format!("SEQUENCE:{sequence}"));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART:{}", utc(t.starts_at)));
        line(
            &mut out,
            &format!("DTEND:{}", utc(t.starts_at + t.minutes * MINUTE)),
        );
        line(&mut out, &format!("SUMMARY:{}", escape(&t.title)));
        if let Some(room) = rooms.iter().find(|r| r.id == t.room_id) {
            line(&mut out, &format!("LOCATION:{}", escape(&room.name)));
        }
        let speakers = speakers(t);
        let description = [speakers.as_str(), t.abstract_text.trim(), t.url.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        if !description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&description)));
        }
        if let Some(track) = t.track.as_deref().filter(|s| !s.is_empty()) {
            line(&mut out, &format!("CATEGORIES:{}", escape(track)));
        }
        if !t.url.is_empty() {
            line(&mut out, &format!("URL:{}", t.url));
        }
        line(&mut out, "STATUS:CONFIRMED");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// The schedule as CSV, one talk a row in start order, times on the conference's wall clock
/// (the zone is in its own column so a sheet passed around stays unambiguous).
pub fn csv(doc: &ScheduleDoc) -> String {
    let tz = doc.conference.time_zone;
    let rooms = layout::rooms(doc);
    let header = [
        "id",
        "date",
        "start",
        "end",
        "minutes",
        "time_zone",
        "room",
        "title",
        "subtitle",
        "speakers",
        "track",
        "type",
        "language",
        "url",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = doc.talks.iter().map(|t| {
        let start = layout::local(t.starts_at, tz);
        let end = layout::local(t.starts_at + t.minutes * MINUTE, tz);
        vec![
            t.id.to_string(),
            start.format("%Y-%m-%d").to_string(),
            start.format("%H:%M").to_string(),
            end.format("%H:%M").to_string(),
            t.minutes.to_string(),
            tz.name().to_owned(),
            rooms
                .iter()
                .find(|r| r.id == t.room_id)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            t.title.clone(),
            t.subtitle.clone(),
            speakers(t),
            t.track.clone().unwrap_or_default(),
            t.session_type.clone(),
            t.language.clone(),
            t.url.clone(),
        ]
    });
    crate::csv::document(std::iter::once(header).chain(rows))
}

fn speakers(t: &super::doc::Talk) -> String {
    t.persons
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
