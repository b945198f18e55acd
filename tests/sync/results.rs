//! The day's results through a registry (issue 14): every attempt of an
//! office reaches every laptop of it, so each laptop's dashboard is the
//! office's; the registry's `GET /v1/stats` gives the same figures by
//! office, computed by the same functions; goals a coordinator sets reach
//! the office; and who may read which figures.

use crate::contact;
use crate::fixture::Campaign;
use crate::hardening::push_one;
use groundgame_domain::ipc::GoalsRequest;
use groundgame_domain::mutation::{ContactRecord, Mutation};
use groundgame_domain::results::office_figures;
use groundgame_domain::wire::PushOutcome;
use groundgame_domain::wire::{ErrorCode, Role};
use groundgame_domain::SurveyAnswer;
use groundgame_domain::{Channel, VoterId};
use groundgame_sync::SyncError;
use jiff::tz::TimeZone;

fn support(code: &str) -> SurveyAnswer {
    SurveyAnswer {
        question: "support".into(),
        answer: code.into(),
        version: None,
        other: None,
    }
}

#[tokio::test]
async fn the_registrys_figures_by_office_are_every_laptops_dashboard() {
    let campaign = Campaign::new(600).await;
    let north = campaign.voters_in("North").await;
    let south = campaign.voters_in("South").await;
    let mut coordinator = campaign.fresh_device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator.sync().await;
    let mut canvasser = campaign.device("North", Role::Canvasser).await;
    let mut south_coordinator = campaign.device("South", Role::Coordinator).await;

    // Five doors in the North (three reached, two of them supporters), two
    // in the South.
    for (n, result) in ["canvassed", "not-home", "canvassed", "refused", "not-home"]
        .iter()
        .enumerate()
    {
        let mut door = contact(&north[n], result);
        if *result == "canvassed" {
            door.answers = vec![support(["strong", "lean"][n / 2])];
        }
        canvasser.record(&door);
    }
    south_coordinator.record(&contact(&south[0], "canvassed"));
    south_coordinator.record(&contact(&south[1], "not-home"));
    canvasser.sync().await;
    south_coordinator.sync().await;

    // Goals set on the coordinator's laptop reach the canvasser's.
    let goals = {
        let mut store = coordinator.store.lock().expect("store");
        store
            .set_goals(
                GoalsRequest {
                    doors_per_day: 80,
                    calls_per_day: 0,
                    contacts_per_day: 25,
                    supporters: 400,
                },
                coordinator.now(),
            )
            .expect("goals")
    };
    coordinator.sync().await;
    canvasser.sync().await;
    assert_eq!(
        canvasser
            .store
            .lock()
            .expect("store")
            .goals()
            .expect("goals"),
        goals
    );

    // The coordinator's laptop holds every North attempt: its dashboard is
    // the office's.
    let utc = TimeZone::UTC;
    let local = coordinator
        .store
        .lock()
        .expect("store")
        .dashboard_input(coordinator.now(), &utc)
        .expect("dashboard");
    let board = groundgame_domain::results::dashboard(&local);
    assert_eq!(
        (board.office.overall.attempts, board.office.overall.contacts),
        (5, 3)
    );
    assert_eq!(board.office.supporters, 2);
    assert_eq!(board.today().map(|d| d.doors_goal), Some(80));

    // The registry's figures for the North are the same, from the same
    // functions; a coordinator sees their own office and the campaign's
    // totals.
    let (client, token) = coordinator.token().await.expect("token");
    let stats = client.stats(&token, "UTC").await.expect("stats");
    let names: Vec<&str> = stats.offices.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["North"], "a coordinator sees their own office");
    let registry_north = &stats.offices[0];
    let from_laptop = office_figures(
        registry_north.office_id.clone(),
        "North".into(),
        &local.tallies,
        &local.answers,
        &local.goals,
        local.support.as_ref(),
        &local.today,
    );
    assert_eq!(registry_north, &from_laptop);
    assert_eq!(registry_north.volunteers_today, 0, "nobody signed in");
    assert_eq!(
        (
            stats.campaign.overall.attempts,
            stats.campaign.overall.contacts
        ),
        (7, 4)
    );
    assert_eq!(
        stats.campaign.goals.doors_per_day, 80,
        "the offices' goals added up"
    );

    // An admin sees every office.
    let admin = campaign.device("North", Role::Admin).await;
    let (client, token) = admin.token().await.expect("token");
    let stats = client
        .stats(&token, "America/New_York")
        .await
        .expect("stats");
    let names: Vec<&str> = stats.offices.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["North", "South"]);
    assert_eq!(stats.zone, "America/New_York");
    let south_figures = &stats.offices[1];
    assert_eq!(
        (
            south_figures.overall.attempts,
            south_figures.overall.contacts
        ),
        (2, 1)
    );

    // A canvasser's laptop reads none, and a zone that is not one is
    // refused with what would do.
    let (client, token) = canvasser.token().await.expect("token");
    match client.stats(&token, "UTC").await {
        Err(error @ SyncError::Refused { .. }) => {
            assert_eq!(error.code(), Some(ErrorCode::NotACoordinator), "{error}")
        }
        other => panic!("a canvasser read the campaign's figures: {other:?}"),
    }
    let (client, token) = admin.token().await.expect("token");
    match client.stats(&token, "Mars/Olympus_Mons").await {
        Err(error @ SyncError::Refused { .. }) => {
            assert_eq!(error.code(), Some(ErrorCode::Malformed), "{error}");
            assert!(error.to_string().contains("America/New_York"), "{error}");
        }
        other => panic!("an unknown zone was taken: {other:?}"),
    }
}

