//! iCalendar (RFC 5545) for events: the attachment of RSVP mails and the `.ics` routes.
//!
//! Times are written in UTC (`…Z`), which every calendar converts to its reader's zone without
//! needing VTIMEZONE blocks; the event's own zone is named in the description. The UID stays the
//! same for the life of an event and SEQUENCE rises with every change of time or place, so
//! calendars update the entry instead of adding a second one.

use crate::accounts::Site;
use crate::clock::{self, Micros};
use crate::events::{Event, Status};

/// A calendar with one event.
pub fn event_calendar(site: &Site, event: &Event) -> String {
    calendar(site, std::slice::from_ref(event), None)
}

/// A calendar of several events (community and personal feeds), optionally named.
pub fn calendar(site: &Site, events: &[Event], name: Option<&str>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Sbor//Sbor//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    if let Some(n) = name {
        line(&mut out, &format!("X-WR-CALNAME:{}", escape(n)));
    }
    let stamp = utc(clock::now());
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:event-{}@{}", e.id, site.host()));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART:{}", utc(e.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(e.ends_at)));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.title)));
        let url = site.link(&format!("/e/{}", e.id));
        let description = format!(
            "{}\n\n{} ({})\n{url}",
            e.description,
            crate::mail_templates::when_in(crate::Lang::En, e),
            e.time_zone
        );
        line(&mut out, &format!("DESCRIPTION:{}", escape(description.trim())));
        let location = [e.venue_name.as_str(), e.venue_address.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if !location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", escape(&location)));
        }
        line(&mut out, &format!("URL:{url}"));
        line(
            &mut out,
            if e.status == Status::Cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

pub(crate) fn utc(at: Micros) -> String {
    clock::to_datetime(at).format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT escaping (RFC 5545 §3.3.11).
pub(crate) fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Appends a content line folded at 75 octets (never inside a UTF-8 character), CRLF-ended.
pub(crate) fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for ch in content.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn lines_are_folded_within_75_octets(s in "\\PC{0,300}") {
            let mut out = String::new();
            line(&mut out, &format!("SUMMARY:{}", escape(&s)));
            for l in out.split("\r\n").filter(|l| !l.is_empty()) {
                prop_assert!(l.len() <= 75, "{} octets", l.len());
            }
            // Unfolding gives the content back.
            let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
            prop_assert_eq!(unfolded, format!("SUMMARY:{}", escape(&s)));
        }
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
