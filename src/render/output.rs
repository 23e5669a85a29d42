//! The output folder: every file goes through one [`fsutil::Batch`] (compared first, so an
//! unchanged file is never touched; changed ones staged and made durable with one flush in
//! [`Output::finish`]), paths are built only from safe components, and a manifest
//! (`.publist-manifest`) remembers what publist wrote, so files of an earlier build that are
//! no longer produced are removed, and nothing publist did not write is ever touched.
//!
//! The file-system work runs on writer threads (one per core, each owning the folders its
//! path hash picks): rendering hands each page over and goes on with the next one while the
//! kernel creates folders and copies bytes. At 100,000 publications that work is as large as
//! the rendering itself, and the two now overlap (docs/performance.md). A write error stops
//! the build at the next [`Output::write`] or at [`Output::finish`], with the same error as
//! before.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::fsutil::{self, Batch, NewFolder, WriteOutcome};

/// The manifest's file name in the output folder.
pub const MANIFEST: &str = ".publist-manifest";

/// Buffers of written pages kept for reuse. Rendering into memory the writers just freed
/// (instead of fresh memory for every page) saved a quarter of the rendering thread's time
/// at 100,000 publications, most of it the kernel zeroing new pages. Pages are rendered on
/// all cores a thousand at a time, so the spares are bounded in bytes, not in buffers.
const SPARE_BYTES: usize = 16 << 20;
/// Larger buffers are freed rather than kept.
const SPARE_MAX: usize = 1 << 20;

/// Buffers the writers are done with, for the next pages; at most [`SPARE_BYTES`] of them.
#[derive(Debug, Default)]
struct Spares {
    /// The buffers and their total capacity.
    kept: Mutex<(Vec<Vec<u8>>, usize)>,
}

impl Spares {
    /// Keeps `buf` for reuse if it is small enough and the budget allows; else frees it.
    fn give(&self, buf: Vec<u8>) {
        let cap = buf.capacity();
        if cap > SPARE_MAX || cap == 0 {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.1 + cap <= SPARE_BYTES {
            kept.1 += cap;
            kept.0.push(buf);
        }
    }

    /// A kept buffer, emptied, or a new one.
    fn take(&self) -> Vec<u8> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        match kept.0.pop() {
            Some(mut buf) => {
                kept.1 -= buf.capacity();
                buf.clear();
                buf
            }
            None => Vec::new(),
        }
    }
}

/// Bytes of pages handed over and not yet written. Past it, rendering waits: without a
/// bound, the large group and year pages at the end of a build piled up in the queues
/// (a third of the peak memory). A larger page still goes, alone.
const IN_FLIGHT: usize = 64 << 20;

/// Bytes handed to the writers and not yet written, shared with them.
#[derive(Debug, Default)]
struct InFlight {
    bytes: Mutex<usize>,
    written: Condvar,
}

