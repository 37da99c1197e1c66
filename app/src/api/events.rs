//! Event server functions: the event page, the organizer's editor and dashboard, RSVPs.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::done;
use super::talks::EventTalksView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// The editable fields of an event, as the form shows them (times local to the event's zone).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventForm {
    pub title: String,
    pub description: String,
    pub starts_local: String,
    pub ends_local: String,
    pub time_zone: String,
    pub venue_name: String,
    pub venue_address: String,
    pub map_url: String,
    pub online_url: String,
    pub cover_url: String,
    pub capacity: String,
    pub max_guests: String,
    pub approval_required: bool,
    pub rsvp_opens_local: String,
    pub rsvp_closes_local: String,
    pub remind_24h: bool,
    pub remind_2h: bool,
    pub offer_hours: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyRsvp {
    pub status: String,
    pub guests: i64,
    pub position: Option<i64>,
    /// Until when an offered seat is held, in the event's zone.
    pub offer_until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    pub community_id: i64,
    pub community_slug: String,
    pub community_name: String,
    pub title: String,
    pub description_html: String,
    pub when: String,
    /// The same time in the reader's own zone, when that differs.
    pub your_time: Option<String>,
    pub starts_at: String,
    /// The event's IANA zone: the browser compares it with its own to offer local time.
    pub time_zone: String,
    pub venue_name: String,
    pub venue_address: String,
    pub map_url: String,
    /// Only for people with a seat, and organizers.
    pub online_url: Option<String>,
    pub has_online: bool,
    pub cover_url: String,
    pub capacity: Option<i64>,
    pub going: i64,
    pub seats_taken: i64,
    pub waitlisted: i64,
    pub pending: i64,
    pub max_guests: i64,
    pub approval_required: bool,
    pub status: String,
    /// Why RSVPs are not accepted now (an error code), if they are not.
    pub rsvp_closed: Option<String>,
    pub my_rsvp: Option<MyRsvp>,
    pub can_manage: bool,
    /// Slides and recordings.
    pub materials: Vec<String>,
    /// The series this event belongs to, and whether the reader subscribed to it.
    pub series_id: Option<i64>,
    pub subscribed: bool,
    /// For organizers of an event not in a series: the rules it could repeat by (code, label).
    pub series_choices: Vec<(String, String)>,
    /// The editable fields, for organizers only (they include the online link).
    pub form: Option<EventForm>,
    /// The call for papers and the confirmed talks. Read here, in the page's one server
    /// function, because the event is already read and checked: a separate function read it
    /// again, and its resource, created inside the page's Suspense, sometimes missed its
    /// server-rendered value so that hydration failed.
    pub programme: EventTalksView,
}

#[cfg(feature = "ssr")]
fn form_of(e: &sbor_domain::events::Event) -> EventForm {
    EventForm {
        title: e.title.clone(),
        description: e.description.clone(),
        starts_local: e.local_input(e.starts_at),
        ends_local: e.local_input(e.ends_at),
        time_zone: e.time_zone.clone(),
        venue_name: e.venue_name.clone(),
        venue_address: e.venue_address.clone(),
        map_url: e.map_url.clone(),
        online_url: e.online_url.clone(),
        cover_url: e.cover_url.clone(),
        capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        max_guests: e.max_guests.to_string(),
        approval_required: e.approval_required,
        rsvp_opens_local: e.rsvp_opens_at.map(|t| e.local_input(t)).unwrap_or_default(),
        rsvp_closes_local: e.rsvp_closes_at.map(|t| e.local_input(t)).unwrap_or_default(),
        remind_24h: e.remind_24h,
        remind_2h: e.remind_2h,
        offer_hours: e.offer_hours.map(|h| h.to_string()).unwrap_or_default(),
    }
}

