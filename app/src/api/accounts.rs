//! Account server functions: sign-up, login, mailed links, profile, admin overview.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr;
#[cfg(feature = "ssr")]
use sbor_domain::rate_limit::Action;

#[cfg(feature = "ssr")]
use super::done;

/// A `next` parameter is followed only to a path on this site: one slash, then no second
/// slash or backslash, and no whitespace or control characters (browsers drop those, so
/// `/\t/evil.example` would become `//evil.example`).
#[cfg(feature = "ssr")]
pub(crate) fn safe_next(next: Option<String>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '\\') =>
        {
            n
        }
        _ => "/".into(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/profile?x=1".into())), "/profile?x=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n",
            "https://evil.example",
            "evil",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad.into())), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

#[server(endpoint = "signup")]
pub async fn signup(email: String, password: String, display_name: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let info = ssr::request_info()?;
    ssr::rate_limit(&ctx, Action::SignUp, Some(&email)).await?;
    sbor_domain::accounts::sign_up(
        &ctx.db,
        &ctx.site,
        sbor_domain::accounts::SignupInput {
            email: &email,
            password: &password,
            display_name: &display_name,
            lang: info.lang.into(),
        },
    )
    .await?;
    ctx.mail_queued.notify_one();
    done(&ctx, None, "/check-email");
    Ok(())
}

/// The button on the page the confirmation mail links to. A POST, so that mail scanners which
/// open every link cannot confirm an address on its owner's behalf.
#[server(endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    ssr::rate_limit(&ctx, Action::UseLink, None).await?;
    let user = sbor_domain::accounts::confirm_email(&ctx.db, &token).await?;
    tracing::info!(user_id = user.id, "email confirmed");
    done(&ctx, Some("email_confirmed"), "/login");
    Ok(())
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    ssr::rate_limit(&ctx, Action::Login, Some(&email)).await?;
    let result = sbor_domain::accounts::log_in(&ctx.db, &ctx.site, &email, &password).await;
    if matches!(
        result,
        Err(sbor_domain::DomainError::Refused("email_unconfirmed"))
    ) {
        ctx.mail_queued.notify_one();
    }
    let user = result?;
    ssr::start_session(&ctx, user.id).await?;
    tracing::info!(user_id = user.id, "logged in with password");
    done(&ctx, Some("logged_in"), &safe_next(next));
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    if let Some(token) = ssr::request_info()?.session_token {
        sbor_domain::sessions::delete(&ctx.db, &token).await?;
    }
    ssr::set_cookie(ssr::cookie(ssr::SESSION_COOKIE, "", Some(0), ctx.secure_cookies));
    done(&ctx, Some("logged_out"), "/");
    Ok(())
}

#[server(endpoint = "request_login_link")]
pub async fn request_login_link(email: String) -> Result<(), AppError> {
    mail_link(&email, sbor_domain::accounts::TokenPurpose::MagicLink).await
}

#[server(endpoint = "login_with_link")]
pub async fn login_with_link(token: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    ssr::rate_limit(&ctx, Action::UseLink, None).await?;
    let user = sbor_domain::accounts::log_in_with_link(&ctx.db, &token).await?;
    ssr::start_session(&ctx, user.id).await?;
    tracing::info!(user_id = user.id, "logged in with a mailed link");
    done(&ctx, Some("logged_in"), "/");
    Ok(())
}

#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    mail_link(&email, sbor_domain::accounts::TokenPurpose::ResetPassword).await
}

/// Mails a login or reset link (rate limited; the same answer whether or not the address has
/// an account) and sends the browser to "check your email".
#[cfg(feature = "ssr")]
async fn mail_link(email: &str, purpose: sbor_domain::accounts::TokenPurpose) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    ssr::rate_limit(&ctx, Action::MailedLink, Some(email)).await?;
    sbor_domain::accounts::request_link(&ctx.db, &ctx.site, email, purpose).await?;
    ctx.mail_queued.notify_one();
    done(&ctx, None, "/check-email");
    Ok(())
}

#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    ssr::rate_limit(&ctx, Action::UseLink, None).await?;
    let user = sbor_domain::accounts::reset_password(&ctx.db, &token, &password).await?;
    ssr::start_session(&ctx, user.id).await?;
    tracing::info!(user_id = user.id, "password reset by mailed link");
    done(&ctx, Some("password_reset"), "/");
    Ok(())
}

