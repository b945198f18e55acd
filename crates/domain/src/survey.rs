//! The words and the people of the office's work: survey questions (in
//! versions), scripts, the office's volunteers, and how a call list or turf
//! is set up (its script, the result codes its volunteers see, who it is
//! assigned to).
//!
//! Every rule here is a pure function both the laptop's store and the
//! registry execute, so the two never disagree: what a question version
//! is, when an edit makes a new one, whether an answer fits the version
//! asked, what a script reads once its fields are filled, who may take a
//! call marked for a language.
//!
//! A question's version never changes once made: every edit of its text or
//! answers makes the next version (a laptop cannot know whether another
//! laptop has answered the current one offline, so "edit in place while
//! unanswered" would mix answers). Answers name the version they were given
//! to. A question is retired, never deleted: its versions and answers stay.

use crate::contact::{Channel, ResultCode, SurveyAnswer, RESULT_CODES};
use crate::wire::Role;
use serde::{Deserialize, Serialize};

/// The most answers one question offers (they go on single keys).
pub const ANSWERS_MAX: usize = 9;
/// The longest a script's text may be.
pub const SCRIPT_TEXT_MAX: usize = 4_000;
/// The longest a question's text may be.
pub const QUESTION_TEXT_MAX: usize = 500;

/// One coded answer to a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerChoice {
    /// Short and stable (`strong`, `yes`): what is stored and exported.
    pub code: String,
    /// What the volunteer reads.
    pub label: String,
}

impl AnswerChoice {
    /// `CODE=LABEL` as typed on the command line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (code, label) = text
            .split_once('=')
            .ok_or_else(|| format!("answer {text:?} should look like CODE=LABEL, as yes=Yes"))?;
        let choice = Self {
            code: code.trim().to_ascii_lowercase(),
            label: label.trim().to_owned(),
        };
        check_code("answer code", &choice.code)?;
        check_text("the label of answer", &choice.code, &choice.label, 100)?;
        Ok(choice)
    }
}

/// A version of a survey question, as made on a coordinator's laptop and
/// kept by the registry. `(slug, version)` names it everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionRecord {
    pub slug: String,
    pub version: u32,
    pub text: String,
    pub answers: Vec<AnswerChoice>,
    /// Whether a volunteer may add an "other" note to their answer.
    #[serde(default)]
    pub other: bool,
    /// A retired question is no longer asked; its answers stay.
    #[serde(default)]
    pub retired: bool,
    pub recorded_at: String,
}

/// What a coordinator changes in an edit; `None` keeps what was there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionEdit {
    pub text: Option<String>,
    /// Answers to add, or whose labels change (by code).
    pub answers: Vec<AnswerChoice>,
    /// Codes no longer offered.
    pub drop: Vec<String>,
    pub other: Option<bool>,
}

fn check_code(what: &str, code: &str) -> Result<(), String> {
    let ok = (1..=24).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !code.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {code:?} should be 1 to 24 of a-z, 0-9 and '-' (as support, lean-no)"
        ))
    }
}

