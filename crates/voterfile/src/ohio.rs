//! Ohio's statewide files: comma-separated with a header, and vote history
//! spread over one column per election (`GENERAL-11/06/2012`).

use crate::address::Address;
use crate::fields::{parse_mdy, Columns, FieldError, Fields};
use crate::record::{precinct_code, time_zone, Row, VoteRecord, VoterRecord};

/// The voter columns, in the published order; election columns follow.
pub const VOTER_COLUMNS: &[&str] = &[
    "SOS_VOTERID",
    "COUNTY_NUMBER",
    "COUNTY_ID",
    "LAST_NAME",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "SUFFIX",
    "DATE_OF_BIRTH",
    "REGISTRATION_DATE",
    "VOTER_STATUS",
    "PARTY_AFFILIATION",
    "RESIDENTIAL_ADDRESS1",
    "RESIDENTIAL_SECONDARY_ADDR",
    "RESIDENTIAL_CITY",
    "RESIDENTIAL_STATE",
    "RESIDENTIAL_ZIP",
    "RESIDENTIAL_ZIP_PLUS4",
    "RESIDENTIAL_COUNTRY",
    "RESIDENTIAL_POSTALCODE",
    "MAILING_ADDRESS1",
    "MAILING_SECONDARY_ADDRESS",
    "MAILING_CITY",
    "MAILING_STATE",
    "MAILING_ZIP",
    "MAILING_ZIP_PLUS4",
    "MAILING_COUNTRY",
    "MAILING_POSTAL_CODE",
    "CAREER_CENTER",
    "CITY",
    "CITY_SCHOOL_DISTRICT",
    "COUNTY_COURT_DISTRICT",
    "CONGRESSIONAL_DISTRICT",
    "COURT_OF_APPEALS",
    "EDU_SERVICE_CENTER_DISTRICT",
    "EXEMPTED_VILL_SCHOOL_DISTRICT",
    "LIBRARY",
    "LOCAL_SCHOOL_DISTRICT",
    "MUNICIPAL_COURT_DISTRICT",
    "PRECINCT_NAME",
    "PRECINCT_CODE",
    "STATE_BOARD_OF_EDUCATION",
    "STATE_REPRESENTATIVE_DISTRICT",
    "STATE_SENATE_DISTRICT",
    "TOWNSHIP",
    "VILLAGE",
    "WARD",
];

struct Election {
    column: usize,
    kind: String,
    date: String,
}

/// Splits an election column's name, `GENERAL-11/06/2012`, into its type
/// and ISO date.
pub fn election_column(name: &str) -> Option<(String, String)> {
    let (kind, date) = name.rsplit_once('-')?;
    let kind = kind.trim().to_ascii_uppercase();
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '_' || c == ' ')
    {
        return None;
    }
    Some((kind, parse_mdy(date)?))
}

pub(crate) struct OhioColumns {
    id: Option<usize>,
    county: Option<usize>,
    last: Option<usize>,
    first: Option<usize>,
    middle: Option<usize>,
    suffix: Option<usize>,
    birth: Option<usize>,
    registered: Option<usize>,
    status: Option<usize>,
    party: Option<usize>,
    address1: Option<usize>,
    address2: Option<usize>,
    city: Option<usize>,
    state: Option<usize>,
    zip: Option<usize>,
    precinct_name: Option<usize>,
    precinct_code: Option<usize>,
    cong: Option<usize>,
    senate: Option<usize>,
    house: Option<usize>,
    municipality: Option<usize>,
    village: Option<usize>,
    elections: Vec<Election>,
}

