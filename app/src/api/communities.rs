//! Community server functions: the home page's listings, community pages, membership,
//! organizers.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::done;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;

/// An event in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventCard {
    pub id: i64,
    pub title: String,
    pub community_slug: String,
    pub community_name: String,
    /// In the event's own zone, e.g. `Thu 10 Dec 2026, 19:00–21:00 (Europe/Moscow)`.
    pub when: String,
    pub venue_name: String,
    pub status: String,
}

#[cfg(feature = "ssr")]
pub(crate) fn card(l: &sbor_domain::events::Listed, lang: crate::i18n::Lang) -> EventCard {
    EventCard {
        id: l.event.id,
        title: l.event.title.clone(),
        community_slug: l.community_slug.clone(),
        community_name: l.community_name.clone(),
        when: sbor_domain::mail_templates::when_in(lang.into(), &l.event),
        venue_name: if l.event.venue_name.is_empty() && !l.event.online_url.is_empty() {
            "Online".into()
        } else {
            l.event.venue_name.clone()
        },
        status: l.event.status.code().into(),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommunityLink {
    pub slug: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeView {
    pub events: Vec<EventCard>,
    pub communities: Vec<CommunityLink>,
}

/// Upcoming events across communities, searchable by text, community and first date.
#[server(endpoint = "home_events")]
pub async fn home_events(q: String, community: String, from: String) -> Result<HomeView, AppError> {
    let ctx = ssr::ctx()?;
    let lang = ssr::request_info()?.lang;
    let communities = sbor_domain::communities::list(&ctx.db).await?;
    let community_id = communities.iter().find(|c| c.slug == community).map(|c| c.id);
    let from = chrono::NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_micros());
    let query = sbor_domain::events::Query {
        text: Some(q),
        community_id,
        from,
        limit: 50,
        ..Default::default()
    };
    let events = sbor_domain::events::search(&ctx.db, &query).await?;
    Ok(HomeView {
        events: events.iter().map(|l| card(l, lang)).collect(),
        communities: communities
            .into_iter()
            .map(|c| CommunityLink {
                slug: c.slug,
                name: c.name,
            })
            .collect(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommunityView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description_html: String,
    pub description: String,
    pub logo_url: String,
    pub links: Vec<String>,
    pub links_text: String,
    pub time_zone: String,
    pub lang: String,
    pub member_count: i64,
    pub organizers: Vec<String>,
    pub is_member: bool,
    pub can_manage: bool,
    pub upcoming: Vec<EventCard>,
    pub past: Vec<EventCard>,
}

#[server(endpoint = "community_page")]
pub async fn community_page(slug: String) -> Result<CommunityView, AppError> {
    let ctx = ssr::ctx()?;
    let info = ssr::request_info()?;
    let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
    let (is_member, can_manage) = match &info.user {
        Some(u) => (
            sbor_domain::communities::role_of(&ctx.db, c.id, u.id)
                .await?
                .is_some(),
            sbor_domain::communities::can_manage(&ctx.db, c.id, u).await?,
        ),
        None => (false, false),
    };
    let listing = |past| sbor_domain::events::Query {
        community_id: Some(c.id),
        past,
        include_drafts: can_manage,
        limit: 50,
        ..Default::default()
    };
    let upcoming = sbor_domain::events::search(&ctx.db, &listing(false)).await?;
    let past = sbor_domain::events::search(&ctx.db, &listing(true)).await?;
    Ok(CommunityView {
        id: c.id,
        slug: c.slug.clone(),
        name: c.name.clone(),
        description_html: sbor_domain::markdown::to_safe_html(&c.description),
        description: c.description.clone(),
        logo_url: c.logo_url.clone(),
        links: c.link_list().into_iter().map(str::to_owned).collect(),
        links_text: c.links.clone(),
        time_zone: c.time_zone.clone(),
        lang: c.lang.code().into(),
        member_count: sbor_domain::communities::member_count(&ctx.db, c.id).await?,
        organizers: sbor_domain::communities::organizers(&ctx.db, c.id)
            .await?
            .into_iter()
            .map(|p| p.display_name)
            .collect(),
        is_member,
        can_manage,
        upcoming: upcoming.iter().map(|l| card(l, info.lang)).collect(),
        past: past.iter().map(|l| card(l, info.lang)).collect(),
    })
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "create_community")]
pub async fn create_community(
    slug: String,
    name: String,
    description: String,
    logo_url: String,
    links: String,
    time_zone: String,
    lang: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let input = sbor_domain::communities::CommunityInput {
        slug: &slug,
        name: &name,
        description: &description,
        logo_url: &logo_url,
        links: &links,
        time_zone: &time_zone,
        lang: &lang,
    };
    let c = sbor_domain::communities::create(&ctx.db, &user, input).await?;
    done(&ctx, Some("saved"), &format!("/c/{}", c.slug));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "update_community")]
pub async fn update_community(
    community_id: i64,
    name: String,
    description: String,
    logo_url: String,
    links: String,
    time_zone: String,
    lang: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let input = sbor_domain::communities::CommunityInput {
        slug: "",
        name: &name,
        description: &description,
        logo_url: &logo_url,
        links: &links,
        time_zone: &time_zone,
        lang: &lang,
    };
    let c = sbor_domain::communities::update(&ctx.db, &user, community_id, input).await?;
    done(&ctx, Some("saved"), &format!("/c/{}", c.slug));
    Ok(())
}

#[server(endpoint = "join_community")]
pub async fn join_community(community_id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::communities::get(&ctx.db, community_id).await?;
    sbor_domain::communities::join(&ctx.db, community_id, user.id).await?;
    done(&ctx, Some("joined"), &super::back_to("/"));
    Ok(())
}

#[server(endpoint = "leave_community")]
pub async fn leave_community(community_id: i64) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::communities::leave(&ctx.db, community_id, user.id).await?;
    done(&ctx, Some("left"), &super::back_to("/"));
    Ok(())
}

#[server(endpoint = "add_organizer")]
pub async fn add_organizer(community_id: i64, email: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    // It mails the address (an invitation or a notice).
    ssr::rate_limit(&ctx, sbor_domain::rate_limit::Action::Invitation, Some(&email)).await?;
    let added =
        sbor_domain::communities::add_organizer(&ctx.db, &ctx.site, &user, community_id, &email).await?;
    ctx.mail_queued.notify_one();
    let flash = match added {
        sbor_domain::communities::OrganizerAdded::Account(_) => "organizer_added",
        sbor_domain::communities::OrganizerAdded::Invited(_) => "organizer_invited",
    };
    done(&ctx, Some(flash), &super::back_to("/"));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberDto {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub joined: String,
    pub attended: i64,
    pub no_shows: i64,
}

/// The member list (organizers and admins only).
#[server(endpoint = "community_members")]
pub async fn community_members(slug: String) -> Result<(String, Vec<MemberDto>), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
    let rows = sbor_domain::communities::members(&ctx.db, &user, c.id).await?;
    Ok((
        c.name,
        rows.into_iter()
            .map(|m| MemberDto {
                display_name: m.display_name,
                email: m.email,
                role: m.role,
                joined: sbor_domain::clock::rfc3339(m.joined_at)[..10].to_owned(),
                attended: m.attended,
                no_shows: m.no_shows,
            })
            .collect(),
    ))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembershipSetting {
    pub community_id: i64,
    pub name: String,
    pub slug: String,
    pub reminders: bool,
    pub announcements: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationsView {
    pub memberships: Vec<MembershipSetting>,
    pub has_feed: bool,
}

/// The caller's communities with their reminder setting, and whether a private feed exists.
#[server(endpoint = "notification_settings")]
pub async fn notification_settings() -> Result<NotificationsView, AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let memberships = sbor_domain::communities::memberships_of(&ctx.db, user.id)
        .await?
        .into_iter()
        .map(|(c, reminders, announcements)| MembershipSetting {
            community_id: c.id,
            name: c.name,
            slug: c.slug,
            reminders,
            announcements,
        })
        .collect();
    Ok(NotificationsView {
        memberships,
        has_feed: sbor_domain::feeds::has_token(&ctx.db, user.id).await?,
    })
}

/// Turns event reminders from one community on (`on` = "on") or off.
#[server(endpoint = "set_reminders")]
pub async fn set_reminders(community_id: i64, on: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    sbor_domain::communities::set_reminders(&ctx.db, community_id, user.id, on == "on").await?;
    done(&ctx, Some("saved"), "/profile#notifications");
    Ok(())
}

/// Makes a new private calendar link (the old one stops working) and shows it once.
#[server(endpoint = "reset_feed")]
pub async fn reset_feed() -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let token = sbor_domain::feeds::reset_token(&ctx.db, user.id).await?;
    done(&ctx, None, &format!("/profile?feed={token}#calendar"));
    Ok(())
}
