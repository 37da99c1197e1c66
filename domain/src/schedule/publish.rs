//! Published schedules: numbered, named, frozen copies of the draft. Public pages, feeds and
//! exports read only the latest version; the changelog compares each version with the one
//! before; speakers of moved talks and members who starred them get one mail per version.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use super::conflicts::{Conflict, hard_conflicts};
use super::store;
use crate::accounts::{Site, User};
use crate::clock::{self, MINUTE, Micros};
use crate::db::Db;
use crate::error::{DomainError, Result};
use crate::lang::Lang;
use crate::mail_templates::{self, Template};
use crate::outbox::{self, NewMail};

const MAX_VERSION_NAME: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub published_at: Micros,
}

/// A talk's place in a published version, as it was then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSlot {
    pub talk_id: i64,
    pub room_id: i64,
    pub room_name: String,
    pub starts_at: Micros,
    pub ends_at: Micros,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    New,
    /// Room or time changed; where it was before.
    Moved {
        from_room: String,
        from_start: Micros,
    },
    Cancelled,
}

/// One line of the changelog. `room_name` and `starts_at` are the new place, or the last
/// one for a cancelled talk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub kind: ChangeKind,
    pub starts_at: Micros,
    pub talk_id: i64,
    pub title: String,
    pub room_name: String,
}

/// What changed from `before` to `after` (new, moved, cancelled talks), by kind then time.
pub fn diff(before: &[VersionSlot], after: &[VersionSlot]) -> Vec<Change> {
    let old: HashMap<i64, &VersionSlot> = before.iter().map(|s| (s.talk_id, s)).collect();
    let new: HashMap<i64, &VersionSlot> = after.iter().map(|s| (s.talk_id, s)).collect();
    let mut out = Vec::new();
    for s in after {
        let kind = match old.get(&s.talk_id) {
            None => ChangeKind::New,
            Some(o) if o.starts_at != s.starts_at || o.ends_at != s.ends_at || o.room_id != s.room_id => {
                ChangeKind::Moved {
                    from_room: o.room_name.clone(),
                    from_start: o.starts_at,
                }
            }
            Some(_) => continue,
        };
        out.push(Change {
            kind,
            starts_at: s.starts_at,
            talk_id: s.talk_id,
            title: s.title.clone(),
            room_name: s.room_name.clone(),
        });
    }
    for s in before.iter().filter(|s| !new.contains_key(&s.talk_id)) {
        out.push(Change {
            kind: ChangeKind::Cancelled,
            starts_at: s.starts_at,
            talk_id: s.talk_id,
            title: s.title.clone(),
            room_name: s.room_name.clone(),
        });
    }
    out.sort_by(|a, b| {
        let rank = |k: &ChangeKind| match k {
            ChangeKind::New => 0,
            ChangeKind::Moved { .. } => 1,
            ChangeKind::Cancelled => 2,
        };
        (rank(&a.kind), a.starts_at, a.talk_id).cmp(&(rank(&b.kind), b.starts_at, b.talk_id))
    });
    out
}

const SLOT_COLUMNS: &str = "talk_id, room_id, room_name, starts_at, ends_at, title";

fn slot_from(r: &sqlx::any::AnyRow) -> Result<VersionSlot> {
    Ok(VersionSlot {
        talk_id: r.try_get("talk_id")?,
        room_id: r.try_get("room_id")?,
        room_name: r.try_get("room_name")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        title: r.try_get("title")?,
    })
}

fn version_from(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok(Version {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        name: r.try_get("name")?,
        published_at: r.try_get("published_at")?,
    })
}

