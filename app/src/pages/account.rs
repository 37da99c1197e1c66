//! The logged-in member's own pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{
    ChangePassword, ResetFeed, SetAnnouncements, SetReminders, UpdateProfile, my_profile,
    notification_settings,
};
use crate::boot::{t, use_boot};
use crate::components::{Field, FormError, LoginRequired, Submit, errors_of};

#[component]
pub fn ProfilePage() -> impl IntoView {
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let tx = t();
    let profile = Resource::new(|| (), |_| my_profile());
    let save = ServerAction::<UpdateProfile>::new();
    let save_errors = errors_of(save.value());
    let change = ServerAction::<ChangePassword>::new();
    let change_errors = errors_of(change.value());
    view! {
        <Title text=tx.profile_title/>
        <section class="card">
            <h1>{tx.profile_title}</h1>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    profile.await.ok().map(|p| {
                        let lang = p.lang.clone();
                        view! {
                            <p class="muted">{p.email.clone()}</p>
                            <ActionForm action=save attr:novalidate=true>
                                <FormError errors=save_errors/>
                                <Field label=tx.display_name name="display_name" errors=save_errors value=p.display_name.clone() required=true/>
                                <div class="field">
                                    <label for="bio">{tx.bio}</label>
                                    <textarea id="bio" name="bio" rows="4">{p.bio.clone()}</textarea>
                                    <p class="field-error" role="alert">
                                        {move || save_errors.get().filter(|e| e.field() == Some("bio")).map(|e| crate::i18n::error_message(crate::boot::use_lang(), e.code()))}
                                    </p>
                                </div>
                                <div class="field">
                                    <label for="lang">{tx.language}</label>
                                    <select id="lang" name="lang">
                                        <option value="en" selected=lang == "en">"English"</option>
                                        <option value="ru" selected=lang == "ru">"Русский"</option>
                                    </select>
                                </div>
                                <Field label=tx.time_zone name="time_zone" errors=save_errors value=p.time_zone.clone()/>
                                <Submit label=tx.profile_save pending=save.pending()/>
                            </ActionForm>
                        }
                    })
                })}
            </Suspense>
        </section>
        <NotificationsSection/>
        <section class="card">
            <h2>{tx.password_title}</h2>
            <p class="muted">{tx.password_change_note}</p>
            <ActionForm action=change attr:novalidate=true>
                <FormError errors=change_errors/>
                <Field label=tx.current_password name="current_password" kind="password" errors=change_errors autocomplete="current-password"/>
                <Field label=tx.new_password name="new_password" kind="password" errors=change_errors autocomplete="new-password" hint=tx.password_hint/>
                <Submit label=tx.password_change pending=change.pending()/>
            </ActionForm>
        </section>
    }
    .into_any()
}

/// Reminder settings per community and the private calendar link.
#[component]
fn NotificationsSection() -> impl IntoView {
    let tx = t();
    let settings = Resource::new(|| (), |_| notification_settings());
    let toggle = ServerAction::<SetReminders>::new();
    let announcements = ServerAction::<SetAnnouncements>::new();
    let at = crate::announce_texts::ann_texts(crate::boot::use_lang());
    let feed = ServerAction::<ResetFeed>::new();
    let new_token = use_query_map().with_untracked(|q| q.get("feed"));
    let base = use_boot_base();
    view! {
        <section class="card" id="notifications">
            <h2>{tx.notifications}</h2>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || {
                    let new_token = new_token.clone();
                    let base = base.clone();
                    Suspend::new(async move {
                        let s = settings.await.ok()?;
                        Some(view! {
                            <p>{tx.reminders_intro}</p>
                            <ul class="event-list">
                                {s.memberships.into_iter().map(|m| view! {
                                    <li class="event-card">
                                        <a href=format!("/c/{}", m.slug)><strong>{m.name}</strong></a>
                                        <span class="muted">{if m.reminders { tx.reminders_on } else { tx.reminders_off }}</span>
                                        <ActionForm action=toggle attr:class="inline">
                                            <input type="hidden" name="community_id" value=m.community_id/>
                                            <input type="hidden" name="on" value=if m.reminders { "off" } else { "on" }/>
                                            <button type="submit" class="link">{if m.reminders { tx.turn_off } else { tx.turn_on }}</button>
                                        </ActionForm>
                                        <span class="muted">{if m.announcements { at.announcements_on } else { at.announcements_off }}</span>
                                        <ActionForm action=announcements attr:class="inline">
                                            <input type="hidden" name="community_id" value=m.community_id/>
                                            <input type="hidden" name="on" value=if m.announcements { "off" } else { "on" }/>
                                            <button type="submit" class="link">{if m.announcements { tx.turn_off } else { tx.turn_on }}</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <h2 id="calendar">{tx.private_feed}</h2>
                            <p class="muted">{tx.feed_intro}</p>
                            {match new_token {
                                Some(token) => view! {
                                    <p><code class="feed-url">{format!("{base}/feeds/{token}/calendar.ics")}</code></p>
                                    <p><code class="feed-url">{format!("{base}/feeds/{token}/starred.ics")}</code></p>
                                }.into_any(),
                                None => s.has_feed.then(|| view! { <p class="muted">{tx.feed_exists}</p> }).into_any(),
                            }}
                            <ActionForm action=feed>
                                <button type="submit" class="button small secondary">{tx.feed_create}</button>
                            </ActionForm>
                        })
                    })
                }}
            </Suspense>
        </section>
    }
}

fn use_boot_base() -> String {
    crate::boot::use_boot().base_url
}
