//! The campaign backed up to a real S3-compatible store (moto's server)
//! and restored (issue 14): every table comes back as it was; the restored
//! registry serves the laptops that synced with the old one, which neither
//! lose nor repeat anything; and a backup cut off, altered, replaced or
//! opened with the wrong passphrase is refused with the database left empty.

use crate::contact;
use crate::fixture::Campaign;
use groundgame_domain::wire::Role;
use groundgame_registry::backup::format::Passphrase;
use groundgame_registry::backup::{self, BackupError, Location, Manifest};
use groundgame_registry::testing::{table_digests, S3Server, TestDatabase};
use object_store::{ObjectStore, PutPayload};

const PASSPHRASE: &str = "a long test passphrase";

async fn store() -> Option<S3Server> {
    let server = S3Server::start().await;
    if server.is_none() {
        eprintln!(
            "skipped: GROUNDGAME_MOTO_SERVER names no S3 server (`cargo xtask test` installs moto and sets it)"
        );
    }
    server
}

fn sealing() -> Passphrase {
    Passphrase::new(PASSPHRASE.into()).expect("passphrase")
}

fn opening(text: &str) -> Passphrase {
    Passphrase::for_opening(text.into())
}

async fn object(location: &Location, name: &str) -> Vec<u8> {
    location
        .store
        .get(&location.prefix.child(name))
        .await
        .expect("object")
        .bytes()
        .await
        .expect("bytes")
        .to_vec()
}

async fn put(location: &Location, name: &str, bytes: Vec<u8>) {
    location
        .store
        .put(&location.prefix.child(name), PutPayload::from(bytes))
        .await
        .expect("put");
}

/// `file` stored as the backup `name` under `manifest` (renamed).
async fn stored(location: &Location, name: &str, file: Vec<u8>, manifest: &Manifest) {
    put(location, &format!("{name}.ggbackup"), file).await;
    let manifest = Manifest {
        name: name.to_owned(),
        ..manifest.clone()
    };
    put(
        location,
        &format!("{name}.json"),
        serde_json::to_vec(&manifest).expect("json"),
    )
    .await;
}

/// A copy of the backup under `name` with its file replaced by `file` and
/// a manifest that vouches for it (size and SHA-256), so only the sealed
/// file itself can catch what was done to it.
async fn forged(location: &Location, manifest: &Manifest, name: &str, file: Vec<u8>) {
    use sha2::Digest;
    let sha256 = sha2::Sha256::digest(&file)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let vouching = Manifest {
        bytes: file.len() as u64,
        sha256,
        ..manifest.clone()
    };
    stored(location, name, file, &vouching).await;
}

/// The backup restored into a new, empty database.
async fn restored_fresh(
    location: &Location,
    manifest: &Manifest,
) -> (TestDatabase, backup::Restored) {
    let fresh = TestDatabase::create().await;
    let restored = backup::restore(
        &fresh.url,
        location,
        &manifest.name,
        opening(PASSPHRASE),
        &|_| {},
    )
    .await
    .expect("restored");
    (fresh, restored)
}

async fn table_count(url: &str) -> i64 {
    let pool = groundgame_registry::db::connect(url)
        .await
        .expect("connect");
    let count = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    pool.close().await;
    count
}

