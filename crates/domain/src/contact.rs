//! Contact attempts and what their result codes mean.
//!
//! Every result code carries its consequences (field-office brief): its
//! contact class, the scope it applies to, what it suppresses, when the
//! target may be tried again and whether a coordinator must confirm it. The
//! store and the registry both act on this one table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a volunteer reached (or tried to reach) a voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Door,
    Phone,
    Text,
}

impl Channel {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Door => "door",
            Self::Phone => "phone",
            Self::Text => "text",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        match slug.trim().to_ascii_lowercase().as_str() {
            "door" | "walk" | "canvass" => Some(Self::Door),
            "phone" | "call" => Some(Self::Phone),
            "text" | "sms" => Some(Self::Text),
            _ => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// Whether the attempt reached the voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactClass {
    Contact,
    NonContact,
    /// The target is wrong (moved, deceased, bad number) or asked to be left alone.
    Remove,
}

/// What a do-not-contact entry, or a result's effect, applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Person,
    Phone,
    Address,
    Household,
}

impl Scope {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Phone => "phone",
            Self::Address => "address",
            Self::Household => "household",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        match slug {
            "person" => Some(Self::Person),
            "phone" => Some(Self::Phone),
            "address" => Some(Self::Address),
            "household" => Some(Self::Household),
            _ => None,
        }
    }
}

/// The channel a do-not-contact entry closes; `All` closes every channel and
/// is the most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DncChannel {
    Phone,
    Door,
    Text,
    All,
}

impl DncChannel {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Door => "door",
            Self::Text => "text",
            Self::All => "all",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        match slug {
            "phone" => Some(Self::Phone),
            "door" => Some(Self::Door),
            "text" => Some(Self::Text),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    /// Whether an entry on this channel forbids contact through `channel`.
    pub fn closes(self, channel: Channel) -> bool {
        matches!(
            (self, channel),
            (Self::All, _)
                | (Self::Phone, Channel::Phone)
                | (Self::Door, Channel::Door)
                | (Self::Text, Channel::Text)
        )
    }

    pub fn of(channel: Channel) -> Self {
        match channel {
            Channel::Door => Self::Door,
            Channel::Phone => Self::Phone,
            Channel::Text => Self::Text,
        }
    }
}

/// What recording a result does besides storing the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Survey answers, if any, are the point.
    RecordAnswers,
    /// Try again after the retry delay, up to the attempt limit.
    RetryLater,
    /// No further attempts in this effort (this call list or turf).
    EndEffort,
    /// Do-not-contact on every channel for the person.
    SuppressPerson,
    /// The address is marked bad (the voter moved).
    AddressBad,
    /// The person is suppressed everywhere.
    Deceased,
    /// That phone is wrong for this person only.
    PhoneWrongForPerson,
    /// That phone is dead for everyone who lists it.
    PhoneDisconnected,
    /// Not reachable this way; another channel may work.
    TryOtherChannel,
    /// Route to a volunteer who speaks the voter's language.
    NeedsLanguage,
    /// A callback is scheduled and the item comes back at that time.
    Callback,
    /// A do-not-contact entry for this channel, at the result's scope.
    DoNotContact(DncChannel),
}

/// One result code and its consequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResultCode {
    /// Stable across releases and devices; what the CLI and the wire use.
    pub slug: &'static str,
    pub label: &'static str,
    pub class: ContactClass,
    pub scope: Scope,
    pub effect: Effect,
    /// Hours before the same target may be tried again in this effort;
    /// `None` means never in this effort.
    pub retry_after_hours: Option<u32>,
    /// Whether a coordinator must confirm it before it changes the registry.
    pub needs_confirmation: bool,
    pub door: bool,
    pub phone: bool,
    /// The key that records it in the app (disposition shortcuts).
    pub key: char,
}

impl ResultCode {
    pub fn applies_to(&self, channel: Channel) -> bool {
        match channel {
            Channel::Door => self.door,
            Channel::Phone | Channel::Text => self.phone,
        }
    }

    /// Looks a code up by its slug (or a common spelling of it).
    pub fn find(slug: &str) -> Option<&'static ResultCode> {
        // A stored result is its slug already (every figure of a dashboard
        // looks one up per tally): only another spelling is rewritten.
        if let Some(code) = RESULT_CODES.iter().find(|code| code.slug == slug) {
            return Some(code);
        }
        let wanted = slug.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        RESULT_CODES.iter().find(|code| code.slug == wanted)
    }

    /// The codes a volunteer can pick on `channel`, in the order the app shows them.
    pub fn for_channel(channel: Channel) -> impl Iterator<Item = &'static ResultCode> {
        RESULT_CODES
            .iter()
            .filter(move |code| code.applies_to(channel))
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "a row of the table below, read positionally"
)]
const fn code(
    slug: &'static str,
    label: &'static str,
    class: ContactClass,
    scope: Scope,
    effect: Effect,
    retry_after_hours: Option<u32>,
    needs_confirmation: bool,
    (door, phone): (bool, bool),
    key: char,
) -> ResultCode {
    ResultCode {
        slug,
        label,
        class,
        scope,
        effect,
        retry_after_hours,
        needs_confirmation,
        door,
        phone,
        key,
    }
}

const DOOR: (bool, bool) = (true, false);
const PHONE: (bool, bool) = (false, true);
const BOTH: (bool, bool) = (true, true);

use ContactClass::{Contact, NonContact, Remove};

