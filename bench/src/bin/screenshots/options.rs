//! Command-line flags: where the pictures go and which of them to take.

use std::path::{Path, PathBuf};

use crate::shots::Shot;

pub const USAGE: &str = "\
screenshots: starts Discock on a throwaway SQLite database, fills it with a demo (people from
several cities, rooms, two days of conversation) through the HTTP API and WebSockets, and
photographs the login and chat pages in headless Chromium: Russian and English, desktop
(1440×900) and phone (375×812 at 2×, so 750×1624 pixels).

USAGE: cargo run --release -p discock-bench --bin screenshots -- [FLAGS]

  --out DIR        where the PNGs go (default: docs/screenshots of this repository)
  --only NAME      take only this picture (repeatable, or comma-separated): login-ru-desktop,
                   login-en-desktop, login-ru-phone, login-en-phone, chat-ru-desktop,
                   chat-en-desktop, chat-ru-phone, chat-en-phone
  --help

Needs chromedriver and Chromium (Debian: apt-get install chromium chromium-driver;
CHROMEDRIVER and CHROME_BIN name other binaries) and a font that draws emoji
(apt-get install fonts-noto-color-emoji).
";

/// What one run does.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub out: PathBuf,
    pub shots: Vec<Shot>,
}

/// `docs/screenshots` of this workspace, wherever the command runs from.
fn default_out() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench.parent().unwrap_or(bench).join("docs").join("screenshots")
}

/// The flags, or `Ok(None)` for `--help`.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut out = default_out();
    let mut only: Vec<String> = Vec::new();
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--out" => out = PathBuf::from(value),
            "--only" => only.extend(value.split(',').map(|name| name.trim().to_owned())),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let all = Shot::all();
    for name in &only {
        if !all.iter().any(|shot| shot.name() == *name) {
            return Err(format!("--only: there is no picture called {name:?}"));
        }
    }
    let shots = all.into_iter().filter(|shot| only.is_empty() || only.contains(&shot.name())).collect();
    Ok(Some(Options { out, shots }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Option<Options>, String> {
        parse(args.iter().map(|a| a.to_string()))
    }

    fn names(options: &Options) -> Vec<String> {
        options.shots.iter().map(Shot::name).collect()
    }

    #[test]
    fn without_flags_every_picture_goes_to_docs_screenshots() {
        let options = parse_args(&[]).unwrap().unwrap();
        assert_eq!(options.shots, Shot::all());
        assert!(options.out.ends_with("docs/screenshots"), "{}", options.out.display());
    }

    #[test]
    fn only_picks_pictures_by_name_repeated_or_comma_separated() {
        let options = parse_args(&["--only", "chat-en-phone", "--only", "login-ru-desktop,chat-ru-phone"]);
        let options = options.unwrap().unwrap();
        assert_eq!(names(&options), ["login-ru-desktop", "chat-ru-phone", "chat-en-phone"]);
        let options = parse_args(&["--out", "/tmp/pictures"]).unwrap().unwrap();
        assert_eq!(options.out, PathBuf::from("/tmp/pictures"));
    }

    #[test]
    fn an_unknown_picture_or_flag_is_refused_with_its_name() {
        assert_eq!(
            parse_args(&["--only", "chat-de-phone"]),
            Err("--only: there is no picture called \"chat-de-phone\"".to_owned())
        );
        assert_eq!(parse_args(&["--shots"]), Err("--shots needs a value".to_owned()));
        assert_eq!(parse_args(&["--size", "2"]), Err("unknown flag --size".to_owned()));
        assert_eq!(parse_args(&["--help"]), Ok(None));
    }
}
