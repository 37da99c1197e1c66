//! "Fill the schedule": places every unpinned talk with no hard conflict and with the soft
//! goals in mind, or says which talk cannot be placed and which constraint stops it.
//!
//! The solver is a greedy placement with scoring, chosen over a general search because it is
//! fast (300 talks, 6 rooms, 3 days in milliseconds), deterministic (same plan, same result:
//! everything is iterated in sorted order and ties break by room order, then time) and
//! explainable. Each talk, most constrained first, goes to the best of the earliest free
//! starts in every room and day, scored by the soft goals:
//! - a track keeps to the room assigned to it (tracks with the biggest audience get the
//!   biggest rooms) and its talks follow each other;
//! - a popular talk prefers a large room and avoids running against another popular talk;
//! - earlier is better, so rooms fill without gaps.
//!
//! Talks that found no place are moved to the front and the plan is tried again (a few rounds)
//! before the solver gives up and explains. When every talk has a place, a few dozen orders
//! close to the first are tried too, and the solution whose unmet soft goals weigh least
//! ([`cost`]) wins.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::conflicts::{Conflict, conflicts, hard_conflicts};
use super::plan::{Placement, Plan, Talk, Window};
use super::sample::Seq;
use crate::clock::Micros;

/// A filled schedule: every talk placed (pinned ones where they were), and the soft goals it
/// could not meet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    /// Sorted by talk id.
    pub placements: Vec<Placement>,
    pub notes: Vec<Note>,
}

/// A soft goal the solution does not meet.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Note {
    /// The track's talks are spread over these rooms.
    TrackSplit { track_id: i64, rooms: Vec<i64> },
    /// Talks of other tracks sit between this track's talks in the room on one day.
    TrackNotConsecutive { track_id: i64, room_id: i64 },
    /// More people are expected than the room seats (no larger room was free).
    PopularInSmallRoom {
        talk_id: i64,
        room_id: i64,
        expected: i64,
        capacity: i64,
    },
    /// Two of the most popular talks run at the same time.
    PopularClash { a: i64, b: i64 },
}

/// Why no conflict-free schedule was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Infeasible {
    /// Hard conflicts among the pinned talks alone: the organizer must move one first.
    pub pinned: Vec<Conflict>,
    /// Talks that found no place, with the constraint that stopped each.
    pub unplaceable: Vec<(i64, Reason)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// No day has a stretch without breaks as long as the talk.
    LongerThanAnyDay,
    /// The speaker's availability holds no stretch of programme time as long as the talk.
    SpeakerAvailability { speaker_id: i64 },
    /// Rooms are free, but whenever the talk would fit, this speaker is in another talk.
    SpeakerBusy { speaker_id: i64 },
    /// Every room's time is taken (with the speakers' availability, if any).
    NoRoomTime,
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::LongerThanAnyDay => "longer_than_any_day",
            Reason::SpeakerAvailability { .. } => "speaker_availability",
            Reason::SpeakerBusy { .. } => "speaker_busy",
            Reason::NoRoomTime => "no_room_time",
        }
    }
}

/// Rounds of "put the talks that found no place first and try again".
const ROUNDS: usize = 4;

