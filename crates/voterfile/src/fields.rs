//! Reading one row's fields: by column, trimmed, with errors that say which
//! column held what and what was expected there.

use csv::StringRecord;
use std::collections::HashMap;

/// A field that could not be read; the reader adds the file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub column: String,
    pub expected: String,
    pub found: String,
}

impl FieldError {
    pub fn new(column: &str, expected: impl Into<String>, found: &str) -> Self {
        Self {
            column: column.to_owned(),
            expected: expected.into(),
            found: found.to_owned(),
        }
    }
}

/// Where each named column sits, from a header row or a fixed layout.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    by_name: HashMap<String, usize>,
    names: Vec<String>,
}

impl Columns {
    pub fn from_header(header: &StringRecord) -> Self {
        let names: Vec<String> = header
            .iter()
            .map(groundgame_domain::text::column_name)
            .collect();
        let by_name = names
            .iter()
            .enumerate()
            .map(|(index, name)| (name.clone(), index))
            .collect();
        Self { by_name, names }
    }

    pub fn fixed(names: &[&str]) -> Self {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let by_name = names
            .iter()
            .enumerate()
            .map(|(index, name)| (name.clone(), index))
            .collect();
        Self { by_name, names }
    }

    /// How many columns a row should have.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("?", String::as_str)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A column the layout cannot do without; the error is its name.
    pub fn need(&self, name: &str) -> Result<Option<usize>, String> {
        self.find(name, &[])
            .map(Some)
            .ok_or_else(|| name.to_owned())
    }

    /// A column the layout reads when present.
    pub fn may(&self, name: &str) -> Option<usize> {
        self.find(name, &[])
    }

    /// The column called `name` or one of its `aliases` (releases of one
    /// state's file do not always spell a column the same way).
    pub fn find(&self, name: &str, aliases: &[&str]) -> Option<usize> {
        std::iter::once(name)
            .chain(aliases.iter().copied())
            .find_map(|candidate| self.by_name.get(&candidate.to_ascii_lowercase()).copied())
    }
}

/// One row's fields, read by column index.
pub struct Fields<'r> {
    pub record: &'r StringRecord,
    pub columns: &'r Columns,
}

impl<'r> Fields<'r> {
    /// The trimmed text of a column; a column the row lacks reads as empty
    /// (the reader has already checked the row's width).
    pub fn text(&self, index: Option<usize>) -> &'r str {
        index.and_then(|i| self.record.get(i)).map_or("", str::trim)
    }

    pub fn column_name(&self, index: Option<usize>) -> &str {
        index.map_or("?", |i| self.columns.name(i))
    }

    pub fn required(&self, index: Option<usize>, what: &str) -> Result<&'r str, FieldError> {
        let text = self.text(index);
        if text.is_empty() {
            Err(FieldError::new(self.column_name(index), what, ""))
        } else {
            Ok(text)
        }
    }

    pub fn voter_id(&self, index: Option<usize>) -> Result<groundgame_domain::VoterId, FieldError> {
        let text = self.text(index);
        groundgame_domain::VoterId::parse(text).map_err(|error| {
            FieldError::new(
                self.column_name(index),
                format!("a voter id ({error})"),
                text,
            )
        })
    }

    /// A year such as `1984`, or nothing.
    pub fn year(&self, index: Option<usize>) -> Result<Option<i32>, FieldError> {
        let text = self.text(index);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<i32>() {
            Ok(year) if (1850..=2100).contains(&year) => Ok(Some(year)),
            _ => Err(FieldError::new(
                self.column_name(index),
                "a four-digit year",
                text,
            )),
        }
    }

    /// A date written MM/DD/YYYY, as ISO 8601; empty is nothing.
    pub fn date_mdy(&self, index: Option<usize>) -> Result<Option<String>, FieldError> {
        self.date(index, parse_mdy, "a date as MM/DD/YYYY")
    }

    /// A date written YYYY-MM-DD; empty is nothing.
    pub fn date_ymd(&self, index: Option<usize>) -> Result<Option<String>, FieldError> {
        self.date(index, parse_ymd, "a date as YYYY-MM-DD")
    }

    fn date(
        &self,
        index: Option<usize>,
        parse: fn(&str) -> Option<String>,
        expected: &str,
    ) -> Result<Option<String>, FieldError> {
        let text = self.text(index);
        if text.is_empty() {
            return Ok(None);
        }
        parse(text)
            .map(Some)
            .ok_or_else(|| FieldError::new(self.column_name(index), expected, text))
    }
}

fn valid_date(year: i32, month: u32, day: u32) -> Option<String> {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    ((1800..=2100).contains(&year) && (1..=days_in_month).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// `11/08/2022` as `2022-11-08`.
pub fn parse_mdy(text: &str) -> Option<String> {
    let mut parts = text.trim().split('/');
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    let year_text = parts.next()?;
    if parts.next().is_some() || year_text.len() != 4 {
        return None;
    }
    valid_date(year_text.parse().ok()?, month, day)
}

/// `2022-11-08`, checked.
pub fn parse_ymd(text: &str) -> Option<String> {
    let mut parts = text.trim().split('-');
    let year_text = parts.next()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    if parts.next().is_some() || year_text.len() != 4 {
        return None;
    }
    valid_date(year_text.parse().ok()?, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_impossible_ones_do_not() {
        assert_eq!(parse_mdy("11/08/2022").as_deref(), Some("2022-11-08"));
        assert_eq!(parse_mdy("2/29/2024").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_mdy("2/29/2023"), None);
        assert_eq!(parse_mdy("13/01/2022"), None);
        assert_eq!(parse_mdy("11/08/22"), None);
        assert_eq!(parse_ymd("1984-07-04").as_deref(), Some("1984-07-04"));
        assert_eq!(parse_ymd("1984-7-4").as_deref(), Some("1984-07-04"));
        assert_eq!(parse_ymd("07/04/1984"), None);
    }
}