#[server(endpoint = "event_page")]
pub async fn event_page(event_id: i64) -> Result<EventView, AppError> {
    use sbor_domain::events::Status;
    let ctx = ssr::ctx()?;
    let info = ssr::request_info()?;
    let sbor_domain::events::EventPage {
        event: e,
        community_slug,
        community_name,
        has_cfp,
        has_confirmed_talks,
    } = sbor_domain::events::get_for_page(&ctx.db, event_id).await?;
    let hints = super::talks::ProgrammeHints {
        has_cfp,
        has_confirmed_talks,
    };
    let can_manage = match &info.user {
        Some(u) => sbor_domain::communities::can_manage(&ctx.db, e.community_id, u).await?,
        None => false,
    };
    if e.status == Status::Draft && !can_manage {
        return Err(AppError::NotFound);
    }
    let mine = match &info.user {
        Some(u) => sbor_domain::rsvp::of_user(&ctx.db, e.id, u.id).await?,
        None => None,
    };
    let position = match (&mine, &info.user) {
        (Some(r), Some(u)) if r.status == sbor_domain::rsvp::RsvpStatus::Waitlisted => {
            sbor_domain::rsvp::waitlist_position(&ctx.db, e.id, u.id).await?
        }
        _ => None,
    };
    let counts = &e.counts;
    let lang = info.lang.into();
    let your_time = info
        .user
        .as_ref()
        .and_then(|u| u.time_zone.parse::<chrono_tz::Tz>().ok())
        .filter(|tz| tz.name() != e.time_zone)
        .map(|tz| sbor_domain::mail_templates::when_in_zone(lang, &e, tz));
    let series_id = e.series_id;
    let subscribed = match (series_id, &info.user) {
        (Some(s), Some(u)) => sbor_domain::series::is_subscribed(&ctx.db, s, u.id).await?,
        _ => false,
    };
    let series_choices = if can_manage && series_id.is_none() {
        let day = sbor_domain::clock::to_datetime(e.starts_at)
            .with_timezone(&e.tz())
            .date_naive();
        sbor_domain::series::Rule::choices_for(day)
            .into_iter()
            .map(|r| (r.code(), crate::i18n::rule_label(info.lang, &r.code())))
            .collect()
    } else {
        Vec::new()
    };
    let seated = mine
        .as_ref()
        .is_some_and(|r| r.status == sbor_domain::rsvp::RsvpStatus::Going);
    let programme = super::talks::programme_of(&ctx, info.user.as_ref(), &e, hints).await?;
    Ok(EventView {
        programme,
        id: e.id,
        community_id: e.community_id,
        community_slug,
        community_name,
        title: e.title.clone(),
        description_html: sbor_domain::markdown::to_safe_html(&e.description),
        when: sbor_domain::mail_templates::when_in(lang, &e),
        your_time,
        starts_at: sbor_domain::clock::rfc3339(e.starts_at),
        time_zone: e.time_zone.clone(),
        venue_name: e.venue_name.clone(),
        venue_address: e.venue_address.clone(),
        map_url: e.map_url.clone(),
        online_url: (seated || can_manage)
            .then(|| e.online_url.clone())
            .filter(|u| !u.is_empty()),
        has_online: !e.online_url.is_empty(),
        cover_url: e.cover_url.clone(),
        capacity: e.capacity,
        going: counts.going,
        seats_taken: e.seats_taken,
        waitlisted: counts.waitlisted,
        pending: if can_manage { counts.pending } else { 0 },
        max_guests: e.max_guests,
        approval_required: e.approval_required,
        status: e.status.code().into(),
        rsvp_closed: e.rsvp_open(sbor_domain::clock::now()).err().map(str::to_owned),
        my_rsvp: mine.map(|r| MyRsvp {
            status: r.status.code().into(),
            guests: r.guests,
            position,
            offer_until: r
                .offer_expires_at
                .map(|t| sbor_domain::mail_templates::instant_in(lang, &e, t)),
        }),
        can_manage,
        materials: e.materials.lines().map(str::to_owned).collect(),
        series_id,
        subscribed,
        series_choices,
        form: can_manage.then(|| form_of(&e)),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEventView {
    pub community_id: i64,
    pub community_name: String,
    pub form: EventForm,
}

/// An empty event form for a community, with its time zone filled in.
#[server(endpoint = "new_event_form")]
pub async fn new_event_form(slug: String) -> Result<NewEventView, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
    sbor_domain::communities::require_organizer(&ctx.db, c.id, &user).await?;
    Ok(NewEventView {
        community_id: c.id,
        community_name: c.name,
        form: EventForm {
            time_zone: c.time_zone,
            max_guests: "0".into(),
            remind_24h: true,
            remind_2h: true,
            ..Default::default()
        },
    })
}

#[cfg(feature = "ssr")]
fn input(f: &EventForm) -> sbor_domain::events::EventInput<'_> {
    sbor_domain::events::EventInput {
        title: &f.title,
        description: &f.description,
        starts_local: &f.starts_local,
        ends_local: &f.ends_local,
        time_zone: &f.time_zone,
        venue_name: &f.venue_name,
        venue_address: &f.venue_address,
        map_url: &f.map_url,
        online_url: &f.online_url,
        cover_url: &f.cover_url,
        capacity: &f.capacity,
        max_guests: &f.max_guests,
        approval_required: f.approval_required,
        rsvp_opens_local: &f.rsvp_opens_local,
        rsvp_closes_local: &f.rsvp_closes_local,
        remind_24h: f.remind_24h,
        remind_2h: f.remind_2h,
        offer_hours: &f.offer_hours,
    }
}

/// The event form as posted: a checkbox is absent when unticked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostedEvent {
    pub title: String,
    pub description: String,
    pub starts_local: String,
    pub ends_local: String,
    pub time_zone: String,
    pub venue_name: String,
    pub venue_address: String,
    pub map_url: String,
    pub online_url: String,
    pub cover_url: String,
    pub capacity: String,
    pub max_guests: String,
    pub approval_required: Option<String>,
    pub rsvp_opens_local: String,
    pub rsvp_closes_local: String,
    /// Checked = no reminder: an absent box then means the default, reminders on.
    pub no_reminder_24h: Option<String>,
    pub no_reminder_2h: Option<String>,
    /// Absent from older forms: then no offer mode.
    pub offer_hours: Option<String>,
}

