//! No voter is called by two people at once: two callers' laptops working
//! the same list only ever hand out numbers the registry leased to them, a
//! result made under a lease that passed to someone else is kept and
//! flagged, and a device cannot lease another office's numbers.

use crate::fixture::Campaign;
use crate::fixture::Device;
use groundgame_domain::lease::LeaseTarget;
use groundgame_domain::quality::Flag;
use groundgame_domain::wire::Role;
use groundgame_domain::{Channel, PhoneNumber, VoterId};
use groundgame_store::{CallListRules, Caller, NewContact, SegmentFilter};
use std::collections::BTreeSet;

/// All day, so the test does not depend on when it runs.
fn all_day() -> CallListRules {
    CallListRules {
        calling_start: 0,
        calling_end: 24 * 60,
        ..CallListRules::default()
    }
}

/// The office's coordinator makes "Evening calls" of one precinct and
/// syncs it out; each caller's laptop then holds it after its own sync
/// (taking no leases yet). Returns each caller's local id of the list.
async fn hand_out_list(campaign: &Campaign, callers: &mut [&mut Device]) -> Vec<i64> {
    let precinct = campaign.precincts("North").await[0].clone();
    let mut coordinator = campaign.device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator
        .store
        .lock()
        .expect("store")
        .create_call_list(
            "Evening calls",
            &SegmentFilter {
                precincts: vec![precinct],
                ..SegmentFilter::default()
            },
            &all_day(),
            coordinator.now(),
        )
        .expect("list");
    coordinator.sync().await;
    let mut ids = Vec::new();
    for caller in callers.iter_mut() {
        let ahead = caller.options.lease_ahead;
        caller.options.lease_ahead = 0;
        caller.sync().await;
        caller.options.lease_ahead = ahead;
        let lists = caller
            .store
            .lock()
            .expect("store")
            .call_lists()
            .expect("lists");
        let list = lists
            .iter()
            .find(|list| list.name == "Evening calls")
            .expect("the coordinator's list reached the caller");
        ids.push(list.id);
    }
    ids
}

#[tokio::test]
async fn two_callers_never_hold_the_same_number() {
    let campaign = Campaign::new(600).await;
    let mut devices = Vec::new();
    for _ in ["Ana", "Ben"] {
        let mut device = campaign.device("North", Role::Caller).await;
        device.options.lease_ahead = 6;
        device.options.lease_seconds = 3_600;
        devices.push(device);
    }
    let ids = {
        let mut refs: Vec<&mut Device> = devices.iter_mut().collect();
        hand_out_list(&campaign, &mut refs).await
    };
    let mut laptops = Vec::new();
    for ((device, list), name) in devices.into_iter().zip(ids).zip(["Ana", "Ben"]) {
        laptops.push((device, list, Caller::new(name)));
    }

    // Enrolled, a laptop hands out nothing it holds no lease on.
    {
        let (device, list, caller) = &laptops[0];
        let store = &mut *device.store.lock().expect("store");
        assert!(store
            .next_call(*list, caller, device.now())
            .expect("queue")
            .is_none());
    }

    let first = laptops[0].0.sync().await;
    assert_eq!(
        (first.leased, first.lease_refused, first.leases_held),
        (6, 0, 6),
        "{first:?}"
    );
    // The second laptop's list starts with the same numbers: it is told who
    // holds them and leases the next ones instead.
    let second = laptops[1].0.sync().await;
    assert_eq!((second.leased, second.lease_refused), (6, 6), "{second:?}");

    let mut handed_out = [BTreeSet::new(), BTreeSet::new()];
    for (index, (device, list, caller)) in laptops.iter().enumerate() {
        loop {
            let next = device
                .store
                .lock()
                .expect("store")
                .next_call(*list, caller, device.now())
                .expect("queue");
            let Some(call) = next else { break };
            assert!(
                handed_out[index].insert(call.phone.clone()),
                "handed out twice"
            );
            let mut result = NewContact::new(
                VoterId::parse(&call.voter_id).expect("id"),
                Channel::Phone,
                "no-answer",
            );
            result.call_item = Some(call.item_id);
            result.phone = Some(PhoneNumber::parse(&call.phone).expect("phone"));
            device
                .store
                .lock()
                .expect("store")
                .record_contact(&result, device.now())
                .expect("recorded");
        }
    }
    assert_eq!(handed_out[0].len(), 6);
    assert_eq!(handed_out[1].len(), 6);
    assert!(handed_out[0].is_disjoint(&handed_out[1]), "{handed_out:?}");

    for (device, ..) in &mut laptops {
        let report = device.sync().await;
        assert_eq!(report.rejected, 0, "{report:?}");
    }
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts WHERE flags <> '{}'")
            .await,
        0,
        "every call was made under a valid lease"
    );
    // Each result gave its lease back.
    assert_eq!(
        campaign
            .count(
                "SELECT count(*) FROM leases l WHERE expires_at > now() AND EXISTS \
                    (SELECT 1 FROM contact_attempts a WHERE 'phone:' || a.phone = l.target)"
            )
            .await,
        0
    );
}

