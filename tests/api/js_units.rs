//! The browser modules' own checks, which need no server and no browser: their unit tests in
//! `tests/js/*.test.js`, run by Node's built-in test runner (`node --test`), and a scan of
//! `static/js/` for the DOM calls that parse HTML, which no module may make.
//!
//! Needs Node.js 20.19+ or 22.7+ (it loads `static/js/` as ES modules without a package.json);
//! `NODE` overrides where it is looked for. Without it the unit tests say so loudly and pass, so
//! `cargo test` works on a machine without Node; with `CI=true` they fail instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL_HINT: &str = "install Node.js 20.19+ or 22.7+ (the nodejs package), or set NODE to it";

/// DOM calls and properties that turn a string into markup. Views build nodes (static/js/dom.js).
const HTML_SINKS: [&str; 6] =
    ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment", "DOMParser"];

#[test]
fn the_browser_modules_pass_their_node_unit_tests() {
    let Some(node) = node_or_skip() else { return };
    let tests = files(&root().join("tests/js"), ".test.js");
    assert!(!tests.is_empty(), "no tests/js/*.test.js files: is this test still looking in the right place?");
    let output = Command::new(&node)
        .arg("--test")
        .args(&tests)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", node.display()));
    assert!(
        output.status.success(),
        "node --test tests/js failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn no_browser_module_parses_html() {
    let mut problems = Vec::new();
    for file in files(&root().join("static/js"), ".js") {
        let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let shown = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
        problems.extend(html_sinks(&source).into_iter().map(|(line, sink)| format!("{shown}:{line}: {sink}")));
    }
    assert!(
        problems.is_empty(),
        "build nodes with h() / textContent (static/js/dom.js), never from HTML text:\n{}",
        problems.join("\n")
    );
}

/// The scan must find what it is there to find, comments included (a commented-out call is
/// one edit from running).
#[test]
fn the_html_scan_finds_every_sink() {
    let source =
        "el.textContent = x;\nel.innerHTML = x; // and el.outerHTML\nnew DOMParser();\n/* document.write(x) */";
    let found = html_sinks(source);
    assert_eq!(found, [(2, "innerHTML"), (2, "outerHTML"), (3, "DOMParser"), (4, "document.write")]);
    assert!(html_sinks("el.append(h('p', { text: html }));").is_empty());
}

/// Each (line, sink) in `source`.
fn html_sinks(source: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let mut on_line: Vec<(usize, &'static str)> =
            HTML_SINKS.iter().flat_map(|sink| line.match_indices(sink).map(|(at, _)| (at, *sink))).collect();
        on_line.sort();
        found.extend(on_line.into_iter().map(|(_, sink)| (n + 1, sink)));
    }
    found
}

/// Node.js, or `None` (after saying so) when it is missing and this is not CI. Too old a Node
/// fails the test anywhere: it would fail the unit tests with a confusing error.
fn node_or_skip() -> Option<PathBuf> {
    let node = PathBuf::from(std::env::var_os("NODE").unwrap_or_else(|| "node".into()));
    let Ok(output) = Command::new(&node).arg("--version").output() else {
        let help = format!("{} not found: {INSTALL_HINT}", node.display());
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{help} (CI=true, so the JavaScript tests may not skip)");
        // Straight to stderr: libtest swallows eprintln! of a passing test unless --nocapture.
        let _ = writeln!(std::io::stderr(), "\n!!!!! the JavaScript unit tests (js_units::) skipped: {help} !!!!!\n");
        return None;
    };
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        parse_version(&version).is_some_and(reads_es_modules),
        "{} is Node.js {version:?}, which cannot load static/js: {INSTALL_HINT}",
        node.display()
    );
    Some(node)
}

/// Whether this Node.js loads a `.js` file with `import`/`export` as an ES module without a
/// package.json saying so: from 22.7, and 20.19 on the 20 line.
fn reads_es_modules((major, minor): (u32, u32)) -> bool {
    major > 22 || (major == 22 && minor >= 7) || (major == 20 && minor >= 19)
}

/// (major, minor) of "v20.19.2".
fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.strip_prefix('v')?.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[test]
fn node_20_19_and_22_7_on_read_es_modules_by_their_syntax() {
    assert_eq!(parse_version("v20.20.2"), Some((20, 20)));
    assert_eq!(parse_version("20.1"), None);
    for (version, reads) in [("v18.19.0", false), ("v20.18.3", false), ("v20.19.0", true), ("v21.7.3", false)]
        .into_iter()
        .chain([("v22.6.0", false), ("v22.7.0", true), ("v24.0.0", true)])
    {
        assert_eq!(parse_version(version).map(reads_es_modules), Some(reads), "{version}");
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files under `dir` whose names end in `suffix`, sorted.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(suffix)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
