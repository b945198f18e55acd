//! The named, versioned mutations a device records in its outbox and the
//! registry applies (sync brief, principle 1: devices send intent).
//!
//! Every mutation is self-contained: it names voters by their state voter id
//! and carries client-generated ids, so the registry can apply it exactly
//! once, whichever device or retry delivers it.

use crate::contact::{Channel, DncChannel, ResultCode, Scope, SurveyAnswer};
use crate::lease::{LeaseRef, LeaseTarget};
use crate::quality::BatchDecision;
use crate::results::GoalsRecord;
use crate::survey::{QuestionRecord, ScriptRecord, VolunteerRecord, WorkSetupRecord};
use crate::voter::VoterId;
use crate::wire::Role;
use crate::work::{CallItemsRecord, CallListRecord, SegmentRecord, TurfRecord, WorkStateRecord};
use serde::{Deserialize, Serialize};

/// The version of the mutation formats below; the registry keeps handlers for
/// older ones so an old client can always push what it holds.
pub const MUTATION_VERSION: u32 = 1;

/// The largest payload one mutation may carry, as JSON: a contact attempt
/// with a long note and every survey answer is a few kilobytes. Anything
/// bigger is refused rather than stored forever.
pub const MUTATION_MAX_BYTES: usize = 16 * 1024;

/// The largest a chunk of a call list's items may be.
pub const BULK_MUTATION_MAX_BYTES: usize = 256 * 1024;
/// The largest a turf with its doors may be (5,000 address keys).
pub const TURF_MUTATION_MAX_BYTES: usize = 512 * 1024;

/// The kinds of mutation, as named on the wire and in the registry's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationKind {
    RecordContact,
    AddDnc,
    ReverseDnc,
    CorrectVoterField,
    AddVoter,
    ScheduleCallback,
    ReleaseLease,
    SaveSegment,
    CreateCallList,
    AddCallItems,
    CreateTurf,
    SetWorkState,
    SaveQuestion,
    SaveScript,
    SaveVolunteer,
    SetUpWork,
    SetGoals,
    DecideBatch,
}

impl MutationKind {
    pub const ALL: [Self; 18] = [
        Self::RecordContact,
        Self::AddDnc,
        Self::ReverseDnc,
        Self::CorrectVoterField,
        Self::AddVoter,
        Self::ScheduleCallback,
        Self::ReleaseLease,
        Self::SaveSegment,
        Self::CreateCallList,
        Self::AddCallItems,
        Self::CreateTurf,
        Self::SetWorkState,
        Self::SaveQuestion,
        Self::SaveScript,
        Self::SaveVolunteer,
        Self::SetUpWork,
        Self::SetGoals,
        Self::DecideBatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecordContact => "record_contact",
            Self::AddDnc => "add_dnc",
            Self::ReverseDnc => "reverse_dnc",
            Self::CorrectVoterField => "correct_voter_field",
            Self::AddVoter => "add_voter",
            Self::ScheduleCallback => "schedule_callback",
            Self::ReleaseLease => "release_lease",
            Self::SaveSegment => "save_segment",
            Self::CreateCallList => "create_call_list",
            Self::AddCallItems => "add_call_items",
            Self::CreateTurf => "create_turf",
            Self::SetWorkState => "set_work_state",
            Self::SaveQuestion => "save_question",
            Self::SaveScript => "save_script",
            Self::SaveVolunteer => "save_volunteer",
            Self::SetUpWork => "set_up_work",
            Self::SetGoals => "set_goals",
            Self::DecideBatch => "decide_batch",
        }
    }

    /// The largest payload of this kind, as JSON.
    pub fn max_bytes(self) -> usize {
        match self {
            Self::AddCallItems => BULK_MUTATION_MAX_BYTES,
            Self::CreateTurf => TURF_MUTATION_MAX_BYTES,
            Self::RecordContact
            | Self::AddDnc
            | Self::ReverseDnc
            | Self::CorrectVoterField
            | Self::AddVoter
            | Self::ScheduleCallback
            | Self::ReleaseLease
            | Self::SaveSegment
            | Self::CreateCallList
            | Self::SetWorkState
            | Self::SaveQuestion
            | Self::SaveScript
            | Self::SaveVolunteer
            | Self::SetUpWork
            | Self::SetGoals
            | Self::DecideBatch => MUTATION_MAX_BYTES,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The roles whose devices may send this kind. The registry refuses the
    /// rest, and a laptop enrolled in another role refuses it locally, so
    /// the two never disagree. Lifting an opt-out is a coordinator's act:
    /// anyone may record one, few may undo it. Making the office's work
    /// (segments, call lists, turfs) is a coordinator's.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::ReverseDnc
            | Self::SaveSegment
            | Self::CreateCallList
            | Self::AddCallItems
            | Self::CreateTurf
            | Self::SetWorkState
            | Self::SaveQuestion
            | Self::SaveScript
            | Self::SaveVolunteer
            | Self::SetUpWork
            | Self::SetGoals
            | Self::DecideBatch => &[Role::Coordinator, Role::Admin],
            Self::RecordContact
            | Self::AddDnc
            | Self::CorrectVoterField
            | Self::AddVoter
            | Self::ScheduleCallback
            | Self::ReleaseLease => &Role::ALL,
        }
    }

    pub fn allowed(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// The format versions this build reads.
    pub fn versions(self) -> std::ops::RangeInclusive<u32> {
        1..=MUTATION_VERSION
    }

    /// What a person does by sending one, for refusals.
    pub fn action(self) -> &'static str {
        match self {
            Self::RecordContact => "record a contact attempt",
            Self::AddDnc => "add a do-not-contact entry",
            Self::ReverseDnc => "lift a do-not-contact entry",
            Self::CorrectVoterField => "correct a voter's record",
            Self::AddVoter => "add a person met at a door",
            Self::ScheduleCallback => "schedule a callback",
            Self::ReleaseLease => "release a call lease",
            Self::SaveSegment => "save a segment",
            Self::CreateCallList => "make a call list",
            Self::AddCallItems => "add calls to a call list",
            Self::CreateTurf => "cut a turf",
            Self::SetWorkState => "close or delete a list, turf or segment",
            Self::SaveQuestion => "write or edit a survey question",
            Self::SaveScript => "write or edit a script",
            Self::SaveVolunteer => "add or edit a volunteer",
            Self::SetUpWork => "attach a script to, or assign, a list or turf",
            Self::SetGoals => "set the office's daily goals",
            Self::DecideBatch => "approve, quarantine or release a volunteer's day of results",
        }
    }
}