impl InFlight {
    /// Waits until `n` more bytes fit (or nothing is in flight), then counts them; gives up
    /// waiting when `stopped` says a writer has ended (its error is reported instead).
    fn take(&self, n: usize, stopped: impl Fn() -> bool) {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        while *bytes > 0 && *bytes + n > IN_FLIGHT && !stopped() {
            bytes = self
                .written
                .wait_timeout(bytes, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *bytes += n;
    }

    fn give(&self, n: usize) {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        *bytes = bytes.saturating_sub(n);
        self.written.notify_all();
    }
}

/// Bytes written between two background flushes. The kernel starts writing back on its own
/// only past a share of the memory, and the flush at the end then waited for gigabytes
/// (1.1–1.4 s at 100,000 publications); flushing as the build goes overlaps that wait with
/// rendering.
const FLUSH_EVERY: usize = 768 << 20;

/// Pages waiting for each writer thread (their bytes are bounded by [`IN_FLIGHT`]).
const QUEUE: usize = 64;

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
    /// The writer thread; `None` once stopped (after an error, or in `finish`).
    writer: Option<Writer>,
    /// Time spent waiting for the writer to take a page (it is the bottleneck when large).
    waited: std::time::Duration,
    /// Buffers handed back by the writers.
    spares: Arc<Spares>,
    /// Set when the folder did not exist: it is built under a temporary name and appears
    /// whole in [`Output::finish`] (declared last: dropped after the writers stopped).
    fresh: Option<NewFolder>,
}

/// One file for the writer thread.
struct Job {
    path: PathBuf,
    /// The folders below the root, `/`-joined (checked for symbolic links once each).
    rel_dir: String,
    bytes: Vec<u8>,
}

/// The writer threads. Each folder belongs to one thread (chosen by its path), so a folder
/// is prepared (created, cleaned of a killed run's temporary files) by one thread only.
#[derive(Debug)]
struct Writer {
    lanes: Vec<(SyncSender<Job>, JoinHandle<Written>)>,
    failed: Arc<AtomicBool>,
    in_flight: Arc<InFlight>,
    /// The background flusher: asked (one pending request at most) to flush the file
    /// system as bytes accumulate; returns the first write error the file system reported.
    flusher: (SyncSender<()>, JoinHandle<Option<std::io::Error>>),
    root: PathBuf,
}

/// What the writer thread did.
#[derive(Debug, Default)]
struct Written {
    batch: Batch,
    counts: WriteCounts,
    /// Folders (relative, `/`-joined) already found free of symbolic links: checked once each.
    checked_dirs: BTreeSet<String>,
    /// The first error; every later job is dropped.
    error: Option<Error>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("path", &self.path).finish()
    }
}

impl Written {
    fn write(&mut self, root: &Path, job: Job, spares: &Spares) -> Result<()> {
        // In a new folder nothing exists yet, so there is no link to find.
        if !self.batch.is_fresh() && !self.checked_dirs.contains(&job.rel_dir) {
            let dirs: Vec<&str> = job.rel_dir.split('/').filter(|d| !d.is_empty()).collect();
            if let Some(link) = symlinked_folder(root, &dirs) {
                return Err(Error::Write {
                    path: link,
                    source: std::io::Error::other(
                        "refusing to write through a symbolic link in the output folder; remove it",
                    ),
                });
            }
            self.checked_dirs.insert(job.rel_dir);
        }
        match self.batch.write_if_changed(&job.path, &job.bytes)? {
            WriteOutcome::Written => self.counts.written += 1,
            WriteOutcome::Unchanged => self.counts.unchanged += 1,
        }
        spares.give(job.bytes);
        Ok(())
    }
}

impl Writer {
    fn spawn(root: &Path, spares: &Arc<Spares>, fresh: Option<&NewFolder>) -> Writer {
        let failed = Arc::new(AtomicBool::new(false));
        let in_flight = Arc::new(InFlight::default());
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let (flush, requests) = sync_channel::<()>(1);
        let flushed = fresh.map_or(root, NewFolder::tmp).to_path_buf();
        let flusher = std::thread::spawn(move || {
            let mut error = None;
            for () in requests {
                if let Err(e) = fsutil::flush_file_system(&flushed) {
                    error.get_or_insert(e);
                }
            }
            error
        });
        let lanes = (0..threads)
            .map(|_| {
                let (jobs, queue) = sync_channel::<Job>(QUEUE);
                let flag = Arc::clone(&failed);
                let root = root.to_path_buf();
                let spares = Arc::clone(spares);
                let in_flight = Arc::clone(&in_flight);
                let batch = fresh.map_or_else(Batch::new, NewFolder::batch);
                let flush = flush.clone();
                let handle = std::thread::spawn(move || {
                    let mut unflushed = 0;
                    let mut written = Written {
                        batch,
                        ..Written::default()
                    };
                    let mut busy = std::time::Duration::ZERO;
                    for job in queue {
                        let size = job.bytes.len();
                        if written.error.is_none() {
                            let started = std::time::Instant::now();
                            if let Err(e) = written.write(&root, job, &spares) {
                                written.error = Some(e);
                                flag.store(true, Ordering::Release);
                            }
                            busy += started.elapsed();
                            unflushed += size;
                            if unflushed >= FLUSH_EVERY / threads {
                                // Full: a flush is pending already, and takes these too.
                                let _ = flush.try_send(());
                                unflushed = 0;
                            }
                        }
                        in_flight.give(size);
                    }
                    tracing::debug!("output writer busy for {busy:.2?}");
                    written
                });
                (jobs, handle)
            })
            .collect();
        Writer {
            lanes,
            failed,
            in_flight,
            flusher: (flush, flusher),
            root: root.to_path_buf(),
        }
    }

