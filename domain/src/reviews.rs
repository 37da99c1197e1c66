//! Review: reviewers assigned per event (optionally to some tracks), review categories with
//! weights, one review per reviewer and talk, and the organizers' dashboard.
//!
//! Scores run from [`MIN_SCORE`] = 0 ("should not be in the programme") to [`MAX_SCORE`] = 5
//! ("must be in it"); 0 rather than 1 so that a plain "no" pulls a talk down as much as a "yes"
//! lifts it. A review's weighted score is Σ(weight × score) / Σ(weight) over its categories; a
//! talk's score is the mean of its submitted reviews' weighted scores, and its spread the
//! highest minus the lowest of them (how much reviewers disagree).
//!
//! What each reader may see is enforced here, not in the pages:
//! - reviewers read talks as [`ReviewerTalk`], which has no notes for organizers, and no speaker
//!   names, bios or links at all when the CfP reviews anonymously ([`Speakers::Hidden`]);
//! - a reviewer sees others' scores on a talk only after submitting their own;
//! - speakers never read reviews, not even organizers who speak on the talk;
//! - nobody reviews a talk they speak on.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::cfp::{self, Level};
use crate::clock::{self, Micros};
#[cfg(test)]
use crate::csv::cell as csv_cell;
use crate::email::Email;
use crate::error::{DomainError, Result};
use crate::events::Event;
use crate::lang::Lang;
use crate::talks::{self, Decision, LABEL_JOINS, State};
use crate::{Db, accounts, speakers};

pub const MIN_SCORE: i64 = 0;
pub const MAX_SCORE: i64 = 5;
pub const MIN_WEIGHT: i64 = 1;
pub const MAX_WEIGHT: i64 = 10;
pub const MAX_COMMENT: usize = 5000;

// ---------------------------------------------------------------------------------------------
// Pure score math

/// A review's weighted score from `(weight, score)` pairs; `None` without any.
pub fn weighted_score(scores: &[(i64, i64)]) -> Option<f64> {
    let total: i64 = scores.iter().map(|(w, _)| w).sum();
    if total <= 0 {
        return None;
    }
    let sum: i64 = scores.iter().map(|(w, s)| w * s).sum();
    Some(sum as f64 / total as f64)
}

/// A talk's numbers on the dashboard.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScoreSummary {
    /// Submitted reviews.
    pub reviews: i64,
    /// Mean of the reviews' weighted scores.
    pub score: Option<f64>,
    /// Highest minus lowest weighted score.
    pub spread: Option<f64>,
}

/// Summarises the weighted scores of a talk's submitted reviews.
pub fn summarize(per_review: &[f64]) -> ScoreSummary {
    if per_review.is_empty() {
        return ScoreSummary::default();
    }
    let n = per_review.len() as f64;
    let max = per_review.iter().copied().fold(f64::MIN, f64::max);
    let min = per_review.iter().copied().fold(f64::MAX, f64::min);
    ScoreSummary {
        reviews: per_review.len() as i64,
        score: Some(per_review.iter().sum::<f64>() / n),
        spread: Some(max - min),
    }
}

// ---------------------------------------------------------------------------------------------
// Categories

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub weight: i64,
    pub position: i64,
}

impl Category {
    fn from_row(r: &AnyRow) -> Result<Category> {
        Ok(Category {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            name: r.try_get("name")?,
            weight: r.try_get("weight")?,
            position: r.try_get("position")?,
        })
    }
}

fn check_category(name: &str, weight: i64) -> Result<String> {
    let name = cfp::required_name(name, "name")?;
    if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&weight) {
        return Err(DomainError::invalid("weight", "out_of_range"));
    }
    Ok(name)
}

pub async fn add_category(db: &Db, actor: &User, event_id: i64, name: &str, weight: i64) -> Result<Category> {
    cfp::organized_event(db, actor, event_id).await?;
    let name = check_category(name, weight)?;
    let row = sqlx::query(
        "INSERT INTO review_categories (event_id, name, weight, position) VALUES ($1, $2, $3, \
           (SELECT COALESCE(MAX(position), 0) + 1 FROM review_categories WHERE event_id = $1)) \
         RETURNING id, event_id, name, weight, position",
    )
    .bind(event_id)
    .bind(name)
    .bind(weight)
    .fetch_one(db.write())
    .await?;
    Category::from_row(&row)
}

/// Renames or reweighs a category; dashboards use the new weight for every review at once.
pub async fn update_category(
    db: &Db,
    actor: &User,
    event_id: i64,
    id: i64,
    name: &str,
    weight: i64,
) -> Result<Category> {
    cfp::organized_event(db, actor, event_id).await?;
    let name = check_category(name, weight)?;
    let row = sqlx::query(
        "UPDATE review_categories SET name = $1, weight = $2 WHERE id = $3 AND event_id = $4 \
         RETURNING id, event_id, name, weight, position",
    )
    .bind(name)
    .bind(weight)
    .bind(id)
    .bind(event_id)
    .fetch_optional(db.write())
    .await?
    .ok_or(DomainError::NotFound)?;
    Category::from_row(&row)
}

