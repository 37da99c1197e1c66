//! Server-only glue between the server functions and the rest of the server: shared state,
//! the per-request info the middleware computes, and cookies.

use axum::http::{HeaderValue, header};
use leptos::prelude::*;
use sbor_domain::Db;
use sbor_domain::accounts::{Site, User};

use crate::boot::{Boot, Me};
use crate::error::AppError;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "sbor_session";
pub const FLASH_COOKIE: &str = "sbor_flash";
pub const LANG_COOKIE: &str = "sbor_lang";

/// Shared by every request; provided as Leptos context by the server.
///
/// One `Arc`, because it is cloned several times per request (into the Leptos context, into
/// the session middleware's state, by every [`ctx`] call): cloning the fields one by one cost
/// a string copy and a dozen reference counts each time, about 2.5 % of the server's CPU in an
/// RSVP storm (perf). Fields are reached through `Deref`: `ctx.db`.
#[derive(Clone, Debug)]
pub struct ServerCtx(std::sync::Arc<Shared>);

impl ServerCtx {
    /// Wraps what every request shares; built once per server.
    pub fn new(shared: Shared) -> ServerCtx {
        ServerCtx(std::sync::Arc::new(shared))
    }
}

impl std::ops::Deref for ServerCtx {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`ServerCtx`] holds.
#[derive(Debug)]
pub struct Shared {
    pub db: Db,
    pub site: Site,
    /// Set the `Secure` flag on cookies (BASE_URL is https).
    pub secure_cookies: bool,
    /// Called after a mail was queued, to wake the outbox worker.
    pub mail_queued: std::sync::Arc<tokio_notify::Notify>,
    /// Signs ticket codes (from SECRET_KEY); its Debug output is redacted.
    pub signing_key: sbor_domain::checkin::SigningKey,
    /// Applies RSVPs in batches per event (group commit).
    pub rsvps: sbor_domain::rsvp_batch::RsvpBatcher,
    /// Resolves session cookies, many at a time under a burst.
    pub sessions: sbor_domain::sessions::SessionLookup,
}

/// A small line chart of cumulative RSVPs per day, as SVG (no JavaScript, no chart library).
pub fn rsvp_chart(points: &[(i64, i64)]) -> String {
    const W: f64 = 600.0;
    const H: f64 = 160.0;
    const PAD: f64 = 28.0;
    if points.is_empty() {
        return String::new();
    }
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let max = points.iter().map(|p| p.1).max().unwrap_or(1).max(1) as f64;
    let span = ((last - first) as f64).max(1.0);
    let x = |t: i64| {
        if points.len() == 1 {
            W / 2.0
        } else {
            PAD + (t - first) as f64 / span * (W - 2.0 * PAD)
        }
    };
    let y = |n: i64| H - PAD - n as f64 / max * (H - 2.0 * PAD);
    let line: Vec<String> = points
        .iter()
        .map(|(t, n)| format!("{:.1},{:.1}", x(*t), y(*n)))
        .collect();
    let day = |t: i64| sbor_domain::clock::rfc3339(t)[..10].to_owned();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" class=\"chart\" \
         aria-label=\"RSVPs over time: {total} by {end}\">\
         <line x1=\"{PAD}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"currentColor\" stroke-opacity=\".3\"/>\
         <polyline fill=\"none\" stroke=\"#c2410c\" stroke-width=\"2.5\" points=\"{pts}\"/>\
         <text x=\"{PAD}\" y=\"{label}\" font-size=\"11\" fill=\"currentColor\">{start}</text>\
         <text x=\"{right}\" y=\"{label}\" font-size=\"11\" text-anchor=\"end\" fill=\"currentColor\">{end}</text>\
         <text x=\"{PAD}\" y=\"16\" font-size=\"11\" fill=\"currentColor\">{total}</text></svg>",
        total = points[points.len() - 1].1,
        base = H - PAD,
        right = W - PAD,
        label = H - 8.0,
        pts = line.join(" "),
        start = day(first),
        end = day(last),
    )
}

