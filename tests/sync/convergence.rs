//! The convergence property (sync brief, "How it must be tested"): random
//! field work on several laptops in two offices whose clocks are up to 12
//! hours off, synced in random order through a proxy that delays, drops,
//! duplicates and loses the answers of requests, with pushes replayed and
//! pulls cut short, and a coordinator deciding review items (name conflicts,
//! reported deaths and moves) as they come, always ends, once every laptop
//! has synced, with every result on the registry exactly once, every laptop
//! holding exactly its office's part of the registry (its voters' reviewed
//! states included), and no clock having moved back.

use crate::fixture::{Campaign, Device};
use groundgame_domain::review::ReviewItem;
use groundgame_domain::wire::{PushMutation, PushOutcome, Role};
use groundgame_domain::{Channel, Hlc, VoterId};
use groundgame_store::NewContact;
use groundgame_sync::SyncError;
use groundgame_tests::fault_proxy::FaultProxy;
use jiff::SignedDuration;
use proptest::prelude::*;
use std::collections::BTreeSet;

const DEVICES: usize = 4;
const RESULTS: &[&str] = &[
    "not-home",
    "canvassed",
    "refused",
    "hostile",
    "inaccessible",
    "moved",
    "deceased",
];

#[derive(Debug, Clone)]
enum Op {
    Record {
        device: usize,
        voter: usize,
        result: usize,
    },
    OptOut {
        device: usize,
        voter: usize,
    },
    Correct {
        device: usize,
        voter: usize,
        soft: bool,
        value: u8,
    },
    Sync {
        device: usize,
    },
    /// The registry applies a push and the answer is lost on the way back.
    LoseAnswer {
        device: usize,
    },
    /// A push the registry already applied arrives again.
    Replay {
        device: usize,
    },
    /// The laptop reads a page of the feed and stops (a crash, a lid closed).
    CutPull {
        device: usize,
    },
    /// A coordinator decides one open review item, one way or the other.
    Review {
        pick: usize,
        first: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let device = 0..DEVICES;
    prop_oneof![
        4 => (device.clone(), 0..12_usize, 0..RESULTS.len())
            .prop_map(|(device, voter, result)| Op::Record { device, voter, result }),
        1 => (device.clone(), 0..12_usize).prop_map(|(device, voter)| Op::OptOut { device, voter }),
        1 => (device.clone(), 0..12_usize, any::<bool>(), 0..3_u8)
            .prop_map(|(device, voter, soft, value)| Op::Correct { device, voter, soft, value }),
        3 => device.clone().prop_map(|device| Op::Sync { device }),
        1 => device.clone().prop_map(|device| Op::LoseAnswer { device }),
        1 => device.clone().prop_map(|device| Op::Replay { device }),
        1 => device.prop_map(|device| Op::CutPull { device }),
        1 => (0..8_usize, any::<bool>()).prop_map(|(pick, first)| Op::Review { pick, first }),
    ]
}

struct Laptop {
    device: Device,
    office: usize,
    /// The last batch the registry applied for it, for replays.
    last_batch: Vec<PushMutation>,
    clock: Hlc,
}

fn clock_of(device: &Device) -> Hlc {
    device.store.lock().expect("store").clock().expect("clock")
}

async fn run(ops: Vec<Op>, seed: u64, skews: [i64; DEVICES]) -> Result<(), TestCaseError> {
    let campaign = Campaign::new(400).await;
    // About a third of all requests meet a fault.
    let proxy = FaultProxy::start(&campaign.registry.base_url, seed, 35).await;
    let offices = ["North", "South"];
    let voters = [
        campaign.voters_in("North").await,
        campaign.voters_in("South").await,
    ];
    let mut laptops = Vec::new();
    for (index, skew) in skews.into_iter().enumerate() {
        // Three laptops in North, one in South.
        let office = usize::from(index == DEVICES - 1);
        // One North laptop starts empty and takes the office's snapshot
        // (before faults start, so it has voters to work).
        let mut device = if index == 1 {
            let mut fresh = campaign
                .fresh_device(offices[office], Role::Canvasser)
                .await;
            fresh.sync().await;
            fresh
        } else {
            campaign.device(offices[office], Role::Canvasser).await
        };
        device.skew = SignedDuration::from_mins(skew);
        device
            .store
            .lock()
            .expect("store")
            .set_registry_url(&proxy.base_url)
            .expect("through the proxy");
        laptops.push(Laptop {
            clock: clock_of(&device),
            device,
            office,
            last_batch: Vec::new(),
        });
    }
    // The campaign's admin reviews from the office, online (not through the
    // proxy): the queue is the registry's.
    let admin = campaign.device("North", Role::Admin).await;
    let mut recorded = BTreeSet::new();
    for op in ops {
        match op {
            Op::Record {
                device,
                voter,
                result,
            } => {
                let laptop = &mut laptops[device];
                let voter = &voters[laptop.office][voter];
                let contact = NewContact::new(
                    VoterId::parse(voter).expect("id"),
                    Channel::Door,
                    RESULTS[result],
                );
                let outcome = laptop
                    .device
                    .store
                    .lock()
                    .expect("store")
                    .record_contact(&contact, laptop.device.now())
                    .expect("recorded");
                recorded.insert(outcome.attempt_id);
            }
            Op::OptOut { device, voter } => {
                let laptop = &mut laptops[device];
                let voter = voters[laptop.office][voter].clone();
                laptop.device.add_dnc(&voter);
            }
            Op::Correct {
                device,
                voter,
                soft,
                value,
            } => {
                let laptop = &mut laptops[device];
                let voter = voters[laptop.office][voter].clone();
                let (field, value) = if soft {
                    (
                        "best_time",
                        ["mornings", "evenings", "weekends"][usize::from(value)],
                    )
                } else {
                    ("first_name", ["ANN", "ANNA", "ANNE"][usize::from(value)])
                };
                laptop.device.correct(&voter, field, value);
            }
            Op::Sync { device } => {
                // Through the proxy a sync may run out of retries; it must
                // say so as something worth retrying, and lose nothing.
                if let Err(error) = laptops[device].device.try_sync().await {
                    prop_assert!(error.is_retryable(), "{}", error);
                }
            }
            Op::LoseAnswer { device } => {
                // The laptop pushes and never records the answer, whether
                // the proxy delivered it or not.
                let laptop = &mut laptops[device];
                let batch = laptop.device.outbox();
                if !batch.is_empty() && laptop.device.push_raw(batch.clone()).await.is_ok() {
                    laptop.last_batch = batch;
                }
            }
            Op::Replay { device } => {
                let laptop = &laptops[device];
                if !laptop.last_batch.is_empty() {
                    let before = campaign.stats().await;
                    if let Ok(answer) = laptop.device.push_raw(laptop.last_batch.clone()).await {
                        prop_assert!(answer
                            .results
                            .iter()
                            .all(|r| r.result == PushOutcome::Duplicate));
                    }
                    prop_assert_eq!(
                        campaign.stats().await,
                        before,
                        "a replay changed the registry"
                    );
                }
            }
            Op::CutPull { device } => {
                let laptop = &laptops[device];
                let after = laptop
                    .device
                    .store
                    .lock()
                    .expect("store")
                    .pull_state()
                    .expect("state")
                    .staged_through;
                if let Ok(page) = laptop.device.pull_raw(after).await {
                    laptop
                        .device
                        .store
                        .lock()
                        .expect("store")
                        .stage_changes(&page)
                        .expect("staged");
                }
            }
            Op::Review { pick, first } => {
                let open = admin.review().await.expect("the queue");
                if !open.items.is_empty() {
                    decide(&admin, &open.items[pick % open.items.len()], first).await?;
                }
            }
        }
        for laptop in &mut laptops {
            let now = clock_of(&laptop.device);
            prop_assert!(
                now >= laptop.clock,
                "{}'s clock went back",
                laptop.device.name
            );
            laptop.clock = now;
        }
    }

    // Quiescence, with the network healed: everyone pushes, the coordinator
    // decides what is left in review, then everyone pulls what the others
    // pushed and what was decided.
    proxy.set_faults(false);
    for round in 0..3 {
        for laptop in &mut laptops {
            let report = laptop.device.sync().await;
            prop_assert_eq!(report.rejected, 0, "{:?}", report.rejections);
        }
        if round == 0 {
            let open = admin.review().await.expect("the queue");
            for (index, item) in open.items.iter().enumerate() {
                decide(&admin, item, index % 2 == 0).await?;
            }
        }
    }
    prop_assert_eq!(admin.review().await.expect("the queue").open, 0);

    // Every result on the registry exactly once (ids are its primary key).
    let on_registry: BTreeSet<String> = sqlx::query_scalar("SELECT id FROM contact_attempts")
        .fetch_all(&campaign.registry.pool)
        .await
        .expect("attempts")
        .into_iter()
        .collect();
    prop_assert_eq!(&on_registry, &recorded);

    // Every laptop holds exactly its office's part of the registry.
    for laptop in &laptops {
        let office = offices[laptop.office];
        let expected: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.id, a.result FROM contact_attempts a JOIN office_precincts p \
               ON p.campaign_id = a.campaign_id AND p.precinct_code = a.precinct_code \
             JOIN offices o ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
             WHERE o.name = $1 ORDER BY a.id",
        )
        .bind(office)
        .fetch_all(&campaign.registry.pool)
        .await
        .expect("office attempts");
        let mut held = Vec::new();
        let mut opt_outs = BTreeSet::new();
        for voter in &voters[laptop.office] {
            for entry in laptop.device.history(voter) {
                held.push((entry.attempt_id, entry.result));
            }
            for entry in laptop.device.dnc(voter) {
                opt_outs.insert(entry.id);
            }
        }
        held.sort();
        prop_assert_eq!(&held, &expected, "{}'s attempts", laptop.device.name);

        let expected_opt_outs: BTreeSet<String> = sqlx::query_scalar(
            "SELECT d.id FROM dnc_entries d JOIN voters v ON v.campaign_id = d.campaign_id AND v.voter_id = d.target \
             JOIN office_precincts p ON p.campaign_id = v.campaign_id AND p.precinct_code = v.precinct_code \
             JOIN offices o ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
             WHERE o.name = $1 AND d.scope = 'person' AND d.reverses IS NULL \
               AND NOT EXISTS (SELECT 1 FROM dnc_entries r WHERE r.campaign_id = d.campaign_id AND r.reverses = d.id)",
        )
        .bind(office)
        .fetch_all(&campaign.registry.pool)
        .await
        .expect("office opt-outs")
        .into_iter()
        .collect();
        prop_assert_eq!(
            &opt_outs,
            &expected_opt_outs,
            "{}'s opt-outs",
            laptop.device.name
        );

        for voter in &voters[laptop.office][..12] {
            let (first_name, best_time, version, deceased, moved): (String, String, i64, bool, bool) =
                sqlx::query_as(
                    "SELECT first_name, best_time, version, deceased, moved FROM voters WHERE voter_id = $1",
                )
            .bind(voter)
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("voter");
            let detail = laptop.device.detail(voter);
            prop_assert_eq!(
                (
                    &detail.first_name,
                    &detail.best_time,
                    detail.version,
                    detail.deceased,
                    detail.moved
                ),
                (&first_name, &best_time, version, deceased, moved),
                "{} on {}",
                voter,
                laptop.device.name
            );
        }
        prop_assert_eq!(laptop.device.pending(), 0);
    }
    let counts = proxy.counts();
    eprintln!("faults injected: {} ({counts:?})", counts.faults());
    Ok(())
}

/// Decides `item` with its first decision (the device's word) or its
/// second; a decision the registry cannot apply now is not a failure of
/// sync, but every other refusal is.
async fn decide(admin: &Device, item: &ReviewItem, first: bool) -> Result<(), TestCaseError> {
    let action = item.actions[usize::from(!first)];
    match admin.decide(item.id, action).await {
        Ok(_) => Ok(()),
        Err(SyncError::Refused { code, .. }) if code == "cannot_apply" => Ok(()),
        Err(error) => Err(TestCaseError::fail(format!(
            "deciding {item:?} with {action:?}: {error}"
        ))),
    }
}

proptest! {
    // Each case builds a registry database and four laptops, so a few
    // dozen random histories per run; failures are kept as regressions.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn every_laptop_converges_on_the_registry(
        ops in proptest::collection::vec(op(), 1..40),
        seed in any::<u64>(),
        // Wall clocks off by up to 12 hours either way, in minutes.
        skews in proptest::array::uniform4(-720_i64..=720),
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(run(ops, seed, skews))?;
    }
}
