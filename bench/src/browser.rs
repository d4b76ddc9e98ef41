//! Headless Chromium through a chromedriver of our own: finding the driver, starting it on a free
//! port and ending it with every browser it started, one Chrome DevTools command, and the size of
//! a screenshot. Shared by the browser tests (`tests/api/browser.rs`) and the `screenshots` command.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use http::Method;
use serde_json::{json, Value};
use url::Url;

/// What to install when the browser is missing (Debian's package names).
pub const INSTALL_HINT: &str = "install the Debian packages chromium and chromium-driver";

/// Where chromedriver is: `$CHROMEDRIVER` if set (and a file), else the first on `PATH`.
pub fn find_chromedriver() -> Option<PathBuf> {
    match std::env::var_os("CHROMEDRIVER") {
        Some(path) => Some(PathBuf::from(path)).filter(|path| path.is_file()),
        None => find_on_path("chromedriver"),
    }
}

/// The first file called `name` in a folder of `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").iter().flat_map(std::env::split_paths).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// A chromedriver process of our own on a port it chose; killed with its browsers when dropped.
pub struct ChromeDriver {
    process: Child,
    /// The WebDriver endpoint, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl ChromeDriver {
    /// Starts `path` on a free port and waits (up to 30 s) until it says which.
    pub fn start(path: &Path) -> Result<ChromeDriver, String> {
        let mut process = Command::new(path)
            .arg("--port=0")
            // Its own process group, which the Chromiums it starts join: Drop ends them all.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        // With --port=0 chromedriver prints the port it bound; the reader keeps draining the
        // pipe afterwards so chromedriver never blocks on a full one.
        let stdout = process.stdout.take().expect("stdout is piped");
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.split("started successfully on port ").nth(1) {
                    let _ = port_tx.send(port.trim_end_matches('.').trim().to_owned());
                }
            }
        });
        let driver = |port: String| ChromeDriver { process, url: format!("http://127.0.0.1:{port}") };
        // Generous: on a loaded machine (a test run starting many browsers) it can take a while.
        match port_rx.recv_timeout(Duration::from_secs(90)) {
            Ok(port) => Ok(driver(port)),
            // Dropping it ends the process.
            Err(_) => {
                drop(driver(String::new()));
                Err(format!("{} did not report a port within 90 s", path.display()))
            }
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Chromium outlives a killed chromedriver, but stays in its process group (see start):
        // end the whole group, so a run that failed before closing its sessions leaves no
        // browser running.
        let group = format!("-{}", self.process.id());
        let group_killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !group_killed {
            let _ = self.process.kill();
        }
        let _ = self.process.wait();
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
pub struct DevTools {
    pub cmd: &'static str,
    pub params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base_url: &Url, session_id: Option<&str>) -> Result<Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Width and height from a PNG's IHDR chunk, or `None` when `png` is not a PNG.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() <= 24 || !png.starts_with(b"\x89PNG") {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    Some((be(16), be(20)))
}

#[cfg(test)]
mod tests {
    use super::png_size;

    #[test]
    fn a_png_size_is_read_from_its_header_and_anything_else_has_none() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(1440u32.to_be_bytes());
        png.extend(900u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0]);
        assert_eq!(png_size(&png), Some((1440, 900)));
        assert_eq!(png_size(b"GIF89a, not a PNG at all"), None);
    }
}
