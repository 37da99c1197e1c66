//! Coalescing of concurrent work: jobs that arrive while the previous batch for the same key is
//! running are run together as the next batch.
//!
//! Why: under a burst (2,000 members answering the moment RSVPs open) the cost is the number
//! of database round trips and transactions, not the work inside them. One statement for many
//! jobs costs little more than for one. With no burst a job runs at once, alone; a kind of work
//! may choose to let the first batch of a burst wait a few milliseconds for the jobs right
//! behind it ([`Work::GATHER`]), and then a job that comes alone waits that long.
//!
//! How: the first job for an idle key starts a drainer task; jobs arriving meanwhile join the
//! key's queue; the drainer takes up to [`Work::MAX_BATCH`] at a time until the queue is empty.
//! Drainers run on a thread of their own (see [`drainer_runtime`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a [`Coalescer`] runs: a batch of jobs for one key. Each job carries its own way of
/// answering (a oneshot sender); a job dropped unanswered tells its caller the batch failed.
pub trait Work: Send + Sync + 'static {
    type Key: Hash + Eq + Copy + Send + 'static;
    type Job: Send + 'static;
    /// Jobs in one batch at most.
    const MAX_BATCH: usize;
    /// Whether the first batch of a burst waits for more jobs while they keep coming (see
    /// [`Gather`]); `None` starts it at once.
    const GATHER: Option<Gather> = None;
    fn run(&self, key: Self::Key, jobs: Vec<Self::Job>) -> impl Future<Output = ()> + Send;
}

/// How the first batch of a burst waits for more jobs ([`Work::GATHER`]): when a drainer starts
/// for an idle key, it looks at the queue every millisecond and starts the batch once no job
/// came for `quiet`, the batch is full, or `limit` has passed.
///
/// Why: when a burst starts, the first job would otherwise run alone. Under a burst the
/// machine's cores are busy taking in the other requests, so that one-job batch takes
/// nearly as long as a full one (30–50 ms for an RSVP on PostgreSQL in a 2,000-member
/// storm), and everyone who arrived meanwhile waits for it before their own batch starts.
/// A job that comes alone waits `quiet` (rounded up to whole milliseconds, plus one).
#[derive(Clone, Copy, Debug)]
pub struct Gather {
    /// The burst has ended when no job came for this long. Jobs come in clumps, as the
    /// requests ahead of them finish their own steps (a session lookup answers up to 256 at
    /// once), and the gaps between clumps must not look like the end.
    pub quiet: Duration,
    /// The longest the first batch waits, however long the burst.
    pub limit: Duration,
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
}

impl<W: Work> Coalescer<W> {
    pub fn new(work: W) -> Self {
        Coalescer {
            inner: Arc::new(Inner {
                work,
                queues: Mutex::new(HashMap::new()),
            }),
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
            queues.remove(&self.key);
        }
    }
}

