//! Any bytes as a voter file of any layout: the reader never panics, never
//! loops, and every bad row it reports names a line the file has.
#![no_main]

use groundgame_voterfile::generate::csv_mapping;
use groundgame_voterfile::{Layout, VoterFile};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, file)) = data.split_first() else {
        return;
    };
    let layout = match choice % 6 {
        0 => Layout::NcVoter,
        1 => Layout::NcHistory,
        2 => Layout::Ohio,
        3 => Layout::Florida,
        4 => Layout::FloridaHistory,
        _ => Layout::Mapped(Box::new(csv_mapping())),
    };
    let bytes = file.to_vec();
    let total = bytes.len() as u64;
    // A line as an editor counts them: LF, CRLF or a lone CR end one.
    let lines = 1
        + bytes.iter().filter(|byte| **byte == b'\n').count() as u64
        + bytes
            .windows(2)
            .filter(|pair| pair[0] == b'\r' && pair[1] != b'\n')
            .count() as u64
        + u64::from(bytes.last() == Some(&b'\r'));
    let Ok(mut reader) =
        VoterFile::from_reader(Path::new("fuzz.txt"), Cursor::new(bytes), total, &layout)
    else {
        return;
    };
    let mut rows = 0u64;
    while let Some(row) = reader.next_row() {
        rows += 1;
        assert!(rows <= lines, "more rows than lines");
        match row {
            Ok((line, _)) => assert!(line >= 1 && line <= lines, "row on line {line} of {lines}"),
            Err(error) => {
                if let Some(line) = error.line() {
                    assert!(
                        line >= 1 && line <= lines,
                        "{error} names line {line} of {lines}"
                    );
                }
                if !error.is_row_error() {
                    break;
                }
            }
        }
    }
});
