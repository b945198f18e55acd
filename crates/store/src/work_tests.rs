//! Segment counts against an independent model: random slices (a
//! generated county, random opt-outs, contacts with answers, a turf and a
//! call list) and random filters; the store's counts must equal a plain
//! computation over the same rows, read straight from the tables.

use super::*;
use groundgame_domain::segment::{
    AgeRange, ContactedFilter, ElectionRef, GeneralsVoted, PhoneFilter,
};
use groundgame_domain::{Channel, DncChannel, Scope, SurveyAnswer};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const DATES: [&str; 6] = [
    "2016-11-08",
    "2020-03-03",
    "2022-11-08",
    "2024-03-05",
    "2024-11-05",
    "2025-01-01",
];

fn import(store: &mut Store, layout: Layout, bytes: Vec<u8>, name: &str) {
    let total = bytes.len() as u64;
    let file = VoterFile::from_reader(Path::new(name), std::io::Cursor::new(bytes), total, &layout)
        .expect("opens");
    store
        .import(
            file,
            &layout,
            crate::ImportOptions::default(),
            Timestamp::now(),
            |_| {},
        )
        .expect("imports");
}

/// A generated county slice with `extra` of work on it, chosen by `picks`.
fn slice(voters: u64, seed: u64, picks: &[u16]) -> Store {
    let population = Population {
        seed,
        ..Population::new(voters)
    };
    let mut store = Store::open_in_memory().expect("store");
    let mut bytes = Vec::new();
    generate::write_nc_voter(&population, "WAKE", &mut bytes).expect("voters");
    import(&mut store, Layout::NcVoter, bytes, "ncvoter92.txt");
    let mut bytes = Vec::new();
    generate::write_nc_history(&population, "WAKE", &mut bytes).expect("history");
    import(&mut store, Layout::NcHistory, bytes, "ncvhis92.txt");
    let ids: Vec<(String, Option<String>, Option<String>)> = store
        .conn
        .prepare(
            "SELECT v.voter_id, (SELECT number FROM phones p WHERE p.voter_id = v.id AND p.status = 'ok' LIMIT 1), h.address_key \
             FROM voters v LEFT JOIN households h ON h.id = v.household_id ORDER BY v.id",
        )
        .expect("prepare")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let now = Timestamp::now();
    let support = ["strong", "lean", "undecided", "lean-against", "against"];
    for (turn, pick) in picks.iter().enumerate() {
        let (voter, phone, address) = &ids[usize::from(*pick) % ids.len()];
        let voter_id = VoterId::parse(voter).expect("id");
        match turn % 6 {
            0 => {
                store
                    .add_dnc(Scope::Person, voter, DncChannel::All, "test", now)
                    .expect("dnc");
            }
            1 => {
                if let Some(phone) = phone {
                    store
                        .add_dnc(Scope::Phone, phone, DncChannel::Phone, "test", now)
                        .expect("dnc");
                }
            }
            2 => {
                // An address entry is made through a voter who lives there.
                if address.is_some() {
                    let channel = if pick % 2 == 0 {
                        DncChannel::Door
                    } else {
                        DncChannel::All
                    };
                    store
                        .add_dnc(Scope::Household, voter, channel, "test", now)
                        .expect("dnc");
                }
            }
            3 | 4 => {
                let result = ["not-home", "canvassed", "refused"][usize::from(*pick) % 3];
                let mut contact = crate::NewContact::new(voter_id, Channel::Door, result);
                if result == "canvassed" {
                    contact.answers = vec![
                        SurveyAnswer::parse(&format!(
                            "support={}",
                            support[usize::from(*pick) % 5]
                        ))
                        .expect("answer"),
                        SurveyAnswer::parse(if pick % 2 == 0 {
                            "volunteer=yes"
                        } else {
                            "volunteer=maybe"
                        })
                        .expect("answer"),
                    ];
                }
                store.record_contact(&contact, now).expect("contact");
            }
            _ => {
                let result = ["moved", "deceased"][usize::from(*pick) % 2];
                store
                    .record_contact(
                        &crate::NewContact::new(voter_id, Channel::Door, result),
                        now,
                    )
                    .expect("contact");
            }
        }
    }
    store
        .create_turf("Hand", &crate::TurfSpec::Households((1..=20).collect()))
        .expect("turf");
    store
        .create_call_list(
            "Some",
            &SegmentFilter {
                precincts: vec!["WAKE-02".into()],
                ..SegmentFilter::default()
            },
            &CallListRules::default(),
            now,
        )
        .expect("list");
    store
}

