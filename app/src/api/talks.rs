//! Talk server functions for speakers and the public: the CfP page and submission, "My talks",
//! a speaker's talk page with its actions, co-speaker invitations, the speaker profile, the
//! community's talk pool, and the public talk and speaker pages.
//!
//! Every function checks the caller itself (the domain's `detail`, `act`, `update`, … refuse
//! strangers); none returns reviews, and only the talk's own speakers and organizers ever get
//! its notes for organizers.

// The talk forms post many fields; the `#[server]` macro copies the argument list into
// generated client code, where an item-level `allow` does not reach.
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
pub struct SessionTypeView {
    pub id: i64,
    pub name: String,
    pub minutes: i64,
    /// Its own deadline in the event's zone, if it has one.
    pub deadline: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackView {
    pub id: i64,
    pub name: String,
    pub colour: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: i64,
    pub prompt: String,
    /// `text` or `choice`.
    pub kind: String,
    pub options: Vec<String>,
    pub required: bool,
}

/// What a talk form offers for one event (empty lists for the pool).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TalkFormView {
    pub session_types: Vec<SessionTypeView>,
    pub tracks: Vec<TrackView>,
    /// Language codes.
    pub languages: Vec<String>,
    /// Level codes.
    pub levels: Vec<String>,
    pub questions: Vec<QuestionView>,
}

/// The limits shown next to the fields, from the rules layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TalkLimits {
    pub title: usize,
    pub summary: usize,
    pub description: usize,
    pub notes: usize,
    pub answer: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CfpView {
    pub event_id: i64,
    pub event_title: String,
    pub community_name: String,
    pub community_slug: String,
    /// `not_open_yet`, `open` or `closed`.
    pub status: String,
    pub opens: String,
    pub closes: String,
    pub time_zone: String,
    pub description_html: String,
    pub form: TalkFormView,
    pub limits: TalkLimits,
    /// What the visitor typed last time when the rules refused it (kept for an hour).
    pub kept: Option<TalkValues>,
}

/// The values of a talk form: a talk's own when editing it, a refused proposal's input as
/// typed (kept for its author), or empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TalkValues {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub notes: String,
    pub session_type_id: Option<i64>,
    pub track_id: Option<i64>,
    pub language: String,
    pub level: String,
    pub answers: Vec<(i64, String)>,
}

/// The stash key of an event's CfP form.
#[cfg(feature = "ssr")]
fn cfp_form_key(event_id: i64) -> String {
    format!("cfp:{event_id}")
}

#[cfg(feature = "ssr")]
fn limits() -> TalkLimits {
    use sbor_domain::talks as t;
    TalkLimits {
        title: t::MAX_TITLE,
        summary: t::MAX_SUMMARY,
        description: t::MAX_DESCRIPTION,
        notes: t::MAX_NOTES,
        answer: t::MAX_ANSWER,
    }
}

#[cfg(feature = "ssr")]
fn status_code(s: sbor_domain::cfp::CfpStatus) -> &'static str {
    use sbor_domain::cfp::CfpStatus;
    match s {
        CfpStatus::NotOpenYet => "not_open_yet",
        CfpStatus::Open => "open",
        CfpStatus::Closed => "closed",
    }
}

#[cfg(feature = "ssr")]
fn form_view(f: &sbor_domain::cfp::CfpForm) -> TalkFormView {
    let tz = f.event.tz();
    TalkFormView {
        session_types: f
            .session_types
            .iter()
            .map(|s| SessionTypeView {
                id: s.id,
                name: s.name.clone(),
                minutes: s.minutes,
                deadline: s.deadline.map(|d| sbor_domain::clock::local(d, tz)),
            })
            .collect(),
        tracks: f
            .tracks
            .iter()
            .map(|t| TrackView {
                id: t.id,
                name: t.name.clone(),
                colour: t.colour.clone(),
            })
            .collect(),
        languages: f.cfp.languages.iter().map(|l| l.code().to_owned()).collect(),
        levels: f.cfp.levels.iter().map(|l| l.code().to_owned()).collect(),
        questions: f
            .questions
            .iter()
            .map(|q| QuestionView {
                id: q.id,
                prompt: q.prompt.clone(),
                kind: q.kind.code().to_owned(),
                options: q.options.clone(),
                required: q.required,
            })
            .collect(),
    }
}

