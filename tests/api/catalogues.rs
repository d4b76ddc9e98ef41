//! The message catalogues (`static/i18n/*.json`) against each other and against every place
//! that uses them: the templates (`t(key="…")`, `data-i18n*="…"`), the browser modules
//! (`t('…')`, `data-i18n*` keys) and the server (`i18n::t(lang, "…")`, `tf(lang, "…", …)`, and
//! the keys a module like `src/texts.rs` picks in a `match` before passing them on).
//! A key missing from a catalogue would show as the bare key, so each check names the file and
//! line to fix. Also: no Russian text is left written into the templates or the scripts — every
//! text a person reads comes from the catalogues, in the language they chose.
//!
//! Nothing here starts the server: the checks read the repository's files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use discock::i18n::{self, Lang};
use serde_json::{Map, Value};

/// The CLDR plural categories a plural entry may use.
const CLDR_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

#[test]
fn both_catalogues_have_the_same_keys_each_sorted_once() {
    let [ru, en] = Lang::ALL.map(|lang| Catalogue::read(lang).expect("catalogue"));
    let mut problems = Vec::new();
    for cat in [&ru, &en] {
        problems.extend(cat.order_problems());
    }
    problems.extend(key_differences(&ru, &en));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_plural_entry_has_the_forms_its_language_needs() {
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        problems.extend(Catalogue::read(lang).expect("catalogue").plural_problems());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_translation_is_of_the_same_kind_and_has_the_same_placeholders() {
    let [ru, en] = Lang::ALL.map(|lang| Catalogue::read(lang).expect("catalogue"));
    let problems = shape_differences(&ru, &en);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_key_the_templates_scripts_and_server_use_is_in_the_catalogues() {
    let catalogues: Vec<Catalogue> = Lang::ALL.into_iter().map(|l| Catalogue::read(l).expect("catalogue")).collect();
    let mut uses = Vec::new();
    for file in files("templates", "html") {
        uses.extend(template_keys(&file, &read(&file)));
    }
    for file in files("static/js", "js") {
        uses.extend(script_keys(&file, &read(&file)));
    }
    for file in files("src", "rs").into_iter().chain(files("tests", "rs")) {
        if !file.ends_with("tests/api/catalogues.rs") {
            uses.extend(server_keys(&file, &read(&file)));
        }
    }
    assert!(uses.len() > 100, "the scan found only {} uses of keys: is it still reading the right files?", uses.len());
    let problems = missing_keys(&uses, &catalogues);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_russian_text_is_written_into_the_templates_or_scripts() {
    let mut problems = Vec::new();
    for file in files("templates", "html") {
        problems.extend(cyrillic_lines(&file, &strip_template_comments(&read(&file))));
    }
    for file in files("static/js", "js") {
        problems.extend(cyrillic_lines(&file, &strip_js_comments(&read(&file))));
    }
    assert!(problems.is_empty(), "texts belong in static/i18n/*.json, used through t():\n{}", problems.join("\n"));
}

/// The scanners and checks must catch what they are there to catch: each is fed a broken
/// example here, so a check that silently stopped finding anything fails.
#[test]
fn the_checks_catch_what_they_look_for() {
    let ru = Catalogue::parse(
        Lang::Ru,
        "ru.json",
        "{\n  \"b.x\": \"Б\",\n  \"a.y\": {\"one\": \"{count} А\", \"other\": \"{n}\"}\n}\n",
    );
    let en = Catalogue::parse(Lang::En, "en.json", "{\n  \"a.y\": \"A\",\n  \"c.z\": \"C\"\n}\n");
    assert_eq!(ru.order_problems().len(), 1, "b.x before a.y is out of order");
    assert_eq!(key_differences(&ru, &en).len(), 2, "b.x only in ru, c.z only in en");
    assert_eq!(ru.plural_problems().len(), 2, "a.y lacks few and many in Russian");
    assert_eq!(shape_differences(&ru, &en).len(), 1, "a.y is plural in ru but a text in en");

    let page = Path::new("page.html");
    let used = template_keys(page, r#"<p data-i18n-title="a.b">{{ t(key="c.d") }}</p>{{ t(key=name) }}"#);
    let keys: Vec<_> = used.iter().map(|u| u.key.as_deref()).collect();
    assert_eq!(keys, [Some("c.d"), None, Some("a.b")], "a literal key, a computed one, an attribute");

    let script = Path::new("view.js");
    let used = script_keys(script, "const x = t('a.b', { n }); el.textContent = t(`a.${k}`); h('b', { 'data-i18n-aria-label': \"c.d\" }); // t('e.f')");
    let keys: Vec<_> = used.iter().map(|u| u.key.as_deref()).collect();
    assert_eq!(keys, [Some("a.b"), None, Some("c.d")], "comments are not code");
    let known = [Catalogue::parse(Lang::En, "en.json", "{\n  \"a.b\": \"A\"\n}\n")];
    assert_eq!(missing_keys(&used, &known).len(), 2, "a computed key and a missing one");

    let rust = Path::new("texts.rs");
    let used = server_keys(rust, "let a = i18n::t(lang, \"a.b\");\nlet b = tf(\n    meta.lang(),\n    \"c.d\",\n    &[(\"count\", &1)],\n);\n/// t(lang, \"doc.only\")\nfn t(lang: Lang, key: &str) {}");
    let keys: Vec<_> = used.iter().map(|u| u.key.as_deref()).collect();
    assert_eq!(keys, [Some("a.b"), Some("c.d")]);
    assert_eq!(used[1].line, 4, "the line the key is on");
    let texts = "use crate::i18n::{t, tf, Lang};\nlet q = '\"'; // \"not.this\"\nlet key = match e {\n    E::A => \"error.a-b\",\n    E::B => r#\"raw.key\"#,\n    E::C => \"Not a key.\",\n};\n#[cfg(test)]\nconst T: &str = \"test.only\";";
    let keys: Vec<_> = server_keys(rust, texts).into_iter().filter_map(|u| u.key).collect();
    assert_eq!(keys, ["error.a-b"], "in a module that picks keys, its key-shaped literals");
    assert!(
        server_keys(rust, &texts.replace("{t, tf, Lang}", "Lang")).is_empty(),
        "elsewhere, only t() and tf() calls"
    );

    let js = strip_js_comments(
        "const re = /\\/\\/[\"']/g; // Привет\nconst s = 'http://x'; /* Мир */ const u = `${a / b} Да`;",
    );
    assert_eq!(cyrillic_lines(script, &js).len(), 1, "only «Да» is code: {js}");
    let html = strip_template_comments("{# Комментарий #}<!-- Заметка --><p>Текст</p>");
    assert_eq!(cyrillic_lines(page, &html).len(), 1);
}

// ---- the catalogues ---------------------------------------------------------------------

/// One catalogue file as written: its entries, and its top-level keys in file order.
struct Catalogue {
    lang: Lang,
    name: String,
    entries: Map<String, Value>,
    written_order: Vec<String>,
}

impl Catalogue {
    fn read(lang: Lang) -> Result<Catalogue, String> {
        let name = format!("static/i18n/{lang}.json");
        let json = std::fs::read_to_string(root().join(&name)).map_err(|e| format!("{name}: {e}"))?;
        Ok(Catalogue::parse(lang, &name, &json))
    }

    fn parse(lang: Lang, name: &str, json: &str) -> Catalogue {
        let entries: Map<String, Value> =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{name} is not a JSON object: {e}"));
        // One top-level key per line, indented by two spaces, as the files are written.
        let written_order = json
            .lines()
            .filter_map(|line| line.strip_prefix("  \""))
            .filter_map(|rest| rest.split_once("\":").map(|(key, _)| key.to_owned()))
            .collect();
        Catalogue { lang, name: name.to_owned(), entries, written_order }
    }

    /// Keys out of alphabetical order or written twice (JSON would keep only the last).
    fn order_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.written_order.len() != self.entries.len() {
            problems.push(format!(
                "{}: {} keys are written one per line but the object has {}: a key is written twice, or the file is not laid out one key per line",
                self.name,
                self.written_order.len(),
                self.entries.len()
            ));
        }
        for pair in self.written_order.windows(2) {
            if pair[0] >= pair[1] {
                problems.push(format!(
                    "{}: \"{}\" comes after \"{}\": keys go in alphabetical order, once",
                    self.name, pair[1], pair[0]
                ));
            }
        }
        problems
    }

    /// Plural entries without a form the language needs, or with a form CLDR does not have.
    fn plural_problems(&self) -> Vec<String> {
        let needed = i18n::catalogue(self.lang).required_plural_forms();
        let mut problems = Vec::new();
        for (key, value) in &self.entries {
            let Value::Object(forms) = value else { continue };
            for form in needed {
                if !forms.contains_key(*form) {
                    problems
                        .push(format!("{}: \"{key}\" has no \"{form}\" form, which {} needs", self.name, self.lang));
                }
            }
            for form in forms.keys() {
                if !CLDR_CATEGORIES.contains(&form.as_str()) {
                    problems.push(format!(
                        "{}: \"{key}\" has a form \"{form}\", which is no CLDR plural category",
                        self.name
                    ));
                }
            }
        }
        problems
    }

    fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }
}

/// Keys one catalogue has and the other lacks.
fn key_differences(a: &Catalogue, b: &Catalogue) -> Vec<String> {
    let mut problems = Vec::new();
    for (have, lack) in [(a, b), (b, a)] {
        for key in have.entries.keys().filter(|key| !lack.has(key)) {
            problems.push(format!("\"{key}\" is in {} but not in {}", have.name, lack.name));
        }
    }
    problems
}

/// Entries that are a text in one language and plural forms in the other, or whose
/// placeholders differ (a translation that drops `{room}` loses the room's name).
fn shape_differences(a: &Catalogue, b: &Catalogue) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, value_a) in &a.entries {
        let Some(value_b) = b.entries.get(key) else { continue };
        if value_a.is_object() != value_b.is_object() {
            problems.push(format!("\"{key}\" is plural forms in one catalogue and a text in the other"));
            continue;
        }
        let (names_a, names_b) = (placeholders(value_a), placeholders(value_b));
        if names_a != names_b {
            problems.push(format!(
                "\"{key}\" has the placeholders {names_a:?} in {} but {names_b:?} in {}",
                a.name, b.name
            ));
        }
    }
    problems
}

/// The `{name}`s of an entry, over all its forms.
fn placeholders(value: &Value) -> BTreeSet<String> {
    let texts: Vec<&str> = match value {
        Value::String(text) => vec![text],
        Value::Object(forms) => forms.values().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let mut names = BTreeSet::new();
    for text in texts {
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            rest = &rest[start + 1..];
            let Some(end) = rest.find('}') else { break };
            names.insert(rest[..end].to_owned());
            rest = &rest[end + 1..];
        }
    }
    names
}

// ---- where keys are used ----------------------------------------------------------------

/// One use of a key: where, and the key — None when it is computed rather than written out,
/// which hides it from this check.
#[derive(Debug)]
struct KeyUse {
    file: PathBuf,
    line: usize,
    key: Option<String>,
}

impl KeyUse {
    fn at(file: &Path, text: &str, offset: usize, key: Option<&str>) -> KeyUse {
        KeyUse { file: file.to_owned(), line: line_of(text, offset), key: key.map(str::to_owned) }
    }
}

/// Uses whose key is computed, or missing from a catalogue.
fn missing_keys(uses: &[KeyUse], catalogues: &[Catalogue]) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    for used in uses {
        let place = format!("{}:{}", relative(&used.file).display(), used.line);
        match &used.key {
            None => problems.push(format!("{place}: a key must be a literal string, so this check can see it")),
            Some(key) => {
                let lacking: Vec<&str> = catalogues.iter().filter(|c| !c.has(key)).map(|c| c.name.as_str()).collect();
                if !lacking.is_empty() {
                    problems.push(format!("{place}: \"{key}\" is not in {}", lacking.join(", ")));
                }
            }
        }
    }
    // A line that uses a key twice (text and attribute) is reported once.
    let mut seen = BTreeSet::new();
    problems.retain(|problem| seen.insert(problem.clone()));
    problems
}

