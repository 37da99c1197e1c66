//! The browser entry point: hydrates the server-rendered page.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // After a successful form action the server asks for a redirect. A full page load (rather
    // than Leptos' client-side navigation) makes the new session, language and flash message
    // show everywhere on the page, exactly as they do without JavaScript. The first hook set
    // wins, so this must run before hydration installs the router's.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        if let Some(window) = web_sys::window() {
            let here = window.location();
            let current = format!(
                "{}{}",
                here.pathname().unwrap_or_default(),
                here.search().unwrap_or_default()
            );
            let target = location.split('#').next().unwrap_or(location);
            let _ = here.assign(location);
            // Back to the same page with another `#anchor` only moves the view (without an
            // anchor, `assign` already reloads); reload so the page shows what the action
            // changed, as the 302 does without JavaScript.
            if target == current && location.contains('#') {
                let _ = here.reload();
            }
        }
    });
    leptos::mount::hydrate_body(sbor_app::App);
}
