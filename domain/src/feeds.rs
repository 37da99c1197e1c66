//! Subscribable feeds: a community's iCalendar and Atom feeds of its events, and each member's
//! private iCalendar feed of their RSVPs behind a secret, revocable URL.

use sqlx::Row;

use crate::accounts::Site;
use crate::clock::{self, DAY};
use crate::communities::Community;
use crate::events::{COLUMNS, Event};
use crate::{Db, Result, ics, tokens};

/// Published events of a community that have not ended more than 30 days ago.
async fn community_events(db: &Db, community_id: i64) -> Result<Vec<Event>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE community_id = $1 AND status <> 'draft' AND ends_at > $2 \
         ORDER BY starts_at LIMIT 500"
    ))
    .bind(community_id)
    .bind(clock::now() - 30 * DAY)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(Event::from_row).collect()
}

pub async fn community_calendar(db: &Db, site: &Site, community: &Community) -> Result<String> {
    let events = community_events(db, community.id).await?;
    Ok(ics::calendar(site, &events, Some(&community.name)))
}

/// An Atom (RFC 4287) feed of the community's upcoming events.
pub async fn community_atom(db: &Db, site: &Site, community: &Community) -> Result<String> {
    let now = clock::now();
    let events: Vec<Event> = community_events(db, community.id)
        .await?
        .into_iter()
        .filter(|e| e.ends_at > now)
        .collect();
    let page = site.link(&format!("/c/{}", community.slug));
    let entries: Vec<AtomEntry> = events
        .iter()
        .map(|e| {
            let when = crate::mail_templates::when_in(community.lang, e);
            let venue = if e.venue_name.is_empty() {
                String::new()
            } else {
                format!(" · {}", e.venue_name)
            };
            AtomEntry {
                title: e.title.clone(),
                url: site.link(&format!("/e/{}", e.id)),
                updated: e.updated_at,
                summary: Some(format!("{when}{venue}")),
                content_html: None,
            }
        })
        .collect();
    Ok(atom(
        &community.name,
        &page,
        &format!("{page}/feed.atom"),
        now,
        &entries,
    ))
}

/// An Atom feed of the community's public, sent announcements (newest first), with their text.
pub async fn announcements_atom(db: &Db, site: &Site, community: &Community) -> Result<String> {
    let page = site.link(&format!("/c/{}/news", community.slug));
    let entries: Vec<AtomEntry> = crate::announcements::archive(db, community.id)
        .await?
        .into_iter()
        .map(|a| AtomEntry {
            url: format!("{page}#n{}", a.id),
            updated: a.finished_at.unwrap_or(a.created_at),
            content_html: Some(crate::markdown::to_safe_html(&a.body)),
            summary: None,
            title: a.subject,
        })
        .collect();
    let title = format!("{} — news", community.name);
    Ok(atom(
        &title,
        &page,
        &format!("{page}.atom"),
        clock::now(),
        &entries,
    ))
}

struct AtomEntry {
    title: String,
    url: String,
    updated: crate::clock::Micros,
    summary: Option<String>,
    /// Sanitised HTML.
    content_html: Option<String>,
}

/// The feed document; `updated` is used when there are no entries.
fn atom(
    title: &str,
    page: &str,
    self_url: &str,
    updated: crate::clock::Micros,
    entries: &[AtomEntry],
) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(updated);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!("  <title>{}</title>\n", xml(title)));
    out.push_str(&format!("  <id>{}</id>\n", xml(page)));
    out.push_str(&format!("  <link href=\"{}\"/>\n", xml(page)));
    out.push_str(&format!("  <link rel=\"self\" href=\"{}\"/>\n", xml(self_url)));
    out.push_str(&format!("  <updated>{}</updated>\n", clock::rfc3339(updated)));
    out.push_str(&format!("  <author><name>{}</name></author>\n", xml(title)));
    for e in entries {
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <title>{}</title>\n", xml(&e.title)));
        out.push_str(&format!("    <id>{}</id>\n", xml(&e.url)));
        out.push_str(&format!("    <link href=\"{}\"/>\n", xml(&e.url)));
        out.push_str(&format!("    <updated>{}</updated>\n", clock::rfc3339(e.updated)));
        if let Some(s) = &e.summary {
            out.push_str(&format!("    <summary>{}</summary>\n", xml(s)));
        }
        if let Some(html) = &e.content_html {
            out.push_str(&format!("    <content type=\"html\">{}</content>\n", xml(html)));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// `s` escaped for XML text and attribute values.
pub(crate) fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Makes a new secret for the member's private feed, revoking the old URL; returns it.
pub async fn reset_token(db: &Db, user_id: i64) -> Result<String> {
    let token = tokens::generate();
    sqlx::query("UPDATE users SET feed_token = $1 WHERE id = $2")
        .bind(tokens::hash(&token))
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(token)
}

pub async fn has_token(db: &Db, user_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT feed_token FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db.read())
        .await?;
    Ok(row.try_get::<Option<String>, _>("feed_token")?.is_some())
}

/// The member whose private feed secret `token` is; `None` when unknown or revoked.
pub(crate) async fn user_of_token(db: &Db, token: &str) -> Result<Option<i64>> {
    sqlx::query("SELECT id FROM users WHERE feed_token = $1")
        .bind(tokens::hash(token))
        .fetch_optional(db.read())
        .await?
        .map(|row| Ok(row.try_get("id")?))
        .transpose()
}

/// The member's own calendar: events they are going to, waiting for, or awaiting approval for.
/// `None` for an unknown or revoked secret.
pub async fn private_calendar(db: &Db, site: &Site, token: &str) -> Result<Option<String>> {
    let Some(user_id) = user_of_token(db, token).await? else {
        return Ok(None);
    };
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(&format!(
        "SELECT {cols} FROM events e JOIN rsvps r ON r.event_id = e.id \
         WHERE r.user_id = $1 AND r.status IN ('going', 'waitlisted', 'pending') AND e.status <> 'draft' \
           AND e.ends_at > $2 ORDER BY e.starts_at LIMIT 500"
    ))
    .bind(user_id)
    .bind(clock::now() - 30 * DAY)
    .fetch_all(db.read())
    .await?;
    let events: Vec<Event> = rows.iter().map(Event::from_row).collect::<Result<_>>()?;
    Ok(Some(ics::calendar(site, &events, Some("Sbor"))))
}
