//! Sbor's rules and persistence, free of any web framework.
//!
//! Every invariant lives here (and in the database constraints these functions rely on),
//! so the UI, the HTTP routes, the workers and the CLI cannot disagree about them.

pub mod accounts;
pub mod announcements;
pub mod cfp;
pub mod checkin;
pub mod clock;
pub mod coalesce;
pub mod communities;
pub mod csv;
pub mod db;
pub mod deferred_mail;
pub mod email;
pub mod error;
pub mod events;
pub mod feeds;
pub mod form_stash;
pub mod ics;
pub mod lang;
pub mod mail_templates;
pub mod markdown;
pub mod outbox;
pub mod password;
pub mod rate_limit;
pub mod reminders;
pub mod reviews;
pub mod rsvp;
pub mod rsvp_batch;
pub mod schedule;
pub mod series;
pub mod sessions;
pub mod speakers;
pub mod talks;
pub mod tokens;
pub mod ttl_cache;
pub mod waitlist;

pub use db::{Backend, Db};
pub use error::{DomainError, Result};
pub use lang::Lang;
