//! A real SMTP server on loopback for the end-to-end tests.
//!
//! The application sends mail (sign-up confirmations, password resets, …)
//! with lettre's async SMTP transport. The tests must read that mail from a
//! real SMTP server on `127.0.0.1`, not from a stub transport swapped in for
//! tests: only then do they exercise what production runs — lettre's
//! connection pool, the SMTP dialogue, dot-stuffing, the MIME encoding of
//! non-ASCII bodies and RFC 2047 subjects, and the handling of 4xx/5xx
//! replies.
//!
//! [`TestSmtp::start`] binds port 0 and answers enough of RFC 5321 for lettre
//! 0.11: `EHLO`/`HELO`, `AUTH PLAIN`/`AUTH LOGIN` (any credentials),
//! `MAIL FROM`, `RCPT TO`, `DATA`, `RSET`, `NOOP`, `QUIT`; anything else is
//! answered `502`. There is no TLS. Each connection runs in its own task and
//! may carry any number of messages. What `RCPT TO` answers for an address
//! is set with [`TestSmtp::set_rule`].
//!
//! Note that lettre gives up on the whole message (and closes the
//! connection) as soon as one `RCPT TO` is refused, so a rule that refuses
//! one recipient of a multi-recipient message makes lettre fail that send.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::{Message, MessageParser, PartType};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// Longest command line the server reads (RFC 5321 allows 512 octets; be
/// generous). A longer line is answered `500` and the connection is closed.
const MAX_COMMAND_LINE: usize = 64 * 1024;

/// Largest message the server accepts, so a broken client cannot exhaust
/// memory. A larger one is answered `552` once the data has been read.
const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// The host name the server gives in its greeting and `EHLO` reply.
const SERVER_NAME: &str = "test-smtp.localhost";

/// A mail server for tests, listening on `127.0.0.1` on a port of its own.
///
/// Dropping it stops the server: the accept loop and every open connection
/// are aborted.
/// Clones share one server (two application instances can mail through it); it stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct TestSmtp {
    port: u16,
    shared: Arc<Shared>,
    /// Held for its Drop: the last clone stops the server.
    _accept_loop: Arc<AcceptLoop>,
}

struct AcceptLoop(JoinHandle<()>);

/// A message the server accepted (its `DATA` was answered `250`).
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets; empty for
    /// the null sender `<>`.
    pub from: String,
    /// The accepted envelope recipients (`RCPT TO`), without angle brackets,
    /// as the client spelled them.
    pub to: Vec<String>,
    /// The raw message as received, after dot-unstuffing, without the
    /// terminating `.` line.
    pub data: Vec<u8>,
}

/// What the server answers to `RCPT TO` for a given recipient.
#[derive(Clone, Debug)]
pub enum RcptRule {
    /// `250`: the recipient is accepted (the default).
    Accept,
    /// `451 4.3.0`: a transient failure, every time.
    TempFail,
    /// `550 5.1.1`: a permanent failure, every time.
    PermFail,
    /// `451 4.3.0` for the first N attempts for that address, then accept.
    TempFailTimes(u32),
}

/// State shared by the handle and every connection task.
struct Shared {
    state: Mutex<State>,
    /// Woken whenever a message is stored.
    arrived: Notify,
}

#[derive(Default)]
struct State {
    /// Accepted messages, in the order their `DATA` completed.
    messages: Vec<ReceivedMail>,
    /// Rules by lower-cased address, with the number of `RCPT TO` attempts
    /// for that address that the rule has refused so far.
    rules: HashMap<String, (RcptRule, u32)>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Decides the reply to `RCPT TO:<address>`, counting the attempt.
    fn rcpt_reply(&self, address: &str) -> Reply {
        let mut state = self.lock();
        let Some((rule, refused)) = state.rules.get_mut(&address.to_lowercase()) else {
            return Reply::RcptOk;
        };
        match rule {
            RcptRule::Accept => Reply::RcptOk,
            RcptRule::TempFail => Reply::RcptTempFail,
            RcptRule::PermFail => Reply::RcptPermFail,
            RcptRule::TempFailTimes(times) => {
                if *refused < *times {
                    *refused += 1;
                    Reply::RcptTempFail
                } else {
                    Reply::RcptOk
                }
            }
        }
    }

