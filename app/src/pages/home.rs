use leptos::prelude::*;
use leptos_meta::Title;

use crate::boot::{t, use_boot};

#[component]
pub fn HomePage() -> impl IntoView {
    let tx = t();
    let user = use_boot().user;
    view! {
        <Title text="Sbor"/>
        <section class="hero">
            <h1>"Sbor"</h1>
            <p class="tagline">{tx.tagline}</p>
            {match user {
                Some(me) => view! { <p class="lead">{format!("{}, {}!", tx.home_hello, me.display_name)}</p> }.into_any(),
                None => view! {
                    <p class="lead">{tx.home_intro}</p>
                    <p class="actions">
                        <a class="button" href="/signup">{tx.nav_signup}</a>
                        <a class="button secondary" href="/login">{tx.nav_login}</a>
                    </p>
                }.into_any(),
            }}
        </section>
    }
}
