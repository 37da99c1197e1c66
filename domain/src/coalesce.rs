//! Coalescing of concurrent work: jobs that arrive while the previous batch for the same key is
//! running are run together as the next batch.
//!
//! Why: under a burst (2,000 members answering the moment RSVPs open) the cost is the number
//! of database round trips and transactions, not the work inside them. One statement for many
//! jobs costs little more than for one. With no burst a job runs at once, alone, so nothing
//! waits for a timer or a batch to fill.
//!
//! How: the first job for an idle key starts a drainer task; jobs arriving meanwhile join the
//! key's queue; the drainer takes up to [`Work::MAX_BATCH`] at a time until the queue is empty.
//! Drainers run on a thread of their own (see [`drainer_runtime`]).
//!
//! Background work that competes for the same cores and database (the mail worker) can ask a
//! coalescer whether a burst is under way and give way to it for a while ([`GiveWay`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// What a [`Coalescer`] runs: a batch of jobs for one key. Each job carries its own way of
/// answering (a oneshot sender); a job dropped unanswered tells its caller the batch failed.
pub trait Work: Send + Sync + 'static {
    type Key: Hash + Eq + Copy + Send + 'static;
    type Job: Send + 'static;
    /// Jobs in one batch at most.
    const MAX_BATCH: usize;
    fn run(&self, key: Self::Key, jobs: Vec<Self::Job>) -> impl Future<Output = ()> + Send;
}

pub struct Coalescer<W: Work> {
    inner: Arc<Inner<W>>,
}

impl<W: Work> Clone for Coalescer<W> {
    fn clone(&self) -> Self {
        Coalescer {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<W: Work> {
    work: W,
    /// Keys with a running drainer, and the jobs it has not taken yet. An entry exists exactly
    /// while a drainer runs for that key.
    queues: Mutex<HashMap<W::Key, Vec<W::Job>>>,
    /// Woken when the last drainer ends, for [`Coalescer::idle`].
    idle: Notify,
}

impl<W: Work> Coalescer<W> {
    pub fn new(work: W) -> Self {
        Coalescer {
            inner: Arc::new(Inner {
                work,
                queues: Mutex::new(HashMap::new()),
                idle: Notify::new(),
            }),
        }
    }

    /// Whether a batch is running or queued for any key.
    pub fn is_busy(&self) -> bool {
        !self.inner.queues.lock().expect("coalescer lock").is_empty()
    }

    /// Completes once no batch runs or waits for any key: at once when none does.
    pub async fn idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the check, so a drainer ending in between still wakes us.
            notified.as_mut().enable();
            if !self.is_busy() {
                return;
            }
            notified.await;
        }
    }

    /// Queues `job` for `key`, starting a drainer if none runs for it.
    pub fn submit(&self, key: W::Key, job: W::Job) {
        let start_drainer = {
            let mut queues = self.inner.queues.lock().expect("coalescer lock");
            match queues.get_mut(&key) {
                Some(queue) => {
                    queue.push(job);
                    false
                }
                None => {
                    queues.insert(key, vec![job]);
                    true
                }
            }
        };
        if start_drainer {
            // A task of its own, so a client that hangs up cannot stop other people's batch.
            let inner = self.inner.clone();
            drainer_runtime().spawn(async move { inner.drain(key).await });
        }
    }
}

/// Removes the key's queue entry if the drainer ends abnormally (a panic in `run`): such an
/// entry would otherwise queue the key's jobs forever. Jobs still queued are dropped with it,
/// which their callers see as an error.
///
/// A drainer that ends normally removes its entry itself, under the lock, when it finds the
/// queue empty, and disarms the guard in the same critical section: once the lock is released
/// a new job may start a new drainer with a new entry, which this guard must not remove.
struct DrainerGuard<'a, W: Work> {
    inner: &'a Inner<W>,
    key: W::Key,
    armed: bool,
}

impl<W: Work> Drop for DrainerGuard<'_, W> {
    fn drop(&mut self) {
        if self.armed
            && let Ok(mut queues) = self.inner.queues.lock()
        {
            self.inner.remove_queue(&mut queues, self.key);
        }
    }
}

