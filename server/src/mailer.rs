//! The outbox worker: claims due mails, sends them over SMTP (or writes them as `.eml` files
//! when no SMTP server is configured) and records each outcome.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::dkim::{DkimCanonicalization, DkimCanonicalizationType, DkimConfig};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sbor_domain::Db;
use sbor_domain::accounts::Site;
use sbor_domain::checkin::SigningKey;
use sbor_domain::coalesce::GiveWay;
use sbor_domain::outbox::{self, Delivery, OutboxMail};
use sbor_domain::rsvp_batch::RsvpBatcher;
use sbor_domain::{announcements, deferred_mail};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::metrics::Metrics;

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
    /// `connections`: the most SMTP connections the pool keeps open (and reuses).
    pub fn from_config(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
        connections: usize,
    ) -> anyhow::Result<Transport> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(connections as u32))
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
    /// For announcements: links in mails, and the key that signs unsubscribe links.
    pub site: Site,
    pub key: SigningKey,
    /// How many mails it claims and has in flight at once (SMTP connections are pooled and
    /// reused). A worker claims no more than it sends at once, so no claimed row waits in this
    /// worker while its lease runs out (`SMTP_CONCURRENCY`).
    pub concurrency: usize,
    /// Announcement mails per second (`MAIL_RATE`); None = no limit.
    pub rate: Option<f64>,
    /// Signs every mail when configured (`DKIM_KEY_FILE`).
    pub dkim: Option<Arc<DkimConfig>>,
    /// This instance's RSVP batches, which the worker gives way to for up to a second at a
    /// time while they run.
    pub rsvps: RsvpBatcher,
}

/// The headers a DKIM signature covers. Beyond the content headers, the List-Unsubscribe pair
/// must be signed for mailbox providers to offer one-click unsubscribe (RFC 8058 section 4); a
/// header a mail lacks is skipped.
const DKIM_HEADERS: [&str; 9] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// The signing configuration for `settings`: relaxed/relaxed canonicalization, which survives
/// the whitespace and line-folding changes relays make.
pub fn dkim_config(settings: &crate::config::Dkim) -> anyhow::Result<Arc<DkimConfig>> {
    let key = settings
        .signing_key()
        .map_err(|e| anyhow::anyhow!("DKIM_KEY_FILE: {e}"))?;
    Ok(Arc::new(DkimConfig::new(
        settings.selector.clone(),
        settings.domain.clone(),
        key,
        DKIM_HEADERS
            .iter()
            .map(|h| HeaderName::new_from_ascii_str(h))
            .collect(),
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    )))
}

