//! Talks: proposals, their speakers, their life cycle and decisions.
//!
//! A talk belongs to a community and, once in a call for papers, to one of its events; with
//! `event_id = None` it sits in the community's standing pool, from which organizers move it
//! into an upcoming event's CfP ([`move_to_event`]) without anyone re-typing it.
//!
//! Every state change goes through [`lifecycle::transition`] and is written in one transaction
//! together with its `talk_history` row and its mails (outbox idempotency keys
//! `talk:<id>:<what>:<user>`), using a compare-and-set on the state: a refused or lost change
//! writes nothing at all, and no mail is ever queued twice.
//!
//! Reads come in three shapes, so a page cannot show more than its reader may see:
//! [`TalkDetail`] for speakers and organizers (with notes and history), `reviews::ReviewerTalk`
//! for reviewers (no notes; no speakers in anonymous mode), and [`PublicTalk`] for everyone
//! (confirmed talks only).

pub mod lifecycle;

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::{Site, User};
use crate::cfp::{self, CfpForm, Level};
use crate::clock::{self, Micros};
use crate::communities::parse_url;
use crate::email::Email;
use crate::error::{DomainError, Result};
use crate::events::{self, Event};
use crate::lang::Lang;
use crate::mail_templates::{self, Template};
use crate::outbox::{self, NewMail, Rendered};
use crate::speakers::{self, PublicSpeaker};
use crate::{Db, accounts, communities, markdown, tokens};

pub use lifecycle::{Action, Refused, Role, State};

pub const MAX_TITLE: usize = 120;
/// The abstract.
pub const MAX_SUMMARY: usize = 600;
pub const MAX_DESCRIPTION: usize = 5000;
pub const MAX_NOTES: usize = 2000;
pub const MAX_ANSWER: usize = 2000;
/// Speakers per talk, the owner included (pending invitations count).
pub const MAX_SPEAKERS: usize = 5;
pub const INVITATION_LIFETIME: Micros = 14 * clock::DAY;

/// Joins a query on `talks t` with its session type (`st`) and track (`tr`), both optional,
/// for the labels every list of talks shows.
pub(crate) const LABEL_JOINS: &str = "LEFT JOIN session_types st ON st.id = t.session_type_id \
     LEFT JOIN tracks tr ON tr.id = t.track_id";

/// Where a speaker manages a talk (and confirms it): the link in talk mails.
pub fn talk_path(talk_id: i64) -> String {
    format!("/talks/{talk_id}")
}

/// Where an invited co-speaker accepts. The token is a URL parameter named `token`, so the
/// outbox redacts it once the mail is sent.
pub fn invitation_path(token: &str) -> String {
    format!("/invitations/talk?token={token}")
}

/// An organizer's decision on a submitted talk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decision {
    Accept,
    Reject,
}

impl Decision {
    /// The stored code (`talks.staged_decision`).
    pub fn code(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject => "reject",
        }
    }

    pub fn parse(code: &str) -> Option<Decision> {
        match code {
            "accept" => Some(Decision::Accept),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }

    pub fn action(self) -> Action {
        match self {
            Decision::Accept => Action::Accept,
            Decision::Reject => Action::Reject,
        }
    }

    /// The state the decision leads to.
    pub fn state(self) -> State {
        match self {
            Decision::Accept => State::Accepted,
            Decision::Reject => State::Rejected,
        }
    }
}

/// A talk as its speakers and organizers see it. Holds the notes for organizers: never hand it
/// to reviewers or the public (they have their own types).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Talk {
    pub id: i64,
    pub community_id: i64,
    /// `None`: in the community's pool.
    pub event_id: Option<i64>,
    pub owner_id: i64,
    pub title: String,
    /// The abstract (plain text, up to [`MAX_SUMMARY`]).
    pub summary: String,
    /// Markdown; render with [`Talk::description_html`].
    pub description: String,
    /// For organizers only; never public, never shown to reviewers.
    pub notes: String,
    pub session_type_id: Option<i64>,
    pub track_id: Option<i64>,
    pub language: Option<Lang>,
    pub level: Option<Level>,
    pub slides_url: String,
    pub recording_url: String,
    pub state: State,
    pub staged_decision: Option<Decision>,
    pub submitted_at: Option<Micros>,
    pub decided_at: Option<Micros>,
    pub created_at: Micros,
    pub updated_at: Micros,
}

pub(crate) const COLUMNS: &str = "t.id, t.community_id, t.event_id, t.owner_id, t.title, t.summary, \
    t.description, t.notes, t.session_type_id, t.track_id, t.language, t.level, t.slides_url, t.recording_url, \
    t.state, t.staged_decision, t.submitted_at, t.decided_at, t.created_at, t.updated_at";

impl Talk {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Talk> {
        Ok(Talk {
            id: r.try_get("id")?,
            community_id: r.try_get("community_id")?,
            event_id: r.try_get("event_id")?,
            owner_id: r.try_get("owner_id")?,
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            description: r.try_get("description")?,
            notes: r.try_get("notes")?,
            session_type_id: r.try_get("session_type_id")?,
            track_id: r.try_get("track_id")?,
            language: Lang::parse(&r.try_get::<String, _>("language")?),
            level: Level::parse(&r.try_get::<String, _>("level")?),
            slides_url: r.try_get("slides_url")?,
            recording_url: r.try_get("recording_url")?,
            state: parse_state(&r.try_get::<String, _>("state")?)?,
            staged_decision: r
                .try_get::<Option<String>, _>("staged_decision")?
                .as_deref()
                .and_then(Decision::parse),
            submitted_at: r.try_get("submitted_at")?,
            decided_at: r.try_get("decided_at")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub fn in_pool(&self) -> bool {
        self.event_id.is_none()
    }

    pub fn description_html(&self) -> String {
        markdown::to_safe_html(&self.description)
    }
}

pub(crate) fn parse_state(code: &str) -> Result<State> {
    State::parse(code).ok_or_else(|| DomainError::Internal(format!("unknown talk state {code:?}")))
}

/// What a talk is proposed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The community's standing pool (any time, no deadline).
    Pool { community_id: i64 },
    /// An event's call for papers.
    Event { event_id: i64 },
}

/// The form a speaker fills in. Drafts need only a title; submitting ([`propose`], or [`act`]
/// with `Submit`) checks the rest (abstract, session type, language, required answers).
#[derive(Clone, Debug)]
pub struct TalkInput<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub notes: &'a str,
    pub session_type_id: Option<i64>,
    pub track_id: Option<i64>,
    pub language: Option<Lang>,
    pub level: Option<Level>,
    /// `(question id, answer)`; blank answers count as none.
    pub answers: &'a [(i64, String)],
}

/// A [`TalkInput`] that passed [`validate_input`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub notes: String,
    pub session_type_id: Option<i64>,
    pub track_id: Option<i64>,
    pub language: Option<Lang>,
    pub level: Option<Level>,
    pub answers: Vec<(i64, String)>,
}

fn limit(value: &str, max: usize, field: &'static str) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        Err(DomainError::invalid(field, "too_long"))
    } else {
        Ok(v.to_owned())
    }
}

