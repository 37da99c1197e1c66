//! Announcements: an organizer writes once, every intended member gets it exactly once.
//!
//! Delivery guarantee. Starting a send inserts one outbox row per recipient, in the same
//! transaction that marks the announcement `sending`, with the idempotency key
//! `announcement:<id>:<user>` (UNIQUE): however often the fan-out runs, nobody is queued twice,
//! and a committed send has every recipient queued, so none is lost. The outbox worker then
//! sends each row at most once per claim and records the outcome under its lease (see
//! `outbox`): the only way a recipient gets a second copy is a process that dies after the SMTP
//! server accepted DATA and before the row was marked sent; that row is sent again, once, with
//! the same Message-ID. Paused or cancelled announcements keep their rows out of every claim.
//!
//! Rows carry no copy of the body: the worker renders it from the announcement with the
//! recipient's own unsubscribe link, so 20,000 recipients cost 20,000 small rows.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::{Site, User};
use crate::checkin::SigningKey;
use crate::clock::{self, Micros};
use crate::error::{DomainError, Result};
use crate::lang::Lang;
use crate::outbox::{self, NewMail, Rendered};
use crate::{Db, communities, email, markdown};

pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 50_000;
pub const MAX_SENDER_NAME: usize = 100;
/// Where the worker puts each recipient's own unsubscribe link.
pub const UNSUBSCRIBE_PLACEHOLDER: &str = "%%UNSUBSCRIBE_URL%%";

/// Who an announcement goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Members,
    Organizers,
    Attendees {
        event_id: i64,
        status: AttendeeStatus,
    },
    /// Everyone who speaks on a talk of the event in this state (owner and co-speakers).
    Speakers {
        event_id: i64,
        state: crate::talks::State,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttendeeStatus {
    Going,
    Waitlisted,
    Pending,
    CheckedIn,
    NoShow,
}

impl AttendeeStatus {
    pub const ALL: [AttendeeStatus; 5] = [
        AttendeeStatus::Going,
        AttendeeStatus::Waitlisted,
        AttendeeStatus::Pending,
        AttendeeStatus::CheckedIn,
        AttendeeStatus::NoShow,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AttendeeStatus::Going => "going",
            AttendeeStatus::Waitlisted => "waitlisted",
            AttendeeStatus::Pending => "pending",
            AttendeeStatus::CheckedIn => "checked_in",
            AttendeeStatus::NoShow => "no_show",
        }
    }

    fn parse(s: &str) -> Option<AttendeeStatus> {
        AttendeeStatus::ALL.into_iter().find(|a| a.code() == s)
    }

    /// The condition on `rsvps r` (joined with `events e`) that selects these attendees; `now`
    /// decides who was a no-show.
    fn condition(self, now: Micros) -> String {
        match self {
            AttendeeStatus::Going => "r.status = 'going'".into(),
            AttendeeStatus::Waitlisted => "r.status = 'waitlisted'".into(),
            AttendeeStatus::Pending => "r.status = 'pending'".into(),
            AttendeeStatus::CheckedIn => "r.checked_in_at IS NOT NULL".into(),
            AttendeeStatus::NoShow => {
                format!("r.status = 'going' AND r.checked_in_at IS NULL AND e.ends_at < {now}")
            }
        }
    }
}

