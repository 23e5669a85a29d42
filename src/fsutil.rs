//! File-system helpers shared by every writer: atomic writes, write-if-changed,
//! and path-safety checks for names that come from data.

use std::io::Write as _;
use std::path::{Component, Path};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then
/// renamed over the target. A crash leaves either the old file or the new one, never half.
/// Refuses to write through a symlink.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            return Err(werr(std::io::Error::other(
                "refusing to write through a symbolic link",
            )));
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(werr)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".publist-tmp-")
        .tempfile_in(dir)
        .map_err(werr)?;
    tmp.write_all(bytes).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    // Keep the permissions of the file we replace.
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

/// Whether a write happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was created or its bytes changed.
    Written,
    /// The file already held these bytes; it was not touched (mtime kept).
    Unchanged,
}

/// Writes atomically only when the bytes differ from what is on disk.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<WriteOutcome> {
    if let Ok(existing) = std::fs::read(path) {
        if existing == bytes {
            return Ok(WriteOutcome::Unchanged);
        }
    }
    write_atomic(path, bytes)?;
    Ok(WriteOutcome::Written)
}

/// True when `name` is safe as one path component: not empty, no separators, no `..`,
/// no NUL, not absolute.
pub fn is_safe_component(name: &str) -> bool {
    if name.is_empty() || name.len() > 200 || name.contains('\0') || name.contains(['/', '\\']) {
        return false;
    }
    let mut comps = Path::new(name).components();
    matches!(comps.next(), Some(Component::Normal(_))) && comps.next().is_none()
}

/// Turns data (a key, slug or group name) into a safe path component: lowercased ASCII
/// letters, digits, `-` and `_`; anything else becomes `-`.
pub fn slugify(name: &str) -> String {
    let folded = deunicode::deunicode(name).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-').to_string();
    if trimmed.is_empty() {
        "x".to_string()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_components_rejected() {
        for bad in ["", "..", "../x", "/etc", "a/b", "a\0b", "."] {
            assert!(!is_safe_component(bad), "{bad:?}");
        }
        assert!(is_safe_component("abas05"));
    }

    #[test]
    fn slugify_folds_accents_and_traversal() {
        assert_eq!(slugify("../../x"), "x");
        assert_eq!(slugify("Clarisa Sánchez"), "clarisa-sanchez");
    }

    #[test]
    fn write_if_changed_keeps_identical_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.txt");
        assert_eq!(write_if_changed(&p, b"x").unwrap(), WriteOutcome::Written);
        assert_eq!(write_if_changed(&p, b"x").unwrap(), WriteOutcome::Unchanged);
        assert_eq!(write_if_changed(&p, b"y").unwrap(), WriteOutcome::Written);
        assert_eq!(std::fs::read(&p).unwrap(), b"y");
    }
}
