//! A realistic conference plan made up from a seed, for the solver's benchmark (`sbor-load
//! solve`) and its tests: rooms of different sizes, days with a lunch break, a mix of talk
//! lengths, tracks, co-speakers, speakers with two talks, some with limited availability,
//! and a long-tailed popularity. The same seed always gives the same plan.

use std::collections::HashMap;

use super::plan::{Block, Placement, Plan, Room, Talk, Window};
use crate::clock::{DAY, HOUR, MINUTE, Micros};

/// A small deterministic generator (xorshift), so the sample does not depend on `rand`'s
/// algorithms staying the same across versions.
pub struct Seq(u64);

impl Seq {
    pub fn new(seed: u64) -> Self {
        Seq(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// In `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

pub struct Shape {
    pub talks: usize,
    pub rooms: usize,
    pub days: usize,
    /// Tracks the talks are spread over.
    pub tracks: usize,
}

/// 2027-06-01 00:00 UTC: the first day of every sample.
pub const FIRST_DAY: Micros = 1_811_721_600 * 1_000_000;

/// A plan of `shape`: days 09:00–19:00 with lunch 13:00–14:00, 5-minute grid, no talk placed.
pub fn conference(shape: &Shape, seed: u64) -> Plan {
    let mut rng = Seq::new(seed);
    let days: Vec<Window> = (0..shape.days as i64)
        .map(|d| Window::new(FIRST_DAY + d * DAY + 9 * HOUR, FIRST_DAY + d * DAY + 19 * HOUR))
        .collect();
    const SIZES: [i64; 8] = [500, 300, 200, 150, 120, 100, 80, 60];
    let rooms: Vec<Room> = (0..shape.rooms)
        .map(|i| Room {
            id: i as i64 + 1,
            capacity: Some(SIZES[i % SIZES.len()]),
        })
        .collect();
    let blocks: Vec<Block> = days
        .iter()
        .enumerate()
        .map(|(i, d)| Block {
            id: i as i64 + 1,
            room_id: None,
            window: Window::new(d.start + 4 * HOUR, d.start + 5 * HOUR),
        })
        .collect();
    // Speakers: about one per talk, so some give two talks; every fifth talk has a co-speaker.
    let speakers = (shape.talks as u64 * 7 / 8).max(1);
    let talks: Vec<Talk> = (0..shape.talks)
        .map(|i| {
            let length = match rng.below(100) {
                0..50 => 30,
                50..80 => 20,
                80..95 => 10,
                _ => 60,
            } * MINUTE;
            let mut who = vec![rng.below(speakers) as i64 + 1];
            if rng.below(5) == 0 {
                let other = rng.below(speakers) as i64 + 1;
                if other != who[0] {
                    who.push(other);
                }
            }
            // Long-tailed interest: most talks draw a few dozen, a few draw hundreds.
            let popularity = (400 / (1 + rng.below(20))) as i64 + rng.below(30) as i64;
            Talk {
                id: i as i64 + 1,
                length,
                track_id: (shape.tracks > 0).then(|| rng.below(shape.tracks as u64) as i64 + 1),
                speakers: who,
                popularity,
            }
        })
        .collect();
    // One speaker in ten comes for one day only.
    let mut availability = HashMap::new();
    for s in 1..=speakers as i64 {
        if rng.below(10) == 0 && !days.is_empty() {
            let d = days[rng.below(days.len() as u64) as usize];
            availability.insert(s, vec![d]);
        }
    }
    // Co-speakers come whenever the first speaker does, so every sample can be solved.
    for t in &talks {
        for s in &t.speakers[1..] {
            availability.remove(s);
        }
    }
    Plan {
        grid: 5 * MINUTE,
        days,
        rooms,
        blocks,
        talks,
        availability,
        placements: Vec::<Placement>::new(),
    }
}
