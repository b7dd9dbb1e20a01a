//! The anonymization key: 256 random bits in a file of 64 hex digits,
//! never on the command line, held in memory that is wiped on drop.

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The environment variable that may name the key file.
pub const KEY_ENV: &str = "LICLOG_KEY_FILE";

/// A 256-bit anonymization key, zeroed when dropped, never printed.
pub struct Key(pub(crate) Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

impl Key {
    /// Reads a key file; the warning, if any, says the file is readable by
    /// others than its owner.
    pub fn load(path: &Path) -> Result<(Key, Option<String>)> {
        let bad = |why: String| Error::Key {
            path: path.to_path_buf(),
            why,
        };
        let text = Zeroizing::new(std::fs::read(path).map_err(|e| bad(e.to_string()))?);
        let hex = text.trim_ascii();
        if hex.len() != 64 {
            return Err(bad(format!(
                "expected 64 hexadecimal digits (a 256-bit key, as `liclog keygen` writes), \
                 found {} characters",
                hex.len()
            )));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |b: u8| (b as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(h), Some(l)) => key[i] = (h * 16 + l) as u8,
                _ => {
                    return Err(bad(
                        "the key holds a character that is not a hexadecimal digit".into(),
                    ));
                }
            }
        }
        Ok((Key(key), loose_permissions(path)))
    }

    /// The key file named by `--key-file`, else by `$LICLOG_KEY_FILE`.
    pub fn from_option_or_env(option: Option<&Path>) -> Result<(Key, Option<String>)> {
        let path = match option {
            Some(p) => p.to_path_buf(),
            None => match std::env::var_os(KEY_ENV) {
                Some(p) if !p.is_empty() => PathBuf::from(p),
                _ => {
                    return Err(Error::Usage(format!(
                        "no key: pass --key-file PATH or set {KEY_ENV} to the path of a key file \
                         (make one with `liclog keygen -o PATH`)"
                    )));
                }
            },
        };
        Key::load(&path)
    }

    /// A random key that is never stored: for learning names without
    /// making pseudonyms (`liclog verify`).
    pub fn throwaway() -> Result<Key> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut())
            .map_err(|e| Error::Usage(format!("no random source: {e}")))?;
        Ok(Key(key))
    }

    /// Writes a new random key to `path`, which must not exist yet, readable
    /// by its owner only.
    pub fn generate(path: &Path) -> Result<()> {
        let bad = |why: String| Error::Key {
            path: path.to_path_buf(),
            why,
        };
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|e| bad(format!("no random source: {e}")))?;
        let mut text = Zeroizing::new(String::with_capacity(65));
        for b in key.iter() {
            text.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
            text.push(char::from_digit(u32::from(b & 15), 16).expect("nibble"));
        }
        text.push('\n');
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| bad(e.to_string()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| bad(e.to_string()))
    }
}

#[cfg(unix)]
fn loose_permissions(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{}: the key file can be read by group or others (mode {:o}); chmod 600 it",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn loose_permissions(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_and_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        Key::generate(&path).unwrap();
        let (key, warning) = Key::load(&path).unwrap();
        assert!(warning.is_none());
        assert_ne!(*key.0, [0u8; 32]);
        assert!(Key::generate(&path).is_err(), "never overwrites a key");
        assert_eq!(format!("{key:?}"), "Key(<secret>)");
    }

    #[test]
    fn malformed_keys_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "abc\n").unwrap();
        assert!(
            Key::load(&path)
                .unwrap_err()
                .to_string()
                .contains("64 hexadecimal digits")
        );
        std::fs::write(&path, "z".repeat(64)).unwrap();
        assert!(
            Key::load(&path)
                .unwrap_err()
                .to_string()
                .contains("not a hexadecimal digit")
        );
        assert!(Key::load(&dir.path().join("missing")).is_err());
    }
}
