//! A minimal HTTP/1.1 client over one keep-alive TCP connection, for the load tests.
//!
//! Why not reqwest: the load generator shares this machine's two cores with the server, and
//! whatever CPU it spends per request is taken from the server and counted in the latencies
//! it reports (a request built and queued inside the client has not reached the server yet).
//! reqwest hands each request through a pool and a connection task; here a request is bytes
//! prepared in advance, written with one `write_all`, and its answer is read straight off the
//! socket. That is all a load tool needs (`wrk` works the same way), and it keeps the numbers
//! about the server.

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One answer: status and body (headers are not kept).
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

pub struct Conn {
    stream: TcpStream,
    /// Bytes read past the previous answer (none with a well-behaved server; kept anyway).
    buf: Vec<u8>,
    timeout: Duration,
}

/// Where the server listens, from a base URL such as `http://127.0.0.1:3000`.
pub fn host_port(base_url: &str) -> anyhow::Result<String> {
    let rest = base_url
        .strip_prefix("http://")
        .context("the raw client speaks plain http:// only")?;
    Ok(rest
        .trim_end_matches('/')
        .split('/')
        .next()
        .unwrap_or(rest)
        .to_owned())
}

/// The bytes of a request. `headers` are full lines without the line end.
pub fn request(method: &str, host: &str, path: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

impl Conn {
    pub async fn open(host: &str, timeout: Duration) -> anyhow::Result<Conn> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(host))
            .await
            .context("connecting timed out")?
            .with_context(|| format!("connecting to {host}"))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            timeout,
        })
    }

    /// Sends a prepared request and reads its answer.
    pub async fn send(&mut self, request: &[u8]) -> anyhow::Result<Answer> {
        tokio::time::timeout(self.timeout, async {
            self.stream
                .write_all(request)
                .await
                .context("writing the request")?;
            self.read_answer().await
        })
        .await
        .context("no answer in time")?
    }

    async fn read_answer(&mut self) -> anyhow::Result<Answer> {
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).context("answer head is not UTF-8")?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("no status in the answer")?;
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        };
        let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        let length: Option<usize> = header("content-length").and_then(|v| v.parse().ok());
        self.buf.drain(..head_end);
        let body = if chunked {
            self.read_chunked().await?
        } else if let Some(n) = length {
            while self.buf.len() < n {
                self.fill().await?;
            }
            self.buf.drain(..n).collect()
        } else {
            bail!("an answer without Content-Length or chunked encoding");
        };
        Ok(Answer { status, body })
    }

    async fn read_chunked(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf, b"\r\n") {
                    break i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[..line_end])?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .with_context(|| format!("bad chunk size {size_text:?}"))?;
            // The chunk and the line end after it.
            while self.buf.len() < line_end + 2 + size + 2 {
                self.fill().await?;
            }
            body.extend_from_slice(&self.buf[line_end + 2..line_end + 2 + size]);
            self.buf.drain(..line_end + 2 + size + 2);
            if size == 0 {
                return Ok(body);
            }
        }
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await.context("reading the answer")?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Serves `answers` one after the other on one connection.
    async fn server(answers: Vec<&'static [u8]>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            for a in answers {
                let _ = s.read(&mut buf).await.unwrap();
                s.write_all(a).await.unwrap();
            }
        });
        addr
    }

    #[tokio::test]
    async fn reads_length_and_chunked_answers_on_one_connection() {
        let addr = server(vec![
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        ])
        .await;
        let mut c = Conn::open(&addr, Duration::from_secs(5)).await.unwrap();
        let req = request("GET", &addr, "/", &[], b"");
        let a = c.send(&req).await.unwrap();
        assert_eq!((a.status, a.body.as_slice()), (200, &b"hello"[..]));
        let a = c.send(&req).await.unwrap();
        assert_eq!((a.status, a.body.as_slice()), (404, &b"abcde"[..]));
    }

    #[test]
    fn builds_a_request() {
        let r = request(
            "POST",
            "h:1",
            "/api/x",
            &["Accept: application/json".into()],
            b"a=1",
        );
        assert_eq!(
            String::from_utf8(r).unwrap(),
            "POST /api/x HTTP/1.1\r\nHost: h:1\r\nAccept: application/json\r\nContent-Length: 3\r\n\r\na=1"
        );
        assert_eq!(host_port("http://127.0.0.1:3000/").unwrap(), "127.0.0.1:3000");
    }
}
