//! Plain HTTP routes beside the Leptos pages: probes and metrics.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sbor_app::ssr::ServerCtx;

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
