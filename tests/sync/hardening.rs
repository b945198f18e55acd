//! The promises under fault and attack (issue 11): a database's bad moment
//! loses no push, lease locks never deadlock, a revoked device changes
//! nothing until a coordinator says so and a wiped one gets nothing, every
//! mutation is checked against the sender's role and scope, and a clock or
//! a format the registry cannot trust is refused. Faults are real: a lock
//! held from a second connection, two transactions racing for rows.

use crate::contact;
use crate::fixture::{Campaign, Device};
use groundgame_domain::lease::LeaseTarget;
use groundgame_domain::mutation::{
    AddedVoter, ContactRecord, DncReversal, Mutation, VoterCorrection,
};
use groundgame_domain::review::{ReviewAction, ReviewKind};
use groundgame_domain::wire::{PushMutation, PushOutcome, PushResult, Role};
use groundgame_domain::{Channel, Hlc, VoterId};
use groundgame_registry::db::QueryLimits;
use sqlx::{Connection, PgConnection};
use std::time::Duration;

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or_default()
}

/// A mutation made by hand, as a modified or malicious client would send it.
pub(crate) fn raw(seq: i64, mutation: &Mutation, hlc: Hlc) -> PushMutation {
    PushMutation {
        seq,
        mutation_id: uuid::Uuid::now_v7().to_string(),
        kind: mutation.kind().to_owned(),
        version: 1,
        hlc: hlc.encode(),
        payload: serde_json::to_value(mutation).expect("serialises"),
    }
}

pub(crate) fn honest_clock() -> Hlc {
    Hlc {
        wall_ms: now_ms(),
        counter: 0,
    }
}

pub(crate) async fn push_one(device: &Device, seq: i64, mutation: &Mutation) -> PushResult {
    let answer = device
        .push_raw(vec![raw(seq, mutation, honest_clock())])
        .await
        .expect("pushed");
    answer.results.into_iter().next().expect("one result")
}

fn phone_call(voter: &str, phone: &str, result: &str) -> ContactRecord {
    ContactRecord {
        attempt_id: uuid::Uuid::now_v7().to_string(),
        voter_id: VoterId::parse(voter).expect("id"),
        channel: Channel::Phone,
        result: result.into(),
        phone: Some(phone.into()),
        call_list: None,
        turf: None,
        answers: Vec::new(),
        note: None,
        volunteer: None,
        recorded_at: jiff::Timestamp::now().to_string(),
        lease: None,
    }
}

#[tokio::test]
async fn a_lock_on_the_registry_loses_no_result() {
    let campaign = Campaign::with_limits(
        600,
        QueryLimits {
            lock_timeout: Duration::from_millis(200),
            ..QueryLimits::default()
        },
    )
    .await;
    let mut laptop = campaign.device("North", Role::Canvasser).await;
    let north = campaign.voters_in("North").await;
    for voter in &north[..3] {
        laptop.record(&contact(voter, "not-home"));
    }
    laptop.add_dnc(&north[3]);

    // A second connection holds a lock that every insert of a contact
    // attempt waits for, past the registry's lock timeout (SQLSTATE 55P03).
    let mut blocker = PgConnection::connect(&campaign.registry.database_url())
        .await
        .expect("second connection");
    sqlx::query("BEGIN")
        .execute(&mut blocker)
        .await
        .expect("begin");
    sqlx::query("LOCK TABLE contact_attempts IN SHARE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");

    let error = laptop.try_sync().await.expect_err("the push cannot land");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::Unavailable),
        "{error}"
    );
    assert!(error.is_retryable());
    assert!(
        error.retry_after().is_some(),
        "the registry says when to come back: {error:?}"
    );
    assert_eq!(laptop.pending(), 4, "everything waits on the laptop");
    assert!(laptop.needs_attention().is_empty());
    assert_eq!(
        campaign.count("SELECT count(*) FROM mutations").await,
        0,
        "nothing was stored as rejected"
    );

    sqlx::query("COMMIT")
        .execute(&mut blocker)
        .await
        .expect("unlock");
    let report = laptop.sync().await;
    assert_eq!(
        (report.pushed, report.accepted, report.rejected),
        (4, 4, 0),
        "{report:?}"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        3
    );
    assert_eq!(campaign.count("SELECT count(*) FROM dnc_entries").await, 1);
    assert_eq!(laptop.pending(), 0);
}

