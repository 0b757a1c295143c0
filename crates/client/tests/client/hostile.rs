//! A hostile server for the answers a real envdesk-server never gives: a tiny HTTP/1.1 server on
//! 127.0.0.1:0 (std threads, keep-alive) whose handler answers the requests it wants to falsify and
//! forwards every other one, byte for byte, to a real envdesk-server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// A request as the hostile server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent (still percent-encoded).
    pub target: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What the hostile server answers.
pub enum Answer {
    /// A JSON answer (keep-alive).
    Json(u16, Vec<u8>),
    /// `len` bytes of `x`, with a `Content-Length` when `declared`, else delimited by closing.
    Big { len: usize, declared: bool },
    /// Forward to the real server.
    Forward,
    /// Forward to the real server (which does the work), then answer this instead of its answer.
    ForwardThen(u16, Vec<u8>),
    /// Forward to the real server (which does the work), then close without answering.
    ForwardThenHangUp,
}

pub struct Hostile {
    pub url: String,
}

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// Starts the hostile server in front of `real` (a base URL like `http://127.0.0.1:1234`, or `None`).
pub fn start(real: Option<String>, handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handler: Arc<Handler> = Arc::new(handler);
    let real = real.map(|r| r.trim_start_matches("http://").trim_end_matches('/').to_owned());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let handler = handler.clone();
            let real = real.clone();
            std::thread::spawn(move || {
                let _ = serve(conn, handler.as_ref(), real.as_deref());
            });
        }
    });
    Hostile { url }
}

fn serve(conn: TcpStream, handler: &Handler, real: Option<&str>) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut head = Vec::new();
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        head.extend_from_slice(request_line.as_bytes());
        let mut length = 0usize;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if !lower.starts_with("connection:") {
                headers.push(line);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let mut parts = request_line.split_whitespace();
        let req = Request {
            method: parts.next().unwrap_or("").to_owned(),
            target: parts.next().unwrap_or("").to_owned(),
            body: body.clone(),
        };
        match handler(&req) {
            Answer::Json(status, body) => {
                let mut answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                answer.extend_from_slice(&body);
                out.write_all(&answer)?;
            }
            Answer::Big { len, declared } => {
                if declared {
                    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n")?;
                } else {
                    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")?;
                }
                let chunk = vec![b'x'; 1 << 20];
                let mut left = len;
                while left > 0 {
                    let n = left.min(chunk.len());
                    out.write_all(&chunk[..n])?;
                    left -= n;
                }
                return Ok(());
            }
            Answer::Forward => {
                let answer = forward(real, &request_line, &headers, &body)?;
                out.write_all(&answer)?;
                // The real server closed after its answer (and said so): close too.
                return Ok(());
            }
            Answer::ForwardThen(status, fake) => {
                forward(real, &request_line, &headers, &body)?;
                let mut answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    fake.len()
                )
                .into_bytes();
                answer.extend_from_slice(&fake);
                out.write_all(&answer)?;
                return Ok(());
            }
            Answer::ForwardThenHangUp => {
                forward(real, &request_line, &headers, &body)?;
                return Ok(());
            }
        }
    }
}

/// Sends the request to the real server and returns its whole answer (it closes after it).
fn forward(real: Option<&str>, request_line: &str, headers: &[String], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let real = real.expect("nothing to forward to");
    let mut upstream = TcpStream::connect(real)?;
    upstream.write_all(request_line.as_bytes())?;
    for h in headers {
        upstream.write_all(h.as_bytes())?;
    }
    upstream.write_all(b"Connection: close\r\n\r\n")?;
    upstream.write_all(body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    Ok(answer)
}
