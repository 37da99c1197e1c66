//! `sbor-load`: load tests against a running Sbor server.
//!
//! * `prepare` fills the server's database (10 000 members, an event page with 2 000 RSVPs,
//!   fresh limited events and session tokens for a storm);
//! * `page` measures how many event pages the server renders per second, next to a path that
//!   does no work (`/healthz`) so the ratio travels between machines;
//! * `announce` starts the server against a local SMTP sink and sends one announcement to N
//!   members: messages per second, time to the first message, peak memory, page latency;
//! * `review` seeds an event with talks and reviews (500 and 2 000 by default) and measures
//!   the organizers' review dashboard `/e/ID/talks`, logged in as the organizer;
//! * `schedule` seeds a three-day conference with 300 talks, fills and publishes its schedule,
//!   and measures the public schedule page and `schedule.json`;
//! * `solve` times the schedule solver on a made-up conference (300 talks, 6 rooms, 3 days by
//!   default) and checks each result for conflicts; no server needed;
//! * `storm` sends thousands of RSVPs to one limited event at once and checks through the
//!   database that no seat was given twice.
//!
//! Every measurement ends with a Markdown table (for people and reports) and one JSON line
//! (for scripts), both on stdout; progress and diagnostics go to stderr.

mod announce;
mod page;
mod prepare;
mod raw_http;
mod review;
mod rss;
mod schedule;
mod smtp_sink;
mod solve;
mod stats;
mod storm;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sbor-load",
    version,
    about = "Load tests against a running Sbor server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One announcement to N members through a local SMTP sink (starts the server itself).
    Announce {
        /// The `sbor` binary to start.
        #[arg(long, default_value = "target/release/sbor")]
        server: PathBuf,
        /// A fresh database: `sqlite://…` or `postgres://…`.
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 20_000)]
        recipients: usize,
        /// MAIL_RATE for the server; unset = no limit.
        #[arg(long)]
        mail_rate: Option<String>,
        /// SMTP_CONCURRENCY for the server; unset = its default.
        #[arg(long)]
        smtp_concurrency: Option<String>,
    },
    /// Fill the server's database: members, a community, events, RSVPs, session tokens.
    Prepare {
        /// The server's database: `sqlite://…` or `postgres://…`.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// The server's public URL (for links in the few mails the domain queues).
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        base_url: String,
        #[arg(long, default_value_t = 10_000)]
        members: usize,
        /// RSVPs (all "going") to the page event.
        #[arg(long, default_value_t = 2_000)]
        rsvps: usize,
        /// Members who get a session token for the storm.
        #[arg(long, default_value_t = 2_000)]
        storm_members: usize,
        #[arg(long, default_value_t = 300)]
        storm_capacity: i64,
        /// Fresh storm events to create (each storm needs its own).
        #[arg(long, default_value_t = 2)]
        storm_events: usize,
        #[arg(long, default_value = "tokens.json")]
        out: PathBuf,
    },
    /// Closed-loop GET load on a path (e.g. `/e/ID`), optionally compared with another.
    Page {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        path: String,
        /// A second path measured the same way, for the throughput ratio (e.g. `/healthz`).
        #[arg(long)]
        compare: Option<String>,
        /// Text the page must contain (e.g. the event's title): a 200 without it is an error.
        #[arg(long)]
        expect: Option<String>,
        /// Workers, each with its own keep-alive connection.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value = "20s", value_parser = stats::parse_duration)]
        duration: Duration,
        #[arg(long, default_value = "3s", value_parser = stats::parse_duration)]
        warmup: Duration,
        #[arg(long, default_value = "30s", value_parser = stats::parse_duration)]
        timeout: Duration,
        /// Sample this process's memory and CPU during the measurement.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Seed an event with talks and reviews, then load its review dashboard as the organizer.
    Review {
        /// The server's database: `sqlite://…` or `postgres://…`.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        base_url: String,
        #[arg(long, default_value_t = 500)]
        talks: usize,
        #[arg(long, default_value_t = 2_000)]
        reviews: usize,
        /// Reviewers the reviews are spread over.
        #[arg(long, default_value_t = 8)]
        reviewers: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value = "20s", value_parser = stats::parse_duration)]
        duration: Duration,
        #[arg(long, default_value = "3s", value_parser = stats::parse_duration)]
        warmup: Duration,
        #[arg(long, default_value = "30s", value_parser = stats::parse_duration)]
        timeout: Duration,
        #[arg(long)]
        server_pid: Option<u32>,
        /// Only seed (print the event id and a session), do not measure.
        #[arg(long)]
        seed_only: bool,
    },
    /// Seed a conference, fill and publish its schedule, then load the public page and JSON.
    Schedule {
        /// The server's database: `sqlite://…` or `postgres://…`.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        base_url: String,
        #[arg(long, default_value_t = 300)]
        talks: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value = "20s", value_parser = stats::parse_duration)]
        duration: Duration,
        #[arg(long, default_value = "3s", value_parser = stats::parse_duration)]
        warmup: Duration,
        #[arg(long, default_value = "30s", value_parser = stats::parse_duration)]
        timeout: Duration,
        #[arg(long)]
        server_pid: Option<u32>,
        /// Only seed, do not measure.
        #[arg(long)]
        seed_only: bool,
    },
    /// An SMTP server that accepts and counts every message, for a server under load
    /// (`SMTP_URL=smtp://127.0.0.1:PORT`). Runs until interrupted, then prints the count.
    Sink {
        #[arg(long, default_value_t = 2525)]
        port: u16,
    },
    /// Times "Fill the schedule" on a made-up conference and checks the result.
    Solve {
        #[arg(long, default_value_t = 300)]
        talks: usize,
        #[arg(long, default_value_t = 6)]
        rooms: usize,
        #[arg(long, default_value_t = 3)]
        days: usize,
        #[arg(long, default_value_t = 8)]
        tracks: usize,
        /// Conferences to solve (seeds 1..=N).
        #[arg(long, default_value_t = 10)]
        seeds: u64,
    },
    /// Everyone in the tokens file RSVPs once to a limited event, then the database is checked.
    Storm {
        #[arg(long)]
        base_url: String,
        #[arg(long, default_value = "tokens.json")]
        tokens: PathBuf,
        /// Requests in flight at once; at least the number of tokens means all at once.
        #[arg(long, default_value_t = 2_000)]
        concurrency: usize,
        /// The server's database, for the checks (without it only HTTP results are reported).
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
        #[arg(long)]
        server_pid: Option<u32>,
        /// Which prepared storm event to use: 0 for the first, 1 for the second, …
        #[arg(long, default_value_t = 0)]
        event_index: usize,
        /// An explicit event id instead of one from the tokens file.
        #[arg(long)]
        event: Option<i64>,
        /// Open connections inside the measured requests instead of before the start.
        #[arg(long)]
        cold: bool,
        #[arg(long, default_value = "60s", value_parser = stats::parse_duration)]
        timeout: Duration,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            // One line with the chain of causes; a backtrace says nothing to whoever runs a test.
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Schedule {
            database_url,
            base_url,
            talks,
            concurrency,
            duration,
            warmup,
            timeout,
            server_pid,
            seed_only,
        } => {
            let passed = schedule::run(schedule::Options {
                database_url,
                base_url: base_url.trim_end_matches('/').to_owned(),
                talks,
                concurrency,
                duration,
                warmup,
                timeout,
                server_pid,
                seed_only,
            })
            .await?;
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Sink { port } => {
            let (port, sink) = smtp_sink::start(port, std::time::Instant::now()).await?;
            eprintln!("SMTP sink on 127.0.0.1:{port}");
            tokio::signal::ctrl_c().await?;
            let messages = sink.messages.load(std::sync::atomic::Ordering::Relaxed);
            println!("{messages} messages accepted");
            Ok(ExitCode::SUCCESS)
        }
        Command::Solve {
            talks,
            rooms,
            days,
            tracks,
            seeds,
        } => {
            let shape = sbor_domain::schedule::sample::Shape {
                talks,
                rooms,
                days,
                tracks,
            };
            solve::run(solve::Options { shape, seeds })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Prepare {
            database_url,
            base_url,
            members,
            rsvps,
            storm_members,
            storm_capacity,
            storm_events,
            out,
        } => {
            prepare::run(prepare::Options {
                database_url,
                base_url,
                members,
                rsvps,
                storm_members,
                storm_capacity,
                storm_events,
                out,
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Page {
            base_url,
            path,
            compare,
            expect,
            concurrency,
            duration,
            warmup,
            timeout,
            server_pid,
        } => {
            let passed = page::run(page::Options {
                base_url: base_url.trim_end_matches('/').to_owned(),
                path,
                compare,
                expect,
                concurrency,
                duration,
                warmup,
                timeout,
                server_pid,
                session: None,
            })
            .await?;
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Review {
            database_url,
            base_url,
            talks,
            reviews,
            reviewers,
            concurrency,
            duration,
            warmup,
            timeout,
            server_pid,
            seed_only,
        } => {
            let passed = review::run(review::Options {
                database_url,
                base_url: base_url.trim_end_matches('/').to_owned(),
                talks,
                reviews,
                reviewers,
                concurrency,
                duration,
                warmup,
                timeout,
                server_pid,
                seed_only,
            })
            .await?;
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Announce {
            server,
            database_url,
            recipients,
            mail_rate,
            smtp_concurrency,
        } => {
            announce::run(announce::Options {
                server,
                database_url,
                recipients,
                mail_rate,
                smtp_concurrency,
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Storm {
            base_url,
            tokens,
            concurrency,
            database_url,
            server_pid,
            event_index,
            event,
            cold,
            timeout,
        } => {
            let passed = storm::run(storm::Options {
                base_url: base_url.trim_end_matches('/').to_owned(),
                tokens,
                concurrency,
                database_url,
                server_pid,
                event_index,
                event,
                cold,
                timeout,
            })
            .await?;
            // A failed check is the test's verdict, not a crash: exit 1 without a backtrace.
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
