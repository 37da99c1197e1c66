//! The schedule as the rules see it: the time the programme has (days, rooms, breaks), the
//! talks to place with what constrains them (length, speakers, their availability, track,
//! popularity), and where talks are placed. Pure data: [`conflicts`](super::conflicts) checks
//! a plan, [`solver`](super::solver) fills one, and persistence loads and saves it.

use std::collections::HashMap;

use crate::clock::Micros;

/// A half-open interval of time `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    pub start: Micros,
    pub end: Micros,
}

impl Window {
    pub fn new(start: Micros, end: Micros) -> Self {
        Window { start, end }
    }

    pub fn overlaps(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Window) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn len(&self) -> Micros {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    pub id: i64,
    /// Seats; `None` when unknown (then no talk is "too big" for it).
    pub capacity: Option<i64>,
}

/// Time no talk may use: a break for everyone (`room_id` None) or a room's blocked time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub id: i64,
    pub room_id: Option<i64>,
    pub window: Window,
}

impl Block {
    pub fn applies_to(&self, room_id: i64) -> bool {
        self.room_id.is_none_or(|r| r == room_id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Talk {
    pub id: i64,
    pub length: Micros,
    pub track_id: Option<i64>,
    /// User ids; a speaker cannot be in two places at once.
    pub speakers: Vec<i64>,
    /// Expected audience (favourites or RSVPs); compared with room capacity.
    pub popularity: i64,
}

/// Where a talk is: the room and its start (it runs for the talk's length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Placement {
    pub talk_id: i64,
    pub room_id: i64,
    pub start: Micros,
    /// The organizer fixed it: the solver keeps it where it is.
    pub pinned: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The grid step: starts are multiples of it from the day's start.
    pub grid: Micros,
    /// The programme's hours, one window per day, in order and apart.
    pub days: Vec<Window>,
    /// In display order.
    pub rooms: Vec<Room>,
    pub blocks: Vec<Block>,
    /// Every talk that can be scheduled (confirmed), placed or not.
    pub talks: Vec<Talk>,
    /// Speakers who gave availability: they can speak only inside these windows. A speaker
    /// without an entry (or with none) is available whenever the programme runs.
    pub availability: HashMap<i64, Vec<Window>>,
    pub placements: Vec<Placement>,
}

impl Plan {
    pub fn talk(&self, id: i64) -> Option<&Talk> {
        self.talks.iter().find(|t| t.id == id)
    }

    pub fn room(&self, id: i64) -> Option<&Room> {
        self.rooms.iter().find(|r| r.id == id)
    }

    /// The time a placed talk occupies.
    pub fn window_of(&self, p: &Placement) -> Option<Window> {
        self.talk(p.talk_id)
            .map(|t| Window::new(p.start, p.start + t.length))
    }

    /// Talks that have no placement yet, in id order.
    pub fn unplaced(&self) -> Vec<&Talk> {
        let placed: std::collections::HashSet<i64> = self.placements.iter().map(|p| p.talk_id).collect();
        let mut out: Vec<&Talk> = self.talks.iter().filter(|t| !placed.contains(&t.id)).collect();
        out.sort_by_key(|t| t.id);
        out
    }
}
