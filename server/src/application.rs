//! Wires configuration, database, routes and workers into a server that can be started and
//! stopped: the same way in `main`, in tests (port 0) and behind a load balancer.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sbor_app::ssr::{ServerCtx, Shared};
use sbor_app::{App, shell};
use sbor_domain::Db;
use sbor_domain::accounts::Site;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use crate::config::Config;
use crate::exports;
use crate::mailer::{Transport, Worker};
use crate::metrics::Metrics;
use crate::middleware::{self, CsrfConfig, SessionState};
use crate::routes::{self, RouteState};

pub struct Application {
    listener: TcpListener,
    router: Router,
    base_url: String,
    db: Db,
    site: Site,
    wake: Arc<Notify>,
    worker: Option<Worker>,
}

impl Application {
    /// Connects and migrates the database, binds the listener (port 0 picks a free port) and
    /// builds the router. Nothing is served until [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(config.database_url.expose(), config.db_max_connections).await?;
        db.migrate().await?;
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let base_url = config.public_url(addr);
        let parsed = url::Url::parse(&base_url)?;
        let csrf = Arc::new(CsrfConfig {
            origin: parsed.origin().ascii_serialization(),
            scheme: parsed.scheme().to_owned(),
        });

        let wake = Arc::new(Notify::new());
        let site = Site {
            base_url: base_url.clone(),
        };
        let signing_key = sbor_domain::checkin::SigningKey::new(config.secret_key.expose());
        let ctx = ServerCtx::new(Shared {
            db: db.clone(),
            site: site.clone(),
            secure_cookies: parsed.scheme() == "https",
            mail_queued: wake.clone(),
            signing_key: signing_key.clone(),
            rsvps: sbor_domain::rsvp_batch::RsvpBatcher::new(db.clone(), site.clone()),
            sessions: sbor_domain::sessions::SessionLookup::new(db.clone()),
        });
        let metrics = Arc::new(Metrics::default());
        let worker = if config.run_workers {
            Some(Worker {
                db: db.clone(),
                transport: Transport::from_config(
                    config.smtp_url.as_ref().map(|s| s.expose()),
                    &config.data_dir,
                    config.smtp_concurrency,
                )?,
                from: config.mail_from.parse()?,
                wake: wake.clone(),
                metrics: metrics.clone(),
                site: site.clone(),
                key: signing_key,
                concurrency: config.smtp_concurrency,
                rate: config.mail_rate,
                dkim: config.dkim.as_ref().map(crate::mailer::dkim_config).transpose()?,
                rsvps: ctx.rsvps.clone(),
            })
        } else {
            None
        };

        let leptos_options = LeptosOptions::builder()
            .output_name("sbor")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let route_state = RouteState {
            ctx: ctx.clone(),
            metrics: metrics.clone(),
        };

        let pages = {
            let ctx_for_pages = ctx.clone();
            let ctx_for_fallback = ctx.clone();
            let options = leptos_options.clone();
            Router::new()
                .leptos_routes_with_context(
                    &leptos_options,
                    route_list(),
                    move || provide_context(ctx_for_pages.clone()),
                    move || shell(options.clone()),
                )
                .merge(
                    Router::new()
                        .route("/e/{id}/calendar.ics", get(exports::event_ics))
                        .route("/e/{id}/attendees.csv", get(exports::attendees_csv))
                        .route("/c/{slug}/members.csv", get(exports::members_csv))
                        .route("/e/{id}/talks.csv", get(exports::talks_csv))
                        .route(
                            "/c/{slug}/announcements/{id}/log.csv",
                            get(exports::announcement_log_csv),
                        )
                        .route("/c/{slug}/calendar.ics", get(exports::community_ics))
                        .route("/c/{slug}/feed.atom", get(exports::community_atom))
                        .route("/c/{slug}/news.atom", get(exports::news_atom))
                        .route("/feeds/{token}/calendar.ics", get(exports::private_ics))
                        .route("/feeds/{token}/starred.ics", get(exports::starred_ics))
                        .route(
                            "/e/{id}/schedule/changes.atom",
                            get(exports::schedule_changes_atom),
                        )
                        .route("/e/{id}/schedule.xml", get(exports::schedule_xml))
                        .route("/e/{id}/schedule.json", get(exports::schedule_json))
                        .route("/e/{id}/schedule.ics", get(exports::schedule_ics))
                        .route("/e/{id}/schedule.csv", get(exports::schedule_csv))
                        .route(
                            crate::middleware::ONE_CLICK_UNSUBSCRIBE,
                            axum::routing::post(exports::one_click_unsubscribe),
                        )
                        .with_state(ctx.clone()),
                )
                .fallback(leptos_axum::file_and_error_handler_with_context(
                    move || provide_context(ctx_for_fallback.clone()),
                    shell,
                ))
                .with_state(leptos_options.clone())
                .layer(from_fn(middleware::server_fn_status))
                .layer(from_fn_with_state(
                    SessionState {
                        ctx: ctx.clone(),
                        trust_proxy: config.trust_proxy,
                    },
                    middleware::session,
                ))
        };
        let pkg_dir = config.site_root.join("pkg");
        let router = Router::new()
            .route("/healthz", get(routes::healthz))
            .route("/readyz", get(routes::readyz))
            .route("/metrics", get(routes::metrics))
            .with_state(route_state)
            .nest_service(
                "/pkg",
                ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip(),
            )
            .merge(pages)
            .layer(from_fn_with_state(metrics, middleware::track))
            .layer(from_fn_with_state(csrf, middleware::csrf))
            .layer(from_fn(middleware::security_headers))
            .layer(CatchPanicLayer::custom(middleware::panic_response))
            // No request may hang a connection forever, whatever goes wrong below.
            .layer(TimeoutLayer::with_status_code(
                http::StatusCode::SERVICE_UNAVAILABLE,
                std::time::Duration::from_secs(60),
            ));

        Ok(Application {
            listener,
            router,
            site: ctx.site.clone(),
            base_url,
            db,
            wake,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until `shutdown` completes, then stops taking connections, lets in-flight
    /// requests finish, stops the mail worker after its current batch, and closes the database.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = self.worker.map(|w| tokio::spawn(w.run(stop_rx.clone())));
        let maintenance = tokio::spawn(crate::maintenance::run(
            self.db.clone(),
            self.site.clone(),
            self.wake.clone(),
            stop_rx,
        ));
        tracing::info!(url = %self.base_url, "Sbor is listening");
        // No Nagle delay: an answer written in more than one segment must not wait for the
        // client's delayed ACK.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(
            listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        let _ = stop_tx.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        let _ = maintenance.await;
        self.db.close().await;
        tracing::info!("Sbor stopped");
        Ok(())
    }
}

/// The app's routes, generated once per process. Generating them renders the whole app with
/// resource loading suppressed through a process-wide flag (leptos_server), so a second
/// generation while another server renders a page (several test servers in one process)
/// could leave that page's resources pending forever.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown requested");
}
