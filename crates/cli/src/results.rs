//! The day's results on the command line: the Office dashboard (the same
//! figures the app draws, from `groundgame_domain::results`), drawn with
//! bars in the terminal, and the goals a coordinator sets.

use crate::{open_existing, print_json};
use anyhow::Context;
use groundgame_domain::ipc::GoalsRequest;
use groundgame_domain::results::{CampaignStats, Dashboard, Rate, Target};
use groundgame_domain::text::for_terminal;
use groundgame_store::office_zone;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::path::Path;

pub(crate) fn zone(name: Option<&str>) -> anyhow::Result<TimeZone> {
    match name {
        Some(name) => TimeZone::get(name)
            .with_context(|| format!("{name:?} is not a time zone (try America/New_York)")),
        None => Ok(office_zone()),
    }
}

/// A bar of `width` cells, `part` of `whole` filled.
fn bar(part: u64, whole: u64, width: usize) -> String {
    let filled = if whole == 0 {
        0
    } else {
        ((part.min(whole) as f64 / whole as f64) * width as f64).round() as usize
    };
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn of_goal(done: u64, goal: u32) -> String {
    if goal == 0 {
        format!("{done}")
    } else {
        format!("{done} of {goal}")
    }
}

fn rate(rate: Rate) -> String {
    rate.percent()
}

pub fn dashboard(
    db: &Path,
    zone_name: Option<&str>,
    campaign: bool,
    json: bool,
) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    let zone = zone(zone_name)?;
    if campaign {
        let name = zone.iana_name().unwrap_or("UTC").to_owned();
        let store = std::sync::Mutex::new(store);
        let stats =
            crate::network_runtime()?.block_on(groundgame_sync::stats::campaign(&store, &name))?;
        if json {
            return print_json(&stats);
        }
        print_campaign(&stats);
        return Ok(());
    }
    let board = store.dashboard(Timestamp::now(), &zone)?;
    if json {
        return print_json(&board);
    }
    print(&board, &zone);
    Ok(())
}

