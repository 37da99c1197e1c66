//! The frab / pentabarf `schedule.xml` that conference apps (Giggity, EventFahrplan), the
//! c3voc recording tracker and signage read. It is written to validate against the c3voc XSD
//! (`tests/fixtures/schedule-formats/schedule.xml.xsd`): where one of our values cannot take
//! the schema's shape (a non-http URL, a Cyrillic slug), the optional element is left out or
//! a stand-in is written rather than producing a file those tools reject.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::doc::ScheduleDoc;
use super::layout::{self, clock_time, date_time, hhmm};

/// The whole schedule as frab XML, times on the conference's wall clock with their offset.
pub fn frab_xml(doc: &ScheduleDoc) -> String {
    let tz = doc.conference.time_zone;
    let plan = layout::plan(doc);
    let mut x = String::with_capacity(4096 + doc.talks.len() * 2048);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schedule>\n");
    let _ = writeln!(
        x,
        "  <generator name=\"sbor\" version=\"{}\"/>",
        attr(env!("CARGO_PKG_VERSION"))
    );
    elem(&mut x, 2, "version", &doc.version);
    x.push_str("  <conference>\n");
    let c = &doc.conference;
    elem(&mut x, 4, "acronym", &layout::voc_acronym(&c.acronym));
    elem(&mut x, 4, "title", &c.title);
    elem(&mut x, 4, "start", &c.start.to_string());
    elem(&mut x, 4, "end", &c.end.to_string());
    elem(&mut x, 4, "days", &plan.len().to_string());
    elem(&mut x, 4, "timeslot_duration", &hhmm(c.grid_minutes));
    if let Some(u) = layout::absolute_url(&doc.base_url, &doc.base_url) {
        elem(&mut x, 4, "base_url", &u);
    }
    if let Some(u) = layout::absolute_url(&doc.base_url, &c.url) {
        elem(&mut x, 4, "url", &u);
    }
    elem(&mut x, 4, "time_zone_name", c.time_zone.name());
    for track in layout::tracks(doc) {
        let _ = writeln!(x, "    <track name=\"{}\"/>", attr(track));
    }
    x.push_str("  </conference>\n");

    let mut slugs = HashSet::new();
    let mut guids = HashSet::new();
    for day in &plan {
        let _ = writeln!(
            x,
            "  <day index=\"{}\" date=\"{}\" start=\"{}\" end=\"{}\">",
            day.index,
            day.date,
            date_time(day.starts_at, tz),
            date_time(day.ends_at, tz)
        );
        for (room, talks) in &day.rooms {
            let _ = writeln!(
                x,
                "    <room name=\"{}\" guid=\"{}\">",
                attr(&room.name),
                layout::room_guid(doc, room)
            );
            for t in talks {
                let _ = writeln!(
                    x,
                    "      <event guid=\"{}\" id=\"{}\">",
                    layout::talk_guid(doc, t, &mut guids),
                    // The XSD wants a positive integer; ids from the database always are.
                    t.id.max(1)
                );
                elem(&mut x, 8, "date", &date_time(t.starts_at, tz));
                elem(&mut x, 8, "start", &clock_time(t.starts_at, tz));
                elem(&mut x, 8, "duration", &hhmm(t.minutes));
                elem(&mut x, 8, "room", &room.name);
                elem(&mut x, 8, "slug", &layout::voc_slug(&c.acronym, t, &mut slugs));
                if let Some(u) = layout::absolute_url(&doc.base_url, &t.url) {
                    elem(&mut x, 8, "url", &u);
                }
                elem(&mut x, 8, "title", &t.title);
                elem(&mut x, 8, "subtitle", &t.subtitle);
                elem(&mut x, 8, "track", t.track.as_deref().unwrap_or(""));
                elem(&mut x, 8, "type", &t.session_type);
                elem(&mut x, 8, "language", &t.language);
                elem(&mut x, 8, "abstract", &t.abstract_text);
                elem(&mut x, 8, "description", &t.description);
                x.push_str("        <persons>\n");
                for p in &t.persons {
                    let _ = writeln!(x, "          <person id=\"{}\">{}</person>", p.id, text(&p.name));
                }
                x.push_str("        </persons>\n        <links/>\n      </event>\n");
            }
            x.push_str("    </room>\n");
        }
        x.push_str("  </day>\n");
    }
    x.push_str("</schedule>\n");
    x
}

fn elem(x: &mut String, indent: usize, name: &str, value: &str) {
    let _ = writeln!(x, "{:indent$}<{name}>{}</{name}>", "", text(value));
}

/// Characters XML 1.0 forbids even as references (most C0 controls, U+FFFE/U+FFFF): a pasted
/// abstract may carry one, and one such byte makes every parser reject the whole file.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Element content. `\r` is written as a reference because parsers turn a literal CR into LF.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Attribute values (always double-quoted). Tabs and line breaks are written as references
/// because attribute normalization would otherwise turn them into spaces.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(text("a<b>&\"'\r\u{1}\u{fffe}я"), "a&lt;b&gt;&amp;\"'&#13;я");
        assert_eq!(
            attr("\"x\" & 'y'\n\t"),
            "&quot;x&quot; &amp; &apos;y&apos;&#10;&#9;"
        );
    }
}
