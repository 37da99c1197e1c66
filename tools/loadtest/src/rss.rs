//! Peak resident memory of the server process while a test runs.
//!
//! Why a plain thread and not a tokio task: during a storm thousands of tasks compete for two
//! cores, and a sampler on the same runtime would be starved exactly when memory peaks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Samples `/proc/PID/status` every 50 ms until stopped.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    max_kib: Arc<AtomicU64>,
    start_kib: u64,
    pid: u32,
    handle: Option<JoinHandle<()>>,
}

/// What the sampler saw, in KiB.
#[derive(Clone, Copy, Debug)]
pub struct RssReport {
    pub start_kib: u64,
    pub max_kib: u64,
    pub end_kib: u64,
}

/// `VmRSS` of a process in KiB, or None when the process is gone or the line missing.
pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

impl RssSampler {
    /// Starts sampling; fails when the process cannot be read (wrong pid, not Linux).
    pub fn start(pid: u32) -> anyhow::Result<RssSampler> {
        let start_kib =
            vm_rss_kib(pid).ok_or_else(|| anyhow::anyhow!("cannot read VmRSS from /proc/{pid}/status"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let max_kib = Arc::new(AtomicU64::new(start_kib));
        let handle = {
            let (stop, max_kib) = (stop.clone(), max_kib.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kib) = vm_rss_kib(pid) {
                        max_kib.fetch_max(kib, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Ok(RssSampler {
            stop,
            max_kib,
            start_kib,
            pid,
            handle: Some(handle),
        })
    }

    pub fn finish(mut self) -> RssReport {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let end_kib = vm_rss_kib(self.pid).unwrap_or(0);
        RssReport {
            start_kib: self.start_kib,
            max_kib: self.max_kib.load(Ordering::Relaxed).max(end_kib),
            end_kib,
        }
    }
}

/// CPU time (user + system) a process has used, in clock ticks, from `/proc/PID/stat`.
/// `pid` None means this process.
pub fn cpu_ticks(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may contain spaces; the fields after its ')' are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Linux reports CPU times in USER_HZ ticks, 100 per second on every mainstream kernel;
/// reading it through `sysconf` would need libc for one constant.
pub const TICKS_PER_SECOND: f64 = 100.0;

/// CPU use of a process over a span, in cores (1.0 = one core busy all the time).
pub struct CpuMeter {
    pid: Option<u32>,
    start_ticks: u64,
    started: std::time::Instant,
}

impl CpuMeter {
    pub fn start(pid: Option<u32>) -> Option<CpuMeter> {
        Some(CpuMeter {
            pid,
            start_ticks: cpu_ticks(pid)?,
            started: std::time::Instant::now(),
        })
    }

    pub fn cores(&self) -> Option<f64> {
        let ticks = cpu_ticks(self.pid)?.saturating_sub(self.start_ticks);
        Some(ticks as f64 / TICKS_PER_SECOND / self.started.elapsed().as_secs_f64())
    }
}
