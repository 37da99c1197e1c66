//! Conflict checks and the solver: each conflict and each reason by example, and properties
//! over random plans (any solution has no hard conflict, keeps pinned talks, places every
//! talk once, and is the same every time).

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::conflicts::{Conflict, conflicts, conflicts_of_move, hard_conflicts};
use super::plan::{Block, Placement, Plan, Room, Talk, Window};
use super::publish::{ChangeKind, VersionSlot, diff};
use super::sample::{self, FIRST_DAY, Shape};
use super::solver::{Note, Reason, solve};
use crate::clock::{DAY, HOUR, MINUTE, Micros};

const D0: Micros = FIRST_DAY + 9 * HOUR;

fn talk(id: i64, minutes: i64, track: Option<i64>, speakers: &[i64]) -> Talk {
    Talk {
        id,
        length: minutes * MINUTE,
        track_id: track,
        speakers: speakers.to_vec(),
        popularity: 10,
    }
}

/// One day 09:00–12:00 (three hours), `rooms` rooms of 100 seats.
fn small(rooms: i64, talks: Vec<Talk>) -> Plan {
    Plan {
        grid: 5 * MINUTE,
        days: vec![Window::new(D0, D0 + 3 * HOUR)],
        rooms: (1..=rooms)
            .map(|id| Room {
                id,
                capacity: Some(100),
            })
            .collect(),
        blocks: Vec::new(),
        talks,
        availability: HashMap::new(),
        placements: Vec::new(),
    }
}

fn at(talk_id: i64, room_id: i64, minutes_in: i64) -> Placement {
    Placement {
        talk_id,
        room_id,
        start: D0 + minutes_in * MINUTE,
        pinned: false,
    }
}

#[test]
fn each_conflict_is_found() {
    let mut plan = small(
        2,
        vec![
            talk(1, 30, None, &[7]),
            talk(2, 30, None, &[8]),
            talk(3, 30, None, &[7]),
        ],
    );
    plan.placements = vec![at(1, 1, 0), at(2, 1, 15), at(3, 2, 20)];
    let found = conflicts(&plan);
    assert!(found.contains(&Conflict::RoomOverlap {
        room_id: 1,
        a: 1,
        b: 2
    }));
    assert!(found.contains(&Conflict::SpeakerOverlap {
        speaker_id: 7,
        a: 1,
        b: 3
    }));
    assert_eq!(found.len(), 2, "{found:?}");

    // A break over talk 2; speaker 8 only from 10:00; talk 3 runs past the day's end;
    // talk 1 expects more people than room 1 seats.
    plan.placements = vec![at(1, 1, 0), at(2, 2, 0), at(3, 1, 170)];
    plan.blocks.push(Block {
        id: 5,
        room_id: Some(2),
        window: Window::new(D0 + 10 * MINUTE, D0 + 20 * MINUTE),
    });
    plan.availability
        .insert(8, vec![Window::new(D0 + HOUR, D0 + 3 * HOUR)]);
    plan.talks[0].popularity = 150;
    let found = conflicts(&plan);
    assert_eq!(
        found,
        vec![
            Conflict::Unavailable {
                talk_id: 2,
                speaker_id: 8
            },
            Conflict::Break {
                talk_id: 2,
                block_id: 5
            },
            Conflict::OutsideDay { talk_id: 3 },
            Conflict::RoomTooSmall {
                talk_id: 1,
                room_id: 1,
                expected: 150,
                capacity: 100
            },
        ]
    );
    assert_eq!(hard_conflicts(&plan).len(), 3, "a small room does not block");
    // The check of one drop names only the dropped talk's conflicts.
    let moved = conflicts_of_move(&plan, at(2, 1, 0));
    assert_eq!(
        moved,
        vec![
            Conflict::RoomOverlap {
                room_id: 1,
                a: 1,
                b: 2
            },
            Conflict::Unavailable {
                talk_id: 2,
                speaker_id: 8
            }
        ]
    );
    assert!(conflicts_of_move(&plan, at(2, 1, 60)).is_empty());
}