impl Audience {
    /// `members`, `organizers`, `event:<id>:<status>` or `speakers:<event id>:<talk state>`.
    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "members" => Some(Audience::Members),
            "organizers" => Some(Audience::Organizers),
            _ if s.starts_with("speakers:") => {
                let (id, state) = s.strip_prefix("speakers:")?.split_once(':')?;
                Some(Audience::Speakers {
                    event_id: id.parse().ok()?,
                    // Drafts are their speakers' own business.
                    state: crate::talks::State::parse(state).filter(|s| *s != crate::talks::State::Draft)?,
                })
            }
            _ => {
                let rest = s.strip_prefix("event:")?;
                let (id, status) = rest.split_once(':')?;
                Some(Audience::Attendees {
                    event_id: id.parse().ok()?,
                    status: AttendeeStatus::parse(status)?,
                })
            }
        }
    }

    pub fn code(&self) -> String {
        match self {
            Audience::Members => "members".into(),
            Audience::Organizers => "organizers".into(),
            Audience::Attendees { event_id, status } => format!("event:{event_id}:{}", status.code()),
            Audience::Speakers { event_id, state } => format!("speakers:{event_id}:{}", state.code()),
        }
    }

    /// `SELECT u.id, u.email, opted_out, suppressed` for everyone this audience names, with
    /// `$1` = community (`now` decides who was a no-show). Opted out = the member turned announcements off for this
    /// community; suppressed = the address bounced for good. Unconfirmed addresses never get
    /// announcements.
    fn people_sql(&self, now: Micros) -> String {
        let flags = "CASE WHEN m.announcements = 0 THEN 1 ELSE 0 END AS opted_out, \
             CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.email = u.email) THEN 1 ELSE 0 END AS suppressed";
        match self {
            Audience::Members | Audience::Organizers => format!(
                "SELECT u.id, u.email, {flags} FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.community_id = $1 AND u.email_confirmed_at IS NOT NULL{}",
                if *self == Audience::Organizers {
                    " AND m.role = 'organizer'"
                } else {
                    ""
                }
            ),
            Audience::Attendees { event_id, status } => format!(
                "SELECT u.id, u.email, {flags} FROM rsvps r JOIN events e ON e.id = r.event_id \
                 JOIN users u ON u.id = r.user_id \
                 LEFT JOIN memberships m ON m.community_id = e.community_id AND m.user_id = u.id \
                 WHERE r.event_id = {event_id} AND e.community_id = $1 AND u.email_confirmed_at IS NOT NULL \
                 AND {}",
                status.condition(now)
            ),
            // DISTINCT: someone speaking on two such talks is one recipient. The state is one
            // of our own codes and the id an i64, never raw user input.
            Audience::Speakers { event_id, state } => format!(
                "SELECT DISTINCT u.id, u.email, {flags} FROM talk_speakers ts JOIN talks t ON t.id = ts.talk_id \
                 JOIN events e ON e.id = t.event_id JOIN users u ON u.id = ts.user_id \
                 LEFT JOIN memberships m ON m.community_id = e.community_id AND m.user_id = u.id \
                 WHERE t.event_id = {event_id} AND e.community_id = $1 AND u.email_confirmed_at IS NOT NULL \
                 AND t.state = '{}'",
                state.code()
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    pub community_id: i64,
    pub subject: String,
    pub body: String,
    pub sender_name: String,
    pub reply_to: String,
    pub audience: String,
    pub status: String,
    pub send_at: Option<Micros>,
    pub public: bool,
    pub recipients: i64,
    pub opted_out: i64,
    pub suppressed: i64,
    pub created_at: Micros,
    pub started_at: Option<Micros>,
    pub finished_at: Option<Micros>,
}

const COLUMNS: &str = "id, community_id, subject, body, sender_name, reply_to, audience, status, send_at, \
    public, recipients, opted_out, suppressed, created_at, started_at, finished_at";

impl Announcement {
    fn from_row(r: &AnyRow) -> Result<Announcement> {
        Ok(Announcement {
            id: r.try_get("id")?,
            community_id: r.try_get("community_id")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            sender_name: r.try_get("sender_name")?,
            reply_to: r.try_get("reply_to")?,
            audience: r.try_get("audience")?,
            status: r.try_get("status")?,
            send_at: r.try_get("send_at")?,
            public: r.try_get::<i64, _>("public")? != 0,
            recipients: r.try_get("recipients")?,
            opted_out: r.try_get("opted_out")?,
            suppressed: r.try_get("suppressed")?,
            created_at: r.try_get("created_at")?,
            started_at: r.try_get("started_at")?,
            finished_at: r.try_get("finished_at")?,
        })
    }
}

/// What the composer posts.
pub struct Input<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub sender_name: &'a str,
    pub reply_to: &'a str,
    pub audience: &'a str,
    pub public: bool,
}

struct Parsed {
    subject: String,
    body: String,
    sender_name: String,
    reply_to: String,
    audience: Audience,
}

fn parse(db_event_community: Option<i64>, community_id: i64, input: &Input<'_>) -> Result<Parsed> {
    let subject = input.subject.trim();
    if subject.is_empty() {
        return Err(DomainError::invalid("subject", "required"));
    }
    if subject.chars().count() > MAX_SUBJECT || subject.contains(['\r', '\n']) {
        return Err(DomainError::invalid("subject", "too_long"));
    }
    let body = input.body.trim();
    if body.is_empty() {
        return Err(DomainError::invalid("body", "required"));
    }
    if body.chars().count() > MAX_BODY {
        return Err(DomainError::invalid("body", "too_long"));
    }
    let sender_name = input.sender_name.trim();
    if sender_name.chars().count() > MAX_SENDER_NAME || sender_name.contains(['\r', '\n', '<', '>', '"']) {
        return Err(DomainError::invalid("sender_name", "too_long"));
    }
    let reply_to = match input.reply_to.trim() {
        "" => String::new(),
        r => email::Email::parse(r)
            .map_err(|_| DomainError::invalid("reply_to", "invalid_email"))?
            .as_str()
            .to_owned(),
    };
    let audience =
        Audience::parse(input.audience).ok_or(DomainError::invalid("audience", "invalid_audience"))?;
    if let Audience::Attendees { .. } | Audience::Speakers { .. } = audience
        && db_event_community != Some(community_id)
    {
        return Err(DomainError::invalid("audience", "invalid_audience"));
    }
    Ok(Parsed {
        subject: subject.to_owned(),
        body: body.to_owned(),
        sender_name: sender_name.to_owned(),
        reply_to,
        audience,
    })
}

/// The community's events that have talks (not only drafts), newest first: what the composer
/// offers as `speakers:<id>:<state>` audiences.
pub async fn events_with_talks(db: &Db, community_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT e.id, e.title FROM events e WHERE e.community_id = $1 \
         AND EXISTS (SELECT 1 FROM talks t WHERE t.event_id = e.id AND t.state <> 'draft') \
         ORDER BY e.starts_at DESC, e.id DESC LIMIT 20",
    )
    .bind(community_id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

/// Saves a draft. Organizers only.
pub async fn create(db: &Db, actor: &User, community_id: i64, input: Input<'_>) -> Result<i64> {
    communities::require_organizer(db, community_id, actor).await?;
    let event_community = match Audience::parse(input.audience) {
        Some(Audience::Attendees { event_id, .. } | Audience::Speakers { event_id, .. }) => {
            sqlx::query("SELECT community_id FROM events WHERE id = $1")
                .bind(event_id)
                .fetch_optional(db.read())
                .await?
                .map(|r| r.try_get::<i64, _>("community_id"))
                .transpose()?
        }
        _ => None,
    };
    let p = parse(event_community, community_id, &input)?;
    let row = sqlx::query(
        "INSERT INTO announcements (community_id, author_id, subject, body, sender_name, reply_to, audience, public, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(community_id)
    .bind(actor.id)
    .bind(&p.subject)
    .bind(&p.body)
    .bind(&p.sender_name)
    .bind(&p.reply_to)
    .bind(p.audience.code())
    .bind(i64::from(input.public))
    .bind(clock::now())
    .fetch_one(db.write())
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(db: &Db, id: i64) -> Result<Announcement> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM announcements WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.read())
        .await?
        .ok_or(DomainError::NotFound)?;
    Announcement::from_row(&row)
}

/// An announcement, for one of its community's organizers.
pub async fn get_for(db: &Db, actor: &User, id: i64) -> Result<Announcement> {
    let a = get(db, id).await?;
    communities::require_organizer(db, a.community_id, actor).await?;
    Ok(a)
}

/// All of a community's announcements, drafts included, newest first. Organizers only.
pub async fn list_for(db: &Db, actor: &User, community_id: i64) -> Result<Vec<Announcement>> {
    communities::require_organizer(db, community_id, actor).await?;
    list(db, community_id, false).await
}

/// The public archive: a community's sent announcements that were marked public, newest first.
/// Anyone may read it.
pub async fn archive(db: &Db, community_id: i64) -> Result<Vec<Announcement>> {
    list(db, community_id, true).await
}

async fn list(db: &Db, community_id: i64, public_only: bool) -> Result<Vec<Announcement>> {
    let filter = if public_only {
        " AND public = 1 AND status = 'sent'"
    } else {
        ""
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM announcements WHERE community_id = $1{filter} ORDER BY created_at DESC, id DESC"
    ))
    .bind(community_id)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(Announcement::from_row).collect()
}

/// How many people an announcement would reach now, and how many it leaves out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    pub recipients: i64,
    pub opted_out: i64,
    pub suppressed: i64,
}

