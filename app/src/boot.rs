//! What every page needs to know about the request before it renders: language, who is logged
//! in, and a one-time flash message.
//!
//! The server computes it in a middleware; the shell writes it as JSON into the page head, and
//! the browser reads that back before hydrating, so both sides render the same tree.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Texts};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Boot {
    pub lang: Lang,
    pub user: Option<Me>,
    pub flash: Option<String>,
    /// The site's public URL (BASE_URL), for links shown to copy.
    pub base_url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub is_admin: bool,
}

pub const BOOT_ELEMENT_ID: &str = "sbor-boot";

impl Boot {
    /// On the server: from the request extensions the middleware filled.
    #[cfg(feature = "ssr")]
    pub fn from_request() -> Boot {
        crate::ssr::with_request_info(crate::ssr::RequestInfo::boot)
            .map(|boot| Boot {
                base_url: with_context::<crate::ssr::ServerCtx, _>(|c| c.site.base_url.clone())
                    .unwrap_or_default(),
                ..boot
            })
            .unwrap_or_default()
    }

    /// In the browser: from the JSON the server wrote.
    #[cfg(not(feature = "ssr"))]
    pub fn from_request() -> Boot {
        #[cfg(feature = "hydrate")]
        {
            let json = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(BOOT_ELEMENT_ID))
                .and_then(|e| e.text_content());
            if let Some(boot) = json.and_then(|j| serde_json::from_str(&j).ok()) {
                return boot;
            }
        }
        Boot::default()
    }

    /// JSON safe to put inside a `<script>` element.
    pub fn to_script_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| "{}".into())
            .replace('<', "\\u003c")
    }
}

/// The boot info of the current page.
pub fn use_boot() -> Boot {
    use_context::<Boot>().unwrap_or_default()
}

pub fn use_lang() -> Lang {
    use_boot().lang
}

pub fn t() -> &'static Texts {
    use_lang().texts()
}