#[test]
fn tracks_keep_to_a_room_and_follow_each_other() {
    let plan = small(
        2,
        vec![
            talk(1, 30, Some(1), &[1]),
            talk(2, 30, Some(2), &[2]),
            talk(3, 30, Some(1), &[3]),
            talk(4, 30, Some(2), &[4]),
            talk(5, 30, Some(1), &[5]),
        ],
    );
    let s = solve(&plan).expect("solvable");
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    let room_of = |id: i64| s.placements.iter().find(|p| p.talk_id == id).unwrap().room_id;
    assert_eq!(room_of(1), room_of(3));
    assert_eq!(room_of(3), room_of(5));
    assert_ne!(room_of(1), room_of(2));
    assert_eq!(room_of(2), room_of(4));
    let placed = Plan {
        placements: s.placements.clone(),
        ..plan.clone()
    };
    assert!(conflicts(&placed).is_empty());
}

#[test]
fn popular_talks_get_large_rooms_and_do_not_clash() {
    let mut plan = small(
        2,
        vec![
            talk(1, 30, None, &[1]),
            talk(2, 30, None, &[2]),
            talk(3, 30, None, &[3]),
        ],
    );
    plan.rooms = vec![
        Room {
            id: 1,
            capacity: Some(50),
        },
        Room {
            id: 2,
            capacity: Some(400),
        },
    ];
    plan.talks[0].popularity = 300;
    plan.talks[1].popularity = 280;
    let s = solve(&plan).expect("solvable");
    let p = |id: i64| *s.placements.iter().find(|p| p.talk_id == id).unwrap();
    assert_eq!(p(1).room_id, 2, "the most popular talk in the big room");
    assert_eq!(
        p(2).room_id,
        2,
        "the second one too, rather than a room too small"
    );
    assert_ne!(p(1).start, p(2).start, "and not at the same time");
    assert!(s.notes.is_empty(), "{:?}", s.notes);
}

#[test]
fn pinned_talks_stay_and_others_go_around_them() {
    let mut plan = small(
        1,
        vec![
            talk(1, 60, None, &[1]),
            talk(2, 60, None, &[2]),
            talk(3, 60, None, &[3]),
        ],
    );
    plan.placements = vec![Placement {
        pinned: true,
        ..at(2, 1, 60)
    }];
    let s = solve(&plan).expect("solvable");
    assert!(s.placements.contains(&Placement {
        pinned: true,
        ..at(2, 1, 60)
    }));
    assert_eq!(s.placements.len(), 3);
}

#[test]
fn impossible_plans_name_the_constraint() {
    // Longer than the day.
    let plan = small(1, vec![talk(1, 240, None, &[1])]);
    assert_eq!(
        solve(&plan).unwrap_err().unplaceable,
        vec![(1, Reason::LongerThanAnyDay)]
    );

    // A lunch break cuts the day so that a 2-hour workshop fits nowhere.
    let mut plan = small(1, vec![talk(1, 120, None, &[1])]);
    plan.blocks.push(Block {
        id: 1,
        room_id: None,
        window: Window::new(D0 + 90 * MINUTE, D0 + 100 * MINUTE),
    });
    assert_eq!(
        solve(&plan).unwrap_err().unplaceable,
        vec![(1, Reason::LongerThanAnyDay)]
    );

    // The speaker is only there on another day.
    let mut plan = small(2, vec![talk(1, 30, None, &[9])]);
    plan.availability
        .insert(9, vec![Window::new(D0 + DAY, D0 + DAY + HOUR)]);
    assert_eq!(
        solve(&plan).unwrap_err().unplaceable,
        vec![(1, Reason::SpeakerAvailability { speaker_id: 9 })]
    );

    // Co-speakers who are never there at the same time.
    let mut plan = small(2, vec![talk(1, 30, None, &[1, 2])]);
    plan.availability.insert(1, vec![Window::new(D0, D0 + HOUR)]);
    plan.availability
        .insert(2, vec![Window::new(D0 + 2 * HOUR, D0 + 3 * HOUR)]);
    assert_eq!(
        solve(&plan).unwrap_err().unplaceable,
        vec![(1, Reason::SpeakerAvailability { speaker_id: 2 })]
    );

    // One speaker, one free hour, two 45-minute talks: rooms are free, the speaker is not.
    let mut plan = small(2, vec![talk(1, 45, None, &[4]), talk(2, 45, None, &[4])]);
    plan.availability.insert(4, vec![Window::new(D0, D0 + HOUR)]);
    let err = solve(&plan).unwrap_err();
    assert_eq!(err.unplaceable.len(), 1);
    assert_eq!(err.unplaceable[0].1, Reason::SpeakerBusy { speaker_id: 4 });

    // More talk than room time.
    let plan = small(1, (1..=7).map(|i| talk(i, 30, None, &[i])).collect());
    let err = solve(&plan).unwrap_err();
    assert_eq!(err.unplaceable, vec![(7, Reason::NoRoomTime)]);

    // Pinned talks that already collide: the organizer must move one.
    let mut plan = small(1, vec![talk(1, 30, None, &[1]), talk(2, 30, None, &[2])]);
    plan.placements = vec![
        Placement {
            pinned: true,
            ..at(1, 1, 0)
        },
        Placement {
            pinned: true,
            ..at(2, 1, 10)
        },
    ];
    let err = solve(&plan).unwrap_err();
    assert_eq!(
        err.pinned,
        vec![Conflict::RoomOverlap {
            room_id: 1,
            a: 1,
            b: 2
        }]
    );
}

