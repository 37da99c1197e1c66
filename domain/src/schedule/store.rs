//! The schedule draft in the database: programme hours and grid, rooms, breaks, and where
//! each confirmed talk is. Organizers only; the public never reads the draft (see
//! [`publish`](super::publish)).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use sqlx::Row;

use super::conflicts::{Conflict, conflicts};
use super::plan::{self, Placement, Plan, Window};
use super::solver::{self, Infeasible, Note};
use crate::accounts::User;
use crate::cfp;
use crate::clock::{self, MINUTE, Micros};
use crate::db::Db;
use crate::error::{DomainError, Result};
use crate::events::Event;

pub const GRID_CHOICES: [i64; 4] = [5, 10, 15, 30];
pub const MAX_ROOMS: usize = 50;
pub const MAX_NAME: usize = 100;
/// A talk without a session type (or length of its own) is planned at this length.
pub const DEFAULT_MINUTES: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub grid_minutes: i64,
    pub day_start: NaiveTime,
    pub day_end: NaiveTime,
}

/// One day of the conference: its local date and the programme's hours as instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub window: Window,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    pub id: i64,
    pub name: String,
    pub capacity: Option<i64>,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub id: i64,
    pub room_id: Option<i64>,
    pub starts_at: Micros,
    pub ends_at: Micros,
    pub label: String,
}

/// A confirmed talk of the event as the editor shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchedTalk {
    pub id: i64,
    pub title: String,
    pub minutes: i64,
    pub track_id: Option<i64>,
    pub track: Option<(String, String)>,
    pub speakers: Vec<(i64, String)>,
    /// Speakers without an account (imported).
    pub guests: Vec<String>,
    /// Favourites.
    pub popularity: i64,
    /// `(room, start, pinned)` in the draft.
    pub slot: Option<(i64, Micros, bool)>,
}

impl SchedTalk {
    pub fn speaker_names(&self) -> Vec<String> {
        self.speakers
            .iter()
            .map(|(_, n)| n.clone())
            .chain(self.guests.iter().cloned())
            .collect()
    }
}

/// Everything the editor needs.
#[derive(Clone, Debug)]
pub struct Draft {
    pub event: Event,
    pub settings: Settings,
    pub days: Vec<Day>,
    pub rooms: Vec<Room>,
    pub blocks: Vec<Block>,
    pub talks: Vec<SchedTalk>,
    pub plan: Plan,
    pub conflicts: Vec<Conflict>,
}

/// The event's schedule settings; until saved, the hours come from the event's own start and
/// end (or 09:00–19:00 when those do not make a day).
pub async fn settings(db: &Db, event: &Event) -> Result<Settings> {
    let row =
        sqlx::query("SELECT grid_minutes, day_start, day_end FROM schedule_settings WHERE event_id = $1")
            .bind(event.id)
            .fetch_optional(db.read())
            .await?;
    let time = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
    if let Some(row) = row {
        let start: String = row.try_get("day_start")?;
        let end: String = row.try_get("day_end")?;
        if let (Some(day_start), Some(day_end)) = (time(&start), time(&end)) {
            return Ok(Settings {
                grid_minutes: row.try_get("grid_minutes")?,
                day_start,
                day_end,
            });
        }
    }
    let tz = event.tz();
    let local = |at: Micros| clock::to_datetime(at).with_timezone(&tz).time();
    let (start, end) = (local(event.starts_at), local(event.ends_at));
    let (day_start, day_end) = if end > start {
        (start, end)
    } else {
        (
            NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(19, 0, 0).unwrap_or_default(),
        )
    };
    Ok(Settings {
        grid_minutes: 5,
        day_start,
        day_end,
    })
}

pub async fn save_settings(
    db: &Db,
    actor: &User,
    event_id: i64,
    grid_minutes: i64,
    day_start: &str,
    day_end: &str,
) -> Result<()> {
    cfp::organized_event(db, actor, event_id).await?;
    if !GRID_CHOICES.contains(&grid_minutes) {
        return Err(DomainError::invalid("grid_minutes", "out_of_range"));
    }
    let parse = |raw: &str, field: &'static str| {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map_err(|_| DomainError::invalid(field, "invalid_time"))
    };
    let (start, end) = (parse(day_start, "day_start")?, parse(day_end, "day_end")?);
    if end <= start {
        return Err(DomainError::invalid("day_end", "ends_before_start"));
    }
    sqlx::query(
        "INSERT INTO schedule_settings (event_id, grid_minutes, day_start, day_end, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO UPDATE SET grid_minutes = $2, \
         day_start = $3, day_end = $4, updated_at = $5",
    )
    .bind(event_id)
    .bind(grid_minutes)
    .bind(start.format("%H:%M").to_string())
    .bind(end.format("%H:%M").to_string())
    .bind(clock::now())
    .execute(db.write())
    .await?;
    Ok(())
}

