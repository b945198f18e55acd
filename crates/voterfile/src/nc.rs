//! North Carolina's `ncvoter` and `ncvhis` files, mapped by header name.

use crate::address::Address;
use crate::fields::{Columns, FieldError, Fields};
use crate::record::{precinct_code, time_zone, Row, VoteRecord, VoterRecord};

/// The 67 columns of `ncvoter`, in the published order.
pub const VOTER_COLUMNS: &[&str] = &[
    "county_id",
    "county_desc",
    "voter_reg_num",
    "ncid",
    "last_name",
    "first_name",
    "middle_name",
    "name_suffix_lbl",
    "status_cd",
    "voter_status_desc",
    "reason_cd",
    "voter_status_reason_desc",
    "res_street_address",
    "res_city_desc",
    "state_cd",
    "zip_code",
    "mail_addr1",
    "mail_addr2",
    "mail_addr3",
    "mail_addr4",
    "mail_city",
    "mail_state",
    "mail_zipcode",
    "full_phone_number",
    "confidential_ind",
    "registr_dt",
    "race_code",
    "ethnic_code",
    "party_cd",
    "gender_code",
    "birth_year",
    "age_at_year_end",
    "birth_state",
    "drivers_lic",
    "precinct_abbrv",
    "precinct_desc",
    "municipality_abbrv",
    "municipality_desc",
    "ward_abbrv",
    "ward_desc",
    "cong_dist_abbrv",
    "super_court_abbrv",
    "judic_dist_abbrv",
    "nc_senate_abbrv",
    "nc_house_abbrv",
    "county_commiss_abbrv",
    "county_commiss_desc",
    "township_abbrv",
    "township_desc",
    "school_dist_abbrv",
    "school_dist_desc",
    "fire_dist_abbrv",
    "fire_dist_desc",
    "water_dist_abbrv",
    "water_dist_desc",
    "sewer_dist_abbrv",
    "sewer_dist_desc",
    "sanit_dist_abbrv",
    "sanit_dist_desc",
    "rescue_dist_abbrv",
    "rescue_dist_desc",
    "munic_dist_abbrv",
    "munic_dist_desc",
    "dist_1_abbrv",
    "dist_1_desc",
    "vtd_abbrv",
    "vtd_desc",
];

/// Other spellings seen in some releases.
const VOTER_ALIASES: &[&str] = &["county_commis_abbrv", "county_commis_desc"];

/// The columns of `ncvhis`, in the published order.
pub const HISTORY_COLUMNS: &[&str] = &[
    "county_id",
    "county_desc",
    "voter_reg_num",
    "election_lbl",
    "election_desc",
    "voting_method",
    "voted_party_cd",
    "voted_party_desc",
    "pct_label",
    "pct_description",
    "ncid",
    "voted_county_id",
    "voted_county_desc",
    "vtd_label",
    "vtd_description",
];

pub(crate) struct VoterColumns {
    county: Option<usize>,
    reg_num: Option<usize>,
    ncid: Option<usize>,
    last: Option<usize>,
    first: Option<usize>,
    middle: Option<usize>,
    suffix: Option<usize>,
    status: Option<usize>,
    street: Option<usize>,
    city: Option<usize>,
    state: Option<usize>,
    zip: Option<usize>,
    phone: Option<usize>,
    confidential: Option<usize>,
    registered: Option<usize>,
    party: Option<usize>,
    gender: Option<usize>,
    birth_year: Option<usize>,
    precinct: Option<usize>,
    precinct_desc: Option<usize>,
    municipality: Option<usize>,
    cong: Option<usize>,
    senate: Option<usize>,
    house: Option<usize>,
}

impl VoterColumns {
    pub fn new(columns: &Columns, warnings: &mut Vec<String>) -> Result<Self, String> {
        let need = |name: &str| columns.need(name);
        let may = |name: &str| columns.may(name);
        for name in columns.names() {
            if !VOTER_COLUMNS.contains(&name.as_str()) && !VOTER_ALIASES.contains(&name.as_str()) {
                warnings.push(format!("unknown column {name:?} ignored"));
            }
        }
        Ok(Self {
            county: Some(
                columns
                    .find("county_desc", &[])
                    .or_else(|| columns.find("county_id", &[]))
                    .ok_or("county_desc")?,
            ),
            reg_num: may("voter_reg_num"),
            ncid: need("ncid")?,
            last: need("last_name")?,
            first: need("first_name")?,
            middle: may("middle_name"),
            suffix: may("name_suffix_lbl"),
            status: need("status_cd")?,
            street: need("res_street_address")?,
            city: need("res_city_desc")?,
            state: may("state_cd"),
            zip: need("zip_code")?,
            phone: may("full_phone_number"),
            confidential: may("confidential_ind"),
            registered: may("registr_dt"),
            party: need("party_cd")?,
            gender: may("gender_code"),
            birth_year: may("birth_year"),
            precinct: need("precinct_abbrv")?,
            precinct_desc: may("precinct_desc"),
            municipality: may("municipality_desc"),
            cong: may("cong_dist_abbrv"),
            senate: may("nc_senate_abbrv"),
            house: may("nc_house_abbrv"),
        })
    }

