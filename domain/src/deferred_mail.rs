//! Mails queued unrendered and rendered when the mail worker claims them.
//!
//! Why: an RSVP batch queues a mail for each of up to a thousand people while it holds the
//! event's lock, and everyone who answered after them waits for that lock. Rendering those
//! mails there (text, HTML, and a calendar file for each seat) and writing 2 KiB rows was about
//! a third of a storm's wait (2,000 people answering one event at once). A deferred row holds
//! only what its mail is made from and is still written in the answer's own transaction (by a
//! batch, inside one bundle row for the whole batch: [`crate::outbox::enqueue_bundle_in`]), so it
//! exists exactly when the answer does; the worker renders it just before sending.
//!
//! What the answer decided (its status, the waitlist place it was told, the recipient's name
//! and language) is kept in the row. The event's title, time and calendar file are read when
//! the mail is sent, so they are the event's current ones.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};

use crate::Db;
use crate::accounts::{Site, User};
use crate::error::DomainError;
use crate::events::{self, Event, Status as EventStatus};
use crate::lang::Lang;
use crate::outbox::{Delivery, NewMail, OutboxMail};
use crate::rsvp::{self, RsvpStatus};

/// What a deferred row is rendered from (`outbox.render`, as JSON).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Deferred {
    /// Where one person's fresh answer landed ([`rsvp::answer_mail`]).
    RsvpAnswer {
        event: i64,
        name: String,
        lang: Lang,
        status: String,
        position: Option<i64>,
        party_too_big: bool,
    },
}

/// The mail telling `user` where their fresh answer to `event` landed, or `None` when that
/// answer gets no mail. Rendered when sent, by the same [`rsvp::render_rsvp_mail`] that renders
/// the mails queued at once.
pub(crate) fn rsvp_answer(
    event: &Event,
    user: &User,
    status: RsvpStatus,
    position: Option<i64>,
    party_too_big: bool,
    arrival: i64,
) -> Option<NewMail> {
    let (kind, _) = rsvp::answer_mail(status, position, party_too_big)?;
    let key = rsvp::answer_mail_key(kind, event, user.id, arrival);
    let render = Deferred::RsvpAnswer {
        event: event.id,
        name: user.display_name.clone(),
        lang: user.lang,
        status: status.code().to_owned(),
        position,
        party_too_big,
    };
    // Serialising a struct of plain fields cannot fail.
    let render = serde_json::to_string(&render).expect("a deferred mail serialises");
    Some(NewMail::deferred(key, kind, &user.email, render))
}

/// Fills in the subject, bodies and calendar file of the deferred rows among `mails` (others
/// are left as they are), reading each event once. Returns, for each mail, `None` when it can
/// be sent, or the outcome to record instead: permanent when the mail is no longer wanted or
/// cannot be made (the event was deleted or cancelled), temporary when the database could not
/// be read.
pub async fn render(db: &Db, site: &Site, mails: &mut [OutboxMail]) -> Vec<Option<Delivery>> {
    let mut events: HashMap<i64, Option<Event>> = HashMap::new();
    let mut verdicts = Vec::with_capacity(mails.len());
    for mail in mails.iter_mut() {
        verdicts.push(render_one(db, site, &mut events, mail).await.err());
    }
    verdicts
}

async fn render_one(
    db: &Db,
    site: &Site,
    events: &mut HashMap<i64, Option<Event>>,
    mail: &mut OutboxMail,
) -> Result<(), Delivery> {
    let Some(json) = mail.render.as_deref() else {
        return Ok(());
    };
    let deferred: Deferred = serde_json::from_str(json)
        .map_err(|e| Delivery::Permanent(format!("cannot read what to render the mail from: {e}")))?;
    match deferred {
        Deferred::RsvpAnswer {
            event,
            name,
            lang,
            status,
            position,
            party_too_big,
        } => {
            let event = match events.entry(event) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => slot.insert(match events::get(db, event).await {
                    Ok(e) => Some(e),
                    Err(DomainError::NotFound) => None,
                    Err(e) => return Err(Delivery::Temporary(format!("cannot read the event: {e}"))),
                }),
            };
            let Some(event) = event.as_ref() else {
                return Err(Delivery::Permanent("the event no longer exists".into()));
            };
            // Everyone going or waitlisted was told of the cancellation by its own mail; a
            // confirmation arriving after it would only confuse.
            if event.status == EventStatus::Cancelled {
                return Err(Delivery::Permanent(
                    "the event was cancelled before this mail went out".into(),
                ));
            }
            let (_, answer) = rsvp::answer_mail(RsvpStatus::parse(&status), position, party_too_big)
                .ok_or_else(|| Delivery::Permanent(format!("no mail for an answer that is {status}")))?;
            let (rendered, ics) = rsvp::render_rsvp_mail(site, event, (&name, lang), answer);
            mail.subject = rendered.subject;
            mail.body_text = rendered.text;
            mail.body_html = rendered.html;
            mail.ics = ics;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_stored_reads_back_the_same() {
        let d = Deferred::RsvpAnswer {
            event: 7,
            name: "Анна \"A\" O'Neil".into(),
            lang: Lang::Ru,
            status: "waitlisted".into(),
            position: Some(12),
            party_too_big: true,
        };
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.starts_with("{\"rsvp_answer\":"), "{json}");
        assert_eq!(serde_json::from_str::<Deferred>(&json).unwrap(), d);
    }
}
