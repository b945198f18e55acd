//! The coordinator makes the work (issue 12): a segment, a call list and
//! turfs made offline on a coordinator's laptop reach every laptop of the
//! office, through the feed for a laptop already in the field and the
//! snapshot for a new one, identically, and no laptop of another office;
//! only a coordinator's laptop may make them, and the registry holds them
//! to the office.

use crate::fixture::{Campaign, Device};
use crate::hardening::push_one;
use groundgame_domain::mutation::Mutation;
use groundgame_domain::wire::{PushOutcome, Role};
use groundgame_domain::work::{
    CallItem, CallItemsRecord, CallListRecord, CallListRules, TurfRecord, WorkKind, WorkState,
};
use groundgame_domain::VoterId;
use groundgame_store::{SegmentFilter, Store};

/// A call: position, voter id, number.
type Call = (i64, String, String);

/// What a laptop holds of the office's work, in ids every laptop shares:
/// segments (name, filter), call lists (uid, name, state, calls in order)
/// and turfs (uid, name, state, doors in walking order).
#[derive(Debug, PartialEq)]
struct Work {
    segments: Vec<(String, String)>,
    lists: Vec<(Option<String>, String, String, Vec<Call>)>,
    turfs: Vec<(Option<String>, String, String, Vec<String>)>,
}

fn work_of(store: &Store) -> Work {
    Work {
        segments: store
            .segments()
            .expect("segments")
            .into_iter()
            .map(|s| (s.name, serde_json::to_string(&s.filter).expect("json")))
            .collect(),
        lists: store
            .call_lists()
            .expect("lists")
            .into_iter()
            .filter(|l| l.uid.is_some())
            .map(|l| {
                let calls = store.call_list_calls(l.id).expect("calls");
                (l.uid, l.name, l.state.as_str().to_owned(), calls)
            })
            .collect(),
        turfs: store
            .turfs()
            .expect("turfs")
            .into_iter()
            .filter(|t| t.uid.is_some())
            .map(|t| {
                let doors = store
                    .walk_list(t.id)
                    .expect("walk")
                    .into_iter()
                    .map(|stop| format!("{} {}", stop.address, stop.unit))
                    .collect();
                (t.uid, t.name, t.state.as_str().to_owned(), doors)
            })
            .collect(),
    }
}

/// The registry rejected the mutation, saying `because`.
fn refused(pushed: &groundgame_domain::wire::PushResult, because: &str) {
    assert_eq!(pushed.result, PushOutcome::Rejected, "{pushed:?}");
    assert!(
        pushed
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains(because)),
        "{pushed:?}"
    );
}

fn held(device: &Device) -> Work {
    work_of(&device.store.lock().expect("store"))
}

