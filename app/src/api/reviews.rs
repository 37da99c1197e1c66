//! Review server functions: the organizers' dashboard with staged decisions, and the
//! reviewers' queue and review form.
//!
//! What a reviewer may read is decided by `sbor_domain::reviews` (the anonymous mode, the
//! "submit your own first" rule); these functions only pass on what it returns, so the JSON a
//! server function answers with holds no more than the page shows.

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::done;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardLine {
    pub talk_id: i64,
    pub title: String,
    pub speakers: String,
    pub state: String,
    /// `accept`, `reject` or empty.
    pub staged: String,
    pub session_type: String,
    pub track: String,
    /// `#rrggbb` (checked by the rules layer) or empty.
    pub track_colour: String,
    pub reviews: i64,
    /// Weighted score with two decimals, empty without reviews.
    pub score: String,
    pub spread: String,
    /// The caller speaks on this talk: the rules layer left reviews, score and spread out.
    pub own: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub event_id: i64,
    pub event_title: String,
    pub lines: Vec<DashboardLine>,
    pub tracks: Vec<(i64, String)>,
    pub session_types: Vec<(i64, String)>,
    /// Talks of the event with a staged decision (whatever the filter).
    pub staged: i64,
    pub track: String,
    pub kind: String,
    pub state: String,
    pub sort: String,
}

#[cfg(feature = "ssr")]
fn parse_filter(track: &str, kind: &str, state: &str, sort: &str) -> sbor_domain::reviews::DashboardFilter {
    use sbor_domain::reviews::{DashboardFilter, DashboardSort};
    DashboardFilter {
        track_id: track.parse().ok().filter(|i| *i > 0),
        session_type_id: kind.parse().ok().filter(|i| *i > 0),
        state: sbor_domain::talks::State::parse(state),
        sort: match sort {
            "reviews" => DashboardSort::Reviews,
            "spread" => DashboardSort::Spread,
            "title" => DashboardSort::Title,
            _ => DashboardSort::Score,
        },
    }
}

