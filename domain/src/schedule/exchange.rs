//! Between the database and the exchange formats: the latest published version as a
//! [`ScheduleDoc`] (for the public pages and every export), and a whole conference imported
//! from a pretalx / c3voc `schedule.json`.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{NaiveTime, Timelike};
use sqlx::Row;

use super::doc::{self, Conference, ScheduleDoc};
use super::import::{ImportProblem, parse_c3voc};
use super::layout::stable_guid;
use super::publish::{self, Version};
use super::store;
use crate::accounts::{Site, User};
use crate::clock::{self, MINUTE, Micros};
use crate::communities;
use crate::db::Db;
use crate::error::{DomainError, Result};
use crate::events::Event;
use crate::ttl_cache::TtlCache;

/// The published schedule of an event the viewer may see: a draft event's only for its
/// organizers (`NotFound` for everyone else, so its existence does not show).
pub async fn visible_doc(
    db: &Db,
    site: &Site,
    viewer: Option<&User>,
    event_id: i64,
) -> Result<(Event, Option<(Version, ScheduleDoc)>)> {
    let event = crate::events::get_visible(db, viewer, event_id).await?;
    let doc = cached_doc(db, site, &event).await?;
    Ok((event, doc))
}

/// How long a built document is reused while its version is the latest. Versions are frozen,
/// but talk texts, speaker names and room sizes are read live, so an edit to those shows on
/// the public pages within this time; a new version shows at once.
const DOC_TTL: Duration = Duration::from_secs(5);

/// Built documents by (site, event), with the version they were built from: the public
/// schedule and its exports are read far more often than they change, and building one takes
/// eight queries.
static DOCS: LazyLock<TtlCache<(String, i64), (Version, ScheduleDoc)>> =
    LazyLock::new(|| TtlCache::new(DOC_TTL));

/// [`published_doc`], reused for [`DOC_TTL`] while no newer version is published.
async fn cached_doc(db: &Db, site: &Site, event: &Event) -> Result<Option<(Version, ScheduleDoc)>> {
    let latest: Option<i64> = sqlx::query("SELECT MAX(id) AS id FROM schedule_versions WHERE event_id = $1")
        .bind(event.id)
        .fetch_one(db.read())
        .await?
        .try_get("id")?;
    let Some(latest) = latest else {
        return Ok(None);
    };
    let key = (site.base_url.clone(), event.id);
    if let Some(doc) = DOCS.get(&key, |(version, _)| version.id == latest) {
        return Ok(Some((*doc).clone()));
    }
    let Some(built) = published_doc(db, site, event).await? else {
        return Ok(None);
    };
    DOCS.insert(key, built.clone());
    Ok(Some(built))
}

/// The private calendar of a member's starred talks (every conference), by their feed secret;
/// `None` for an unknown or revoked secret.
pub async fn starred_calendar(db: &Db, site: &Site, token: &str) -> Result<Option<String>> {
    let Some(user_id) = crate::feeds::user_of_token(db, token).await? else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT DISTINCT t.event_id FROM favourites f JOIN talks t ON t.id = f.talk_id \
         JOIN events e ON e.id = t.event_id WHERE f.user_id = $1 AND e.status <> 'draft' ORDER BY t.event_id",
    )
    .bind(user_id)
    .fetch_all(db.read())
    .await?;
    let mut merged: Option<ScheduleDoc> = None;
    for r in rows {
        let event = crate::events::get(db, r.try_get("event_id")?).await?;
        let Some((_, mut doc)) = published_doc(db, site, &event).await? else {
            continue;
        };
        let starred = publish::starred(db, user_id, event.id).await?;
        doc.talks.retain(|t| starred.contains(&t.id));
        match &mut merged {
            None => merged = Some(doc),
            Some(m) => {
                m.rooms.extend(doc.rooms);
                m.talks.extend(doc.talks);
            }
        }
    }
    let Some(mut doc) = merged else {
        return Ok(Some(super::ics(&empty_calendar(site), clock::now(), 0)));
    };
    doc.conference.title = "Sbor: starred talks".into();
    Ok(Some(super::ics(&doc, clock::now(), 0)))
}

