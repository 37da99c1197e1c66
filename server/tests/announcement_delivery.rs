//! The announcement delivery guarantee against the real binary: killed with SIGKILL in the
//! middle of a send and started again, and two processes sharing one PostgreSQL.

use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use sbor_domain::accounts::Site;
use sbor_domain::{Db, announcements};
use sbor_tests::smtp::TestSmtp;
use sbor_tests::{Backend, TestDatabase, on_both_backends};

mod common;

on_both_backends!(killed_mid_send_and_restarted_nobody_is_lost_or_doubled);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_send_one_copy_each() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let smtp = TestSmtp::start().await;
    let (db, id, total) = prepare(&database, 1000).await;
    let mut a = start_server(&database, &smtp);
    let mut b = start_server(&database, &smtp);
    wait_until_sent(&db, id, total, Duration::from_secs(120)).await;
    let _ = a.kill();
    let _ = b.kill();
    let _ = (a.wait(), b.wait());
    let copies = copies(&smtp, "Delivery test");
    assert_eq!(copies.len() as i64, total, "everyone got it");
    let doubled: Vec<_> = copies.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(doubled.is_empty(), "nobody twice: {doubled:?}");
}

/// A community with `n` confirmed members and an announcement to all of them, already
/// started (its rows queued), before any server runs.
async fn prepare(database: &TestDatabase, n: usize) -> (Db, i64, i64) {
    let db = Db::connect(&database.url, 4).await.expect("connect");
    db.migrate().await.expect("migrate");
    let site = Site {
        base_url: "http://sbor.test".into(),
    };
    let (admin, _) = sbor_domain::accounts::create_admin(&db, &site, "root@example.org", Some("Root"))
        .await
        .expect("admin");
    sqlx::query(
        "INSERT INTO communities (slug, name, time_zone, created_at) VALUES ('news', 'News', 'UTC', 1)",
    )
    .execute(db.write())
    .await
    .unwrap();
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities")
        .fetch_one(db.read())
        .await
        .unwrap();
    sbor_tests::insert_members(&db, community, "d", n).await;
    let input = announcements::Input {
        subject: "Delivery test",
        body: "Hello",
        sender_name: "",
        reply_to: "",
        audience: "members",
        public: false,
    };
    let id = announcements::create(&db, &admin, community, input)
        .await
        .unwrap();
    announcements::send_now(&db, &site, &admin, id).await.unwrap();
    (db, id, n as i64)
}

/// The binary serving `database`, mailing through `smtp`, its log discarded.
fn start_server(database: &TestDatabase, smtp: &TestSmtp) -> Child {
    let url = smtp.url();
    common::start_server(
        database,
        &[("SMTP_URL", &url), ("RUST_LOG", "warn")],
        Stdio::null(),
    )
    .0
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.read()).await.unwrap()
}

async fn wait_until_sent(db: &Db, id: i64, total: i64, timeout: Duration) {
    let start = Instant::now();
    let sql = format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'sent'");
    while count(db, &sql).await < total {
        assert!(start.elapsed() < timeout, "not all sent after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Recipient → the Message-IDs of the copies they got.
fn copies(smtp: &TestSmtp, subject: &str) -> HashMap<String, Vec<String>> {
    let mut copies: HashMap<String, Vec<String>> = HashMap::new();
    for m in smtp.messages() {
        if m.subject() == subject {
            for to in &m.to {
                copies
                    .entry(to.clone())
                    .or_default()
                    .push(m.header("Message-ID").unwrap_or_default());
            }
        }
    }
    copies
}

/// SIGKILL while mails are going out, then a restart: everyone gets the announcement, and a
/// second copy goes only to someone whose SMTP transaction was cut after the server accepted
/// it (at most one per mail in flight, with the same Message-ID): the stated guarantee.
async fn killed_mid_send_and_restarted_nobody_is_lost_or_doubled(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let smtp = TestSmtp::start().await;
    let (db, id, total) = prepare(&database, 2000).await;
    let mut server = start_server(&database, &smtp);
    let start = Instant::now();
    while smtp.messages().len() < 100 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the send did not start"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    let sent_before = count(
        &db,
        &format!("SELECT COUNT(*) FROM outbox WHERE announcement_id = {id} AND status = 'sent'"),
    )
    .await;
    assert!(
        sent_before < total,
        "killed mid-send ({sent_before} of {total} were out)"
    );
    // The dead process's leases run out (5 minutes in real time; here at once).
    sqlx::query("UPDATE outbox SET locked_until = 0 WHERE status = 'sending'")
        .execute(db.write())
        .await
        .unwrap();
    let mut server = start_server(&database, &smtp);
    wait_until_sent(&db, id, total, Duration::from_secs(120)).await;
    server.kill().unwrap();
    server.wait().unwrap();

    let copies = copies(&smtp, "Delivery test");
    assert_eq!(copies.len() as i64, total, "nobody was lost");
    let doubled: Vec<_> = copies.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(
        doubled.len() <= 8,
        "at most the mails in flight (8) were cut: {doubled:?}"
    );
    for (to, ids) in &doubled {
        assert_eq!(ids.len(), 2, "{to}: retried once at most");
        assert_eq!(ids[0], ids[1], "{to}: the resend carries the same Message-ID");
    }
}
