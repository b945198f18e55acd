//! The initial snapshot: a device's whole scope as it stands, streamed as
//! one JSON line per row (see `docs/sync-protocol.md`, "Initial sync").

use crate::feed::{FeedContact, FeedDnc};
use crate::quality::BatchDecision;
use crate::results::GoalsRecord;
use crate::survey::{QuestionRecord, ScriptRecord, VolunteerRecord, WorkSetupRecord};
use crate::work::{CallItemsRecord, CallListRecord, SegmentRecord, TurfRecord, WorkState};
use serde::{Deserialize, Serialize};

/// The entities of a snapshot, in the order they stream: do-not-contact
/// first (the priority data), then the voter file, then the office's work
/// (segments, call lists with their items, turfs), then contact history
/// (after the work, so each attempt finds the list or turf it was made
/// from), then its questions, scripts, volunteers and how its lists and
/// turfs are set up, its goals and its decisions on batches.
pub const SNAPSHOT_ENTITIES: [&str; 16] = [
    "dnc_entry",
    "household",
    "voter",
    "phone",
    "vote",
    "segment",
    "call_list",
    "call_items",
    "turf",
    "attempt",
    "question",
    "script",
    "volunteer",
    "work_setup",
    "goals",
    "batch_decision",
];

/// Where contact history streamed before it moved after the office's work.
/// A download broken off there has none of the work yet; it resumes at the
/// work, and the attempts come again (each is stored once).
const EARLIER_ATTEMPTS: &str = "contact_attempt";

/// Separates the parts of a composite key (`voter_id`, `number`).
pub const KEY_SEPARATOR: char = '\u{1f}';

// Lines are written and read one at a time, never held in bulk, so the
// size difference costs nothing and boxing every row would.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum SnapshotLine {
    /// First: the feed position the snapshot is as of (pull from there once
    /// it is done) and about how many rows follow.
    Header { position: i64, rows: u64 },
    /// One row; `key` is where a resumed snapshot picks up after it.
    Row { key: String, row: SnapshotRow },
    /// Last: everything was sent.
    End,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum SnapshotRow {
    DncEntry(FeedDnc),
    Household(SnapshotHousehold),
    Voter(SnapshotVoter),
    Phone(SnapshotPhone),
    Vote(SnapshotVote),
    ContactAttempt(FeedContact),
    Segment(SegmentRecord),
    /// A call list as it stands (open or closed; deleted ones are not sent).
    CallList(SnapshotWork<CallListRecord>),
    CallItems(CallItemsRecord),
    Turf(SnapshotWork<TurfRecord>),
    Question(QuestionRecord),
    Script(ScriptRecord),
    Volunteer(VolunteerRecord),
    WorkSetup(WorkSetupRecord),
    Goals(GoalsRecord),
    BatchDecision(BatchDecision),
}

/// A list or turf with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotWork<T> {
    #[serde(flatten)]
    pub record: T,
    pub state: WorkState,
}

