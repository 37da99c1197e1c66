//! The organizers' side of a call for papers: the CfP itself, session types, tracks, extra
//! questions, review categories, reviewers and decision mail templates. Every function checks
//! through the rules layer that the caller organizes the event.

// `save_cfp` takes one argument per form field (checkboxes included); the `server` macro
// repeats them in the client function it generates, where an item-level allow does not reach.
#![allow(clippy::too_many_arguments)]

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::done;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionTypeLine {
    pub id: i64,
    pub name: String,
    pub minutes: i64,
    /// Local to the event's zone, or empty.
    pub deadline: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionLine {
    pub id: i64,
    pub prompt: String,
    pub kind: String,
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewerLine {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// Names of the tracks they are limited to; empty = all.
    pub tracks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateLine {
    /// `accept` or `reject`.
    pub decision: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CfpAdminView {
    pub event_id: i64,
    pub event_title: String,
    pub time_zone: String,
    pub has_cfp: bool,
    pub opens_at: String,
    pub closes_at: String,
    pub description: String,
    pub languages: Vec<String>,
    pub levels: Vec<String>,
    pub anonymous_review: bool,
    pub late_edits: bool,
    pub confirm_days: i64,
    pub session_types: Vec<SessionTypeLine>,
    pub tracks: Vec<(i64, String, String)>,
    pub questions: Vec<QuestionLine>,
    pub categories: Vec<(i64, String, i64)>,
    pub reviewers: Vec<ReviewerLine>,
    pub templates: Vec<TemplateLine>,
    pub placeholders: Vec<String>,
}

/// Field errors of the small forms get a prefix, so that each form's fields (and element ids)
/// stay apart on the one page.
#[cfg(feature = "ssr")]
fn prefixed(prefix: &str, e: sbor_domain::DomainError) -> AppError {
    match AppError::from(e) {
        AppError::Field { field, code } => AppError::Field {
            field: format!("{prefix}_{field}"),
            code,
        },
        other => other,
    }
}

/// The page shows one item's edit form at a time (`?edit=track-5`), whose fields are all
/// `edit_…`; the add form of each list keeps its own prefix.
#[cfg(feature = "ssr")]
fn edit_prefix(id: Option<i64>, add_prefix: &'static str) -> &'static str {
    if id.is_some() { "edit" } else { add_prefix }
}

#[cfg(feature = "ssr")]
fn number(raw: &str, field: &str) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| AppError::Field {
        field: field.into(),
        code: "invalid_number".into(),
    })
}

#[cfg(feature = "ssr")]
fn back(ctx: &ssr::ServerCtx, event_id: i64, anchor: &str) {
    done(ctx, Some("saved"), &format!("/e/{event_id}/cfp/edit#{anchor}"));
}

/// Everything the CfP page shows. Organizers only.
#[server(endpoint = "cfp_admin_page")]
pub async fn cfp_admin_page(event_id: i64) -> Result<CfpAdminView, AppError> {
    use sbor_domain::talks::Decision;
    use sbor_domain::{cfp, events, reviews};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let event = events::get(&ctx.db, event_id).await?;
    // Organizers only: the reviewer list is theirs (and checks it).
    let reviewer_list = reviews::reviewers(&ctx.db, &user, event_id).await?;
    let c = cfp::get(&ctx.db, event_id).await?;
    let tracks = cfp::tracks(&ctx.db, event_id).await?;
    let mut templates = Vec::new();
    for d in [Decision::Accept, Decision::Reject] {
        let t = cfp::decision_template(&ctx.db, event_id, d).await?;
        templates.push(TemplateLine {
            decision: d.code().to_owned(),
            subject: t.as_ref().map(|t| t.subject.clone()).unwrap_or_default(),
            body: t.map(|t| t.body).unwrap_or_default(),
        });
    }
    let week = 7 * sbor_domain::clock::DAY;
    let now = sbor_domain::clock::now();
    Ok(CfpAdminView {
        event_id,
        time_zone: event.time_zone.clone(),
        has_cfp: c.is_some(),
        opens_at: event.local_input(c.as_ref().map_or(now, |c| c.opens_at)),
        closes_at: event.local_input(
            c.as_ref()
                .map_or((event.starts_at - week).max(now + week), |c| c.closes_at),
        ),
        description: c.as_ref().map(|c| c.description.clone()).unwrap_or_default(),
        languages: c.as_ref().map_or(vec!["en".into(), "ru".into()], |c| {
            c.languages.iter().map(|l| l.code().to_owned()).collect()
        }),
        levels: c.as_ref().map_or(
            sbor_domain::cfp::Level::ALL
                .iter()
                .map(|l| l.code().to_owned())
                .collect(),
            |c| c.levels.iter().map(|l| l.code().to_owned()).collect(),
        ),
        anonymous_review: c.as_ref().is_some_and(|c| c.anonymous_review),
        late_edits: c.as_ref().is_some_and(|c| c.late_edits),
        confirm_days: c.as_ref().map_or(7, |c| c.confirm_days),
        session_types: cfp::session_types(&ctx.db, event_id)
            .await?
            .into_iter()
            .map(|s| SessionTypeLine {
                id: s.id,
                name: s.name,
                minutes: s.minutes,
                deadline: s.deadline.map(|d| event.local_input(d)).unwrap_or_default(),
            })
            .collect(),
        questions: cfp::questions(&ctx.db, event_id)
            .await?
            .into_iter()
            .map(|q| QuestionLine {
                id: q.id,
                prompt: q.prompt,
                kind: q.kind.code().to_owned(),
                options: q.options,
                required: q.required,
            })
            .collect(),
        categories: reviews::categories(&ctx.db, event_id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name, c.weight))
            .collect(),
        reviewers: reviewer_list
            .into_iter()
            .map(|r| ReviewerLine {
                user_id: r.user_id,
                name: r.display_name,
                email: r.email,
                tracks: r
                    .track_ids
                    .iter()
                    .filter_map(|id| tracks.iter().find(|t| t.id == *id).map(|t| t.name.clone()))
                    .collect(),
            })
            .collect(),
        tracks: tracks.into_iter().map(|t| (t.id, t.name, t.colour)).collect(),
        templates,
        placeholders: sbor_domain::mail_templates::TALK_PLACEHOLDERS
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect(),
        event_title: event.title,
    })
}

/// Opens or changes the CfP. Times are local to the event's zone (`2026-12-01T10:00`).
#[server(endpoint = "save_cfp")]
pub async fn save_cfp(
    event_id: i64,
    opens_at: String,
    closes_at: String,
    description: String,
    lang_en: Option<String>,
    lang_ru: Option<String>,
    level_beginner: Option<String>,
    level_intermediate: Option<String>,
    level_advanced: Option<String>,
    anonymous_review: Option<String>,
    late_edits: Option<String>,
    confirm_days: String,
) -> Result<(), AppError> {
    use sbor_domain::Lang;
    use sbor_domain::cfp::{self, Level};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let event = sbor_domain::events::get(&ctx.db, event_id).await?;
    let (opens, closes) = cfp::parse_window(&event, &opens_at, &closes_at)?;
    let mut languages = Vec::new();
    for (on, l) in [(&lang_en, Lang::En), (&lang_ru, Lang::Ru)] {
        if on.is_some() {
            languages.push(l);
        }
    }
    let levels = [
        (&level_beginner, Level::Beginner),
        (&level_intermediate, Level::Intermediate),
        (&level_advanced, Level::Advanced),
    ]
    .into_iter()
    .filter(|(on, _)| on.is_some())
    .map(|(_, l)| l)
    .collect();
    let input = cfp::CfpInput {
        opens_at: opens,
        closes_at: closes,
        description: &description,
        languages,
        levels,
        anonymous_review: anonymous_review.is_some(),
        late_edits: late_edits.is_some(),
        confirm_days: number(&confirm_days, "confirm_days")?,
    };
    match cfp::set(&ctx.db, &user, event_id, input).await {
        // The shared code speaks of RSVP; the CfP has its own words.
        Err(sbor_domain::DomainError::Invalid {
            field: "closes_at",
            code: "closes_before_opens",
        }) => {
            return Err(AppError::Field {
                field: "closes_at".into(),
                code: "cfp_closes_before_opens".into(),
            });
        }
        other => other?,
    };
    back(&ctx, event_id, "cfp");
    Ok(())
}

/// Adds a session type, or changes session type `id` of the event.
#[server(endpoint = "save_session_type")]
pub async fn save_session_type(
    event_id: i64,
    id: Option<i64>,
    name: String,
    minutes: String,
    deadline: String,
) -> Result<(), AppError> {
    use sbor_domain::cfp;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let prefix = edit_prefix(id, "type");
    let event = sbor_domain::events::get(&ctx.db, event_id).await?;
    let deadline = match deadline.trim() {
        "" => None,
        d => Some(
            sbor_domain::events::parse_local(d, event.tz(), "deadline").map_err(|e| prefixed(prefix, e))?,
        ),
    };
    let input = cfp::SessionTypeInput {
        name: &name,
        minutes: number(&minutes, &format!("{prefix}_minutes"))?,
        deadline,
    };
    match id {
        Some(id) => cfp::update_session_type(&ctx.db, &user, event_id, id, input)
            .await
            .map(drop),
        None => cfp::add_session_type(&ctx.db, &user, event_id, input)
            .await
            .map(drop),
    }
    .map_err(|e| prefixed(prefix, e))?;
    back(&ctx, event_id, "types");
    Ok(())
}

/// Deletes a session type, track, question or review category (`what`) of the event.
#[server(endpoint = "delete_cfp_item")]
pub async fn delete_cfp_item(event_id: i64, what: String, id: i64) -> Result<(), AppError> {
    use sbor_domain::{cfp, reviews};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    // The rules layer checks that the caller organizes this event and deletes the item only
    // if it is this event's (`NotFound` otherwise).
    let anchor = match what.as_str() {
        "session_type" => {
            cfp::delete_session_type(&ctx.db, &user, event_id, id).await?;
            "types"
        }
        "track" => {
            cfp::delete_track(&ctx.db, &user, event_id, id).await?;
            "tracks"
        }
        "question" => {
            cfp::delete_question(&ctx.db, &user, event_id, id).await?;
            "questions"
        }
        "category" => {
            reviews::delete_category(&ctx.db, &user, event_id, id).await?;
            "categories"
        }
        _ => return Err(AppError::Refused("invalid_action".into())),
    };
    back(&ctx, event_id, anchor);
    Ok(())
}

/// Adds a track, or changes track `id` of the event.
#[server(endpoint = "save_track")]
pub async fn save_track(
    event_id: i64,
    id: Option<i64>,
    name: String,
    colour: String,
) -> Result<(), AppError> {
    use sbor_domain::cfp;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    match id {
        Some(id) => cfp::update_track(&ctx.db, &user, event_id, id, &name, &colour).await,
        None => cfp::add_track(&ctx.db, &user, event_id, &name, &colour).await,
    }
    .map_err(|e| prefixed(edit_prefix(id, "track"), e))?;
    back(&ctx, event_id, "tracks");
    Ok(())
}

/// Adds an extra question, or changes question `id` of the event.
#[server(endpoint = "save_cfp_question")]
pub async fn save_cfp_question(
    event_id: i64,
    id: Option<i64>,
    prompt: String,
    kind: String,
    options: String,
    required: Option<String>,
) -> Result<(), AppError> {
    use sbor_domain::cfp;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let prefix = edit_prefix(id, "question");
    let kind = cfp::QuestionKind::parse(&kind).ok_or(AppError::Field {
        field: format!("{prefix}_kind"),
        code: "required".into(),
    })?;
    let input = cfp::QuestionInput {
        prompt: &prompt,
        kind,
        options: &options,
        required: required.is_some(),
    };
    match id {
        Some(id) => cfp::update_question(&ctx.db, &user, event_id, id, input).await,
        None => cfp::add_question(&ctx.db, &user, event_id, input).await,
    }
    .map_err(|e| prefixed(prefix, e))?;
    back(&ctx, event_id, "questions");
    Ok(())
}

/// Adds a review category, or changes category `id` of the event.
#[server(endpoint = "save_review_category")]
pub async fn save_review_category(
    event_id: i64,
    id: Option<i64>,
    name: String,
    weight: String,
) -> Result<(), AppError> {
    use sbor_domain::reviews;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let prefix = edit_prefix(id, "category");
    let weight = number(&weight, &format!("{prefix}_weight"))?;
    match id {
        Some(id) => reviews::update_category(&ctx.db, &user, event_id, id, &name, weight).await,
        None => reviews::add_category(&ctx.db, &user, event_id, &name, weight).await,
    }
    .map_err(|e| prefixed(prefix, e))?;
    back(&ctx, event_id, "categories");
    Ok(())
}

/// Makes an account a reviewer of the event, limited to the tracks ticked as
/// `tracks[<id>]=on` (none ticked: all tracks).
#[server(endpoint = "assign_reviewer")]
pub async fn assign_reviewer(
    event_id: i64,
    email: String,
    tracks: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let mut ids: Vec<i64> = tracks
        .unwrap_or_default()
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect();
    ids.sort_unstable();
    sbor_domain::reviews::assign_reviewer(&ctx.db, &user, event_id, &email, &ids)
        .await
        .map_err(|e| prefixed("reviewer", e))?;
    back(&ctx, event_id, "reviewers");
    Ok(())
}

#[server(endpoint = "remove_reviewer")]
pub async fn remove_reviewer(event_id: i64, user_id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::reviews::remove_reviewer(&ctx.db, &user, event_id, user_id).await?;
    back(&ctx, event_id, "reviewers");
    Ok(())
}

/// Saves the wording of the `accept` or `reject` mail; both empty = the built-in text.
#[server(endpoint = "save_decision_template")]
pub async fn save_decision_template(
    event_id: i64,
    decision: String,
    subject: String,
    body: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let d =
        sbor_domain::talks::Decision::parse(&decision).ok_or(AppError::Refused("invalid_action".into()))?;
    sbor_domain::cfp::set_decision_template(&ctx.db, &user, event_id, d, &subject, &body)
        .await
        .map_err(|e| prefixed(&decision, e))?;
    back(&ctx, event_id, "templates");
    Ok(())
}
