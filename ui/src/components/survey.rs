//! A script's survey questions as the phone bank and the walk list show
//! them: each answer a button with its key, the one picked marked, and an
//! "other" field where the question takes one (and the screen keeps them).

use groundgame_domain::office::SurveyQuestion;
use groundgame_domain::SurveyAnswer;
use std::collections::BTreeMap;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SurveyProps {
    pub questions: Vec<SurveyQuestion>,
    /// Picked so far: question slug to answer code.
    pub answers: BTreeMap<String, String>,
    pub on_pick: Callback<(String, String)>,
    /// "Other" notes typed so far; `None` where the screen keeps none.
    #[prop_or_default]
    pub others: Option<BTreeMap<String, String>>,
    #[prop_or_default]
    pub on_other: Callback<(String, String)>,
    /// Said after each question ("(canvassed)").
    #[prop_or_default]
    pub when: &'static str,
}

#[function_component(Survey)]
pub fn survey(props: &SurveyProps) -> Html {
    html! {
        { for props.questions.iter().map(|question| html! {
            <div class="support" key={question.slug.clone()}>
                <span class="prompt">{ format!("{} {}", question.prompt, props.when) }</span>
                { for question.options.iter().map(|option| {
                    let chosen = props.answers.get(&question.slug) == Some(&option.slug);
                    let on_pick = props.on_pick.clone();
                    let (q, o) = (question.slug.clone(), option.slug.clone());
                    html! {
                        <button class={classes!("small", chosen.then_some("chosen"))}
                            data-answer={format!("{}={}", question.slug, option.slug)}
                            onclick={Callback::from(move |_| on_pick.emit((q.clone(), o.clone())))}>
                            <kbd>{ &option.key }</kbd>{ format!(" {}", option.label) }
                        </button>
                    }
                }) }
                if let (true, Some(others)) = (question.other, &props.others) {
                    <input type="text" class="other-note" data-other={question.slug.clone()}
                        placeholder="other (optional)" aria-label={format!("Other answer to {}", question.prompt)}
                        value={others.get(&question.slug).cloned().unwrap_or_default()}
                        oninput={{
                            let on_other = props.on_other.clone();
                            let slug = question.slug.clone();
                            Callback::from(move |event: InputEvent| {
                                let input: HtmlInputElement = event.target_unchecked_into();
                                on_other.emit((slug.clone(), input.value()));
                            })
                        }} />
                }
            </div>
        }) }
    }
}

/// The answers picked on screen as recorded: each against the version of
/// its question that was shown, with its "other" note if one was typed.
pub fn given(
    questions: &[SurveyQuestion],
    answers: &BTreeMap<String, String>,
    others: &BTreeMap<String, String>,
) -> Vec<SurveyAnswer> {
    answers
        .iter()
        .map(|(question, answer)| SurveyAnswer {
            question: question.clone(),
            answer: answer.clone(),
            version: questions
                .iter()
                .find(|q| &q.slug == question)
                .map(|q| q.version),
            other: others
                .get(question)
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty()),
        })
        .collect()
}

/// `map` with `key` set to `value`: for a screen's `use_state` map.
pub fn with(
    map: &BTreeMap<String, String>,
    (key, value): (String, String),
) -> BTreeMap<String, String> {
    let mut next = map.clone();
    next.insert(key, value);
    next
}
