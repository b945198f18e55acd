use super::format::*;

/// A cheap cost: these tests are about the file, not the key's strength.
const TEST_COST: Cost = Cost {
    memory_kib: 64,
    passes: 1,
    lanes: 1,
};

fn passphrase() -> Passphrase {
    Passphrase::new("correct horse battery staple".into()).expect("long enough")
}

fn contents() -> Contents {
    Contents {
        created_at: "2026-12-02T05:00:00Z".into(),
        registry_version: "0.1.0".into(),
        migrations: vec![MigrationStamp {
            version: 1,
            checksum: "ab".into(),
        }],
        tables: vec![TableShape {
            name: "voters".into(),
            columns: vec!["id".into(), "name".into()],
        }],
        sequences: vec![SequenceValue {
            name: "voters_id_seq".into(),
            last_value: 7,
        }],
    }
}

/// Incompressible rows, so the sealed body spans several chunks.
fn noise(len: usize) -> Vec<u8> {
    use rand::{RngCore, SeedableRng};
    let mut bytes = vec![0_u8; len];
    rand::rngs::StdRng::seed_from_u64(7).fill_bytes(&mut bytes);
    bytes
}

fn frames(rows: usize) -> Vec<Frame> {
    let mut frames = vec![Frame::Begin(contents()), Frame::Table("voters".into())];
    let data = noise(rows);
    for piece in data.chunks(ROWS_FRAME) {
        frames.push(Frame::Rows(piece.to_vec()));
    }
    frames.push(Frame::TableEnd(rows as u64));
    frames.push(Frame::End);
    frames
}

fn write(frames: &[Frame]) -> Vec<u8> {
    let mut writer = Writer::new(&passphrase(), TEST_COST).expect("writer");
    let mut file = Vec::new();
    for frame in frames {
        writer.write_frame(frame).expect("frame");
        file.extend(writer.take_output());
    }
    file.extend(writer.finish().expect("finish"));
    file
}

/// Reads `file` in pieces of `piece` bytes, as a download arrives.
fn read(file: &[u8], piece: usize, passphrase: &str) -> Result<Vec<Frame>, FormatError> {
    let mut reader = Reader::new(Passphrase::for_opening(passphrase.into()));
    let mut frames = Vec::new();
    for bytes in file.chunks(piece.max(1)) {
        frames.extend(reader.feed(bytes)?);
    }
    frames.extend(reader.finish()?);
    Ok(frames)
}

const RIGHT: &str = "correct horse battery staple";

#[test]
fn what_is_written_reads_back_whatever_the_pieces_it_arrives_in() {
    for rows in [0, 10, CHUNK - 100, 3 * CHUNK + 17] {
        let frames = frames(rows);
        let file = write(&frames);
        for piece in [1 << 16, 7919, CHUNK + 16, file.len()] {
            assert_eq!(
                read(&file, piece, RIGHT).expect("reads"),
                frames,
                "{rows} bytes of rows, read {piece} at a time"
            );
        }
    }
}

#[test]
fn a_backup_never_holds_its_rows_in_clear() {
    let mut frames = frames(0);
    frames.insert(
        2,
        Frame::Rows(b"1\tAda Lovelace\t12 Main St\n".repeat(1000)),
    );
    let file = write(&frames);
    let text = String::from_utf8_lossy(&file);
    assert!(!text.contains("Lovelace"));
    assert!(!text.contains("voters"));
}

#[test]
fn a_cut_off_backup_is_refused_wherever_it_was_cut() {
    let file = write(&frames(3 * CHUNK + 17));
    let chunk = CHUNK + 16;
    let cuts = [
        0,
        5,
        HEADER_LEN - 1,
        HEADER_LEN,
        HEADER_LEN + 1,
        HEADER_LEN + chunk,
        HEADER_LEN + chunk + 1,
        HEADER_LEN + 3 * chunk,
        file.len() / 2,
        file.len() - 1,
    ];
    for cut in cuts {
        let error = read(&file[..cut], 1 << 16, RIGHT).expect_err("a cut file is refused");
        assert!(
            matches!(
                error,
                FormatError::CutOff(_) | FormatError::Damaged(_) | FormatError::NotABackup
            ),
            "cut at {cut} of {}: {error:?}",
            file.len()
        );
        if cut >= HEADER_LEN && (cut - HEADER_LEN) % chunk == 0 {
            assert!(
                matches!(error, FormatError::CutOff(_)),
                "cut at a chunk boundary {cut}: {error:?}"
            );
        }
    }
}