/// A calendar with nothing in it yet (a member who starred nothing).
fn empty_calendar(site: &Site) -> ScheduleDoc {
    let today = clock::to_datetime(clock::now()).date_naive();
    ScheduleDoc {
        version: String::new(),
        base_url: site.base_url.clone(),
        conference: Conference {
            acronym: "sbor".into(),
            title: "Sbor: starred talks".into(),
            start: today,
            end: today,
            time_zone: chrono_tz::UTC,
            grid_minutes: 5,
            url: site.base_url.clone(),
        },
        rooms: Vec::new(),
        days: Vec::new(),
        talks: Vec::new(),
    }
}

/// The changelog as an Atom feed: one entry per published version.
pub async fn changelog_atom(db: &Db, site: &Site, event: &Event) -> Result<String> {
    let tz = event.tz();
    let log = publish::changelog(db, event.id).await?;
    let url = site.link(&format!("/e/{}/schedule/changes", event.id));
    let esc = crate::feeds::xml;
    let updated = log.first().map_or(event.updated_at, |(v, _)| v.published_at);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>{}: schedule changes</title>\n<id>{url}</id>\n<link href=\"{url}\"/>\n<updated>{}</updated>\n",
        esc(&event.title),
        clock::rfc3339(updated)
    );
    for (v, changes) in &log {
        let lines: Vec<String> = changes
            .iter()
            .map(|c| esc(&publish::change_line(crate::lang::Lang::En, c, tz)))
            .collect();
        out.push_str(&format!(
            "<entry>\n<title>Version {}: {}</title>\n<id>{url}#v{}</id>\n<link href=\"{url}#v{}\"/>\n\
             <updated>{}</updated>\n<content type=\"text\">{}</content>\n</entry>\n",
            v.number,
            esc(&v.name),
            v.number,
            v.number,
            clock::rfc3339(v.published_at),
            lines.join("\n")
        ));
    }
    out.push_str("</feed>\n");
    Ok(out)
}

