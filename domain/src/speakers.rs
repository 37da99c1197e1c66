//! Speaker profiles (one per account) and the public speaker page.
//!
//! The name is the account's display name; everything else a speaker says about themselves
//! lives here, apart from the account's short bio, because it is public on talk pages while the
//! account is not.

use chrono::{NaiveDate, NaiveTime};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::clock::{self, Micros};
use crate::communities::{self, parse_url};
use crate::error::{DomainError, Result};
use crate::talks::{self, PublicTalk};
use crate::{Db, markdown};

pub const MAX_BIO: usize = 5000;
pub const MAX_COMPANY: usize = 200;
pub const MAX_LINKS: usize = 10;
pub const MAX_AVAILABILITY: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeakerProfile {
    pub user_id: i64,
    pub display_name: String,
    /// Markdown; render with [`SpeakerProfile::bio_html`].
    pub bio: String,
    pub photo_url: String,
    pub company: String,
    /// http(s) URLs.
    pub links: Vec<String>,
    /// As typed; see [`parse_availability`] for its structure.
    pub availability: String,
    /// `None` until the speaker first saves the profile.
    pub updated_at: Option<Micros>,
}

impl SpeakerProfile {
    pub fn bio_html(&self) -> String {
        markdown::to_safe_html(&self.bio)
    }

    pub fn availability(&self) -> Availability {
        parse_availability(&self.availability).unwrap_or_default()
    }
}

/// What the public sees of a speaker: never their email or availability.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicSpeaker {
    pub user_id: i64,
    pub display_name: String,
    /// Markdown; render with `markdown::to_safe_html`.
    pub bio: String,
    pub photo_url: String,
    pub company: String,
    pub links: Vec<String>,
}

/// The columns [`PublicSpeaker::from_row`] reads, for `users u LEFT JOIN speaker_profiles p`.
pub(crate) const PUBLIC_COLUMNS: &str = "u.id AS speaker_id, u.display_name AS speaker_name, \
    COALESCE(p.bio, '') AS speaker_bio, COALESCE(p.photo_url, '') AS speaker_photo, \
    COALESCE(p.company, '') AS speaker_company, COALESCE(p.links, '') AS speaker_links";

impl PublicSpeaker {
    pub(crate) fn from_row(r: &AnyRow) -> Result<PublicSpeaker> {
        Ok(PublicSpeaker {
            user_id: r.try_get("speaker_id")?,
            display_name: r.try_get("speaker_name")?,
            bio: r.try_get("speaker_bio")?,
            photo_url: r.try_get("speaker_photo")?,
            company: r.try_get("speaker_company")?,
            links: owned_links(&r.try_get::<String, _>("speaker_links")?),
        })
    }
}

/// A stored links field, read as a community's is ([`communities::split_links`]).
fn owned_links(stored: &str) -> Vec<String> {
    communities::split_links(stored)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// One "YYYY-MM-DD HH:MM-HH:MM" line of availability, in the event's local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Availability as the scheduler reads it: structured slots, and the free-text lines around
/// them ("mornings only", "not on Fridays") for people to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Availability {
    pub slots: Vec<Slot>,
    pub notes: Vec<String>,
}

/// Parses availability text. A line that starts with a digit is meant as a slot and must be
/// `YYYY-MM-DD HH:MM-HH:MM` with the end after the start (else `("availability",
/// "invalid_slot")`, so a typo is caught when typed rather than ignored by the scheduler);
/// other non-empty lines are notes.
pub fn parse_availability(text: &str) -> Result<Availability> {
    let bad = || DomainError::invalid("availability", "invalid_slot");
    let mut out = Availability::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !line.starts_with(|c: char| c.is_ascii_digit()) {
            out.notes.push(line.to_owned());
            continue;
        }
        let (date, times) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (start, end) = times.trim().split_once('-').ok_or_else(bad)?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
        let start = NaiveTime::parse_from_str(start.trim(), "%H:%M").map_err(|_| bad())?;
        let end = NaiveTime::parse_from_str(end.trim(), "%H:%M").map_err(|_| bad())?;
        if end <= start {
            return Err(bad());
        }
        out.slots.push(Slot { date, start, end });
    }
    out.slots.sort();
    Ok(out)
}

pub struct ProfileInput<'a> {
    pub bio: &'a str,
    pub photo_url: &'a str,
    pub company: &'a str,
    /// One URL per line.
    pub links: &'a str,
    pub availability: &'a str,
}

