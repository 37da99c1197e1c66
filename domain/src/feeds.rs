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
    let updated = events.iter().map(|e| e.updated_at).max().unwrap_or(now);
    let page = site.link(&format!("/c/{}", community.slug));
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!("  <title>{}</title>\n", xml(&community.name)));
    out.push_str(&format!("  <id>{}</id>\n", xml(&page)));
    out.push_str(&format!("  <link href=\"{}\"/>\n", xml(&page)));
    out.push_str(&format!(
        "  <link rel=\"self\" href=\"{}\"/>\n",
        xml(&format!("{page}/feed.atom"))
    ));
    out.push_str(&format!("  <updated>{}</updated>\n", clock::rfc3339(updated)));
    for e in &events {
        let url = site.link(&format!("/e/{}", e.id));
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <title>{}</title>\n", xml(&e.title)));
        out.push_str(&format!("    <id>{}</id>\n", xml(&url)));
        out.push_str(&format!("    <link href=\"{}\"/>\n", xml(&url)));
        out.push_str(&format!(
            "    <updated>{}</updated>\n",
            clock::rfc3339(e.updated_at)
        ));
        out.push_str(&format!(
            "    <author><name>{}</name></author>\n",
            xml(&community.name)
        ));
        let when = crate::mail_templates::when_in(community.lang, e);
        let summary = format!(
            "{when}{}",
            if e.venue_name.is_empty() {
                String::new()
            } else {
                format!(" · {}", e.venue_name)
            }
        );
        out.push_str(&format!("    <summary>{}</summary>\n", xml(&summary)));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    Ok(out)
}

fn xml(s: &str) -> String {
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

/// The member's own calendar: events they are going to, waiting for, or awaiting approval for.
/// `None` for an unknown or revoked secret.
pub async fn private_calendar(db: &Db, site: &Site, token: &str) -> Result<Option<String>> {
    let Some(row) = sqlx::query("SELECT id FROM users WHERE feed_token = $1")
        .bind(tokens::hash(token))
        .fetch_optional(db.read())
        .await?
    else {
        return Ok(None);
    };
    let user_id: i64 = row.try_get("id")?;
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
