//! Demo data, so a new install shows a living site: members, a community with organizers, and
//! upcoming and past events with RSVPs. Idempotent: running it twice adds nothing.

use chrono::{Datelike, Duration, Utc};
use sbor_domain::Lang;
use sbor_domain::accounts::{Site, User};
use sbor_domain::cfp::{self, CfpInput, Level, SessionTypeInput};
use sbor_domain::communities::{self, CommunityInput};
use sbor_domain::events::{self, EventInput};
use sbor_domain::{Db, clock, reviews, rsvp};
use sqlx::Row;

const MEMBERS: [(&str, &str, &str); 12] = [
    ("anna.petrova@example.org", "Анна Петрова", "ru"),
    ("dmitry.ivanov@example.org", "Дмитрий Иванов", "ru"),
    ("olga.smirnova@example.org", "Ольга Смирнова", "ru"),
    ("sergey.kuznetsov@example.org", "Сергей Кузнецов", "ru"),
    ("maria.popova@example.org", "Мария Попова", "ru"),
    ("alexey.sokolov@example.org", "Алексей Соколов", "ru"),
    ("elena.volkova@example.org", "Елена Волкова", "ru"),
    ("ivan.morozov@example.org", "Иван Морозов", "ru"),
    ("kate.miller@example.org", "Kate Miller", "en"),
    ("tom.becker@example.org", "Tom Becker", "en"),
    ("priya.nair@example.org", "Priya Nair", "en"),
    ("lucas.martin@example.org", "Lucas Martin", "en"),
];