#[tokio::test]
async fn a_result_under_a_lease_that_passed_on_is_kept_and_flagged() {
    let campaign = Campaign::new(600).await;
    let mut ana = campaign.device("North", Role::Caller).await;
    ana.options.lease_ahead = 1;
    ana.options.lease_seconds = 3_600;
    let list = hand_out_list(&campaign, &mut [&mut ana]).await[0];
    ana.sync().await;
    let call = ana
        .store
        .lock()
        .expect("store")
        .next_call(list, &Caller::new("Ana"), ana.now())
        .expect("queue")
        .expect("a leased number");

    // While Ana is offline her lease runs out on the registry and Ben's
    // laptop is granted the number.
    campaign.expire_leases().await;
    let ben = campaign.device("North", Role::Caller).await;
    let target = LeaseTarget::phone(&call.phone);
    let answer = ben.lease_raw(vec![target.clone()]).await.expect("leases");
    assert_eq!(answer.granted.len(), 1);
    assert_eq!(
        answer.granted[0].epoch, 2,
        "the number passed to another device"
    );

    // Ana, still offline, makes the call: it happened, so it is kept.
    let mut result = NewContact::new(
        VoterId::parse(&call.voter_id).expect("id"),
        Channel::Phone,
        "answered",
    );
    result.call_item = Some(call.item_id);
    result.phone = Some(PhoneNumber::parse(&call.phone).expect("phone"));
    ana.record(&result);
    let report = ana.sync().await;
    assert_eq!(
        report.accepted, 2,
        "the result and the lease release: {report:?}"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts WHERE 'stale_lease' = ANY(flags)")
            .await,
        1
    );
    // The flag reaches the office with the call: Ana's own laptop (the feed
    // brings her call back) and a laptop that downloads the office later
    // both flag her day for a coordinator's look.
    ana.sync().await;
    let mut later = campaign.fresh_device("North", Role::Coordinator).await;
    later.options.lease_ahead = 0;
    later.sync().await;
    for device in [&ana, &later] {
        let reports = device
            .store
            .lock()
            .expect("store")
            .quality(device.now(), &jiff::tz::TimeZone::UTC, 1)
            .expect("quality");
        let flags: Vec<_> = reports.iter().flat_map(|r| r.flags.clone()).collect();
        assert!(
            flags.contains(&Flag::LeaseConflicts {
                stale: 1,
                leased_to_another: 0,
                calls: 1
            }),
            "{}: {reports:?}",
            device.name
        );
    }
    // Ben's lease stands: Ana's late release names the old epoch.
    assert_eq!(
        campaign
            .count(&format!(
                "SELECT count(*) FROM leases WHERE target = '{target}' AND epoch = 2 AND expires_at > now()"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn another_offices_numbers_cannot_be_leased() {
    let campaign = Campaign::new(600).await;
    let north = campaign.device("North", Role::Caller).await;
    let (_, south_phone) = campaign.voter_with_phone("South").await;
    let error = north
        .lease_raw(vec![LeaseTarget::phone(&south_phone)])
        .await
        .expect_err("outside the office");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::OutsideScope),
        "{error}"
    );
    assert_eq!(
        campaign.count("SELECT count(*) FROM leases").await,
        0,
        "nothing leased"
    );
}