/// Deletes a category of the event and every score given in it. `NotFound` for a category of
/// another event.
pub async fn delete_category(db: &Db, actor: &User, event_id: i64, id: i64) -> Result<()> {
    cfp::delete_item(db, actor, "review_categories", event_id, id).await
}

pub async fn categories(db: &Db, event_id: i64) -> Result<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT id, event_id, name, weight, position FROM review_categories WHERE event_id = $1 ORDER BY position, id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(Category::from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Reviewers

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewer {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    /// The tracks they review; empty = all.
    pub track_ids: Vec<i64>,
}

/// Makes the account with `email` a reviewer of an event, limited to `track_ids` (empty: all
/// tracks); assigning again replaces the limit. Invalid: `("email", "no_such_account")`,
/// `("track_ids", "unknown")`.
pub async fn assign_reviewer(
    db: &Db,
    actor: &User,
    event_id: i64,
    email: &str,
    track_ids: &[i64],
) -> Result<Reviewer> {
    cfp::organized_event(db, actor, event_id).await?;
    let email = Email::parse(email)?;
    let user = accounts::find_by_email(db, &email)
        .await?
        .ok_or(DomainError::invalid("email", "no_such_account"))?;
    let tracks = cfp::tracks(db, event_id).await?;
    let mut track_ids = track_ids.to_vec();
    track_ids.sort_unstable();
    track_ids.dedup();
    if track_ids.iter().any(|id| !tracks.iter().any(|t| t.id == *id)) {
        return Err(DomainError::invalid("track_ids", "unknown"));
    }
    let mut tx = db.write().begin().await?;
    sqlx::query(
        "INSERT INTO reviewers (event_id, user_id, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (event_id, user_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(user.id)
    .bind(clock::now())
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM reviewer_tracks WHERE event_id = $1 AND user_id = $2")
        .bind(event_id)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    for track_id in &track_ids {
        sqlx::query("INSERT INTO reviewer_tracks (event_id, user_id, track_id) VALUES ($1, $2, $3)")
            .bind(event_id)
            .bind(user.id)
            .bind(track_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Reviewer {
        user_id: user.id,
        display_name: user.display_name,
        email: user.email,
        track_ids,
    })
}

/// Takes a reviewer off an event; the reviews they wrote stay and still count.
pub async fn remove_reviewer(db: &Db, actor: &User, event_id: i64, user_id: i64) -> Result<()> {
    cfp::organized_event(db, actor, event_id).await?;
    sqlx::query("DELETE FROM reviewers WHERE event_id = $1 AND user_id = $2")
        .bind(event_id)
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(())
}

/// An event's reviewers, for its organizers.
pub async fn reviewers(db: &Db, actor: &User, event_id: i64) -> Result<Vec<Reviewer>> {
    cfp::organized_event(db, actor, event_id).await?;
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.email FROM reviewers r JOIN users u ON u.id = r.user_id \
         WHERE r.event_id = $1 ORDER BY u.display_name, u.id",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    let mut tracks: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in
        sqlx::query("SELECT user_id, track_id FROM reviewer_tracks WHERE event_id = $1 ORDER BY track_id")
            .bind(event_id)
            .fetch_all(db.read())
            .await?
    {
        tracks
            .entry(r.try_get("user_id")?)
            .or_default()
            .push(r.try_get("track_id")?);
    }
    rows.iter()
        .map(|r| {
            let user_id: i64 = r.try_get("id")?;
            Ok(Reviewer {
                user_id,
                display_name: r.try_get("display_name")?,
                email: r.try_get("email")?,
                track_ids: tracks.remove(&user_id).unwrap_or_default(),
            })
        })
        .collect()
}

/// The events `user` reviews: `(event id, event title)`, soonest first.
pub async fn events_to_review(db: &Db, user: &User) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT e.id, e.title FROM reviewers r JOIN events e ON e.id = r.event_id WHERE r.user_id = $1 \
         ORDER BY e.starts_at, e.id",
    )
    .bind(user.id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// What reviewers read

/// The talks a reviewer may read, on `talks t` with `$1` = event, `$2` = reviewer: of the
/// event, not drafts or withdrawn, not their own, within their tracks if limited, and only
/// while they are a reviewer of it.
const REVIEWABLE: &str = "t.event_id = $1 AND t.state NOT IN ('draft', 'withdrawn') \
    AND EXISTS (SELECT 1 FROM reviewers rv WHERE rv.event_id = $1 AND rv.user_id = $2) \
    AND NOT EXISTS (SELECT 1 FROM talk_speakers ts WHERE ts.talk_id = t.id AND ts.user_id = $2) \
    AND (NOT EXISTS (SELECT 1 FROM reviewer_tracks rt WHERE rt.event_id = $1 AND rt.user_id = $2) \
      OR t.track_id IN (SELECT rt.track_id FROM reviewer_tracks rt WHERE rt.event_id = $1 AND rt.user_id = $2))";

/// A line of a reviewer's queue. No speaker fields: the queue is the same in both modes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueItem {
    pub talk_id: i64,
    pub title: String,
    pub state: State,
    pub session_type: Option<String>,
    pub track: Option<String>,
    /// `None`: not started; `Some(false)`: draft review; `Some(true)`: submitted.
    pub my_review: Option<bool>,
}

/// The talks `reviewer` may review in an event. `Forbidden` for non-reviewers.
pub async fn review_queue(db: &Db, reviewer: &User, event_id: i64) -> Result<Vec<QueueItem>> {
    require_reviewer(db, reviewer, event_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT t.id, t.title, t.state, st.name AS st_name, tr.name AS tr_name, r.submitted \
         FROM talks t {LABEL_JOINS} \
         LEFT JOIN reviews r ON r.talk_id = t.id AND r.reviewer_id = $2 \
         WHERE {REVIEWABLE} ORDER BY t.submitted_at, t.id"
    ))
    .bind(event_id)
    .bind(reviewer.id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(QueueItem {
                talk_id: r.try_get("id")?,
                title: r.try_get("title")?,
                state: talks::parse_state(&r.try_get::<String, _>("state")?)?,
                session_type: r.try_get("st_name")?,
                track: r.try_get("tr_name")?,
                my_review: r.try_get::<Option<i64>, _>("submitted")?.map(|s| s != 0),
            })
        })
        .collect()
}

