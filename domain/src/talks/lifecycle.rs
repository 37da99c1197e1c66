//! The talk state machine, pure: no database, no clock, so it can be property tested and every
//! caller (the web pages, staged decisions, the pool) goes through the same rules.
//!
//! ```text
//! draft ──submit──▶ submitted ──accept──▶ accepted ──confirm──▶ confirmed
//!                        └──────reject──▶ rejected
//! draft | submitted | accepted | confirmed ──withdraw (speaker)──▶ withdrawn
//! accepted | confirmed ──cancel (speaker or organizer)──▶ cancelled
//! ```
//!
//! Who may do what: speakers submit, confirm, withdraw and cancel their own talks; organizers
//! accept, reject and cancel. Reviewers never change a state. `rejected`, `withdrawn` and
//! `cancelled` are final: no action leaves them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum State {
    Draft,
    Submitted,
    Accepted,
    Rejected,
    Confirmed,
    Withdrawn,
    Cancelled,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Draft,
        State::Submitted,
        State::Accepted,
        State::Rejected,
        State::Confirmed,
        State::Withdrawn,
        State::Cancelled,
    ];

    /// The stored code (`talks.state`), also what filters and URLs use.
    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Accepted => "accepted",
            State::Rejected => "rejected",
            State::Confirmed => "confirmed",
            State::Withdrawn => "withdrawn",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// No action leaves a final state.
    pub fn is_final(self) -> bool {
        matches!(self, State::Rejected | State::Withdrawn | State::Cancelled)
    }

    /// Only confirmed talks have public pages: accepted ones may still be turned down by
    /// their speakers.
    pub fn is_public(self) -> bool {
        self == State::Confirmed
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Submit,
    Accept,
    Reject,
    Confirm,
    Withdraw,
    Cancel,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Submit,
        Action::Accept,
        Action::Reject,
        Action::Confirm,
        Action::Withdraw,
        Action::Cancel,
    ];

    /// The code stored in `talk_history.action`.
    pub fn code(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Confirm => "confirm",
            Action::Withdraw => "withdraw",
            Action::Cancel => "cancel",
        }
    }

    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// In which capacity someone acts on a talk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The owner or an accepted co-speaker.
    Speaker,
    /// An organizer of the talk's community (or a site admin).
    Organizer,
    /// Assigned to review the event's talks: reads and scores, never changes a state.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Speaker, Role::Organizer, Role::Reviewer];
}

/// Why a transition was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The action does not apply to the current state (confirming a rejected talk).
    IllegalTransition,
    /// The action applies, but not in this role (a speaker accepting their own talk, any
    /// reviewer action).
    WrongRole,
}

impl Refused {
    pub fn code(self) -> &'static str {
        match self {
            Refused::IllegalTransition => "illegal_transition",
            Refused::WrongRole => "wrong_role",
        }
    }
}

/// `illegal_transition` becomes `Refused("illegal_transition")`; a wrong role is `Forbidden`.
impl From<Refused> for crate::error::DomainError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::IllegalTransition => crate::error::DomainError::Refused("illegal_transition"),
            Refused::WrongRole => crate::error::DomainError::Forbidden,
        }
    }
}

/// The state `action` leads to from `from`, regardless of who acts.
fn target(from: State, action: Action) -> Option<State> {
    use Action as A;
    use State as S;
    match (from, action) {
        (S::Draft, A::Submit) => Some(S::Submitted),
        (S::Submitted, A::Accept) => Some(S::Accepted),
        (S::Submitted, A::Reject) => Some(S::Rejected),
        (S::Accepted, A::Confirm) => Some(S::Confirmed),
        (S::Draft | S::Submitted | S::Accepted | S::Confirmed, A::Withdraw) => Some(S::Withdrawn),
        (S::Accepted | S::Confirmed, A::Cancel) => Some(S::Cancelled),
        _ => None,
    }
}