/// An attempt whose time is not a UTC time would sit on no calendar day of
/// any dashboard: the registry refuses it, saying what would do, and keeps
/// the figures whole.
#[tokio::test]
async fn an_attempt_at_no_time_is_refused() {
    let campaign = Campaign::new(600).await;
    let north = campaign.voters_in("North").await;
    let device = campaign.device("North", Role::Canvasser).await;
    for (seq, recorded_at) in [
        "yesterday evening",
        "2026-11-03T18:02:11+02:00",
        "2026-02-30T10:00:00Z",
    ]
    .into_iter()
    .enumerate()
    {
        let attempt = ContactRecord {
            attempt_id: uuid::Uuid::now_v7().to_string(),
            voter_id: VoterId::parse(&north[0]).expect("id"),
            channel: Channel::Door,
            result: "not-home".into(),
            phone: None,
            call_list: None,
            turf: None,
            answers: Vec::new(),
            note: None,
            volunteer: None,
            recorded_at: recorded_at.into(),
            lease: None,
        };
        let answer = push_one(&device, seq as i64 + 1, &Mutation::RecordContact(attempt)).await;
        assert_eq!(
            answer.result,
            PushOutcome::Rejected,
            "{recorded_at}: {answer:?}"
        );
        let reason = answer.reason.unwrap_or_default();
        assert!(reason.contains("2026-11-03T18:02:11Z"), "{reason}");
    }
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        0
    );
}