impl From<PostedEvent> for EventForm {
    fn from(p: PostedEvent) -> EventForm {
        EventForm {
            title: p.title,
            description: p.description,
            starts_local: p.starts_local,
            ends_local: p.ends_local,
            time_zone: p.time_zone,
            venue_name: p.venue_name,
            venue_address: p.venue_address,
            map_url: p.map_url,
            online_url: p.online_url,
            cover_url: p.cover_url,
            capacity: p.capacity,
            max_guests: p.max_guests,
            approval_required: p.approval_required.is_some_and(|v| !v.is_empty() && v != "false"),
            rsvp_opens_local: p.rsvp_opens_local,
            rsvp_closes_local: p.rsvp_closes_local,
            remind_24h: p.no_reminder_24h.is_none(),
            remind_2h: p.no_reminder_2h.is_none(),
            offer_hours: p.offer_hours.unwrap_or_default(),
        }
    }
}

#[server(endpoint = "create_event")]
pub async fn create_event(community_id: i64, event: PostedEvent) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let form: EventForm = event.into();
    let e = sbor_domain::events::create(&ctx.db, &user, community_id, input(&form)).await?;
    done(&ctx, Some("event_created"), &format!("/e/{}", e.id));
    Ok(())
}

#[server(endpoint = "update_event")]
pub async fn update_event(event_id: i64, event: PostedEvent) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let form: EventForm = event.into();
    sbor_domain::events::update(&ctx.db, &ctx.site, &user, event_id, input(&form)).await?;
    ctx.mail_queued.notify_one();
    done(&ctx, Some("saved"), &format!("/e/{event_id}"));
    Ok(())
}