/// The slice as plain rows.
struct Row {
    voter_id: String,
    household: Option<(i64, String)>,
    precinct: Option<String>,
    party: String,
    birth_year: Option<i32>,
    sex: String,
    status: String,
    gone: bool,
    phones: Vec<(String, String, String)>,
    votes: BTreeSet<(String, String)>,
    contacts: Vec<(String, String)>,
    support: Option<String>,
    volunteer: Option<String>,
    in_turf: bool,
    in_list: bool,
}

struct Model {
    rows: Vec<Row>,
    /// (scope, target, channel) of every entry in force.
    dnc: Vec<(String, String, String)>,
    dead: BTreeSet<String>,
}

fn read(store: &Store) -> Model {
    let conn = &store.conn;
    let strings = |sql: &str| -> Vec<Vec<Option<String>>> {
        let mut statement = conn.prepare(sql).expect("prepare");
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                            other => Some(other.as_str()?.to_owned()),
                        })
                    })
                    .collect()
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let mut rows: BTreeMap<i64, Row> = BTreeMap::new();
    for r in strings(
        "SELECT v.id, v.voter_id, h.id, h.address_key, h.precinct_code, v.party, v.birth_year, v.gender, v.status, \
                (v.removed_at IS NOT NULL OR v.moved = 1 OR v.deceased = 1) \
         FROM voters v LEFT JOIN households h ON h.id = v.household_id",
    ) {
        let id: i64 = text(&r[0]).parse().expect("id");
        rows.insert(
            id,
            Row {
                voter_id: text(&r[1]),
                household: r[2].as_ref().map(|h| (h.parse().expect("household"), text(&r[3]))),
                precinct: r[4].clone(),
                party: text(&r[5]),
                birth_year: r[6].as_ref().map(|y| y.parse().expect("year")),
                sex: text(&r[7]),
                status: text(&r[8]),
                gone: text(&r[9]) == "1",
                phones: Vec::new(),
                votes: BTreeSet::new(),
                contacts: Vec::new(),
                support: None,
                volunteer: None,
                in_turf: false,
                in_list: false,
            },
        );
    }
    for r in strings("SELECT voter_id, number, kind, status FROM phones") {
        if let Some(v) = rows.get_mut(&text(&r[0]).parse().expect("voter")) {
            v.phones.push((text(&r[1]), text(&r[2]), text(&r[3])));
        }
    }
    for r in strings("SELECT voter_id, election_date, election_type FROM vote_history") {
        if let Some(v) = rows.get_mut(&text(&r[0]).parse().expect("voter")) {
            v.votes.insert((text(&r[1]), text(&r[2])));
        }
    }
    // Answers in recording order, so the last one seen is the latest.
    for r in strings(
        "SELECT a.voter_id, a.recorded_at, a.result, s.question, s.answer FROM contact_attempts a \
         LEFT JOIN survey_answers s ON s.attempt_id = a.id ORDER BY a.recorded_at, a.hlc",
    ) {
        if let Some(v) = rows.get_mut(&text(&r[0]).parse().expect("voter")) {
            v.contacts.push((text(&r[1])[..10].to_owned(), text(&r[2])));
            match r[3].as_deref() {
                Some("support") => v.support = r[4].clone(),
                Some("volunteer") => v.volunteer = r[4].clone(),
                _ => {}
            }
        }
    }
    for r in strings(
        "SELECT v.id FROM voters v JOIN turf_households th ON th.household_id = v.household_id \
         JOIN turfs t ON t.id = th.turf_id WHERE t.state = 'open'",
    ) {
        if let Some(v) = rows.get_mut(&text(&r[0]).parse().expect("voter")) {
            v.in_turf = true;
        }
    }
    for r in strings(
        "SELECT i.voter_id FROM call_items i JOIN call_lists l ON l.id = i.call_list_id WHERE l.state = 'open'",
    ) {
        if let Some(v) = rows.get_mut(&text(&r[0]).parse().expect("voter")) {
            v.in_list = true;
        }
    }
    Model {
        rows: rows.into_values().collect(),
        dnc: strings("SELECT scope, target, channel FROM dnc_active")
            .into_iter()
            .map(|r| (text(&r[0]), text(&r[1]), text(&r[2])))
            .collect(),
        dead: strings("SELECT number FROM phones WHERE status IN ('invalid', 'disconnected')")
            .into_iter()
            .map(|r| text(&r[0]))
            .collect(),
    }
}

impl Model {
    fn entry(&self, scopes: &[&str], target: &str, channels: &[&str]) -> bool {
        self.dnc.iter().any(|(scope, t, channel)| {
            scopes.contains(&scope.as_str()) && t == target && channels.contains(&channel.as_str())
        })
    }