#[tokio::test]
async fn a_restored_backup_is_the_campaign_and_serves_its_laptops() {
    let Some(s3) = store().await else { return };
    s3.create_bucket("campaign-backups").await;
    let campaign = Campaign::new(400).await;
    let north = campaign.voters_in("North").await;
    let mut canvasser = campaign.device("North", Role::Canvasser).await;
    for (n, voter) in north.iter().take(12).enumerate() {
        canvasser.record(&contact(voter, ["canvassed", "not-home", "refused"][n % 3]));
    }
    canvasser.add_dnc(&north[20]);
    canvasser.sync().await;
    // The rollups' deltas folded, as the server does every few seconds (a
    // restore folds its own).
    groundgame_registry::stats::fold(&campaign.registry.pool)
        .await
        .expect("folded");
    let before = table_digests(&campaign.registry.pool).await;
    assert!(before["attempt_tallies"].0 > 0, "{before:?}");
    assert!(before["contact_attempts"].0 >= 12, "{before:?}");

    let location = s3.location("campaign-backups", "wake/nightly");
    let manifest = backup::backup(&campaign.registry.pool, &location, &sealing(), &|_| {})
        .await
        .expect("backed up");
    assert_eq!(
        manifest.rows,
        before
            .iter()
            .filter(|(table, _)| *table != "_sqlx_migrations"
                && !backup::DERIVED_TABLES.contains(&table.as_str()))
            .map(|(_, (rows, _))| *rows as u64)
            .sum::<u64>()
    );
    assert_eq!(
        manifest.tables["contact_attempts"],
        before["contact_attempts"].0 as u64
    );
    let listed = backup::list(&location).await.expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].manifest.as_ref(), Some(&manifest));

    // The voter data is sealed: no voter's name is in the bucket in clear.
    let sealed = object(&location, &format!("{}.ggbackup", manifest.name)).await;
    let surname: String =
        sqlx::query_scalar("SELECT last_name FROM voters WHERE last_name <> 'Seed' LIMIT 1")
            .fetch_one(&campaign.registry.pool)
            .await
            .expect("a voter");
    assert!(!String::from_utf8_lossy(&sealed).contains(&surname));

    // Restored into a new, empty database, every table is as it was.
    let (fresh, restored) = restored_fresh(&location, &manifest).await;
    assert_eq!(restored.rows, manifest.rows);
    let pool = groundgame_registry::db::connect_and_migrate(&fresh.url)
        .await
        .expect("restored registry");
    assert_eq!(table_digests(&pool).await, before);

    // A second restore into it is refused: it is no longer empty.
    let again = backup::restore(
        &fresh.url,
        &location,
        &manifest.name,
        opening(PASSPHRASE),
        &|_| {},
    )
    .await;
    assert!(matches!(again, Err(BackupError::NotEmpty(_))), "{again:?}");

    // The restored registry serves the laptop that synced with the old one:
    // its new result arrives once, and nothing it had comes back twice.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(groundgame_registry::serve(
        listener,
        pool.clone(),
        std::future::pending(),
    ));
    canvasser
        .store
        .lock()
        .expect("store")
        .set_registry_url(&format!("http://{address}"))
        .expect("pointed at the restored registry");
    let history_before = canvasser.history(&north[0]).len();
    canvasser.record(&contact(&north[30], "canvassed"));
    canvasser.sync().await;
    canvasser.sync().await;
    assert_eq!(canvasser.history(&north[0]).len(), history_before);
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM contact_attempts")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(attempts, before["contact_attempts"].0 + 1);
    server.abort();
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_the_database_stays_empty() {
    let Some(s3) = store().await else { return };
    s3.create_bucket("damaged").await;
    let campaign = Campaign::new(600).await;
    let north = campaign.voters_in("North").await;
    let mut canvasser = campaign.device("North", Role::Canvasser).await;
    for voter in north.iter().take(5) {
        canvasser.record(&contact(voter, "canvassed"));
    }
    canvasser.sync().await;
    let location = s3.location("damaged", "office");
    let manifest = backup::backup(&campaign.registry.pool, &location, &sealing(), &|_| {})
        .await
        .expect("backed up");
    let file = object(&location, &format!("{}.ggbackup", manifest.name)).await;
    assert!(file.len() > 1000, "{} bytes", file.len());

    let refused = |name: &'static str| {
        let location = &location;
        async move {
            let fresh = TestDatabase::create().await;
            let result =
                backup::restore(&fresh.url, location, name, opening(PASSPHRASE), &|_| {}).await;
            assert_eq!(
                table_count(&fresh.url).await,
                0,
                "{name} left tables behind"
            );
            result.expect_err(name)
        }
    };

    // Cut off halfway, its manifest as it was: the size gives it away.
    stored(
        &location,
        "halfway",
        file[..file.len() / 2].to_vec(),
        &manifest,
    )
    .await;
    let error = refused("halfway").await;
    assert!(matches!(error, BackupError::WrongSize { .. }), "{error}");

    // Cut off halfway with a manifest forged to match: the sealed file
    // itself lacks its last part.
    forged(
        &location,
        &manifest,
        "forged-half",
        file[..file.len() / 2].to_vec(),
    )
    .await;
    let error = refused("forged-half").await;
    assert!(
        matches!(
            error,
            BackupError::Format(
                backup::format::FormatError::CutOff(_) | backup::format::FormatError::Damaged(_)
            )
        ),
        "{error}"
    );

    // One byte changed near the end, manifest forged to match: refused
    // after every table was loaded, and nothing of them stays.
    let mut altered = file.clone();
    let at = altered.len() - 3;
    altered[at] ^= 0x20;
    forged(&location, &manifest, "altered", altered).await;
    let error = refused("altered").await;
    assert!(
        matches!(
            error,
            BackupError::Format(backup::format::FormatError::Damaged(_))
        ),
        "{error}"
    );

    // A whole, well-sealed file under a manifest that vouches for another
    // of its size: the SHA-256 gives it away, after everything loaded.
    stored(
        &location,
        "mismatched",
        file.clone(),
        &Manifest {
            sha256: "0".repeat(64),
            ..manifest.clone()
        },
    )
    .await;
    let error = refused("mismatched").await;
    assert!(matches!(error, BackupError::WrongChecksum(_)), "{error}");

    // No manifest: it never finished.
    put(&location, "unfinished.ggbackup", file.clone()).await;
    let error = refused("unfinished").await;
    assert!(matches!(error, BackupError::NoManifest { .. }), "{error}");
    let listed = backup::list(&location).await.expect("listed");
    assert!(listed
        .iter()
        .any(|backup| backup.name == "unfinished" && backup.manifest.is_none()));

    // The wrong passphrase is named as such, and loads nothing.
    let fresh = TestDatabase::create().await;
    let error = backup::restore(
        &fresh.url,
        &location,
        &manifest.name,
        opening("not the passphrase"),
        &|_| {},
    )
    .await
    .expect_err("wrong passphrase");
    assert!(
        matches!(
            error,
            BackupError::Format(backup::format::FormatError::WrongPassphrase)
        ),
        "{error}"
    );
    assert_eq!(table_count(&fresh.url).await, 0);

    // And the real one still restores.
    backup::restore(
        &fresh.url,
        &location,
        &manifest.name,
        opening(PASSPHRASE),
        &|_| {},
    )
    .await
    .expect("the whole backup restores");
}

