//! Files for other programs: iCalendar for events, CSV for organizers' spreadsheets.

use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sbor_app::ssr::{RequestInfo, ServerCtx};
use sbor_domain::DomainError;

fn error(e: DomainError) -> Response {
    match e {
        DomainError::NotFound => StatusCode::NOT_FOUND.into_response(),
        DomainError::Forbidden => StatusCode::FORBIDDEN.into_response(),
        other => {
            tracing::error!(error = %other, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `/e/{id}/calendar.ics`: one event, for calendar apps. Drafts only for their organizers.
pub async fn event_ics(
    State(ctx): State<ServerCtx>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let event = sbor_domain::events::get_visible(&ctx.db, info.user.as_ref(), id).await?;
        Ok::<_, DomainError>(sbor_domain::ics::event_calendar(&ctx.site, &event))
    }
    .await;
    match result {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"event.ics\""),
            ],
            ics,
        )
            .into_response(),
        Err(e) => error(e),
    }
}

/// A CSV document (see `sbor_domain::csv`) as a download named `name`.
fn csv_response(name: &str, document: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        document,
    )
        .into_response()
}

/// One CSV cell, as every export writes it.
pub use sbor_domain::csv::cell as csv_cell;

/// `/e/{id}/talks.csv`: the review dashboard of an event (every talk but drafts, by score),
/// for its organizers; 403 for everyone else.
pub async fn talks_csv(
    State(ctx): State<ServerCtx>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = info.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let filter = sbor_domain::reviews::DashboardFilter::default();
    match sbor_domain::reviews::dashboard(&ctx.db, &user, id, &filter).await {
        Ok(rows) => csv_response(
            &format!("event-{id}-talks.csv"),
            sbor_domain::reviews::dashboard_csv(&rows),
        ),
        Err(e) => error(e),
    }
}

