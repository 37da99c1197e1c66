//! The conference schedule: rooms, days and the grid; placing talks (by hand and by the
//! solver) with its conflict checks; published versions; and the exchange formats.

pub mod conflicts;
pub mod doc;
pub mod plan;
pub mod sample;
pub mod solver;

#[cfg(test)]
mod tests;