/// `{{ t(key="…") }}` and `data-i18n…="…"` in a template.
fn template_keys(file: &Path, source: &str) -> Vec<KeyUse> {
    let code = strip_template_comments(source);
    let mut uses = Vec::new();
    for (at, _) in code.match_indices("t(") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let args = code[at + 2..].trim_start();
        let Some(value) = args.strip_prefix("key").map(|rest| rest.trim_start()) else { continue };
        let Some(value) = value.strip_prefix('=').map(str::trim_start) else { continue };
        uses.push(KeyUse::at(file, &code, at, quoted(value)));
    }
    uses.extend(attribute_keys(file, &code));
    uses
}

/// `t('…')` / `t("…")` calls and `data-i18n…` keys in a browser module (comments aside).
/// i18n.js itself translates keys it reads from the markup, so only its literal uses count.
fn script_keys(file: &Path, source: &str) -> Vec<KeyUse> {
    let code = strip_js_comments(source);
    let defines_t = file.file_name().is_some_and(|name| name == "i18n.js");
    let mut uses = Vec::new();
    for (at, _) in code.match_indices("t(") {
        let before = &code[..at];
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') || before.ends_with("function ") {
            continue;
        }
        let key = quoted(code[at + 2..].trim_start());
        if key.is_some() || !defines_t {
            uses.push(KeyUse::at(file, &code, at, key));
        }
    }
    uses.extend(attribute_keys(file, &code));
    uses
}