/// Publish, cancel or delete, by an organizer.
#[server(endpoint = "event_action")]
pub async fn event_action(event_id: i64, action: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    match action.as_str() {
        "publish" => {
            sbor_domain::events::publish(&ctx.db, &user, event_id).await?;
            done(&ctx, Some("event_published"), &format!("/e/{event_id}"));
        }
        "cancel" => {
            sbor_domain::events::cancel(&ctx.db, &ctx.site, &user, event_id).await?;
            ctx.mail_queued.notify_one();
            done(&ctx, Some("event_cancelled"), &format!("/e/{event_id}"));
        }
        "delete" => {
            let e = sbor_domain::events::get(&ctx.db, event_id).await?;
            let c = sbor_domain::communities::get(&ctx.db, e.community_id).await?;
            sbor_domain::events::delete(&ctx.db, &user, event_id).await?;
            done(&ctx, Some("event_deleted"), &format!("/c/{}", c.slug));
        }
        _ => {
            return Err(AppError::Field {
                field: "action".into(),
                code: "invalid_action".into(),
            });
        }
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RsvpResult {
    pub status: String,
    pub position: Option<i64>,
    pub party_too_big: bool,
}

/// A member's answer: `going` is `yes` or `no`; guests count toward capacity.
#[server(endpoint = "rsvp")]
pub async fn rsvp(event_id: i64, going: String, guests: Option<String>) -> Result<RsvpResult, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let guests = match guests.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        None => 0,
        Some(g) => g.parse::<i64>().map_err(|_| AppError::Field {
            field: "guests".into(),
            code: "invalid_number".into(),
        })?,
    };
    let yes = matches!(going.as_str(), "yes" | "true" | "going");
    let outcome = ctx.rsvps.respond(&user, event_id, yes, guests).await?;
    ctx.mail_queued.notify_one();
    let flash = format!("rsvp_{}", outcome.status.code());
    done(&ctx, Some(&flash), &format!("/e/{event_id}"));
    Ok(RsvpResult {
        status: outcome.status.code().into(),
        position: outcome.position,
        party_too_big: outcome.party_too_big,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttendeeDto {
    pub rsvp_id: i64,
    pub display_name: String,
    pub email: String,
    pub status: String,
    pub guests: i64,
    pub checked_in: bool,
    pub answered: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub event: EventView,
    pub attendees: Vec<AttendeeDto>,
    /// RSVPs over time, a server-rendered SVG.
    pub chart_svg: String,
    /// Checked in / going, once the event is over (e.g. "83 %").
    pub attendance_rate: Option<String>,
}

#[server(endpoint = "event_dashboard")]
pub async fn event_dashboard(event_id: i64) -> Result<Dashboard, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let attendees = sbor_domain::rsvp::attendees(&ctx.db, &user, event_id).await?;
    let e = sbor_domain::events::get(&ctx.db, event_id).await?;
    let counts = &e.counts;
    let attendance_rate = (sbor_domain::clock::now() > e.ends_at && counts.going > 0)
        .then(|| format!("{} %", counts.checked_in * 100 / counts.going));
    let chart_svg = ssr::rsvp_chart(&sbor_domain::rsvp::timeline(&ctx.db, event_id).await?);
    Ok(Dashboard {
        chart_svg,
        attendance_rate,
        event: event_page(event_id).await?,
        attendees: attendees
            .into_iter()
            .map(|a| AttendeeDto {
                rsvp_id: a.rsvp.id,
                display_name: a.display_name,
                email: a.email,
                status: a.rsvp.status.code().into(),
                guests: a.rsvp.guests,
                checked_in: a.rsvp.checked_in_at.is_some(),
                answered: sbor_domain::clock::rfc3339(a.rsvp.created_at),
            })
            .collect(),
    })
}

/// Approve or decline one pending RSVP, or (`rsvp_id` empty) all of them.
#[server(endpoint = "decide_rsvps")]
pub async fn decide_rsvps(event_id: i64, rsvp_id: Option<String>, decision: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let approve = match decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => {
            return Err(AppError::Field {
                field: "decision".into(),
                code: "invalid_action".into(),
            });
        }
    };
    let ids: Vec<i64> = match rsvp_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => vec![id.parse().map_err(|_| AppError::NotFound)?],
        None => sbor_domain::rsvp::attendees(&ctx.db, &user, event_id)
            .await?
            .into_iter()
            .filter(|a| a.rsvp.status == sbor_domain::rsvp::RsvpStatus::Pending)
            .map(|a| a.rsvp.id)
            .collect(),
    };
    sbor_domain::rsvp::decide(&ctx.db, &ctx.site, &user, event_id, &ids, approve).await?;
    ctx.mail_queued.notify_one();
    done(&ctx, Some("saved"), &format!("/e/{event_id}/manage"));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub event_id: i64,
    pub title: String,
    pub when: String,
    pub venue: String,
    pub name: String,
    pub guests: i64,
    pub code: String,
    /// The QR code (SVG) of the check-in link.
    pub qr_svg: String,
    pub checked_in: bool,
}

