//! Residential addresses: split into house number, street and unit, and
//! normalised into the key that groups voters into households.
//!
//! Voter files write one street several ways (`123 Main Street Apt 4B`,
//! `123 MAIN ST #4B`); the key must not. Each unit is its own household, so
//! the unit is part of the key.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    pub house_number: Option<i64>,
    /// What follows the number and belongs to it (`1/2`, `B`).
    pub number_suffix: String,
    pub street: String,
    pub unit: String,
    pub city: String,
    pub state: String,
    /// Five digits.
    pub zip: String,
}

/// Words that introduce a unit.
const UNIT_WORDS: &[&str] = &[
    "APT",
    "APARTMENT",
    "UNIT",
    "STE",
    "SUITE",
    "LOT",
    "RM",
    "ROOM",
    "BLDG",
    "FL",
    "FLOOR",
    "TRLR",
    "SPC",
    "SPACE",
    "#",
];

/// USPS street-suffix and directional abbreviations for the common long forms.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("STREET", "ST"),
    ("AVENUE", "AVE"),
    ("AV", "AVE"),
    ("ROAD", "RD"),
    ("DRIVE", "DR"),
    ("LANE", "LN"),
    ("COURT", "CT"),
    ("BOULEVARD", "BLVD"),
    ("CIRCLE", "CIR"),
    ("PLACE", "PL"),
    ("TERRACE", "TER"),
    ("PARKWAY", "PKWY"),
    ("HIGHWAY", "HWY"),
    ("TRAIL", "TRL"),
    ("HOLLOW", "HOLW"),
    ("SQUARE", "SQ"),
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("APARTMENT", "APT"),
    ("SUITE", "STE"),
];

fn abbreviate(word: &str) -> &str {
    ABBREVIATIONS
        .iter()
        .find(|(long, _)| *long == word)
        .map_or(word, |(_, short)| short)
}

/// Upper-cases, drops punctuation other than `#`, `/` and `-`, collapses
/// blanks and abbreviates street words.
pub fn normalise_words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '.' | ',' | ';' | '"' | '\'' => ' ',
            '#' => '#',
            c => c,
        })
        .collect::<String>()
        .to_uppercase()
        .replace('#', " # ");
    cleaned
        .split_whitespace()
        .map(|word| abbreviate(word).to_owned())
        .collect()
}

/// Splits a one-field street line (`123 MAIN ST APT 4B`, NC's
/// `res_street_address`) into number, street and unit.
pub fn split_street_line(line: &str) -> (Option<i64>, String, String, String) {
    let words = normalise_words(line);
    let mut rest = &words[..];
    let mut house_number = None;
    let mut number_suffix = String::new();
    if let Some(first) = rest.first() {
        let digits: String = first.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            house_number = digits.parse().ok();
            number_suffix = first[digits.len()..].trim_start_matches('-').to_owned();
            rest = &rest[1..];
            // `123 1/2 MAIN ST`
            if rest.first().is_some_and(|w| {
                w.contains('/') && w.chars().next().is_some_and(|c| c.is_ascii_digit())
            }) {
                if !number_suffix.is_empty() {
                    number_suffix.push(' ');
                }
                number_suffix.push_str(&rest[0]);
                rest = &rest[1..];
            }
        }
    }
    let unit_at = rest
        .iter()
        .position(|word| UNIT_WORDS.contains(&word.as_str()))
        // The street needs at least one word: `UNIT RD` is a street.
        .filter(|&at| at > 0);
    let (street_words, unit_words) = match unit_at {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    let unit = unit_words
        .iter()
        .filter(|w| *w != "#")
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    (house_number, number_suffix, street_words.join(" "), unit)
}