impl SnapshotRow {
    pub fn entity(&self) -> &'static str {
        match self {
            Self::DncEntry(_) => "dnc_entry",
            Self::Household(_) => "household",
            Self::Voter(_) => "voter",
            Self::Phone(_) => "phone",
            Self::Vote(_) => "vote",
            // The line's tag is still `contact_attempt`; the resume point
            // names the entity's place in the order.
            Self::ContactAttempt(_) => "attempt",
            Self::Segment(_) => "segment",
            Self::CallList(_) => "call_list",
            Self::CallItems(_) => "call_items",
            Self::Turf(_) => "turf",
            Self::Question(_) => "question",
            Self::Script(_) => "script",
            Self::Volunteer(_) => "volunteer",
            Self::WorkSetup(_) => "work_setup",
            Self::Goals(_) => "goals",
            Self::BatchDecision(_) => "batch_decision",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHousehold {
    pub address_key: String,
    pub house_number: Option<i64>,
    pub street: String,
    pub unit: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub precinct_code: Option<String>,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotVoter {
    pub voter_id: String,
    /// The household's address key; none when the state withholds it.
    pub household_key: Option<String>,
    pub last_name: String,
    pub first_name: String,
    pub middle_name: String,
    pub suffix: String,
    pub birth_year: Option<i32>,
    pub gender: String,
    pub party: String,
    pub status: String,
    /// ISO 8601 date.
    pub registered_on: Option<String>,
    pub confidential: bool,
    pub county: String,
    pub source: String,
    pub content_hash: i64,
    pub version: i64,
    pub removed: bool,
    pub language: String,
    pub best_time: String,
    /// Added at a door, not from a state file.
    pub added_at_door: bool,
    /// Confirmed by a coordinator (a report alone stays on the laptop that
    /// made it); absent from registries before the review queue.
    #[serde(default)]
    pub deceased: bool,
    #[serde(default)]
    pub moved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPhone {
    pub voter_id: String,
    pub number: String,
    pub status: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotVote {
    pub voter_id: String,
    /// ISO 8601 date.
    pub election_date: String,
    pub election_type: String,
    pub election_desc: String,
    pub method: String,
    pub party: String,
}

/// The longest snapshot line a device reads: a row is well under a
/// kilobyte, so a line this long is a broken or hostile stream, and the
/// device stops rather than buffer it without end.
pub const SNAPSHOT_LINE_MAX: usize = 1 << 20;

/// Why a snapshot line could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("a snapshot line is over {SNAPSHOT_LINE_MAX} bytes")]
    TooLong,
    #[error("a snapshot line: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// Splits the snapshot stream into lines as its chunks arrive, however the
/// network cut them, holding only the unread tail.
#[derive(Debug, Default)]
pub struct LineReader {
    buffer: Vec<u8>,
    start: usize,
}

impl LineReader {
    /// Adds the next chunk of the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        // Keep the unread tail only, so the buffer stays about a chunk big.
        self.buffer.drain(..self.start);
        self.start = 0;
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole line, or `None` until more of the stream arrives.
    pub fn next_line(&mut self) -> Option<Result<SnapshotLine, LineError>> {
        let pending = &self.buffer[self.start..];
        match pending.iter().position(|byte| *byte == b'\n') {
            Some(offset) if offset > SNAPSHOT_LINE_MAX => Some(Err(LineError::TooLong)),
            Some(offset) => {
                let line = &pending[..offset];
                let parsed = serde_json::from_slice(line).map_err(LineError::from);
                self.start += offset + 1;
                Some(parsed)
            }
            None if pending.len() > SNAPSHOT_LINE_MAX => Some(Err(LineError::TooLong)),
            None => None,
        }
    }

    /// Bytes received but not yet read as a line.
    pub fn pending(&self) -> usize {
        self.buffer.len() - self.start
    }
}

/// Where a snapshot resumes: after `key` of `entity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    pub entity: String,
    pub key: String,
}

impl ResumePoint {
    /// `entity:key`, as the query parameter carries it.
    pub fn parse(text: &str) -> Option<Self> {
        let (entity, key) = text.split_once(':')?;
        if entity == EARLIER_ATTEMPTS {
            return Some(Self {
                entity: "segment".into(),
                key: String::new(),
            });
        }
        SNAPSHOT_ENTITIES.contains(&entity).then(|| Self {
            entity: entity.to_owned(),
            key: key.to_owned(),
        })
    }

    pub fn encode(&self) -> String {
        format!("{}:{}", self.entity, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_resume_points_round_trip() {
        let line = SnapshotLine::Row {
            key: "AA1".into(),
            row: SnapshotRow::Phone(SnapshotPhone {
                voter_id: "AA1".into(),
                number: "9195550100".into(),
                status: "ok".into(),
                source: "file".into(),
            }),
        };
        let text = serde_json::to_string(&line).expect("serialises");
        assert_eq!(
            serde_json::from_str::<SnapshotLine>(&text).expect("parses"),
            line
        );
        let end = serde_json::to_string(&SnapshotLine::End).expect("serialises");
        assert_eq!(end, r#"{"line":"end"}"#);
        let point = ResumePoint::parse("voter:AA1").expect("a point");
        assert_eq!(point.encode(), "voter:AA1");
        assert!(ResumePoint::parse("turnips:1").is_none());
        assert!(ResumePoint::parse("voter").is_none());
    }

    #[test]
    fn attempts_stream_after_the_work_they_were_made_from() {
        let place = |entity: &str| SNAPSHOT_ENTITIES.iter().position(|e| *e == entity);
        for work in ["call_list", "call_items", "turf"] {
            assert!(place(work) < place("attempt"), "{work}");
        }
        for (n, entity) in SNAPSHOT_ENTITIES.iter().enumerate() {
            assert_eq!(place(entity), Some(n), "{entity} once");
        }
        // A download broken off among the attempts when they streamed before
        // the work resumes at the work: everything after it comes again.
        let point = ResumePoint::parse("contact_attempt:0190a0b0").expect("a point");
        assert_eq!(point.encode(), "segment:");
        assert!(place("segment") < place("attempt"));
        let attempt = SnapshotRow::ContactAttempt(crate::feed::FeedContact {
            record: crate::mutation::ContactRecord {
                attempt_id: "a1".into(),
                voter_id: crate::VoterId::parse("AA1").expect("id"),
                channel: crate::Channel::Door,
                result: "not-home".into(),
                phone: None,
                call_list: None,
                turf: None,
                answers: Vec::new(),
                note: None,
                volunteer: None,
                recorded_at: "2026-11-03T21:00:00Z".into(),
                lease: None,
            },
            hlc: "h".into(),
            device_id: "d".into(),
            flags: Vec::new(),
        });
        assert_eq!(place(attempt.entity()), place("attempt"));
        let text = serde_json::to_string(&attempt).expect("serialises");
        assert!(
            text.starts_with(r#"{"entity":"contact_attempt""#),
            "the line reads as before: {text}"
        );
    }

    /// Lines cut anywhere by the network read the same; a line without end
    /// stops the reader instead of filling memory.
    #[test]
    fn lines_read_the_same_however_the_stream_is_cut() {
        let stream = format!(
            "{}\n{}\n{}\n",
            r#"{"line":"header","position":7,"rows":1}"#,
            r#"{"line":"row","key":"AA1","row":{"entity":"phone","voter_id":"AA1","number":"9195550100","status":"ok","source":"file"}}"#,
            r#"{"line":"end"}"#
        );
        let bytes = stream.as_bytes();
        for cut in 0..bytes.len() {
            let mut reader = LineReader::default();
            let mut lines = Vec::new();
            for piece in [&bytes[..cut], &bytes[cut..]] {
                reader.push(piece);
                while let Some(line) = reader.next_line() {
                    lines.push(line.expect("a good line"));
                }
            }
            assert_eq!(lines.len(), 3, "cut at {cut}");
            assert_eq!(lines[2], SnapshotLine::End);
            assert_eq!(reader.pending(), 0);
        }
        let mut reader = LineReader::default();
        reader.push(b"{\"line\":");
        assert!(reader.next_line().is_none());
        reader.push(b"\"nonsense\"}\n");
        assert!(matches!(
            reader.next_line(),
            Some(Err(LineError::Malformed(_)))
        ));
        let mut reader = LineReader::default();
        reader.push(&vec![b' '; SNAPSHOT_LINE_MAX + 1]);
        assert!(matches!(reader.next_line(), Some(Err(LineError::TooLong))));
    }
}
