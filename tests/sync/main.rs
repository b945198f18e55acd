//! Push, pull and apply between laptops and a registry on a real
//! PostgreSQL: every result reaches every device of its office exactly once,
//! a retried or replayed push changes nothing, merge rules hold, and a
//! device never reads or writes outside its office.

mod api_schema;
mod attack;
mod backup;
mod convergence;
mod fixture;
mod hardening;
mod kill;
mod leases;
mod people;
mod refresh;
mod results;
mod review;
mod snapshot;
mod work;

use fixture::{Campaign, Device};
use groundgame_domain::wire::{PushOutcome, Role};
use groundgame_domain::{Channel, PhoneNumber, VoterId};
use groundgame_store::NewContact;
use groundgame_sync::SyncError;

pub(crate) fn contact(voter: &str, result: &str) -> NewContact {
    NewContact::new(
        VoterId::parse(voter).expect("voter id"),
        Channel::Door,
        result,
    )
}

#[tokio::test]
async fn results_from_two_devices_reach_both_exactly_once() {
    let campaign = Campaign::new(600).await;
    let mut a = campaign.device("North", Role::Canvasser).await;
    let mut b = campaign.device("North", Role::Caller).await;
    let north = campaign.voters_in("North").await;
    let (with_phone, phone) = campaign.voter_with_phone("North").await;

    a.record(&contact(&north[0], "not-home"));
    a.record(&contact(&north[1], "canvassed"));
    let mut wrong = NewContact::new(
        VoterId::parse(&with_phone).expect("id"),
        Channel::Phone,
        "wrong-number",
    );
    wrong.phone = Some(PhoneNumber::parse(&phone).expect("phone"));
    a.record(&wrong);
    a.add_dnc(&north[2]);
    b.record(&contact(&north[0], "refused"));
    b.record(&contact(&north[3], "not-home"));

    let first = a.sync().await;
    assert_eq!(
        (first.pushed, first.accepted, first.rejected),
        (4, 4, 0),
        "{first:?}"
    );
    let second = b.sync().await;
    assert_eq!((second.pushed, second.accepted), (2, 2), "{second:?}");
    assert!(
        second.snapshot_rows > 0,
        "B's first sync downloads its office, A's results included: {second:?}"
    );
    a.sync().await;

    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        5
    );
    for device in [&a, &b] {
        assert_eq!(device.stats().contact_attempts, 5, "{}", device.name);
        assert_eq!(
            device.history(&north[0]).len(),
            2,
            "both results for the same voter"
        );
        assert_eq!(device.pending(), 0);
        assert!(
            !device.dnc(&north[2]).is_empty(),
            "{} sees the opt-out recorded on A",
            device.name
        );
        assert_eq!(device.phone_status(&with_phone, &phone), "wrong");
    }
    // The registry's feed repeats A's own changes to A: applied, not doubled.
    assert_eq!(a.history(&north[1]).len(), 1);

    // Syncing again with nothing new moves nothing.
    let idle = b.sync().await;
    assert_eq!(
        (idle.pushed, idle.pulled, idle.applied),
        (0, 0, 0),
        "{idle:?}"
    );
}

#[tokio::test]
async fn a_push_whose_answer_was_lost_is_answered_as_duplicates() {
    let campaign = Campaign::new(600).await;
    let mut a = campaign.device("North", Role::Canvasser).await;
    let north = campaign.voters_in("North").await;
    for voter in &north[..3] {
        a.record(&contact(voter, "not-home"));
    }
    // The registry applies the push, and the answer never reaches the laptop.
    let batch = a.outbox();
    let answer = a
        .push_raw(batch.clone())
        .await
        .expect("registry applies it");
    assert!(answer
        .results
        .iter()
        .all(|r| r.result == PushOutcome::Applied));
    assert_eq!(a.pending(), 3, "the laptop never heard back");

    let report = a.sync().await;
    assert_eq!(
        (report.pushed, report.accepted, report.duplicates),
        (3, 0, 3),
        "{report:?}"
    );
    assert_eq!(a.pending(), 0);
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        3
    );

    // Replaying the same push any number of times changes nothing.
    let stats_before = campaign.stats().await;
    for _ in 0..3 {
        let again = a.push_raw(batch.clone()).await.expect("answered");
        assert!(again
            .results
            .iter()
            .all(|r| r.result == PushOutcome::Duplicate
                && r.first_result == Some(PushOutcome::Applied)));
    }
    assert_eq!(campaign.stats().await, stats_before);
}

