//! The generic importer: any delimited file, read through a column mapping
//! that an office saves by name and reuses (Nevada's headerless files, West
//! Virginia's pipes, a county's spreadsheet export).

use crate::address::Address;
use crate::fields::{Columns, FieldError, Fields};
use crate::record::{precinct_code, time_zone, Row, VoterRecord};
use crate::source::Dialect;
use crate::ReadError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A column named by its header text, or by its position (1 is the first
/// column, as a spreadsheet counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    Position(usize),
    Name(String),
}

/// How to read one kind of file. Saved as JSON:
///
/// ```json
/// { "name": "nevada", "delimiter": ",", "encoding": "latin1", "header": false,
///   "state": "NV", "date_format": "mdy",
///   "columns": { "voter_id": 1, "last_name": 3, "first_name": 2, "street_line": 6,
///                "city": 7, "zip": 8, "party": 10 } }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub name: String,
    /// One character, or `tab`.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// A WHATWG encoding label: `utf-8`, `latin1`, `windows-1252`, ...
    #[serde(default = "default_encoding")]
    pub encoding: String,
    #[serde(default = "default_true")]
    pub header: bool,
    /// The two-letter state the file is from, for time zones and addresses.
    #[serde(default)]
    pub state: String,
    /// `mdy` (MM/DD/YYYY) or `ymd` (YYYY-MM-DD).
    #[serde(default = "default_date_format")]
    pub date_format: String,
    /// Our field name to the file's column. Known fields are listed in
    /// [`Mapping::FIELDS`].
    pub columns: BTreeMap<String, ColumnRef>,
}

fn default_delimiter() -> String {
    ",".to_owned()
}
fn default_encoding() -> String {
    "utf-8".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_date_format() -> String {
    "mdy".to_owned()
}

impl Mapping {
    /// The fields a mapping may fill. `voter_id` and `last_name` are
    /// required, and either `street_line` or `street`.
    pub const FIELDS: &'static [&'static str] = &[
        "voter_id",
        "county",
        "last_name",
        "first_name",
        "middle_name",
        "suffix",
        "status",
        "party",
        "gender",
        "birth_year",
        "birth_date",
        "registered_on",
        "street_line",
        "house_number",
        "street",
        "unit",
        "city",
        "state",
        "zip",
        "phone",
        "precinct",
        "precinct_name",
        "cong_district",
        "senate_district",
        "house_district",
        "municipality",
    ];

    pub fn from_json(text: &str) -> Result<Self, ReadError> {
        let mapping: Self = serde_json::from_str(text)
            .map_err(|error| ReadError::Mapping(format!("not a valid mapping: {error}")))?;
        mapping.check()?;
        Ok(mapping)
    }

    /// Checks what can be checked before a file is opened.
    pub fn check(&self) -> Result<(), ReadError> {
        if self.name.trim().is_empty() {
            return Err(ReadError::Mapping(
                "a mapping needs a name to be saved under".into(),
            ));
        }
        for field in self.columns.keys() {
            if !Self::FIELDS.contains(&field.as_str()) {
                return Err(ReadError::Mapping(format!(
                    "unknown field {field:?}; the fields are {}",
                    Self::FIELDS.join(", ")
                )));
            }
        }
        for required in ["voter_id", "last_name"] {
            if !self.columns.contains_key(required) {
                return Err(ReadError::Mapping(format!(
                    "the mapping must say which column holds {required}"
                )));
            }
        }
        if !self.columns.contains_key("street_line") && !self.columns.contains_key("street") {
            return Err(ReadError::Mapping(
                "the mapping must say which column holds street_line (number, street and unit in one) or street".into(),
            ));
        }
        if !matches!(self.date_format.as_str(), "mdy" | "ymd") {
            return Err(ReadError::Mapping(format!(
                "date_format {:?} should be mdy (MM/DD/YYYY) or ymd (YYYY-MM-DD)",
                self.date_format
            )));
        }
        if !self.header {
            if let Some((field, _)) = self
                .columns
                .iter()
                .find(|(_, c)| matches!(c, ColumnRef::Name(_)))
            {
                return Err(ReadError::Mapping(format!(
                    "the file has no header, so {field} must name a column by position (1 is the first)"
                )));
            }
        }
        self.dialect().map(|_| ())
    }

    pub(crate) fn dialect(&self) -> Result<Dialect, ReadError> {
        let delimiter = match self.delimiter.as_str() {
            "tab" | "\\t" | "\t" => b'\t',
            text if text.len() == 1 && text.is_ascii() => text.as_bytes()[0],
            text => {
                return Err(ReadError::Mapping(format!(
                    "delimiter {text:?} should be one character, or \"tab\""
                )))
            }
        };
        let encoding =
            encoding_rs::Encoding::for_label(self.encoding.as_bytes()).ok_or_else(|| {
                ReadError::Mapping(format!(
                    "unknown text encoding {:?}; try utf-8 or latin1",
                    self.encoding
                ))
            })?;
        Ok(Dialect {
            delimiter,
            header: self.header,
            quoting: true,
            encoding,
        })
    }
}

