//! Accounts end to end: the real server, a real SMTP server, SQLite and PostgreSQL.

use sbor_tests::{Backend, TestApp, location, on_both_backends};

on_both_backends!(
    signup_confirm_login_logout,
    login_before_confirmation_is_refused_and_mail_resent,
    wrong_password_and_unknown_email_look_the_same,
    duplicate_email_creates_nothing_and_tells_the_owner,
    password_reset_logs_out_everywhere,
    reset_for_unknown_email_sends_nothing,
    magic_link_logs_in_once,
    session_is_rotated_at_login,
    change_password_ends_other_sessions,
    login_is_rate_limited,
    bad_input_is_explained_next_to_the_field_in_both_languages,
    profile_update_and_language,
    admin_pages_are_for_admins_only,
    a_squatted_signup_cannot_take_over_the_account,
    password_change_revokes_mailed_links,
    sessions_looked_up_together_answer_as_one_by_one,
);

/// Someone signs up with another person's address and a password of their choosing, and waits.
/// When the real owner proves the address with a mailed link, the squatter's password is gone.
async fn a_squatted_signup_cannot_take_over_the_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .submit(
            "/signup",
            "signup",
            &[
                ("email", "owner@example.org"),
                ("password", "squatter pass"),
                ("display_name", "Squatter"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/check-email");
    app.mail_to("owner@example.org", 1).await; // the owner ignores this confirmation mail
    let owner = app.new_client();
    sbor_tests::submit_with(
        &owner,
        &app.base_url,
        "/login/email",
        "request_login_link",
        &[("email", "owner@example.org")],
    )
    .await;
    let mail = app.mail_to("owner@example.org", 2).await;
    let link = app.link_path(&mail, "/login/link?token=");
    let token = link.split("token=").nth(1).unwrap();
    let res = sbor_tests::submit_with(
        &owner,
        &app.base_url,
        &link,
        "login_with_link",
        &[("token", token)],
    )
    .await;
    assert_eq!(location(&res), "/");
    let (_, page) = follow(&app, app.log_in("owner@example.org", "squatter pass").await).await;
    assert!(
        page.contains("Wrong email or password."),
        "the squatter's password no longer works"
    );

    // The same for an account the CLI makes an admin.
    app.submit(
        "/signup",
        "signup",
        &[
            ("email", "boss@example.org"),
            ("password", "squatter pass"),
            ("display_name", "Boss"),
        ],
    )
    .await;
    let site = sbor_domain::accounts::Site {
        base_url: app.base_url.clone(),
    };
    sbor_domain::accounts::create_admin(&app.db, &site, "boss@example.org", None)
        .await
        .unwrap();
    let (_, page) = follow(&app, app.log_in("boss@example.org", "squatter pass").await).await;
    assert!(page.contains("Wrong email or password."));
}

async fn password_change_revokes_mailed_links(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("liz@example.org", "Liz").await;
    app.submit(
        "/login/email",
        "request_login_link",
        &[("email", "liz@example.org")],
    )
    .await;
    let mail = app.mail_to("liz@example.org", 2).await;
    let link = app.link_path(&mail, "/login/link?token=");
    app.log_in("liz@example.org", pw).await;
    let res = app
        .submit(
            "/profile",
            "change_password",
            &[("current_password", pw), ("new_password", "a new secret")],
        )
        .await;
    assert_eq!(location(&res), "/profile");
    let token = link.split("token=").nth(1).unwrap();
    let (_, page) = follow(
        &app,
        app.submit_fresh(&link, "login_with_link", &[("token", token)])
            .await,
    )
    .await;
    assert!(
        page.contains("This link is invalid, used or expired"),
        "links mailed before the change are void"
    );
}

async fn signup_confirm_login_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .submit(
            "/signup",
            "signup",
            &[
                ("email", "Ann@Example.org"),
                ("password", "s3cret pass"),
                ("display_name", "Ann"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/check-email");

    let mail = app.mail_to("ann@example.org", 1).await;
    assert_eq!(mail.subject(), "Confirm your email for Sbor");
    assert!(
        mail.header("Message-ID")
            .is_some_and(|m| m.starts_with('<') && m.contains('@'))
    );
    assert!(mail.header("Date").is_some());
    assert!(
        mail.html_body().contains("Confirm email"),
        "multipart with an HTML part"
    );
    let confirm = app.link_path(&mail, "/auth/confirm?token=");

    // Not confirmed yet: no login.
    let (_, page) = follow(&app, app.log_in("ann@example.org", "s3cret pass").await).await;
    assert!(page.contains("Please confirm your email first"), "{page}");

    let (status, page) = app.get(&confirm).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_confirmed_at IS NOT NULL")
            .await,
        0,
        "opening the link alone confirms nothing"
    );
    assert!(page.contains("Confirm my email"));
    let res = app.confirm(&mail).await;
    assert_eq!(location(&res), "/login");
    let (_, login_page) = app.get("/login").await;
    assert!(
        login_page.contains("Your email is confirmed"),
        "flash shown after confirmation"
    );
    let (_, again) = app.get("/login").await;
    assert!(!again.contains("Your email is confirmed"), "flash shown once");

    let res = app.log_in("ann@example.org", "s3cret pass").await;
    assert_eq!(location(&res), "/");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sbor_session="));
    let cookie = cookie.expect("session cookie set");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http base url");
    let (_, home) = app.get("/").await;
    assert!(home.contains("class=\"nav-user\">Ann<"), "logged in: {home}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);

    let res = app.submit("/", "logout", &[]).await;
    assert_eq!(location(&res), "/");
    let (_, home) = app.get("/").await;
    assert!(!home.contains("nav-user") && home.contains("You are logged out"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);

    // The confirmation link works once.
    let (_, page) = app.get(&confirm).await;
    assert!(
        page.contains("This link is invalid, used or expired"),
        "said up front"
    );
    let (_, page) = follow(&app, app.confirm(&mail).await).await;
    assert!(page.contains("This link is invalid, used or expired"));
}

async fn follow(app: &TestApp, res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status(), 302, "expected a redirect");
    let to = location(&res);
    let (status, body) = app.get(&to).await;
    assert!(status < 500);
    (to, body)
}

async fn login_before_confirmation_is_refused_and_mail_resent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.submit(
        "/signup",
        "signup",
        &[
            ("email", "bob@example.org"),
            ("password", "password1"),
            ("display_name", "Bob"),
        ],
    )
    .await;
    app.mail_to("bob@example.org", 1).await;
    let (to, page) = follow(&app, app.log_in("bob@example.org", "password1").await).await;
    assert!(to.starts_with("/login"));
    assert!(page.contains("we have sent you a new link"));
    let second = app.mail_to("bob@example.org", 2).await;
    // Another correct login within the hour does not mail again.
    app.log_in("bob@example.org", "password1").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'confirm'")
            .await,
        2
    );
    assert_eq!(location(&app.confirm(&second).await), "/login");
    assert_eq!(location(&app.log_in("bob@example.org", "password1").await), "/");
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("cat@example.org", "Cat").await;
    let wrong = app.log_in("cat@example.org", "not the password").await;
    assert!(
        wrong
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("sbor_session="))
    );
    let (to_wrong, page_wrong) = follow(&app, wrong).await;
    let (to_unknown, page_unknown) = follow(&app, app.log_in("nobody@example.org", pw).await).await;
    assert!(page_wrong.contains("Wrong email or password."));
    assert!(page_unknown.contains("Wrong email or password."));
    assert_eq!(to_wrong.split("__err").next(), to_unknown.split("__err").next());
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert!(!page_wrong.contains("nav-user"));
}

async fn duplicate_email_creates_nothing_and_tells_the_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signed_up_user("dora@example.org", "Dora").await;
    let res = app
        .submit(
            "/signup",
            "signup",
            &[
                ("email", "DORA@example.org"),
                ("password", "another pass"),
                ("display_name", "Impostor"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/check-email", "same answer as a new address");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    let notice = app.mail_to("dora@example.org", 2).await;
    assert_eq!(notice.subject(), "You already have a Sbor account");
    // The original password still works; the impostor's does not.
    assert_eq!(
        location(&app.log_in("dora@example.org", "correct horse battery").await),
        "/"
    );
    let (_, page) = follow(
        &app,
        app.submit_fresh(
            "/login",
            "login",
            &[("email", "dora@example.org"), ("password", "another pass")],
        )
        .await,
    )
    .await;
    assert!(page.contains("Wrong email or password."));
}

async fn password_reset_logs_out_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let old = app.signed_up_user("eve@example.org", "Eve").await;
    assert_eq!(location(&app.log_in("eve@example.org", old).await), "/");
    let other = app.new_client();
    sbor_tests::submit_with(
        &other,
        &app.base_url,
        "/login",
        "login",
        &[("email", "eve@example.org"), ("password", old)],
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2);

    let res = app
        .submit(
            "/password/forgot",
            "forgot_password",
            &[("email", "eve@example.org")],
        )
        .await;
    assert_eq!(location(&res), "/check-email");
    let mail = app.mail_to("eve@example.org", 2).await;
    assert_eq!(mail.subject(), "Reset your Sbor password");
    let reset = app.link_path(&mail, "/password/reset?token=");
    let token = reset.split("token=").nth(1).unwrap().to_owned();
    let (status, page) = app.get(&reset).await;
    assert_eq!(status, 200);
    assert!(!page.contains("This link is invalid"));

    // Too short: explained, nothing changes, token still usable.
    let (_, page) = follow(
        &app,
        app.submit(
            &reset,
            "reset_password",
            &[("token", &token), ("password", "short")],
        )
        .await,
    )
    .await;
    assert!(page.contains("at least 8 characters"));
    assert_eq!(
        location(
            &app.submit(
                &reset,
                "reset_password",
                &[("token", &token), ("password", "brand new secret")]
            )
            .await
        ),
        "/"
    );
    // Only the session of the browser that reset remains.
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    let (_, other_home) = sbor_tests::get_with(&other, &app.url("/")).await;
    assert!(
        !other_home.contains("nav-user"),
        "the other browser was logged out"
    );
    let (_, page) = follow(
        &app,
        app.submit_fresh(
            "/login",
            "login",
            &[("email", "eve@example.org"), ("password", old)],
        )
        .await,
    )
    .await;
    assert!(page.contains("Wrong email or password."));
    assert_eq!(
        location(
            &app.submit_fresh(
                "/login",
                "login",
                &[("email", "eve@example.org"), ("password", "brand new secret")]
            )
            .await
        ),
        "/"
    );
    // The link works once.
    let (_, page) = follow(
        &app,
        app.submit(
            &reset,
            "reset_password",
            &[("token", &token), ("password", "third secret!")],
        )
        .await,
    )
    .await;
    assert!(page.contains("This link is invalid, used or expired"));
    let (_, page) = app.get(&reset).await;
    assert!(page.contains("This link is invalid, used or expired"));
}

async fn reset_for_unknown_email_sends_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .submit(
            "/password/forgot",
            "forgot_password",
            &[("email", "ghost@example.org")],
        )
        .await;
    assert_eq!(
        location(&res),
        "/check-email",
        "same answer as for a real account"
    );
    let res = app
        .submit(
            "/login/email",
            "request_login_link",
            &[("email", "ghost@example.org")],
        )
        .await;
    assert_eq!(location(&res), "/check-email");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
}

async fn magic_link_logs_in_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signed_up_user("fay@example.org", "Fay").await;
    let res = app
        .submit(
            "/login/email",
            "request_login_link",
            &[("email", "fay@example.org")],
        )
        .await;
    assert_eq!(location(&res), "/check-email");
    let mail = app.mail_to("fay@example.org", 2).await;
    assert_eq!(mail.subject(), "Your Sbor login link");
    let link = app.link_path(&mail, "/login/link?token=");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // Opening the link (as a mail scanner would) does not log in or use up the token.
    let (status, page) = app.get(&link).await;
    assert_eq!(status, 200);
    assert!(!page.contains("nav-user"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        location(&app.submit(&link, "login_with_link", &[("token", &token)]).await),
        "/"
    );
    let (_, home) = app.get("/").await;
    assert!(home.contains("class=\"nav-user\">Fay<"));
    let (_, page) = follow(
        &app,
        app.submit_fresh(&link, "login_with_link", &[("token", &token)])
            .await,
    )
    .await;
    assert!(page.contains("This link is invalid, used or expired"));
}

async fn session_is_rotated_at_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("gus@example.org", "Gus").await;
    let first = session_cookie(&app.log_in("gus@example.org", pw).await);
    let second = session_cookie(&app.log_in("gus@example.org", pw).await);
    assert_ne!(first, second, "a new session id at every login");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        1,
        "the browser's previous session ended"
    );
    // A planted, unknown cookie is never adopted.
    let (_, home) = app.get("/").await;
    assert!(home.contains("nav-user"));
}