/// Checks a talk form against its event's CfP (`None` for the pool): lengths, and that the
/// session type, track, language, level and questions are the event's own. Pure.
pub fn validate_input(input: &TalkInput<'_>, form: Option<&CfpForm>) -> Result<Checked> {
    let title = input.title.trim();
    if title.is_empty() {
        return Err(DomainError::invalid("title", "required"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(DomainError::invalid("title", "too_long"));
    }
    if title.chars().any(char::is_control) {
        return Err(DomainError::invalid("title", "invalid_characters"));
    }
    let known = |id: Option<i64>, ok: &dyn Fn(&CfpForm, i64) -> bool, field| match (id, form) {
        (None, _) => Ok(None),
        (Some(id), Some(f)) if ok(f, id) => Ok(Some(id)),
        (Some(_), _) => Err(DomainError::invalid(field, "unknown")),
    };
    let session_type_id = known(
        input.session_type_id,
        &|f, id| f.session_type(id).is_some(),
        "session_type_id",
    )?;
    let track_id = known(input.track_id, &|f, id| f.track(id).is_some(), "track_id")?;
    if let (Some(l), Some(f)) = (input.language, form)
        && !f.cfp.languages.contains(&l)
    {
        return Err(DomainError::invalid("language", "not_offered"));
    }
    if let (Some(l), Some(f)) = (input.level, form)
        && !f.cfp.levels.contains(&l)
    {
        return Err(DomainError::invalid("level", "not_offered"));
    }
    let mut answers = Vec::new();
    for (question_id, answer) in input.answers {
        let answer = answer.trim();
        let question = form
            .and_then(|f| f.questions.iter().find(|q| q.id == *question_id))
            .ok_or(DomainError::invalid("answers", "unknown_question"))?;
        if answer.is_empty() {
            continue;
        }
        if answer.chars().count() > MAX_ANSWER {
            return Err(DomainError::invalid("answers", "too_long"));
        }
        if question.kind == cfp::QuestionKind::Choice && !question.options.iter().any(|o| o == answer) {
            return Err(DomainError::invalid("answers", "invalid_choice"));
        }
        if !answers.iter().any(|(q, _)| q == question_id) {
            answers.push((*question_id, answer.to_owned()));
        }
    }
    Ok(Checked {
        title: title.to_owned(),
        summary: limit(input.summary, MAX_SUMMARY, "summary")?,
        description: limit(input.description, MAX_DESCRIPTION, "description")?,
        notes: limit(input.notes, MAX_NOTES, "notes")?,
        session_type_id,
        track_id,
        language: input.language,
        level: input.level,
        answers,
    })
}

/// What a submission needs beyond a draft (pure): an abstract; for an event, a session type
/// (when the event has any), a language, and every required answer. Takes the parts it reads,
/// so a stored [`Talk`] and a [`Checked`] form not yet written are judged alike.
pub fn check_complete(
    summary: &str,
    session_type_id: Option<i64>,
    language: Option<Lang>,
    answers: &[(i64, String)],
    form: Option<&CfpForm>,
) -> Result<()> {
    if summary.trim().is_empty() {
        return Err(DomainError::invalid("summary", "required"));
    }
    if let Some(f) = form {
        if !f.session_types.is_empty() && session_type_id.is_none() {
            return Err(DomainError::invalid("session_type_id", "required"));
        }
        if language.is_none() {
            return Err(DomainError::invalid("language", "required"));
        }
        if !cfp::missing_answers(&f.questions, answers).is_empty() {
            return Err(DomainError::invalid("answers", "answer_required"));
        }
    }
    Ok(())
}

/// Whether a speaker or organizer (`access`) may edit `talk` at `now`, the edit giving it
/// `session_type_id` (pure): never in a final state (`talk_closed`); organizers any time;
/// speakers a draft any time, else until the deadline of that session type (`cfp_not_open`,
/// `cfp_closed`, `deadline_passed`, see [`CfpForm::check_open`]) unless the CfP allows late
/// edits. Pool talks have no deadline.
pub fn may_edit(
    talk: &Talk,
    access: &Access,
    form: Option<&CfpForm>,
    session_type_id: Option<i64>,
    now: Micros,
) -> Result<()> {
    if talk.state.is_final() {
        return Err(DomainError::Refused("talk_closed"));
    }
    match form {
        Some(f) if !access.organizer && talk.state != State::Draft && !f.cfp.late_edits => {
            f.check_open(session_type_id, now)
        }
        _ => Ok(()),
    }
}

/// The roles a user holds on a talk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub speaker: bool,
    pub organizer: bool,
    pub reviewer: bool,
}

impl Access {
    /// In the order [`act`] tries them.
    pub fn roles(&self) -> Vec<Role> {
        [
            (self.speaker, Role::Speaker),
            (self.organizer, Role::Organizer),
            (self.reviewer, Role::Reviewer),
        ]
        .into_iter()
        .filter_map(|(held, r)| held.then_some(r))
        .collect()
    }

    pub fn any(&self) -> bool {
        self.speaker || self.organizer || self.reviewer
    }
}

pub(crate) async fn get(db: &Db, talk_id: i64) -> Result<Talk> {
    get_in(&mut *db.read().acquire().await?, talk_id).await
}

/// [`get`] on the caller's connection (inside a transaction: as it sees the talk).
async fn get_in(conn: &mut AnyConnection, talk_id: i64) -> Result<Talk> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM talks t WHERE t.id = $1"))
        .bind(talk_id)
        .fetch_optional(conn)
        .await?
        .ok_or(DomainError::NotFound)?;
    Talk::from_row(&row)
}

/// The talk and the roles `user` holds on it, in one query.
pub(crate) async fn load(db: &Db, user: &User, talk_id: i64) -> Result<(Talk, Access)> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, \
           CASE WHEN EXISTS (SELECT 1 FROM talk_speakers s WHERE s.talk_id = t.id AND s.user_id = $2) \
             THEN 1 ELSE 0 END AS is_speaker, \
           CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = t.community_id \
             AND m.user_id = $2 AND m.role = 'organizer') THEN 1 ELSE 0 END AS is_organizer, \
           CASE WHEN EXISTS (SELECT 1 FROM reviewers r WHERE r.event_id = t.event_id AND r.user_id = $2) \
             THEN 1 ELSE 0 END AS is_reviewer \
         FROM talks t WHERE t.id = $1"
    ))
    .bind(talk_id)
    .bind(user.id)
    .fetch_optional(db.read())
    .await?
    .ok_or(DomainError::NotFound)?;
    let access = Access {
        speaker: row.try_get::<i64, _>("is_speaker")? != 0,
        organizer: user.is_admin || row.try_get::<i64, _>("is_organizer")? != 0,
        reviewer: row.try_get::<i64, _>("is_reviewer")? != 0,
    };
    Ok((Talk::from_row(&row)?, access))
}

/// The roles `user` holds on a talk (all false for strangers); `NotFound` for no such talk.
pub async fn access(db: &Db, user: &User, talk_id: i64) -> Result<Access> {
    Ok(load(db, user, talk_id).await?.1)
}

/// Speakers and organizers only. Reviewers get `Forbidden` (they read through `reviews`),
/// strangers `NotFound` (a draft's existence does not show).
fn require_speaker_or_organizer(access: &Access) -> Result<()> {
    if access.speaker || access.organizer {
        Ok(())
    } else if access.reviewer {
        Err(DomainError::Forbidden)
    } else {
        Err(DomainError::NotFound)
    }
}

fn require_organizer(access: &Access) -> Result<()> {
    if access.organizer {
        Ok(())
    } else if access.any() {
        Err(DomainError::Forbidden)
    } else {
        Err(DomainError::NotFound)
    }
}

async fn form_of(db: &Db, talk: &Talk) -> Result<Option<CfpForm>> {
    match talk.event_id {
        Some(event_id) => Ok(Some(cfp::form(db, event_id).await?)),
        None => Ok(None),
    }
}

async fn answers_of(conn: &mut AnyConnection, talk_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT a.question_id, a.answer FROM talk_answers a JOIN cfp_questions q ON q.id = a.question_id \
         WHERE a.talk_id = $1 ORDER BY q.position, q.id",
    )
    .bind(talk_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("question_id")?, r.try_get("answer")?)))
        .collect()
}

async fn replace_answers(tx: &mut AnyConnection, talk_id: i64, answers: &[(i64, String)]) -> Result<()> {
    sqlx::query("DELETE FROM talk_answers WHERE talk_id = $1")
        .bind(talk_id)
        .execute(&mut *tx)
        .await?;
    if answers.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO talk_answers (talk_id, question_id, answer) VALUES {}",
        crate::db::values_placeholders(crate::db::Backend::of(&*tx), answers.len(), 3)
    );
    let mut q = sqlx::query(&sql);
    for (question_id, answer) in answers {
        q = q.bind(talk_id).bind(*question_id).bind(answer.as_str());
    }
    q.execute(&mut *tx).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut AnyConnection,
    talk_id: i64,
    from: Option<State>,
    to: State,
    action: &str,
    actor_id: Option<i64>,
    at: Micros,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO talk_history (talk_id, from_state, to_state, action, actor_id, at, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(talk_id)
    .bind(from.map(State::code))
    .bind(to.code())
    .bind(action)
    .bind(actor_id)
    .bind(at)
    .bind(detail)
    .execute(tx)
    .await?;
    Ok(())
}

