//! The words and the people of the work (issue 13): questions, scripts and
//! volunteers made offline on a coordinator's laptop reach every laptop of
//! the office identically; a volunteer signed in on a caller's laptop works
//! calls, and every result on the registry and on both laptops names that
//! volunteer and the question versions answered; a question edited after
//! answers exist keeps the old answers on the old version; only a
//! coordinator's laptop may write them, and the registry refuses an answer
//! to a version it does not know.

use crate::fixture::{Campaign, Device};
use crate::hardening::push_one;
use groundgame_domain::mutation::{ContactRecord, Mutation};
use groundgame_domain::survey::{AnswerChoice, QuestionEdit, QuestionRecord};
use groundgame_domain::wire::{PushOutcome, Role};
use groundgame_domain::work::{CallListRules, WorkKind};
use groundgame_domain::{Channel, SurveyAnswer, VoterId};
use groundgame_store::{Caller, NewContact, ScriptView, SegmentFilter, Store, VolunteerView};

/// What a laptop holds of the office's words and people.
#[derive(Debug, PartialEq)]
struct Words {
    questions: Vec<QuestionRecord>,
    scripts: Vec<ScriptView>,
    volunteers: Vec<VolunteerView>,
    /// The list's script and volunteers, by list uid.
    setups: Vec<(Option<String>, Vec<String>, Vec<String>)>,
}

fn words_of(store: &Store) -> Words {
    Words {
        questions: store.questions().expect("questions"),
        scripts: store.scripts().expect("scripts"),
        volunteers: store.volunteers().expect("volunteers"),
        setups: store
            .call_lists()
            .expect("lists")
            .into_iter()
            .filter(|l| l.uid.is_some())
            .map(|l| {
                let assigned = store
                    .assigned(WorkKind::CallList, l.id)
                    .expect("assigned")
                    .into_iter()
                    .map(|v| v.name)
                    .collect();
                let script = store
                    .work_script(WorkKind::CallList, l.id)
                    .expect("script")
                    .into_iter()
                    .collect();
                (l.uid, script, assigned)
            })
            .collect(),
    }
}

fn held(device: &Device) -> Words {
    words_of(&device.store.lock().expect("store"))
}

fn answer(question: &str, code: &str) -> SurveyAnswer {
    SurveyAnswer {
        question: question.into(),
        answer: code.into(),
        version: None,
        other: None,
    }
}

/// Works `count` calls of `list` as `caller`, answering `sign` with
/// `sign`; returns the voters called.
fn work_calls(
    device: &Device,
    list: i64,
    caller: &Caller,
    volunteer: &str,
    sign: &str,
    count: usize,
) -> Vec<String> {
    let mut store = device.store.lock().expect("store");
    let mut called = Vec::new();
    for _ in 0..count {
        let call = store
            .next_call(list, caller, device.now())
            .expect("queue")
            .expect("a leased call");
        assert!(
            call.script.body.contains(&caller.name),
            "the volunteer's name is filled in: {}",
            call.script.body
        );
        assert!(!call.script.body.contains('{'), "{}", call.script.body);
        let mut contact = NewContact::new(
            VoterId::parse(&call.voter_id).expect("id"),
            Channel::Phone,
            "answered",
        );
        contact.call_item = Some(call.item_id);
        contact.answers = vec![answer("support", "lean"), answer("sign", sign)];
        contact.volunteer = Some(volunteer.to_owned());
        store
            .record_contact(&contact, device.now())
            .expect("recorded");
        called.push(call.voter_id);
    }
    called
}

