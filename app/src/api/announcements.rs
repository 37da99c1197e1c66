//! Announcement server functions: the organizers' composer, send controls, progress and
//! delivery log; the members' unsubscribe.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::done;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementSummary {
    pub id: i64,
    pub subject: String,
    pub status: String,
    pub recipients: i64,
    pub created: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementsView {
    pub community_id: i64,
    pub community_name: String,
    pub slug: String,
    pub list: Vec<AnnouncementSummary>,
    /// Events whose attendees can be the audience: (id, title).
    pub events: Vec<(i64, String)>,
    /// Events with talks, whose speakers can be the audience: (id, title).
    pub talk_events: Vec<(i64, String)>,
    /// Members' addresses that bounced for good: (email, the server's reply).
    pub suppressions: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
fn summary(a: sbor_domain::announcements::Announcement) -> AnnouncementSummary {
    AnnouncementSummary {
        id: a.id,
        subject: a.subject,
        status: a.status,
        recipients: a.recipients,
        created: sbor_domain::clock::rfc3339(a.created_at)[..10].to_owned(),
    }
}

/// A community's announcements and what the composer needs. Organizers only.
#[server(endpoint = "announcements_page")]
pub async fn announcements_page(slug: String) -> Result<AnnouncementsView, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
    let list = sbor_domain::announcements::list_for(&ctx.db, &user, c.id).await?;
    let mut events = Vec::new();
    for past in [false, true] {
        let query = sbor_domain::events::Query {
            community_id: Some(c.id),
            past,
            include_drafts: false,
            limit: 20,
            ..Default::default()
        };
        for l in sbor_domain::events::search(&ctx.db, &query).await? {
            events.push((l.event.id, l.event.title));
        }
    }
    Ok(AnnouncementsView {
        community_id: c.id,
        community_name: c.name,
        slug: c.slug,
        list: list.into_iter().map(summary).collect(),
        events,
        talk_events: sbor_domain::announcements::events_with_talks(&ctx.db, c.id).await?,
        suppressions: sbor_domain::announcements::suppressions(&ctx.db, &user, c.id).await?,
    })
}

