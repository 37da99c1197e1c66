//! User-written markdown to safe HTML: pulldown-cmark renders, ammonia removes anything that
//! could run script or break out of the page.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Sources longer than this are rendered every time rather than kept.
const MEMO_MAX_SOURCE: usize = 16 * 1024;
/// Entries kept at most; the memo starts over when it is full.
const MEMO_ENTRIES: usize = 512;

/// Rendered HTML by source text, shared by every request of the process.
///
/// Why: an event page renders its description on every view, and sanitizing (ammonia parses
/// the HTML into a tree) is the dearest step of rendering it. The output is a pure function of
/// the source, so a kept copy is never stale.
static RENDERED: LazyLock<Mutex<HashMap<String, Arc<str>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The safe HTML of `source`, rendered once per distinct text.
pub fn to_safe_html(source: &str) -> String {
    if let Some(html) = RENDERED.lock().ok().and_then(|m| m.get(source).cloned()) {
        return html.to_string();
    }
    let html = render(source);
    if source.len() <= MEMO_MAX_SOURCE
        && let Ok(mut memo) = RENDERED.lock()
    {
        if memo.len() >= MEMO_ENTRIES {
            memo.clear();
        }
        memo.insert(source.to_owned(), Arc::from(html.as_str()));
    }
    html
}

fn render(source: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(source, options);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn strips_script_and_keeps_formatting() {
        let html = super::to_safe_html("**hi** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>hi</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
    }

    #[test]
    fn remembered_output_is_the_rendered_output() {
        let source = "# Memo\n\n*once* <img src=x onerror=alert(1)>";
        let first = super::to_safe_html(source);
        assert_eq!(first, super::render(source));
        assert_eq!(super::to_safe_html(source), first);
        assert!(super::RENDERED.lock().unwrap().contains_key(source));
        let huge = "x".repeat(super::MEMO_MAX_SOURCE + 1);
        assert_eq!(super::to_safe_html(&huge), super::render(&huge));
        assert!(!super::RENDERED.lock().unwrap().contains_key(&huge));
    }

    proptest! {
        #[test]
        fn never_emits_script(s in "\\PC{0,200}") {
            let html = super::to_safe_html(&format!("{s}<script>x</script><img src=x onerror=alert(1)>"));
            prop_assert!(!html.to_lowercase().contains("<script"));
            prop_assert!(!html.to_lowercase().contains("onerror"));
        }
    }
}
