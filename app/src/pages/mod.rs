//! One module per area of the site; each page is a component routed in `lib.rs`.

pub mod account;
pub mod admin;
pub mod announcements;
pub mod auth;
pub mod cfp_admin;
pub mod community;
pub mod errors;
pub mod event;
pub mod home;
pub mod reviews;
pub mod schedule;
// talks: speakers and public
pub mod talks;
pub mod ticket;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The route parameter `name` (`:slug`, `:id`), or empty.
pub(crate) fn param(name: &'static str) -> String {
    use_params_map()
        .with_untracked(|p| p.get(name))
        .unwrap_or_default()
}

/// A numeric route parameter; 0 (found by nobody) when it is not a number.
pub(crate) fn id_param(name: &'static str) -> i64 {
    param(name).parse().unwrap_or(0)
}

/// The query parameter `name`, or empty.
pub(crate) fn query(name: &'static str) -> String {
    use_query_map()
        .with_untracked(|q| q.get(name))
        .unwrap_or_default()
}