#[server(endpoint = "update_profile")]
pub async fn update_profile(
    display_name: String,
    bio: String,
    lang: String,
    time_zone: String,
) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    let input = sbor_domain::accounts::ProfileInput {
        display_name: &display_name,
        bio: &bio,
        lang: &lang,
        time_zone: &time_zone,
    };
    sbor_domain::accounts::update_profile(&ctx.db, user.id, input).await?;
    done(&ctx, Some("profile_saved"), "/profile");
    Ok(())
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let user = ssr::require_user()?;
    ssr::rate_limit(&ctx, Action::Login, Some(&user.email)).await?;
    sbor_domain::accounts::change_password(&ctx.db, user.id, &current_password, &new_password).await?;
    ssr::start_session(&ctx, user.id).await?;
    done(&ctx, Some("password_changed"), "/profile");
    Ok(())
}

/// The language switcher for visitors: a cookie, and the profile setting when logged in.
#[server(endpoint = "set_language")]
pub async fn set_language(lang: String, back: Option<String>) -> Result<(), AppError> {
    let ctx = ssr::ctx()?;
    let parsed = sbor_domain::Lang::parse(&lang).ok_or(AppError::Field {
        field: "lang".into(),
        code: "unknown_language".into(),
    })?;
    ssr::set_cookie(ssr::cookie(
        ssr::LANG_COOKIE,
        parsed.code(),
        Some(365 * 24 * 3600),
        ctx.secure_cookies,
    ));
    if let Some(user) = ssr::request_info()?.user {
        sbor_domain::accounts::set_lang(&ctx.db, user.id, parsed).await?;
    }
    done(&ctx, None, &safe_next(back));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub lang: String,
    pub time_zone: String,
}

#[server(endpoint = "my_profile")]
pub async fn my_profile() -> Result<Profile, AppError> {
    let ctx = ssr::ctx()?;
    let user = sbor_domain::accounts::get(&ctx.db, ssr::require_user()?.id).await?;
    Ok(Profile {
        email: user.email,
        display_name: user.display_name,
        bio: user.bio,
        lang: user.lang.code().into(),
        time_zone: user.time_zone,
    })
}

/// Whether a mailed token still works, so the page can say so before asking for input.
#[server(endpoint = "check_link")]
pub async fn check_link(token: String, purpose: String) -> Result<bool, AppError> {
    use sbor_domain::accounts::TokenPurpose;
    let ctx = ssr::ctx()?;
    let purpose = match purpose.as_str() {
        "confirm" => TokenPurpose::ConfirmEmail,
        "reset" => TokenPurpose::ResetPassword,
        "magic" => TokenPurpose::MagicLink,
        _ => return Err(AppError::NotFound),
    };
    Ok(sbor_domain::accounts::token_is_valid(&ctx.db, &token, purpose).await?)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub email_confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminSummary {
    pub user_count: i64,
    pub pending_mail: i64,
    pub newest: Vec<AdminUser>,
}

#[server(endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<AdminSummary, AppError> {
    let ctx = ssr::ctx()?;
    ssr::require_admin()?;
    let newest = sbor_domain::accounts::list(&ctx.db, 50)
        .await?
        .into_iter()
        .map(|u| AdminUser {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            email_confirmed: u.email_confirmed,
        })
        .collect();
    Ok(AdminSummary {
        user_count: sbor_domain::accounts::count(&ctx.db).await?,
        pending_mail: sbor_domain::outbox::pending_count(&ctx.db).await?,
        newest,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub body_text: String,
}

/// A bundle of mails an RSVP batch queued that the mail worker has not moved into the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleEntry {
    pub id: i64,
    pub size: i64,
    pub created_at: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

#[server(endpoint = "admin_mail_bundles")]
pub async fn admin_mail_bundles() -> Result<Vec<BundleEntry>, AppError> {
    let ctx = ssr::ctx()?;
    ssr::require_admin()?;
    let rows = sbor_domain::outbox::list_bundles(&ctx.db, 50).await?;
    Ok(rows
        .into_iter()
        .map(|b| BundleEntry {
            id: b.id,
            size: b.size,
            created_at: sbor_domain::clock::rfc3339(b.created_at),
            attempts: b.attempts,
            last_error: b.last_error,
        })
        .collect())
}

#[server(endpoint = "admin_outbox")]
pub async fn admin_outbox() -> Result<Vec<OutboxEntry>, AppError> {
    let ctx = ssr::ctx()?;
    ssr::require_admin()?;
    let rows = sbor_domain::outbox::list_recent(&ctx.db, 200).await?;
    Ok(rows
        .into_iter()
        .map(|m| OutboxEntry {
            id: m.id,
            // A mail rendered only when sent has no subject before that: say what kind it is.
            subject: if m.subject.is_empty() {
                format!("[{}]", m.kind)
            } else {
                m.subject
            },
            kind: m.kind,
            recipient: m.recipient,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: sbor_domain::clock::rfc3339(m.created_at),
            // Queued mails still carry live link secrets; an admin needs to see that a mail
            // exists, not be able to use someone's reset link.
            body_text: sbor_domain::outbox::redact_secrets(&m.body_text),
        })
        .collect())
}
