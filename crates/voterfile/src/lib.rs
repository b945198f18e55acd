//! Voter files as the states publish them.
//!
//! [`VoterFile`] streams one file of a known [`Layout`] row by row into the
//! shapes of [`record`], decoding Latin-1 or UTF-8 as it goes and keeping
//! count of the bytes read for a progress bar. Nothing here touches a
//! database: the field office's store and the campaign's registry both load
//! what these readers produce. [`generate`] writes realistic invented files
//! in the same layouts, for tests and benchmarks.

pub mod address;
mod fields;
mod florida;
pub mod generate;
mod mapped;
pub mod names;
mod nc;
mod ohio;
pub mod record;
mod source;

pub use fields::FieldError;
pub use mapped::{ColumnRef, Mapping};
/// The 67 columns of North Carolina's `ncvoter`, in the published order.
pub use nc::VOTER_COLUMNS as NC_VOTER_COLUMNS;
pub use record::{Row, VoteRecord, VoterRecord};
pub use source::VoterFile;

use std::fmt;
use std::path::PathBuf;

/// The layouts groundgame reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// North Carolina `ncvoter`: tab, header, Latin-1, 67 columns.
    NcVoter,
    /// North Carolina `ncvhis`: tab, header, one row per voter per election.
    NcHistory,
    /// Ohio statewide: comma, header, one column per election.
    Ohio,
    /// Florida voter extract: tab, no header.
    Florida,
    /// Florida voter history: tab, no header.
    FloridaHistory,
    /// Any delimited file, read through a saved column mapping.
    Mapped(Box<Mapping>),
}

impl Layout {
    /// The names `--layout` accepts (`csv` needs a mapping, so it is parsed
    /// by the caller).
    pub const SLUGS: &'static [&'static str] =
        &["nc-voter", "nc-history", "oh", "fl", "fl-history", "csv"];

    pub fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "nc-voter" | "ncvoter" => Some(Self::NcVoter),
            "nc-history" | "ncvhis" => Some(Self::NcHistory),
            "oh" | "ohio" => Some(Self::Ohio),
            "fl" | "florida" => Some(Self::Florida),
            "fl-history" => Some(Self::FloridaHistory),
            _ => None,
        }
    }

    pub fn slug(&self) -> &'static str {
        match self {
            Self::NcVoter => "nc-voter",
            Self::NcHistory => "nc-history",
            Self::Ohio => "oh",
            Self::Florida => "fl",
            Self::FloridaHistory => "fl-history",
            Self::Mapped(_) => "csv",
        }
    }

    /// Whether rows of this layout are voters (rather than votes only), so
    /// voters absent from a newer snapshot count as removed.
    pub fn has_voters(&self) -> bool {
        !matches!(self, Self::NcHistory | Self::FloridaHistory)
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// Why a file, or one line of it, could not be read. Every variant names
/// the file; row errors also name the line and, where there is one, the
/// column, what was expected there and what was found.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the header has no column {column:?}; is this really a {layout} file?")]
    MissingColumn {
        file: PathBuf,
        layout: &'static str,
        column: String,
    },
    #[error("{file}, line {line}, column {column}: expected {expected}, found {found:?}")]
    Field {
        file: PathBuf,
        line: u64,
        column: String,
        expected: String,
        found: String,
    },
    #[error("{file}, line {line}: {found} fields where {expected} were expected; check the delimiter, or look for a stray quote on this or an earlier line")]
    Width {
        file: PathBuf,
        line: u64,
        found: usize,
        expected: usize,
    },
    #[error("{file}, line {line}: {message}")]
    Malformed {
        file: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{file} is empty; expected a {layout} file")]
    Empty { file: PathBuf, layout: &'static str },
    #[error("column mapping: {0}")]
    Mapping(String),
}

impl ReadError {
    /// Errors confined to one line, which `--skip-bad` may skip; the others
    /// stop the file.
    pub fn is_row_error(&self) -> bool {
        matches!(self, Self::Field { .. } | Self::Width { .. })
    }

    /// The line number of a row error.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Field { line, .. } | Self::Width { line, .. } | Self::Malformed { line, .. } => {
                Some(*line)
            }
            _ => None,
        }
    }
}