impl Address {
    /// An address from a one-field street line plus a separate unit line
    /// (Ohio's `RESIDENTIAL_SECONDARY_ADDR`, Florida's address line 2).
    pub fn from_lines(line1: &str, line2: &str, city: &str, state: &str, zip: &str) -> Self {
        let (house_number, number_suffix, street, mut unit) = split_street_line(line1);
        if unit.is_empty() {
            let words: Vec<String> = normalise_words(line2)
                .into_iter()
                .filter(|w| !UNIT_WORDS.contains(&w.as_str()))
                .collect();
            unit = words.join(" ");
        }
        Self {
            house_number,
            number_suffix,
            street,
            unit,
            city: normalise_words(city).join(" "),
            state: state.trim().to_ascii_uppercase(),
            zip: zip5(zip),
        }
    }

    /// The household key: one per dwelling unit.
    pub fn key(&self) -> String {
        let number = self.house_number.map(|n| n.to_string()).unwrap_or_default();
        let suffix = if self.number_suffix.is_empty() {
            String::new()
        } else {
            format!(" {}", self.number_suffix)
        };
        format!(
            "{number}{suffix} {}|{}|{}",
            self.street,
            self.unit,
            if self.zip.is_empty() {
                &self.city
            } else {
                &self.zip
            }
        )
    }

    /// The street line as an envelope shows it.
    pub fn street_line(&self) -> String {
        let mut line = String::new();
        if let Some(number) = self.house_number {
            line.push_str(&number.to_string());
            if !self.number_suffix.is_empty() {
                line.push(' ');
                line.push_str(&self.number_suffix);
            }
            line.push(' ');
        }
        line.push_str(&self.street);
        if !self.unit.is_empty() {
            line.push_str(" APT ");
            line.push_str(&self.unit);
        }
        line
    }

    pub fn is_empty(&self) -> bool {
        self.street.is_empty() && self.house_number.is_none()
    }
}

/// The first five digits of a ZIP or ZIP+4 (`27601-1234`, `276011234`).
pub fn zip5(zip: &str) -> String {
    let digits: String = zip.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 5 {
        digits[..5].to_owned()
    } else {
        digits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, number: Option<i64>, suffix: &str, street: &str, unit: &str) {
        assert_eq!(
            split_street_line(line),
            (
                number,
                suffix.to_owned(),
                street.to_owned(),
                unit.to_owned()
            ),
            "{line:?}"
        );
    }

    #[test]
    fn street_lines_split_into_number_street_and_unit() {
        check("123 MAIN ST", Some(123), "", "MAIN ST", "");
        check("123 Main Street Apt 4B", Some(123), "", "MAIN ST", "4B");
        check("123 MAIN ST #4B", Some(123), "", "MAIN ST", "4B");
        check("123 1/2 OAK AVE", Some(123), "1/2", "OAK AVE", "");
        check("77B N. ELM ST UNIT 2", Some(77), "B", "N ELM ST", "2");
        check("PO BOX 12", None, "", "PO BOX 12", "");
        check("RURAL ROUTE 2", None, "", "RURAL ROUTE 2", "");
        check("5 UNIT RD", Some(5), "", "UNIT RD", "");
        check("", None, "", "", "");
    }

    #[test]
    fn one_dwelling_has_one_key_however_it_is_written() {
        let a = Address::from_lines("123 Main Street Apt 4B", "", "Raleigh", "nc", "27601-1234");
        let b = Address::from_lines("123 MAIN ST", "APT 4B", "RALEIGH", "NC", "27601");
        assert_eq!(a.key(), b.key());
        assert_eq!(a.street_line(), "123 MAIN ST APT 4B");
        let neighbour = Address::from_lines("123 MAIN ST", "APT 4C", "RALEIGH", "NC", "27601");
        assert_ne!(a.key(), neighbour.key());
    }

    #[test]
    fn zips_keep_five_digits() {
        assert_eq!(zip5("27601-1234"), "27601");
        assert_eq!(zip5("276011234"), "27601");
        assert_eq!(zip5(" 2760 "), "2760");
    }
}
