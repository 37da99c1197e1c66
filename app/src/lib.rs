//! Sbor's user interface: Leptos pages rendered on the server and hydrated in the browser.
//! Every form also works as a plain HTML form post without JavaScript.

pub mod announce_texts;
pub mod api;
pub mod boot;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod review_texts;
pub mod schedule_texts;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod talk_texts;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::boot::{BOOT_ELEMENT_ID, Boot};
use crate::components::Layout;
use crate::pages::{
    account, admin, announcements, auth, cfp_admin, community, errors, event, home, reviews, schedule, talks,
    ticket,
};

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
        // Async: pages are rendered whole before the first byte, so they work without
        // JavaScript (out-of-order streaming needs a script to put suspended parts in place)
        // and a 404 or 403 inside a resource still sets the status.
        <Router>
            <Layout>
                <Routes fallback=errors::NotFoundPage>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=auth::SignupPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/email") view=auth::LoginLinkRequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/link") view=auth::LoginLinkPage ssr=SsrMode::Async/>
                    <Route path=path!("/password/forgot") view=auth::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/password/reset") view=auth::ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/check-email") view=auth::CheckEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/auth/confirm") view=auth::ConfirmEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=account::ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=admin::AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/outbox") view=admin::OutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/communities/new") view=community::CommunityNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug") view=community::CommunityPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/edit") view=community::CommunityEditPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/members") view=community::MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/announcements") view=announcements::AnnouncementsPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/announcements/:id") view=announcements::AnnouncementPage ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe") view=announcements::UnsubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/news") view=announcements::NewsPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/events/new") view=event::EventNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id") view=event::EventPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/edit") view=event::EventEditPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/manage") view=event::EventManagePage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/ticket") view=ticket::TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/checkin") view=ticket::CheckinPage ssr=SsrMode::Async/>
                    // talks: organizers and reviewers
                    <Route path=path!("/e/:id/cfp/edit") view=cfp_admin::CfpAdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/talks") view=reviews::TalksDashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/review") view=reviews::ReviewQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/review/:talk_id") view=reviews::ReviewPage ssr=SsrMode::Async/>
                    // talks: speakers and public
                    <Route path=path!("/e/:id/cfp") view=talks::CfpPage ssr=SsrMode::Async/>
                    <Route path=path!("/talks") view=talks::MyTalksPage ssr=SsrMode::Async/>
                    <Route path=path!("/talks/:id") view=talks::TalkPage ssr=SsrMode::Async/>
                    <Route path=path!("/invitations/talk") view=talks::TalkInvitationPage ssr=SsrMode::Async/>
                    <Route path=path!("/profile/speaker") view=talks::SpeakerProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/pool") view=talks::PoolPage ssr=SsrMode::Async/>
                    <Route path=path!("/talk/:id") view=talks::PublicTalkPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/schedule") view=schedule::PublicSchedulePage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/schedule/mine") view=schedule::MySchedulePage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/schedule/changes") view=schedule::ScheduleChangesPage ssr=SsrMode::Async/>
                    <Route path=path!("/e/:id/schedule/edit") view=schedule::ScheduleEditorPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug/import") view=schedule::ImportSchedulePage ssr=SsrMode::Async/>
                    <Route path=path!("/speakers/:user_id") view=talks::PublicSpeakerPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
