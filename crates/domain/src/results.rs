//! The day's results: every figure the Office dashboard, `groundgame stats`
//! and the registry's campaign figures show, one pure function per measure.
//!
//! The measures read [`Tally`] rows: attempts that share a day, a
//! volunteer, a channel, a result code, a precinct and a turf or call list,
//! counted, with the first and last time among them. The store keeps such
//! a rollup as attempts arrive (so a county's dashboard reads thousands of
//! rows, not millions); a test builds one tally per attempt from the raw
//! rows and checks that both give the same dashboard. Nothing here knows
//! SQL or time zones: the caller has already put each tally on the office's
//! calendar day.

use crate::contact::{Channel, ContactClass, ResultCode};
use crate::office::{CallListSummary, TurfSummary};
use crate::survey::QuestionRecord;
use crate::work::WorkState;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Attempts alike in everything the dashboard groups by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// The office's calendar day (`2026-11-03`).
    pub day: String,
    /// The volunteer's id, if one was signed in.
    pub volunteer: Option<String>,
    pub channel: Channel,
    /// The result code's slug.
    pub result: String,
    pub precinct: Option<String>,
    /// The turf (this laptop's id) the door was knocked from.
    pub turf: Option<i64>,
    /// The call list (this laptop's id) the call was made from.
    pub call_list: Option<i64>,
    pub attempts: u64,
    /// The first and last `recorded_at` among them (UTC, `…T18:02:11Z`).
    pub first_at: String,
    pub last_at: String,
}

/// Answers alike in day, volunteer, question and answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerTally {
    pub day: String,
    pub volunteer: Option<String>,
    pub question: String,
    pub answer: String,
    pub answers: u64,
}

/// Daily goals the office's coordinator sets; zero means no goal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalsRecord {
    pub doors_per_day: u32,
    pub calls_per_day: u32,
    pub contacts_per_day: u32,
    /// Supporters identified (strong or leaning yes) over the campaign.
    pub supporters: u32,
    pub recorded_at: String,
}

impl GoalsRecord {
    /// The largest goal taken: more than any office could reach in a day is
    /// a typing mistake, not a goal.
    pub const MAX: u32 = 1_000_000;

    /// The one key the office's goals are kept under.
    pub const KEY: &'static str = "office";

    /// Whether these goals replace `current`: the later set stands, and of
    /// two set at the same second the one already kept.
    pub fn supersedes(&self, current: &GoalsRecord) -> bool {
        self.recorded_at > current.recorded_at
    }

    pub fn validate(&self) -> Result<(), String> {
        for (what, value) in [
            ("doors a day", self.doors_per_day),
            ("calls a day", self.calls_per_day),
            ("contacts a day", self.contacts_per_day),
            ("supporters", self.supporters),
        ] {
            if value > Self::MAX {
                return Err(format!(
                    "a goal of {value} {what} is more than {}; the goals were not saved",
                    Self::MAX
                ));
            }
        }
        Ok(())
    }
}

/// Whether a result reached the voter (the result code's class). A code
/// this build does not know reached nobody it can count.
pub fn is_contact(result: &str) -> bool {
    matches!(
        ResultCode::find(result).map(|code| code.class),
        Some(ContactClass::Contact)
    )
}

/// Contacts out of attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    pub contacts: u64,
    pub attempts: u64,
}

impl Rate {
    fn add(&mut self, tally: &Tally) {
        self.attempts += tally.attempts;
        if is_contact(&tally.result) {
            self.contacts += tally.attempts;
        }
    }

    /// The share of attempts that reached someone, if there were any.
    pub fn share(self) -> Option<f64> {
        (self.attempts > 0).then(|| self.contacts as f64 / self.attempts as f64)
    }

    /// As the screens print it: `34%`, or `–` with nothing to divide.
    pub fn percent(self) -> String {
        match self.share() {
            Some(share) => format!("{:.0}%", share * 100.0),
            None => "–".into(),
        }
    }
}

