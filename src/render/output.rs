//! The output folder: every file goes through one [`fsutil::Batch`] (compared first, so an
//! unchanged file is never touched; changed ones staged and made durable with one flush in
//! [`Output::finish`]), paths are built only from safe components, and a manifest
//! (`.publist-manifest`) remembers what publist wrote, so files of an earlier build that are
//! no longer produced are removed, and nothing publist did not write is ever touched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil::{self, Batch, WriteOutcome};

/// The manifest's file name in the output folder.
pub const MANIFEST: &str = ".publist-manifest";

/// Counts of one build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Files created or changed.
    pub written: usize,
    /// Files that already held the same bytes.
    pub unchanged: usize,
    /// Files of an earlier build that are no longer produced, removed.
    pub removed: usize,
}

/// Writes files under one output folder.
#[derive(Debug)]
pub struct Output {
    root: PathBuf,
    files: BTreeSet<String>,
    counts: WriteCounts,
    batch: Batch,
    /// Folders (relative, `/`-joined) already found free of symbolic links: checked once each.
    checked_dirs: BTreeSet<String>,
}

impl Output {
    /// An output folder (created on the first write).
    pub fn new(root: &Path) -> Output {
        Output {
            root: root.to_path_buf(),
            files: BTreeSet::new(),
            counts: WriteCounts::default(),
            batch: Batch::new(),
            checked_dirs: BTreeSet::new(),
        }
    }

    /// Writes `bytes` at `parts` joined under the root (staged; in place after
    /// [`Output::finish`]). Every part must be a safe path component; callers make them so,
    /// and this refuses anything else.
    pub fn write(&mut self, parts: &[&str], bytes: &[u8]) -> Result<()> {
        if parts.is_empty() || !parts.iter().all(|p| fsutil::is_safe_component(p)) {
            return Err(Error::Other(format!(
                "refusing to write outside the output folder: {parts:?}"
            )));
        }
        let rel = parts.join("/");
        if !self.files.insert(rel.clone()) {
            // Written already in this build (two items with one slug): first one wins.
            return Ok(());
        }
        let path = parts.iter().fold(self.root.clone(), |p, c| p.join(c));
        let dirs = &parts[..parts.len() - 1];
        let rel_dir = dirs.join("/");
        if !self.checked_dirs.contains(&rel_dir) {
            if let Some(link) = symlinked_folder(&self.root, dirs) {
                return Err(Error::Write {
                    path: link,
                    source: std::io::Error::other(
                        "refusing to write through a symbolic link in the output folder; remove it",
                    ),
                });
            }
            self.checked_dirs.insert(rel_dir);
        }
        match self.batch.write_if_changed(&path, bytes)? {
            WriteOutcome::Written => self.counts.written += 1,
            WriteOutcome::Unchanged => self.counts.unchanged += 1,
        }
        Ok(())
    }

    /// Whether a relative path was written in this build.
    pub fn contains(&self, rel: &str) -> bool {
        self.files.contains(rel)
    }

    /// Removes what the previous build wrote and this one did not, updates the manifest, and
    /// puts every staged file in place. Stale files go first: a kill before the new files
    /// are in place leaves them staged, and the next build writes them again.
    pub fn finish(mut self) -> Result<WriteCounts> {
        let manifest = self.root.join(MANIFEST);
        if let Ok(old) = std::fs::read_to_string(&manifest) {
            for rel in old.lines().filter(|l| !l.is_empty()) {
                let parts: Vec<&str> = rel.split('/').collect();
                if self.files.contains(rel) || !parts.iter().all(|p| fsutil::is_safe_component(p)) {
                    continue;
                }
                let path = parts.iter().fold(self.root.clone(), |p, c| p.join(c));
                // Never remove through a linked folder: that file is not ours.
                if symlinked_folder(&self.root, &parts[..parts.len() - 1]).is_some() {
                    continue;
                }
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                    std::fs::remove_file(&path).map_err(|source| Error::Write {
                        path: path.clone(),
                        source,
                    })?;
                    self.counts.removed += 1;
                    // Remove folders left empty (but for a killed run's temporary files);
                    // `remove_dir` fails on non-empty ones.
                    let mut dir = path.parent();
                    while let Some(d) = dir.filter(|d| *d != self.root) {
                        self.batch.remove_stale_tmp(d);
                        if std::fs::remove_dir(d).is_err() {
                            break;
                        }
                        dir = d.parent();
                    }
                }
            }
        }
        let mut text = String::new();
        for f in &self.files {
            text.push_str(f);
            text.push('\n');
        }
        self.batch.write_if_changed(&manifest, text.as_bytes())?;
        self.batch.commit()?;
        Ok(self.counts)
    }
}

/// The first folder of `root/dirs…` that is a symbolic link: writing below it would land
/// wherever it points, outside the output folder.
fn symlinked_folder(root: &Path, dirs: &[&str]) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for d in dirs {
        path.push(d);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return Some(path),
            Ok(_) => {}
            // Not there yet: nothing below it exists either.
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_nothing_and_removes_only_its_own_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine-not.txt"), "user file").unwrap();
        let mut out = Output::new(dir.path());
        out.write(&["a", "index.html"], b"1").unwrap();
        out.write(&["b", "index.html"], b"2").unwrap();
        assert_eq!(out.finish().unwrap().written, 2);

        let mut out = Output::new(dir.path());
        out.write(&["a", "index.html"], b"1").unwrap();
        let c = out.finish().unwrap();
        assert_eq!((c.written, c.unchanged, c.removed), (0, 1, 1));
        assert!(!dir.path().join("b").exists());
        assert!(dir.path().join("mine-not.txt").exists());
    }

    #[test]
    fn unsafe_parts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Output::new(dir.path());
        assert!(out.write(&["..", "x"], b"1").is_err());
        assert!(out.write(&["a/b"], b"1").is_err());
    }
}
