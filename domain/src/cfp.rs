//! Calls for papers: one per event, with its session types, tracks and extra questions.
//!
//! Everything here is organizer-only to change and public to read (a submission form needs
//! it). Times are UTC microseconds; pages turn the organizer's local input into them with
//! [`parse_window`] (the event's own time zone, through `events::parse_local`), so a CfP that
//! "closes at 23:59" closes at 23:59 where the event happens.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::clock::{self, Micros};
use crate::error::{DomainError, Result};
use crate::events::{self, Event};
use crate::lang::Lang;
use crate::talks::Decision;
use crate::{Db, communities, markdown};

pub const MAX_DESCRIPTION: usize = 20_000;
/// Session type, track and review category names.
pub const MAX_NAME: usize = 100;
pub const MAX_PROMPT: usize = 500;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION: usize = 200;
pub const MIN_MINUTES: i64 = 5;
pub const MAX_MINUTES: i64 = 480;
pub const MAX_CONFIRM_DAYS: i64 = 90;
pub const MAX_TEMPLATE_SUBJECT: usize = 200;
pub const MAX_TEMPLATE_BODY: usize = 10_000;

/// Audience level of a talk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Beginner, Level::Intermediate, Level::Advanced];

    pub fn code(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code.trim())
    }
}

/// Where a CfP stands at a given instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CfpStatus {
    NotOpenYet,
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cfp {
    pub event_id: i64,
    pub opens_at: Micros,
    pub closes_at: Micros,
    /// Markdown; render with [`Cfp::description_html`].
    pub description: String,
    pub languages: Vec<Lang>,
    pub levels: Vec<Level>,
    /// Reviewers see talks without speaker names, bios and links.
    pub anonymous_review: bool,
    /// Speakers may keep editing submitted talks after the deadline.
    pub late_edits: bool,
    /// Accepted speakers are asked to confirm within this many days of the decision.
    pub confirm_days: i64,
    pub updated_at: Micros,
}

const COLUMNS: &str = "event_id, opens_at, closes_at, description, languages, levels, anonymous_review, \
    late_edits, confirm_days, updated_at";

fn join_codes<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|i| code(*i)).collect::<Vec<_>>().join(",")
}

