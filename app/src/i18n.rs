//! Interface texts in English and Russian.
//!
//! One struct with a field per text, filled once per language: a text missing in either
//! language is a compile error, not a blank on the page.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Ru => &RU,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sbor_domain::Lang> for Lang {
    fn from(l: sbor_domain::Lang) -> Self {
        match l {
            sbor_domain::Lang::En => Lang::En,
            sbor_domain::Lang::Ru => Lang::Ru,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<Lang> for sbor_domain::Lang {
    fn from(l: Lang) -> Self {
        match l {
            Lang::En => sbor_domain::Lang::En,
            Lang::Ru => sbor_domain::Lang::Ru,
        }
    }
}

pub struct Texts {
    pub tagline: &'static str,
    pub home_intro: &'static str,
    pub home_hello: &'static str,
    pub nav_home: &'static str,
    pub nav_login: &'static str,
    pub nav_signup: &'static str,
    pub nav_logout: &'static str,
    pub nav_profile: &'static str,
    pub nav_admin: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub new_password: &'static str,
    pub current_password: &'static str,
    pub display_name: &'static str,
    pub bio: &'static str,
    pub language: &'static str,
    pub time_zone: &'static str,
    pub signup_title: &'static str,
    pub signup_button: &'static str,
    pub login_title: &'static str,
    pub login_button: &'static str,
    pub login_with_link: &'static str,
    pub forgot_password: &'static str,
    pub no_account: &'static str,
    pub magic_title: &'static str,
    pub magic_intro: &'static str,
    pub magic_button: &'static str,
    pub magic_landing_title: &'static str,
    pub magic_landing_intro: &'static str,
    pub magic_landing_button: &'static str,
    pub confirm_title: &'static str,
    pub confirm_intro: &'static str,
    pub confirm_button: &'static str,
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub forgot_button: &'static str,
    pub reset_title: &'static str,
    pub reset_button: &'static str,
    pub check_email_title: &'static str,
    pub check_email_body: &'static str,
    pub profile_title: &'static str,
    pub profile_save: &'static str,
    pub password_title: &'static str,
    pub password_change: &'static str,
    pub password_change_note: &'static str,
    pub admin_title: &'static str,
    pub admin_users: &'static str,
    pub admin_outbox: &'static str,
    pub outbox_title: &'static str,
    pub outbox_empty: &'static str,
    pub col_to: &'static str,
    pub col_subject: &'static str,
    pub col_status: &'static str,
    pub col_attempts: &'static str,
    pub col_created: &'static str,
    pub col_error: &'static str,
    pub col_name: &'static str,
    pub col_role: &'static str,
    pub role_admin: &'static str,
    pub role_member: &'static str,
    pub unconfirmed: &'static str,
    pub back: &'static str,
    pub loading: &'static str,
    pub saving: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub forbidden_body: &'static str,
    pub login_required: &'static str,
    pub flash_email_confirmed: &'static str,
    pub flash_link_invalid: &'static str,
    pub flash_logged_in: &'static str,
    pub flash_logged_out: &'static str,
    pub flash_profile_saved: &'static str,
    pub flash_password_changed: &'static str,
    pub flash_password_reset: &'static str,
    pub footer: &'static str,
    pub password_hint: &'static str,
}

pub static EN: Texts = Texts {
    tagline: "Where the community gathers",
    home_intro: "Sbor runs a tech community's life: meetups with RSVPs and reminders, calls for papers, reviews, conference schedules and announcements, on one small server you own.",
    home_hello: "Welcome back",
    nav_home: "Home",
    nav_login: "Log in",
    nav_signup: "Sign up",
    nav_logout: "Log out",
    nav_profile: "Profile",
    nav_admin: "Admin",
    email: "Email",
    password: "Password",
    new_password: "New password",
    current_password: "Current password",
    display_name: "Display name",
    bio: "About you",
    language: "Language",
    time_zone: "Time zone",
    signup_title: "Create your account",
    signup_button: "Sign up",
    login_title: "Log in",
    login_button: "Log in",
    login_with_link: "Email me a login link instead",
    forgot_password: "Forgot your password?",
    no_account: "No account yet? Sign up",
    magic_title: "Log in with a link",
    magic_intro: "We will email you a link that logs you in. It works once, for 15 minutes.",
    magic_button: "Send me a link",
    magic_landing_title: "Log in",
    magic_landing_intro: "Press the button to finish logging in.",
    magic_landing_button: "Log me in",
    confirm_title: "Confirm your email",
    confirm_intro: "Press the button to confirm this address and finish signing up.",
    confirm_button: "Confirm my email",
    forgot_title: "Reset your password",
    forgot_intro: "Enter your email and we will send you a link to choose a new password.",
    forgot_button: "Send reset link",
    reset_title: "Choose a new password",
    reset_button: "Set password",
    check_email_title: "Check your email",
    check_email_body: "If the address can be used, a mail with a link is on its way. It may take a minute; look in the spam folder too.",
    profile_title: "Your profile",
    profile_save: "Save profile",
    password_title: "Password",
    password_change: "Change password",
    password_change_note: "Changing the password logs you out everywhere else.",
    admin_title: "Administration",
    admin_users: "Newest accounts",
    admin_outbox: "Mail outbox",
    outbox_title: "Mail outbox",
    outbox_empty: "No mail yet.",
    col_to: "To",
    col_subject: "Subject",
    col_status: "Status",
    col_attempts: "Attempts",
    col_created: "Created",
    col_error: "Last error",
    col_name: "Name",
    col_role: "Role",
    role_admin: "admin",
    role_member: "member",
    unconfirmed: "unconfirmed",
    back: "Back",
    loading: "Loading…",
    saving: "Saving…",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    forbidden_body: "You may not see this page.",
    login_required: "Please log in to see this page.",
    flash_email_confirmed: "Your email is confirmed. You can log in now.",
    flash_link_invalid: "This link is invalid, used or expired. Ask for a new one.",
    flash_logged_in: "You are logged in.",
    flash_logged_out: "You are logged out.",
    flash_profile_saved: "Profile saved.",
    flash_password_changed: "Password changed. Other sessions were logged out.",
    flash_password_reset: "Your password is set and you are logged in.",
    footer: "Sbor — a self-hosted home for tech communities",
    password_hint: "At least 8 characters.",
};

pub static RU: Texts = Texts {
    tagline: "Место, где собирается сообщество",
    home_intro: "Sbor ведёт жизнь технического сообщества: митапы с регистрацией и напоминаниями, приём докладов, рецензирование, расписание конференции и рассылки — на одном небольшом сервере, который принадлежит вам.",
    home_hello: "С возвращением",
    nav_home: "Главная",
    nav_login: "Войти",
    nav_signup: "Регистрация",
    nav_logout: "Выйти",
    nav_profile: "Профиль",
    nav_admin: "Админка",
    email: "Эл. почта",
    password: "Пароль",
    new_password: "Новый пароль",
    current_password: "Текущий пароль",
    display_name: "Имя",
    bio: "О себе",
    language: "Язык",
    time_zone: "Часовой пояс",
    signup_title: "Создайте учётную запись",
    signup_button: "Зарегистрироваться",
    login_title: "Вход",
    login_button: "Войти",
    login_with_link: "Прислать ссылку для входа на почту",
    forgot_password: "Забыли пароль?",
    no_account: "Ещё нет учётной записи? Зарегистрируйтесь",
    magic_title: "Вход по ссылке",
    magic_intro: "Мы пришлём ссылку для входа. Она работает один раз в течение 15 минут.",
    magic_button: "Прислать ссылку",
    magic_landing_title: "Вход",
    magic_landing_intro: "Нажмите кнопку, чтобы войти.",
    magic_landing_button: "Войти",
    confirm_title: "Подтверждение адреса",
    confirm_intro: "Нажмите кнопку, чтобы подтвердить адрес и закончить регистрацию.",
    confirm_button: "Подтвердить адрес",
    forgot_title: "Сброс пароля",
    forgot_intro: "Укажите адрес почты, и мы пришлём ссылку для выбора нового пароля.",
    forgot_button: "Прислать ссылку",
    reset_title: "Новый пароль",
    reset_button: "Сохранить пароль",
    check_email_title: "Проверьте почту",
    check_email_body: "Если адрес можно использовать, письмо со ссылкой уже в пути. Это может занять минуту; загляните и в папку «Спам».",
    profile_title: "Ваш профиль",
    profile_save: "Сохранить профиль",
    password_title: "Пароль",
    password_change: "Сменить пароль",
    password_change_note: "После смены пароля все остальные сеансы завершатся.",
    admin_title: "Администрирование",
    admin_users: "Новые учётные записи",
    admin_outbox: "Исходящая почта",
    outbox_title: "Исходящая почта",
    outbox_empty: "Писем пока нет.",
    col_to: "Кому",
    col_subject: "Тема",
    col_status: "Статус",
    col_attempts: "Попытки",
    col_created: "Создано",
    col_error: "Последняя ошибка",
    col_name: "Имя",
    col_role: "Роль",
    role_admin: "администратор",
    role_member: "участник",
    unconfirmed: "не подтверждён",
    back: "Назад",
    loading: "Загрузка…",
    saving: "Сохранение…",
    not_found_title: "Страница не найдена",
    not_found_body: "По этому адресу ничего нет.",
    forbidden_body: "У вас нет доступа к этой странице.",
    login_required: "Войдите, чтобы увидеть эту страницу.",
    flash_email_confirmed: "Адрес подтверждён. Теперь можно войти.",
    flash_link_invalid: "Ссылка недействительна, уже использована или устарела. Запросите новую.",
    flash_logged_in: "Вы вошли.",
    flash_logged_out: "Вы вышли.",
    flash_profile_saved: "Профиль сохранён.",
    flash_password_changed: "Пароль изменён. Остальные сеансы завершены.",
    flash_password_reset: "Пароль установлен, вы вошли.",
    footer: "Sbor — свой дом для технических сообществ",
    password_hint: "Не меньше 8 символов.",
};

/// The message for an error code from the server, in `lang`.
pub fn error_message(lang: Lang, code: &str) -> String {
    let (en, ru) = match code {
        "required" => ("This field is required.", "Заполните это поле."),
        "invalid_email" => (
            "Enter a valid email address, like name@example.org.",
            "Введите корректный адрес, например name@example.org.",
        ),
        "password_too_short" => (
            "The password must have at least 8 characters.",
            "Пароль должен быть не короче 8 символов.",
        ),
        "password_too_long" => (
            "The password may have at most 256 characters.",
            "Пароль должен быть не длиннее 256 символов.",
        ),
        "too_long" => ("This is too long.", "Слишком длинно."),
        "wrong_password" => (
            "The current password is not right.",
            "Текущий пароль указан неверно.",
        ),
        "unknown_language" => ("Choose English or Russian.", "Выберите английский или русский."),
        "unknown_time_zone" => (
            "Unknown time zone; use a name like Europe/Moscow.",
            "Неизвестный часовой пояс; укажите название вроде Europe/Moscow.",
        ),
        "invalid_credentials" => ("Wrong email or password.", "Неверный адрес или пароль."),
        "email_unconfirmed" => (
            "Please confirm your email first: we have sent you a new link.",
            "Сначала подтвердите адрес: мы отправили вам новую ссылку.",
        ),
        "token_invalid" => (
            "This link is invalid, used or expired. Ask for a new one.",
            "Ссылка недействительна, уже использована или устарела. Запросите новую.",
        ),
        "rate_limited" => (
            "Too many attempts. Please wait a few minutes and try again.",
            "Слишком много попыток. Подождите несколько минут и попробуйте снова.",
        ),
        "unauthorized" => ("Please log in first.", "Сначала войдите."),
        "forbidden" => ("You may not do this.", "У вас нет на это прав."),
        "not_found" => ("Not found.", "Не найдено."),
        _ => (
            "Something went wrong on our side. Please try again.",
            "Что-то пошло не так на нашей стороне. Попробуйте ещё раз.",
        ),
    };
    match lang {
        Lang::En => en.to_owned(),
        Lang::Ru => ru.to_owned(),
    }
}

/// The text for a flash code set by the server before a redirect.
pub fn flash_message(lang: Lang, code: &str) -> Option<&'static str> {
    let t = lang.texts();
    Some(match code {
        "email_confirmed" => t.flash_email_confirmed,
        "link_invalid" => t.flash_link_invalid,
        "logged_in" => t.flash_logged_in,
        "logged_out" => t.flash_logged_out,
        "profile_saved" => t.flash_profile_saved,
        "password_changed" => t.flash_password_changed,
        "password_reset" => t.flash_password_reset,
        _ => return None,
    })
}
