//! Voter search: full-text over name, address, voter id and phone, ranked,
//! paged in SQLite so the UI never holds more than a screenful.

use crate::rank::{self, Alternatives};
use crate::{Store, StoreError};
use groundgame_domain::ipc::{VoterPage, VoterQuery, VoterRow};
use groundgame_domain::{Party, VoterId};
use rusqlite::{params, OptionalExtension, Row};

/// Turns what a person typed into an FTS5 query: every word must match, and
/// the last word may be a prefix of something (so results narrow as they type).
/// Punctuation is dropped rather than passed to FTS5, whose query syntax would
/// otherwise reject `O'Brien` or `(919)`.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        // A one-letter prefix matches a twentieth of the county: a single
        // letter is taken as a whole word (a middle initial, a unit).
        .map(|word| {
            if word.chars().count() == 1 {
                format!("\"{word}\"")
            } else {
                format!("\"{word}\"*")
            }
        })
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

/// A phone is found by its whole number, by the seven digits people say, and
/// by its last four.
pub(crate) fn phone_search_terms(number: &str) -> [String; 3] {
    let len = number.len();
    [
        number.to_owned(),
        number[len.saturating_sub(7)..].to_owned(),
        number[len.saturating_sub(4)..].to_owned(),
    ]
}

/// Matches counted exactly; a broader search shows "1,000+".
const COUNT_CAP: i64 = 1_000;

/// Matches ranked by relevance (bm25 reads every match's column sizes); a
/// broader search is listed in file order, every row of it a match.
const RANK_CAP: i64 = 250;

const ROW_COLUMNS: &str = "v.voter_id, v.first_name, v.middle_name, v.last_name, v.suffix, \
     v.confidential, h.house_number, h.street, h.unit, h.city, h.precinct_code, v.party, \
     CAST(strftime('%Y', 'now') AS INTEGER) - v.birth_year";

fn voter_row(row: &Row<'_>) -> rusqlite::Result<VoterRow> {
    let raw_id: String = row.get(0)?;
    let voter_id = VoterId::parse(&raw_id).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
    })?;
    let name = [
        row.get::<_, String>(1)?,
        row.get::<_, String>(2)?,
        row.get::<_, String>(3)?,
        row.get::<_, String>(4)?,
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let confidential: bool = row.get(5)?;
    let house_number: Option<i64> = row.get(6)?;
    let street: Option<String> = row.get(7)?;
    let unit: Option<String> = row.get(8)?;
    let address = if confidential {
        String::new()
    } else {
        format_address(house_number, street.as_deref(), unit.as_deref())
    };
    Ok(VoterRow {
        voter_id,
        name,
        address,
        city: if confidential {
            String::new()
        } else {
            row.get::<_, Option<String>>(9)?.unwrap_or_default()
        },
        precinct: row.get::<_, Option<String>>(10)?.unwrap_or_default(),
        party: Party::from_code(&row.get::<_, String>(11)?),
        age: row
            .get::<_, Option<i64>>(12)?
            .and_then(|age| u16::try_from(age).ok()),
    })
}

