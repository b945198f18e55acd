//! Canvassing: walk lists in walking order, door results and their
//! consequences, do-not-contact semantics, and the outbox written with every
//! change.

use groundgame_domain::{Channel, DncChannel, Mutation, Scope, SurveyAnswer, VoterId};
use groundgame_store::{ImportOptions, NewContact, Store, TurfSpec};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use jiff::Timestamp;
use std::path::Path;

fn now() -> Timestamp {
    "2026-11-26T15:00:00Z".parse().expect("a time")
}

fn office(voters: u64) -> Store {
    let mut bytes = Vec::new();
    generate::write_nc_voter(&Population::new(voters), "WAKE", &mut bytes).expect("generate");
    let total = bytes.len() as u64;
    let file = VoterFile::from_reader(
        Path::new("ncvoter92.txt"),
        std::io::Cursor::new(bytes),
        total,
        &Layout::NcVoter,
    )
    .expect("open");
    let mut store = Store::open_in_memory().expect("store");
    store
        .import(
            file,
            &Layout::NcVoter,
            ImportOptions::default(),
            now(),
            |_| {},
        )
        .expect("import");
    store
}

#[test]
fn a_walk_list_goes_street_side_number_unit_with_households_together() {
    let mut store = office(3_000);
    let (turf, households) = store
        .create_turf("Precinct 4", &TurfSpec::Precinct("WAKE-04".into()))
        .expect("turf");
    assert!(households > 50);
    let stops = store.walk_list(turf).expect("walk list");
    // Street by street, block by block (hundreds), up the odd side and
    // back down the even side; doors without a number last.
    let keys: Vec<_> = stops
        .iter()
        .map(|s| {
            let even = s.side == "even";
            let number = s.house_number.unwrap_or(0);
            (
                s.street.clone(),
                s.house_number.map_or(i64::MAX, |n| n.div_euclid(100)),
                even,
                if even { -number } else { number },
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "walk order");
    let ids: Vec<i64> = stops.iter().map(|s| s.household_id).collect();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "each household once, with its voters together"
    );
    assert!(
        stops.iter().any(|s| !s.unit.is_empty()),
        "apartments are separate stops"
    );
    // The screen reads it a page at a time; the pages make up the whole.
    let mut paged = Vec::new();
    let mut from = Some(0);
    while let Some(start) = from {
        let page = store.walk_page(turf, start, 17).expect("page");
        assert_eq!(u64::from(page.total_doors), households);
        assert!(page.stops.len() <= 17);
        paged.extend(page.stops);
        from = page.next_from;
    }
    assert_eq!(paged, stops);
    let past_the_end = store.walk_page(turf, 10_000, 17).expect("page");
    assert!(past_the_end.stops.is_empty() && past_the_end.next_from.is_none());
    assert!(store
        .create_turf("Nowhere", &TurfSpec::Zip("00000".into()))
        .is_err());
    assert!(
        store
            .create_turf("Precinct 4", &TurfSpec::Zip("27501".into()))
            .is_err(),
        "names are unique"
    );
}

#[test]
fn door_results_carry_their_consequences_and_their_outbox_entries() {
    let mut store = office(500);
    let (turf, _) = store
        .create_turf("P1", &TurfSpec::Precinct("WAKE-01".into()))
        .expect("turf");
    let stops = store.walk_list(turf).expect("walk");
    let first = VoterId::parse(&stops[0].voters[0].voter_id).expect("id");
    let mut canvassed = NewContact::new(first.clone(), Channel::Door, "canvassed");
    canvassed.turf = Some(turf);
    canvassed.answers = vec![SurveyAnswer::parse("support=strong").expect("answer")];
    canvassed.note = "wants a yard sign".into();
    store.record_contact(&canvassed, now()).expect("record");
    let history = store.contact_history(&first).expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].answers[0].answer, "strong");
    assert_eq!(
        store.walk_list(turf).expect("walk")[0].voters[0]
            .last_result
            .as_deref(),
        Some("canvassed")
    );

    // Do Not Walk closes the address for doors, and is in the outbox.
    let second = VoterId::parse(&stops[1].voters[0].voter_id).expect("id");
    let before = store.pending_changes().expect("pending");
    store
        .record_contact(
            &NewContact::new(second.clone(), Channel::Door, "do-not-walk"),
            now(),
        )
        .expect("record");
    assert!(store.walk_list(turf).expect("walk")[1].do_not_walk);
    let outbox = store.pending_outbox(100).expect("outbox");
    assert_eq!(
        store.pending_changes().expect("pending"),
        before + 2,
        "the attempt and the opt-out"
    );
    assert!(matches!(
        outbox.last().map(|e| &e.mutation),
        Some(Mutation::AddDnc(_))
    ));
    assert!(
        outbox
            .windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].hlc < w[1].hlc),
        "sequence and clock move forward"
    );

    // Bad input is refused and changes nothing.
    let pending = store.pending_changes().expect("pending");
    assert!(store
        .record_contact(
            &NewContact::new(first.clone(), Channel::Door, "vanished"),
            now()
        )
        .is_err());
    assert!(
        store
            .record_contact(
                &NewContact::new(first.clone(), Channel::Door, "busy"),
                now()
            )
            .is_err(),
        "a phone-only code at the door"
    );
    let nobody = VoterId::parse("XX999").expect("id");
    let error = store
        .record_contact(&NewContact::new(nobody, Channel::Door, "not-home"), now())
        .expect_err("unknown voter");
    assert!(error.to_string().contains("XX999"));
    assert_eq!(store.pending_changes().expect("pending"), pending);
    assert_eq!(store.stats().expect("stats").contact_attempts, 2);
}