/// The review dashboard of an event, filtered and sorted by the query of its URL. Organizers
/// only.
#[server(endpoint = "talks_dashboard")]
pub async fn talks_dashboard(
    event_id: i64,
    track: String,
    kind: String,
    state: String,
    sort: String,
) -> Result<DashboardView, AppError> {
    use sbor_domain::{cfp, reviews};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let filter = parse_filter(&track, &kind, &state, &sort);
    // One call: the organizer check and the event once, the staged count (over the whole
    // event, whatever the filter) by one COUNT.
    let page = reviews::dashboard_page(&ctx.db, &user, event_id, &filter).await?;
    let num = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    Ok(DashboardView {
        event_id,
        event_title: page.event.title,
        lines: page
            .rows
            .into_iter()
            .map(|r| DashboardLine {
                talk_id: r.talk_id,
                title: r.title,
                speakers: r.speakers.join(", "),
                state: r.state.code().to_owned(),
                staged: r.staged_decision.map(|d| d.code()).unwrap_or("").to_owned(),
                session_type: r.session_type.unwrap_or_default(),
                track: r.track.unwrap_or_default(),
                track_colour: r.track_colour.unwrap_or_default(),
                reviews: r.summary.reviews,
                score: num(r.summary.score),
                spread: num(r.summary.spread),
                own: r.own,
            })
            .collect(),
        tracks: cfp::tracks(&ctx.db, event_id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
        session_types: cfp::session_types(&ctx.db, event_id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
        staged: page.staged,
        track: filter.track_id.map(|i| i.to_string()).unwrap_or_default(),
        kind: filter.session_type_id.map(|i| i.to_string()).unwrap_or_default(),
        state: filter.state.map(|s| s.code().to_owned()).unwrap_or_default(),
        sort: match filter.sort {
            reviews::DashboardSort::Score => "score",
            reviews::DashboardSort::Reviews => "reviews",
            reviews::DashboardSort::Spread => "spread",
            reviews::DashboardSort::Title => "title",
        }
        .to_owned(),
    })
}

/// Stages `accept` or `reject` on a submitted talk, or clears the staged decision (`clear`).
/// Organizers only (the rules layer checks); nothing is mailed until the decisions are applied.
#[server(endpoint = "stage_talk_decision")]
pub async fn stage_talk_decision(talk_id: i64, decision: String) -> Result<(), AppError> {
    use sbor_domain::talks::{self, Decision};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let decision = match decision.as_str() {
        "clear" => None,
        d => Some(Decision::parse(d).ok_or(AppError::Refused("invalid_action".into()))?),
    };
    let talk = talks::stage_decision(&ctx.db, &user, talk_id, decision).await?;
    let fallback = format!("/e/{}/talks", talk.event_id.unwrap_or(0));
    done(&ctx, Some("decision_staged"), &super::back_to(&fallback));
    Ok(())
}

/// Applies every staged decision of an event and queues the decision mails (each talk and
/// speaker once, however often this is pressed).
#[server(endpoint = "apply_talk_decisions")]
pub async fn apply_talk_decisions(event_id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let applied = sbor_domain::talks::apply_staged(&ctx.db, &ctx.site, &user, event_id).await?;
    ctx.mail_queued.notify_one();
    let flash = if applied.accepted + applied.rejected > 0 {
        "decisions_applied"
    } else {
        "no_decisions_staged"
    };
    done(&ctx, Some(flash), &format!("/e/{event_id}/talks"));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueLine {
    pub talk_id: i64,
    pub title: String,
    pub state: String,
    pub session_type: String,
    pub track: String,
    /// `none`, `draft` or `submitted`.
    pub my_review: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub event_id: i64,
    pub event_title: String,
    pub lines: Vec<QueueLine>,
}

/// The events the caller reviews, `(id, title)`, soonest first; empty for everyone else.
#[server(endpoint = "events_to_review")]
pub async fn events_to_review() -> Result<Vec<(i64, String)>, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    Ok(sbor_domain::reviews::events_to_review(&ctx.db, &user).await?)
}

/// The talks the caller reviews in an event. Reviewers only.
#[server(endpoint = "review_queue")]
pub async fn review_queue(event_id: i64) -> Result<QueueView, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let items = sbor_domain::reviews::review_queue(&ctx.db, &user, event_id).await?;
    let event = sbor_domain::events::get(&ctx.db, event_id).await?;
    Ok(QueueView {
        event_id,
        event_title: event.title,
        lines: items
            .into_iter()
            .map(|i| QueueLine {
                talk_id: i.talk_id,
                title: i.title,
                state: i.state.code().to_owned(),
                session_type: i.session_type.unwrap_or_default(),
                track: i.track.unwrap_or_default(),
                my_review: match i.my_review {
                    None => "none",
                    Some(false) => "draft",
                    Some(true) => "submitted",
                }
                .to_owned(),
            })
            .collect(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeakerForReview {
    pub name: String,
    pub bio_html: String,
    pub company: String,
    pub links: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category_id: i64,
    pub name: String,
    pub weight: i64,
    /// The caller's score, if given.
    pub mine: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtherReview {
    pub reviewer: String,
    /// `(category name, score)`.
    pub scores: Vec<(String, i64)>,
    pub weighted: String,
    pub comment: String,
    /// False only for the caller's own draft (nobody reads another's draft).
    pub submitted: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub talk_id: i64,
    pub event_id: i64,
    pub title: String,
    pub summary: String,
    pub description_html: String,
    pub state: String,
    pub session_type: String,
    pub minutes: Option<i64>,
    pub track: String,
    pub language: String,
    pub level: String,
    pub answers: Vec<(String, String)>,
    /// `None` in anonymous review: nothing about the speakers is sent at all.
    pub speakers: Option<Vec<SpeakerForReview>>,
    pub categories: Vec<CategoryScore>,
    pub comment: String,
    /// `none`, `draft` or `submitted`.
    pub my_status: String,
    /// Reviews may still change (the talk is not decided).
    pub open: bool,
    /// The reviews the caller may read (`sbor_domain::reviews::reviews_of`): every submitted
    /// review once the caller submitted theirs, `None` before; organizers read the submitted
    /// ones at once, and their own draft. Nobody reads another's draft.
    pub others: Option<Vec<OtherReview>>,
}

/// A talk as the caller may review it, with their review and, once they submitted it, the
/// others'. Reviewers only; speakers of the talk are refused by the rules layer.
#[server(endpoint = "review_page")]
pub async fn review_page(talk_id: i64) -> Result<ReviewView, AppError> {
    use sbor_domain::reviews::{self, Speakers};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let reviews::ReviewPage {
        talk,
        categories,
        mine,
        others,
    } = reviews::review_page(&ctx.db, &user, talk_id).await?;
    let names: HashMap<i64, String> = categories.iter().map(|c| (c.id, c.name.clone())).collect();
    let score_of = |id: i64| {
        mine.as_ref()
            .and_then(|r| r.scores.iter().find(|(c, _)| *c == id).map(|(_, s)| *s))
    };
    Ok(ReviewView {
        talk_id,
        event_id: talk.event_id,
        description_html: sbor_domain::markdown::to_safe_html(&talk.description),
        title: talk.title,
        summary: talk.summary,
        state: talk.state.code().to_owned(),
        session_type: talk.session_type.unwrap_or_default(),
        minutes: talk.minutes,
        track: talk.track.unwrap_or_default(),
        language: talk.language.map(|l| l.code()).unwrap_or("").to_owned(),
        level: talk.level.map(|l| l.code()).unwrap_or("").to_owned(),
        answers: talk.answers,
        speakers: match talk.speakers {
            Speakers::Hidden => None,
            Speakers::Shown(list) => Some(
                list.into_iter()
                    .map(|s| SpeakerForReview {
                        name: s.display_name,
                        bio_html: sbor_domain::markdown::to_safe_html(&s.bio),
                        company: s.company,
                        links: s.links,
                    })
                    .collect(),
            ),
        },
        categories: categories
            .iter()
            .map(|c| CategoryScore {
                category_id: c.id,
                name: c.name.clone(),
                weight: c.weight,
                mine: score_of(c.id),
            })
            .collect(),
        comment: mine.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
        my_status: match &mine {
            None => "none",
            Some(r) if r.submitted => "submitted",
            Some(_) => "draft",
        }
        .to_owned(),
        open: talk.state == sbor_domain::talks::State::Submitted,
        others: others.map(|list| {
            list.into_iter()
                .map(|r| OtherReview {
                    reviewer: r.reviewer_name,
                    scores: r
                        .scores
                        .iter()
                        .map(|(c, s)| (names.get(c).cloned().unwrap_or_default(), *s))
                        .collect(),
                    weighted: r.weighted.map(|w| format!("{w:.2}")).unwrap_or_default(),
                    comment: r.comment,
                    submitted: r.submitted,
                })
                .collect()
        }),
    })
}

/// Saves the caller's review; `intent` = `submit` also submits it. Scores come as
/// `scores[<category id>]=<0..5>`; an empty value is "not scored yet".
#[server(endpoint = "save_review")]
pub async fn save_review(
    talk_id: i64,
    comment: String,
    scores: Option<HashMap<String, String>>,
    intent: Option<String>,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let mut parsed = Vec::new();
    for (category, score) in scores.unwrap_or_default() {
        let score = score.trim();
        if score.is_empty() {
            continue;
        }
        let (Ok(c), Ok(s)) = (category.parse::<i64>(), score.parse::<i64>()) else {
            return Err(AppError::Field {
                field: "scores".into(),
                code: "out_of_range".into(),
            });
        };
        parsed.push((c, s));
    }
    parsed.sort();
    let submit = intent.as_deref() == Some("submit");
    sbor_domain::reviews::save_review(&ctx.db, &user, talk_id, &parsed, &comment, submit).await?;
    done(
        &ctx,
        Some(if submit {
            "review_submitted"
        } else {
            "review_saved"
        }),
        &format!("/review/{talk_id}"),
    );
    Ok(())
}