    /// The queue of the thread that owns `rel_dir`.
    fn lane(&self, rel_dir: &str) -> &SyncSender<Job> {
        use std::hash::{Hash as _, Hasher as _};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rel_dir.hash(&mut h);
        &self.lanes[(h.finish() % self.lanes.len() as u64) as usize].0
    }

    /// Waits for the queued files to be staged, and gathers what the threads did (the first
    /// thread's error, if several failed).
    fn stop(self) -> Result<Written> {
        let (flush, flusher) = (self.flusher.0, self.flusher.1);
        drop(flush);
        let handles: Vec<JoinHandle<Written>> = self
            .lanes
            .into_iter()
            .map(|(jobs, handle)| {
                drop(jobs);
                handle
            })
            .collect();
        let mut all = Written::default();
        let mut panicked = false;
        for handle in handles {
            match handle.join() {
                Ok(w) => {
                    all.batch.absorb(w.batch);
                    all.counts.written += w.counts.written;
                    all.counts.unchanged += w.counts.unchanged;
                    if all.error.is_none() {
                        all.error = w.error;
                    }
                }
                Err(_) => panicked = true,
            }
        }
        // The writers are done, so the last flush request has been sent.
        match flusher.join() {
            Ok(Some(source)) if all.error.is_none() => {
                all.error = Some(Error::Write {
                    path: self.root.clone(),
                    source: fsutil::explain(source),
                });
            }
            Ok(_) => {}
            Err(_) => panicked = true,
        }
        if panicked {
            return Err(Error::Other(
                "the output writer stopped unexpectedly".into(),
            ));
        }
        Ok(all)
    }
}

impl Output {
    /// An output folder. One that does not exist yet is built under a temporary name and
    /// appears whole in [`Output::finish`]; an existing one is updated file by file.
    pub fn new(root: &Path) -> Output {
        let spares = Arc::new(Spares::default());
        let fresh = NewFolder::create(root);
        Output {
            root: root.to_path_buf(),
            files: BTreeSet::new(),
            writer: Some(Writer::spawn(root, &spares, fresh.as_ref())),
            waited: std::time::Duration::ZERO,
            spares,
            fresh,
        }
    }

    /// An empty buffer to render the next file into (one the writers are done with, when
    /// there is one), for [`Output::write`].
    pub fn buffer(&mut self) -> Vec<u8> {
        self.spares.take()
    }