    fn store(&self, mail: ReceivedMail) -> usize {
        let count = {
            let mut state = self.lock();
            state.messages.push(mail);
            state.messages.len()
        };
        self.arrived.notify_waiters();
        count
    }
}

impl TestSmtp {
    /// Binds `127.0.0.1:0` and spawns the accept loop on the current tokio
    /// runtime.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound, or outside a tokio runtime.
    pub async fn start() -> TestSmtp {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("test SMTP server: cannot bind 127.0.0.1:0");
        let port = listener
            .local_addr()
            .expect("test SMTP server: no local address")
            .port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            arrived: Notify::new(),
        });
        let accept_loop = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        TestSmtp {
            port,
            shared,
            _accept_loop: Arc::new(AcceptLoop(accept_loop)),
        }
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's address as a URL, `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Sets what `RCPT TO` answers for `recipient` (matched without regard
    /// to case). Setting a rule restarts the attempt count of
    /// [`RcptRule::TempFailTimes`] for that address.
    pub fn set_rule(&self, recipient: &str, rule: RcptRule) {
        self.shared
            .lock()
            .rules
            .insert(recipient.to_lowercase(), (rule, 0));
    }

    /// A snapshot of all accepted messages, in the order they arrived.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.lock().messages.clone()
    }

    /// A snapshot of the accepted messages with `recipient` (matched without
    /// regard to case) among their envelope recipients, in order.
    pub fn messages_to(&self, recipient: &str) -> Vec<ReceivedMail> {
        self.shared
            .lock()
            .messages
            .iter()
            .filter(|mail| mail.is_to(recipient))
            .cloned()
            .collect()
    }

    /// Waits until at least `n` messages for `recipient` have arrived and
    /// returns them all (there may be more than `n`).
    ///
    /// # Panics
    ///
    /// After `timeout`, with a message listing every message that did
    /// arrive.
    pub async fn wait_for(&self, recipient: &str, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register for the wake-up before looking, so that a message
            // stored in between is not missed.
            let notified = self.shared.arrived.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();

            let found = self.messages_to(recipient);
            if found.len() >= n {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "test SMTP server: waited {timeout:?} for {n} message(s) to {recipient}, \
                     got {}; all messages received:\n{}",
                    found.len(),
                    self.describe_messages()
                );
            }
        }
    }

    /// One line per received message, for failure reports.
    fn describe_messages(&self) -> String {
        let messages = self.messages();
        if messages.is_empty() {
            return "  (none)".to_owned();
        }
        let mut out = String::new();
        for (i, mail) in messages.iter().enumerate() {
            let _ = writeln!(
                out,
                "  #{i}: from <{}> to {:?}, subject {:?}",
                mail.from,
                mail.to,
                mail.subject()
            );
        }
        out
    }
}

impl Drop for AcceptLoop {
    fn drop(&mut self) {
        // The connection tasks live in a JoinSet owned by the accept loop,
        // so aborting the loop aborts them too.
        self.0.abort();
    }
}

impl ReceivedMail {
    /// Whether `recipient` (matched without regard to case) is among the
    /// envelope recipients.
    pub fn is_to(&self, recipient: &str) -> bool {
        self.to.iter().any(|to| to.eq_ignore_ascii_case(recipient))
    }