impl Cfp {
    fn from_row(r: &AnyRow) -> Result<Cfp> {
        let languages: String = r.try_get("languages")?;
        let levels: String = r.try_get("levels")?;
        Ok(Cfp {
            event_id: r.try_get("event_id")?,
            opens_at: r.try_get("opens_at")?,
            closes_at: r.try_get("closes_at")?,
            description: r.try_get("description")?,
            languages: languages.split(',').filter_map(Lang::parse).collect(),
            levels: levels.split(',').filter_map(Level::parse).collect(),
            anonymous_review: r.try_get::<i64, _>("anonymous_review")? != 0,
            late_edits: r.try_get::<i64, _>("late_edits")? != 0,
            confirm_days: r.try_get("confirm_days")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub fn status(&self, now: Micros) -> CfpStatus {
        if now < self.opens_at {
            CfpStatus::NotOpenYet
        } else if now < self.closes_at {
            CfpStatus::Open
        } else {
            CfpStatus::Closed
        }
    }

    pub fn description_html(&self) -> String {
        markdown::to_safe_html(&self.description)
    }
}

/// What an organizer sets. Times are UTC; see [`parse_window`] for local input.
#[derive(Clone, Debug)]
pub struct CfpInput<'a> {
    pub opens_at: Micros,
    pub closes_at: Micros,
    pub description: &'a str,
    pub languages: Vec<Lang>,
    pub levels: Vec<Level>,
    pub anonymous_review: bool,
    pub late_edits: bool,
    pub confirm_days: i64,
}

/// `2026-12-01T10:00` and `2026-12-20T23:59` in the event's zone, as the form posts them.
pub fn parse_window(event: &Event, opens_local: &str, closes_local: &str) -> Result<(Micros, Micros)> {
    let tz = event.tz();
    Ok((
        events::parse_local(opens_local, tz, "opens_at")?,
        events::parse_local(closes_local, tz, "closes_at")?,
    ))
}

fn check_len(value: &str, max: usize, field: &'static str) -> Result<()> {
    if value.chars().count() > max {
        Err(DomainError::invalid(field, "too_long"))
    } else {
        Ok(())
    }
}

/// A required one-line name (session type, track, category): trimmed, at most [`MAX_NAME`]
/// characters, no control characters.
pub(crate) fn required_name(raw: &str, field: &'static str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DomainError::invalid(field, "required"));
    }
    if s.chars().count() > MAX_NAME || s.chars().any(char::is_control) {
        return Err(DomainError::invalid(field, "too_long"));
    }
    Ok(s.to_owned())
}

/// Validates a CfP form (pure).
pub fn validate(input: &CfpInput<'_>) -> Result<()> {
    if input.closes_at <= input.opens_at {
        return Err(DomainError::invalid("closes_at", "closes_before_opens"));
    }
    check_len(input.description, MAX_DESCRIPTION, "description")?;
    if input.languages.is_empty() {
        return Err(DomainError::invalid("languages", "required"));
    }
    if input.levels.is_empty() {
        return Err(DomainError::invalid("levels", "required"));
    }
    if !(1..=MAX_CONFIRM_DAYS).contains(&input.confirm_days) {
        return Err(DomainError::invalid("confirm_days", "out_of_range"));
    }
    Ok(())
}

/// The event, after checking that `actor` organizes its community.
pub(crate) async fn organized_event(db: &Db, actor: &User, event_id: i64) -> Result<Event> {
    let event = events::get(db, event_id).await?;
    communities::require_organizer(db, event.community_id, actor).await?;
    Ok(event)
}

/// Opens (or changes) the CfP of an event. Organizers only.
pub async fn set(db: &Db, actor: &User, event_id: i64, input: CfpInput<'_>) -> Result<Cfp> {
    organized_event(db, actor, event_id).await?;
    validate(&input)?;
    let mut languages = input.languages.clone();
    languages.dedup();
    let mut levels = input.levels.clone();
    levels.dedup();
    sqlx::query(
        "INSERT INTO cfps (event_id, opens_at, closes_at, description, languages, levels, anonymous_review, \
           late_edits, confirm_days, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (event_id) DO UPDATE SET opens_at = $2, closes_at = $3, description = $4, languages = $5, \
           levels = $6, anonymous_review = $7, late_edits = $8, confirm_days = $9, updated_at = $10",
    )
    .bind(event_id)
    .bind(input.opens_at)
    .bind(input.closes_at)
    .bind(input.description.trim())
    .bind(join_codes(&languages, Lang::code))
    .bind(join_codes(&levels, Level::code))
    .bind(input.anonymous_review as i64)
    .bind(input.late_edits as i64)
    .bind(input.confirm_days)
    .bind(clock::now())
    .execute(db.write())
    .await?;
    get(db, event_id).await?.ok_or(DomainError::NotFound)
}

/// The CfP of an event, if it has one.
pub async fn get(db: &Db, event_id: i64) -> Result<Option<Cfp>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM cfps WHERE event_id = $1"))
        .bind(event_id)
        .fetch_optional(db.read())
        .await?;
    row.map(|r| Cfp::from_row(&r)).transpose()
}

// ---------------------------------------------------------------------------------------------
// Session types

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionType {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub minutes: i64,
    /// Its own submission deadline; `None` means the CfP's closing time.
    pub deadline: Option<Micros>,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct SessionTypeInput<'a> {
    pub name: &'a str,
    pub minutes: i64,
    pub deadline: Option<Micros>,
}

impl SessionType {
    fn from_row(r: &AnyRow) -> Result<SessionType> {
        Ok(SessionType {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            name: r.try_get("name")?,
            minutes: r.try_get("minutes")?,
            deadline: r.try_get("deadline")?,
            position: r.try_get("position")?,
        })
    }
}

fn validate_session_type(input: &SessionTypeInput<'_>) -> Result<String> {
    let name = required_name(input.name, "name")?;
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&input.minutes) {
        return Err(DomainError::invalid("minutes", "out_of_range"));
    }
    Ok(name)
}