/// A voter's name as search indexes it: the parts they have, in order.
pub(crate) fn search_name(first: &str, middle: &str, last: &str, suffix: &str) -> String {
    [first, middle, last, suffix]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn format_address(
    house_number: Option<i64>,
    street: Option<&str>,
    unit: Option<&str>,
) -> String {
    let mut address = String::new();
    if let Some(number) = house_number {
        address.push_str(&number.to_string());
    }
    if let Some(street) = street.filter(|s| !s.is_empty()) {
        if !address.is_empty() {
            address.push(' ');
        }
        address.push_str(street);
    }
    if let Some(unit) = unit.filter(|u| !u.is_empty()) {
        address.push_str(" APT ");
        address.push_str(unit);
    }
    address
}

impl Store {
    /// One page of voters matching `query.text`, best matches first; a blank
    /// query lists everyone in name order.
    pub fn search_voters(&self, query: &VoterQuery) -> Result<VoterPage, StoreError> {
        let typed: Vec<Alternatives> = query
            .text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(|word| vec![fold(word)])
            .collect();
        let page = self.search_with(query, fts_query(&query.text), &typed)?;
        if page.total > 0 || query.offset > 0 {
            return Ok(page);
        }
        // Nothing matched: try the nearest words the office's voters have.
        match self.corrected_query(&query.text)? {
            Some((fts, corrected, words)) => {
                let mut page = self.search_with(query, Some(fts), &words)?;
                page.corrected = Some(corrected);
                Ok(page)
            }
            None => Ok(page),
        }
    }

    fn search_with(
        &self,
        query: &VoterQuery,
        fts: Option<String>,
        words: &[Alternatives],
    ) -> Result<VoterPage, StoreError> {
        let limit = i64::from(query.clamped_limit());
        let offset = i64::from(query.offset);
        let mut capped = false;
        let (total, rows) = match fts {
            None => {
                let total: i64 = self
                    .conn
                    .query_row("SELECT count(*) FROM voters", [], |row| row.get(0))?;
                let mut statement = self.conn.prepare_cached(&format!(
                    "SELECT {ROW_COLUMNS} FROM voters v LEFT JOIN households h ON h.id = v.household_id \
                     ORDER BY v.last_name, v.first_name, v.id LIMIT ?1 OFFSET ?2"
                ))?;
                let rows = statement
                    .query_map(params![limit, offset], voter_row)?
                    .collect::<Result<Vec<_>, _>>()?;
                (total, rows)
            }
            Some(fts) => {
                // One pass over the index, in rowid order, stopping past the
                // cap: an exact count and a relevance order over a huge set
                // cost more than they tell anyone.
                let matches: Vec<i64> = self
                    .conn
                    .prepare_cached(
                        "SELECT rowid FROM voter_search WHERE voter_search MATCH ?1 LIMIT ?2",
                    )?
                    .query_map(params![fts, COUNT_CAP + 1], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                capped = matches.len() > COUNT_CAP as usize;
                let total = matches.len().min(COUNT_CAP as usize) as i64;
                let (start, end) = (offset as usize, (offset + limit) as usize);
                let rows = if matches.len() <= RANK_CAP as usize {
                    // Few enough to rank them all; only their rows are read.
                    let mut scored: Vec<(u32, String, String, i64, VoterRow)> = self
                        .rows_by_id(&matches)?
                        .into_iter()
                        .map(|(id, last, first, row)| {
                            let score = rank::score(
                                words,
                                &rank::Candidate {
                                    name: &row.name,
                                    address: &row.address,
                                    voter_id: row.voter_id.as_str(),
                                },
                            );
                            (score, last, first, id, row)
                        })
                        .collect();
                    scored.sort_unstable_by(|a, b| {
                        b.0.cmp(&a.0)
                            .then_with(|| (&a.1, &a.2, a.3).cmp(&(&b.1, &b.2, b.3)))
                    });
                    scored
                        .into_iter()
                        .skip(start)
                        .take(end - start)
                        .map(|(.., row)| row)
                        .collect()
                } else if !capped || end <= matches.len() {
                    // A broad search lists its matches in file order; the
                    // page's ids are already in hand.
                    let ids = matches
                        .get(start.min(matches.len())..end.min(matches.len()))
                        .unwrap_or_default();
                    self.rows_by_id(ids)?
                        .into_iter()
                        .map(|(.., row)| row)
                        .collect()
                } else {
                    // Scrolled past the first thousand: page in the index.
                    let ids: Vec<i64> = self
                        .conn
                        .prepare_cached(
                            "SELECT rowid FROM voter_search WHERE voter_search MATCH ?1 \
                             ORDER BY rowid LIMIT ?2 OFFSET ?3",
                        )?
                        .query_map(params![fts, limit, offset], |row| row.get(0))?
                        .collect::<Result<_, _>>()?;
                    self.rows_by_id(&ids)?
                        .into_iter()
                        .map(|(.., row)| row)
                        .collect()
                };
                (total, rows)
            }
        };
        Ok(VoterPage {
            total: u64::try_from(total).unwrap_or(0),
            offset: query.offset,
            rows,
            corrected: None,
            capped,
        })
    }

    /// The listed voters' rows, in the order given, each with its row id,
    /// last and first name (the ranking's tie-breakers).
    fn rows_by_id(&self, ids: &[i64]) -> Result<Vec<(i64, String, String, VoterRow)>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM voters v LEFT JOIN households h ON h.id = v.household_id \
             WHERE v.id = ?1"
        ))?;
        let mut rows = Vec::with_capacity(ids.len());
        for &id in ids {
            let found = statement
                .query_row(params![id], |row| {
                    Ok((id, row.get(3)?, row.get(1)?, voter_row(row)?))
                })
                .optional()?;
            // A search entry whose voter is gone is skipped, not an error.
            rows.extend(found);
        }
        Ok(rows)
    }

    /// Rewrites a query whose words match nothing: each word that is no
    /// prefix of any indexed word becomes the indexed words closest to it
    /// (same first two letters, one edit for short words, two for long
    /// ones). Words with digits (ids, phones, house numbers) are not guessed.
    fn corrected_query(
        &self,
        text: &str,
    ) -> Result<Option<(String, String, Vec<Alternatives>)>, StoreError> {
        let mut clauses = Vec::new();
        let mut words: Vec<Alternatives> = Vec::new();
        let mut corrected = Vec::new();
        let mut changed = false;
        let mut any_prefix = self
            .conn
            .prepare_cached("SELECT 1 FROM search_words WHERE word >= ?1 AND word <= ?2 LIMIT 1")?;
        let mut near = self.conn.prepare_cached(
            "SELECT word, voters FROM search_words WHERE word >= ?1 AND word <= ?2 \
             AND length(word) BETWEEN ?3 AND ?4",
        )?;
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let folded = fold(word);
            let upper = format!("{folded}\u{10ffff}");
            // Words with digits are kept as typed: they are not in the
            // word table (see `refresh_words`) and never guessed.
            let has_digit = folded.chars().any(|c| c.is_ascii_digit());
            if has_digit || any_prefix.exists(params![folded, upper])? {
                clauses.push(format!("\"{folded}\"*"));
                words.push(vec![folded.clone()]);
                corrected.push(folded);
                continue;
            }
            let length = folded.chars().count();
            if length < 4 {
                return Ok(None);
            }
            let budget = if length <= 5 { 1 } else { 2 };
            let stem: String = folded.chars().take(2).collect();
            let mut candidates: Vec<(usize, i64, String)> = near
                .query_map(
                    params![
                        stem,
                        format!("{stem}\u{10ffff}"),
                        length - budget,
                        length + budget
                    ],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
                )?
                .filter_map(Result::ok)
                .filter_map(|(term, docs)| {
                    let distance = strsim::osa_distance(&folded, &term);
                    (distance <= budget).then_some((distance, -docs, term))
                })
                .collect();
            if candidates.is_empty() {
                return Ok(None);
            }
            candidates.sort();
            candidates.truncate(8);
            changed = true;
            corrected.push(candidates[0].2.clone());
            let alternatives: Vec<String> = candidates
                .iter()
                .map(|(_, _, term)| format!("\"{term}\""))
                .collect();
            clauses.push(format!("({})", alternatives.join(" OR ")));
            words.push(candidates.into_iter().map(|(_, _, term)| term).collect());
        }
        Ok((changed && !clauses.is_empty())
            .then(|| (clauses.join(" AND "), corrected.join(" "), words)))
    }
}