pub fn solve(plan: &Plan) -> Result<Solution, Infeasible> {
    let pinned: Vec<Placement> = plan.placements.iter().copied().filter(|p| p.pinned).collect();
    let pinned_plan = Plan {
        placements: pinned.clone(),
        ..plan.clone()
    };
    let pinned_conflicts = hard_conflicts(&pinned_plan);
    if !pinned_conflicts.is_empty() {
        return Err(Infeasible {
            pinned: pinned_conflicts,
            unplaceable: Vec::new(),
        });
    }
    let pinned_ids: BTreeSet<i64> = pinned.iter().map(|p| p.talk_id).collect();
    let mut order: Vec<&Talk> = plan
        .talks
        .iter()
        .filter(|t| !pinned_ids.contains(&t.id))
        .collect();
    let ctx = Context::new(plan);
    order.sort_by_key(|t| ctx.priority(t));

    let (placements, failed) = ctx.place_with_retries(&pinned, order.clone());
    if !failed.is_empty() {
        let mut state = ctx.state(&placements);
        let mut unplaceable: Vec<(i64, Reason)> = failed
            .iter()
            .filter_map(|id| plan.talk(*id))
            .map(|t| (t.id, ctx.diagnose(&mut state, t)))
            .collect();
        unplaceable.sort();
        return Err(Infeasible {
            pinned: Vec::new(),
            unplaceable,
        });
    }
    // The greedy order decides a lot, and one pass takes milliseconds: try orders close to
    // the first (neighbours swapped at random, from fixed seeds) and keep the best.
    let mut best = solution(plan, placements);
    let mut best_cost = cost(&best.notes);
    for variant in 1..VARIANTS {
        if best_cost == 0 {
            break;
        }
        let mut varied = order.clone();
        let mut rng = Seq::new(variant);
        for i in 1..varied.len() {
            if rng.below(3) == 0 {
                varied.swap(i - 1, i);
            }
        }
        let (placements, failed) = ctx.place_with_retries(&pinned, varied);
        if failed.is_empty() {
            let candidate = solution(plan, placements);
            let c = cost(&candidate.notes);
            if c < best_cost {
                best = candidate;
                best_cost = c;
            }
        }
    }
    Ok(best)
}

/// Orders tried after the first (see [`solve`]).
const VARIANTS: u64 = 32;

fn solution(plan: &Plan, mut placements: Vec<Placement>) -> Solution {
    placements.sort();
    let notes = notes(plan, &placements);
    Solution { placements, notes }
}

/// How bad the unmet soft goals are, for choosing between solutions: an overfull room
/// weighs most, then popular talks against each other, a track split, a track interrupted.
pub fn cost(notes: &[Note]) -> i64 {
    notes
        .iter()
        .map(|n| match n {
            Note::PopularInSmallRoom {
                expected, capacity, ..
            } => 100 + (expected - capacity),
            Note::PopularClash { .. } => 60,
            Note::TrackSplit { rooms, .. } => 40 * (rooms.len() as i64 - 1),
            Note::TrackNotConsecutive { .. } => 20,
        })
        .sum()
}

/// What the placement loop needs, computed once per plan.
struct Context<'a> {
    plan: &'a Plan,
    /// Room ids in display order, and the index of each.
    rooms: Vec<i64>,
    /// Rooms by size, largest first (unknown size last): index in `rooms` → rank.
    size_rank: HashMap<i64, usize>,
    /// The room each track keeps to.
    track_room: HashMap<i64, i64>,
    /// Tracks in the order they were given rooms (largest audience first).
    track_order: HashMap<i64, usize>,
    /// Popularity at or above which a talk counts as popular.
    popular_at: i64,
}

/// Who and what is busy while placing.
struct State {
    room_busy: HashMap<i64, Vec<Window>>,
    speaker_busy: HashMap<i64, Vec<Window>>,
    /// Placed talks: window, room, track, popular.
    placed: Vec<(Window, i64, Option<i64>, bool)>,
}

