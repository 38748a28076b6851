//! What is read: the files of an API folder, each with the path shown in diagnostics.

use std::io;
use std::path::{Path, PathBuf};

/// The text of one spec file and the path to show in diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Display path, e.g. `api-specs/fivecents/api.toml`.
    pub path: String,
    /// File contents.
    pub text: String,
}

/// The files of one API folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSources {
    /// `api.toml`.
    pub api: SourceFile,
    /// One file per endpoint, sorted by path.
    pub endpoints: Vec<SourceFile>,
}

impl ApiSources {
    /// The sources from `(display path, text)` pairs, the API file first — the form in which
    /// generated bindings embed their specs (`Client::SPEC_SOURCES`). `None` when empty.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Option<Self> {
        let file = |(path, text): &(&str, &str)| SourceFile {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        };
        let (first, rest) = pairs.split_first()?;
        Some(Self {
            api: file(first),
            endpoints: rest.iter().map(file).collect(),
        })
    }

    /// Every file, the API file first.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        std::iter::once(&self.api).chain(&self.endpoints)
    }
}

/// Reads an API folder: `api.toml` and every other `*.toml` file in it (sorted, so that the
/// output is deterministic). `display` maps a file's path to the path shown in diagnostics.
///
/// Returns the sources and the real paths read, for build tracking.
pub fn read_api_dir(
    dir: &Path,
    display: &dyn Fn(&Path) -> String,
) -> io::Result<(ApiSources, Vec<PathBuf>)> {
    let read = |path: &Path| -> io::Result<SourceFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", display(path))))?;
        Ok(SourceFile {
            path: display(path),
            text,
        })
    };
    let api_path = dir.join("api.toml");
    let api = read(&api_path)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", display(dir))))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml") && p.file_name() != Some("api.toml".as_ref())
        })
        .collect();
    paths.sort();
    let endpoints = paths.iter().map(|p| read(p)).collect::<io::Result<_>>()?;
    let mut all = vec![api_path];
    all.extend(paths);
    Ok((ApiSources { api, endpoints }, all))
}

/// Every API folder (a folder holding an `api.toml`) directly under `root`, sorted by name.
pub fn read_specs_root(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("api.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}
