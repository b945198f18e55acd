//! Realistic invented voter files in the states' layouts, for tests,
//! benchmarks and demos.
//!
//! A population is a pure function of its [`Population`] settings: the same
//! seed always gives the same people, in the same households, with the same
//! phones and vote history, so a voter file and its history file agree, and
//! a later snapshot differs from an earlier one in known proportions. People
//! are produced one household at a time, so memory does not grow with size.

use crate::mapped::{ColumnRef, Mapping};
use crate::names::{FIRST_NAMES, LAST_NAMES, MIDDLE_INITIALS};
use encoding_rs::WINDOWS_1252;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    /// Voters in the first snapshot.
    pub voters: u64,
    pub seed: u64,
    /// 0 is the first snapshot; each later one has about 1% of voters
    /// removed, 2% moved, 3% changed and 1.5% new, relative to the first.
    pub snapshot: u32,
}

impl Population {
    pub fn new(voters: u64) -> Self {
        Self {
            voters,
            seed: 2012,
            snapshot: 0,
        }
    }
}

/// One invented voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// 1-based, stable across snapshots: the basis of every layout's id.
    pub number: u64,
    pub last_name: String,
    pub first_name: String,
    pub middle_name: String,
    pub suffix: &'static str,
    pub gender: &'static str,
    pub birth_year: i32,
    pub birth_month: u32,
    pub birth_day: u32,
    pub party: &'static str,
    pub active: bool,
    pub registered: (i32, u32, u32),
    pub house_number: i64,
    pub street: String,
    pub unit: String,
    pub city: &'static str,
    pub zip: &'static str,
    /// 1-based precinct number within the county.
    pub precinct: u32,
    pub phone: String,
    pub confidential: bool,
    /// (year, month, day, type, party letter if a primary)
    pub votes: Vec<Vote>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub date: (i32, u32, u32),
    pub kind: &'static str,
    pub method: &'static str,
    pub party: &'static str,
}

const STREET_BASES: &[&str] = &[
    "MAIN",
    "OAK",
    "MAPLE",
    "PINE",
    "CEDAR",
    "ELM",
    "WILLOW",
    "DOGWOOD",
    "MAGNOLIA",
    "HICKORY",
    "CHURCH",
    "MILL CREEK",
    "RIVERSIDE",
    "COLLEGE",
    "MARKET",
    "TRYON",
    "LAKEVIEW",
    "SUNSET",
    "TOBACCO",
    "POPLAR",
    "SYCAMORE",
    "CHESTNUT",
    "WALNUT",
    "BIRCH",
    "JACKSON",
    "FRANKLIN",
    "LIBERTY",
    "UNION",
    "HILLSBOROUGH",
    "GLENWOOD",
    "FAYETTEVILLE",
    "WADE",
    "PEACE",
    "BLOUNT",
    "PERSON",
    "BOYLAN",
    "OBERLIN",
    "CAMERON",
    "SAINT MARY'S",
    "DIXIE",
    "CREEKSIDE",
    "FALLS",
];
const STREET_SUFFIXES: &[&str] = &[
    "ST", "AVE", "DR", "RD", "LN", "CT", "WAY", "BLVD", "PL", "CIR",
];
const TOWNS: &[(&str, &str)] = &[
    ("RIVERTON", "27501"),
    ("OAK HILL", "27502"),
    ("MILLBROOK", "27503"),
    ("CEDAR GROVE", "27504"),
    ("FALLS LAKE", "27505"),
    ("NEW HOPE", "27506"),
    ("BETHANY", "27507"),
    ("GARNER", "27529"),
    ("KNIGHTDALE", "27545"),
    ("ROLESVILLE", "27571"),
    ("WENDELL", "27591"),
    ("ZEBULON", "27597"),
];
const HOUSEHOLDS_PER_STREET: u64 = 150;
const PRECINCTS: u32 = 40;