/// The event's published versions, newest first.
pub async fn versions(db: &Db, event_id: i64) -> Result<Vec<Version>> {
    sqlx::query(
        "SELECT id, number, name, published_at FROM schedule_versions WHERE event_id = $1 ORDER BY number DESC",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(version_from)
    .collect()
}

pub async fn version_slots(db: &Db, version_id: i64) -> Result<Vec<VersionSlot>> {
    sqlx::query(&format!(
        "SELECT {SLOT_COLUMNS} FROM schedule_version_slots WHERE version_id = $1 ORDER BY starts_at, room_id, talk_id"
    ))
    .bind(version_id)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(slot_from)
    .collect()
}

/// Where the latest published version of `event_id`'s schedule puts the talk, if anywhere.
pub async fn published_slot(db: &Db, event_id: i64, talk_id: i64) -> Result<Option<VersionSlot>> {
    sqlx::query(&format!(
        "SELECT {SLOT_COLUMNS} FROM schedule_version_slots WHERE talk_id = $1 AND version_id = \
           (SELECT id FROM schedule_versions WHERE event_id = $2 ORDER BY number DESC LIMIT 1)"
    ))
    .bind(talk_id)
    .bind(event_id)
    .fetch_optional(db.read())
    .await?
    .as_ref()
    .map(slot_from)
    .transpose()
}

/// Every version with what it changed from the one before, newest first.
pub async fn changelog(db: &Db, event_id: i64) -> Result<Vec<(Version, Vec<Change>)>> {
    let list = versions(db, event_id).await?;
    let mut slots = Vec::with_capacity(list.len());
    for v in &list {
        slots.push(version_slots(db, v.id).await?);
    }
    Ok(list
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let before = slots.get(i + 1).map(Vec::as_slice).unwrap_or(&[]);
            let changes = diff(before, &slots[i]);
            (v, changes)
        })
        .collect())
}

/// The outcome of publishing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub version: Version,
    pub changes: Vec<Change>,
    pub mails: usize,
}

/// Publishes the draft as the next version. Refused when nothing is placed; refused with
/// the hard conflicts (`Conflicts`) unless `confirm` says to publish them anyway. Mails the
/// speakers of moved and cancelled talks and the members who starred them, once each.
pub async fn publish(
    db: &Db,
    site: &Site,
    actor: &User,
    event_id: i64,
    name: &str,
    confirm: bool,
) -> Result<std::result::Result<Published, Vec<Conflict>>> {
    let d = store::draft(db, actor, event_id).await?;
    let name = name.trim();
    if name.chars().count() > MAX_VERSION_NAME {
        return Err(DomainError::invalid("name", "too_long"));
    }
    if name.contains(['\r', '\n']) {
        return Err(DomainError::invalid("name", "invalid_characters"));
    }
    if d.plan.placements.is_empty() {
        return Err(DomainError::Refused("schedule_empty"));
    }
    let hard = hard_conflicts(&d.plan);
    if !hard.is_empty() && !confirm {
        return Ok(Err(hard));
    }
    let rooms: HashMap<i64, &str> = d.rooms.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut after: Vec<VersionSlot> = d
        .talks
        .iter()
        .filter_map(|t| {
            let (room_id, start, _) = t.slot?;
            Some(VersionSlot {
                talk_id: t.id,
                room_id,
                room_name: rooms.get(&room_id).copied().unwrap_or_default().to_owned(),
                starts_at: start,
                ends_at: start + t.minutes * MINUTE,
                title: t.title.clone(),
            })
        })
        .collect();
    after.sort_by_key(|s| (s.starts_at, s.room_id, s.talk_id));
    let previous = versions(db, event_id).await?.into_iter().next();
    let before = match &previous {
        Some(v) => version_slots(db, v.id).await?,
        None => Vec::new(),
    };
    let changes = diff(&before, &after);
    let now = clock::now();
    let number = previous.as_ref().map_or(1, |v| v.number + 1);
    let name = if name.is_empty() {
        format!("{number}")
    } else {
        name.to_owned()
    };
    let mut tx = db.write().begin().await?;
    let version = insert_version(&mut tx, event_id, number, &name, actor.id, now, &after).await?;
    let mails = change_mails(&mut tx, site, &d.event, &version, &changes).await?;
    let count = mails.len();
    outbox::enqueue_many_in(&mut tx, site, mails).await?;
    tx.commit().await?;
    Ok(Ok(Published {
        version,
        changes,
        mails: count,
    }))
}