/// The conference's days: every local date from the event's start to its end, with the
/// programme's hours in the event's zone (DST-safe: each day is resolved on its own).
pub fn days(event: &Event, s: &Settings) -> Vec<Day> {
    let tz = event.tz();
    let date = |at: Micros| clock::to_datetime(at).with_timezone(&tz).date_naive();
    let (first, last) = (
        date(event.starts_at),
        date(event.ends_at).max(date(event.starts_at)),
    );
    let instant = |d: NaiveDate, t: NaiveTime| {
        d.and_time(t)
            .and_local_timezone(tz)
            .earliest()
            .map(|x| x.timestamp_micros())
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .take(31)
        .filter_map(|d| {
            Some(Day {
                date: d,
                window: Window::new(instant(d, s.day_start)?, instant(d, s.day_end)?),
            })
        })
        .collect()
}

fn room_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("name", "required"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(DomainError::invalid("name", "too_long"));
    }
    Ok(name.to_owned())
}

fn capacity(value: Option<i64>) -> Result<Option<i64>> {
    match value {
        Some(c) if !(1..=100_000).contains(&c) => Err(DomainError::invalid("capacity", "out_of_range")),
        other => Ok(other),
    }
}

fn room_from(row: &sqlx::any::AnyRow) -> Result<Room> {
    Ok(Room {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        capacity: row.try_get("capacity")?,
        position: row.try_get("position")?,
    })
}

pub async fn rooms(db: &Db, event_id: i64) -> Result<Vec<Room>> {
    sqlx::query("SELECT id, name, capacity, position FROM rooms WHERE event_id = $1 ORDER BY position, id")
        .bind(event_id)
        .fetch_all(db.read())
        .await?
        .iter()
        .map(room_from)
        .collect()
}

fn unique_name(e: sqlx::Error) -> DomainError {
    if crate::db::is_unique_violation(&e) {
        DomainError::invalid("name", "name_taken")
    } else {
        e.into()
    }
}

pub async fn add_room(db: &Db, actor: &User, event_id: i64, name: &str, cap: Option<i64>) -> Result<Room> {
    cfp::organized_event(db, actor, event_id).await?;
    let name = room_name(name)?;
    let cap = capacity(cap)?;
    if rooms(db, event_id).await?.len() >= MAX_ROOMS {
        return Err(DomainError::Refused("too_many_rooms"));
    }
    let row = sqlx::query(
        "INSERT INTO rooms (event_id, name, capacity, position) VALUES ($1, $2, $3, \
           (SELECT COALESCE(MAX(position), 0) + 1 FROM rooms WHERE event_id = $1)) \
         RETURNING id, name, capacity, position",
    )
    .bind(event_id)
    .bind(name)
    .bind(cap)
    .fetch_one(db.write())
    .await
    .map_err(unique_name)?;
    room_from(&row)
}

pub async fn update_room(
    db: &Db,
    actor: &User,
    event_id: i64,
    id: i64,
    name: &str,
    cap: Option<i64>,
    position: i64,
) -> Result<Room> {
    cfp::organized_event(db, actor, event_id).await?;
    let name = room_name(name)?;
    let cap = capacity(cap)?;
    let row = sqlx::query(
        "UPDATE rooms SET name = $1, capacity = $2, position = $3 WHERE id = $4 AND event_id = $5 \
         RETURNING id, name, capacity, position",
    )
    .bind(name)
    .bind(cap)
    .bind(position)
    .bind(id)
    .bind(event_id)
    .fetch_optional(db.write())
    .await
    .map_err(unique_name)?
    .ok_or(DomainError::NotFound)?;
    room_from(&row)
}

