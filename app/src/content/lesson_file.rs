//! One lesson: `content/lessons/*.md`, TOML front matter between `+++` lines.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{check_ident, check_non_empty, files_with_ext, ContentError};
use super::markdown;
use crate::lesson_body::{Segment, SourceLink};

/// A primary document a lesson's facts were checked against.
pub type Source = SourceLink;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: String,
    title: String,
    order: u32,
    topic: String,
    summary: String,
    #[serde(default)]
    sources: Vec<Source>,
}

/// A parsed lesson with its body already rendered to HTML segments.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub file: PathBuf,
    pub slug: String,
    pub title: String,
    pub order: u32,
    pub topic: String,
    pub summary: String,
    pub sources: Vec<Source>,
    pub body: Vec<Segment>,
}

pub(super) fn load_dir(dir: &Path) -> Result<Vec<Lesson>, ContentError> {
    files_with_ext(dir, "md")?
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).map_err(|e| ContentError::io(file, e))?;
            parse(file, &text)
        })
        .collect()
}

pub(super) fn parse(file: &Path, text: &str) -> Result<Lesson, ContentError> {
    let (front, body) = split_front_matter(file, text)?;
    let fm: FrontMatter = toml::from_str(front).map_err(|e| {
        // toml names the offending key in its message; keep it, drop the source excerpt.
        let msg = e.message().to_string();
        ContentError::invalid(file, "front matter", msg)
    })?;
    check_ident(file, "slug", &fm.slug)?;
    check_non_empty(file, "title", &fm.title)?;
    check_non_empty(file, "topic", &fm.topic)?;
    check_non_empty(file, "summary", &fm.summary)?;
    if fm.order == 0 {
        return Err(ContentError::invalid(file, "order", "must be 1 or more"));
    }
    for (i, s) in fm.sources.iter().enumerate() {
        if !(s.url.starts_with("https://") || s.url.starts_with("http://")) {
            return Err(ContentError::invalid(
                file,
                format!("sources[{i}].url"),
                format!("'{}' is not an http(s) URL", s.url),
            ));
        }
    }
    let body = markdown::render_lesson_body(body)
        .map_err(|(field, msg)| ContentError::invalid(file, field, msg))?;
    Ok(Lesson {
        file: file.to_path_buf(),
        slug: fm.slug,
        title: fm.title,
        order: fm.order,
        topic: fm.topic,
        summary: fm.summary,
        sources: fm.sources,
        body,
    })
}

fn split_front_matter<'a>(file: &Path, text: &'a str) -> Result<(&'a str, &'a str), ContentError> {
    let missing = || {
        ContentError::invalid(
            file,
            "front matter",
            "must start with a '+++' line and end with another '+++' line",
        )
    };
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or_else(missing)?;
    let end = rest
        .find("\n+++\n")
        .or_else(|| rest.find("\n+++\r\n"))
        .or_else(|| rest.strip_suffix("\n+++").map(|s| s.len()))
        .ok_or_else(missing)?;
    let body = rest[end + 1..]
        .trim_start_matches("+++")
        .trim_start_matches(['\r', '\n']);
    Ok((&rest[..end], body))
}