#[tokio::test]
async fn work_made_offline_reaches_every_laptop_of_the_office_and_no_other() {
    let campaign = Campaign::new(900).await;
    let north = campaign.precincts("North").await;
    // A laptop in the field before the work is made (it hears through the
    // feed), and the coordinator's, downloaded from the registry.
    let mut caller = campaign.fresh_device("North", Role::Caller).await;
    caller.options.lease_ahead = 0;
    caller.sync().await;
    let mut coordinator = campaign.fresh_device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator.sync().await;

    // Offline: a segment, a list from it, turfs cut from it.
    let filter = SegmentFilter {
        precincts: north.clone(),
        parties: vec!["DEM".into(), "UNA".into()],
        ..SegmentFilter::default()
    };
    let (made, turfs) = {
        let mut store = coordinator.store.lock().expect("store");
        let now = coordinator.now();
        let counts = store.count_segment(&filter).expect("count");
        assert!(counts.voters > 0 && counts.phones > 0, "{counts:?}");
        store
            .save_segment("Dems and unaffiliated", &filter, now)
            .expect("saved");
        let made = store
            .create_call_list("Evening calls", &filter, &CallListRules::default(), now)
            .expect("list");
        assert_eq!(made.items, counts.phones);
        let turfs = store.cut_turfs("Sat", &filter, 20, now).expect("turfs");
        assert_eq!(
            turfs.iter().map(|t| u64::from(t.doors)).sum::<u64>(),
            counts.households
        );
        assert!(turfs.len() > 2);
        (made, turfs)
    };
    let report = coordinator.sync().await;
    assert_eq!((report.rejected, report.conflicts), (0, 0), "{report:?}");

    let mine = held(&coordinator);
    assert_eq!(mine.segments.len(), 1);
    assert_eq!(mine.lists.len(), 1);
    assert_eq!(mine.lists[0].3.len() as u64, made.items);
    assert_eq!(mine.turfs.len(), turfs.len());

    // The laptop in the field, through the feed; a canvasser's new laptop,
    // through the snapshot: the same lists with the same items.
    caller.sync().await;
    assert_eq!(held(&caller), mine, "through the feed");
    let mut canvasser = campaign.fresh_device("North", Role::Canvasser).await;
    canvasser.options.lease_ahead = 0;
    canvasser.sync().await;
    assert_eq!(held(&canvasser), mine, "through the snapshot");
    // Another office holds none of it.
    let mut south = campaign.fresh_device("South", Role::Coordinator).await;
    south.options.lease_ahead = 0;
    south.sync().await;
    let theirs = held(&south);
    assert!(
        theirs.segments.is_empty() && theirs.lists.is_empty() && theirs.turfs.is_empty(),
        "{theirs:?}"
    );

    // A caller's laptop may not make a list: refused on the laptop...
    {
        let mut store = caller.store.lock().expect("store");
        let error = store
            .create_call_list("Mine", &filter, &CallListRules::default(), caller.now())
            .expect_err("refused locally");
        assert!(
            error.to_string().contains("enrolled as a caller"),
            "{error}"
        );
        let error = store
            .cut_turfs("Mine", &filter, 20, caller.now())
            .expect_err("refused locally");
        assert!(
            error.to_string().contains("enrolled as a caller"),
            "{error}"
        );
    }
    // ... and by the registry, with a reason, from a client that skips it.
    let list = Mutation::CreateCallList(CallListRecord {
        list_id: uuid::Uuid::now_v7().to_string(),
        name: "Mine".into(),
        rules: CallListRules::default(),
        script: None,
        segment: None,
        items: 0,
        recorded_at: jiff::Timestamp::now().to_string(),
    });
    let pushed = push_one(&caller, 1, &list).await;
    refused(&pushed, "a caller device may not make a call list");

    // A coordinator cannot put another office's voters or doors in its work.
    let south_voter = campaign.voters_in("South").await[0].clone();
    let smuggled = Mutation::AddCallItems(CallItemsRecord {
        list_id: made.uid.clone(),
        first: 1,
        items: vec![CallItem(
            VoterId::parse(&south_voter).expect("id"),
            "9195550100".into(),
        )],
    });
    // (Sent by hand from a second coordinator's laptop, so the first
    // keeps its own sequence.)
    let other = campaign.device("North", Role::Coordinator).await;
    let pushed = push_one(&other, 1, &smuggled).await;
    refused(&pushed, "not in this office's precincts");
    let south_door: String = sqlx::query_scalar(
        "SELECT h.address_key FROM households h JOIN office_precincts p \
           ON p.campaign_id = h.campaign_id AND p.precinct_code = h.precinct_code \
         JOIN offices o ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
         WHERE o.name = 'South' ORDER BY 1 LIMIT 1",
    )
    .fetch_one(&campaign.registry.pool)
    .await
    .expect("a south door");
    let turf = Mutation::CreateTurf(TurfRecord {
        turf_id: uuid::Uuid::now_v7().to_string(),
        name: "Over the line".into(),
        precinct: None,
        method: "hand-picked".into(),
        segment: None,
        doors: vec![south_door],
        recorded_at: jiff::Timestamp::now().to_string(),
    });
    let pushed = push_one(&other, 2, &turf).await;
    refused(&pushed, "not in this office's precincts");
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM turfs WHERE name = 'Over the line'")
            .await,
        0
    );

    // Closing a list and deleting a turf are synced acts.
    {
        let mut store = coordinator.store.lock().expect("store");
        let now = coordinator.now();
        store
            .set_work_state(WorkKind::CallList, &made.uid, WorkState::Closed, now)
            .expect("closed");
        let first = turfs[0].uid.clone().expect("uid");
        store
            .set_work_state(WorkKind::Turf, &first, WorkState::Deleted, now)
            .expect("deleted");
    }
    coordinator.sync().await;
    caller.sync().await;
    canvasser.sync().await;
    let after = held(&coordinator);
    assert_eq!(after.lists[0].2, "closed");
    assert_eq!(after.turfs.len(), turfs.len() - 1);
    assert_eq!(held(&caller), after);
    assert_eq!(held(&canvasser), after);
    let mut late = campaign.fresh_device("North", Role::Caller).await;
    late.options.lease_ahead = 0;
    late.sync().await;
    assert_eq!(held(&late), after, "a new laptop after the changes");
    let list_id = late
        .store
        .lock()
        .expect("store")
        .call_lists()
        .expect("lists")[0]
        .id;
    let error = late
        .store
        .lock()
        .expect("store")
        .next_call(list_id, &groundgame_store::Caller::new("ana"), late.now())
        .expect_err("closed");
    assert!(error.to_string().contains("is closed"), "{error}");
}