const ELECTIONS: &[((i32, u32, u32), &str)] = &[
    ((2016, 3, 15), "PRIMARY"),
    ((2016, 11, 8), "GENERAL"),
    ((2018, 5, 8), "PRIMARY"),
    ((2018, 11, 6), "GENERAL"),
    ((2020, 3, 3), "PRIMARY"),
    ((2020, 11, 3), "GENERAL"),
    ((2022, 5, 17), "PRIMARY"),
    ((2022, 11, 8), "GENERAL"),
    ((2024, 3, 5), "PRIMARY"),
    ((2024, 11, 5), "GENERAL"),
];

fn mix(a: u64, b: u64) -> u64 {
    // SplitMix64's finaliser: nearby inputs give unrelated seeds.
    let mut z = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn street_address(household: u64) -> (i64, String, String, &'static str, &'static str, u32) {
    let street_index = household / HOUSEHOLDS_PER_STREET;
    let slot = household % HOUSEHOLDS_PER_STREET;
    let bases = STREET_BASES.len() as u64;
    let suffixes = STREET_SUFFIXES.len() as u64;
    let base = STREET_BASES[(street_index % bases) as usize];
    let suffix = STREET_SUFFIXES[((street_index / bases) % suffixes) as usize];
    let (city, zip) = TOWNS[((street_index / (bases * suffixes)) % TOWNS.len() as u64) as usize];
    // One street in seven is lined with apartment buildings of eight units.
    let apartments = street_index % 7 == 3;
    let (house_number, unit) = if apartments {
        let building = slot / 8;
        let unit = slot % 8;
        (
            100 + building as i64 * 2,
            format!(
                "{}{}",
                unit / 4 + 1,
                ["A", "B", "C", "D"][(unit % 4) as usize]
            ),
        )
    } else {
        // Both sides of the street: 100, 101, 104, 105, ...
        (
            100 + (slot / 2) as i64 * 4 + (slot % 2) as i64,
            String::new(),
        )
    };
    let precinct = (street_index % u64::from(PRECINCTS)) as u32 + 1;
    (
        house_number,
        format!("{base} {suffix}"),
        unit,
        city,
        zip,
        precinct,
    )
}

/// Streams the population, one household at a time.
pub struct People {
    config: Population,
    household: u64,
    made: u64,
    pending: std::vec::IntoIter<Person>,
    next_phone: u64,
    new_made: u64,
}

impl Population {
    pub fn people(&self) -> People {
        People {
            config: self.clone(),
            household: 0,
            made: 0,
            pending: Vec::new().into_iter(),
            next_phone: 0,
            new_made: 0,
        }
    }

    /// New voters in this snapshot (none in the first).
    fn new_voters(&self) -> u64 {
        if self.snapshot == 0 {
            0
        } else {
            (self.voters * 15).div_ceil(1000) * u64::from(self.snapshot)
        }
    }
}

impl People {
    fn phone(&mut self, rng: &mut ChaCha8Rng) -> String {
        self.next_phone += 1;
        // One number in a hundred is unusable as written, as in real files.
        if rng.gen_bool(0.01) {
            return format!("555{:04}", self.next_phone % 10_000);
        }
        let area = ["919", "984", "336", "704"][(self.next_phone % 4) as usize];
        let line = self.next_phone / 4;
        format!(
            "{area}{}{:06}",
            2 + (line / 1_000_000) % 8,
            line % 1_000_000
        )
    }

    fn household(&mut self, household: u64, target: u64, first_number: u64) -> Vec<Person> {
        let seed = self.config.seed;
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, household));
        let (house_number, street, unit, city, zip, precinct) = street_address(household);
        let family = *LAST_NAMES.choose(&mut rng).unwrap_or(&"SMITH");
        let landline = rng.gen_bool(0.35).then(|| self.phone(&mut rng));
        let members = *[1, 1, 1, 2, 2, 2, 2, 3, 3, 4]
            .choose(&mut rng)
            .unwrap_or(&1);
        let mut people = Vec::new();
        for member in 0..members {
            let number = first_number + member;
            if number > target {
                break;
            }
            let last_name = if rng.gen_bool(0.15) {
                *LAST_NAMES.choose(&mut rng).unwrap_or(&family)
            } else {
                family
            };
            let birth_year = rng.gen_range(1932..=2006);
            let registered_year = (birth_year + 18).max(1970) + rng.gen_range(0..12);
            let propensity: f64 = rng.gen();
            let party = [
                ("DEM", 33),
                ("REP", 30),
                ("UNA", 35),
                ("LIB", 1),
                ("GRE", 1),
            ]
            .choose_weighted(&mut rng, |(_, w)| *w)
            .map_or("UNA", |(p, _)| *p);
            let cell = rng.gen_bool(0.55).then(|| self.phone(&mut rng));
            let votes = ELECTIONS
                .iter()
                .filter(|((year, _, _), _)| *year > registered_year.min(2024))
                .filter_map(|(date, kind)| {
                    let chance = if *kind == "GENERAL" {
                        propensity
                    } else {
                        propensity * 0.45
                    };
                    rng.gen_bool(chance.clamp(0.0, 1.0)).then(|| Vote {
                        date: *date,
                        kind,
                        method: [
                            "IN-PERSON",
                            "ABSENTEE ONESTOP",
                            "ABSENTEE BY MAIL",
                            "IN-PERSON",
                        ]
                        .choose(&mut rng)
                        .unwrap_or(&"IN-PERSON"),
                        party: if *kind == "PRIMARY" {
                            match party {
                                "REP" => "REP",
                                "UNA" => ["DEM", "REP"][rng.gen_range(0..2)],
                                _ => "DEM",
                            }
                        } else {
                            ""
                        },
                    })
                })
                .collect();
            people.push(Person {
                number,
                last_name: last_name.to_owned(),
                first_name: (*FIRST_NAMES.choose(&mut rng).unwrap_or(&"JAMES")).to_owned(),
                middle_name: (*MIDDLE_INITIALS.choose(&mut rng).unwrap_or(&"")).to_owned(),
                suffix: if rng.gen_bool(0.02) { "JR" } else { "" },
                gender: ["M", "F", "F", "M", "U"].choose(&mut rng).unwrap_or(&"U"),
                birth_year,
                birth_month: rng.gen_range(1..=12),
                birth_day: rng.gen_range(1..=28),
                party,
                active: rng.gen_bool(0.9),
                registered: (
                    registered_year,
                    rng.gen_range(1..=12),
                    rng.gen_range(1..=28),
                ),
                house_number,
                street: street.clone(),
                unit: unit.clone(),
                city,
                zip,
                precinct,
                phone: landline.clone().or(cell).unwrap_or_default(),
                confidential: rng.gen_bool(0.003),
                votes,
            });
        }
        people
    }

    /// A later snapshot's version of a person, or `None` if removed.
    fn evolve(&self, mut person: Person) -> Option<Person> {
        for snapshot in 1..=self.config.snapshot {
            let roll = mix(mix(self.config.seed, person.number), u64::from(snapshot)) % 1000;
            match roll {
                0..=9 => return None,
                10..=29 => {
                    // Moved to a new address past the first snapshot's streets.
                    let (number, street, unit, city, zip, precinct) = street_address(
                        self.config.voters + person.number * 3 + u64::from(snapshot),
                    );
                    person.house_number = number;
                    person.street = street;
                    person.unit = unit;
                    person.city = city;
                    person.zip = zip;
                    person.precinct = precinct;
                }
                30..=59 => {
                    person.party = if person.party == "UNA" { "DEM" } else { "UNA" };
                    person.active = !person.active;
                }
                _ => {}
            }
        }
        Some(person)
    }
}

