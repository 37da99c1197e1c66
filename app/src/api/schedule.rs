//! The conference schedule: the organizers' editor (rooms, breaks, hours, placing talks,
//! "Fill the schedule", publishing), the public schedule with favourites, the changelog, and
//! importing a pretalx schedule. Each function checks through the rules layer who may do it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::done;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomLine {
    pub id: i64,
    pub name: String,
    pub capacity: Option<i64>,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayLine {
    /// `2027-06-01`
    pub date: String,
    /// Local `HH:MM` of each grid row, from the day's start to its end (exclusive).
    pub rows: Vec<String>,
    /// The local `YYYY-MM-DDT` prefix of a start on this day.
    pub prefix: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockLine {
    pub id: i64,
    /// `None` = a break for every room.
    pub room_id: Option<i64>,
    pub day: usize,
    /// Grid rows it covers on its day (clipped to the programme).
    pub first_row: usize,
    pub rows: usize,
    pub from: String,
    pub to: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorTalk {
    pub id: i64,
    pub title: String,
    pub minutes: i64,
    pub track: Option<(String, String)>,
    pub speakers: Vec<String>,
    pub popularity: i64,
    /// Where it is: (room, day, first row, local start `YYYY-MM-DDTHH:MM`, pinned).
    pub slot: Option<(i64, usize, usize, String, bool)>,
    /// Rows it spans.
    pub rows: usize,
    /// It has a hard conflict.
    pub conflicted: bool,
    /// It is placed, but outside the programme's current days or hours (after they were
    /// changed): listed with the unscheduled talks, with its start, so it can be moved or
    /// taken off.
    pub outside: Option<String>,
}

/// A conflict, in words the page translates: `code` (see `schedule_texts`), the talks'
/// titles, and who or where (a speaker's or a room's name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictLine {
    pub code: String,
    pub hard: bool,
    pub talks: Vec<(i64, String)>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorView {
    pub event_id: i64,
    pub event_title: String,
    pub time_zone: String,
    pub grid_minutes: i64,
    pub day_start: String,
    pub day_end: String,
    pub days: Vec<DayLine>,
    pub rooms: Vec<RoomLine>,
    pub blocks: Vec<BlockLine>,
    pub talks: Vec<EditorTalk>,
    pub conflicts: Vec<ConflictLine>,
    /// Soft goals the draft does not meet (after "Fill"), as conflict-like lines.
    pub notes: Vec<ConflictLine>,
    /// Why "Fill" found no schedule, when it just failed.
    pub impossible: Vec<ConflictLine>,
    /// Published versions: (number, name, local time).
    pub versions: Vec<(i64, String, String)>,
}

#[cfg(feature = "ssr")]
mod build {
    use std::collections::HashMap;

    use sbor_domain::clock::{self, MINUTE, Micros};
    use sbor_domain::schedule::conflicts::Conflict;
    use sbor_domain::schedule::solver::{Infeasible, Note, Reason};
    use sbor_domain::schedule::store::Draft;

    use super::ConflictLine;

    /// Titles and names to put into lines.
    pub struct Names {
        pub talks: HashMap<i64, String>,
        pub rooms: HashMap<i64, String>,
        pub people: HashMap<i64, String>,
        pub tracks: HashMap<i64, String>,
    }

    impl Names {
        pub fn of(d: &Draft) -> Names {
            Names {
                talks: d.talks.iter().map(|t| (t.id, t.title.clone())).collect(),
                rooms: d.rooms.iter().map(|r| (r.id, r.name.clone())).collect(),
                people: d.talks.iter().flat_map(|t| t.speakers.iter().cloned()).collect(),
                tracks: d
                    .talks
                    .iter()
                    .filter_map(|t| Some((t.track_id?, t.track.as_ref()?.0.clone())))
                    .collect(),
            }
        }

        fn talk(&self, id: i64) -> (i64, String) {
            (
                id,
                self.talks.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
            )
        }

        fn room(&self, id: i64) -> String {
            self.rooms.get(&id).cloned().unwrap_or_default()
        }
    }

    pub fn conflict(n: &Names, c: &Conflict) -> ConflictLine {
        let (talks, detail) = match c {
            Conflict::RoomOverlap { room_id, a, b } => (vec![n.talk(*a), n.talk(*b)], n.room(*room_id)),
            Conflict::SpeakerOverlap { speaker_id, a, b } => (
                vec![n.talk(*a), n.talk(*b)],
                n.people.get(speaker_id).cloned().unwrap_or_default(),
            ),
            Conflict::Unavailable { talk_id, speaker_id } => (
                vec![n.talk(*talk_id)],
                n.people.get(speaker_id).cloned().unwrap_or_default(),
            ),
            Conflict::Break { talk_id, .. }
            | Conflict::OutsideDay { talk_id }
            | Conflict::Unknown { talk_id } => (vec![n.talk(*talk_id)], String::new()),
            Conflict::RoomTooSmall {
                talk_id,
                room_id,
                expected,
                capacity,
            } => (
                vec![n.talk(*talk_id)],
                format!("{} ({expected} / {capacity})", n.room(*room_id)),
            ),
        };
        ConflictLine {
            code: c.code().to_owned(),
            hard: c.is_hard(),
            talks,
            detail,
        }
    }

    pub fn note(n: &Names, note: &Note) -> ConflictLine {
        let (code, talks, detail) = match note {
            Note::TrackSplit { track_id, rooms } => (
                "track_split",
                vec![],
                format!(
                    "{}: {}",
                    n.tracks.get(track_id).cloned().unwrap_or_default(),
                    rooms.iter().map(|r| n.room(*r)).collect::<Vec<_>>().join(", ")
                ),
            ),
            Note::TrackNotConsecutive { track_id, room_id } => (
                "track_not_consecutive",
                vec![],
                format!(
                    "{}: {}",
                    n.tracks.get(track_id).cloned().unwrap_or_default(),
                    n.room(*room_id)
                ),
            ),
            Note::PopularInSmallRoom {
                talk_id,
                room_id,
                expected,
                capacity,
            } => (
                "room_too_small",
                vec![n.talk(*talk_id)],
                format!("{} ({expected} / {capacity})", n.room(*room_id)),
            ),
            Note::PopularClash { a, b } => ("popular_clash", vec![n.talk(*a), n.talk(*b)], String::new()),
        };
        ConflictLine {
            code: code.to_owned(),
            hard: false,
            talks,
            detail,
        }
    }

    pub fn impossible(n: &Names, e: &Infeasible) -> Vec<ConflictLine> {
        let mut out: Vec<ConflictLine> = e.pinned.iter().map(|c| conflict(n, c)).collect();
        for (talk, reason) in &e.unplaceable {
            let detail = match reason {
                Reason::SpeakerAvailability { speaker_id } | Reason::SpeakerBusy { speaker_id } => {
                    n.people.get(speaker_id).cloned().unwrap_or_default()
                }
                _ => String::new(),
            };
            out.push(ConflictLine {
                code: reason.code().to_owned(),
                hard: true,
                talks: vec![n.talk(*talk)],
                detail,
            });
        }
        out
    }

    /// (day index, first row) of an instant on the grid, if it is inside a day.
    pub fn row_of(d: &Draft, at: Micros) -> Option<(usize, usize)> {
        let grid = d.settings.grid_minutes * MINUTE;
        d.days.iter().enumerate().find_map(|(i, day)| {
            (day.window.start <= at && at < day.window.end)
                .then(|| (i, ((at - day.window.start) / grid) as usize))
        })
    }

    pub fn local(d: &Draft, at: Micros, format: &str) -> String {
        clock::to_datetime(at)
            .with_timezone(&d.event.tz())
            .format(format)
            .to_string()
    }
}

/// Everything the editor shows. Organizers only. `fill` is the outcome code of a "Fill the
/// schedule" that just ran (`impossible` re-runs the solver to explain).
#[server(endpoint = "schedule_editor")]
pub async fn schedule_editor(event_id: i64, fill: String) -> Result<EditorView, AppError> {
    use sbor_domain::clock::MINUTE;
    use sbor_domain::schedule::{publish, solver, store};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let d = store::draft(&ctx.db, &user, event_id).await?;
    let names = build::Names::of(&d);
    let grid = d.settings.grid_minutes * MINUTE;
    let hard: std::collections::HashSet<i64> = d
        .conflicts
        .iter()
        .filter(|c| c.is_hard())
        .flat_map(|c| c.talks())
        .collect();
    let notes = if fill == "done" {
        solver::notes(&d.plan, &d.plan.placements)
            .iter()
            .map(|n| build::note(&names, n))
            .collect()
    } else {
        Vec::new()
    };
    // The solver runs again only to explain a "Fill" that just failed (it changed nothing).
    let impossible = match fill.as_str() {
        "impossible" => solver::solve(&d.plan)
            .err()
            .map(|e| build::impossible(&names, &e))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let days = d
        .days
        .iter()
        .map(|day| {
            let rows = ((day.window.end - day.window.start) / grid).max(0) as usize;
            DayLine {
                date: day.date.format("%Y-%m-%d").to_string(),
                rows: (0..rows)
                    .map(|r| build::local(&d, day.window.start + r as i64 * grid, "%H:%M"))
                    .collect(),
                prefix: day.date.format("%Y-%m-%dT").to_string(),
            }
        })
        .collect();
    let blocks = d
        .blocks
        .iter()
        .flat_map(|b| {
            // A block may span days; show its part on each.
            d.days.iter().enumerate().filter_map(|(i, day)| {
                let from = b.starts_at.max(day.window.start);
                let to = b.ends_at.min(day.window.end);
                let first = (from - day.window.start) / grid;
                let last = (to - day.window.start + grid - 1) / grid;
                (from < to).then(|| BlockLine {
                    id: b.id,
                    room_id: b.room_id,
                    day: i,
                    // Every row the block touches, also when it starts or ends off the grid.
                    first_row: first as usize,
                    rows: (last - first) as usize,
                    from: build::local(&d, b.starts_at, "%Y-%m-%d %H:%M"),
                    to: build::local(&d, b.ends_at, "%H:%M"),
                    label: b.label.clone(),
                })
            })
        })
        .collect();
    let talks = d
        .talks
        .iter()
        .map(|t| EditorTalk {
            id: t.id,
            title: t.title.clone(),
            minutes: t.minutes,
            track: t.track.clone(),
            speakers: t.speaker_names(),
            popularity: t.popularity,
            slot: t.slot.and_then(|(room, start, pinned)| {
                let (day, row) = build::row_of(&d, start)?;
                Some((room, day, row, build::local(&d, start, "%Y-%m-%dT%H:%M"), pinned))
            }),
            rows: ((t.minutes * MINUTE + grid - 1) / grid) as usize,
            conflicted: hard.contains(&t.id),
            outside: t
                .slot
                .filter(|(_, start, _)| build::row_of(&d, *start).is_none())
                .map(|(_, start, _)| build::local(&d, start, "%Y-%m-%dT%H:%M")),
        })
        .collect();
    let versions = publish::versions(&ctx.db, event_id)
        .await?
        .into_iter()
        .map(|v| {
            (
                v.number,
                v.name,
                build::local(&d, v.published_at, "%Y-%m-%d %H:%M"),
            )
        })
        .collect();
    Ok(EditorView {
        event_id,
        event_title: d.event.title.clone(),
        time_zone: d.event.time_zone.clone(),
        grid_minutes: d.settings.grid_minutes,
        day_start: d.settings.day_start.format("%H:%M").to_string(),
        day_end: d.settings.day_end.format("%H:%M").to_string(),
        days,
        rooms: d
            .rooms
            .iter()
            .map(|r| RoomLine {
                id: r.id,
                name: r.name.clone(),
                capacity: r.capacity,
                position: r.position,
            })
            .collect(),
        blocks,
        talks,
        conflicts: d.conflicts.iter().map(|c| build::conflict(&names, c)).collect(),
        notes,
        impossible,
        versions,
    })
}

#[cfg(feature = "ssr")]
fn editor_path(event_id: i64, anchor: &str) -> String {
    format!("/e/{event_id}/schedule/edit{anchor}")
}

#[server(endpoint = "save_schedule_settings")]
pub async fn save_schedule_settings(
    event_id: i64,
    grid_minutes: String,
    day_start: String,
    day_end: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let grid = grid_minutes.trim().parse().map_err(|_| AppError::Field {
        field: "grid_minutes".into(),
        code: "invalid_number".into(),
    })?;
    sbor_domain::schedule::store::save_settings(&ctx.db, &user, event_id, grid, &day_start, &day_end).await?;
    done(&ctx, Some("saved"), &editor_path(event_id, "#settings"));
    Ok(())
}

#[cfg(feature = "ssr")]
fn optional_number(raw: &str, field: &str) -> Result<Option<i64>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| AppError::Field {
            field: field.into(),
            code: "invalid_number".into(),
        }),
    }
}