impl<'a> Context<'a> {
    fn new(plan: &'a Plan) -> Self {
        let rooms: Vec<i64> = plan.rooms.iter().map(|r| r.id).collect();
        let mut by_size: Vec<(i64, usize, i64)> = plan
            .rooms
            .iter()
            .enumerate()
            .map(|(i, r)| (-r.capacity.unwrap_or(-1), i, r.id))
            .collect();
        by_size.sort();
        let size_rank: HashMap<i64, usize> =
            by_size.iter().enumerate().map(|(rank, r)| (r.2, rank)).collect();

        // Tracks by total expected audience, then by length, then id.
        let mut tracks: BTreeMap<i64, (i64, Micros)> = BTreeMap::new();
        for t in &plan.talks {
            if let Some(track) = t.track_id {
                let e = tracks.entry(track).or_default();
                e.0 += t.popularity;
                e.1 += t.length;
            }
        }
        let mut track_list: Vec<(i64, Micros, i64)> = tracks
            .iter()
            .map(|(id, (pop, len))| (-*pop, -*len, *id))
            .collect();
        track_list.sort();
        // Each room's programme time, less its breaks.
        // (size rank, room, time left, tracks given).
        let mut free: Vec<(usize, i64, Micros, usize)> = by_size
            .iter()
            .map(|&(_, _, id)| (size_rank[&id], id, room_time(plan, id), 0))
            .collect();
        let mut track_room = HashMap::new();
        let mut track_order = HashMap::new();
        for (i, &(_, len, track)) in track_list.iter().enumerate() {
            let need = -len;
            track_order.insert(track, i);
            // The largest of the rooms with fewest tracks so far that still holds the whole
            // track (so tracks spread over rooms before sharing one), else the room with most
            // time left.
            let pick = (0..free.len())
                .filter(|&i| free[i].2 >= need)
                .min_by_key(|&i| (free[i].3, free[i].0))
                .or_else(|| (0..free.len()).max_by_key(|&i| (free[i].2, std::cmp::Reverse(free[i].0))));
            if let Some(i) = pick {
                track_room.insert(track, free[i].1);
                free[i].2 -= need;
                free[i].3 += 1;
            }
        }
        let mut pops: Vec<i64> = plan.talks.iter().map(|t| t.popularity).collect();
        pops.sort_unstable_by(|a, b| b.cmp(a));
        // The top tenth, and above the median: when all talks draw alike, none is "popular".
        let median = pops.get(pops.len() / 2).copied().unwrap_or(0);
        let popular_at = pops.get(pops.len() / 10).copied().unwrap_or(0).max(median + 1);
        Context {
            plan,
            rooms,
            size_rank,
            track_room,
            track_order,
            popular_at,
        }
    }

    /// Most constrained first: speakers with the least availability, then longer talks, then
    /// by track (so a track's talks are placed together), popularity and id.
    fn priority(&self, t: &Talk) -> (Micros, Micros, usize, i64, i64) {
        let available = t
            .speakers
            .iter()
            .filter_map(|s| self.plan.availability.get(s))
            .filter(|w| !w.is_empty())
            .map(|w| w.iter().map(Window::len).sum::<Micros>())
            .min()
            .unwrap_or(Micros::MAX);
        let track = t
            .track_id
            .and_then(|id| self.track_order.get(&id).copied())
            .unwrap_or(usize::MAX);
        (available, -t.length, track, -t.popularity, t.id)
    }

    fn state(&self, placements: &[Placement]) -> State {
        let mut s = State {
            room_busy: HashMap::new(),
            speaker_busy: HashMap::new(),
            placed: Vec::new(),
        };
        for &room in &self.rooms {
            let blocks = self
                .plan
                .blocks
                .iter()
                .filter(|b| b.applies_to(room))
                .map(|b| b.window)
                .collect();
            s.room_busy.insert(room, blocks);
        }
        for p in placements {
            if let Some(t) = self.plan.talk(p.talk_id) {
                self.occupy(&mut s, t, p.room_id, p.start);
            }
        }
        s
    }

    fn occupy(&self, s: &mut State, t: &Talk, room: i64, start: Micros) {
        let w = Window::new(start, start + t.length);
        insert_sorted(s.room_busy.entry(room).or_default(), w);
        for sp in &t.speakers {
            insert_sorted(s.speaker_busy.entry(*sp).or_default(), w);
        }
        s.placed
            .push((w, room, t.track_id, t.popularity >= self.popular_at));
    }