/// The checked profile fields (pure): `(bio, photo_url, company, links, availability)`.
pub fn validate_profile(input: &ProfileInput<'_>) -> Result<(String, String, String, String, String)> {
    let bio = input.bio.trim();
    if bio.chars().count() > MAX_BIO {
        return Err(DomainError::invalid("bio", "too_long"));
    }
    let company = input.company.trim();
    if company.chars().count() > MAX_COMPANY || company.contains(['\r', '\n']) {
        return Err(DomainError::invalid("company", "too_long"));
    }
    let links = communities::parse_links(input.links, "links")?;
    if links.len() > MAX_LINKS {
        return Err(DomainError::invalid("links", "too_many_links"));
    }
    let availability = input.availability.trim();
    if availability.chars().count() > MAX_AVAILABILITY {
        return Err(DomainError::invalid("availability", "too_long"));
    }
    parse_availability(availability)?;
    Ok((
        bio.to_owned(),
        parse_url(input.photo_url, "photo_url")?,
        company.to_owned(),
        links.join("\n"),
        availability.to_owned(),
    ))
}

/// A user's speaker profile (empty until saved); `NotFound` for no such user.
pub async fn profile(db: &Db, user_id: i64) -> Result<SpeakerProfile> {
    let row = sqlx::query(
        "SELECT u.id, u.display_name, p.bio, p.photo_url, p.company, p.links, p.availability, p.updated_at \
         FROM users u LEFT JOIN speaker_profiles p ON p.user_id = u.id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.read())
    .await?
    .ok_or(DomainError::NotFound)?;
    let text = |c: &str| -> Result<String> { Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default()) };
    Ok(SpeakerProfile {
        user_id: row.try_get("id")?,
        display_name: row.try_get("display_name")?,
        bio: text("bio")?,
        photo_url: text("photo_url")?,
        company: text("company")?,
        links: owned_links(&text("links")?),
        availability: text("availability")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Saves the acting user's own profile.
pub async fn save_profile(db: &Db, user: &User, input: ProfileInput<'_>) -> Result<SpeakerProfile> {
    let (bio, photo_url, company, links, availability) = validate_profile(&input)?;
    sqlx::query(
        "INSERT INTO speaker_profiles (user_id, bio, photo_url, company, links, availability, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET bio = $2, photo_url = $3, \
           company = $4, links = $5, availability = $6, updated_at = $7",
    )
    .bind(user.id)
    .bind(bio)
    .bind(photo_url)
    .bind(company)
    .bind(links)
    .bind(availability)
    .bind(clock::now())
    .execute(db.write())
    .await?;
    profile(db, user.id).await
}

/// The public speaker page: the speaker and their confirmed talks across events and
/// communities, newest event first.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeakerPage {
    pub speaker: PublicSpeaker,
    pub talks: Vec<PublicTalk>,
}

/// `NotFound` unless the user has at least one confirmed talk: accounts that never spoke
/// have no public page.
pub async fn speaker_page(db: &Db, user_id: i64) -> Result<SpeakerPage> {
    let talks = talks::public_talks_of_speaker(db, user_id).await?;
    let speaker = talks
        .iter()
        .flat_map(|t| t.speakers.iter())
        .find(|s| s.user_id == user_id)
        .cloned()
        .ok_or(DomainError::NotFound)?;
    Ok(SpeakerPage { speaker, talks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_slots_and_notes() {
        let a = parse_availability("Mornings only\n2026-12-11 10:00-12:30\n\n 2026-12-10 09:00 - 18:00 ")
            .unwrap();
        assert_eq!(a.notes, vec!["Mornings only"]);
        assert_eq!(a.slots.len(), 2);
        assert_eq!(a.slots[0].date, NaiveDate::from_ymd_opt(2026, 12, 10).unwrap());
        assert_eq!(a.slots[1].end, NaiveTime::from_hms_opt(12, 30, 0).unwrap());
        for bad in [
            "2026-12-11",
            "2026-12-11 10:00",
            "2026-13-01 10:00-11:00",
            "2026-12-11 12:00-11:00",
        ] {
            assert!(parse_availability(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn profile_validation() {
        let ok = ProfileInput {
            bio: "**Rustacean**",
            photo_url: "https://x.example/me.jpg",
            company: "ACME",
            links: "https://a.example\n\nhttps://b.example",
            availability: "",
        };
        let (_, _, _, links, _) = validate_profile(&ok).unwrap();
        assert_eq!(links, "https://a.example\nhttps://b.example");
        let bad_link = ProfileInput {
            links: "javascript:alert(1)",
            ..ok
        };
        assert!(matches!(
            validate_profile(&bad_link),
            Err(DomainError::Invalid {
                field: "links",
                code: "invalid_url"
            })
        ));
        let long = "x".repeat(MAX_BIO + 1);
        let ok2 = ProfileInput {
            bio: &long,
            photo_url: "",
            company: "",
            links: "",
            availability: "",
        };
        assert!(matches!(
            validate_profile(&ok2),
            Err(DomainError::Invalid {
                field: "bio",
                code: "too_long"
            })
        ));
    }
}