impl Reach {
    /// Counts `audience` of `community_id` as of `now`: recipients are neither opted out nor
    /// suppressed; opted out counts everyone who turned announcements off; suppressed counts
    /// only those who did not (an opted-out address that also bounced is counted once, as
    /// opted out). The one place this rule is written.
    async fn count(
        conn: &mut AnyConnection,
        community_id: i64,
        audience: Audience,
        now: Micros,
    ) -> Result<Reach> {
        let row = sqlx::query(&format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN opted_out = 0 AND suppressed = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS recipients, \
               CAST(COALESCE(SUM(opted_out), 0) AS BIGINT) AS opted_out, \
               CAST(COALESCE(SUM(CASE WHEN opted_out = 0 THEN suppressed ELSE 0 END), 0) AS BIGINT) AS suppressed \
             FROM ({}) p",
            audience.people_sql(now)
        ))
        .bind(community_id)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Reach {
            recipients: row.try_get("recipients")?,
            opted_out: row.try_get("opted_out")?,
            suppressed: row.try_get("suppressed")?,
        })
    }
}

fn audience_of(a: &Announcement) -> Result<Audience> {
    Audience::parse(&a.audience).ok_or(DomainError::invalid("audience", "invalid_audience"))
}

/// How many the announcement would reach if it were sent now.
pub async fn reach(db: &Db, a: &Announcement) -> Result<Reach> {
    let mut conn = db.read().acquire().await?;
    Reach::count(&mut conn, a.community_id, audience_of(a)?, clock::now()).await
}