fn check_text(what: &str, whose: &str, text: &str, max: usize) -> Result<(), String> {
    let length = text.chars().count();
    if text.trim().is_empty() {
        return Err(format!("{what} {whose} is empty"));
    }
    if length > max {
        return Err(format!(
            "{what} {whose} is {length} characters; at most {max}"
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("{what} {whose} has a control character in it"));
    }
    Ok(())
}

/// A question's slug, checked: the name answers and scripts use for it.
pub fn check_slug(slug: &str) -> Result<(), String> {
    check_code("question slug", slug)
}

impl QuestionRecord {
    /// Checks the version on its own, naming what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        check_slug(&self.slug)?;
        if self.version == 0 {
            return Err(format!("question {}: versions start at 1", self.slug));
        }
        check_text(
            "the text of question",
            &self.slug,
            &self.text,
            QUESTION_TEXT_MAX,
        )?;
        if self.answers.is_empty() || self.answers.len() > ANSWERS_MAX {
            return Err(format!(
                "question {} has {} answers; a question offers 1 to {ANSWERS_MAX}",
                self.slug,
                self.answers.len()
            ));
        }
        for (index, answer) in self.answers.iter().enumerate() {
            check_code("answer code", &answer.code)?;
            check_text("the label of answer", &answer.code, &answer.label, 100)?;
            if self.answers[..index].iter().any(|a| a.code == answer.code) {
                return Err(format!(
                    "question {} offers the answer {} twice",
                    self.slug, answer.code
                ));
            }
        }
        Ok(())
    }

    /// Whether two records are the same version's words (retiring changes
    /// nothing else).
    pub fn same_words(&self, other: &Self) -> bool {
        self.slug == other.slug
            && self.version == other.version
            && self.text == other.text
            && self.answers == other.answers
            && self.other == other.other
    }

    /// The first version of a new question.
    pub fn new(
        slug: &str,
        text: &str,
        answers: Vec<AnswerChoice>,
        recorded_at: &str,
    ) -> Result<Self, String> {
        let record = Self {
            slug: slug.trim().to_ascii_lowercase(),
            version: 1,
            text: text.trim().to_owned(),
            answers,
            other: false,
            retired: false,
            recorded_at: recorded_at.to_owned(),
        };
        record.validate()?;
        Ok(record)
    }

    /// The next version: `self` (the latest) with `edit` applied. An edit
    /// that changes nothing, or of a retired question, is refused.
    pub fn edited(&self, edit: &QuestionEdit, recorded_at: &str) -> Result<Self, String> {
        if self.retired {
            return Err(format!(
                "question {} is retired; restore it before editing",
                self.slug
            ));
        }
        let mut next = self.clone();
        next.version = self.version + 1;
        next.recorded_at = recorded_at.to_owned();
        if let Some(text) = &edit.text {
            next.text = text.trim().to_owned();
        }
        for code in &edit.drop {
            let code = code.trim().to_ascii_lowercase();
            let before = next.answers.len();
            next.answers.retain(|answer| answer.code != code);
            if next.answers.len() == before {
                return Err(format!(
                    "question {} has no answer {code} to drop; its answers are {}",
                    self.slug,
                    self.codes()
                ));
            }
        }
        for answer in &edit.answers {
            match next.answers.iter_mut().find(|a| a.code == answer.code) {
                Some(existing) => existing.label = answer.label.clone(),
                None => next.answers.push(answer.clone()),
            }
        }
        if let Some(other) = edit.other {
            next.other = other;
        }
        if next.same_words(&Self {
            version: next.version,
            ..self.clone()
        }) {
            return Err(format!(
                "this edit changes nothing in question {} (version {})",
                self.slug, self.version
            ));
        }
        next.validate()?;
        Ok(next)
    }

    /// The same version, retired (or restored).
    pub fn retire(&self, retired: bool, recorded_at: &str) -> Self {
        Self {
            retired,
            recorded_at: recorded_at.to_owned(),
            ..self.clone()
        }
    }

    pub fn codes(&self) -> String {
        self.answers
            .iter()
            .map(|a| a.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn label(&self, code: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|a| a.code == code)
            .map(|a| a.label.as_str())
    }
}

/// Whether a version may be kept beside the versions already known for its
/// slug (`known`, any order): a version's words never change, and versions
/// follow one another. `Ok(true)` is new, `Ok(false)` a repeat (or a
/// retirement) of one already kept.
pub fn admit_version(known: &[QuestionRecord], record: &QuestionRecord) -> Result<bool, String> {
    record.validate()?;
    if let Some(same) = known.iter().find(|k| k.version == record.version) {
        if same.same_words(record) {
            return Ok(false);
        }
        return Err(format!(
            "version {} of question {} was already made with other words (on another laptop, first); \
             this edit was not kept: sync, then edit the question again",
            record.version, record.slug
        ));
    }
    let latest = known.iter().map(|k| k.version).max().unwrap_or(0);
    if record.version != latest + 1 {
        return Err(format!(
            "question {} version {} does not follow version {latest}",
            record.slug, record.version
        ));
    }
    Ok(true)
}

/// Checks one answer against the version it names (`asked`, looked up by
/// the answer's slug and version). Nothing is guessed: an answer that names
/// no version, or a version this office does not know, is refused.
pub fn check_answer(asked: Option<&QuestionRecord>, answer: &SurveyAnswer) -> Result<(), String> {
    let Some(version) = answer.version else {
        return Err(format!(
            "the answer to {} names no question version",
            answer.question
        ));
    };
    let Some(question) = asked.filter(|q| q.slug == answer.question && q.version == version) else {
        return Err(format!(
            "question {} version {version} is not known to this office (was it made on a laptop that has not synced?)",
            answer.question
        ));
    };
    if question.label(&answer.answer).is_none() {
        return Err(format!(
            "{:?} is not an answer to {} (version {version}); its answers are {}",
            answer.answer,
            answer.question,
            question.codes()
        ));
    }
    if answer.other.is_some() && !question.other {
        return Err(format!(
            "question {} (version {version}) takes no \"other\" note",
            answer.question
        ));
    }
    Ok(())
}

/// The questions every office has before a coordinator writes any: version
/// 1 of `support` (the 1-5 scale segments filter by) and `volunteer`. An
/// edit of either makes its version 2 like any other question.
pub fn standard_questions() -> Vec<QuestionRecord> {
    let choices = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(code, label)| AnswerChoice {
                code: (*code).to_owned(),
                label: (*label).to_owned(),
            })
            .collect()
    };
    vec![
        QuestionRecord {
            slug: crate::segment::SUPPORT_QUESTION.into(),
            version: 1,
            text: "Can we count on your support?".into(),
            answers: choices(&[
                ("strong", "Strong yes"),
                ("lean", "Leaning yes"),
                ("undecided", "Undecided"),
                ("lean-against", "Leaning no"),
                ("against", "Strong no"),
            ]),
            other: false,
            retired: false,
            recorded_at: "2026-01-01T00:00:00Z".into(),
        },
        QuestionRecord {
            slug: crate::segment::VOLUNTEER_QUESTION.into(),
            version: 1,
            text: "Would you volunteer?".into(),
            answers: choices(&[("yes", "Yes"), ("maybe", "Maybe")]),
            other: false,
            retired: false,
            recorded_at: "2026-01-01T00:00:00Z".into(),
        },
    ]
}

