//! The Office dashboard: the day's results from this laptop's own slice
//! (it works offline), drawn to be read at arm's length and printed:
//! attempts by day against the goals as bars, today's figures against each
//! goal, support IDs by level, progress bars per turf and list, a table by
//! precinct with small bars, volunteers' productivity, and where to send
//! people next with the numbers the ranking came from. Every figure comes
//! computed from `groundgame_domain::results`; this view only draws it.

use crate::format::group;
use crate::ipc;
use groundgame_domain::export::{ResultsFormat, Written};
use groundgame_domain::ipc::DecideBatchRequest;
use groundgame_domain::ipc::{ExportRequest, GoalsRequest};
use groundgame_domain::office::AuditEntry;
use groundgame_domain::quality::{Batch, BatchReport, Verdict};
use groundgame_domain::results::{
    CampaignStats, Dashboard, DayFigures, OfficeFigures, Rate, Target,
};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DashboardProps {
    /// Bumped after every change elsewhere, so the figures follow.
    pub changes: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Board {
    board: Option<Dashboard>,
    /// The campaign's figures by office from the registry, or why not.
    campaign: Option<Result<CampaignStats, String>>,
    /// This week's batches (a volunteer's day) with their flags, or why not.
    quality: Option<Result<Vec<BatchReport>, String>>,
    /// The goals form, as typed.
    goals: [String; 4],
    /// The export form: the CRM's shape or plain CSV, and from which day.
    export_crm: bool,
    export_since: String,
    /// Where the last export was written, or why not.
    exported: Option<Result<Written, String>>,
    /// The audit log, or why not.
    audit: Option<Result<Vec<AuditEntry>, String>>,
    message: String,
    error: String,
}

enum Step {
    Loaded(Dashboard),
    Goal(usize, String),
    Saved(Dashboard),
    Failed(String),
    Campaign(Result<CampaignStats, String>),
    Quality(Result<Vec<BatchReport>, String>),
    ExportCrm(bool),
    ExportSince(String),
    Exported(Result<Written, String>),
    Audit(Result<Vec<AuditEntry>, String>),
}

fn goals_form(board: &Dashboard) -> [String; 4] {
    let goals = &board.office.goals;
    [
        goals.doors_per_day,
        goals.calls_per_day,
        goals.contacts_per_day,
        goals.supporters,
    ]
    .map(|n| n.to_string())
}

impl Reducible for Board {
    type Action = Step;

    fn reduce(self: Rc<Self>, action: Step) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Step::Loaded(board) => {
                if next.board.is_none() {
                    next.goals = goals_form(&board);
                }
                next.board = Some(board);
                next.error.clear();
            }
            Step::Goal(at, text) => {
                if let Some(field) = next.goals.get_mut(at) {
                    *field = text;
                }
                next.message.clear();
            }
            Step::Saved(board) => {
                next.goals = goals_form(&board);
                next.board = Some(board);
                next.message =
                    "Goals saved; every laptop of the office gets them at its next sync.".into();
                next.error.clear();
            }
            Step::Failed(error) => {
                next.error = error;
                next.message.clear();
            }
            Step::Campaign(campaign) => next.campaign = Some(campaign),
            Step::Quality(quality) => next.quality = Some(quality),
            Step::ExportCrm(crm) => next.export_crm = crm,
            Step::ExportSince(since) => next.export_since = since,
            Step::Exported(written) => next.exported = Some(written),
            Step::Audit(audit) => next.audit = Some(audit),
        }
        Rc::new(next)
    }
}