/// The latest published version of the event's schedule, or `None` before the first.
pub async fn published_doc(db: &Db, site: &Site, event: &Event) -> Result<Option<(Version, ScheduleDoc)>> {
    let Some(version) = publish::versions(db, event.id).await?.into_iter().next() else {
        return Ok(None);
    };
    let slots = publish::version_slots(db, version.id).await?;
    let settings = store::settings(db, event).await?;
    let days = days_holding(store::days(event, &settings), &slots, event.tz());
    let slug = communities::get(db, event.community_id).await?.slug;
    // Rooms as they are now, plus any a version still names after it was deleted.
    let mut rooms: Vec<doc::Room> = store::rooms(db, event.id)
        .await?
        .into_iter()
        .map(|r| doc::Room {
            guid: stable_guid("room", &site.base_url, r.id),
            id: r.id,
            name: r.name,
            capacity: r.capacity,
            description: String::new(),
        })
        .collect();
    for s in &slots {
        if !rooms.iter().any(|r| r.id == s.room_id) {
            rooms.push(doc::Room {
                id: s.room_id,
                name: s.room_name.clone(),
                capacity: None,
                description: String::new(),
                guid: stable_guid("room", &site.base_url, s.room_id),
            });
        }
    }
    let details = talk_details(db, event.id).await?;
    let persons = persons(db, event.id, site).await?;
    let talks = slots
        .iter()
        .map(|s| {
            let d = details.get(&s.talk_id);
            doc::Talk {
                id: s.talk_id,
                guid: stable_guid("talk", &site.base_url, s.talk_id),
                room_id: s.room_id,
                starts_at: s.starts_at,
                minutes: (s.ends_at - s.starts_at) / MINUTE,
                title: s.title.clone(),
                subtitle: String::new(),
                track: d.and_then(|d| d.track.clone()),
                session_type: d.map(|d| d.session_type.clone()).unwrap_or_default(),
                language: d.map(|d| d.language.clone()).unwrap_or_default(),
                abstract_text: d.map(|d| d.summary.clone()).unwrap_or_default(),
                description: d.map(|d| d.description.clone()).unwrap_or_default(),
                url: site.link(&format!("/talk/{}", s.talk_id)),
                slug: format!("{slug}-{}", s.talk_id),
                persons: persons.get(&s.talk_id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let tz = event.tz();
    let first = days.first().map(|d| d.date);
    let local_date = |at: Micros| clock::to_datetime(at).with_timezone(&tz).date_naive();
    Ok(Some((
        version.clone(),
        ScheduleDoc {
            version: format!("{}: {}", version.number, version.name),
            base_url: site.base_url.clone(),
            conference: Conference {
                acronym: if slug.is_empty() {
                    format!("event-{}", event.id)
                } else {
                    slug
                },
                title: event.title.clone(),
                start: first.unwrap_or_else(|| local_date(event.starts_at)),
                end: days.last().map_or_else(|| local_date(event.ends_at), |d| d.date),
                time_zone: tz,
                grid_minutes: settings.grid_minutes,
                url: site.link(&format!("/e/{}/schedule", event.id)),
            },
            rooms,
            days: days
                .iter()
                .enumerate()
                .map(|(i, d)| doc::Day {
                    index: i as i64 + 1,
                    date: d.date,
                    starts_at: d.window.start,
                    ends_at: d.window.end,
                })
                .collect(),
            talks,
        },
    )))
}

/// The programme's days, widened to hold every slot of a published version: the hours, grid
/// and dates are draft settings that may have changed since, and a published talk must never
/// fall off its own schedule.
fn days_holding(
    mut days: Vec<store::Day>,
    slots: &[publish::VersionSlot],
    tz: chrono_tz::Tz,
) -> Vec<store::Day> {
    use super::plan::Window;
    for s in slots {
        let date = clock::to_datetime(s.starts_at).with_timezone(&tz).date_naive();
        match days.iter_mut().find(|d| d.date == date) {
            Some(d) => {
                d.window = Window::new(d.window.start.min(s.starts_at), d.window.end.max(s.ends_at));
            }
            None => days.push(store::Day {
                date,
                window: Window::new(s.starts_at, s.ends_at),
            }),
        }
    }
    days.sort_by_key(|d| d.date);
    days
}

struct Details {
    track: Option<String>,
    session_type: String,
    language: String,
    summary: String,
    description: String,
}

async fn talk_details(db: &Db, event_id: i64) -> Result<HashMap<i64, Details>> {
    let rows = sqlx::query(
        "SELECT t.id, tr.name AS track, COALESCE(st.name, '') AS session_type, t.language, t.summary, t.description \
         FROM talks t LEFT JOIN tracks tr ON tr.id = t.track_id LEFT JOIN session_types st ON st.id = t.session_type_id \
         WHERE t.event_id = $1",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                Details {
                    track: r.try_get("track")?,
                    session_type: r.try_get("session_type")?,
                    language: r.try_get("language")?,
                    summary: r.try_get("summary")?,
                    description: r.try_get("description")?,
                },
            ))
        })
        .collect()
}

/// Speakers of each talk: accounts (with their public bio) first, then imported guests.
async fn persons(db: &Db, event_id: i64, site: &Site) -> Result<HashMap<i64, Vec<doc::Person>>> {
    let mut out: HashMap<i64, Vec<doc::Person>> = HashMap::new();
    for r in sqlx::query(
        "SELECT ts.talk_id, u.id, u.display_name, COALESCE(p.bio, '') AS bio FROM talk_speakers ts \
         JOIN talks t ON t.id = ts.talk_id JOIN users u ON u.id = ts.user_id \
         LEFT JOIN speaker_profiles p ON p.user_id = u.id WHERE t.event_id = $1 ORDER BY ts.joined_at, u.id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    {
        let id: i64 = r.try_get("id")?;
        out.entry(r.try_get("talk_id")?).or_default().push(doc::Person {
            id,
            code: stable_guid("person", &site.base_url, id)[..8].to_uppercase(),
            name: r.try_get("display_name")?,
            biography: r.try_get("bio")?,
        });
    }
    for r in sqlx::query(
        "SELECT g.talk_id, g.id, g.name, g.biography, g.code FROM talk_guests g JOIN talks t ON t.id = g.talk_id \
         WHERE t.event_id = $1 ORDER BY g.position, g.id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    {
        let code: String = r.try_get("code")?;
        let id: i64 = r.try_get("id")?;
        out.entry(r.try_get("talk_id")?).or_default().push(doc::Person {
            id: 0,
            code: if code.is_empty() {
                stable_guid("guest", &site.base_url, id)[..8].to_uppercase()
            } else {
                code
            },
            name: r.try_get("name")?,
            biography: r.try_get("biography")?,
        });
    }
    Ok(out)
}

/// What an import created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub event_id: i64,
    pub rooms: usize,
    pub talks: usize,
    pub speakers: usize,
}

