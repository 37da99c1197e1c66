//! The conference schedule: rooms, days and the grid; placing talks (by hand and by the
//! solver) with its conflict checks; published versions; and the exchange formats.
//!
//! The formats are pure functions of a [`doc::ScheduleDoc`]: frab XML ([`frab_xml`]), c3voc /
//! pretalx JSON ([`c3voc_json`], read back by [`parse_c3voc`]), iCalendar ([`ics`]) and CSV
//! ([`csv`]).

pub mod c3voc;
pub mod conflicts;
pub mod doc;
pub mod exchange;
pub mod frab;
pub mod import;
pub(crate) mod layout;
pub mod plan;
pub mod publish;
pub mod sample;
pub mod sheets;
pub mod solver;
pub mod store;

pub use c3voc::c3voc_json;
pub use frab::frab_xml;
pub use import::{ImportProblem, parse_c3voc};
pub use layout::stable_guid;
pub use sheets::{csv, ics};

#[cfg(test)]
mod tests;
