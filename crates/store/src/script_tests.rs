//! Questions in versions, scripts on lists, volunteers signing in, and the
//! language rule of the call queue, on a demo office.

use super::*;
use crate::{Caller, NewContact};
use groundgame_domain::survey::{may_take, QuestionEdit};
use groundgame_domain::wire::Role;
use groundgame_domain::{Channel, DncChannel, Scope, VoterId};
use proptest::prelude::*;

use crate::demo::office;

/// Early afternoon on the east coast: inside every list's calling hours.
fn afternoon() -> Timestamp {
    "2026-12-01T18:00:00Z".parse().expect("time")
}

fn answer(question: &str, code: &str) -> SurveyAnswer {
    SurveyAnswer {
        question: question.into(),
        answer: code.into(),
        version: None,
        other: None,
    }
}

fn some_voters(store: &Store, count: usize) -> Vec<VoterId> {
    let ids: Vec<String> = store
        .conn
        .prepare("SELECT voter_id FROM voters ORDER BY id LIMIT ?1")
        .expect("prepare")
        .query_map([count as i64], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids");
    ids.iter()
        .map(|id| VoterId::parse(id).expect("id"))
        .collect()
}

fn door(store: &mut Store, voter: &VoterId, answers: Vec<SurveyAnswer>) -> Result<(), StoreError> {
    let mut contact = NewContact::new(voter.clone(), Channel::Door, "canvassed");
    contact.answers = answers;
    store.record_contact(&contact, afternoon()).map(|_| ())
}

#[test]
fn an_edited_question_keeps_old_answers_on_their_version() {
    let mut store = office(200);
    let voters = some_voters(&store, 2);
    let yes_no = vec![
        AnswerChoice::parse("yes=Yes").expect("valid"),
        AnswerChoice::parse("no=No").expect("valid"),
    ];
    let v1 = store
        .add_question(
            "sign",
            "May we put a sign in your yard?",
            yes_no,
            false,
            afternoon(),
        )
        .expect("adds");
    assert_eq!(v1.version, 1);
    door(&mut store, &voters[0], vec![answer("sign", "yes")]).expect("records");
    let v2 = store
        .edit_question(
            "sign",
            &QuestionEdit {
                text: Some("May we put a sign on your lawn?".into()),
                answers: vec![AnswerChoice::parse("later=Ask me later").expect("valid")],
                ..QuestionEdit::default()
            },
            afternoon(),
        )
        .expect("edits");
    assert_eq!(v2.version, 2);
    door(&mut store, &voters[1], vec![answer("sign", "later")]).expect("records");
    // "later" is no answer to version 1, named explicitly.
    let old = SurveyAnswer {
        version: Some(1),
        ..answer("sign", "later")
    };
    let refused = door(&mut store, &voters[1], vec![old]).expect_err("not in v1");
    assert!(
        refused
            .to_string()
            .contains("not an answer to sign (version 1)"),
        "{refused}"
    );

    let given = |voter: &VoterId| {
        let history = store.contact_history(voter).expect("history");
        history[0].answers[0].clone()
    };
    let first = given(&voters[0]);
    assert_eq!(
        (first.version, first.text.as_str(), first.label.as_str()),
        (Some(1), "May we put a sign in your yard?", "Yes")
    );
    let second = given(&voters[1]);
    assert_eq!(
        (second.version, second.text.as_str(), second.label.as_str()),
        (Some(2), "May we put a sign on your lawn?", "Ask me later")
    );
    let versions: Vec<(String, u32)> = store
        .questions()
        .expect("questions")
        .into_iter()
        .map(|q| (q.slug, q.version))
        .collect();
    assert!(versions.contains(&("sign".into(), 1)) && versions.contains(&("sign".into(), 2)));
    assert!(
        versions.contains(&("support".into(), 1)),
        "the standard ones are there"
    );
    // Both versions wait in the outbox, in order, before the answers to them.
    let kinds: Vec<String> = store
        .conn
        .prepare("SELECT kind FROM outbox ORDER BY seq")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("kinds");
    let position = |kind: &str| kinds.iter().position(|k| k == kind).expect(kind);
    assert!(position("save_question") < position("record_contact"));
}

#[test]
fn bad_questions_and_answers_are_refused_with_what_would_do() {
    let mut store = office(100);
    let voter = some_voters(&store, 1).remove(0);
    let cases: [(Vec<SurveyAnswer>, &str); 4] = [
        (
            vec![answer("colour", "red")],
            "there is no question colour; the office's questions are support, volunteer",
        ),
        (
            vec![answer("support", "maybe")],
            "its answers are strong, lean, undecided, lean-against, against",
        ),
        (
            vec![answer("support", "lean"), answer("support", "strong")],
            "answered twice",
        ),
        (
            vec![SurveyAnswer {
                version: Some(7),
                ..answer("support", "lean")
            }],
            "support version 7 is not known",
        ),
    ];
    for (answers, expected) in cases {
        let error = door(&mut store, &voter, answers).expect_err(expected);
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(
        store.contact_history(&voter).expect("history").is_empty(),
        "nothing half-kept"
    );
    let again = store
        .add_question(
            "support",
            "Again?",
            vec![AnswerChoice::parse("y=Y").expect("ok")],
            false,
            afternoon(),
        )
        .expect_err("exists");
    assert!(
        again
            .to_string()
            .contains("already a question support (version 1)"),
        "{again}"
    );
    let nothing = store
        .edit_question("support", &QuestionEdit::default(), afternoon())
        .expect_err("no change");
    assert!(nothing.to_string().contains("changes nothing"), "{nothing}");
    store
        .retire_question("volunteer", true, afternoon())
        .expect("retires");
    let retired = door(&mut store, &voter, vec![answer("volunteer", "yes")]).expect_err("retired");
    assert!(retired.to_string().contains("retired"), "{retired}");
    let script = store
        .save_script(
            "Door",
            "Hi {first_name}",
            &["volunteer".into()],
            afternoon(),
        )
        .expect_err("retired question");
    assert!(script.to_string().contains("retired"), "{script}");
}

#[test]
fn a_signed_in_volunteer_is_named_on_every_result_and_the_script() {
    let mut store = office(300);
    let sam = store
        .add_volunteer(
            "Sam Rivera",
            &[Role::Caller],
            &["Spanish".into()],
            None,
            Some("4321"),
            afternoon(),
        )
        .expect("adds");
    assert_eq!(sam.languages, vec!["es".to_owned()]);
    assert!(sam.has_pin);
    let twin = store
        .add_volunteer("sam rivera", &[Role::Caller], &[], None, None, afternoon())
        .expect_err("same name");
    assert!(
        twin.to_string().contains("already a volunteer named"),
        "{twin}"
    );
    assert!(store
        .sign_in("Sam Rivera", None)
        .is_err_and(|e| e.to_string().contains("signs in with a PIN")));
    assert!(store
        .sign_in("Sam Rivera", Some("1111"))
        .is_err_and(|e| e.to_string().contains("not Sam Rivera's PIN")));
    let unknown = store.sign_in("Nobody", None).expect_err("unknown");
    assert!(
        unknown
            .to_string()
            .contains("the volunteers are: Sam Rivera"),
        "{unknown}"
    );
    let signed = store.sign_in("sam rivera", Some("4321")).expect("signs in");

    let list = store.call_lists().expect("lists")[0].id;
    store
        .save_script(
            "Saturday calls",
            "Hi {first_name}, this is {volunteer} from the campaign.",
            &["support".into()],
            afternoon(),
        )
        .expect("script");
    store
        .attach_script(
            WorkKind::CallList,
            list,
            Some("Saturday calls"),
            &["answered".into(), "no-answer".into()],
            afternoon(),
        )
        .expect("attaches");
    let caller = Caller {
        name: signed.name.clone(),
        languages: signed.languages.clone(),
    };
    let call = store
        .next_call(list, &caller, afternoon())
        .expect("queue")
        .expect("a call");
    let first: String = store
        .conn
        .query_row(
            "SELECT first_name FROM voters WHERE voter_id = ?1",
            [call.voter_id.as_str()],
            |row| row.get(0),
        )
        .expect("voter");
    assert_eq!(
        call.script.body,
        format!("Hi {first}, this is Sam Rivera from the campaign.")
    );
    assert_eq!(call.script.questions[0].slug, "support");
    assert_eq!(call.script.questions[0].version, 1);
    assert!(call.script.results.contains(&"answered".to_owned()));
    assert!(
        call.script.results.contains(&"do-not-call".to_owned()),
        "opt-outs always shown"
    );
    assert!(!call.script.results.contains(&"busy".to_owned()));

    let voter = VoterId::parse(&call.voter_id).expect("id");
    let mut contact = NewContact::new(voter.clone(), Channel::Phone, "answered");
    contact.call_item = Some(call.item_id);
    contact.answers = vec![answer("support", "lean")];
    contact.volunteer = Some(signed.id.clone());
    store
        .record_contact(&contact, afternoon())
        .expect("records");
    let entry = &store.contact_history(&voter).expect("history")[0];
    assert_eq!(entry.volunteer.as_deref(), Some("Sam Rivera"));
    assert_eq!(entry.volunteer_id.as_deref(), Some(signed.id.as_str()));
    assert_eq!(entry.answers[0].version, Some(1));

    store
        .edit_volunteer(
            "Sam Rivera",
            &crate::VolunteerChange {
                retired: Some(true),
                ..Default::default()
            },
            afternoon(),
        )
        .expect("retires");
    let mut again = NewContact::new(voter, Channel::Door, "not-home");
    again.volunteer = Some(signed.id);
    let refused = store
        .record_contact(&again, afternoon())
        .expect_err("retired");
    assert!(refused.to_string().contains("retired"), "{refused}");
}

#[test]
fn a_caller_laptop_cannot_write_the_offices_words() {
    let mut store = office(100);
    store
        .conn
        .execute(
            "INSERT INTO enrolment (id, registry_url, device_id, device_secret, device_name, campaign, office, role, enrolled_at) \
             VALUES (1, 'http://127.0.0.1:1', 'd', 's', 'Front desk', 'c', 'o', 'caller', '2026-12-01T00:00:00Z')",
            [],
        )
        .expect("enrol as a caller");
    let yes = vec![AnswerChoice::parse("yes=Yes").expect("ok")];
    let refusals = [
        store
            .add_question("sign", "Sign?", yes, false, afternoon())
            .map(|_| ()),
        store.save_script("S", "Hi", &[], afternoon()).map(|_| ()),
        store
            .add_volunteer("Ann", &[Role::Caller], &[], None, None, afternoon())
            .map(|_| ()),
    ];
    for refused in refusals {
        let error = refused.expect_err("a caller's laptop");
        assert!(
            error.to_string().contains("enrolled as a caller"),
            "{error}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// A call marked for a language goes only to a caller who speaks it,
    /// and waits (is never lost) until one does.
    #[test]
    fn a_language_marked_call_goes_only_to_a_speaker(
        marks in proptest::collection::vec(0u8..4, 40),
        first in proptest::collection::vec(0u8..3, 0..3),
        second in proptest::collection::vec(0u8..3, 0..3),
    ) {
        const LANGUAGES: [&str; 3] = ["es", "vi", "zh"];
        let mut store = office(400);
        let list = store.call_lists().expect("lists")[0].id;
        let items: Vec<i64> = store
            .conn
            .prepare("SELECT id FROM call_items WHERE call_list_id = ?1 ORDER BY position LIMIT 40")
            .expect("prepare")
            .query_map([list], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("items");
        for (item, mark) in items.iter().zip(&marks) {
            let language = LANGUAGES.get(usize::from(*mark)).copied().unwrap_or("");
            store
                .conn
                .execute("UPDATE call_items SET needs_language = ?2 WHERE id = ?1", rusqlite::params![item, language])
                .expect("mark");
        }
        let marked: Vec<(i64, String)> = store
            .conn
            .prepare("SELECT id, needs_language FROM call_items WHERE call_list_id = ?1 AND needs_language <> ''")
            .expect("prepare")
            .query_map([list], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("marked");
        let speakers = |picks: &[u8]| -> Vec<String> {
            picks.iter().map(|p| LANGUAGES[usize::from(*p)].to_owned()).collect()
        };
        let mut handed: Vec<(i64, Vec<String>)> = Vec::new();
        for (name, languages) in [("First", speakers(&first)), ("Second", speakers(&second)), ("Everyone", LANGUAGES.map(str::to_owned).to_vec())] {
            let caller = Caller { name: name.into(), languages: languages.clone() };
            while let Some(call) = store.next_call(list, &caller, afternoon()).expect("queue") {
                handed.push((call.item_id, languages.clone()));
                // Done with it, so the queue moves on.
                store
                    .conn
                    .execute("UPDATE call_items SET status = 'completed' WHERE id = ?1", [call.item_id])
                    .expect("complete");
            }
        }
        for (item, needs) in &marked {
            let to: Vec<&Vec<String>> = handed.iter().filter(|(i, _)| i == item).map(|(_, l)| l).collect();
            prop_assert_eq!(to.len(), 1, "marked item {} handed {} times", item, to.len());
            prop_assert!(may_take(Some(needs), to[0]), "{} needs {} but went to {:?}", item, needs, to[0]);
        }
    }
}

#[test]
fn what_a_signed_in_volunteer_records_names_them() {
    let mut store = office(200);
    let ana = store
        .add_volunteer("Ana Li", &[Role::Canvasser], &[], None, None, afternoon())
        .expect("adds");
    assert!(store.act_as(Some("not-on-the-roster")).is_err());
    store.act_as(Some(&ana.id)).expect("signs in");
    let voter = some_voters(&store, 1).remove(0);
    door(&mut store, &voter, Vec::new()).expect("records");
    store
        .add_dnc(
            Scope::Person,
            voter.as_str(),
            DncChannel::All,
            "voter asked",
            afternoon(),
        )
        .expect("opt-out");
    store
        .correct_voter_field(&voter, "best_time", "evenings", afternoon())
        .expect("corrected");
    let named: Vec<(String, Option<String>)> = store
        .pending_outbox(50)
        .expect("outbox")
        .into_iter()
        .filter_map(|entry| match entry.mutation {
            Mutation::RecordContact(c) => Some(("record_contact".to_owned(), c.volunteer)),
            Mutation::AddDnc(d) => Some(("add_dnc".to_owned(), d.volunteer)),
            Mutation::CorrectVoterField(c) => Some(("correct_voter_field".to_owned(), c.volunteer)),
            _ => None,
        })
        .collect();
    assert_eq!(named.len(), 3, "{named:?}");
    assert!(
        named
            .iter()
            .all(|(_, v)| v.as_deref() == Some(ana.id.as_str())),
        "{named:?}"
    );
    // A turf's script names the canvasser and leaves the voter's fields
    // for each door.
    store
        .save_script(
            "Doors",
            "Hi {first_name}, I'm {volunteer}.",
            &["support".into()],
            afternoon(),
        )
        .expect("script");
    let turf = store.turfs().expect("turfs")[0].id;
    store
        .attach_script(
            WorkKind::Turf,
            turf,
            Some("Doors"),
            &["canvassed".into()],
            afternoon(),
        )
        .expect("attached");
    let script = store.turf_script(turf, "Ana Li").expect("script");
    assert_eq!(script.body, "Hi {first_name}, I'm Ana Li.");
    assert_eq!(script.questions[0].slug, "support");
    assert!(script.results.contains(&"canvassed".to_owned()));
    assert!(script.results.contains(&"do-not-walk".to_owned()));
    assert!(!script.results.contains(&"not-home".to_owned()));
    store.act_as(None).expect("signs out");
    assert_eq!(store.acting(), None);
}

#[test]
fn an_other_note_is_kept_where_the_question_takes_one() {
    let mut store = office(100);
    let voter = some_voters(&store, 1).remove(0);
    store
        .add_question(
            "issue",
            "What matters most to you?",
            vec![
                AnswerChoice::parse("schools=Schools").expect("ok"),
                AnswerChoice::parse("other=Something else").expect("ok"),
            ],
            true,
            afternoon(),
        )
        .expect("adds");
    let given = SurveyAnswer {
        other: Some("the bus to town".into()),
        ..answer("issue", "other")
    };
    door(&mut store, &voter, vec![given]).expect("records");
    let kept = &store.contact_history(&voter).expect("history")[0].answers[0];
    assert_eq!(
        (kept.label.as_str(), kept.other.as_deref()),
        ("Something else", Some("the bus to town"))
    );
}