impl Board {
    /// The goals as typed, or what is wrong with them and where.
    fn request(&self) -> Result<GoalsRequest, String> {
        let names = ["doors a day", "calls a day", "contacts a day", "supporters"];
        let mut values = [0_u32; 4];
        for ((value, text), name) in values.iter_mut().zip(&self.goals).zip(names) {
            let text = text.trim().replace(',', "");
            *value = if text.is_empty() {
                0
            } else {
                text.parse().map_err(|_| {
                    format!(
                        "the goal for {name} should be a whole number (0 for none), not {text:?}"
                    )
                })?
            };
        }
        let [doors_per_day, calls_per_day, contacts_per_day, supporters] = values;
        Ok(GoalsRequest {
            doors_per_day,
            calls_per_day,
            contacts_per_day,
            supporters,
        })
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part.min(whole) as f64 * 100.0 / whole as f64).clamp(0.0, 100.0)
    }
}

/// A progress bar with its figures beside it.
fn progress(id: String, done: u64, whole: u64, label: String) -> Html {
    html! {
        <span class="meter" id={id}>
            <span class="meter-track"><span class="meter-fill" style={format!("width: {:.1}%", percent(done, whole))}></span></span>
            <span class="meter-label">{ label }</span>
        </span>
    }
}

fn of_goal(done: u64, goal: u32) -> String {
    if goal == 0 {
        group(done)
    } else {
        format!("{} of {}", group(done), group(u64::from(goal)))
    }
}

/// One figure of today, large, with its goal as a bar under it.
fn tile(id: &'static str, label: &'static str, done: u64, goal: u32) -> Html {
    html! {
        <div class="tile" id={id}>
            <span class="tile-label">{ label }</span>
            <strong class="tile-value">{ group(done) }</strong>
            if goal > 0 {
                { progress(format!("{id}-goal"), done, u64::from(goal), format!("goal {}", group(u64::from(goal)))) }
            } else {
                <span class="muted">{ "no goal set" }</span>
            }
        </div>
    }
}

/// Attempts by day as columns (doors and calls stacked, contacts as the
/// dark part), with the day's goal as a dashed line.
fn days_chart(days: &[DayFigures]) -> Html {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 220.0;
    const BASE: f64 = 190.0;
    const TOP: f64 = 16.0;
    let goal = days
        .iter()
        .map(|d| u64::from(d.doors_goal) + u64::from(d.calls_goal))
        .max()
        .unwrap_or(0);
    let most = days
        .iter()
        .map(|d| d.doors + d.calls + d.texts)
        .max()
        .unwrap_or(0)
        .max(goal)
        .max(1);
    let scale = (BASE - TOP) / most as f64;
    let slot = WIDTH / days.len().max(1) as f64;
    let bar = slot * 0.62;
    let columns = days.iter().enumerate().map(|(at, day)| {
        let x = at as f64 * slot + (slot - bar) / 2.0;
        let doors = day.doors as f64 * scale;
        let calls = (day.calls + day.texts) as f64 * scale;
        let contacts = day.rate.contacts as f64 * scale;
        let attempts = day.doors + day.calls + day.texts;
        let label = day.day.get(8..10).unwrap_or(&day.day).to_owned();
        html! {
            <g class="day" data-day={day.day.clone()}>
                <title>{ format!("{}: {} doors, {} calls, {} contacts", day.day, day.doors, day.calls + day.texts, day.rate.contacts) }</title>
                <rect class="c-doors" x={format!("{x:.1}")} y={format!("{:.1}", BASE - doors)} width={format!("{bar:.1}")} height={format!("{doors:.1}")} />
                <rect class="c-calls" x={format!("{x:.1}")} y={format!("{:.1}", BASE - doors - calls)} width={format!("{bar:.1}")} height={format!("{calls:.1}")} />
                <rect class="c-contacts" x={format!("{:.1}", x + bar * 0.3)} y={format!("{:.1}", BASE - contacts)} width={format!("{:.1}", bar * 0.4)} height={format!("{contacts:.1}")} />
                if attempts > 0 {
                    <text class="value" x={format!("{:.1}", x + bar / 2.0)} y={format!("{:.1}", BASE - doors - calls - 4.0)}>{ group(attempts) }</text>
                }
                <text class="axis" x={format!("{:.1}", x + bar / 2.0)} y={format!("{:.1}", BASE + 18.0)}>{ label }</text>
            </g>
        }
    });
    let goal_line = (goal > 0).then(|| {
        let y = BASE - goal as f64 * scale;
        html! {
            <g class="goal">
                <line x1="0" x2={format!("{WIDTH:.0}")} y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                <text x={format!("{:.0}", WIDTH - 4.0)} y={format!("{:.1}", y - 4.0)}>{ format!("goal {}", group(goal)) }</text>
            </g>
        }
    });
    html! {
        <figure class="chart">
            <svg id="days-chart" viewBox={format!("0 0 {WIDTH:.0} {HEIGHT:.0}")} role="img"
                aria-label="Doors and calls by day, with contacts and the daily goal">
                { for columns }
                { for goal_line }
                <line class="baseline" x1="0" x2={format!("{WIDTH:.0}")} y1={format!("{BASE:.0}")} y2={format!("{BASE:.0}")} />
            </svg>
            <figcaption class="legend">
                <span class="key c-doors"></span>{ "doors " }
                <span class="key c-calls"></span>{ "calls " }
                <span class="key c-contacts"></span>{ "contacts " }
                <span class="key c-goal"></span>{ "daily goal (doors + calls)" }
            </figcaption>
        </figure>
    }
}