async fn require_reviewer(db: &Db, user: &User, event_id: i64) -> Result<()> {
    let row = sqlx::query("SELECT 1 AS ok FROM reviewers WHERE event_id = $1 AND user_id = $2")
        .bind(event_id)
        .bind(user.id)
        .fetch_optional(db.read())
        .await?;
    if row.is_some() {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Who is speaking, as far as a reviewer may know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Speakers {
    /// Anonymous review: nothing about the speakers at all.
    Hidden,
    Shown(Vec<ReviewerSpeaker>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewerSpeaker {
    pub display_name: String,
    pub bio: String,
    pub company: String,
    pub links: Vec<String>,
}

/// A talk as a reviewer reads it: never the notes for organizers, never emails, and in
/// anonymous mode no speakers. A separate type (not [`talks::Talk`]) so that a page cannot
/// render what a reviewer must not see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewerTalk {
    pub id: i64,
    pub event_id: i64,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub description: String,
    pub state: State,
    pub session_type: Option<String>,
    pub minutes: Option<i64>,
    pub track: Option<String>,
    pub language: Option<Lang>,
    pub level: Option<Level>,
    /// `(question prompt, answer)`, in question order.
    pub answers: Vec<(String, String)>,
    pub speakers: Speakers,
}

/// A reviewer's reading of a talk. `Refused("own_talk")` for a talk they speak on;
/// `Forbidden` for non-reviewers and talks outside their tracks; `NotFound` for drafts and
/// withdrawn talks.
pub async fn talk_for_review(db: &Db, reviewer: &User, talk_id: i64) -> Result<ReviewerTalk> {
    let (talk, access) = talks::load(db, reviewer, talk_id).await?;
    let event_id = reviewable(db, reviewer, &talk, &access).await?;
    reviewer_talk(db, talk, event_id).await
}

/// Everything the review page of a talk shows its reviewer, in one call (the talk loaded and
/// checked once): the talk as [`talk_for_review`] gives it, the event's categories, the
/// reviewer's own review, and the others' as [`reviews_of`] gives them (`None` until the
/// reviewer may read them).
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewPage {
    pub talk: ReviewerTalk,
    pub categories: Vec<Category>,
    pub mine: Option<Review>,
    pub others: Option<Vec<Review>>,
}

/// The review page of a talk; refused as [`talk_for_review`] refuses.
pub async fn review_page(db: &Db, reviewer: &User, talk_id: i64) -> Result<ReviewPage> {
    let (talk, access) = talks::load(db, reviewer, talk_id).await?;
    let event_id = reviewable(db, reviewer, &talk, &access).await?;
    let talk = reviewer_talk(db, talk, event_id).await?;
    let all = reviews_of_talk(db, talk_id).await?;
    Ok(ReviewPage {
        talk,
        categories: categories(db, event_id).await?,
        mine: all.iter().find(|r| r.reviewer_id == reviewer.id).cloned(),
        others: visible(all, reviewer.id, access.organizer),
    })
}

/// A talk that `reviewable` let through, as its reviewer reads it.
async fn reviewer_talk(db: &Db, talk: talks::Talk, event_id: i64) -> Result<ReviewerTalk> {
    let talk_id = talk.id;
    let anonymous = cfp::get(db, event_id).await?.is_none_or(|c| c.anonymous_review);
    let row = sqlx::query(&format!(
        "SELECT st.name AS st_name, st.minutes AS st_minutes, tr.name AS tr_name \
         FROM talks t {LABEL_JOINS} WHERE t.id = $1"
    ))
    .bind(talk_id)
    .fetch_one(db.read())
    .await?;
    let answers = sqlx::query(
        "SELECT q.prompt, a.answer FROM talk_answers a JOIN cfp_questions q ON q.id = a.question_id \
         WHERE a.talk_id = $1 ORDER BY q.position, q.id",
    )
    .bind(talk_id)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("prompt")?, r.try_get("answer")?)))
    .collect::<Result<Vec<_>>>()?;
    let speakers = if anonymous {
        Speakers::Hidden
    } else {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM talk_speakers s JOIN users u ON u.id = s.user_id \
             LEFT JOIN speaker_profiles p ON p.user_id = u.id \
             WHERE s.talk_id = $1 ORDER BY s.joined_at, u.id",
            speakers::PUBLIC_COLUMNS
        ))
        .bind(talk_id)
        .fetch_all(db.read())
        .await?;
        Speakers::Shown(
            rows.iter()
                .map(|r| {
                    let p = speakers::PublicSpeaker::from_row(r)?;
                    Ok(ReviewerSpeaker {
                        display_name: p.display_name,
                        bio: p.bio,
                        company: p.company,
                        links: p.links,
                    })
                })
                .collect::<Result<_>>()?,
        )
    };
    Ok(ReviewerTalk {
        id: talk.id,
        event_id,
        title: talk.title,
        summary: talk.summary,
        description: talk.description,
        state: talk.state,
        session_type: row.try_get("st_name")?,
        minutes: row.try_get("st_minutes")?,
        track: row.try_get("tr_name")?,
        language: talk.language,
        level: talk.level,
        answers,
        speakers,
    })
}

