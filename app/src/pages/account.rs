//! The logged-in member's own pages.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{ChangePassword, UpdateProfile, my_profile};
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