    /// Writes `bytes` at `parts` joined under the root (staged; in place after
    /// [`Output::finish`]). Every part must be a safe path component; callers make them so,
    /// and this refuses anything else. An error of an earlier write is returned here.
    pub fn write(&mut self, parts: &[&str], bytes: impl Into<Vec<u8>>) -> Result<()> {
        if parts.is_empty() || !parts.iter().all(|p| fsutil::is_safe_component(p)) {
            return Err(Error::Other(format!(
                "refusing to write outside the output folder: {parts:?}"
            )));
        }
        let rel = parts.join("/");
        if !self.files.insert(rel) {
            // Written already in this build (two items with one slug): first one wins.
            return Ok(());
        }
        let Some(writer) = &self.writer else {
            return Err(Error::Other("the output writer has stopped".into()));
        };
        let job = Job {
            path: parts.iter().fold(self.root.clone(), |p, c| p.join(c)),
            rel_dir: parts[..parts.len() - 1].join("/"),
            bytes: bytes.into(),
        };
        let started = std::time::Instant::now();
        writer.in_flight.take(job.bytes.len(), || {
            writer.failed.load(Ordering::Acquire) || writer.lanes.iter().any(|l| l.1.is_finished())
        });
        let sent = writer.lane(&job.rel_dir).send(job);
        self.waited += started.elapsed();
        if writer.failed.load(Ordering::Acquire) || sent.is_err() {
            return Err(self.stop_with_error());
        }
        Ok(())
    }

    /// Stops the writer after it failed, and returns its error.
    fn stop_with_error(&mut self) -> Error {
        match self.writer.take().map(Writer::stop) {
            Some(Ok(Written { error: Some(e), .. })) => e,
            Some(Err(e)) => e,
            _ => Error::Other("the output writer has stopped".into()),
        }
    }

    /// Whether a relative path was written in this build.
    pub fn contains(&self, rel: &str) -> bool {
        self.files.contains(rel)
    }

    /// Removes what the previous build wrote and this one did not, updates the manifest, and
    /// puts every staged file in place. Stale files go first: a kill before the new files
    /// are in place leaves them staged, and the next build writes them again.
    pub fn finish(mut self) -> Result<WriteCounts> {
        let Some(writer) = self.writer.take() else {
            return Err(Error::Other("the output writer has stopped".into()));
        };
        tracing::debug!("waited {:.2?} for the output writer", self.waited);
        let mut written = writer.stop()?;
        if let Some(e) = written.error.take() {
            return Err(e);
        }
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
                    written.counts.removed += 1;
                    // Remove folders left empty (but for a killed run's temporary files);
                    // `remove_dir` fails on non-empty ones.
                    let mut dir = path.parent();
                    while let Some(d) = dir.filter(|d| *d != self.root) {
                        written.batch.remove_stale_tmp(d);
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
        written.batch.write_if_changed(&manifest, text.as_bytes())?;
        let counts = written.counts;
        let committing = std::time::Instant::now();
        match self.fresh.take() {
            Some(folder) => folder.commit(std::mem::take(&mut written.batch))?,
            None => std::mem::take(&mut written.batch).commit()?,
        };
        tracing::debug!(
            "made {} files durable and renamed them into place in {:.2?}",
            counts.written,
            committing.elapsed()
        );
        Ok(counts)
    }
}

impl Drop for Output {
    /// An unfinished build waits for its writer, whose batch then removes its temporary
    /// files: every target keeps its old bytes.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.stop();
        }
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
    fn many_files_across_folders_all_land_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Output::new(dir.path());
        for i in 0..1000 {
            let folder = format!("f{}", i % 97);
            let name = format!("{i}.html");
            let mut page = out.buffer();
            page.extend_from_slice(format!("page {i}").as_bytes());
            out.write(&[&folder, &name], page).unwrap();
        }
        // The same path twice: the first one wins.
        out.write(&["f0", "0.html"], b"other".to_vec()).unwrap();
        let c = out.finish().unwrap();
        assert_eq!((c.written, c.unchanged), (1000, 0));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f5/102.html")).unwrap(),
            "page 102"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f0/0.html")).unwrap(),
            "page 0"
        );
        let leftovers = walkdir::WalkDir::new(dir.path())
            .into_iter()
            .flatten()
            .filter(|e| fsutil::is_tmp_name(&e.file_name().to_string_lossy()))
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn unsafe_parts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Output::new(dir.path());
        assert!(out.write(&["..", "x"], b"1").is_err());
        assert!(out.write(&["a/b"], b"1").is_err());
    }
}
