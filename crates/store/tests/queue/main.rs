//! The call queue never hands out a forbidden target: a property test over
//! random offices, opt-outs, results and times, checked against a model of
//! the rules kept here, apart from the store's SQL.

use groundgame_domain::{Channel, DncChannel, PhoneNumber, Scope, VoterId};
use groundgame_store::{CallListRules, Caller, ImportOptions, NewContact, SegmentFilter, Store};
use groundgame_voterfile::{Layout, Mapping, VoterFile};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

const STATES: &[(&str, &str)] = &[
    ("NC", "America/New_York"),
    ("TX", "America/Chicago"),
    ("CA", "America/Los_Angeles"),
    ("HI", "Pacific/Honolulu"),
];
const PHONES: &[&str] = &[
    "9195550101",
    "9195550102",
    "9195550103",
    "2145550104",
    "4155550105",
    "555",
];

#[derive(Debug, Clone)]
struct Person {
    state: usize,
    phone: usize,
    house: usize,
}

#[derive(Debug, Clone)]
enum Setup {
    Dnc {
        scope: Scope,
        voter: usize,
        channel: DncChannel,
        reverse: bool,
    },
    Result {
        voter: usize,
        result: &'static str,
        minutes_ago: i64,
    },
}

fn person() -> impl Strategy<Value = Person> {
    (0..STATES.len(), 0..PHONES.len(), 0..4_usize).prop_map(|(state, phone, house)| Person {
        state,
        phone,
        house,
    })
}

fn setup(voters: usize) -> impl Strategy<Value = Setup> {
    let scope = prop_oneof![
        Just(Scope::Person),
        Just(Scope::Phone),
        Just(Scope::Address)
    ];
    let channel = prop_oneof![
        Just(DncChannel::Phone),
        Just(DncChannel::Door),
        Just(DncChannel::All),
        Just(DncChannel::Text)
    ];
    let result = prop_oneof![
        Just("no-answer"),
        Just("answered"),
        Just("wrong-number"),
        Just("disconnected"),
        Just("hostile"),
        Just("deceased"),
        Just("moved"),
        Just("refused"),
        Just("do-not-call")
    ];
    prop_oneof![
        (scope, 0..voters, channel, any::<bool>()).prop_map(|(scope, voter, channel, reverse)| {
            Setup::Dnc {
                scope,
                voter,
                channel,
                reverse,
            }
        }),
        (0..voters, result, 0..600_i64).prop_map(|(voter, result, minutes_ago)| Setup::Result {
            voter,
            result,
            minutes_ago
        }),
    ]
}

/// People, what happened before the list was built, the minute of the day
/// calling starts, and the calls worked (result, minutes since the last).
type World = (Vec<Person>, Vec<Setup>, i64, Vec<(&'static str, i64)>);

fn world() -> impl Strategy<Value = World> {
    prop::collection::vec(person(), 2..12).prop_flat_map(|people| {
        let n = people.len();
        (
            Just(people),
            prop::collection::vec(setup(n), 0..10),
            0..(24 * 60_i64),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("no-answer"),
                        Just("busy"),
                        Just("answered"),
                        Just("wrong-number")
                    ],
                    0..400_i64,
                ),
                1..30,
            ),
        )
    })
}

fn voter_id(index: usize) -> VoterId {
    VoterId::parse(&format!("PT{index:04}")).expect("id")
}

fn load(people: &[Person]) -> Store {
    let mut csv = String::from("id,last,first,street,city,state,zip,phone\n");
    for (index, p) in people.iter().enumerate() {
        let (state, _) = STATES[p.state];
        // One ZIP per state and house: a household never spans two states.
        csv.push_str(&format!(
            "PT{index:04},DOE,ANN,{} MAIN ST,TOWN,{state},{}{}000,{}\n",
            100 + p.house,
            p.state + 1,
            p.house,
            PHONES[p.phone]
        ));
    }
    let mapping = Mapping::from_json(
        r#"{"name": "proptest", "columns": {"voter_id": "id", "last_name": "last", "first_name": "first",
            "street_line": "street", "city": "city", "state": "state", "zip": "zip", "phone": "phone"}}"#,
    )
    .expect("mapping");
    let layout = Layout::Mapped(Box::new(mapping));
    let bytes = csv.into_bytes();
    let total = bytes.len() as u64;
    let file = VoterFile::from_reader(
        Path::new("proptest.csv"),
        std::io::Cursor::new(bytes),
        total,
        &layout,
    )
    .expect("opens");
    let mut store = Store::open_in_memory().expect("store");
    store
        .import(
            file,
            &layout,
            ImportOptions::default(),
            Timestamp::UNIX_EPOCH,
            |_| {},
        )
        .expect("imports");
    store
}

