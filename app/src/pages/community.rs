//! Community pages: the public page, the organizer's form and the member list.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    AddOrganizer, CommunityView, CreateCommunity, EventCard, JoinCommunity, LeaveCommunity, UpdateCommunity,
    community_members, community_page,
};
use crate::boot::{t, use_boot};
use crate::components::{Field, FormError, LoginRequired, Submit, TextArea, errors_of};
use crate::pages::errors::NotFoundPage;

/// Event cards, or a note that there are none.
#[component]
pub fn EventList(events: Vec<EventCard>) -> impl IntoView {
    let tx = t();
    if events.is_empty() {
        return view! { <p class="muted">{tx.no_events}</p> }.into_any();
    }
    view! {
        <ul class="event-list">
            {events.into_iter().map(|e| view! {
                <li class="event-card" class:cancelled=e.status == "cancelled" class:draft=e.status == "draft">
                    <a href=format!("/e/{}", e.id)><strong>{e.title}</strong></a>
                    <span class="when">{e.when}</span>
                    <span class="muted">
                        <a href=format!("/c/{}", e.community_slug)>{e.community_name}</a>
                        {(!e.venue_name.is_empty()).then(|| format!(" · {}", e.venue_name))}
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn slug() -> String {
    super::param("slug")
}

#[component]
pub fn CommunityPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(slug, community_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => community_view(c).into_any(),
                    Err(_) => view! { <NotFoundPage/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn community_view(c: CommunityView) -> impl IntoView {
    let tx = t();
    let logged_in = use_boot().user.is_some();
    let join = ServerAction::<JoinCommunity>::new();
    let leave = ServerAction::<LeaveCommunity>::new();
    let id = c.id;
    view! {
        <Title text=c.name.clone()/>
        <section class="card community-head">
            {(!c.logo_url.is_empty()).then(|| view! { <img class="logo" src=c.logo_url.clone() alt=""/> })}
            <div>
                <h1>{c.name.clone()}</h1>
                <p class="muted">{c.member_count} " " {tx.members_count} " · " {tx.organizers} ": " {c.organizers.join(", ")}</p>
                <div class="markdown" inner_html=c.description_html.clone()></div>
                <ul class="chips">
                    {c.links.iter().map(|l| view! { <li><a href=l.clone() rel="noopener nofollow">{l.clone()}</a></li> }).collect_view()}
                </ul>
                <div class="actions left">
                    {if !logged_in {
                        view! { <a class="button" href=format!("/login?next=/c/{}", c.slug)>{tx.join}</a> }.into_any()
                    } else if c.is_member {
                        view! {
                            <ActionForm action=leave attr:class="inline">
                                <input type="hidden" name="community_id" value=id/>
                                <button type="submit" class="button secondary small">{tx.leave}</button>
                            </ActionForm>
                        }.into_any()
                    } else {
                        view! {
                            <ActionForm action=join attr:class="inline">
                                <input type="hidden" name="community_id" value=id/>
                                <button type="submit" class="button">{tx.join}</button>
                            </ActionForm>
                        }.into_any()
                    }}
                    {c.can_manage.then(|| view! {
                        <a class="button small" href=format!("/c/{}/events/new", c.slug)>{tx.new_event}</a>
                        <a class="button small secondary" href=format!("/c/{}/members", c.slug)>{tx.members}</a>
                        <a class="button small secondary" href=format!("/c/{}/announcements", c.slug)>{crate::announce_texts::ann_texts(crate::boot::use_lang()).title}</a>
                        <a class="button small secondary" href=format!("/c/{}/edit", c.slug)>{tx.edit_community}</a>
                        <a class="button small secondary" href=format!("/c/{}/import", c.slug)>{crate::schedule_texts::schedule_texts(crate::boot::use_lang()).import}</a>
                    })}
                </div>
            </div>
        </section>
        <section>
            <h2>{tx.upcoming_events}</h2>
            <p class="muted">
                {tx.subscribe} ": "
                <a href=format!("/c/{}/calendar.ics", c.slug)>"iCalendar"</a> " · "
                <a href=format!("/c/{}/feed.atom", c.slug)>"Atom"</a>
            </p>
            <EventList events=c.upcoming.clone()/>
        </section>
        <section>
            <h2>{tx.past_events}</h2>
            <EventList events=c.past.clone()/>
        </section>
        <p class="muted"><a href=format!("/c/{}/news", c.slug)>{crate::announce_texts::ann_texts(crate::boot::use_lang()).news}</a></p>
    }
}

/// Creating (site admins) or editing (organizers) a community.
#[component]
pub fn CommunityFormPage(#[prop(optional)] edit: bool) -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    if !edit {
        let create = ServerAction::<CreateCommunity>::new();
        let errors = errors_of(create.value());
        return view! {
            <Title text=tx.new_community/>
            <section class="card">
                <h1>{tx.new_community}</h1>
                <ActionForm action=create attr:novalidate=true>
                    <FormError errors/>
                    <Field label=tx.name name="name" errors required=true/>
                    <Field label=tx.slug name="slug" errors required=true/>
                    <TextArea label=tx.description name="description" errors/>
                    <Field label=tx.logo_url name="logo_url" kind="url" errors/>
                    <TextArea label=tx.links name="links" errors/>
                    <Field label=tx.time_zone name="time_zone" errors value="Europe/Moscow"/>
                    <Field label=tx.language name="lang" errors value="ru"/>
                    <Submit label=tx.create pending=create.pending()/>
                </ActionForm>
            </section>
        }
        .into_any();
    }
    let data = Resource::new(slug, community_page);
    let update = ServerAction::<UpdateCommunity>::new();
    let errors = errors_of(update.value());
    let organizer = ServerAction::<AddOrganizer>::new();
    let org_errors = errors_of(organizer.value());
    view! {
        <Title text=tx.edit_community/>
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                let c = data.await.ok().filter(|c| c.can_manage)?;
                Some(view! {
                    <section class="card">
                        <h1>{tx.edit_community}</h1>
                        <ActionForm action=update attr:novalidate=true>
                            <FormError errors/>
                            <input type="hidden" name="community_id" value=c.id/>
                            <Field label=tx.name name="name" errors value=c.name.clone() required=true/>
                            <TextArea label=tx.description name="description" errors value=c.description.clone()/>
                            <Field label=tx.logo_url name="logo_url" kind="url" errors value=c.logo_url.clone()/>
                            <TextArea label=tx.links name="links" errors value=c.links_text.clone()/>
                            <Field label=tx.time_zone name="time_zone" errors value=c.time_zone.clone()/>
                            <Field label=tx.language name="lang" errors value=c.lang.clone()/>
                            <Submit label=tx.save pending=update.pending()/>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>{tx.add_organizer}</h2>
                        <ActionForm action=organizer attr:novalidate=true>
                            <FormError errors=org_errors/>
                            <input type="hidden" name="community_id" value=c.id/>
                            <Field label=tx.email name="email" kind="email" errors=org_errors/>
                            <Submit label=tx.add pending=organizer.pending()/>
                        </ActionForm>
                    </section>
                })
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn CommunityNewPage() -> impl IntoView {
    view! { <CommunityFormPage/> }
}

#[component]
pub fn CommunityEditPage() -> impl IntoView {
    view! { <CommunityFormPage edit=true/> }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let s = slug();
    let data = Resource::new(slug, community_members);
    view! {
        <Title text=tx.members/>
        <section class="card">
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {
                    let s = s.clone();
                    move || {
                        let s = s.clone();
                        Suspend::new(async move {
                            match data.await {
                                Err(_) => view! { <p>{tx.forbidden_body}</p> }.into_any(),
                                Ok((name, members)) => view! {
                                    <p><a href=format!("/c/{s}")>{name}</a></p>
                                    <h1>{tx.members} " (" {members.len()} ")"</h1>
                                    <p><a class="button small secondary" href=format!("/c/{s}/members.csv")>{tx.export_csv}</a></p>
                                    <div class="table-wrap">
                                        <table>
                                            <thead><tr>
                                                <th>{tx.col_name}</th><th>{tx.email}</th><th>{tx.col_role}</th>
                                                <th>{tx.joined}</th><th>{tx.attended}</th><th>{tx.no_shows}</th>
                                            </tr></thead>
                                            <tbody>
                                                {members.into_iter().map(|m| view! {
                                                    <tr>
                                                        <td>{m.display_name}</td><td>{m.email}</td><td>{m.role}</td>
                                                        <td>{m.joined}</td><td>{m.attended}</td><td>{m.no_shows}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </section>
    }
    .into_any()
}
