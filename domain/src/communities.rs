//! Communities, their members and organizers.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::{Site, User};
use crate::clock::{self, Micros};
use crate::email::Email;
use crate::error::{DomainError, Result};
use crate::lang::Lang;
use crate::mail_templates::{self, Template};
use crate::outbox::{self, NewMail};
use crate::{Db, accounts};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub logo_url: String,
    pub links: String,
    pub time_zone: String,
    pub lang: Lang,
}

const COLUMNS: &str = "id, slug, name, description, logo_url, links, time_zone, lang";

impl Community {
    fn from_row(r: &AnyRow) -> Result<Community> {
        Ok(Community {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            logo_url: r.try_get("logo_url")?,
            links: r.try_get("links")?,
            time_zone: r.try_get("time_zone")?,
            lang: Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or_default(),
        })
    }

    /// The links field, one URL per line.
    pub fn link_list(&self) -> Vec<&str> {
        split_links(&self.links)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Member,
    Organizer,
}

impl Role {
    fn code(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Organizer => "organizer",
        }
    }
}

/// `devops-moscow`: lower-case letters, digits and single dashes, 2 to 40 characters.
pub fn parse_slug(raw: &str) -> Result<String> {
    let s = raw.trim().to_lowercase();
    let ok = (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(s)
    } else {
        Err(DomainError::invalid("slug", "invalid_slug"))
    }
}

/// An optional http(s) URL field.
pub fn parse_url(raw: &str, field: &'static str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && s.len() <= 2000 => Ok(s.to_owned()),
        _ => Err(DomainError::invalid(field, "invalid_url")),
    }
}

/// A stored links field (one URL per line, as [`parse_links`] joined it) as a list.
pub fn split_links(stored: &str) -> Vec<&str> {
    stored.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// A links field as typed, one http(s) URL per line: blank lines are dropped, any other line
/// must be a URL (`(field, "invalid_url")` otherwise).
pub fn parse_links(raw: &str, field: &'static str) -> Result<Vec<String>> {
    Ok(raw
        .lines()
        .map(|l| parse_url(l, field))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect())
}

pub fn parse_time_zone(raw: &str) -> Result<chrono_tz::Tz> {
    raw.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| DomainError::invalid("time_zone", "unknown_time_zone"))
}

/// `Default` is an empty form, for code that sets a few fields.
#[derive(Default)]
pub struct CommunityInput<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub logo_url: &'a str,
    pub links: &'a str,
    pub time_zone: &'a str,
    pub lang: &'a str,
}

struct Parsed {
    slug: String,
    name: String,
    description: String,
    logo_url: String,
    links: String,
    time_zone: String,
    lang: Lang,
}

fn parse(input: &CommunityInput<'_>) -> Result<Parsed> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("name", "required"));
    }
    if name.chars().count() > 100 {
        return Err(DomainError::invalid("name", "too_long"));
    }
    if input.description.chars().count() > 20_000 {
        return Err(DomainError::invalid("description", "too_long"));
    }
    let links = parse_links(input.links, "links")?.join("\n");
    Ok(Parsed {
        slug: parse_slug(input.slug)?,
        name: name.to_owned(),
        description: input.description.trim().to_owned(),
        logo_url: parse_url(input.logo_url, "logo_url")?,
        links,
        time_zone: parse_time_zone(input.time_zone)?.name().to_owned(),
        lang: Lang::parse(input.lang).ok_or(DomainError::invalid("lang", "unknown_language"))?,
    })
}

/// Creates a community (site admins only) and makes its creator an organizer.
pub async fn create(db: &Db, actor: &User, input: CommunityInput<'_>) -> Result<Community> {
    if !actor.is_admin {
        return Err(DomainError::Forbidden);
    }
    let p = parse(&input)?;
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let row = sqlx::query(
        "INSERT INTO communities (slug, name, description, logo_url, links, time_zone, lang, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(&p.slug)
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.logo_url)
    .bind(&p.links)
    .bind(&p.time_zone)
    .bind(p.lang.code())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DomainError::invalid("slug", "slug_taken"))?;
    let id: i64 = row.try_get("id")?;
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES ($1, $2, 'organizer', $3)",
    )
    .bind(id)
    .bind(actor.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    get(db, id).await
}

/// Edits a community (its organizers and site admins). The slug stays: links must not break.
pub async fn update(db: &Db, actor: &User, id: i64, input: CommunityInput<'_>) -> Result<Community> {
    require_organizer(db, id, actor).await?;
    let current = get(db, id).await?;
    let p = parse(&CommunityInput {
        slug: &current.slug,
        ..input
    })?;
    sqlx::query(
        "UPDATE communities SET name = $1, description = $2, logo_url = $3, links = $4, time_zone = $5, lang = $6 \
         WHERE id = $7",
    )
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.logo_url)
    .bind(&p.links)
    .bind(&p.time_zone)
    .bind(p.lang.code())
    .bind(id)
    .execute(db.write())
    .await?;
    get(db, id).await
}