/// What a delivery needs besides the row, shared by the worker's concurrent sends: the
/// worker's settings and the state its sends share.
struct Env {
    worker: Worker,
    /// Announcements as mailed, by id: rendered once per claimed batch, not once per
    /// recipient (an announcement no longer changes once it is sending); only those of the
    /// current batch are kept.
    announcements: std::sync::Mutex<std::collections::HashMap<i64, Arc<announcements::Mail>>>,
    /// When the next announcement mail may leave, under `rate`.
    next_slot: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Env {
    /// Drops the rendered announcements that `batch` does not need: finished or cancelled
    /// ones would otherwise stay in memory for the life of the process. One that reappears
    /// (paused and resumed, or retried) is rendered again.
    fn keep_announcements_of(&self, batch: &[OutboxMail]) {
        let wanted: std::collections::HashSet<i64> = batch.iter().filter_map(|m| m.announcement_id).collect();
        self.announcements
            .lock()
            .expect("cache lock")
            .retain(|id, _| wanted.contains(id));
    }

    /// Waits for this announcement mail's turn under the configured rate.
    async fn pace(&self) {
        let Some(rate) = self.worker.rate else { return };
        let slot = {
            let mut next = self.next_slot.lock().await;
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + Duration::from_secs_f64(1.0 / rate);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// How many rows one claim takes: as many as are sent at once, and under a send rate no more
/// than the rate lets leave before the lease runs out (the last of a paced batch waits
/// `n / rate` seconds before its own send timeout starts). A row whose lease ran out may be
/// claimed and sent by another instance, so it must never wait that long here.
fn claim_limit(concurrency: usize, rate: Option<f64>) -> i64 {
    let concurrency = concurrency as i64;
    match rate {
        None => concurrency,
        Some(rate) => {
            let window = (outbox::LEASE / 1_000_000) as f64 - SEND_TIMEOUT.as_secs_f64();
            ((rate * window).floor() as i64).clamp(1, concurrency)
        }
    }
}

/// How long the worker holds back at most at a time while this instance writes a burst of
/// RSVPs: the burst's own mails wait a moment, the people waiting for their answer do not (see
/// [`sbor_domain::coalesce::GiveWay`]). A burst of 2,000 is written in well under this.
const GIVE_WAY_TO_RSVPS: Duration = Duration::from_secs(1);

/// How often the worker starts due scheduled announcements and closes finished ones.
const ANNOUNCEMENT_TICK: Duration = Duration::from_secs(1);

impl Worker {
    /// Runs until `shutdown` turns true; a batch already claimed is finished first, so a
    /// graceful stop leaves no row in `sending`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(transport = %self.transport.describe(), "mail worker started");
        let env = Arc::new(Env {
            worker: self,
            announcements: Default::default(),
            next_slot: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        });
        let w = &env.worker;
        let mut last_tick: Option<std::time::Instant> = None;
        let mut give_way = GiveWay::new(GIVE_WAY_TO_RSVPS);
        loop {
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                _ = w.rsvps.give_way(&mut give_way) => {}
                _ = shutdown.changed() => continue,
            }
            if last_tick.is_none_or(|t| t.elapsed() >= ANNOUNCEMENT_TICK) {
                last_tick = Some(std::time::Instant::now());
                if let Err(e) = announcements::tick(&w.db, &w.site, sbor_domain::clock::now()).await {
                    tracing::error!(error = %e, "announcement tick failed");
                }
            }
            // The mails RSVP batches queued as bundles join the outbox before the claim.
            if let Err(e) = outbox::unpack_bundles(&w.db).await {
                tracing::error!(error = %e, "unpacking queued mail bundles failed");
            }
            match outbox::claim_due(&w.db, claim_limit(w.concurrency, w.rate)).await {
                Ok(mut batch) if !batch.is_empty() => {
                    env.keep_announcements_of(&batch);
                    let verdicts = deferred_mail::render(&w.db, &w.site, &mut batch).await;
                    let mut unsendable = Vec::new();
                    let mut tasks = JoinSet::new();
                    for (mail, verdict) in batch.into_iter().zip(verdicts) {
                        if let Some(outcome) = verdict {
                            tracing::warn!(mail_id = mail.id, outcome = ?outcome, "a deferred mail could not be rendered");
                            w.metrics.observe_mail(outcome_label(&outcome));
                            unsendable.push((mail, outcome));
                            continue;
                        }
                        let env = env.clone();
                        tasks.spawn(async move {
                            let delivery = deliver(&env, &mail).await;
                            (mail, delivery)
                        });
                    }
                    record(w, &unsendable).await;
                    // Outcomes are recorded as the sends finish, those that finished together
                    // in one transaction: a delivered mail is marked at once (a crash resends
                    // only what was in flight), yet a fast relay's burst of acceptances costs
                    // the writer one commit, not one each.
                    while let Some(done) = tasks.join_next().await {
                        let mut outcomes = Vec::new();
                        let mut next = Some(done);
                        while let Some(done) = next {
                            match done {
                                Ok(outcome) => outcomes.push(outcome),
                                // The row keeps its lease and is retried after it runs out.
                                Err(e) => tracing::error!(error = %e, "a mail delivery task failed"),
                            }
                            next = tasks.try_join_next();
                        }
                        record(w, &outcomes).await;
                    }
                }
                Ok(_) => {
                    tokio::select! {
                        _ = w.wake.notified() => {}
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

/// Sends one claimed mail and says what became of it; the outcome is recorded with those of
/// the sends that finished at the same time ([`record`]).
async fn deliver(env: &Env, mail: &OutboxMail) -> Delivery {
    let (db, metrics) = (&env.worker.db, &env.worker.metrics);
    if mail.announcement_id.is_some() {
        env.pace().await; // before the send's own timeout starts
    }
    let result = match tokio::time::timeout(SEND_TIMEOUT, send(env, mail)).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Temporary(format!(
            "no answer within {} s",
            SEND_TIMEOUT.as_secs()
        ))),
    };
    let delivery = match result {
        Ok(()) => Delivery::Sent,
        Err(SendError::Temporary(e)) => {
            tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %e, "temporary mail failure");
            Delivery::Temporary(e)
        }
        Err(SendError::Permanent(e)) => {
            tracing::warn!(mail_id = mail.id, error = %e, "permanent mail failure");
            // A bounced address gets no more announcements (account mail still goes out).
            if mail.announcement_id.is_some()
                && let Err(err) = announcements::suppress(db, &mail.recipient, &e).await
            {
                tracing::error!(mail_id = mail.id, error = %err, "recording the suppression failed");
            }
            Delivery::Permanent(e)
        }
    };
    metrics.observe_mail(outcome_label(&delivery));
    delivery
}

/// The `outcome` label of `sbor_mail_deliveries_total`.
fn outcome_label(delivery: &Delivery) -> &'static str {
    match delivery {
        Delivery::Sent => "sent",
        Delivery::Temporary(_) => "retry",
        Delivery::Permanent(_) => "failed",
    }
}

/// Records outcomes together (see [`outbox::record`]), trying again on a database error: the
/// outcomes exist only here, and losing them means resending mails that were delivered. A
/// repeat is harmless, since an outcome applies only under the lease it was claimed with.
async fn record(worker: &Worker, outcomes: &[(OutboxMail, Delivery)]) {
    if outcomes.is_empty() {
        return;
    }
    let mut pause = Duration::from_millis(100);
    for attempt in 1..=RECORD_ATTEMPTS {
        match outbox::record(&worker.db, outcomes).await {
            Ok(recorded) => {
                for ((mail, _), ok) in outcomes.iter().zip(recorded) {
                    if !ok {
                        tracing::warn!(mail_id = mail.id, "lease lost before the outcome was recorded");
                    }
                }
                return;
            }
            // After the last attempt the rows keep their leases and are retried after those run out.
            Err(e) => {
                tracing::error!(error = %e, mails = outcomes.len(), attempt, "recording the mail outcomes failed");
                if attempt < RECORD_ATTEMPTS {
                    tokio::time::sleep(pause).await;
                    pause *= 4;
                }
            }
        }
    }
}

/// Tries of [`record`]: 0.1, 0.4 and 1.6 s apart, well within the lease.
const RECORD_ATTEMPTS: u32 = 4;

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

/// An announcement's row as a message: the announcement's body with this recipient's own
/// unsubscribe link, and the RFC 8058 one-click headers.
async fn announcement_message(env: &Env, mail: &OutboxMail, id: i64) -> Result<Message, SendError> {
    let cached = env.announcements.lock().expect("cache lock").get(&id).cloned();
    let rendered = match cached {
        Some(m) => m,
        None => {
            let m = Arc::new(
                announcements::mail(&env.worker.db, id)
                    .await
                    .map_err(|e| SendError::Temporary(format!("cannot load the announcement: {e}")))?,
            );
            env.announcements
                .lock()
                .expect("cache lock")
                .insert(id, m.clone());
            m
        }
    };
    // Every announcement row is written with its recipient's user id (`announcements::start`).
    let user_id = mail
        .user_id
        .ok_or_else(|| SendError::Permanent("announcement row without a recipient user".into()))?;
    let url =
        announcements::unsubscribe_url(&env.worker.site, &env.worker.key, user_id, rendered.community_id);
    let token = announcements::unsubscribe_token(&env.worker.key, user_id, rendered.community_id);
    let one_click = env
        .worker
        .site
        .link(&format!("{}?t={token}", crate::middleware::ONE_CLICK_UNSUBSCRIBE));
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?;
    let from = Mailbox::new(Some(rendered.from_name.clone()), env.worker.from.email.clone());
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date_now()
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{one_click}>"),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".into(),
        ));
    if !rendered.reply_to.is_empty()
        && let Ok(reply_to) = rendered.reply_to.parse::<Mailbox>()
    {
        builder = builder.reply_to(reply_to);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            rendered
                .text
                .replace(announcements::UNSUBSCRIBE_PLACEHOLDER, &url),
            rendered
                .html
                .replace(announcements::UNSUBSCRIBE_PLACEHOLDER, &url),
        ))
        .map_err(|e| SendError::Permanent(format!("cannot build message: {e}")))
}

async fn send(env: &Env, mail: &OutboxMail) -> Result<(), SendError> {
    let mut message = match mail.announcement_id {
        Some(id) => announcement_message(env, mail, id).await?,
        None => build_message(&env.worker.from, mail).map_err(SendError::Permanent)?,
    };
    if let Some(dkim) = &env.worker.dkim {
        message.sign(dkim);
    }
    match &env.worker.transport {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paced_claim_never_outlasts_the_lease() {
        assert_eq!(claim_limit(8, None), 8, "no rate: as many as are sent at once");
        assert_eq!(
            claim_limit(64, Some(1000.0)),
            64,
            "a fast rate: concurrency bounds it"
        );
        for rate in [0.1, 0.15, 0.5, 1.0, 3.0] {
            let n = claim_limit(64, Some(rate));
            assert!(n >= 1);
            // The last of the batch leaves after n / rate seconds, then may take SEND_TIMEOUT.
            let worst = n as f64 / rate + SEND_TIMEOUT.as_secs_f64();
            assert!(
                worst <= (outbox::LEASE / 1_000_000) as f64,
                "{n} rows at {rate}/s could outlast the lease ({worst} s)"
            );
        }
        assert_eq!(claim_limit(64, Some(0.1)), 24);
    }
}
