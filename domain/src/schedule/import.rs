//! Reading a pretalx / c3voc `schedule.json` into a [`ScheduleDoc`].
//!
//! The file comes from outside (an organizer's upload, another system's export), so it is
//! treated as hostile: every value is checked for type, shape and size before it becomes part
//! of the document, and the answer to a bad file is the *list* of what is wrong with it, each
//! item with the JSON path and a short machine code, so an organizer can fix them in one go
//! and the UI can translate the codes. Nothing here panics on any input.
//!
//! What is read: the conference (acronym, title, dates, zone, grid step, url), its room list
//! (or, for frab files without one, the room names used by the days), the days and their
//! events with speakers. Fields the document has no place for (logos, links, recording flags,
//! pretalx answers) are ignored. Instants come from each event's `date`, which carries its
//! offset; the deprecated `start` (wall-clock `HH:MM`) is not needed and not trusted.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::doc::{Conference, Day, Person, Room, ScheduleDoc, Talk};
use super::layout::stable_guid;
use crate::clock::{MINUTE, Micros};

/// Largest file accepted, checked before parsing.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_EVENTS: usize = 5_000;
pub const MAX_ROOMS: usize = 100;
/// A year of daily programme is already far beyond any conference.
pub const MAX_DAYS: usize = 366;
pub const MAX_PERSONS_PER_EVENT: usize = 50;
/// Titles, subtitles (in characters).
pub const MAX_TITLE_CHARS: usize = 300;
/// Abstracts, descriptions, biographies (in characters).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Names of rooms, people, tracks, session types.
pub const MAX_NAME_CHARS: usize = 200;
/// URLs.
pub const MAX_URL_CHARS: usize = 2_000;
/// Identifiers: acronym, guid, code, slug, language, version.
pub const MAX_ID_CHARS: usize = 300;
/// A talk may last at most a day.
pub const MAX_MINUTES: i64 = 24 * 60;
/// Problems reported at most; a file with more is hopeless anyway, and the list stays readable.
pub const MAX_PROBLEMS: usize = 100;

/// One thing wrong with an imported file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    /// Where, as a JSON path: `schedule.conference.days[1].rooms["Gray Room"][0].duration`.
    pub path: String,
    /// What, as a stable machine code: `bad_json`, `too_large`, `wrong_type`, `missing`,
    /// `too_long`, `too_many`, `out_of_range`, `bad_date`, `bad_time`, `bad_duration`,
    /// `bad_zone`, `unknown_room`, `room_mismatch`, `duplicate`, `overlap`, `truncated`.
    pub code: &'static str,
    /// For people: the detail in English.
    pub detail: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(file)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} [{}]", self.detail, self.code)
    }
}

/// Reads a pretalx / c3voc `schedule.json`. On any problem nothing is returned but the
/// problems (at most [`MAX_PROBLEMS`]), so a half-read schedule can never be saved. Rooms get
/// ids by position (from 1); talks keep the file's ids.
pub fn parse_c3voc(json: &str) -> Result<ScheduleDoc, Vec<ImportProblem>> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(vec![ImportProblem {
            path: String::new(),
            code: "too_large",
            detail: format!(
                "the file has {} bytes, at most {MAX_INPUT_BYTES} are accepted",
                json.len()
            ),
        }]);
    }
    // serde_json refuses nesting deeper than 128 levels with an error, not a stack overflow.
    let root: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![ImportProblem {
                path: String::new(),
                code: "bad_json",
                detail: format!("not JSON: {e}"),
            }]);
        }
    };
    let mut r = Reader::default();
    let doc = r.schedule(&root);
    match doc {
        Some(doc) if r.problems.is_empty() => Ok(doc),
        _ => {
            if r.problems.is_empty() {
                // Unreachable by construction: every `None` records why.
                r.push("", "wrong_type", "the file could not be read".into());
            }
            Err(r.problems)
        }
    }
}

#[derive(Default)]
struct Reader {
    problems: Vec<ImportProblem>,
}

/// `"name"` for a path, JSON-quoted and cut short so a hostile key cannot bloat the report.
fn key(name: &str) -> String {
    serde_json::to_string(&short(name)).unwrap_or_default()
}

