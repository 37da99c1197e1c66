//! Server functions: the only door from the UI to the rules layer.
//!
//! Each one checks who is calling, calls `sbor_domain`, and maps its errors. They have fixed
//! endpoints (`/api/<name>`) so that no-JavaScript forms and tests can post to them directly.
//! Successful form actions end with a redirect: a 302 for a plain form post, a full page load
//! when JavaScript is on (see the redirect hook in the frontend crate).

pub mod accounts;
pub mod announcements;
pub mod cfp_admin;
pub mod communities;
pub mod events;
pub mod reviews;
pub mod schedule;
// talks: speakers and public
pub mod talks;

pub use accounts::*;
pub use announcements::*;
pub use cfp_admin::*;
pub use communities::*;
pub use events::*;
pub use reviews::*;
pub use schedule::*;
pub use talks::*;

#[cfg(feature = "ssr")]
pub(crate) fn done(ctx: &crate::ssr::ServerCtx, flash: Option<&str>, to: &str) {
    if let Some(f) = flash {
        crate::ssr::set_flash(ctx, f);
    }
    leptos_axum::redirect(to);
}

/// Where a form came from (its Referer), when that is a page of this site; for "go back".
#[cfg(feature = "ssr")]
pub(crate) fn back_to(fallback: &str) -> String {
    use leptos::prelude::with_context;
    with_context::<http::request::Parts, _>(|p| {
        p.headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
    .flatten()
    .and_then(|r| url::Url::parse(&r).ok())
    .map(|u| {
        format!(
            "{}{}",
            u.path(),
            u.query().map(|q| format!("?{q}")).unwrap_or_default()
        )
    })
    .map(|p| accounts::safe_next(Some(p)))
    .unwrap_or_else(|| fallback.to_owned())
}