/// One day's work against the day's goals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    pub day: String,
    pub doors: u64,
    pub calls: u64,
    pub texts: u64,
    /// Contacts out of every attempt of the day.
    pub rate: Rate,
    pub doors_goal: u32,
    pub calls_goal: u32,
    pub contacts_goal: u32,
}

/// The days from `first` to `last` (inclusive, `YYYY-MM-DD`), in order;
/// empty when either is not a date or `first` comes after `last`.
pub fn calendar(first: &str, last: &str) -> Vec<String> {
    let (Some(mut at), Some(end)) = (civil_days(first), civil_days(last)) else {
        return Vec::new();
    };
    let mut days = Vec::new();
    while at <= end && days.len() < 3660 {
        days.push(civil_date(at));
        at += 1;
    }
    days
}

/// Attempts and contacts of each of `days`, with the goals beside them.
pub fn per_day(tallies: &[Tally], days: &[String], goals: &GoalsRecord) -> Vec<DayFigures> {
    let mut figures: BTreeMap<&str, DayFigures> = days
        .iter()
        .map(|day| {
            (
                day.as_str(),
                DayFigures {
                    day: day.clone(),
                    doors: 0,
                    calls: 0,
                    texts: 0,
                    rate: Rate::default(),
                    doors_goal: goals.doors_per_day,
                    calls_goal: goals.calls_per_day,
                    contacts_goal: goals.contacts_per_day,
                },
            )
        })
        .collect();
    for tally in tallies {
        let Some(day) = figures.get_mut(tally.day.as_str()) else {
            continue;
        };
        match tally.channel {
            Channel::Door => day.doors += tally.attempts,
            Channel::Phone => day.calls += tally.attempts,
            Channel::Text => day.texts += tally.attempts,
        }
        day.rate.add(tally);
    }
    figures.into_values().collect()
}

/// Contacts out of attempts over every tally.
pub fn overall(tallies: &[Tally]) -> Rate {
    let mut rate = Rate::default();
    for tally in tallies {
        rate.add(tally);
    }
    rate
}

/// Contacts out of attempts on one channel.
pub fn channel_rate(tallies: &[Tally], channel: Channel) -> Rate {
    let mut rate = Rate::default();
    for tally in tallies.iter().filter(|t| t.channel == channel) {
        rate.add(tally);
    }
    rate
}

/// How many answers a question's answer got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelCount {
    pub code: String,
    pub label: String,
    pub answers: u64,
}

/// The answers to `question` by answer, in the order the question lists
/// them (codes it no longer lists follow, by code).
pub fn answers_by_level(answers: &[AnswerTally], question: &QuestionRecord) -> Vec<LevelCount> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for tally in answers.iter().filter(|a| a.question == question.slug) {
        *counts.entry(tally.answer.as_str()).or_default() += tally.answers;
    }
    let mut levels: Vec<LevelCount> = question
        .answers
        .iter()
        .map(|choice| LevelCount {
            code: choice.code.clone(),
            label: choice.label.clone(),
            answers: counts.remove(choice.code.as_str()).unwrap_or(0),
        })
        .collect();
    levels.extend(counts.into_iter().map(|(code, answers)| LevelCount {
        code: code.to_owned(),
        label: code.to_owned(),
        answers,
    }));
    levels
}

/// The support answers that identify a supporter.
pub const SUPPORTER_LEVELS: [&str; 2] = ["strong", "lean"];

/// Supporters identified: answers of strong or leaning yes.
pub fn supporters(levels: &[LevelCount]) -> u64 {
    levels
        .iter()
        .filter(|level| SUPPORTER_LEVELS.contains(&level.code.as_str()))
        .map(|level| level.answers)
        .sum()
}

/// One precinct's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecinctFigures {
    /// `None`: attempts on voters with no precinct on file.
    pub precinct: Option<String>,
    pub doors: u64,
    pub calls: u64,
    pub rate: Rate,
}

