//! How the database key is kept.
//!
//! The database is encrypted by SQLCipher with a random 256-bit key. That key
//! is never stored in clear: it is wrapped (XChaCha20-Poly1305) by a key
//! derived from the user's passphrase with Argon2id, and the wrapped key lives
//! beside the database in `<database>.key`. Changing the passphrase rewraps
//! the key without re-encrypting the database, and a wrong passphrase fails
//! the authentication tag instead of producing garbage.

use crate::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Bound into the authentication tag, so a wrapped key cannot be mistaken
/// for anything else.
const ASSOCIATED_DATA: &[u8] = b"groundgame database key v1";
/// Format 2 names how the database's pages are authenticated; format 1
/// files predate that and mean SQLCipher 4's default, HMAC-SHA512.
const FORMAT: u32 = 2;
const FORMAT_V1: u32 = 1;

/// The HMAC SQLCipher checks on every page it reads and writes.
///
/// New databases use SHA-256: the SHA extensions of every x86 laptop CPU
/// since 2019 (and AMD's since 2017) make it about 2.7 times as fast as
/// SHA-512 here (`openssl speed`, 4 KiB blocks), and a page read from disk
/// costs mostly its HMAC, so cold searches and imports are faster. The tag
/// is as strong for this purpose; older databases keep SHA-512.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PageHmac {
    #[serde(rename = "HMAC_SHA256")]
    Sha256,
    #[serde(rename = "HMAC_SHA512")]
    Sha512,
}

impl PageHmac {
    /// The value for `PRAGMA cipher_hmac_algorithm`.
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Self::Sha256 => "HMAC_SHA256",
            Self::Sha512 => "HMAC_SHA512",
        }
    }
}

/// A passphrase as the user typed it; wiped from memory when dropped.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub const MIN_CHARS: usize = groundgame_domain::ipc::PASSPHRASE_MIN_CHARS;

    /// Accepts any passphrase of at least eight characters.
    pub fn new(text: impl Into<String>) -> Result<Self, StoreError> {
        let text = Zeroizing::new(text.into());
        if text.chars().count() < Self::MIN_CHARS {
            return Err(StoreError::WeakPassphrase {
                min: Self::MIN_CHARS,
            });
        }
        Ok(Self(text))
    }

    /// Whether two typed passphrases are the same (for "type it again").
    pub fn matches(&self, other: &Passphrase) -> bool {
        self.0.as_str() == other.0.as_str()
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Argon2id's cost: what a guess costs an attacker who has the key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// 64 MiB and three passes: above OWASP's Argon2id minimum, and about a
    /// quarter of a second on a field-office laptop, paid once per unlock.
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: u32,
    kdf: String,
    params: KdfParams,
    salt: String,
    nonce: String,
    wrapped_key: String,
    /// Absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_hmac: Option<PageHmac>,
}

/// The database's key, in memory only while the store is open, and how
/// its pages are authenticated.
pub(crate) struct DatabaseKey(Zeroizing<[u8; 32]>, PageHmac);

impl DatabaseKey {
    pub(crate) fn page_hmac(&self) -> PageHmac {
        self.1
    }

    /// The value for `PRAGMA key`: a raw key in SQLCipher's blob syntax, so
    /// SQLCipher skips its own (slow) key derivation.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex(self.0.as_slice())))
    }
}

/// Wipes the database at `db` as a revoked laptop must: the key file is
/// overwritten with zeros and synced to disk first (without the key the
/// encrypted pages are unreadable, whatever a disk keeps of them), then the
/// key, the database and its `-wal` and `-shm` files are unlinked and the
/// folder synced. Returns the files that were removed. The store must be
/// closed (dropped) before.
pub fn wipe(db: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let key = key_path(db);
    let failed = |path: &Path, error: std::io::Error| {
        StoreError::KeyFile(format!("cannot wipe {}: {error}", path.display()))
    };
    if let Ok(metadata) = std::fs::metadata(&key) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&key)
            .map_err(|error| failed(&key, error))?;
        let zeros = vec![0_u8; usize::try_from(metadata.len()).unwrap_or(0).max(1)];
        file.write_all(&zeros)
            .and_then(|()| file.sync_all())
            .map_err(|error| failed(&key, error))?;
    }
    let sibling = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let mut removed = Vec::new();
    for path in [key.clone(), db.to_owned(), sibling("-wal"), sibling("-shm")] {
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(failed(&path, error)),
        }
    }
    if let Some(folder) = db.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        if let Ok(folder) = std::fs::File::open(folder) {
            let _ = folder.sync_all();
        }
    }
    Ok(removed)
}

/// Where the wrapped key of the database at `db` lives.
pub fn key_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let argon_params = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|error| StoreError::KeyFile(format!("unusable Argon2 parameters: {error}")))?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut derived = Zeroizing::new([0_u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, derived.as_mut_slice())
        .map_err(|error| StoreError::KeyFile(format!("key derivation failed: {error}")))?;
    Ok(derived)
}