/// Moves a talk from `from` to `to` if it is still in `from` (compare-and-set: a concurrent
/// change makes this return false and write nothing), clears any staged decision, stamps the
/// submission or decision time, and writes the history row.
async fn change_state(
    tx: &mut AnyConnection,
    talk_id: i64,
    from: State,
    to: State,
    action: Action,
    actor_id: i64,
    now: Micros,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE talks SET state = $1, staged_decision = NULL, updated_at = $2, \
           submitted_at = CASE WHEN $1 = 'submitted' THEN $2 ELSE submitted_at END, \
           decided_at = CASE WHEN $1 = 'accepted' OR $1 = 'rejected' THEN $2 ELSE decided_at END \
         WHERE id = $3 AND state = $4",
    )
    .bind(to.code())
    .bind(now)
    .bind(talk_id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    record(
        tx,
        talk_id,
        Some(from),
        to,
        action.code(),
        Some(actor_id),
        now,
        "",
    )
    .await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Writing talks

/// Proposes a new talk owned by `actor` to a pool or an event's CfP and makes the owner a
/// member of the community; with `submit`, submits it too. Everything is checked before
/// anything is written, and the talk, its speaker, answers and history, the membership, the
/// submission and its mails (to every speaker, see [`act`]) are written in one transaction:
/// a refused proposal leaves no draft behind.
///
/// For an event: a draft event's CfP exists only for its organizers (`NotFound`); refused
/// `no_cfp` (the event has none) and `cfp_closed` (the event is cancelled). Then the form
/// ([`validate_input`]) and the call's window: a closed call takes no new talks, drafts
/// included (`cfp_not_open`, `cfp_closed`), though a draft may name a session type whose own
/// deadline passed (its speakers change it before submitting); a submission must meet its
/// session type's deadline (`deadline_passed`) and be complete ([`check_complete`]). The pool
/// takes talks any time.
pub async fn propose(
    db: &Db,
    site: &Site,
    actor: &User,
    target: Target,
    input: TalkInput<'_>,
    submit: bool,
) -> Result<Talk> {
    write_new(db, submit.then_some(site), actor, target, input).await
}

/// Saves a new talk as a draft: [`propose`] without submitting.
pub async fn create(db: &Db, actor: &User, target: Target, input: TalkInput<'_>) -> Result<Talk> {
    write_new(db, None, actor, target, input).await
}

/// [`propose`]; `submit_via` is the site whose links the submission mails carry, `None` for
/// a draft.
async fn write_new(
    db: &Db,
    submit_via: Option<&Site>,
    actor: &User,
    target: Target,
    input: TalkInput<'_>,
) -> Result<Talk> {
    let (community_id, event_id, form) = match target {
        Target::Pool { community_id } => {
            communities::get(db, community_id).await?;
            (community_id, None, None)
        }
        Target::Event { event_id } => {
            let event = events::get_visible(db, Some(actor), event_id).await?;
            if event.status == events::Status::Cancelled {
                return Err(DomainError::Refused("cfp_closed"));
            }
            let form = match cfp::form(db, event_id).await {
                Err(DomainError::NotFound) => return Err(DomainError::Refused("no_cfp")),
                other => other?,
            };
            (event.community_id, Some(event_id), Some(form))
        }
    };
    let c = validate_input(&input, form.as_ref())?;
    let now = clock::now();
    if let Some(f) = &form {
        if submit_via.is_some() {
            f.check_open(c.session_type_id, now)?;
        } else {
            // Open for the whole call, or at least for the chosen session type (whose own
            // deadline may run past the call's close).
            f.check_open(None, now)
                .or_else(|closed| f.check_open(c.session_type_id, now).map_err(|_| closed))?;
        }
    }
    if submit_via.is_some() {
        check_complete(
            &c.summary,
            c.session_type_id,
            c.language,
            &c.answers,
            form.as_ref(),
        )?;
    }
    let mut tx = db.write().begin().await?;
    let row = sqlx::query(
        "INSERT INTO talks (community_id, event_id, owner_id, title, summary, description, notes, session_type_id, \
           track_id, language, level, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $12) RETURNING id",
    )
    .bind(community_id)
    .bind(event_id)
    .bind(actor.id)
    .bind(&c.title)
    .bind(&c.summary)
    .bind(&c.description)
    .bind(&c.notes)
    .bind(c.session_type_id)
    .bind(c.track_id)
    .bind(c.language.map(Lang::code).unwrap_or(""))
    .bind(c.level.map(Level::code).unwrap_or(""))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(actor.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    replace_answers(&mut tx, id, &c.answers).await?;
    record(&mut tx, id, None, State::Draft, "create", Some(actor.id), now, "").await?;
    communities::join_in(&mut tx, community_id, actor.id, now).await?;
    if let Some(site) = submit_via {
        let to = lifecycle::transition(State::Draft, Action::Submit, Role::Speaker)?;
        if !change_state(&mut tx, id, State::Draft, to, Action::Submit, actor.id, now).await? {
            return Err(DomainError::Refused("illegal_transition"));
        }
        let talk = get_in(&mut tx, id).await?;
        queue_submitted_mails(&mut tx, site, &talk).await?;
    }
    tx.commit().await?;
    get(db, id).await
}

/// Edits a talk's text, session type, track, language, level and answers, when
/// [`may_edit`] allows it (for the session type the edit gives the talk).
pub async fn update(db: &Db, actor: &User, talk_id: i64, input: TalkInput<'_>) -> Result<Talk> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_speaker_or_organizer(&access)?;
    if talk.state.is_final() {
        // What `may_edit` says first, said before the form is even read.
        return Err(DomainError::Refused("talk_closed"));
    }
    let form = form_of(db, &talk).await?;
    let c = validate_input(&input, form.as_ref())?;
    may_edit(&talk, &access, form.as_ref(), c.session_type_id, clock::now())?;
    let mut tx = db.write().begin().await?;
    let done = sqlx::query(
        "UPDATE talks SET title = $1, summary = $2, description = $3, notes = $4, session_type_id = $5, \
           track_id = $6, language = $7, level = $8, updated_at = $9 WHERE id = $10 AND state = $11",
    )
    .bind(&c.title)
    .bind(&c.summary)
    .bind(&c.description)
    .bind(&c.notes)
    .bind(c.session_type_id)
    .bind(c.track_id)
    .bind(c.language.map(Lang::code).unwrap_or(""))
    .bind(c.level.map(Level::code).unwrap_or(""))
    .bind(clock::now())
    .bind(talk_id)
    .bind(talk.state.code())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        // Its state changed meanwhile (withdrawn, decided): the checks above no longer hold.
        return Err(DomainError::Refused("illegal_transition"));
    }
    replace_answers(&mut tx, talk_id, &c.answers).await?;
    tx.commit().await?;
    get(db, talk_id).await
}

/// Performs a life-cycle action (see [`lifecycle`]) in the role the actor holds that allows
/// it: submit, confirm, withdraw, cancel, and also accept/reject at once (organizers usually
/// stage those and [`apply_staged`] them). Mails: submission received (to every speaker) and
/// the decision mails.
///
/// Refused (nothing written): `illegal_transition`; `Forbidden` when the action applies but
/// not in any role the actor holds; for `Submit`, also the checks of [`check_complete`] and
/// the deadline (`cfp_not_open`, `cfp_closed`, `deadline_passed`); `talk_in_pool` for a
/// decision on a pool talk.
pub async fn act(db: &Db, site: &Site, actor: &User, talk_id: i64, action: Action) -> Result<Talk> {
    let (talk, access) = load(db, actor, talk_id).await?;
    if !access.any() {
        return Err(DomainError::NotFound);
    }
    let mut refusal = Refused::WrongRole;
    let mut target = None;
    for role in access.roles() {
        match lifecycle::transition(talk.state, action, role) {
            Ok(to) => {
                target = Some(to);
                break;
            }
            Err(Refused::IllegalTransition) => refusal = Refused::IllegalTransition,
            Err(Refused::WrongRole) => {}
        }
    }
    let to = target.ok_or(DomainError::from(refusal))?;
    let now = clock::now();
    let form = form_of(db, &talk).await?;
    let decision = match action {
        Action::Accept => Some(Decision::Accept),
        Action::Reject => Some(Decision::Reject),
        _ => None,
    };
    let decision_ctx = match (decision, &form) {
        (Some(_), None) => return Err(DomainError::Refused("talk_in_pool")),
        (Some(_), Some(f)) => Some(DecisionContext::load(db, f).await?),
        (None, _) => None,
    };
    let mut tx = db.write().begin().await?;
    if action == Action::Submit {
        let answers = answers_of(&mut tx, talk_id).await?;
        check_complete(
            &talk.summary,
            talk.session_type_id,
            talk.language,
            &answers,
            form.as_ref(),
        )?;
        if let Some(f) = &form {
            f.check_open(talk.session_type_id, now)?;
        }
    }
    if !change_state(&mut tx, talk_id, talk.state, to, action, actor.id, now).await? {
        return Err(DomainError::Refused("illegal_transition"));
    }
    match (action, &decision_ctx) {
        (Action::Submit, _) => queue_submitted_mails(&mut tx, site, &talk).await?,
        (Action::Accept | Action::Reject, Some(ctx)) => {
            queue_decision_mails(&mut tx, site, ctx, &talk, to, now).await?;
        }
        _ => {}
    }
    tx.commit().await?;
    get(db, talk_id).await
}

/// Stages (or with `None` unstages) an organizer's decision on a submitted talk of an event;
/// nothing is mailed until [`apply_staged`]. Refused: `talk_in_pool`, `illegal_transition`
/// (not submitted).
pub async fn stage_decision(db: &Db, actor: &User, talk_id: i64, decision: Option<Decision>) -> Result<Talk> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_organizer(&access)?;
    if talk.in_pool() {
        return Err(DomainError::Refused("talk_in_pool"));
    }
    if let Some(d) = decision {
        lifecycle::transition(talk.state, d.action(), Role::Organizer)?;
    }
    let done = sqlx::query(
        "UPDATE talks SET staged_decision = $1, updated_at = $2 WHERE id = $3 AND (state = 'submitted' OR $1 IS NULL)",
    )
    .bind(decision.map(Decision::code))
    .bind(clock::now())
    .bind(talk_id)
    .execute(db.write())
    .await?;
    if done.rows_affected() != 1 {
        return Err(DomainError::Refused("illegal_transition"));
    }
    get(db, talk_id).await
}