    /// Places `order`; talks that found no place go first next time (a few rounds). The
    /// placements with the fewest talks left out, and those talks.
    fn place_with_retries(&self, pinned: &[Placement], mut order: Vec<&Talk>) -> (Vec<Placement>, Vec<i64>) {
        let mut best: Option<(Vec<Placement>, Vec<i64>)> = None;
        for _ in 0..ROUNDS {
            let (placed, failed) = self.place_all(pinned, &order);
            let better = best.as_ref().is_none_or(|(_, f)| failed.len() < f.len());
            let done = failed.is_empty();
            if better {
                best = Some((placed, failed.clone()));
            }
            if done {
                break;
            }
            let failed_set: BTreeSet<i64> = failed.iter().copied().collect();
            let (mut first, rest): (Vec<&Talk>, Vec<&Talk>) =
                order.iter().partition(|t| failed_set.contains(&t.id));
            first.extend(rest);
            order = first;
        }
        best.unwrap_or_default()
    }

    /// Places `order` around the pinned talks: (all placements, ids that found no place).
    fn place_all(&self, pinned: &[Placement], order: &[&Talk]) -> (Vec<Placement>, Vec<i64>) {
        let mut state = self.state(pinned);
        let mut placements = pinned.to_vec();
        let mut failed = Vec::new();
        for t in order {
            match self.best_start(&state, t) {
                Some((room, start)) => {
                    self.occupy(&mut state, t, room, start);
                    placements.push(Placement {
                        talk_id: t.id,
                        room_id: room,
                        start,
                        pinned: false,
                    });
                }
                None => failed.push(t.id),
            }
        }
        (placements, failed)
    }

    /// The best of the earliest feasible starts in each room and day.
    fn best_start(&self, s: &State, t: &Talk) -> Option<(i64, Micros)> {
        let mut best: Option<(i64, i64, Micros)> = None;
        for &room in &self.rooms {
            for day in &self.plan.days {
                let Some(start) = self.earliest(s, t, room, *day, true) else {
                    continue;
                };
                let score = self.score(s, t, room, start);
                // Strictly better only: ties keep the earlier room and day (deterministic).
                if best.is_none_or(|b| score > b.0) {
                    best = Some((score, room, start));
                }
            }
        }
        best.map(|(_, room, start)| (room, start))
    }