pub async fn seed(db: &Db, site: &Site) -> anyhow::Result<String> {
    let now = clock::now();
    let mut added = 0;
    for (email, name, lang) in MEMBERS {
        // No password: demo members log in with a mailed link, like any passwordless account.
        let done = sqlx::query(
            "INSERT INTO users (email, display_name, lang, time_zone, bio, email_confirmed_at, created_at) \
             VALUES ($1, $2, $3, 'Europe/Moscow', $4, $5, $5) ON CONFLICT (email) DO NOTHING",
        )
        .bind(email)
        .bind(name)
        .bind(lang)
        .bind("DevOps engineer, member of DevOps Moscow.")
        .bind(now)
        .execute(db.write())
        .await?;
        added += done.rows_affected();
    }
    let mut report = format!(
        "seed: {added} demo members added ({} already there)",
        MEMBERS.len() as u64 - added
    );
    if communities::by_slug(db, "devops-moscow").await.is_ok() {
        report.push_str("; community devops-moscow already there");
        return Ok(report);
    }
    let users = members(db).await?;
    // The first member founds the community; in memory only she acts as a site admin would.
    let founder = User {
        is_admin: true,
        ..users[0].clone()
    };
    let community = communities::create(
        db,
        &founder,
        CommunityInput {
            slug: "devops-moscow",
            name: "DevOps Moscow",
            description: "Московское DevOps-сообщество: ежемесячные митапы, ежегодная конференция и чат на 900+ \
                          человек.\n\nMonthly meetups about **Kubernetes, CI/CD, observability and SRE** — talks in \
                          Russian and English.",
            logo_url: "",
            links: "https://t.me/devops_moscow\nhttps://github.com/devops-moscow",
            time_zone: "Europe/Moscow",
            lang: "ru",
        },
    )
    .await?;
    communities::add_organizer(db, site, &founder, community.id, &users[1].email).await?;
    for u in &users {
        communities::join(db, community.id, u.id).await?;
    }

    let today = Utc::now().date_naive();
    let day = |offset: i64| (today + Duration::days(offset)).format("%Y-%m-%d").to_string();
    let next_thursday = (1..=7)
        .find(|d| (today + Duration::days(*d)).weekday() == chrono::Weekday::Thu)
        .unwrap_or(7)
        + 7;
    let plan = [
        (
            "DevOps Moscow #42: Kubernetes в проде",
            "Два доклада о том, как мы живём с Kubernetes в продакшене, и нетворкинг с пиццей.\n\n\
             1. *Operators без боли* — Дмитрий Иванов\n2. *Cost control для кластеров* — Kate Miller",
            next_thursday,
            "120",
            "2",
            false,
            "Яндекс, Льва Толстого 16",
            "",
        ),
        (
            "Observability workshop (hands-on)",
            "A 3-hour hands-on workshop: OpenTelemetry, Prometheus and Grafana from zero. Bring a laptop. \
             Seats are limited and organizers approve each RSVP.",
            next_thursday + 14,
            "20",
            "0",
            true,
            "Skolkovo Technopark",
            "",
        ),
        (
            "SRE reading club (online)",
            "We discuss one chapter of the SRE book.",
            5,
            "",
            "0",
            false,
            "",
            "https://meet.example.org/sre",
        ),
        (
            "DevOps Moscow #41: CI/CD",
            "Как ускорить пайплайны в 5 раз.",
            -25,
            "100",
            "1",
            false,
            "Ozon Tech",
            "",
        ),
    ];
    let mut created = 0;
    for (title, description, offset, capacity, guests, approval, venue, online) in plan {
        let when = day(offset);
        let event = events::create(
            db,
            &founder,
            community.id,
            EventInput {
                title,
                description,
                starts_local: &format!("{when}T19:00"),
                ends_local: &format!("{when}T21:30"),
                time_zone: "Europe/Moscow",
                venue_name: venue,
                venue_address: if venue.is_empty() { "" } else { "Москва" },
                map_url: "",
                online_url: online,
                cover_url: "",
                capacity,
                max_guests: guests,
                approval_required: approval,
                rsvp_opens_local: "",
                rsvp_closes_local: "",
                remind_24h: true,
                remind_2h: true,
                offer_hours: "",
            },
        )
        .await?;
        created += 1;
        if offset < 0 {
            // A past event: publish its RSVPs as they were, without the (closed) RSVP rules.
            sqlx::query("UPDATE events SET status = 'published' WHERE id = $1")
                .bind(event.id)
                .execute(db.write())
                .await?;
            for (i, u) in users.iter().take(9).enumerate() {
                sqlx::query(
                    "INSERT INTO rsvps (event_id, user_id, status, guests, arrival, checked_in_at, created_at, updated_at) \
                     VALUES ($1, $2, 'going', 0, $3, $4, $5, $5)",
                )
                .bind(event.id)
                .bind(u.id)
                .bind(i as i64 + 1)
                .bind((i < 7).then_some(event.starts_at))
                .bind(event.starts_at - 7 * clock::DAY)
                .execute(db.write())
                .await?;
            }
            sqlx::query("UPDATE events SET seats_taken = 9 WHERE id = $1")
                .bind(event.id)
                .execute(db.write())
                .await?;
            continue;
        }
        events::publish(db, &founder, event.id).await?;
        for u in users.iter().skip(1).take(if approval { 4 } else { 8 }) {
            rsvp::respond(db, site, u, event.id, true, 0).await?;
        }
    }
    conference(db, site, &founder, community.id, &users, &day(60), &day(61)).await?;
    created += 1;
    report.push_str(&format!(
        "; community devops-moscow with {created} events added (the conference has an open call for papers)"
    ));
    Ok(report)
}

/// The yearly conference: two days, an open call for papers with session types, tracks and
/// review categories, anonymous review by Priya Nair, and Lucas Martin as an English-speaking
/// organizer (the browser tests act as them).
async fn conference(
    db: &Db,
    site: &Site,
    founder: &User,
    community_id: i64,
    users: &[User],
    first_day: &str,
    second_day: &str,
) -> anyhow::Result<()> {
    let event = events::create(
        db,
        founder,
        community_id,
        EventInput {
            title: "DevOps Moscow Conf 2027",
            description: "Two days, three rooms, forty talks: platform engineering, observability, SRE. \
                          The call for papers is open — propose a talk!",
            starts_local: &format!("{first_day}T10:00"),
            ends_local: &format!("{second_day}T19:00"),
            time_zone: "Europe/Moscow",
            venue_name: "Digital Business Space",
            venue_address: "Москва, Покровка 47",
            map_url: "",
            online_url: "",
            cover_url: "",
            capacity: "600",
            max_guests: "0",
            approval_required: false,
            rsvp_opens_local: "",
            rsvp_closes_local: "",
            remind_24h: true,
            remind_2h: false,
            offer_hours: "",
        },
    )
    .await?;
    events::publish(db, founder, event.id).await?;
    let now = clock::now();
    cfp::set(
        db,
        founder,
        event.id,
        CfpInput {
            opens_at: now - clock::DAY,
            closes_at: now + 30 * clock::DAY,
            description: "We look for **war stories** and hands-on experience. Talks in Russian or English.",
            languages: vec![Lang::Ru, Lang::En],
            levels: Level::ALL.to_vec(),
            anonymous_review: true,
            late_edits: false,
            confirm_days: 7,
        },
    )
    .await?;
    for (name, minutes) in [("Talk", 40), ("Lightning talk", 10), ("Workshop", 90)] {
        let input = SessionTypeInput {
            name,
            minutes,
            deadline: None,
        };
        cfp::add_session_type(db, founder, event.id, input).await?;
    }
    for (name, colour) in [
        ("Platform", "#2f6fdf"),
        ("Observability", "#d9822b"),
        ("SRE", "#2e9e5b"),
    ] {
        cfp::add_track(db, founder, event.id, name, colour).await?;
    }
    for (name, weight) in [("Content", 3), ("Relevance", 2), ("Delivery", 1)] {
        reviews::add_category(db, founder, event.id, name, weight).await?;
    }
    let by_email = |email: &str| users.iter().find(|u| u.email == email).cloned();
    if let Some(priya) = by_email("priya.nair@example.org") {
        reviews::assign_reviewer(db, founder, event.id, &priya.email, &[]).await?;
    }
    if let Some(lucas) = by_email("lucas.martin@example.org") {
        communities::add_organizer(db, site, founder, community_id, &lucas.email).await?;
    }
    schedule_material(db, founder, community_id, event.id, users).await
}

