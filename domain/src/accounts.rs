//! Accounts: sign-up with email confirmation, password login, password reset, one-time
//! login links, profiles and the site-admin role.
//!
//! None of the forms that take an email address (sign-up, login, reset, login link) reveal
//! whether an account exists: they answer the same and, where something must be said, say it
//! by mail to the address's owner.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{self, DAY, HOUR, MINUTE};
use crate::email::Email;
use crate::error::{DomainError, Result};
use crate::lang::Lang;
use crate::mail_templates::{self, Template};
use crate::outbox::{self, NewMail};
use crate::password::{self, Password};
use crate::{Db, tokens};

/// The public site, for links in mails.
#[derive(Clone, Debug)]
pub struct Site {
    /// Absolute, without a trailing slash, e.g. `https://sbor.example.org`.
    pub base_url: String,
}

impl Site {
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    /// The host name, used to build Message-IDs.
    pub fn host(&self) -> String {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub lang: Lang,
    pub time_zone: String,
    pub is_admin: bool,
    pub email_confirmed: bool,
}

/// The columns [`User::from_row`] reads, for queries that alias `users` as `u`.
pub(crate) const USER_COLUMNS_U: &str =
    "u.id, u.email, u.display_name, u.bio, u.lang, u.time_zone, u.is_admin, u.email_confirmed_at";

impl User {
    pub(crate) fn from_row(row: &AnyRow) -> Result<User> {
        Ok(User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            bio: row.try_get("bio")?,
            lang: Lang::parse(&row.try_get::<String, _>("lang")?).unwrap_or_default(),
            time_zone: row.try_get("time_zone")?,
            is_admin: row.try_get::<i64, _>("is_admin")? != 0,
            email_confirmed: row.try_get::<Option<i64>, _>("email_confirmed_at")?.is_some(),
        })
    }
}

/// What a one-time token in a mailed link is for, with how long it lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    ConfirmEmail,
    ResetPassword,
    MagicLink,
}

impl TokenPurpose {
    fn code(self) -> &'static str {
        match self {
            TokenPurpose::ConfirmEmail => "confirm",
            TokenPurpose::ResetPassword => "reset",
            TokenPurpose::MagicLink => "magic",
        }
    }

    /// Where the mailed link for a token of this purpose lands.
    fn path(self, token: &str) -> String {
        match self {
            TokenPurpose::ConfirmEmail => format!("/auth/confirm?token={token}"),
            TokenPurpose::ResetPassword => format!("/password/reset?token={token}"),
            TokenPurpose::MagicLink => format!("/login/link?token={token}"),
        }
    }

    fn lifetime(self) -> i64 {
        match self {
            TokenPurpose::ConfirmEmail => 3 * DAY,
            TokenPurpose::ResetPassword => HOUR,
            TokenPurpose::MagicLink => 15 * MINUTE,
        }
    }
}

pub const MAX_NAME: usize = 80;
pub const MAX_BIO: usize = 2000;

fn parse_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("display_name", "required"));
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(DomainError::invalid("display_name", "too_long"));
    }
    Ok(name.to_owned())
}

pub struct SignupInput<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
    pub lang: Lang,
}

