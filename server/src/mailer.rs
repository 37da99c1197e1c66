//! The outbox worker: claims due mails, sends them over SMTP (or writes them as `.eml` files
//! when no SMTP server is configured) and records each outcome.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sbor_domain::Db;
use sbor_domain::outbox::{self, OutboxMail};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::metrics::Metrics;

/// How many mails one worker claims and has in flight at once (SMTP connections are pooled and
/// reused). A worker claims no more than it sends at once, so no claimed row waits in this
/// worker while its lease runs out.
const CONCURRENCY: usize = 8;
/// One delivery may take at most this long, well under the outbox lease, so a row is never
/// sent by a worker that no longer owns it.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// Idle poll interval, for mails whose retry time comes due while nobody enqueues anything.
const IDLE_POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Writes `<data>/outbox/<id>.eml`; the admin outbox page lists them.
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(smtp_url: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Transport> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                let dir = data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
                Ok(Transport::Files(dir))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "smtp".into(),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }
}

/// Why a send failed, as the outbox needs to know it.
#[derive(Debug)]
enum SendError {
    /// Try again later (SMTP 4xx, connection trouble).
    Temporary(String),
    /// Never going to work (SMTP 5xx, malformed address).
    Permanent(String),
}

pub struct Worker {
    pub db: Db,
    pub transport: Transport,
    pub from: Mailbox,
    pub wake: Arc<Notify>,
    pub metrics: Arc<Metrics>,
}

impl Worker {
    /// Runs until `shutdown` turns true; a batch already claimed is finished first, so a
    /// graceful stop leaves no row in `sending`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(transport = %self.transport.describe(), "mail worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            match outbox::claim_due(&self.db, CONCURRENCY as i64).await {
                Ok(batch) if !batch.is_empty() => {
                    let mut tasks = JoinSet::new();
                    for mail in batch {
                        let (db, transport, from, metrics) = (
                            self.db.clone(),
                            self.transport.clone(),
                            self.from.clone(),
                            self.metrics.clone(),
                        );
                        tasks.spawn(async move {
                            deliver(&db, &transport, &from, &metrics, mail).await;
                        });
                    }
                    while tasks.join_next().await.is_some() {}
                }
                Ok(_) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "claiming mails failed");
                    tokio::select! {
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        tracing::info!("mail worker stopped");
    }
}

async fn deliver(db: &Db, transport: &Transport, from: &Mailbox, metrics: &Metrics, mail: OutboxMail) {
    let result = match tokio::time::timeout(SEND_TIMEOUT, send(transport, from, &mail)).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Temporary(format!(
            "no answer within {} s",
            SEND_TIMEOUT.as_secs()
        ))),
    };
    let recorded = match &result {
        Ok(()) => {
            metrics.observe_mail("sent");
            outbox::mark_sent(db, &mail).await
        }
        Err(SendError::Temporary(e)) => {
            metrics.observe_mail("retry");
            tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %e, "temporary mail failure");
            outbox::mark_temporary_failure(db, &mail, e).await
        }
        Err(SendError::Permanent(e)) => {
            metrics.observe_mail("failed");
            tracing::warn!(mail_id = mail.id, error = %e, "permanent mail failure");
            outbox::mark_failed(db, &mail, e).await
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(mail_id = mail.id, "lease lost before the outcome was recorded"),
        // The row keeps its lease and is retried after it runs out.
        Err(e) => tracing::error!(mail_id = mail.id, error = %e, "recording the mail outcome failed"),
    }
}

pub fn build_message(from: &Mailbox, mail: &OutboxMail) -> Result<Message, String> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date_now()
        .multipart(body(mail)?)
        .map_err(|e| format!("cannot build message: {e}"))
}

/// Text and HTML alternatives, plus the calendar invitation when the mail has one.
fn body(mail: &OutboxMail) -> Result<MultiPart, String> {
    let alternatives = MultiPart::alternative_plain_html(mail.body_text.clone(), mail.body_html.clone());
    let Some(ics) = &mail.ics else {
        return Ok(alternatives);
    };
    let calendar =
        ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH").map_err(|e| e.to_string())?;
    Ok(MultiPart::mixed()
        .multipart(alternatives)
        .singlepart(Attachment::new("invite.ics".into()).body(ics.clone(), calendar)))
}

async fn send(transport: &Transport, from: &Mailbox, mail: &OutboxMail) -> Result<(), SendError> {
    let message = build_message(from, mail).map_err(SendError::Permanent)?;
    match transport {
        Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                SendError::Permanent(e.to_string())
            } else {
                SendError::Temporary(e.to_string())
            }
        }),
        Transport::Files(dir) => {
            let path = dir.join(format!("{:08}.eml", mail.id));
            let tmp = dir.join(format!(".{:08}.eml.tmp", mail.id));
            // Write then rename, so a reader never sees half a mail.
            tokio::fs::write(&tmp, message.formatted())
                .await
                .and(tokio::fs::rename(&tmp, &path).await)
                .map_err(|e| SendError::Temporary(format!("cannot write {}: {e}", path.display())))
        }
    }
}