#[tokio::test]
async fn holes_and_reused_sequences_are_refused_and_change_nothing() {
    let campaign = Campaign::new(600).await;
    let mut a = campaign.device("North", Role::Canvasser).await;
    let north = campaign.voters_in("North").await;
    for voter in &north[..3] {
        a.record(&contact(voter, "not-home"));
    }
    let batch = a.outbox();
    let before = campaign.stats().await;

    // A push that starts after a hole.
    let error = a.push_raw(batch[1..].to_vec()).await.expect_err("a hole");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::SequenceGap),
        "{error}"
    );
    assert!(error.to_string().contains("expects next"), "{error}");
    assert_eq!(campaign.stats().await, before);

    // A sequence applied once, arriving again as another mutation.
    a.push_raw(batch[..1].to_vec()).await.expect("applies");
    let mut reused = batch[..1].to_vec();
    reused[0].mutation_id = "0193f000-0000-7000-8000-000000000000".into();
    let error = a.push_raw(reused).await.expect_err("reused");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::SequenceMismatch),
        "{error}"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        1
    );

    // A mutation the registry cannot read is rejected on its own and does
    // not block the ones after it.
    let mut unreadable = batch[1..].to_vec();
    unreadable[0].payload = serde_json::json!({"kind": "record_contact", "voter_id": 7});
    let answer = a.push_raw(unreadable).await.expect("answered");
    assert_eq!(answer.results[0].result, PushOutcome::Rejected);
    assert!(
        answer.results[0]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("cannot be read"),
        "{:?}",
        answer.results[0]
    );
    assert_eq!(answer.results[1].result, PushOutcome::Applied);
    assert_eq!(answer.last_applied_seq, batch[2].seq);

    // One the database itself refuses (text PostgreSQL cannot store) is
    // rejected alone; those around it in the same push still apply.
    a.record(&contact(&north[3], "not-home"));
    a.correct(&north[4], "best_time", "evenings");
    a.record(&contact(&north[5], "not-home"));
    let mut batch = a.outbox();
    let bad = batch
        .iter_mut()
        .find(|m| m.kind == "correct_voter_field")
        .expect("the correction");
    bad.payload["value"] = serde_json::json!("even\u{0}ings");
    let answer = a.push_raw(batch).await.expect("answered");
    // (The first three were pushed above and are answered as duplicates.)
    let outcomes: Vec<PushOutcome> = answer.results[3..].iter().map(|r| r.result).collect();
    assert_eq!(
        outcomes,
        [
            PushOutcome::Applied,
            PushOutcome::Rejected,
            PushOutcome::Applied
        ],
        "{answer:?}"
    );
    assert!(
        answer.results[4]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("could not store"),
        "{answer:?}"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        4
    );
}

#[tokio::test]
async fn a_device_neither_reads_nor_writes_outside_its_office() {
    let campaign = Campaign::new(600).await;
    let mut north = campaign.device("North", Role::Canvasser).await;
    let mut south = campaign.device("South", Role::Canvasser).await;
    let north_voters = campaign.voters_in("North").await;
    let south_voters = campaign.voters_in("South").await;

    north.record(&contact(&north_voters[0], "canvassed"));
    // The South laptop's file holds North's voters too (it imported the
    // whole county), so it can record one; the registry refuses it.
    south.record(&contact(&north_voters[1], "not-home"));
    south.record(&contact(&south_voters[0], "not-home"));

    north.sync().await;
    let report = south.sync().await;
    assert_eq!((report.accepted, report.rejected), (1, 1), "{report:?}");
    let rejection = &report.rejections[0];
    assert!(
        rejection.reason.contains("outside this device's office"),
        "{rejection:?}"
    );
    let attention = south.needs_attention();
    assert_eq!(attention.len(), 1);
    assert_eq!(attention[0].state, "rejected");
    // Kept for a coordinator, not applied.
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM review_queue WHERE kind = 'record_contact'")
            .await,
        1
    );
    assert_eq!(
        campaign
            .count(&format!(
                "SELECT count(*) FROM contact_attempts WHERE voter_id = '{}'",
                north_voters[1]
            ))
            .await,
        0
    );
    // South reads nothing of North's; North nothing of South's.
    north.sync().await;
    assert!(south.history(&north_voters[0]).is_empty());
    assert!(north.history(&south_voters[0]).is_empty());
    assert_eq!(north.history(&north_voters[0]).len(), 1);
}