impl Iterator for People {
    type Item = Person;

    fn next(&mut self) -> Option<Person> {
        loop {
            if let Some(person) = self.pending.next() {
                // New registrants are new in this snapshot: never evolved away.
                if person.number > self.config.voters {
                    return Some(person);
                }
                if let Some(person) = self.evolve(person) {
                    return Some(person);
                }
                continue;
            }
            let target = self.config.voters;
            let people = if self.made < target {
                let household = self.household;
                self.household += 1;
                let people = self.household(household, target, self.made + 1);
                self.made += people.len() as u64;
                people
            } else if self.new_made < self.config.new_voters() {
                // New registrants live past every existing address.
                let household = target * 10 + self.new_made;
                let people = self.household(household, u64::MAX, target + self.new_made + 1);
                self.new_made += people.len() as u64;
                people
            } else {
                return None;
            };
            self.pending = people.into_iter();
        }
    }
}

/// What a writer produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
}

struct Out<W: Write> {
    out: W,
    written: Written,
    latin1: bool,
}

impl<W: Write> Out<W> {
    fn new(out: W, latin1: bool) -> Self {
        Self {
            out,
            written: Written::default(),
            latin1,
        }
    }

    /// One line; `quote_all` wraps every field in quotes (as North Carolina
    /// does), otherwise only fields that need it are quoted.
    fn line(&mut self, fields: &[&str], delimiter: u8, quote_all: bool) -> io::Result<()> {
        let mut line = String::with_capacity(512);
        for (index, field) in fields.iter().enumerate() {
            if index > 0 {
                line.push(delimiter as char);
            }
            let needs_quotes = delimiter == b',' && field.contains([',', '"', '\n']);
            if quote_all || needs_quotes {
                line.push('"');
                line.push_str(&field.replace('"', "\"\""));
                line.push('"');
            } else {
                line.push_str(field);
            }
        }
        line.push('\n');
        let bytes = if self.latin1 {
            WINDOWS_1252.encode(&line).0.into_owned()
        } else {
            line.into_bytes()
        };
        self.out.write_all(&bytes)?;
        self.written.rows += 1;
        self.written.bytes += bytes.len() as u64;
        Ok(())
    }
}