/// The script a list or turf with none attached reads.
pub const STANDARD_SCRIPT_NAME: &str = "Standard script";
pub const STANDARD_SCRIPT_TEXT: &str =
    "Hi, may I speak with {first_name}? My name is {volunteer}, a volunteer with the campaign, \
talking with neighbours about the election. Can we count on your support?";

/// A script: text read aloud, with fields filled in, and the questions
/// asked after it (by slug: the latest live version is asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRecord {
    pub script_id: String,
    pub name: String,
    pub text: String,
    pub questions: Vec<String>,
    #[serde(default)]
    pub retired: bool,
    pub recorded_at: String,
}

/// The fields a script's text may name, in braces.
pub const SCRIPT_FIELDS: [&str; 5] = ["first_name", "last_name", "name", "volunteer", "precinct"];

/// What a script's fields are filled with for one voter and volunteer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptFields<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub volunteer: &'a str,
    pub precinct: &'a str,
}

impl ScriptRecord {
    pub fn validate(&self) -> Result<(), String> {
        check_text("the name of script", &self.script_id, &self.name, 200)?;
        check_text(
            "the text of script",
            &self.name,
            &self.text,
            SCRIPT_TEXT_MAX,
        )?;
        for field in fields_of(&self.text) {
            if !SCRIPT_FIELDS.contains(&field) {
                return Err(format!(
                    "script {:?} names the field {{{field}}}; the fields are {}",
                    self.name,
                    SCRIPT_FIELDS.map(|f| format!("{{{f}}}")).join(", ")
                ));
            }
        }
        if self.questions.len() > 12 {
            return Err(format!(
                "script {:?} asks {} questions; at most 12",
                self.name,
                self.questions.len()
            ));
        }
        for (index, slug) in self.questions.iter().enumerate() {
            check_slug(slug)?;
            if self.questions[..index].contains(slug) {
                return Err(format!("script {:?} asks {slug} twice", self.name));
            }
        }
        Ok(())
    }