/// Stores version `number` of the event's schedule with its slots, in the caller's
/// transaction. The UNIQUE (event_id, number) makes two organizers publishing at once safe:
/// one wins, the other is refused (`published_meanwhile`) and nothing of theirs is stored.
pub(crate) async fn insert_version(
    tx: &mut sqlx::AnyConnection,
    event_id: i64,
    number: i64,
    name: &str,
    actor_id: i64,
    now: Micros,
    slots: &[VersionSlot],
) -> Result<Version> {
    let row = sqlx::query(
        "INSERT INTO schedule_versions (event_id, number, name, published_at, published_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id, number, name, published_at",
    )
    .bind(event_id)
    .bind(number)
    .bind(name)
    .bind(now)
    .bind(actor_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            DomainError::Refused("published_meanwhile")
        } else {
            e.into()
        }
    })?;
    let version = version_from(&row)?;
    for chunk in slots.chunks(crate::db::ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO schedule_version_slots (version_id, {SLOT_COLUMNS}) VALUES {}",
            crate::db::values_placeholders(crate::db::Backend::of(&*tx), chunk.len(), 7)
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q
                .bind(version.id)
                .bind(s.talk_id)
                .bind(s.room_id)
                .bind(&s.room_name)
                .bind(s.starts_at)
                .bind(s.ends_at)
                .bind(&s.title);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(version)
}