/// Deletes a room; its talks go back to the unscheduled list.
pub async fn delete_room(db: &Db, actor: &User, event_id: i64, id: i64) -> Result<()> {
    cfp::delete_item(db, actor, "rooms", event_id, id).await
}

pub async fn blocks(db: &Db, event_id: i64) -> Result<Vec<Block>> {
    sqlx::query(
        "SELECT id, room_id, starts_at, ends_at, label FROM schedule_blocks WHERE event_id = $1 ORDER BY starts_at, id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(|r| {
        Ok(Block {
            id: r.try_get("id")?,
            room_id: r.try_get("room_id")?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            label: r.try_get("label")?,
        })
    })
    .collect()
}

/// Adds a break (all rooms) or a room's blocked time.
pub async fn add_block(
    db: &Db,
    actor: &User,
    event_id: i64,
    room_id: Option<i64>,
    window: Window,
    label: &str,
) -> Result<()> {
    cfp::organized_event(db, actor, event_id).await?;
    if window.is_empty() {
        return Err(DomainError::invalid("ends_at", "ends_before_start"));
    }
    if let Some(room) = room_id
        && !rooms(db, event_id).await?.iter().any(|r| r.id == room)
    {
        return Err(DomainError::NotFound);
    }
    let label = label.trim();
    if label.chars().count() > MAX_NAME {
        return Err(DomainError::invalid("label", "too_long"));
    }
    sqlx::query(
        "INSERT INTO schedule_blocks (event_id, room_id, starts_at, ends_at, label) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(event_id)
    .bind(room_id)
    .bind(window.start)
    .bind(window.end)
    .bind(label)
    .execute(db.write())
    .await?;
    Ok(())
}

pub async fn delete_block(db: &Db, actor: &User, event_id: i64, id: i64) -> Result<()> {
    cfp::delete_item(db, actor, "schedule_blocks", event_id, id).await
}

/// The confirmed talks of the event with their draft slots, popularity and speakers.
pub async fn talks(db: &Db, event_id: i64) -> Result<Vec<SchedTalk>> {
    let rows = sqlx::query(&format!(
        "SELECT t.id, t.title, COALESCE(t.minutes, st.minutes, {DEFAULT_MINUTES}) AS minutes, t.track_id, \
           tr.name AS track_name, tr.colour AS track_colour, s.room_id, s.starts_at, s.pinned, \
           (SELECT COUNT(*) FROM favourites f WHERE f.talk_id = t.id) AS popularity \
         FROM talks t \
         LEFT JOIN session_types st ON st.id = t.session_type_id \
         LEFT JOIN tracks tr ON tr.id = t.track_id \
         LEFT JOIN schedule_slots s ON s.talk_id = t.id \
         WHERE t.event_id = $1 AND t.state = 'confirmed' ORDER BY t.id"
    ))
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    let mut speakers: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for r in sqlx::query(
        "SELECT ts.talk_id, u.id, u.display_name FROM talk_speakers ts JOIN users u ON u.id = ts.user_id \
         JOIN talks t ON t.id = ts.talk_id WHERE t.event_id = $1 ORDER BY ts.joined_at, u.id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    {
        speakers
            .entry(r.try_get("talk_id")?)
            .or_default()
            .push((r.try_get("id")?, r.try_get("display_name")?));
    }
    let mut guests: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(
        "SELECT g.talk_id, g.name FROM talk_guests g JOIN talks t ON t.id = g.talk_id WHERE t.event_id = $1 \
         ORDER BY g.position, g.id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    {
        guests
            .entry(r.try_get("talk_id")?)
            .or_default()
            .push(r.try_get("name")?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let track_name: Option<String> = r.try_get("track_name")?;
            let track_colour: Option<String> = r.try_get("track_colour")?;
            let room: Option<i64> = r.try_get("room_id")?;
            let start: Option<i64> = r.try_get("starts_at")?;
            let pinned: Option<i64> = r.try_get("pinned")?;
            Ok(SchedTalk {
                id,
                title: r.try_get("title")?,
                minutes: r.try_get("minutes")?,
                track_id: r.try_get("track_id")?,
                track: track_name.zip(track_colour),
                speakers: speakers.remove(&id).unwrap_or_default(),
                guests: guests.remove(&id).unwrap_or_default(),
                popularity: r.try_get("popularity")?,
                slot: room
                    .zip(start)
                    .map(|(room, start)| (room, start, pinned == Some(1))),
            })
        })
        .collect()
}

/// A talk's speakers without an account here (imported): `(name, biography)`, in order.
pub async fn guests(db: &Db, talk_id: i64) -> Result<Vec<(String, String)>> {
    sqlx::query("SELECT name, biography FROM talk_guests WHERE talk_id = $1 ORDER BY position, id")
        .bind(talk_id)
        .fetch_all(db.read())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("biography")?)))
        .collect()
}

