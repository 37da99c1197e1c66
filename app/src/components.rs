//! Building blocks shared by the pages: the frame around every page, form fields that show
//! their own error, and the banner for errors that belong to no field.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::{Logout, SetLanguage};
use crate::boot::{t, use_boot, use_lang};
use crate::error::AppError;
use crate::i18n::{self, Lang};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let boot = use_boot();
    let tx = t();
    let logout = ServerAction::<Logout>::new();
    let flash = boot
        .flash
        .as_deref()
        .and_then(|code| i18n::flash_message(boot.lang, code));
    let user = boot.user.clone();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Sbor"</a>
            <nav>
                {match user {
                    Some(me) => view! {
                        <a href="/talks">{crate::talk_texts::talk_texts(boot.lang).nav_my_talks}</a>
                        <a href="/profile" class="nav-user">{me.display_name.clone()}</a>
                        {me.is_admin.then(|| view! { <a href="/admin">{tx.nav_admin}</a> })}
                        <ActionForm action=logout attr:class="inline">
                            <button type="submit" class="link">{tx.nav_logout}</button>
                        </ActionForm>
                    }.into_any(),
                    None => view! {
                        <a href="/login">{tx.nav_login}</a>
                        <a href="/signup" class="button small">{tx.nav_signup}</a>
                    }.into_any(),
                }}
            </nav>
        </header>
        {flash.map(|msg| view! { <div class="flash" role="status">{msg}</div> })}
        <main class="content">{children()}</main>
        <footer class="footer">
            <span>{tx.footer}</span>
            <LanguageSwitcher/>
        </footer>
    }
}

#[component]
fn LanguageSwitcher() -> impl IntoView {
    let current = use_lang();
    let path = use_location().pathname.get_untracked();
    let form = move |lang: Lang, label: &'static str| {
        let action = ServerAction::<SetLanguage>::new();
        let back = path.clone();
        view! {
            <ActionForm action=action attr:class="inline">
                <input type="hidden" name="lang" value=lang.code()/>
                <input type="hidden" name="back" value=back/>
                <button type="submit" class="link" disabled=current == lang>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <div class="lang-switch" aria-label="Language">
            {form(Lang::En, "English")}
            {form(Lang::Ru, "Русский")}
        </div>
    }
}

/// The error of the last submission of a form, if any.
pub type FormErrors = Signal<Option<AppError>>;

pub fn errors_of<T, S>(value: S) -> FormErrors
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

/// A labelled input that shows the error for its own field. `name` is what the form posts;
/// `field` (default: `name`) is the field the server's errors name, and the element id.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    errors: FormErrors,
    #[prop(optional)] field: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let key = field.unwrap_or(name);
    let message = field_message(errors, key);
    let error_id = format!("{key}-error");
    let invalid = message.clone();
    let aria = message;
    view! {
        <div class="field" class:invalid=move || invalid().is_some()>
            <label for=key>{label}</label>
            <input
                id=key
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=move || aria().is_some().then_some("true")
                aria-describedby=error_id
            />
            {hint.map(|h| view! { <small class="hint">{h}</small> })}
            <FieldError errors field=key/>
        </div>
    }
}

/// A labelled text area, like [`Field`].
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    errors: FormErrors,
    #[prop(optional)] field: Option<&'static str>,
    #[prop(optional, into)] value: String,
    #[prop(default = 5)] rows: u32,
) -> impl IntoView {
    let key = field.unwrap_or(name);
    view! {
        <div class="field">
            <label for=key>{label}</label>
            <textarea id=key name=name rows=rows aria-describedby=format!("{key}-error")>{value}</textarea>
            <FieldError errors field=key/>
        </div>
    }
}

/// The error of one field, for controls that are not a [`Field`] or [`TextArea`] (a group of
/// checkboxes, a select): `id` is `<field>-error`, for the control's `aria-describedby`.
#[component]
pub fn FieldError(errors: FormErrors, field: &'static str) -> impl IntoView {
    let message = field_message(errors, field);
    view! { <p class="field-error" id=format!("{field}-error") role="alert">{message}</p> }
}

/// The message for `key`'s error, in the reader's language.
fn field_message(
    errors: FormErrors,
    key: &'static str,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    let lang = use_lang();
    move || {
        errors
            .get()
            .filter(|e| e.field() == Some(key))
            .map(|e| i18n::error_message(lang, e.code()))
    }
}

/// Errors that belong to no field (wrong password, rate limit, expired link, …).
#[component]
pub fn FormError(errors: FormErrors) -> impl IntoView {
    let lang = use_lang();
    let message = move || {
        errors
            .get()
            .filter(|e| e.field().is_none())
            .map(|e| i18n::error_message(lang, e.code()))
    };
    view! {
        <Show when=move || message().is_some()>
            <div class="form-error" role="alert">{message}</div>
        </Show>
    }
}

/// The submit button; says it is working while a hydrated form is pending.
#[component]
pub fn Submit(label: &'static str, pending: Memo<bool>) -> impl IntoView {
    let busy = t().saving;
    view! {
        <button type="submit" class="button" disabled=move || pending.get()>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

/// Shown instead of a page that needs a logged-in user; on the server it also redirects.
#[component]
pub fn LoginRequired() -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let target = format!("/login?next={path}");
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&target);
    view! {
        <section class="card narrow">
            <p>{t().login_required}</p>
            <a class="button" href=target>{t().nav_login}</a>
        </section>
    }
}

/// The instant `at` (RFC 3339) in the browser's own time zone, for visitors whose zone the
/// server does not know (not logged in, or no zone in their profile). Rendered on the server as
/// nothing, so the page is identical without JavaScript; after hydration it appears only when
/// the browser's zone differs from the event's `zone`.
#[component]
pub fn BrowserLocalTime(at: String, zone: String) -> impl IntoView {
    let tx = t();
    let shown = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let lang = use_lang();
        Effect::new(move |_| shown.set(browser_time(&at, &zone, lang)));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (at, zone, shown.set(None));
    move || {
        shown
            .get()
            .map(|local| view! { <p class="muted local-time">{tx.your_time} ": " {local}</p> })
    }
}

/// Formats `at` with the browser's `Intl` in its own zone, or `None` when that zone is `zone`.
#[cfg(feature = "hydrate")]
fn browser_time(at: &str, zone: &str, lang: Lang) -> Option<String> {
    use wasm_bindgen::JsValue;
    let resolved =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    let own = js_sys::Reflect::get(&resolved, &JsValue::from_str("timeZone"))
        .ok()?
        .as_string()?;
    if own == zone {
        return None;
    }
    let date = js_sys::Date::new(&JsValue::from_str(at));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    // `timeZoneName` may not be combined with the two styles (Intl throws); the zone is
    // appended below instead.
    for (key, value) in [("dateStyle", "full"), ("timeStyle", "short")] {
        js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).ok()?;
    }
    let locale = match lang {
        Lang::En => "en-GB",
        Lang::Ru => "ru-RU",
    };
    let text = date.to_locale_string(locale, &options).as_string()?;
    Some(format!("{text} ({own})"))
}
