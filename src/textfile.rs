//! Reading a file the user owns before publist edits it. Editing is refused unless the file
//! is valid UTF-8: a lossy read followed by a write would replace the bad bytes for good.
//! The error names the file, the line and the byte offset of the first bad byte.
//!
//! Writing goes through [`fsutil::write_atomic`](crate::fsutil::write_atomic): a temporary
//! file, synced, renamed, after removing temporary files a killed run left behind.

use std::path::Path;

use crate::error::{Error, Result};

/// Where the first invalid byte of `bytes` is: (byte offset, 1-based line), or `None` when
/// the bytes are valid UTF-8.
pub fn first_invalid(bytes: &[u8]) -> Option<(usize, usize)> {
    let offset = std::str::from_utf8(bytes).err()?.valid_up_to();
    let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    Some((offset, line))
}

/// The text of `path` for an edit; `Ok(None)` when the file does not exist.
/// A file that is not valid UTF-8 is [`Error::NotUtf8`], and is left alone.
pub fn read_for_edit(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let (offset, line) = first_invalid(e.as_bytes()).unwrap_or_default();
        Error::NotUtf8 {
            path: path.to_path_buf(),
            offset,
            line,
        }
    })
}

/// Like [`read_for_edit`], for a file that must exist.
pub fn read_existing_for_edit(path: &Path) -> Result<String> {
    read_for_edit(path)?.ok_or_else(|| Error::Read {
        path: path.to_path_buf(),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_offset_and_line_and_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bib");
        std::fs::write(&p, b"ok\nM\xfcller\n").unwrap();
        let err = read_for_edit(&p).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("a.bib:2"), "{msg}");
        assert!(msg.contains("byte 4"), "{msg}");
        assert_eq!(std::fs::read(&p).unwrap(), b"ok\nM\xfcller\n");
        assert!(read_for_edit(&dir.path().join("none")).unwrap().is_none());
        std::fs::write(&p, "fine").unwrap();
        assert_eq!(read_existing_for_edit(&p).unwrap(), "fine");
    }
}