/// `text` cut to at most `max` characters.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Colours for imported tracks (the formats carry none), in order.
const TRACK_COLOURS: [&str; 8] = [
    "#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00",
];

/// Creates a conference in the community from a pretalx / c3voc `schedule.json`: a draft
/// event spanning its days, its rooms, tracks, talks (confirmed, owned by the importing
/// organizer, their speakers as guests) in their slots (pinned), published as version 1 —
/// all in one transaction. A file with problems is refused with all of them and nothing is
/// written. Texts longer than Sbor's forms take are cut to their limits.
pub async fn import_conference(
    db: &Db,
    actor: &User,
    community_id: i64,
    json: &str,
) -> Result<std::result::Result<Imported, Vec<ImportProblem>>> {
    communities::require_organizer(db, community_id, actor).await?;
    let doc = match parse_c3voc(json) {
        Ok(d) => d,
        Err(problems) => return Ok(Err(problems)),
    };
    if doc.talks.is_empty() {
        return Ok(Err(vec![ImportProblem {
            path: "schedule.conference.days".into(),
            code: "missing",
            detail: "the schedule has no talks".into(),
        }]));
    }
    let tz = doc.conference.time_zone;
    let first = doc.talks.iter().map(|t| t.starts_at).min().unwrap_or_default();
    let last = doc
        .talks
        .iter()
        .map(|t| t.starts_at + t.minutes * MINUTE)
        .max()
        .unwrap_or_default();
    // Programme hours that hold every talk's local time of day, on the grid.
    let local = |at: Micros| clock::to_datetime(at).with_timezone(&tz).time();
    let grid = if store::GRID_CHOICES.contains(&doc.conference.grid_minutes) {
        doc.conference.grid_minutes
    } else {
        5
    };
    let day_start = doc
        .talks
        .iter()
        .map(|t| local(t.starts_at))
        .min()
        .unwrap_or_default();
    let day_end = doc
        .talks
        .iter()
        .map(|t| {
            let end = local(t.starts_at + t.minutes * MINUTE);
            // A talk ending at midnight ends at the day's last minute.
            if end < local(t.starts_at) {
                NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(end)
            } else {
                end
            }
        })
        .max()
        .unwrap_or_default();
    let day_start = NaiveTime::from_hms_opt(
        day_start.hour(),
        day_start.minute() / grid as u32 * grid as u32,
        0,
    )
    .unwrap_or(day_start);
    if day_end <= day_start {
        return Ok(Err(vec![ImportProblem {
            path: "schedule.conference.days".into(),
            code: "out_of_range",
            detail: "talks run across midnight; Sbor's days end before midnight".into(),
        }]));
    }
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let event_id: i64 = sqlx::query(
        "INSERT INTO events (community_id, title, description, starts_at, ends_at, time_zone, status, created_at, updated_at) \
         VALUES ($1, $2, '', $3, $4, $5, 'draft', $6, $6) RETURNING id",
    )
    .bind(community_id)
    .bind(doc.conference.title.chars().take(200).collect::<String>())
    .bind(first)
    .bind(last)
    .bind(tz.name())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    sqlx::query(
        "INSERT INTO schedule_settings (event_id, grid_minutes, day_start, day_end, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(event_id)
    .bind(grid)
    .bind(day_start.format("%H:%M").to_string())
    .bind(day_end.format("%H:%M").to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut room_ids: HashMap<i64, i64> = HashMap::new();
    for (i, r) in doc.rooms.iter().enumerate() {
        let id: i64 = sqlx::query(
            "INSERT INTO rooms (event_id, name, capacity, position) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(event_id)
        .bind(cut(&r.name, store::MAX_NAME))
        .bind(r.capacity.filter(|c| *c > 0))
        .bind(i as i64 + 1)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        room_ids.insert(r.id, id);
    }
    let mut tracks: BTreeMap<String, i64> = BTreeMap::new();
    let mut speakers = 0;
    let mut slots = Vec::with_capacity(doc.talks.len());
    for t in &doc.talks {
        let track_id = match &t.track {
            Some(name) if !name.trim().is_empty() => match tracks.get(name) {
                Some(id) => Some(*id),
                None => {
                    let colour = TRACK_COLOURS[tracks.len() % TRACK_COLOURS.len()];
                    let id: i64 = sqlx::query(
                        "INSERT INTO tracks (event_id, name, colour, position) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(event_id)
                    .bind(name)
                    .bind(colour)
                    .bind(tracks.len() as i64 + 1)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    tracks.insert(name.clone(), id);
                    Some(id)
                }
            },
            _ => None,
        };
        let title = if t.subtitle.is_empty() {
            t.title.clone()
        } else {
            format!("{}: {}", t.title, t.subtitle)
        };
        // Longer texts than Sbor's own forms take are cut, so imported talks stay editable.
        let title = cut(&title, crate::talks::MAX_TITLE);
        let language = match t.language.as_str() {
            "en" | "ru" => t.language.clone(),
            _ => String::new(),
        };
        let talk_id: i64 = sqlx::query(
            "INSERT INTO talks (community_id, event_id, owner_id, title, summary, description, track_id, language, \
               state, minutes, submitted_at, decided_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'confirmed', $9, $10, $10, $10, $10) RETURNING id",
        )
        .bind(community_id)
        .bind(event_id)
        .bind(actor.id)
        .bind(&title)
        .bind(cut(&t.abstract_text, crate::talks::MAX_SUMMARY))
        .bind(cut(&t.description, crate::talks::MAX_DESCRIPTION))
        .bind(track_id)
        .bind(language)
        .bind(t.minutes)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        for (i, p) in t.persons.iter().enumerate() {
            sqlx::query(
                "INSERT INTO talk_guests (talk_id, name, biography, code, position) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(talk_id)
            .bind(&p.name)
            .bind(&p.biography)
            .bind(&p.code)
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
            speakers += 1;
        }
        let room = room_ids
            .get(&t.room_id)
            .copied()
            .ok_or(DomainError::Internal("imported room missing".into()))?;
        sqlx::query(
            "INSERT INTO schedule_slots (talk_id, event_id, room_id, starts_at, pinned, updated_at) VALUES ($1, $2, $3, $4, 1, $5)",
        )
        .bind(talk_id)
        .bind(event_id)
        .bind(room)
        .bind(t.starts_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let room_name = doc
            .rooms
            .iter()
            .find(|r| r.id == t.room_id)
            .map_or(String::new(), |r| cut(&r.name, store::MAX_NAME));
        slots.push(publish::VersionSlot {
            talk_id,
            room_id: room,
            room_name,
            starts_at: t.starts_at,
            ends_at: t.starts_at + t.minutes * MINUTE,
            title,
        });
    }
    // Version 1, in the same transaction, so the public pages and exports show what was
    // imported exactly as the file had it (no speakers have accounts to mail yet).
    slots.sort_by_key(|s| (s.starts_at, s.room_id, s.talk_id));
    publish::insert_version(&mut tx, event_id, 1, "Imported", actor.id, now, &slots).await?;
    tx.commit().await?;
    Ok(Ok(Imported {
        event_id,
        rooms: doc.rooms.len(),
        talks: doc.talks.len(),
        speakers,
    }))
}