impl std::fmt::Display for MutationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a pushed mutation cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A kind or version this build has no handler for (a newer app, or a
    /// registry that was not updated): answered as such, never guessed.
    #[error("this registry has no handler for {kind:?} version {version}; update the registry to a version that reads it")]
    UnknownFormat { kind: String, version: u32 },
    /// A known kind whose payload is not that kind's shape.
    #[error("this {kind} cannot be read: {detail}")]
    Malformed { kind: MutationKind, detail: String },
    #[error("this {kind} is {bytes} bytes; a mutation of its kind carries at most {max}", max = kind.max_bytes())]
    TooLarge { kind: MutationKind, bytes: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    RecordContact(ContactRecord),
    AddDnc(DncRecord),
    ReverseDnc(DncReversal),
    CorrectVoterField(VoterCorrection),
    AddVoter(AddedVoter),
    ScheduleCallback(CallbackRecord),
    ReleaseLease(LeaseRelease),
    SaveSegment(SegmentRecord),
    CreateCallList(CallListRecord),
    AddCallItems(CallItemsRecord),
    CreateTurf(TurfRecord),
    SetWorkState(WorkStateRecord),
    SaveQuestion(QuestionRecord),
    SaveScript(ScriptRecord),
    SaveVolunteer(VolunteerRecord),
    SetUpWork(WorkSetupRecord),
    SetGoals(GoalsRecord),
    DecideBatch(BatchDecision),
}

impl Mutation {
    pub fn mutation_kind(&self) -> MutationKind {
        match self {
            Self::RecordContact(_) => MutationKind::RecordContact,
            Self::AddDnc(_) => MutationKind::AddDnc,
            Self::ReverseDnc(_) => MutationKind::ReverseDnc,
            Self::CorrectVoterField(_) => MutationKind::CorrectVoterField,
            Self::AddVoter(_) => MutationKind::AddVoter,
            Self::ScheduleCallback(_) => MutationKind::ScheduleCallback,
            Self::ReleaseLease(_) => MutationKind::ReleaseLease,
            Self::SaveSegment(_) => MutationKind::SaveSegment,
            Self::CreateCallList(_) => MutationKind::CreateCallList,
            Self::AddCallItems(_) => MutationKind::AddCallItems,
            Self::CreateTurf(_) => MutationKind::CreateTurf,
            Self::SetWorkState(_) => MutationKind::SetWorkState,
            Self::SaveQuestion(_) => MutationKind::SaveQuestion,
            Self::SaveScript(_) => MutationKind::SaveScript,
            Self::SaveVolunteer(_) => MutationKind::SaveVolunteer,
            Self::SetUpWork(_) => MutationKind::SetUpWork,
            Self::SetGoals(_) => MutationKind::SetGoals,
            Self::DecideBatch(_) => MutationKind::DecideBatch,
        }
    }

    /// The name stored beside the payload, for queries and logs.
    pub fn kind(&self) -> &'static str {
        self.mutation_kind().as_str()
    }

    /// The voter the mutation is about, when it names one.
    pub fn voter_id(&self) -> Option<&VoterId> {
        match self {
            Self::RecordContact(contact) => Some(&contact.voter_id),
            Self::CorrectVoterField(correction) => Some(&correction.voter_id),
            Self::AddVoter(voter) => Some(&voter.voter_id),
            Self::ScheduleCallback(callback) => Some(&callback.voter_id),
            Self::AddDnc(_)
            | Self::ReverseDnc(_)
            | Self::ReleaseLease(_)
            | Self::SaveSegment(_)
            | Self::CreateCallList(_)
            | Self::AddCallItems(_)
            | Self::CreateTurf(_)
            | Self::SetWorkState(_)
            | Self::SaveQuestion(_)
            | Self::SaveScript(_)
            | Self::SaveVolunteer(_)
            | Self::SetUpWork(_)
            | Self::SetGoals(_)
            | Self::DecideBatch(_) => None,
        }
    }

    /// A pushed mutation as its typed form: the kind and version name the
    /// format, the payload must be that format's shape (a `kind` tag inside
    /// it, if any, must agree), and its size is capped. Nothing is guessed.
    pub fn decode(
        kind: &str,
        version: u32,
        payload: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        let known = MutationKind::parse(kind).filter(|known| known.versions().contains(&version));
        let Some(known) = known else {
            return Err(DecodeError::UnknownFormat {
                kind: kind.chars().take(64).collect(),
                version,
            });
        };
        let malformed = |detail: String| DecodeError::Malformed {
            kind: known,
            detail,
        };
        let bytes = serde_json::to_vec(payload).map_or(usize::MAX, |json| json.len());
        if bytes > known.max_bytes() {
            return Err(DecodeError::TooLarge { kind: known, bytes });
        }
        let mut object = payload
            .as_object()
            .cloned()
            .ok_or_else(|| malformed("the payload is not a JSON object".into()))?;
        match object.remove("kind") {
            None => {}
            Some(serde_json::Value::String(tag)) if tag == known.as_str() => {}
            Some(other) => {
                return Err(malformed(format!(
                    "the payload's kind is {other}, not {known}"
                )))
            }
        }
        object.insert("kind".into(), serde_json::Value::from(known.as_str()));
        serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|error| malformed(error.to_string()))
    }

    /// What the change was, in a line a volunteer recognises (the
    /// needs-attention list shows it).
    pub fn summary(&self) -> String {
        match self {
            Self::RecordContact(contact) => format!(
                "{} ({}) for {} at {}",
                contact.result, contact.channel, contact.voter_id, contact.recorded_at
            ),
            Self::AddDnc(entry) => format!(
                "do not contact by {} at {} {}",
                entry.channel.slug(),
                entry.scope.slug(),
                entry.target
            ),
            Self::ReverseDnc(reversal) => {
                format!("lift do-not-contact entry {}", reversal.entry_id)
            }
            Self::CorrectVoterField(correction) => format!(
                "{} of {} corrected to {:?}",
                correction.field, correction.voter_id, correction.value
            ),
            Self::AddVoter(voter) => format!(
                "{} {} added at {}",
                voter.first_name, voter.last_name, voter.household_address_key
            ),
            Self::ScheduleCallback(callback) => {
                format!("call {} back at {}", callback.voter_id, callback.due_at)
            }
            Self::ReleaseLease(release) => format!("done with {}", release.target),
            Self::SaveSegment(segment) => format!("segment {:?} saved", segment.name),
            Self::CreateCallList(list) => {
                format!("call list {:?} made with {} calls", list.name, list.items)
            }
            Self::AddCallItems(chunk) => format!(
                "{} calls from position {} of a call list",
                chunk.items.len(),
                chunk.first
            ),
            Self::CreateTurf(turf) => {
                format!("turf {:?} cut with {} doors", turf.name, turf.doors.len())
            }
            Self::SetWorkState(change) => format!(
                "{} {} {}",
                change.work.noun(),
                change.id,
                change.state.as_str()
            ),
            Self::SaveQuestion(question) => format!(
                "question {} version {}{}",
                question.slug,
                question.version,
                if question.retired { " retired" } else { "" }
            ),
            Self::SaveScript(script) => format!("script {:?} saved", script.name),
            Self::SaveVolunteer(volunteer) => format!("volunteer {:?} saved", volunteer.name),
            Self::SetUpWork(setup) => format!("{} {} set up", setup.work.noun(), setup.id),
            Self::SetGoals(goals) => format!(
                "daily goals: {} doors, {} calls, {} contacts; {} supporters",
                goals.doors_per_day, goals.calls_per_day, goals.contacts_per_day, goals.supporters
            ),
            Self::DecideBatch(decision) => format!(
                "the results of {} {}",
                decision.key(),
                decision.verdict.as_str()
            ),
        }
    }
}

