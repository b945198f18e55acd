//! A voter-file load on the registry reaches the laptops already in the
//! field, through the feed (issue 11): after a refresh and a sync, a laptop
//! holds exactly what a laptop enrolled afterwards downloads, and voters
//! who moved to another office's precincts leave its slice.

use crate::fixture::{Campaign, Device};
use groundgame_domain::office::VoterDetail;
use groundgame_domain::wire::Role;
use groundgame_domain::VoterId;
use groundgame_registry::voter_file;
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use std::collections::BTreeSet;

/// Loads a generated file of `layout` on the registry, as an admin does.
async fn load_on_registry(
    campaign: &Campaign,
    layout: &Layout,
    write: impl FnOnce(&mut Vec<u8>),
) -> groundgame_domain::office::ImportReport {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("refresh.txt");
    let mut bytes = Vec::new();
    write(&mut bytes);
    std::fs::write(&file, bytes).expect("write");
    voter_file::load(
        &campaign.registry.pool,
        campaign.id,
        VoterFile::open(&file, layout).expect("opens"),
        layout,
        false,
        |_, _| {},
    )
    .await
    .expect("loads")
}

fn held(device: &Device, voter: &str) -> Option<VoterDetail> {
    device
        .store
        .lock()
        .expect("store")
        .voter_detail(&VoterId::parse(voter).expect("id"))
        .ok()
}

/// What a laptop shows of a voter that must match between a refreshed
/// laptop and a new one (household members are compared as a set: the
/// order of equal names is the database's).
fn shown(detail: &VoterDetail) -> (VoterDetail, BTreeSet<String>) {
    let mut detail = detail.clone();
    let members = detail
        .household
        .drain(..)
        .map(|member| member.voter_id)
        .collect();
    (detail, members)
}

/// What a refresh did to the laptops, checked against new laptops.
#[derive(Debug, Default)]
struct Seen {
    left: usize,
    arrived: usize,
    compared: usize,
    votes: usize,
}

/// Syncs each laptop and checks it holds what a new laptop of its office
/// downloads now, and that voters who left its office are marked removed.
async fn sync_and_compare(
    campaign: &Campaign,
    laptops: &mut [(&str, Device)],
    before: &[BTreeSet<String>],
) -> Seen {
    let mut seen = Seen::default();
    for ((office, laptop), before) in laptops.iter_mut().zip(before) {
        laptop.sync().await;
        let after: BTreeSet<String> = campaign.voters_in(office).await.into_iter().collect();
        let mut reference = campaign.fresh_device(office, Role::Caller).await;
        reference.sync().await;
        seen.arrived += after.difference(before).count();
        for voter in &after {
            let expected = held(&reference, voter).expect("a new laptop holds the office's voters");
            let got = held(laptop, voter)
                .unwrap_or_else(|| panic!("{} lacks {voter} after the refresh", laptop.name));
            assert_eq!(shown(&got), shown(&expected), "{voter} on {}", laptop.name);
            seen.votes += got.votes.len();
            seen.compared += 1;
        }
        // Voters who moved to precincts the office does not cover are no
        // longer worked here (a new laptop of the office never holds them).
        for voter in before.difference(&after) {
            assert!(held(&reference, voter).is_none());
            let detail = held(laptop, voter).expect("kept, marked");
            assert!(
                detail.removed,
                "{voter} moved out of {office} but {} still works them",
                laptop.name
            );
            seen.left += 1;
        }
    }
    seen
}

async fn scopes(campaign: &Campaign, laptops: &[(&str, Device)]) -> Vec<BTreeSet<String>> {
    let mut scopes = Vec::new();
    for (office, _) in laptops {
        scopes.push(campaign.voters_in(office).await.into_iter().collect());
    }
    scopes
}

#[tokio::test]
async fn a_refresh_on_the_registry_reaches_every_laptop_of_the_offices_it_touches() {
    let campaign = Campaign::new(800).await;
    // The county's first load came before any office: nothing in the feed.
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM changes WHERE entity = 'voter_file'")
            .await,
        0
    );
    // A laptop of each office that downloaded it, and one of North's that
    // imported the county file itself.
    let mut laptops = vec![
        ("North", campaign.fresh_device("North", Role::Caller).await),
        ("North", campaign.device("North", Role::Canvasser).await),
        ("South", campaign.fresh_device("South", Role::Caller).await),
    ];
    for (_, laptop) in &mut laptops {
        laptop.sync().await;
    }
    let before = scopes(&campaign, &laptops).await;

    // The state's next file (removals, changes, new voters, and moves to
    // new streets in precincts no office covers yet), then the history
    // file: every vote is new to the laptops.
    let next = Population {
        snapshot: 1,
        ..Population::new(800)
    };
    let refresh = load_on_registry(&campaign, &Layout::NcVoter, |bytes| {
        generate::write_nc_voter(&next, "WAKE", bytes).expect("generate");
    })
    .await;
    assert!(refresh.removed > 0 && refresh.moved > 0 && refresh.changed > 0 && refresh.new > 0);
    assert!(refresh.sent_to_laptops > 0, "{refresh}");
    let history = load_on_registry(&campaign, &Layout::NcHistory, |bytes| {
        generate::write_nc_history(&next, "WAKE", bytes).expect("generate");
    })
    .await;
    assert!(history.votes > 0);
    let seen = sync_and_compare(&campaign, &mut laptops, &before).await;
    assert!(
        seen.left > 0 && seen.compared > 700 && seen.votes > 0,
        "{seen:?}"
    );

    // An office for the new streets, then the first file again: the movers
    // come back to North and South (their laptops take them in again,
    // with their phones and votes), leave the new office, the removed
    // return and the new registrants are removed.
    let known: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT v.precinct_code FROM voters v WHERE v.precinct_code IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM office_precincts p WHERE p.precinct_code = v.precinct_code) \
         ORDER BY 1",
    )
    .fetch_all(&campaign.registry.pool)
    .await
    .expect("precincts");
    assert!(!known.is_empty(), "the movers' new precincts");
    groundgame_registry::admin::create_office(&campaign.registry.pool, campaign.id, "East", &known)
        .await
        .expect("office");
    laptops.push(("East", campaign.fresh_device("East", Role::Caller).await));
    if let Some((_, east)) = laptops.last_mut() {
        east.sync().await;
    }
    let before = scopes(&campaign, &laptops).await;
    let back = load_on_registry(&campaign, &Layout::NcVoter, |bytes| {
        generate::write_nc_voter(&Population::new(800), "WAKE", bytes).expect("generate");
    })
    .await;
    assert!(back.moved > 0 && back.removed > 0, "{back}");
    let seen = sync_and_compare(&campaign, &mut laptops, &before).await;
    assert!(seen.left > 0 && seen.arrived > 0, "{seen:?}");

    // Loading the same file again changes nothing and sends nothing.
    let changes = campaign.count("SELECT count(*) FROM changes").await;
    for layout in [Layout::NcVoter, Layout::NcHistory] {
        let again = load_on_registry(&campaign, &layout, |bytes| {
            if layout == Layout::NcVoter {
                generate::write_nc_voter(&Population::new(800), "WAKE", bytes).expect("generate");
            } else {
                generate::write_nc_history(&next, "WAKE", bytes).expect("generate");
            }
        })
        .await;
        assert_eq!(again.sent_to_laptops, 0, "{again}");
    }
    assert_eq!(
        campaign.count("SELECT count(*) FROM changes").await,
        changes
    );
}
