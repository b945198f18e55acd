//! A generated demo field office: invented voters in households, a turf and
//! a call list, so a new user (and the end-to-end tests) has something real to
//! work with before importing a voter file.
//!
//! Generation is deterministic for a given seed, so tests can predict it.

use crate::search::format_address;
use crate::search::phone_search_terms;
use crate::{Store, StoreError};
use groundgame_voterfile::names::{CITIES, FIRST_NAMES, LAST_NAMES, MIDDLE_INITIALS, STREETS};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{params, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    pub office_name: String,
    pub voters: u32,
    pub seed: u64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            office_name: "Riverton Field Office (demo)".to_owned(),
            voters: 3_000,
            seed: 2012,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub voters: u64,
    pub households: u64,
    pub phones: u64,
    pub turf_households: u64,
    pub call_items: u64,
}

const PRECINCTS: u32 = 12;

struct Household {
    house_number: i64,
    street: &'static str,
    unit: String,
    city: &'static str,
    zip: &'static str,
    precinct: String,
}

impl Store {
    /// Fills an empty database with a demo field office.
    pub fn generate_demo(&mut self, config: &DemoConfig) -> Result<DemoSummary, StoreError> {
        let existing = self.overview()?.voters;
        if existing > 0 {
            return Err(StoreError::NotEmpty { voters: existing });
        }
        self.base_changed();
        let tx = self.conn.transaction()?;
        let summary = generate(&tx, config)?;
        crate::search::refresh_words(&tx)?;
        tx.commit()?;
        Ok(summary)
    }
}