#[tokio::test]
async fn words_and_people_made_offline_reach_the_office_and_name_every_result() {
    let campaign = Campaign::new(900).await;
    let north = campaign.precincts("North").await;
    let mut coordinator = campaign.fresh_device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator.sync().await;

    // Offline on the coordinator's laptop: volunteers, a question, a
    // script asking it, a list with the script attached and assigned.
    let list_uid = {
        let mut store = coordinator.store.lock().expect("store");
        let now = coordinator.now();
        store
            .add_volunteer(
                "Sam Rivera",
                &[Role::Caller],
                &["es".into()],
                None,
                None,
                now,
            )
            .expect("sam");
        store
            .add_volunteer(
                "Ana Li",
                &[Role::Canvasser, Role::Caller],
                &[],
                Some("ana@example.org"),
                Some("2468"),
                now,
            )
            .expect("ana");
        store
            .add_question(
                "sign",
                "May we put a sign in your yard?",
                vec![
                    AnswerChoice::parse("yes=Yes").expect("ok"),
                    AnswerChoice::parse("no=No").expect("ok"),
                ],
                false,
                now,
            )
            .expect("question");
        store
            .save_script(
                "Evening script",
                "Hi {first_name}, this is {volunteer} with the campaign.",
                &["support".into(), "sign".into()],
                now,
            )
            .expect("script");
        let made = store
            .create_call_list(
                "Evening calls",
                &SegmentFilter {
                    precincts: north.clone(),
                    ..SegmentFilter::default()
                },
                &CallListRules {
                    calling_start: 0,
                    calling_end: 24 * 60,
                    ..CallListRules::default()
                },
                now,
            )
            .expect("list");
        store
            .attach_script(
                WorkKind::CallList,
                made.id,
                Some("Evening script"),
                &[],
                now,
            )
            .expect("attached");
        store
            .assign(WorkKind::CallList, made.id, &["Sam Rivera".into()], now)
            .expect("assigned");
        made.uid
    };
    let report = coordinator.sync().await;
    assert_eq!((report.rejected, report.conflicts), (0, 0), "{report:?}");
    let mine = held(&coordinator);
    assert_eq!(mine.volunteers.len(), 2);
    assert_eq!(mine.scripts.len(), 1);
    assert_eq!(
        mine.setups,
        vec![(
            Some(list_uid.clone()),
            vec!["Evening script".to_owned()],
            vec!["Sam Rivera".to_owned()]
        )]
    );

    // A caller's new laptop downloads the office: the same words and people.
    let mut caller = campaign.fresh_device("North", Role::Caller).await;
    caller.options.lease_ahead = 0;
    caller.sync().await;
    assert_eq!(held(&caller), mine, "through the snapshot");
    let lists = caller
        .store
        .lock()
        .expect("store")
        .call_lists()
        .expect("lists");
    assert_eq!(
        lists[0].assigned,
        vec!["Sam Rivera".to_owned()],
        "whose it is"
    );
    // No other office sees any of it.
    let mut south = campaign.fresh_device("South", Role::Coordinator).await;
    south.options.lease_ahead = 0;
    south.sync().await;
    let theirs = held(&south);
    assert!(
        theirs.volunteers.is_empty() && theirs.scripts.is_empty(),
        "{theirs:?}"
    );
    assert!(!theirs.questions.iter().any(|q| q.slug == "sign"));

    // Sam signs in there and works calls (under the registry's leases).
    caller.options.lease_ahead = 4;
    caller.options.lease_seconds = 3_600;
    caller.sync().await;
    let sam = caller
        .store
        .lock()
        .expect("store")
        .sign_in("sam rivera", None)
        .expect("signs in");
    let ana = caller.store.lock().expect("store").sign_in("Ana Li", None);
    assert!(ana.is_err_and(|e| e.to_string().contains("PIN")));
    let list = caller
        .store
        .lock()
        .expect("store")
        .call_lists()
        .expect("lists")[0]
        .id;
    let as_sam = Caller {
        name: sam.name.clone(),
        languages: sam.languages.clone(),
    };
    let before_edit = work_calls(&caller, list, &as_sam, &sam.id, "yes", 2);
    let report = caller.sync().await;
    assert_eq!((report.rejected, report.conflicts), (0, 0), "{report:?}");

    // The coordinator edits the question after those answers: version 2.
    coordinator.sync().await;
    {
        let mut store = coordinator.store.lock().expect("store");
        let v2 = store
            .edit_question(
                "sign",
                &QuestionEdit {
                    text: Some("May we put a sign on your lawn?".into()),
                    answers: vec![AnswerChoice::parse("later=Ask me later").expect("ok")],
                    ..QuestionEdit::default()
                },
                coordinator.now(),
            )
            .expect("edits");
        assert_eq!(v2.version, 2);
    }
    coordinator.sync().await;
    caller.sync().await;
    let after_edit = work_calls(&caller, list, &as_sam, &sam.id, "later", 2);
    let report = caller.sync().await;
    assert_eq!((report.rejected, report.conflicts), (0, 0), "{report:?}");
    coordinator.sync().await;
    assert_eq!(
        held(&caller),
        held(&coordinator),
        "the edit reached the caller"
    );

    // On the registry and on both laptops, every result names Sam and the
    // version answered, with that version's words.
    for (voters, version, text) in [
        (&before_edit, 1, "May we put a sign in your yard?"),
        (&after_edit, 2, "May we put a sign on your lawn?"),
    ] {
        for voter in voters {
            let (volunteer, answers): (Option<String>, serde_json::Value) = sqlx::query_as(
                "SELECT volunteer, answers FROM contact_attempts WHERE campaign_id = $1 AND voter_id = $2",
            )
            .bind(campaign.id)
            .bind(voter)
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("on the registry");
            assert_eq!(volunteer.as_deref(), Some(sam.id.as_str()));
            let sign = answers
                .as_array()
                .and_then(|all| all.iter().find(|a| a["question"] == "sign"))
                .cloned()
                .expect("the sign answer");
            assert_eq!(sign["version"], version, "{answers}");
            for device in [&caller, &coordinator] {
                let history = device.history(voter);
                assert_eq!(history.len(), 1, "{voter} on {}", device.name);
                assert_eq!(history[0].volunteer.as_deref(), Some("Sam Rivera"));
                let given = history[0]
                    .answers
                    .iter()
                    .find(|a| a.question == "sign")
                    .expect("sign answered");
                assert_eq!((given.version, given.text.as_str()), (Some(version), text));
            }
        }
    }

    // A caller's laptop may not write a question: refused here...
    let refused = caller.store.lock().expect("store").add_question(
        "mine",
        "Mine?",
        vec![AnswerChoice::parse("y=Yes").expect("ok")],
        false,
        caller.now(),
    );
    assert!(refused.is_err_and(|e| e.to_string().contains("enrolled as a caller")));
    // ... and by the registry, from a client that skips the check.
    let question = Mutation::SaveQuestion(
        QuestionRecord::new(
            "mine",
            "Mine?",
            vec![AnswerChoice::parse("y=Yes").expect("ok")],
            &jiff::Timestamp::now().to_string(),
        )
        .expect("valid"),
    );
    let other_caller = campaign.device("North", Role::Caller).await;
    let pushed = push_one(&other_caller, 1, &question).await;
    assert_eq!(pushed.result, PushOutcome::Rejected, "{pushed:?}");
    assert!(
        pushed
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("may not write or edit a survey question")),
        "{pushed:?}"
    );

    // An answer to a version the registry does not know, or from a
    // volunteer not on the roster, is refused with the reason.
    let voter = campaign.voters_in("North").await[0].clone();
    let attempt = |answers: Vec<SurveyAnswer>, volunteer: Option<String>| {
        Mutation::RecordContact(ContactRecord {
            attempt_id: uuid::Uuid::now_v7().to_string(),
            voter_id: VoterId::parse(&voter).expect("id"),
            channel: Channel::Door,
            result: "canvassed".into(),
            phone: None,
            call_list: None,
            turf: None,
            answers,
            note: None,
            volunteer,
            recorded_at: jiff::Timestamp::now().to_string(),
            lease: None,
        })
    };
    let cases = [
        (
            attempt(
                vec![SurveyAnswer {
                    version: Some(9),
                    ..answer("sign", "yes")
                }],
                None,
            ),
            "question sign version 9 is not known to this office",
        ),
        (
            attempt(vec![answer("sign", "yes")], None),
            "names no question version",
        ),
        (
            attempt(
                vec![SurveyAnswer {
                    version: Some(1),
                    ..answer("sign", "later")
                }],
                None,
            ),
            "is not an answer to sign (version 1)",
        ),
        (
            attempt(Vec::new(), Some("someone-else".into())),
            "not on this office's roster",
        ),
    ];
    for (seq, (mutation, because)) in (1i64..).zip(cases) {
        let pushed = push_one(&other_caller, seq + 1, &mutation).await;
        assert_eq!(pushed.result, PushOutcome::Rejected, "{pushed:?}");
        assert!(
            pushed
                .reason
                .as_deref()
                .is_some_and(|r| r.contains(because)),
            "{because}: {pushed:?}"
        );
    }
}