pub async fn add_session_type(
    db: &Db,
    actor: &User,
    event_id: i64,
    input: SessionTypeInput<'_>,
) -> Result<SessionType> {
    organized_event(db, actor, event_id).await?;
    let name = validate_session_type(&input)?;
    let row = sqlx::query(
        "INSERT INTO session_types (event_id, name, minutes, deadline, position) VALUES ($1, $2, $3, $4, \
           (SELECT COALESCE(MAX(position), 0) + 1 FROM session_types WHERE event_id = $1)) \
         RETURNING id, event_id, name, minutes, deadline, position",
    )
    .bind(event_id)
    .bind(name)
    .bind(input.minutes)
    .bind(input.deadline)
    .fetch_one(db.write())
    .await?;
    SessionType::from_row(&row)
}

/// Changes a session type of the event; `NotFound` for an id of another event.
pub async fn update_session_type(
    db: &Db,
    actor: &User,
    event_id: i64,
    id: i64,
    input: SessionTypeInput<'_>,
) -> Result<SessionType> {
    organized_event(db, actor, event_id).await?;
    let name = validate_session_type(&input)?;
    let row = sqlx::query(
        "UPDATE session_types SET name = $1, minutes = $2, deadline = $3 WHERE id = $4 AND event_id = $5 \
         RETURNING id, event_id, name, minutes, deadline, position",
    )
    .bind(name)
    .bind(input.minutes)
    .bind(input.deadline)
    .bind(id)
    .bind(event_id)
    .fetch_optional(db.write())
    .await?
    .ok_or(DomainError::NotFound)?;
    SessionType::from_row(&row)
}

/// Deletes a session type of the event; talks that had it keep everything else (their type becomes empty).
pub async fn delete_session_type(db: &Db, actor: &User, event_id: i64, id: i64) -> Result<()> {
    delete_item(db, actor, "session_types", event_id, id).await
}