/// A QR code of `text` as an SVG element, dark modules on white.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
        Err(e) => {
            tracing::error!(error = %e, "QR code could not be made");
            String::new()
        }
    }
}

/// Re-exported so the server does not need to name tokio's path.
pub mod tokio_notify {
    pub use tokio::sync::Notify;
}

/// Computed once per request by the server's session middleware.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub user: Option<User>,
    pub session_token: Option<String>,
    pub lang: Lang,
    pub flash: Option<String>,
    pub client_ip: String,
}

impl RequestInfo {
    pub fn boot(&self) -> Boot {
        Boot {
            lang: self.lang,
            user: self.user.as_ref().map(|u| Me {
                id: u.id,
                display_name: u.display_name.clone(),
                email: u.email.clone(),
                is_admin: u.is_admin,
            }),
            flash: self.flash.clone(),
            base_url: String::new(),
        }
    }
}

pub fn ctx() -> Result<ServerCtx, AppError> {
    use_context::<ServerCtx>().ok_or_else(|| {
        tracing::error!("ServerCtx missing from the Leptos context");
        AppError::Internal
    })
}

/// Reads this request's [`RequestInfo`] through a borrow of the request's parts: taking them
/// with `use_context` would copy every header and extension first, on every call. None
/// outside a request (while the route list is generated, say).
pub fn with_request_info<R>(f: impl FnOnce(&RequestInfo) -> R) -> Option<R> {
    with_context::<http::request::Parts, _>(|p| p.extensions.get::<RequestInfo>().map(f)).flatten()
}

/// This request's [`RequestInfo`]; missing is a server fault (no session middleware).
pub fn request_info() -> Result<RequestInfo, AppError> {
    with_request_info(RequestInfo::clone).ok_or_else(request_info_missing)
}

fn request_info_missing() -> AppError {
    tracing::error!("RequestInfo missing: is the session middleware installed?");
    AppError::Internal
}

/// The logged-in user, or `Unauthorized`. Copies the user only, not the whole request info:
/// every signed-in server function starts here.
pub fn require_user() -> Result<User, AppError> {
    with_request_info(|info| info.user.clone())
        .ok_or_else(request_info_missing)?
        .ok_or(AppError::Unauthorized)
}

pub fn require_admin() -> Result<User, AppError> {
    let user = require_user()?;
    if user.is_admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Builds a `Set-Cookie` value; `max_age` None = session cookie, Some(0) = delete.
pub fn cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub fn set_cookie(value: String) {
    if let (Some(res), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// Shows `code` (see `i18n::flash_message`) on the next page rendered.
pub fn set_flash(ctx: &ServerCtx, code: &str) {
    set_cookie(cookie(FLASH_COOKIE, code, Some(60), ctx.secure_cookies));
}

/// Starts a session for `user` in this browser, ending the one it had (see
/// `sessions::rotate`), and sets the cookie.
pub async fn start_session(ctx: &ServerCtx, user_id: i64) -> Result<(), AppError> {
    let old = request_info()?.session_token;
    let token = sbor_domain::sessions::rotate(&ctx.db, old.as_deref(), user_id).await?;
    let max_age = sbor_domain::sessions::LIFETIME / sbor_domain::clock::SECOND;
    set_cookie(cookie(SESSION_COOKIE, &token, Some(max_age), ctx.secure_cookies));
    Ok(())
}

/// Counts an attempt against the rate limits of `action` for this client (and `email`).
pub async fn rate_limit(
    ctx: &ServerCtx,
    action: sbor_domain::rate_limit::Action,
    email: Option<&str>,
) -> Result<(), AppError> {
    let ip = request_info()?.client_ip;
    Ok(sbor_domain::rate_limit::check(&ctx.db, action, &ip, email).await?)
}

#[cfg(test)]
mod tests {
    use super::cookie;

    #[test]
    fn cookies_are_http_only_lax_and_secure_on_https() {
        let c = cookie("sbor_session", "abc", Some(60), true);
        assert_eq!(
            c,
            "sbor_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!cookie("x", "y", None, false).contains("Secure"));
    }
}