#[tokio::test]
async fn a_grant_and_an_opt_out_take_lease_locks_in_one_order() {
    let campaign = Campaign::new(600).await;
    let caller = campaign.device("North", Role::Caller).await;
    let url = campaign.registry.database_url();
    // Two leased numbers, the later one in target order stored first, so a
    // scan in storage order meets it first.
    for target in ["phone:9195550199", "phone:9195550100"] {
        sqlx::query(
            "INSERT INTO leases (campaign_id, target, device_id, epoch, expires_at) \
             VALUES ($1, $2, $3, 1, now() + interval '1 hour')",
        )
        .bind(campaign.id)
        .bind(target)
        .bind(uuid::Uuid::parse_str(&caller.device_id).expect("uuid"))
        .execute(&campaign.registry.pool)
        .await
        .expect("lease");
    }
    // A grant locks its targets in order: the first one now.
    let mut grant = PgConnection::connect(&url).await.expect("connect");
    sqlx::query("BEGIN")
        .execute(&mut grant)
        .await
        .expect("begin");
    sqlx::query("SELECT 1 FROM leases WHERE target = 'phone:9195550100' FOR UPDATE")
        .execute(&mut grant)
        .await
        .expect("first lock");
    // An opt-out ends both, naming them in its own order.
    let campaign_id = campaign.id;
    let ending = tokio::spawn(async move {
        let mut conn = PgConnection::connect(&url).await.expect("connect");
        // The plan a large leases table gets: a bitmap or sequential scan,
        // which meets rows in storage order, not in target order.
        sqlx::query("SET enable_indexscan = off")
            .execute(&mut conn)
            .await
            .expect("plan");
        let mut tx = conn.begin().await.expect("begin");
        groundgame_registry::leases::end_for_targets(
            &mut tx,
            campaign_id,
            &["phone:9195550199".into(), "phone:9195550100".into()],
        )
        .await?;
        tx.commit().await
    });
    // Wait until the ending is blocked behind the grant.
    for _ in 0..200 {
        let waiting = campaign
            .count(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .await;
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The grant takes its second target: had the ending locked 0199 first,
    // the two would now deadlock and PostgreSQL would cancel one.
    sqlx::query("SELECT 1 FROM leases WHERE target = 'phone:9195550199' FOR UPDATE")
        .execute(&mut grant)
        .await
        .expect("the grant's second lock is granted, not a deadlock");
    sqlx::query("COMMIT")
        .execute(&mut grant)
        .await
        .expect("commit");
    ending
        .await
        .expect("task")
        .expect("the ending commits after the grant");
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM leases WHERE epoch = 2 AND expires_at <= now()")
            .await,
        2
    );
}

#[tokio::test]
async fn a_revoked_laptop_changes_nothing_until_a_coordinator_says_and_a_wiped_one_gets_nothing() {
    let campaign = Campaign::new(600).await;
    let mut stolen = campaign.device("North", Role::Caller).await;
    let other = campaign.device("North", Role::Caller).await;
    let mut coordinator = campaign.device("North", Role::Coordinator).await;
    let north = campaign.voters_in("North").await;
    let (_, phone) = campaign.voter_with_phone("North").await;
    let target = LeaseTarget::phone(&phone);
    let granted = stolen.lease_raw(vec![target.clone()]).await.expect("lease");
    assert_eq!(granted.granted.len(), 1);

    stolen.record(&contact(&north[0], "canvassed"));
    campaign.revoke(&stolen).await;
    // Its numbers go back to the office at once.
    let taken = other.lease_raw(vec![target]).await.expect("lease");
    assert_eq!(
        (taken.granted.len(), taken.refused.len()),
        (1, 0),
        "{taken:?}"
    );

    let report = stolen.sync().await;
    assert!(report.revoked);
    assert_eq!(
        (report.accepted, report.conflicts),
        (0, 1),
        "kept for review, not applied: {report:?}"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        0
    );
    let queue = coordinator.review().await.expect("review");
    let held: Vec<_> = queue
        .items
        .iter()
        .filter(|item| item.kind == ReviewKind::AfterRevocation)
        .collect();
    assert_eq!(held.len(), 1, "{queue:?}");
    assert_eq!(held[0].voter_id.as_deref(), Some(north[0].as_str()));
    coordinator
        .decide(held[0].id, ReviewAction::Apply)
        .await
        .expect("applied");
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts WHERE 'after_revocation' = ANY(flags)")
            .await,
        1,
        "applied by the coordinator, and flagged"
    );
    // The office's laptops see the flag on that day's batch.
    coordinator.sync().await;
    let reports = coordinator
        .store
        .lock()
        .expect("store")
        .quality(coordinator.now(), &jiff::tz::TimeZone::UTC, 1)
        .expect("quality");
    assert!(
        reports.iter().any(|r| r
            .flags
            .contains(&groundgame_domain::quality::Flag::FromRevokedLaptop { results: 1 })),
        "{reports:?}"
    );

    // The laptop wipes and says so: its credential is dead from then on.
    let (client, token) = stolen.token().await.expect("token before the wipe");
    client.report_wiped(&token).await.expect("wipe reported");
    let refused = stolen.token().await.expect_err("no token after the wipe");
    assert_eq!(
        refused.code(),
        Some(groundgame_domain::wire::ErrorCode::DeviceWiped),
        "{refused}"
    );
    let error = client
        .whoami(&token)
        .await
        .expect_err("the old token is dead too");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::Unauthenticated),
        "{error}"
    );
}