/// The speakers' availability (from their profiles), as windows in the event's zone.
async fn availability(db: &Db, event: &Event, talks: &[SchedTalk]) -> Result<HashMap<i64, Vec<Window>>> {
    let tz = event.tz();
    let mut out = HashMap::new();
    // No speakers with accounts (an imported schedule): nothing to ask.
    if talks.iter().all(|t| t.speakers.is_empty()) {
        return Ok(out);
    }
    // DISTINCT: a speaker with two talks is read (and parsed) once.
    let rows = sqlx::query(
        "SELECT DISTINCT p.user_id, p.availability FROM speaker_profiles p JOIN talk_speakers ts ON ts.user_id = p.user_id \
         JOIN talks t ON t.id = ts.talk_id WHERE t.event_id = $1 AND t.state = 'confirmed' AND p.availability <> ''",
    )
    .bind(event.id)
    .fetch_all(db.read())
    .await?;
    for r in rows {
        let user: i64 = r.try_get("user_id")?;
        let text: String = r.try_get("availability")?;
        let parsed = crate::speakers::parse_availability(&text).unwrap_or_default();
        let windows: Vec<Window> = parsed
            .slots
            .iter()
            .filter_map(|s| {
                let at = |t: NaiveTime| s.date.and_time(t).and_local_timezone(tz).earliest();
                Some(Window::new(
                    at(s.start)?.timestamp_micros(),
                    at(s.end)?.timestamp_micros(),
                ))
            })
            .collect();
        if !windows.is_empty() {
            out.insert(user, windows);
        }
    }
    Ok(out)
}

/// The event, if `actor` organizes it (`Forbidden` otherwise): the check every editor form
/// makes before it reads anything else.
pub async fn organized_event(db: &Db, actor: &User, event_id: i64) -> Result<Event> {
    cfp::organized_event(db, actor, event_id).await
}

/// The editor's view of the schedule. Organizers only.
pub async fn draft(db: &Db, actor: &User, event_id: i64) -> Result<Draft> {
    let event = cfp::organized_event(db, actor, event_id).await?;
    load(db, event).await
}

pub(crate) async fn load(db: &Db, event: Event) -> Result<Draft> {
    let settings = settings(db, &event).await?;
    let days = days(&event, &settings);
    let rooms = rooms(db, event.id).await?;
    let blocks = blocks(db, event.id).await?;
    let talks = talks(db, event.id).await?;
    let plan = Plan {
        grid: settings.grid_minutes * MINUTE,
        days: days.iter().map(|d| d.window).collect(),
        rooms: rooms
            .iter()
            .map(|r| plan::Room {
                id: r.id,
                capacity: r.capacity,
            })
            .collect(),
        blocks: blocks
            .iter()
            .map(|b| plan::Block {
                id: b.id,
                room_id: b.room_id,
                window: Window::new(b.starts_at, b.ends_at),
            })
            .collect(),
        talks: talks
            .iter()
            .map(|t| plan::Talk {
                id: t.id,
                length: t.minutes * MINUTE,
                track_id: t.track_id,
                speakers: t.speakers.iter().map(|s| s.0).collect(),
                popularity: t.popularity,
            })
            .collect(),
        availability: availability(db, &event, &talks).await?,
        placements: talks
            .iter()
            .filter_map(|t| {
                t.slot.map(|(room_id, start, pinned)| Placement {
                    talk_id: t.id,
                    room_id,
                    start,
                    pinned,
                })
            })
            .collect(),
    };
    let conflicts = conflicts(&plan);
    Ok(Draft {
        event,
        settings,
        days,
        rooms,
        blocks,
        talks,
        plan,
        conflicts,
    })
}