/// Adds a room, or changes room `id` (name, seats, position).
#[server(endpoint = "save_room")]
pub async fn save_room(
    event_id: i64,
    id: Option<i64>,
    name: String,
    capacity: String,
    position: Option<String>,
) -> Result<(), AppError> {
    use sbor_domain::schedule::store;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let capacity = optional_number(&capacity, "capacity")?;
    match id {
        Some(id) => {
            let position = optional_number(position.as_deref().unwrap_or(""), "position")?.unwrap_or(0);
            store::update_room(&ctx.db, &user, event_id, id, &name, capacity, position)
                .await
                .map(drop)?
        }
        None => store::add_room(&ctx.db, &user, event_id, &name, capacity)
            .await
            .map(drop)?,
    }
    done(&ctx, Some("saved"), &editor_path(event_id, "#rooms"));
    Ok(())
}

#[server(endpoint = "delete_room")]
pub async fn delete_room(event_id: i64, id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::schedule::store::delete_room(&ctx.db, &user, event_id, id).await?;
    done(&ctx, Some("saved"), &editor_path(event_id, "#rooms"));
    Ok(())
}

/// A break (`room_id` empty: every room) or a room's blocked time; times local to the event.
#[server(endpoint = "add_schedule_block")]
pub async fn add_schedule_block(
    event_id: i64,
    room_id: String,
    starts_at: String,
    ends_at: String,
    label: String,
) -> Result<(), AppError> {
    use sbor_domain::events::parse_local;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let event = sbor_domain::schedule::store::organized_event(&ctx.db, &user, event_id).await?;
    let room = optional_number(&room_id, "room_id")?;
    let start = parse_local(&starts_at, event.tz(), "starts_at")?;
    let end = parse_local(&ends_at, event.tz(), "ends_at")?;
    let window = sbor_domain::schedule::plan::Window::new(start, end);
    sbor_domain::schedule::store::add_block(&ctx.db, &user, event_id, room, window, &label).await?;
    done(&ctx, Some("saved"), &editor_path(event_id, "#breaks"));
    Ok(())
}