#[tokio::test]
async fn each_mutation_is_checked_against_the_senders_role_and_scope() {
    let campaign = Campaign::new(600).await;
    let mut coordinator = campaign.device("North", Role::Coordinator).await;
    let canvasser = campaign.device("North", Role::Canvasser).await;
    let north = campaign.voters_in("North").await;
    let south = campaign.voters_in("South").await;

    // An opt-out anyone may record; lifting it is a coordinator's act.
    coordinator.add_dnc(&north[0]);
    coordinator.sync().await;
    let entry: String = sqlx::query_scalar("SELECT id FROM dnc_entries")
        .fetch_one(&campaign.registry.pool)
        .await
        .expect("entry");
    let lift = Mutation::ReverseDnc(DncReversal {
        reversal_id: uuid::Uuid::now_v7().to_string(),
        entry_id: entry.clone(),
        source: "voter asked".into(),
        recorded_at: jiff::Timestamp::now().to_string(),
    });
    let refused = push_one(&canvasser, 1, &lift).await;
    assert_eq!(refused.result, PushOutcome::Rejected);
    assert!(
        refused
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("a canvasser device may not lift")),
        "{refused:?}"
    );
    {
        // A canvasser's own laptop refuses it too, so it never calls a
        // voter the registry holds opted out.
        let mut local = campaign.device("North", Role::Canvasser).await;
        local.add_dnc(&north[1]);
        let mut store = local.store.lock().expect("store");
        let entries = store.dnc_for_voter(&north[1]).expect("dnc");
        let error = store
            .reverse_dnc(&entries[0].id, "asked", jiff::Timestamp::now())
            .expect_err("refused locally");
        assert!(
            error.to_string().contains("enrolled as a canvasser"),
            "{error}"
        );
    }
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM dnc_entries WHERE reverses IS NOT NULL")
            .await,
        0
    );

    // A landline shared with a South voter: North's coordinator may add an
    // opt-out on it, but lifting it reaches South, so it goes to review.
    let (north_voter, shared) = campaign.voter_with_phone("North").await;
    sqlx::query(
        "INSERT INTO phones (campaign_id, voter_id, number, status, source) VALUES ($1, $2, $3, 'ok', 'file')",
    )
    .bind(campaign.id)
    .bind(&south[0])
    .bind(&shared)
    .execute(&campaign.registry.pool)
    .await
    .expect("shared landline");
    coordinator
        .store
        .lock()
        .expect("store")
        .add_dnc(
            groundgame_domain::Scope::Phone,
            &shared,
            groundgame_domain::DncChannel::Phone,
            "voter asked",
            jiff::Timestamp::now(),
        )
        .expect("opt-out on the landline");
    let report = coordinator.sync().await;
    assert_eq!(report.accepted, 1, "{report:?}");
    let phone_entry: String =
        sqlx::query_scalar("SELECT id FROM dnc_entries WHERE scope = 'phone' AND target = $1")
            .bind(&shared)
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("entry");
    coordinator
        .store
        .lock()
        .expect("store")
        .reverse_dnc(&phone_entry, "wrong person", jiff::Timestamp::now())
        .expect("a coordinator's laptop lifts it locally");
    let report = coordinator.sync().await;
    assert_eq!(report.rejected, 1, "{report:?}");
    assert!(
        report.rejections[0]
            .reason
            .contains("outside this device's office"),
        "{report:?}"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM dnc_entries WHERE reverses IS NOT NULL")
            .await,
        0,
        "the landline stays opted out for South"
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM review_queue WHERE kind = 'reverse_dnc'")
            .await,
        1
    );

    // "Disconnected" on a number that is not the voter's changes no one's
    // number; the call is kept.
    let (south_voter, south_phone) = campaign.voter_with_phone("South").await;
    let call = Mutation::RecordContact(phone_call(&north[5], &south_phone, "disconnected"));
    let answer = push_one(&canvasser, 2, &call).await;
    assert_eq!(answer.result, PushOutcome::Applied, "{answer:?}");
    assert!(
        answer
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("not on")),
        "{answer:?}"
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM phones WHERE voter_id = $1 AND number = $2")
            .bind(&south_voter)
            .bind(&south_phone)
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("status");
    assert_eq!(status, "ok");

    // An id already on the registry is not reused: not a contact attempt's,
    // not a person added at a door's (which would attach a phone to another
    // office's voter and give this office a say over them).
    let again = push_one(&canvasser, 3, &call).await;
    assert_eq!(again.result, PushOutcome::Rejected, "{again:?}");
    sqlx::query(
        "INSERT INTO voters (campaign_id, voter_id, household_key, last_name, first_name, party, status, county, \
         precinct_code, source, content_hash) \
         SELECT campaign_id, 'NEW-SOUTH-1', household_key, 'Doe', 'Jo', '', 'A', '', precinct_code, 'door', 0 \
         FROM voters WHERE voter_id = $1",
    )
    .bind(&south[0])
    .execute(&campaign.registry.pool)
    .await
    .expect("a South door voter");
    let household: String =
        sqlx::query_scalar("SELECT household_key FROM voters WHERE voter_id = $1")
            .bind(&north_voter)
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("household");
    let hijack = Mutation::AddVoter(AddedVoter {
        voter_id: VoterId::parse("NEW-SOUTH-1").expect("id"),
        household_address_key: household,
        first_name: "Jo".into(),
        last_name: "Doe".into(),
        birth_year: None,
        phone: Some("9195551234".into()),
        recorded_at: jiff::Timestamp::now().to_string(),
        volunteer: None,
    });
    let answer = push_one(&canvasser, 4, &hijack).await;
    assert_eq!(answer.result, PushOutcome::Rejected, "{answer:?}");
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM phones WHERE voter_id = 'NEW-SOUTH-1'")
            .await,
        0
    );
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM review_queue WHERE voter_id = 'NEW-SOUTH-1'")
            .await,
        0
    );
}