    fn matches(&self, f: &SegmentFilter, r: &Row, year: i32) -> bool {
        let any_of =
            |list: &[String], value: &str| list.is_empty() || list.iter().any(|x| x == value);
        let party = groundgame_domain::Party::from_code(&r.party)
            .code()
            .to_owned();
        if !any_of(&f.precincts, r.precinct.as_deref().unwrap_or("\u{0}"))
            || !any_of(&f.parties, &party)
            || !any_of(&f.sexes, &r.sex)
            || !any_of(&f.statuses, &r.status)
        {
            return false;
        }
        if let Some(age) = f.age {
            match r.birth_year {
                Some(born)
                    if (i32::from(age.min)..=i32::from(age.max)).contains(&(year - born)) => {}
                _ => return false,
            }
        }
        let voted_on = |date: &str| r.votes.iter().any(|(d, _)| d == date);
        if !f.voted.iter().all(|e| voted_on(&e.date))
            || f.not_voted.iter().any(|e| voted_on(&e.date))
        {
            return false;
        }
        if let Some(g) = f.generals {
            let mut generals: Vec<&String> = self
                .rows
                .iter()
                .flat_map(|r| r.votes.iter())
                .filter(|(_, kind)| kind == "GENERAL")
                .map(|(date, _)| date)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            generals.reverse();
            generals.truncate(usize::from(g.of_last));
            let voted = generals.iter().filter(|d| voted_on(d)).count();
            if voted < usize::from(g.at_least) {
                return false;
            }
        }
        if let Some(c) = &f.contacted {
            let hit = r.contacts.iter().any(|(date, result)| {
                c.since.as_ref().is_none_or(|since| date >= since)
                    && (c.results.is_empty() || c.results.contains(result))
            });
            if hit == c.not {
                return false;
            }
        }
        if !f.support.is_empty() {
            let scale = ["strong", "lean", "undecided", "lean-against", "against"];
            let level = r
                .support
                .as_deref()
                .and_then(|s| scale.iter().position(|x| *x == s))
                .map(|i| i as u8 + 1);
            if !level.is_some_and(|l| f.support.contains(&l)) {
                return false;
            }
        }
        if f.volunteer && r.volunteer.as_deref() != Some("yes") {
            return false;
        }
        if f.in_turf.is_some_and(|want| want != r.in_turf)
            || f.in_call_list.is_some_and(|want| want != r.in_list)
        {
            return false;
        }
        if let Some(phone) = f.phone {
            if self.callable(r, phone).is_empty() {
                return false;
            }
        }
        true
    }

    fn callable(&self, r: &Row, wanted: PhoneFilter) -> Vec<String> {
        let address = r
            .household
            .as_ref()
            .map(|(_, key)| key.as_str())
            .unwrap_or("\u{0}");
        if self.entry(&["person"], &r.voter_id, &["phone", "all"])
            || self.entry(&["address", "household"], address, &["phone", "all"])
        {
            return Vec::new();
        }
        r.phones
            .iter()
            .filter(|(number, kind, status)| {
                status == "ok"
                    && !self.dead.contains(number)
                    && !self.entry(&["phone"], number, &["phone", "all"])
                    && (wanted == PhoneFilter::Any || kind == "cell")
            })
            .map(|(number, ..)| number.clone())
            .collect()
    }

    fn count(&self, f: &SegmentFilter, year: i32) -> (u64, u64, u64, u64, u64) {
        let (mut voters, mut dnc, mut gone) = (0, 0, 0);
        let mut doors = BTreeSet::new();
        let mut phones = BTreeSet::new();
        for r in &self.rows {
            if !self.matches(f, r, year) {
                continue;
            }
            let address = r
                .household
                .as_ref()
                .map(|(_, key)| key.as_str())
                .unwrap_or("\u{0}");
            if r.gone {
                gone += 1;
            } else if self.entry(&["person"], &r.voter_id, &["phone", "door", "text", "all"])
                || self.entry(&["address", "household"], address, &["all"])
            {
                dnc += 1;
            } else {
                voters += 1;
                if let Some((id, key)) = &r.household {
                    if !self.entry(&["address", "household"], key, &["door", "all"]) {
                        doors.insert(*id);
                    }
                }
                phones.extend(self.callable(r, f.phone.unwrap_or(PhoneFilter::Any)));
            }
        }
        (voters, doors.len() as u64, phones.len() as u64, dnc, gone)
    }
}

