//! Request layers: CSRF origin checks, the session lookup that every page needs, and metrics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sbor_app::error::AppError;
use sbor_app::i18n::Lang;
use sbor_app::ssr::{FLASH_COOKIE, LANG_COOKIE, RequestInfo, SESSION_COOKIE, ServerCtx, cookie};

use crate::metrics::Metrics;

/// Where `List-Unsubscribe` points; exempt from the origin check (see [`csrf`]).
pub const ONE_CLICK_UNSUBSCRIBE: &str = "/unsubscribe/one-click";

/// What the CSRF check compares the request's `Origin` with.
#[derive(Clone)]
pub struct CsrfConfig {
    /// `scheme://host[:port]` of BASE_URL.
    pub origin: String,
    pub scheme: String,
}

/// Refuses any state-changing request that a browser sent from another site.
///
/// Leptos server functions have no CSRF protection of their own, so this runs before every
/// route. A request passes when its `Origin` (or, lacking that, its `Referer`) is our own
/// origin: BASE_URL's, or the one the browser addressed (`Host`), which a foreign page cannot
/// forge. Requests with neither header are refused: every browser sends `Origin` on a POST.
pub async fn csrf(State(cfg): State<Arc<CsrfConfig>>, req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next.run(req).await;
    }
    // RFC 8058: the recipient's mail provider posts here, from its own servers. The signed
    // token in the URL is the whole authority; no cookie is read, so a forged cross-site
    // post can do nothing a link could not.
    if req.uri().path() == ONE_CLICK_UNSUBSCRIBE {
        return next.run(req).await;
    }
    if same_origin(&cfg, req.headers()) {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-origin request refused");
        (
            StatusCode::FORBIDDEN,
            "Cross-site request refused. / Запрос с другого сайта отклонён.\n",
        )
            .into_response()
    }
}

fn same_origin(cfg: &CsrfConfig, headers: &HeaderMap) -> bool {
    let header_str = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if header_str("sec-fetch-site") == Some("cross-site") {
        return false;
    }
    let host_origin = header_str(header::HOST.as_str()).map(|h| format!("{}://{h}", cfg.scheme));
    let ours = |origin: &str| origin == cfg.origin || host_origin.as_deref() == Some(origin);
    if let Some(origin) = header_str(header::ORIGIN.as_str()) {
        return ours(origin);
    }
    if let Some(referer) = header_str(header::REFERER.as_str())
        && let Ok(url) = url::Url::parse(referer)
    {
        return ours(&url.origin().ascii_serialization());
    }
    false
}

pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Gives failed server functions their real status (422 for bad input, 429 for rate limits,
/// 403, …) instead of Leptos' blanket 500, so that metrics and alerts count only real faults.
/// Only JSON answers are touched: a plain form post gets its 302 back to the form untouched.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_api || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Headers every response carries: no framing (a framed login-link page could log a victim
/// into an attacker's account with a click), no MIME sniffing, and no full URLs (which can
/// hold one-time tokens) in the Referer sent to other sites. `same-origin`, not `no-referrer`:
/// the latter makes browsers send `Origin: null` on our own form posts.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("content-security-policy", "frame-ancestors 'none'"),
        ("referrer-policy", "same-origin"),
        ("x-content-type-options", "nosniff"),
    ] {
        headers
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    res
}

/// A panic in a handler becomes an opaque 500 page; the panic message goes to the log only.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic");
    tracing::error!(panic = detail, "request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>500</title><h1>Something went wrong</h1><p>Please try again in a moment.</p>\
         <h1 lang=\"ru\">Что-то пошло не так</h1><p lang=\"ru\">Попробуйте ещё раз чуть позже.</p>",
    )
        .into_response()
}

#[derive(Clone)]
pub struct SessionState {
    pub ctx: ServerCtx,
    pub trust_proxy: bool,
}

/// Resolves the session cookie to a user, picks the language and takes the flash message, and
/// hands all of it to the pages and server functions as [`RequestInfo`].
pub async fn session(State(state): State<SessionState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let session_token = read_cookie(headers, SESSION_COOKIE)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let user = match &session_token {
        Some(t) => match state.ctx.sessions.user(t).await {
            Ok(u) => u,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "Database unavailable").into_response();
            }
        },
        None => None,
    };
    let lang: Lang = user
        .as_ref()
        .map(|u| u.lang)
        .or_else(|| read_cookie(headers, LANG_COOKIE).and_then(sbor_domain::Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(sbor_domain::Lang::from_accept_language)
        })
        .unwrap_or_default()
        .into();
    let flash = read_cookie(headers, FLASH_COOKIE)
        .filter(|f| !f.is_empty())
        .map(str::to_owned);
    let client_ip = client_ip(&req, state.trust_proxy);
    let shows_flash =
        flash.is_some() && req.method() == Method::GET && !req.uri().path().starts_with("/api/");
    req.extensions_mut().insert(RequestInfo {
        user,
        session_token,
        lang,
        flash,
        client_ip,
    });
    let mut res = next.run(req).await;
    if shows_flash {
        // The page that showed the flash clears it, so it appears exactly once.
        if let Ok(v) = HeaderValue::from_str(&cookie(FLASH_COOKIE, "", Some(0), state.ctx.secure_cookies)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn client_ip(req: &Request, trust_proxy: bool) -> String {
    // The rightmost entry is the one our load balancer appended; entries to its left are
    // whatever the client chose to send.
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .filter(|v| !v.trim().is_empty());
    if trust_proxy && let Some(ip) = forwarded {
        return ip.trim().to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Counts requests by route pattern (never the raw path, whose tokens and ids would leak secrets
/// and explode cardinality) and logs one line per request.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "fallback".into()
            }
        });
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    metrics.observe_request(method, &route, status, elapsed);
    if status >= 500 {
        tracing::error!(method, route, status, ms = elapsed.as_secs_f64() * 1e3, "request");
    } else {
        tracing::debug!(method, route, status, ms = elapsed.as_secs_f64() * 1e3, "request");
    }
    res
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> CsrfConfig {
        CsrfConfig {
            origin: "https://sbor.example.org".into(),
            scheme: "https".into(),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origin_rules() {
        assert!(same_origin(
            &cfg(),
            &headers(&[("origin", "https://sbor.example.org")])
        ));
        assert!(!same_origin(
            &cfg(),
            &headers(&[("origin", "https://evil.example")])
        ));
        assert!(!same_origin(&cfg(), &headers(&[("origin", "null")])));
        assert!(same_origin(
            &cfg(),
            &headers(&[("referer", "https://sbor.example.org/login?x=1")])
        ));
        assert!(!same_origin(
            &cfg(),
            &headers(&[("referer", "https://sbor.example.org.evil.example/")])
        ));
        assert!(!same_origin(&cfg(), &headers(&[])));
        assert!(same_origin(
            &cfg(),
            &headers(&[("host", "10.0.0.5:3000"), ("origin", "https://10.0.0.5:3000")])
        ));
        assert!(!same_origin(
            &cfg(),
            &headers(&[
                ("origin", "https://sbor.example.org"),
                ("sec-fetch-site", "cross-site")
            ])
        ));
    }

    #[test]
    fn cookies_are_found() {
        let h = headers(&[("cookie", "a=1; sbor_session=xyz; b=2")]);
        assert_eq!(read_cookie(&h, "sbor_session"), Some("xyz"));
        assert_eq!(read_cookie(&h, "c"), None);
    }
}
