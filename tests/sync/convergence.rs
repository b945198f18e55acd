//! The convergence property (sync brief, "How it must be tested"): random
//! field work on several laptops in two offices whose clocks are up to 12
//! hours off, synced in random order through a proxy that delays, drops,
//! duplicates and loses the answers of requests, with pushes replayed and
//! pulls cut short, always ends, once every laptop has synced, with every
//! result on the registry exactly once, every laptop holding exactly its
//! office's part of the registry, and no clock having moved back.

use crate::fixture::{Campaign, Device};
use groundgame_domain::wire::{PushMutation, PushOutcome, Role};
use groundgame_domain::{Channel, Hlc, VoterId};
use groundgame_store::NewContact;
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

    // Quiescence, with the network healed: everyone pushes, then everyone
    // pulls what the others pushed.
    proxy.set_faults(false);
    for _ in 0..2 {
        for laptop in &mut laptops {
            let report = laptop.device.sync().await;
            prop_assert_eq!(report.rejected, 0, "{:?}", report.rejections);
        }
    }

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
             WHERE o.name = $1 AND d.scope = 'person'",
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
            let (first_name, best_time, version): (String, String, i64) = sqlx::query_as(
                "SELECT first_name, best_time, version FROM voters WHERE voter_id = $1",
            )
            .bind(voter)
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("voter");
            let detail = laptop.device.detail(voter);
            prop_assert_eq!(
                (&detail.first_name, &detail.best_time, detail.version),
                (&first_name, &best_time, version),
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