#[test]
fn an_altered_or_reordered_backup_is_refused() {
    let file = write(&frames(3 * CHUNK + 17));
    let chunk = CHUNK + 16;
    // A flipped bit anywhere past the header's passphrase check.
    for at in [HEADER_LEN, HEADER_LEN + chunk + 3, file.len() - 1] {
        let mut altered = file.clone();
        altered[at] ^= 0x40;
        assert!(
            matches!(read(&altered, 1 << 16, RIGHT), Err(FormatError::Damaged(_))),
            "bit flipped at {at}"
        );
    }
    // The salt or nonce changed: another key or nonce, so nothing opens.
    for at in [21, 40] {
        let mut altered = file.clone();
        altered[at] ^= 1;
        assert!(read(&altered, 1 << 16, RIGHT).is_err(), "header byte {at}");
    }
    // Two chunks swapped.
    let mut swapped = file[..HEADER_LEN].to_vec();
    swapped.extend_from_slice(&file[HEADER_LEN + chunk..HEADER_LEN + 2 * chunk]);
    swapped.extend_from_slice(&file[HEADER_LEN..HEADER_LEN + chunk]);
    swapped.extend_from_slice(&file[HEADER_LEN + 2 * chunk..]);
    assert_eq!(
        read(&swapped, 1 << 16, RIGHT),
        Err(FormatError::Damaged(HEADER_LEN as u64))
    );
    // A chunk dropped from the middle.
    let mut dropped = file[..HEADER_LEN + chunk].to_vec();
    dropped.extend_from_slice(&file[HEADER_LEN + 2 * chunk..]);
    assert!(matches!(
        read(&dropped, 1 << 16, RIGHT),
        Err(FormatError::Damaged(_))
    ));
}

#[test]
fn the_wrong_passphrase_is_named_as_such() {
    let file = write(&frames(10));
    assert_eq!(
        read(&file, 1 << 16, "correct horse battery stapler"),
        Err(FormatError::WrongPassphrase)
    );
}

#[test]
fn what_is_not_a_backup_is_named_as_such() {
    assert_eq!(
        read(b"PGDMP\x01\x0e\x00 a pg_dump file", 4, RIGHT),
        Err(FormatError::NotABackup)
    );
    let mut future = write(&frames(10));
    future[8] = 9;
    assert_eq!(
        read(&future, 1 << 16, RIGHT),
        Err(FormatError::UnknownFormat(9))
    );
    // A header that asks for a day of key derivation.
    let mut costly = write(&frames(10));
    costly[13..17].copy_from_slice(&10_000_u32.to_be_bytes());
    assert!(matches!(
        read(&costly, 1 << 16, RIGHT),
        Err(FormatError::BadCost(_))
    ));
}

#[test]
fn a_stream_without_its_end_mark_is_not_a_whole_backup() {
    let mut frames = frames(10);
    frames.pop();
    let file = write(&frames);
    assert_eq!(
        read(&file, 1 << 16, RIGHT),
        Err(FormatError::BadContents("it has no end mark".into()))
    );
    let mut after = self::frames(10);
    after.push(Frame::Table("more".into()));
    assert_eq!(
        read(&write(&after), 1 << 16, RIGHT),
        Err(FormatError::BadContents(
            "there is data after its end mark".into()
        ))
    );
}

#[test]
fn a_short_passphrase_cannot_seal_a_backup() {
    assert_eq!(
        Passphrase::new("hunter2".into()).map(drop),
        Err(FormatError::PassphraseTooShort)
    );
    assert!(Passphrase::new("twelve chars".into()).is_ok());
}