/// A contact attempt: an append-only fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub attempt_id: String,
    pub voter_id: VoterId,
    pub channel: Channel,
    /// A result code's slug (`not-home`, `refused`, ...).
    pub result: String,
    pub phone: Option<String>,
    pub call_list: Option<String>,
    pub turf: Option<String>,
    pub answers: Vec<SurveyAnswer>,
    pub note: Option<String>,
    pub volunteer: Option<String>,
    /// RFC 3339, the device's wall clock when the result was recorded.
    pub recorded_at: String,
    /// The registry lease the call was made under, if the laptop held one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<LeaseRef>,
}

impl ContactRecord {
    /// What the registry checks of every attempt before keeping it: a
    /// result code of its channel, and a time recorded in UTC (the
    /// dashboards put every attempt on a calendar day by it).
    pub fn check(&self) -> Result<&'static ResultCode, String> {
        let code = ResultCode::find(&self.result)
            .filter(|code| code.applies_to(self.channel))
            .ok_or_else(|| format!("{:?} is not a {} result code", self.result, self.channel))?;
        if crate::results::epoch_seconds(&self.recorded_at).is_none() {
            return Err(format!(
                "recorded_at {:?} is not a UTC time such as 2026-11-03T18:02:11Z",
                self.recorded_at.chars().take(40).collect::<String>()
            ));
        }
        Ok(code)
    }
}