/// What [`apply_staged`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub accepted: usize,
    pub rejected: usize,
    /// Staged, but the talk was no longer submitted: dropped. Every state change already
    /// clears a staged decision, so this stays 0 unless rows were changed behind the rules.
    pub skipped: usize,
}

/// Applies every staged decision of an event in one transaction and queues the decision
/// mails. A decision is applied and mailed once: applying again finds nothing staged, and the
/// mail keys (`talk:<id>:decision:<state>:<user>`) could not be queued twice anyway.
pub async fn apply_staged(db: &Db, site: &Site, actor: &User, event_id: i64) -> Result<Applied> {
    cfp::organized_event(db, actor, event_id).await?;
    let form = match cfp::form(db, event_id).await {
        Err(DomainError::NotFound) => return Err(DomainError::Refused("no_cfp")),
        other => other?,
    };
    let ctx = DecisionContext::load(db, &form).await?;
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let staged = "t.event_id = $1 AND t.staged_decision IS NOT NULL";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM talks t WHERE {staged} ORDER BY t.id"
    ))
    .bind(event_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut speakers = recipients_where(&mut tx, staged, event_id).await?;
    let mut mails = Vec::new();
    let mut applied = Applied::default();
    for row in &rows {
        let talk = Talk::from_row(row)?;
        let Some(decision) = talk.staged_decision else {
            continue;
        };
        let changed = match lifecycle::transition(talk.state, decision.action(), Role::Organizer) {
            Ok(to) => {
                change_state(&mut tx, talk.id, talk.state, to, decision.action(), actor.id, now).await?
            }
            Err(_) => false,
        };
        if changed {
            let recipients = speakers.remove(&talk.id).unwrap_or_default();
            mails.extend(decision_mails(
                site,
                &ctx,
                &talk,
                decision.state(),
                now,
                &recipients,
            ));
            match decision {
                Decision::Accept => applied.accepted += 1,
                Decision::Reject => applied.rejected += 1,
            }
        } else {
            sqlx::query("UPDATE talks SET staged_decision = NULL WHERE id = $1")
                .bind(talk.id)
                .execute(&mut *tx)
                .await?;
            applied.skipped += 1;
        }
    }
    outbox::enqueue_many_in(&mut tx, site, mails).await?;
    tx.commit().await?;
    Ok(applied)
}

/// Moves a submitted pool talk into an upcoming event's CfP (organizers of its community):
/// all text and speakers stay, the talk stays submitted, the history says `move`. The
/// session type and track are left empty for the organizer to set: they are per event.
///
/// Refused: `not_in_pool`, `other_community`, `event_over`, `event_cancelled`, `no_cfp`,
/// `illegal_transition` (anything but a submitted talk: organizers see no drafts in the pool,
/// and a move is no way round [`act`]'s submission checks).
pub async fn move_to_event(db: &Db, actor: &User, talk_id: i64, event_id: i64) -> Result<Talk> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_organizer(&access)?;
    if !talk.in_pool() {
        return Err(DomainError::Refused("not_in_pool"));
    }
    let event = events::get(db, event_id).await?;
    if event.community_id != talk.community_id {
        return Err(DomainError::Refused("other_community"));
    }
    let now = clock::now();
    if event.status == events::Status::Cancelled {
        return Err(DomainError::Refused("event_cancelled"));
    }
    if event.ends_at <= now {
        return Err(DomainError::Refused("event_over"));
    }
    if cfp::get(db, event_id).await?.is_none() {
        return Err(DomainError::Refused("no_cfp"));
    }
    if talk.state != State::Submitted {
        return Err(DomainError::Refused("illegal_transition"));
    }
    let mut tx = db.write().begin().await?;
    let done = sqlx::query(
        "UPDATE talks SET event_id = $1, session_type_id = NULL, track_id = NULL, staged_decision = NULL, \
           submitted_at = COALESCE(submitted_at, $2), updated_at = $2 \
         WHERE id = $3 AND event_id IS NULL AND state = 'submitted'",
    )
    .bind(event_id)
    .bind(now)
    .bind(talk_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(DomainError::Refused("illegal_transition"));
    }
    record(
        &mut tx,
        talk_id,
        Some(State::Submitted),
        State::Submitted,
        "move",
        Some(actor.id),
        now,
        &format!("event:{event_id}"),
    )
    .await?;
    tx.commit().await?;
    get(db, talk_id).await
}

/// Sets the slides and recording links of an accepted or confirmed talk (its speakers and
/// organizers, any time, typically after the event). Refused: `not_accepted`.
pub async fn set_materials(
    db: &Db,
    actor: &User,
    talk_id: i64,
    slides_url: &str,
    recording_url: &str,
) -> Result<Talk> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_speaker_or_organizer(&access)?;
    if !matches!(talk.state, State::Accepted | State::Confirmed) {
        return Err(DomainError::Refused("not_accepted"));
    }
    let slides = parse_url(slides_url, "slides_url")?;
    let recording = parse_url(recording_url, "recording_url")?;
    sqlx::query("UPDATE talks SET slides_url = $1, recording_url = $2, updated_at = $3 WHERE id = $4")
        .bind(slides)
        .bind(recording)
        .bind(clock::now())
        .bind(talk_id)
        .execute(db.write())
        .await?;
    get(db, talk_id).await
}

// ---------------------------------------------------------------------------------------------
// Co-speakers