/// Results by precinct, in precinct order (no precinct last).
pub fn by_precinct(tallies: &[Tally]) -> Vec<PrecinctFigures> {
    let mut figures: BTreeMap<(bool, Option<&str>), PrecinctFigures> = BTreeMap::new();
    for tally in tallies {
        let key = (tally.precinct.is_none(), tally.precinct.as_deref());
        let entry = figures.entry(key).or_insert_with(|| PrecinctFigures {
            precinct: tally.precinct.clone(),
            doors: 0,
            calls: 0,
            rate: Rate::default(),
        });
        match tally.channel {
            Channel::Door => entry.doors += tally.attempts,
            Channel::Phone | Channel::Text => entry.calls += tally.attempts,
        }
        entry.rate.add(tally);
    }
    figures.into_values().collect()
}

/// One volunteer's productivity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolunteerFigures {
    /// `None`: results recorded with nobody signed in.
    pub volunteer: Option<String>,
    pub name: String,
    pub doors: u64,
    pub calls: u64,
    pub rate: Rate,
    /// Minutes worked: each day from the first result to the last, and at
    /// least [`MIN_SHIFT_MINUTES`] for a day with any.
    pub minutes: u64,
    /// Doors and calls per hour worked.
    pub per_hour: f64,
    pub days: u32,
}

/// The least a day with any result counts as worked: one door knocked is
/// not a shift of no time.
pub const MIN_SHIFT_MINUTES: u64 = 15;

/// Productivity per volunteer, busiest first. `names` gives the roster's
/// names by id; an id not on it shows as the id.
pub fn by_volunteer(tallies: &[Tally], names: &BTreeMap<String, String>) -> Vec<VolunteerFigures> {
    struct Shift {
        first: i64,
        last: i64,
    }
    let mut work: BTreeMap<Option<&str>, (Rate, u64, u64)> = BTreeMap::new();
    let mut shifts: BTreeMap<(Option<&str>, &str), Option<Shift>> = BTreeMap::new();
    for tally in tallies {
        let who = tally.volunteer.as_deref();
        let entry = work.entry(who).or_default();
        entry.0.add(tally);
        match tally.channel {
            Channel::Door => entry.1 += tally.attempts,
            Channel::Phone | Channel::Text => entry.2 += tally.attempts,
        }
        let span = epoch_seconds(&tally.first_at).zip(epoch_seconds(&tally.last_at));
        let shift = shifts.entry((who, tally.day.as_str())).or_insert(None);
        if let Some((first, last)) = span {
            match shift {
                Some(shift) => {
                    shift.first = shift.first.min(first);
                    shift.last = shift.last.max(last);
                }
                None => *shift = Some(Shift { first, last }),
            }
        }
    }
    let mut figures: Vec<VolunteerFigures> = work
        .into_iter()
        .map(|(who, (rate, doors, calls))| {
            let days: Vec<u64> = shifts
                .iter()
                .filter(|((volunteer, _), _)| *volunteer == who)
                .map(|(_, shift)| {
                    let seconds = shift
                        .as_ref()
                        .map_or(0, |s| u64::try_from(s.last - s.first).unwrap_or(0));
                    (seconds / 60).max(MIN_SHIFT_MINUTES)
                })
                .collect();
            let minutes: u64 = days.iter().sum();
            VolunteerFigures {
                volunteer: who.map(str::to_owned),
                name: match who {
                    Some(id) => names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
                    None => "Nobody signed in".into(),
                },
                doors,
                calls,
                rate,
                minutes,
                per_hour: (doors + calls) as f64 * 60.0 / minutes.max(1) as f64,
                days: days.len() as u32,
            }
        })
        .collect();
    figures.sort_by(|a, b| {
        (b.doors + b.calls)
            .cmp(&(a.doors + a.calls))
            .then_with(|| a.name.cmp(&b.name))
    });
    figures
}

/// What a piece of work is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Turf,
    CallList,
    Precinct,
}

