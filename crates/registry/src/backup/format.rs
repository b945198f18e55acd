//! The backup file: what `admin backup` writes and `admin restore` reads,
//! with no database and no network in sight (`backup.rs` is the edge).
//!
//! A backup is a clear 76-byte header, then the body sealed in chunks of
//! [`CHUNK`] bytes with ChaCha20-Poly1305 in the STREAM construction: each
//! chunk's nonce carries its position and whether it is the last, and the
//! header is every chunk's associated data. A chunk moved, altered or
//! dropped fails to open, and a file cut off anywhere lacks its last chunk,
//! so a damaged backup is refused, never restored in part. The key is
//! derived from the operator's passphrase with Argon2id; the header keeps a
//! hash of a second derived key so a wrong passphrase is told apart from
//! damage before anything is read.
//!
//! Inside the seal is a gzip stream of [`Frame`]s: what the backup holds,
//! then each table's rows in PostgreSQL's COPY text format, then an end
//! mark. Header layout (big-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | `GGBACKUP` |
//! | 1 | format (1) |
//! | 4 × 3 | Argon2id memory (KiB), passes, lanes |
//! | 16 | salt |
//! | 7 | STREAM nonce prefix |
//! | 32 | SHA-256 of the passphrase check key |

use chacha20poly1305::aead::generic_array::GenericArray;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use zeroize::Zeroizing;

pub const MAGIC: &[u8; 8] = b"GGBACKUP";
pub const FORMAT: u8 = 1;
pub const HEADER_LEN: usize = 8 + 1 + 12 + 16 + 7 + 32;
/// Plaintext bytes per sealed chunk; a chunk on disk is 16 bytes more.
pub const CHUNK: usize = 1 << 20;
const TAG: usize = 16;
/// Rows are framed in pieces of about this size.
pub const ROWS_FRAME: usize = 1 << 20;
/// The largest frame a reader accepts: a damaged length cannot make it
/// allocate the machine's memory.
pub const FRAME_MAX: usize = 16 << 20;
/// The shortest passphrase a backup may be sealed under.
pub const PASSPHRASE_MIN_CHARS: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("this is not a groundgame backup (its first bytes are not a backup header)")]
    NotABackup,
    #[error("this backup is in format {0}, which this registry cannot read; restore it with a newer groundgame-registry")]
    UnknownFormat(u8),
    #[error("the backup's header asks for an Argon2 cost no backup is made with ({0}); it is damaged or was not made by groundgame")]
    BadCost(String),
    #[error("the passphrase is wrong for this backup")]
    WrongPassphrase,
    #[error("the backup is damaged: the sealed part at byte {0} does not open (altered, cut off, or parts out of order)")]
    Damaged(u64),
    #[error("the backup is cut off: it ends at byte {0} before its last sealed part; it was not uploaded in full")]
    CutOff(u64),
    #[error("the backup's contents are damaged: {0}")]
    BadContents(String),
    #[error("the passphrase is too short: use at least {PASSPHRASE_MIN_CHARS} characters")]
    PassphraseTooShort,
}

/// The operator's passphrase, wiped from memory when dropped.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// A passphrase to seal a backup under: long enough to resist guessing.
    pub fn new(text: String) -> Result<Self, FormatError> {
        let text = Zeroizing::new(text);
        if text.chars().count() < PASSPHRASE_MIN_CHARS {
            return Err(FormatError::PassphraseTooShort);
        }
        Ok(Self(text))
    }

    /// A passphrase to open a backup with: whatever it was sealed under.
    pub fn for_opening(text: String) -> Self {
        Self(Zeroizing::new(text))
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

/// Argon2id's cost for the backup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Default for Cost {
    /// The laptops' key-file cost (64 MiB, three passes): paid once per
    /// backup and once per restore.
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            passes: 3,
            lanes: 1,
        }
    }
}