#[tokio::test]
async fn clocks_and_formats_the_registry_cannot_trust_are_refused_or_clamped() {
    let campaign = Campaign::new(600).await;
    let device = campaign.device("North", Role::Canvasser).await;
    let north = campaign.voters_in("North").await;
    let correction = |value: &str| {
        Mutation::CorrectVoterField(VoterCorrection {
            correction_id: uuid::Uuid::now_v7().to_string(),
            voter_id: VoterId::parse(&north[0]).expect("id"),
            field: "language".into(),
            value: value.into(),
            base_version: 0,
            recorded_at: jiff::Timestamp::now().to_string(),
            volunteer: None,
        })
    };

    let mut garbled = raw(1, &correction("es"), honest_clock());
    garbled.hlc = "tomorrow".into();
    let error = device.push_raw(vec![garbled]).await.expect_err("refused");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::Malformed),
        "{error}"
    );
    assert!(error.to_string().contains("mutations[0].hlc"), "{error}");

    let mut newer = raw(1, &correction("es"), honest_clock());
    newer.version = 7;
    let error = device.push_raw(vec![newer]).await.expect_err("refused");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::UnknownFormat),
        "{error}"
    );
    assert_eq!(campaign.count("SELECT count(*) FROM mutations").await, 0);

    // A month ahead counts as twelve hours ahead.
    let ahead = Hlc {
        wall_ms: now_ms() + 30 * 24 * 60 * 60 * 1000,
        counter: 0,
    };
    let answer = device
        .push_raw(vec![raw(1, &correction("es"), ahead)])
        .await
        .expect("pushed");
    assert_eq!(answer.results[0].result, PushOutcome::Applied);
    let stored: String = sqlx::query_scalar(
        "SELECT split_part(hlc, ' ', 1) FROM voter_field_clocks WHERE voter_id = $1 AND field = 'language'",
    )
    .bind(&north[0])
    .fetch_one(&campaign.registry.pool)
    .await
    .expect("clock");
    let stored = Hlc::decode(&stored).expect("a clock");
    let limit = now_ms() + groundgame_registry::push::ALLOWED_SKEW_MS;
    assert!(
        stored.wall_ms <= limit && stored.wall_ms >= limit - 60_000,
        "stored {stored:?}, limit {limit}"
    );
}