/// Lookups that arrive together are answered by one query (`SessionLookup`): each must get
/// exactly what looking it up alone gives, whether the session is live, expired or unknown,
/// and however the burst is cut into batches.
async fn sessions_looked_up_together_answer_as_one_by_one(backend: Backend) {
    use sbor_domain::sessions;
    let app = TestApp::spawn(backend).await;
    let mut tokens = Vec::new();
    for i in 0..5 {
        let (user, _) = app.member(&format!("s{i}@example.org"), &format!("S{i}")).await;
        for _ in 0..60 {
            tokens.push(sessions::create(&app.db, user.id).await.unwrap());
        }
    }
    // A third expired, a few never existed.
    for t in tokens.iter().step_by(3) {
        sqlx::query("UPDATE sessions SET expires_at = 1 WHERE token_hash = $1")
            .bind(sbor_domain::tokens::hash(t))
            .execute(app.db.write())
            .await
            .unwrap();
    }
    for _ in 0..20 {
        tokens.push(sbor_domain::tokens::generate());
    }
    let lookup = sessions::SessionLookup::new(app.db.clone());
    let tasks: Vec<_> = tokens
        .iter()
        .map(|t| {
            let (lookup, t) = (lookup.clone(), t.clone());
            tokio::spawn(async move { lookup.user(&t).await.unwrap().map(|u| u.id) })
        })
        .collect();
    let (mut live, mut none) = (0, 0);
    for (t, task) in tokens.iter().zip(tasks) {
        let together = task.await.unwrap();
        let alone = sessions::user(&app.db, t).await.unwrap().map(|u| u.id);
        assert_eq!(together, alone, "token {t}");
        if together.is_some() { live += 1 } else { none += 1 }
    }
    assert_eq!(
        (live, none),
        (200, 120),
        "live sessions found, expired and unknown ones not"
    );
}

fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("sbor_session=")
                .map(|v| v.split(';').next().unwrap().to_owned())
        })
        .expect("session cookie")
}

async fn change_password_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("hal@example.org", "Hal").await;
    app.log_in("hal@example.org", pw).await;
    let other = app.new_client();
    sbor_tests::submit_with(
        &other,
        &app.base_url,
        "/login",
        "login",
        &[("email", "hal@example.org"), ("password", pw)],
    )
    .await;
    let (_, page) = follow(
        &app,
        app.submit(
            "/profile",
            "change_password",
            &[
                ("current_password", "wrong one"),
                ("new_password", "new secret 1"),
            ],
        )
        .await,
    )
    .await;
    assert!(page.contains("The current password is not right."));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        2,
        "nothing changed"
    );
    let res = app
        .submit(
            "/profile",
            "change_password",
            &[("current_password", pw), ("new_password", "new secret 1")],
        )
        .await;
    assert_eq!(location(&res), "/profile");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    let (_, home) = app.get("/").await;
    assert!(home.contains("nav-user"), "this browser stays logged in");
    let (_, other_home) = sbor_tests::get_with(&other, &app.url("/")).await;
    assert!(!other_home.contains("nav-user"));
}

async fn login_is_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("ida@example.org", "Ida").await;
    for _ in 0..10 {
        let (_, page) = follow(&app, app.log_in("ida@example.org", "guess guess").await).await;
        assert!(page.contains("Wrong email or password."));
    }
    let (_, page) = follow(&app, app.log_in("ida@example.org", pw).await).await;
    assert!(
        page.contains("Too many attempts"),
        "even the right password waits: {page}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    // Mail-sending forms are limited too.
    for _ in 0..5 {
        app.submit(
            "/password/forgot",
            "forgot_password",
            &[("email", "ida@example.org")],
        )
        .await;
    }
    let (_, page) = follow(
        &app,
        app.submit(
            "/password/forgot",
            "forgot_password",
            &[("email", "ida@example.org")],
        )
        .await,
    )
    .await;
    assert!(page.contains("Too many attempts"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'reset'")
            .await,
        5
    );
}

async fn bad_input_is_explained_next_to_the_field_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (to, page) = follow(
        &app,
        app.submit(
            "/signup",
            "signup",
            &[
                ("email", "nope"),
                ("password", "longenough"),
                ("display_name", "X"),
            ],
        )
        .await,
    )
    .await;
    assert!(to.starts_with("/signup?"), "back to the form: {to}");
    assert!(
        field_error(&page, "email").contains("Enter a valid email address"),
        "{page}"
    );
    assert_eq!(field_error(&page, "password"), "");
    let (_, page) = follow(
        &app,
        app.submit(
            "/signup",
            "signup",
            &[("email", "a@b.org"), ("password", "short"), ("display_name", "X")],
        )
        .await,
    )
    .await;
    assert!(field_error(&page, "password").contains("at least 8 characters"));
    let (_, page) = follow(
        &app,
        app.submit(
            "/signup",
            "signup",
            &[
                ("email", "a@b.org"),
                ("password", "longenough"),
                ("display_name", "  "),
            ],
        )
        .await,
    )
    .await;
    assert!(field_error(&page, "display_name").contains("This field is required"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        0,
        "nothing was created"
    );

    // A Russian visitor reads Russian.
    let ru = app.new_client();
    let res = ru
        .post(app.url("/api/signup"))
        .header("Origin", &app.base_url)
        .header("Referer", app.url("/signup"))
        .header("Accept", "text/html")
        .header("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")
        .form(&[
            ("email", "nope"),
            ("password", "longenough"),
            ("display_name", "X"),
        ])
        .send()
        .await
        .unwrap();
    let page = ru
        .get(app.url(&location(&res)))
        .header("Accept-Language", "ru-RU,ru;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"ru\""));
    assert!(
        field_error(&page, "email").contains("Введите корректный адрес"),
        "{page}"
    );
}