/// Checks that `user` may review `talk`; returns its event.
async fn reviewable(db: &Db, user: &User, talk: &talks::Talk, access: &talks::Access) -> Result<i64> {
    let Some(event_id) = talk.event_id else {
        return Err(DomainError::Forbidden);
    };
    if !access.reviewer {
        return Err(DomainError::Forbidden);
    }
    if access.speaker {
        return Err(DomainError::Refused("own_talk"));
    }
    if matches!(talk.state, State::Draft | State::Withdrawn) {
        return Err(DomainError::NotFound);
    }
    let row = sqlx::query(&format!(
        "SELECT 1 AS ok FROM talks t WHERE t.id = $3 AND {REVIEWABLE}"
    ))
    .bind(event_id)
    .bind(user.id)
    .bind(talk.id)
    .fetch_optional(db.read())
    .await?;
    if row.is_none() {
        return Err(DomainError::Forbidden); // another track
    }
    Ok(event_id)
}

// ---------------------------------------------------------------------------------------------
// Reviews

#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub id: i64,
    pub talk_id: i64,
    pub reviewer_id: i64,
    /// Shown to organizers in every mode; to other reviewers once they submitted their own.
    pub reviewer_name: String,
    /// `(category id, score)`.
    pub scores: Vec<(i64, i64)>,
    /// Over the event's current category weights.
    pub weighted: Option<f64>,
    pub comment: String,
    pub submitted: bool,
    pub updated_at: Micros,
}

/// Checks scores against the event's categories (pure): each in [`MIN_SCORE`]..=[`MAX_SCORE`]
/// and of a known category; when submitting, every category scored.
pub fn check_scores(categories: &[Category], scores: &[(i64, i64)], submit: bool) -> Result<Vec<(i64, i64)>> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (category_id, score) in scores {
        if !categories.iter().any(|c| c.id == *category_id) {
            return Err(DomainError::invalid("scores", "unknown_category"));
        }
        if !(MIN_SCORE..=MAX_SCORE).contains(score) {
            return Err(DomainError::invalid("scores", "out_of_range"));
        }
        if !out.iter().any(|(c, _)| c == category_id) {
            out.push((*category_id, *score));
        }
    }
    if submit && categories.iter().any(|c| !out.iter().any(|(id, _)| *id == c.id)) {
        return Err(DomainError::invalid("scores", "required"));
    }
    Ok(out)
}