/// Whether `role` may perform `action` at all.
fn permits(role: Role, action: Action) -> bool {
    match role {
        Role::Reviewer => false,
        Role::Speaker => matches!(
            action,
            Action::Submit | Action::Confirm | Action::Withdraw | Action::Cancel
        ),
        Role::Organizer => matches!(action, Action::Accept | Action::Reject | Action::Cancel),
    }
}

/// The one rule: where `action` by `role` takes a talk in state `from`.
///
/// Reviewers are refused before anything else (they may not even learn which actions apply);
/// then an action that does not apply to the state is an illegal transition; then the role.
pub fn transition(from: State, action: Action, role: Role) -> Result<State, Refused> {
    if role == Role::Reviewer {
        return Err(Refused::WrongRole);
    }
    let to = target(from, action).ok_or(Refused::IllegalTransition)?;
    if permits(role, action) {
        Ok(to)
    } else {
        Err(Refused::WrongRole)
    }
}

/// The actions `role` may take on a talk in `state`: the buttons a page shows.
pub fn allowed_actions(state: State, role: Role) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| transition(state, *a, role).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Every allowed (from, action, role, to), written out by hand from the issue: the
    /// property tests check `transition` against this table, not against itself.
    const ALLOWED: &[(State, Action, Role, State)] = {
        use Action as A;
        use Role as R;
        use State as S;
        &[
            (S::Draft, A::Submit, R::Speaker, S::Submitted),
            (S::Submitted, A::Accept, R::Organizer, S::Accepted),
            (S::Submitted, A::Reject, R::Organizer, S::Rejected),
            (S::Accepted, A::Confirm, R::Speaker, S::Confirmed),
            (S::Draft, A::Withdraw, R::Speaker, S::Withdrawn),
            (S::Submitted, A::Withdraw, R::Speaker, S::Withdrawn),
            (S::Accepted, A::Withdraw, R::Speaker, S::Withdrawn),
            (S::Confirmed, A::Withdraw, R::Speaker, S::Withdrawn),
            (S::Accepted, A::Cancel, R::Speaker, S::Cancelled),
            (S::Accepted, A::Cancel, R::Organizer, S::Cancelled),
            (S::Confirmed, A::Cancel, R::Speaker, S::Cancelled),
            (S::Confirmed, A::Cancel, R::Organizer, S::Cancelled),
        ]
    };

    fn state() -> impl Strategy<Value = State> {
        prop::sample::select(State::ALL.to_vec())
    }
    fn action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::ALL.to_vec())
    }
    fn role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    /// What the table says of `action` by `role` in state `from`: the state it leads to, or
    /// why it is refused (reviewers never act; an action the table lists for the state in
    /// another role only is the wrong role; any other is an illegal transition).
    fn by_the_table(from: State, action: Action, role: Role) -> Result<State, Refused> {
        if let Some((_, _, _, to)) = ALLOWED
            .iter()
            .find(|(f, a, r, _)| *f == from && *a == action && *r == role)
        {
            return Ok(*to);
        }
        if role == Role::Reviewer || ALLOWED.iter().any(|(f, a, _, _)| *f == from && *a == action) {
            Err(Refused::WrongRole)
        } else {
            Err(Refused::IllegalTransition)
        }
    }

    /// The states reachable from `draft` by the table's steps.
    fn reachable_by_the_table() -> BTreeSet<State> {
        let mut seen = BTreeSet::from([State::Draft]);
        loop {
            let next: BTreeSet<State> = ALLOWED
                .iter()
                .filter(|(from, _, _, _)| seen.contains(from))
                .map(|(_, _, _, to)| *to)
                .collect();
            if next.is_subset(&seen) {
                return seen;
            }
            seen.extend(next);
        }
    }

    #[test]
    fn the_table_is_exactly_what_transition_allows() {
        for from in State::ALL {
            for action in Action::ALL {
                for role in Role::ALL {
                    let expected = ALLOWED
                        .iter()
                        .find(|(f, a, r, _)| *f == from && *a == action && *r == role)
                        .map(|(_, _, _, to)| *to);
                    assert_eq!(
                        transition(from, action, role).ok(),
                        expected,
                        "{from:?} {action:?} {role:?}"
                    );
                }
            }
        }
        // No state of the machine is dead: the table reaches every one from a draft, and
        // nothing leaves a final one.
        assert_eq!(reachable_by_the_table(), State::ALL.into_iter().collect());
        for (from, _, _, _) in ALLOWED {
            assert!(!from.is_final(), "{from:?} is final");
        }
    }

    #[test]
    fn examples_from_the_issue() {
        assert_eq!(
            transition(State::Rejected, Action::Confirm, Role::Speaker),
            Err(Refused::IllegalTransition)
        );
        assert_eq!(
            transition(State::Submitted, Action::Accept, Role::Speaker),
            Err(Refused::WrongRole)
        );
        assert_eq!(
            allowed_actions(State::Accepted, Role::Speaker),
            vec![Action::Confirm, Action::Withdraw, Action::Cancel]
        );
        assert_eq!(
            allowed_actions(State::Submitted, Role::Organizer),
            vec![Action::Accept, Action::Reject]
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.code()), Some(a));
        }
        assert_eq!(State::parse("nonsense"), None);
    }

    proptest! {
        /// `transition` agrees with the table, refusals and their reasons included.
        #[test]
        fn transition_follows_the_table(from in state(), a in action(), r in role()) {
            prop_assert_eq!(transition(from, a, r), by_the_table(from, a, r), "{:?} {:?} {:?}", from, a, r);
        }

        /// The buttons a page shows are the table's rows for that state and role.
        #[test]
        fn allowed_actions_are_the_tables(from in state(), r in role()) {
            let listed: Vec<Action> = Action::ALL
                .into_iter()
                .filter(|a| ALLOWED.iter().any(|(f, x, y, _)| *f == from && x == a && *y == r))
                .collect();
            prop_assert_eq!(allowed_actions(from, r), listed);
        }

        #[test]
        fn reviewers_never_change_state(from in state(), a in action()) {
            prop_assert_eq!(transition(from, a, Role::Reviewer), Err(Refused::WrongRole));
            prop_assert!(allowed_actions(from, Role::Reviewer).is_empty());
        }

        #[test]
        fn final_states_have_no_way_out(from in state(), a in action(), r in role()) {
            if from.is_final() {
                prop_assert!(transition(from, a, r).is_err());
            }
        }

        /// Any sequence of attempted actions by any roles, from a draft: at every step
        /// `transition` says what the table says, so a talk driven only through it walks the
        /// table's paths; no step leaves a final state or is a reviewer's.
        #[test]
        fn any_sequence_walks_the_tables_paths(steps in prop::collection::vec((action(), role()), 0..40)) {
            let reachable = reachable_by_the_table();
            let mut state = State::Draft;
            for (a, r) in steps {
                let got = transition(state, a, r);
                prop_assert_eq!(got, by_the_table(state, a, r), "{:?} {:?} {:?}", state, a, r);
                if let Ok(next) = got {
                    prop_assert!(!state.is_final());
                    prop_assert_ne!(r, Role::Reviewer);
                    state = next;
                }
                prop_assert!(reachable.contains(&state));
            }
        }

        /// Organizers alone decide; speakers alone submit, confirm and withdraw.
        #[test]
        fn roles_are_respected(from in state(), a in action()) {
            if transition(from, a, Role::Organizer).is_ok() {
                prop_assert!(matches!(a, Action::Accept | Action::Reject | Action::Cancel));
            }
            if transition(from, a, Role::Speaker).is_ok() {
                prop_assert!(matches!(a, Action::Submit | Action::Confirm | Action::Withdraw | Action::Cancel));
            }
        }
    }
}