/// Invites a co-speaker by email (speakers and organizers, talks not in a final state). Only
/// a hash of the link's token is stored; the mail goes through the outbox in the same
/// transaction. Invalid: `("email", "invalid_email")`, `("email", "already_speaker")`.
/// Refused: `talk_closed`, `too_many_speakers`.
pub async fn invite_co_speaker(db: &Db, site: &Site, actor: &User, talk_id: i64, email: &str) -> Result<()> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_speaker_or_organizer(&access)?;
    if talk.state.is_final() {
        return Err(DomainError::Refused("talk_closed"));
    }
    let email = Email::parse(email)?;
    let invitee = accounts::find_by_email(db, &email).await?;
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM talk_speakers s JOIN users u ON u.id = s.user_id \
             WHERE s.talk_id = $1 AND u.email = $2) AS already, \
           (SELECT COUNT(*) FROM talk_speakers WHERE talk_id = $1) AS speakers, \
           (SELECT COUNT(*) FROM talk_invitations WHERE talk_id = $1 AND accepted_at IS NULL AND expires_at > $3) \
             AS pending",
    )
    .bind(talk_id)
    .bind(email.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if row.try_get::<i64, _>("already")? > 0 {
        return Err(DomainError::invalid("email", "already_speaker"));
    }
    if row.try_get::<i64, _>("speakers")? + row.try_get::<i64, _>("pending")? >= MAX_SPEAKERS as i64 {
        return Err(DomainError::Refused("too_many_speakers"));
    }
    let token = tokens::generate();
    let row = sqlx::query(
        "INSERT INTO talk_invitations (talk_id, email, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(talk_id)
    .bind(email.as_str())
    .bind(tokens::hash(&token))
    .bind(actor.id)
    .bind(now)
    .bind(now + INVITATION_LIFETIME)
    .fetch_one(&mut *tx)
    .await?;
    let invitation_id: i64 = row.try_get("id")?;
    let place = place_of(&mut tx, &talk).await?;
    let (lang, name) = match &invitee {
        Some(u) => (u.lang, u.display_name.clone()),
        None => (actor.lang, email.as_str().to_owned()),
    };
    let mail = mail_templates::render(
        lang,
        &Template::TalkInvitation {
            name: &name,
            inviter: &actor.display_name,
            talk: &talk.title,
            place: &place,
            url: &site.link(&invitation_path(&token)),
        },
    );
    let key = format!("talk:{talk_id}:invitation:{invitation_id}");
    outbox::enqueue_in(
        &mut tx,
        site,
        NewMail::new(key, "talk_invitation", email.as_str(), mail),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the invitation page shows before (and after) logging in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationInfo {
    pub talk_id: i64,
    pub talk_title: String,
    pub inviter_name: String,
    /// The invited address: the page tells a person logged in as someone else whom to log in as.
    pub email: String,
    pub accepted: bool,
    pub expired: bool,
    pub talk_state: State,
}

impl InvitationInfo {
    /// Why `user` (`None`: someone not logged in yet) cannot accept this invitation now, as
    /// the refusal code [`accept_invitation`] gives, in the same order; `None` when they can
    /// (or, logged out, could once logged in with the invited address).
    pub fn problem(&self, user: Option<&User>) -> Option<&'static str> {
        if self.accepted {
            return Some("already_accepted");
        }
        if self.expired {
            return Some("token_expired");
        }
        if let Some(u) = user {
            if !u.email.eq_ignore_ascii_case(&self.email) {
                return Some("wrong_account");
            }
            if !u.email_confirmed {
                return Some("email_unconfirmed");
            }
        }
        if self.talk_state.is_final() {
            return Some("talk_closed");
        }
        None
    }
}

/// The invitation behind `token`, its id and its talk's community.
async fn find_invitation(db: &Db, token: &str) -> Result<(InvitationInfo, i64, i64)> {
    let row = sqlx::query(
        "SELECT i.id, i.talk_id, i.email, i.expires_at, i.accepted_at, t.title, t.state, t.community_id, \
           COALESCE(u.display_name, '') AS inviter \
         FROM talk_invitations i JOIN talks t ON t.id = i.talk_id LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.token_hash = $1",
    )
    .bind(tokens::hash(token.trim()))
    .fetch_optional(db.read())
    .await?
    .ok_or(DomainError::Refused("invalid_token"))?;
    Ok((
        InvitationInfo {
            talk_id: row.try_get("talk_id")?,
            talk_title: row.try_get("title")?,
            inviter_name: row.try_get("inviter")?,
            email: row.try_get("email")?,
            accepted: row.try_get::<Option<i64>, _>("accepted_at")?.is_some(),
            expired: row.try_get::<i64, _>("expires_at")? <= clock::now(),
            talk_state: parse_state(&row.try_get::<String, _>("state")?)?,
        },
        row.try_get("id")?,
        row.try_get("community_id")?,
    ))
}

/// The invitation behind a mailed token (see [`InvitationInfo::problem`] for whether it can
/// be accepted). Refused: `invalid_token`.
pub async fn invitation(db: &Db, token: &str) -> Result<InvitationInfo> {
    Ok(find_invitation(db, token).await?.0)
}

/// Accepts an invitation as the logged-in `user`, who becomes a speaker of the talk.
///
/// The invitation is bound to the invited address: `wrong_account` when the user's email is
/// another, `email_unconfirmed` when the user has not proved they own it. A link works once:
/// `already_accepted` the second time; `token_expired` after [`INVITATION_LIFETIME`];
/// `invalid_token`; `talk_closed` for a talk in a final state.
pub async fn accept_invitation(db: &Db, user: &User, token: &str) -> Result<Talk> {
    let (info, invitation_id, community_id) = find_invitation(db, token).await?;
    if let Some(problem) = info.problem(Some(user)) {
        return Err(DomainError::Refused(problem));
    }
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let done = sqlx::query(
        "UPDATE talk_invitations SET accepted_by = $1, accepted_at = $2 WHERE id = $3 AND accepted_at IS NULL",
    )
    .bind(user.id)
    .bind(now)
    .bind(invitation_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(DomainError::Refused("already_accepted"));
    }
    sqlx::query(
        "INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, $3) \
         ON CONFLICT (talk_id, user_id) DO NOTHING",
    )
    .bind(info.talk_id)
    .bind(user.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    communities::join_in(&mut tx, community_id, user.id, now).await?;
    tx.commit().await?;
    get(db, info.talk_id).await
}

/// Removes a co-speaker: the owner and organizers may remove anyone but the owner, and a
/// co-speaker may leave. Refused: `owner_stays`.
pub async fn remove_speaker(db: &Db, actor: &User, talk_id: i64, user_id: i64) -> Result<()> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_speaker_or_organizer(&access)?;
    if user_id == talk.owner_id {
        return Err(DomainError::Refused("owner_stays"));
    }
    if !(access.organizer || actor.id == talk.owner_id || actor.id == user_id) {
        return Err(DomainError::Forbidden);
    }
    sqlx::query("DELETE FROM talk_speakers WHERE talk_id = $1 AND user_id = $2")
        .bind(talk_id)
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Mails

struct Recipient {
    user_id: i64,
    email: String,
    name: String,
    lang: Lang,
}

/// The speakers of the talks matching `condition` (on `talks t`, with `$1` = `param`), by
/// talk, in the order they joined: one query however many talks.
async fn recipients_where(
    conn: &mut AnyConnection,
    condition: &str,
    param: i64,
) -> Result<HashMap<i64, Vec<Recipient>>> {
    let rows = sqlx::query(&format!(
        "SELECT s.talk_id, u.id, u.email, u.display_name, u.lang FROM talk_speakers s \
         JOIN talks t ON t.id = s.talk_id JOIN users u ON u.id = s.user_id \
         WHERE {condition} ORDER BY s.talk_id, s.joined_at, u.id"
    ))
    .bind(param)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_talk: HashMap<i64, Vec<Recipient>> = HashMap::new();
    for r in &rows {
        by_talk.entry(r.try_get("talk_id")?).or_default().push(Recipient {
            user_id: r.try_get("id")?,
            email: r.try_get("email")?,
            name: r.try_get("display_name")?,
            lang: Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or_default(),
        });
    }
    Ok(by_talk)
}

/// One mail about talk `talk_id` to each of `speakers`, written by `render` in the speaker's
/// language, as outbox kind `kind` with the key `talk:<id>:<what>:<user>`: the outbox never
/// queues the same mail twice.
fn speaker_mails(
    talk_id: i64,
    what: &str,
    kind: &'static str,
    speakers: &[Recipient],
    render: impl Fn(&Recipient) -> Rendered,
) -> Vec<NewMail> {
    speakers
        .iter()
        .map(|r| {
            NewMail::new(
                format!("talk:{talk_id}:{what}:{}", r.user_id),
                kind,
                &r.email,
                render(r),
            )
        })
        .collect()
}

/// [`speaker_mails`] to every speaker of one talk, queued in the caller's transaction.
async fn mail_speakers(
    tx: &mut AnyConnection,
    site: &Site,
    talk_id: i64,
    what: &str,
    kind: &'static str,
    render: impl Fn(&Recipient) -> Rendered,
) -> Result<()> {
    let speakers = recipients_where(tx, "t.id = $1", talk_id)
        .await?
        .remove(&talk_id)
        .unwrap_or_default();
    outbox::enqueue_many_in(tx, site, speaker_mails(talk_id, what, kind, &speakers, render)).await
}

/// The event's title, or the community's name for a pool talk.
async fn place_of(tx: &mut AnyConnection, talk: &Talk) -> Result<String> {
    let row = sqlx::query(
        "SELECT COALESCE((SELECT title FROM events WHERE id = $1), (SELECT name FROM communities WHERE id = $2)) AS place",
    )
    .bind(talk.event_id)
    .bind(talk.community_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(row.try_get::<Option<String>, _>("place")?.unwrap_or_default())
}

async fn queue_submitted_mails(tx: &mut AnyConnection, site: &Site, talk: &Talk) -> Result<()> {
    let place = place_of(tx, talk).await?;
    let url = site.link(&talk_path(talk.id));
    mail_speakers(tx, site, talk.id, "submitted", "talk_submitted", |r| {
        mail_templates::render(
            r.lang,
            &Template::TalkSubmitted {
                name: &r.name,
                talk: &talk.title,
                place: &place,
                url: &url,
            },
        )
    })
    .await
}

/// What decision mails of one event need, read once before the transaction.
struct DecisionContext {
    event: Event,
    confirm_days: i64,
    accepted: Option<cfp::DecisionTemplate>,
    rejected: Option<cfp::DecisionTemplate>,
}

impl DecisionContext {
    async fn load(db: &Db, form: &CfpForm) -> Result<DecisionContext> {
        Ok(DecisionContext {
            event: form.event.clone(),
            confirm_days: form.cfp.confirm_days,
            accepted: cfp::decision_template(db, form.event.id, Decision::Accept).await?,
            rejected: cfp::decision_template(db, form.event.id, Decision::Reject).await?,
        })
    }
}

/// The mails telling the speakers of `talk` that it went `to` (accepted or rejected).
fn decision_mails(
    site: &Site,
    ctx: &DecisionContext,
    talk: &Talk,
    to: State,
    now: Micros,
    speakers: &[Recipient],
) -> Vec<NewMail> {
    let accepted = to == State::Accepted;
    let custom = if accepted { &ctx.accepted } else { &ctx.rejected };
    let url = site.link(&talk_path(talk.id));
    let what = format!("decision:{}", to.code());
    speaker_mails(talk.id, &what, "talk_decision", speakers, |r| {
        let (subject, body) = match custom {
            Some(t) => (t.subject.as_str(), t.body.as_str()),
            None => mail_templates::talk_decision_default(r.lang, accepted),
        };
        let deadline = mail_templates::instant_in(r.lang, &ctx.event, now + ctx.confirm_days * clock::DAY);
        let vars = [
            ("talk_title", talk.title.as_str()),
            ("speaker_name", r.name.as_str()),
            ("confirm_url", url.as_str()),
            ("deadline", deadline.as_str()),
        ];
        mail_templates::render(
            r.lang,
            &Template::TalkDecision {
                name: &r.name,
                subject: &mail_templates::fill_placeholders(subject, &vars),
                body: &mail_templates::fill_placeholders(body, &vars),
                url: &url,
                accepted,
            },
        )
    })
}

async fn queue_decision_mails(
    tx: &mut AnyConnection,
    site: &Site,
    ctx: &DecisionContext,
    talk: &Talk,
    to: State,
    now: Micros,
) -> Result<()> {
    let speakers = recipients_where(tx, "t.id = $1", talk.id)
        .await?
        .remove(&talk.id)
        .unwrap_or_default();
    let mails = decision_mails(site, ctx, talk, to, now, &speakers);
    outbox::enqueue_many_in(tx, site, mails).await
}

/// Reminds the speakers of talks accepted at least `after` ago and still not confirmed,
/// once per talk (`talks.confirm_reminded_at`, and the mail key). For the maintenance
/// worker; returns how many talks were reminded.
pub async fn remind_unconfirmed(db: &Db, site: &Site, now: Micros, after: Micros) -> Result<usize> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM talks t WHERE t.state = 'accepted' AND t.decided_at <= $1 \
           AND t.confirm_reminded_at IS NULL AND t.event_id IS NOT NULL ORDER BY t.id"
    ))
    .bind(now - after)
    .fetch_all(db.read())
    .await?;
    let mut reminded = 0;
    let mut events: HashMap<i64, (Event, i64)> = HashMap::new();
    for row in &rows {
        let talk = Talk::from_row(row)?;
        let Some(event_id) = talk.event_id else { continue };
        if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(event_id) {
            let event = events::get(db, event_id).await?;
            let days = cfp::get(db, event_id).await?.map(|c| c.confirm_days).unwrap_or(7);
            slot.insert((event, days));
        }
        let (event, days) = &events[&event_id];
        let mut tx = db.write().begin().await?;
        let done = sqlx::query(
            "UPDATE talks SET confirm_reminded_at = $1 WHERE id = $2 AND state = 'accepted' AND confirm_reminded_at IS NULL",
        )
        .bind(now)
        .bind(talk.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            continue;
        }
        let url = site.link(&talk_path(talk.id));
        let due = talk.decided_at.unwrap_or(now) + days * clock::DAY;
        mail_speakers(
            &mut tx,
            site,
            talk.id,
            "confirm_reminder",
            "talk_confirm_reminder",
            |r| {
                mail_templates::render(
                    r.lang,
                    &Template::TalkConfirmReminder {
                        name: &r.name,
                        talk: &talk.title,
                        place: &event.title,
                        deadline: &mail_templates::instant_in(r.lang, event, due),
                        url: &url,
                    },
                )
            },
        )
        .await?;
        tx.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}

/// How long after an event slides reminders are still sent (older events are left alone, so
/// a first run on an old database does not mail years of speakers).
pub const SLIDES_REMINDER_WINDOW: Micros = 30 * clock::DAY;

/// Reminds the speakers of confirmed talks without a slides link once their event has ended
/// (within [`SLIDES_REMINDER_WINDOW`]), once per talk. Returns how many talks were reminded.
pub async fn remind_slides(db: &Db, site: &Site, now: Micros) -> Result<usize> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, e.title AS event_title FROM talks t JOIN events e ON e.id = t.event_id \
         WHERE t.state = 'confirmed' AND t.slides_url = '' AND t.slides_reminded_at IS NULL \
           AND e.ends_at <= $1 AND e.ends_at > $2 ORDER BY t.id"
    ))
    .bind(now)
    .bind(now - SLIDES_REMINDER_WINDOW)
    .fetch_all(db.read())
    .await?;
    let mut reminded = 0;
    for row in &rows {
        let talk = Talk::from_row(row)?;
        let event_title: String = row.try_get("event_title")?;
        let mut tx = db.write().begin().await?;
        let done = sqlx::query(
            "UPDATE talks SET slides_reminded_at = $1 WHERE id = $2 AND slides_reminded_at IS NULL AND slides_url = ''",
        )
        .bind(now)
        .bind(talk.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            continue;
        }
        let url = site.link(&talk_path(talk.id));
        mail_speakers(
            &mut tx,
            site,
            talk.id,
            "slides_reminder",
            "talk_slides_reminder",
            |r| {
                mail_templates::render(
                    r.lang,
                    &Template::TalkSlidesReminder {
                        name: &r.name,
                        talk: &talk.title,
                        place: &event_title,
                        url: &url,
                    },
                )
            },
        )
        .await?;
        tx.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}