/// `i18n::t(lang, "…")` and `tf(lang, "…", …)` calls in Rust with a literal key. A module
/// that picks keys itself and passes them on (it imports `t` or `tf` from `i18n`, as
/// `src/texts.rs` does, choosing the key in a `match`) has every key-shaped string literal
/// (`area.name-with-dashes`) of its code outside `#[cfg(test)]` counted too. Comment lines
/// are skipped.
fn server_keys(file: &Path, source: &str) -> Vec<KeyUse> {
    let code: String = source
        .lines()
        .map(|line| if line.trim_start().starts_with("//") { "" } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    let mut uses = Vec::new();
    for name in ["t(", "tf("] {
        for (at, _) in code.match_indices(name) {
            let before = &code[..at];
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') || before.ends_with("fn ") {
                continue;
            }
            // The key is the second argument: skip the first one (the language).
            let args = &code[at + name.len()..];
            let Some(comma) = first_argument_end(args) else { continue };
            let rest = args[comma + 1..].trim_start();
            if let Some(key) = rest.strip_prefix('"').and_then(|r| r.split_once('"')).map(|(key, _)| key) {
                let offset = code.len() - rest.len();
                uses.push(KeyUse::at(file, &code, offset, Some(key)));
            }
        }
    }
    if picks_texts(&code) {
        let end = code.find("#[cfg(test)]").unwrap_or(code.len());
        for (offset, literal) in rust_strings(&code[..end]) {
            if key_shaped(literal) {
                uses.push(KeyUse::at(file, &code, offset, Some(literal)));
            }
        }
    }
    uses.sort_by(|a, b| (a.line, &a.key).cmp(&(b.line, &b.key)));
    uses.dedup_by(|a, b| a.line == b.line && a.key == b.key);
    uses
}

