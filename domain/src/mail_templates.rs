//! Every mail Sbor sends, in English and Russian, as plain text plus HTML.

use crate::lang::Lang;
use crate::outbox::Rendered;

pub enum Template<'a> {
    RsvpOffered {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
        deadline: &'a str,
    },
    RsvpOfferExpired {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    Reminder {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
        hours: i64,
    },
    OrganizerAdded {
        name: &'a str,
        community: &'a str,
        url: &'a str,
    },
    /// An organizer invited an address that has no account yet; `url` leads to sign-up.
    OrganizerInvited {
        inviter: &'a str,
        community: &'a str,
        url: &'a str,
    },
    RsvpGoing {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    RsvpWaitlisted {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
        position: i64,
        party_too_big: bool,
    },
    RsvpPending {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    RsvpPromoted {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    RsvpApproved {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    RsvpApprovedWaitlisted {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    RsvpDeclined {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
    EventChanged {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        changes: &'a str,
        url: &'a str,
    },
    EventCancelled {
        name: &'a str,
        event: &'a str,
        when: &'a str,
        url: &'a str,
    },
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
    /// To every speaker of a talk that was just submitted. `place` is the event's title, or
    /// the community's name for a pool proposal.
    TalkSubmitted {
        name: &'a str,
        talk: &'a str,
        place: &'a str,
        url: &'a str,
    },
    /// To an invited co-speaker; `name` is theirs if they have an account, else the address.
    TalkInvitation {
        name: &'a str,
        inviter: &'a str,
        talk: &'a str,
        place: &'a str,
        url: &'a str,
    },
    /// A decision, in the organizers' words (or [`talk_decision_default`]) with the
    /// placeholders already filled in by [`fill_placeholders`].
    TalkDecision {
        name: &'a str,
        subject: &'a str,
        body: &'a str,
        url: &'a str,
        accepted: bool,
    },
    /// Accepted some days ago and not yet confirmed.
    TalkConfirmReminder {
        name: &'a str,
        talk: &'a str,
        place: &'a str,
        deadline: &'a str,
        url: &'a str,
    },
    /// The event is over and the talk has no slides link yet.
    TalkSlidesReminder {
        name: &'a str,
        talk: &'a str,
        place: &'a str,
        url: &'a str,
    },
    /// A new schedule version moved or cancelled talks the reader gives or starred: one line
    /// per talk, already in the reader's language.
    ScheduleChanged {
        name: &'a str,
        conference: &'a str,
        /// `true` for speakers (their own talks), `false` for members (their favourites).
        speaker: bool,
        lines: &'a [String],
        url: &'a str,
    },
}

/// The placeholders decision templates may use.
pub const TALK_PLACEHOLDERS: [&str; 4] = ["talk_title", "speaker_name", "confirm_url", "deadline"];

/// The built-in (subject, body) of a decision mail in `lang`, with placeholders; organizers
/// start from these when they write their own.
pub fn talk_decision_default(lang: Lang, accepted: bool) -> (&'static str, &'static str) {
    match (lang, accepted) {
        (Lang::En, true) => (
            "Accepted: {talk_title}",
            "Good news: your talk \"{talk_title}\" has been accepted.\n\n\
             Please confirm by {deadline} that you will give it: {confirm_url}\n\n\
             If you cannot make it after all, please withdraw it on the same page, so that we can offer the slot to someone else.\n\n\
             Thank you for proposing it!",
        ),
        (Lang::Ru, true) => (
            "Доклад принят: {talk_title}",
            "Хорошие новости: ваш доклад «{talk_title}» принят.\n\n\
             Пожалуйста, подтвердите участие до {deadline}: {confirm_url}\n\n\
             Если всё же не сможете выступить, откажитесь на той же странице, чтобы мы могли предложить слот другому докладчику.\n\n\
             Спасибо за заявку!",
        ),
        (Lang::En, false) => (
            "About your talk: {talk_title}",
            "Thank you for proposing \"{talk_title}\". We received many more proposals than we have slots, \
             and this time we could not include yours.\n\n\
             We hope you will propose again!",
        ),
        (Lang::Ru, false) => (
            "О вашем докладе: {talk_title}",
            "Спасибо за заявку «{talk_title}». Заявок было гораздо больше, чем мест в программе, \
             и в этот раз мы не смогли включить ваш доклад.\n\n\
             Будем рады вашим новым заявкам!",
        ),
    }
}

/// Replaces each `{name}` of `vars` in one pass: a value is never scanned again, so a talk
/// titled "{deadline}" stays as written. Unknown placeholders are left as they are.
pub fn fill_placeholders(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v, close))
        });
        match found {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}`s in `text` (lower-case letters and `_`) that are not [`TALK_PLACEHOLDERS`].
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !TALK_PLACEHOLDERS.contains(&name)
            {
                unknown.push(name.to_owned());
            }
        }
    }
    unknown
}

/// Talk mails: their words, or `None` for other templates.
fn talk_words(lang: Lang, template: &Template<'_>, greet: &dyn Fn(&str) -> String) -> Option<Parts> {
    use Template as T;
    let en = lang == Lang::En;
    let footer = if en {
        "You get this mail because of a talk proposal on Sbor."
    } else {
        "Вы получили это письмо из-за заявки на доклад на Sbor."
    };
    let open_label = if en {
        "Open the talk"
    } else {
        "Открыть доклад"
    };
    let (name, subject, paragraphs, button) = match template {
        T::TalkSubmitted {
            name,
            talk,
            place,
            url,
        } => (
            *name,
            if en {
                format!("Talk received: {talk}")
            } else {
                format!("Заявка получена: {talk}")
            },
            vec![if en {
                format!(
                    "Your talk \"{talk}\" for {place} is submitted. The organizers will review it; you can still edit it until the call for papers closes."
                )
            } else {
                format!(
                    "Ваш доклад «{talk}» для «{place}» отправлен. Организаторы рассмотрят его; править заявку можно до закрытия приёма докладов."
                )
            }],
            (open_label, *url),
        ),
        T::TalkInvitation {
            name,
            inviter,
            talk,
            place,
            url,
        } => (
            *name,
            if en {
                format!("{inviter} invites you to co-present \"{talk}\"")
            } else {
                format!("{inviter} приглашает вас в соавторы доклада «{talk}»")
            },
            vec![
                if en {
                    format!(
                        "{inviter} proposed the talk \"{talk}\" for {place} and would like you to give it together."
                    )
                } else {
                    format!(
                        "{inviter} предлагает доклад «{talk}» для «{place}» и хочет выступить вместе с вами."
                    )
                },
                {
                    let days = crate::talks::INVITATION_LIFETIME / crate::clock::DAY;
                    if en {
                        format!(
                            "Open the link while logged in with this email address to accept. It works for {days} {}.",
                            if days == 1 { "day" } else { "days" }
                        )
                    } else {
                        format!(
                            "Чтобы согласиться, откройте ссылку, войдя в учётную запись с этим адресом. Ссылка действует {days} {}.",
                            days_ru(days)
                        )
                    }
                },
            ],
            (
                if en {
                    "Accept the invitation"
                } else {
                    "Принять приглашение"
                },
                *url,
            ),
        ),
        T::TalkDecision {
            name,
            subject,
            body,
            url,
            accepted,
        } => (
            *name,
            (*subject).to_owned(),
            body.split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            (
                match (en, accepted) {
                    (true, true) => "Confirm your talk",
                    (false, true) => "Подтвердить участие",
                    (true, false) => "Your talks",
                    (false, false) => "Мои доклады",
                },
                *url,
            ),
        ),
        T::TalkConfirmReminder {
            name,
            talk,
            place,
            deadline,
            url,
        } => (
            *name,
            if en {
                format!("Please confirm your talk: {talk}")
            } else {
                format!("Подтвердите доклад: {talk}")
            },
            vec![if en {
                format!(
                    "Your talk \"{talk}\" for {place} was accepted, but you have not confirmed it yet. Please confirm by {deadline}, or withdraw it if you cannot make it."
                )
            } else {
                format!(
                    "Ваш доклад «{talk}» для «{place}» принят, но вы ещё не подтвердили участие. Подтвердите его до {deadline} или откажитесь, если не сможете выступить."
                )
            }],
            (
                if en {
                    "Confirm your talk"
                } else {
                    "Подтвердить участие"
                },
                *url,
            ),
        ),
        T::TalkSlidesReminder {
            name,
            talk,
            place,
            url,
        } => (
            *name,
            if en {
                format!("Add your slides: {talk}")
            } else {
                format!("Добавьте слайды: {talk}")
            },
            vec![if en {
                format!(
                    "Thank you for speaking at {place}! Attendees ask for the slides of \"{talk}\": please add a link to them on the talk's page."
                )
            } else {
                format!(
                    "Спасибо за выступление на «{place}»! Слушатели просят слайды доклада «{talk}»: добавьте ссылку на них на странице доклада."
                )
            }],
            (open_label, *url),
        ),
        _ => return None,
    };
    Some(Parts {
        subject,
        greeting: greet(name),
        paragraphs,
        button: Some((button.0.to_owned(), button.1.to_owned())),
        footer,
    })
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
    // Every mail links to the reader's notification settings, on the site its button points to.
    let settings = parts
        .button
        .as_ref()
        .and_then(|(_, u)| url::Url::parse(u).ok())
        .map(|u| format!("{}/profile#notifications", u.origin().ascii_serialization()));
    let settings_label = match lang {
        Lang::En => "Notification settings",
        Lang::Ru => "Настройки уведомлений",
    };
    text.push_str("-- \n");
    text.push_str(parts.footer);
    text.push('\n');
    if let Some(s) = &settings {
        text.push_str(&format!("{settings_label}: {s}\n"));
    }

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
    let settings_link = settings
        .map(|s| {
            format!(
                " <a href=\"{}\" style=\"color:#666\">{}</a>",
                escape(&s),
                escape(settings_label)
            )
        })
        .unwrap_or_default();
    html.push_str(&format!(
        "<hr style=\"border:0;border-top:1px solid #eee\"><p style=\"font-size:12px;color:#666\">{}{settings_link}</p></div></body></html>",
        escape(parts.footer)
    ));
    Rendered {
        subject: parts.subject,
        text,
        html,
    }
}

/// When an event happens, in its own zone, as `lang` writes dates.
pub fn when_in(lang: Lang, event: &crate::events::Event) -> String {
    when_in_zone(lang, event, event.tz())
}

/// An instant (an offer's deadline) in the event's zone, as `lang` writes it.
pub fn instant_in(lang: Lang, event: &crate::events::Event, at: crate::clock::Micros) -> String {
    let t = crate::clock::to_datetime(at).with_timezone(&event.tz());
    match lang {
        Lang::En => format!("{} ({})", t.format("%a %-d %b, %H:%M"), event.time_zone),
        Lang::Ru => format!("{} ({})", t.format("%d.%m, %H:%M"), event.time_zone),
    }
}

/// When an event happens, shown in another zone `tz` (a reader elsewhere).
pub fn when_in_zone(lang: Lang, event: &crate::events::Event, tz: chrono_tz::Tz) -> String {
    let start = crate::clock::to_datetime(event.starts_at).with_timezone(&tz);
    let end = crate::clock::to_datetime(event.ends_at).with_timezone(&tz);
    let day = match lang {
        Lang::En => start.format("%a %-d %b %Y, %H:%M").to_string(),
        Lang::Ru => start.format("%d.%m.%Y, %H:%M").to_string(),
    };
    let until = if start.date_naive() == end.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        match lang {
            Lang::En => end.format("%a %-d %b %Y, %H:%M").to_string(),
            Lang::Ru => end.format("%d.%m.%Y, %H:%M").to_string(),
        }
    };
    format!("{day}–{until} ({})", tz.name())
}

/// Event mails: (subject, paragraphs, button label) in each language.
fn event_words(lang: Lang, template: &Template<'_>) -> Option<(String, Vec<String>, &'static str, String)> {
    use Template as T;
    let en = lang == Lang::En;
    let (event, when, url) = match template {
        T::RsvpGoing { event, when, url, .. }
        | T::RsvpWaitlisted { event, when, url, .. }
        | T::RsvpPending { event, when, url, .. }
        | T::RsvpPromoted { event, when, url, .. }
        | T::RsvpApproved { event, when, url, .. }
        | T::RsvpApprovedWaitlisted { event, when, url, .. }
        | T::RsvpDeclined { event, when, url, .. }
        | T::EventChanged { event, when, url, .. }
        | T::EventCancelled { event, when, url, .. }
        | T::Reminder { event, when, url, .. }
        | T::RsvpOffered { event, when, url, .. }
        | T::RsvpOfferExpired { event, when, url, .. } => (*event, *when, *url),
        _ => return None,
    };
    let (subject, lines): (String, Vec<String>) = match template {
        T::RsvpGoing { .. } => {
            if en {
                (
                    format!("You're going: {event}"),
                    vec![
                        format!("Your seat at {event} is confirmed."),
                        when.into(),
                        "The calendar invitation is attached.".into(),
                    ],
                )
            } else {
                (
                    format!("Вы идёте: {event}"),
                    vec![
                        format!("Ваше место на «{event}» подтверждено."),
                        when.into(),
                        "Приглашение для календаря — во вложении.".into(),
                    ],
                )
            }
        }
        T::RsvpWaitlisted {
            position,
            party_too_big,
            ..
        } => {
            let mut l = if en {
                vec![
                    format!(
                        "{event} is full, so you are on the waitlist, number {position}. We will mail you as soon as a seat frees up."
                    ),
                    when.into(),
                ]
            } else {
                vec![
                    format!(
                        "На «{event}» мест нет, вы в листе ожидания под номером {position}. Мы напишем, как только освободится место."
                    ),
                    when.into(),
                ]
            };
            if *party_too_big {
                l.push(if en { "A few seats are free, but not enough for you and your guests; fewer guests may get you in sooner.".into() } else { "Несколько мест свободно, но не для вас с гостями; с меньшим числом гостей вы пройдёте быстрее.".into() });
            }
            (
                if en {
                    format!("Waitlist: {event}")
                } else {
                    format!("Лист ожидания: {event}")
                },
                l,
            )
        }
        T::RsvpPending { .. } => {
            if en {
                (
                    format!("Request received: {event}"),
                    vec![
                        format!(
                            "The organizers of {event} approve attendees; we will mail you their decision."
                        ),
                        when.into(),
                    ],
                )
            } else {
                (
                    format!("Заявка получена: {event}"),
                    vec![
                        format!("Организаторы «{event}» подтверждают участников; мы сообщим об их решении."),
                        when.into(),
                    ],
                )
            }
        }
        T::RsvpPromoted { .. } => {
            if en {
                (format!("A seat freed up: you're going to {event}"), vec![format!("Good news: a seat at {event} is now yours."), when.into(), "The calendar invitation is attached. Can't come after all? Please change your RSVP so the next person gets the seat.".into()])
            } else {
                (format!("Освободилось место: вы идёте на «{event}»"), vec![format!("Хорошие новости: место на «{event}» теперь ваше."), when.into(), "Приглашение для календаря — во вложении. Если не сможете прийти, отмените участие, чтобы место досталось следующему.".into()])
            }
        }
        T::RsvpApproved { .. } => {
            if en {
                (
                    format!("Approved: {event}"),
                    vec![
                        format!("The organizers approved your request: you're going to {event}."),
                        when.into(),
                    ],
                )
            } else {
                (
                    format!("Заявка одобрена: {event}"),
                    vec![
                        format!("Организаторы одобрили заявку: вы идёте на «{event}»."),
                        when.into(),
                    ],
                )
            }
        }
        T::RsvpApprovedWaitlisted { .. } => {
            if en {
                (
                    format!("Approved, on the waitlist: {event}"),
                    vec![
                        format!(
                            "The organizers approved your request, but {event} is full: you are on the waitlist and will be mailed when a seat frees up."
                        ),
                        when.into(),
                    ],
                )
            } else {
                (
                    format!("Заявка одобрена, вы в листе ожидания: {event}"),
                    vec![
                        format!(
                            "Организаторы одобрили заявку, но мест на «{event}» нет: вы в листе ожидания, мы напишем, когда место освободится."
                        ),
                        when.into(),
                    ],
                )
            }
        }
        T::RsvpDeclined { .. } => {
            if en {
                (
                    format!("Not this time: {event}"),
                    vec![format!("The organizers could not take your request for {event}.")],
                )
            } else {
                (
                    format!("В этот раз не получилось: {event}"),
                    vec![format!(
                        "Организаторы не смогли принять вашу заявку на «{event}»."
                    )],
                )
            }
        }
        T::EventChanged { changes, .. } => {
            if en {
                (
                    format!("Changed: {event}"),
                    vec![
                        format!("{event} has changed:"),
                        (*changes).into(),
                        format!("Now: {when}"),
                    ],
                )
            } else {
                (
                    format!("Изменения: {event}"),
                    vec![
                        format!("В «{event}» изменилось:"),
                        (*changes).into(),
                        format!("Теперь: {when}"),
                    ],
                )
            }
        }
        T::RsvpOffered { deadline, .. } => {
            if en {
                (
                    format!("A seat is yours if you confirm: {event}"),
                    vec![
                        format!(
                            "A seat at {event} freed up and is held for you until {deadline}. Open the event and press \"Yes\" to take it; after that it passes to the next person."
                        ),
                        when.into(),
                    ],
                )
            } else {
                (
                    format!("Место ваше, если подтвердите: {event}"),
                    vec![
                        format!(
                            "На «{event}» освободилось место, оно ждёт вас до {deadline}. Откройте событие и нажмите «Да», чтобы занять его; потом оно перейдёт следующему."
                        ),
                        when.into(),
                    ],
                )
            }
        }
        T::RsvpOfferExpired { .. } => {
            if en {
                (
                    format!("Your held seat passed on: {event}"),
                    vec![format!(
                        "The seat held for you at {event} was not confirmed in time and went to the next person."
                    )],
                )
            } else {
                (
                    format!("Место перешло следующему: {event}"),
                    vec![format!(
                        "Место на «{event}» не было подтверждено вовремя и перешло следующему в очереди."
                    )],
                )
            }
        }
        T::Reminder { hours, .. } => {
            if en {
                (format!("Reminder: {event} starts in {hours} {}", if *hours == 1 { "hour" } else { "hours" }), vec![format!("See you soon at {event}."), when.into(), "Can't come after all? Please change your RSVP so someone from the waitlist gets your seat.".into()])
            } else {
                (format!("Напоминание: «{event}» через {hours} ч"), vec![format!("Скоро увидимся на «{event}»."), when.into(), "Если не сможете прийти, отмените участие, чтобы место досталось кому-то из листа ожидания.".into()])
            }
        }
        T::EventCancelled { .. } => {
            if en {
                (
                    format!("Cancelled: {event}"),
                    vec![format!("We are sorry: {event} ({when}) is cancelled.")],
                )
            } else {
                (
                    format!("Отменено: {event}"),
                    vec![format!("К сожалению, «{event}» ({when}) отменяется.")],
                )
            }
        }
        _ => return None,
    };
    let label = if en {
        "Open the event"
    } else {
        "Открыть событие"
    };
    Some((subject, lines, label, url.to_owned()))
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
    let footer_events = match lang {
        Lang::En => "You get this mail because of your RSVP on Sbor.",
        Lang::Ru => "Вы получили это письмо из-за вашей регистрации на Sbor.",
    };
    let name_of = |t: &Template<'_>| match t {
        Template::OrganizerAdded { name, .. }
        | Template::RsvpGoing { name, .. }
        | Template::RsvpWaitlisted { name, .. }
        | Template::RsvpPending { name, .. }
        | Template::RsvpPromoted { name, .. }
        | Template::RsvpApproved { name, .. }
        | Template::RsvpApprovedWaitlisted { name, .. }
        | Template::RsvpDeclined { name, .. }
        | Template::EventChanged { name, .. }
        | Template::EventCancelled { name, .. }
        | Template::Reminder { name, .. }
        | Template::RsvpOffered { name, .. }
        | Template::RsvpOfferExpired { name, .. }
        | Template::ConfirmEmail { name, .. }
        | Template::ResetPassword { name, .. }
        | Template::MagicLink { name, .. }
        | Template::AccountExists { name, .. }
        | Template::TalkSubmitted { name, .. }
        | Template::TalkInvitation { name, .. }
        | Template::TalkDecision { name, .. }
        | Template::TalkConfirmReminder { name, .. }
        | Template::TalkSlidesReminder { name, .. }
        | Template::ScheduleChanged { name, .. } => name.to_string(),
        Template::OrganizerInvited { .. } => String::new(),
    };
    if let Some(parts) = talk_words(lang, template, &greet) {
        return parts;
    }
    if let Template::ScheduleChanged {
        name,
        conference,
        speaker,
        lines,
        url,
    } = template
    {
        let en = lang == Lang::En;
        let intro = match (en, speaker) {
            (true, true) => format!("The schedule of {conference} has changed for your talk:"),
            (true, false) => format!("The schedule of {conference} has changed for talks you starred:"),
            (false, true) => {
                format!("В расписании «{conference}» изменилось время или место вашего доклада:")
            }
            (false, false) => format!("В расписании «{conference}» изменились доклады из вашего избранного:"),
        };
        let mut paragraphs = vec![intro];
        paragraphs.extend(lines.iter().cloned());
        return Parts {
            subject: if en {
                format!("Schedule changed: {conference}")
            } else {
                format!("Расписание изменилось: {conference}")
            },
            greeting: greet(name),
            paragraphs,
            button: Some((
                if en {
                    "Open the schedule"
                } else {
                    "Открыть расписание"
                }
                .to_owned(),
                url.to_string(),
            )),
            footer: if en {
                "You get this mail because you speak at or starred a talk of this conference on Sbor."
            } else {
                "Вы получили это письмо, потому что выступаете на этой конференции или добавили её доклад в избранное на Sbor."
            },
        };
    }
    if let Some((subject, paragraphs, label, url)) = event_words(lang, template) {
        return Parts {
            subject,
            greeting: greet(&name_of(template)),
            paragraphs,
            button: Some((label.into(), url)),
            footer: footer_events,
        };
    }
    if let Template::OrganizerInvited {
        inviter,
        community,
        url,
    } = template
    {
        let (subject, text, label, hello) = match lang {
            Lang::En => (
                format!("{inviter} invites you to organize {community} on Sbor"),
                format!(
                    "Create your account with this address and you become an organizer of {community} as soon as the address is confirmed."
                ),
                "Create an account",
                "Hello!",
            ),
            Lang::Ru => (
                format!("{inviter} приглашает вас в организаторы сообщества {community} на Sbor"),
                format!(
                    "Зарегистрируйтесь с этим адресом — как только адрес будет подтверждён, вы станете организатором сообщества {community}."
                ),
                "Зарегистрироваться",
                "Здравствуйте!",
            ),
        };
        return Parts {
            subject,
            greeting: hello.into(),
            paragraphs: vec![text],
            button: Some((label.into(), url.to_string())),
            footer,
        };
    }
    if let Template::OrganizerAdded { name, community, url } = template {
        let (subject, text, label) = match lang {
            Lang::En => (
                format!("You are now an organizer of {community}"),
                format!("You can now create and manage events of {community}."),
                "Open the community",
            ),
            Lang::Ru => (
                format!("Вы теперь организатор сообщества {community}"),
                format!("Теперь вы можете создавать события сообщества {community} и управлять ими."),
                "Открыть сообщество",
            ),
        };
        return Parts {
            subject,
            greeting: greet(name),
            paragraphs: vec![text],
            button: Some((label.into(), url.to_string())),
            footer,
        };
    }
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
        // Event and organizer mails returned above.
        _ => unreachable!("every other template is handled before this match"),
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

/// "день", "дня" or "дней" after the number `n`.
fn days_ru(n: i64) -> &'static str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => "день",
        (2..=4, r) if !(12..=14).contains(&r) => "дня",
        _ => "дней",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_says_how_long_it_works() {
        let days = crate::talks::INVITATION_LIFETIME / crate::clock::DAY;
        for (lang, words) in [
            (
                Lang::En,
                format!("It works for {days} {}.", if days == 1 { "day" } else { "days" }),
            ),
            (Lang::Ru, format!("Ссылка действует {days} {}.", days_ru(days))),
        ] {
            let m = render(
                lang,
                &Template::TalkInvitation {
                    name: "Bea",
                    inviter: "Ann",
                    talk: "Async Rust",
                    place: "RustConf",
                    url: "https://sbor.example.org/invitations/talk?token=x",
                },
            );
            assert!(m.text.contains(&words), "{}", m.text);
        }
        assert_eq!(
            [1, 2, 5, 11, 14, 21, 22, 25, 101, 112].map(days_ru),
            [
                "день", "дня", "дней", "дней", "дней", "день", "дня", "дней", "день", "дней"
            ]
        );
    }

    #[test]
    fn every_footer_links_to_the_notification_settings() {
        for lang in Lang::ALL {
            let m = render(
                lang,
                &Template::RsvpGoing {
                    name: "A",
                    event: "Meetup",
                    when: "Thursday",
                    url: "https://sbor.example.org/e/5",
                },
            );
            let link = "https://sbor.example.org/profile#notifications";
            assert!(m.text.contains(link), "{}", m.text);
            assert!(m.html.contains(&format!("href=\"{link}\"")), "{}", m.html);
        }
    }

    #[test]
    fn placeholders_are_filled_once() {
        let vars = [("talk_title", "Rust {deadline}"), ("deadline", "1 May")];
        assert_eq!(
            fill_placeholders("{talk_title} by {deadline}, {other} {", &vars),
            "Rust {deadline} by 1 May, {other} {"
        );
        assert_eq!(
            unknown_placeholders("{talk_title} {titel} {x y} {}"),
            vec!["titel"]
        );
        for lang in Lang::ALL {
            for accepted in [true, false] {
                let (subject, body) = talk_decision_default(lang, accepted);
                assert!(unknown_placeholders(subject).is_empty() && unknown_placeholders(body).is_empty());
                assert!(subject.contains("{talk_title}"));
                assert_eq!(body.contains("{confirm_url}"), accepted);
            }
        }
    }

    #[test]
    fn talk_mails_render_in_both_languages() {
        for lang in Lang::ALL {
            let m = render(
                lang,
                &Template::TalkDecision {
                    name: "Ann",
                    subject: "S",
                    body: "First.\n\nSecond <b>.",
                    url: "https://s.example/talks/1",
                    accepted: true,
                },
            );
            assert_eq!(m.subject, "S");
            assert!(m.text.contains("First.\n\nSecond <b>."), "{}", m.text);
            assert!(m.html.contains("Second &lt;b&gt;."));
            assert!(m.text.contains("Ann") && m.text.contains("https://s.example/talks/1"));
            let r = render(
                lang,
                &Template::TalkInvitation {
                    name: "b@example.org",
                    inviter: "Ann",
                    talk: "Rust",
                    place: "Conf",
                    url: "https://s.example/invitations/talk?token=abc",
                },
            );
            assert!(r.subject.contains("Ann") && r.text.contains("token=abc"));
        }
    }

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
