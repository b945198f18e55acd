//! Any bytes as the snapshot stream, cut into chunks anywhere: the laptop's
//! line reader gives the same lines (and the same errors) however the
//! network cut them, and never panics.
#![no_main]

use groundgame_domain::snapshot::{LineError, LineReader, SnapshotLine};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Read {
    Line(SnapshotLine),
    Malformed,
    TooLong,
}

fn read(chunks: &[&[u8]]) -> Vec<Read> {
    let mut reader = LineReader::default();
    let mut lines = Vec::new();
    for chunk in chunks {
        reader.push(chunk);
        while let Some(line) = reader.next_line() {
            match line {
                Ok(line) => lines.push(Read::Line(line)),
                Err(LineError::Malformed(_)) => lines.push(Read::Malformed),
                Err(LineError::TooLong) => {
                    lines.push(Read::TooLong);
                    return lines;
                }
            }
        }
    }
    lines
}

fuzz_target!(|data: &[u8]| {
    let Some((&cuts, stream)) = data.split_first() else {
        return;
    };
    let whole = read(&[stream]);
    // Cut into pieces of a size the first byte sets.
    let size = usize::from(cuts).max(1);
    let pieces: Vec<&[u8]> = stream.chunks(size).collect();
    assert_eq!(read(&pieces), whole);
});
