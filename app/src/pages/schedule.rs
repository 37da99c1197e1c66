//! Schedule pages: the organizers' editor (`/e/:id/schedule/edit`), the public schedule
//! (`/e/:id/schedule`, and `/e/:id/schedule/mine` for starred talks), the changelog
//! (`/e/:id/schedule/changes`) and the import form (`/c/:slug/import`).
//!
//! Every change is a small form that works without JavaScript; once hydrated, the editor also
//! lets talks be dragged onto a room and time (the drop posts the same `place_talk`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    AddScheduleBlock, ChangesView, DeleteRoom, DeleteScheduleBlock, EditorTalk, EditorView, FillSchedule,
    ImportSchedule, PlaceTalk, PublicSlot, PublishSchedule, SaveRoom, SaveScheduleSettings,
    ScheduleTalkAction, ScheduleView, StarTalk, community_page, public_schedule, schedule_changes,
    schedule_editor,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{Field, FormError, FormErrors, LoginRequired, Submit, TextArea, errors_of};
use crate::error::AppError;
use crate::i18n;
use crate::pages::event::event_id;
use crate::pages::{param, query};
use crate::schedule_texts::schedule_texts;

/// Any error of a form, field or not, in one line (the small schedule forms have one place
/// for messages).
#[component]
fn AnyError(errors: FormErrors) -> impl IntoView {
    let lang = use_lang();
    move || {
        errors.get().map(
            |e| view! { <div class="form-error" role="alert">{i18n::error_message(lang, e.code())}</div> },
        )
    }
}

/// [`errors::failed`](crate::pages::errors::failed), with "log in first" shown as forbidden:
/// the editor's functions answer both for a visitor who may not edit.
fn failed(e: AppError) -> AnyView {
    crate::pages::errors::failed(match e {
        AppError::Unauthorized => AppError::Forbidden,
        other => other,
    })
}

// ---------------------------------------------------------------------------------------------
// Editor

#[component]
pub fn ScheduleEditorPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(
        move || (event_id(), query("fill")),
        |(id, fill)| schedule_editor(id, fill),
    );
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => editor_view(v).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// The talk being dragged (hydrated only).
#[derive(Clone, Copy)]
struct Dragging(RwSignal<Option<i64>>);