/// How far one turf or call list has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProgress {
    pub target: Target,
    pub id: i64,
    pub name: String,
    pub precinct: Option<String>,
    pub state: WorkState,
    /// Doors knocked or voters done.
    pub done: u64,
    /// Doors or voters on it.
    pub total: u64,
    /// Attempts made from it, and how many reached someone.
    pub rate: Rate,
}

impl WorkProgress {
    pub fn left(&self) -> u64 {
        self.total.saturating_sub(self.done)
    }
}

/// A turf or call list as the dashboard counts it: doors (or voters) on
/// it and those done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    pub target: Target,
    pub id: i64,
    pub name: String,
    pub precinct: Option<String>,
    pub state: WorkState,
    pub done: u64,
    pub total: u64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl From<&TurfSummary> for WorkItem {
    fn from(turf: &TurfSummary) -> Self {
        Self {
            target: Target::Turf,
            id: turf.id,
            name: turf.name.clone(),
            precinct: turf.precinct.clone(),
            state: turf.state,
            done: count(turf.knocked),
            total: count(turf.households),
        }
    }
}

impl From<&CallListSummary> for WorkItem {
    fn from(list: &CallListSummary) -> Self {
        Self {
            target: Target::CallList,
            id: list.id,
            name: list.name.clone(),
            precinct: None,
            state: list.state,
            done: count(list.done),
            total: count(list.items),
        }
    }
}

/// Progress of every turf and call list that is not deleted, with the
/// rates seen from each (`tallies` by turf or list).
pub fn progress(tallies: &[Tally], items: &[WorkItem]) -> Vec<WorkProgress> {
    let mut turf_rates: BTreeMap<i64, Rate> = BTreeMap::new();
    let mut list_rates: BTreeMap<i64, Rate> = BTreeMap::new();
    for tally in tallies {
        if let Some(turf) = tally.turf {
            turf_rates.entry(turf).or_default().add(tally);
        }
        if let Some(list) = tally.call_list {
            list_rates.entry(list).or_default().add(tally);
        }
    }
    items
        .iter()
        .filter(|item| item.state != WorkState::Deleted)
        .map(|item| {
            let rates = match item.target {
                Target::Turf => &turf_rates,
                Target::CallList | Target::Precinct => &list_rates,
            };
            WorkProgress {
                target: item.target,
                id: item.id,
                name: item.name.clone(),
                precinct: item.precinct.clone(),
                state: item.state,
                done: item.done,
                total: item.total,
                rate: rates.get(&item.id).copied().unwrap_or_default(),
            }
        })
        .collect()
}

/// What is left on open work: doors to knock and voters to call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftToDo {
    pub doors: u64,
    pub calls: u64,
    pub open_turfs: u64,
    pub open_lists: u64,
}

pub fn left_to_do(work: &[WorkProgress]) -> LeftToDo {
    let mut left = LeftToDo::default();
    for item in work.iter().filter(|w| w.state == WorkState::Open) {
        match item.target {
            Target::Turf => {
                left.doors += item.left();
                left.open_turfs += 1;
            }
            Target::CallList => {
                left.calls += item.left();
                left.open_lists += 1;
            }
            Target::Precinct => {}
        }
    }
    left
}

/// How much the office's own rate weighs in a target's expected rate, as if
/// it were this many attempts made there: a turf with three attempts and
/// three contacts is not a sure thing, and one never tried is expected to do
/// as the office does.
pub const PRIOR_ATTEMPTS: f64 = 20.0;

/// A place to send people next, with the numbers its rank came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub target: Target,
    /// The turf's or list's id; a precinct has its code in `name`.
    pub id: Option<i64>,
    pub name: String,
    /// Doors (turf, precinct) or voters (list) left on open work.
    pub left: u64,
    /// What was seen there so far.
    pub seen: Rate,
    /// The office's rate on the same channel.
    pub office: Rate,
    /// The rate expected there: what was seen, weighed with the office's
    /// as [`PRIOR_ATTEMPTS`] attempts.
    pub expected_rate: f64,
    /// `left` × `expected_rate`: the contacts still to be had there.
    pub expected_contacts: f64,
}