/// A do-not-contact entry. `target` is a voter id, a phone's ten digits, an
/// address key or a household's address key, by `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DncRecord {
    pub entry_id: String,
    pub scope: Scope,
    pub target: String,
    pub channel: DncChannel,
    /// Who or what asked: `voter request`, `result:hostile`, `state list`...
    pub source: String,
    pub recorded_at: String,
    /// The volunteer who recorded it (their roster id), if one was signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer: Option<String>,
}

/// The explicit event that lifts a do-not-contact entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DncReversal {
    pub reversal_id: String,
    pub entry_id: String,
    pub source: String,
    pub recorded_at: String,
}

/// A field of a voter corrected on this device; `base_version` is the
/// voter's version the device last saw, so the registry can tell a
/// concurrent edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterCorrection {
    pub correction_id: String,
    pub voter_id: VoterId,
    pub field: String,
    pub value: String,
    pub base_version: i64,
    pub recorded_at: String,
    /// The volunteer who recorded it (their roster id), if one was signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer: Option<String>,
}

/// A person met at the door and not found in the voter file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedVoter {
    pub voter_id: VoterId,
    pub household_address_key: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub recorded_at: String,
    /// The volunteer who recorded it (their roster id), if one was signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRecord {
    pub callback_id: String,
    pub voter_id: VoterId,
    pub phone: String,
    pub call_list: String,
    /// RFC 3339: when the call should come back.
    pub due_at: String,
    pub recorded_at: String,
}