    /// The earliest grid start in `day` where `t` fits the room, its speakers' other talks
    /// (unless `check_speakers` is off, for diagnosis) and their availability.
    fn earliest(&self, s: &State, t: &Talk, room: i64, day: Window, check_speakers: bool) -> Option<Micros> {
        let grid = self.plan.grid.max(1);
        let align = |at: Micros| day.start + (at - day.start + grid - 1).div_euclid(grid) * grid;
        let empty = Vec::new();
        let room_busy = s.room_busy.get(&room).unwrap_or(&empty);
        let mut start = day.start;
        'search: while start + t.length <= day.end {
            let w = Window::new(start, start + t.length);
            if let Some(b) = room_busy.iter().find(|b| b.overlaps(&w)) {
                start = align(b.end);
                continue;
            }
            if check_speakers {
                for sp in &t.speakers {
                    if let Some(b) = s
                        .speaker_busy
                        .get(sp)
                        .and_then(|l| l.iter().find(|b| b.overlaps(&w)))
                    {
                        start = align(b.end);
                        continue 'search;
                    }
                }
            }
            for sp in &t.speakers {
                let Some(avail) = self.plan.availability.get(sp).filter(|a| !a.is_empty()) else {
                    continue;
                };
                if !avail.iter().any(|a| a.contains(&w)) {
                    // Next: the earliest start from here that one of the windows holds, or
                    // give up on the day.
                    match avail
                        .iter()
                        .map(|a| (a, align(a.start.max(start))))
                        .filter(|(a, x)| x + t.length <= a.end)
                        .map(|(_, x)| x)
                        .min()
                    {
                        Some(next) if next > start => {
                            start = next;
                            continue 'search;
                        }
                        _ => return None,
                    }
                }
            }
            return Some(start);
        }
        None
    }

    /// Higher is better.
    fn score(&self, s: &State, t: &Talk, room: i64, start: Micros) -> i64 {
        let w = Window::new(start, start + t.length);
        let mut score = 0;
        if let Some(track) = t.track_id {
            if self.track_room.get(&track) == Some(&room) {
                score += 1_000;
            }
            // Follows a talk of its track directly.
            if s.placed
                .iter()
                .any(|(pw, r, tr, _)| *r == room && pw.end == start && *tr == Some(track))
            {
                score += 300;
            }
        }
        let popular = t.popularity >= self.popular_at;
        if popular {
            // Larger rooms first.
            score += 40 * (self.rooms.len() - self.size_rank[&room]) as i64;
            let clashes = s
                .placed
                .iter()
                .filter(|(pw, _, _, p)| *p && pw.overlaps(&w))
                .count() as i64;
            score -= 400 * clashes;
        }
        if let Some(cap) = self.plan.room(room).and_then(|r| r.capacity)
            && t.popularity > cap
        {
            score -= 1_500;
        }
        // Earlier is better: one point per grid step from the programme's start.
        let first = self.plan.days.first().map_or(start, |d| d.start);
        score - (start - first) / self.plan.grid.max(1)
    }

    /// Why `t` has no place, given everything else placed.
    fn diagnose(&self, s: &mut State, t: &Talk) -> Reason {
        // Breaks alone (no talks) in the room with the longest free stretch.
        let free_stretch = |room: i64, within: Window| -> Micros {
            let blocks: Vec<Window> = self
                .plan
                .blocks
                .iter()
                .filter(|b| b.applies_to(room))
                .map(|b| b.window)
                .collect();
            longest_gap(within, &blocks)
        };
        let longest = self
            .rooms
            .iter()
            .flat_map(|&r| self.plan.days.iter().map(move |d| (r, *d)))
            .map(|(r, d)| free_stretch(r, d))
            .max()
            .unwrap_or(0);
        if longest < t.length {
            return Reason::LongerThanAnyDay;
        }
        // The programme time all its speakers are available, narrowed one speaker at a time:
        // the speaker who leaves no stretch long enough is the one to name.
        let mut common: Vec<Window> = self.plan.days.clone();
        for sp in &t.speakers {
            let Some(avail) = self.plan.availability.get(sp).filter(|a| !a.is_empty()) else {
                continue;
            };
            common = intersect(&common, avail);
            let fits = self
                .rooms
                .iter()
                .any(|&r| common.iter().any(|w| free_stretch(r, *w) >= t.length));
            if !fits {
                return Reason::SpeakerAvailability { speaker_id: *sp };
            }
        }
        // Would it fit if its speakers had no other talks?
        let without_speakers = self
            .rooms
            .iter()
            .flat_map(|&r| self.plan.days.iter().map(move |d| (r, *d)))
            .find_map(|(r, d)| {
                self.earliest(s, t, r, d, false)
                    .map(|start| Window::new(start, start + t.length))
            });
        if let Some(w) = without_speakers {
            for sp in &t.speakers {
                if s.speaker_busy
                    .get(sp)
                    .is_some_and(|l| l.iter().any(|b| b.overlaps(&w)))
                {
                    return Reason::SpeakerBusy { speaker_id: *sp };
                }
            }
        }
        Reason::NoRoomTime
    }
}

/// The parts of `a` that are also in `b`.
fn intersect(a: &[Window], b: &[Window]) -> Vec<Window> {
    let mut out: Vec<Window> = a
        .iter()
        .flat_map(|x| {
            b.iter()
                .map(move |y| Window::new(x.start.max(y.start), x.end.min(y.end)))
        })
        .filter(|w| !w.is_empty())
        .collect();
    out.sort();
    out
}