    pub fn parse(&self, f: &Fields<'_>) -> Result<Row, FieldError> {
        let voter_id = f.voter_id(self.ncid)?;
        let county = f.required(self.county, "the county")?.to_ascii_uppercase();
        let confidential = f.text(self.confidential).eq_ignore_ascii_case("Y");
        let state = match f.text(self.state) {
            "" => "NC",
            state => state,
        };
        let address = if confidential {
            Address::default()
        } else {
            Address::from_lines(
                f.text(self.street),
                "",
                f.text(self.city),
                state,
                f.text(self.zip),
            )
        };
        let status = f.required(self.status, "a status code (A, I, R, D or S)")?;
        if !matches!(status, "A" | "I" | "R" | "D" | "S") {
            return Err(FieldError::new(
                f.column_name(self.status),
                "a status code (A, I, R, D or S)",
                status,
            ));
        }
        let precinct = f.text(self.precinct);
        let voter = VoterRecord {
            voter_id,
            registration_number: f.text(self.reg_num).to_owned(),
            last_name: f
                .required(self.last, "the voter's last name")?
                .to_uppercase(),
            first_name: f.text(self.first).to_uppercase(),
            middle_name: f.text(self.middle).to_uppercase(),
            suffix: f.text(self.suffix).to_uppercase(),
            status: status.to_owned(),
            party: f
                .required(self.party, "a party code (DEM, REP, UNA, ...)")?
                .to_ascii_uppercase(),
            gender: f.text(self.gender).to_ascii_uppercase(),
            birth_year: f.year(self.birth_year)?,
            registered_on: f.date_mdy(self.registered)?,
            confidential,
            phone: f.text(self.phone).to_owned(),
            precinct_code: precinct_code(&county, precinct),
            precinct_name: f.text(self.precinct_desc).to_owned(),
            cong_district: f.text(self.cong).to_owned(),
            senate_district: f.text(self.senate).to_owned(),
            house_district: f.text(self.house).to_owned(),
            municipality: f.text(self.municipality).to_owned(),
            time_zone: time_zone("NC", &county),
            address,
            county,
        };
        Ok(Row::Voter(Box::new(voter), Vec::new()))
    }
}

pub(crate) struct HistoryColumns {
    ncid: Option<usize>,
    date: Option<usize>,
    desc: Option<usize>,
    method: Option<usize>,
    party: Option<usize>,
}

impl HistoryColumns {
    pub fn new(columns: &Columns) -> Result<Self, String> {
        let need = |name: &str| columns.need(name);
        Ok(Self {
            ncid: need("ncid")?,
            date: need("election_lbl")?,
            desc: need("election_desc")?,
            method: columns.find("voting_method", &[]),
            party: columns.find("voted_party_cd", &[]),
        })
    }

    pub fn parse(&self, f: &Fields<'_>) -> Result<Row, FieldError> {
        let voter_id = f.voter_id(self.ncid)?;
        let election_date = f.date_mdy(self.date)?.ok_or_else(|| {
            FieldError::new(
                f.column_name(self.date),
                "the election date as MM/DD/YYYY",
                "",
            )
        })?;
        let desc = f
            .required(self.desc, "the election's description")?
            .to_uppercase();
        // `11/08/2022 GENERAL` names the type after the date.
        let election_type = desc
            .split_once(' ')
            .filter(|(first, _)| first.contains('/'))
            .map_or(desc.as_str(), |(_, rest)| rest)
            .trim()
            .to_owned();
        Ok(Row::Votes(vec![VoteRecord {
            voter_id,
            election_date,
            election_type,
            election_desc: desc.clone(),
            method: f.text(self.method).to_uppercase(),
            party: f.text(self.party).to_ascii_uppercase(),
        }]))
    }
}