fn mdy((y, m, d): (i32, u32, u32)) -> String {
    format!("{m:02}/{d:02}/{y:04}")
}

fn ymd((y, m, d): (i32, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn street_line(person: &Person) -> String {
    if person.unit.is_empty() {
        format!("{} {}", person.house_number, person.street)
    } else {
        format!(
            "{} {} APT {}",
            person.house_number, person.street, person.unit
        )
    }
}

/// The voter's NC `ncid`.
pub fn nc_id(person: &Person) -> String {
    format!("CW{:07}", person.number)
}

/// North Carolina `ncvoter`: Latin-1, tab, a header, every field quoted.
pub fn write_nc_voter(
    population: &Population,
    county: &str,
    out: impl Write,
) -> io::Result<Written> {
    let mut out = Out::new(out, true);
    out.line(crate::nc::VOTER_COLUMNS, b'\t', true)?;
    for person in population.people() {
        let blank = person.confidential;
        let id = nc_id(&person);
        let reg = person.number.to_string();
        let street = if blank {
            String::new()
        } else {
            street_line(&person)
        };
        let precinct = format!("{:02}", person.precinct);
        let birth_year = person.birth_year.to_string();
        let age = (2026 - person.birth_year).to_string();
        let registered = mdy(person.registered);
        let status = if person.active { "A" } else { "I" };
        let mut row: Vec<&str> = vec![""; crate::nc::VOTER_COLUMNS.len()];
        let values: [(usize, &str); 24] = [
            (0, "92"),
            (1, county),
            (2, &reg),
            (3, &id),
            (4, &person.last_name),
            (5, &person.first_name),
            (6, &person.middle_name),
            (7, person.suffix),
            (8, status),
            (9, if person.active { "ACTIVE" } else { "INACTIVE" }),
            (12, &street),
            (13, if blank { "" } else { person.city }),
            (14, "NC"),
            (15, if blank { "" } else { person.zip }),
            (23, &person.phone),
            (24, if blank { "Y" } else { "N" }),
            (25, &registered),
            (28, person.party),
            (29, person.gender),
            (30, &birth_year),
            (31, &age),
            (34, &precinct),
            (35, &precinct),
            (40, "02"),
        ];
        for (index, value) in values {
            row[index] = value;
        }
        out.line(&row, b'\t', true)?;
    }
    Ok(out.written)
}

/// North Carolina `ncvhis` for the same population.
pub fn write_nc_history(
    population: &Population,
    county: &str,
    out: impl Write,
) -> io::Result<Written> {
    let mut out = Out::new(out, true);
    out.line(crate::nc::HISTORY_COLUMNS, b'\t', true)?;
    for person in population.people() {
        let id = nc_id(&person);
        let reg = person.number.to_string();
        for vote in &person.votes {
            let date = mdy(vote.date);
            let desc = format!("{date} {}", vote.kind);
            let precinct = format!("{:02}", person.precinct);
            out.line(
                &[
                    "92",
                    county,
                    &reg,
                    &date,
                    &desc,
                    vote.method,
                    vote.party,
                    "",
                    &precinct,
                    &precinct,
                    &id,
                    "92",
                    county,
                    "",
                    "",
                ],
                b'\t',
                true,
            )?;
        }
    }
    Ok(out.written)
}

/// The voter's Ohio `SOS_VOTERID`.
pub fn ohio_id(person: &Person) -> String {
    format!("OH{:010}", person.number)
}

/// Ohio statewide: comma, a header, one column per election.
pub fn write_ohio(population: &Population, out: impl Write) -> io::Result<Written> {
    let mut out = Out::new(out, false);
    let mut header: Vec<String> = crate::ohio::VOTER_COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    for (date, kind) in ELECTIONS {
        header.push(format!("{kind}-{}", mdy(*date)));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    out.line(&header_refs, b',', false)?;
    let at = |name: &str| {
        crate::ohio::VOTER_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap_or(0)
    };
    for person in population.people() {
        let id = ohio_id(&person);
        let dob = ymd((person.birth_year, person.birth_month, person.birth_day));
        let registered = ymd(person.registered);
        let party = match person.party {
            "DEM" => "D",
            "REP" => "R",
            "LIB" => "L",
            "GRE" => "G",
            _ => "",
        };
        let line1 = format!("{} {}", person.house_number, person.street);
        let unit = if person.unit.is_empty() {
            String::new()
        } else {
            format!("APT {}", person.unit)
        };
        let precinct = format!("25-{:03}", person.precinct);
        let mut row: Vec<String> = vec![String::new(); header.len()];
        for (name, value) in [
            ("SOS_VOTERID", id.as_str()),
            ("COUNTY_NUMBER", "25"),
            ("LAST_NAME", &person.last_name),
            ("FIRST_NAME", &person.first_name),
            ("MIDDLE_NAME", &person.middle_name),
            ("SUFFIX", person.suffix),
            ("DATE_OF_BIRTH", &dob),
            ("REGISTRATION_DATE", &registered),
            (
                "VOTER_STATUS",
                if person.active {
                    "ACTIVE"
                } else {
                    "CONFIRMATION"
                },
            ),
            ("PARTY_AFFILIATION", party),
            ("RESIDENTIAL_ADDRESS1", &line1),
            ("RESIDENTIAL_SECONDARY_ADDR", &unit),
            ("RESIDENTIAL_CITY", person.city),
            ("RESIDENTIAL_STATE", "OH"),
            ("RESIDENTIAL_ZIP", person.zip),
            ("PRECINCT_CODE", &precinct),
            ("PRECINCT_NAME", &precinct),
            ("CONGRESSIONAL_DISTRICT", "03"),
        ] {
            row[at(name)] = value.to_owned();
        }
        for (offset, (date, kind)) in ELECTIONS.iter().enumerate() {
            if let Some(vote) = person
                .votes
                .iter()
                .find(|v| v.date == *date && v.kind == *kind)
            {
                row[crate::ohio::VOTER_COLUMNS.len() + offset] = if vote.party.is_empty() {
                    "X".into()
                } else {
                    vote.party[..1].to_owned()
                };
            }
        }
        let refs: Vec<&str> = row.iter().map(String::as_str).collect();
        out.line(&refs, b',', false)?;
    }
    Ok(out.written)
}

/// The voter's Florida voter id.
pub fn florida_id(person: &Person) -> String {
    format!("{:09}", 100_000_000 + person.number)
}

/// Florida voter extract: tab, no header, county code first.
pub fn write_florida(
    population: &Population,
    county: &str,
    out: impl Write,
) -> io::Result<Written> {
    let mut out = Out::new(out, true);
    for person in population.people() {
        let exempt = person.confidential;
        let id = florida_id(&person);
        let unit = if person.unit.is_empty() {
            String::new()
        } else {
            format!("APT {}", person.unit)
        };
        let line1 = format!("{} {}", person.house_number, person.street);
        let birth = mdy((person.birth_year, person.birth_month, person.birth_day));
        let registered = mdy(person.registered);
        let party = match person.party {
            "UNA" => "NPA",
            "LIB" => "LPF",
            other => other,
        };
        let precinct = format!("{:03}", person.precinct);
        let (area, number) = if person.phone.len() == 10 {
            person.phone.split_at(3)
        } else {
            ("", person.phone.as_str())
        };
        let withheld = |value: &str| {
            if exempt {
                "*".to_owned()
            } else {
                value.to_owned()
            }
        };
        let row: [String; 38] = [
            county.into(),
            id,
            person.last_name.clone(),
            person.suffix.into(),
            person.first_name.clone(),
            person.middle_name.clone(),
            if exempt { "Y" } else { "N" }.into(),
            withheld(&line1),
            withheld(&unit),
            withheld(person.city),
            withheld("FL"),
            withheld(person.zip),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            person.gender.into(),
            ["1", "2", "3", "4", "5", "6", "7", "9"][(person.number % 8) as usize].into(),
            birth,
            registered,
            party.into(),
            precinct.clone(),
            "1".into(),
            format!("{precinct}.0"),
            String::new(),
            if person.active { "ACT" } else { "INA" }.into(),
            "20".into(),
            "101".into(),
            "33".into(),
            "4".into(),
            "6".into(),
            area.into(),
            number.into(),
            String::new(),
            String::new(),
        ];
        let refs: Vec<&str> = row.iter().map(String::as_str).collect();
        out.line(&refs, b'\t', false)?;
    }
    Ok(out.written)
}

/// Florida voter history for the same population.
pub fn write_florida_history(
    population: &Population,
    county: &str,
    out: impl Write,
) -> io::Result<Written> {
    let mut out = Out::new(out, true);
    for person in population.people() {
        let id = florida_id(&person);
        for (date, kind) in ELECTIONS {
            let vote = person
                .votes
                .iter()
                .find(|v| v.date == *date && v.kind == *kind);
            let code = match vote.map(|v| v.method) {
                None => "N",
                Some("ABSENTEE BY MAIL") => "A",
                Some("ABSENTEE ONESTOP") => "E",
                Some(_) => "Y",
            };
            let kind = if *kind == "GENERAL" { "GEN" } else { "PRI" };
            out.line(&[county, &id, &mdy(*date), kind, code], b'\t', false)?;
        }
    }
    Ok(out.written)
}

/// A generic CSV export (as a county's own system might produce), and the
/// mapping that reads it.
pub fn write_csv(population: &Population, out: impl Write) -> io::Result<Written> {
    let mut out = Out::new(out, false);
    out.line(
        &[
            "Voter ID",
            "First",
            "Last",
            "Address",
            "City",
            "Zip",
            "Party",
            "Phone",
            "Birth Date",
            "Precinct",
        ],
        b',',
        false,
    )?;
    for person in population.people() {
        let id = format!("GX{:08}", person.number);
        let birth = mdy((person.birth_year, person.birth_month, person.birth_day));
        let precinct = person.precinct.to_string();
        out.line(
            &[
                &id,
                &person.first_name,
                &person.last_name,
                &street_line(&person),
                person.city,
                person.zip,
                person.party,
                &person.phone,
                &birth,
                &precinct,
            ],
            b',',
            false,
        )?;
    }
    Ok(out.written)
}

/// The mapping that reads [`write_csv`]'s files.
pub fn csv_mapping() -> Mapping {
    let columns: BTreeMap<String, ColumnRef> = [
        ("voter_id", "Voter ID"),
        ("first_name", "First"),
        ("last_name", "Last"),
        ("street_line", "Address"),
        ("city", "City"),
        ("zip", "Zip"),
        ("party", "Party"),
        ("phone", "Phone"),
        ("birth_date", "Birth Date"),
        ("precinct", "Precinct"),
    ]
    .into_iter()
    .map(|(field, column)| (field.to_owned(), ColumnRef::Name(column.to_owned())))
    .collect();
    Mapping {
        name: "county-export".into(),
        delimiter: ",".into(),
        encoding: "utf-8".into(),
        header: true,
        state: "NC".into(),
        date_format: "mdy".into(),
        columns,
    }
}