fn print(board: &Dashboard, zone: &TimeZone) {
    println!(
        "Office dashboard, {} ({})",
        board.today,
        zone.iana_name().unwrap_or("local time")
    );
    if let Some(today) = board.today() {
        println!(
            "  today: {} doors, {} calls, {} contacts ({} contact rate)",
            of_goal(today.doors, today.doors_goal),
            of_goal(today.calls, today.calls_goal),
            of_goal(today.rate.contacts, today.contacts_goal),
            rate(today.rate)
        );
    }
    println!(
        "  every attempt: {} ({} doors, {} calls), {} contacts, contact rate {}",
        board.office.overall.attempts,
        board.office.doors.attempts,
        board.office.calls.attempts,
        board.office.overall.contacts,
        rate(board.office.overall)
    );
    println!(
        "  left to do: {} doors on {} open turfs, {} voters on {} open call lists",
        board.left.doors, board.left.open_turfs, board.left.calls, board.left.open_lists
    );
    println!();
    println!("Attempts by day (█ attempts, the goal is the full bar)");
    let most = board
        .office
        .days
        .iter()
        .map(|d| (d.doors + d.calls + d.texts).max(u64::from(d.doors_goal + d.calls_goal)))
        .max()
        .unwrap_or(0);
    for day in &board.office.days {
        let attempts = day.doors + day.calls + day.texts;
        println!(
            "  {}  {}  {:>6} attempts  {:>6} contacts  {:>4}",
            day.day,
            bar(attempts, most, 30),
            attempts,
            day.rate.contacts,
            rate(day.rate)
        );
    }
    if !board.office.support.is_empty() {
        println!();
        let goal = board.office.goals.supporters;
        println!(
            "Supporters identified: {}",
            of_goal(board.office.supporters, goal)
        );
        let most = board.office.most_support();
        for level in &board.office.support {
            println!(
                "  {:<16} {} {}",
                for_terminal(&level.label),
                bar(level.answers, most, 24),
                level.answers
            );
        }
    }
    if !board.work.is_empty() {
        println!();
        println!("Progress by turf and call list");
        if board.work_not_shown > 0 {
            println!(
                "  (under way first; {} more not listed, counted in what is left)",
                board.work_not_shown
            );
        }
        for work in &board.work {
            let noun = match work.target {
                Target::Turf => "doors",
                Target::CallList | Target::Precinct => "voters",
            };
            println!(
                "  {:<32} {} {:>6} of {:<6} {noun} {:>8} {}",
                for_terminal(&work.name),
                bar(work.done, work.total, 20),
                work.done,
                work.total,
                work.state.as_str(),
                rate(work.rate)
            );
        }
    }
    if !board.precincts.is_empty() {
        println!();
        println!("Results by precinct");
        let most = board
            .precincts
            .iter()
            .map(|p| p.rate.attempts)
            .max()
            .unwrap_or(0);
        for precinct in &board.precincts {
            println!(
                "  {:<12} {} {:>6} doors {:>6} calls {:>6} contacts {:>4}",
                for_terminal(precinct.precinct.as_deref().unwrap_or("(none)")),
                bar(precinct.rate.attempts, most, 20),
                precinct.doors,
                precinct.calls,
                precinct.rate.contacts,
                rate(precinct.rate)
            );
        }
    }
    if !board.volunteers.is_empty() {
        println!();
        println!("Volunteers");
        for volunteer in &board.volunteers {
            println!(
                "  {:<24} {:>6} doors {:>6} calls {:>5.1} an hour over {:>4} min {:>4} contact rate",
                for_terminal(&volunteer.name),
                volunteer.doors,
                volunteer.calls,
                volunteer.per_hour,
                volunteer.minutes,
                rate(volunteer.rate)
            );
        }
    }
    if !board.recommendations.is_empty() {
        println!();
        println!("Send people next (contacts still to be had = left × expected rate)");
        for pick in board.recommendations.iter().take(10) {
            let what = match pick.target {
                Target::Turf => "turf",
                Target::CallList => "call list",
                Target::Precinct => "precinct",
            };
            println!(
                "  {:<9} {:<32} {:>6} left × {:>4.0}% = {:>7.0}  (seen there {} of {}; office {})",
                what,
                for_terminal(&pick.name),
                pick.left,
                pick.expected_rate * 100.0,
                pick.expected_contacts,
                pick.seen.contacts,
                pick.seen.attempts,
                rate(pick.office)
            );
        }
    }
}

fn print_campaign(stats: &CampaignStats) {
    println!(
        "The campaign by office, {} ({}), as the registry has it",
        stats.today, stats.zone
    );
    println!(
        "  {:<28} {:>14} {:>14} {:>14} {:>6} {:>12} {:>10}",
        "office", "doors today", "calls today", "contacts", "rate", "supporters", "volunteers"
    );
    for office in stats.offices.iter().chain(std::iter::once(&stats.campaign)) {
        let today = office.today();
        let figure = |f: fn(&groundgame_domain::results::DayFigures) -> u64| today.map_or(0, f);
        println!(
            "  {:<28} {:>14} {:>14} {:>14} {:>6} {:>12} {:>10}",
            for_terminal(&office.name),
            of_goal(figure(|d| d.doors), office.goals.doors_per_day),
            of_goal(figure(|d| d.calls + d.texts), office.goals.calls_per_day),
            of_goal(figure(|d| d.rate.contacts), office.goals.contacts_per_day),
            rate(office.overall),
            of_goal(office.supporters, office.goals.supporters),
            office.volunteers_today
        );
    }
}