/// The CfP form of a visible event: drafts only for their organizers; `NotFound` without a CfP.
#[cfg(feature = "ssr")]
async fn visible_form(ctx: &ssr::ServerCtx, event_id: i64) -> Result<sbor_domain::cfp::CfpForm, AppError> {
    let form = sbor_domain::cfp::form(&ctx.db, event_id).await?;
    if form.event.status == sbor_domain::events::Status::Draft {
        let user = ssr::request_info()?.user.ok_or(AppError::NotFound)?;
        if !sbor_domain::communities::can_manage(&ctx.db, form.event.community_id, &user).await? {
            return Err(AppError::NotFound);
        }
    }
    Ok(form)
}

/// The public CfP page of an event.
#[server(endpoint = "cfp_page")]
pub async fn cfp_page(event_id: i64) -> Result<CfpView, AppError> {
    let ctx = ssr::ctx()?;
    let f = visible_form(&ctx, event_id).await?;
    let c = sbor_domain::communities::get(&ctx.db, f.event.community_id).await?;
    let tz = f.event.tz();
    Ok(CfpView {
        event_id,
        event_title: f.event.title.clone(),
        community_name: c.name,
        community_slug: c.slug,
        status: status_code(f.status(sbor_domain::clock::now())).to_owned(),
        opens: sbor_domain::clock::local(f.cfp.opens_at, tz),
        closes: sbor_domain::clock::local(f.cfp.closes_at, tz),
        time_zone: f.event.time_zone.clone(),
        description_html: f.cfp.description_html(),
        form: form_view(&f),
        limits: limits(),
        kept: match ssr::request_info()?.user {
            Some(u) => sbor_domain::form_stash::get(&ctx.db, u.id, &cfp_form_key(event_id))
                .await?
                .and_then(|raw| serde_json::from_str(&raw).ok()),
            None => None,
        },
    })
}

#[cfg(feature = "ssr")]
fn opt_id(raw: &str, field: &'static str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| AppError::Field {
        field: field.into(),
        code: "unknown".into(),
    })
}

#[cfg(feature = "ssr")]
fn opt_lang(raw: &str) -> Result<Option<sbor_domain::Lang>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    sbor_domain::Lang::parse(raw.trim())
        .map(Some)
        .ok_or(AppError::Field {
            field: "language".into(),
            code: "not_offered".into(),
        })
}

#[cfg(feature = "ssr")]
fn opt_level(raw: &str) -> Result<Option<sbor_domain::cfp::Level>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    sbor_domain::cfp::Level::parse(raw.trim())
        .map(Some)
        .ok_or(AppError::Field {
            field: "level".into(),
            code: "not_offered".into(),
        })
}