fn filters() -> impl Strategy<Value = SegmentFilter> {
    let precincts = prop::collection::vec(
        prop::sample::select(vec!["WAKE-01", "WAKE-02", "WAKE-03", "WAKE-05", "WAKE-99"]),
        0..3,
    );
    let parties =
        prop::collection::vec(prop::sample::select(vec!["DEM", "REP", "UNA", "LIB"]), 0..3);
    let age = prop::option::of((18u16..80, 0u16..40));
    let sexes = prop::collection::vec(prop::sample::select(vec!["M", "F", "U"]), 0..2);
    let statuses = prop::collection::vec(prop::sample::select(vec!["A", "I"]), 0..2);
    let dates = || prop::collection::vec(prop::sample::select(DATES.to_vec()), 0..2);
    let generals = prop::option::of((1u8..5, 0u8..5));
    let phone = prop::option::of(prop::sample::select(vec![
        PhoneFilter::Any,
        PhoneFilter::Cell,
    ]));
    let support = prop::collection::vec(1u8..=5, 0..3);
    let contacted = prop::option::of((
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["2020-01-01", "2099-01-01"])),
        prop::collection::vec(
            prop::sample::select(vec!["not-home", "canvassed", "refused"]),
            0..2,
        ),
    ));
    let flags = (
        any::<bool>(),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
    );
    (
        (precincts, parties, age, sexes, statuses),
        (dates(), dates(), generals, phone, support),
        (contacted, flags),
    )
        .prop_map(
            |(
                (precincts, parties, age, sexes, statuses),
                (voted, not_voted, generals, phone, support),
                (contacted, (volunteer, in_turf, in_call_list)),
            )| {
                let strings = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
                let elections = |v: Vec<&str>| {
                    v.into_iter()
                        .map(|date| ElectionRef {
                            date: date.into(),
                            kind: None,
                        })
                        .collect()
                };
                SegmentFilter {
                    precincts: strings(precincts),
                    parties: strings(parties),
                    age: age.map(|(min, span)| AgeRange {
                        min,
                        max: min + span,
                    }),
                    sexes: strings(sexes),
                    statuses: strings(statuses),
                    voted: elections(voted),
                    not_voted: elections(not_voted),
                    generals: generals.map(|(of_last, least)| GeneralsVoted {
                        of_last,
                        at_least: least.min(of_last),
                        at_most: None,
                    }),
                    phone,
                    languages: Vec::new(),
                    support,
                    volunteer,
                    contacted: contacted.map(|(not, since, results)| ContactedFilter {
                        not,
                        since: since.map(str::to_owned),
                        results: strings(results),
                    }),
                    in_turf,
                    in_call_list,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn segment_counts_equal_a_plain_computation_over_the_same_rows(
        voters in 150u64..500,
        seed in 0u64..1_000,
        picks in prop::collection::vec(any::<u16>(), 0..60),
        filters in prop::collection::vec(filters(), 12),
    ) {
        let mut store = slice(voters, seed, &picks);
        let model = read(&store);
        let year = this_year();
        for filter in filters {
            let counts = store.count_segment(&filter).expect("counts");
            let expected = model.count(&filter, year);
            prop_assert_eq!(
                (counts.voters, counts.households, counts.phones, counts.excluded.do_not_contact, counts.excluded.gone),
                expected,
                "{:?}", filter
            );
            prop_assert_eq!(counts.precincts.iter().map(|p| p.voters).sum::<u64>(), counts.voters);
            // A list made from the segment has exactly its callable phones.
            let items = store.slice().expect("slice").index.pick(&filter, year).len() as u64;
            prop_assert_eq!(items, counts.voters);
        }
        // More work on the slice: only its part of the index is read again,
        // and the counts still equal the plain computation.
        let more: Vec<u16> = (0..12u16)
            .map(|i| picks.get(usize::from(i)).map_or(i.wrapping_mul(37), |p| p.wrapping_mul(7)))
            .collect();
        let extra = slice_work(&mut store, &more);
        prop_assert!(extra > 0);
        let model = read(&store);
        for filter in [SegmentFilter::default(), SegmentFilter { phone: Some(PhoneFilter::Any), ..SegmentFilter::default() }] {
            let counts = store.count_segment(&filter).expect("counts");
            prop_assert_eq!(
                (counts.voters, counts.households, counts.phones, counts.excluded.do_not_contact, counts.excluded.gone),
                model.count(&filter, year),
                "after more work: {:?}", filter
            );
        }
    }
}

/// Opt-outs, a wrong number and a move on the voters `picks` name; how
/// many changes were made.
fn slice_work(store: &mut Store, picks: &[u16]) -> usize {
    let rows: Vec<(String, Option<String>)> = store
        .conn
        .prepare(
            "SELECT v.voter_id, (SELECT number FROM phones p WHERE p.voter_id = v.id AND p.status = 'ok' LIMIT 1) \
             FROM voters v ORDER BY v.id",
        )
        .expect("prepare")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let now = Timestamp::now();
    let mut made = 0;
    for (turn, pick) in picks.iter().enumerate() {
        let (voter, phone) = &rows[usize::from(*pick) % rows.len()];
        let voter_id = VoterId::parse(voter).expect("id");
        match turn % 3 {
            0 => {
                store
                    .add_dnc(Scope::Person, voter, DncChannel::Phone, "test", now)
                    .expect("dnc");
            }
            1 => {
                let Some(phone) = phone else { continue };
                let mut call = crate::NewContact::new(voter_id, Channel::Phone, "wrong-number");
                call.phone = Some(groundgame_domain::PhoneNumber::parse(phone).expect("phone"));
                store.record_contact(&call, now).expect("contact");
            }
            _ => {
                store
                    .record_contact(
                        &crate::NewContact::new(voter_id, Channel::Door, "moved"),
                        now,
                    )
                    .expect("contact");
            }
        }
        made += 1;
    }
    made
}

#[test]
fn a_call_list_and_turfs_take_exactly_what_the_segment_counts_and_the_index_follows_changes() {
    let mut store = slice(400, 7, &[3, 9, 27, 81]);
    let filter = SegmentFilter {
        parties: vec!["DEM".into()],
        ..SegmentFilter::default()
    };
    let counts = store.count_segment(&filter).expect("count");
    let made = store
        .create_call_list("Dems", &filter, &CallListRules::default(), Timestamp::now())
        .expect("list");
    assert_eq!(made.items, counts.phones);
    let turfs = store
        .cut_turfs("Sat", &filter, 25, Timestamp::now())
        .expect("cut");
    assert_eq!(
        turfs.iter().map(|t| u64::from(t.doors)).sum::<u64>(),
        counts.households
    );
    assert!(turfs.iter().all(|t| t.doors <= 25));
    // The index was rebuilt after the writes: the segment is in both now.
    let in_list = store
        .count_segment(&SegmentFilter {
            in_call_list: Some(true),
            ..filter.clone()
        })
        .expect("count");
    assert!(
        in_list.voters > 0 && in_list.voters <= counts.voters,
        "{in_list:?} of {counts:?}"
    );
    let fresh = store
        .count_segment(&SegmentFilter {
            in_turf: Some(false),
            ..filter.clone()
        })
        .expect("count");
    assert_eq!(
        fresh.households, 0,
        "every door of the segment is in a turf now"
    );
    // Names are the office's: the same again is refused, and nothing is half made.
    let before = store.pending_changes().expect("pending");
    assert!(store
        .create_call_list("Dems", &filter, &CallListRules::default(), Timestamp::now())
        .is_err());
    assert!(store
        .cut_turfs("Sat", &filter, 25, Timestamp::now())
        .is_err());
    assert_eq!(store.pending_changes().expect("pending"), before);
    // Bad input says what was wrong.
    let error = store
        .cut_turfs("Sat", &filter, 0, Timestamp::now())
        .expect_err("no doors");
    assert!(error.to_string().contains("doors: 0"), "{error}");
    let error = store
        .count_segment(&SegmentFilter {
            age: Some(AgeRange { min: 50, max: 20 }),
            ..SegmentFilter::default()
        })
        .expect_err("backwards");
    assert!(
        error.to_string().contains("age: 50-20 runs backwards"),
        "{error}"
    );
    // Closing keeps a list; deleting frees its name on this laptop.
    store
        .set_work_state(
            WorkKind::CallList,
            &made.id.to_string(),
            WorkState::Closed,
            Timestamp::now(),
        )
        .expect("closed");
    let caller = crate::Caller::new("ana");
    let error = store
        .next_call(made.id, &caller, Timestamp::now())
        .expect_err("closed");
    assert!(error.to_string().contains("is closed"), "{error}");
    store
        .set_work_state(
            WorkKind::CallList,
            &made.uid,
            WorkState::Deleted,
            Timestamp::now(),
        )
        .expect("deleted");
    assert!(store
        .call_lists()
        .expect("lists")
        .iter()
        .all(|l| l.id != made.id));
    store
        .create_call_list("Dems", &filter, &CallListRules::default(), Timestamp::now())
        .expect("the name is free again");
}
