//! The voter list's state as a reducer: every change is an `Action`, so the
//! rules (which answer is stale, where a page starts) live in one place and
//! are tested without a browser.

use groundgame_domain::ipc::{IpcError, VoterPage, VoterQuery};
use std::rc::Rc;
use yew::Reducible;

pub const PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct VoterList {
    pub text: String,
    pub offset: u32,
    /// Bumped on every new request; answers to older ones are dropped, so a
    /// slow search for "s" cannot overwrite the answer for "smith".
    pub request: u64,
    pub loading: bool,
    pub page: Option<VoterPage>,
    pub error: Option<IpcError>,
}

pub enum Action {
    /// The search text changed: back to the first page.
    Search(String),
    NextPage,
    PreviousPage,
    Loaded {
        request: u64,
        result: Result<VoterPage, IpcError>,
    },
}

impl VoterList {
    pub fn query(&self) -> VoterQuery {
        VoterQuery {
            text: self.text.clone(),
            offset: self.offset,
            limit: PAGE_SIZE,
        }
    }

    pub fn total(&self) -> u64 {
        self.page.as_ref().map_or(0, |page| page.total)
    }

    pub fn has_next(&self) -> bool {
        u64::from(self.offset) + u64::from(PAGE_SIZE) < self.total()
    }

    pub fn has_previous(&self) -> bool {
        self.offset > 0
    }
}

impl Reducible for VoterList {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Search(text) => {
                next.text = text;
                next.offset = 0;
                next.request += 1;
                next.loading = true;
            }
            Action::NextPage if self.has_next() => {
                next.offset += PAGE_SIZE;
                next.request += 1;
                next.loading = true;
            }
            Action::PreviousPage if self.has_previous() => {
                next.offset = self.offset.saturating_sub(PAGE_SIZE);
                next.request += 1;
                next.loading = true;
            }
            Action::NextPage | Action::PreviousPage => return self,
            Action::Loaded { request, result } => {
                if request != self.request {
                    return self;
                }
                next.loading = false;
                match result {
                    Ok(page) => {
                        next.page = Some(page);
                        next.error = None;
                    }
                    Err(error) => next.error = Some(error),
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_domain::ipc::IpcErrorKind;

    fn page(total: u64, offset: u32) -> VoterPage {
        VoterPage {
            total,
            offset,
            rows: Vec::new(),
            corrected: None,
            capped: false,
        }
    }

    fn apply(state: VoterList, actions: Vec<Action>) -> VoterList {
        let mut state = Rc::new(state);
        for action in actions {
            state = state.reduce(action);
        }
        (*state).clone()
    }

    #[test]
    fn a_stale_answer_is_dropped() {
        let state = apply(
            VoterList::default(),
            vec![
                Action::Search("s".into()),
                Action::Search("smith".into()),
                Action::Loaded {
                    request: 1,
                    result: Ok(page(900, 0)),
                },
            ],
        );
        assert!(state.loading);
        assert_eq!(state.page, None);
        let state = apply(
            state,
            vec![Action::Loaded {
                request: 2,
                result: Ok(page(12, 0)),
            }],
        );
        assert!(!state.loading);
        assert_eq!(state.total(), 12);
    }

    #[test]
    fn paging_stays_inside_the_results() {
        let state = apply(
            VoterList::default(),
            vec![
                Action::Search(String::new()),
                Action::Loaded {
                    request: 1,
                    result: Ok(page(250, 0)),
                },
                Action::PreviousPage,
            ],
        );
        assert_eq!(
            (state.offset, state.request),
            (0, 1),
            "no page before the first"
        );
        let state = apply(state, vec![Action::NextPage, Action::NextPage]);
        assert_eq!(state.offset, 200);
        let state = apply(state, vec![Action::NextPage]);
        assert_eq!(state.offset, 200, "no page past the last");
        let state = apply(state, vec![Action::Search("a".into())]);
        assert_eq!(state.offset, 0, "a new search starts at the top");
    }

    #[test]
    fn an_error_keeps_the_last_good_page() {
        let state = apply(
            VoterList::default(),
            vec![
                Action::Search(String::new()),
                Action::Loaded {
                    request: 1,
                    result: Ok(page(5, 0)),
                },
                Action::Search("x".into()),
                Action::Loaded {
                    request: 2,
                    result: Err(IpcError {
                        kind: IpcErrorKind::Storage,
                        message: "disk".into(),
                    }),
                },
            ],
        );
        assert_eq!(state.total(), 5);
        assert_eq!(state.error.map(|e| e.message), Some("disk".to_owned()));
    }
}