/// Sets the goals given (doors, calls, contacts a day; supporters); one
/// left out keeps its value.
pub fn goals(db: &Path, given: [Option<u32>; 4], json: bool) -> anyhow::Result<()> {
    let mut store = open_existing(db)?;
    let current = store.goals()?;
    let [doors, calls, contacts, supporters] = given;
    let goals = GoalsRequest {
        doors_per_day: doors.unwrap_or(current.doors_per_day),
        calls_per_day: calls.unwrap_or(current.calls_per_day),
        contacts_per_day: contacts.unwrap_or(current.contacts_per_day),
        supporters: supporters.unwrap_or(current.supporters),
    };
    let set = store.set_goals(goals, Timestamp::now())?;
    if json {
        return print_json(&set);
    }
    println!(
        "goals set for every laptop of the office (sent at the next sync): {} doors, {} calls and {} contacts a day; {} supporters",
        set.doors_per_day, set.calls_per_day, set.contacts_per_day, set.supporters
    );
    Ok(())
}

/// Quality control: every volunteer's day of results of the last `days`
/// days, flagged ones first, with the evidence.
pub fn quality(db: &Path, days: u32, zone_name: Option<&str>, json: bool) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    let zone = zone(zone_name)?;
    let reports = store.quality(Timestamp::now(), &zone, days)?;
    if json {
        return print_json(&reports);
    }
    let flagged = reports.iter().filter(|r| !r.flags.is_empty()).count();
    println!(
        "Quality control, the last {days} day(s): {} batches (a volunteer's day), {flagged} flagged",
        reports.len()
    );
    for report in &reports {
        println!(
            "  {}  {:<24} {:>5} doors {:>5} calls  contact rate {:>4}  {}",
            report.batch.day,
            for_terminal(&report.name),
            report.doors,
            report.calls,
            rate(report.rate),
            if report.flags.is_empty() {
                "ok"
            } else {
                "FLAGGED"
            }
        );
        for flag in &report.flags {
            println!("      {}", flag.evidence());
        }
    }
    Ok(())
}

/// `quality --approve|--quarantine|--release VOLUNTEER@DAY`.
pub fn decide(
    db: &Path,
    batch: &str,
    verdict: groundgame_domain::quality::Verdict,
    note: &str,
    json: bool,
) -> anyhow::Result<()> {
    use groundgame_domain::quality::parse_batch_key;
    let mut store = open_existing(db)?;
    let named = parse_batch_key(batch).with_context(|| {
        format!("{batch:?} names no batch; write VOLUNTEER@YYYY-MM-DD (the volunteer's name or id)")
    })?;
    // A volunteer may be named as people know them; the batch keeps the id.
    let roster = store.volunteers()?;
    let volunteer = named.volunteer.as_ref().map(|given| {
        roster
            .iter()
            .find(|v| v.id == *given || v.name.eq_ignore_ascii_case(given.trim()))
            .map_or_else(|| given.clone(), |v| v.id.clone())
    });
    let decision = store.decide_batch(
        groundgame_domain::quality::Batch {
            volunteer,
            day: named.day,
        },
        verdict,
        note,
        Timestamp::now(),
    )?;
    if json {
        return print_json(&decision);
    }
    println!(
        "{} {}: {}; every laptop of the office gets it at its next sync",
        for_terminal(batch),
        decision.verdict.as_str(),
        match decision.verdict {
            groundgame_domain::quality::Verdict::Quarantined => {
                "kept, and left out of the dashboards and exports until released"
            }
            groundgame_domain::quality::Verdict::Released => "counted again",
            groundgame_domain::quality::Verdict::Approved => "its flags are answered",
        }
    );
    Ok(())
}

/// `groundgame audit`: the decisions on batches, oldest first.
pub fn audit(db: &Path, json: bool) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    let entries = store.audit_log()?;
    if json {
        return print_json(&serde_json::json!({ "entries": entries }));
    }
    if entries.is_empty() {
        println!("the audit log is empty");
    }
    for entry in entries {
        println!(
            "{}  {:<28} {:<16} {}",
            entry.at,
            for_terminal(&entry.actor),
            entry.action,
            for_terminal(&entry.detail)
        );
    }
    Ok(())
}
