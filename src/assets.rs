//! Embedded files: Tera templates from `templates/` and static files from `static/`, compiled
//! into the release binary so it runs from any directory (debug builds read the folders live).

use bytes::Bytes;
use rust_embed::RustEmbed;
use tera::Tera;

use crate::i18n::Lang;
use warp::http::{header, Response, StatusCode};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// The page templates, once per language: each set's `t(key="…")` answers from its own
/// catalogue, so a page is rendered whole in the reader's language.
pub struct Templates {
    by_lang: Vec<(Lang, Tera)>,
}

impl Templates {
    /// Renders `name` in `lang` with `ctx` (which gains `lang`, for `<html lang>`).
    pub fn render(&self, lang: Lang, name: &str, ctx: &tera::Context) -> Result<String, tera::Error> {
        let tera = self.by_lang.iter().find(|(l, _)| *l == lang).map(|(_, t)| t).expect("every language has templates");
        let mut ctx = ctx.clone();
        ctx.insert("lang", lang.code());
        tera.render(name, &ctx)
    }
}

/// Loads every embedded template. Names keep their `.html` suffix, which is what makes Tera
/// autoescape them.
pub fn templates() -> Result<Templates, tera::Error> {
    let mut sources = Vec::new();
    for name in TemplateFiles::iter() {
        let file = TemplateFiles::get(&name).expect("an embedded file listed by iter() exists");
        let text = String::from_utf8(file.data.into_owned())
            .map_err(|e| tera::Error::msg(format!("template {name} is not UTF-8: {e}")))?;
        sources.push((name.to_string(), text));
    }
    let mut by_lang = Vec::new();
    for lang in Lang::ALL {
        let mut tera = Tera::default();
        tera.register_function("t", crate::i18n::tera_function(lang));
        tera.add_raw_templates(sources.clone())?;
        by_lang.push((lang, tera));
    }
    Ok(Templates { by_lang })
}

/// A static file by path, with a strong ETag so browsers revalidate cheaply after a deploy;
/// `None` when there is no such file.
pub fn static_file(path: &str, if_none_match: Option<&str>) -> Option<Response<Bytes>> {
    let file = Static::get(path)?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let builder = Response::builder().header(header::ETAG, &etag).header(header::CACHE_CONTROL, "no-cache");
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
        return Some(
            builder.status(StatusCode::NOT_MODIFIED).body(Bytes::new()).expect("static response parts are valid"),
        );
    }
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    };
    Some(
        builder
            .header(header::CONTENT_TYPE, content_type)
            .body(Bytes::from(file.data.into_owned()))
            .expect("static response parts are valid"),
    )
}
