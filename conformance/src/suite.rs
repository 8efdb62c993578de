//! A suite: every `*.toml` scenario under a directory (fixtures excluded), in path order,
//! optionally filtered.

use std::path::{Path, PathBuf};

use idlink_mock::scenario::{Scenario, ScenarioError};

/// One scenario file of the suite, loaded or not.
#[derive(Debug)]
pub struct SuiteEntry {
    /// Path relative to the suite directory.
    pub relative: String,
    /// The loaded scenario, or why it could not be loaded (a harness error in the report).
    pub scenario: Result<Scenario, ScenarioError>,
}

impl SuiteEntry {
    /// The scenario's ID, or for a file that did not load, its file stem (for the report).
    pub fn id_hint(&self) -> String {
        match &self.scenario {
            Ok(s) => s.spec.id.clone(),
            Err(_) => Path::new(&self.relative)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// Why a suite could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The directory could not be read.
    #[error("cannot read the suite directory {path}: {source}")]
    Read {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Two scenarios have the same ID.
    #[error("scenario ID {id} is used by both {first} and {second}: IDs must be unique in a suite")]
    DuplicateId {
        /// The ID.
        id: String,
        /// One file.
        first: String,
        /// The other.
        second: String,
    },
    /// Nothing to run.
    #[error("no scenario in {path} matches {filter:?}")]
    Empty {
        /// The directory.
        path: PathBuf,
        /// The filter.
        filter: String,
    },
}

/// Loads the suite; `filter` keeps scenarios whose ID or path contains it (`*` matches
/// anything; several patterns separated by commas).
pub fn load(dir: &Path, filter: Option<&str>) -> Result<Vec<SuiteEntry>, SuiteError> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let mut entries: Vec<SuiteEntry> = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let scenario = Scenario::from_path(&file);
        if let Some(filter) = filter {
            let id = scenario
                .as_ref()
                .map(|s| s.spec.id.clone())
                .unwrap_or_default();
            if !filter
                .split(',')
                .any(|p| matches(p.trim(), &id) || matches(p.trim(), &relative))
            {
                continue;
            }
        }
        if let Ok(s) = &scenario
            && let Some(other) = entries
                .iter()
                .find(|e| e.scenario.as_ref().is_ok_and(|o| o.spec.id == s.spec.id))
        {
            return Err(SuiteError::DuplicateId {
                id: s.spec.id.clone(),
                first: other.relative.clone(),
                second: relative,
            });
        }
        entries.push(SuiteEntry { relative, scenario });
    }
    if entries.is_empty() {
        return Err(SuiteError::Empty {
            path: dir.to_owned(),
            filter: filter.unwrap_or("*").to_owned(),
        });
    }
    Ok(entries)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let read = std::fs::read_dir(dir).map_err(|source| SuiteError::Read {
        path: dir.to_owned(),
        source,
    })?;
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "fixtures") {
                collect(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// `*` wildcard match, case-insensitive; a pattern without `*` matches as a substring.
fn matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let text = text.to_ascii_lowercase();
    if !pattern.contains('*') {
        return text.contains(&pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        match rest.find(part) {
            Some(at) if i > 0 || at == 0 => rest = &rest[at + part.len()..],
            _ => return false,
        }
    }
    parts.last().is_none_or(|l| l.is_empty() || rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_substrings_and_wildcards() {
        assert!(matches("retry", "RETRY-503"));
        assert!(matches("RETRY-*", "retry-503"));
        assert!(matches("*-503", "RETRY-503"));
        assert!(!matches("TLS-*", "RETRY-503"));
        assert!(matches("cert*/*", "certificates/X.toml"));
        assert!(
            !matches("cert*/", "certificates/X.toml"),
            "a pattern with * matches whole"
        );
    }
}
