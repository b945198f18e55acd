//! A new laptop's first sync downloads its office and nothing else; a
//! download that breaks off resumes where it stopped; and the laptop then
//! follows the feed like any other.

use crate::contact;
use crate::fixture::Campaign;
use groundgame_domain::snapshot::SnapshotLine;
use groundgame_domain::wire::Role;
use groundgame_sync::RegistryClient;

/// The registry's count of an office's rows of one kind.
async fn in_office(campaign: &Campaign, office: &str, from: &str) -> i64 {
    campaign
        .count(&format!(
            "SELECT count(*) FROM {from} JOIN office_precincts p ON p.campaign_id = x.campaign_id \
             AND p.precinct_code = x.precinct_code JOIN offices o ON o.campaign_id = p.campaign_id \
             AND o.id = p.office_id WHERE o.name = '{office}'"
        ))
        .await
}

#[tokio::test]
async fn a_new_laptop_downloads_its_office_and_nothing_else() {
    let campaign = Campaign::new(800).await;
    let north = campaign.voters_in("North").await;
    let south = campaign.voters_in("South").await;
    // Work already done in both offices.
    let mut veteran = campaign.device("North", Role::Canvasser).await;
    veteran.record(&contact(&north[0], "canvassed"));
    veteran.add_dnc(&north[1]);
    veteran.sync().await;
    let mut southerner = campaign.device("South", Role::Canvasser).await;
    southerner.record(&contact(&south[0], "not-home"));
    southerner.sync().await;

    let mut fresh = campaign.fresh_device("North", Role::Canvasser).await;
    let report = fresh.sync().await;
    assert!(report.snapshot_rows > 0, "{report:?}");
    let stats = fresh.stats();
    assert_eq!(
        stats.voters as i64,
        in_office(&campaign, "North", "voters x").await
    );
    assert_eq!(
        stats.households as i64,
        in_office(&campaign, "North", "households x").await
    );
    assert_eq!(
        stats.phones as i64,
        campaign
            .count(
                "SELECT count(*) FROM phones ph JOIN voters x ON x.campaign_id = ph.campaign_id \
                 AND x.voter_id = ph.voter_id JOIN office_precincts p ON p.campaign_id = x.campaign_id \
                 AND p.precinct_code = x.precinct_code JOIN offices o ON o.campaign_id = p.campaign_id \
                 AND o.id = p.office_id WHERE o.name = 'North'"
            )
            .await
    );
    assert_eq!(stats.contact_attempts, 1, "North's result, not South's");
    assert_eq!(fresh.history(&north[0]).len(), 1);
    assert!(!fresh.dnc(&north[1]).is_empty(), "the opt-out came first");
    assert!(
        fresh
            .store
            .lock()
            .expect("store")
            .voter_detail(&groundgame_domain::VoterId::parse(&south[0]).expect("id"))
            .is_err(),
        "South's voters are not on a North laptop"
    );

    // Search works on what was downloaded, by name and by phone.
    let detail = fresh.detail(&north[2]);
    let found = fresh
        .store
        .lock()
        .expect("store")
        .search_voters(&groundgame_domain::ipc::VoterQuery::first_page(
            detail.last_name.clone(),
            50,
        ))
        .expect("search");
    assert!(
        found
            .rows
            .iter()
            .any(|row| row.voter_id.as_str() == north[2]),
        "{found:?}"
    );

    // From then on it follows the feed like any laptop, both ways.
    veteran.record(&contact(&north[3], "not-home"));
    veteran.sync().await;
    let next = fresh.sync().await;
    assert_eq!(
        (next.snapshot_rows, next.pulled, next.applied),
        (0, 1, 1),
        "{next:?}"
    );
    fresh.record(&contact(&north[4], "refused"));
    fresh.sync().await;
    veteran.sync().await;
    assert_eq!(veteran.history(&north[4]).len(), 1);
}

#[tokio::test]
async fn a_broken_download_resumes_where_it_stopped() {
    let campaign = Campaign::new(800).await;
    let mut fresh = campaign.fresh_device("North", Role::Canvasser).await;

    // The connection drops after 300 rows, which the laptop stored.
    let (device_id, secret) = fresh
        .store
        .lock()
        .expect("store")
        .device_credential()
        .expect("read")
        .expect("enrolled");
    let client = RegistryClient::new(&campaign.registry.base_url).expect("client");
    let token = client
        .token(&device_id, &secret)
        .await
        .expect("token")
        .access_token;
    let mut reader = client.snapshot(&token, None).await.expect("snapshot");
    let mut rows = Vec::new();
    let mut all = 0_u64;
    while let Some(line) = reader.next_line().await.expect("line") {
        match line {
            SnapshotLine::Header { position, .. } => {
                fresh
                    .store
                    .lock()
                    .expect("store")
                    .begin_snapshot(position)
                    .expect("begun");
            }
            SnapshotLine::Row { key, row } => {
                all += 1;
                if rows.len() < 300 {
                    rows.push((key, row));
                }
            }
            SnapshotLine::End => break,
        }
    }
    fresh
        .store
        .lock()
        .expect("store")
        .store_snapshot_rows(&rows, jiff::Timestamp::now())
        .expect("stored");
    drop(reader);

    let report = fresh.sync().await;
    assert_eq!(
        report.snapshot_rows,
        all - 300,
        "only the rest was sent: {report:?}"
    );
    let state = fresh
        .store
        .lock()
        .expect("store")
        .snapshot_state()
        .expect("state");
    assert!(state.done);
    assert_eq!(state.rows, all);
    assert_eq!(
        fresh.stats().voters as i64,
        in_office(&campaign, "North", "voters x").await
    );

    // A resume point that is not one is refused, naming the form.
    let error = client
        .snapshot(&token, Some("turnips:12"))
        .await
        .err()
        .expect("refused");
    assert_eq!(
        error.code(),
        Some(groundgame_domain::wire::ErrorCode::Malformed),
        "{error}"
    );
}