/// `/c/{slug}/members.csv`, for organizers.
pub async fn members_csv(
    State(ctx): State<ServerCtx>,
    Extension(info): Extension<RequestInfo>,
    Path(slug): Path<String>,
) -> Response {
    let Some(user) = info.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let result = async {
        let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
        sbor_domain::communities::members(&ctx.db, &user, c.id).await
    }
    .await;
    match result {
        Ok(members) => {
            let mut rows = vec![
                vec!["name", "email", "role", "joined", "attended", "no_shows"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
            ];
            rows.extend(members.into_iter().map(|m| {
                vec![
                    m.display_name,
                    m.email,
                    m.role,
                    sbor_domain::clock::rfc3339(m.joined_at),
                    m.attended.to_string(),
                    m.no_shows.to_string(),
                ]
            }));
            csv_response(&format!("{slug}-members.csv"), sbor_domain::csv::document(rows))
        }
        Err(e) => error(e),
    }
}

/// `/c/{slug}/announcements/{id}/log.csv`: an announcement's delivery log, for organizers.
pub async fn announcement_log_csv(
    State(ctx): State<ServerCtx>,
    Extension(info): Extension<RequestInfo>,
    Path((slug, id)): Path<(String, i64)>,
) -> Response {
    let Some(user) = info.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let result = async {
        let c = sbor_domain::communities::by_slug(&ctx.db, &slug).await?;
        let a = sbor_domain::announcements::get_for(&ctx.db, &user, id).await?;
        if a.community_id != c.id {
            return Err(DomainError::NotFound);
        }
        sbor_domain::announcements::deliveries(&ctx.db, &user, id, None, None).await
    }
    .await;
    match result {
        Ok(log) => {
            let mut rows = vec![
                ["email", "status", "attempts", "last_reply", "sent_at"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
            ];
            rows.extend(log.into_iter().map(|d| {
                vec![
                    d.email,
                    d.status,
                    d.attempts.to_string(),
                    d.last_error.unwrap_or_default(),
                    d.sent_at.map(sbor_domain::clock::rfc3339).unwrap_or_default(),
                ]
            }));
            csv_response(
                &format!("{slug}-announcement-{id}.csv"),
                sbor_domain::csv::document(rows),
            )
        }
        Err(e) => error(e),
    }
}

/// `/e/{id}/attendees.csv`, for organizers.
pub async fn attendees_csv(
    State(ctx): State<ServerCtx>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = info.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match sbor_domain::rsvp::attendees(&ctx.db, &user, id).await {
        Ok(list) => {
            let mut rows = vec![
                vec!["name", "email", "status", "guests", "answered", "checked_in"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
            ];
            rows.extend(list.into_iter().map(|a| {
                vec![
                    a.display_name,
                    a.email,
                    a.rsvp.status.code().to_owned(),
                    a.rsvp.guests.to_string(),
                    sbor_domain::clock::rfc3339(a.rsvp.created_at),
                    a.rsvp
                        .checked_in_at
                        .map(sbor_domain::clock::rfc3339)
                        .unwrap_or_default(),
                ]
            }));
            csv_response(
                &format!("event-{id}-attendees.csv"),
                sbor_domain::csv::document(rows),
            )
        }
        Err(e) => error(e),
    }
}

/// Serves a document made from a community (by slug) with its content type.
async fn community_document<F, Fut>(
    ctx: &ServerCtx,
    slug: &str,
    content_type: &'static str,
    make: F,
) -> Response
where
    F: FnOnce(sbor_domain::communities::Community) -> Fut,
    Fut: std::future::Future<Output = Result<String, DomainError>>,
{
    let result = async {
        let c = sbor_domain::communities::by_slug(&ctx.db, slug).await?;
        make(c).await
    }
    .await;
    match result {
        Ok(body) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(e) => error(e),
    }
}

const ATOM: &str = "application/atom+xml; charset=utf-8";

/// `/c/{slug}/calendar.ics`: the community's events, for calendar apps.
pub async fn community_ics(State(ctx): State<ServerCtx>, Path(slug): Path<String>) -> Response {
    let (db, site) = (&ctx.db, &ctx.site);
    community_document(&ctx, &slug, "text/calendar; charset=utf-8", |c| async move {
        sbor_domain::feeds::community_calendar(db, site, &c).await
    })
    .await
}

/// `/c/{slug}/feed.atom`: the community's upcoming events as an Atom feed.
pub async fn community_atom(State(ctx): State<ServerCtx>, Path(slug): Path<String>) -> Response {
    let (db, site) = (&ctx.db, &ctx.site);
    community_document(&ctx, &slug, ATOM, |c| async move {
        sbor_domain::feeds::community_atom(db, site, &c).await
    })
    .await
}

/// `/c/{slug}/news.atom`: the community's public announcements.
pub async fn news_atom(State(ctx): State<ServerCtx>, Path(slug): Path<String>) -> Response {
    let (db, site) = (&ctx.db, &ctx.site);
    community_document(&ctx, &slug, ATOM, |c| async move {
        sbor_domain::feeds::announcements_atom(db, site, &c).await
    })
    .await
}

/// `/feeds/{token}/calendar.ics`: a member's private calendar; 404 once the link is revoked.
pub async fn private_ics(State(ctx): State<ServerCtx>, Path(token): Path<String>) -> Response {
    match sbor_domain::feeds::private_calendar(&ctx.db, &ctx.site, &token).await {
        Ok(Some(ics)) => ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], ics).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => error(e),
    }
}

/// The four exports of a published schedule, by file name.
#[derive(Clone, Copy)]
pub enum ScheduleFormat {
    FrabXml,
    C3vocJson,
    Ics,
    Csv,
}

macro_rules! schedule_handler {
    ($name:ident, $format:ident) => {
        pub async fn $name(
            State(ctx): State<ServerCtx>,
            Extension(info): Extension<RequestInfo>,
            Path(id): Path<i64>,
        ) -> Response {
            schedule_export(ctx, info, id, ScheduleFormat::$format).await
        }
    };
}
schedule_handler!(schedule_xml, FrabXml);
schedule_handler!(schedule_json, C3vocJson);
schedule_handler!(schedule_ics, Ics);
schedule_handler!(schedule_csv, Csv);

/// `/e/{id}/schedule.{xml,json,ics,csv}`: the latest published version (never the draft), for
/// conference apps (frab XML, c3voc JSON), calendars and spreadsheets. 404 before the first
/// version, and for a draft event to anyone but its organizers.
async fn schedule_export(ctx: ServerCtx, info: RequestInfo, id: i64, format: ScheduleFormat) -> Response {
    use sbor_domain::schedule;
    let doc = schedule::exchange::visible_doc(&ctx.db, &ctx.site, info.user.as_ref(), id).await;
    let (version, doc) = match doc {
        Ok((_, Some(d))) => d,
        Ok((_, None)) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return error(e),
    };
    let (content_type, name, body) = match format {
        ScheduleFormat::FrabXml => (
            "application/xml; charset=utf-8",
            "schedule.xml",
            schedule::frab_xml(&doc),
        ),
        ScheduleFormat::C3vocJson => (
            "application/json; charset=utf-8",
            "schedule.json",
            schedule::c3voc_json(&doc),
        ),
        ScheduleFormat::Ics => (
            "text/calendar; charset=utf-8",
            "schedule.ics",
            schedule::ics(&doc, version.published_at, version.number),
        ),
        ScheduleFormat::Csv => return csv_response(&format!("event-{id}-schedule.csv"), schedule::csv(&doc)),
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `/e/{id}/schedule/changes.atom`: one entry per published version.
pub async fn schedule_changes_atom(
    State(ctx): State<ServerCtx>,
    Extension(info): Extension<RequestInfo>,
    Path(id): Path<i64>,
) -> Response {
    let result = async {
        let event = sbor_domain::events::get_visible(&ctx.db, info.user.as_ref(), id).await?;
        sbor_domain::schedule::exchange::changelog_atom(&ctx.db, &ctx.site, &event).await
    }
    .await;
    match result {
        Ok(body) => ([(header::CONTENT_TYPE, ATOM)], body).into_response(),
        Err(e) => error(e),
    }
}

/// `/feeds/{token}/starred.ics`: a member's starred talks; 404 once the link is revoked.
pub async fn starred_ics(State(ctx): State<ServerCtx>, Path(token): Path<String>) -> Response {
    match sbor_domain::schedule::exchange::starred_calendar(&ctx.db, &ctx.site, &token).await {
        Ok(Some(ics)) => ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], ics).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("Anna"), "Anna");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}

#[derive(serde::Deserialize)]
pub struct UnsubscribeQuery {
    #[serde(default)]
    t: String,
}

/// `POST /unsubscribe/one-click?t=…`: RFC 8058 one-click unsubscribe, posted by mail
/// providers with the body `List-Unsubscribe=One-Click`. A forged token changes nothing.
pub async fn one_click_unsubscribe(
    State(ctx): State<ServerCtx>,
    axum::extract::Query(q): axum::extract::Query<UnsubscribeQuery>,
) -> Response {
    match sbor_domain::announcements::unsubscribe(&ctx.db, &ctx.signing_key, &q.t).await {
        Ok(_) => (StatusCode::OK, "Unsubscribed.\n").into_response(),
        Err(DomainError::Refused(_)) => {
            (StatusCode::BAD_REQUEST, "This unsubscribe link is not valid.\n").into_response()
        }
        Err(e) => error(e),
    }
}