impl OhioColumns {
    pub fn new(columns: &Columns, warnings: &mut Vec<String>) -> Result<Self, String> {
        let need = |name: &str| columns.need(name);
        let may = |name: &str| columns.may(name);
        let mut elections = Vec::new();
        for (column, name) in columns.names().iter().enumerate() {
            if let Some((kind, date)) = election_column(name) {
                elections.push(Election { column, kind, date });
            } else if !VOTER_COLUMNS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(name))
            {
                warnings.push(format!("unknown column {name:?} ignored"));
            }
        }
        Ok(Self {
            id: need("sos_voterid")?,
            county: need("county_number")?,
            last: need("last_name")?,
            first: need("first_name")?,
            middle: may("middle_name"),
            suffix: may("suffix"),
            birth: may("date_of_birth"),
            registered: may("registration_date"),
            status: need("voter_status")?,
            party: may("party_affiliation"),
            address1: need("residential_address1")?,
            address2: may("residential_secondary_addr"),
            city: need("residential_city")?,
            state: may("residential_state"),
            zip: need("residential_zip")?,
            precinct_name: may("precinct_name"),
            precinct_code: need("precinct_code")?,
            cong: may("congressional_district"),
            senate: may("state_senate_district"),
            house: may("state_representative_district"),
            municipality: may("city"),
            village: may("village"),
            elections,
        })
    }

    pub fn parse(&self, f: &Fields<'_>) -> Result<Row, FieldError> {
        let voter_id = f.voter_id(self.id)?;
        let county = f.required(self.county, "the county number")?.to_owned();
        let status_text = f.required(self.status, "ACTIVE or CONFIRMATION")?;
        let status = match status_text.to_ascii_uppercase().as_str() {
            "ACTIVE" => "A",
            "CONFIRMATION" | "INACTIVE" => "I",
            _ => {
                return Err(FieldError::new(
                    f.column_name(self.status),
                    "ACTIVE or CONFIRMATION",
                    status_text,
                ))
            }
        };
        let state = match f.text(self.state) {
            "" => "OH",
            state => state,
        };
        let mut votes = Vec::new();
        for election in &self.elections {
            let cell = f.text(Some(election.column));
            let party = match cell.to_ascii_uppercase().as_str() {
                "" => continue,
                "X" => String::new(),
                letter if letter.len() == 1 && letter.chars().all(|c| c.is_ascii_alphabetic()) => {
                    letter.to_owned()
                }
                _ => {
                    return Err(FieldError::new(
                        f.column_name(Some(election.column)),
                        "X or the letter of a party ballot (D, R, ...)",
                        cell,
                    ))
                }
            };
            votes.push(VoteRecord {
                voter_id: voter_id.clone(),
                election_date: election.date.clone(),
                election_type: election.kind.clone(),
                election_desc: format!("{} {}", election.date, election.kind),
                method: String::new(),
                party,
            });
        }
        let municipality = match f.text(self.municipality) {
            "" => f.text(self.village),
            city => city,
        };
        let precinct = f.text(self.precinct_code);
        let voter = VoterRecord {
            voter_id,
            registration_number: String::new(),
            last_name: f
                .required(self.last, "the voter's last name")?
                .to_uppercase(),
            first_name: f.text(self.first).to_uppercase(),
            middle_name: f.text(self.middle).to_uppercase(),
            suffix: f.text(self.suffix).to_uppercase(),
            status: status.to_owned(),
            party: f.text(self.party).to_ascii_uppercase(),
            gender: String::new(),
            birth_year: f
                .date_ymd(self.birth)?
                .and_then(|date| date[..4].parse().ok()),
            registered_on: f.date_ymd(self.registered)?,
            address: Address::from_lines(
                f.text(self.address1),
                f.text(self.address2),
                f.text(self.city),
                state,
                f.text(self.zip),
            ),
            confidential: false,
            phone: String::new(),
            precinct_code: precinct_code(&county, precinct),
            precinct_name: f.text(self.precinct_name).to_owned(),
            cong_district: f.text(self.cong).to_owned(),
            senate_district: f.text(self.senate).to_owned(),
            house_district: f.text(self.house).to_owned(),
            municipality: municipality.to_owned(),
            time_zone: time_zone("OH", &county),
            county,
        };
        Ok(Row::Voter(Box::new(voter), votes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn election_columns_are_recognised() {
        assert_eq!(
            election_column("GENERAL-11/06/2012"),
            Some(("GENERAL".into(), "2012-11-06".into()))
        );
        assert_eq!(
            election_column("primary-03/06/2012"),
            Some(("PRIMARY".into(), "2012-03-06".into()))
        );
        assert_eq!(election_column("RESIDENTIAL_ZIP"), None);
        assert_eq!(election_column("GENERAL-13/06/2012"), None);
    }
}