#[tokio::test]
async fn a_backup_an_older_registry_made_is_restored_at_its_schema_then_migrated() {
    let Some(s3) = store().await else { return };
    s3.create_bucket("older").await;
    let newest = groundgame_registry::db::MIGRATOR
        .iter()
        .map(|migration| migration.version)
        .max()
        .expect("migrations");
    let older = groundgame_registry::testing::database_at(newest - 1).await;
    let pool = groundgame_registry::db::connect(&older.url)
        .await
        .expect("older registry");
    let campaign = groundgame_registry::admin::campaign(&pool, "Older campaign")
        .await
        .expect("campaign");
    groundgame_registry::testing::seed_precincts(&pool, campaign, &["P1", "P2", "P3"]).await;
    groundgame_registry::admin::create_office(
        &pool,
        campaign,
        "North",
        &["P1".into(), "P2".into()],
    )
    .await
    .expect("office");
    // One result for each seeded voter, before the registry kept rollups.
    sqlx::query(
        "INSERT INTO contact_attempts (campaign_id, id, voter_id, precinct_code, channel, result, \
         recorded_at, hlc, device_id) \
         SELECT campaign_id, 'old-' || voter_id, voter_id, precinct_code, 'door', 'canvassed', \
                '2026-11-30T18:00:00Z', '0000000001:0000:test', gen_random_uuid() \
           FROM voters WHERE campaign_id = $1",
    )
    .bind(campaign)
    .execute(&pool)
    .await
    .expect("attempts");
    let before = table_digests(&pool).await;
    let location = s3.location("older", "before-upgrade");
    let manifest = backup::backup(&pool, &location, &sealing(), &|_| {})
        .await
        .expect("backed up");
    assert_eq!(manifest.schema_version, newest - 1);

    let (fresh, restored) = restored_fresh(&location, &manifest).await;
    assert_eq!(
        restored.schema_version, newest,
        "restored at its schema, then migrated"
    );
    let after = table_digests(
        &groundgame_registry::db::connect(&fresh.url)
            .await
            .expect("restored registry"),
    )
    .await;
    for table in ["campaigns", "voters", "contact_attempts"] {
        assert_eq!(after[table], before[table], "{table}");
    }
    // The rollups the newer schema keeps are filled from the older
    // backup's results: two for North, one for no office.
    let restored = groundgame_registry::db::connect(&fresh.url)
        .await
        .expect("restored registry");
    let rollup: Vec<(i32, i64)> = sqlx::query_as(
        "SELECT cardinality(holders), sum(attempts)::bigint FROM attempt_tallies GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&restored)
    .await
    .expect("rollup");
    assert_eq!(rollup, vec![(0, 1), (1, 2)]);
}