impl Cost {
    /// The most a header may ask for: a planted header cannot make a
    /// restore take the server's memory or a day.
    pub const MAX: Cost = Cost {
        memory_kib: 1024 * 1024,
        passes: 16,
        lanes: 8,
    };

    fn check(self) -> Result<Self, FormatError> {
        let ok = (8..=Self::MAX.memory_kib).contains(&self.memory_kib)
            && (1..=Self::MAX.passes).contains(&self.passes)
            && (1..=Self::MAX.lanes).contains(&self.lanes);
        if ok {
            Ok(self)
        } else {
            Err(FormatError::BadCost(format!(
                "{} KiB, {} passes, {} lanes",
                self.memory_kib, self.passes, self.lanes
            )))
        }
    }
}

/// The sealing key and the check key, from one Argon2id derivation.
struct Keys {
    seal: Zeroizing<[u8; 32]>,
    check: [u8; 32],
}

fn derive(passphrase: &Passphrase, salt: &[u8; 16], cost: Cost) -> Result<Keys, FormatError> {
    let params = argon2::Params::new(cost.memory_kib, cost.passes, cost.lanes, Some(64))
        .map_err(|error| FormatError::BadCost(error.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut both = Zeroizing::new([0_u8; 64]);
    argon
        .hash_password_into(passphrase.0.as_bytes(), salt, both.as_mut_slice())
        .map_err(|error| FormatError::BadCost(error.to_string()))?;
    let mut seal = Zeroizing::new([0_u8; 32]);
    seal.copy_from_slice(&both[..32]);
    let check: [u8; 32] = Sha256::digest(&both[32..]).into();
    Ok(Keys { seal, check })
}

/// The clear header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub cost: Cost,
    pub salt: [u8; 16],
    pub nonce: [u8; 7],
    pub check: [u8; 32],
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0_u8; HEADER_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8] = FORMAT;
        out[9..13].copy_from_slice(&self.cost.memory_kib.to_be_bytes());
        out[13..17].copy_from_slice(&self.cost.passes.to_be_bytes());
        out[17..21].copy_from_slice(&self.cost.lanes.to_be_bytes());
        out[21..37].copy_from_slice(&self.salt);
        out[37..44].copy_from_slice(&self.nonce);
        out[44..].copy_from_slice(&self.check);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() < 9 || &bytes[..8] != MAGIC {
            return Err(FormatError::NotABackup);
        }
        if bytes[8] != FORMAT {
            return Err(FormatError::UnknownFormat(bytes[8]));
        }
        if bytes.len() < HEADER_LEN {
            return Err(FormatError::CutOff(bytes.len() as u64));
        }
        let word = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let mut header = Header {
            cost: Cost {
                memory_kib: word(9),
                passes: word(13),
                lanes: word(17),
            }
            .check()?,
            salt: [0; 16],
            nonce: [0; 7],
            check: [0; 32],
        };
        header.salt.copy_from_slice(&bytes[21..37]);
        header.nonce.copy_from_slice(&bytes[37..44]);
        header.check.copy_from_slice(&bytes[44..HEADER_LEN]);
        Ok(header)
    }
}

/// The shape of one table as backed up: its columns in COPY order (stored
/// generated columns are left out; PostgreSQL computes them again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<String>,
}

/// One applied migration of the database backed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationStamp {
    pub version: i64,
    /// SHA-384 of the migration's SQL, hex, as sqlx keeps it.
    pub checksum: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceValue {
    pub name: String,
    pub last_value: i64,
}

/// What a backup holds, sealed with it (the first frame).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    pub created_at: String,
    pub registry_version: String,
    pub migrations: Vec<MigrationStamp>,
    /// In load order: a table comes after every table it refers to.
    pub tables: Vec<TableShape>,
    pub sequences: Vec<SequenceValue>,
}

/// A unit of the sealed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Begin(Contents),
    Table(String),
    /// COPY text rows: whole lines.
    Rows(Vec<u8>),
    /// The table's row count, checked against what COPY loaded.
    TableEnd(u64),
    End,
}