/// Creates an unconfirmed account and mails the confirmation link.
///
/// If the address already has an account, nothing is created and the owner is told by mail
/// instead (at most once an hour); the caller sees the same `Ok(())` either way.
pub async fn sign_up(db: &Db, site: &Site, input: SignupInput<'_>) -> Result<()> {
    let email = Email::parse(input.email)?;
    let name = parse_name(input.display_name)?;
    let password = Password::parse(input.password, "password")?;
    let hash = password::hash(&password).await?;
    let mut tx = db.write().begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (email, password_hash, display_name, lang, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email.as_str())
    .bind(hash)
    .bind(&name)
    .bind(input.lang.code())
    .bind(clock::now())
    .fetch_optional(&mut *tx)
    .await?;
    match inserted {
        Some(row) => {
            let user = User::from_row(&user_row(&mut tx, row.try_get("id")?).await?)?;
            queue_token_mail(&mut tx, site, &user, TokenPurpose::ConfirmEmail, None).await?;
        }
        None => {
            let row = sqlx::query(&format!(
                "SELECT {USER_COLUMNS_U} FROM users u WHERE u.email = $1"
            ))
            .bind(email.as_str())
            .fetch_one(&mut *tx)
            .await?;
            let user = User::from_row(&row)?;
            let key = format!("account-exists:{}:{}", user.id, clock::now() / HOUR);
            let mail = mail_templates::render(
                user.lang,
                &Template::AccountExists {
                    name: &user.display_name,
                    login_url: &site.link("/login"),
                    reset_url: &site.link("/password/forgot"),
                },
            );
            outbox::enqueue_in(
                &mut tx,
                site,
                NewMail::new(key, "account_exists", &user.email, mail),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn user_row(conn: &mut AnyConnection, id: i64) -> Result<AnyRow> {
    Ok(
        sqlx::query(&format!("SELECT {USER_COLUMNS_U} FROM users u WHERE u.id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// Stores a new one-time token for `user_id` and returns the secret to put in a link.
async fn issue_token(
    conn: &mut AnyConnection,
    user_id: i64,
    purpose: TokenPurpose,
    lifetime: i64,
) -> Result<String> {
    let token = tokens::generate();
    let now = clock::now();
    sqlx::query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tokens::hash(&token))
    .bind(user_id)
    .bind(purpose.code())
    .bind(now)
    .bind(now + lifetime)
    .execute(conn)
    .await?;
    Ok(token)
}

/// Issues a token for `user` and queues the mail that carries it. With `once_key`, a mail with
/// that key already queued means nothing is issued or sent (throttles resends).
async fn queue_token_mail(
    conn: &mut AnyConnection,
    site: &Site,
    user: &User,
    purpose: TokenPurpose,
    once_key: Option<String>,
) -> Result<()> {
    if let Some(key) = &once_key
        && outbox::key_exists(&mut *conn, key).await?
    {
        return Ok(());
    }
    let token = issue_token(&mut *conn, user.id, purpose, purpose.lifetime()).await?;
    let name = &user.display_name;
    let template = match purpose {
        TokenPurpose::ConfirmEmail => Template::ConfirmEmail {
            name,
            url: &site.link(&purpose.path(&token)),
        },
        TokenPurpose::ResetPassword => Template::ResetPassword {
            name,
            url: &site.link(&purpose.path(&token)),
        },
        TokenPurpose::MagicLink => Template::MagicLink {
            name,
            url: &site.link(&purpose.path(&token)),
        },
    };
    let mail = mail_templates::render(user.lang, &template);
    // The token is unique, so its hash is a natural idempotency key for this one mail.
    let key = once_key.unwrap_or_else(|| format!("{}:{}", purpose.code(), tokens::hash(&token)));
    outbox::enqueue_in(conn, site, NewMail::new(key, purpose.code(), &user.email, mail)).await
}

/// Marks a token used and confirms the address it was mailed to, in one transaction, and
/// returns its user. The UPDATE … RETURNING makes a token work once even when requests race.
///
/// Pre-hijacking defence: if the account was not confirmed before, whoever chose its password
/// never proved they own the address, so a login link or reset link (which do prove it) clears
/// that password and any sessions instead of handing the account to a squatter.
async fn consume_token(tx: &mut AnyConnection, token: &str, purpose: TokenPurpose) -> Result<i64> {
    let now = clock::now();
    let row = sqlx::query(
        "UPDATE user_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(tokens::hash(token))
    .bind(purpose.code())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DomainError::Refused("token_invalid"))?;
    let user_id: i64 = row.try_get("user_id")?;
    let newly_confirmed =
        sqlx::query("UPDATE users SET email_confirmed_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
    if newly_confirmed && purpose != TokenPurpose::ConfirmEmail {
        replace_password(tx, user_id, None).await?;
    }
    if newly_confirmed {
        crate::communities::accept_invitations_in(tx, user_id).await?;
    }
    Ok(user_id)
}

/// Uses up a mailed token in its own transaction.
async fn consume(db: &Db, token: &str, purpose: TokenPurpose) -> Result<User> {
    let mut tx = db.write().begin().await?;
    let user_id = consume_token(&mut tx, token, purpose).await?;
    tx.commit().await?;
    get(db, user_id).await
}

/// Whether a mailed token can still be used (to show a form or a clear error before asking
/// for input).
pub async fn token_is_valid(db: &Db, token: &str, purpose: TokenPurpose) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS ok FROM user_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(tokens::hash(token))
    .bind(purpose.code())
    .bind(clock::now())
    .fetch_optional(db.read())
    .await?;
    Ok(row.is_some())
}

pub async fn confirm_email(db: &Db, token: &str) -> Result<User> {
    consume(db, token, TokenPurpose::ConfirmEmail).await
}

/// Checks a password login. Unknown address and wrong password are the same error and take
/// the same time. An unconfirmed account with the right password gets a new confirmation mail
/// (at most one an hour).
pub async fn log_in(db: &Db, site: &Site, email: &str, password: &str) -> Result<User> {
    let refused = DomainError::Refused("invalid_credentials");
    let Ok(email) = Email::parse(email) else {
        password::verify(password, None).await;
        return Err(refused);
    };
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db.read())
        .await?;
    let (id, stored) = match row {
        Some(r) => (
            Some(r.try_get::<i64, _>("id")?),
            r.try_get::<Option<String>, _>("password_hash")?,
        ),
        None => (None, None),
    };
    if !password::verify(password, stored).await {
        return Err(refused);
    }
    let user = get(db, id.ok_or(DomainError::NotFound)?).await?;
    if !user.email_confirmed {
        let key = format!("confirm-resend:{}:{}", user.id, clock::now() / HOUR);
        let mut conn = db.write().acquire().await?;
        queue_token_mail(&mut conn, site, &user, TokenPurpose::ConfirmEmail, Some(key)).await?;
        return Err(DomainError::Refused("email_unconfirmed"));
    }
    Ok(user)
}

/// Mails a reset link or a login link if the address has an account; silent otherwise.
pub async fn request_link(db: &Db, site: &Site, email: &str, purpose: TokenPurpose) -> Result<()> {
    let email = Email::parse(email)?;
    if let Some(user) = find_by_email(db, &email).await? {
        let mut tx = db.write().begin().await?;
        queue_token_mail(&mut tx, site, &user, purpose, None).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Sets a new password from a reset link. In one transaction: the token is used up, the
/// password replaced, every session ended and every other unused link of the account revoked.
pub async fn reset_password(db: &Db, token: &str, new_password: &str) -> Result<User> {
    let password = Password::parse(new_password, "password")?;
    // Checked before the (deliberately slow) hashing, so bogus tokens cost nothing.
    if !token_is_valid(db, token, TokenPurpose::ResetPassword).await? {
        return Err(DomainError::Refused("token_invalid"));
    }
    let hash = password::hash(&password).await?;
    let mut tx = db.write().begin().await?;
    let user_id = consume_token(&mut tx, token, TokenPurpose::ResetPassword).await?;
    replace_password(&mut tx, user_id, Some(&hash)).await?;
    tx.commit().await?;
    get(db, user_id).await
}

pub async fn log_in_with_link(db: &Db, token: &str) -> Result<User> {
    consume(db, token, TokenPurpose::MagicLink).await
}

/// Changes the password of a logged-in user after checking the current one, ends every session
/// and revokes unused links (the caller starts a fresh session for the current browser).
pub async fn change_password(db: &Db, user_id: i64, current: &str, new: &str) -> Result<()> {
    let new = Password::parse(new, "new_password")?;
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db.read())
        .await?;
    let stored: Option<String> = row.try_get("password_hash")?;
    // An account created by the CLI or used only with login links has no password yet.
    if stored.is_some() && !password::verify(current, stored).await {
        return Err(DomainError::invalid("current_password", "wrong_password"));
    }
    let hash = password::hash(&new).await?;
    let mut tx = db.write().begin().await?;
    replace_password(&mut tx, user_id, Some(&hash)).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets (or, with `None`, removes) the password hash, ends every session and revokes every
/// unused mailed link: what must happen together whenever the password changes hands.
async fn replace_password(tx: &mut AnyConnection, user_id: i64, hash: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM user_tokens WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Sets only the interface language (the language switcher), leaving the rest of the profile.
pub async fn set_lang(db: &Db, user_id: i64, lang: Lang) -> Result<()> {
    sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
        .bind(lang.code())
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(())
}

pub struct ProfileInput<'a> {
    pub display_name: &'a str,
    pub bio: &'a str,
    pub lang: &'a str,
    pub time_zone: &'a str,
}

pub async fn update_profile(db: &Db, user_id: i64, input: ProfileInput<'_>) -> Result<User> {
    let name = parse_name(input.display_name)?;
    let bio = input.bio.trim();
    if bio.chars().count() > MAX_BIO {
        return Err(DomainError::invalid("bio", "too_long"));
    }
    let lang = Lang::parse(input.lang).ok_or(DomainError::invalid("lang", "unknown_language"))?;
    let tz = input.time_zone.trim();
    if tz.parse::<chrono_tz::Tz>().is_err() {
        return Err(DomainError::invalid("time_zone", "unknown_time_zone"));
    }
    sqlx::query("UPDATE users SET display_name = $1, bio = $2, lang = $3, time_zone = $4 WHERE id = $5")
        .bind(name)
        .bind(bio)
        .bind(lang.code())
        .bind(tz)
        .bind(user_id)
        .execute(db.write())
        .await?;
    get(db, user_id).await
}

pub async fn get(db: &Db, id: i64) -> Result<User> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS_U} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db.read())
        .await?
        .ok_or(DomainError::NotFound)?;
    User::from_row(&row)
}

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS_U} FROM users u WHERE u.email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(db.read())
    .await?;
    row.map(|r| User::from_row(&r)).transpose()
}

/// The newest accounts first, for the admin page.
pub async fn list(db: &Db, limit: i64) -> Result<Vec<User>> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS_U} FROM users u ORDER BY u.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(User::from_row).collect()
}

pub async fn count(db: &Db) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.read())
        .await?;
    Ok(row.try_get("n")?)
}

