//! Check-in at the door. A ticket carries a code `<rsvp id>.<signature>`: the signature (HMAC-SHA256
//! with the site's secret key over event and RSVP) makes codes unforgeable without storing them,
//! and works offline on a printed or screenshotted QR code.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;

use crate::accounts::User;
use crate::error::{DomainError, Result};
use crate::{Db, clock, communities, events};

/// The key tickets are signed with (SECRET_KEY); never printed.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    pub fn new(secret: &str) -> SigningKey {
        SigningKey(secret.as_bytes().to_vec())
    }

    fn mac(&self, event_id: i64, rsvp_id: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(format!("sbor-ticket:{event_id}:{rsvp_id}").as_bytes());
        mac
    }
}

impl SigningKey {
    /// A short signature of `message` (URL-safe), for links that must work without a login and
    /// cannot be forged, e.g. unsubscribe links. Give each purpose its own message prefix.
    pub fn sign(&self, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(message.as_bytes());
        let sig = mac.finalize().into_bytes();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sig[..SIG_BYTES])
    }

    /// Whether `sig` is [`SigningKey::sign`] of `message` (compared in constant time).
    pub fn verify_signature(&self, message: &str, sig: &str) -> bool {
        let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        if sig.len() != SIG_BYTES {
            return false;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(message.as_bytes());
        mac.verify_truncated_left(&sig).is_ok()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// 16 bytes of signature: short enough for a small QR code, far too long to guess.
const SIG_BYTES: usize = 16;

pub fn code_for(key: &SigningKey, event_id: i64, rsvp_id: i64) -> String {
    let sig = key.mac(event_id, rsvp_id).finalize().into_bytes();
    format!(
        "{rsvp_id}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sig[..SIG_BYTES])
    )
}

/// The RSVP a code stands for, if its signature is right for this event.
pub fn verify(key: &SigningKey, event_id: i64, code: &str) -> Option<i64> {
    let (id, sig) = code.trim().split_once('.')?;
    let rsvp_id: i64 = id.parse().ok()?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .ok()?;
    if sig.len() != SIG_BYTES {
        return None;
    }
    // verify_truncated_left compares in constant time.
    key.mac(event_id, rsvp_id).verify_truncated_left(&sig).ok()?;
    Some(rsvp_id)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckIn {
    pub rsvp_id: i64,
    pub display_name: String,
    pub guests: i64,
    /// Checked in before this scan.
    pub already: bool,
}

/// Marks an attendee as arrived, by ticket code. Forged codes, codes of another event and
/// people without a seat are refused; a second scan says "already checked in".
pub async fn by_code(db: &Db, key: &SigningKey, actor: &User, event_id: i64, code: &str) -> Result<CheckIn> {
    let event = events::get(db, event_id).await?;
    communities::require_organizer(db, event.community_id, actor).await?;
    let rsvp_id = verify(key, event_id, code).ok_or(DomainError::invalid("code", "invalid_ticket"))?;
    mark(db, event_id, rsvp_id).await
}

/// Marks an attendee as arrived, found by name on the check-in page.
pub async fn by_rsvp(db: &Db, actor: &User, event_id: i64, rsvp_id: i64) -> Result<CheckIn> {
    let event = events::get(db, event_id).await?;
    communities::require_organizer(db, event.community_id, actor).await?;
    mark(db, event_id, rsvp_id).await
}

/// One conditional UPDATE marks the arrival, so a cancellation racing the scan cannot be
/// checked in; the read afterwards only tells "already" from "no seat".
async fn mark(db: &Db, event_id: i64, rsvp_id: i64) -> Result<CheckIn> {
    let done = sqlx::query(
        "UPDATE rsvps SET checked_in_at = $1 \
         WHERE id = $2 AND event_id = $3 AND status = 'going' AND checked_in_at IS NULL",
    )
    .bind(clock::now())
    .bind(rsvp_id)
    .bind(event_id)
    .execute(db.write())
    .await?;
    let row = sqlx::query(
        "SELECT r.status, r.guests, r.checked_in_at, u.display_name FROM rsvps r JOIN users u ON u.id = r.user_id \
         WHERE r.id = $1 AND r.event_id = $2",
    )
    .bind(rsvp_id)
    .bind(event_id)
    .fetch_optional(db.read())
    .await?
    .ok_or(DomainError::invalid("code", "invalid_ticket"))?;
    if row.try_get::<String, _>("status")? != "going" {
        return Err(DomainError::invalid("code", "ticket_not_going"));
    }
    Ok(CheckIn {
        rsvp_id,
        display_name: row.try_get("display_name")?,
        guests: row.try_get("guests")?,
        already: done.rows_affected() == 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_verify_only_for_their_event_and_key() {
        let key = SigningKey::new("k".repeat(40).as_str());
        let code = code_for(&key, 7, 42);
        assert_eq!(verify(&key, 7, &code), Some(42));
        assert_eq!(verify(&key, 8, &code), None, "another event");
        assert_eq!(
            verify(&SigningKey::new("other key that is long enough......"), 7, &code),
            None
        );
        assert_eq!(verify(&key, 7, &code.replace("42.", "43.")), None, "another RSVP");
        assert_eq!(verify(&key, 7, "42"), None);
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }

    proptest! {
        #[test]
        fn no_garbage_verifies(s in "\\PC{0,60}") {
            let key = SigningKey::new("secret-secret-secret-secret-secret");
            prop_assert_eq!(verify(&key, 1, &s), None);
        }
    }
}
