//! A real SMTP server on loopback for the notification suites: it speaks enough
//! SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for the server's lettre
//! client and keeps every message it receives.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message (headers and body) as sent after DATA, dot-unstuffed.
    pub data: String,
}

impl Mail {
    /// The value of header `name` (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.data.split_once("\r\n\r\n")?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            match &mut value {
                Some(v) if line.starts_with([' ', '\t']) => v.push_str(line.trim_start()),
                Some(_) => break,
                None => {
                    if let Some((key, rest)) = line.split_once(':') {
                        if key.eq_ignore_ascii_case(name) {
                            value = Some(rest.trim().to_owned());
                        }
                    }
                }
            }
        }
        value
    }

    /// The subject, with RFC 2047 encoded words decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The body, with its transfer encoding (base64, quoted-printable) undone.
    pub fn body(&self) -> String {
        let raw = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        match encoding.as_str() {
            "base64" => {
                let joined: String = raw.split_whitespace().collect();
                String::from_utf8_lossy(&STANDARD.decode(joined).unwrap_or_default()).into_owned()
            }
            "quoted-printable" => decode_quoted_printable(raw),
            _ => raw.to_owned(),
        }
    }
}

/// Decodes `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words (RFC 2047); the space
/// between two encoded words is not part of the text.
fn decode_words(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    let mut after_word = false;
    while !rest.is_empty() {
        let Some(start) = rest.find("=?") else {
            out.push_str(rest);
            break;
        };
        let (before, word) = rest.split_at(start);
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let parts: Vec<&str> = word[2..].splitn(4, '?').collect();
        let decoded = (parts.len() == 4 && parts[3].starts_with('=')).then(|| {
            match parts[1].to_ascii_lowercase().as_str() {
                "b" => STANDARD.decode(parts[2]).unwrap_or_default(),
                _ => decode_quoted_printable(&parts[2].replace('_', " ")).into_bytes(),
            }
        });
        match decoded {
            Some(bytes) => {
                out.push_str(&String::from_utf8_lossy(&bytes));
                let used = 2 + parts[0].len() + 1 + parts[1].len() + 1 + parts[2].len() + 2;
                rest = &word[used..];
                after_word = true;
            }
            None => {
                out.push_str("=?");
                rest = &word[2..];
                after_word = false;
            }
        }
    }
    out
}

fn decode_quoted_printable(text: &str) -> String {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The server: its address and the messages so far.
pub struct SmtpServer {
    /// Where it listens.
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    /// Listens on a free loopback port.
    pub async fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = session(stream, kept).await;
                });
            }
        });
        Ok(Self { addr, mails })
    }

    /// The `smtp_url` for the server's configuration.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The messages to `address` so far.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }

    /// Waits (up to 15 s) until `address` has `n` messages; returns them.
    pub async fn wait_for(&self, address: &str, n: usize) -> Result<Vec<Mail>> {
        for _ in 0..300 {
            let mails = self.mails_to(address);
            if mails.len() >= n {
                return Ok(mails);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "{address} got {} mails, expected {n}",
            self.mails_to(address).len()
        )
    }
}

fn address_of(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg[start..].find('>').map_or(arg.len(), |i| start + i);
    arg[start..end].to_owned()
}

async fn session(stream: TcpStream, mails: Arc<Mutex<Vec<Mail>>>) -> Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 kizuna-test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                write
                    .write_all(b"250-kizuna-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?
            }
            "HELO" => write.write_all(b"250 kizuna-test\r\n").await?,
            "MAIL" => {
                from = address_of(&command);
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            }
            "RCPT" => {
                to.push(address_of(&command));
                write.write_all(b"250 OK\r\n").await?;
            }
            "DATA" => {
                write.write_all(b"354 end with .\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                if let Ok(mut kept) = mails.lock() {
                    kept.push(Mail {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                    });
                }
                write.write_all(b"250 queued\r\n").await?;
            }
            "RSET" | "NOOP" => write.write_all(b"250 OK\r\n").await?,
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"502 not implemented\r\n").await?,
        }
    }
}
