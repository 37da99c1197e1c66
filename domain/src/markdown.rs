//! User-written markdown to safe HTML: pulldown-cmark renders, ammonia removes anything that
//! could run script or break out of the page.

pub fn to_safe_html(source: &str) -> String {
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

    proptest! {
        #[test]
        fn never_emits_script(s in "\\PC{0,200}") {
            let html = super::to_safe_html(&format!("{s}<script>x</script><img src=x onerror=alert(1)>"));
            prop_assert!(!html.to_lowercase().contains("<script"));
            prop_assert!(!html.to_lowercase().contains("onerror"));
        }
    }
}