const BEGIN: u8 = 1;
const TABLE: u8 = 2;
const ROWS: u8 = 3;
const TABLE_END: u8 = 4;
const END: u8 = 5;

impl Frame {
    fn encode_into(&self, out: &mut impl Write) -> std::io::Result<()> {
        let (tag, payload): (u8, std::borrow::Cow<'_, [u8]>) = match self {
            Frame::Begin(contents) => (
                BEGIN,
                serde_json::to_vec(contents)
                    .map_err(std::io::Error::other)?
                    .into(),
            ),
            Frame::Table(name) => (TABLE, name.as_bytes().into()),
            Frame::Rows(rows) => (ROWS, rows.as_slice().into()),
            Frame::TableEnd(rows) => (TABLE_END, rows.to_be_bytes().to_vec().into()),
            Frame::End => (END, Vec::new().into()),
        };
        let len = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
        out.write_all(&[tag])?;
        out.write_all(&len.to_be_bytes())?;
        out.write_all(&payload)
    }

    fn decode(tag: u8, payload: Vec<u8>) -> Result<Self, FormatError> {
        let bad = |what: &str| FormatError::BadContents(what.to_owned());
        Ok(match tag {
            BEGIN => {
                Frame::Begin(serde_json::from_slice(&payload).map_err(|error| {
                    bad(&format!("its table of contents does not read: {error}"))
                })?)
            }
            TABLE => Frame::Table(
                String::from_utf8(payload).map_err(|_| bad("a table name is not UTF-8"))?,
            ),
            ROWS => Frame::Rows(payload),
            TABLE_END => Frame::TableEnd(u64::from_be_bytes(
                payload
                    .as_slice()
                    .try_into()
                    .map_err(|_| bad("a table's row count is not 8 bytes"))?,
            )),
            END if payload.is_empty() => Frame::End,
            END => return Err(bad("its end mark carries data")),
            other => return Err(bad(&format!("a frame of unknown kind {other}"))),
        })
    }
}

/// The sealing half: plaintext in, sealed chunks out.
struct Sealer {
    encryptor: Option<EncryptorBE32<ChaCha20Poly1305>>,
    aad: [u8; HEADER_LEN],
    plain: Vec<u8>,
    out: Vec<u8>,
}

impl Sealer {
    fn seal_full_chunks(&mut self) -> std::io::Result<()> {
        while self.plain.len() >= CHUNK {
            let rest = self.plain.split_off(CHUNK);
            let chunk = std::mem::replace(&mut self.plain, rest);
            let encryptor = self
                .encryptor
                .as_mut()
                .ok_or_else(|| std::io::Error::other("the backup is already sealed"))?;
            let sealed = encryptor
                .encrypt_next(Payload {
                    msg: &chunk,
                    aad: &self.aad,
                })
                .map_err(|_| std::io::Error::other("sealing failed"))?;
            self.out.extend_from_slice(&sealed);
        }
        Ok(())
    }

    /// Seals what is left (always shorter than a chunk) as the last chunk.
    fn finish(&mut self) -> std::io::Result<()> {
        self.seal_full_chunks()?;
        let encryptor = self
            .encryptor
            .take()
            .ok_or_else(|| std::io::Error::other("the backup is already sealed"))?;
        let sealed = encryptor
            .encrypt_last(Payload {
                msg: &self.plain,
                aad: &self.aad,
            })
            .map_err(|_| std::io::Error::other("sealing failed"))?;
        self.plain.clear();
        self.out.extend_from_slice(&sealed);
        Ok(())
    }
}

impl Write for Sealer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.plain.extend_from_slice(buf);
        self.seal_full_chunks()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a backup: frames in, the file's bytes out as they are sealed
/// (take them with [`Writer::take_output`] and send them on).
pub struct Writer {
    gzip: flate2::write::GzEncoder<Sealer>,
}

