//! Evidence files on disk, named by the SHA-256 of their content under
//! `<data dir>/evidence/ab/abcdef...` (the first two hex digits as a
//! folder, so no folder grows past a few thousand files).
//!
//! Content addressing means the same file uploaded twice is kept once,
//! and a file's name on disk never comes from a user. Files are written to
//! a temporary name and renamed into place, so a reader never sees half a
//! file and a crash leaves no partial evidence.
//!
//! These calls block: run them in `spawn_blocking` from async code.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The evidence folder of a data directory.
#[derive(Clone, Debug)]
pub struct EvidenceDir {
    root: PathBuf,
}

/// A file stored by [`EvidenceDir::put`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Its size.
    pub size_bytes: i64,
    /// True if this call wrote it (false: the same content was already
    /// there). Only a file this call created may be removed again when the
    /// database refuses the return.
    pub created: bool,
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_hash(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl EvidenceDir {
    /// The folder `evidence` inside `data_dir` (created on first write).
    pub fn new(data_dir: &Path) -> EvidenceDir {
        EvidenceDir {
            root: data_dir.join("evidence"),
        }
    }

    /// Where content with this hash is kept; `None` for anything that is
    /// not a lower-case hex SHA-256 (so no path can be smuggled in).
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        valid_hash(sha256).then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` (once per distinct content).
    pub fn put(&self, bytes: &[u8]) -> io::Result<Stored> {
        let sha256 = sha256_hex(bytes);
        let path = self
            .path(&sha256)
            .ok_or_else(|| io::Error::other("bad hash"))?;
        let size_bytes = i64::try_from(bytes.len()).map_err(io::Error::other)?;
        if path.exists() {
            return Ok(Stored {
                sha256,
                size_bytes,
                created: false,
            });
        }
        let dir = path.parent().ok_or_else(|| io::Error::other("no parent"))?;
        fs::create_dir_all(dir)?;
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(io::Error::other)?;
        let tmp = dir.join(format!(".{}.{}.tmp", &sha256[..16], hex::encode(nonce)));
        let write = || -> io::Result<()> {
            let mut f = fs::File::create_new(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(Stored {
            sha256,
            size_bytes,
            created: true,
        })
    }

    /// The content with this hash. `NotFound` if it is not there.
    pub fn read(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let path = self
            .path(sha256)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        fs::read(path)
    }

    /// Removes the content with this hash, if present.
    pub fn remove(&self, sha256: &str) -> io::Result<()> {
        match self.path(sha256) {
            Some(path) => match fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// How many files are stored (for tests and checks).
    pub fn count(&self) -> io::Result<usize> {
        let mut n = 0;
        let Ok(dirs) = fs::read_dir(&self.root) else {
            return Ok(0);
        };
        for d in dirs {
            for f in fs::read_dir(d?.path())? {
                if !f?.file_name().to_string_lossy().starts_with('.') {
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_content_once_and_refuses_bad_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let ev = EvidenceDir::new(dir.path());
        let a = ev.put(b"%PDF-1.4 one").unwrap();
        assert!(a.created);
        assert_eq!(a.sha256, sha256_hex(b"%PDF-1.4 one"));
        let again = ev.put(b"%PDF-1.4 one").unwrap();
        assert!(!again.created, "the same content is kept once");
        ev.put(b"%PDF-1.4 two").unwrap();
        assert_eq!(ev.count().unwrap(), 2);
        assert_eq!(ev.read(&a.sha256).unwrap(), b"%PDF-1.4 one");
        for bad in ["../../etc/passwd", "ABC", &a.sha256.to_uppercase()] {
            assert!(ev.path(bad).is_none(), "{bad}");
        }
        ev.remove(&a.sha256).unwrap();
        assert_eq!(ev.count().unwrap(), 1);
        assert!(ev.read(&a.sha256).is_err());
    }
}
