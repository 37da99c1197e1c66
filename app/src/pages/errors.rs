use leptos::prelude::*;
use leptos_meta::Title;

use crate::boot::t;
use crate::error::AppError;

/// The 404 page; sets the status on the server.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let tx = t();
    view! {
        <Title text=tx.not_found_title/>
        <section class="card narrow">
            <h1>{tx.not_found_title}</h1>
            <p>{tx.not_found_body}</p>
            <a href="/">{tx.nav_home}</a>
        </section>
    }
}

/// The page for a failed load: 403 with its message for `Forbidden`, else the 404 page.
pub fn failed(e: AppError) -> AnyView {
    match e {
        AppError::Forbidden => {
            #[cfg(feature = "ssr")]
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::FORBIDDEN);
            }
            view! { <section class="card narrow"><p>{t().forbidden_body}</p></section> }.into_any()
        }
        _ => view! { <NotFoundPage/> }.into_any(),
    }
}