/// The expected rate of a target that saw `seen`, in an office that saw
/// `office`.
pub fn expected_rate(seen: Rate, office: Rate) -> f64 {
    let prior = office.share().unwrap_or(0.0);
    (seen.contacts as f64 + PRIOR_ATTEMPTS * prior) / (seen.attempts as f64 + PRIOR_ATTEMPTS)
}

/// Open turfs, the precincts of their doors, and open call lists, ranked
/// by the contacts still to be had there (most first); the office's rates
/// from `tallies`, each precinct's from `places`. Work with nothing left is
/// not recommended.
pub fn recommend(
    tallies: &[Tally],
    places: &[Tally],
    work: &[WorkProgress],
) -> Vec<Recommendation> {
    let doors = channel_rate(tallies, Channel::Door);
    let calls = channel_rate(tallies, Channel::Phone);
    let mut by_precinct: BTreeMap<&str, Rate> = BTreeMap::new();
    for tally in places.iter().filter(|t| t.channel == Channel::Door) {
        if let Some(precinct) = &tally.precinct {
            by_precinct.entry(precinct).or_default().add(tally);
        }
    }
    let rank = |target, id, name: String, left, seen: Rate, office: Rate| {
        let rate = expected_rate(seen, office);
        Recommendation {
            target,
            id,
            name,
            left,
            seen,
            office,
            expected_rate: rate,
            expected_contacts: left as f64 * rate,
        }
    };
    let mut left_in: BTreeMap<&str, u64> = BTreeMap::new();
    let mut ranked = Vec::new();
    for item in work
        .iter()
        .filter(|w| w.state == WorkState::Open && w.left() > 0)
    {
        let office = match item.target {
            Target::Turf => doors,
            _ => calls,
        };
        ranked.push(rank(
            item.target,
            Some(item.id),
            item.name.clone(),
            item.left(),
            item.rate,
            office,
        ));
        if let (Target::Turf, Some(precinct)) = (item.target, &item.precinct) {
            *left_in.entry(precinct).or_default() += item.left();
        }
    }
    for (precinct, left) in left_in {
        let seen = by_precinct.get(precinct).copied().unwrap_or_default();
        ranked.push(rank(
            Target::Precinct,
            None,
            precinct.to_owned(),
            left,
            seen,
            doors,
        ));
    }
    ranked.sort_by(|a, b| {
        b.expected_contacts
            .total_cmp(&a.expected_contacts)
            .then_with(|| b.left.cmp(&a.left))
            .then_with(|| a.target.cmp(&b.target))
            .then_with(|| a.name.cmp(&b.name))
    });
    ranked
}

/// Everything a dashboard is computed from. Each set of tallies is read
/// for its own figures, so each may be grouped by only what those need:
/// `tallies` by day and volunteer (the days, the office's rates, the
/// volunteers), `places` by precinct, `work_tallies` by turf or list.
#[derive(Debug, Clone, Default)]
pub struct DashboardInput {
    pub tallies: Vec<Tally>,
    pub places: Vec<Tally>,
    pub work_tallies: Vec<Tally>,
    pub answers: Vec<AnswerTally>,
    pub work: Vec<WorkItem>,
    pub goals: GoalsRecord,
    /// The support question as the office asks it now.
    pub support: Option<QuestionRecord>,
    /// Volunteer names by id.
    pub names: BTreeMap<String, String>,
    /// The office's calendar day now.
    pub today: String,
}

/// How many days the dashboard draws, ending today.
pub const DASHBOARD_DAYS: usize = 14;

/// How many turfs and lists the dashboard shows (a county cut into turfs
/// has thousands; the rest are counted, never sent to the window whole).
pub const WORK_SHOWN: usize = 40;

/// How many places to send people it recommends.
pub const RECOMMENDATIONS_SHOWN: usize = 10;