/// Sends now: marks it `sending` and queues one outbox row per recipient, in one transaction.
pub async fn send_now(db: &Db, site: &Site, actor: &User, id: i64) -> Result<Announcement> {
    let a = get_for(db, actor, id).await?;
    if !matches!(a.status.as_str(), "draft" | "scheduled") {
        return Err(DomainError::Refused("announcement_not_draft"));
    }
    // `start` refuses an empty audience itself, inside its transaction.
    start(db, site, id, &["draft", "scheduled"], true).await?;
    get(db, id).await
}

/// Schedules a draft for `send_at` (which must be in the future).
pub async fn schedule(db: &Db, actor: &User, id: i64, send_at: Micros) -> Result<Announcement> {
    let a = get_for(db, actor, id).await?;
    if send_at <= clock::now() {
        return Err(DomainError::invalid("send_at", "send_time_past"));
    }
    if !matches!(a.status.as_str(), "draft" | "scheduled") {
        return Err(DomainError::Refused("announcement_not_draft"));
    }
    if reach(db, &a).await?.recipients == 0 {
        return Err(DomainError::Refused("audience_empty"));
    }
    set_status(db, id, &["draft", "scheduled"], "scheduled", Some(send_at)).await?;
    get(db, id).await
}

/// `pause`, `resume` or `cancel`.
pub async fn control(db: &Db, actor: &User, id: i64, action: &str) -> Result<Announcement> {
    get_for(db, actor, id).await?;
    let changed = match action {
        "pause" => set_status(db, id, &["sending"], "paused", None).await?,
        "resume" => set_status(db, id, &["paused"], "sending", None).await?,
        "cancel" => {
            let mut tx = db.write().begin().await?;
            let n = sqlx::query(
                "UPDATE announcements SET status = 'cancelled', finished_at = $1 \
                 WHERE id = $2 AND status IN ('draft', 'scheduled', 'sending', 'paused')",
            )
            .bind(clock::now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // Rows already claimed finish their send; the rest never go out.
            sqlx::query(
                "UPDATE outbox SET status = 'cancelled' WHERE announcement_id = $1 AND status = 'queued'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            n == 1
        }
        _ => return Err(DomainError::invalid("action", "invalid_action")),
    };
    if !changed {
        return Err(DomainError::Refused("announcement_wrong_state"));
    }
    get(db, id).await
}

/// `status IN (…)` list of our own state codes (never user input), as SQL.
fn status_in(states: &[&str]) -> String {
    states
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn set_status(db: &Db, id: i64, from: &[&str], to: &str, send_at: Option<Micros>) -> Result<bool> {
    let n = sqlx::query(&format!(
        "UPDATE announcements SET status = $1, send_at = COALESCE($2, send_at) WHERE id = $3 AND status IN ({})",
        status_in(from)
    ))
    .bind(to)
    .bind(send_at)
    .bind(id)
    .execute(db.write())
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The fan-out: `from` the given states to `sending`, with every recipient queued and the
/// reach recorded, in one transaction that reads the audience twice (once to count it, once to
/// queue it). With `refuse_empty`, an audience with nobody to queue is
/// `Refused("audience_empty")` and nothing changes.
async fn start(db: &Db, site: &Site, id: i64, from: &[&str], refuse_empty: bool) -> Result<bool> {
    let a = get(db, id).await?;
    let audience = audience_of(&a)?;
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let claimed = sqlx::query(&format!(
        "UPDATE announcements SET status = 'sending', started_at = $1 WHERE id = $2 AND status IN ({})",
        status_in(from)
    ))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false); // another instance (or click) started it
    }
    let reach = Reach::count(&mut tx, a.community_id, audience, now).await?;
    let host = site.host();
    // The id is ours (an i64), never user input, so it can be part of the statement text.
    let queued = sqlx::query(&format!(
        "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, message_id, \
           next_attempt_at, created_at, announcement_id, user_id) \
         SELECT 'announcement:{id}:' || CAST(p.id AS TEXT), 'announcement', p.email, '', '', '', \
           '<announcement-{id}-' || CAST(p.id AS TEXT) || '@{host}>', $2, $2, {id}, p.id \
         FROM ({}) p WHERE p.opted_out = 0 AND p.suppressed = 0 \
         ON CONFLICT (idempotency_key) DO NOTHING",
        audience.people_sql(now)
    ))
    .bind(a.community_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // The claim above happens once per announcement, so the rows just queued are all of its
    // rows: the recipients recorded are exactly the people queued.
    let queued = i64::try_from(queued).unwrap_or(i64::MAX);
    if refuse_empty && queued == 0 {
        return Err(DomainError::Refused("audience_empty")); // the transaction rolls back
    }
    sqlx::query("UPDATE announcements SET recipients = $1, opted_out = $2, suppressed = $3 WHERE id = $4")
        .bind(queued)
        .bind(reach.opted_out)
        .bind(reach.suppressed)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Starts the scheduled announcements that are due and closes the ones with nothing left to
/// send. Run often (the mail worker does, every second when idle); safe on every instance.
pub async fn tick(db: &Db, site: &Site, now: Micros) -> Result<usize> {
    let due: Vec<i64> =
        sqlx::query("SELECT id FROM announcements WHERE status = 'scheduled' AND send_at <= $1")
            .bind(now)
            .fetch_all(db.read())
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
    let mut started = 0;
    for id in due {
        if start(db, site, id, &["scheduled"], false).await? {
            started += 1;
        }
    }
    sqlx::query(
        "UPDATE announcements SET status = 'sent', finished_at = $1 WHERE status = 'sending' AND NOT EXISTS \
         (SELECT 1 FROM outbox o WHERE o.announcement_id = announcements.id AND o.status IN ('queued', 'sending'))",
    )
    .bind(now)
    .execute(db.write())
    .await?;
    Ok(started)
}

/// Where the rows of an announcement stand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
}

impl Progress {
    pub fn total(&self) -> i64 {
        self.queued + self.sending + self.sent + self.failed + self.cancelled
    }
    pub fn remaining(&self) -> i64 {
        self.queued + self.sending
    }
}

pub async fn progress(db: &Db, id: i64) -> Result<Progress> {
    let rows =
        sqlx::query("SELECT status, COUNT(*) AS n FROM outbox WHERE announcement_id = $1 GROUP BY status")
            .bind(id)
            .fetch_all(db.read())
            .await?;
    let mut p = Progress::default();
    for r in rows {
        let n: i64 = r.try_get("n")?;
        match r.try_get::<String, _>("status")?.as_str() {
            "queued" => p.queued = n,
            "sending" => p.sending = n,
            "sent" => p.sent = n,
            "failed" => p.failed = n,
            _ => p.cancelled += n,
        }
    }
    Ok(p)
}

/// One recipient's line in the delivery log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub email: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<Micros>,
}

/// The delivery log by address, optionally only rows in `status`, and at most `limit` rows
/// (`None`: all, as the CSV export wants).
pub async fn deliveries(
    db: &Db,
    actor: &User,
    id: i64,
    status: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<Delivery>> {
    get_for(db, actor, id).await?;
    // The limit is a number, never text, so it can be part of the statement.
    let limit = limit.map(|n| format!(" LIMIT {}", n.max(0))).unwrap_or_default();
    let rows = sqlx::query(&format!(
        "SELECT recipient, status, attempts, last_error, sent_at FROM outbox \
         WHERE announcement_id = $1 AND ($2 = '' OR status = $2) ORDER BY recipient{limit}"
    ))
    .bind(id)
    .bind(status.unwrap_or(""))
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Delivery {
                email: r.try_get("recipient")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect()
}

/// Queues the failed rows again (after, say, a mail server outage).
pub async fn retry_failed(db: &Db, actor: &User, id: i64) -> Result<u64> {
    let a = get_for(db, actor, id).await?;
    let n = sqlx::query(
        "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $1, last_error = NULL \
         WHERE announcement_id = $2 AND status = 'failed'",
    )
    .bind(clock::now())
    .bind(id)
    .execute(db.write())
    .await?
    .rows_affected();
    if n > 0 && matches!(a.status.as_str(), "sent") {
        set_status(db, id, &["sent"], "sending", None).await?;
    }
    Ok(n)
}

/// Leaves `email` out of later announcements (after a permanent failure).
pub async fn suppress(db: &Db, email: &str, reason: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO suppressions (email, reason, created_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING",
    )
    .bind(email)
    .bind(reason.chars().take(500).collect::<String>())
    .bind(clock::now())
    .execute(db.write())
    .await?;
    Ok(())
}

/// Suppressed addresses among a community's members, for its organizers.
pub async fn suppressions(db: &Db, actor: &User, community_id: i64) -> Result<Vec<(String, String)>> {
    communities::require_organizer(db, community_id, actor).await?;
    let rows = sqlx::query(
        "SELECT s.email, s.reason FROM suppressions s JOIN users u ON u.email = s.email \
         JOIN memberships m ON m.user_id = u.id AND m.community_id = $1 ORDER BY s.email",
    )
    .bind(community_id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("email")?, r.try_get("reason")?)))
        .collect()
}

/// Lifts a suppression of one of the community's members.
pub async fn lift_suppression(db: &Db, actor: &User, community_id: i64, email: &str) -> Result<()> {
    let members = suppressions(db, actor, community_id).await?;
    if !members.iter().any(|(e, _)| e == email) {
        return Err(DomainError::NotFound);
    }
    sqlx::query("DELETE FROM suppressions WHERE email = $1")
        .bind(email)
        .execute(db.write())
        .await?;
    Ok(())
}

// ---- unsubscribe -----------------------------------------------------------------------------

fn unsubscribe_message(user_id: i64, community_id: i64) -> String {
    format!("sbor-unsubscribe:{user_id}:{community_id}")
}

/// `<user>.<community>.<signature>`: works without a login and cannot be forged.
pub fn unsubscribe_token(key: &SigningKey, user_id: i64, community_id: i64) -> String {
    format!(
        "{user_id}.{community_id}.{}",
        key.sign(&unsubscribe_message(user_id, community_id))
    )
}

pub fn unsubscribe_url(site: &Site, key: &SigningKey, user_id: i64, community_id: i64) -> String {
    site.link(&format!(
        "/unsubscribe?t={}",
        unsubscribe_token(key, user_id, community_id)
    ))
}

/// (user, community) of a genuine token.
pub fn verify_unsubscribe(key: &SigningKey, token: &str) -> Option<(i64, i64)> {
    let mut parts = token.trim().splitn(3, '.');
    let user_id: i64 = parts.next()?.parse().ok()?;
    let community_id: i64 = parts.next()?.parse().ok()?;
    let sig = parts.next()?;
    key.verify_signature(&unsubscribe_message(user_id, community_id), sig)
        .then_some((user_id, community_id))
}

/// Turns announcements from a community off for the token's member; returns the community's
/// name. A forged token changes nothing.
pub async fn unsubscribe(db: &Db, key: &SigningKey, token: &str) -> Result<String> {
    let (user_id, community_id) =
        verify_unsubscribe(key, token).ok_or(DomainError::Refused("unsubscribe_invalid"))?;
    set_announcements(db, user_id, community_id, false).await?;
    Ok(communities::get(db, community_id).await?.name)
}

/// A member's choice to get a community's announcements.
pub async fn set_announcements(db: &Db, user_id: i64, community_id: i64, on: bool) -> Result<()> {
    sqlx::query("UPDATE memberships SET announcements = $1 WHERE community_id = $2 AND user_id = $3")
        .bind(i64::from(on))
        .bind(community_id)
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(())
}

// ---- rendering -------------------------------------------------------------------------------

/// An announcement as mailed, with [`UNSUBSCRIBE_PLACEHOLDER`] where each recipient's own link
/// goes. The preview page shows exactly this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub community_id: i64,
    pub subject: String,
    pub from_name: String,
    pub reply_to: String,
    pub html: String,
    pub text: String,
}

pub async fn mail(db: &Db, id: i64) -> Result<Mail> {
    let a = get(db, id).await?;
    let c = communities::get(db, a.community_id).await?;
    Ok(render(&a, &c.name, c.lang))
}

pub fn render(a: &Announcement, community_name: &str, lang: Lang) -> Mail {
    let (why, unsubscribe) = match lang {
        Lang::En => (
            format!("You get this mail as a member of {community_name} on Sbor."),
            "Unsubscribe from these announcements",
        ),
        Lang::Ru => (
            format!("Вы получили это письмо как участник сообщества «{community_name}» на Sbor."),
            "Отписаться от этих рассылок",
        ),
    };
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<!doctype html><html><body style=\"margin:0;background:#f4f4f7;font-family:-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d27\">\
         <div style=\"max-width:600px;margin:24px auto;background:#fff;border-radius:8px;padding:28px\">\
         <p style=\"font-weight:700;color:#c2410c;margin-top:0\">{name}</p>{body}\
         <hr style=\"border:0;border-top:1px solid #eee\"><p style=\"font-size:12px;color:#666\">{why} \
         <a href=\"{UNSUBSCRIBE_PLACEHOLDER}\" style=\"color:#666\">{unsubscribe}</a></p></div></body></html>",
        name = esc(community_name),
        body = markdown::to_safe_html(&a.body),
    );
    let text = format!(
        "{}\n\n-- \n{why}\n{unsubscribe}: {UNSUBSCRIBE_PLACEHOLDER}\n",
        a.body
    );
    Mail {
        community_id: a.community_id,
        subject: a.subject.clone(),
        from_name: if a.sender_name.is_empty() {
            community_name.to_owned()
        } else {
            a.sender_name.clone()
        },
        reply_to: a.reply_to.clone(),
        html,
        text,
    }
}

/// Queues the announcement to the organizer alone, marked as a test.
pub async fn send_test(db: &Db, site: &Site, key: &SigningKey, actor: &User, id: i64) -> Result<()> {
    let a = get_for(db, actor, id).await?;
    let m = mail(db, id).await?;
    let url = unsubscribe_url(site, key, actor.id, a.community_id);
    let rendered = Rendered {
        subject: format!("[TEST] {}", m.subject),
        text: m.text.replace(UNSUBSCRIBE_PLACEHOLDER, &url),
        html: m.html.replace(UNSUBSCRIBE_PLACEHOLDER, &url),
    };
    let key = format!("announcement_test:{id}:{}", crate::tokens::generate());
    let mut conn = db.write().acquire().await?;
    outbox::enqueue_in(
        &mut conn,
        site,
        NewMail::new(key, "announcement_test", &actor.email, rendered),
    )
    .await
}
