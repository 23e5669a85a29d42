//! File-system helpers shared by every writer: atomic writes, write-if-changed,
//! and path-safety checks for names that come from data.
//!
//! Two ways to write, both crash-safe (a kill at any moment leaves each target with its old
//! bytes or its new bytes, never a mix):
//! - [`write_atomic`] / [`write_if_changed`]: one file, its own fsync. For user files (bib
//!   files, pages), written a few at a time.
//! - [`Batch`]: many files of regenerable output (built pages, data files, DIAG files). Every
//!   changed file goes to a temporary file next to its target; one `syncfs` makes them all
//!   durable; then each is renamed into place and the renames are made durable once. This is
//!   what makes a first build of a few thousand pages cost one disk flush instead of thousands.
//! - [`NewFolder`]: a folder that does not exist yet (a first build). It is filled under a
//!   temporary name next to it, with every file at its final name, and appears whole with
//!   one rename: no temporary file and no rename per file.
//!
//! Temporary files are named `.publist-tmp-*`: hidden (static-site tools, `upload-artifact`
//! and Pelican's content readers skip them), without an extension, and removed by the next
//! run that writes into the same folder.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then
/// renamed over the target. A crash leaves either the old file or the new one, never half.
/// Refuses to write through a symlink. Temporary files a killed run left in the folder are
/// removed first.
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
    remove_stale_tmp(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
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

/// The name prefix of every temporary file publist writes.
pub const TMP_PREFIX: &str = ".publist-tmp-";

/// Whether `name` is one of publist's temporary files (left behind only by a killed run).
pub fn is_tmp_name(name: &str) -> bool {
    name.starts_with(TMP_PREFIX)
}

/// Removes publist's temporary files directly in `dir` (not below it). Returns how many.
/// They are leftovers of a killed run: a live run's own files are renamed away or removed
/// before it returns.
pub fn remove_stale_tmp(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file
            && name.to_str().is_some_and(is_tmp_name)
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Rephrases a full disk so the user knows what happened and that nothing was half-replaced.
pub(crate) fn explain(e: std::io::Error) -> std::io::Error {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!("{e}: the disk is full; no file was replaced, free some space and run again"),
        )
    } else {
        e
    }
}

/// A batch of crash-safe writes of regenerable output: files are compared at once (an
/// unchanged file is never touched, so its mtime stays), changed ones are staged as
/// temporary files next to their targets, and [`Batch::commit`] makes them durable with one
/// flush and renames them into place.
///
/// Dropping a batch without committing it (an error on the way) removes its temporary
/// files and leaves every target as it was.
#[derive(Debug, Default)]
pub struct Batch {
    /// Target → its staged temporary file, in path order.
    staged: BTreeMap<PathBuf, PathBuf>,
    /// Folders already prepared (created, or cleaned of stale temporary files).
    dirs: BTreeSet<PathBuf>,
    /// Counter for temporary names.
    next: u64,
    /// Set when the batch fills a [`NewFolder`]: files go straight to their final names
    /// under its temporary twin.
    fresh: Option<Fresh>,
    /// Files written straight into a [`NewFolder`].
    direct: usize,
}

/// Where a [`NewFolder`] is built until it is renamed into place.
#[derive(Debug, Clone)]
struct Fresh {
    target: PathBuf,
    tmp: PathBuf,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// How many files are staged (to be written by [`Batch::commit`]).
    pub fn len(&self) -> usize {
        self.staged.len() + self.direct
    }

    /// Whether nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the batch fills a [`NewFolder`] (nothing below it exists yet, so there is
    /// nothing to compare with and no link to check).
    pub fn is_fresh(&self) -> bool {
        self.fresh.is_some()
    }