fn rate(rate: Rate) -> String {
    rate.percent()
}

/// One office's (or the campaign's) row of the campaign table.
fn office_row(office: &OfficeFigures, most: u64, total: bool) -> Html {
    let today = office.today().cloned();
    let (doors, calls, contacts, attempts) = today.as_ref().map_or((0, 0, 0, 0), |d| {
        (d.doors, d.calls + d.texts, d.rate.contacts, d.rate.attempts)
    });
    html! {
        <tr class={classes!(total.then_some("total"))} data-office={office.name.clone()}>
            <td>{ office.name.clone() }</td>
            <td class="num">{ of_goal(doors, office.goals.doors_per_day) }</td>
            <td class="num">{ of_goal(calls, office.goals.calls_per_day) }</td>
            <td class="num">{ of_goal(contacts, office.goals.contacts_per_day) }</td>
            <td class="wide"><span class="mini"><span style={format!("width: {:.1}%", percent(attempts, most))}></span></span></td>
            <td class="num">{ rate(office.overall) }</td>
            <td class="num">{ of_goal(office.supporters, office.goals.supporters) }</td>
            <td class="num">{ office.volunteers_today }</td>
        </tr>
    }
}

/// This week's batches: the flagged ones with their evidence, and how many
/// were looked at.
fn view_quality(
    quality: &Option<Result<Vec<BatchReport>, String>>,
    decide: &Callback<(Batch, Verdict)>,
) -> Html {
    let body = match quality {
        None => html! { <p class="muted">{ "Checking…" }</p> },
        Some(Err(why)) => html! { <p class="error">{ why.clone() }</p> },
        Some(Ok(batches)) => {
            let flagged: Vec<&BatchReport> =
                batches.iter().filter(|b| !b.flags.is_empty()).collect();
            // Flagged batches, and any a coordinator has quarantined.
            let shown: Vec<&BatchReport> = batches
                .iter()
                .filter(|b| {
                    !b.flags.is_empty()
                        || b.decision
                            .as_ref()
                            .is_some_and(|d| d.verdict == Verdict::Quarantined)
                })
                .collect();
            let others: Vec<&BatchReport> = batches
                .iter()
                .filter(|b| !shown.iter().any(|s| s.batch == b.batch))
                .collect();
            let button = |batch: &Batch, verdict: Verdict, label: &'static str| {
                let decide = decide.clone();
                let batch = batch.clone();
                html! {
                    <button class={classes!("small", verdict.as_str())} onclick={Callback::from(move |_| decide.emit((batch.clone(), verdict)))}>{ label }</button>
                }
            };
            let row = |batch: &&BatchReport| {
                html! {
                    <tr class={classes!((!batch.flags.is_empty()).then_some("flagged"), batch.decision.as_ref().map(|d| d.verdict.as_str()))} data-volunteer={batch.name.clone()} data-day={batch.batch.day.clone()}>
                        <td>{ batch.batch.day.clone() }</td>
                        <td>{ batch.name.clone() }</td>
                        <td class="num">{ group(batch.doors) }</td>
                        <td class="num">{ group(batch.calls) }</td>
                        <td class="num">{ rate(batch.rate) }</td>
                        <td><ul class="evidence">{ for batch.flags.iter().map(|flag| html! { <li>{ flag.evidence() }</li> }) }</ul></td>
                        <td class="no-print decision">
                            { match batch.decision.as_ref().map(|d| d.verdict) {
                                Some(Verdict::Quarantined) => html! {
                                    <>
                                        <span class="verdict">{ "Quarantined: not counted" }</span>
                                        { button(&batch.batch, Verdict::Released, "Release") }
                                    </>
                                },
                                Some(Verdict::Approved) => html! {
                                    <>
                                        <span class="verdict">{ "Approved" }</span>
                                        { button(&batch.batch, Verdict::Quarantined, "Quarantine") }
                                    </>
                                },
                                Some(Verdict::Released) | None => html! {
                                    <>
                                        { button(&batch.batch, Verdict::Approved, "Approve") }
                                        { button(&batch.batch, Verdict::Quarantined, "Quarantine") }
                                    </>
                                },
                            } }
                        </td>
                    </tr>
                }
            };
            let head = html! {
                <thead><tr><th>{ "Day" }</th><th>{ "Volunteer" }</th><th>{ "Doors" }</th><th>{ "Calls" }</th><th>{ "Rate" }</th><th>{ "Why" }</th><th class="no-print">{ "Decision" }</th></tr></thead>
            };
            html! {
                <>
                    <p class="muted" id="quality-summary">{ format!(
                        "Batches in the last 7 days (a volunteer's results of a day): {}; flagged: {}.",
                        batches.len(),
                        flagged.len()
                    ) }</p>
                    if !shown.is_empty() {
                        <table class="figures" id="quality-flags">
                            { head.clone() }
                            <tbody>{ for shown.iter().map(row) }</tbody>
                        </table>
                    }
                    if !batches.is_empty() {
                        <details class="no-print" id="quality-all">
                            <summary>{ format!("Every other batch ({}): approve or quarantine any day", others.len()) }</summary>
                            <table class="figures" id="quality-batches">
                                { head }
                                <tbody>{ for others.iter().map(row) }</tbody>
                            </table>
                        </details>
                    }
                </>
            }
        }
    };
    html! {
        <section class="board-section" id="quality">
            <h3>{ "Quality control" }</h3>
            { body }
        </section>
    }
}

