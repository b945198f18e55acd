//! Florida's county voter extracts: tab-delimited with no header, so columns
//! are known by position, and the matching history files.

use crate::address::Address;
use crate::fields::{FieldError, Fields};
use crate::record::{precinct_code, time_zone, Row, VoteRecord, VoterRecord};

/// The extract's columns by position (names are ours; the file has none).
pub const VOTER_COLUMNS: &[&str] = &[
    "county_code",
    "voter_id",
    "name_last",
    "name_suffix",
    "name_first",
    "name_middle",
    "public_records_exemption",
    "residence_address_1",
    "residence_address_2",
    "residence_city",
    "residence_state",
    "residence_zip",
    "mailing_address_1",
    "mailing_address_2",
    "mailing_address_3",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
    "mailing_country",
    "gender",
    "race",
    "birth_date",
    "registration_date",
    "party",
    "precinct",
    "precinct_group",
    "precinct_split",
    "precinct_suffix",
    "voter_status",
    "congressional_district",
    "house_district",
    "senate_district",
    "county_commission_district",
    "school_board_district",
    "daytime_area_code",
    "daytime_phone_number",
    "daytime_phone_extension",
    "email_address",
];

pub const HISTORY_COLUMNS: &[&str] = &[
    "county_code",
    "voter_id",
    "election_date",
    "election_type",
    "history_code",
];

fn at(name: &str) -> Option<usize> {
    VOTER_COLUMNS.iter().position(|c| *c == name)
}

pub(crate) struct VoterColumns;

impl VoterColumns {
    pub fn new() -> Self {
        Self
    }

    pub fn parse(&self, f: &Fields<'_>) -> Result<Row, FieldError> {
        let county = f.required(
            at("county_code"),
            "a three-letter county code (DAD, LEO, ...)",
        )?;
        if county.len() != 3 || !county.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(FieldError::new(
                "county_code",
                "a three-letter county code (DAD, LEO, ...)",
                county,
            ));
        }
        let county = county.to_ascii_uppercase();
        let voter_id = f.voter_id(at("voter_id"))?;
        let exemption = f.text(at("public_records_exemption"));
        let confidential = match exemption {
            "Y" | "y" => true,
            "N" | "n" | "" => false,
            other => {
                return Err(FieldError::new("public_records_exemption", "Y or N", other));
            }
        };
        // Withheld fields are blank or starred; never keep either as data.
        let shown = |name: &str| -> String {
            let text = f.text(at(name));
            if text.chars().all(|c| c == '*') {
                String::new()
            } else {
                text.to_uppercase()
            }
        };
        let status_text = f.required(at("voter_status"), "ACT, INA or PRE")?;
        let status = match status_text {
            "ACT" => "A",
            "INA" => "I",
            "PRE" => "P",
            other => return Err(FieldError::new("voter_status", "ACT, INA or PRE", other)),
        };
        let last_name = shown("name_last");
        if last_name.is_empty() && !confidential {
            return Err(FieldError::new("name_last", "the voter's last name", ""));
        }
        let address = if confidential {
            Address::default()
        } else {
            Address::from_lines(
                f.text(at("residence_address_1")),
                f.text(at("residence_address_2")),
                f.text(at("residence_city")),
                match f.text(at("residence_state")) {
                    "" => "FL",
                    state => state,
                },
                f.text(at("residence_zip")),
            )
        };
        let area = f.text(at("daytime_area_code"));
        let number = f.text(at("daytime_phone_number"));
        let phone = if number.is_empty() {
            String::new()
        } else {
            format!("{area}{number}")
        };
        let precinct = f.text(at("precinct"));
        let voter = VoterRecord {
            voter_id,
            registration_number: String::new(),
            last_name,
            first_name: shown("name_first"),
            middle_name: shown("name_middle"),
            suffix: shown("name_suffix"),
            status: status.to_owned(),
            party: f
                .required(at("party"), "a party code (DEM, REP, NPA, ...)")?
                .to_ascii_uppercase(),
            gender: f.text(at("gender")).to_ascii_uppercase(),
            birth_year: f
                .date_mdy(at("birth_date"))?
                .and_then(|date| date[..4].parse().ok()),
            registered_on: f.date_mdy(at("registration_date"))?,
            address,
            confidential,
            phone,
            precinct_code: precinct_code(&county, precinct),
            precinct_name: String::new(),
            cong_district: f.text(at("congressional_district")).to_owned(),
            senate_district: f.text(at("senate_district")).to_owned(),
            house_district: f.text(at("house_district")).to_owned(),
            municipality: String::new(),
            time_zone: time_zone("FL", &county),
            county,
        };
        Ok(Row::Voter(Box::new(voter), Vec::new()))
    }
}

pub(crate) struct HistoryColumns;

impl HistoryColumns {
    pub fn new() -> Self {
        Self
    }

    pub fn parse(&self, f: &Fields<'_>) -> Result<Row, FieldError> {
        let voter_id = f.voter_id(Some(1))?;
        let election_date = f.date_mdy(Some(2))?.ok_or_else(|| {
            FieldError::new("election_date", "the election date as MM/DD/YYYY", "")
        })?;
        let kind_code = f.text(Some(3));
        let kind = match kind_code {
            "PPP" => "PRESIDENTIAL PREFERENCE PRIMARY",
            "PRI" => "PRIMARY",
            "RUN" => "RUNOFF",
            "GEN" => "GENERAL",
            "OTH" => "OTHER",
            other => {
                return Err(FieldError::new(
                    "election_type",
                    "PPP, PRI, RUN, GEN or OTH",
                    other,
                ))
            }
        };
        let code = f.text(Some(4));
        let method = match code {
            "A" => "ABSENTEE",
            "B" => "ABSENTEE NOT COUNTED",
            "E" => "EARLY",
            "F" => "PROVISIONAL EARLY",
            "P" => "PROVISIONAL NOT COUNTED",
            "Y" => "AT THE POLLS",
            "Z" => "PROVISIONAL AT THE POLLS",
            // Did not vote: not a vote.
            "N" => return Ok(Row::Votes(Vec::new())),
            other => {
                return Err(FieldError::new(
                    "history_code",
                    "A, B, E, F, N, P, Y or Z",
                    other,
                ));
            }
        };
        Ok(Row::Votes(vec![VoteRecord {
            voter_id,
            election_desc: format!("{election_date} {kind}"),
            election_date,
            election_type: kind.to_owned(),
            method: method.to_owned(),
            party: String::new(),
        }]))
    }
}