    /// The parsed message. Panics if it cannot be parsed at all.
    fn parsed(&self) -> Message<'_> {
        MessageParser::default().parse(&self.data).unwrap_or_else(|| {
            panic!(
                "test SMTP server: cannot parse message:\n{}",
                String::from_utf8_lossy(&self.data)
            )
        })
    }

    /// The decoded (RFC 2047) `Subject` header; empty if there is none.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The decoded content of the first inline `text/plain` part; empty if
    /// there is none (an HTML-only message is not converted to text). Line
    /// breaks are as sent: lettre sends CRLF, and its messages end with an
    /// extra CRLF.
    pub fn text_body(&self) -> String {
        self.parsed()
            .text_bodies()
            .find_map(|part| match &part.body {
                PartType::Text(text) => Some(text.to_string()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The decoded content of the first inline `text/html` part; empty if
    /// there is none (a text-only message is not converted to HTML).
    pub fn html_body(&self) -> String {
        self.parsed()
            .html_bodies()
            .find_map(|part| match &part.body {
                PartType::Html(html) => Some(html.to_string()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The value of the first top-level header called `name` (without
    /// regard to case), not decoded, unfolded and trimmed: for example
    /// `header("Message-ID")` gives `<…@…>`.
    pub fn header(&self, name: &str) -> Option<String> {
        let message = self.parsed();
        let raw = message.header_raw(name)?;
        let unfolded = raw.replace("\r\n", "").replace('\n', "");
        Some(unfolded.trim().to_owned())
    }

    /// The first URL in the text body that starts with `prefix` (for
    /// example `http://127.0.0.1:1234/auth/confirm?token=`). The URL ends at
    /// white space, a quote or an angle bracket; trailing sentence
    /// punctuation is left out.
    pub fn link_starting_with(&self, prefix: &str) -> Option<String> {
        let body = self.text_body();
        let start = body.find(prefix)?;
        let rest = &body[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(rest.len());
        let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
        (url.len() >= prefix.len()).then(|| url.to_owned())
    }
}

/// Accepts connections until aborted, serving each in a task of its own.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                // A failed accept (e.g. too many open files) concerns one
                // connection only; pause briefly and go on listening.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connection tasks so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// The replies the server gives.
enum Reply {
    Greeting,
    Ehlo(String),
    Helo,
    Ok,
    MailOk,
    RcptOk,
    RcptTempFail,
    RcptPermFail,
    StartData,
    Queued(usize),
    NoValidRecipients,
    TooBig,
    AuthOk,
    AuthChallenge(&'static str),
    AuthCancelled,
    Bye,
    LineTooLong,
    SyntaxError(&'static str),
    BadSequence(&'static str),
    NotImplemented,
}

impl Reply {
    fn text(&self) -> String {
        match self {
            Reply::Greeting => format!("220 {SERVER_NAME} ESMTP test server ready\r\n"),
            Reply::Ehlo(client) => format!(
                "250-{SERVER_NAME} greets {client}\r\n\
                 250-PIPELINING\r\n\
                 250-8BITMIME\r\n\
                 250-SMTPUTF8\r\n\
                 250 AUTH PLAIN LOGIN\r\n"
            ),
            Reply::Helo => format!("250 {SERVER_NAME}\r\n"),
            Reply::Ok => "250 2.0.0 OK\r\n".to_owned(),
            Reply::MailOk => "250 2.1.0 Sender OK\r\n".to_owned(),
            Reply::RcptOk => "250 2.1.5 Recipient OK\r\n".to_owned(),
            Reply::RcptTempFail => {
                "451 4.3.0 Recipient temporarily unavailable, try again later\r\n".to_owned()
            }
            Reply::RcptPermFail => "550 5.1.1 No such user here\r\n".to_owned(),
            Reply::StartData => "354 End data with <CR><LF>.<CR><LF>\r\n".to_owned(),
            Reply::Queued(id) => format!("250 2.0.0 OK queued as {id}\r\n"),
            Reply::NoValidRecipients => "554 5.5.1 no valid recipients\r\n".to_owned(),
            Reply::TooBig => "552 5.3.4 Message too big\r\n".to_owned(),
            Reply::AuthOk => "235 2.7.0 Authentication successful\r\n".to_owned(),
            Reply::AuthChallenge(base64) => format!("334 {base64}\r\n"),
            Reply::AuthCancelled => "501 5.7.0 Authentication cancelled\r\n".to_owned(),
            Reply::Bye => "221 2.0.0 Bye\r\n".to_owned(),
            Reply::LineTooLong => "500 5.5.2 Line too long\r\n".to_owned(),
            Reply::SyntaxError(what) => format!("501 5.5.4 {what}\r\n"),
            Reply::BadSequence(what) => format!("503 5.5.1 {what}\r\n"),
            Reply::NotImplemented => "502 5.5.2 Command not implemented\r\n".to_owned(),
        }
    }
}

/// Why a connection stopped early.
enum Closed {
    /// The client went away or the socket failed.
    Io,
    /// The client sent a line longer than [`MAX_COMMAND_LINE`].
    LineTooLong,
}

impl From<std::io::Error> for Closed {
    fn from(_: std::io::Error) -> Self {
        Closed::Io
    }
}

/// One SMTP session: the socket and the mail transaction under way.
struct Session {
    stream: BufReader<TcpStream>,
    shared: Arc<Shared>,
    greeted: bool,
    /// The reverse-path of the transaction under way, if `MAIL` was given.
    from: Option<String>,
    /// The recipients accepted so far in this transaction.
    to: Vec<String>,
}

/// Serves one connection until `QUIT`, the client going away, or an error.
/// Never panics on anything the client sends.
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut session = Session {
        stream: BufReader::new(stream),
        shared,
        greeted: false,
        from: None,
        to: Vec::new(),
    };
    if let Err(Closed::LineTooLong) = session.run().await {
        let _ = session.reply(&Reply::LineTooLong).await;
    }
    let _ = session.stream.get_mut().shutdown().await;
}

impl Session {
    async fn run(&mut self) -> Result<(), Closed> {
        self.reply(&Reply::Greeting).await?;
        loop {
            let Some(line) = self.read_line().await? else {
                return Ok(());
            };
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            let (verb, arg) = match line.split_once(' ') {
                Some((verb, arg)) => (verb, arg.trim()),
                None => (line, ""),
            };
            let reply = match verb.to_ascii_uppercase().as_str() {
                "EHLO" => {
                    self.greeted = true;
                    self.reset();
                    Reply::Ehlo(arg.to_owned())
                }
                "HELO" => {
                    self.greeted = true;
                    self.reset();
                    Reply::Helo
                }
                "MAIL" => self.mail(arg),
                "RCPT" => self.rcpt(arg),
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset();
                    Reply::Ok
                }
                "NOOP" => Reply::Ok,
                "AUTH" => self.auth(arg).await?,
                "QUIT" => {
                    self.reply(&Reply::Bye).await?;
                    return Ok(());
                }
                _ => Reply::NotImplemented,
            };
            self.reply(&reply).await?;
        }
    }

    /// Forgets the transaction under way.
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    /// `MAIL FROM:<address> [parameters]`.
    fn mail(&mut self, arg: &str) -> Reply {
        if !self.greeted {
            return Reply::BadSequence("Send EHLO or HELO first");
        }
        if self.from.is_some() {
            return Reply::BadSequence("Sender already given");
        }
        let Some(address) = path_argument(arg, "FROM:") else {
            return Reply::SyntaxError("Syntax: MAIL FROM:<address>");
        };
        self.from = Some(address);
        Reply::MailOk
    }

    /// `RCPT TO:<address> [parameters]`, answered as the rules say.
    fn rcpt(&mut self, arg: &str) -> Reply {
        if self.from.is_none() {
            return Reply::BadSequence("Send MAIL first");
        }
        let Some(address) = path_argument(arg, "TO:").filter(|a| !a.is_empty()) else {
            return Reply::SyntaxError("Syntax: RCPT TO:<address>");
        };
        let reply = self.shared.rcpt_reply(&address);
        if matches!(reply, Reply::RcptOk) {
            self.to.push(address);
        }
        reply
    }

    /// `DATA`: reads the message up to the `.` line and stores it.
    async fn data(&mut self) -> Result<Reply, Closed> {
        let Some(from) = self.from.clone() else {
            return Ok(Reply::BadSequence("Send MAIL first"));
        };
        if self.to.is_empty() {
            return Ok(Reply::NoValidRecipients);
        }
        self.reply(&Reply::StartData).await?;

        let mut data = Vec::new();
        let mut too_big = false;
        loop {
            let mut line = Vec::new();
            // Message lines are not bounded like command lines; only the
            // total size is.
            if self.stream.read_until(b'\n', &mut line).await? == 0 {
                return Err(Closed::Io);
            }
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            // Dot-unstuffing: a leading dot was doubled by the client.
            let content = line.strip_prefix(b".").unwrap_or(&line);
            if data.len() + content.len() > MAX_MESSAGE_SIZE {
                too_big = true;
            } else {
                data.extend_from_slice(content);
            }
        }

        let to = std::mem::take(&mut self.to);
        self.reset();
        if too_big {
            return Ok(Reply::TooBig);
        }
        let count = self.shared.store(ReceivedMail { from, to, data });
        Ok(Reply::Queued(count))
    }

    /// `AUTH PLAIN [initial-response]` or `AUTH LOGIN [initial-response]`:
    /// any credentials are accepted.
    async fn auth(&mut self, arg: &str) -> Result<Reply, Closed> {
        let (mechanism, initial) = match arg.split_once(' ') {
            Some((mechanism, initial)) => (mechanism, Some(initial.trim())),
            None => (arg, None),
        };
        // Challenges still to answer: base64 of "Username:" and "Password:".
        let challenges: &[&'static str] = match mechanism.to_ascii_uppercase().as_str() {
            "PLAIN" if initial.is_some() => &[],
            "PLAIN" => &[""],
            "LOGIN" if initial.is_some() => &["UGFzc3dvcmQ6"],
            "LOGIN" => &["VXNlcm5hbWU6", "UGFzc3dvcmQ6"],
            _ => return Ok(Reply::SyntaxError("Unsupported authentication mechanism")),
        };
        for challenge in challenges {
            self.reply(&Reply::AuthChallenge(challenge)).await?;
            let Some(answer) = self.read_line().await? else {
                return Err(Closed::Io);
            };
            if answer.trim_ascii() == b"*" {
                return Ok(Reply::AuthCancelled);
            }
        }
        Ok(Reply::AuthOk)
    }

    /// Reads one command line, `None` at end of stream.
    async fn read_line(&mut self) -> Result<Option<Vec<u8>>, Closed> {
        let mut line = Vec::new();
        let limit = u64::try_from(MAX_COMMAND_LINE).unwrap_or(u64::MAX);
        let read = (&mut self.stream)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            return if read >= MAX_COMMAND_LINE {
                Err(Closed::LineTooLong)
            } else {
                // End of stream in the middle of a line.
                Ok(None)
            };
        }
        Ok(Some(line))
    }

    async fn reply(&mut self, reply: &Reply) -> Result<(), Closed> {
        let stream = self.stream.get_mut();
        stream.write_all(reply.text().as_bytes()).await?;
        stream.flush().await?;
        Ok(())
    }
}

/// Parses `FROM:<address> [parameters]` or `TO:<address> [parameters]`
/// (the keyword without regard to case, spaces allowed after the colon),
/// returning the address without its angle brackets. A bare address without
/// brackets is tolerated.
fn path_argument(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    if let Some(bracketed) = rest.strip_prefix('<') {
        let end = bracketed.find('>')?;
        Some(bracketed[..end].to_owned())
    } else {
        let address = rest.split_whitespace().next()?;
        Some(address.to_owned())
    }
}