/// The order work is shown in: call lists, then turfs under way (some done,
/// some left), then those not started, then those finished or closed; by
/// name within each.
pub fn shown_first(work: &mut [WorkProgress]) {
    let rank = |w: &WorkProgress| {
        let open = w.state == WorkState::Open;
        match (w.target, open, w.done > 0, w.left() > 0) {
            (Target::CallList, true, _, _) => 0,
            (_, true, true, true) => 1,
            (_, true, false, true) => 2,
            _ => 3,
        }
    };
    work.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
}

/// The Office dashboard: every measure, each computed by its function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: String,
    /// The figures an office shows anywhere, computed as the registry's
    /// `GET /v1/stats` computes each office's: the goals, the days, the
    /// rates, support by level.
    #[serde(flatten)]
    pub office: OfficeFigures,
    /// The first [`WORK_SHOWN`] turfs and lists, in [`shown_first`] order.
    pub work: Vec<WorkProgress>,
    /// Turfs and lists not among them.
    pub work_not_shown: u64,
    /// What is left on all open work.
    pub left: LeftToDo,
    pub precincts: Vec<PrecinctFigures>,
    pub volunteers: Vec<VolunteerFigures>,
    /// The best [`RECOMMENDATIONS_SHOWN`] places to send people next.
    pub recommendations: Vec<Recommendation>,
}

impl Dashboard {
    /// The figures of today, if the dashboard's days include it.
    pub fn today(&self) -> Option<&DayFigures> {
        self.office.days.iter().find(|day| day.day == self.today)
    }
}

/// The first day of the dashboard's window that ends `today`.
pub fn window_start(today: &str) -> String {
    civil_days(today).map_or_else(
        || today.to_owned(),
        |at| civil_date(at - (DASHBOARD_DAYS as i64 - 1)),
    )
}

