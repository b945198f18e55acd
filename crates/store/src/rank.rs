//! How a small set of search matches is ordered: by which part of the
//! voter's record each typed word matched, then by name.
//!
//! FTS5's bm25 needs a second pass over the index and favours short
//! documents, which put a "SMITH ST" resident above a voter named Smith.
//! People search for a person first: a word matching the name counts most,
//! a whole word more than the start of one, then the voter id, a phone
//! (the only other place a match can come from) and the address.

/// One typed word, with the indexed words that satisfy it (one, or the
/// alternatives of a corrected word).
pub(crate) type Alternatives = Vec<String>;

/// The folded words of one match, as the ranking reads them.
pub(crate) struct Candidate<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub voter_id: &'a str,
}

/// Higher is better.
pub(crate) fn score(words: &[Alternatives], candidate: &Candidate<'_>) -> u32 {
    let name: Vec<String> = words_of(candidate.name);
    let address: Vec<String> = words_of(candidate.address);
    let id = candidate.voter_id.to_lowercase();
    words
        .iter()
        .map(|alternatives| {
            alternatives
                .iter()
                .map(|word| {
                    let best = |fields: &[String], whole: u32, start: u32| {
                        fields
                            .iter()
                            .map(|field| match_kind(field, word, whole, start))
                            .max()
                            .unwrap_or(0)
                    };
                    best(&name, 12, 8)
                        .max(match_kind(&id, word, 10, 6))
                        .max(best(&address, 4, 3))
                        // Matched, but not in a shown field: a phone number.
                        .max(4)
                })
                .max()
                .unwrap_or(0)
        })
        .sum()
}

fn match_kind(field: &str, word: &str, whole: u32, start: u32) -> u32 {
    if field == word {
        whole
    } else if word.chars().nth(1).is_some() && field.starts_with(word) {
        // One letter is searched as a whole word (see `fts_query`).
        start
    } else {
        0
    }
}

/// Lower-case, accent-free words, as the index stores them.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(crate::search::fold)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(typed: &[&str]) -> Vec<Alternatives> {
        typed.iter().map(|w| vec![(*w).to_owned()]).collect()
    }

    #[test]
    fn a_name_outranks_a_street_of_that_name() {
        let person = Candidate {
            name: "JOHN SMITH",
            address: "12 OAK ST",
            voter_id: "CW1",
        };
        let neighbour = Candidate {
            name: "ANA LOPEZ",
            address: "4 SMITH ST",
            voter_id: "CW2",
        };
        let query = words(&["smith"]);
        assert!(score(&query, &person) > score(&query, &neighbour));
    }

    #[test]
    fn a_whole_word_outranks_the_start_of_one() {
        let query = words(&["jo"]);
        let jo = Candidate {
            name: "JO BAKER",
            address: "",
            voter_id: "CW1",
        };
        let john = Candidate {
            name: "JOHN BAKER",
            address: "",
            voter_id: "CW2",
        };
        assert!(score(&query, &jo) > score(&query, &john));
    }

    #[test]
    fn accents_do_not_matter_and_every_word_counts() {
        let renee = Candidate {
            name: "RENÉE DUPONT",
            address: "9 ELM ST",
            voter_id: "CW3",
        };
        let query = words(&["renee", "elm"]);
        assert_eq!(score(&query, &renee), 12 + 4);
        let corrected = vec![vec!["rodriguez".to_owned(), "renee".to_owned()]];
        assert_eq!(score(&corrected, &renee), 12);
    }
}