/// Rooms, a lunch break each day and a dozen confirmed talks for the schedule editor (nothing
/// placed yet: "Fill the schedule" or drag them in).
async fn schedule_material(
    db: &Db,
    founder: &User,
    community_id: i64,
    event_id: i64,
    users: &[User],
) -> anyhow::Result<()> {
    use sbor_domain::schedule::{plan::Window, store};
    for (name, seats) in [("Main hall", 400), ("Room B", 150), ("Workshop room", 40)] {
        store::add_room(db, founder, event_id, name, Some(seats)).await?;
    }
    let d = store::draft(db, founder, event_id).await?;
    for day in &d.days {
        let lunch = day.window.start + 3 * clock::HOUR;
        store::add_block(
            db,
            founder,
            event_id,
            None,
            Window::new(lunch, lunch + clock::HOUR),
            "Lunch",
        )
        .await?;
    }
    let types = cfp::session_types(db, event_id).await?;
    let tracks = cfp::tracks(db, event_id).await?;
    const TALKS: [(&str, usize, usize); 12] = [
        ("Kubernetes operators in production", 0, 0),
        ("Platform teams: the first year", 0, 0),
        ("GitOps without tears", 0, 0),
        ("Tracing a request through 40 services", 0, 1),
        ("Prometheus at 10 million series", 0, 1),
        ("Logs are a stream, not a file", 1, 1),
        ("SLOs that people read", 0, 2),
        ("Incident review as a habit", 0, 2),
        ("On-call without burnout", 1, 2),
        ("Terraform module design", 2, 0),
        ("eBPF for SREs", 2, 1),
        ("Chaos engineering on a budget", 1, 2),
    ];
    let now = clock::now();
    for (i, (title, kind, track)) in TALKS.iter().enumerate() {
        let speaker = &users[(i + 2) % users.len()];
        let row = sqlx::query(
            "INSERT INTO talks (community_id, event_id, owner_id, title, summary, state, session_type_id, track_id, \
               language, submitted_at, decided_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7, 'ru', $8, $8, $8, $8) RETURNING id",
        )
        .bind(community_id)
        .bind(event_id)
        .bind(speaker.id)
        .bind(*title)
        .bind("A talk from the DevOps Moscow community.")
        .bind(types.get(*kind).map(|t| t.id))
        .bind(tracks.get(*track).map(|t| t.id))
        .bind(now)
        .fetch_one(db.write())
        .await?;
        let talk_id: i64 = row.try_get("id")?;
        sqlx::query("INSERT INTO talk_speakers (talk_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(talk_id)
            .bind(speaker.id)
            .bind(now)
            .execute(db.write())
            .await?;
    }
    Ok(())
}

async fn members(db: &Db) -> anyhow::Result<Vec<User>> {
    let mut users = Vec::new();
    for (email, _, _) in MEMBERS {
        let row = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(db.read())
            .await?;
        users.push(sbor_domain::accounts::get(db, row.try_get("id")?).await?);
    }
    Ok(users)
}
