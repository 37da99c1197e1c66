//! Demo data, so a new install shows a living site. Idempotent: running it twice adds nothing.

use sbor_domain::Db;
use sbor_domain::clock;

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

pub async fn seed(db: &Db) -> anyhow::Result<String> {
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
    Ok(format!(
        "seed: {added} demo members added ({} already there)",
        MEMBERS.len() as u64 - added
    ))
}