pub fn dashboard(input: &DashboardInput) -> Dashboard {
    // The figures an office shows anywhere (here, and on the registry's
    // campaign table), then what only the office's own slice can tell.
    let office = office_figures(
        None,
        String::new(),
        &input.tallies,
        &input.answers,
        &input.goals,
        input.support.as_ref(),
        &input.today,
    );
    let mut work = progress(&input.work_tallies, &input.work);
    let left = left_to_do(&work);
    let mut recommendations = recommend(&input.tallies, &input.places, &work);
    recommendations.truncate(RECOMMENDATIONS_SHOWN);
    shown_first(&mut work);
    let work_not_shown = work.len().saturating_sub(WORK_SHOWN) as u64;
    work.truncate(WORK_SHOWN);
    Dashboard {
        today: input.today.clone(),
        office,
        left,
        recommendations,
        work,
        work_not_shown,
        precincts: by_precinct(&input.places),
        volunteers: by_volunteer(&input.tallies, &input.names),
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (or the date part of a
/// stamp), the civil calendar's arithmetic (Hinnant's `days_from_civil`).
fn civil_days(date: &str) -> Option<i64> {
    let date = date.get(..10)?;
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day) || date.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Seconds since the epoch of a UTC time as devices record it
/// (`2026-11-03T18:02:11Z`, a fraction of a second allowed), or `None` for
/// anything else: another offset, a day or hour that does not exist.
pub fn epoch_seconds(stamp: &str) -> Option<i64> {
    let days = civil_days(stamp)?;
    let bytes = stamp.as_bytes();
    if bytes.len() < 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let rest = &stamp[19..];
    let fraction = rest.strip_prefix('.').unwrap_or(rest);
    let digits = fraction.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || (rest.starts_with('.') && digits.is_empty()) {
        return None;
    }
    let part = |range: std::ops::Range<usize>| {
        let text = stamp.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<i64>().ok())?
    };
    let (h, m, s) = (part(11..13)?, part(14..16)?, part(17..19)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// The distinct days tallies fall on, in order.
pub fn days_seen(tallies: &[Tally]) -> BTreeSet<String> {
    tallies.iter().map(|t| t.day.clone()).collect()
}

/// Volunteers with any result on `day`.
pub fn active_volunteers(tallies: &[Tally], day: &str) -> u64 {
    tallies
        .iter()
        .filter(|t| t.day == day)
        .filter_map(|t| t.volunteer.as_deref())
        .collect::<BTreeSet<_>>()
        .len() as u64
}

/// One office's figures as the registry computes them for `GET /v1/stats`
/// (or the whole campaign's), by the dashboard's own functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeFigures {
    /// The office's id; none for the whole campaign.
    pub office_id: Option<String>,
    pub name: String,
    pub goals: GoalsRecord,
    /// The last [`DASHBOARD_DAYS`] days, oldest first (today last).
    pub days: Vec<DayFigures>,
    pub overall: Rate,
    pub doors: Rate,
    pub calls: Rate,
    pub support: Vec<LevelCount>,
    pub supporters: u64,
    /// Volunteers with any result today.
    pub volunteers_today: u64,
}

impl OfficeFigures {
    pub fn today(&self) -> Option<&DayFigures> {
        self.days.last()
    }

    /// The answers of the support level answered most: the full bar of
    /// the support chart.
    pub fn most_support(&self) -> u64 {
        self.support.iter().map(|l| l.answers).max().unwrap_or(0)
    }
}

/// The campaign's figures by office, as of `today` on the calendar of
/// `zone`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignStats {
    pub today: String,
    /// The time zone the days are counted in (IANA name).
    pub zone: String,
    /// The offices the asker may see: every office for an admin, their own
    /// for a coordinator.
    pub offices: Vec<OfficeFigures>,
    /// The whole campaign, every office together.
    pub campaign: OfficeFigures,
}

/// An office's (or the campaign's) figures from its tallies.
pub fn office_figures(
    office_id: Option<String>,
    name: String,
    tallies: &[Tally],
    answers: &[AnswerTally],
    goals: &GoalsRecord,
    support: Option<&QuestionRecord>,
    today: &str,
) -> OfficeFigures {
    let days = calendar(&window_start(today), today);
    let support = support
        .map(|question| answers_by_level(answers, question))
        .unwrap_or_default();
    OfficeFigures {
        office_id,
        name,
        goals: goals.clone(),
        days: per_day(tallies, &days, goals),
        overall: overall(tallies),
        doors: channel_rate(tallies, Channel::Door),
        calls: channel_rate(tallies, Channel::Phone),
        supporters: supporters(&support),
        support,
        volunteers_today: active_volunteers(tallies, today),
    }
}

impl GoalsRecord {
    /// Offices' goals together: the campaign's goal is the sum of its
    /// offices'.
    pub fn combined<'a>(goals: impl IntoIterator<Item = &'a GoalsRecord>) -> GoalsRecord {
        let mut sum = GoalsRecord::default();
        for goals in goals {
            sum.doors_per_day = sum.doors_per_day.saturating_add(goals.doors_per_day);
            sum.calls_per_day = sum.calls_per_day.saturating_add(goals.calls_per_day);
            sum.contacts_per_day = sum.contacts_per_day.saturating_add(goals.contacts_per_day);
            sum.supporters = sum.supporters.saturating_add(goals.supporters);
        }
        sum
    }
}

/// Takes `removed` out of `tallies`, matched on what a precinct or work
/// tally is keyed by (precinct, turf, call list, channel, result); a tally
/// left at nothing goes. How a quarantined batch leaves the figures that
/// are not kept by volunteer and day.
pub fn subtract(tallies: &mut Vec<Tally>, removed: &[Tally]) {
    for gone in removed {
        if let Some(tally) = tallies.iter_mut().find(|tally| {
            tally.precinct == gone.precinct
                && tally.turf == gone.turf
                && tally.call_list == gone.call_list
                && tally.channel == gone.channel
                && tally.result == gone.result
        }) {
            tally.attempts = tally.attempts.saturating_sub(gone.attempts);
        }
    }
    tallies.retain(|tally| tally.attempts > 0);
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
