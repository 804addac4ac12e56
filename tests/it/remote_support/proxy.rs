//! A real HTTP proxy on loopback in front of a real storage server, injecting faults into the
//! responses flinspect gets: throttling (503 SlowDown), errors (403, 404, 500), delays (for
//! timeouts), connection resets and truncated bodies. Every request is forwarded on its own
//! upstream connection with `Connection: close`, so a fault hits exactly one request; every
//! request line is logged, so tests can assert that only GET and HEAD were sent.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to do to one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Answer `503 Slow Down` with S3's XML error body, as S3 throttles.
    SlowDown,
    /// Answer with this status and an S3 XML error body.
    Status(u16, &'static str),
    /// Wait this long before forwarding (longer than the client's timeout: a timeout).
    Delay(Duration),
    /// Read the request, then reset the connection (RST) without answering.
    Reset,
    /// Forward, but send only this many bytes of the response body, then close.
    Truncate(usize),
}

/// A fault for the next requests whose method and path match.
#[derive(Clone, Debug)]
pub struct Rule {
    pub method: Option<&'static str>,
    /// A substring of the request target.
    pub path: Option<String>,
    pub fault: Fault,
    /// How many matching requests get it (`usize::MAX`: all).
    pub times: usize,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<String>,
}

pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let st = Arc::clone(&state);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = Arc::clone(&st);
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &st);
                });
            }
        });
        Proxy { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn add(&self, rule: Rule) {
        self.state.lock().unwrap().rules.push(rule);
    }

    pub fn clear(&self) {
        let mut s = self.state.lock().unwrap();
        s.rules.clear();
        s.log.clear();
    }

    /// Request lines seen (`GET /bucket/key?…`).
    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn serve(mut client: TcpStream, upstream: SocketAddr, state: &Mutex<State>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    // One request per connection: the answer says `Connection: close`.
    {
        // One request: headers, then a Content-Length body (flinspect sends none).
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            let n = client.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let line = head.lines().next().unwrap_or("").to_string();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let n = client.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let fault = {
            let mut s = state.lock().unwrap();
            s.log.push(format!("{method} {target}"));
            let hit = s.rules.iter_mut().find(|r| {
                r.times > 0
                    && r.method.is_none_or(|m| m == method)
                    && r.path.as_deref().is_none_or(|p| target.contains(p))
            });
            hit.map(|r| {
                r.times = r.times.saturating_sub(1);
                r.fault.clone()
            })
        };
        match fault {
            Some(Fault::SlowDown) => {
                return error_response(
                    &mut client,
                    503,
                    "Slow Down",
                    "SlowDown",
                    "Please reduce your request rate.",
                );
            }
            Some(Fault::Status(code, s3code)) => {
                return error_response(
                    &mut client,
                    code,
                    s3code,
                    s3code,
                    "injected by the test proxy",
                );
            }
            Some(Fault::Reset) => {
                reset(&client);
                return Ok(());
            }
            Some(Fault::Delay(d)) => std::thread::sleep(d),
            _ => {}
        }
        // Forward with `Connection: close` and read the whole response.
        let mut req = Vec::with_capacity(buf.len() + 32);
        for l in head[..head_end - 4].split("\r\n") {
            if l.to_ascii_lowercase().starts_with("connection:") {
                continue;
            }
            req.extend_from_slice(l.as_bytes());
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(b"Connection: close\r\n\r\n");
        req.extend_from_slice(&buf[head_end..head_end + len]);
        let mut up = TcpStream::connect(upstream)?;
        up.write_all(&req)?;
        let mut resp = Vec::new();
        up.read_to_end(&mut resp)?;
        let Some(resp_head_end) = find(&resp, b"\r\n\r\n").map(|i| i + 4) else {
            return Ok(());
        };
        match fault {
            Some(Fault::Truncate(n)) => {
                let body_end = (resp_head_end + n).min(resp.len());
                client.write_all(&resp[..body_end])?;
                client.flush()?;
                let _ = client.shutdown(Shutdown::Both);
                return Ok(());
            }
            _ => {
                client.write_all(&resp)?;
                client.flush()?;
            }
        }
        // The upstream response said `Connection: close`; so does this connection.
        let _ = client.shutdown(Shutdown::Both);
        Ok(())
    }
}

fn error_response(
    client: &mut TcpStream,
    code: u16,
    reason: &str,
    s3code: &str,
    message: &str,
) -> std::io::Result<()> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{s3code}</Code><Message>{message}</Message><RequestId>test</RequestId></Error>"
    );
    let resp = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(resp.as_bytes())?;
    client.flush()?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// Closes with a TCP RST (SO_LINGER 0) instead of a FIN.
fn reset(client: &TcpStream) {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let l = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a pointer to a live struct of the length given.
    unsafe {
        setsockopt(
            client.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            &l,
            std::mem::size_of::<Linger>() as u32,
        );
    }
}