/// Saves the reviewer's review of a talk (creating it on first save); `submit` marks it
/// submitted, after which it stays submitted (it may still be corrected). Reviews change only
/// while the talk is submitted: `review_closed` after the decision. Also refused:
/// `no_review_categories` (submitting before organizers set categories), and everything
/// [`talk_for_review`] refuses.
pub async fn save_review(
    db: &Db,
    reviewer: &User,
    talk_id: i64,
    scores: &[(i64, i64)],
    comment: &str,
    submit: bool,
) -> Result<Review> {
    let (talk, access) = talks::load(db, reviewer, talk_id).await?;
    let event_id = reviewable(db, reviewer, &talk, &access).await?;
    if talk.state != State::Submitted {
        return Err(DomainError::Refused("review_closed"));
    }
    let categories = categories(db, event_id).await?;
    if submit && categories.is_empty() {
        return Err(DomainError::Refused("no_review_categories"));
    }
    let scores = check_scores(&categories, scores, submit)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(DomainError::invalid("comment", "too_long"));
    }
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let row = sqlx::query(
        "INSERT INTO reviews (talk_id, reviewer_id, comment, submitted, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (talk_id, reviewer_id) DO UPDATE SET comment = $3, \
           submitted = CASE WHEN reviews.submitted = 1 OR $4 = 1 THEN 1 ELSE 0 END, updated_at = $5 \
         RETURNING id",
    )
    .bind(talk_id)
    .bind(reviewer.id)
    .bind(comment)
    .bind(submit as i64)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let review_id: i64 = row.try_get("id")?;
    sqlx::query("DELETE FROM review_scores WHERE review_id = $1")
        .bind(review_id)
        .execute(&mut *tx)
        .await?;
    if !scores.is_empty() {
        let sql = format!(
            "INSERT INTO review_scores (review_id, category_id, score) VALUES {}",
            crate::db::values_placeholders(crate::db::Backend::of(&tx), scores.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (category_id, score) in &scores {
            q = q.bind(review_id).bind(*category_id).bind(*score);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    reviews_where(db, "r.id = $1", review_id)
        .await?
        .into_iter()
        .next()
        .ok_or(DomainError::NotFound)
}

/// Reviews matching `condition` on `reviews r` (`$1` = `param`), with scores and weights: two
/// queries.
async fn reviews_where(db: &Db, condition: &str, param: i64) -> Result<Vec<Review>> {
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.talk_id, r.reviewer_id, u.display_name, r.comment, r.submitted, r.updated_at \
         FROM reviews r JOIN users u ON u.id = r.reviewer_id WHERE {condition} ORDER BY r.id"
    ))
    .bind(param)
    .fetch_all(db.read())
    .await?;
    let mut scores: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT s.review_id, s.category_id, s.score, c.weight FROM review_scores s \
         JOIN reviews r ON r.id = s.review_id JOIN review_categories c ON c.id = s.category_id \
         WHERE {condition} ORDER BY s.review_id, c.position, c.id"
    ))
    .bind(param)
    .fetch_all(db.read())
    .await?
    {
        scores.entry(r.try_get("review_id")?).or_default().push((
            r.try_get("category_id")?,
            r.try_get("score")?,
            r.try_get("weight")?,
        ));
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let s = scores.remove(&id).unwrap_or_default();
            Ok(Review {
                id,
                talk_id: r.try_get("talk_id")?,
                reviewer_id: r.try_get("reviewer_id")?,
                reviewer_name: r.try_get("display_name")?,
                weighted: weighted_score(&s.iter().map(|(_, score, w)| (*w, *score)).collect::<Vec<_>>()),
                scores: s.into_iter().map(|(c, score, _)| (c, score)).collect(),
                comment: r.try_get("comment")?,
                submitted: r.try_get::<i64, _>("submitted")? != 0,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// The reviewer's own review of a talk, if started.
pub async fn my_review(db: &Db, reviewer: &User, talk_id: i64) -> Result<Option<Review>> {
    Ok(reviews_of_talk(db, talk_id)
        .await?
        .into_iter()
        .find(|r| r.reviewer_id == reviewer.id))
}

async fn reviews_of_talk(db: &Db, talk_id: i64) -> Result<Vec<Review>> {
    reviews_where(db, "r.talk_id = $1", talk_id).await
}

/// The reviews of a talk, as far as `reader` may see them:
/// - a speaker of the talk: `Forbidden`, even an organizer;
/// - an organizer: every submitted review, and their own draft if they review it too;
/// - a reviewer: `Refused("submit_your_review_first")` until their own review is submitted,
///   then every submitted review;
/// - anyone else: `Forbidden`.
///
/// A draft is read by nobody but its author; `submitted` tells the author's draft apart.
pub async fn reviews_of(db: &Db, reader: &User, talk_id: i64) -> Result<Vec<Review>> {
    let (talk, access) = talks::load(db, reader, talk_id).await?;
    if access.speaker {
        return Err(DomainError::Forbidden);
    }
    if !access.organizer {
        reviewable(db, reader, &talk, &access).await?;
    }
    visible(reviews_of_talk(db, talk_id).await?, reader.id, access.organizer)
        .ok_or(DomainError::Refused("submit_your_review_first"))
}

/// Of a talk's reviews, those `reader_id` may read (see [`reviews_of`]); `None` for a reviewer
/// who is no organizer and has not submitted their own yet. Pure.
fn visible(all: Vec<Review>, reader_id: i64, organizer: bool) -> Option<Vec<Review>> {
    if !organizer && !all.iter().any(|r| r.reviewer_id == reader_id && r.submitted) {
        return None;
    }
    Some(
        all.into_iter()
            .filter(|r| r.submitted || r.reviewer_id == reader_id)
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// The organizers' dashboard

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DashboardSort {
    /// Highest score first; talks without reviews last.
    #[default]
    Score,
    /// Fewest reviews first: where reviewers are needed.
    Reviews,
    /// Most disagreement first.
    Spread,
    Title,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DashboardFilter {
    pub track_id: Option<i64>,
    pub session_type_id: Option<i64>,
    /// `None`: every state but draft (drafts are their speakers' own).
    pub state: Option<State>,
    pub sort: DashboardSort,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DashboardRow {
    pub talk_id: i64,
    pub title: String,
    pub state: State,
    pub staged_decision: Option<Decision>,
    pub session_type: Option<String>,
    pub track: Option<String>,
    pub track_colour: Option<String>,
    pub language: Option<Lang>,
    pub level: Option<Level>,
    /// Display names, owner first.
    pub speakers: Vec<String>,
    pub submitted_at: Option<Micros>,
    /// Blank ([`ScoreSummary::default`]) when [`DashboardRow::own`].
    pub summary: ScoreSummary,
    /// The reader speaks on this talk: speakers never read its reviews, not even as
    /// organizers, so its score, spread and review count are left out.
    pub own: bool,
}

/// The review dashboard of an event (organizers): three queries whatever the number of talks
/// and reviews (talks; per-review weighted sums, aggregated in the database; speaker names).
/// Talks the actor speaks on come with a blank summary (see [`DashboardRow::own`]), before
/// sorting, so that not even their place in the order tells their score.
pub async fn dashboard(
    db: &Db,
    actor: &User,
    event_id: i64,
    filter: &DashboardFilter,
) -> Result<Vec<DashboardRow>> {
    cfp::organized_event(db, actor, event_id).await?;
    dashboard_rows(db, actor, event_id, filter).await
}

/// The rows of [`dashboard`], for an actor already checked to organize the event.
async fn dashboard_rows(
    db: &Db,
    actor: &User,
    event_id: i64,
    filter: &DashboardFilter,
) -> Result<Vec<DashboardRow>> {
    let talk_filter = "t.event_id = $1 AND ($2 = 0 OR t.track_id = $2) AND ($3 = 0 OR t.session_type_id = $3) \
        AND (($4 = '' AND t.state <> 'draft') OR t.state = $4)";
    fn bind<'q>(
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        event_id: i64,
        filter: &DashboardFilter,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        q.bind(event_id)
            .bind(filter.track_id.unwrap_or(0))
            .bind(filter.session_type_id.unwrap_or(0))
            .bind(filter.state.map(State::code).unwrap_or(""))
    }
    let mut conn = db.read().acquire().await?;
    let talk_sql = format!(
        "SELECT t.id, t.title, t.state, t.staged_decision, t.language, t.level, t.submitted_at, t.owner_id, \
           st.name AS st_name, tr.name AS tr_name, tr.colour AS tr_colour \
         FROM talks t {LABEL_JOINS} WHERE {talk_filter}"
    );
    let rows = bind(sqlx::query(&talk_sql), event_id, filter)
        .fetch_all(&mut *conn)
        .await?;
    // One row per submitted review: Σ weight × score and Σ weight, as BIGINT (PostgreSQL's
    // SUM of BIGINT is NUMERIC, which the Any driver cannot decode).
    let score_sql = format!(
        "SELECT r.talk_id, CAST(SUM(s.score * c.weight) AS BIGINT) AS num, CAST(SUM(c.weight) AS BIGINT) AS den \
         FROM talks t JOIN reviews r ON r.talk_id = t.id JOIN review_scores s ON s.review_id = r.id \
         JOIN review_categories c ON c.id = s.category_id \
         WHERE {talk_filter} AND r.submitted = 1 GROUP BY r.talk_id, r.id"
    );
    let mut per_talk: HashMap<i64, Vec<f64>> = HashMap::new();
    for r in bind(sqlx::query(&score_sql), event_id, filter)
        .fetch_all(&mut *conn)
        .await?
    {
        let (num, den): (i64, i64) = (r.try_get("num")?, r.try_get("den")?);
        if den > 0 {
            per_talk
                .entry(r.try_get("talk_id")?)
                .or_default()
                .push(num as f64 / den as f64);
        }
    }
    let speaker_sql = format!(
        "SELECT s.talk_id, s.user_id, u.display_name FROM talks t JOIN talk_speakers s ON s.talk_id = t.id \
         JOIN users u ON u.id = s.user_id WHERE {talk_filter} \
         ORDER BY s.talk_id, CASE WHEN s.user_id = t.owner_id THEN 0 ELSE 1 END, s.joined_at, u.id"
    );
    let mut speakers: HashMap<i64, Vec<String>> = HashMap::new();
    let mut own: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for r in bind(sqlx::query(&speaker_sql), event_id, filter)
        .fetch_all(&mut *conn)
        .await?
    {
        let talk_id: i64 = r.try_get("talk_id")?;
        if r.try_get::<i64, _>("user_id")? == actor.id {
            own.insert(talk_id);
        }
        speakers
            .entry(talk_id)
            .or_default()
            .push(r.try_get("display_name")?);
    }
    let mut out = rows
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            Ok(DashboardRow {
                talk_id: id,
                title: r.try_get("title")?,
                state: talks::parse_state(&r.try_get::<String, _>("state")?)?,
                staged_decision: r
                    .try_get::<Option<String>, _>("staged_decision")?
                    .as_deref()
                    .and_then(Decision::parse),
                session_type: r.try_get("st_name")?,
                track: r.try_get("tr_name")?,
                track_colour: r.try_get("tr_colour")?,
                language: Lang::parse(&r.try_get::<String, _>("language")?),
                level: Level::parse(&r.try_get::<String, _>("level")?),
                speakers: speakers.remove(&id).unwrap_or_default(),
                submitted_at: r.try_get("submitted_at")?,
                summary: if own.contains(&id) {
                    ScoreSummary::default()
                } else {
                    summarize(per_talk.get(&id).map(Vec::as_slice).unwrap_or(&[]))
                },
                own: own.contains(&id),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    sort_rows(&mut out, filter.sort);
    Ok(out)
}

/// How many talks of an event (drafts aside) have a staged decision, whatever a filter shows.
/// Organizers only.
pub async fn staged_count(db: &Db, actor: &User, event_id: i64) -> Result<i64> {
    cfp::organized_event(db, actor, event_id).await?;
    count_staged(db, event_id).await
}

async fn count_staged(db: &Db, event_id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM talks WHERE event_id = $1 AND state <> 'draft' AND staged_decision IS NOT NULL",
    )
    .bind(event_id)
    .fetch_one(db.read())
    .await?;
    Ok(row.try_get("n")?)
}

/// What the dashboard page shows, with the organizer check and the event load done once.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardPage {
    pub event: Event,
    pub rows: Vec<DashboardRow>,
    /// As [`staged_count`].
    pub staged: i64,
}

/// [`dashboard`] with its event and [`staged_count`]. Organizers only.
pub async fn dashboard_page(
    db: &Db,
    actor: &User,
    event_id: i64,
    filter: &DashboardFilter,
) -> Result<DashboardPage> {
    let event = cfp::organized_event(db, actor, event_id).await?;
    Ok(DashboardPage {
        rows: dashboard_rows(db, actor, event_id, filter).await?,
        staged: count_staged(db, event_id).await?,
        event,
    })
}

/// Sorts dashboard rows (pure); ties by talk id, so the order is stable between reloads.
pub fn sort_rows(rows: &mut [DashboardRow], sort: DashboardSort) {
    let desc = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    rows.sort_by(|a, b| {
        match sort {
            DashboardSort::Score => desc(a.summary.score, b.summary.score),
            DashboardSort::Spread => desc(a.summary.spread, b.summary.spread),
            DashboardSort::Reviews => a.summary.reviews.cmp(&b.summary.reviews),
            DashboardSort::Title => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
        }
        .then(a.talk_id.cmp(&b.talk_id))
    });
}

/// The dashboard as a [`crate::csv`] document (BOM, CRLF, defused cells): id, title,
/// speakers, state, staged, session type, track, language, level, reviews, score, spread.
/// Scores with two decimals and a dot; reviews, score and spread empty on the reader's own
/// talks.
pub fn dashboard_csv(rows: &[DashboardRow]) -> String {
    const HEADER: [&str; 12] = [
        "id",
        "title",
        "speakers",
        "state",
        "staged",
        "session_type",
        "track",
        "language",
        "level",
        "reviews",
        "score",
        "spread",
    ];
    let num = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let lines = rows.iter().map(|r| {
        vec![
            r.talk_id.to_string(),
            r.title.clone(),
            r.speakers.join("; "),
            r.state.code().to_owned(),
            r.staged_decision.map(Decision::code).unwrap_or("").to_owned(),
            r.session_type.clone().unwrap_or_default(),
            r.track.clone().unwrap_or_default(),
            r.language.map(Lang::code).unwrap_or("").to_owned(),
            r.level.map(Level::code).unwrap_or("").to_owned(),
            if r.own {
                String::new()
            } else {
                r.summary.reviews.to_string()
            },
            num(r.summary.score),
            num(r.summary.spread),
        ]
    });
    crate::csv::document(std::iter::once(HEADER.map(String::from).to_vec()).chain(lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weighted_scores() {
        assert_eq!(weighted_score(&[]), None);
        assert_eq!(weighted_score(&[(1, 4)]), Some(4.0));
        // Content (weight 3) 5, delivery (weight 1) 1: (15 + 1) / 4.
        assert_eq!(weighted_score(&[(3, 5), (1, 1)]), Some(4.0));
        assert_eq!(weighted_score(&[(2, 0), (2, 5)]), Some(2.5));
    }

    #[test]
    fn summaries() {
        assert_eq!(summarize(&[]), ScoreSummary::default());
        let s = summarize(&[4.0, 2.5, 3.0]);
        assert_eq!(s.reviews, 3);
        assert!((s.score.unwrap() - 9.5 / 3.0).abs() < 1e-9);
        assert_eq!(s.spread, Some(1.5));
        assert_eq!(summarize(&[3.0]).spread, Some(0.0));
    }

    proptest! {
        #[test]
        fn weighted_score_stays_within_the_scale(scores in prop::collection::vec((MIN_WEIGHT..=MAX_WEIGHT, MIN_SCORE..=MAX_SCORE), 1..8)) {
            let w = weighted_score(&scores).unwrap();
            let lo = scores.iter().map(|(_, s)| *s).min().unwrap() as f64;
            let hi = scores.iter().map(|(_, s)| *s).max().unwrap() as f64;
            prop_assert!((lo - 1e-9..=hi + 1e-9).contains(&w));
        }

        #[test]
        fn summary_bounds(xs in prop::collection::vec(0.0f64..=5.0, 1..20)) {
            let s = summarize(&xs);
            let mean = s.score.unwrap();
            prop_assert!((-1e-9..=5.0 + 1e-9).contains(&mean));
            prop_assert!(s.spread.unwrap() >= 0.0 && s.spread.unwrap() <= 5.0);
        }
    }

    fn category(id: i64) -> Category {
        Category {
            id,
            event_id: 1,
            name: format!("c{id}"),
            weight: 1,
            position: id,
        }
    }

    #[test]
    fn score_checks() {
        let cats = [category(1), category(2)];
        assert_eq!(check_scores(&cats, &[(1, 5)], false).unwrap(), vec![(1, 5)]);
        assert!(matches!(
            check_scores(&cats, &[(1, 5)], true),
            Err(DomainError::Invalid {
                field: "scores",
                code: "required"
            })
        ));
        assert!(matches!(
            check_scores(&cats, &[(1, 6), (2, 1)], true),
            Err(DomainError::Invalid {
                code: "out_of_range",
                ..
            })
        ));
        assert!(matches!(
            check_scores(&cats, &[(3, 1)], false),
            Err(DomainError::Invalid {
                code: "unknown_category",
                ..
            })
        ));
        assert!(check_scores(&cats, &[(1, 0), (2, 5)], true).is_ok());
    }

    fn review(id: i64, reviewer_id: i64, submitted: bool) -> Review {
        Review {
            id,
            talk_id: 1,
            reviewer_id,
            reviewer_name: format!("r{reviewer_id}"),
            scores: vec![],
            weighted: None,
            comment: String::new(),
            submitted,
            updated_at: 0,
        }
    }

    #[test]
    fn drafts_are_read_by_their_author_alone() {
        let all = || vec![review(1, 10, true), review(2, 20, false), review(3, 30, false)];
        let ids = |v: Option<Vec<Review>>| v.map(|v| v.iter().map(|r| r.id).collect::<Vec<_>>());
        // An organizer who does not review: the submitted ones only.
        assert_eq!(ids(visible(all(), 99, true)), Some(vec![1]));
        // An organizer who reviews too: also their own draft, never another's.
        assert_eq!(ids(visible(all(), 20, true)), Some(vec![1, 2]));
        // A reviewer: nothing before submitting, then the submitted ones.
        assert_eq!(ids(visible(all(), 20, false)), None);
        assert_eq!(ids(visible(all(), 10, false)), Some(vec![1]));
    }

    fn row(id: i64, title: &str, scores: &[f64]) -> DashboardRow {
        DashboardRow {
            talk_id: id,
            title: title.into(),
            state: State::Submitted,
            staged_decision: None,
            session_type: None,
            track: None,
            track_colour: None,
            language: None,
            level: None,
            speakers: vec!["Ann".into(), "=cmd".into()],
            submitted_at: None,
            summary: summarize(scores),
            own: false,
        }
    }

    #[test]
    fn sorting_and_csv() {
        let mut rows = vec![
            row(1, "b", &[]),
            row(2, "A, \"quoted\"", &[2.0]),
            row(3, "c", &[4.0, 1.0]),
        ];
        sort_rows(&mut rows, DashboardSort::Score);
        assert_eq!(rows.iter().map(|r| r.talk_id).collect::<Vec<_>>(), vec![3, 2, 1]);
        sort_rows(&mut rows, DashboardSort::Spread);
        assert_eq!(rows[0].talk_id, 3);
        sort_rows(&mut rows, DashboardSort::Reviews);
        assert_eq!(rows.iter().map(|r| r.talk_id).collect::<Vec<_>>(), vec![1, 2, 3]);
        sort_rows(&mut rows, DashboardSort::Title);
        assert_eq!(rows[0].talk_id, 2);
        let csv = dashboard_csv(&rows);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}id,title"));
        assert_eq!(
            lines[1],
            "2,\"A, \"\"quoted\"\"\",Ann; =cmd,submitted,,,,,,1,2.00,0.00"
        );
        assert_eq!(lines[3], "3,c,Ann; =cmd,submitted,,,,,,2,2.50,3.00");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
    }
}
