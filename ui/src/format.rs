//! How numbers are written for people, and small helpers for the views.

/// 12345 -> "12,345": counts are read at arm's length.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether a key press is typing into a field (a name, a value) rather than
/// a shortcut: shortcuts must never fire while someone types "Zelda".
pub fn typing_in_a_field(event: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        })
}

/// An `oninput` handler that keeps `state` equal to what is in the field.
pub fn bind_text(state: &yew::UseStateHandle<String>) -> yew::Callback<yew::InputEvent> {
    use yew::TargetCast;
    let state = state.clone();
    yew::Callback::from(move |event: yew::InputEvent| {
        let input: web_sys::HtmlInputElement = event.target_unchecked_into();
        state.set(input.value());
    })
}

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn counts_are_grouped_by_thousands() {
        for (n, expected) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(group(n), expected);
        }
    }
}
