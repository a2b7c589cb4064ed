//! Harness for end-to-end tests: starts the real `inference-lab` binary (built by
//! `make test` before the tests run) on a free port with a fresh
//! database, and a headless Chromium through chromedriver with a fresh profile.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub use fantoccini;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server binary, killed when dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts the binary with extra environment variables.
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let bin = std::env::var_os("INFERENCE_LAB_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target/debug/inference-lab"));
        // `make test` builds the debug site there; INFERENCE_LAB_SITE picks another
        // (e.g. target/site-release, what `make run` serves).
        let site = std::env::var_os("INFERENCE_LAB_SITE")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target/site"));
        assert!(
            bin.exists() && site.join("pkg").exists(),
            "{} or {} is missing: run `make test` (it builds the site and the server first)",
            bin.display(),
            site.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(&bin);
        cmd.env("LAB_ADDR", "127.0.0.1:0")
            .env("LAB_DATABASE", dir.path().join("lab.db"))
            .env("LAB_CONTENT_DIR", workspace().join("content"))
            .env("LEPTOS_SITE_ROOT", &site)
            .env("RUST_LOG", "warn")
            // Mesa's lavapipe prints an error on start when this is unset.
            .env(
                "XDG_RUNTIME_DIR",
                std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start inference-lab");
        let stdout = child.stdout.take().unwrap();
        // The binary prints "serving on http://ADDR" once it is listening.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let base_url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server did not report its address");
        Self {
            child,
            base_url,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The server's SQLite file, for a test to arrange rows (e.g. make reviews due).
    pub fn database(&self) -> PathBuf {
        self._dir.path().join("lab.db")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headless Chromium via chromedriver, with a fresh profile.
pub struct Browser {
    pub client: Client,
    driver: Child,
    driver_url: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Self {
        Self::start_with_js(true).await
    }

    /// `javascript: false` starts Chromium with JavaScript disabled (no hydration).
    pub async fn start_with_js(javascript: bool) -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (Debian package chromium-driver)");
        let driver_url = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut prefs = json!({});
        if !javascript {
            prefs = json!({ "profile.managed_default_content_settings.javascript": 2 });
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args, "prefs": prefs },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&driver_url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
            }
        };
        Self {
            client,
            driver,
            driver_url,
            _profile: profile,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits for an element matching the CSS selector.
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(90))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element matches {css}: {e}"))
    }

    /// Polls until `check` holds, for up to 90 s.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(90);
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css` ("" when there is none yet).
    pub async fn text_of(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the first element matching `css` contains `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        self.wait_until(&format!("{css} to contain {expected:?}"), || async {
            self.text_of(css).await.contains(expected)
        })
        .await;
    }

    /// Waits until the WASM app has hydrated the page: the copy buttons and other
    /// client-only controls are enabled only then.
    pub async fn wait_hydrated(&self) {
        self.wait_until("the page to hydrate", || async {
            self.client
                .execute(
                    "return document.querySelector('[data-hydrated]') !== null",
                    vec![],
                )
                .await
                .map(|v| v == Value::Bool(true))
                .unwrap_or(false)
        })
        .await;
    }

    /// Console messages at SEVERE level (errors, failed loads, panics) so far.
    pub async fn console_errors(&self) -> Vec<String> {
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("session id");
        let resp = reqwest::Client::new()
            .post(format!("{}/session/{}/se/log", self.driver_url, session))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("read the browser log");
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        body["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sends a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("session id");
        let resp = reqwest::Client::new()
            .post(format!(
                "{}/session/{}/goog/cdp/execute",
                self.driver_url, session
            ))
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        assert!(resp.status().is_success(), "CDP {cmd}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    /// Emulates the media features the page's CSS reads (`prefers-color-scheme`:
    /// "light" or "dark"; `prefers-reduced-motion`), for this tab until changed.
    pub async fn emulate_media(&self, features: &[(&str, &str)]) {
        let features: Vec<Value> = features
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": features }),
        )
        .await;
    }

    /// Runs axe-core (installed by `make setup` in `tests/node`) on the current page
    /// and returns its violations, one line per failing element.
    pub async fn axe_violations(&self) -> Vec<String> {
        static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let source = AXE.get_or_init(|| {
            let path = workspace().join("tests/node/node_modules/axe-core/axe.min.js");
            std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{} is missing ({e}): run `make setup` (npm ci --prefix tests/node)",
                    path.display()
                )
            })
        });
        // Injected through WebDriver, which the page's CSP does not govern.
        self.client
            .execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] })
                  .then(r => done(r.violations.flatMap(v => v.nodes.map(n =>
                      v.id + ' (' + v.impact + '): ' + n.target.join(' ') + ' — ' + n.failureSummary))))
                  .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .expect("run axe-core");
        result
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn assert_no_console_errors(&self) {
        let errors = self.console_errors().await;
        assert!(errors.is_empty(), "browser console errors: {errors:#?}");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