    /// The text with its fields filled in; a field with nothing to fill it
    /// reads as a blank line a volunteer can say over.
    pub fn fill(&self, fields: &ScriptFields<'_>) -> String {
        fill(&self.text, fields)
    }
}

/// The `{field}` names in a script's text.
fn fields_of(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(field, _)| field.trim()))
}

/// Fills a script's `{field}`s.
pub fn fill(text: &str, fields: &ScriptFields<'_>) -> String {
    let full = format!("{} {}", fields.first_name, fields.last_name);
    let value = |field: &str| -> Option<&str> {
        match field {
            "first_name" => Some(fields.first_name),
            "last_name" => Some(fields.last_name),
            "name" => Some(full.trim()),
            "volunteer" => Some(fields.volunteer),
            "precinct" => Some(fields.precinct),
            _ => None,
        }
    };
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                match value(after[..end].trim()) {
                    Some("") => out.push_str("___"),
                    Some(filled) => out.push_str(filled),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A volunteer of the office, as the coordinator keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerRecord {
    pub volunteer_id: String,
    pub name: String,
    /// A phone number or an email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub roles: Vec<Role>,
    /// Languages spoken besides English, as short codes (`es`, `vi`).
    pub languages: Vec<String>,
    /// The sign-in PIN's hash (a PHC string), if the coordinator set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    #[serde(default)]
    pub retired: bool,
    pub recorded_at: String,
}

/// A language code as typed (`ES`, `spanish`) in its short form.
pub fn language_code(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_lowercase();
    let code = match code.as_str() {
        "spanish" | "espanol" | "español" => "es".to_owned(),
        "vietnamese" => "vi".into(),
        "chinese" | "mandarin" => "zh".into(),
        "korean" => "ko".into(),
        "arabic" => "ar".into(),
        "french" | "haitian creole" => "fr".into(),
        _ => code,
    };
    let ok = (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase());
    if ok {
        Ok(code)
    } else {
        Err(format!(
            "{text:?} is not a language code; expected two or three letters, as es or vi"
        ))
    }
}

/// A sign-in PIN as typed: 4 to 8 digits.
pub fn check_pin(pin: &str) -> Result<(), String> {
    if (4..=8).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err("a PIN is 4 to 8 digits".into())
    }
}

impl VolunteerRecord {
    pub fn validate(&self) -> Result<(), String> {
        check_text("the name of volunteer", &self.volunteer_id, &self.name, 200)?;
        if let Some(contact) = &self.contact {
            check_text("the phone or email of", &self.name, contact, 200)?;
        }
        if self.roles.is_empty() {
            return Err(format!(
                "volunteer {:?} needs a role: canvasser, caller or coordinator",
                self.name
            ));
        }
        if self.roles.contains(&Role::Admin) {
            return Err(format!(
                "volunteer {:?}: admin is a registry operator's role, not a volunteer's",
                self.name
            ));
        }
        for language in &self.languages {
            if language_code(language).as_deref() != Ok(language.as_str()) {
                return Err(format!(
                    "volunteer {:?}: {language:?} is not a language code",
                    self.name
                ));
            }
        }
        Ok(())
    }

    pub fn speaks(&self, language: &str) -> bool {
        self.languages.iter().any(|l| l == language)
    }
}

/// A volunteer as the roster shows them (the PIN's hash never leaves the
/// laptop's store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerView {
    pub id: String,
    pub name: String,
    pub contact: Option<String>,
    pub roles: Vec<Role>,
    pub languages: Vec<String>,
    pub has_pin: bool,
    pub retired: bool,
}