// ---------------------------------------------------------------------------------------------
// Reading: speakers and organizers

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TalkSpeaker {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub owner: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// `None` for the creation.
    pub from: Option<State>,
    pub to: State,
    /// `create`, `move`, or an [`Action`] code.
    pub action: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub at: Micros,
    /// `event:<id>` for a move from the pool.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub created_at: Micros,
    pub expires_at: Micros,
}

/// A talk as its speakers and organizers see it, with everything its page needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TalkDetail {
    pub talk: Talk,
    pub community_name: String,
    pub community_slug: String,
    /// The community's zone, for a pool talk's times (an event's talk uses its event's).
    pub community_time_zone: String,
    pub event_title: Option<String>,
    /// The event's CfP, for the edit form; `None` in the pool.
    pub form: Option<CfpForm>,
    pub speakers: Vec<TalkSpeaker>,
    /// `(question id, answer)`, in question order.
    pub answers: Vec<(i64, String)>,
    pub history: Vec<HistoryEntry>,
    pub invitations: Vec<PendingInvitation>,
    pub access: Access,
    /// The actions the reader may take now (decisions only on talks of an event).
    pub actions: Vec<Action>,
    /// The submission deadline for this talk's session type; `None` in the pool.
    pub deadline: Option<Micros>,
    /// Whether the reader may edit the talk now ([`may_edit`], for its current session type).
    pub editable: bool,
}