/// Refreshes the words typo correction offers from the search index (after a
/// load that changed many voters). Words with digits are left out: they are
/// never corrected, and they are most of the index's words (every voter id
/// and phone number), so copying them made a county's import seconds slower.
pub(crate) fn refresh_words(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "DELETE FROM search_words; \
         INSERT INTO search_words (word, voters) SELECT term, doc FROM voter_terms WHERE term NOT GLOB '*[0-9]*';",
    )?;
    Ok(())
}

/// Lower case without accents, as the search index stores words.
pub(crate) fn fold(word: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    word.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(fts_query(text).as_deref(), expected, "query {text:?}");
    }

    #[test]
    fn typed_text_becomes_a_prefix_query() {
        check("", None);
        check("   ", None);
        check("smi", Some("\"smi\"*"));
        check("Renée  Oak", Some("\"Renée\"* \"Oak\"*"));
        check("O'Brien", Some("\"O\" \"Brien\"*"));
        check("(919) 555-0101", Some("\"919\"* \"555\"* \"0101\"*"));
        check("\"*)", None);
    }

    #[test]
    fn addresses_format_like_an_envelope() {
        assert_eq!(
            format_address(Some(12), Some("OAK ST"), Some("")),
            "12 OAK ST"
        );
        assert_eq!(
            format_address(Some(400), Some("MAIN ST"), Some("4B")),
            "400 MAIN ST APT 4B"
        );
        assert_eq!(
            format_address(None, Some("RURAL RTE 2"), None),
            "RURAL RTE 2"
        );
        assert_eq!(format_address(None, None, None), "");
    }
}