pub async fn get(db: &Db, id: i64) -> Result<Community> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM communities WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.read())
        .await?
        .ok_or(DomainError::NotFound)?;
    Community::from_row(&row)
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Community> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM communities WHERE slug = $1"))
        .bind(slug.trim().to_lowercase())
        .fetch_optional(db.read())
        .await?
        .ok_or(DomainError::NotFound)?;
    Community::from_row(&row)
}

pub async fn list(db: &Db) -> Result<Vec<Community>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM communities ORDER BY name"))
        .fetch_all(db.read())
        .await?;
    rows.iter().map(Community::from_row).collect()
}

/// The role of `user_id` in a community, if a member.
pub async fn role_of(db: &Db, community_id: i64, user_id: i64) -> Result<Option<Role>> {
    let row = sqlx::query("SELECT role FROM memberships WHERE community_id = $1 AND user_id = $2")
        .bind(community_id)
        .bind(user_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.map(|r| r.try_get::<String, _>("role")).transpose()?.map(|r| {
        if r == "organizer" {
            Role::Organizer
        } else {
            Role::Member
        }
    }))
}

/// Whether `user` may run the community: its organizers and every site admin.
pub async fn can_manage(db: &Db, community_id: i64, user: &User) -> Result<bool> {
    Ok(user.is_admin || role_of(db, community_id, user.id).await? == Some(Role::Organizer))
}

pub async fn require_organizer(db: &Db, community_id: i64, user: &User) -> Result<()> {
    if can_manage(db, community_id, user).await? {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Joins as a member; joining again changes nothing (an organizer stays organizer).
pub async fn join(db: &Db, community_id: i64, user_id: i64) -> Result<()> {
    let mut conn = db.write().acquire().await?;
    join_in(&mut conn, community_id, user_id, clock::now()).await
}

/// [`join`] inside the caller's transaction, joined at `now`: an RSVP and a talk make their
/// author a member together with their own change.
pub(crate) async fn join_in(
    conn: &mut AnyConnection,
    community_id: i64,
    user_id: i64,
    now: Micros,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3) \
         ON CONFLICT (community_id, user_id) DO NOTHING",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Leaves the community (organizers too). RSVPs to its events stay as they are.
pub async fn leave(db: &Db, community_id: i64, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2")
        .bind(community_id)
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(())
}

/// What [`add_organizer`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrganizerAdded {
    /// The address had an account: it is an organizer now.
    Account(User),
    /// No account yet: an invitation went out and waits for the address to be confirmed.
    Invited(String),
}

/// Makes the account with `email` an organizer (joining it if needed) and tells them by mail.
/// An address without an account gets an invitation instead; it becomes an organizer when an
/// account proves it owns the address (see [`accept_invitations_in`]).
pub async fn add_organizer(
    db: &Db,
    site: &Site,
    actor: &User,
    community_id: i64,
    email: &str,
) -> Result<OrganizerAdded> {
    require_organizer(db, community_id, actor).await?;
    let email = Email::parse(email)?;
    let community = get(db, community_id).await?;
    let Some(user) = accounts::find_by_email(db, &email).await? else {
        return invite_organizer(db, site, actor, &community, email.as_str()).await;
    };
    let mut tx = db.write().begin().await?;
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES ($1, $2, 'organizer', $3) \
         ON CONFLICT (community_id, user_id) DO UPDATE SET role = 'organizer'",
    )
    .bind(community_id)
    .bind(user.id)
    .bind(clock::now())
    .execute(&mut *tx)
    .await?;
    let mail = mail_templates::render(
        user.lang,
        &Template::OrganizerAdded {
            name: &user.display_name,
            community: &community.name,
            url: &site.link(&format!("/c/{}", community.slug)),
        },
    );
    let key = format!("organizer:{community_id}:{}:{}", user.id, clock::now());
    outbox::enqueue_in(
        &mut tx,
        site,
        NewMail::new(key, "organizer_added", &user.email, mail),
    )
    .await?;
    tx.commit().await?;
    Ok(OrganizerAdded::Account(user))
}