/// Who decided what: this laptop's audit log and the office's decisions.
fn view_audit(audit: &Option<Result<Vec<AuditEntry>, String>>) -> Html {
    let body = match audit {
        None => html! { <p class="muted">{ "Reading…" }</p> },
        Some(Err(why)) => html! { <p class="error">{ why.clone() }</p> },
        Some(Ok(entries)) if entries.is_empty() => {
            html! { <p class="muted" id="audit-empty">{ "Nothing decided yet." }</p> }
        }
        Some(Ok(entries)) => html! {
            <table class="figures" id="audit-log">
                <thead><tr><th>{ "When" }</th><th>{ "Who" }</th><th>{ "What" }</th><th>{ "Detail" }</th></tr></thead>
                <tbody>
                    { for entries.iter().rev().map(|entry| html! {
                        <tr data-action={entry.action.clone()}>
                            <td>{ entry.at.get(..16).unwrap_or(&entry.at).replace('T', " ") }</td>
                            <td>{ entry.actor.clone() }</td>
                            <td>{ entry.action.replace('_', " ") }</td>
                            <td>{ entry.detail.clone() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="board-section" id="audit">
            <h3>{ "Audit log" }</h3>
            { body }
        </section>
    }
}

/// The campaign's figures by office, when the registry answered.
fn view_campaign(campaign: &Option<Result<CampaignStats, String>>) -> Html {
    let body = match campaign {
        None => html! { <p class="muted">{ "Asking the registry…" }</p> },
        Some(Err(why)) => {
            html! { <p class="muted" id="campaign-unavailable">{ format!("Campaign figures need the registry: {why}") }</p> }
        }
        Some(Ok(stats)) => {
            let most = stats
                .offices
                .iter()
                .chain(std::iter::once(&stats.campaign))
                .filter_map(|o| o.today().map(|d| d.rate.attempts))
                .max()
                .unwrap_or(0);
            html! {
                <>
                    <p class="muted">{ format!("From the registry, {} ({}), every office's results as they have synced.", stats.today, stats.zone) }</p>
                    <table class="figures" id="campaign-stats">
                        <thead><tr><th>{ "Office" }</th><th>{ "Doors today" }</th><th>{ "Calls today" }</th><th>{ "Contacts today" }</th><th>{ "Attempts today" }</th><th>{ "Contact rate" }</th><th>{ "Supporters" }</th><th>{ "Volunteers today" }</th></tr></thead>
                        <tbody>
                            { for stats.offices.iter().map(|office| office_row(office, most, false)) }
                            { office_row(&stats.campaign, most, true) }
                        </tbody>
                    </table>
                </>
            }
        }
    };
    html! {
        <section class="board-section" id="campaign">
            <h3>{ "The campaign, by office" }</h3>
            { body }
        </section>
    }
}

fn view_board(board: &Dashboard) -> Html {
    let today = board.today().cloned();
    let tiles = match &today {
        Some(day) => html! {
            <div class="tiles">
                { tile("today-doors", "Doors today", day.doors, day.doors_goal) }
                { tile("today-calls", "Calls today", day.calls, day.calls_goal) }
                { tile("today-contacts", "Contacts today", day.rate.contacts, day.contacts_goal) }
                <div class="tile" id="today-rate">
                    <span class="tile-label">{ "Contact rate today" }</span>
                    <strong class="tile-value">{ rate(day.rate) }</strong>
                    <span class="muted">{ format!("{} overall", rate(board.office.overall)) }</span>
                </div>
                { tile("supporters", "Supporters identified", board.office.supporters, board.office.goals.supporters) }
            </div>
        },
        None => html! {},
    };
    let most_support = board.office.most_support();
    let support = board.office.support.iter().map(|level| {
        html! {
            <li class="bar-row" data-level={level.code.clone()}>
                <span class="bar-label">{ level.label.clone() }</span>
                <span class={classes!("bar", format!("level-{}", level.code))} style={format!("width: {:.1}%", percent(level.answers, most_support))}></span>
                <span class="bar-value">{ group(level.answers) }</span>
            </li>
        }
    });
    let work = board.work.iter().map(|item| {
        let noun = match item.target {
            Target::Turf => "doors",
            Target::CallList | Target::Precinct => "voters",
        };
        let kind = match item.target {
            Target::Turf => "turf",
            Target::CallList | Target::Precinct => "list",
        };
        html! {
            <tr class={classes!("work", item.state.as_str())} data-name={item.name.clone()}>
                <td><span class="badge">{ kind }</span>{ " " }{ item.name.clone() }</td>
                <td class="wide">{ progress(format!("progress-{kind}-{}", item.id), item.done, item.total,
                    format!("{} of {} {noun}", group(item.done), group(item.total))) }</td>
                <td class="num">{ group(item.left()) }</td>
                <td class="num">{ rate(item.rate) }</td>
                <td>{ item.state.as_str() }</td>
            </tr>
        }
    });
    let most_precinct = board
        .precincts
        .iter()
        .map(|p| p.rate.attempts)
        .max()
        .unwrap_or(0);
    let precincts = board.precincts.iter().map(|precinct| {
        let name = precinct.precinct.clone().unwrap_or_else(|| "no precinct".into());
        html! {
            <tr data-precinct={name.clone()}>
                <td>{ name }</td>
                <td class="num">{ group(precinct.doors) }</td>
                <td class="num">{ group(precinct.calls) }</td>
                <td class="num">{ group(precinct.rate.contacts) }</td>
                <td class="wide"><span class="mini"><span style={format!("width: {:.1}%", percent(precinct.rate.attempts, most_precinct))}></span></span></td>
                <td class="num">{ rate(precinct.rate) }</td>
            </tr>
        }
    });
    let volunteers = board.volunteers.iter().map(|volunteer| {
        html! {
            <tr data-volunteer={volunteer.name.clone()}>
                <td>{ volunteer.name.clone() }</td>
                <td class="num">{ group(volunteer.doors) }</td>
                <td class="num">{ group(volunteer.calls) }</td>
                <td class="num">{ format!("{:.1}", volunteer.per_hour) }</td>
                <td class="num">{ format!("{}h{:02}", volunteer.minutes / 60, volunteer.minutes % 60) }</td>
                <td class="num">{ rate(volunteer.rate) }</td>
            </tr>
        }
    });
    let picks = board.recommendations.iter().enumerate().map(|(at, pick)| {
        let what = match pick.target {
            Target::Turf => "turf",
            Target::CallList => "call list",
            Target::Precinct => "precinct",
        };
        html! {
            <tr data-pick={pick.name.clone()}>
                <td class="num">{ at + 1 }</td>
                <td><span class="badge">{ what }</span>{ " " }{ pick.name.clone() }</td>
                <td class="num">{ group(pick.left) }</td>
                <td class="num">{ format!("{} of {}", group(pick.seen.contacts), group(pick.seen.attempts)) }</td>
                <td class="num">{ rate(pick.office) }</td>
                <td class="num">{ format!("{:.0}%", pick.expected_rate * 100.0) }</td>
                <td class="num"><strong>{ group(pick.expected_contacts.round() as u64) }</strong></td>
            </tr>
        }
    });
    html! {
        <>
            { tiles }
            <p class="muted" id="left-to-do">{ format!(
                "Left to do: {} doors on {} open turfs, {} voters on {} open call lists.",
                group(board.left.doors), board.left.open_turfs, group(board.left.calls), board.left.open_lists
            ) }</p>
            <section class="board-section">
                <h3>{ format!("The last {} days", board.office.days.len()) }</h3>
                { days_chart(&board.office.days) }
            </section>
            <section class="board-section two">
                <div>
                    <h3>{ format!("Support IDs ({})", of_goal(board.office.supporters, board.office.goals.supporters)) }</h3>
                    if board.office.support.is_empty() {
                        <p class="muted">{ "No support question." }</p>
                    } else {
                        <ol class="precinct-chart" id="support-chart" aria-label="Support answers by level">{ for support }</ol>
                    }
                </div>
                <div>
                    <h3>{ "Where to send people next" }</h3>
                    <p class="muted">{ "Ranked by contacts still to be had: what is left × the rate expected there (what was seen there, weighed with the office's rate as 20 attempts)." }</p>
                    <table class="figures" id="recommendations">
                        <thead><tr><th>{ "#" }</th><th>{ "Where" }</th><th>{ "Left" }</th><th>{ "Seen there" }</th><th>{ "Office" }</th><th>{ "Expected" }</th><th>{ "Contacts to be had" }</th></tr></thead>
                        <tbody>{ for picks }</tbody>
                    </table>
                </div>
            </section>
            <section class="board-section">
                <h3>{ "Progress by turf and call list" }</h3>
                if board.work_not_shown > 0 {
                    <p class="muted" id="work-not-shown">{ format!(
                        "Lists and turfs under way first; {} more turfs (not started, finished or closed) are counted in what is left but not listed here.",
                        group(board.work_not_shown)
                    ) }</p>
                }
                <table class="figures" id="work-progress">
                    <thead><tr><th>{ "Turf or list" }</th><th>{ "Done" }</th><th>{ "Left" }</th><th>{ "Contact rate" }</th><th>{ "State" }</th></tr></thead>
                    <tbody>{ for work }</tbody>
                </table>
            </section>
            <section class="board-section two">
                <div>
                    <h3>{ "Results by precinct" }</h3>
                    <table class="figures" id="precinct-results">
                        <thead><tr><th>{ "Precinct" }</th><th>{ "Doors" }</th><th>{ "Calls" }</th><th>{ "Contacts" }</th><th>{ "Attempts" }</th><th>{ "Rate" }</th></tr></thead>
                        <tbody>{ for precincts }</tbody>
                    </table>
                </div>
                <div>
                    <h3>{ "Volunteers" }</h3>
                    <table class="figures" id="volunteer-results">
                        <thead><tr><th>{ "Volunteer" }</th><th>{ "Doors" }</th><th>{ "Calls" }</th><th>{ "An hour" }</th><th>{ "Worked" }</th><th>{ "Contact rate" }</th></tr></thead>
                        <tbody>{ for volunteers }</tbody>
                    </table>
                </div>
            </section>
        </>
    }
}

#[function_component(DashboardView)]
pub fn dashboard_view(props: &DashboardProps) -> Html {
    let state = use_reducer(Board::default);
    {
        let dispatcher = state.dispatcher();
        use_effect_with(props.changes, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::dashboard().await {
                    Ok(board) => dispatcher.dispatch(Step::Loaded(board)),
                    Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
                }
            });
        });
    }
    {
        let dispatcher = state.dispatcher();
        use_effect_with(props.changes, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let quality = ipc::quality().await.map_err(|error| error.message);
                dispatcher.dispatch(Step::Quality(quality));
                let audit = ipc::audit_log().await.map_err(|error| error.message);
                dispatcher.dispatch(Step::Audit(audit));
                let campaign = ipc::campaign_stats().await.map_err(|error| error.message);
                dispatcher.dispatch(Step::Campaign(campaign));
            });
        });
    }
    let refresh = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| {
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::dashboard().await {
                    Ok(board) => dispatcher.dispatch(Step::Loaded(board)),
                    Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
                }
            });
        })
    };
    let print = Callback::from(|_| {
        if let Some(window) = web_sys::window() {
            // Printing is best effort: a window without a printer says so itself.
            let _ = window.print();
        }
    });
    let save_goals = {
        let state = state.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let dispatcher = state.dispatcher();
            match state.request() {
                Ok(request) => wasm_bindgen_futures::spawn_local(async move {
                    match ipc::set_goals(request).await {
                        Ok(board) => dispatcher.dispatch(Step::Saved(board)),
                        Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
                    }
                }),
                Err(problem) => dispatcher.dispatch(Step::Failed(problem)),
            }
        })
    };
    let decide = {
        let dispatcher = state.dispatcher();
        Callback::from(move |(batch, verdict): (Batch, Verdict)| {
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let request = DecideBatchRequest {
                    batch,
                    verdict,
                    note: String::new(),
                };
                match ipc::decide_batch(request).await {
                    Ok(quality) => dispatcher.dispatch(Step::Quality(Ok(quality))),
                    Err(error) => {
                        dispatcher.dispatch(Step::Failed(error.message));
                        return;
                    }
                }
                match ipc::dashboard().await {
                    Ok(board) => dispatcher.dispatch(Step::Loaded(board)),
                    Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
                }
                let audit = ipc::audit_log().await.map_err(|error| error.message);
                dispatcher.dispatch(Step::Audit(audit));
            });
        })
    };
    let export = {
        let state = state.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let dispatcher = state.dispatcher();
            let request = ExportRequest {
                format: if state.export_crm {
                    ResultsFormat::Crm
                } else {
                    ResultsFormat::Csv
                },
                since: Some(state.export_since.trim().to_owned()).filter(|day| !day.is_empty()),
            };
            wasm_bindgen_futures::spawn_local(async move {
                let written = ipc::export_results(request)
                    .await
                    .map_err(|error| error.message);
                dispatcher.dispatch(Step::Exported(written));
            });
        })
    };
    let export_crm = {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            dispatcher.dispatch(Step::ExportCrm(select.value() == "crm"));
        })
    };
    let export_since = {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            dispatcher.dispatch(Step::ExportSince(input.value()));
        })
    };
    let goal_input = |at: usize, id: &'static str, label: &'static str| {
        let dispatcher = state.dispatcher();
        html! {
            <label>{ label }
                <input id={id} inputmode="numeric" value={state.goals[at].clone()}
                    oninput={Callback::from(move |event: InputEvent| {
                        let input: HtmlInputElement = event.target_unchecked_into();
                        dispatcher.dispatch(Step::Goal(at, input.value()));
                    })} />
            </label>
        }
    };
    html! {
        <section class="dashboard" id="dashboard">
            <div class="toolbar">
                <h2>{ "Office dashboard" }</h2>
                if let Some(board) = &state.board {
                    <span class="muted" id="dashboard-day">{ format!("{} · from this laptop's own records, offline or not", board.today) }</span>
                }
                <button class="no-print" id="dashboard-refresh" onclick={refresh}>{ "Refresh" }</button>
                <button class="no-print" id="dashboard-print" onclick={print}>{ "Print" }</button>
            </div>
            if !state.error.is_empty() {
                <p class="error" id="dashboard-error" role="alert">{ state.error.clone() }</p>
            }
            if !state.message.is_empty() {
                <p class="notice" id="dashboard-message">{ state.message.clone() }</p>
            }
            { match &state.board {
                Some(board) => view_board(board),
                None => html! { <p class="muted">{ "Counting…" }</p> },
            } }
            { view_quality(&state.quality, &decide) }
            { view_audit(&state.audit) }
            { view_campaign(&state.campaign) }
            <form class="goals no-print" id="export-form" onsubmit={export}>
                <h3>{ "Export results" }</h3>
                <label>{ "Shape" }
                    <select id="export-format" onchange={export_crm}>
                        <option value="csv" selected={!state.export_crm}>{ "A row per attempt (CSV)" }</option>
                        <option value="crm" selected={state.export_crm}>{ "The party CRM's bulk upload" }</option>
                    </select>
                </label>
                <label>{ "From" }
                    <input id="export-since" type="date" value={state.export_since.clone()} oninput={export_since} />
                </label>
                <button type="submit" id="export-results">{ "Export" }</button>
                { match &state.exported {
                    Some(Ok(written)) => html! {
                        <p class="notice" id="export-message">{ format!("Saved {} attempts ({} rows) to {}", written.attempts, written.rows, written.path) }</p>
                    },
                    Some(Err(error)) => html! { <p class="error" id="export-error" role="alert">{ error.clone() }</p> },
                    None => html! {},
                } }
            </form>
            <form class="goals no-print" id="goals-form" onsubmit={save_goals}>
                <h3>{ "Daily goals (coordinators)" }</h3>
                { goal_input(0, "goal-doors", "Doors a day") }
                { goal_input(1, "goal-calls", "Calls a day") }
                { goal_input(2, "goal-contacts", "Contacts a day") }
                { goal_input(3, "goal-supporters", "Supporters (campaign)") }
                <button type="submit" id="save-goals">{ "Save goals" }</button>
            </form>
        </section>
    }
}
