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
// talks: speakers and public
pub mod talks;
pub mod ticket;