#[server(endpoint = "delete_schedule_block")]
pub async fn delete_schedule_block(event_id: i64, id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::schedule::store::delete_block(&ctx.db, &user, event_id, id).await?;
    done(&ctx, Some("saved"), &editor_path(event_id, "#breaks"));
    Ok(())
}

/// Puts a talk at a room and local start (`2027-06-01T10:30`): the editor's drop and its
/// form. A start that is not a slot is refused with the reason; conflicts are allowed and
/// shown on the editor.
#[server(endpoint = "place_talk")]
pub async fn place_talk(event_id: i64, talk_id: i64, room_id: String, start: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let event = sbor_domain::schedule::store::organized_event(&ctx.db, &user, event_id).await?;
    let room = optional_number(&room_id, "room_id")?.ok_or(AppError::Field {
        field: "room_id".into(),
        code: "required".into(),
    })?;
    let start = sbor_domain::events::parse_local(&start, event.tz(), "start")?;
    sbor_domain::schedule::store::place(&ctx.db, &user, event_id, talk_id, room, start).await?;
    done(&ctx, None, &editor_path(event_id, &format!("#talk-{talk_id}")));
    Ok(())
}

/// `action`: `unplace`, `pin` or `unpin`.
#[server(endpoint = "schedule_talk_action")]
pub async fn schedule_talk_action(event_id: i64, talk_id: i64, action: String) -> Result<(), AppError> {
    use sbor_domain::schedule::store;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    match action.as_str() {
        "unplace" => store::unplace(&ctx.db, &user, event_id, talk_id).await?,
        "pin" | "unpin" => store::pin(&ctx.db, &user, event_id, talk_id, action == "pin").await?,
        _ => return Err(AppError::Refused("invalid_action".into())),
    }
    done(&ctx, None, &editor_path(event_id, "#grid"));
    Ok(())
}

