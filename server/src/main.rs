//! `sbor`: parse the command line and configuration, then hand over to the library.

use clap::Parser;
use sbor_server::cli::{self, Cli};
use sbor_server::{Config, telemetry};

/// mimalloc instead of glibc's malloc: rendering a page allocates many small strings across
/// threads, where glibc's arenas spent about a sixth of the event page's CPU (measured with
/// `perf` under `scripts/loadtest.sh`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    no_transparent_huge_pages();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    telemetry::init(config.log_format);
    if let Err(e) = cli::run(cli, config).await {
        // Through the log (stderr), in the configured format; one line.
        tracing::error!(error = %format!("{e:#}"), "sbor failed");
        std::process::exit(1);
    }
}

/// Turns transparent huge pages off for this process.
///
/// Why: mimalloc asks for huge pages on its arena (`MADV_HUGEPAGE`), so on a kernel with THP
/// in `madvise` mode (the common default) the first touch of each 2 MiB of fresh heap makes
/// the kernel clear all of it. Under a burst of 2,000 RSVPs on a fresh server, clearing
/// pages was 40 % of the server's CPU and held the storm's p99 at 300+ ms; with THP off it was
/// under 200 ms and the peak RSS fell from about 160 to 105 MiB (`scripts/loadtest.sh`,
/// `perf record`). Latency-minded servers (Redis, MongoDB) advise the same.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
        let done = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
        if done != 0 {
            // Not fatal: only slower. Logging is not set up yet.
            eprintln!(
                "sbor: could not turn transparent huge pages off: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}
