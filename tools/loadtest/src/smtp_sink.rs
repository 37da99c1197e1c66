//! A minimal SMTP server that accepts every message and counts it: the mail server of the
//! load tests (`announce`, and `sink` for `scripts/loadtest.sh`). The server under test then
//! sends its mail the way it does in production, over SMTP, while the sink stores nothing,
//! so what is measured is the server's sending, not a mail server's storage. Without it the
//! server writes every mail as an `.eml` file, and creating thousands of files in one
//! directory took half of the server's CPU during an RSVP storm (measured with `perf`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::stats::micros;

/// Messages accepted by the sink, and when the first one arrived.
#[derive(Default)]
pub struct Sink {
    pub messages: AtomicU64,
    pub first_us: AtomicU64,
}

/// Listens on 127.0.0.1:`port` (0 = any free port) and returns the port.
pub async fn start(port: u16, started: Instant) -> anyhow::Result<(u16, Arc<Sink>)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let sink = Arc::new(Sink::default());
    let s = sink.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let s = s.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut line = String::new();
                let mut in_data = false;
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if in_data {
                        if line == ".\r\n" {
                            in_data = false;
                            if s.messages.fetch_add(1, Ordering::Relaxed) == 0 {
                                s.first_us.store(micros(started.elapsed()), Ordering::Relaxed);
                            }
                            let _ = write.write_all(b"250 ok\r\n").await;
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok((port, sink))
}
