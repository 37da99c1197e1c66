use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::home_events;
use crate::boot::{t, use_boot};
use crate::pages::community::EventList;

#[component]
pub fn HomePage() -> impl IntoView {
    let tx = t();
    let boot = use_boot();
    let query = use_query_map();
    let param = move |k: &str| query.with_untracked(|q| q.get(k)).unwrap_or_default();
    let (q, community, from) = (param("q"), param("community"), param("from"));
    let data = Resource::new(
        {
            let (q, community, from) = (q.clone(), community.clone(), from.clone());
            move || (q.clone(), community.clone(), from.clone())
        },
        |(q, c, f)| home_events(q, c, f),
    );
    view! {
        <Title text="Sbor"/>
        <section class="hero compact">
            <h1>"Sbor"</h1>
            <p class="tagline">{tx.tagline}</p>
            {match boot.user {
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
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || {
                let (q, community, from) = (q.clone(), community.clone(), from.clone());
                Suspend::new(async move {
                    let home = data.await.ok()?;
                    Some(view! {
                        <form class="search" method="get" action="/">
                            <input type="search" name="q" value=q placeholder=tx.search_placeholder aria-label=tx.search_placeholder/>
                            <select name="community" aria-label=tx.communities>
                                <option value="">{tx.all_communities}</option>
                                {home.communities.iter().map(|c| view! {
                                    <option value=c.slug.clone() selected=c.slug == community>{c.name.clone()}</option>
                                }).collect_view()}
                            </select>
                            <input type="date" name="from" value=from aria-label=tx.from_date/>
                            <button type="submit" class="button small">{tx.search}</button>
                        </form>
                        <section>
                            <h2>{tx.upcoming_events}</h2>
                            <EventList events=home.events/>
                        </section>
                        <section>
                            <h2>{tx.communities}</h2>
                            <ul class="chips">
                                {home.communities.into_iter().map(|c| view! {
                                    <li><a href=format!("/c/{}", c.slug)>{c.name}</a></li>
                                }).collect_view()}
                            </ul>
                            {use_boot().user.filter(|u| u.is_admin).map(|_| view! {
                                <p><a class="button small secondary" href="/communities/new">{tx.new_community}</a></p>
                            })}
                        </section>
                    })
                })
            }}
        </Suspense>
    }
}
