//! Text from people and devices, made safe to print on a terminal.
//!
//! A name typed at a door or a device name chosen at enrolment reaches a
//! coordinator's terminal (`groundgame review`, `admin devices`); escape
//! sequences in it could move the cursor, rewrite earlier lines or change
//! the window title, and bidirectional overrides could show a name other
//! than the one stored. Every such character is shown as its escape.

use std::borrow::Cow;

/// `text` with control characters and bidirectional overrides written as
/// `\u{..}` escapes; untouched (and not copied) when it has none.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_on_terminal(c) {
            shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

fn unsafe_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A CSV header's column name as files are matched on it: trimmed, without
/// a spreadsheet's byte-order mark, in lower case.
pub fn column_name(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        for (typed, shown) in [
            ("Renée O'Brien", "Renée O'Brien"),
            (
                "Ana\u{1b}[2J\u{1b}]0;pwned\u{7}",
                "Ana\\u{1b}[2J\\u{1b}]0;pwned\\u{7}",
            ),
            (
                "line\nbreak\rreturn\ttab",
                "line\\u{a}break\\u{d}return\\u{9}tab",
            ),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("", ""),
        ] {
            assert_eq!(for_terminal(typed), shown, "{typed:?}");
        }
        assert!(matches!(
            for_terminal("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