/// Saves a draft and opens it.
#[server(endpoint = "create_announcement")]
pub async fn create_announcement(
    community_id: i64,
    subject: String,
    body: String,
    sender_name: String,
    reply_to: String,
    audience: String,
    public: Option<String>,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let input = sbor_domain::announcements::Input {
        subject: &subject,
        body: &body,
        sender_name: &sender_name,
        reply_to: &reply_to,
        audience: &audience,
        public: public.is_some(),
    };
    let id = sbor_domain::announcements::create(&ctx.db, &user, community_id, input).await?;
    let c = sbor_domain::communities::get(&ctx.db, community_id).await?;
    done(
        &ctx,
        Some("announcement_saved"),
        &format!("/c/{}/announcements/{id}", c.slug),
    );
    Ok(())
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgressView {
    pub status: String,
    pub sent: i64,
    pub failed: i64,
    pub remaining: i64,
    pub cancelled: i64,
    pub total: i64,
    /// Messages per second since the send started.
    pub rate: Option<f64>,
    /// Seconds left at that rate.
    pub eta_seconds: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub email: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementView {
    pub id: i64,
    pub slug: String,
    pub community_name: String,
    pub subject: String,
    pub from_name: String,
    pub reply_to: String,
    pub audience: String,
    pub public: bool,
    pub status: String,
    /// The mail exactly as it goes out (the unsubscribe link shown as '#').
    pub preview_html: String,
    pub recipients: i64,
    pub opted_out: i64,
    pub suppressed: i64,
    pub send_at: Option<String>,
    pub time_zone: String,
    pub progress: ProgressView,
    pub deliveries: Vec<DeliveryRow>,
    pub filter: String,
}

#[cfg(feature = "ssr")]
async fn progress_of(
    db: &sbor_domain::Db,
    a: &sbor_domain::announcements::Announcement,
) -> Result<ProgressView, AppError> {
    let p = sbor_domain::announcements::progress(db, a.id).await?;
    let done = p.sent + p.failed;
    let rate = a.started_at.and_then(|s| {
        let end = a.finished_at.unwrap_or_else(sbor_domain::clock::now);
        let secs = (end - s) as f64 / 1e6;
        (secs > 0.5 && done > 0).then(|| done as f64 / secs)
    });
    Ok(ProgressView {
        status: a.status.clone(),
        sent: p.sent,
        failed: p.failed,
        remaining: p.remaining(),
        cancelled: p.cancelled,
        total: p.total(),
        rate: rate.map(|r| (r * 10.0).round() / 10.0),
        eta_seconds: rate
            .filter(|_| a.status == "sending")
            .map(|r| (p.remaining() as f64 / r).ceil() as i64),
    })
}

/// How many lines of the delivery log the page shows (the CSV has them all).
#[cfg(feature = "ssr")]
const DELIVERIES_SHOWN: i64 = 500;

/// One announcement with its preview, reach, progress and (filtered) delivery log.
#[server(endpoint = "announcement_page")]
pub async fn announcement_page(id: i64, filter: String) -> Result<AnnouncementView, AppError> {
    use sbor_domain::announcements as ann;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let a = ann::get_for(&ctx.db, &user, id).await?;
    let c = sbor_domain::communities::get(&ctx.db, a.community_id).await?;
    let mail = ann::mail(&ctx.db, id).await?;
    let (recipients, opted_out, suppressed) = if matches!(a.status.as_str(), "draft" | "scheduled") {
        let r = ann::reach(&ctx.db, &a).await?;
        (r.recipients, r.opted_out, r.suppressed)
    } else {
        (a.recipients, a.opted_out, a.suppressed)
    };
    let filter = match filter.as_str() {
        "queued" | "sending" | "sent" | "failed" | "cancelled" => filter,
        _ => String::new(),
    };
    let deliveries = ann::deliveries(
        &ctx.db,
        &user,
        id,
        Some(&filter).filter(|f| !f.is_empty()).map(|f| f.as_str()),
        Some(DELIVERIES_SHOWN),
    )
    .await?
    .into_iter()
    .map(|d| DeliveryRow {
        email: d.email,
        status: d.status,
        attempts: d.attempts,
        last_error: d.last_error.unwrap_or_default(),
    })
    .collect();
    let tz = c.time_zone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    Ok(AnnouncementView {
        id,
        slug: c.slug,
        community_name: c.name,
        subject: a.subject.clone(),
        from_name: mail.from_name,
        reply_to: a.reply_to.clone(),
        audience: a.audience.clone(),
        public: a.public,
        status: a.status.clone(),
        preview_html: mail.html.replace(ann::UNSUBSCRIBE_PLACEHOLDER, "#"),
        recipients,
        opted_out,
        suppressed,
        send_at: a.send_at.map(|t| sbor_domain::clock::local(t, tz)),
        time_zone: c.time_zone,
        progress: progress_of(&ctx.db, &a).await?,
        deliveries,
        filter,
    })
}

/// Just the progress, for the bar that updates itself while a send runs.
#[server(endpoint = "announcement_progress")]
pub async fn announcement_progress(id: i64) -> Result<ProgressView, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let a = sbor_domain::announcements::get_for(&ctx.db, &user, id).await?;
    progress_of(&ctx.db, &a).await
}

/// `send`, `schedule` (with `send_at` local to the community's zone), `pause`, `resume`,
/// `cancel`, `test` (to the caller) or `retry` (the failed rows).
#[server(endpoint = "announcement_action")]
pub async fn announcement_action(id: i64, action: String, send_at: Option<String>) -> Result<(), AppError> {
    use sbor_domain::announcements as ann;
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let a = ann::get_for(&ctx.db, &user, id).await?;
    let c = sbor_domain::communities::get(&ctx.db, a.community_id).await?;
    let flash = match action.as_str() {
        "send" => {
            ann::send_now(&ctx.db, &ctx.site, &user, id).await?;
            "announcement_sending"
        }
        "schedule" => {
            let tz = sbor_domain::communities::parse_time_zone(&c.time_zone)?;
            let at = sbor_domain::events::parse_local(send_at.as_deref().unwrap_or(""), tz, "send_at")?;
            ann::schedule(&ctx.db, &user, id, at).await?;
            "announcement_scheduled"
        }
        "pause" | "resume" | "cancel" => {
            ann::control(&ctx.db, &user, id, &action).await?;
            "saved"
        }
        "test" => {
            // It mails: limited like the other forms that do.
            ssr::rate_limit(
                &ctx,
                sbor_domain::rate_limit::Action::MailedLink,
                Some(&user.email),
            )
            .await?;
            ann::send_test(&ctx.db, &ctx.site, &ctx.signing_key, &user, id).await?;
            "announcement_test_sent"
        }
        "retry" => {
            ann::retry_failed(&ctx.db, &user, id).await?;
            "saved"
        }
        _ => return Err(AppError::NotFound),
    };
    ctx.mail_queued.notify_one();
    done(&ctx, Some(flash), &format!("/c/{}/announcements/{id}", c.slug));
    Ok(())
}

/// Lets a suppressed member's address get announcements again.
#[server(endpoint = "lift_suppression")]
pub async fn lift_suppression(community_id: i64, email: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::announcements::lift_suppression(&ctx.db, &user, community_id, &email).await?;
    let c = sbor_domain::communities::get(&ctx.db, community_id).await?;
    done(&ctx, Some("saved"), &format!("/c/{}/announcements", c.slug));
    Ok(())
}

/// The unsubscribe link's page: which community the link is for, if the link is genuine.
#[server(endpoint = "unsubscribe_info")]
pub async fn unsubscribe_info(t: String) -> Result<String, AppError> {
    let ctx = ssr::ctx()?;
    let (_, community_id) = sbor_domain::announcements::verify_unsubscribe(&ctx.signing_key, &t)
        .ok_or(AppError::Refused("unsubscribe_invalid".into()))?;
    Ok(sbor_domain::communities::get(&ctx.db, community_id).await?.name)
}

/// Unsubscribes by the signed link from a mail; no login needed.
#[server(endpoint = "unsubscribe")]
pub async fn unsubscribe(t: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    sbor_domain::announcements::unsubscribe(&ctx.db, &ctx.signing_key, &t).await?;
    done(&ctx, Some("unsubscribed_announcements"), "/");
    Ok(())
}

/// Turns a community's announcements on (`on` = "on") or off for the caller.
#[server(endpoint = "set_announcements")]
pub async fn set_announcements(community_id: i64, on: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::announcements::set_announcements(&ctx.db, user.id, community_id, on == "on").await?;
    done(&ctx, Some("saved"), "/profile#notifications");
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewsItem {
    pub id: i64,
    pub subject: String,
    pub date: String,
    /// Sanitised HTML of the message.
    pub html: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewsView {
    pub community_name: String,
    pub slug: String,
    pub items: Vec<NewsItem>,
}

/// The public archive: announcements their organizers chose to publish, once sent.
#[server(endpoint = "news_page")]
pub async fn news_page(slug: String) -> Result<NewsView, AppError> {
    let ctx = ssr::ctx()?;
    let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
    let items = sbor_domain::announcements::archive(&ctx.db, c.id)
        .await?
        .into_iter()
        .map(|a| NewsItem {
            id: a.id,
            date: sbor_domain::clock::rfc3339(a.finished_at.unwrap_or(a.created_at))[..10].to_owned(),
            html: sbor_domain::markdown::to_safe_html(&a.body),
            subject: a.subject,
        })
        .collect();
    Ok(NewsView {
        community_name: c.name,
        slug: c.slug,
        items,
    })
}
