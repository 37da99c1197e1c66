//! Plain HTTP routes beside the Leptos pages: probes, metrics and mailed links.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sbor_app::ssr::{FLASH_COOKIE, ServerCtx, cookie};
use serde::Deserialize;

use crate::metrics::Metrics;

#[derive(Clone)]
pub struct RouteState {
    pub ctx: ServerCtx,
    pub metrics: Arc<Metrics>,
}

/// Liveness: the process serves HTTP. Deliberately touches nothing else.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the database answers, so a load balancer may send traffic here.
pub async fn readyz(State(s): State<RouteState>) -> Response {
    match s.ctx.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub async fn metrics(State(s): State<RouteState>) -> Response {
    let pending = sbor_domain::outbox::pending_count(&s.ctx.db).await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        s.metrics.render(pending),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The link in the confirmation mail: confirms the address, then sends the person to log in
/// with a message saying so (or saying the link is no good).
pub async fn confirm_email(State(s): State<RouteState>, Query(q): Query<TokenQuery>) -> Response {
    let flash = match sbor_domain::accounts::confirm_email(&s.ctx.db, q.token.as_deref().unwrap_or("")).await
    {
        Ok(user) => {
            tracing::info!(user_id = user.id, "email confirmed");
            "email_confirmed"
        }
        Err(sbor_domain::DomainError::Refused(_)) => "link_invalid",
        Err(e) => {
            tracing::error!(error = %e, "email confirmation failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. / Что-то пошло не так.",
            )
                .into_response();
        }
    };
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie(FLASH_COOKIE, flash, Some(60), s.ctx.secure_cookies)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