#[tokio::test]
async fn corrections_merge_by_field_kind() {
    let campaign = Campaign::new(600).await;
    let mut a = campaign.device("North", Role::Canvasser).await;
    let mut b = campaign.device("North", Role::Canvasser).await;
    // B's clock runs a minute ahead, so B's edits are the later ones
    // whatever order they reach the registry in.
    b.skew = jiff::SignedDuration::from_mins(1);
    let voter = campaign.voters_in("North").await[0].clone();

    // Both saw version 1; A's name correction arrives first and applies.
    a.correct(&voter, "last_name", "ALVAREZ-SMITH");
    b.correct(&voter, "last_name", "SMYTHE");
    // Soft field: the later write wins whatever order they arrive in.
    a.correct(&voter, "language", "es");
    b.correct(&voter, "language", "vi");

    let first = a.sync().await;
    assert_eq!((first.accepted, first.conflicts), (2, 0), "{first:?}");
    let second = b.sync().await;
    assert_eq!(
        second.conflicts, 1,
        "the second name edit goes to review: {second:?}"
    );
    assert!(
        second.rejections[0]
            .reason
            .contains("waits for a coordinator"),
        "{second:?}"
    );
    a.sync().await;

    for device in [&a, &b] {
        let detail = device.detail(&voter);
        assert_eq!(detail.last_name, "ALVAREZ-SMITH", "{}", device.name);
        assert_eq!(detail.language, "vi", "{}: B's edit was later", device.name);
    }
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM review_queue WHERE kind = 'correction' AND resolved_at IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn a_revoked_device_pushes_what_it_holds_and_reads_nothing_more() {
    let campaign = Campaign::new(600).await;
    let mut a = campaign.device("North", Role::Canvasser).await;
    let north = campaign.voters_in("North").await;
    a.record(&contact(&north[0], "canvassed"));
    campaign.revoke(&a).await;
    let report = a.sync().await;
    assert!(report.revoked);
    assert_eq!(
        (report.accepted, report.conflicts),
        (0, 1),
        "field work done before revocation is kept, for a coordinator to apply"
    );
    assert_eq!(report.pulled, 0);
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM review_queue WHERE kind = 'after_revocation'")
            .await,
        1,
        "it waits in review (hardening.rs applies it)"
    );
    let error = a.pull_raw(0).await.expect_err("revoked");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::DeviceRevoked)
    );
}

#[tokio::test]
async fn an_unenrolled_or_unreachable_laptop_gets_a_clear_error_and_keeps_its_work() {
    let campaign = Campaign::new(600).await;
    let north = campaign.voters_in("North").await;
    let mut lone = Device::unenrolled(&campaign, "lone");
    lone.record(&contact(&north[0], "not-home"));
    let error = lone.try_sync().await.expect_err("not enrolled");
    assert!(matches!(error, SyncError::NotEnrolled), "{error}");

    let mut a = campaign.device("North", Role::Canvasser).await;
    a.record(&contact(&north[0], "not-home"));
    a.point_at_closed_port();
    let error = a.try_sync().await.expect_err("unreachable");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(a.pending(), 1, "nothing lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_registry_instances_on_one_database_serve_one_campaign() {
    let campaign = Campaign::new(600).await;
    let second = campaign.registry.another_instance().await;
    let north = campaign.voters_in("North").await;
    let mut laptops = Vec::new();
    for index in 0..4 {
        let mut device = campaign.device("North", Role::Canvasser).await;
        if index % 2 == 1 {
            device
                .store
                .lock()
                .expect("store")
                .set_registry_url(&second.base_url)
                .expect("saved");
        }
        for voter in north.iter().skip(index).step_by(4).take(25) {
            device.record(&contact(voter, "not-home"));
        }
        laptops.push(device);
    }
    // All four push at once, two through each instance: the per-device
    // locks and the one sequencer live in PostgreSQL, not in either process.
    let [a, b, c, d] = &mut laptops[..] else {
        unreachable!("four laptops")
    };
    let reports = tokio::join!(a.sync(), b.sync(), c.sync(), d.sync());
    for report in [&reports.0, &reports.1, &reports.2, &reports.3] {
        assert_eq!((report.accepted, report.rejected), (25, 0), "{report:?}");
    }
    for laptop in &mut laptops {
        laptop.sync().await;
    }
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        100
    );
    // Feed positions are one gapless run, each handed out once.
    assert_eq!(
        campaign
            .count("SELECT count(DISTINCT position) FROM changes")
            .await,
        campaign.count("SELECT max(position) FROM changes").await
    );
    for laptop in &laptops {
        assert_eq!(laptop.stats().contact_attempts, 100, "{}", laptop.name);
    }
}