/// Puts a talk in a room at a start (a drop in the editor, or its form). Refused when the
/// slot itself is not one: an unknown room, off the grid, or outside the programme's hours.
/// Conflicts with other talks are allowed in the draft and returned, for the editor to show.
pub async fn place(
    db: &Db,
    actor: &User,
    event_id: i64,
    talk_id: i64,
    room_id: i64,
    start: Micros,
) -> Result<Vec<Conflict>> {
    let d = draft(db, actor, event_id).await?;
    let talk = d
        .talks
        .iter()
        .find(|t| t.id == talk_id)
        .ok_or(DomainError::Refused("not_schedulable"))?;
    if !d.rooms.iter().any(|r| r.id == room_id) {
        return Err(DomainError::invalid("room_id", "unknown_room"));
    }
    let end = start + talk.minutes * MINUTE;
    let Some(day) = d
        .days
        .iter()
        .find(|day| day.window.start <= start && start < day.window.end)
    else {
        return Err(DomainError::invalid("start", "outside_programme"));
    };
    if end > day.window.end {
        return Err(DomainError::invalid("start", "runs_past_day_end"));
    }
    if (start - day.window.start) % d.plan.grid != 0 {
        return Err(DomainError::invalid("start", "off_grid"));
    }
    let pinned = talk.slot.is_some_and(|s| s.2);
    let now = clock::now();
    sqlx::query(
        "INSERT INTO schedule_slots (talk_id, event_id, room_id, starts_at, pinned, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (talk_id) DO UPDATE SET room_id = $3, starts_at = $4, updated_at = $6",
    )
    .bind(talk_id)
    .bind(event_id)
    .bind(room_id)
    .bind(start)
    .bind(pinned as i64)
    .bind(now)
    .execute(db.write())
    .await?;
    Ok(super::conflicts::conflicts_of_move(
        &d.plan,
        Placement {
            talk_id,
            room_id,
            start,
            pinned,
        },
    ))
}

/// Takes a talk off the grid (back to the unscheduled list).
pub async fn unplace(db: &Db, actor: &User, event_id: i64, talk_id: i64) -> Result<()> {
    cfp::organized_event(db, actor, event_id).await?;
    sqlx::query("DELETE FROM schedule_slots WHERE talk_id = $1 AND event_id = $2")
        .bind(talk_id)
        .bind(event_id)
        .execute(db.write())
        .await?;
    Ok(())
}

/// Pins (or unpins) a placed talk: the solver leaves pinned talks where they are.
pub async fn pin(db: &Db, actor: &User, event_id: i64, talk_id: i64, pinned: bool) -> Result<()> {
    cfp::organized_event(db, actor, event_id).await?;
    let done = sqlx::query("UPDATE schedule_slots SET pinned = $1 WHERE talk_id = $2 AND event_id = $3")
        .bind(pinned as i64)
        .bind(talk_id)
        .bind(event_id)
        .execute(db.write())
        .await?
        .rows_affected();
    if done == 0 {
        return Err(DomainError::Refused("not_placed"));
    }
    Ok(())
}

/// What "Fill the schedule" did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filled {
    /// Every talk has a place in the draft now; these soft goals are not met.
    Solved { placed: usize, notes: Vec<Note> },
    /// Nothing changed: this is why.
    Impossible(Infeasible),
}

/// Runs the solver over the draft: pinned talks stay, every other confirmed talk is (re)placed.
/// The draft changes in one transaction, or not at all when no schedule exists.
pub async fn fill(db: &Db, actor: &User, event_id: i64) -> Result<Filled> {
    let d = draft(db, actor, event_id).await?;
    let solution = match solver::solve(&d.plan) {
        Ok(s) => s,
        Err(e) => return Ok(Filled::Impossible(e)),
    };
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    sqlx::query("DELETE FROM schedule_slots WHERE event_id = $1 AND pinned = 0")
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
    let fresh: Vec<&Placement> = solution.placements.iter().filter(|p| !p.pinned).collect();
    for chunk in fresh.chunks(crate::db::ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO schedule_slots (talk_id, event_id, room_id, starts_at, pinned, updated_at) VALUES {}",
            crate::db::values_placeholders(crate::db::Backend::of(&tx), chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(p.talk_id)
                .bind(event_id)
                .bind(p.room_id)
                .bind(p.start)
                .bind(0i64)
                .bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Filled::Solved {
        placed: fresh.len(),
        notes: solution.notes,
    })
}
