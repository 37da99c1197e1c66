//! The attendee's ticket (a QR code) and the organizers' door page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{CheckIn, check_in_page_data, my_ticket};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{FormError, LoginRequired, errors_of};
use crate::i18n;
use crate::pages::event::event_id;

#[component]
pub fn TicketPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(event_id, my_ticket);
    view! {
        <Title text=tx.ticket/>
        <section class="card narrow ticket">
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(_) => view! { <p>{tx.no_ticket}</p> }.into_any(),
                        Ok(tk) => view! {
                            <h1>{tk.title.clone()}</h1>
                            <p class="when">{tk.when.clone()}</p>
                            <p class="muted">{tk.venue.clone()}</p>
                            <div class="qr" inner_html=tk.qr_svg.clone()></div>
                            <p><strong>{tk.name.clone()}</strong>{(tk.guests > 0).then(|| format!(" +{}", tk.guests))}</p>
                            <p class="code"><code>{tk.code.clone()}</code></p>
                            {tk.checked_in.then(|| view! { <p class="my-rsvp" data-status="going">{tx.checked_in}</p> })}
                            <p class="muted">{tx.ticket_hint}</p>
                            <p><a href=format!("/e/{}", tk.event_id)>{tx.back}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
pub fn CheckinPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let query = use_query_map();
    let q = query.with_untracked(|m| m.get("q")).unwrap_or_default();
    let code = query.with_untracked(|m| m.get("code")).unwrap_or_default();
    let data = Resource::new(
        {
            let (q, code) = (q.clone(), code.clone());
            move || (event_id(), q.clone(), code.clone())
        },
        |(id, q, code)| check_in_page_data(id, q, code),
    );
    let action = ServerAction::<CheckIn>::new();
    let errors = errors_of(action.value());
    view! {
        <Title text=tx.checkin/>
        <section class="card checkin">
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || {
                    let q = q.clone();
                    Suspend::new(async move {
                        let Ok(v) = data.await else {
                            return view! { <p>{tx.forbidden_body}</p> }.into_any();
                        };
                        let id = v.event_id;
                        view! {
                            <p><a href=format!("/e/{id}")>{v.title.clone()}</a></p>
                            <h1>{tx.checkin}</h1>
                            <p class="counts"><strong>{v.checked_in}</strong> " / " {v.going} " " {tx.checked_in}</p>
                            <FormError errors/>
                            {v.code.is_some().then(|| if v.code_valid {
                                view! { <p class="muted">{tx.ticket_valid}</p> }.into_any()
                            } else {
                                view! { <p class="form-error" role="alert">{tx.ticket_invalid}</p> }.into_any()
                            })}
                            <form method="get" action=format!("/e/{id}/checkin") class="search">
                                <input type="search" name="q" value=q placeholder=tx.checkin_search aria-label=tx.checkin_search/>
                                <button type="submit" class="button small">{tx.search}</button>
                            </form>
                            <ActionForm action=action attr:class="search">
                                <input type="hidden" name="event_id" value=id/>
                                <input type="text" name="code" placeholder=tx.ticket_code aria-label=tx.ticket_code autocomplete="off"/>
                                <button type="submit" class="button small">{tx.check_in}</button>
                            </ActionForm>
                            <p class="field-error" id="code-error" role="alert">
                                {move || errors.get().filter(|e| e.field() == Some("code")).map(|e| i18n::error_message(use_lang(), e.code()))}
                            </p>
                            <ul class="event-list">
                                {v.matches.into_iter().map(|a| view! {
                                    <li class="event-card">
                                        <strong>{a.display_name.clone()}{(a.guests > 0).then(|| format!(" +{}", a.guests))}</strong>
                                        <span class="muted">{a.email.clone()}</span>
                                        {if a.checked_in {
                                            view! { <span class="my-rsvp" data-status="going">{tx.already_checked_in}</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=action>
                                                    <input type="hidden" name="event_id" value=id/>
                                                    <input type="hidden" name="rsvp_id" value=a.rsvp_id/>
                                                    <button type="submit" class="button">{tx.check_in}</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })
                }}
            </Suspense>
        </section>
    }
    .into_any()
}