/// Makes a new random database key and writes it, wrapped, to `path`.
/// Refuses to replace an existing key file: that would orphan its database.
pub(crate) fn create(
    path: &Path,
    passphrase: &Passphrase,
    params: KdfParams,
) -> Result<DatabaseKey, StoreError> {
    if path.exists() {
        return Err(StoreError::KeyFile(format!(
            "{} already exists; it belongs to another database",
            path.display()
        )));
    }
    let mut key = Zeroizing::new([0_u8; 32]);
    OsRng.fill_bytes(key.as_mut_slice());
    let key = DatabaseKey(key, PageHmac::Sha256);
    let json = wrap(&key, passphrase, params)?;
    // Written whole to a temporary file, then renamed: a crash never leaves
    // half a key file.
    let temporary = path.with_extension("key.tmp");
    write_private(&temporary, &json)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|error| {
            StoreError::KeyFile(format!("cannot write {}: {error}", path.display()))
        })?;
    Ok(key)
}

/// Writes a file only its owner can read or write (0600 on Unix), synced
/// to disk before it is renamed into place.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl KdfParams {
    /// The most a key file may ask for: a damaged or planted key file must
    /// not make an unlock take the laptop's memory or a day of work. (Its
    /// cost cannot be lowered usefully by anyone without the passphrase.)
    pub const MAX: KdfParams = KdfParams {
        memory_kib: 4 * 1024 * 1024,
        iterations: 64,
        parallelism: 16,
    };

    fn within_bounds(self) -> bool {
        self.memory_kib <= Self::MAX.memory_kib
            && (1..=Self::MAX.iterations).contains(&self.iterations)
            && (1..=Self::MAX.parallelism).contains(&self.parallelism)
    }
}

/// Wraps the database key of `path` under a new passphrase: the current one
/// must open it; the database is not re-encrypted (its key stays), and the
/// new key file replaces the old one in one rename, so a crash leaves one
/// or the other, never neither.
pub fn change_passphrase(
    db: &Path,
    current: &Passphrase,
    new: &Passphrase,
) -> Result<(), StoreError> {
    let path = key_path(db);
    let key = unlock(&path, current)?;
    let text = std::fs::read(&path)
        .map_err(|error| StoreError::KeyFile(format!("cannot read {}: {error}", path.display())))?;
    let old: KeyFile = serde_json::from_slice(&text)
        .map_err(|error| StoreError::KeyFile(format!("{} is damaged: {error}", path.display())))?;
    let json = wrap(&key, new, old.params)?;
    let temporary = path.with_extension("key.tmp");
    write_private(&temporary, &json)
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|error| {
            StoreError::KeyFile(format!("cannot write {}: {error}", path.display()))
        })?;
    Ok(())
}

/// The key file's JSON for `key` wrapped by `passphrase`.
fn wrap(
    key: &DatabaseKey,
    passphrase: &Passphrase,
    params: KdfParams,
) -> Result<Vec<u8>, StoreError> {
    let mut salt = [0_u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0_u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let wrapping = derive(passphrase, &salt, params)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_slice().into());
    let wrapped = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.0.as_slice(),
                aad: ASSOCIATED_DATA,
            },
        )
        .map_err(|_| StoreError::KeyFile("cannot wrap the database key".into()))?;
    let file = KeyFile {
        format: FORMAT,
        kdf: "argon2id".into(),
        params,
        salt: hex(&salt),
        nonce: hex(&nonce),
        wrapped_key: hex(&wrapped),
        page_hmac: Some(key.1),
    };
    serde_json::to_vec_pretty(&file).map_err(|error| StoreError::KeyFile(error.to_string()))
}