impl From<&VolunteerRecord> for VolunteerView {
    fn from(record: &VolunteerRecord) -> Self {
        Self {
            id: record.volunteer_id.clone(),
            name: record.name.clone(),
            contact: record.contact.clone(),
            roles: record.roles.clone(),
            languages: record.languages.clone(),
            has_pin: record.pin.is_some(),
            retired: record.retired,
        }
    }
}

/// A script as the CLI and the Scripts view list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptView {
    pub id: String,
    pub name: String,
    pub text: String,
    pub questions: Vec<String>,
    pub retired: bool,
}

impl From<&ScriptRecord> for ScriptView {
    fn from(record: &ScriptRecord) -> Self {
        Self {
            id: record.script_id.clone(),
            name: record.name.clone(),
            text: record.text.clone(),
            questions: record.questions.clone(),
            retired: record.retired,
        }
    }
}

/// Whether a call marked for `needs` (a language code, or nothing) may be
/// handed to someone who speaks `languages`. The queue executes this rule:
/// a marked call waits for a speaker, however long, and nobody else sees it.
pub fn may_take(needs: Option<&str>, languages: &[String]) -> bool {
    match needs {
        None => true,
        Some(language) => languages.iter().any(|l| l == language),
    }
}

/// How a call list or turf is worked: its script, the result codes its
/// volunteers see (none listed: every code of the channel), and who it is
/// assigned to. One record per list or turf; the newest replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSetupRecord {
    pub work: crate::work::WorkKind,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volunteers: Vec<String>,
    pub recorded_at: String,
}

