//! What the tests of the `sbor` binary share.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use sbor_tests::TestDatabase;

/// Starts `sbor serve` on a free port against `database`, with `env` on top of a cleared
/// environment and its stderr (the log) going to `stderr`; returns the process and the URL it
/// printed.
pub fn start_server(database: &TestDatabase, env: &[(&str, &str)], stderr: Stdio) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sbor"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("DATA_DIR", database.dir().join("data"))
        .env("BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(stderr);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start sbor");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read stdout");
    let url = line
        .trim()
        .strip_prefix("Sbor is running at ")
        .unwrap_or_else(|| panic!("prints its URL: {line}"))
        .to_owned();
    (child, url)
}