impl<W: Work> Inner<W> {
    /// Removes `key`'s queue entry (its drainer is ending); removing the last one wakes
    /// whoever waits in [`Coalescer::idle`]. Called with the queues' lock held.
    fn remove_queue(&self, queues: &mut HashMap<W::Key, Vec<W::Job>>, key: W::Key) {
        queues.remove(&key);
        if queues.is_empty() {
            self.idle.notify_waiters();
        }
    }

    async fn drain(&self, key: W::Key) {
        let mut guard = DrainerGuard {
            inner: self,
            key,
            armed: true,
        };
        loop {
            let jobs: Vec<W::Job> = {
                let mut queues = self.queues.lock().expect("coalescer lock");
                let Some(queue) = queues.get_mut(&key) else {
                    guard.armed = false;
                    return;
                };
                if queue.is_empty() {
                    self.remove_queue(&mut queues, key);
                    guard.armed = false;
                    return;
                }
                let n = queue.len().min(W::MAX_BATCH);
                queue.drain(..n).collect()
            };
            self.work.run(key, jobs).await;
        }
    }
}

/// Lets background work give way to a coalescer's bursts, for a bounded time.
///
/// Why: when 2,000 members RSVP at once, each batch's commit wakes the mail worker, which then
/// unpacks, claims, renders and sends the answers' mails while the rest of the burst is still
/// being taken in and written: on two cores it took the server, PostgreSQL and the SMTP
/// relay's share of the cores from the batches everyone was waiting for (PostgreSQL storm p99
/// 175 ms with the worker against 155 ms without it, median of 16 storms each). Mail that
/// leaves a few hundred milliseconds later costs nobody anything.
///
/// The bounds: one wait lasts at most `max`, and after waiting for some time the work runs
/// for at least as long before it gives way again. However busy the coalescer stays, the
/// background work keeps at least half of its time: RSVPs delay mail, they never stop it.
#[derive(Debug)]
pub struct GiveWay {
    max: Duration,
    /// Until when the work runs without giving way: as long after a wait as the wait lasted.
    free_until: Option<Instant>,
}

impl GiveWay {
    /// Gives way for at most `max` at a time.
    pub fn new(max: Duration) -> GiveWay {
        GiveWay {
            max,
            free_until: None,
        }
    }

    /// Waits while `coalescer` is busy, for at most `max`, unless the last wait was so recent
    /// that it is the work's turn.
    pub async fn wait<W: Work>(&mut self, coalescer: &Coalescer<W>) {
        if self.free_until.is_some_and(|t| Instant::now() < t) || !coalescer.is_busy() {
            return;
        }
        let started = Instant::now();
        let _ = tokio::time::timeout(self.max, coalescer.idle()).await;
        let now = Instant::now();
        self.free_until = Some(now + (now - started));
    }
}