impl<W: Work> Inner<W> {
    async fn drain(&self, key: W::Key) {
        let mut guard = DrainerGuard {
            inner: self,
            key,
            armed: true,
        };
        if let Some(gather) = W::GATHER {
            self.gather(key, gather).await;
        }
        loop {
            let jobs: Vec<W::Job> = {
                let mut queues = self.queues.lock().expect("coalescer lock");
                let Some(queue) = queues.get_mut(&key) else {
                    guard.armed = false;
                    return;
                };
                if queue.is_empty() {
                    queues.remove(&key);
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

impl<W: Work> Inner<W> {
    /// Lets the key's queue fill before the first batch while jobs keep arriving (see
    /// [`Gather`]).
    async fn gather(&self, key: W::Key, gather: Gather) {
        let start = tokio::time::Instant::now();
        let (mut seen, mut grew) = (self.queued(key), start);
        loop {
            tokio::time::sleep(GATHER_STEP).await;
            let now = tokio::time::Instant::now();
            let n = self.queued(key);
            if n > seen {
                (seen, grew) = (n, now);
            }
            if n >= W::MAX_BATCH || now - grew >= gather.quiet || now - start >= gather.limit {
                return;
            }
        }
    }

    fn queued(&self, key: W::Key) -> usize {
        self.queues.lock().map_or(0, |q| q.get(&key).map_or(0, Vec::len))
    }
}

/// How often [`Inner::gather`] looks at the queue.
const GATHER_STEP: Duration = Duration::from_millis(1);

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

    type SumJob = (u64, oneshot::Sender<(usize, u64)>);

    /// Answers every job with (its batch's size, the batch sum).
    fn answer_sums(jobs: Vec<SumJob>) {
        let sum = jobs.iter().map(|j| j.0).sum();
        let n = jobs.len();
        for (_, reply) in jobs {
            let _ = reply.send((n, sum));
        }
    }

    /// Sums each batch ([`answer_sums`]); starts each batch at once.
    struct Sum;
    impl Work for Sum {
        type Key = u8;
        type Job = SumJob;
        const MAX_BATCH: usize = 4;
        async fn run(&self, _key: u8, jobs: Vec<Self::Job>) {
            answer_sums(jobs)
        }
    }

    /// Like [`Sum`], but the first batch of a burst gathers: it waits until no job came for
    /// 150 ms, or `LIMIT_MS` have passed.
    struct Gathering<const LIMIT_MS: u64>;
    impl<const LIMIT_MS: u64> Work for Gathering<LIMIT_MS> {
        type Key = u8;
        type Job = SumJob;
        const MAX_BATCH: usize = 100;
        const GATHER: Option<Gather> = Some(Gather {
            quiet: Duration::from_millis(150),
            limit: Duration::from_millis(LIMIT_MS),
        });
        async fn run(&self, _key: u8, jobs: Vec<Self::Job>) {
            answer_sums(jobs)
        }
    }

    /// Submits `count` jobs to key 0, `gap` apart; returns their answers in order.
    async fn submit_spaced<W: Work<Key = u8, Job = SumJob>>(
        c: &Coalescer<W>,
        count: u64,
        gap: Duration,
    ) -> Vec<(usize, u64)> {
        let mut answers = Vec::new();
        for i in 0..count {
            if i > 0 {
                tokio::time::sleep(gap).await;
            }
            let (tx, rx) = oneshot::channel();
            c.submit(0, (i, tx));
            answers.push(rx);
        }
        let mut out = Vec::new();
        for rx in answers {
            out.push(rx.await.expect("answered"));
        }
        out
    }

    #[tokio::test]
    async fn jobs_coming_closer_than_the_quiet_time_are_gathered_into_one_first_batch() {
        // Without gathering, the first job runs alone.
        let first = submit_spaced(&Coalescer::new(Sum), 3, Duration::from_millis(200)).await;
        assert_eq!(first[0].0, 1);
        // With it, jobs 20 ms apart (gaps shorter than the quiet time) join the first batch.
        let gathered =
            submit_spaced(&Coalescer::new(Gathering::<10_000>), 5, Duration::from_millis(20)).await;
        assert_eq!(gathered, vec![(5, 10); 5]);
    }

    /// Gathering stops as soon as a batch is full: the first `MAX_BATCH` jobs, submitted at
    /// once, do not wait for the quiet time (10 s here).
    #[tokio::test]
    async fn gathering_stops_when_the_batch_is_full() {
        struct Full;
        impl Work for Full {
            type Key = u8;
            type Job = SumJob;
            const MAX_BATCH: usize = 8;
            const GATHER: Option<Gather> = Some(Gather {
                quiet: Duration::from_secs(10),
                limit: Duration::from_secs(20),
            });
            async fn run(&self, _key: u8, jobs: Vec<Self::Job>) {
                answer_sums(jobs)
            }
        }
        let started = std::time::Instant::now();
        let answers = submit_spaced(&Coalescer::new(Full), 8, Duration::ZERO).await;
        assert_eq!(answers, vec![(8, 28); 8]);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_lone_job_waits_the_quiet_time_and_a_long_burst_the_limit() {
        let started = std::time::Instant::now();
        let alone = submit_spaced(&Coalescer::new(Gathering::<10_000>), 1, Duration::ZERO).await;
        let waited = started.elapsed();
        assert_eq!(alone, vec![(1, 0)]);
        assert!(
            (Duration::from_millis(150)..Duration::from_secs(5)).contains(&waited),
            "{waited:?}"
        );
        // Jobs every 50 ms for 1.5 s never leave a quiet gap; the first batch starts at the
        // 400 ms limit with the 8 or 9 jobs that came by then, and the rest follow.
        let burst = submit_spaced(&Coalescer::new(Gathering::<400>), 30, Duration::from_millis(50)).await;
        let first = burst[0].0;
        assert!((2..20).contains(&first), "first batch of {first}");
        assert_eq!(
            burst.iter().map(|a| a.0).take(first).collect::<Vec<_>>(),
            vec![first; first]
        );
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
}