fn generate(tx: &Transaction<'_>, config: &DemoConfig) -> Result<DemoSummary, StoreError> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut summary = DemoSummary::default();

    tx.execute(
        "INSERT INTO office (id, name) VALUES (1, ?1)",
        params![config.office_name],
    )?;
    for number in 1..=PRECINCTS {
        let (city, _) = CITIES[(number as usize) % CITIES.len()];
        tx.execute(
            "INSERT INTO precincts (code, name, county) VALUES (?1, ?2, 'DEMO')",
            params![precinct_code(number), format!("{city} {number:02}")],
        )?;
    }

    let mut insert_household = tx.prepare(
        "INSERT INTO households (address_key, house_number, street, unit, city, state, zip, precinct_code) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'NC', ?6, ?7)",
    )?;
    let mut insert_voter = tx.prepare(
        "INSERT INTO voters (voter_id, household_id, last_name, first_name, middle_name, birth_year, \
         gender, party, status, registered_on, confidential) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut insert_phone =
        tx.prepare("INSERT INTO phones (voter_id, number, kind) VALUES (?1, ?2, ?3)")?;
    let mut insert_search =
        tx.prepare("INSERT INTO voter_search (rowid, name, address, ids) VALUES (?1, ?2, ?3, ?4)")?;

    let mut next_phone: u32 = 0;
    let mut new_phone = || {
        next_phone += 1;
        format!("919555{:04}", next_phone % 10_000)
    };
    let mut house_numbers = vec![100_i64; STREETS.len()];
    let mut street_index = 0_usize;

    while summary.voters < u64::from(config.voters) {
        street_index = (street_index + 1) % STREETS.len();
        let (street, apartments) = STREETS[street_index];
        let (city, zip) = CITIES[street_index % CITIES.len()];
        let precinct = precinct_code((street_index as u32 % PRECINCTS) + 1);
        house_numbers[street_index] += rng.gen_range(1..=3) * 2 - i64::from(rng.gen_bool(0.5));
        let house_number = house_numbers[street_index];
        let units: Vec<String> = if apartments && rng.gen_bool(0.5) {
            (1..=rng.gen_range(2..=4))
                .flat_map(|floor| ["A", "B", "C"].map(move |letter| format!("{floor}{letter}")))
                .collect()
        } else {
            vec![String::new()]
        };
        for unit in units {
            let household = Household {
                house_number,
                street,
                unit,
                city,
                zip,
                precinct: precinct.clone(),
            };
            let address = format_address(
                Some(household.house_number),
                Some(household.street),
                Some(&household.unit),
            );
            insert_household.execute(params![
                format!("{address}|{}|{}", household.city, household.zip),
                household.house_number,
                household.street,
                household.unit,
                household.city,
                household.zip,
                household.precinct,
            ])?;
            let household_id = tx.last_insert_rowid();
            summary.households += 1;

            let family_name = *LAST_NAMES.choose(&mut rng).unwrap_or(&"SMITH");
            let landline = rng.gen_bool(0.35).then(&mut new_phone);
            let members = *[1, 1, 1, 2, 2, 2, 2, 3, 3, 4]
                .choose(&mut rng)
                .unwrap_or(&1);
            for _ in 0..members {
                if summary.voters >= u64::from(config.voters) {
                    break;
                }
                summary.voters += 1;
                let voter_id = format!("DM{:06}", summary.voters);
                let last_name = if rng.gen_bool(0.15) {
                    *LAST_NAMES.choose(&mut rng).unwrap_or(&family_name)
                } else {
                    family_name
                };
                let first_name = *FIRST_NAMES.choose(&mut rng).unwrap_or(&"JAMES");
                let middle = *MIDDLE_INITIALS.choose(&mut rng).unwrap_or(&"");
                let birth_year = rng.gen_range(1932..=2006);
                let gender = *["M", "F", "F", "M", "U"].choose(&mut rng).unwrap_or(&"U");
                // Roughly North Carolina's registration mix.
                let party = [
                    ("DEM", 33),
                    ("REP", 30),
                    ("UNA", 35),
                    ("LIB", 1),
                    ("GRE", 1),
                ]
                .choose_weighted(&mut rng, |(_, weight)| *weight)
                .map_or("UNA", |(code, _)| *code);
                let status = if rng.gen_bool(0.9) { "A" } else { "I" };
                let registered_on = format!(
                    "{:04}-{:02}-{:02}",
                    (birth_year + 18).max(1970) + rng.gen_range(0..12),
                    rng.gen_range(1..=12),
                    rng.gen_range(1..=28)
                );
                let confidential = rng.gen_bool(0.005);
                insert_voter.execute(params![
                    voter_id,
                    household_id,
                    last_name,
                    first_name,
                    middle,
                    birth_year,
                    gender,
                    party,
                    status,
                    registered_on,
                    confidential,
                ])?;
                let row_id = tx.last_insert_rowid();

                let mut numbers = Vec::new();
                if let Some(number) = &landline {
                    insert_phone.execute(params![row_id, number, "landline"])?;
                    numbers.push(number.clone());
                }
                if rng.gen_bool(0.55) {
                    let cell = new_phone();
                    insert_phone.execute(params![row_id, cell, "cell"])?;
                    numbers.push(cell);
                }
                summary.phones += numbers.len() as u64;

                let name = [first_name, middle, last_name]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let searchable_address = if confidential {
                    String::new()
                } else {
                    format!("{address} {} {}", household.city, household.zip)
                };
                let ids = std::iter::once(voter_id.clone())
                    .chain(numbers.iter().flat_map(|n| phone_search_terms(n)))
                    .collect::<Vec<_>>()
                    .join(" ");
                insert_search.execute(params![row_id, name, searchable_address, ids])?;
            }
        }
    }

    tx.execute("INSERT INTO turfs (name) VALUES ('Precinct P01 doors')", [])?;
    let turf_id = tx.last_insert_rowid();
    summary.turf_households = tx.execute(
        "INSERT INTO turf_households (turf_id, household_id) \
         SELECT ?1, id FROM households WHERE precinct_code = ?2",
        params![turf_id, precinct_code(1)],
    )? as u64;
    crate::work::number_doors(tx, turf_id)?;

    tx.execute(
        "INSERT INTO call_lists (name) VALUES ('Unaffiliated voters with a phone')",
        [],
    )?;
    let call_list_id = tx.last_insert_rowid();
    // One item per phone: the first voter (by id) reached on a shared landline
    // stands for the household.
    summary.call_items = tx.execute(
        "INSERT OR IGNORE INTO call_items (call_list_id, voter_id, phone) \
         SELECT ?1, p.voter_id, p.number FROM phones p JOIN voters v ON v.id = p.voter_id \
         WHERE v.party = 'UNA' AND v.status = 'A' ORDER BY p.voter_id, p.id",
        params![call_list_id],
    )? as u64;
    Ok(summary)
}

fn precinct_code(number: u32) -> String {
    format!("P{number:02}")
}

/// A demo office of `voters` in memory, for the store's own tests.
#[cfg(test)]
pub(crate) fn office(voters: u32) -> crate::Store {
    let mut store = crate::Store::open_in_memory().expect("store");
    store
        .generate_demo(&DemoConfig {
            voters,
            ..DemoConfig::default()
        })
        .expect("demo");
    store
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_domain::ipc::VoterQuery;

    fn demo(voters: u32) -> (Store, DemoSummary) {
        let mut store = Store::open_in_memory().expect("memory store");
        let summary = store
            .generate_demo(&DemoConfig {
                voters,
                ..DemoConfig::default()
            })
            .expect("demo generates");
        (store, summary)
    }

    #[test]
    fn demo_office_has_voters_in_households_a_turf_and_a_call_list() {
        let (store, summary) = demo(2_000);
        let overview = store.overview().expect("overview");
        assert_eq!(overview.voters, 2_000);
        assert_eq!(summary.voters, 2_000);
        assert_eq!(overview.households, summary.households);
        assert!(
            summary.households > 500 && summary.households < 2_000,
            "{summary:?}"
        );
        assert_eq!((overview.turfs, overview.call_lists), (1, 1));
        assert!(summary.turf_households > 0);
        assert!(summary.call_items > 0);
    }

    #[test]
    fn a_call_list_never_queues_one_phone_twice() {
        let (store, _) = demo(2_000);
        let repeated: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM (SELECT phone FROM call_items GROUP BY call_list_id, phone HAVING count(*) > 1)",
                [],
                |row| row.get(0),
            )
            .expect("query");
        assert_eq!(repeated, 0);
        let shared_landlines: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM (SELECT number FROM phones GROUP BY number HAVING count(*) > 1)",
                [],
                |row| row.get(0),
            )
            .expect("query");
        assert!(
            shared_landlines > 0,
            "the demo should include shared landlines"
        );
    }

    #[test]
    fn the_same_seed_makes_the_same_office() {
        let (first, _) = demo(500);
        let (second, _) = demo(500);
        let everyone = VoterQuery::first_page("", 500);
        assert_eq!(
            first.search_voters(&everyone).expect("search"),
            second.search_voters(&everyone).expect("search")
        );
    }

    #[test]
    fn demo_refuses_a_database_that_has_voters() {
        let (mut store, _) = demo(10);
        assert!(matches!(
            store.generate_demo(&DemoConfig::default()),
            Err(StoreError::NotEmpty { voters: 10 })
        ));
    }

    #[test]
    fn search_forgives_typos_and_says_what_it_searched() {
        let (store, _) = demo(3_000);
        let check = |typed: &str, expected: &str| {
            let page = store
                .search_voters(&VoterQuery::first_page(typed, 20))
                .expect("search");
            assert!(page.total > 0, "{typed:?} should find someone");
            assert!(
                page.rows
                    .iter()
                    .all(|row| row.name.contains(expected) || row.address.contains(expected)),
                "{typed:?} should find {expected}: {page:?}"
            );
            assert!(page.corrected.is_some(), "{typed:?} was corrected");
        };
        check("jonhson", "JOHNSON");
        check("rodirguez", "RODRÍGUEZ");
        check("riversdie", "RIVERSIDE");
        // A misspelled street with a house number: the number is kept as
        // typed and the street corrected.
        let someone = store
            .search_voters(&VoterQuery::first_page("riverside", 1))
            .expect("search")
            .rows
            .remove(0);
        let number = someone.address.split(' ').next().unwrap_or_default();
        let page = store
            .search_voters(&VoterQuery::first_page(format!("{number} riversdie"), 50))
            .expect("search");
        assert_eq!(
            page.corrected.as_deref(),
            Some(format!("{number} riverside").as_str())
        );
        assert!(
            page.rows.iter().any(|row| row.address == someone.address),
            "{page:?}"
        );
        // An exact match is not "corrected"; gibberish finds nothing.
        let exact = store
            .search_voters(&VoterQuery::first_page("johnson", 5))
            .expect("search");
        assert!(exact.total > 0 && exact.corrected.is_none());
        let nothing = store
            .search_voters(&VoterQuery::first_page("qqqqzzzz", 5))
            .expect("search");
        assert_eq!(nothing.total, 0);
    }

    #[test]
    fn search_finds_by_name_accent_free_address_id_and_phone() {
        let (store, _) = demo(3_000);
        let everyone = store
            .search_voters(&VoterQuery::first_page("", 500))
            .expect("list");
        assert_eq!(everyone.total, 3_000);
        assert_eq!(everyone.rows.len(), 500);

        let check = |text: &str| {
            let page = store
                .search_voters(&VoterQuery::first_page(text, 50))
                .expect("search");
            assert!(page.total > 0, "{text:?} should match someone");
            assert!(page.total < 3_000, "{text:?} should narrow the list");
            page
        };
        let renee = check("renee");
        assert!(renee.rows.iter().all(|row| row.name.contains("RENÉE")));
        let by_street = check("riverside");
        assert!(by_street
            .rows
            .iter()
            .any(|row| row.address.contains("RIVERSIDE")));
        let by_id = check("DM000042");
        assert_eq!(by_id.total, 1);
        assert_eq!(by_id.rows[0].voter_id.as_str(), "DM000042");
        check("919555");
        let narrowed = check("smi");
        // Adding the first letters of a matching voter's first name narrows
        // further and still finds that voter.
        let first_name = narrowed.rows[0]
            .name
            .split(' ')
            .next()
            .expect("a first name");
        let narrower = check(&format!("smi {}", &first_name[..2]));
        assert!(narrower.total < narrowed.total);
        assert!(narrower
            .rows
            .iter()
            .any(|row| row.name == narrowed.rows[0].name));
    }
}
