//! The account mails, in English and Russian, as plain text plus HTML.

use crate::lang::Lang;
use crate::outbox::Rendered;

pub enum Template<'a> {
    ConfirmEmail {
        name: &'a str,
        url: &'a str,
    },
    ResetPassword {
        name: &'a str,
        url: &'a str,
    },
    MagicLink {
        name: &'a str,
        url: &'a str,
    },
    AccountExists {
        name: &'a str,
        login_url: &'a str,
        reset_url: &'a str,
    },
}

/// A mail's words: a subject, a greeting, paragraphs, and one button.
struct Parts {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    button: Option<(String, String)>,
    footer: &'static str,
}

pub fn render(lang: Lang, template: &Template<'_>) -> Rendered {
    let parts = words(lang, template);
    let mut text = format!("{}\n\n", parts.greeting);
    for p in &parts.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = &parts.button {
        text.push_str(&format!("{label}: {url}\n\n"));
    }
    text.push_str("-- \n");
    text.push_str(parts.footer);
    text.push('\n');

    let mut html = String::from(
        "<!doctype html><html><body style=\"margin:0;background:#f4f4f7;font-family:-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d27\">\
         <div style=\"max-width:560px;margin:24px auto;background:#fff;border-radius:8px;padding:28px\">\
         <p style=\"font-weight:700;color:#c2410c;margin-top:0\">Sbor</p>",
    );
    html.push_str(&format!("<p>{}</p>", escape(&parts.greeting)));
    for p in &parts.paragraphs {
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = &parts.button {
        html.push_str(&format!(
            "<p><a href=\"{u}\" style=\"display:inline-block;background:#c2410c;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none\">{l}</a></p>\
             <p style=\"font-size:12px;color:#666\">{u}</p>",
            u = escape(url),
            l = escape(label)
        ));
    }
    html.push_str(&format!(
        "<hr style=\"border:0;border-top:1px solid #eee\"><p style=\"font-size:12px;color:#666\">{}</p></div></body></html>",
        escape(parts.footer)
    ));
    Rendered {
        subject: parts.subject,
        text,
        html,
    }
}

fn words(lang: Lang, template: &Template<'_>) -> Parts {
    let footer = match lang {
        Lang::En => {
            "You get this mail because this address was entered on Sbor. If it was not you, ignore it."
        }
        Lang::Ru => {
            "Вы получили это письмо, потому что этот адрес указали на Sbor. Если это были не вы, просто проигнорируйте его."
        }
    };
    let greet = |name: &str| match lang {
        Lang::En => format!("Hello, {name}!"),
        Lang::Ru => format!("Здравствуйте, {name}!"),
    };
    let (subject, greeting, paragraphs, button) = match (lang, template) {
        (Lang::En, Template::ConfirmEmail { name, url }) => (
            "Confirm your email for Sbor",
            greet(name),
            vec!["Please confirm your email address to finish signing up. The link works for 3 days."],
            Some(("Confirm email", *url)),
        ),
        (Lang::Ru, Template::ConfirmEmail { name, url }) => (
            "Подтвердите адрес почты для Sbor",
            greet(name),
            vec!["Подтвердите адрес почты, чтобы закончить регистрацию. Ссылка действует 3 дня."],
            Some(("Подтвердить адрес", *url)),
        ),
        (Lang::En, Template::ResetPassword { name, url }) => (
            "Reset your Sbor password",
            greet(name),
            vec![
                "Someone asked to reset the password of your account. The link works for one hour; if you did not ask, your password stays as it is.",
            ],
            Some(("Choose a new password", *url)),
        ),
        (Lang::Ru, Template::ResetPassword { name, url }) => (
            "Сброс пароля Sbor",
            greet(name),
            vec![
                "Кто-то запросил сброс пароля вашей учётной записи. Ссылка действует один час; если это были не вы, пароль не изменится.",
            ],
            Some(("Выбрать новый пароль", *url)),
        ),
        (Lang::En, Template::MagicLink { name, url }) => (
            "Your Sbor login link",
            greet(name),
            vec!["Use this link to log in. It works once, for 15 minutes."],
            Some(("Log in", *url)),
        ),
        (Lang::Ru, Template::MagicLink { name, url }) => (
            "Ссылка для входа в Sbor",
            greet(name),
            vec!["Войдите по этой ссылке. Она работает один раз в течение 15 минут."],
            Some(("Войти", *url)),
        ),
        (
            Lang::En,
            Template::AccountExists {
                name,
                login_url,
                reset_url,
            },
        ) => {
            return Parts {
                subject: "You already have a Sbor account".into(),
                greeting: greet(name),
                paragraphs: vec![
                    "Someone tried to sign up with this address, but it already has an account.".into(),
                    format!("Log in: {login_url}"),
                    format!("Forgot your password? {reset_url}"),
                ],
                button: None,
                footer,
            };
        }
        (
            Lang::Ru,
            Template::AccountExists {
                name,
                login_url,
                reset_url,
            },
        ) => {
            return Parts {
                subject: "У вас уже есть учётная запись Sbor".into(),
                greeting: greet(name),
                paragraphs: vec![
                    "Кто-то пытался зарегистрироваться с этим адресом, но учётная запись с ним уже есть."
                        .into(),
                    format!("Войти: {login_url}"),
                    format!("Забыли пароль? {reset_url}"),
                ],
                button: None,
                footer,
            };
        }
    };
    Parts {
        subject: subject.into(),
        greeting,
        paragraphs: paragraphs.into_iter().map(String::from).collect(),
        button: button.map(|(l, u)| (l.to_owned(), u.to_owned())),
        footer,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_carry_the_link_and_escape_names() {
        for lang in Lang::ALL {
            let m = render(
                lang,
                &Template::ConfirmEmail {
                    name: "<Ann>",
                    url: "https://x/a?token=t&b=1",
                },
            );
            assert!(m.text.contains("https://x/a?token=t&b=1"));
            assert!(m.html.contains("https://x/a?token=t&amp;b=1"));
            assert!(m.html.contains("&lt;Ann&gt;"));
            assert!(!m.html.contains("<Ann>"));
        }
        assert!(
            render(Lang::Ru, &Template::MagicLink { name: "A", url: "u" })
                .subject
                .contains("Ссылка")
        );
    }
}