/// Records an invitation for an address without an account and mails it a sign-up link, in
/// the community's language (the invitee has no language of their own yet). Inviting the same
/// address again re-sends the mail (at most once an hour, by its idempotency key).
async fn invite_organizer(
    db: &Db,
    site: &Site,
    actor: &User,
    community: &Community,
    email: &str,
) -> Result<OrganizerAdded> {
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    sqlx::query(
        "INSERT INTO organizer_invites (community_id, email, invited_by, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (community_id, email) DO UPDATE SET invited_by = $3, created_at = $4",
    )
    .bind(community.id)
    .bind(email)
    .bind(actor.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let lang = community.lang;
    let mail = mail_templates::render(
        lang,
        &Template::OrganizerInvited {
            inviter: &actor.display_name,
            community: &community.name,
            url: &site.link(&format!(
                "/signup?email={}",
                url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
            )),
        },
    );
    let hour = now / clock::HOUR;
    let key = format!("organizer_invite:{}:{email}:{hour}", community.id);
    // The outbox ignores a second mail with the same key: at most one invitation an hour.
    outbox::enqueue_in(&mut tx, site, NewMail::new(key, "organizer_invited", email, mail)).await?;
    tx.commit().await?;
    Ok(OrganizerAdded::Invited(email.to_owned()))
}

/// Turns the pending organizer invitations of `user_id`'s address into organizer memberships.
/// Called in the transaction that proves the address belongs to the account.
pub async fn accept_invitations_in(conn: &mut AnyConnection, user_id: i64) -> Result<u64> {
    let now = clock::now();
    let accepted = sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, joined_at) \
         SELECT i.community_id, u.id, 'organizer', $2 FROM organizer_invites i \
         JOIN users u ON u.email = i.email WHERE u.id = $1 \
         ON CONFLICT (community_id, user_id) DO UPDATE SET role = 'organizer'",
    )
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM organizer_invites WHERE email = (SELECT email FROM users WHERE id = $1)")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(accepted)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub user_id: i64,
    pub display_name: String,
}

pub async fn organizers(db: &Db, community_id: i64) -> Result<Vec<Person>> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.community_id = $1 AND m.role = 'organizer' ORDER BY u.display_name",
    )
    .bind(community_id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Person {
                user_id: r.try_get("id")?,
                display_name: r.try_get("display_name")?,
            })
        })
        .collect()
}

pub async fn member_count(db: &Db, community_id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(db.read())
        .await?;
    Ok(row.try_get("n")?)
}

/// A member as organizers see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub joined_at: i64,
    /// Past events of this community they were checked in at.
    pub attended: i64,
    /// Past events they said they would come to and were not checked in at.
    pub no_shows: i64,
}

/// The member list with attendance, for organizers.
pub async fn members(db: &Db, actor: &User, community_id: i64) -> Result<Vec<MemberRow>> {
    require_organizer(db, community_id, actor).await?;
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.email, m.role, m.joined_at, \
           (SELECT COUNT(*) FROM rsvps r JOIN events e ON e.id = r.event_id \
             WHERE r.user_id = u.id AND e.community_id = m.community_id AND r.checked_in_at IS NOT NULL) AS attended, \
           (SELECT COUNT(*) FROM rsvps r JOIN events e ON e.id = r.event_id \
             WHERE r.user_id = u.id AND e.community_id = m.community_id AND r.status = 'going' \
               AND r.checked_in_at IS NULL AND e.ends_at < $2 AND e.status = 'published') AS no_shows \
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.community_id = $1 \
         ORDER BY m.joined_at, u.id",
    )
    .bind(community_id)
    .bind(clock::now())
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MemberRow {
                user_id: r.try_get("id")?,
                display_name: r.try_get("display_name")?,
                email: r.try_get("email")?,
                role: r.try_get("role")?,
                joined_at: r.try_get("joined_at")?,
                attended: r.try_get("attended")?,
                no_shows: r.try_get("no_shows")?,
            })
        })
        .collect()
}

/// The communities `user_id` belongs to, with their reminder setting.
/// A member's communities with their mail choices: (community, reminders, announcements).
pub async fn memberships_of(db: &Db, user_id: i64) -> Result<Vec<(Community, bool, bool)>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(&format!(
        "SELECT {cols}, m.reminders, m.announcements FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.user_id = $1 ORDER BY c.name"
    ))
    .bind(user_id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Community::from_row(r)?,
                r.try_get::<i64, _>("reminders")? != 0,
                r.try_get::<i64, _>("announcements")? != 0,
            ))
        })
        .collect()
}

/// Sets whether a member gets event reminders from this community.
pub async fn set_reminders(db: &Db, community_id: i64, user_id: i64, on: bool) -> Result<()> {
    sqlx::query("UPDATE memberships SET reminders = $1 WHERE community_id = $2 AND user_id = $3")
        .bind(on as i64)
        .bind(community_id)
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(())
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        assert_eq!(parse_slug(" DevOps-Moscow ").unwrap(), "devops-moscow");
        for bad in ["a", "-x", "x-", "a--b", "hello world", "привет", &"x".repeat(41)] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsed_slugs_are_url_safe(s in "\\PC{0,50}") {
            if let Ok(slug) = parse_slug(&s) {
                prop_assert!(slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
                prop_assert_eq!(parse_slug(&slug).unwrap(), slug.clone());
            }
        }
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("", "x").unwrap(), "");
        assert!(parse_url("https://t.me/devops_moscow", "x").is_ok());
        assert!(parse_url("javascript:alert(1)", "x").is_err());
        assert!(parse_url("ftp://x", "x").is_err());
    }
}
