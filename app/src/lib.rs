//! Sbor's user interface: Leptos pages rendered on the server and hydrated in the browser.
//! Every form also works as a plain HTML form post without JavaScript.

pub mod api;
pub mod boot;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::boot::{BOOT_ELEMENT_ID, Boot};
use crate::components::Layout;
use crate::pages::{account, admin, auth, errors, home};

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let boot = Boot::from_request();
    let json = boot.to_script_json();
    view! {
        <!DOCTYPE html>
        <html lang=boot.lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script type="application/json" id=BOOT_ELEMENT_ID inner_html=json></script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Boot::from_request());
    view! {
        <Stylesheet id="sbor" href="/pkg/sbor.css"/>
        <Router>
            <Layout>
                <Routes fallback=errors::NotFoundPage>
                    <Route path=path!("/") view=home::HomePage/>
                    <Route path=path!("/signup") view=auth::SignupPage/>
                    <Route path=path!("/login") view=auth::LoginPage/>
                    <Route path=path!("/login/email") view=auth::LoginLinkRequestPage/>
                    <Route path=path!("/login/link") view=auth::LoginLinkPage/>
                    <Route path=path!("/password/forgot") view=auth::ForgotPasswordPage/>
                    <Route path=path!("/password/reset") view=auth::ResetPasswordPage/>
                    <Route path=path!("/check-email") view=auth::CheckEmailPage/>
                    <Route path=path!("/auth/confirm") view=auth::ConfirmEmailPage/>
                    <Route path=path!("/profile") view=account::ProfilePage/>
                    <Route path=path!("/admin") view=admin::AdminPage/>
                    <Route path=path!("/admin/outbox") view=admin::OutboxPage/>
                </Routes>
            </Layout>
        </Router>
    }
}