/// `answers[<question id>]` fields, as `(id, answer)`.
#[cfg(feature = "ssr")]
fn parse_answers(answers: Option<HashMap<String, String>>) -> Result<Vec<(i64, String)>, AppError> {
    let mut out = answers
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            k.parse::<i64>().map(|id| (id, v)).map_err(|_| AppError::Field {
                field: "answers".into(),
                code: "unknown_question".into(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|(id, _)| *id);
    Ok(out)
}

/// A talk form's input for the rules layer: the texts (title, abstract, description, notes)
/// as typed, the choices (session type, track, language, level) parsed.
#[cfg(feature = "ssr")]
fn talk_input<'a>(
    texts: [&'a str; 4],
    choices: [&Option<String>; 4],
    answers: &'a [(i64, String)],
) -> Result<sbor_domain::talks::TalkInput<'a>, AppError> {
    let [title, summary, description, notes] = texts;
    let raw = |c: &Option<String>| c.clone().unwrap_or_default();
    let [session_type_id, track_id, language, level] = choices.map(raw);
    Ok(sbor_domain::talks::TalkInput {
        title,
        summary,
        description,
        notes,
        session_type_id: opt_id(&session_type_id, "session_type_id")?,
        track_id: opt_id(&track_id, "track_id")?,
        language: opt_lang(&language)?,
        level: opt_level(&level)?,
        answers,
    })
}

/// Proposes a new talk to an event's CfP: `intent` = `draft` saves it, `submit` also submits
/// it. The rules layer checks everything (the CfP's window, also for drafts) before it writes
/// anything, so a refused submission leaves no draft behind.
#[server(endpoint = "create_talk")]
pub async fn create_talk(
    event_id: i64,
    title: String,
    summary: String,
    description: String,
    notes: String,
    session_type_id: Option<String>,
    track_id: Option<String>,
    language: Option<String>,
    level: Option<String>,
    answers: Option<HashMap<String, String>>,
    intent: String,
) -> Result<(), AppError> {
    use sbor_domain::{form_stash, talks};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let key = cfp_form_key(event_id);
    let result = async {
        let answers = parse_answers(answers.clone())?;
        let choices = [&session_type_id, &track_id, &language, &level];
        let input = talk_input([&title, &summary, &description, &notes], choices, &answers)?;
        let target = talks::Target::Event { event_id };
        Ok::<_, AppError>(talks::propose(&ctx.db, &ctx.site, &user, target, input, intent == "submit").await?)
    }
    .await;
    let talk = match result {
        Ok(talk) => {
            form_stash::clear(&ctx.db, user.id, &key).await?;
            talk
        }
        Err(e) => {
            // Keep what was typed: without JavaScript the form comes back from the server.
            let kept = TalkValues {
                title,
                summary,
                description,
                notes,
                session_type_id: session_type_id.and_then(|s| s.trim().parse().ok()),
                track_id: track_id.and_then(|s| s.trim().parse().ok()),
                language: language.unwrap_or_default(),
                level: level.unwrap_or_default(),
                answers: answers
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                    .collect(),
            };
            if let Ok(raw) = serde_json::to_string(&kept) {
                form_stash::put(&ctx.db, user.id, &key, &raw).await?;
            }
            return Err(e);
        }
    };
    let submit = intent == "submit";
    if submit {
        ctx.mail_queued.notify_one();
    }
    done(
        &ctx,
        Some(if submit { "talk_submitted" } else { "talk_saved" }),
        &talks::talk_path(talk.id),
    );
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    pub from: Option<String>,
    pub to: String,
    pub action: String,
    pub actor: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyTalkView {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub community_name: String,
    /// `None`: the community's talk pool.
    pub event: Option<(i64, String)>,
    pub speakers: Vec<String>,
    /// How many entries its history has (the talk's page shows them).
    pub history_count: usize,
}

#[cfg(feature = "ssr")]
fn history_view(h: sbor_domain::talks::HistoryEntry) -> HistoryView {
    HistoryView {
        from: h.from.map(|s| s.code().to_owned()),
        to: h.to.code().to_owned(),
        action: h.action,
        actor: h.actor_name.unwrap_or_default(),
        at: sbor_domain::clock::rfc3339(h.at)
            .get(..16)
            .unwrap_or_default()
            .replace('T', " "),
    }
}

/// Every talk the caller speaks at.
#[server(endpoint = "my_talks")]
pub async fn my_talks() -> Result<Vec<MyTalkView>, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    Ok(sbor_domain::talks::my_talks(&ctx.db, &user)
        .await?
        .into_iter()
        .map(|m| MyTalkView {
            id: m.talk.id,
            title: m.talk.title,
            state: m.talk.state.code().to_owned(),
            community_name: m.community_name,
            event: m.talk.event_id.zip(m.event_title),
            speakers: m.speakers,
            history_count: m.history.len(),
        })
        .collect())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeakerView {
    pub user_id: i64,
    pub display_name: String,
    pub owner: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TalkView {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub description_html: String,
    /// The speaker's notes for the organizers (this page is for speakers and organizers only).
    pub notes: String,
    pub session_type_id: Option<i64>,
    pub track_id: Option<i64>,
    pub language: String,
    pub level: String,
    pub answers: Vec<(i64, String)>,
    pub state: String,
    pub community_name: String,
    pub community_slug: String,
    pub event: Option<(i64, String)>,
    pub deadline: Option<String>,
    pub speakers: Vec<SpeakerView>,
    pub invitations: Vec<String>,
    pub history: Vec<HistoryView>,
    /// Action codes the reader may take now.
    pub actions: Vec<String>,
    pub is_speaker: bool,
    pub is_organizer: bool,
    /// The edit form is shown (the rules layer decides again when it is posted).
    pub editable: bool,
    pub slides_url: String,
    pub recording_url: String,
    pub form: TalkFormView,
    pub limits: TalkLimits,
}

/// A talk for its speakers and its community's organizers; `NotFound` for everyone else
/// (reviewers: `Forbidden`; they read it on the review side).
#[server(endpoint = "talk_page")]
pub async fn talk_page(id: i64) -> Result<TalkView, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let d = sbor_domain::talks::detail(&ctx.db, &user, id).await?;
    let tz = d.tz();
    let t = d.talk;
    Ok(TalkView {
        id: t.id,
        description_html: t.description_html(),
        title: t.title,
        summary: t.summary,
        description: t.description,
        notes: t.notes,
        session_type_id: t.session_type_id,
        track_id: t.track_id,
        language: t.language.map(|l| l.code().to_owned()).unwrap_or_default(),
        level: t.level.map(|l| l.code().to_owned()).unwrap_or_default(),
        answers: d.answers,
        state: t.state.code().to_owned(),
        community_name: d.community_name,
        community_slug: d.community_slug,
        event: t.event_id.zip(d.event_title),
        deadline: d.deadline.map(|at| sbor_domain::clock::local(at, tz)),
        speakers: d
            .speakers
            .into_iter()
            .map(|s| SpeakerView {
                user_id: s.user_id,
                display_name: s.display_name,
                owner: s.owner,
            })
            .collect(),
        invitations: d.invitations.into_iter().map(|i| i.email).collect(),
        history: d.history.into_iter().map(history_view).collect(),
        actions: d.actions.iter().map(|a| a.code().to_owned()).collect(),
        is_speaker: d.access.speaker,
        is_organizer: d.access.organizer,
        editable: d.editable,
        slides_url: t.slides_url,
        recording_url: t.recording_url,
        form: d.form.as_ref().map(form_view).unwrap_or_default(),
        limits: limits(),
    })
}

/// Saves the edit form of a talk.
#[server(endpoint = "update_talk")]
pub async fn update_talk(
    id: i64,
    title: String,
    summary: String,
    description: String,
    notes: String,
    session_type_id: Option<String>,
    track_id: Option<String>,
    language: Option<String>,
    level: Option<String>,
    answers: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    use sbor_domain::talks;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let answers = parse_answers(answers)?;
    let choices = [&session_type_id, &track_id, &language, &level];
    let input = talk_input([&title, &summary, &description, &notes], choices, &answers)?;
    talks::update(&ctx.db, &user, id, input).await?;
    done(&ctx, Some("talk_saved"), &talks::talk_path(id));
    Ok(())
}

/// A life-cycle action (`submit`, `withdraw`, `confirm`, `cancel`, …) in the caller's role.
#[server(endpoint = "talk_action")]
pub async fn talk_action(id: i64, action: String) -> Result<(), AppError> {
    use sbor_domain::talks;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let action = talks::Action::parse(&action).ok_or(AppError::Refused("invalid_action".into()))?;
    let talk = talks::act(&ctx.db, &ctx.site, &user, id, action).await?;
    ctx.mail_queued.notify_one();
    let flash = match talk.state {
        talks::State::Submitted => "talk_submitted",
        talks::State::Confirmed => "talk_confirmed",
        talks::State::Withdrawn => "talk_withdrawn",
        talks::State::Cancelled => "talk_cancelled",
        _ => "saved",
    };
    done(&ctx, Some(flash), &talks::talk_path(id));
    Ok(())
}

/// Invites a co-speaker by email; the mail carries the accept link.
#[server(endpoint = "invite_co_speaker")]
pub async fn invite_co_speaker(talk_id: i64, email: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    ssr::rate_limit(&ctx, sbor_domain::rate_limit::Action::Invitation, Some(&email)).await?;
    sbor_domain::talks::invite_co_speaker(&ctx.db, &ctx.site, &user, talk_id, &email).await?;
    ctx.mail_queued.notify_one();
    done(
        &ctx,
        Some("co_speaker_invited"),
        &sbor_domain::talks::talk_path(talk_id),
    );
    Ok(())
}

/// Removes a co-speaker (the owner, organizers) or leaves the talk (the co-speaker).
#[server(endpoint = "remove_co_speaker")]
pub async fn remove_co_speaker(talk_id: i64, user_id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::talks::remove_speaker(&ctx.db, &user, talk_id, user_id).await?;
    let to = if user_id == user.id {
        "/talks".to_owned()
    } else {
        sbor_domain::talks::talk_path(talk_id)
    };
    done(&ctx, Some("saved"), &to);
    Ok(())
}

/// Slides and recording links of an accepted or confirmed talk.
#[server(endpoint = "set_talk_materials")]
pub async fn set_talk_materials(
    talk_id: i64,
    slides_url: String,
    recording_url: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::talks::set_materials(&ctx.db, &user, talk_id, &slides_url, &recording_url).await?;
    done(&ctx, Some("saved"), &sbor_domain::talks::talk_path(talk_id));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
    pub talk_title: String,
    pub inviter: String,
    pub email: String,
    /// `None` when it can be accepted, else the refusal code (`already_accepted`, …).
    pub problem: Option<String>,
}

/// What the invitation link's page shows; the caller may be logged out.
#[server(endpoint = "talk_invitation")]
pub async fn talk_invitation(token: String) -> Result<InvitationView, AppError> {
    let ctx = ssr::ctx()?;
    let info = sbor_domain::talks::invitation(&ctx.db, &token).await?;
    let me = ssr::request_info()?.user;
    let problem = info.problem(me.as_ref());
    Ok(InvitationView {
        talk_title: info.talk_title,
        inviter: info.inviter_name,
        email: info.email,
        problem: problem.map(str::to_owned),
    })
}

/// Accepts a co-speaker invitation as the logged-in user.
#[server(endpoint = "accept_talk_invitation")]
pub async fn accept_talk_invitation(token: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let talk = sbor_domain::talks::accept_invitation(&ctx.db, &user, &token).await?;
    done(
        &ctx,
        Some("co_speaker_joined"),
        &sbor_domain::talks::talk_path(talk.id),
    );
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    pub user_id: i64,
    pub bio: String,
    pub photo_url: String,
    pub company: String,
    pub links: String,
    pub availability: String,
    pub max_bio: usize,
    pub max_company: usize,
    pub max_links: usize,
    pub max_availability: usize,
}

/// The caller's speaker profile form.
#[server(endpoint = "speaker_profile")]
pub async fn speaker_profile() -> Result<ProfileView, AppError> {
    use sbor_domain::speakers as s;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let p = s::profile(&ctx.db, user.id).await?;
    Ok(ProfileView {
        user_id: user.id,
        bio: p.bio,
        photo_url: p.photo_url,
        company: p.company,
        links: p.links.join("\n"),
        availability: p.availability,
        max_bio: s::MAX_BIO,
        max_company: s::MAX_COMPANY,
        max_links: s::MAX_LINKS,
        max_availability: s::MAX_AVAILABILITY,
    })
}

#[server(endpoint = "save_speaker_profile")]
pub async fn save_speaker_profile(
    bio: String,
    photo_url: String,
    company: String,
    links: String,
    availability: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let input = sbor_domain::speakers::ProfileInput {
        bio: &bio,
        photo_url: &photo_url,
        company: &company,
        links: &links,
        availability: &availability,
    };
    sbor_domain::speakers::save_profile(&ctx.db, &user, input).await?;
    done(&ctx, Some("saved"), "/profile/speaker");
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolItem {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub state: String,
    pub speakers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolView {
    pub community_id: i64,
    pub community_name: String,
    pub slug: String,
    /// The caller's own proposals in this pool (any state).
    pub mine: Vec<PoolItem>,
    /// Organizers only: every submitted proposal.
    pub all: Option<Vec<PoolItem>>,
    /// Organizers only: upcoming events with a CfP, `(id, title)`.
    pub events: Vec<(i64, String)>,
    pub limits: TalkLimits,
}

/// A community's talk pool: the caller's proposals, and for organizers all of them.
#[server(endpoint = "pool_page")]
pub async fn pool_page(slug: String) -> Result<PoolView, AppError> {
    use sbor_domain::{communities, talks};
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let c = communities::by_slug(&ctx.db, &slug).await?;
    let item = |p: talks::PoolTalk| PoolItem {
        id: p.talk.id,
        title: p.talk.title,
        summary: p.talk.summary,
        state: p.talk.state.code().to_owned(),
        speakers: p.speakers,
    };
    let mine = talks::my_pool_talks(&ctx.db, &user, c.id)
        .await?
        .into_iter()
        .map(item)
        .collect();
    let (all, events) = if communities::can_manage(&ctx.db, c.id, &user).await? {
        let all = talks::pool(&ctx.db, &user, c.id)
            .await?
            .into_iter()
            .map(item)
            .collect();
        (Some(all), talks::move_targets(&ctx.db, &user, c.id).await?)
    } else {
        (None, Vec::new())
    };
    Ok(PoolView {
        community_id: c.id,
        community_name: c.name,
        slug: c.slug,
        mine,
        all,
        events,
        limits: limits(),
    })
}

/// Proposes a talk to a community's pool: `intent` = `draft` or `submit`.
#[server(endpoint = "propose_talk")]
pub async fn propose_talk(
    community_id: i64,
    title: String,
    summary: String,
    description: String,
    notes: String,
    intent: String,
) -> Result<(), AppError> {
    use sbor_domain::talks;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let c = sbor_domain::communities::get(&ctx.db, community_id).await?;
    let input = talks::TalkInput {
        title: &title,
        summary: &summary,
        description: &description,
        notes: &notes,
        session_type_id: None,
        track_id: None,
        language: None,
        level: None,
        answers: &[],
    };
    let submit = intent == "submit";
    let target = talks::Target::Pool { community_id };
    talks::propose(&ctx.db, &ctx.site, &user, target, input, submit).await?;
    if submit {
        ctx.mail_queued.notify_one();
    }
    done(
        &ctx,
        Some(if submit { "talk_submitted" } else { "talk_saved" }),
        &format!("/c/{}/pool", c.slug),
    );
    Ok(())
}

/// Organizers: moves a pool proposal into an upcoming event's CfP.
#[server(endpoint = "move_talk")]
pub async fn move_talk(talk_id: i64, event_id: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let event_id = opt_id(&event_id, "event_id")?.ok_or(AppError::Field {
        field: "event_id".into(),
        code: "required".into(),
    })?;
    let talk = sbor_domain::talks::move_to_event(&ctx.db, &user, talk_id, event_id).await?;
    let c = sbor_domain::communities::get(&ctx.db, talk.community_id).await?;
    done(&ctx, Some("talk_moved"), &format!("/c/{}/pool", c.slug));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicSpeakerView {
    pub user_id: i64,
    pub display_name: String,
    pub bio_html: String,
    pub photo_url: String,
    pub company: String,
    pub links: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicTalkView {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub event_date: String,
    pub title: String,
    pub summary: String,
    pub description_html: String,
    pub session_type: Option<String>,
    pub minutes: Option<i64>,
    pub track: Option<String>,
    pub language: String,
    pub level: String,
    pub slides_url: String,
    pub recording_url: String,
    pub speakers: Vec<PublicSpeakerView>,
    /// Where and when the published schedule puts it: `2027-06-01 10:00–10:40 · Hall A`
    /// (the event's zone); on the talk's own page only.
    pub slot: Option<String>,
    /// Speakers without an account (imported): (name, biography as safe HTML).
    pub guests: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
fn public_speaker(s: sbor_domain::speakers::PublicSpeaker) -> PublicSpeakerView {
    PublicSpeakerView {
        user_id: s.user_id,
        bio_html: sbor_domain::markdown::to_safe_html(&s.bio),
        display_name: s.display_name,
        photo_url: s.photo_url,
        company: s.company,
        links: s.links,
    }
}

#[cfg(feature = "ssr")]
fn public_talk(t: sbor_domain::talks::PublicTalk) -> PublicTalkView {
    PublicTalkView {
        id: t.id,
        event_id: t.event_id,
        event_title: t.event_title,
        event_date: sbor_domain::clock::rfc3339(t.event_starts_at)
            .get(..10)
            .unwrap_or_default()
            .to_owned(),
        title: t.title,
        summary: t.summary,
        description_html: sbor_domain::markdown::to_safe_html(&t.description),
        session_type: t.session_type,
        minutes: t.minutes,
        track: t.track,
        language: t.language.map(|l| l.code().to_owned()).unwrap_or_default(),
        level: t.level.map(|l| l.code().to_owned()).unwrap_or_default(),
        slides_url: t.slides_url,
        recording_url: t.recording_url,
        speakers: t.speakers.into_iter().map(public_speaker).collect(),
        slot: None,
        guests: Vec::new(),
    }
}

/// A confirmed talk's public page; `NotFound` for anything else.
#[server(endpoint = "public_talk")]
pub async fn public_talk_page(id: i64) -> Result<PublicTalkView, AppError> {
    use sbor_domain::schedule::{publish, store};
    let ctx = ssr::ctx()?;
    let mut view = public_talk(sbor_domain::talks::public_talk(&ctx.db, id).await?);
    if let Some(s) = publish::published_slot(&ctx.db, view.event_id, id).await? {
        let tz = sbor_domain::events::get(&ctx.db, view.event_id).await?.tz();
        let end = sbor_domain::clock::local(s.ends_at, tz);
        view.slot = Some(format!(
            "{}–{} · {} ({})",
            sbor_domain::clock::local(s.starts_at, tz),
            end.get(11..).unwrap_or(&end),
            s.room_name,
            tz.name()
        ));
    }
    view.guests = store::guests(&ctx.db, id)
        .await?
        .into_iter()
        .map(|(name, bio)| (name, sbor_domain::markdown::to_safe_html(&bio)))
        .collect();
    Ok(view)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeakerPageView {
    pub speaker: PublicSpeakerView,
    pub talks: Vec<PublicTalkView>,
}

/// A speaker's public page: only people with a confirmed talk have one.
#[server(endpoint = "speaker_page")]
pub async fn speaker_page(user_id: i64) -> Result<SpeakerPageView, AppError> {
    let ctx = ssr::ctx()?;
    let p = sbor_domain::speakers::speaker_page(&ctx.db, user_id).await?;
    Ok(SpeakerPageView {
        speaker: public_speaker(p.speaker),
        talks: p.talks.into_iter().map(public_talk).collect(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventTalksView {
    /// `not_open_yet`, `open` or `closed`; `None` without a CfP.
    pub cfp_status: Option<String>,
    pub opens: String,
    pub closes: String,
    pub time_zone: String,
    pub talks: Vec<PublicTalkView>,
    /// The viewer reviews this event's talks (the page links their queue).
    pub reviewing: bool,
    /// A schedule has been published (the page links it).
    pub has_schedule: bool,
}

/// What the event's own query already told about its programme
/// ([`sbor_domain::events::get_for_page`]): what is known not to exist is not looked up.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProgrammeHints {
    pub has_cfp: bool,
    pub has_confirmed_talks: bool,
}

/// The talks part of an event page: its CfP's status and its confirmed programme. Part of
/// [`super::event_page`], which has read the event and checked that the viewer may see it.
#[cfg(feature = "ssr")]
pub(crate) async fn programme_of(
    ctx: &ssr::ServerCtx,
    viewer: Option<&sbor_domain::accounts::User>,
    event: &sbor_domain::events::Event,
    hints: ProgrammeHints,
) -> Result<EventTalksView, AppError> {
    let event_id = event.id;
    // A draft event's call is not announced (its page is for organizers only anyway).
    let cfp = match event.status {
        sbor_domain::events::Status::Draft => None,
        _ if !hints.has_cfp => None,
        _ => sbor_domain::cfp::get(&ctx.db, event_id).await?,
    };
    let reviewing = match viewer {
        Some(user) => sbor_domain::reviews::events_to_review(&ctx.db, user)
            .await?
            .iter()
            .any(|(id, _)| *id == event_id),
        None => false,
    };
    let tz = event.tz();
    let talks: Vec<PublicTalkView> = if hints.has_confirmed_talks {
        sbor_domain::talks::public_talks(&ctx.db, event_id)
            .await?
            .into_iter()
            .map(public_talk)
            .collect()
    } else {
        Vec::new()
    };
    // The schedule is linked from the programme, so without talks it is not looked up.
    let has_schedule = !talks.is_empty()
        && !sbor_domain::schedule::publish::versions(&ctx.db, event_id)
            .await?
            .is_empty();
    Ok(EventTalksView {
        cfp_status: cfp
            .as_ref()
            .map(|c| status_code(c.status(sbor_domain::clock::now())).to_owned()),
        opens: cfp
            .as_ref()
            .map(|c| sbor_domain::clock::local(c.opens_at, tz))
            .unwrap_or_default(),
        closes: cfp
            .as_ref()
            .map(|c| sbor_domain::clock::local(c.closes_at, tz))
            .unwrap_or_default(),
        time_zone: event.time_zone.clone(),
        talks,
        reviewing,
        has_schedule,
    })
}