/// `parent.name`, or `name` at the top.
fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn short(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    } else {
        s.to_owned()
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `H:MM` / `HH:MM` (any number of hour digits, as the schema allows) to minutes.
fn duration_minutes(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 4 || m.len() != 2 {
        return None;
    }
    if !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60).then_some(h * 60 + m)
}

/// `2020-12-14`, or the date part of a date-time as written (conference dates may be either).
fn date(s: &str) -> Option<NaiveDate> {
    let d = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

/// An RFC 3339 date-time with its offset, to unix microseconds. Years are kept within
/// 1900..=9999 so arithmetic on the result can never overflow.
fn instant(s: &str) -> Option<Micros> {
    let t = DateTime::parse_from_rfc3339(s).ok()?;
    (1900..=9999)
        .contains(&t.naive_utc().year())
        .then(|| t.timestamp_micros())
}

impl Reader {
    fn push(&mut self, path: &str, code: &'static str, detail: String) {
        if self.problems.len() + 1 < MAX_PROBLEMS {
            self.problems.push(ImportProblem {
                path: path.to_owned(),
                code,
                detail,
            });
        } else if self.problems.len() + 1 == MAX_PROBLEMS {
            self.problems.push(ImportProblem {
                path: String::new(),
                code: "truncated",
                detail: format!("more problems; only the first {} are listed", MAX_PROBLEMS - 1),
            });
        }
    }

    fn object<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.push(
                    path,
                    "wrong_type",
                    format!("should be an object, is {}", type_name(other)),
                );
                None
            }
        }
    }

    fn array<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.push(
                    path,
                    "wrong_type",
                    format!("should be an array, is {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A field that must be present.
    fn required<'v>(&mut self, m: &'v Map<String, Value>, path: &str, name: &str) -> Option<&'v Value> {
        let v = m.get(name);
        if v.is_none() {
            self.push(&join(path, name), "missing", format!("`{name}` is required"));
        }
        v
    }

    /// A string of at most `max` characters; `None` (with a problem) when of another type or
    /// too long. `null` counts as absent.
    fn text_value(&mut self, v: &Value, path: &str, max: usize) -> Option<String> {
        match v {
            Value::String(s) => {
                // Counting stops early so a 20 MB string costs no more than needed.
                if s.chars().nth(max).is_some() {
                    self.push(path, "too_long", format!("longer than {max} characters"));
                    None
                } else {
                    Some(s.clone())
                }
            }
            other => {
                self.push(
                    path,
                    "wrong_type",
                    format!("should be a string, is {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A required string field.
    fn text(&mut self, m: &Map<String, Value>, path: &str, name: &str, max: usize) -> Option<String> {
        let v = self.required(m, path, name)?;
        self.text_value(v, &join(path, name), max)
    }

    /// An optional string field: absent or `null` reads as empty.
    fn opt_text(&mut self, m: &Map<String, Value>, path: &str, name: &str, max: usize) -> String {
        match m.get(name) {
            None | Some(Value::Null) => String::new(),
            Some(v) => self.text_value(v, &join(path, name), max).unwrap_or_default(),
        }
    }

    fn integer(&mut self, v: &Value, path: &str) -> Option<i64> {
        let n = v.as_i64();
        if n.is_none() {
            self.push(
                path,
                "wrong_type",
                format!("should be an integer, is {}", type_name(v)),
            );
        }
        n
    }

    fn duration(&mut self, v: &Value, path: &str) -> Option<i64> {
        let s = self.text_value(v, path, 10)?;
        match duration_minutes(&s) {
            Some(m) if (1..=MAX_MINUTES).contains(&m) => Some(m),
            Some(m) => {
                self.push(
                    path,
                    "bad_duration",
                    format!("{m} minutes; must be more than 0 and at most 24 hours"),
                );
                None
            }
            None => {
                self.push(path, "bad_duration", format!("{:?} is not HH:MM", short(&s)));
                None
            }
        }
    }

    fn instant_field(&mut self, m: &Map<String, Value>, path: &str, name: &str) -> Option<Micros> {
        let s = self.text(m, path, name, 64)?;
        let at = instant(&s);
        if at.is_none() {
            self.push(
                &join(path, name),
                "bad_time",
                format!(
                    "{:?} is not a date-time with offset (2020-12-14T09:00:00+01:00)",
                    short(&s)
                ),
            );
        }
        at
    }

    fn date_field(&mut self, m: &Map<String, Value>, path: &str, name: &str) -> Option<NaiveDate> {
        let s = self.text(m, path, name, 64)?;
        let d = date(&s);
        if d.is_none() {
            self.push(
                &join(path, name),
                "bad_date",
                format!("{:?} is not a date (2020-12-14)", short(&s)),
            );
        }
        d
    }

    fn schedule(&mut self, root: &Value) -> Option<ScheduleDoc> {
        let root = self.object(root, "")?;
        let sched_v = self.required(root, "", "schedule")?;
        let path = "schedule";
        let sched = self.object(sched_v, path)?;
        let version = self.text(sched, path, "version", MAX_ID_CHARS);
        let base_url = self.opt_text(sched, path, "base_url", MAX_URL_CHARS);
        let conf_v = self.required(sched, path, "conference")?;
        let path = "schedule.conference";
        let conf = self.object(conf_v, path)?;
        let acronym = self.text(conf, path, "acronym", MAX_ID_CHARS);
        let title = self.text(conf, path, "title", MAX_TITLE_CHARS);
        let start = self.date_field(conf, path, "start");
        let end = self.date_field(conf, path, "end");
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            self.push(
                &format!("{path}.end"),
                "bad_date",
                format!("the end {e} is before the start {s}"),
            );
        }
        let time_zone = match conf.get("time_zone_name") {
            // The schema makes the zone optional; the offsets on every time still hold.
            None | Some(Value::Null) => Some(chrono_tz::UTC),
            Some(v) => {
                let p = format!("{path}.time_zone_name");
                self.text_value(v, &p, 64).and_then(|z| {
                    let tz = z.parse::<chrono_tz::Tz>().ok();
                    if tz.is_none() {
                        self.push(
                            &p,
                            "bad_zone",
                            format!("{:?} is not an IANA time zone", short(&z)),
                        );
                    }
                    tz
                })
            }
        };
        let grid_minutes = match conf.get("timeslot_duration") {
            None | Some(Value::Null) => Some(5),
            Some(v) => self.duration(v, &format!("{path}.timeslot_duration")),
        };
        let url = self.opt_text(conf, path, "url", MAX_URL_CHARS);

        let listed_rooms = match conf.get("rooms") {
            None | Some(Value::Null) => None,
            // A broken list is reported; the days' names stand in so the events still get checked.
            Some(v) => Some(self.rooms(v, &base_url)),
        };
        let days_v = self.required(conf, path, "days");
        let days_a = days_v.and_then(|v| self.array(v, &format!("{path}.days")));
        let days_a: &[Value] = days_a.map_or(&[], |a| a.as_slice());
        if days_a.len() > MAX_DAYS {
            self.push(
                &format!("{path}.days"),
                "too_many",
                format!("{} days, at most {MAX_DAYS}", days_a.len()),
            );
            return None;
        }
        // frab files have no room list: their rooms are the names the days use, in order of
        // first appearance (within a day, in the file's key order as parsed).
        let rooms = match listed_rooms {
            Some(Some(rooms)) => rooms,
            Some(None) | None => self.rooms_from_days(days_a, &base_url)?,
        };
        let by_name: HashMap<&str, i64> = rooms.iter().map(|r| (r.name.as_str(), r.id)).collect();

        let mut days = Vec::new();
        let mut talks: Vec<(Talk, String)> = Vec::new();
        let mut seen_index = HashSet::new();
        let mut too_many_reported = false;
        for (i, day_v) in days_a.iter().enumerate() {
            let path = format!("schedule.conference.days[{i}]");
            let Some(day) = self.object(day_v, &path) else {
                continue;
            };
            let index = self
                .required(day, &path, "index")
                .and_then(|v| self.integer(v, &format!("{path}.index")));
            match index {
                Some(n) if n < 1 => self.push(
                    &format!("{path}.index"),
                    "out_of_range",
                    "must be 1 or more".into(),
                ),
                Some(n) if !seen_index.insert(n) => self.push(
                    &format!("{path}.index"),
                    "duplicate",
                    format!("day {n} appears twice"),
                ),
                _ => {}
            }
            let date = self.date_field(day, &path, "date");
            let starts_at = self.instant_field(day, &path, "day_start");
            let ends_at = self.instant_field(day, &path, "day_end");
            if let (Some(s), Some(e)) = (starts_at, ends_at)
                && e < s
            {
                self.push(
                    &format!("{path}.day_end"),
                    "bad_time",
                    "the day ends before it starts".into(),
                );
            }
            if let (Some(index), Some(date), Some(starts_at), Some(ends_at)) =
                (index, date, starts_at, ends_at)
            {
                days.push(Day {
                    index,
                    date,
                    starts_at,
                    ends_at,
                });
            }
            let Some(rooms_v) = self.required(day, &path, "rooms") else {
                continue;
            };
            let Some(day_rooms) = self.object(rooms_v, &format!("{path}.rooms")) else {
                continue;
            };
            for (room_name, events_v) in day_rooms {
                let rpath = format!("{path}.rooms[{}]", key(room_name));
                let room_id = by_name.get(room_name.as_str()).copied();
                if room_id.is_none() {
                    self.push(
                        &rpath,
                        "unknown_room",
                        format!("{} is not in the room list", key(room_name)),
                    );
                }
                let Some(events) = self.array(events_v, &rpath) else {
                    continue;
                };
                for (j, ev) in events.iter().enumerate() {
                    if talks.len() >= MAX_EVENTS {
                        if !too_many_reported {
                            too_many_reported = true;
                            self.push(
                                "schedule.conference.days",
                                "too_many",
                                format!("more than {MAX_EVENTS} events"),
                            );
                        }
                        break;
                    }
                    let epath = format!("{rpath}[{j}]");
                    if let Some(t) = self.event(ev, &epath, room_name, room_id) {
                        talks.push((t, epath));
                    }
                }
            }
        }
        self.cross_checks(&talks);

        let doc = ScheduleDoc {
            version: version?,
            base_url,
            conference: Conference {
                acronym: acronym?,
                title: title?,
                start: start?,
                end: end?,
                time_zone: time_zone?,
                grid_minutes: grid_minutes?,
                url,
            },
            rooms,
            days: {
                days.sort_by_key(|d| (d.date, d.index));
                days
            },
            talks: {
                let mut talks: Vec<Talk> = talks.into_iter().map(|(t, _)| t).collect();
                talks.sort_by_key(|t| (t.starts_at, t.room_id, t.id));
                talks
            },
        };
        Some(doc)
    }

    /// The conference's room list; ids are positions from 1. Guids are kept as written (pretalx
    /// has been seen to give every room the same one), and made up only when missing.
    fn rooms(&mut self, v: &Value, base_url: &str) -> Option<Vec<Room>> {
        let path = "schedule.conference.rooms";
        let list = self.array(v, path)?;
        if list.len() > MAX_ROOMS {
            self.push(
                path,
                "too_many",
                format!("{} rooms, at most {MAX_ROOMS}", list.len()),
            );
            return None;
        }
        let mut rooms = Vec::new();
        let mut names = HashSet::new();
        for (i, room_v) in list.iter().enumerate() {
            let path = format!("{path}[{i}]");
            let Some(room) = self.object(room_v, &path) else {
                continue;
            };
            let id = i as i64 + 1;
            let Some(name) = self.text(room, &path, "name", MAX_NAME_CHARS) else {
                continue;
            };
            if !names.insert(name.clone()) {
                self.push(
                    &format!("{path}.name"),
                    "duplicate",
                    format!("{} is listed twice", key(&name)),
                );
            }
            let guid = match self.opt_text(room, &path, "guid", MAX_ID_CHARS) {
                g if g.is_empty() => stable_guid("room", base_url, id),
                g => g,
            };
            let description = match room.get("description") {
                // Translations ({"en": "…", "de": "…"}): English, else any one.
                Some(Value::Object(tr)) => {
                    let pick = tr.get("en").or_else(|| tr.values().find(|v| v.is_string()));
                    match pick {
                        Some(v) => self
                            .text_value(v, &format!("{path}.description"), MAX_TEXT_CHARS)
                            .unwrap_or_default(),
                        None => String::new(),
                    }
                }
                _ => self.opt_text(room, &path, "description", MAX_TEXT_CHARS),
            };
            let capacity = match room.get("capacity") {
                None | Some(Value::Null) => None,
                Some(v) => {
                    // The schema says "number": 120.0 is fine, 12.5 seats is not.
                    let n = v.as_i64().or_else(|| {
                        v.as_f64()
                            .filter(|f| f.fract() == 0.0 && f.abs() < 1e12)
                            .map(|f| f as i64)
                    });
                    match n {
                        Some(n) if n >= 0 => Some(n),
                        _ => {
                            self.push(
                                &format!("{path}.capacity"),
                                "wrong_type",
                                "should be a whole number of seats".into(),
                            );
                            None
                        }
                    }
                }
            };
            rooms.push(Room {
                id,
                name,
                capacity,
                description,
                guid,
            });
        }
        Some(rooms)
    }

    fn rooms_from_days(&mut self, days: &[Value], base_url: &str) -> Option<Vec<Room>> {
        let mut names: Vec<&str> = Vec::new();
        for day in days {
            if let Some(Value::Object(rooms)) = day.get("rooms") {
                for name in rooms.keys() {
                    if !names.contains(&name.as_str()) {
                        if names.len() == MAX_ROOMS {
                            self.push(
                                "schedule.conference.days",
                                "too_many",
                                format!("more than {MAX_ROOMS} rooms"),
                            );
                            return None;
                        }
                        names.push(name);
                    }
                }
            }
        }
        let mut rooms = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            if name.chars().nth(MAX_NAME_CHARS).is_some() {
                self.push(
                    &format!("schedule.conference.days[].rooms[{}]", key(name)),
                    "too_long",
                    format!("a room name longer than {MAX_NAME_CHARS} characters"),
                );
                continue;
            }
            let id = i as i64 + 1;
            rooms.push(Room {
                id,
                name: name.to_owned(),
                capacity: None,
                description: String::new(),
                guid: stable_guid("room", base_url, id),
            });
        }
        Some(rooms)
    }

    fn event(&mut self, v: &Value, path: &str, room_key: &str, room_id: Option<i64>) -> Option<Talk> {
        let ev = self.object(v, path)?;
        let id = self
            .required(ev, path, "id")
            .and_then(|v| self.integer(v, &format!("{path}.id")));
        if id.is_some_and(|id| id < 1) {
            self.push(&format!("{path}.id"), "out_of_range", "must be 1 or more".into());
        }
        let guid = self.text(ev, path, "guid", MAX_ID_CHARS);
        let starts_at = self.instant_field(ev, path, "date");
        let minutes = self
            .required(ev, path, "duration")
            .and_then(|v| self.duration(v, &format!("{path}.duration")));
        let room = self.text(ev, path, "room", MAX_NAME_CHARS);
        // Under an unknown key the key is the problem, already reported.
        if let (Some(room), Some(_)) = (&room, room_id)
            && room != room_key
        {
            self.push(
                &format!("{path}.room"),
                "room_mismatch",
                format!("says {} but is listed under {}", key(room), key(room_key)),
            );
        }
        let title = self.text(ev, path, "title", MAX_TITLE_CHARS);
        let subtitle = self.opt_text(ev, path, "subtitle", MAX_TITLE_CHARS);
        let track = Some(self.opt_text(ev, path, "track", MAX_NAME_CHARS)).filter(|t| !t.is_empty());
        let session_type = self.opt_text(ev, path, "type", MAX_NAME_CHARS);
        let language = self.opt_text(ev, path, "language", MAX_ID_CHARS);
        let abstract_text = self.opt_text(ev, path, "abstract", MAX_TEXT_CHARS);
        let description = self.opt_text(ev, path, "description", MAX_TEXT_CHARS);
        let url = self.opt_text(ev, path, "url", MAX_URL_CHARS);
        let slug = self.opt_text(ev, path, "slug", MAX_ID_CHARS);
        let persons = self.persons(ev, path);
        Some(Talk {
            id: id.filter(|id| *id >= 1)?,
            guid: guid?,
            room_id: room_id?,
            starts_at: starts_at?,
            minutes: minutes?,
            title: title?,
            subtitle,
            track,
            session_type,
            language,
            abstract_text,
            description,
            url,
            slug,
            persons: persons?,
        })
    }

    fn persons(&mut self, ev: &Map<String, Value>, path: &str) -> Option<Vec<Person>> {
        let v = self.required(ev, path, "persons")?;
        let path = format!("{path}.persons");
        let list = self.array(v, &path)?;
        if list.len() > MAX_PERSONS_PER_EVENT {
            self.push(
                &path,
                "too_many",
                format!("{} persons, at most {MAX_PERSONS_PER_EVENT}", list.len()),
            );
            return None;
        }
        let mut persons = Vec::new();
        let mut ok = true;
        for (k, p) in list.iter().enumerate() {
            let path = format!("{path}[{k}]");
            let Some(p) = self.object(p, &path) else {
                ok = false;
                continue;
            };
            let id = match p.get("id") {
                None | Some(Value::Null) => Some(0),
                Some(v) => self.integer(v, &format!("{path}.id")),
            };
            // frab and older pretalx say `public_name`, the schema's newer shape says `name`.
            let name_field = if p.contains_key("public_name") {
                "public_name"
            } else {
                "name"
            };
            let name = self.text(p, &path, name_field, MAX_NAME_CHARS);
            let code = self.opt_text(p, &path, "code", MAX_ID_CHARS);
            let biography = self.opt_text(p, &path, "biography", MAX_TEXT_CHARS);
            match (id, name) {
                (Some(id), Some(name)) => persons.push(Person {
                    id,
                    code,
                    name,
                    biography,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(persons)
    }

    /// What no single event shows: one id used twice, and two events in one room at once.
    fn cross_checks(&mut self, talks: &[(Talk, String)]) {
        let mut ids: HashMap<i64, &str> = HashMap::new();
        for (t, path) in talks {
            if let Some(first) = ids.insert(t.id, path) {
                self.push(
                    &format!("{path}.id"),
                    "duplicate",
                    format!("id {} is also used at {first}", t.id),
                );
            }
        }
        let mut by_room: HashMap<i64, Vec<(&Talk, &str)>> = HashMap::new();
        for (t, path) in talks {
            by_room.entry(t.room_id).or_default().push((t, path));
        }
        let mut rooms: Vec<_> = by_room.into_iter().collect();
        rooms.sort_by_key(|(id, _)| *id);
        for (_, mut list) in rooms {
            list.sort_by_key(|(t, _)| (t.starts_at, t.id));
            // Compared with the latest-ending event so far, so one long event overlapping
            // several short ones is reported for each of them.
            let mut latest: Option<(Micros, &str)> = None;
            for (t, path) in list {
                if let Some((end, other)) = latest
                    && t.starts_at < end
                {
                    self.push(path, "overlap", format!("starts before {other} ends"));
                }
                let end = t.starts_at + t.minutes * MINUTE;
                if latest.is_none_or(|(e, _)| end > e) {
                    latest = Some((end, path));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_dates_and_instants() {
        assert_eq!(duration_minutes("00:30"), Some(30));
        assert_eq!(duration_minutes("1:05"), Some(65));
        assert_eq!(duration_minutes("24:00"), Some(1440));
        assert_eq!(duration_minutes("00:60"), None);
        assert_eq!(duration_minutes("30"), None);
        assert_eq!(duration_minutes("-1:00"), None);
        assert_eq!(duration_minutes("99999999999:00"), None);
        assert_eq!(date("2020-12-14"), NaiveDate::from_ymd_opt(2020, 12, 14));
        assert_eq!(
            date("2020-12-14T10:00:00+01:00"),
            NaiveDate::from_ymd_opt(2020, 12, 14)
        );
        assert_eq!(date("2020-12-1"), None);
        assert_eq!(date("2020-12-14x"), None);
        assert_eq!(date("дата-дата-д"), None);
        assert_eq!(instant("2020-12-14T09:00:00+01:00"), Some(1_607_932_800_000_000));
        assert_eq!(instant("2020-12-14T09:00:00"), None);
        assert_eq!(instant("0001-01-01T00:00:00Z"), None);
    }

    #[test]
    fn problems_display_with_path_and_code() {
        let p = ImportProblem {
            path: "schedule.version".into(),
            code: "missing",
            detail: "`version` is required".into(),
        };
        assert_eq!(p.to_string(), "schedule.version: `version` is required [missing]");
    }
}
