//! A tiny WebDriver client: JSON over HTTP/1.1 on a `TcpStream`, enough to
//! drive Chromium through chromedriver (navigate, type, click, upload a
//! file, read the page, take screenshots). No HTTP or browser crate needed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The Tab key, for [`Browser::keys`].
pub const TAB: &str = "\u{E004}";
/// The Enter key, for [`Browser::keys`].
pub const ENTER: &str = "\u{E007}";

/// A running chromedriver and one browser session; both end on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// An element found on the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            if name == "content-length" {
                length = value.trim().parse::<usize>().ok();
            } else if name == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked")
            {
                chunked = true;
            }
        }
    }
    let mut raw = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            raw.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = length {
        raw.resize(n, 0);
        reader.read_exact(&mut raw)?;
    } else {
        reader.read_to_end(&mut raw)?;
    }
    let value = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&raw).unwrap_or(Value::Null)
    };
    Ok((status, value))
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at `chromium`.
    pub fn start(chromium: &str, chromedriver: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {chromedriver}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/status", None).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1100,900", "--force-device-scale-factor=1"]
        }}}});
        let (status, v) = http(port, "POST", "/session", Some(&caps)).expect("new session");
        assert_eq!(status, 200, "new session: {v}");
        let session = v["value"]["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned();
        Browser {
            driver,
            port,
            session,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.session);
        let (status, v) = http(self.port, method, &full, body.as_ref())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// The first element matching a CSS selector; panics if there is none.
    pub fn find(&self, css: &str) -> Element<'_> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned();
        Element { browser: self, id }
    }

    /// Waits (up to 10 s) until the page's URL contains `want` — a click on
    /// a submit button returns before the browser has followed the
    /// response — and returns the URL; panics with the URL it was left at.
    pub fn wait_url(&self, want: &str) -> String {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let url = self.url();
            if url.contains(want) {
                return url;
            }
            assert!(
                std::time::Instant::now() < until,
                "waited 10 s for a URL containing {want:?}; still at {url}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Runs a script returning a boolean; `None` if the browser could not
    /// run it (for example while a page is being replaced).
    fn try_script(&self, script: &str) -> Option<bool> {
        let full = format!("/session/{}/execute/sync", self.session);
        let body = json!({ "script": script, "args": [] });
        match http(self.port, "POST", &full, Some(&body)) {
            Ok((200, v)) => v["value"].as_bool(),
            _ => None,
        }
    }

    /// The page's current URL.
    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's title.
    /// Waits up to 10 s until `done` holds for the browser (e.g. the page
    /// that a key press submitted has arrived), failing with `what`.
    pub fn wait_until(&self, what: &str, done: impl Fn(&Browser) -> bool) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done(self) {
            assert!(
                std::time::Instant::now() < until,
                "waited 10 s for {what}; at {} titled {:?}",
                self.url(),
                self.title()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    pub fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The visible text of the page body, once the page has loaded. Read
    /// by a script rather than through an element handle, which goes stale
    /// if the page navigates between finding and reading it.
    pub fn text(&self) -> String {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let v = self.script(
                "return document.readyState === 'complete' && document.body ? document.body.innerText : null",
                json!([]),
            );
            if let Some(text) = v.as_str() {
                return text.to_owned();
            }
            assert!(
                std::time::Instant::now() < until,
                "the page at {} did not finish loading in 10 s",
                self.url()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Saves a PNG screenshot of the viewport to `path`.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 png"))
            .expect("decode png");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("artefact dir");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Prints the page as the browser would (its print style sheet, on
    /// A4 without headers and footers) and returns the PDF's bytes
    /// (WebDriver "Print Page").
    pub fn print_pdf(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.cmd(
            "POST",
            "/print",
            Some(json!({"page": {"width": 21.0, "height": 29.7}, "background": true})),
        );
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 pdf"))
            .expect("decode pdf")
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the
    /// page and returns what it returns.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Presses keys as a keyboard user would, into whatever has focus
    /// (WebDriver key codes: [`TAB`], [`ENTER`]; other text is typed).
    pub fn keys(&self, text: &str) {
        let actions: Vec<Value> = text
            .chars()
            .flat_map(|c| {
                let c = c.to_string();
                [
                    json!({"type": "keyDown", "value": c}),
                    json!({"type": "keyUp", "value": c}),
                ]
            })
            .collect();
        self.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
        self.cmd("DELETE", "/actions", None);
    }

    /// Resizes the window to show the whole page in screenshots.
    pub fn fit_page(&self) {
        let h = self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({
            "script": "return document.documentElement.scrollHeight", "args": []})),
        );
        let h = h.as_u64().unwrap_or(900).clamp(600, 3000);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1100, "height": h + 140})),
        );
    }
}

impl Element<'_> {
    /// Types `text` into the element.
    pub fn type_text(&self, text: &str) -> &Self {
        self.browser.cmd(
            "POST",
            &format!("/element/{}/value", self.id),
            Some(json!({"text": text})),
        );
        self
    }

    /// Clicks the element. If the click follows a link or submits a form,
    /// waits (up to 10 s) until the next page has loaded: WebDriver's click
    /// returns before the browser has the response, and reading the page
    /// then would read the old one.
    pub fn click(&self) {
        let el = json!({ ELEMENT_KEY: self.id });
        let navigates = self
            .browser
            .script(
                "const e = arguments[0];
                 const a = e.closest('a[href]');
                 if (a) { const h = a.getAttribute('href');
                          return !h.startsWith('#') && !a.hasAttribute('download'); }
                 const b = e.closest('button, input[type=submit]');
                 if (!b || !b.form) return false;
                 return (b.getAttribute('type') || 'submit').toLowerCase() === 'submit';",
                json!([el]),
            )
            .as_bool()
            == Some(true);
        if navigates {
            self.browser
                .script("window.__socvalBeforeClick = true;", json!([]));
        }
        self.browser.cmd(
            "POST",
            &format!("/element/{}/click", self.id),
            Some(json!({})),
        );
        if navigates {
            let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while std::time::Instant::now() < until {
                let loaded = self.browser.try_script(
                    "return !window.__socvalBeforeClick && document.readyState === 'complete';",
                );
                if loaded == Some(true) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            // No new page (a download, or the browser's own form checks
            // stopped it): carry on; the test's assertions say what is wrong.
        }
    }

    /// The element's current `value` property.
    pub fn attribute(&self, name: &str) -> String {
        let v = self.browser.cmd(
            "GET",
            &format!("/element/{}/property/{name}", self.id),
            None,
        );
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The element's visible text.
    pub fn text(&self) -> String {
        self.browser
            .cmd("GET", &format!("/element/{}/text", self.id), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