/// Unwraps the database key in `path` with `passphrase`.
pub(crate) fn unlock(path: &Path, passphrase: &Passphrase) -> Result<DatabaseKey, StoreError> {
    let text = std::fs::read(path)
        .map_err(|error| StoreError::KeyFile(format!("cannot read {}: {error}", path.display())))?;
    let file: KeyFile = serde_json::from_slice(&text)
        .map_err(|error| StoreError::KeyFile(format!("{} is damaged: {error}", path.display())))?;
    let page_hmac = match (file.format, file.page_hmac) {
        (FORMAT_V1, _) => Some(PageHmac::Sha512),
        (FORMAT, page_hmac) => page_hmac,
        _ => None,
    };
    let Some(page_hmac) = page_hmac.filter(|_| file.kdf == "argon2id") else {
        return Err(StoreError::KeyFile(format!(
            "{} uses key format {} ({}), which this version of groundgame cannot read",
            path.display(),
            file.format,
            file.kdf
        )));
    };
    let damaged =
        |what: &str| StoreError::KeyFile(format!("{} has a damaged {what}", path.display()));
    if !file.params.within_bounds() {
        let KdfParams {
            memory_kib,
            iterations,
            parallelism,
        } = file.params;
        return Err(StoreError::KeyFile(format!(
            "{} asks for Argon2 with {memory_kib} KiB, {iterations} passes and {parallelism} lanes, \
             beyond what groundgame allows (at most 4 GiB, 64 passes, 16 lanes); the key file is damaged \
             or is not groundgame's. Restore it from your backup",
            path.display()
        )));
    }
    let salt = unhex(&file.salt).ok_or_else(|| damaged("salt"))?;
    let nonce = unhex(&file.nonce)
        .filter(|nonce| nonce.len() == 24)
        .ok_or_else(|| damaged("nonce"))?;
    let wrapped = unhex(&file.wrapped_key).ok_or_else(|| damaged("wrapped key"))?;

    let wrapping = derive(passphrase, &salt, file.params)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_slice().into());
    let key = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &wrapped,
                    aad: ASSOCIATED_DATA,
                },
            )
            .map_err(|_| StoreError::WrongPassphrase)?,
    );
    let key: [u8; 32] = key
        .as_slice()
        .try_into()
        .map_err(|_| damaged("wrapped key"))?;
    Ok(DatabaseKey(Zeroizing::new(key), page_hmac))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::{KdfParams, Passphrase};

    /// Cheap parameters: tests check the wrapping, not Argon2's cost.
    pub(crate) const FAST: KdfParams = KdfParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };

    pub(crate) fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(text).expect("long enough")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_support::{passphrase, FAST};

    #[test]
    fn the_right_passphrase_unwraps_the_same_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db.key");
        let created = create(&path, &passphrase("correct horse"), FAST).expect("create");
        let unlocked = unlock(&path, &passphrase("correct horse")).expect("unlock");
        assert_eq!(created.0.as_slice(), unlocked.0.as_slice());
    }

    #[test]
    fn a_wrong_passphrase_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db.key");
        create(&path, &passphrase("correct horse"), FAST).expect("create");
        assert!(matches!(
            unlock(&path, &passphrase("correct horsf")),
            Err(StoreError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_key_file_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db.key");
        create(&path, &passphrase("correct horse"), FAST).expect("create");
        assert!(matches!(
            create(&path, &passphrase("another one"), FAST),
            Err(StoreError::KeyFile(_))
        ));
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(matches!(
            Passphrase::new("short"),
            Err(StoreError::WeakPassphrase { min: 8 })
        ));
    }

    #[test]
    fn the_key_file_holds_no_key_in_clear() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db.key");
        let key = create(&path, &passphrase("correct horse"), FAST).expect("create");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains(&hex(key.0.as_slice())));
    }

    #[test]
    fn a_new_passphrase_rewraps_the_same_key_and_the_old_one_stops_working() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("office.db");
        let created = create(&key_path(&db), &passphrase("correct horse"), FAST).expect("create");
        let wrong = change_passphrase(
            &db,
            &passphrase("wrong horse"),
            &passphrase("battery staple"),
        );
        assert!(
            matches!(wrong, Err(StoreError::WrongPassphrase)),
            "{wrong:?}"
        );
        change_passphrase(
            &db,
            &passphrase("correct horse"),
            &passphrase("battery staple"),
        )
        .expect("changed");
        let unlocked = unlock(&key_path(&db), &passphrase("battery staple")).expect("unlock");
        assert_eq!(
            unlocked.pragma_value(),
            created.pragma_value(),
            "the same key"
        );
        assert!(matches!(
            unlock(&key_path(&db), &passphrase("correct horse")),
            Err(StoreError::WrongPassphrase)
        ));
        let mode = {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::metadata(key_path(&db))
                    .expect("metadata")
                    .permissions()
                    .mode()
                    & 0o777
            }
            #[cfg(not(unix))]
            0o600
        };
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_wipe_removes_the_database_its_journal_and_its_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("office.db");
        create(&key_path(&db), &passphrase("correct horse"), FAST).expect("create");
        for suffix in ["", "-wal", "-shm"] {
            std::fs::write(format!("{}{suffix}", db.display()), b"pages").expect("write");
        }
        let removed = wipe(&db).expect("wiped");
        assert_eq!(removed.len(), 4, "{removed:?}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
        assert!(wipe(&db).expect("nothing left").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db.key");
        create(&path, &passphrase("correct horse"), FAST).expect("create");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    #[test]
    fn a_key_file_asking_for_unbounded_work_is_refused_before_any() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db.key");
        create(&path, &passphrase("correct horse"), FAST).expect("create");
        let text = std::fs::read_to_string(&path).expect("read");
        for (field, value) in [
            ("memory_kib", "4294967295"),
            ("iterations", "4294967295"),
            ("parallelism", "0"),
        ] {
            let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
            file["params"][field] = serde_json::from_str(value).expect("number");
            std::fs::write(&path, serde_json::to_vec(&file).expect("json")).expect("write");
            let error = unlock(&path, &passphrase("correct horse"))
                .err()
                .expect("refused");
            assert!(
                error.to_string().contains("beyond what groundgame allows"),
                "{field}: {error}"
            );
        }
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])),
            Some(vec![0, 1, 0xab, 0xff])
        );
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