/// The caller's ticket for an event: only with a seat.
#[server(endpoint = "my_ticket")]
pub async fn my_ticket(event_id: i64) -> Result<Ticket, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let lang = ssr::request_info()?.lang;
    let e = sbor_domain::events::get(&ctx.db, event_id).await?;
    let r = sbor_domain::rsvp::of_user(&ctx.db, event_id, user.id)
        .await?
        .filter(|r| r.status == sbor_domain::rsvp::RsvpStatus::Going)
        .ok_or(AppError::NotFound)?;
    let code = sbor_domain::checkin::code_for(&ctx.signing_key, event_id, r.id);
    let link = ctx.site.link(&format!("/e/{event_id}/checkin?code={code}"));
    let venue = [e.venue_name.as_str(), e.venue_address.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Ticket {
        event_id,
        title: e.title.clone(),
        when: sbor_domain::mail_templates::when_in(lang.into(), &e),
        venue,
        name: user.display_name,
        guests: r.guests,
        qr_svg: ssr::qr_svg(&link),
        code,
        checked_in: r.checked_in_at.is_some(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckinView {
    pub event_id: i64,
    pub title: String,
    pub checked_in: i64,
    pub going: i64,
    /// Attendees matching the search (or the one behind the scanned code).
    pub matches: Vec<AttendeeDto>,
    /// The scanned code, when the page was opened from a QR code.
    pub code: Option<String>,
    pub code_valid: bool,
}

/// The door page: search by name or email, or the attendee behind a scanned code.
#[server(endpoint = "check_in_page")]
pub async fn check_in_page_data(event_id: i64, q: String, code: String) -> Result<CheckinView, AppError> {
    use sbor_domain::rsvp::RsvpStatus;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let e = sbor_domain::events::get(&ctx.db, event_id).await?;
    let all = sbor_domain::rsvp::attendees(&ctx.db, &user, event_id).await?;
    let going: Vec<_> = all
        .iter()
        .filter(|a| a.rsvp.status == RsvpStatus::Going)
        .collect();
    let code = Some(code.trim().to_owned()).filter(|c| !c.is_empty());
    let scanned = code
        .as_deref()
        .and_then(|c| sbor_domain::checkin::verify(&ctx.signing_key, event_id, c));
    let needle = q.trim().to_lowercase();
    let matches = going
        .iter()
        .filter(|a| match scanned {
            Some(id) => a.rsvp.id == id,
            None => {
                !needle.is_empty()
                    && (a.display_name.to_lowercase().contains(&needle)
                        || a.email.to_lowercase().contains(&needle))
            }
        })
        .take(50)
        .map(|a| AttendeeDto {
            rsvp_id: a.rsvp.id,
            display_name: a.display_name.clone(),
            email: a.email.clone(),
            status: a.rsvp.status.code().into(),
            guests: a.rsvp.guests,
            checked_in: a.rsvp.checked_in_at.is_some(),
            answered: sbor_domain::clock::rfc3339(a.rsvp.created_at),
        })
        .collect();
    Ok(CheckinView {
        event_id,
        title: e.title,
        checked_in: going.iter().filter(|a| a.rsvp.checked_in_at.is_some()).count() as i64,
        going: going.len() as i64,
        matches,
        code_valid: scanned.is_some(),
        code,
    })
}

/// Checks someone in, by ticket code or (from the search) by RSVP.
#[server(endpoint = "check_in")]
pub async fn check_in(event_id: i64, code: Option<String>, rsvp_id: Option<String>) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let code = code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let rsvp_id = rsvp_id.as_deref().and_then(|r| r.trim().parse::<i64>().ok());
    let result = match (code, rsvp_id) {
        (Some(code), _) => {
            sbor_domain::checkin::by_code(&ctx.db, &ctx.signing_key, &user, event_id, code).await?
        }
        (None, Some(id)) => sbor_domain::checkin::by_rsvp(&ctx.db, &user, event_id, id).await?,
        (None, None) => {
            return Err(AppError::Field {
                field: "code".into(),
                code: "required".into(),
            });
        }
    };
    let flash = if result.already {
        "already_checked_in"
    } else {
        "checked_in"
    };
    done(&ctx, Some(flash), &format!("/e/{event_id}/checkin"));
    Ok(())
}

/// Sets an event's slides and recordings, one link per line (organizers).
#[server(endpoint = "set_materials")]
pub async fn set_materials(event_id: i64, materials: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::events::set_materials(&ctx.db, &user, event_id, &materials).await?;
    done(&ctx, Some("saved"), &format!("/e/{event_id}"));
    Ok(())
}

/// Repeats an event as a series (organizers): `rule` is one of the page's choices.
#[server(endpoint = "create_series")]
pub async fn create_series(event_id: i64, rule: String, exceptions: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::series::create(&ctx.db, &ctx.site, &user, event_id, &rule, &exceptions).await?;
    ctx.mail_queued.notify_one();
    done(&ctx, Some("series_created"), &format!("/e/{event_id}"));
    Ok(())
}

/// Subscribes to (`on` = "on") or leaves a series.
#[server(endpoint = "subscribe_series")]
pub async fn subscribe_series(series_id: i64, on: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    if on == "on" {
        sbor_domain::series::subscribe(&ctx.db, &ctx.site, &user, series_id).await?;
        ctx.mail_queued.notify_one();
    } else {
        sbor_domain::series::unsubscribe(&ctx.db, &user, series_id).await?;
    }
    done(
        &ctx,
        Some(if on == "on" { "subscribed" } else { "unsubscribed" }),
        &super::back_to("/"),
    );
    Ok(())
}
