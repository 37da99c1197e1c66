//! The Sbor server: configuration, HTTP wiring, background workers and the admin CLI.
//! `main.rs` only parses the command line; everything else is here so tests can start the
//! real application in-process.

pub mod application;
pub mod cli;
pub mod config;
pub mod exports;
pub mod mailer;
pub mod maintenance;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod seed;
pub mod telemetry;

pub use application::Application;
pub use config::Config;