fn raw_location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .expect("Location")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The text of the error paragraph under a field.
fn field_error(page: &str, field: &str) -> String {
    let marker = format!("id=\"{field}-error\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no error slot for {field}"));
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</p>").unwrap();
    rest[open..close].replace("<!>", "").trim().to_owned()
}

async fn profile_update_and_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, _) = app.get("/profile").await;
    assert_eq!(status, 302, "visitors are sent to log in");
    let pw = app.signed_up_user("jan@example.org", "Jan").await;
    app.log_in("jan@example.org", pw).await;
    let (status, page) = app.get("/profile").await;
    assert_eq!(status, 200);
    assert!(page.contains("jan@example.org"));

    let (_, page) = follow(
        &app,
        app.submit(
            "/profile",
            "update_profile",
            &[
                ("display_name", "Jan K"),
                ("bio", "Hi"),
                ("lang", "en"),
                ("time_zone", "Mars/Olympus"),
            ],
        )
        .await,
    )
    .await;
    assert!(field_error(&page, "time_zone").contains("Unknown time zone"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE display_name = 'Jan'")
            .await,
        1,
        "nothing changed"
    );

    let res = app
        .submit(
            "/profile",
            "update_profile",
            &[
                ("display_name", "Ян"),
                ("bio", "Привет"),
                ("lang", "ru"),
                ("time_zone", "Europe/Moscow"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/profile");
    let (_, page) = app.get("/profile").await;
    assert!(page.contains("<html lang=\"ru\""), "the profile language wins");
    assert!(page.contains("Профиль сохранён."));
    assert!(page.contains("Europe/Moscow") && page.contains("Привет"));

    // Mail follows the profile language.
    app.submit("/", "logout", &[]).await;
    app.submit(
        "/login/email",
        "request_login_link",
        &[("email", "jan@example.org")],
    )
    .await;
    let mail = app.mail_to("jan@example.org", 2).await;
    assert_eq!(mail.subject(), "Ссылка для входа в Sbor");
    assert!(mail.text_body().contains("Здравствуйте, Ян!"));

    // Visitors switch with the footer switcher.
    let visitor = app.new_client();
    let res = sbor_tests::submit_with(
        &visitor,
        &app.base_url,
        "/login",
        "set_language",
        &[("lang", "ru"), ("back", "/login")],
    )
    .await;
    assert_eq!(location(&res), "/login");
    let (_, page) = sbor_tests::get_with(&visitor, &app.url("/login")).await;
    assert!(page.contains("<html lang=\"ru\"") && page.contains("Вход"));
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
    ] {
        let res = sbor_tests::submit_with(
            &visitor,
            &app.base_url,
            "/login",
            "set_language",
            &[("lang", "en"), ("back", evil)],
        )
        .await;
        assert_eq!(raw_location(&res), "/", "no open redirect via {evil:?}");
    }
    // Login's `next` too (a failed login goes back to the form; a successful one must stay here).
    let pw = "correct horse battery";
    app.submit("/", "logout", &[]).await;
    for evil in ["//evil.example", "/\t/evil.example"] {
        let res = app
            .submit(
                "/login",
                "login",
                &[("email", "jan@example.org"), ("password", pw), ("next", evil)],
            )
            .await;
        assert_eq!(raw_location(&res), "/", "no open redirect via next={evil:?}");
    }
}

async fn admin_pages_are_for_admins_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pw = app.signed_up_user("kim@example.org", "Kim").await;
    app.log_in("kim@example.org", pw).await;
    let (status, page) = app.get("/admin").await;
    assert_eq!(status, 403);
    assert!(!page.contains("kim@example.org</td>"));
    // The server functions refuse too, whatever the UI shows.
    for endpoint in ["admin_overview", "admin_outbox", "admin_mail_bundles"] {
        let res = app
            .client
            .post(app.url(&format!("/api/{endpoint}")))
            .header("Origin", &app.base_url)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{endpoint}");
        assert!(res.text().await.unwrap().contains("Forbidden"), "{endpoint}");
    }

    let site = sbor_domain::accounts::Site {
        base_url: app.base_url.clone(),
    };
    let (admin, link) = sbor_domain::accounts::create_admin(&app.db, &site, "root@example.org", Some("Root"))
        .await
        .unwrap();
    assert!(admin.is_admin && admin.email_confirmed);
    let admin_browser = app.new_client();
    let path = link.trim_start_matches(&app.base_url).to_owned();
    let token = path.split("token=").nth(1).unwrap();
    let res = sbor_tests::submit_with(
        &admin_browser,
        &app.base_url,
        &path,
        "login_with_link",
        &[("token", token)],
    )
    .await;
    assert_eq!(location(&res), "/");
    let (status, page) = sbor_tests::get_with(&admin_browser, &app.url("/admin")).await;
    assert_eq!(status, 200);
    assert!(page.contains("kim@example.org"), "admin sees accounts");
    let (status, page) = sbor_tests::get_with(&admin_browser, &app.url("/admin/outbox")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Confirm your email for Sbor"),
        "admin sees the outbox"
    );
}