/// Makes `email` a site admin, creating a confirmed account without a password if needed.
/// Returns the user and a one-time login link valid for a day, so that no password ever
/// passes through a command line. An existing unconfirmed account loses its password: whoever
/// set it never proved they own the address.
pub async fn create_admin(db: &Db, site: &Site, email: &str, name: Option<&str>) -> Result<(User, String)> {
    let email = Email::parse(email)?;
    let default_name = email.as_str().split('@').next().unwrap_or("admin").to_owned();
    let name = parse_name(name.unwrap_or(&default_name))?;
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let row = sqlx::query(
        "INSERT INTO users (email, display_name, is_admin, email_confirmed_at, created_at) \
         VALUES ($1, $2, 1, $3, $3) ON CONFLICT (email) DO UPDATE SET is_admin = 1, \
           password_hash = CASE WHEN users.email_confirmed_at IS NULL THEN NULL ELSE users.password_hash END, \
           email_confirmed_at = COALESCE(users.email_confirmed_at, $3) \
         RETURNING id",
    )
    .bind(email.as_str())
    .bind(name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let user_id: i64 = row.try_get("id")?;
    crate::communities::accept_invitations_in(&mut tx, user_id).await?;
    let token = issue_token(&mut tx, user_id, TokenPurpose::MagicLink, DAY).await?;
    tx.commit().await?;
    Ok((
        get(db, user_id).await?,
        site.link(&TokenPurpose::MagicLink.path(&token)),
    ))
}