/// The runtime the drainers run on: one thread of its own. Under a burst thousands of request
/// tasks are ready at once on the main runtime; a drainer there waited behind all of them at
/// every statement, and since it is the serial step, its delay was everybody's (measured with
/// `scripts/loadtest.sh`). Process-wide and never dropped (a runtime may not be dropped
/// inside another).
fn drainer_runtime() -> &'static tokio::runtime::Handle {
    static HANDLE: std::sync::OnceLock<tokio::runtime::Handle> = std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("building the drainer runtime");
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("sbor-batches".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .expect("starting the drainer thread");
        handle
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    /// Sums each batch and answers every job with (its batch's size, the batch sum).
    struct Sum;
    impl Work for Sum {
        type Key = u8;
        type Job = (u64, oneshot::Sender<(usize, u64)>);
        const MAX_BATCH: usize = 4;
        async fn run(&self, _key: u8, jobs: Vec<Self::Job>) {
            let sum = jobs.iter().map(|j| j.0).sum();
            let n = jobs.len();
            for (_, reply) in jobs {
                let _ = reply.send((n, sum));
            }
        }
    }

    #[tokio::test]
    async fn every_job_is_answered_once_in_batches_of_at_most_max() {
        let c = Coalescer::new(Sum);
        let mut answers = Vec::new();
        for i in 0..50u64 {
            let (tx, rx) = oneshot::channel();
            c.submit((i % 2) as u8, (i, tx));
            answers.push(rx);
        }
        for rx in answers {
            let (n, _) = rx.await.expect("answered");
            assert!((1..=Sum::MAX_BATCH).contains(&n));
        }
        // All drainers finished and removed their entries.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(c.inner.queues.lock().unwrap().is_empty());
    }

    /// A job submitted just as the previous drainer for its key ends starts a new drainer,
    /// and the ending one must not remove the new drainer's queue (its job would be dropped
    /// unanswered). Many one-job rounds on one key, from several threads, hit that moment.
    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn a_job_arriving_as_a_drainer_ends_is_answered() {
        let c = Coalescer::new(Sum);
        let mut tasks = Vec::new();
        for t in 0..8u64 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..20_000u64 {
                    let (tx, rx) = oneshot::channel();
                    c.submit(0, (t * 10_000 + i, tx));
                    rx.await.expect("every job is answered");
                }
            }));
        }
        for t in tasks {
            t.await.expect("no job was dropped");
        }
    }

    /// Holds every batch until the test adds a permit: a burst that lasts as long as we like.
    struct Held(Arc<tokio::sync::Semaphore>);
    impl Work for Held {
        type Key = u8;
        type Job = oneshot::Sender<()>;
        const MAX_BATCH: usize = 16;
        async fn run(&self, _key: u8, jobs: Vec<Self::Job>) {
            self.0.acquire().await.expect("semaphore open").forget();
            for reply in jobs {
                let _ = reply.send(());
            }
        }
    }

    fn held() -> (Coalescer<Held>, Arc<tokio::sync::Semaphore>) {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        (Coalescer::new(Held(gate.clone())), gate)
    }

    const SHORT: Duration = Duration::from_millis(100);
    const LONG: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn idle_waits_for_the_running_batch_and_no_longer() {
        let (c, gate) = held();
        assert!(!c.is_busy());
        tokio::time::timeout(SHORT, c.idle())
            .await
            .expect("idle at once with nothing queued");
        let (tx, rx) = oneshot::channel();
        c.submit(1, tx);
        assert!(c.is_busy());
        assert!(
            tokio::time::timeout(SHORT, c.idle()).await.is_err(),
            "idle while a batch runs"
        );
        gate.add_permits(1);
        tokio::time::timeout(LONG, c.idle())
            .await
            .expect("idle once the batch ended");
        assert!(!c.is_busy());
        rx.await.expect("the job was answered");
    }

    /// How long one `GiveWay::wait` took; a wait that never ends fails the test.
    async fn timed_wait(give_way: &mut GiveWay, c: &Coalescer<Held>) -> Duration {
        let started = Instant::now();
        tokio::time::timeout(LONG, give_way.wait(c))
            .await
            .expect("a wait ends within its bound");
        started.elapsed()
    }

    #[tokio::test]
    async fn giving_way_waits_while_busy_up_to_its_bound_then_lets_the_work_run() {
        let (c, gate) = held();
        let mut give_way = GiveWay::new(SHORT);
        assert!(
            timed_wait(&mut give_way, &c).await < SHORT,
            "no wait with nothing running"
        );

        let (tx, rx) = oneshot::channel();
        c.submit(1, tx);
        let waited = timed_wait(&mut give_way, &c).await;
        assert!(
            waited >= SHORT,
            "waited {waited:?}, less than the bound while busy"
        );
        // Still busy, but now it is the work's turn, for as long as it waited.
        assert!(
            timed_wait(&mut give_way, &c).await < SHORT,
            "gave way again at once"
        );
        tokio::time::sleep(waited).await;
        assert!(
            timed_wait(&mut give_way, &c).await >= SHORT,
            "did not give way again after its turn"
        );

        // The end of the burst ends a wait early.
        let mut long_way = GiveWay::new(LONG);
        let started = Instant::now();
        let waiter = {
            let c = c.clone();
            tokio::spawn(async move { long_way.wait(&c).await })
        };
        tokio::time::sleep(SHORT).await;
        assert!(!waiter.is_finished(), "gave way for less than the running batch");
        gate.add_permits(1);
        tokio::time::timeout(LONG, waiter)
            .await
            .expect("the wait ended with the batch")
            .expect("no panic");
        assert!(started.elapsed() < LONG);
        rx.await.expect("the job was answered");
    }
}