pub async fn session_types(db: &Db, event_id: i64) -> Result<Vec<SessionType>> {
    let rows = sqlx::query(
        "SELECT id, event_id, name, minutes, deadline, position FROM session_types WHERE event_id = $1 \
         ORDER BY position, id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(SessionType::from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Tracks

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    pub position: i64,
}

impl Track {
    fn from_row(r: &AnyRow) -> Result<Track> {
        Ok(Track {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            name: r.try_get("name")?,
            colour: r.try_get("colour")?,
            position: r.try_get("position")?,
        })
    }
}

/// `#RRGGBB` (or `#rgb`) to `#rrggbb`; anything else is `invalid_colour`. Only this form reaches
/// a `style` attribute, so a colour can never inject CSS.
pub fn parse_colour(raw: &str) -> Result<String> {
    let s = raw.trim().to_ascii_lowercase();
    let hex = s.strip_prefix('#').unwrap_or("");
    let ok = hex.chars().all(|c| c.is_ascii_hexdigit());
    match hex.len() {
        6 if ok => Ok(s),
        3 if ok => Ok(format!(
            "#{}",
            hex.chars().flat_map(|c| [c, c]).collect::<String>()
        )),
        _ => Err(DomainError::invalid("colour", "invalid_colour")),
    }
}

pub async fn add_track(db: &Db, actor: &User, event_id: i64, name: &str, colour: &str) -> Result<Track> {
    organized_event(db, actor, event_id).await?;
    let name = required_name(name, "name")?;
    let colour = parse_colour(colour)?;
    let row = sqlx::query(
        "INSERT INTO tracks (event_id, name, colour, position) VALUES ($1, $2, $3, \
           (SELECT COALESCE(MAX(position), 0) + 1 FROM tracks WHERE event_id = $1)) \
         RETURNING id, event_id, name, colour, position",
    )
    .bind(event_id)
    .bind(name)
    .bind(colour)
    .fetch_one(db.write())
    .await?;
    Track::from_row(&row)
}

/// Renames or recolours a track of the event; `NotFound` for an id of another event.
pub async fn update_track(
    db: &Db,
    actor: &User,
    event_id: i64,
    id: i64,
    name: &str,
    colour: &str,
) -> Result<Track> {
    organized_event(db, actor, event_id).await?;
    let name = required_name(name, "name")?;
    let colour = parse_colour(colour)?;
    let row = sqlx::query(
        "UPDATE tracks SET name = $1, colour = $2 WHERE id = $3 AND event_id = $4 \
         RETURNING id, event_id, name, colour, position",
    )
    .bind(name)
    .bind(colour)
    .bind(id)
    .bind(event_id)
    .fetch_optional(db.write())
    .await?
    .ok_or(DomainError::NotFound)?;
    Track::from_row(&row)
}

/// Deletes a track of the event; its talks stay, without a track; reviewers limited to it lose the limit.
pub async fn delete_track(db: &Db, actor: &User, event_id: i64, id: i64) -> Result<()> {
    delete_item(db, actor, "tracks", event_id, id).await
}

pub async fn tracks(db: &Db, event_id: i64) -> Result<Vec<Track>> {
    let rows = sqlx::query(
        "SELECT id, event_id, name, colour, position FROM tracks WHERE event_id = $1 ORDER BY position, id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(Track::from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Extra questions

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// Free text, up to `talks::MAX_ANSWER` characters.
    Text,
    /// One of the question's options, verbatim.
    Choice,
}

impl QuestionKind {
    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::Choice => "choice",
        }
    }

    pub fn parse(code: &str) -> Option<QuestionKind> {
        match code.trim() {
            "text" => Some(QuestionKind::Text),
            "choice" => Some(QuestionKind::Choice),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    pub event_id: i64,
    pub prompt: String,
    pub kind: QuestionKind,
    /// The choices of a `Choice` question.
    pub options: Vec<String>,
    pub required: bool,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct QuestionInput<'a> {
    pub prompt: &'a str,
    pub kind: QuestionKind,
    /// One choice per line (ignored for text questions).
    pub options: &'a str,
    pub required: bool,
}

impl Question {
    fn from_row(r: &AnyRow) -> Result<Question> {
        let options: String = r.try_get("options")?;
        Ok(Question {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            prompt: r.try_get("prompt")?,
            kind: QuestionKind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(QuestionKind::Text),
            options: options.lines().map(str::to_owned).collect(),
            required: r.try_get::<i64, _>("required")? != 0,
            position: r.try_get("position")?,
        })
    }
}

/// Validates a question (pure); returns the prompt and the options joined by newlines.
pub fn validate_question(input: &QuestionInput<'_>) -> Result<(String, String)> {
    let prompt = input.prompt.trim();
    if prompt.is_empty() {
        return Err(DomainError::invalid("prompt", "required"));
    }
    check_len(prompt, MAX_PROMPT, "prompt")?;
    let options: Vec<&str> = input
        .options
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let options = match input.kind {
        QuestionKind::Text => Vec::new(),
        QuestionKind::Choice => {
            if options.len() < 2 {
                return Err(DomainError::invalid("options", "too_few_options"));
            }
            if options.len() > MAX_OPTIONS {
                return Err(DomainError::invalid("options", "too_many_options"));
            }
            if options.iter().any(|o| o.chars().count() > MAX_OPTION) {
                return Err(DomainError::invalid("options", "too_long"));
            }
            options
        }
    };
    Ok((prompt.to_owned(), options.join("\n")))
}

const QUESTION_COLUMNS: &str = "id, event_id, prompt, kind, options, required, position";

pub async fn add_question(
    db: &Db,
    actor: &User,
    event_id: i64,
    input: QuestionInput<'_>,
) -> Result<Question> {
    organized_event(db, actor, event_id).await?;
    let (prompt, options) = validate_question(&input)?;
    let row = sqlx::query(&format!(
        "INSERT INTO cfp_questions (event_id, prompt, kind, options, required, position) VALUES ($1, $2, $3, $4, $5, \
           (SELECT COALESCE(MAX(position), 0) + 1 FROM cfp_questions WHERE event_id = $1)) \
         RETURNING {QUESTION_COLUMNS}"
    ))
    .bind(event_id)
    .bind(prompt)
    .bind(input.kind.code())
    .bind(options)
    .bind(input.required as i64)
    .fetch_one(db.write())
    .await?;
    Question::from_row(&row)
}

/// Changes a question of the event; answers already given stay. `NotFound` for an id of
/// another event.
pub async fn update_question(
    db: &Db,
    actor: &User,
    event_id: i64,
    id: i64,
    input: QuestionInput<'_>,
) -> Result<Question> {
    organized_event(db, actor, event_id).await?;
    let (prompt, options) = validate_question(&input)?;
    let row = sqlx::query(&format!(
        "UPDATE cfp_questions SET prompt = $1, kind = $2, options = $3, required = $4 \
         WHERE id = $5 AND event_id = $6 RETURNING {QUESTION_COLUMNS}"
    ))
    .bind(prompt)
    .bind(input.kind.code())
    .bind(options)
    .bind(input.required as i64)
    .bind(id)
    .bind(event_id)
    .fetch_optional(db.write())
    .await?
    .ok_or(DomainError::NotFound)?;
    Question::from_row(&row)
}

/// Deletes a question of the event and every answer to it.
pub async fn delete_question(db: &Db, actor: &User, event_id: i64, id: i64) -> Result<()> {
    delete_item(db, actor, "cfp_questions", event_id, id).await
}

pub async fn questions(db: &Db, event_id: i64) -> Result<Vec<Question>> {
    let rows = sqlx::query(&format!(
        "SELECT {QUESTION_COLUMNS} FROM cfp_questions WHERE event_id = $1 ORDER BY position, id"
    ))
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(Question::from_row).collect()
}

/// The required questions without a (non-blank) answer, in order: the UI marks these when a
/// submission is refused with `("answers", "answer_required")`.
pub fn missing_answers(questions: &[Question], answers: &[(i64, String)]) -> Vec<i64> {
    questions
        .iter()
        .filter(|q| q.required)
        .filter(|q| !answers.iter().any(|(id, a)| *id == q.id && !a.trim().is_empty()))
        .map(|q| q.id)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Everything a submission form needs, in one value

/// An event's CfP with its session types, tracks and questions: what the submission form, the
/// organizer's CfP page and the rules of `talks` read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CfpForm {
    pub event: Event,
    pub cfp: Cfp,
    pub session_types: Vec<SessionType>,
    pub tracks: Vec<Track>,
    pub questions: Vec<Question>,
}

impl CfpForm {
    pub fn status(&self, now: Micros) -> CfpStatus {
        self.cfp.status(now)
    }

    pub fn session_type(&self, id: i64) -> Option<&SessionType> {
        self.session_types.iter().find(|s| s.id == id)
    }

    pub fn track(&self, id: i64) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// The last moment a talk of this session type (or of none) may be submitted or edited:
    /// the session type's own deadline if it has one, else the CfP's closing time.
    pub fn deadline(&self, session_type_id: Option<i64>) -> Micros {
        session_type_id
            .and_then(|id| self.session_type(id))
            .and_then(|s| s.deadline)
            .unwrap_or(self.cfp.closes_at)
    }

    /// Whether a submission (or a speaker's edit of a submitted talk) is allowed at `now`:
    /// `cfp_not_open`, `cfp_closed` (the CfP's own close) or `deadline_passed` (the session
    /// type's deadline) otherwise.
    pub fn check_open(&self, session_type_id: Option<i64>, now: Micros) -> Result<()> {
        if now < self.cfp.opens_at {
            return Err(DomainError::Refused("cfp_not_open"));
        }
        let own = session_type_id
            .and_then(|id| self.session_type(id))
            .and_then(|s| s.deadline);
        match own {
            Some(deadline) if now >= deadline => {
                Err(DomainError::invalid("session_type_id", "deadline_passed"))
            }
            Some(_) => Ok(()),
            None if now >= self.cfp.closes_at => Err(DomainError::Refused("cfp_closed")),
            None => Ok(()),
        }
    }
}

/// The CfP form of an event; `NotFound` when the event has no CfP (or does not exist).
pub async fn form(db: &Db, event_id: i64) -> Result<CfpForm> {
    let event = events::get(db, event_id).await?;
    let cfp = get(db, event_id).await?.ok_or(DomainError::NotFound)?;
    Ok(CfpForm {
        event,
        cfp,
        session_types: session_types(db, event_id).await?,
        tracks: tracks(db, event_id).await?,
        questions: questions(db, event_id).await?,
    })
}

// ---------------------------------------------------------------------------------------------
// Decision mail templates

/// An organizer's wording of a decision mail. Placeholders: see
/// [`crate::mail_templates::TALK_PLACEHOLDERS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionTemplate {
    pub decision: Decision,
    pub subject: String,
    pub body: String,
}

/// The event's own template for `decision`, if organizers wrote one (else mails use the
/// built-in text in each recipient's language: `mail_templates::talk_decision_default`).
pub async fn decision_template(
    db: &Db,
    event_id: i64,
    decision: Decision,
) -> Result<Option<DecisionTemplate>> {
    let row =
        sqlx::query("SELECT subject, body FROM talk_mail_templates WHERE event_id = $1 AND decision = $2")
            .bind(event_id)
            .bind(decision.state().code())
            .fetch_optional(db.read())
            .await?;
    row.map(|r| {
        Ok(DecisionTemplate {
            decision,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
        })
    })
    .transpose()
}

/// Saves the event's wording of a decision mail; an empty subject and body go back to the
/// built-in text. Unknown `{placeholders}` are refused so a typo is not mailed to everyone.
pub async fn set_decision_template(
    db: &Db,
    actor: &User,
    event_id: i64,
    decision: Decision,
    subject: &str,
    body: &str,
) -> Result<Option<DecisionTemplate>> {
    organized_event(db, actor, event_id).await?;
    let (subject, body) = (subject.trim(), body.trim());
    if subject.is_empty() && body.is_empty() {
        sqlx::query("DELETE FROM talk_mail_templates WHERE event_id = $1 AND decision = $2")
            .bind(event_id)
            .bind(decision.state().code())
            .execute(db.write())
            .await?;
        return Ok(None);
    }
    validate_template(subject, body)?;
    sqlx::query(
        "INSERT INTO talk_mail_templates (event_id, decision, subject, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (event_id, decision) DO UPDATE SET subject = $3, body = $4",
    )
    .bind(event_id)
    .bind(decision.state().code())
    .bind(subject)
    .bind(body)
    .execute(db.write())
    .await?;
    decision_template(db, event_id, decision).await
}

/// Checks a decision template (pure): both parts present, within limits, one-line subject,
/// only known placeholders.
pub fn validate_template(subject: &str, body: &str) -> Result<()> {
    if subject.is_empty() {
        return Err(DomainError::invalid("subject", "required"));
    }
    if subject.chars().count() > MAX_TEMPLATE_SUBJECT || subject.contains(['\r', '\n']) {
        return Err(DomainError::invalid("subject", "too_long"));
    }
    if body.is_empty() {
        return Err(DomainError::invalid("body", "required"));
    }
    check_len(body, MAX_TEMPLATE_BODY, "body")?;
    for (text, field) in [(subject, "subject"), (body, "body")] {
        if !crate::mail_templates::unknown_placeholders(text).is_empty() {
            return Err(DomainError::invalid(field, "unknown_placeholder"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

/// The event a session type, track or question belongs to.
/// Deletes row `id` of `table` (one of our own table names) if it belongs to `event_id`, which
/// `actor` must organize: `Forbidden` otherwise, `NotFound` for an id of another event or none.
pub(crate) async fn delete_item(
    db: &Db,
    actor: &User,
    table: &'static str,
    event_id: i64,
    id: i64,
) -> Result<()> {
    organized_event(db, actor, event_id).await?;
    let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1 AND event_id = $2"))
        .bind(id)
        .bind(event_id)
        .execute(db.write())
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CfpInput<'static> {
        CfpInput {
            opens_at: 10,
            closes_at: 20,
            description: "",
            languages: vec![Lang::En],
            levels: Level::ALL.to_vec(),
            anonymous_review: true,
            late_edits: false,
            confirm_days: 7,
        }
    }

    fn invalid(r: Result<impl std::fmt::Debug>) -> (&'static str, &'static str) {
        match r {
            Err(DomainError::Invalid { field, code }) => (field, code),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn cfp_validation() {
        assert!(validate(&input()).is_ok());
        assert_eq!(
            invalid(validate(&CfpInput {
                closes_at: 10,
                ..input()
            })),
            ("closes_at", "closes_before_opens")
        );
        assert_eq!(
            invalid(validate(&CfpInput {
                languages: vec![],
                ..input()
            })),
            ("languages", "required")
        );
        assert_eq!(
            invalid(validate(&CfpInput {
                confirm_days: 0,
                ..input()
            })),
            ("confirm_days", "out_of_range")
        );
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        assert_eq!(
            invalid(validate(&CfpInput {
                description: &long,
                ..input()
            })),
            ("description", "too_long")
        );
    }

    #[test]
    fn colours() {
        assert_eq!(parse_colour(" #A0b1C2 ").unwrap(), "#a0b1c2");
        assert_eq!(parse_colour("#abc").unwrap(), "#aabbcc");
        for bad in ["", "red", "#12345", "#gggggg", "a0b1c2", "#a0b1c2;x:y"] {
            assert!(parse_colour(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn questions_and_answers() {
        let q = |kind, options| QuestionInput {
            prompt: "Why?",
            kind,
            options,
            required: true,
        };
        assert_eq!(
            validate_question(&q(QuestionKind::Choice, "a\n\n b \n")).unwrap(),
            ("Why?".into(), "a\nb".into())
        );
        assert_eq!(
            invalid(validate_question(&q(QuestionKind::Choice, "only"))),
            ("options", "too_few_options")
        );
        assert_eq!(
            validate_question(&q(QuestionKind::Text, "ignored")).unwrap().1,
            ""
        );
        let question = |id, required| Question {
            id,
            event_id: 1,
            prompt: "p".into(),
            kind: QuestionKind::Text,
            options: vec![],
            required,
            position: id,
        };
        let qs = [question(1, true), question(2, false), question(3, true)];
        assert_eq!(
            missing_answers(&qs, &[(1, "yes".into()), (3, "  ".into())]),
            vec![3]
        );
        assert!(missing_answers(&qs, &[(1, "a".into()), (3, "b".into())]).is_empty());
    }

    fn form(closes_at: Micros, deadline: Option<Micros>) -> CfpForm {
        let event = Event {
            id: 1,
            community_id: 1,
            title: "Conf".into(),
            description: String::new(),
            starts_at: 1000,
            ends_at: 2000,
            time_zone: "UTC".into(),
            venue_name: String::new(),
            venue_address: String::new(),
            map_url: String::new(),
            online_url: String::new(),
            cover_url: String::new(),
            capacity: None,
            max_guests: 0,
            approval_required: false,
            rsvp_opens_at: None,
            rsvp_closes_at: None,
            status: events::Status::Published,
            seats_taken: 0,
            sequence: 0,
            remind_24h: false,
            remind_2h: false,
            updated_at: 0,
            materials: String::new(),
            offer_hours: None,
            series_id: None,
            counts: Default::default(),
        };
        CfpForm {
            event,
            cfp: Cfp {
                event_id: 1,
                opens_at: 10,
                closes_at,
                description: String::new(),
                languages: vec![Lang::En],
                levels: Level::ALL.to_vec(),
                anonymous_review: false,
                late_edits: false,
                confirm_days: 7,
                updated_at: 0,
            },
            session_types: vec![SessionType {
                id: 7,
                event_id: 1,
                name: "Lightning".into(),
                minutes: 10,
                deadline,
                position: 1,
            }],
            tracks: vec![],
            questions: vec![],
        }
    }

    #[test]
    fn deadlines_prefer_the_session_type() {
        let f = form(100, Some(150));
        assert_eq!(f.deadline(Some(7)), 150);
        assert_eq!(f.deadline(None), 100);
        assert!(matches!(
            f.check_open(None, 5),
            Err(DomainError::Refused("cfp_not_open"))
        ));
        assert!(f.check_open(None, 99).is_ok());
        assert!(matches!(
            f.check_open(None, 100),
            Err(DomainError::Refused("cfp_closed"))
        ));
        assert!(f.check_open(Some(7), 120).is_ok(), "its own, later deadline");
        assert_eq!(
            invalid(f.check_open(Some(7), 150)),
            ("session_type_id", "deadline_passed")
        );
        let early = form(100, Some(50));
        assert_eq!(
            invalid(early.check_open(Some(7), 60)),
            ("session_type_id", "deadline_passed")
        );
    }

    #[test]
    fn templates() {
        assert!(
            validate_template(
                "Accepted: {talk_title}",
                "Hi {speaker_name}, {confirm_url} by {deadline}"
            )
            .is_ok()
        );
        assert_eq!(
            invalid(validate_template("x", "{talk_titel}")),
            ("body", "unknown_placeholder")
        );
        assert_eq!(invalid(validate_template("", "b")), ("subject", "required"));
        assert_eq!(invalid(validate_template("a\nb", "b")), ("subject", "too_long"));
    }
}