/// "Fill the schedule": back to the editor with the outcome (`?fill=done` lists the soft
/// goals not met; `?fill=impossible` explains, and nothing changed).
#[server(endpoint = "fill_schedule")]
pub async fn fill_schedule(event_id: i64) -> Result<(), AppError> {
    use sbor_domain::schedule::store::{self, Filled};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let to = match store::fill(&ctx.db, &user, event_id).await? {
        Filled::Solved { .. } => ("schedule_filled", "?fill=done#solver"),
        Filled::Impossible(_) => ("schedule_impossible", "?fill=impossible#solver"),
    };
    done(&ctx, Some(to.0), &editor_path(event_id, to.1));
    Ok(())
}

/// Publishes the draft as the next version. With hard conflicts, refused unless `confirm`
/// is ticked (the editor lists them beside the form).
#[server(endpoint = "publish_schedule")]
pub async fn publish_schedule(event_id: i64, name: String, confirm: Option<String>) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    match sbor_domain::schedule::publish::publish(
        &ctx.db,
        &ctx.site,
        &user,
        event_id,
        &name,
        confirm.is_some(),
    )
    .await?
    {
        Ok(p) => {
            if p.mails > 0 {
                ctx.mail_queued.notify_one();
            }
        }
        Err(_) => return Err(AppError::Refused("schedule_has_conflicts".into())),
    }
    done(
        &ctx,
        Some("schedule_published"),
        &format!("/e/{event_id}/schedule/changes"),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Public

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicSlot {
    pub talk_id: i64,
    pub title: String,
    pub room_id: i64,
    pub room: String,
    pub day: usize,
    /// Local to the shown zone: `HH:MM`.
    pub start: String,
    pub end: String,
    /// Grid rows from the day's start, and rows spanned.
    pub first_row: usize,
    pub rows: usize,
    /// RFC 3339, for the browser's local time.
    pub starts_utc: String,
    pub track: Option<String>,
    pub colour: Option<String>,
    pub speakers: Vec<String>,
    pub starred: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub event_id: i64,
    pub event_title: String,
    /// The zone times are shown in, and the conference's own.
    pub zone: String,
    pub conference_zone: String,
    pub version: Option<(i64, String)>,
    /// (date label, rows `HH:MM`).
    pub days: Vec<(String, Vec<String>)>,
    pub rooms: Vec<(i64, String)>,
    pub tracks: Vec<(String, String)>,
    pub slots: Vec<PublicSlot>,
    /// Running now and starting next (talk ids), when the conference is on.
    pub now: Vec<i64>,
    pub next: Vec<i64>,
    pub logged_in: bool,
    pub can_edit: bool,
    /// The logged-in viewer's own zone (profile), offered first among "Times in".
    pub viewer_zone: Option<String>,
}

/// The latest published schedule (never the draft), in `zone` (empty: the conference's),
/// only the talks of `track` (empty: all), only starred ones when `mine`.
#[server(endpoint = "public_schedule")]
pub async fn public_schedule(
    event_id: i64,
    zone: String,
    track: String,
    mine: bool,
) -> Result<ScheduleView, AppError> {
    use sbor_domain::clock::{self, MINUTE};
    use sbor_domain::schedule::{exchange, publish};
    let ctx = ssr::ctx()?;
    let viewer = ssr::request_info()?.user;
    if mine && viewer.is_none() {
        return Err(AppError::Unauthorized);
    }
    let (event, published) = exchange::visible_doc(&ctx.db, &ctx.site, viewer.as_ref(), event_id).await?;
    let can_edit = match &viewer {
        Some(u) => sbor_domain::communities::can_manage(&ctx.db, event.community_id, u).await?,
        None => false,
    };
    let conference_zone = event.tz();
    let shown: chrono_tz::Tz = zone.parse().unwrap_or(conference_zone);
    let starred = match &viewer {
        Some(u) => publish::starred(&ctx.db, u.id, event_id).await?,
        None => Vec::new(),
    };
    let colours: std::collections::HashMap<String, String> = sbor_domain::cfp::tracks(&ctx.db, event_id)
        .await?
        .into_iter()
        .map(|t| (t.name, t.colour))
        .collect();
    let mut out = ScheduleView {
        event_id,
        event_title: event.title.clone(),
        zone: shown.name().to_owned(),
        conference_zone: conference_zone.name().to_owned(),
        version: None,
        days: Vec::new(),
        rooms: Vec::new(),
        tracks: Vec::new(),
        slots: Vec::new(),
        now: Vec::new(),
        next: Vec::new(),
        logged_in: viewer.is_some(),
        can_edit,
        viewer_zone: viewer
            .as_ref()
            .map(|u| u.time_zone.clone())
            .filter(|z| !z.is_empty()),
    };
    let Some((version, doc)) = published else {
        return Ok(out);
    };
    let grid = doc.conference.grid_minutes.max(5) * MINUTE;
    let fmt = |at: i64, f: &str| clock::to_datetime(at).with_timezone(&shown).format(f).to_string();
    out.version = Some((version.number, version.name));
    out.days = doc
        .days
        .iter()
        .map(|d| {
            let rows = ((d.ends_at - d.starts_at) / grid).max(0);
            (
                d.date.format("%Y-%m-%d").to_string(),
                (0..rows).map(|r| fmt(d.starts_at + r * grid, "%H:%M")).collect(),
            )
        })
        .collect();
    out.rooms = doc.rooms.iter().map(|r| (r.id, r.name.clone())).collect();
    let mut tracks: Vec<(String, String)> = doc
        .talks
        .iter()
        .filter_map(|t| t.track.clone())
        .map(|name| {
            let colour = colours.get(&name).cloned().unwrap_or_else(|| "#888888".into());
            (name, colour)
        })
        .collect();
    tracks.sort();
    tracks.dedup();
    out.tracks = tracks;
    let now = clock::now();
    let mut next_start = None;
    for t in &doc.talks {
        let end = t.starts_at + t.minutes * MINUTE;
        if t.starts_at <= now && now < end {
            out.now.push(t.id);
        } else if t.starts_at > now && next_start.is_none_or(|n| t.starts_at <= n) {
            if next_start != Some(t.starts_at) {
                out.next.clear();
            }
            next_start = Some(t.starts_at);
            out.next.push(t.id);
        }
    }
    // "Now / next" only while the conference runs (today is one of its days).
    let on = doc
        .days
        .iter()
        .any(|d| d.starts_at - 12 * 60 * MINUTE <= now && now < d.ends_at);
    if !on {
        out.now.clear();
        out.next.clear();
    }
    out.slots = doc
        .talks
        .iter()
        .filter(|t| track.is_empty() || t.track.as_deref() == Some(track.as_str()))
        .filter(|t| !mine || starred.contains(&t.id))
        .filter_map(|t| {
            let (day, d) = doc
                .days
                .iter()
                .enumerate()
                .find(|(_, d)| d.starts_at <= t.starts_at && t.starts_at < d.ends_at)?;
            let end = t.starts_at + t.minutes * MINUTE;
            Some(PublicSlot {
                talk_id: t.id,
                title: t.title.clone(),
                room_id: t.room_id,
                room: doc
                    .rooms
                    .iter()
                    .find(|r| r.id == t.room_id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                day,
                start: fmt(t.starts_at, "%H:%M"),
                end: fmt(end, "%H:%M"),
                first_row: ((t.starts_at - d.starts_at) / grid) as usize,
                rows: ((t.minutes * MINUTE + grid - 1) / grid) as usize,
                starts_utc: clock::rfc3339(t.starts_at),
                colour: t.track.as_ref().and_then(|n| colours.get(n).cloned()),
                track: t.track.clone(),
                speakers: t.persons.iter().map(|p| p.name.clone()).collect(),
                starred: starred.contains(&t.id),
            })
        })
        .collect();
    Ok(out)
}

/// Stars or unstars a talk of a published schedule; back to where the form was.
#[server(endpoint = "star_talk")]
pub async fn star_talk(talk_id: i64, on: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::schedule::publish::star(&ctx.db, &user, talk_id, on == "on").await?;
    done(&ctx, None, &format!("{}#talk-{talk_id}", super::back_to("/")));
    Ok(())
}

/// A published version and what it changed: `lines` are (kind: `new` / `moved` /
/// `cancelled`, the line in the reader's language).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionChanges {
    pub number: i64,
    pub name: String,
    pub published: String,
    pub lines: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangesView {
    pub event_id: i64,
    pub event_title: String,
    /// Newest first.
    pub versions: Vec<VersionChanges>,
}

#[server(endpoint = "schedule_changes")]
pub async fn schedule_changes(event_id: i64) -> Result<ChangesView, AppError> {
    use sbor_domain::schedule::publish;
    let ctx = ssr::ctx()?;
    let info = ssr::request_info()?;
    let event = sbor_domain::events::get_visible(&ctx.db, info.user.as_ref(), event_id).await?;
    let lang: sbor_domain::Lang = info.lang.into();
    let tz = event.tz();
    let versions = publish::changelog(&ctx.db, event_id)
        .await?
        .into_iter()
        .map(|(v, changes)| {
            let lines = changes
                .iter()
                .map(|c| {
                    let kind = match c.kind {
                        publish::ChangeKind::New => "new",
                        publish::ChangeKind::Moved { .. } => "moved",
                        publish::ChangeKind::Cancelled => "cancelled",
                    };
                    (kind.to_owned(), publish::change_line(lang, c, tz))
                })
                .collect();
            VersionChanges {
                number: v.number,
                name: v.name,
                published: sbor_domain::clock::local(v.published_at, tz),
                lines,
            }
        })
        .collect();
    Ok(ChangesView {
        event_id,
        event_title: event.title,
        versions,
    })
}

/// Creates a conference in the community from a pasted pretalx / c3voc `schedule.json`.
/// A bad file is refused with its problems (`import:<path>: <detail>` lines) and changes
/// nothing.
#[server(endpoint = "import_schedule")]
pub async fn import_schedule(community_id: i64, json: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    match sbor_domain::schedule::exchange::import_conference(&ctx.db, &user, community_id, &json).await? {
        Ok(imported) => {
            done(
                &ctx,
                Some("schedule_imported"),
                &format!("/e/{}/schedule/edit", imported.event_id),
            );
            Ok(())
        }
        Err(problems) => Err(AppError::Refused(format!(
            "import_problems:{}",
            problems
                .iter()
                .take(20)
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ))),
    }
}