impl Writer {
    pub fn new(passphrase: &Passphrase, cost: Cost) -> Result<Self, FormatError> {
        use rand::RngCore;
        let mut salt = [0_u8; 16];
        let mut nonce = [0_u8; 7];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let keys = derive(passphrase, &salt, cost.check()?)?;
        let header = Header {
            cost,
            salt,
            nonce,
            check: keys.check,
        }
        .encode();
        let cipher = ChaCha20Poly1305::new(GenericArray::from_slice(keys.seal.as_slice()));
        let sealer = Sealer {
            encryptor: Some(EncryptorBE32::from_aead(
                cipher,
                GenericArray::from_slice(&nonce),
            )),
            aad: header,
            plain: Vec::with_capacity(CHUNK * 2),
            out: header.to_vec(),
        };
        Ok(Self {
            // Fast deflate: a county's rows compress about fourfold at
            // level 1, and the upload, not the CPU, sets the pace.
            gzip: flate2::write::GzEncoder::new(sealer, flate2::Compression::fast()),
        })
    }

    pub fn write_frame(&mut self, frame: &Frame) -> std::io::Result<()> {
        frame.encode_into(&mut self.gzip)
    }

    /// The file's bytes sealed so far and not yet taken.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.gzip.get_mut().out)
    }

    /// Seals the rest; returns the file's last bytes.
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        let mut sealer = self.gzip.finish()?;
        sealer.finish()?;
        Ok(std::mem::take(&mut sealer.out))
    }
}

/// Splits the inflated stream into frames.
#[derive(Default)]
struct Deframer {
    buffer: Vec<u8>,
    ended: bool,
}

impl Deframer {
    fn push(&mut self, bytes: &[u8], frames: &mut Vec<Frame>) -> Result<(), FormatError> {
        self.buffer.extend_from_slice(bytes);
        let mut at = 0;
        while self.buffer.len() - at >= 5 {
            let tag = self.buffer[at];
            let len = u32::from_be_bytes([
                self.buffer[at + 1],
                self.buffer[at + 2],
                self.buffer[at + 3],
                self.buffer[at + 4],
            ]) as usize;
            if len > FRAME_MAX {
                return Err(FormatError::BadContents(format!(
                    "a frame says it is {len} bytes long"
                )));
            }
            if self.buffer.len() - at - 5 < len {
                break;
            }
            if self.ended {
                return Err(FormatError::BadContents(
                    "there is data after its end mark".into(),
                ));
            }
            let payload = self.buffer[at + 5..at + 5 + len].to_vec();
            at += 5 + len;
            let frame = Frame::decode(tag, payload)?;
            self.ended = frame == Frame::End;
            frames.push(frame);
        }
        self.buffer.drain(..at);
        Ok(())
    }
}

enum OpenState {
    Header(Vec<u8>),
    Body {
        decryptor: DecryptorBE32<ChaCha20Poly1305>,
        aad: [u8; HEADER_LEN],
        sealed: Vec<u8>,
    },
}

/// Reads a backup as its bytes arrive: bytes in, frames out. Nothing it
/// returns has been checked beyond its own chunk until [`Reader::finish`]
/// succeeds, so a restore applies frames inside a transaction and commits
/// only after.
pub struct Reader {
    passphrase: Passphrase,
    state: OpenState,
    offset: u64,
    inflate: flate2::write::GzDecoder<Vec<u8>>,
    frames: Deframer,
}

impl Reader {
    pub fn new(passphrase: Passphrase) -> Self {
        Self {
            passphrase,
            state: OpenState::Header(Vec::with_capacity(HEADER_LEN)),
            offset: 0,
            inflate: flate2::write::GzDecoder::new(Vec::new()),
            frames: Deframer::default(),
        }
    }

