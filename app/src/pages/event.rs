//! Event pages: the public page with RSVP, the organizer's form and dashboard.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    CreateEvent, CreateSeries, DecideRsvps, EventAction, EventForm, EventView, Rsvp, SetMaterials,
    SubscribeSeries, UpdateEvent, event_dashboard, event_page, new_event_form,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{
    BrowserLocalTime, Field, FormError, FormErrors, LoginRequired, Submit, TextArea, errors_of,
};
use crate::i18n;
use crate::pages::errors::NotFoundPage;

/// The `:id` of the event route.
pub(crate) fn event_id() -> i64 {
    super::id_param("id")
}

#[component]
pub fn EventPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(event_id, event_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(e) => event_view(e).into_any(),
                    Err(_) => view! { <NotFoundPage/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn status_text(status: &str) -> &'static str {
    let tx = t();
    match status {
        "going" => tx.status_going,
        "waitlisted" => tx.status_waitlisted,
        "offered" => tx.status_offered,
        "pending" => tx.status_pending,
        "declined" => tx.status_declined,
        _ => tx.status_not_going,
    }
}

fn event_view(e: EventView) -> impl IntoView {
    let tx = t();
    let lang = use_lang();
    let logged_in = use_boot().user.is_some();
    let id = e.id;
    let admin = ServerAction::<EventAction>::new();
    let admin_errors = errors_of(admin.value());
    let repeat = ServerAction::<CreateSeries>::new();
    let repeat_errors = errors_of(repeat.value());
    let subscribe = ServerAction::<SubscribeSeries>::new();
    let materials = ServerAction::<SetMaterials>::new();
    let materials_errors = errors_of(materials.value());
    view! {
        <Title text=e.title.clone()/>
        <article class="event">
            {(!e.cover_url.is_empty()).then(|| view! { <img class="cover" src=e.cover_url.clone() alt=""/> })}
            <header class="card">
                <p class="muted"><a href=format!("/c/{}", e.community_slug)>{e.community_name.clone()}</a></p>
                <h1>{e.title.clone()}</h1>
                {(e.status == "draft").then(|| view! { <p class="badge">{tx.draft}</p> })}
                {(e.status == "cancelled").then(|| view! { <p class="form-error">{tx.cancelled}</p> })}
                <p class="when"><time datetime=e.starts_at.clone()>{e.when.clone()}</time></p>
                {match e.your_time.clone() {
                    Some(y) => view! { <p class="muted">{tx.your_time} ": " {y}</p> }.into_any(),
                    None => view! { <BrowserLocalTime at=e.starts_at.clone() zone=e.time_zone.clone()/> }.into_any(),
                }}
                {(!e.venue_name.is_empty() || !e.venue_address.is_empty()).then(|| view! {
                    <p>{e.venue_name.clone()} {(!e.venue_address.is_empty()).then(|| format!(", {}", e.venue_address))}
                    {(!e.map_url.is_empty()).then(|| view! { " · " <a href=e.map_url.clone() rel="noopener nofollow">{tx.map}</a> })}</p>
                })}
                {match (e.online_url.clone(), e.has_online) {
                    (Some(u), _) => { let href = u.clone(); Some(view! { <p>{tx.online} ": " <a href=href rel="noopener nofollow">{u}</a></p> }.into_any()) }
                    (None, true) => Some(view! { <p class="muted">{tx.online_hidden}</p> }.into_any()),
                    _ => None,
                }}
                <p class="counts">
                    <strong>{e.going}</strong> " " {tx.going_count}
                    {e.capacity.map(|c| format!(" · {} / {c} {}", e.seats_taken, tx.seats))}
                    {(e.waitlisted > 0).then(|| format!(" · {} {}", e.waitlisted, tx.waitlist))}
                    {(e.pending > 0 && e.can_manage).then(|| format!(" · {} {}", e.pending, tx.pending))}
                </p>
                <p class="actions left">
                    <a href=format!("/e/{id}/calendar.ics")>{tx.add_to_calendar}</a>
                    {e.my_rsvp.as_ref().is_some_and(|r| r.status == "going").then(|| view! {
                        <a class="button small" href=format!("/e/{id}/ticket")>{tx.ticket}</a>
                    })}
                </p>
            </header>
            <section class="card rsvp">
                <h2>{tx.rsvp_title}</h2>
                {e.my_rsvp.as_ref().map(|r| {
                    let text = match r.status.as_str() {
                        "going" => tx.you_are_going.to_string(),
                        "waitlisted" => format!("{} {}.", tx.you_are_waitlisted, r.position.unwrap_or(0)),
                        "offered" => format!("{} {}.", tx.you_are_offered, r.offer_until.clone().unwrap_or_default()),
                        "pending" => tx.you_are_pending.to_string(),
                        "declined" => tx.you_are_declined.to_string(),
                        _ => tx.you_are_not_going.to_string(),
                    };
                    view! { <p class="my-rsvp" data-status=r.status.clone()>{text}</p> }
                })}
                {match (&e.rsvp_closed, logged_in) {
                    (Some(code), _) => view! { <p class="muted">{i18n::error_message(lang, code)}</p> }.into_any(),
                    (None, false) => view! { <a class="button" href=format!("/login?next=/e/{id}")>{tx.login_to_rsvp}</a> }.into_any(),
                    (None, true) => rsvp_form(&e).into_any(),
                }}
            </section>
            {e.series_id.map(|series_id| view! {
                <section class="card series">
                    <p><strong>{tx.series}</strong></p>
                    {e.subscribed.then(|| view! { <p class="muted">{tx.subscribed_note}</p> })}
                    {logged_in.then(|| view! {
                        <ActionForm action=subscribe attr:class="inline">
                            <input type="hidden" name="series_id" value=series_id/>
                            <input type="hidden" name="on" value=if e.subscribed { "off" } else { "on" }/>
                            <button type="submit" class="button small secondary">
                                {if e.subscribed { tx.unsubscribe_series } else { tx.subscribe_series }}
                            </button>
                        </ActionForm>
                    })}
                </section>
            })}
            <section class="card markdown" inner_html=e.description_html.clone()></section>
            // talks: the CfP status with its "Submit a talk" link, and the confirmed talks
            {crate::pages::talks::event_talks_view(id, e.programme.clone())}
            {(!e.materials.is_empty()).then(|| view! {
                <section class="card">
                    <h2>{tx.materials}</h2>
                    <ul>{e.materials.iter().map(|m| view! { <li><a href=m.clone() rel="noopener nofollow">{m.clone()}</a></li> }).collect_view()}</ul>
                </section>
            })}
            {e.can_manage.then(|| view! {
                <section class="card organizer">
                    <h2>{tx.manage}</h2>
                    <FormError errors=admin_errors/>
                    <div class="actions left">
                        <a class="button small" href=format!("/e/{id}/manage")>{tx.attendees}</a>
                        <a class="button small secondary" href=format!("/e/{id}/edit")>{tx.edit_event}</a>
                        <a class="button small secondary" href=format!("/e/{id}/checkin")>{tx.checkin}</a>
                        <a class="button small secondary" href=format!("/e/{id}/cfp/edit")>{crate::review_texts::review_texts(lang).cfp_settings}</a>
                        <a class="button small secondary" href=format!("/e/{id}/talks")>{crate::review_texts::review_texts(lang).dashboard}</a>
                        <a class="button small secondary" href=format!("/e/{id}/schedule/edit")>{crate::schedule_texts::schedule_texts(lang).editor}</a>
                        {(e.status == "draft").then(|| action_button(admin, id, "publish", tx.publish))}
                        {(e.status == "published").then(|| action_button(admin, id, "cancel", tx.cancel_event))}
                        {action_button(admin, id, "delete", tx.delete_event)}
                    </div>
                    {(!e.series_choices.is_empty()).then(|| view! {
                        <ActionForm action=repeat>
                            <input type="hidden" name="event_id" value=id/>
                            <div class="field">
                                <label for="rule">{tx.repeat}</label>
                                <select id="rule" name="rule">
                                    {e.series_choices.iter().map(|(code, label)| view! { <option value=code.clone()>{label.clone()}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="exceptions">{tx.exceptions}</label>
                                <input id="exceptions" name="exceptions" type="text" value=""/>
                                <p class="field-error" id="exceptions-error" role="alert">
                                    {move || repeat_errors.get().map(|err| i18n::error_message(lang, err.code()))}
                                </p>
                            </div>
                            <button type="submit" class="button small secondary">{tx.repeat}</button>
                        </ActionForm>
                    })}
                    <ActionForm action=materials>
                        <input type="hidden" name="event_id" value=id/>
                        <div class="field">
                            <label for="materials">{tx.materials_edit}</label>
                            <textarea id="materials" name="materials" rows="3">{e.materials.join("\n")}</textarea>
                            <p class="field-error" id="materials-error" role="alert">
                                {move || materials_errors.get().map(|err| i18n::error_message(lang, err.code()))}
                            </p>
                        </div>
                        <button type="submit" class="button small secondary">{tx.save}</button>
                    </ActionForm>
                </section>
            })}
        </article>
    }
}

fn action_button(
    action: ServerAction<EventAction>,
    id: i64,
    what: &'static str,
    label: &'static str,
) -> impl IntoView {
    view! {
        <ActionForm action=action attr:class="inline">
            <input type="hidden" name="event_id" value=id/>
            <input type="hidden" name="action" value=what/>
            <button type="submit" class="button small secondary">{label}</button>
        </ActionForm>
    }
}

fn rsvp_form(e: &EventView) -> impl IntoView {
    let tx = t();
    let yes = ServerAction::<Rsvp>::new();
    let no = ServerAction::<Rsvp>::new();
    let errors: FormErrors = Signal::derive(move || {
        yes.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| no.value().get().and_then(|r| r.err()))
    });
    let current_guests = e.my_rsvp.as_ref().map(|r| r.guests).unwrap_or(0);
    let going = e
        .my_rsvp
        .as_ref()
        .is_some_and(|r| r.status != "not_going" && r.status != "declined");
    let offered = e.my_rsvp.as_ref().is_some_and(|r| r.status == "offered");
    let max_guests = e.max_guests;
    let id = e.id;
    view! {
        <FormError errors/>
        <ActionForm action=yes attr:class="rsvp-yes">
            <input type="hidden" name="event_id" value=id/>
            <input type="hidden" name="going" value="yes"/>
            {(max_guests > 0).then(|| view! {
                <div class="field inline-field">
                    <label for="guests">{tx.guests}</label>
                    <select id="guests" name="guests">
                        {(0..=max_guests).map(|n| view! { <option value=n selected=n == current_guests>{n}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="guests-error" role="alert">
                        {move || errors.get().filter(|e| e.field() == Some("guests")).map(|e| i18n::error_message(use_lang(), e.code()))}
                    </p>
                </div>
            })}
            <button type="submit" class="button" disabled=move || yes.pending().get()>
                {if offered { tx.confirm_seat } else { tx.going_yes }}
            </button>
        </ActionForm>
        {going.then(|| view! {
            <ActionForm action=no attr:class="inline">
                <input type="hidden" name="event_id" value=id/>
                <input type="hidden" name="going" value="no"/>
                <button type="submit" class="button secondary">{tx.going_no}</button>
            </ActionForm>
        })}
    }
}

/// The event form, shared by "new" and "edit". Inputs are named `event[...]` (one struct on the
/// server); errors are matched by the domain's field names.
fn event_fields(f: EventForm, errors: FormErrors) -> impl IntoView {
    let tx = t();
    view! {
        <Field label=tx.title name="event[title]" field="title" errors value=f.title required=true/>
        <TextArea label=tx.description name="event[description]" field="description" errors value=f.description rows=8/>
        <div class="grid2">
            <Field label=tx.starts name="event[starts_local]" field="starts_at" kind="datetime-local" errors value=f.starts_local required=true/>
            <Field label=tx.ends name="event[ends_local]" field="ends_at" kind="datetime-local" errors value=f.ends_local required=true/>
        </div>
        <Field label=tx.time_zone name="event[time_zone]" field="time_zone" errors value=f.time_zone/>
        <div class="grid2">
            <Field label=tx.venue_name name="event[venue_name]" field="venue_name" errors value=f.venue_name/>
            <Field label=tx.venue_address name="event[venue_address]" field="venue_address" errors value=f.venue_address/>
        </div>
        <Field label=tx.map_url name="event[map_url]" field="map_url" kind="url" errors value=f.map_url/>
        <Field label=tx.online_url name="event[online_url]" field="online_url" kind="url" errors value=f.online_url/>
        <Field label=tx.cover_url name="event[cover_url]" field="cover_url" kind="url" errors value=f.cover_url/>
        <div class="grid2">
            <Field label=tx.capacity name="event[capacity]" field="capacity" kind="number" errors value=f.capacity/>
            <Field label=tx.max_guests name="event[max_guests]" field="max_guests" kind="number" errors value=f.max_guests/>
        </div>
        <div class="field checkbox">
            <label><input type="checkbox" name="event[approval_required]" value="on" checked=f.approval_required/> " " {tx.approval_required}</label>
        </div>
        <Field label=tx.offer_hours name="event[offer_hours]" field="offer_hours" kind="number" errors value=f.offer_hours/>
        <div class="field checkbox">
            <label><input type="checkbox" name="event[no_reminder_24h]" value="on" checked=!f.remind_24h/> " " {tx.no_reminder_24h}</label>
            <label><input type="checkbox" name="event[no_reminder_2h]" value="on" checked=!f.remind_2h/> " " {tx.no_reminder_2h}</label>
        </div>
        <div class="grid2">
            <Field label=tx.rsvp_opens name="event[rsvp_opens_local]" field="rsvp_opens_at" kind="datetime-local" errors value=f.rsvp_opens_local/>
            <Field label=tx.rsvp_closes name="event[rsvp_closes_local]" field="rsvp_closes_at" kind="datetime-local" errors value=f.rsvp_closes_local/>
        </div>
    }
}

#[component]
pub fn EventNewPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let slug = crate::pages::param("slug");
    let data = Resource::new(move || slug.clone(), new_event_form);
    let create = ServerAction::<CreateEvent>::new();
    let errors = errors_of(create.value());
    view! {
        <Title text=tx.new_event/>
        <section class="card">
            <h1>{tx.new_event}</h1>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(_) => view! { <p>{tx.forbidden_body}</p> }.into_any(),
                        Ok(v) => view! {
                            <p class="muted">{v.community_name.clone()}</p>
                            <ActionForm action=create attr:novalidate=true>
                                <FormError errors/>
                                <input type="hidden" name="community_id" value=v.community_id/>
                                {event_fields(v.form, errors)}
                                <Submit label=tx.create pending=create.pending()/>
                            </ActionForm>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
pub fn EventEditPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(event_id, event_page);
    let update = ServerAction::<UpdateEvent>::new();
    let errors = errors_of(update.value());
    view! {
        <Title text=tx.edit_event/>
        <section class="card">
            <h1>{tx.edit_event}</h1>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(EventView { form: Some(form), id, title, .. }) => view! {
                            <p><a href=format!("/e/{id}")>{title}</a></p>
                            <ActionForm action=update attr:novalidate=true>
                                <FormError errors/>
                                <input type="hidden" name="event_id" value=id/>
                                {event_fields(form, errors)}
                                <Submit label=tx.save pending=update.pending()/>
                            </ActionForm>
                        }.into_any(),
                        _ => view! { <p>{tx.forbidden_body}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
pub fn EventManagePage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let id = event_id();
    let data = Resource::new(event_id, event_dashboard);
    let decide = ServerAction::<DecideRsvps>::new();
    let errors = errors_of(decide.value());
    view! {
        <Title text=tx.attendees/>
        <section class="card">
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    let Ok(d) = data.await else {
                        return view! { <p>{tx.forbidden_body}</p> }.into_any();
                    };
                    let e = d.event;
                    view! {
                        <p><a href=format!("/e/{id}")>{e.title.clone()}</a></p>
                        <h1>{tx.attendees}</h1>
                        <div class="stats">
                            <div class="stat"><strong>{e.going}</strong><span>{tx.going_count}</span></div>
                            <div class="stat"><strong>{e.seats_taken}{e.capacity.map(|c| format!(" / {c}"))}</strong><span>{tx.seats}</span></div>
                            <div class="stat"><strong>{e.waitlisted}</strong><span>{tx.waitlist}</span></div>
                            <div class="stat"><strong>{e.pending}</strong><span>{tx.pending}</span></div>
                        </div>
                        {d.attendance_rate.clone().map(|r| view! { <p class="counts">{tx.attendance_rate} ": " <strong>{r}</strong></p> })}
                        {(!d.chart_svg.is_empty()).then(|| view! {
                            <h2>{tx.rsvps_over_time}</h2>
                            <div class="chart-wrap" inner_html=d.chart_svg.clone()></div>
                        })}
                        <FormError errors/>
                        <p class="actions left">
                            <a class="button small secondary" href=format!("/e/{id}/attendees.csv")>{tx.export_csv}</a>
                            {(e.pending > 0).then(|| view! {
                                <ActionForm action=decide attr:class="inline">
                                    <input type="hidden" name="event_id" value=id/>
                                    <input type="hidden" name="decision" value="approve"/>
                                    <button type="submit" class="button small">{tx.approve_all}</button>
                                </ActionForm>
                            })}
                        </p>
                        <div class="table-wrap">
                            <table>
                                <thead><tr>
                                    <th>{tx.col_name}</th><th>{tx.email}</th><th>{tx.col_status}</th>
                                    <th>{tx.col_guests}</th><th>{tx.col_answered}</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {d.attendees.into_iter().map(|a| view! {
                                        <tr>
                                            <td>{a.display_name}</td>
                                            <td>{a.email}</td>
                                            <td>{status_text(&a.status)}{a.checked_in.then(|| format!(" ✓ {}", tx.checked_in))}</td>
                                            <td>{a.guests}</td>
                                            <td>{a.answered[..16].replace('T', " ")}</td>
                                            <td>{(a.status == "pending").then(|| view! {
                                                <ActionForm action=decide attr:class="inline">
                                                    <input type="hidden" name="event_id" value=id/>
                                                    <input type="hidden" name="rsvp_id" value=a.rsvp_id/>
                                                    <input type="hidden" name="decision" value="approve"/>
                                                    <button type="submit" class="link">{tx.approve}</button>
                                                </ActionForm>
                                                " "
                                                <ActionForm action=decide attr:class="inline">
                                                    <input type="hidden" name="event_id" value=id/>
                                                    <input type="hidden" name="rsvp_id" value=a.rsvp_id/>
                                                    <input type="hidden" name="decision" value="decline"/>
                                                    <button type="submit" class="link">{tx.decline}</button>
                                                </ActionForm>
                                            })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
    .into_any()
}
