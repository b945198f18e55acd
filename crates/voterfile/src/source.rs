//! Streaming a file: sniff its text encoding, decode to UTF-8, split it with
//! the csv crate, and hand each row to its layout.

use crate::fields::{Columns, Fields};
use crate::{florida, mapped, nc, ohio, Layout, ReadError, Row};
use csv::StringRecord;
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counts the bytes read from the file, for progress.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// How a layout's text is split.
pub(crate) struct Dialect {
    pub delimiter: u8,
    pub header: bool,
    pub quoting: bool,
    /// What the publisher says the text is; a file whose first non-ASCII
    /// bytes are valid UTF-8 is read as UTF-8 whatever it says.
    pub encoding: &'static Encoding,
}

enum Parser {
    NcVoter(nc::VoterColumns),
    NcHistory(nc::HistoryColumns),
    Ohio(ohio::OhioColumns),
    Florida(florida::VoterColumns),
    FloridaHistory(florida::HistoryColumns),
    Mapped(mapped::MappedColumns),
}

/// One voter file being read.
pub struct VoterFile {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    columns: Columns,
    parser: Parser,
    record: StringRecord,
    bytes_read: Arc<AtomicU64>,
    bytes_total: u64,
    encoding: &'static Encoding,
    warnings: Vec<String>,
}

impl VoterFile {
    pub fn open(path: &Path, layout: &Layout) -> Result<Self, ReadError> {
        let io_error = |source| ReadError::Io {
            file: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let bytes_total = file.metadata().map_err(io_error)?.len();
        Self::from_reader(
            path,
            BufReader::with_capacity(1 << 16, file),
            bytes_total,
            layout,
        )
    }

    /// Reads from any source; `path` names it in errors.
    pub fn from_reader(
        path: &Path,
        raw: impl Read + Send + 'static,
        bytes_total: u64,
        layout: &Layout,
    ) -> Result<Self, ReadError> {
        let dialect = dialect(layout)?;
        let bytes_read = Arc::new(AtomicU64::new(0));
        let mut counted = Counting {
            inner: raw,
            read: Arc::clone(&bytes_read),
        };
        let mut prefix = Vec::with_capacity(1 << 16);
        (&mut counted)
            .take(1 << 16)
            .read_to_end(&mut prefix)
            .map_err(|source| ReadError::Io {
                file: path.to_owned(),
                source,
            })?;
        if prefix.iter().all(u8::is_ascii_whitespace) {
            return Err(ReadError::Empty {
                file: path.to_owned(),
                layout: layout.slug(),
            });
        }
        let encoding = sniff_encoding(&prefix, dialect.encoding);
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .build(Cursor::new(prefix).chain(counted));
        // Windows line endings become Unix ones before the CSV reader: it
        // counts a CRLF's line only when it reads the LF, at the start of the
        // next row, so every row's line would be one too early.
        let reader: Box<dyn Read + Send> = Box::new(CrlfToLf::new(decoded));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(dialect.delimiter)
            .has_headers(false)
            .quoting(dialect.quoting)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(reader);
        let mut warnings = Vec::new();
        let columns = if dialect.header {
            let mut header = StringRecord::new();
            let has_header = reader
                .read_record(&mut header)
                .map_err(|error| csv_error(path, &error))?;
            if !has_header {
                return Err(ReadError::Empty {
                    file: path.to_owned(),
                    layout: layout.slug(),
                });
            }
            Columns::from_header(&header)
        } else {
            Columns::default()
        };
        let missing = |column: String| ReadError::MissingColumn {
            file: path.to_owned(),
            layout: layout.slug(),
            column,
        };
        let (parser, columns) = match layout {
            Layout::NcVoter => {
                let parsed = nc::VoterColumns::new(&columns, &mut warnings).map_err(missing)?;
                (Parser::NcVoter(parsed), columns)
            }
            Layout::NcHistory => (
                Parser::NcHistory(nc::HistoryColumns::new(&columns).map_err(missing)?),
                columns,
            ),
            Layout::Ohio => (
                Parser::Ohio(ohio::OhioColumns::new(&columns, &mut warnings).map_err(missing)?),
                columns,
            ),
            Layout::Florida => (
                Parser::Florida(florida::VoterColumns::new()),
                Columns::fixed(florida::VOTER_COLUMNS),
            ),
            Layout::FloridaHistory => (
                Parser::FloridaHistory(florida::HistoryColumns::new()),
                Columns::fixed(florida::HISTORY_COLUMNS),
            ),
            Layout::Mapped(mapping) => {
                let parsed = mapped::MappedColumns::new(mapping, &columns).map_err(missing)?;
                (Parser::Mapped(parsed), columns)
            }
        };
        Ok(Self {
            path: path.to_owned(),
            reader,
            columns,
            parser,
            record: StringRecord::new(),
            bytes_read,
            bytes_total,
            encoding,
            warnings,
        })
    }

    /// The next row with its line number, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Option<Result<(u64, Row), ReadError>> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Err(error) => return Some(Err(csv_error(&self.path, &error))),
                Ok(true) => {}
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            // A blank line (often the last) is not a row.
            if self.record.len() <= 1 && self.record.get(0).is_none_or(|f| f.trim().is_empty()) {
                continue;
            }
            let expected = self.columns.width();
            if expected > 0 && self.record.len() != expected {
                // A trailing delimiter adds one empty field; that is not a
                // different row shape.
                let trailing_empty = self.record.len() == expected + 1
                    && self.record.get(expected).is_some_and(str::is_empty);
                if !trailing_empty {
                    return Some(Err(ReadError::Width {
                        file: self.path.clone(),
                        line,
                        found: self.record.len(),
                        expected,
                    }));
                }
            }
            let fields = Fields {
                record: &self.record,
                columns: &self.columns,
            };
            let parsed = match &self.parser {
                Parser::NcVoter(columns) => columns.parse(&fields),
                Parser::NcHistory(columns) => columns.parse(&fields),
                Parser::Ohio(columns) => columns.parse(&fields),
                Parser::Florida(columns) => columns.parse(&fields),
                Parser::FloridaHistory(columns) => columns.parse(&fields),
                Parser::Mapped(columns) => columns.parse(&fields),
            };
            return Some(
                parsed
                    .map(|row| (line, row))
                    .map_err(|error| ReadError::Field {
                        file: self.path.clone(),
                        line,
                        column: error.column,
                        expected: error.expected,
                        found: error.found,
                    }),
            );
        }
    }

    /// Bytes read so far and the file's size.
    pub fn progress(&self) -> (u64, u64) {
        (self.bytes_read.load(Ordering::Relaxed), self.bytes_total)
    }

    /// The text encoding the file is being read in.
    pub fn encoding(&self) -> &'static str {
        self.encoding.name()
    }

    /// Things worth telling the user that do not stop the import (unknown
    /// columns, say).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn dialect(layout: &Layout) -> Result<Dialect, ReadError> {
    let tab = |header| Dialect {
        delimiter: b'\t',
        header,
        quoting: header,
        encoding: WINDOWS_1252,
    };
    Ok(match layout {
        Layout::NcVoter | Layout::NcHistory => tab(true),
        Layout::Florida | Layout::FloridaHistory => tab(false),
        Layout::Ohio => Dialect {
            delimiter: b',',
            header: true,
            quoting: true,
            encoding: WINDOWS_1252,
        },
        Layout::Mapped(mapping) => mapping.dialect()?,
    })
}