impl TalkDetail {
    /// The zone its times are shown in: the event's, else the community's.
    pub fn tz(&self) -> chrono_tz::Tz {
        match &self.form {
            Some(f) => f.event.tz(),
            None => self.community_time_zone.parse().unwrap_or(chrono_tz::UTC),
        }
    }
}

/// One speaker or organizer view of a talk. Reviewers get `Forbidden` (they read
/// `reviews::talk_for_review`), strangers `NotFound`.
pub async fn detail(db: &Db, actor: &User, talk_id: i64) -> Result<TalkDetail> {
    let (talk, access) = load(db, actor, talk_id).await?;
    require_speaker_or_organizer(&access)?;
    let mut conn = db.read().acquire().await?;
    let names = sqlx::query(
        "SELECT c.name AS community_name, c.slug AS community_slug, c.time_zone AS community_time_zone, \
           e.title AS event_title FROM communities c LEFT JOIN events e ON e.id = $2 WHERE c.id = $1",
    )
    .bind(talk.community_id)
    .bind(talk.event_id)
    .fetch_one(&mut *conn)
    .await?;
    let speakers = sqlx::query(
        "SELECT u.id, u.display_name, u.email FROM talk_speakers s JOIN users u ON u.id = s.user_id \
         WHERE s.talk_id = $1 ORDER BY s.joined_at, u.id",
    )
    .bind(talk_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let user_id: i64 = r.try_get("id")?;
        Ok(TalkSpeaker {
            user_id,
            display_name: r.try_get("display_name")?,
            email: r.try_get("email")?,
            owner: user_id == talk.owner_id,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let answers = answers_of(&mut conn, talk_id).await?;
    let history = history_where(&mut conn, "h.talk_id = $1", talk_id)
        .await?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    let invitations = sqlx::query(
        "SELECT id, email, created_at, expires_at FROM talk_invitations \
         WHERE talk_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY id",
    )
    .bind(talk_id)
    .bind(clock::now())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(PendingInvitation {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    drop(conn);
    // Only rows written behind the rules put a talk in an event without a CfP: such a talk
    // has no form and no deadline. Any other failure is an error.
    let form = match form_of(db, &talk).await {
        Err(DomainError::NotFound) => None,
        other => other?,
    };
    let deadline = form.as_ref().map(|f| f.deadline(talk.session_type_id));
    let editable = may_edit(&talk, &access, form.as_ref(), talk.session_type_id, clock::now()).is_ok();
    Ok(TalkDetail {
        actions: actions_for(&talk, &access),
        community_name: names.try_get("community_name")?,
        community_slug: names.try_get("community_slug")?,
        community_time_zone: names.try_get("community_time_zone")?,
        event_title: names.try_get("event_title")?,
        form,
        speakers,
        answers,
        history,
        invitations,
        access,
        deadline,
        editable,
        talk,
    })
}

fn actions_for(talk: &Talk, access: &Access) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| {
            access
                .roles()
                .into_iter()
                .any(|r| lifecycle::transition(talk.state, *a, r).is_ok())
        })
        .filter(|a| !(talk.in_pool() && matches!(a, Action::Accept | Action::Reject)))
        .collect()
}

/// History rows matching `condition` on `talk_history h` (with `$1` = `param`), oldest
/// first, with their talk ids.
async fn history_where(
    conn: &mut AnyConnection,
    condition: &str,
    param: i64,
) -> Result<Vec<(i64, HistoryEntry)>> {
    let rows = sqlx::query(&format!(
        "SELECT h.talk_id, h.from_state, h.to_state, h.action, h.actor_id, u.display_name AS actor_name, h.at, h.detail \
         FROM talk_history h LEFT JOIN users u ON u.id = h.actor_id WHERE {condition} ORDER BY h.talk_id, h.id"
    ))
    .bind(param)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("talk_id")?,
                HistoryEntry {
                    from: r
                        .try_get::<Option<String>, _>("from_state")?
                        .map(|s| parse_state(&s))
                        .transpose()?,
                    to: parse_state(&r.try_get::<String, _>("to_state")?)?,
                    action: r.try_get("action")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    at: r.try_get("at")?,
                    detail: r.try_get("detail")?,
                },
            ))
        })
        .collect()
}

/// A talk in "My talks".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyTalk {
    pub talk: Talk,
    pub community_name: String,
    pub event_title: Option<String>,
    /// Display names, owner first.
    pub speakers: Vec<String>,
    pub history: Vec<HistoryEntry>,
    /// What the user may do now as a speaker.
    pub actions: Vec<Action>,
}

/// Every talk the user speaks at (owner or co-speaker), newest first, with state and
/// history: three queries whatever the number of talks.
pub async fn my_talks(db: &Db, user: &User) -> Result<Vec<MyTalk>> {
    let mut conn = db.read().acquire().await?;
    let mine = "IN (SELECT talk_id FROM talk_speakers WHERE user_id = $1)";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, c.name AS community_name, e.title AS event_title FROM talks t \
         JOIN communities c ON c.id = t.community_id LEFT JOIN events e ON e.id = t.event_id \
         WHERE t.id {mine} ORDER BY t.created_at DESC, t.id DESC"
    ))
    .bind(user.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut speakers: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT s.talk_id, u.display_name FROM talk_speakers s JOIN talks t ON t.id = s.talk_id \
         JOIN users u ON u.id = s.user_id WHERE s.talk_id {mine} \
         ORDER BY s.talk_id, CASE WHEN s.user_id = t.owner_id THEN 0 ELSE 1 END, s.joined_at, u.id"
    ))
    .bind(user.id)
    .fetch_all(&mut *conn)
    .await?
    {
        speakers
            .entry(r.try_get("talk_id")?)
            .or_default()
            .push(r.try_get("display_name")?);
    }
    let mut history: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
    for (talk_id, h) in history_where(&mut conn, &format!("h.talk_id {mine}"), user.id).await? {
        history.entry(talk_id).or_default().push(h);
    }
    let speaker = Access {
        speaker: true,
        ..Access::default()
    };
    rows.iter()
        .map(|r| {
            let talk = Talk::from_row(r)?;
            Ok(MyTalk {
                actions: actions_for(&talk, &speaker),
                community_name: r.try_get("community_name")?,
                event_title: r.try_get("event_title")?,
                speakers: speakers.remove(&talk.id).unwrap_or_default(),
                history: history.remove(&talk.id).unwrap_or_default(),
                talk,
            })
        })
        .collect()
}

/// A proposal in a community's pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolTalk {
    pub talk: Talk,
    pub speakers: Vec<String>,
}

