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