#[test]
fn do_not_contact_is_scoped_reversible_and_append_only() {
    let mut store = office(200);
    let people: Vec<_> = Population::new(200).people().collect();
    let voter = VoterId::parse(&generate::nc_id(&people[0])).expect("id");
    let entry = store
        .add_dnc(
            Scope::Person,
            voter.as_str(),
            DncChannel::Phone,
            "voter asked",
            now(),
        )
        .expect("add");
    assert_eq!(
        store.dnc_for_voter(voter.as_str()).expect("entries").len(),
        1
    );
    store
        .reverse_dnc(&entry, "voter changed their mind", now())
        .expect("reverse");
    assert!(store
        .dnc_for_voter(voter.as_str())
        .expect("entries")
        .is_empty());
    assert!(
        store.reverse_dnc(&entry, "twice", now()).is_err(),
        "a reversed entry cannot be reversed again"
    );
    let kinds: Vec<&str> = store
        .pending_outbox(10)
        .expect("outbox")
        .iter()
        .map(|e| e.mutation.kind())
        .collect();
    assert_eq!(kinds, ["add_dnc", "reverse_dnc"]);
    assert!(
        store
            .add_dnc(Scope::Phone, "555-01", DncChannel::Phone, "x", now())
            .is_err(),
        "a bad phone is refused"
    );
    // Hostile suppresses the person on every channel.
    store
        .record_contact(
            &NewContact::new(voter.clone(), Channel::Door, "hostile"),
            now(),
        )
        .expect("hostile");
    let entries = store.dnc_for_voter(voter.as_str()).expect("entries");
    assert_eq!((entries.len(), entries[0].channel.as_str()), (1, "all"));
}

#[test]
fn the_voter_detail_shows_everything_and_corrections_are_queued() {
    let mut store = office(300);
    let people: Vec<_> = Population::new(300).people().collect();
    let person = people
        .iter()
        .find(|p| !p.confidential && !p.votes.is_empty())
        .expect("a voter with votes");
    let voter = VoterId::parse(&generate::nc_id(person)).expect("id");
    store
        .record_contact(
            &NewContact::new(voter.clone(), Channel::Door, "not-home"),
            now(),
        )
        .expect("contact");
    let detail = store.voter_detail(&voter).expect("detail");
    assert_eq!(detail.last_name, person.last_name);
    assert_eq!(detail.votes.len(), 0, "no history file was imported");
    assert_eq!(detail.contacts.len(), 1);
    assert!(!detail.address.is_empty());

    store
        .correct_voter_field(&voter, "first_name", "Jo Ann", now())
        .expect("correct");
    let corrected = store.voter_detail(&voter).expect("detail");
    assert_eq!(
        (corrected.first_name.as_str(), corrected.version),
        ("JO ANN", detail.version + 1)
    );
    let found = store
        .search_voters(&groundgame_domain::ipc::VoterQuery::first_page(
            format!("jo ann {}", person.last_name),
            10,
        ))
        .expect("search");
    assert!(
        found.rows.iter().any(|r| r.voter_id == voter),
        "search sees the correction"
    );
    let last = store
        .pending_outbox(100)
        .expect("outbox")
        .pop()
        .expect("an entry");
    let Mutation::CorrectVoterField(correction) = last.mutation else {
        panic!("a correction")
    };
    assert_eq!(correction.base_version, detail.version);
    assert!(store
        .correct_voter_field(&voter, "voter_id", "X", now())
        .is_err());
    assert!(store
        .correct_voter_field(&voter, "last_name", " ", now())
        .is_err());
}

#[test]
fn a_person_met_at_the_door_is_matched_before_being_added() {
    use groundgame_domain::office::NewPerson;
    let mut store = office(400);
    let people: Vec<_> = Population::new(400).people().collect();
    let resident = people.iter().find(|p| !p.confidential).expect("a resident");
    let door = generate::nc_id(resident);
    // The resident themself, with a typo in the first name, is offered.
    let mistyped = NewPerson {
        at_door_of: door.clone(),
        first_name: format!("{}X", &resident.first_name[..resident.first_name.len() - 1]),
        last_name: resident.last_name.clone(),
        birth_year: Some(resident.birth_year),
        phone: None,
    };
    let offered = store.person_matches(&mistyped).expect("matches");
    assert_eq!(
        offered.first().map(|m| m.voter_id.as_str()),
        Some(door.as_str()),
        "{offered:?}"
    );
    assert!(offered[0].same_household);

    // Someone new is added to the household, searchable, and queued for sync.
    let newcomer = NewPerson {
        at_door_of: door.clone(),
        first_name: "Zelda".into(),
        last_name: "Quixote".into(),
        birth_year: Some(1990),
        phone: Some("(919) 555-0199".into()),
    };
    assert!(store.person_matches(&newcomer).expect("matches").is_empty());
    let before = store.pending_changes().expect("pending");
    let id = store.add_person(&newcomer, now()).expect("added");
    assert!(id.as_str().starts_with("NEW-"));
    let detail = store.voter_detail(&id).expect("detail");
    assert_eq!(detail.name, "ZELDA QUIXOTE");
    assert!(detail.household.iter().any(|m| m.voter_id == door));
    assert_eq!(store.pending_changes().expect("pending"), before + 1);
    let found = store
        .search_voters(&groundgame_domain::ipc::VoterQuery::first_page(
            "quixote", 5,
        ))
        .expect("search");
    assert_eq!(found.total, 1);
    assert!(store
        .add_person(
            &NewPerson {
                first_name: String::new(),
                ..newcomer
            },
            now()
        )
        .is_err());
}
