//! Content-addressed media storage on disk: a file lives at `DATA_DIR/media/<sha256>`, so
//! the same bytes uploaded twice are stored once and a stored file cannot be altered in
//! place.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The media folder.
#[derive(Debug, Clone)]
pub struct MediaStorage {
    root: PathBuf,
}

/// The hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl MediaStorage {
    /// Storage under `data_dir/media` (created on first write).
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("media"),
        }
    }

    /// Where the file with this hash lives; `None` for anything that is not a hash, so a
    /// stored path can never point outside the folder.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(sha256.to_ascii_lowercase()))
    }

    /// Stores `bytes` (written to a temporary file, then renamed, so a reader never sees
    /// half a file) and returns their hash. Blocking.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hash = sha256_hex(bytes);
        let target = self.root.join(&hash);
        if target.exists() {
            return Ok(hash);
        }
        std::fs::create_dir_all(&self.root)?;
        let temp = self
            .root
            .join(format!(".{hash}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, &target)?;
        Ok(hash)
    }

    /// Reads a stored file. Blocking.
    pub fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not a media hash"))?;
        std::fs::read(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let storage = MediaStorage::new(dir.path());
        let a = storage.put(b"hello").unwrap();
        let b = storage.put(b"hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(b"hello"));
        assert_eq!(storage.read(&a).unwrap(), b"hello");
        assert_eq!(
            std::fs::read_dir(dir.path().join("media")).unwrap().count(),
            1
        );
        assert!(storage.path_of("../../etc/passwd").is_none());
        assert!(storage.read("nope").is_err());
    }
}
