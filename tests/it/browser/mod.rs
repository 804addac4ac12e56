//! A headless Chromium driven over the DevTools protocol, for the HTML report tests and the
//! load-time measurement (`examples/html_load.rs`).
//!
//! No client library: Chromium is started with `--remote-debugging-port=0`, the port it picked
//! is read from `DevToolsActivePort` in its profile directory, and its browser endpoint is
//! spoken to over a WebSocket written here (RFC 6455, client side: masked text frames out,
//! unmasked frames in, continuation frames joined, pings answered). Commands go to one page
//! through a flattened target session. Chromium comes from Debian's `chromium` package
//! (`.ci/run` installs it); `FLINSPECT_CHROMIUM` names another binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How to get a browser when there is none.
pub const INSTALL: &str = "the HTML report tests need headless Chromium: install Debian's \
     `chromium` package (`apt-get install -y chromium`; `.ci/run` does), or set FLINSPECT_CHROMIUM \
     to a Chromium or Chrome binary";

/// The Chromium binary: `FLINSPECT_CHROMIUM`, else `chromium` (or `chromium-browser`,
/// `google-chrome`) on PATH. Panics with [`INSTALL`] when there is none: these tests never
/// skip.
pub fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("FLINSPECT_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("{INSTALL}");
}

/// A WebSocket client connection (text messages only).
struct Ws {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Ws {
    fn connect(port: u16, path: &str) -> Ws {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to Chromium");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        write!(
            writer,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: ZmxpbnNwZWN0LWh0bWwtdA==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(
            status.starts_with("HTTP/1.1 101"),
            "WebSocket handshake with Chromium: {status:?}"
        );
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Ws { reader, writer }
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode];
        let n = payload.len();
        if n < 126 {
            frame.push(0x80 | n as u8);
        } else if n <= 0xffff {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
        let mask = [0x5a, 0x17, 0xc3, 0x88];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.writer.write_all(&frame).unwrap();
    }

    fn send(&mut self, text: &str) {
        self.send_frame(0x1, text.as_bytes());
    }

    /// The next text message.
    fn recv(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader
                .read_exact(&mut head)
                .expect("read from Chromium");
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut b = [0u8; 2];
                self.reader.read_exact(&mut b).unwrap();
                len = u64::from(u16::from_be_bytes(b));
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.reader.read_exact(&mut b).unwrap();
                len = u64::from_be_bytes(b);
            }
            let mut mask = None;
            if head[1] & 0x80 != 0 {
                let mut m = [0u8; 4];
                self.reader.read_exact(&mut m).unwrap();
                mask = Some(m);
            }
            assert!(len < 1 << 30, "a WebSocket frame of {len} bytes");
            let mut payload = vec![0u8; len as usize];
            self.reader.read_exact(&mut payload).unwrap();
            if let Some(m) = mask {
                for (i, b) in payload.iter_mut().enumerate() {
                    *b ^= m[i % 4];
                }
            }
            match opcode {
                0x0..=0x2 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return String::from_utf8(message).expect("UTF-8 from Chromium");
                    }
                }
                0x8 => panic!("Chromium closed the DevTools connection"),
                0x9 => self.send_frame(0xA, &payload),
                _ => {}
            }
        }
    }
}

/// One headless Chromium with one page; killed when dropped.
pub struct Browser {
    child: Child,
    ws: Ws,
    next: u64,
    session: String,
    /// Every event the page sent so far.
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with a page of `width`×`height` CSS pixels.
    pub fn launch(width: u32, height: u32) -> Browser {
        let bin = chromium();
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={width},{height}"))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}; {INSTALL}", bin.display()));
        let port_file = profile.path().join("DevToolsActivePort");
        let started = Instant::now();
        let (port, path) = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                let mut lines = text.lines();
                if let (Some(p), Some(path)) = (lines.next(), lines.next()) {
                    if let Ok(port) = p.trim().parse::<u16>() {
                        break (port, path.trim().to_string());
                    }
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} did not open its DevTools port within 60 s",
                bin.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let ws = Ws::connect(port, &path);
        let mut b = Browser {
            child,
            ws,
            next: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = b.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = b.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            b.call(domain, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    fn send(&mut self, session: Option<String>, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s);
        }
        self.ws.send(&msg.to_string());
        loop {
            let v: Value = serde_json::from_str(&self.ws.recv()).unwrap();
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method}: {e}");
                }
                return v["result"].clone();
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(None, method, params)
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.send(Some(s), method, params)
    }

    /// Waits for an event of the page (already received, or the next ones).
    pub fn wait_event(&mut self, method: &str, since: usize) -> Value {
        loop {
            if let Some(e) = self.events[since..].iter().find(|e| e["method"] == method) {
                return e.clone();
            }
            let v: Value = serde_json::from_str(&self.ws.recv()).unwrap();
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// Opens a file and waits until its load event has fired; forgets earlier events.
    pub fn open(&mut self, file: &Path) -> String {
        let url = format!("file://{}", std::fs::canonicalize(file).unwrap().display());
        // Events are those of the page opened last.
        self.events.clear();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_event("Page.loadEventFired", 0);
        // A load event of the page before may arrive late: wait for this one's document.
        let started = Instant::now();
        let check = format!(
            "location.href === {} && document.readyState === 'complete'",
            Value::String(url.clone())
        );
        while self.eval(&check) != Value::Bool(true) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{url} did not load within 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        url
    }

    /// Evaluates a script expression in the page (promises awaited) and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("script error in {expression:?}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Script errors and console errors the page reported so far.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.exceptionThrown" => Some(format!("exception: {}", e["params"])),
                "Runtime.consoleAPICalled"
                    if matches!(e["params"]["type"].as_str(), Some("error" | "assert")) =>
                {
                    Some(format!("console.error: {}", e["params"]["args"]))
                }
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                    Some(format!("log: {}", e["params"]["entry"]))
                }
                _ => None,
            })
            .collect()
    }

    /// The URLs the page requested (the report itself, and nothing else for a self-contained
    /// file).
    pub fn requests(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter_map(|e| e["params"]["request"]["url"].as_str().map(String::from))
            .collect()
    }

    /// A PNG of the page's top `width`×`height` CSS pixels at `scale`.
    pub fn screenshot(&mut self, width: u32, height: u32, scale: f64) -> Vec<u8> {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}}),
        );
        base64_decode(r["data"].as_str().expect("screenshot data"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (with padding), as the DevTools protocol sends binary data.
pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c:#x}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGVsbG8h"), b"hello!");
    assert_eq!(base64_decode("aGk="), b"hi");
}
