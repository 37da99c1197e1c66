//! The waitlist rules, as pure functions so they can be tested exhaustively; `rsvp` applies
//! them to the database inside one transaction.

/// Someone on the waitlist: their RSVP and how many seats they need (themselves plus guests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub rsvp_id: i64,
    pub seats: i64,
}

/// Free seats of an event; `None` when it has no capacity limit.
pub fn free_seats(capacity: Option<i64>, taken: i64) -> Option<i64> {
    capacity.map(|c| (c - taken).max(0))
}

/// Whether `seats` more fit.
pub fn fits(free: Option<i64>, seats: i64) -> bool {
    free.is_none_or(|f| seats <= f)
}

/// Who moves from the waitlist to a seat, in arrival order: each in turn gets seats if all of
/// their party fits; a party that does not fit is skipped (and keeps its place) so that the
/// people behind it who do fit are not kept waiting for nothing.
pub fn promotions(free: Option<i64>, waitlist: &[Waiting]) -> Vec<Waiting> {
    let mut left = free;
    let mut promoted = Vec::new();
    for w in waitlist {
        if fits(left, w.seats) {
            left = left.map(|l| l - w.seats);
            promoted.push(*w);
        }
    }
    promoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn waitlist() -> impl Strategy<Value = Vec<Waiting>> {
        prop::collection::vec(1i64..6, 0..40).prop_map(|seats| {
            seats
                .into_iter()
                .enumerate()
                .map(|(i, s)| Waiting {
                    rsvp_id: i as i64,
                    seats: s,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn promotions_never_overbook_and_keep_arrival_order(
            capacity in 0i64..30, taken_frac in 0.0f64..=1.0, list in waitlist()
        ) {
            let taken = (capacity as f64 * taken_frac) as i64;
            let free = free_seats(Some(capacity), taken);
            let promoted = promotions(free, &list);
            let used: i64 = promoted.iter().map(|w| w.seats).sum();
            prop_assert!(taken + used <= capacity, "overbooked");
            // Arrival order is kept among the promoted.
            prop_assert!(promoted.windows(2).all(|p| p[0].rsvp_id < p[1].rsvp_id));
            // Everyone skipped did not fit at their turn.
            let mut left = free.unwrap();
            for w in &list {
                if promoted.contains(w) {
                    left -= w.seats;
                } else {
                    prop_assert!(w.seats > left, "{w:?} was skipped though {left} seats were free");
                }
            }
        }

        #[test]
        fn without_a_limit_everyone_is_promoted(list in waitlist()) {
            prop_assert_eq!(promotions(None, &list), list);
        }
    }

    #[test]
    fn a_party_that_does_not_fit_is_skipped_not_blocking() {
        let list = [Waiting { rsvp_id: 1, seats: 3 }, Waiting { rsvp_id: 2, seats: 1 }];
        assert_eq!(promotions(Some(2), &list), vec![list[1]]);
        assert_eq!(promotions(Some(4), &list), list.to_vec());
        assert!(promotions(Some(0), &list).is_empty());
    }
}