/// A room's programme time, less the breaks and blocks in it.
fn room_time(plan: &Plan, room: i64) -> Micros {
    plan.days
        .iter()
        .map(|d| {
            let blocked: Micros = plan
                .blocks
                .iter()
                .filter(|b| b.applies_to(room))
                .map(|b| (b.window.end.min(d.end) - b.window.start.max(d.start)).max(0))
                .sum();
            (d.len() - blocked).max(0)
        })
        .sum()
}

/// The longest stretch of `within` that no window of `busy` touches.
fn longest_gap(within: Window, busy: &[Window]) -> Micros {
    let mut cuts: Vec<Window> = busy.iter().copied().filter(|b| b.overlaps(&within)).collect();
    cuts.sort();
    let mut at = within.start;
    let mut longest = 0;
    for c in cuts {
        longest = longest.max(c.start - at);
        at = at.max(c.end);
    }
    longest.max(within.end - at)
}

fn insert_sorted(list: &mut Vec<Window>, w: Window) {
    let i = list.partition_point(|x| *x < w);
    list.insert(i, w);
}

/// The soft goals `placements` leaves unmet, sorted.
pub fn notes(plan: &Plan, placements: &[Placement]) -> Vec<Note> {
    let ctx = Context::new(plan);
    let mut out = Vec::new();
    let mut track_rooms: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    // (room, day) → talks in start order: (start, track).
    type Lane = Vec<(Micros, Option<i64>)>;
    let mut lanes: BTreeMap<(i64, usize), Lane> = BTreeMap::new();
    for p in placements {
        let Some(t) = plan.talk(p.talk_id) else { continue };
        if let Some(track) = t.track_id {
            track_rooms.entry(track).or_default().insert(p.room_id);
        }
        let day = plan
            .days
            .iter()
            .position(|d| d.start <= p.start && p.start < d.end)
            .unwrap_or(usize::MAX);
        lanes
            .entry((p.room_id, day))
            .or_default()
            .push((p.start, t.track_id));
    }
    for (track_id, rooms) in &track_rooms {
        if rooms.len() > 1 {
            out.push(Note::TrackSplit {
                track_id: *track_id,
                rooms: rooms.iter().copied().collect(),
            });
        }
    }
    let mut broken = BTreeSet::new();
    for ((room, _), lane) in &mut lanes {
        lane.sort();
        for track in lane.iter().filter_map(|l| l.1).collect::<BTreeSet<_>>() {
            let first = lane.iter().position(|l| l.1 == Some(track));
            let last = lane.iter().rposition(|l| l.1 == Some(track));
            if let (Some(f), Some(l)) = (first, last)
                && lane[f..=l].iter().any(|x| x.1 != Some(track))
            {
                broken.insert((track, *room));
            }
        }
    }
    out.extend(
        broken
            .into_iter()
            .map(|(track_id, room_id)| Note::TrackNotConsecutive { track_id, room_id }),
    );
    let placed_plan = Plan {
        placements: placements.to_vec(),
        ..plan.clone()
    };
    for c in conflicts(&placed_plan) {
        if let Conflict::RoomTooSmall {
            talk_id,
            room_id,
            expected,
            capacity,
        } = c
        {
            out.push(Note::PopularInSmallRoom {
                talk_id,
                room_id,
                expected,
                capacity,
            });
        }
    }
    let popular: Vec<(Window, i64)> = placements
        .iter()
        .filter_map(|p| {
            let t = plan.talk(p.talk_id)?;
            (t.popularity >= ctx.popular_at).then(|| (Window::new(p.start, p.start + t.length), t.id))
        })
        .collect();
    for (i, (wa, a)) in popular.iter().enumerate() {
        for (wb, b) in &popular[i + 1..] {
            if wa.overlaps(wb) {
                out.push(Note::PopularClash {
                    a: *a.min(b),
                    b: *a.max(b),
                });
            }
        }
    }
    out.sort();
    out
}