/// One mail per person touched by a moved or cancelled talk: its speakers, and the members
/// who starred it (a speaker who starred their own talk gets the speaker's mail only).
async fn change_mails(
    tx: &mut sqlx::AnyConnection,
    site: &Site,
    event: &crate::events::Event,
    version: &Version,
    changes: &[Change],
) -> Result<Vec<NewMail>> {
    let touched: Vec<&Change> = changes.iter().filter(|c| c.kind != ChangeKind::New).collect();
    if touched.is_empty() {
        return Ok(Vec::new());
    }
    let ids = touched
        .iter()
        .map(|c| c.talk_id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // Ids are our own integers, so listing them inline is safe and keeps one query per kind.
    let rows = sqlx::query(&format!(
        "SELECT ts.talk_id, u.id, u.email, u.display_name, u.lang, 1 AS speaker FROM talk_speakers ts \
           JOIN users u ON u.id = ts.user_id WHERE ts.talk_id IN ({ids}) \
         UNION ALL \
         SELECT f.talk_id, u.id, u.email, u.display_name, u.lang, 0 AS speaker FROM favourites f \
           JOIN users u ON u.id = f.user_id WHERE f.talk_id IN ({ids})"
    ))
    .fetch_all(&mut *tx)
    .await?;
    // user → (email, name, lang, speaker?, talk ids)
    let mut people: BTreeMap<i64, (String, String, Lang, bool, Vec<i64>)> = BTreeMap::new();
    for r in rows {
        let user: i64 = r.try_get("id")?;
        let speaker = r.try_get::<i64, _>("speaker")? == 1;
        let lang: String = r.try_get("lang")?;
        let (email, name): (String, String) = (r.try_get("email")?, r.try_get("display_name")?);
        let e = people.entry(user).or_insert_with(|| {
            (
                email,
                name,
                Lang::parse(&lang).unwrap_or_default(),
                speaker,
                Vec::new(),
            )
        });
        e.3 |= speaker;
        let talk: i64 = r.try_get("talk_id")?;
        if !e.4.contains(&talk) {
            e.4.push(talk);
        }
    }
    let url = site.link(&format!("/e/{}/schedule/changes", event.id));
    let tz = event.tz();
    Ok(people
        .into_iter()
        .map(|(user, (email, name, lang, speaker, talks))| {
            let lines: Vec<String> = touched
                .iter()
                .filter(|c| talks.contains(&c.talk_id))
                .map(|c| change_line(lang, c, tz))
                .collect();
            let mail = mail_templates::render(
                lang,
                &Template::ScheduleChanged {
                    name: &name,
                    conference: &event.title,
                    speaker,
                    lines: &lines,
                    url: &url,
                },
            );
            NewMail::new(
                format!("schedule:{}:{user}", version.id),
                "schedule_changed",
                &email,
                mail,
            )
        })
        .collect())
}

/// "«Title»: now 2027-06-02 14:00, Hall A (was 2027-06-01 10:00, Hall B)", in `lang`.
pub fn change_line(lang: Lang, c: &Change, tz: chrono_tz::Tz) -> String {
    let at = |t: Micros| clock::local(t, tz);
    match (&c.kind, lang) {
        (
            ChangeKind::Moved {
                from_room,
                from_start,
            },
            Lang::En,
        ) => format!(
            "\"{}\": now {}, {} (was {}, {})",
            c.title,
            at(c.starts_at),
            c.room_name,
            at(*from_start),
            from_room
        ),
        (
            ChangeKind::Moved {
                from_room,
                from_start,
            },
            Lang::Ru,
        ) => format!(
            "«{}»: теперь {}, {} (было {}, {})",
            c.title,
            at(c.starts_at),
            c.room_name,
            at(*from_start),
            from_room
        ),
        (ChangeKind::Cancelled, Lang::En) => format!("\"{}\": cancelled", c.title),
        (ChangeKind::Cancelled, Lang::Ru) => format!("«{}»: отменён", c.title),
        (ChangeKind::New, Lang::En) => format!("\"{}\": {}, {}", c.title, at(c.starts_at), c.room_name),
        (ChangeKind::New, Lang::Ru) => format!("«{}»: {}, {}", c.title, at(c.starts_at), c.room_name),
    }
}

// ---------------------------------------------------------------------------------------------
// Favourites

/// Stars (or unstars) a talk in the latest published version of a public (not draft) event's
/// schedule; `NotFound` for any other talk. Logged-in members only (the caller passes the user).
pub async fn star(db: &Db, user: &User, talk_id: i64, on: bool) -> Result<()> {
    if on {
        let listed = sqlx::query(
            "SELECT 1 AS x FROM talks t JOIN events e ON e.id = t.event_id \
             JOIN schedule_version_slots s ON s.talk_id = t.id \
             WHERE t.id = $1 AND e.status <> 'draft' AND s.version_id = \
               (SELECT id FROM schedule_versions v WHERE v.event_id = t.event_id ORDER BY v.number DESC LIMIT 1)",
        )
        .bind(talk_id)
        .fetch_optional(db.read())
        .await?;
        if listed.is_none() {
            return Err(DomainError::NotFound);
        }
        sqlx::query(
            "INSERT INTO favourites (user_id, talk_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user.id)
        .bind(talk_id)
        .bind(clock::now())
        .execute(db.write())
        .await?;
    } else {
        sqlx::query("DELETE FROM favourites WHERE user_id = $1 AND talk_id = $2")
            .bind(user.id)
            .bind(talk_id)
            .execute(db.write())
            .await?;
    }
    Ok(())
}

/// The talks `user_id` starred among `event_id`'s.
pub async fn starred(db: &Db, user_id: i64, event_id: i64) -> Result<Vec<i64>> {
    sqlx::query(
        "SELECT f.talk_id FROM favourites f JOIN talks t ON t.id = f.talk_id WHERE f.user_id = $1 AND t.event_id = $2 \
         ORDER BY f.talk_id",
    )
    .bind(user_id)
    .bind(event_id)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(|r| Ok(r.try_get("talk_id")?))
    .collect()
}