pub(crate) struct MappedColumns {
    fields: BTreeMap<&'static str, usize>,
    state: String,
    ymd: bool,
    default_county: String,
}

impl MappedColumns {
    pub fn new(mapping: &Mapping, columns: &Columns) -> Result<Self, String> {
        let mut fields = BTreeMap::new();
        for (field, column) in &mapping.columns {
            let Some(known) = Mapping::FIELDS.iter().find(|f| **f == field.as_str()) else {
                return Err(field.clone());
            };
            let index = match column {
                ColumnRef::Position(0) => {
                    return Err(format!("{field} at position 0 (1 is the first)"))
                }
                ColumnRef::Position(position) => position - 1,
                ColumnRef::Name(name) => columns.find(name, &[]).ok_or_else(|| name.clone())?,
            };
            fields.insert(*known, index);
        }
        Ok(Self {
            fields,
            state: mapping.state.trim().to_ascii_uppercase(),
            ymd: mapping.date_format == "ymd",
            default_county: mapping.name.trim().to_ascii_uppercase(),
        })
    }

    fn at(&self, field: &str) -> Option<usize> {
        self.fields.get(field).copied()
    }

    pub fn parse(&self, f: &Fields<'_>) -> Result<Row, FieldError> {
        let name = |field: &str| f.column_name(self.at(field)).to_owned();
        let text = |field: &str| f.text(self.at(field));
        let date = |field: &str| -> Result<Option<String>, FieldError> {
            if self.ymd {
                f.date_ymd(self.at(field))
            } else {
                f.date_mdy(self.at(field))
            }
        };
        let voter_id = f.voter_id(self.at("voter_id"))?;
        let county = match text("county") {
            "" => self.default_county.clone(),
            county => county.to_ascii_uppercase(),
        };
        let state = match text("state") {
            "" => self.state.clone(),
            state => state.to_ascii_uppercase(),
        };
        let address = if self.at("street_line").is_some() {
            Address::from_lines(
                text("street_line"),
                text("unit"),
                text("city"),
                &state,
                text("zip"),
            )
        } else {
            let number = text("house_number");
            let house_number = if number.is_empty() {
                None
            } else {
                Some(number.parse::<i64>().map_err(|_| {
                    FieldError::new(&name("house_number"), "a house number", number)
                })?)
            };
            let mut address = Address::from_lines(
                text("street"),
                text("unit"),
                text("city"),
                &state,
                text("zip"),
            );
            address.house_number = house_number;
            address
        };
        let status_text = text("status");
        let status = match status_text.to_ascii_uppercase().as_str() {
            "" | "A" | "ACT" | "ACTIVE" => "A",
            "I" | "INA" | "INACTIVE" | "CONFIRMATION" => "I",
            "P" | "PRE" => "P",
            "R" | "REMOVED" => "R",
            _ => {
                return Err(FieldError::new(
                    &name("status"),
                    "a status (ACTIVE, INACTIVE, A, I, ...)",
                    status_text,
                ))
            }
        };
        let birth_year = match (self.at("birth_year"), self.at("birth_date")) {
            (Some(_), _) => f.year(self.at("birth_year"))?,
            (None, Some(_)) => date("birth_date")?.and_then(|d| d[..4].parse().ok()),
            (None, None) => None,
        };
        let precinct = text("precinct");
        let voter = VoterRecord {
            voter_id,
            registration_number: String::new(),
            last_name: f
                .required(self.at("last_name"), "the voter's last name")?
                .to_uppercase(),
            first_name: text("first_name").to_uppercase(),
            middle_name: text("middle_name").to_uppercase(),
            suffix: text("suffix").to_uppercase(),
            status: status.to_owned(),
            party: text("party").to_ascii_uppercase(),
            gender: text("gender").to_ascii_uppercase(),
            birth_year,
            registered_on: date("registered_on")?,
            address,
            confidential: false,
            phone: text("phone").to_owned(),
            precinct_code: precinct_code(&county, precinct),
            precinct_name: text("precinct_name").to_owned(),
            cong_district: text("cong_district").to_owned(),
            senate_district: text("senate_district").to_owned(),
            house_district: text("house_district").to_owned(),
            municipality: text("municipality").to_owned(),
            time_zone: time_zone(&state, &county),
            county,
        };
        Ok(Row::Voter(Box::new(voter), Vec::new()))
    }
}