fn editor_view(v: EditorView) -> impl IntoView {
    let st = schedule_texts(use_lang());
    let tx = t();
    let id = v.event_id;
    let place = ServerAction::<PlaceTalk>::new();
    let place_errors = errors_of(place.value());
    let dragging = Dragging(RwSignal::new(None));
    provide_context(dragging);
    provide_context(place);
    let fill = ServerAction::<FillSchedule>::new();
    let publish = ServerAction::<PublishSchedule>::new();
    let publish_errors = errors_of(publish.value());
    let hard = v.conflicts.iter().filter(|c| c.hard).count();
    let unscheduled: Vec<EditorTalk> = v.talks.iter().filter(|t| t.slot.is_none()).cloned().collect();
    let ctx = EditorCtx {
        event_id: id,
        rooms: v.rooms.iter().map(|r| (r.id, r.name.clone())).collect(),
        days: v.days.iter().map(|d| d.prefix.clone()).collect(),
    };
    view! {
        <Title text=st.editor/>
        <section class="card">
            <p>
                <a href=format!("/e/{id}")>{v.event_title.clone()}</a> " · "
                <a href=format!("/e/{id}/schedule")>{st.public_view}</a> " · "
                <a href=format!("/e/{id}/schedule/changes")>{st.changes}</a>
            </p>
            <h1>{st.editor}</h1>
            <p class="muted">{st.drag_hint} " " {tx.time_zone} ": " {v.time_zone.clone()}</p>
            <AnyError errors=place_errors/>
        </section>

        <section class="card" id="unscheduled">
            <h2>{st.unscheduled} {format!(" ({})", unscheduled.len())}</h2>
            {if unscheduled.is_empty() {
                view! { <p class="muted">{st.none_unscheduled}</p> }.into_any()
            } else {
                view! {
                    <ul class="sched-pool">
                        {unscheduled.into_iter().map(|talk| view! { <li>{talk_card(&ctx, talk)}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>

        <section class="card" id="grid">
            {v.days.iter().enumerate().map(|(day, d)| day_grid(&ctx, &v, day, d)).collect_view()}
        </section>

        <section class="card" id="conflicts">
            <h2>{st.conflicts} {format!(" ({hard})")}</h2>
            {problem_list(&v.conflicts, st.no_conflicts)}
        </section>

        <section class="card" id="solver">
            <h2>{st.solver}</h2>
            <p class="muted">{st.solver_intro}</p>
            <ActionForm action=fill>
                <input type="hidden" name="event_id" value=id/>
                <Submit label=st.fill pending=fill.pending()/>
            </ActionForm>
            {(!v.impossible.is_empty()).then(|| view! {
                <div class="form-error" role="alert"><p>{st.impossible}</p>{problem_list(&v.impossible, "")}</div>
            })}
            {(!v.notes.is_empty()).then(|| view! { <h3>{st.notes}</h3> {problem_list(&v.notes, "")} })}
        </section>

        <section class="card" id="publish">
            <h2>{st.publish}</h2>
            <ActionForm action=publish>
                <FormError errors=publish_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=st.version_name name="name" errors=publish_errors/>
                {(hard > 0).then(|| view! {
                    <label class="check"><input type="checkbox" name="confirm" value="on"/> {st.publish_anyway} {format!(" ({hard})")}</label>
                })}
                <Submit label=st.publish pending=publish.pending()/>
            </ActionForm>
            <h3>{st.versions}</h3>
            {if v.versions.is_empty() {
                view! { <p class="muted">{st.no_versions}</p> }.into_any()
            } else {
                view! {
                    <ul>{v.versions.iter().map(|(n, name, at)| view! { <li>{format!("{} {n}: {name} · {at}", st.version)}</li> }).collect_view()}</ul>
                }.into_any()
            }}
        </section>

        {rooms_section(&v)}
        {breaks_section(&v)}
        {settings_section(&v)}
    }
}

/// What every talk card and cell needs to build its forms.
struct EditorCtx {
    event_id: i64,
    rooms: Vec<(i64, String)>,
    /// Each day's `YYYY-MM-DDT` prefix.
    days: Vec<String>,
}

fn problem_list(list: &[crate::api::ConflictLine], empty: &'static str) -> impl IntoView + use<> {
    let lang = use_lang();
    let st = schedule_texts(lang);
    if list.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="problems">
            {list.iter().map(|c| view! {
                <li class:hard=c.hard data-code=c.code.clone()>
                    <strong>{st.problem(lang, &c.code)}</strong> ": "
                    {c.talks.iter().map(|(id, title)| view! { <a href=format!("#talk-{id}")>{title.clone()}</a> " " }).collect_view()}
                    {(!c.detail.is_empty()).then(|| view! { <span class="muted">{format!("({})", c.detail)}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A talk: draggable once hydrated, with its own small forms (place by room and start, pin,
/// unschedule) for keyboards and browsers without JavaScript.
fn talk_card(ctx: &EditorCtx, talk: EditorTalk) -> impl IntoView + use<> {
    let st = schedule_texts(use_lang());
    let id = ctx.event_id;
    let Dragging(dragging) = expect_context::<Dragging>();
    let action = ServerAction::<ScheduleTalkAction>::new();
    let place = expect_context::<ServerAction<PlaceTalk>>();
    let talk_id = talk.id;
    let colour = talk
        .track
        .as_ref()
        .map(|t| t.1.clone())
        .unwrap_or_else(|| "#888888".into());
    let start = talk
        .slot
        .as_ref()
        .map(|s| s.3.clone())
        .or_else(|| talk.outside.clone())
        .unwrap_or_else(|| ctx.days.first().map(|p| format!("{p}09:00")).unwrap_or_default());
    let room = talk.slot.as_ref().map(|s| s.0);
    let pinned = talk.slot.as_ref().is_some_and(|s| s.4);
    // Placed outside the current hours also counts: it can be taken off the grid from here.
    let placed = talk.slot.is_some() || talk.outside.is_some();
    let rooms = ctx.rooms.clone();
    view! {
        <article
            class="sched-talk"
            class:conflicted=talk.conflicted
            class:pinned=pinned
            id=format!("talk-{talk_id}")
            draggable="true"
            style=format!("border-left-color:{colour}")
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                dragging.set(Some(talk_id));
                #[cfg(feature = "hydrate")]
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &talk_id.to_string());
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }
            on:dragend=move |_| dragging.set(None)
        >
            <strong>{talk.title.clone()}</strong>
            <span class="muted">{format!(" · {} {}", talk.minutes, st.minutes)}
                {(!talk.speakers.is_empty()).then(|| format!(" · {}", talk.speakers.join(", ")))}
                {pinned.then(|| format!(" · {}", st.pinned))}
                {talk.outside.clone().map(|at| format!(" · {} {}", st.outside_hours, at.replace('T', " ")))}
            </span>
            <details>
                <summary>{st.place}</summary>
                <ActionForm action=place attr:class="place-form">
                    <input type="hidden" name="event_id" value=id/>
                    <input type="hidden" name="talk_id" value=talk_id/>
                    <label>{st.room} " "
                        <select name="room_id">
                            {rooms.into_iter().map(|(rid, name)| view! { <option value=rid selected=room == Some(rid)>{name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{st.start} " " <input type="datetime-local" name="start" value=start step="300"/></label>
                    <button type="submit" class="button small">{st.place}</button>
                </ActionForm>
                {placed.then(|| view! {
                    <ActionForm action=action attr:class="inline">
                        <input type="hidden" name="event_id" value=id/>
                        <input type="hidden" name="talk_id" value=talk_id/>
                        <input type="hidden" name="action" value=if pinned { "unpin" } else { "pin" }/>
                        <button type="submit" class="link">{if pinned { st.unpin } else { st.pin }}</button>
                    </ActionForm>
                    " "
                    <ActionForm action=action attr:class="inline">
                        <input type="hidden" name="event_id" value=id/>
                        <input type="hidden" name="talk_id" value=talk_id/>
                        <input type="hidden" name="action" value="unplace"/>
                        <button type="submit" class="link">{st.unplace}</button>
                    </ActionForm>
                })}
            </details>
        </article>
    }
}

/// One day: rooms as columns, grid rows as rows; drop cells under the talks and breaks.
fn day_grid(ctx: &EditorCtx, v: &EditorView, day: usize, d: &crate::api::DayLine) -> impl IntoView + use<> {
    let st = schedule_texts(use_lang());
    let Dragging(dragging) = expect_context::<Dragging>();
    let place = expect_context::<ServerAction<PlaceTalk>>();
    let columns = v.rooms.len().max(1);
    let style = grid_style(columns, d.rows.len());
    let event_id = ctx.event_id;
    // Plain cells: the grid handles every drop (one pair of listeners, not two per cell) and
    // reads the room and start from the cell it lands on.
    let cells = v
        .rooms
        .iter()
        .enumerate()
        .flat_map(|(c, r)| {
            let prefix = d.prefix.clone();
            d.rows.iter().enumerate().map(move |(row, time)| {
                view! {
                    <div
                        class="sched-cell"
                        class:hour=time.ends_with(":00")
                        data-cell=format!("{c}-{row}")
                        data-room=r.id
                        data-start=format!("{prefix}{time}")
                        style=format!("grid-column:{};grid-row:{}", c + 2, row + 2)
                    ></div>
                }
            })
        })
        .collect_view();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let cell = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let attr = |name: &str| cell.as_ref().and_then(|c| c.get_attribute(name));
            if let (Some(talk_id), Some(room_id), Some(start)) =
                (dragging.get_untracked(), attr("data-room"), attr("data-start"))
            {
                place.dispatch(PlaceTalk {
                    event_id,
                    talk_id,
                    room_id,
                    start,
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (dragging, place, event_id);
    };
    let labels = d
        .rows
        .iter()
        .enumerate()
        .filter(|(_, t)| t.ends_with(":00") || t.ends_with(":30"))
        .map(|(row, t)| view! { <div class="sched-time" style=format!("grid-row:{}", row + 2)>{t.clone()}</div> })
        .collect_view();
    let col_of = |room: i64| v.rooms.iter().position(|r| r.id == room).map(|i| i + 2);
    let blocks = v
        .blocks
        .iter()
        .filter(|b| b.day == day)
        .map(|b| {
            let column = match b.room_id.and_then(col_of) {
                Some(c) => format!("{c}"),
                None => "2 / -1".into(),
            };
            view! {
                <div class="sched-block" style=format!("grid-column:{column};grid-row:{} / span {}", b.first_row + 2, b.rows)>
                    {b.label.clone()}
                </div>
            }
        })
        .collect_view();
    let talks = v
        .talks
        .iter()
        .filter(|t| t.slot.as_ref().is_some_and(|s| s.1 == day))
        .filter_map(|t| {
            let (room, _, row, _, _) = t.slot.clone()?;
            let column = col_of(room)?;
            Some(view! {
                <div class="sched-slot" style=format!("grid-column:{column};grid-row:{} / span {}", row + 2, t.rows.max(1))>
                    {talk_card(ctx, t.clone())}
                </div>
            })
        })
        .collect_view();
    view! {
        <h2>{format!("{} · {}", st.schedule, d.date)}</h2>
        <div class="sched-scroll">
            // While a talk is dragged, placed talks let drops through to the cells under them.
            <div
                class="sched-grid"
                class:dragging=move || dragging.get().is_some()
                style=style
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop
            >
                <div class="sched-head" style="grid-column:1;grid-row:1"></div>
                {v.rooms.iter().enumerate().map(|(i, r)| view! {
                    <div class="sched-head" style=format!("grid-column:{};grid-row:1", i + 2)>
                        {r.name.clone()} {r.capacity.map(|c| format!(" ({c})"))}
                    </div>
                }).collect_view()}
                {labels}
                {cells}
                {blocks}
                {talks}
            </div>
        </div>
    }
}

/// The inline grid of a day: a time column and `columns` rooms of at least 9rem (wider
/// when the page has room), a header row and `rows` grid steps.
fn grid_style(columns: usize, rows: usize) -> String {
    format!(
        "grid-template-columns: 3.5rem repeat({columns}, minmax(9rem, 1fr)); grid-template-rows: 2rem repeat({rows}, 0.9rem); \
         min-width: {}rem",
        3.5 + 9.0 * columns as f64
    )
}

fn rooms_section(v: &EditorView) -> impl IntoView + use<> {
    let st = schedule_texts(use_lang());
    let tx = t();
    let id = v.event_id;
    let add = ServerAction::<SaveRoom>::new();
    let add_errors = errors_of(add.value());
    let edit = ServerAction::<SaveRoom>::new();
    let edit_errors = errors_of(edit.value());
    let delete = ServerAction::<DeleteRoom>::new();
    view! {
        <section class="card" id="rooms">
            <h2>{st.rooms}</h2>
            <AnyError errors=edit_errors/>
            <ul class="room-list">
                {v.rooms.clone().into_iter().map(|r| view! {
                    <li>
                        <ActionForm action=edit attr:class="inline-form">
                            <input type="hidden" name="event_id" value=id/>
                            <input type="hidden" name="id" value=r.id/>
                            <input name="name" value=r.name.clone() aria-label=tx.name/>
                            <input name="capacity" type="number" min="1" value=r.capacity.map(|c| c.to_string()).unwrap_or_default() aria-label=st.capacity placeholder=st.capacity/>
                            <input name="position" type="number" value=r.position aria-label=st.position/>
                            <button type="submit" class="button small secondary">{tx.save}</button>
                        </ActionForm>
                        <ActionForm action=delete attr:class="inline">
                            <input type="hidden" name="event_id" value=id/>
                            <input type="hidden" name="id" value=r.id/>
                            <button type="submit" class="link">{crate::review_texts::review_texts(use_lang()).delete}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=add attr:novalidate=true>
                <AnyError errors=add_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=tx.name name="name" field="room_name" errors=add_errors/>
                <Field label=st.capacity name="capacity" field="room_capacity" kind="number" errors=add_errors/>
                <Submit label=tx.add pending=add.pending()/>
            </ActionForm>
        </section>
    }
}

fn breaks_section(v: &EditorView) -> impl IntoView + use<> {
    let st = schedule_texts(use_lang());
    let tx = t();
    let id = v.event_id;
    let add = ServerAction::<AddScheduleBlock>::new();
    let add_errors = errors_of(add.value());
    let delete = ServerAction::<DeleteScheduleBlock>::new();
    let room_name = |room: Option<i64>| match room {
        None => st.break_all_rooms.to_owned(),
        Some(r) => v
            .rooms
            .iter()
            .find(|x| x.id == r)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
    };
    let mut seen = std::collections::HashSet::new();
    let lines: Vec<(i64, String)> = v
        .blocks
        .iter()
        .filter(|b| seen.insert(b.id))
        .map(|b| {
            (
                b.id,
                format!("{} – {} · {} · {}", b.from, b.to, room_name(b.room_id), b.label),
            )
        })
        .collect();
    let rooms: Vec<(i64, String)> = v.rooms.iter().map(|r| (r.id, r.name.clone())).collect();
    let first_prefix = v.days.first().map(|d| d.prefix.clone()).unwrap_or_default();
    view! {
        <section class="card" id="breaks">
            <h2>{st.breaks}</h2>
            <ul>
                {lines.into_iter().map(|(block_id, line)| view! {
                    <li>
                        {line} " "
                        <ActionForm action=delete attr:class="inline">
                            <input type="hidden" name="event_id" value=id/>
                            <input type="hidden" name="id" value=block_id/>
                            <button type="submit" class="link">{crate::review_texts::review_texts(use_lang()).delete}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=add attr:novalidate=true>
                <AnyError errors=add_errors/>
                <input type="hidden" name="event_id" value=id/>
                <div class="field">
                    <label for="block_room">{st.room}</label>
                    <select id="block_room" name="room_id">
                        <option value="">{st.break_all_rooms}</option>
                        {rooms.into_iter().map(|(rid, name)| view! { <option value=rid>{name}</option> }).collect_view()}
                    </select>
                </div>
                <Field label=st.from name="starts_at" kind="datetime-local" value=format!("{first_prefix}13:00") errors=add_errors/>
                <Field label=st.to name="ends_at" kind="datetime-local" value=format!("{first_prefix}14:00") errors=add_errors/>
                <Field label=st.label name="label" errors=add_errors/>
                <Submit label=tx.add pending=add.pending()/>
            </ActionForm>
        </section>
    }
}

fn settings_section(v: &EditorView) -> impl IntoView + use<> {
    let st = schedule_texts(use_lang());
    let tx = t();
    let save = ServerAction::<SaveScheduleSettings>::new();
    let errors = errors_of(save.value());
    let (grid, event_id) = (v.grid_minutes, v.event_id);
    let (day_start, day_end) = (v.day_start.clone(), v.day_end.clone());
    view! {
        <section class="card" id="settings">
            <h2>{st.settings}</h2>
            <ActionForm action=save attr:novalidate=true>
                <FormError errors/>
                <input type="hidden" name="event_id" value=event_id/>
                <div class="field">
                    <label for="grid_minutes">{st.grid_minutes}</label>
                    <select id="grid_minutes" name="grid_minutes">
                        {[5i64, 10, 15, 30].into_iter().map(|g| view! { <option value=g selected=g == grid>{g}</option> }).collect_view()}
                    </select>
                </div>
                <Field label=st.day_start name="day_start" kind="time" value=day_start errors/>
                <Field label=st.day_end name="day_end" kind="time" value=day_end errors/>
                <Submit label=tx.save pending=save.pending()/>
            </ActionForm>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Public schedule

#[component]
pub fn PublicSchedulePage() -> impl IntoView {
    schedule_page(false)
}

#[component]
pub fn MySchedulePage() -> impl IntoView {
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    schedule_page(true).into_any()
}

fn schedule_page(mine: bool) -> impl IntoView {
    let tx = t();
    let data = Resource::new(
        move || (event_id(), query("tz"), query("track")),
        move |(id, zone, track)| public_schedule(id, zone, track, mine),
    );
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => schedule_view(v, mine).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}

/// Common zones for "Times in" (the conference's own is always first).
const ZONES: [&str; 24] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Europe/Istanbul",
    "Asia/Tbilisi",
    "Asia/Yerevan",
    "Asia/Dubai",
    "Asia/Tashkent",
    "Asia/Almaty",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Vladivostok",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
];

fn schedule_view(v: ScheduleView, mine: bool) -> impl IntoView {
    let lang = use_lang();
    let st = schedule_texts(lang);
    let id = v.event_id;
    let star = ServerAction::<StarTalk>::new();
    provide_context(star);
    let heading = if mine { st.my_schedule } else { st.schedule };
    let base = if mine {
        format!("/e/{id}/schedule/mine")
    } else {
        format!("/e/{id}/schedule")
    };
    let zone_q = if v.zone == v.conference_zone {
        String::new()
    } else {
        format!("tz={}&", v.zone)
    };
    let zones: Vec<String> = std::iter::once(v.conference_zone.clone())
        .chain(
            ZONES
                .iter()
                .map(|z| z.to_string())
                .filter(|z| *z != v.conference_zone),
        )
        .collect();
    let slots_of = |ids: &[i64]| {
        v.slots
            .iter()
            .filter(|s| ids.contains(&s.talk_id))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (now, next) = (slots_of(&v.now), slots_of(&v.next));
    let logged_in = v.logged_in;
    view! {
        <Title text=format!("{heading} · {}", v.event_title)/>
        <section class="card">
            <p><a href=format!("/e/{id}")>{v.event_title.clone()}</a></p>
            <h1>{heading}</h1>
            {match &v.version {
                None => view! { <p class="muted">{st.no_schedule}</p> }.into_any(),
                Some((n, name)) => view! {
                    <p class="muted">
                        {format!("{} {n}: {name}", st.version)} " · "
                        <a href=format!("/e/{id}/schedule/changes")>{st.changes}</a>
                        {logged_in.then(|| view! { " · " <a href=format!("/e/{id}/schedule/mine")>{st.my_schedule}</a> })}
                        {v.can_edit.then(|| view! { " · " <a href=format!("/e/{id}/schedule/edit")>{st.editor}</a> })}
                    </p>
                    <p class="muted">{st.exports} ": "
                        <a href=format!("/e/{id}/schedule.xml")>"XML (frab)"</a> " · "
                        <a href=format!("/e/{id}/schedule.json")>"JSON (c3voc)"</a> " · "
                        <a href=format!("/e/{id}/schedule.ics")>"iCal"</a> " · "
                        <a href=format!("/e/{id}/schedule.csv")>"CSV"</a>
                    </p>
                }.into_any(),
            }}
            <form method="get" action=base.clone() class="inline-form">
                <label>{st.times_in} " "
                    <select name="tz">
                        {zones.into_iter().map(|z| { let sel = z == v.zone; view! { <option value=z.clone() selected=sel>{z.clone()}</option> } }).collect_view()}
                    </select>
                </label>
                " " <button type="submit" class="button small secondary">{st.show}</button>
            </form>
            {(!v.tracks.is_empty()).then(|| view! {
                <p class="track-filter">
                    <a href=format!("{base}?{}", zone_q.trim_end_matches('&'))>{st.all_tracks}</a>
                    {v.tracks.iter().map(|(name, colour)| view! {
                        " " <a class="track" style=format!("border-color:{colour}") href=format!("{base}?{zone_q}track={}", url_encode(name))>{name.clone()}</a>
                    }).collect_view()}
                </p>
            })}
            {mine.then(|| view! { <p class="muted">{st.starred_feed}</p> })}
        </section>
        {(!now.is_empty() || !next.is_empty()).then(|| view! {
            <section class="card now-next">
                {(!now.is_empty()).then(|| view! { <h2>{st.now}</h2> <ul class="slot-list">{now.into_iter().map(|s| slot_item(s, logged_in)).collect_view()}</ul> })}
                {(!next.is_empty()).then(|| view! { <h2>{st.next}</h2> <ul class="slot-list">{next.into_iter().map(|s| slot_item(s, logged_in)).collect_view()}</ul> })}
            </section>
        })}
        {(mine && v.slots.is_empty() && v.version.is_some()).then(|| view! { <section class="card"><p class="muted">{st.nothing_starred}</p></section> })}
        {v.days.iter().enumerate().map(|(day, (date, rows))| {
            let slots: Vec<PublicSlot> = v.slots.iter().filter(|s| s.day == day).cloned().collect();
            (!slots.is_empty()).then(|| public_day(&v, date, rows, slots, logged_in))
        }).collect_view()}
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A day: a grid by room on wide screens, a list per start time on narrow ones (CSS shows one).
fn public_day(
    v: &ScheduleView,
    date: &str,
    rows: &[String],
    slots: Vec<PublicSlot>,
    logged_in: bool,
) -> impl IntoView + use<> {
    let rooms: Vec<(i64, String)> = v
        .rooms
        .iter()
        .filter(|(id, _)| slots.iter().any(|s| s.room_id == *id))
        .cloned()
        .collect();
    let style = grid_style(rooms.len().max(1), rows.len());
    let col_of = |room: i64| rooms.iter().position(|r| r.0 == room).map(|i| i + 2);
    let mut by_start: Vec<(String, Vec<PublicSlot>)> = Vec::new();
    for s in &slots {
        match by_start.iter_mut().find(|(t, _)| *t == s.start) {
            Some((_, list)) => list.push(s.clone()),
            None => by_start.push((s.start.clone(), vec![s.clone()])),
        }
    }
    view! {
        <section class="card schedule-day">
            <h2>{date.to_owned()}</h2>
            <div class="sched-scroll wide-only">
                <div class="sched-grid public" style=style>
                    {rooms.iter().enumerate().map(|(i, (_, name))| view! {
                        <div class="sched-head" style=format!("grid-column:{};grid-row:1", i + 2)>{name.clone()}</div>
                    }).collect_view()}
                    {rows.iter().enumerate().filter(|(_, t)| t.ends_with(":00") || t.ends_with(":30")).map(|(row, t)| view! {
                        <div class="sched-time" style=format!("grid-row:{}", row + 2)>{t.clone()}</div>
                    }).collect_view()}
                    {slots.iter().filter_map(|s| {
                        let column = col_of(s.room_id)?;
                        Some(view! {
                            <div class="sched-slot" style=format!("grid-column:{column};grid-row:{} / span {}", s.first_row + 2, s.rows.max(1))>
                                {talk_box(s.clone(), logged_in)}
                            </div>
                        })
                    }).collect_view()}
                </div>
            </div>
            <div class="narrow-only">
                {by_start.into_iter().map(|(start, list)| view! {
                    <h3>{start}</h3>
                    <ul class="slot-list">{list.into_iter().map(|s| slot_item(s, logged_in)).collect_view()}</ul>
                }).collect_view()}
            </div>
        </section>
    }
}

fn talk_box(s: PublicSlot, logged_in: bool) -> impl IntoView {
    let colour = s.colour.clone().unwrap_or_else(|| "#888888".into());
    view! {
        <article class="sched-talk public" class:starred=s.starred id=format!("talk-{}", s.talk_id) style=format!("border-left-color:{colour}")>
            <a href=format!("/talk/{}", s.talk_id)><strong>{s.title.clone()}</strong></a>
            <span class="muted">{format!(" {}–{}", s.start, s.end)}{(!s.speakers.is_empty()).then(|| format!(" · {}", s.speakers.join(", ")))}</span>
            {logged_in.then(|| star_form(s.talk_id, s.starred))}
        </article>
    }
}

fn slot_item(s: PublicSlot, logged_in: bool) -> impl IntoView {
    let colour = s.colour.clone().unwrap_or_else(|| "#888888".into());
    view! {
        <li class="slot-item" style=format!("border-left-color:{colour}")>
            <span class="muted">{format!("{}–{} · {}", s.start, s.end, s.room)}</span>
            <a href=format!("/talk/{}", s.talk_id)><strong>{s.title.clone()}</strong></a>
            {(!s.speakers.is_empty()).then(|| view! { <span class="muted">{s.speakers.join(", ")}</span> })}
            {s.track.clone().map(|t| view! { <span class="badge">{t}</span> })}
            {logged_in.then(|| star_form(s.talk_id, s.starred))}
        </li>
    }
}

fn star_form(talk_id: i64, starred: bool) -> impl IntoView {
    let st = schedule_texts(use_lang());
    let star = expect_context::<ServerAction<StarTalk>>();
    view! {
        <ActionForm action=star attr:class="inline star-form">
            <input type="hidden" name="talk_id" value=talk_id/>
            <input type="hidden" name="on" value=if starred { "off" } else { "on" }/>
            <button type="submit" class="link star" aria-pressed=if starred { "true" } else { "false" }>
                {if starred { st.unstar } else { st.star }}
            </button>
        </ActionForm>
    }
}

// ---------------------------------------------------------------------------------------------
// Changelog and import

#[component]
pub fn ScheduleChangesPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(event_id, schedule_changes);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => changes_view(v).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}

fn changes_view(v: ChangesView) -> impl IntoView {
    let st = schedule_texts(use_lang());
    let id = v.event_id;
    view! {
        <Title text=format!("{} · {}", st.changes, v.event_title)/>
        <section class="card">
            <p><a href=format!("/e/{id}")>{v.event_title.clone()}</a> " · " <a href=format!("/e/{id}/schedule")>{st.schedule}</a>
               " · " <a href=format!("/e/{id}/schedule/changes.atom")>"Atom"</a></p>
            <h1>{st.changes}</h1>
            {v.versions.is_empty().then(|| view! { <p class="muted">{st.no_schedule}</p> })}
        </section>
        {v.versions.into_iter().map(|ver| view! {
            <section class="card" id=format!("v{}", ver.number)>
                <h2>{format!("{} {}: {}", st.version, ver.number, ver.name)}</h2>
                <p class="muted">{ver.published}</p>
                <ul class="changes">
                    {ver.lines.into_iter().map(|(kind, line)| view! {
                        <li data-kind=kind.clone()><span class="badge">{st.kind_word(&kind)}</span> " " {line}</li>
                    }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
    }
}

#[component]
pub fn ImportSchedulePage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let st = schedule_texts(use_lang());
    let data = Resource::new(|| param("slug"), community_page);
    let import = ServerAction::<ImportSchedule>::new();
    let errors = errors_of(import.value());
    view! {
        <Title text=st.import/>
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! {
                        <section class="card">
                            <p><a href=format!("/c/{}", c.slug)>{c.name.clone()}</a></p>
                            <h1>{st.import}</h1>
                            <p class="muted">{st.import_intro}</p>
                            <ActionForm action=import attr:novalidate=true>
                                <AnyError errors/>
                                <input type="hidden" name="community_id" value=c.id/>
                                <TextArea label=st.import_json name="json" errors rows=14/>
                                <Submit label=st.import pending=import.pending()/>
                            </ActionForm>
                        </section>
                    }.into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
    .into_any()
}