/// Whether a Rust module imports `t` or `tf` from `i18n` (`use crate::i18n::{t, tf, Lang};`).
fn picks_texts(code: &str) -> bool {
    code.match_indices("i18n::{").any(|(at, found)| {
        let items = &code[at + found.len()..];
        let items = &items[..items.find('}').unwrap_or(items.len())];
        items.split(',').any(|item| matches!(item.trim(), "t" | "tf"))
    })
}

/// `area.name-with-dashes`: how a catalogue key looks.
fn key_shaped(text: &str) -> bool {
    text.split_once('.').is_some_and(|(area, name)| {
        area.starts_with(|c: char| c.is_ascii_lowercase())
            && area.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    })
}

/// The plain string literals of Rust code (`"…"`, as written), with where each starts;
/// comments, char literals and raw strings are skipped.
fn rust_strings(code: &str) -> Vec<(usize, &str)> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = code[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = code[i..].find("*/").map_or(bytes.len(), |n| i + n + 2),
            b'r' if bytes.get(i + 1).is_some_and(|b| *b == b'"' || *b == b'#')
                && !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') =>
            {
                let hashes = code[i + 1..].bytes().take_while(|b| *b == b'#').count();
                let close = format!("\"{}", "#".repeat(hashes));
                let start = i + 2 + hashes;
                i = code[start..].find(&close).map_or(bytes.len(), |n| start + n + close.len());
            }
            b'\'' => {
                // A char literal ('x', '\'', '\u{1F4CD}'); else a lifetime ('a): only its quote is skipped.
                let rest = &code[i + 1..];
                let end = match rest.strip_prefix('\\') {
                    Some(escaped) => escaped.get(1..).and_then(|r| r.find('\'')).map(|n| n + 3),
                    None => rest
                        .chars()
                        .next()
                        .and_then(|c| rest[c.len_utf8()..].starts_with('\'').then_some(c.len_utf8() + 1)),
                };
                i += 1 + end.unwrap_or(0);
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                found.push((start, &code[start..j.min(bytes.len())]));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    found
}

/// Where the first argument of a call ends (its comma), skipping nested brackets.
fn first_argument_end(args: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in args.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return None,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return Some(i),
            '"' | ';' => return None,
            _ => {}
        }
    }
    None
}