/// The talks matching `condition` (on `talks t`, with `$1`, `$2`, … = `params`) in `order`,
/// each with its speakers' names, owner first: two queries.
async fn pool_talks_where(db: &Db, condition: &str, order: &str, params: &[i64]) -> Result<Vec<PoolTalk>> {
    let mut conn = db.read().acquire().await?;
    let sql = format!("SELECT {COLUMNS} FROM talks t WHERE {condition} ORDER BY {order}");
    let mut q = sqlx::query(&sql);
    for p in params {
        q = q.bind(*p);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let sql = format!(
        "SELECT s.talk_id, u.display_name FROM talk_speakers s JOIN talks t ON t.id = s.talk_id \
         JOIN users u ON u.id = s.user_id WHERE {condition} \
         ORDER BY s.talk_id, CASE WHEN s.user_id = t.owner_id THEN 0 ELSE 1 END, s.joined_at, u.id"
    );
    let mut q = sqlx::query(&sql);
    for p in params {
        q = q.bind(*p);
    }
    let mut speakers: HashMap<i64, Vec<String>> = HashMap::new();
    for r in q.fetch_all(&mut *conn).await? {
        speakers
            .entry(r.try_get("talk_id")?)
            .or_default()
            .push(r.try_get("display_name")?);
    }
    rows.iter()
        .map(|r| {
            let talk = Talk::from_row(r)?;
            Ok(PoolTalk {
                speakers: speakers.remove(&talk.id).unwrap_or_default(),
                talk,
            })
        })
        .collect()
}

/// The pool's submitted proposals (drafts stay private to their speakers), oldest first; for
/// the community's organizers.
pub async fn pool(db: &Db, actor: &User, community_id: i64) -> Result<Vec<PoolTalk>> {
    communities::require_organizer(db, community_id, actor).await?;
    pool_talks_where(
        db,
        "t.community_id = $1 AND t.event_id IS NULL AND t.state = 'submitted'",
        "t.submitted_at, t.id",
        &[community_id],
    )
    .await
}

/// The user's own proposals in a community's pool, in any state, newest first.
pub async fn my_pool_talks(db: &Db, user: &User, community_id: i64) -> Result<Vec<PoolTalk>> {
    pool_talks_where(
        db,
        "t.community_id = $1 AND t.event_id IS NULL \
         AND t.id IN (SELECT talk_id FROM talk_speakers WHERE user_id = $2)",
        "t.created_at DESC, t.id DESC",
        &[community_id, user.id],
    )
    .await
}

/// Where organizers may move the community's pool talks ([`move_to_event`]): its events that
/// have a CfP, are not cancelled and have not ended, soonest first (at most 50), as
/// `(id, title)`. One query.
pub async fn move_targets(db: &Db, actor: &User, community_id: i64) -> Result<Vec<(i64, String)>> {
    communities::require_organizer(db, community_id, actor).await?;
    let rows = sqlx::query(
        "SELECT e.id, e.title FROM events e JOIN cfps f ON f.event_id = e.id \
         WHERE e.community_id = $1 AND e.status <> 'cancelled' AND e.ends_at > $2 \
         ORDER BY e.starts_at, e.id LIMIT 50",
    )
    .bind(community_id)
    .bind(clock::now())
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading: the public

/// A confirmed talk as anyone may see it: no notes, no answers, no emails.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublicTalk {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub event_starts_at: Micros,
    pub community_slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown; render with `markdown::to_safe_html`.
    pub description: String,
    pub session_type: Option<String>,
    pub minutes: Option<i64>,
    pub track: Option<String>,
    pub track_colour: Option<String>,
    pub language: Option<Lang>,
    pub level: Option<Level>,
    pub slides_url: String,
    pub recording_url: String,
    pub speakers: Vec<PublicSpeaker>,
}

/// Public talks matching `condition` (on `talks t`, with `$1` = `param`): two queries, one
/// when there are none.
async fn public_where(db: &Db, condition: &str, param: i64) -> Result<Vec<PublicTalk>> {
    let base = format!("t.state = 'confirmed' AND e.status = 'published' AND ({condition})");
    let rows = sqlx::query(&format!(
        "SELECT t.id, t.event_id, e.title AS event_title, e.starts_at AS event_starts_at, c.slug AS community_slug, \
           t.title, t.summary, t.description, st.name AS st_name, st.minutes AS st_minutes, tr.name AS tr_name, \
           tr.colour AS tr_colour, t.language, t.level, t.slides_url, t.recording_url \
         FROM talks t JOIN events e ON e.id = t.event_id JOIN communities c ON c.id = t.community_id \
         {LABEL_JOINS} WHERE {base} ORDER BY e.starts_at DESC, tr.position, t.title, t.id"
    ))
    .bind(param)
    .fetch_all(db.read())
    .await?;
    // Most meetups have no programme: their event page then pays for one query, not two.
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut speakers: HashMap<i64, Vec<PublicSpeaker>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT s.talk_id, {cols} FROM talk_speakers s JOIN talks t ON t.id = s.talk_id \
         JOIN events e ON e.id = t.event_id JOIN users u ON u.id = s.user_id \
         LEFT JOIN speaker_profiles p ON p.user_id = u.id \
         WHERE {base} ORDER BY s.talk_id, CASE WHEN s.user_id = t.owner_id THEN 0 ELSE 1 END, s.joined_at, u.id",
        cols = speakers::PUBLIC_COLUMNS
    ))
    .bind(param)
    .fetch_all(db.read())
    .await?
    {
        speakers
            .entry(r.try_get("talk_id")?)
            .or_default()
            .push(PublicSpeaker::from_row(&r)?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            Ok(PublicTalk {
                id,
                event_id: r.try_get("event_id")?,
                event_title: r.try_get("event_title")?,
                event_starts_at: r.try_get("event_starts_at")?,
                community_slug: r.try_get("community_slug")?,
                title: r.try_get("title")?,
                summary: r.try_get("summary")?,
                description: r.try_get("description")?,
                session_type: r.try_get("st_name")?,
                minutes: r.try_get("st_minutes")?,
                track: r.try_get("tr_name")?,
                track_colour: r.try_get("tr_colour")?,
                language: Lang::parse(&r.try_get::<String, _>("language")?),
                level: Level::parse(&r.try_get::<String, _>("level")?),
                slides_url: r.try_get("slides_url")?,
                recording_url: r.try_get("recording_url")?,
                speakers: speakers.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

/// A talk's public page: only confirmed talks of published events, else `NotFound`.
pub async fn public_talk(db: &Db, talk_id: i64) -> Result<PublicTalk> {
    public_where(db, "t.id = $1", talk_id)
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound)
}

/// The confirmed talks of an event with their speakers (the event page's programme).
pub async fn public_talks(db: &Db, event_id: i64) -> Result<Vec<PublicTalk>> {
    public_where(db, "t.event_id = $1", event_id).await
}

/// A speaker's confirmed talks across events and communities, newest event first.
pub async fn public_talks_of_speaker(db: &Db, user_id: i64) -> Result<Vec<PublicTalk>> {
    public_where(
        db,
        "t.id IN (SELECT talk_id FROM talk_speakers WHERE user_id = $1)",
        user_id,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(title: &'a str, answers: &'a [(i64, String)]) -> TalkInput<'a> {
        TalkInput {
            title,
            summary: "An abstract",
            description: "",
            notes: "",
            session_type_id: None,
            track_id: None,
            language: Some(Lang::En),
            level: None,
            answers,
        }
    }

    fn invalid<T: std::fmt::Debug>(r: Result<T>) -> (&'static str, &'static str) {
        match r {
            Err(DomainError::Invalid { field, code }) => (field, code),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn lengths_are_checked_at_the_limits() {
        let at = "я".repeat(MAX_TITLE);
        assert_eq!(validate_input(&input(&at, &[]), None).unwrap().title, at);
        let over = "я".repeat(MAX_TITLE + 1);
        assert_eq!(
            invalid(validate_input(&input(&over, &[]), None)),
            ("title", "too_long")
        );
        assert_eq!(
            invalid(validate_input(&input("  ", &[]), None)),
            ("title", "required")
        );
        assert_eq!(
            invalid(validate_input(&input("a\nb", &[]), None)),
            ("title", "invalid_characters")
        );
        let long = "x".repeat(MAX_SUMMARY + 1);
        let i = TalkInput {
            summary: &long,
            ..input("T", &[])
        };
        assert_eq!(invalid(validate_input(&i, None)), ("summary", "too_long"));
        let long = "x".repeat(MAX_NOTES + 1);
        let i = TalkInput {
            notes: &long,
            ..input("T", &[])
        };
        assert_eq!(invalid(validate_input(&i, None)), ("notes", "too_long"));
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        let i = TalkInput {
            description: &long,
            ..input("T", &[])
        };
        assert_eq!(invalid(validate_input(&i, None)), ("description", "too_long"));
    }

    #[test]
    fn pool_talks_have_no_event_choices() {
        let i = TalkInput {
            session_type_id: Some(1),
            ..input("T", &[])
        };
        assert_eq!(invalid(validate_input(&i, None)), ("session_type_id", "unknown"));
        let answers = [(1, "x".to_string())];
        assert_eq!(
            invalid(validate_input(&input("T", &answers), None)),
            ("answers", "unknown_question")
        );
    }

    #[test]
    fn decisions_round_trip() {
        for d in [Decision::Accept, Decision::Reject] {
            assert_eq!(Decision::parse(d.code()), Some(d));
            assert_eq!(
                lifecycle::transition(State::Submitted, d.action(), Role::Organizer),
                Ok(d.state())
            );
        }
    }
}
