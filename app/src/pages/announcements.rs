//! Announcement pages: the organizers' list and composer, one announcement with its preview,
//! controls, progress and delivery log, and the members' unsubscribe page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::announce_texts::ann_texts;
use crate::api::{
    AnnouncementAction, AnnouncementView, AnnouncementsView, CreateAnnouncement, LiftSuppression,
    ProgressView, Unsubscribe, announcement_page, announcement_progress, announcements_page,
    unsubscribe_info,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{Field, FieldError, FormError, LoginRequired, Submit, TextArea, errors_of};
use crate::pages::param;

#[component]
pub fn AnnouncementsPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(|| param("slug"), announcements_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => list_view(v).into_any(),
                    Err(_) => view! { <section class="card"><p>{tx.forbidden_body}</p></section> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn list_view(v: AnnouncementsView) -> impl IntoView {
    let at = ann_texts(use_lang());
    let action = ServerAction::<CreateAnnouncement>::new();
    let errors = errors_of(action.value());
    let lift = ServerAction::<LiftSuppression>::new();
    let slug = v.slug.clone();
    view! {
        <Title text=at.title/>
        <section class="card">
            <p><a href=format!("/c/{}", v.slug)>{v.community_name.clone()}</a></p>
            <h1>{at.title}</h1>
            {if v.list.is_empty() {
                view! { <p class="muted">{at.none_yet}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table>
                        <tbody>
                            {v.list.into_iter().map(|a| view! {
                                <tr>
                                    <td><a href=format!("/c/{slug}/announcements/{}", a.id)>{a.subject}</a></td>
                                    <td><span class="badge">{at.status(&a.status)}</span></td>
                                    <td>{a.recipients} " " {at.recipients}</td>
                                    <td class="muted">{a.created}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{at.new}</h2>
            <ActionForm action=action attr:novalidate=true>
                <FormError errors/>
                <input type="hidden" name="community_id" value=v.community_id/>
                <Field label=at.subject name="subject" errors required=true/>
                <TextArea label=at.body name="body" errors rows=12/>
                <small class="hint">{at.body_hint}</small>
                <Field label=at.sender_name name="sender_name" errors hint=at.sender_hint/>
                <Field label=at.reply_to name="reply_to" kind="email" errors/>
                <div class="field">
                    <label for="audience">{at.audience}</label>
                    <select id="audience" name="audience" aria-describedby="audience-error">
                        <option value="members">{at.all_members}</option>
                        <option value="organizers">{at.organizers_only}</option>
                        {v.events.into_iter().map(|(id, title)| view! {
                            <optgroup label=format!("{}: {title}", at.attendees_of)>
                                {[("going", "going"), ("waitlisted", "waitlisted"), ("pending", "pending"), ("checked_in", "checked in"), ("no_show", "no-show")]
                                    .into_iter()
                                    .map(|(code, word)| view! { <option value=format!("event:{id}:{code}")>{format!("{title} — {word}")}</option> })
                                    .collect_view()}
                            </optgroup>
                        }).collect_view()}
                        {v.talk_events.into_iter().map(|(id, title)| {
                            let rt = crate::review_texts::review_texts(use_lang());
                            let words = crate::talk_texts::talk_texts(use_lang());
                            view! {
                                <optgroup label=format!("{}: {title}", rt.speakers_of)>
                                    {["submitted", "accepted", "confirmed", "rejected"]
                                        .into_iter()
                                        .map(|code| view! { <option value=format!("speakers:{id}:{code}")>{format!("{title} — {}", words.state(code))}</option> })
                                        .collect_view()}
                                </optgroup>
                            }
                        }).collect_view()}
                    </select>
                    <FieldError errors field="audience"/>
                </div>
                <label class="check"><input type="checkbox" name="public" value="on"/> {at.public}</label>
                <Submit label=at.save_draft pending=action.pending()/>
            </ActionForm>
        </section>
        {(!v.suppressions.is_empty()).then(|| view! {
            <section class="card">
                <h2>{at.suppressions}</h2>
                <p class="muted">{at.suppressions_intro}</p>
                <ul>
                    {v.suppressions.into_iter().map(|(email, reason)| view! {
                        <li>
                            <strong>{email.clone()}</strong> " — " <span class="muted">{reason}</span>
                            <ActionForm action=lift attr:class="inline">
                                <input type="hidden" name="community_id" value=v.community_id/>
                                <input type="hidden" name="email" value=email/>
                                <button type="submit" class="link">{at.lift}</button>
                            </ActionForm>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
pub fn AnnouncementPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let id = param("id").parse::<i64>().unwrap_or(0);
    let filter = crate::pages::query("status");
    let data = Resource::new(move || (id, filter.clone()), |(id, f)| announcement_page(id, f));
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => announcement_view(v).into_any(),
                    Err(_) => view! { <section class="card"><p>{tx.forbidden_body}</p></section> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// The progress bar. With JavaScript it asks for fresh numbers every two seconds while the
/// send runs; without, the page has a refresh link.
#[component]
fn ProgressBar(id: i64, initial: ProgressView) -> impl IntoView {
    let at = ann_texts(use_lang());
    let progress = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                if progress.get_untracked().status != "sending" {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(p) = announcement_progress(id).await {
                        progress.set(p);
                    }
                });
            },
            std::time::Duration::from_secs(2),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, announcement_progress);
    view! {
        <div class="progress-box">
            <progress
                max=move || progress.with(|p| p.total.max(1))
                value=move || progress.with(|p| p.sent + p.failed)
            ></progress>
            <p class="stats">
                <span class="stat"><strong>{move || progress.with(|p| p.sent)}</strong><span>{at.sent}</span></span>
                <span class="stat"><strong>{move || progress.with(|p| p.failed)}</strong><span>{at.failed}</span></span>
                <span class="stat"><strong>{move || progress.with(|p| p.remaining)}</strong><span>{at.remaining}</span></span>
                <span class="stat"><strong>{move || progress.with(|p| p.rate.map(|r| format!("{r}")).unwrap_or_else(|| "–".into()))}</strong><span>{at.per_second}</span></span>
                <span class="stat"><strong>{move || progress.with(|p| p.eta_seconds.map(|s| s.to_string()).unwrap_or_else(|| "–".into()))}</strong><span>{at.seconds_left}</span></span>
            </p>
        </div>
    }
}

fn announcement_view(v: AnnouncementView) -> impl IntoView {
    let at = ann_texts(use_lang());
    let act = ServerAction::<AnnouncementAction>::new();
    let errors = errors_of(act.value());
    let id = v.id;
    let base = format!("/c/{}/announcements/{id}", v.slug);
    let button = move |action: &'static str, label: &'static str, class: &'static str| {
        view! {
            <ActionForm action=act attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=action/>
                <button type="submit" class=class>{label}</button>
            </ActionForm>
        }
    };
    let editable = matches!(v.status.as_str(), "draft" | "scheduled");
    let filters = ["", "queued", "sent", "failed", "cancelled"];
    view! {
        <Title text=v.subject.clone()/>
        <section class="card">
            <p><a href=format!("/c/{}/announcements", v.slug)>{at.title}</a> " · " {v.community_name.clone()}</p>
            <h1>{v.subject.clone()} " " <span class="badge">{at.status(&v.status)}</span></h1>
            <p class="muted">{at.from} ": " {v.from_name.clone()} {(!v.reply_to.is_empty()).then(|| format!(" · {}: {}", at.reply_to, v.reply_to))}</p>
            <p>
                <strong>{v.recipients}</strong> " " {at.recipients} " · "
                {v.opted_out} " " {at.opted_out} " · " {v.suppressed} " " {at.suppressed}
            </p>
            {v.send_at.clone().filter(|_| v.status == "scheduled").map(|s| view! { <p>{at.scheduled_for} ": " {s} " (" {v.time_zone.clone()} ")"</p> })}
            <FormError errors/>
            <div class="actions left">
                {editable.then(|| button("send", at.send_now, "button"))}
                {button("test", at.send_test, "button secondary")}
                {(v.status == "sending").then(|| button("pause", at.pause, "button secondary"))}
                {(v.status == "paused").then(|| button("resume", at.resume, "button"))}
                {matches!(v.status.as_str(), "draft" | "scheduled" | "sending" | "paused").then(|| button("cancel", at.cancel, "button secondary"))}
                {(v.progress.failed > 0).then(|| button("retry", at.retry_failed, "button secondary"))}
            </div>
            {editable.then(|| view! {
                <ActionForm action=act attr:class="inline-form">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="action" value="schedule"/>
                    <Field label=at.send_at name="send_at" kind="datetime-local" errors/>
                    <button type="submit" class="button secondary">{at.schedule} " (" {v.time_zone.clone()} ")"</button>
                </ActionForm>
            })}
        </section>
        {(!editable).then(|| view! {
            <section class="card">
                <ProgressBar id initial=v.progress.clone()/>
                <p><a href=base.clone()>{at.refresh}</a></p>
            </section>
        })}
        <section class="card">
            <h2>{at.preview}</h2>
            <iframe class="mail-preview" sandbox="" srcdoc=v.preview_html.clone() title=at.preview></iframe>
        </section>
        {(!editable).then(|| view! {
            <section class="card">
                <h2>{at.log}</h2>
                <p><a class="button small secondary" href=format!("{base}/log.csv")>{crate::boot::t().export_csv}</a></p>
                <p class="filters">
                    {filters.into_iter().map(|f| {
                        let href = if f.is_empty() { base.clone() } else { format!("{base}?status={f}") };
                        let label = if f.is_empty() { at.all } else { at.status(f) };
                        view! { <a href=href class:current=v.filter == f>{label}</a> " " }
                    }).collect_view()}
                </p>
                <div class="table-wrap"><table>
                    <thead><tr><th>"E-mail"</th><th>{at.status}</th><th>{at.attempts}</th><th>{at.reply}</th></tr></thead>
                    <tbody>
                        {v.deliveries.into_iter().map(|d| view! {
                            <tr>
                                <td>{d.email}</td>
                                <td>{at.status(if d.status == "sending" { "sending_row" } else { &d.status })}</td>
                                <td>{d.attempts}</td>
                                <td class="muted">{d.last_error}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            </section>
        })}
    }
}

#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let tx = t();
    let at = ann_texts(use_lang());
    let token = crate::pages::query("t");
    let info = Resource::new(move || token.clone(), unsubscribe_info);
    let action = ServerAction::<Unsubscribe>::new();
    let errors = errors_of(action.value());
    view! {
        <Title text=at.unsubscribe_title/>
        <section class="card narrow">
            <h1>{at.unsubscribe_title}</h1>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(name) => view! {
                            <p>{at.unsubscribe_body} " «" {name} "»."</p>
                            <ActionForm action=action>
                                <FormError errors/>
                                <input type="hidden" name="t" value=crate::pages::query("t")/>
                                <Submit label=at.unsubscribe_button pending=action.pending()/>
                            </ActionForm>
                        }.into_any(),
                        Err(_) => view! { <p class="form-error">{at.unsubscribe_invalid}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The community's public archive of announcements, newest first, with an Atom feed.
#[component]
pub fn NewsPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(|| param("slug"), crate::api::news_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                let at = ann_texts(use_lang());
                match data.await {
                    Ok(v) => view! {
                        <Title text=format!("{} — {}", v.community_name, at.news)/>
                        <section class="card">
                            <p><a href=format!("/c/{}", v.slug)>{v.community_name.clone()}</a></p>
                            <h1>{at.news}</h1>
                            <p><a href=format!("/c/{}/news.atom", v.slug)>"Atom"</a></p>
                            {v.items.is_empty().then(|| view! { <p class="muted">{at.none_yet}</p> })}
                        </section>
                        {v.items.into_iter().map(|item| view! {
                            <article class="card news" id=format!("n{}", item.id)>
                                <p class="muted">{item.date}</p>
                                <h2>{item.subject}</h2>
                                <div class="markdown" inner_html=item.html></div>
                            </article>
                        }).collect_view()}
                    }.into_any(),
                    Err(_) => view! { <crate::pages::errors::NotFoundPage/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