/// The standard codes (field-office brief), in display order.
#[rustfmt::skip]
pub const RESULT_CODES: &[ResultCode] = &[
    code("canvassed", "Canvassed", Contact, Scope::Person, Effect::RecordAnswers, None, false, DOOR, 'c'),
    code("answered", "Answered", Contact, Scope::Person, Effect::RecordAnswers, None, false, PHONE, 'a'),
    code("not-home", "Not home", NonContact, Scope::Household, Effect::RetryLater, Some(20), false, DOOR, 'n'),
    code("no-answer", "No answer", NonContact, Scope::Phone, Effect::RetryLater, Some(4), false, PHONE, 'n'),
    code("busy", "Busy", NonContact, Scope::Phone, Effect::RetryLater, Some(1), false, PHONE, 'b'),
    code("left-message", "Left message", NonContact, Scope::Person, Effect::RetryLater, Some(48), false, PHONE, 'm'),
    code("refused", "Refused", Contact, Scope::Person, Effect::EndEffort, None, false, BOTH, 'r'),
    code("hostile", "Hostile", Contact, Scope::Person, Effect::SuppressPerson, None, false, BOTH, 'h'),
    code("moved", "Moved", Remove, Scope::Address, Effect::AddressBad, None, true, BOTH, 'v'),
    code("deceased", "Deceased", Remove, Scope::Person, Effect::Deceased, None, true, BOTH, 'd'),
    code("wrong-number", "Wrong number", Remove, Scope::Phone, Effect::PhoneWrongForPerson, None, false, PHONE, 'w'),
    code("disconnected", "Disconnected", Remove, Scope::Phone, Effect::PhoneDisconnected, None, false, PHONE, 'x'),
    code("inaccessible", "Inaccessible (gate, dog)", NonContact, Scope::Address, Effect::TryOtherChannel, None, false, DOOR, 'i'),
    code("language", "Language barrier / Spanish", NonContact, Scope::Person, Effect::NeedsLanguage, Some(0), false, BOTH, 'l'),
    code("call-back", "Call back later", NonContact, Scope::Person, Effect::Callback, None, false, PHONE, 'k'),
    code("do-not-call", "Do not call", Remove, Scope::Phone, Effect::DoNotContact(DncChannel::Phone), None, false, PHONE, 'q'),
    code("do-not-walk", "Do not walk", Remove, Scope::Address, Effect::DoNotContact(DncChannel::Door), None, false, DOOR, 'q'),
    code("do-not-text", "Do not text", Remove, Scope::Phone, Effect::DoNotContact(DncChannel::Text), None, false, PHONE, 't'),
];

/// One answer to a survey question, by the question's slug, the version
/// that was asked, and the answer's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub question: String,
    pub answer: String,
    /// The question's version that was asked (`survey::QuestionRecord`).
    /// A laptop fills in the version it showed; the registry refuses an
    /// answer without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The volunteer's "other" note, where the question takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

impl SurveyAnswer {
    /// Parses `QUESTION=ANSWER` as typed on the command line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (question, answer) = text
            .split_once('=')
            .ok_or_else(|| format!("survey answer {text:?} should look like QUESTION=ANSWER"))?;
        let (question, answer) = (question.trim(), answer.trim());
        if question.is_empty() || answer.is_empty() {
            return Err(format!(
                "survey answer {text:?} needs both a question and an answer"
            ));
        }
        Ok(Self {
            question: question.to_ascii_lowercase(),
            answer: answer.to_ascii_lowercase(),
            version: None,
            other: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_findable() {
        for (index, code) in RESULT_CODES.iter().enumerate() {
            assert!(
                RESULT_CODES[index + 1..]
                    .iter()
                    .all(|other| other.slug != code.slug),
                "{} twice",
                code.slug
            );
            assert_eq!(ResultCode::find(code.slug), Some(code));
        }
        assert_eq!(
            ResultCode::find("Not Home").map(|c| c.slug),
            Some("not-home")
        );
        assert_eq!(
            ResultCode::find("wrong_number").map(|c| c.slug),
            Some("wrong-number")
        );
        assert!(ResultCode::find("vanished").is_none());
    }

    #[test]
    fn shortcut_keys_are_unique_per_channel() {
        for channel in [Channel::Door, Channel::Phone] {
            let keys: Vec<char> = ResultCode::for_channel(channel).map(|c| c.key).collect();
            for (index, key) in keys.iter().enumerate() {
                assert!(!keys[index + 1..].contains(key), "{key} twice on {channel}");
            }
        }
    }

    #[test]
    fn remove_codes_never_retry() {
        for code in RESULT_CODES
            .iter()
            .filter(|c| c.class == ContactClass::Remove)
        {
            assert_eq!(code.retry_after_hours, None, "{}", code.slug);
        }
    }

    #[test]
    fn all_is_the_most_restrictive_channel() {
        for channel in [Channel::Door, Channel::Phone, Channel::Text] {
            assert!(DncChannel::All.closes(channel));
            assert!(DncChannel::of(channel).closes(channel));
        }
        assert!(!DncChannel::Phone.closes(Channel::Door));
    }

    #[test]
    fn survey_answers_parse() {
        assert_eq!(
            SurveyAnswer::parse("Support=Strong").expect("valid"),
            SurveyAnswer {
                question: "support".into(),
                answer: "strong".into(),
                version: None,
                other: None,
            }
        );
        assert!(SurveyAnswer::parse("support").is_err());
        assert!(SurveyAnswer::parse("=yes").is_err());
    }
}