impl WorkSetupRecord {
    pub fn validate(&self) -> Result<(), String> {
        let channel = match self.work {
            crate::work::WorkKind::CallList => Channel::Phone,
            crate::work::WorkKind::Turf => Channel::Door,
            crate::work::WorkKind::Segment => {
                return Err("a segment is not worked; set up the list or turf made from it".into())
            }
        };
        for slug in &self.results {
            match ResultCode::find(slug) {
                Some(code) if code.applies_to(channel) && code.slug == slug => {}
                _ => {
                    return Err(format!(
                        "{slug:?} is not a {channel} result; the codes are {}",
                        ResultCode::for_channel(channel)
                            .map(|c| c.slug)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
        Ok(())
    }

    /// The codes a volunteer working it is offered, in the canonical order.
    /// A list always offers the codes whose consequences protect voters
    /// (do not call, hostile, wrong number...) whatever was chosen: a
    /// volunteer must always be able to record an opt-out.
    pub fn offered(&self, channel: Channel) -> Vec<&'static ResultCode> {
        RESULT_CODES
            .iter()
            .filter(|code| code.applies_to(channel))
            .filter(|code| {
                self.results.is_empty()
                    || self.results.iter().any(|slug| slug == code.slug)
                    || always_offered(code)
            })
            .collect()
    }
}

/// The codes no list can hide: every opt-out and the codes that take a
/// person or number off every list.
pub fn always_offered(code: &ResultCode) -> bool {
    use crate::contact::Effect;
    matches!(
        code.effect,
        Effect::DoNotContact(_)
            | Effect::SuppressPerson
            | Effect::Deceased
            | Effect::PhoneWrongForPerson
            | Effect::PhoneDisconnected
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn support() -> QuestionRecord {
        standard_questions().remove(0)
    }

    fn answer(question: &str, version: Option<u32>, code: &str) -> SurveyAnswer {
        SurveyAnswer {
            question: question.into(),
            answer: code.into(),
            version,
            other: None,
        }
    }

    #[test]
    fn an_edit_makes_the_next_version_and_says_what_is_wrong() {
        let now = "2026-12-01T12:00:00Z";
        let relabel = QuestionEdit {
            answers: vec![AnswerChoice::parse("lean=Leaning our way").expect("valid")],
            ..QuestionEdit::default()
        };
        let cases: [(QuestionEdit, Result<&str, &str>); 5] = [
            (
                QuestionEdit {
                    text: Some("Will you vote for Ada?".into()),
                    ..QuestionEdit::default()
                },
                Ok("Will you vote for Ada?"),
            ),
            (relabel, Ok("Can we count on your support?")),
            (
                QuestionEdit {
                    text: Some("Can we count on your support?".into()),
                    ..QuestionEdit::default()
                },
                Err("changes nothing"),
            ),
            (
                QuestionEdit {
                    drop: vec!["maybe".into()],
                    ..QuestionEdit::default()
                },
                Err("has no answer maybe to drop"),
            ),
            (
                QuestionEdit {
                    drop: support().answers.iter().map(|a| a.code.clone()).collect(),
                    ..QuestionEdit::default()
                },
                Err("has 0 answers"),
            ),
        ];
        for (edit, expected) in cases {
            match (support().edited(&edit, now), expected) {
                (Ok(next), Ok(text)) => {
                    assert_eq!(next.version, 2);
                    assert_eq!(next.text, text);
                    assert_eq!(next.recorded_at, now);
                }
                (Err(error), Err(expected)) => assert!(error.contains(expected), "{error}"),
                (got, expected) => panic!("{edit:?}: {got:?}, expected {expected:?}"),
            }
        }
        let retired = support().retire(true, now);
        assert!(retired.same_words(&support()));
        assert!(retired
            .edited(
                &QuestionEdit {
                    text: Some("x".into()),
                    ..QuestionEdit::default()
                },
                now
            )
            .is_err_and(|e| e.contains("retired")));
    }

    #[test]
    fn versions_follow_one_another_and_never_change_their_words() {
        let v1 = support();
        let v2 = v1
            .edited(
                &QuestionEdit {
                    text: Some("Will you vote for Ada?".into()),
                    ..QuestionEdit::default()
                },
                "2026-12-01T12:00:00Z",
            )
            .expect("edits");
        let rival = v1
            .edited(
                &QuestionEdit {
                    text: Some("Do you back Ada?".into()),
                    ..QuestionEdit::default()
                },
                "2026-12-01T12:00:01Z",
            )
            .expect("edits");
        let v3 = QuestionRecord {
            version: 3,
            ..v2.clone()
        };
        let cases: [(&[QuestionRecord], &QuestionRecord, Result<bool, &str>); 6] = [
            (&[], &v1, Ok(true)),
            (std::slice::from_ref(&v1), &v2, Ok(true)),
            (&[v1.clone(), v2.clone()], &v2, Ok(false)),
            (
                &[v1.clone(), v2.clone()],
                &v2.retire(true, "2026-12-02T00:00:00Z"),
                Ok(false),
            ),
            (
                &[v1.clone(), v2.clone()],
                &rival,
                Err("already made with other words"),
            ),
            (
                std::slice::from_ref(&v1),
                &v3,
                Err("does not follow version 1"),
            ),
        ];
        for (known, record, expected) in cases {
            match (admit_version(known, record), expected) {
                (Ok(got), Ok(expected)) => assert_eq!(got, expected, "{record:?}"),
                (Err(error), Err(expected)) => assert!(error.contains(expected), "{error}"),
                (got, expected) => panic!("{record:?}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn an_answer_must_fit_the_version_it_names() {
        let v1 = support();
        let cases: [(Option<&QuestionRecord>, SurveyAnswer, Result<(), &str>); 6] = [
            (Some(&v1), answer("support", Some(1), "strong"), Ok(())),
            (
                Some(&v1),
                answer("support", None, "strong"),
                Err("names no question version"),
            ),
            (
                None,
                answer("support", Some(2), "strong"),
                Err("version 2 is not known"),
            ),
            (
                Some(&v1),
                answer("support", Some(2), "strong"),
                Err("version 2 is not known"),
            ),
            (
                Some(&v1),
                answer("support", Some(1), "yes"),
                Err("its answers are strong, lean"),
            ),
            (
                Some(&v1),
                SurveyAnswer {
                    other: Some("cares about schools".into()),
                    ..answer("support", Some(1), "lean")
                },
                Err("takes no \"other\" note"),
            ),
        ];
        for (asked, given, expected) in cases {
            match (check_answer(asked, &given), expected) {
                (Ok(()), Ok(())) => {}
                (Err(error), Err(expected)) => assert!(error.contains(expected), "{error}"),
                (got, expected) => panic!("{given:?}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn scripts_fill_their_fields_and_name_unknown_ones() {
        let fields = ScriptFields {
            first_name: "Ada",
            last_name: "Lovelace",
            volunteer: "Sam",
            precinct: "P1",
        };
        let cases = [
            ("Hi {first_name}, I'm {volunteer}.", "Hi Ada, I'm Sam."),
            ("Is this {name}?", "Is this Ada Lovelace?"),
            ("{ first_name } in {precinct}", "Ada in P1"),
            ("a {brace without end", "a {brace without end"),
            ("{unknown} stays", "{unknown} stays"),
        ];
        for (text, expected) in cases {
            assert_eq!(fill(text, &fields), expected, "{text}");
        }
        assert_eq!(fill("I'm {volunteer}", &ScriptFields::default()), "I'm ___");
        let script = ScriptRecord {
            script_id: "s".into(),
            name: "Saturday".into(),
            text: "Hi {firstname}".into(),
            questions: vec!["support".into()],
            retired: false,
            recorded_at: "2026-12-01T12:00:00Z".into(),
        };
        assert!(script
            .validate()
            .is_err_and(|e| e.contains("{firstname}") && e.contains("{first_name}")));
    }

    #[test]
    fn a_list_can_hide_codes_but_never_an_opt_out() {
        let setup = WorkSetupRecord {
            work: crate::work::WorkKind::CallList,
            id: "l".into(),
            script_id: None,
            results: vec!["answered".into(), "no-answer".into()],
            volunteers: Vec::new(),
            recorded_at: "2026-12-01T12:00:00Z".into(),
        };
        setup.validate().expect("valid");
        let offered: Vec<&str> = setup
            .offered(Channel::Phone)
            .iter()
            .map(|c| c.slug)
            .collect();
        assert!(offered.contains(&"answered") && offered.contains(&"do-not-call"));
        assert!(!offered.contains(&"busy"));
        let door = WorkSetupRecord {
            results: vec!["answered".into()],
            work: crate::work::WorkKind::Turf,
            ..setup
        };
        assert!(door
            .validate()
            .is_err_and(|e| e.contains("not a door result")));
    }

    #[test]
    fn volunteers_and_languages_are_checked() {
        assert_eq!(language_code("Spanish").as_deref(), Ok("es"));
        assert_eq!(language_code(" VI ").as_deref(), Ok("vi"));
        assert!(language_code("e5").is_err());
        assert!(check_pin("1234").is_ok());
        assert!(check_pin("12a4").is_err() && check_pin("123").is_err());
        let volunteer = VolunteerRecord {
            volunteer_id: "v".into(),
            name: "Sam".into(),
            contact: None,
            roles: vec![Role::Admin],
            languages: Vec::new(),
            pin: None,
            retired: false,
            recorded_at: "2026-12-01T12:00:00Z".into(),
        };
        assert!(volunteer
            .validate()
            .is_err_and(|e| e.contains("registry operator")));
        assert!(may_take(None, &[]));
        assert!(!may_take(Some("es"), &[]));
        assert!(may_take(Some("es"), &["vi".into(), "es".into()]));
    }
}
