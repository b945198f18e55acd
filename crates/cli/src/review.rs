//! `groundgame review`: the coordinator's review queue on the registry, read
//! and decided from a coordinator's laptop (online: the queue is the
//! registry's). A decision reaches the laptops on their next sync.

use groundgame_domain::review::{ReviewAction, ReviewDecision, ReviewKind, ReviewList};
use groundgame_domain::text::for_terminal as safe;
use std::path::Path;
use std::sync::Mutex;

/// Items asked for per request; the list prints every open one.
const PAGE: u32 = 200;

pub(crate) fn list(db: &Path, json: bool) -> anyhow::Result<()> {
    let store = Mutex::new(crate::open_existing(db)?);
    let runtime = crate::network_runtime()?;
    let mut all = ReviewList {
        items: Vec::new(),
        open: 0,
    };
    loop {
        let after = all.items.last().map_or(0, |item| item.id);
        let page = runtime.block_on(groundgame_sync::review::open_items(&store, after, PAGE))?;
        all.open = page.open;
        let last = page.items.len() < PAGE as usize;
        all.items.extend(page.items);
        if last {
            break;
        }
    }
    if json {
        return crate::print_json(&all);
    }
    if all.items.is_empty() {
        println!("nothing waits for review");
        return Ok(());
    }
    println!("{} open item(s), oldest first:", all.open);
    for item in &all.items {
        let voter = match (&item.voter_name, &item.voter_id) {
            (Some(name), Some(id)) => format!("{} ({})", safe(name), safe(id)),
            (None, Some(id)) => safe(id).into_owned(),
            _ => "(no voter)".to_owned(),
        };
        println!(
            "\n#{} {} · {} · precinct {} · from {} ({}) at {}",
            item.id,
            item.kind.label(),
            voter,
            safe(item.precinct.as_deref().unwrap_or("(none)")),
            safe(&item.device),
            safe(&item.office),
            item.created_at
        );
        println!("  {}", safe(&item.summary));
        if let (ReviewKind::Correction, Some(field)) = (item.kind, &item.field) {
            println!(
                "  {}: {:?} now, {:?} sent",
                safe(field),
                item.current.as_deref().unwrap_or_default(),
                item.proposed.as_deref().unwrap_or_default()
            );
        }
        println!("  why: {}", safe(&item.reason));
        let actions: Vec<&str> = item.actions.iter().map(|action| action.slug()).collect();
        println!(
            "  decide: groundgame review --db {} --resolve {} --action {}",
            db.display(),
            item.id,
            actions.join("|")
        );
    }
    Ok(())
}

pub(crate) fn decide(
    db: &Path,
    id: i64,
    action: &str,
    note: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let Some(action) = ReviewAction::parse(action) else {
        anyhow::bail!(
            "--action {action:?} is not a decision; use one of {}",
            ReviewAction::ALL
                .iter()
                .map(|action| action.slug())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let store = Mutex::new(crate::open_existing(db)?);
    let decision = ReviewDecision { action, note };
    let resolution = crate::network_runtime()?
        .block_on(groundgame_sync::review::decide(&store, id, &decision))?;
    if json {
        return crate::print_json(&resolution);
    }
    println!(
        "#{} {}: {}",
        resolution.id,
        action.slug(),
        resolution.outcome
    );
    if resolution.changes > 0 {
        println!("the office's laptops (this one too) see it after their next sync");
    }
    Ok(())
}