    /// Feeds the next bytes of the file; returns the frames they complete.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<Vec<Frame>, FormatError> {
        let mut frames = Vec::new();
        if let OpenState::Header(collected) = &mut self.state {
            let wanted = (HEADER_LEN - collected.len()).min(bytes.len());
            collected.extend_from_slice(&bytes[..wanted]);
            bytes = &bytes[wanted..];
            // Refuse a file that is no backup as soon as it shows.
            if collected.len() >= 8 && &collected[..8] != MAGIC {
                return Err(FormatError::NotABackup);
            }
            if collected.len() < HEADER_LEN {
                return Ok(frames);
            }
            let header = Header::decode(collected)?;
            let keys = derive(&self.passphrase, &header.salt, header.cost)?;
            if keys.check != header.check {
                return Err(FormatError::WrongPassphrase);
            }
            let cipher = ChaCha20Poly1305::new(GenericArray::from_slice(keys.seal.as_slice()));
            self.state = OpenState::Body {
                decryptor: DecryptorBE32::from_aead(
                    cipher,
                    GenericArray::from_slice(&header.nonce),
                ),
                aad: header.encode(),
                sealed: Vec::with_capacity(2 * (CHUNK + TAG)),
            };
            self.offset = HEADER_LEN as u64;
        }
        if let OpenState::Body {
            decryptor,
            aad,
            sealed,
        } = &mut self.state
        {
            sealed.extend_from_slice(bytes);
            // A full-size chunk is never the last: the last is shorter.
            let mut at = 0;
            while sealed.len() - at > CHUNK + TAG {
                let plain = decryptor
                    .decrypt_next(Payload {
                        msg: &sealed[at..at + CHUNK + TAG],
                        aad: aad.as_slice(),
                    })
                    .map_err(|_| FormatError::Damaged(self.offset))?;
                at += CHUNK + TAG;
                self.offset += (CHUNK + TAG) as u64;
                Self::inflate(&mut self.inflate, &mut self.frames, &plain, &mut frames)?;
            }
            sealed.drain(..at);
        }
        Ok(frames)
    }

    fn inflate(
        inflate: &mut flate2::write::GzDecoder<Vec<u8>>,
        deframer: &mut Deframer,
        plain: &[u8],
        frames: &mut Vec<Frame>,
    ) -> Result<(), FormatError> {
        inflate
            .write_all(plain)
            .map_err(|error| FormatError::BadContents(format!("it does not inflate: {error}")))?;
        let inflated = std::mem::take(inflate.get_mut());
        deframer.push(&inflated, frames)
    }

    /// The file has ended: opens the last chunk and checks the backup is
    /// whole. Returns the last frames.
    pub fn finish(mut self) -> Result<Vec<Frame>, FormatError> {
        let mut frames = Vec::new();
        let (decryptor, aad, sealed) = match self.state {
            OpenState::Header(collected) => {
                Header::decode(&collected)?;
                return Err(FormatError::CutOff(collected.len() as u64));
            }
            OpenState::Body {
                decryptor,
                aad,
                sealed,
            } => (decryptor, aad, sealed),
        };
        // `feed` leaves at most one full chunk. The last chunk is always
        // shorter than that and at least a tag long, so anything else means
        // the real last chunk is gone.
        if sealed.len() < TAG || sealed.len() == CHUNK + TAG {
            return Err(FormatError::CutOff(self.offset + sealed.len() as u64));
        }
        let plain = decryptor
            .decrypt_last(Payload {
                msg: &sealed,
                aad: aad.as_slice(),
            })
            .map_err(|_| FormatError::Damaged(self.offset))?;
        Self::inflate(&mut self.inflate, &mut self.frames, &plain, &mut frames)?;
        let rest = self
            .inflate
            .finish()
            .map_err(|error| FormatError::BadContents(format!("it does not inflate: {error}")))?;
        self.frames.push(&rest, &mut frames)?;
        if !self.frames.buffer.is_empty() {
            return Err(FormatError::BadContents(
                "its last frame is incomplete".into(),
            ));
        }
        if !self.frames.ended {
            return Err(FormatError::BadContents("it has no end mark".into()));
        }
        Ok(frames)
    }
}