    /// Stages `bytes` for `path` unless the file already holds them. Staging the same path
    /// twice keeps the last bytes. Refuses to write through a symbolic link.
    pub fn write_if_changed(&mut self, path: &Path, bytes: &[u8]) -> Result<WriteOutcome> {
        let werr = |source| Error::Write {
            path: path.to_path_buf(),
            source: explain(source),
        };
        if let Some(real) = self.fresh_path(path) {
            self.write_direct(&real, bytes).map_err(werr)?;
            return Ok(WriteOutcome::Written);
        }
        let existing = std::fs::symlink_metadata(path).ok();
        if let Some(meta) = &existing {
            if meta.file_type().is_symlink() {
                return Err(werr(std::io::Error::other(
                    "refusing to write through a symbolic link",
                )));
            }
            if meta.is_file()
                && meta.len() == bytes.len() as u64
                && std::fs::read(path).is_ok_and(|old| old == bytes)
            {
                self.unstage(path);
                return Ok(WriteOutcome::Unchanged);
            }
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        self.prepare(dir).map_err(werr)?;
        let tmp = self.create_tmp(dir, bytes).map_err(werr)?;
        if let Some(meta) = existing.filter(|m| m.is_file()) {
            // Keep the permissions of the file we replace.
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        if let Some(old) = self.staged.insert(path.to_path_buf(), tmp) {
            let _ = std::fs::remove_file(old);
        }
        Ok(WriteOutcome::Written)
    }

    /// Takes over another batch's staged files and prepared folders (batches filled on
    /// several threads, committed as one).
    pub fn absorb(&mut self, mut other: Batch) {
        let staged = std::mem::take(&mut other.staged);
        for (target, tmp) in staged {
            if let Some(old) = self.staged.insert(target, tmp) {
                let _ = std::fs::remove_file(old);
            }
        }
        self.dirs.append(&mut other.dirs);
        self.direct += other.direct;
        if self.fresh.is_none() {
            self.fresh = other.fresh.take();
        }
    }

    /// Where `path` is written when the batch fills a [`NewFolder`]: the same place under
    /// its temporary twin. `None` for a normal batch.
    fn fresh_path(&self, path: &Path) -> Option<PathBuf> {
        let fresh = self.fresh.as_ref()?;
        let rel = path.strip_prefix(&fresh.target).ok()?;
        (rel.components().count() > 0).then(|| fresh.tmp.join(rel))
    }

    /// Writes a file of a [`NewFolder`] at its final name (the folder is not visible yet).
    fn write_direct(&mut self, real: &Path, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(dir) = real.parent() {
            if !self.dirs.contains(dir) {
                std::fs::create_dir_all(dir)?;
                self.dirs.insert(dir.to_path_buf());
            }
        }
        let mut file = std::fs::File::create(real)?;
        file.write_all(bytes)?;
        if !cfg!(target_os = "linux") {
            file.sync_all()?;
        }
        self.direct += 1;
        Ok(())
    }

    /// Removes a killed run's temporary files in `dir`, unless this batch writes there (it
    /// cleaned the folder already, and the temporary files there now are its own).
    pub fn remove_stale_tmp(&self, dir: &Path) {
        if !self.dirs.contains(dir) {
            remove_stale_tmp(dir);
        }
    }

    /// Forgets a staged file (its target already holds the wanted bytes).
    fn unstage(&mut self, path: &Path) {
        if let Some(tmp) = self.staged.remove(path) {
            let _ = std::fs::remove_file(tmp);
        }
    }

    /// Creates `dir` on first use, or removes the temporary files a killed run left in it.
    fn prepare(&mut self, dir: &Path) -> std::io::Result<()> {
        if self.dirs.contains(dir) {
            return Ok(());
        }
        if dir.is_dir() {
            remove_stale_tmp(dir);
        } else {
            std::fs::create_dir_all(dir)?;
        }
        self.dirs.insert(dir.to_path_buf());
        Ok(())
    }

    /// Writes `bytes` to a fresh temporary file in `dir`; removes it again on failure.
    fn create_tmp(&mut self, dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let pid = std::process::id();
        loop {
            self.next += 1;
            let tmp = dir.join(format!("{TMP_PREFIX}{pid}-{}", self.next));
            let mut file = match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            };
            let written = file.write_all(bytes).and_then(|()| {
                // Without one flush for the whole file system, each file syncs itself.
                if cfg!(target_os = "linux") {
                    Ok(())
                } else {
                    file.sync_all()
                }
            });
            return match written {
                Ok(()) => Ok(tmp),
                Err(e) => {
                    drop(file);
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            };
        }
    }

    /// Makes every staged file durable, renames each into place, and makes the renames
    /// durable. Returns how many files were written. On an error the files not yet renamed
    /// keep their old bytes, and no temporary file is left behind.
    pub fn commit(mut self) -> Result<usize> {
        if self.is_empty() {
            return Ok(0);
        }
        let flushing = std::time::Instant::now();
        self.sync_staged()?;
        tracing::debug!("flushed the staged files in {:.2?}", flushing.elapsed());
        let staged = std::mem::take(&mut self.staged);
        let count = staged.len() + self.direct;
        // A new folder's files need no rename; the folder's own rename is synced after it.
        let renamed_none = staged.is_empty();
        let mut rest = staged.into_iter();
        while let Some((target, tmp)) = rest.next() {
            if let Err(e) = std::fs::rename(&tmp, &target) {
                let _ = std::fs::remove_file(&tmp);
                for (_, tmp) in rest {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(Error::Write {
                    path: target,
                    source: explain(e),
                });
            }
        }
        if !renamed_none {
            self.sync_dirs()?;
        }
        Ok(count)
    }

    /// Flushes the staged files' bytes to disk: one `syncfs` per file system on Linux (each
    /// file synced itself when written elsewhere). When the flush reports an error (a full
    /// disk surfaces here with delayed allocation), each file is synced on its own to name
    /// the one that failed.
    fn sync_staged(&self) -> Result<()> {
        #[cfg(target_os = "linux")]
        if let Err((dir, e)) = syncfs_all(&self.dirs) {
            for (target, tmp) in &self.staged {
                let synced = std::fs::File::open(tmp).and_then(|f| f.sync_all());
                if let Err(e) = synced {
                    return Err(Error::Write {
                        path: target.clone(),
                        source: explain(e),
                    });
                }
            }
            return Err(Error::Write {
                path: self.shown(dir),
                source: explain(e),
            });
        }
        Ok(())
    }

    /// The path a user knows for `path`: inside a [`NewFolder`], its final place.
    fn shown(&self, path: PathBuf) -> PathBuf {
        match &self.fresh {
            Some(f) => match path.strip_prefix(&f.tmp) {
                Ok(rel) => f.target.join(rel),
                Err(_) => path,
            },
            None => path,
        }
    }

    /// Makes the renames durable: one `syncfs` per file system on Linux, else an fsync of
    /// each folder that received a file.
    fn sync_dirs(&self) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            syncfs_all(&self.dirs).map_err(|(path, e)| Error::Write {
                path: self.shown(path),
                source: explain(e),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            for dir in &self.dirs {
                sync_dir(dir).map_err(|e| Error::Write {
                    path: dir.clone(),
                    source: explain(e),
                })?;
            }
            Ok(())
        }
    }
}

impl Drop for Batch {
    /// An uncommitted batch removes its temporary files: the targets keep their old bytes.
    fn drop(&mut self) {
        for tmp in self.staged.values() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A folder that does not exist yet (the output folder of a first build), filled under a
/// hidden temporary name next to it (`.publist-tmp-<pid>-new-<name>`) and renamed into place
/// by [`NewFolder::commit`]: the folder appears whole or not at all, and its files need no
/// temporary name, comparison or rename of their own. Dropped without a commit (an error on
/// the way), the temporary folder is removed; a killed run's one is removed by the next run
/// that creates the same folder.
#[derive(Debug)]
pub struct NewFolder {
    fresh: Fresh,
    committed: bool,
}

impl NewFolder {
    /// Starts `target` as a new folder. `None` when it exists already (or is a link), or
    /// when its temporary twin cannot be made (the caller then writes file by file).
    pub fn create(target: &Path) -> Option<NewFolder> {
        let name = target.file_name()?.to_str()?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        remove_stale_new_folders(&parent, name);
        if std::fs::symlink_metadata(target).is_ok() {
            return None;
        }
        std::fs::create_dir_all(&parent).ok()?;
        let pid = std::process::id();
        let tmp = parent.join(format!("{TMP_PREFIX}{pid}-new-{name}"));
        std::fs::create_dir(&tmp).ok()?;
        Some(NewFolder {
            fresh: Fresh {
                target: target.to_path_buf(),
                tmp,
            },
            committed: false,
        })
    }

    /// The temporary folder the files go into until the commit.
    pub fn tmp(&self) -> &Path {
        &self.fresh.tmp
    }

    /// A batch whose files under the target go straight into the temporary folder.
    pub fn batch(&self) -> Batch {
        let mut batch = Batch::new();
        batch.fresh = Some(self.fresh.clone());
        batch
    }

    /// Commits `batch` (one flush for every file), renames the folder into place and makes
    /// the rename durable. Returns how many files were written.
    pub fn commit(mut self, batch: Batch) -> Result<usize> {
        let count = batch.commit()?;
        let Fresh { target, tmp } = &self.fresh;
        if let Err(e) = std::fs::rename(tmp, target) {
            let source = if target.exists() {
                std::io::Error::other(format!(
                    "{e}: the folder was created by something else during the build; \
                     run again to update it"
                ))
            } else {
                explain(e)
            };
            return Err(Error::Write {
                path: target.clone(),
                source,
            });
        }
        self.committed = true;
        let parent = target.parent().map(Path::to_path_buf).unwrap_or_default();
        let parent = if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent
        };
        #[cfg(target_os = "linux")]
        syncfs_all(&BTreeSet::from([parent])).map_err(|(path, e)| Error::Write {
            path,
            source: explain(e),
        })?;
        #[cfg(not(target_os = "linux"))]
        sync_dir(&parent).map_err(|e| Error::Write {
            path: parent.clone(),
            source: explain(e),
        })?;
        Ok(count)
    }
}

impl Drop for NewFolder {
    /// An uncommitted new folder is removed: the target stays absent.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.fresh.tmp);
        }
    }
}

/// Removes the temporary twins of `name` in `parent` left by killed runs (their process is
/// gone); a live run's twin is left alone.
fn remove_stale_new_folders(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let suffix = format!("-new-{name}");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(TMP_PREFIX))
            .and_then(|n| n.strip_suffix(suffix.as_str()))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if entry.file_type().is_ok_and(|t| t.is_dir()) && !process_alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process with this id runs (on Unix; elsewhere assumed gone unless it is us).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists; nothing is sent.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Flushes the file system that holds `dir` (`syncfs`; nothing where there is none). A
/// build calls it on a background thread as it goes, so that the flush at the end only
/// waits for the last bytes. An error is the file system's write error (a full disk, a
/// failing device), which the caller must report: once seen here, the final flush may not
/// see it again.
pub fn flush_file_system(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let Ok(file) = std::fs::File::open(dir) else {
            // Not there yet: nothing written below it to flush.
            return Ok(());
        };
        // SAFETY: `file` is an open descriptor that lives across the call.
        if unsafe { libc::syncfs(file.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    Ok(())
}

/// `syncfs(2)` once for each file system holding one of `dirs`.
#[cfg(target_os = "linux")]
fn syncfs_all(dirs: &BTreeSet<PathBuf>) -> std::result::Result<(), (PathBuf, std::io::Error)> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let mut done = BTreeSet::new();
    for dir in dirs {
        let dev = std::fs::metadata(dir).map_err(|e| (dir.clone(), e))?.dev();
        if !done.insert(dev) {
            continue;
        }
        let file = std::fs::File::open(dir).map_err(|e| (dir.clone(), e))?;
        // SAFETY: `file` is an open descriptor that lives across the call; syncfs only
        // reads the descriptor number.
        if unsafe { libc::syncfs(file.as_raw_fd()) } != 0 {
            return Err((dir.clone(), std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// Fsyncs a folder, so the names created or renamed in it survive a power loss.
#[cfg(not(target_os = "linux"))]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
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

    fn tmp_files(dir: &Path) -> Vec<PathBuf> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_name().to_str().is_some_and(is_tmp_name))
            .map(|e| e.path().to_path_buf())
            .collect()
    }

    #[test]
    fn batch_writes_the_same_bytes_as_write_atomic_and_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("a/index.html", "<p>é</p>"),
            ("b/c/d.json", "{}"),
            ("e", ""),
        ];
        let mut batch = Batch::new();
        for (rel, text) in files {
            let outcome = batch.write_if_changed(&dir.path().join(rel), text.as_bytes());
            assert_eq!(outcome.unwrap(), WriteOutcome::Written);
        }
        // Staged, not yet in place.
        assert!(!dir.path().join("a/index.html").exists());
        assert_eq!(batch.commit().unwrap(), 3);
        let reference = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            write_atomic(&reference.path().join(rel), text.as_bytes()).unwrap();
            assert_eq!(
                std::fs::read(dir.path().join(rel)).unwrap(),
                std::fs::read(reference.path().join(rel)).unwrap(),
                "{rel}"
            );
        }
        assert!(tmp_files(dir.path()).is_empty());
    }

    #[test]
    fn batch_leaves_unchanged_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let same = dir.path().join("same.html");
        let other = dir.path().join("other.html");
        std::fs::write(&same, "kept").unwrap();
        std::fs::write(&other, "old").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for p in [&same, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let mut batch = Batch::new();
        assert_eq!(
            batch.write_if_changed(&same, b"kept").unwrap(),
            WriteOutcome::Unchanged
        );
        // Same length, other bytes: still rewritten.
        assert_eq!(
            batch.write_if_changed(&other, b"new").unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(batch.commit().unwrap(), 1);
        assert_eq!(std::fs::metadata(&same).unwrap().modified().unwrap(), old);
        assert_ne!(std::fs::metadata(&other).unwrap().modified().unwrap(), old);
        assert_eq!(std::fs::read(&other).unwrap(), b"new");
    }

    #[test]
    fn batch_removes_a_killed_runs_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        let stale = dir.path().join("a/.publist-tmp-999-1");
        std::fs::write(&stale, "half").unwrap();
        std::fs::write(dir.path().join("a/.hidden-user-file"), "mine").unwrap();
        let mut batch = Batch::new();
        batch
            .write_if_changed(&dir.path().join("a/index.html"), b"x")
            .unwrap();
        batch.commit().unwrap();
        assert!(!stale.exists());
        assert!(dir.path().join("a/.hidden-user-file").exists());
        assert!(tmp_files(dir.path()).is_empty());
    }

    #[test]
    fn an_uncommitted_batch_leaves_old_bytes_and_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("page.html");
        std::fs::write(&p, "old").unwrap();
        let mut batch = Batch::new();
        batch.write_if_changed(&p, b"new").unwrap();
        assert_eq!(tmp_files(dir.path()).len(), 1);
        drop(batch);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert!(tmp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_names_its_file_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // A file where a folder is needed: the write into it fails.
        std::fs::write(dir.path().join("blocker"), "file").unwrap();
        let good = dir.path().join("good.html");
        let bad = dir.path().join("blocker/index.html");
        let mut batch = Batch::new();
        batch.write_if_changed(&good, b"ok").unwrap();
        let err = batch.write_if_changed(&bad, b"x").unwrap_err();
        assert!(err.to_string().contains("blocker/index.html"), "{err}");
        drop(batch);
        assert!(!good.exists());
        assert!(tmp_files(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn batch_keeps_the_permissions_of_a_replaced_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.sh");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o751)).unwrap();
        let mut batch = Batch::new();
        batch.write_if_changed(&p, b"new").unwrap();
        batch.commit().unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o751);
    }

    #[test]
    fn a_new_folder_appears_whole_on_commit_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        let folder = NewFolder::create(&target).unwrap();
        let mut batch = folder.batch();
        for rel in ["index.html", "a/b/page.html", "a/c.json"] {
            let outcome = batch.write_if_changed(&target.join(rel), rel.as_bytes());
            assert_eq!(outcome.unwrap(), WriteOutcome::Written);
        }
        // Nothing at the target yet; the twin is hidden.
        assert!(!target.exists());
        assert_eq!(folder.commit(batch).unwrap(), 3);
        assert_eq!(
            std::fs::read(target.join("a/b/page.html")).unwrap(),
            b"a/b/page.html"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["site"]);
        // An existing folder is not new.
        assert!(NewFolder::create(&target).is_none());
    }

    #[test]
    fn an_uncommitted_new_folder_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let folder = NewFolder::create(&target).unwrap();
        let mut batch = folder.batch();
        batch
            .write_if_changed(&target.join("x/index.html"), b"x")
            .unwrap();
        drop(batch);
        drop(folder);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_killed_runs_new_folder_is_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // No process has this id (above the kernel's pid limit).
        let dead = dir.path().join(format!("{TMP_PREFIX}4294967294-new-out"));
        std::fs::create_dir_all(dead.join("publications/a")).unwrap();
        std::fs::write(dead.join("publications/a/index.html"), "half").unwrap();
        // Our own process: alive.
        let live = dir
            .path()
            .join(format!("{TMP_PREFIX}{}-new-other", std::process::id()));
        std::fs::create_dir(&live).unwrap();
        let folder = NewFolder::create(&dir.path().join("out")).unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
        drop(folder);
    }

    #[test]
    fn a_full_disk_error_says_what_to_do() {
        let e = explain(std::io::Error::from_raw_os_error(28));
        assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
        assert!(e.to_string().contains("disk is full"), "{e}");
    }

    #[test]
    fn stale_temps_are_removed_before_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".publist-tmp-abc123");
        std::fs::write(&stale, "half").unwrap();
        std::fs::write(dir.path().join("keep.tmp"), "mine").unwrap();
        write_atomic(&dir.path().join("a.bib"), b"new").unwrap();
        assert!(!stale.exists());
        assert!(dir.path().join("keep.tmp").exists());
        assert_eq!(std::fs::read(dir.path().join("a.bib")).unwrap(), b"new");
    }
}