/// UTF-8 if the sample's non-ASCII bytes are valid UTF-8, else what the
/// publisher declared (Latin-1 read as its superset windows-1252, which is
/// also what a declared-UTF-8 file that is not falls back to).
fn sniff_encoding(sample: &[u8], declared: &'static Encoding) -> &'static Encoding {
    if sample.is_ascii() {
        return declared;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => UTF_8,
        // Cut in the middle of a character at the end of the sample.
        Err(error) if error.error_len().is_none() => UTF_8,
        Err(_) if declared == UTF_8 => WINDOWS_1252,
        Err(_) => declared,
    }
}

/// A reader that drops the CR of every CRLF (a CR alone is kept), across
/// the boundaries of the reads beneath it.
struct CrlfToLf<R> {
    inner: R,
    /// A CR that ended the last read: kept until the next byte is known.
    held_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            held_cr: false,
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            // Leave room for a held CR that turns out not to start a CRLF.
            let start = usize::from(self.held_cr);
            let read = self.inner.read(&mut buf[start..])?;
            if read == 0 {
                if std::mem::take(&mut self.held_cr) {
                    buf[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            let end = start + read;
            if std::mem::take(&mut self.held_cr) {
                buf[0] = b'\r';
            }
            let mut written = 0;
            for index in 0..end {
                let byte = buf[index];
                if byte == b'\r' {
                    match buf.get(index + 1).filter(|_| index + 1 < end) {
                        Some(b'\n') => continue,
                        Some(_) => {}
                        None => {
                            self.held_cr = true;
                            continue;
                        }
                    }
                }
                buf[written] = byte;
                written += 1;
            }
            if written > 0 {
                return Ok(written);
            }
            // Only a held CR came: read on to learn what follows it.
        }
    }
}

fn csv_error(path: &Path, error: &csv::Error) -> ReadError {
    match error.kind() {
        csv::ErrorKind::Io(io_error) => ReadError::Io {
            file: path.to_owned(),
            source: io::Error::new(io_error.kind(), io_error.to_string()),
        },
        _ => ReadError::Malformed {
            file: path.to_owned(),
            line: error.position().map_or(0, csv::Position::line),
            message: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes a few at a time, so CRLFs fall across reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays_however_the_reads_fall() {
        for (input, expected) in [
            (&b"a\r\nb\r\n"[..], &b"a\nb\n"[..]),
            (b"a\rb\r\r\nc\r", b"a\rb\r\nc\r"),
            (b"\r", b"\r"),
            (b"\r\n\r\n", b"\n\n"),
            (b"", b""),
        ] {
            for chunk in [1, 2, 3, 64] {
                let mut out = Vec::new();
                CrlfToLf::new(Trickle(input, chunk))
                    .read_to_end(&mut out)
                    .expect("reads");
                assert_eq!(out, expected, "{input:?} in reads of {chunk}");
            }
        }
    }

    #[test]
    fn encodings_are_sniffed() {
        assert_eq!(sniff_encoding(b"plain", WINDOWS_1252), WINDOWS_1252);
        assert_eq!(sniff_encoding("RENÉE".as_bytes(), WINDOWS_1252), UTF_8);
        assert_eq!(sniff_encoding(b"REN\xc9E", WINDOWS_1252), WINDOWS_1252);
        assert_eq!(sniff_encoding(b"REN\xc9E", UTF_8), WINDOWS_1252);
        // A two-byte character cut by the end of the sample.
        assert_eq!(sniff_encoding(&"RENÉ".as_bytes()[..4], WINDOWS_1252), UTF_8);
    }
}
