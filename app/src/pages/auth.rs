//! Sign-up, login (password or mailed link), password reset.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{
    ConfirmEmail, ForgotPassword, Login, LoginWithLink, RequestLoginLink, ResetPassword, Signup, check_link,
};
use crate::boot::t;
use crate::components::{Field, FormError, Submit, errors_of};

#[component]
pub fn SignupPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<Signup>::new();
    let errors = errors_of(action.value());
    // An organizer invitation links here with the invited address filled in.
    let invited = crate::pages::query("email");
    view! {
        <Title text=tx.signup_title/>
        <section class="card narrow">
            <h1>{tx.signup_title}</h1>
            <ActionForm action=action attr:novalidate=true>
                <FormError errors/>
                <Field label=tx.display_name name="display_name" errors autocomplete="name" required=true/>
                <Field label=tx.email name="email" kind="email" errors autocomplete="email" value=invited required=true/>
                <Field label=tx.password name="password" kind="password" errors autocomplete="new-password" hint=tx.password_hint required=true/>
                <Submit label=tx.signup_button pending=action.pending()/>
            </ActionForm>
            <p class="aside"><a href="/login">{tx.nav_login}</a></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<Login>::new();
    let errors = errors_of(action.value());
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_else(|| "/".into());
    view! {
        <Title text=tx.login_title/>
        <section class="card narrow">
            <h1>{tx.login_title}</h1>
            <ActionForm action=action attr:novalidate=true>
                <FormError errors/>
                <input type="hidden" name="next" value=next/>
                <Field label=tx.email name="email" kind="email" errors autocomplete="email" required=true/>
                <Field label=tx.password name="password" kind="password" errors autocomplete="current-password" required=true/>
                <Submit label=tx.login_button pending=action.pending()/>
            </ActionForm>
            <p class="aside"><a href="/login/email">{tx.login_with_link}</a></p>
            <p class="aside"><a href="/password/forgot">{tx.forgot_password}</a></p>
            <p class="aside"><a href="/signup">{tx.no_account}</a></p>
        </section>
    }
}

#[component]
pub fn LoginLinkRequestPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<RequestLoginLink>::new();
    let errors = errors_of(action.value());
    view! {
        <Title text=tx.magic_title/>
        <section class="card narrow">
            <h1>{tx.magic_title}</h1>
            <p>{tx.magic_intro}</p>
            <ActionForm action=action attr:novalidate=true>
                <FormError errors/>
                <Field label=tx.email name="email" kind="email" errors autocomplete="email" required=true/>
                <Submit label=tx.magic_button pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

/// Where a mailed login link lands. Logging in takes a button press (a POST), so that mail
/// scanners which fetch every link cannot use up the token.
#[component]
pub fn LoginLinkPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<LoginWithLink>::new();
    let errors = errors_of(action.value());
    let token = crate::pages::query("token");
    view! {
        <Title text=tx.magic_landing_title/>
        <section class="card narrow">
            <h1>{tx.magic_landing_title}</h1>
            <LinkValidity token=token.clone() purpose="magic"/>
            <p>{tx.magic_landing_intro}</p>
            <ActionForm action=action>
                <FormError errors/>
                <input type="hidden" name="token" value=token/>
                <Submit label=tx.magic_landing_button pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

/// Says up front when a mailed link can no longer be used.
#[component]
fn LinkValidity(token: String, purpose: &'static str) -> impl IntoView {
    let tx = t();
    let valid = Resource::new(
        move || token.clone(),
        move |token| check_link(token, purpose.into()),
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match valid.await {
                    Ok(false) => Some(view! {
                        <div class="form-error" role="alert">{tx.flash_link_invalid}</div>
                    }),
                    _ => None,
                }
            })}
        </Suspense>
    }
}

/// Where the confirmation mail lands; confirming takes a button press (see `confirm_email`).
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<ConfirmEmail>::new();
    let errors = errors_of(action.value());
    let token = crate::pages::query("token");
    view! {
        <Title text=tx.confirm_title/>
        <section class="card narrow">
            <h1>{tx.confirm_title}</h1>
            <LinkValidity token=token.clone() purpose="confirm"/>
            <p>{tx.confirm_intro}</p>
            <ActionForm action=action>
                <FormError errors/>
                <input type="hidden" name="token" value=token/>
                <Submit label=tx.confirm_button pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<ForgotPassword>::new();
    let errors = errors_of(action.value());
    view! {
        <Title text=tx.forgot_title/>
        <section class="card narrow">
            <h1>{tx.forgot_title}</h1>
            <p>{tx.forgot_intro}</p>
            <ActionForm action=action attr:novalidate=true>
                <FormError errors/>
                <Field label=tx.email name="email" kind="email" errors autocomplete="email" required=true/>
                <Submit label=tx.forgot_button pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let tx = t();
    let action = ServerAction::<ResetPassword>::new();
    let errors = errors_of(action.value());
    let token = crate::pages::query("token");
    view! {
        <Title text=tx.reset_title/>
        <section class="card narrow">
            <h1>{tx.reset_title}</h1>
            <LinkValidity token=token.clone() purpose="reset"/>
            <ActionForm action=action attr:novalidate=true>
                <FormError errors/>
                <input type="hidden" name="token" value=token/>
                <Field label=tx.new_password name="password" kind="password" errors autocomplete="new-password" hint=tx.password_hint required=true/>
                <Submit label=tx.reset_button pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let tx = t();
    view! {
        <Title text=tx.check_email_title/>
        <section class="card narrow">
            <h1>{tx.check_email_title}</h1>
            <p>{tx.check_email_body}</p>
        </section>
    }
}