/// The device is done with a target (the call's result is recorded): the
/// registry ends its lease if the epoch still matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRelease {
    pub target: LeaseTarget,
    pub epoch: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(kind: &str, version: u32, payload: serde_json::Value) -> Result<Mutation, String> {
        Mutation::decode(kind, version, &payload).map_err(|error| error.to_string())
    }

    #[test]
    fn pushed_mutations_decode_into_their_types_or_say_what_is_wrong() {
        let release = serde_json::json!({"target": "phone:9195550100", "epoch": 3});
        let cases: [(&str, u32, serde_json::Value, Result<&str, &str>); 9] = [
            ("release_lease", 1, release.clone(), Ok("release_lease")),
            (
                "release_lease",
                1,
                serde_json::json!({"kind": "release_lease", "target": "phone:9195550100", "epoch": 3}),
                Ok("release_lease"),
            ),
            (
                "release_lease",
                2,
                release.clone(),
                Err("no handler for \"release_lease\" version 2"),
            ),
            (
                "drop_tables",
                1,
                release.clone(),
                Err("no handler for \"drop_tables\" version 1"),
            ),
            (
                "release_lease",
                1,
                serde_json::json!({"kind": "add_dnc", "target": "phone:9195550100", "epoch": 3}),
                Err("the payload's kind is \"add_dnc\", not release_lease"),
            ),
            (
                "release_lease",
                1,
                serde_json::json!([1, 2]),
                Err("not a JSON object"),
            ),
            (
                "release_lease",
                1,
                serde_json::json!({"target": "phone:9195550100"}),
                Err("missing field `epoch`"),
            ),
            (
                "record_contact",
                1,
                serde_json::json!({"attempt_id": "a", "voter_id": "not a voter id!", "channel": "door",
                    "result": "not-home", "phone": null, "call_list": null, "turf": null, "answers": [],
                    "note": null, "volunteer": null, "recorded_at": "2026-12-01T12:00:00Z"}),
                Err("cannot be read"),
            ),
            (
                "add_dnc",
                1,
                serde_json::json!({"entry_id": "e", "scope": "person", "target": "x".repeat(MUTATION_MAX_BYTES),
                    "channel": "all", "source": "s", "recorded_at": "2026-12-01T12:00:00Z"}),
                Err("a mutation of its kind carries at most 16384"),
            ),
        ];
        for (kind, version, payload, expected) in cases {
            match (decoded(kind, version, payload), expected) {
                (Ok(mutation), Ok(expected)) => assert_eq!(mutation.kind(), expected),
                (Err(error), Err(expected)) => {
                    assert!(error.contains(expected), "{kind} v{version}: {error}")
                }
                (got, expected) => panic!("{kind} v{version}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn only_coordinators_and_admins_lift_an_opt_out_or_make_work() {
        for kind in MutationKind::ALL {
            assert_eq!(MutationKind::parse(kind.as_str()), Some(kind));
            for role in Role::ALL {
                let coordinators_only = matches!(
                    kind,
                    MutationKind::ReverseDnc
                        | MutationKind::SaveSegment
                        | MutationKind::CreateCallList
                        | MutationKind::AddCallItems
                        | MutationKind::CreateTurf
                        | MutationKind::SetWorkState
                        | MutationKind::SaveQuestion
                        | MutationKind::SaveScript
                        | MutationKind::SaveVolunteer
                        | MutationKind::SetUpWork
                        | MutationKind::SetGoals
                        | MutationKind::DecideBatch
                );
                let expected =
                    !coordinators_only || matches!(role, Role::Coordinator | Role::Admin);
                assert_eq!(kind.allowed(role), expected, "{kind} by {role:?}");
            }
        }
    }

    #[test]
    fn no_mutation_has_a_field_called_kind() {
        // The wire tags a mutation with `kind`; a payload field of that
        // name would make every such mutation unreadable.
        let turf = Mutation::CreateTurf(crate::work::TurfRecord {
            turf_id: "t".into(),
            name: "Sat P1-01".into(),
            precinct: Some("P1".into()),
            method: "cut".into(),
            segment: None,
            doors: vec!["1|MAIN ST||27601".into()],
            recorded_at: "2026-12-01T12:00:00Z".into(),
        });
        let state = Mutation::SetWorkState(crate::work::WorkStateRecord {
            work: crate::work::WorkKind::Turf,
            id: "t".into(),
            state: crate::work::WorkState::Closed,
            recorded_at: "2026-12-01T12:00:00Z".into(),
        });
        for mutation in [turf, state] {
            let json = serde_json::to_value(&mutation).expect("serialises");
            assert_eq!(
                serde_json::from_value::<Mutation>(json).expect("parses"),
                mutation
            );
        }
    }

    #[test]
    fn mutations_carry_their_kind_on_the_wire() {
        let mutation = Mutation::ReverseDnc(DncReversal {
            reversal_id: "r1".into(),
            entry_id: "e1".into(),
            source: "voter asked".into(),
            recorded_at: "2026-11-26T12:00:00Z".into(),
        });
        let json = serde_json::to_value(&mutation).expect("serialises");
        assert_eq!(json["kind"], mutation.kind());
        assert_eq!(
            serde_json::from_value::<Mutation>(json).expect("parses"),
            mutation
        );
    }
}
