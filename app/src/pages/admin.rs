//! Site administration: accounts and the mail outbox. The server functions check the admin
//! role; the pages only decide what to draw.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{admin_mail_bundles, admin_outbox, admin_overview};
use crate::boot::{t, use_boot};
use crate::components::LoginRequired;

/// Renders `content` for admins, a login prompt for visitors and a refusal for members.
fn admin_only(content: impl FnOnce() -> AnyView) -> AnyView {
    match use_boot().user {
        None => view! { <LoginRequired/> }.into_any(),
        Some(me) if !me.is_admin => {
            #[cfg(feature = "ssr")]
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::FORBIDDEN);
            }
            view! { <section class="card narrow"><p>{t().forbidden_body}</p></section> }.into_any()
        }
        Some(_) => content(),
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    admin_only(|| {
        let tx = t();
        let overview = Resource::new(|| (), |_| admin_overview());
        view! {
            <Title text=tx.admin_title/>
            <section class="card">
                <h1>{tx.admin_title}</h1>
                <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                    {move || Suspend::new(async move {
                        overview.await.ok().map(|o| view! {
                            <div class="stats">
                                <div class="stat"><strong>{o.user_count}</strong><span>{tx.admin_users}</span></div>
                                <a class="stat" href="/admin/outbox"><strong>{o.pending_mail}</strong><span>{tx.admin_outbox}</span></a>
                            </div>
                            <h2>{tx.admin_users}</h2>
                            <div class="table-wrap">
                                <table>
                                    <thead><tr><th>{tx.col_name}</th><th>{tx.email}</th><th>{tx.col_role}</th></tr></thead>
                                    <tbody>
                                        {o.newest.into_iter().map(|u| view! {
                                            <tr>
                                                <td>{u.display_name}</td>
                                                <td>{u.email}{(!u.email_confirmed).then(|| view! { " " <span class="badge">{tx.unconfirmed}</span> })}</td>
                                                <td>{if u.is_admin { tx.role_admin } else { tx.role_member }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        })
                    })}
                </Suspense>
            </section>
        }
        .into_any()
    })
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    admin_only(|| {
        let tx = t();
        let mails = Resource::new(|| (), |_| admin_outbox());
        let bundles = Resource::new(|| (), |_| admin_mail_bundles());
        view! {
            <Title text=tx.outbox_title/>
            <section class="card">
                <p><a href="/admin">{tx.back}</a></p>
                <h1>{tx.outbox_title}</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let bundles = bundles.await.unwrap_or_default();
                        (!bundles.is_empty()).then(|| view! {
                            <h2>{tx.outbox_bundles}</h2>
                            <ul class="outbox">
                                {bundles.into_iter().map(|b| view! {
                                    <li class="mail">
                                        <strong>{b.size}</strong> " " {tx.outbox_bundle_mails}
                                        <small class="muted">" · " {b.created_at.clone()} " · " {tx.col_attempts} ": " {b.attempts}</small>
                                        {b.last_error.clone().map(|e| view! { <p class="form-error">{tx.col_error} ": " {e}</p> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        })
                    })}
                </Suspense>
                <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                    {move || Suspend::new(async move {
                        let mails = mails.await.unwrap_or_default();
                        if mails.is_empty() {
                            return view! { <p>{tx.outbox_empty}</p> }.into_any();
                        }
                        view! {
                            <ul class="outbox">
                                {mails.into_iter().map(|m| view! {
                                    <li class="mail">
                                        <details>
                                            <summary>
                                                <span class=format!("badge status-{}", m.status)>{m.status.clone()}</span>
                                                " " <strong>{m.subject.clone()}</strong>
                                                " → " {m.recipient.clone()}
                                                <small class="muted">" · " {m.created_at.clone()} " · " {tx.col_attempts} ": " {m.attempts}</small>
                                            </summary>
                                            {m.last_error.clone().map(|e| view! { <p class="form-error">{tx.col_error} ": " {e}</p> })}
                                            <pre class="mail-body">{m.body_text.clone()}</pre>
                                        </details>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })}
                </Suspense>
            </section>
        }
        .into_any()
    })
}