/// `data-i18n="…"`, `data-i18n-aria-label="…"` (markup) and `'data-i18n-title': '…'` (h() props).
fn attribute_keys(file: &Path, code: &str) -> Vec<KeyUse> {
    let mut uses = Vec::new();
    for (at, _) in code.match_indices("data-i18n") {
        let rest = code[at + "data-i18n".len()..].trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '-');
        let rest = rest.trim_start_matches(['\'', '"']).trim_start();
        let Some(value) = rest.strip_prefix(['=', ':']).map(str::trim_start) else { continue };
        uses.push(KeyUse::at(file, code, at, quoted(value)));
    }
    uses
}

/// The text of a '…' or "…" literal at the start of `s`; None when `s` does not start with one.
fn quoted(s: &str) -> Option<&str> {
    let quote = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    s[1..].split_once(quote).map(|(text, _)| text)
}

// ---- Russian left in the code -----------------------------------------------------------

/// Each line of `code` (comments already blanked) that has Cyrillic letters.
fn cyrillic_lines(file: &Path, code: &str) -> Vec<String> {
    code.lines()
        .enumerate()
        .filter(|(_, line)| line.chars().any(|c| ('\u{0400}'..='\u{052f}').contains(&c)))
        .map(|(n, line)| format!("{}:{}: {}", relative(file).display(), n + 1, line.trim()))
        .collect()
}