#[test]
fn a_full_conference_is_solved_without_conflicts() {
    let shape = Shape {
        talks: 300,
        rooms: 6,
        days: 3,
        tracks: 8,
    };
    let plan = sample::conference(&shape, 7);
    let s = solve(&plan).expect("the sample conference fits");
    assert_eq!(s.placements.len(), 300);
    let placed = Plan {
        placements: s.placements.clone(),
        ..plan.clone()
    };
    assert_eq!(hard_conflicts(&placed), Vec::new());
    assert_eq!(solve(&plan).unwrap(), s, "deterministic");
    // Most of each track keeps to one room: far fewer splits than tracks × rooms.
    let splits = s
        .notes
        .iter()
        .filter(|n| matches!(n, Note::TrackSplit { .. }))
        .count();
    assert!(splits <= 8);
}

/// A random plan: 1–3 rooms, 1–2 days with an optional break, up to 24 talks by up to
/// 10 speakers, some with availability, some talks pinned where they do not collide.
fn arb_plan() -> impl Strategy<Value = Plan> {
    (
        1i64..=3,
        1i64..=2,
        proptest::bool::ANY,
        proptest::collection::vec(
            (
                1i64..=12,
                proptest::option::of(1i64..=3),
                1i64..=10,
                0i64..=3,
                0i64..200,
            ),
            0..24,
        ),
        proptest::collection::vec((1i64..=10, 0i64..2, 0i64..16, 2i64..12), 0..4),
        proptest::collection::vec((0usize..24, 1i64..=3, 0i64..100), 0..4),
    )
        .prop_map(|(rooms, days, lunch, talks, avail, pins)| {
            let day_windows: Vec<Window> = (0..days)
                .map(|d| Window::new(D0 + d * DAY, D0 + d * DAY + 8 * HOUR))
                .collect();
            let mut plan = Plan {
                grid: 5 * MINUTE,
                days: day_windows.clone(),
                rooms: (1..=rooms)
                    .map(|id| Room {
                        id,
                        capacity: (id != 2).then_some(id * 60),
                    })
                    .collect(),
                blocks: if lunch {
                    day_windows
                        .iter()
                        .enumerate()
                        .map(|(i, d)| Block {
                            id: i as i64 + 1,
                            room_id: (i % 2 == 1).then_some(1),
                            window: Window::new(d.start + 4 * HOUR, d.start + 5 * HOUR),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                talks: talks
                    .iter()
                    .enumerate()
                    .map(|(i, &(fives, track, speaker, co, popularity))| {
                        let mut speakers = vec![speaker];
                        if co > 0 && co != speaker {
                            speakers.push(co);
                        }
                        Talk {
                            id: i as i64 + 1,
                            length: fives * 5 * MINUTE,
                            track_id: track,
                            speakers,
                            popularity,
                        }
                    })
                    .collect(),
                availability: HashMap::new(),
                placements: Vec::new(),
            };
            for (speaker, day, from_half_hours, half_hours) in avail {
                let d = day_windows[(day as usize) % day_windows.len()];
                let start = d.start + from_half_hours * 30 * MINUTE;
                plan.availability
                    .entry(speaker)
                    .or_default()
                    .push(Window::new(start, (start + half_hours * 30 * MINUTE).min(d.end)));
            }
            for (talk, room, step) in pins {
                if let Some(t) = plan.talks.get(talk) {
                    let p = Placement {
                        talk_id: t.id,
                        room_id: room.min(rooms),
                        start: day_windows[0].start + step * 5 * MINUTE,
                        pinned: true,
                    };
                    if !plan.placements.iter().any(|q| q.talk_id == t.id)
                        && conflicts_of_move(&plan, p).iter().all(|c| !c.is_hard())
                    {
                        plan.placements.push(p);
                    }
                }
            }
            plan
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn solutions_have_no_hard_conflicts(plan in arb_plan()) {
        match solve(&plan) {
            Ok(s) => {
                let placed = Plan { placements: s.placements.clone(), ..plan.clone() };
                prop_assert_eq!(hard_conflicts(&placed), Vec::<Conflict>::new());
                // Every talk exactly once; pinned ones where they were.
                let ids: HashSet<i64> = s.placements.iter().map(|p| p.talk_id).collect();
                prop_assert_eq!(ids.len(), plan.talks.len());
                prop_assert_eq!(s.placements.len(), plan.talks.len());
                for p in plan.placements.iter().filter(|p| p.pinned) {
                    prop_assert!(s.placements.contains(p));
                }
                // Starts are on the grid.
                for p in &s.placements {
                    let day = plan.days.iter().find(|d| d.start <= p.start && p.start < d.end).unwrap();
                    prop_assert_eq!((p.start - day.start) % plan.grid, 0);
                }
                prop_assert_eq!(solve(&plan).unwrap(), s);
            }
            Err(e) => {
                // Pinned talks were placed without hard conflicts, so the reason is a talk.
                prop_assert!(e.pinned.is_empty());
                prop_assert!(!e.unplaceable.is_empty());
                prop_assert_eq!(solve(&plan).unwrap_err(), e);
            }
        }
    }

    /// With room to spare and no availability limits, every talk finds a place.
    #[test]
    fn roomy_plans_are_always_solved(mut plan in arb_plan()) {
        plan.availability.clear();
        plan.placements.clear();
        let room_time: Micros = plan.days.iter().map(Window::len).sum::<Micros>() * plan.rooms.len() as Micros;
        let talk_time: Micros = plan.talks.iter().map(|t| t.length).sum();
        // Speakers with several talks need time of their own too.
        let mut per_speaker: HashMap<i64, Micros> = HashMap::new();
        for t in &plan.talks {
            for s in &t.speakers {
                *per_speaker.entry(*s).or_default() += t.length;
            }
        }
        let day_time: Micros = plan.days.iter().map(Window::len).sum::<Micros>() / 2;
        prop_assume!(talk_time * 3 <= room_time && per_speaker.values().all(|&m| m <= day_time));
        prop_assert!(solve(&plan).is_ok(), "{:?}", solve(&plan).err());
    }
}

#[test]
fn the_changelog_names_new_moved_and_cancelled_talks() {
    let slot = |talk_id: i64, room_id: i64, start: i64, minutes: i64| VersionSlot {
        talk_id,
        room_id,
        room_name: format!("Room {room_id}"),
        starts_at: D0 + start * MINUTE,
        ends_at: D0 + (start + minutes) * MINUTE,
        title: format!("Talk {talk_id}"),
    };
    let before = vec![
        slot(1, 1, 0, 30),
        slot(2, 1, 30, 30),
        slot(3, 2, 0, 30),
        slot(4, 2, 30, 30),
    ];
    // 1 stays; 2 moves room; 3 gets longer; 4 is gone; 5 is new.
    let after = vec![
        slot(1, 1, 0, 30),
        slot(2, 2, 30, 30),
        slot(3, 2, 0, 45),
        slot(5, 1, 60, 30),
    ];
    let changes = diff(&before, &after);
    let kinds: Vec<(i64, &str)> = changes
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ChangeKind::New => "new",
                ChangeKind::Moved { .. } => "moved",
                ChangeKind::Cancelled => "cancelled",
            };
            (c.talk_id, kind)
        })
        .collect();
    assert_eq!(
        kinds,
        vec![(5, "new"), (3, "moved"), (2, "moved"), (4, "cancelled")]
    );
    assert!(diff(&after, &after).is_empty());
}