#[tokio::test]
async fn two_canvassers_cannot_take_the_same_turf() {
    let campaign = Campaign::new(900).await;
    let mut coordinator = campaign.fresh_device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator.sync().await;
    coordinator
        .store
        .lock()
        .expect("store")
        .cut_turfs("Sat", &SegmentFilter::default(), 30, coordinator.now())
        .expect("turfs");
    let ana = coordinator
        .store
        .lock()
        .expect("store")
        .add_volunteer(
            "Ana Li",
            &[Role::Canvasser],
            &[],
            None,
            None,
            coordinator.now(),
        )
        .expect("Ana on the roster");
    coordinator.sync().await;
    let mut laptops = Vec::new();
    for _ in 0..2 {
        let mut canvasser = campaign.fresh_device("North", Role::Canvasser).await;
        canvasser.options.lease_ahead = 0;
        canvasser.sync().await;
        laptops.push(canvasser);
    }
    let names: Vec<String> = {
        let store = coordinator.store.lock().expect("store");
        store
            .turfs()
            .expect("turfs")
            .into_iter()
            .filter(|t| t.uid.is_some())
            .map(|t| t.name)
            .take(2)
            .collect()
    };
    assert_eq!(names.len(), 2);
    let turf_named = |device: &Device, name: &str| -> i64 {
        let turfs = device.store.lock().expect("store").turfs().expect("turfs");
        turfs
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id)
            .expect("the turf reached the laptop")
    };
    // Ana, signed in on the first laptop, takes the first turf out: every
    // door of it is hers.
    laptops[0]
        .store
        .lock()
        .expect("store")
        .act_as(Some(&ana.id))
        .expect("signed in");
    let ana_turf = turf_named(&laptops[0], &names[0]);
    let hold = groundgame_sync::turf::take(&laptops[0].store, ana_turf, 4.0)
        .await
        .expect("took")
        .expect("a hold");
    assert!(hold.mine, "{hold:?}");
    let doors = laptops[0]
        .store
        .lock()
        .expect("store")
        .turf_targets(ana_turf)
        .expect("doors")
        .len() as i64;
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM leases WHERE target LIKE 'household:%' AND expires_at > now()")
            .await,
        doors
    );
    // Ben cannot: the registry says who has it, and grants him no door of it.
    let ben_same = turf_named(&laptops[1], &names[0]);
    let hold = groundgame_sync::turf::take(&laptops[1].store, ben_same, 4.0)
        .await
        .expect("asked")
        .expect("a hold");
    assert!(!hold.mine, "{hold:?}");
    let whose = format!("Ana Li ({})", laptops[0].name);
    assert_eq!(hold.holder.as_deref(), Some(whose.as_str()));
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM leases WHERE target LIKE 'household:%' AND expires_at > now()")
            .await,
        doors,
        "all or nothing: Ben holds no door of Ana's turf"
    );
    let listed = laptops[1]
        .store
        .lock()
        .expect("store")
        .turfs()
        .expect("turfs");
    let shown = listed.iter().find(|t| t.id == ben_same).expect("listed");
    assert_eq!(
        shown
            .hold
            .as_ref()
            .and_then(|h| h.holder.clone())
            .as_deref(),
        Some(whose.as_str()),
        "the list says who holds it"
    );
    // He takes the next one.
    let ben_next = turf_named(&laptops[1], &names[1]);
    let hold = groundgame_sync::turf::take(&laptops[1].store, ben_next, 4.0)
        .await
        .expect("took")
        .expect("a hold");
    assert!(hold.mine, "{hold:?}");
}
