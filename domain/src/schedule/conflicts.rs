//! What is wrong with a plan, for the editor's live list, the publish check and the solver's
//! guarantee. Hard conflicts make a schedule impossible to run (a room or a speaker in two
//! places, a speaker who is not there, a talk over a break or outside the programme); a room
//! too small for a talk's expected audience is shown but does not block.

use std::collections::HashMap;

use super::plan::{Placement, Plan, Window};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Conflict {
    /// Two talks in one room at once (`a` < `b`, by talk id).
    RoomOverlap { room_id: i64, a: i64, b: i64 },
    /// A speaker in two talks at once (`a` < `b`).
    SpeakerOverlap { speaker_id: i64, a: i64, b: i64 },
    /// The talk is outside its speaker's availability.
    Unavailable { talk_id: i64, speaker_id: i64 },
    /// The talk overlaps a break or its room's blocked time.
    Break { talk_id: i64, block_id: i64 },
    /// The talk does not fit its slot: it starts outside the programme's hours or runs past
    /// the day's end.
    OutsideDay { talk_id: i64 },
    /// More people are expected than the room seats.
    RoomTooSmall {
        talk_id: i64,
        room_id: i64,
        expected: i64,
        capacity: i64,
    },
    /// The placement names a room or talk the plan does not have.
    Unknown { talk_id: i64 },
}

impl Conflict {
    /// Hard conflicts make the schedule impossible to run as published.
    pub fn is_hard(&self) -> bool {
        !matches!(self, Conflict::RoomTooSmall { .. })
    }

    /// The talks it concerns (for highlighting them in the grid).
    pub fn talks(&self) -> Vec<i64> {
        match *self {
            Conflict::RoomOverlap { a, b, .. } | Conflict::SpeakerOverlap { a, b, .. } => vec![a, b],
            Conflict::Unavailable { talk_id, .. }
            | Conflict::Break { talk_id, .. }
            | Conflict::OutsideDay { talk_id }
            | Conflict::RoomTooSmall { talk_id, .. }
            | Conflict::Unknown { talk_id } => vec![talk_id],
        }
    }

    /// A stable code for messages and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::RoomOverlap { .. } => "room_overlap",
            Conflict::SpeakerOverlap { .. } => "speaker_overlap",
            Conflict::Unavailable { .. } => "unavailable",
            Conflict::Break { .. } => "break",
            Conflict::OutsideDay { .. } => "outside_day",
            Conflict::RoomTooSmall { .. } => "room_too_small",
            Conflict::Unknown { .. } => "unknown",
        }
    }
}

/// Every conflict of the plan's placements, sorted (so lists and diffs are stable).
pub fn conflicts(plan: &Plan) -> Vec<Conflict> {
    let mut out = Vec::new();
    let mut by_room: HashMap<i64, Vec<(Window, i64)>> = HashMap::new();
    let mut by_speaker: HashMap<i64, Vec<(Window, i64)>> = HashMap::new();
    for p in &plan.placements {
        let (Some(talk), Some(room)) = (plan.talk(p.talk_id), plan.room(p.room_id)) else {
            out.push(Conflict::Unknown { talk_id: p.talk_id });
            continue;
        };
        let w = Window::new(p.start, p.start + talk.length);
        by_room.entry(p.room_id).or_default().push((w, talk.id));
        for &s in &talk.speakers {
            by_speaker.entry(s).or_default().push((w, talk.id));
            if let Some(windows) = plan.availability.get(&s)
                && !windows.is_empty()
                && !windows.iter().any(|a| a.contains(&w))
            {
                out.push(Conflict::Unavailable {
                    talk_id: talk.id,
                    speaker_id: s,
                });
            }
        }
        for b in plan.blocks.iter().filter(|b| b.applies_to(p.room_id)) {
            if b.window.overlaps(&w) {
                out.push(Conflict::Break {
                    talk_id: talk.id,
                    block_id: b.id,
                });
            }
        }
        if !plan.days.iter().any(|d| d.contains(&w)) {
            out.push(Conflict::OutsideDay { talk_id: talk.id });
        }
        if let Some(capacity) = room.capacity
            && talk.popularity > capacity
        {
            out.push(Conflict::RoomTooSmall {
                talk_id: talk.id,
                room_id: room.id,
                expected: talk.popularity,
                capacity,
            });
        }
    }
    for (room_id, list) in by_room {
        for (a, b) in overlapping_pairs(list) {
            out.push(Conflict::RoomOverlap { room_id, a, b });
        }
    }
    for (speaker_id, list) in by_speaker {
        for (a, b) in overlapping_pairs(list) {
            out.push(Conflict::SpeakerOverlap { speaker_id, a, b });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Only the hard ones.
pub fn hard_conflicts(plan: &Plan) -> Vec<Conflict> {
    conflicts(plan).into_iter().filter(Conflict::is_hard).collect()
}

/// The conflicts `placement` would have if added to (or moved within) the plan: the check of
/// one drop in the editor.
pub fn conflicts_of_move(plan: &Plan, placement: Placement) -> Vec<Conflict> {
    let mut trial = plan.clone();
    trial.placements.retain(|p| p.talk_id != placement.talk_id);
    trial.placements.push(placement);
    conflicts(&trial)
        .into_iter()
        .filter(|c| c.talks().contains(&placement.talk_id))
        .collect()
}

/// Pairs of ids whose windows overlap, each pair once with the smaller id first.
fn overlapping_pairs(mut list: Vec<(Window, i64)>) -> Vec<(i64, i64)> {
    list.sort();
    let mut out = Vec::new();
    for i in 0..list.len() {
        let (wi, a) = list[i];
        for &(wj, b) in &list[i + 1..] {
            if wj.start >= wi.end {
                break;
            }
            if wi.overlaps(&wj) && a != b {
                out.push((a.min(b), a.max(b)));
            }
        }
    }
    out
}