/// A coordinator quarantines a day of results (issue 14): the decision
/// reaches every laptop of the office (and one that downloads the office
/// later), the registry keeps it with the device that sent it, every
/// dashboard and the registry's figures leave those results out while the
/// attempts themselves stay, and a release brings them back.
#[tokio::test]
async fn a_quarantined_day_leaves_every_figure_of_the_office_until_released() {
    use groundgame_domain::quality::{Batch, Verdict};
    let campaign = Campaign::new(600).await;
    let north = campaign.voters_in("North").await;
    let mut coordinator = campaign.fresh_device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator.sync().await;
    let mut canvasser = campaign.device("North", Role::Canvasser).await;
    for voter in north.iter().take(4) {
        canvasser.record(&contact(voter, "not-home"));
    }
    canvasser.sync().await;
    coordinator.sync().await;
    let utc = TimeZone::UTC;
    let attempts = |device: &crate::fixture::Device| {
        device
            .store
            .lock()
            .expect("store")
            .dashboard(device.now(), &utc)
            .expect("dashboard")
            .office
            .overall
            .attempts
    };
    assert_eq!((attempts(&coordinator), attempts(&canvasser)), (4, 4));

    // Nobody was signed in at the canvasser's laptop: the batch is the
    // office's unnamed results of today.
    let batch = Batch {
        volunteer: None,
        day: coordinator.now().to_zoned(utc.clone()).date().to_string(),
    };
    let quarantine = |device: &crate::fixture::Device, verdict: Verdict, at: jiff::Timestamp| {
        device.store.lock().expect("store").decide_batch(
            batch.clone(),
            verdict,
            "typed twice from paper",
            at,
        )
    };
    // A canvasser's laptop may not decide.
    assert!(quarantine(&canvasser, Verdict::Quarantined, canvasser.now()).is_err());
    quarantine(&coordinator, Verdict::Quarantined, coordinator.now()).expect("quarantined");
    coordinator.sync().await;
    canvasser.sync().await;
    assert_eq!((attempts(&coordinator), attempts(&canvasser)), (0, 0));
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        4,
        "quarantined results are kept"
    );
    assert_eq!(
        campaign
            .count(
                "SELECT count(*) FROM office_records r JOIN devices d ON d.id = r.device_id \
                 WHERE r.kind = 'batch_decision' AND d.role = 'coordinator'"
            )
            .await,
        1,
        "the registry keeps the decision with the device that sent it"
    );
    let (client, token) = coordinator.token().await.expect("token");
    let stats = client.stats(&token, "UTC").await.expect("stats");
    assert_eq!(stats.offices[0].overall.attempts, 0);
    assert_eq!(
        stats.campaign.overall.attempts, 0,
        "the campaign's totals leave out the office's unnamed batch too"
    );

    // A laptop that downloads the office later holds the decision too.
    let mut late = campaign.fresh_device("North", Role::Caller).await;
    late.options.lease_ahead = 0;
    late.sync().await;
    assert_eq!(attempts(&late), 0);

    // Released, the results count again everywhere.
    let later = coordinator.now() + jiff::SignedDuration::from_secs(1);
    quarantine(&coordinator, Verdict::Released, later).expect("released");
    coordinator.sync().await;
    canvasser.sync().await;
    late.sync().await;
    assert_eq!(
        (
            attempts(&coordinator),
            attempts(&canvasser),
            attempts(&late)
        ),
        (4, 4, 4)
    );
    let stats = client.stats(&token, "UTC").await.expect("stats");
    assert_eq!(stats.offices[0].overall.attempts, 4);
    assert_eq!(stats.campaign.overall.attempts, 4);
    let registry_audit =
        groundgame_registry::admin::audit_log(&campaign.registry.pool, campaign.id)
            .await
            .expect("the registry's audit log");
    let decided: Vec<&str> = registry_audit
        .iter()
        .filter(|row| row.action == "decide_batch")
        .map(|row| row.detail.as_str())
        .collect();
    assert_eq!(
        decided,
        [
            format!(
                "nobody signed in on {}: quarantined (typed twice from paper)",
                batch.day
            ),
            format!(
                "nobody signed in on {}: released (typed twice from paper)",
                batch.day
            ),
        ]
    );
    assert!(
        registry_audit.iter().any(|row| row.action == "enrol"),
        "{registry_audit:?}"
    );
    let audit = canvasser
        .store
        .lock()
        .expect("store")
        .audit_log()
        .expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == "decide_batch")
            .count(),
        2,
        "{audit:?}"
    );
}

/// A laptop that downloads the office after its turfs were worked counts
/// every door already knocked, as the laptops that heard through the feed do
/// (the snapshot sends the attempts after the turfs they were made from).
#[tokio::test]
async fn a_laptop_downloaded_later_counts_the_doors_already_knocked_in_each_turf() {
    use groundgame_store::{NewContact, SegmentFilter};
    let campaign = Campaign::new(600).await;
    let mut coordinator = campaign.fresh_device("North", Role::Coordinator).await;
    coordinator.options.lease_ahead = 0;
    coordinator.sync().await;
    let filter = SegmentFilter {
        precincts: campaign.precincts("North").await,
        ..SegmentFilter::default()
    };
    {
        let mut store = coordinator.store.lock().expect("store");
        let now = coordinator.now();
        store.cut_turfs("Sat", &filter, 20, now).expect("turfs");
    }
    coordinator.sync().await;

    // A canvasser knocks three doors of the first turf.
    let mut canvasser = campaign.fresh_device("North", Role::Canvasser).await;
    canvasser.options.lease_ahead = 0;
    canvasser.sync().await;
    let (turf, doors) = {
        let store = canvasser.store.lock().expect("store");
        let turf = store.turfs().expect("turfs").remove(0);
        let doors = store.walk_list(turf.id).expect("walk list");
        (turf, doors)
    };
    for stop in doors.iter().take(3) {
        let voter = VoterId::parse(&stop.voters[0].voter_id).expect("id");
        let mut door = NewContact::new(voter, Channel::Door, "not-home");
        door.turf = Some(turf.id);
        canvasser.record(&door);
    }
    canvasser.sync().await;
    coordinator.sync().await;

    let progress = |device: &crate::fixture::Device| {
        let store = device.store.lock().expect("store");
        let board = store
            .dashboard(device.now(), &TimeZone::UTC)
            .expect("dashboard");
        board
            .work
            .iter()
            .find(|work| work.name == turf.name)
            .map(|work| (work.done, work.total, work.rate.attempts))
            .expect("the turf on the dashboard")
    };
    let heard = progress(&coordinator);
    assert_eq!((heard.0, heard.2), (3, 3), "{heard:?}");
    let mut late = campaign.fresh_device("North", Role::Coordinator).await;
    late.options.lease_ahead = 0;
    late.sync().await;
    assert_eq!(progress(&late), heard, "downloaded later");
}