/// What the model knows, from what the test did.
#[derive(Default)]
struct Model {
    person_dnc: HashSet<usize>,
    phone_dnc: HashSet<&'static str>,
    address_dnc: HashSet<(usize, usize)>,
    wrong: HashSet<(usize, &'static str)>,
    disconnected: HashSet<&'static str>,
    gone: HashSet<usize>,
    last_attempt: HashMap<usize, Timestamp>,
    attempts: HashMap<i64, i64>,
}

fn local_minutes(zone: &str, at: Timestamp) -> i64 {
    let local = at.to_zoned(TimeZone::get(zone).expect("zone"));
    i64::from(local.hour()) * 60 + i64::from(local.minute())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_queue_never_yields_a_forbidden_target((people, setups, start_minute, calls) in world()) {
        let mut store = load(&people);
        let base: Timestamp = "2026-11-03T00:00:00Z".parse().expect("time");
        let now = base + SignedDuration::from_mins(start_minute);
        let rules = CallListRules::default();
        let mut model = Model::default();
        let phone_of = |voter: usize| PHONES[people[voter].phone];
        let address_of = |voter: usize| (people[voter].house, people[voter].state);
        for step in &setups {
            match step {
                Setup::Dnc { scope, voter, channel, reverse } => {
                    let target = match scope {
                        Scope::Phone => phone_of(*voter).to_owned(),
                        _ => voter_id(*voter).as_str().to_owned(),
                    };
                    let Ok(id) = store.add_dnc(*scope, &target, *channel, "test", now) else { continue };
                    if *reverse {
                        store.reverse_dnc(&id, "test", now).expect("reverse");
                    } else if matches!(channel, DncChannel::Phone | DncChannel::All) {
                        match scope {
                            Scope::Person => { model.person_dnc.insert(*voter); }
                            Scope::Phone => { model.phone_dnc.insert(phone_of(*voter)); }
                            _ => { model.address_dnc.insert(address_of(*voter)); }
                        }
                    }
                }
                Setup::Result { voter, result, minutes_ago } => {
                    let at = now - SignedDuration::from_mins(*minutes_ago);
                    let mut contact = NewContact::new(voter_id(*voter), Channel::Phone, result);
                    contact.phone = PhoneNumber::parse(phone_of(*voter)).ok();
                    if store.record_contact(&contact, at).is_err() {
                        continue; // e.g. wrong-number for a voter with no valid phone
                    }
                    model.last_attempt.insert(*voter, at.max(*model.last_attempt.get(voter).unwrap_or(&at)));
                    match *result {
                        "wrong-number" => { model.wrong.insert((*voter, phone_of(*voter))); }
                        "disconnected" => { model.disconnected.insert(phone_of(*voter)); }
                        "hostile" | "deceased" | "moved" => { model.gone.insert(*voter); }
                        "do-not-call" => { model.phone_dnc.insert(phone_of(*voter)); }
                        _ => {}
                    }
                }
            }
        }
        let list = store.create_call_list("everyone", &SegmentFilter::default(), &rules, now).expect("list").id;
        let callers = [Caller::new("ana"), Caller::new("ben")];
        let mut clock = now;
        let mut held: HashMap<String, Timestamp> = HashMap::new();
        for (turn, (result, advance)) in calls.iter().enumerate() {
            clock += SignedDuration::from_mins(*advance);
            let caller = &callers[turn % 2];
            let Some(call) = store.next_call(list, caller, clock).expect("next call") else { continue };
            let voter: usize = call.voter_id[2..].parse().expect("test id");
            let phone = phone_of(voter);
            let zone = STATES[people[voter].state].1;
            let minutes = local_minutes(zone, clock);
            prop_assert!(minutes >= rules.calling_start && minutes < rules.calling_end, "called at {minutes} local in {zone}");
            prop_assert!(PhoneNumber::parse(phone).is_ok(), "an invalid number was handed out");
            prop_assert!(!model.person_dnc.contains(&voter), "a do-not-contact person");
            prop_assert!(!model.phone_dnc.contains(phone), "a do-not-call phone");
            prop_assert!(!model.address_dnc.contains(&address_of(voter)), "a do-not-contact address");
            prop_assert!(!model.wrong.contains(&(voter, phone)), "a wrong number");
            prop_assert!(!model.disconnected.contains(phone), "a disconnected number");
            prop_assert!(!model.gone.contains(&voter), "a suppressed, moved or deceased voter");
            if let Some(last) = model.last_attempt.get(&voter) {
                prop_assert!(clock.duration_since(*last) >= SignedDuration::from_hours(rules.recycle_hours), "called again too soon");
            }
            prop_assert!(*model.attempts.get(&call.item_id).unwrap_or(&0) < rules.max_attempts, "past the attempt limit");
            if let Some(until) = held.get(phone) {
                prop_assert!(*until <= clock, "a phone under another valid lease");
            }
            held.insert(phone.to_owned(), clock + SignedDuration::from_mins(groundgame_store::LEASE_MINUTES));
            // Work the call.
            let mut contact = NewContact::new(voter_id(voter), Channel::Phone, result);
            contact.call_item = Some(call.item_id);
            store.record_contact(&contact, clock).expect("record");
            held.remove(phone);
            *model.attempts.entry(call.item_id).or_default() += 1;
            model.last_attempt.insert(voter, clock);
            match *result {
                "wrong-number" => { model.wrong.insert((voter, phone)); }
                "answered" => { model.attempts.insert(call.item_id, i64::MAX); }
                _ => {}
            }
        }
    }
}

#[test]
fn calls_flow_callbacks_return_and_a_shared_phone_is_queued_once() {
    // Two voters share a landline; a third has their own phone.
    let people = vec![
        Person {
            state: 0,
            phone: 0,
            house: 0,
        },
        Person {
            state: 0,
            phone: 0,
            house: 0,
        },
        Person {
            state: 0,
            phone: 1,
            house: 1,
        },
    ];
    let mut store = load(&people);
    let (list, items) = store
        .create_call_list(
            "everyone",
            &SegmentFilter::default(),
            &CallListRules::default(),
            Timestamp::now(),
        )
        .map(|made| (made.id, made.items))
        .expect("list");
    assert_eq!(items, 2, "one item per phone");
    // 18:00 in New York.
    let evening: Timestamp = "2026-11-03T23:00:00Z".parse().expect("time");
    let ana = Caller::new("ana");
    let first = store
        .next_call(list, &ana, evening)
        .expect("next")
        .expect("a call");
    assert_eq!(first.local_time, "18:00");
    assert!(first.tel.starts_with("tel:+1"));
    let second = store
        .next_call(list, &Caller::new("ben"), evening)
        .expect("next")
        .expect("a call");
    assert_ne!(
        first.phone, second.phone,
        "a leased phone is not handed to another caller"
    );
    assert!(store
        .next_call(list, &Caller::new("cy"), evening)
        .expect("next")
        .is_none());

    let mut callback = NewContact::new(
        VoterId::parse(&first.voter_id).expect("id"),
        Channel::Phone,
        "call-back",
    );
    callback.call_item = Some(first.item_id);
    callback.callback_at = Some(evening + SignedDuration::from_mins(30));
    store.record_contact(&callback, evening).expect("callback");
    store
        .release_call(second.item_id, &Caller::new("ben"))
        .expect("release");
    // Ten minutes later only the released item is callable...
    let later = evening + SignedDuration::from_mins(10);
    let again = store
        .next_call(list, &ana, later)
        .expect("next")
        .expect("a call");
    assert_eq!(again.item_id, second.item_id);
    // ...and at the callback's time the callback comes back first.
    let due = evening + SignedDuration::from_mins(31);
    let back = store
        .next_call(list, &Caller::new("ben"), due)
        .expect("next")
        .expect("the callback");
    assert_eq!((back.item_id, back.callback_due), (first.item_id, true));
    // At 22:00 local nobody is called.
    let late: Timestamp = "2026-11-04T03:00:00Z".parse().expect("time");
    store
        .release_call(back.item_id, &Caller::new("ben"))
        .expect("release");
    assert!(store.next_call(list, &ana, late).expect("next").is_none());
}

fn support_version(call: &groundgame_store::CallAssignment) -> u32 {
    call.script.questions[0].version
}

#[test]
fn every_call_comes_with_its_script_and_answers_are_checked() {
    let people = vec![Person {
        state: 0,
        phone: 0,
        house: 0,
    }];
    let mut store = load(&people);
    let (list, _) = store
        .create_call_list(
            "everyone",
            &SegmentFilter::default(),
            &CallListRules::default(),
            Timestamp::now(),
        )
        .map(|made| (made.id, made.items))
        .expect("list");
    let evening: Timestamp = "2026-11-03T23:00:00Z".parse().expect("time");
    let call = store
        .next_call(list, &Caller::new("ana"), evening)
        .expect("next")
        .expect("a call");
    // The standard script, with the voter's first name and the caller's.
    assert!(
        call.script.body.contains("speak with ANN?")
            && call.script.body.contains("My name is ana,"),
        "{}",
        call.script.body
    );
    assert_eq!(support_version(&call), 1);
    let support = &call.script.questions[0];
    assert_eq!(support.slug, "support");
    assert_eq!(
        support
            .options
            .iter()
            .map(|o| o.key.as_str())
            .collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5"]
    );
    let mut answered = NewContact::new(voter_id(0), Channel::Phone, "answered");
    answered.call_item = Some(call.item_id);
    answered.answers =
        vec![groundgame_domain::SurveyAnswer::parse("support=maybe-later").expect("answer")];
    let error = store
        .record_contact(&answered, evening)
        .expect_err("not an option");
    assert!(
        error.to_string().contains("strong, lean, undecided"),
        "{error}"
    );
    answered.answers =
        vec![groundgame_domain::SurveyAnswer::parse("support=lean").expect("answer")];
    store
        .record_contact(&answered, evening)
        .expect("a real option");
}