/// A template with its `{# … #}` and `<!-- … -->` comments blanked (line breaks kept).
fn strip_template_comments(source: &str) -> String {
    let mut out = source.to_owned();
    for (open, close) in [("{#", "#}"), ("<!--", "-->")] {
        let mut from = 0;
        while let Some(start) = out[from..].find(open).map(|i| i + from) {
            let end = out[start..].find(close).map_or(out.len(), |i| start + i + close.len());
            let blank: String = out[start..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
            out.replace_range(start..end, &blank);
            from = start + blank.len();
        }
    }
    out
}

/// What a JavaScript lexer is inside of.
#[derive(Clone, Copy, PartialEq)]
enum Js {
    /// Code; the number counts `{` opened inside a template literal's `${`.
    Code(usize),
    Quote(char),
    Template,
    Regex {
        in_class: bool,
    },
    LineComment,
    BlockComment,
}

/// A module with its comments blanked (line breaks kept): strings, template literals and
/// regular expression literals are read as such, so `//` inside them is not a comment.
fn strip_js_comments(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut stack = vec![Js::Code(0)];
    // The last significant character and word of code, to tell a regex from a division.
    let mut last_sig: Option<char> = None;
    let mut last_word = String::new();
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let state = *stack.last().expect("the base state stays");
        match state {
            Js::LineComment => {
                if c == '\n' {
                    stack.pop();
                    out.push('\n');
                } else {
                    out.push(' ');
                }
            }
            Js::BlockComment => {
                if c == '*' && next == Some('/') {
                    stack.pop();
                    out.push_str("  ");
                    i += 1;
                } else {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
            }
            Js::Quote(q) => {
                out.push(c);
                if c == '\\' {
                    if let Some(n) = next {
                        out.push(n);
                        i += 1;
                    }
                } else if c == q || c == '\n' {
                    stack.pop();
                    last_sig = Some(c);
                }
            }
            Js::Template => {
                out.push(c);
                if c == '\\' {
                    if let Some(n) = next {
                        out.push(n);
                        i += 1;
                    }
                } else if c == '`' {
                    stack.pop();
                    last_sig = Some(c);
                } else if c == '$' && next == Some('{') {
                    out.push('{');
                    i += 1;
                    stack.push(Js::Code(1));
                    last_sig = Some('{');
                }
            }
            Js::Regex { in_class } => {
                out.push(c);
                match c {
                    '\\' => {
                        if let Some(n) = next {
                            out.push(n);
                            i += 1;
                        }
                    }
                    '[' => *stack.last_mut().expect("regex") = Js::Regex { in_class: true },
                    ']' => *stack.last_mut().expect("regex") = Js::Regex { in_class: false },
                    '/' if !in_class => {
                        stack.pop();
                        last_sig = Some('/');
                        last_word.clear();
                    }
                    _ => {}
                }
            }
            Js::Code(depth) => {
                if c == '/' && next == Some('/') {
                    stack.push(Js::LineComment);
                    out.push_str("  ");
                    i += 1;
                } else if c == '/' && next == Some('*') {
                    stack.push(Js::BlockComment);
                    out.push_str("  ");
                    i += 1;
                } else {
                    out.push(c);
                    match c {
                        '\'' | '"' => stack.push(Js::Quote(c)),
                        '`' => stack.push(Js::Template),
                        '/' if regex_may_start(last_sig, &last_word) => stack.push(Js::Regex { in_class: false }),
                        '{' if depth > 0 => *stack.last_mut().expect("code") = Js::Code(depth + 1),
                        '}' if depth == 1 => {
                            stack.pop(); // back into the template literal
                        }
                        '}' if depth > 1 => *stack.last_mut().expect("code") = Js::Code(depth - 1),
                        _ => {}
                    }
                    if is_ident(c) {
                        if !prev.is_some_and(is_ident) {
                            last_word.clear();
                        }
                        last_word.push(c);
                    }
                    if !c.is_whitespace() {
                        last_sig = Some(c);
                    }
                }
            }
        }
        prev = Some(c);
        i += 1;
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Whether a `/` after this much code starts a regular expression rather than a division.
fn regex_may_start(last_sig: Option<char>, last_word: &str) -> bool {
    match last_sig {
        None => true,
        Some(c) if is_ident(c) => {
            matches!(last_word, "return" | "typeof" | "case" | "in" | "of" | "delete" | "void" | "throw" | "new")
        }
        Some(c) => "(,=:[!&|?{};+-*%<>~^".contains(c),
    }
}

// ---- files ------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn relative(file: &Path) -> &Path {
    file.strip_prefix(root()).unwrap_or(file)
}

/// Every file under `dir` (relative to the repository) whose name ends in `.ext`, sorted.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root().join(dir)];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                found.push(path);
            }
        }
    }
    found.sort();
    assert!(!found.is_empty(), "no .{ext} files under {dir}");
    found
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}
