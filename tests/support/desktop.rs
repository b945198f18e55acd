//! The real desktop app in a real window, driven over W3C WebDriver.
//!
//! Each test starts its own `tauri-driver` (which starts WebKitGTK's
//! `WebKitWebDriver`, which starts the app) on free ports. Two WebKit
//! automation sessions at once hang each other here, so windows take turns:
//! a `Desktop` holds a process-wide lock while it lives. A display must exist: `cargo xtask test` runs the tests under
//! `xvfb-run`. Every test keeps screenshots in `GROUNDGAME_SCREENSHOTS`.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the UI may take to show what a test waits for.
pub const UI_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a screenshot may take before it is skipped.
pub const SCREENSHOT_TIMEOUT: Duration = Duration::from_secs(10);

fn required_env(name: &str, hint: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {hint}"))
}

/// The app binary under test, built by `cargo xtask test`.
pub fn app_binary() -> PathBuf {
    let path = PathBuf::from(required_env(
        "GROUNDGAME_APP_BIN",
        "run the end-to-end tests with `cargo xtask test`, which builds the app and sets it",
    ));
    assert!(
        path.exists(),
        "the app binary {} does not exist; build it with `cargo xtask app`",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free port: {error}"))
}

/// One app window at a time (see the module comment).
static ONE_WINDOW_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An app window under test. Dropping it ends the session and the driver.
pub struct Desktop {
    pub client: Client,
    driver: Child,
    _turn: tokio::sync::MutexGuard<'static, ()>,
    test_name: String,
    shots: u32,
}

impl Desktop {
    /// Starts the app with `args` (e.g. `["--db", path]`) and connects to it.
    pub async fn launch(test_name: &str, args: &[&str]) -> Self {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: the end-to-end tests need a display; `cargo xtask test` provides one with xvfb-run"
        );
        let application = app_binary();
        let turn = ONE_WINDOW_AT_A_TIME.lock().await;
        let driver_program =
            std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let port = free_port();
        let native_port = free_port();
        let driver = Command::new(&driver_program)
            // Its own process group, so stopping it also stops the
            // WebKitWebDriver and the app it started.
            .process_group(0)
            // Not WEBKIT_DISABLE_DMABUF_RENDERER=1, often suggested for blank
            // windows: under Xvfb it makes WebKitWebDriver stop answering after
            // the page re-renders.
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {driver_program} ({error}); `cargo xtask setup` installs it")
            });
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on port {port} within 15 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": application, "args": args }),
        );
        // The first WebKit start on a new machine builds its caches and can
        // miss tauri-driver's session deadline (seen on a fresh CI machine:
        // "webdriver server did not respond"); a later attempt succeeds.
        let mut failures = Vec::new();
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if failures.len() < 3 => {
                    failures.push(error.to_string());
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(error) => panic!(
                    "cannot open a WebDriver session on the app: {error} (earlier attempts: {failures:?})"
                ),
            }
        };
        Self {
            client,
            driver,
            _turn: turn,
            test_name: test_name.to_owned(),
            shots: 0,
        }
    }

    /// Saves a screenshot of the window as `<test>-<n>-<label>.png`.
    pub async fn screenshot(&mut self, label: &str) -> PathBuf {
        self.shots += 1;
        let folder = std::env::var_os("GROUNDGAME_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("groundgame-e2e-screenshots"));
        std::fs::create_dir_all(&folder)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", folder.display()));
        let path = folder.join(format!("{}-{}-{label}.png", self.test_name, self.shots));
        // WebKitWebDriver sometimes never answers a screenshot request; a
        // missing picture must not hang the test.
        let png = match tokio::time::timeout(SCREENSHOT_TIMEOUT, self.client.screenshot()).await {
            Ok(Ok(png)) => png,
            Ok(Err(error)) => panic!("cannot take a screenshot: {error}"),
            Err(_) => {
                eprintln!("screenshot {label}: WebKitWebDriver did not answer within {SCREENSHOT_TIMEOUT:?}; skipped");
                return path;
            }
        };
        std::fs::write(&path, png)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Waits until `css` matches at least one element, and returns how many.
    pub async fn wait_for_count(&self, css: &str, predicate: impl Fn(usize) -> bool) -> usize {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let count = self
                .client
                .find_all(Locator::Css(css))
                .await
                .map(|found| found.len())
                .unwrap_or(0);
            if predicate(count) {
                return count;
            }
            assert!(
                Instant::now() < deadline,
                "after {UI_TIMEOUT:?}, {css:?} matches {count} elements, not what the test waits for"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the text of `css` satisfies `predicate`, and returns it.
    pub async fn wait_for_text(&self, css: &str, predicate: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + UI_TIMEOUT;
        let mut last = String::new();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                let text = visible_text(&element).await;
                if predicate(&text) {
                    return text;
                }
                last = text;
            }
            assert!(
                Instant::now() < deadline,
                "after {UI_TIMEOUT:?}, {css:?} still reads {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the WebDriver session, which closes the app; dropping the value
    /// then stops the drivers.
    pub async fn close(self) {
        let client = self.client.clone();
        let _ = client.close().await;
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // Also on a failed test: the whole process group (tauri-driver,
        // WebKitWebDriver, the app) goes, so nothing outlives the test holding
        // its output open.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// A path as the `&str` WebDriver capabilities carry.
pub fn path_arg(path: &Path) -> &str {
    path.to_str()
        .unwrap_or_else(|| panic!("{} is not UTF-8", path.display()))
}

/// The text a person sees in `element`. WebKitWebDriver answers the standard
/// "Get Element Text" with an empty string, so this reads `innerText`, which
/// is rendered text too (hidden elements contribute nothing).
pub async fn visible_text(element: &Element) -> String {
    element
        .prop("innerText")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}
