//! A campaign on a real registry with two offices, and laptops enrolled in
//! them, each holding the same generated county file the registry loaded.

use groundgame_domain::lease::LeaseTarget;
use groundgame_domain::review::{ReviewAction, ReviewDecision, ReviewList, ReviewResolution};
use groundgame_domain::wire::{LeaseResponse, PullResponse, PushMutation, PushResponse, Role};
use groundgame_domain::{DncChannel, Scope, VoterId};
use groundgame_registry::admin::{self, Stats};
use groundgame_registry::db::QueryLimits;
use groundgame_registry::testing::TestRegistry;
use groundgame_registry::{identity, voter_file};
use groundgame_store::{
    ContactHistoryEntry, DncEntry, ImportOptions, NewContact, OutboxEntry, Store, VoterDetail,
};
use groundgame_sync::retry::Backoff;
use groundgame_sync::{RegistryClient, SyncError, SyncOptions, SyncReport};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use jiff::Timestamp;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

pub struct Campaign {
    pub registry: TestRegistry,
    pub id: Uuid,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

/// Tests retry quickly: the backoff itself is tested in the sync crate.
pub fn fast_sync() -> SyncOptions {
    SyncOptions {
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(50),
            attempts: 3,
        },
        ..SyncOptions::default()
    }
}

impl Campaign {
    /// A registry with `voters` generated Wake County voters, split into
    /// two offices by precinct: North (the first half) and South.
    pub async fn new(voters: u64) -> Self {
        Self::with_limits(voters, QueryLimits::default()).await
    }

    /// The same campaign on a registry whose statements and lock waits are
    /// cut off at `limits`.
    pub async fn with_limits(voters: u64, limits: QueryLimits) -> Self {
        Self::on(TestRegistry::spawn_with(limits).await, voters).await
    }

    /// The same campaign on a registry with no rate limits or in-flight
    /// bound (what an API fuzzer needs to reach the handlers' logic).
    pub async fn unlimited(voters: u64) -> Self {
        let registry = TestRegistry::spawn_configured(
            QueryLimits::default(),
            groundgame_registry::http::Config::unlimited(),
        )
        .await;
        Self::on(registry, voters).await
    }

    async fn on(registry: TestRegistry, voters: u64) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("ncvoter92.txt");
        let mut bytes = Vec::new();
        generate::write_nc_voter(&Population::new(voters), "WAKE", &mut bytes).expect("generate");
        std::fs::write(&file, bytes).expect("write");
        let id = admin::campaign(&registry.pool, "Test campaign")
            .await
            .expect("campaign");
        let opened = VoterFile::open(&file, &Layout::NcVoter).expect("opens");
        voter_file::load(
            &registry.pool,
            id,
            opened,
            &Layout::NcVoter,
            false,
            |_, _| {},
        )
        .await
        .expect("loads");
        let precincts: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT precinct_code FROM voters WHERE precinct_code IS NOT NULL ORDER BY 1",
        )
        .fetch_all(&registry.pool)
        .await
        .expect("precincts");
        assert!(
            precincts.len() >= 2,
            "the generator makes several precincts"
        );
        let (north, south) = precincts.split_at(precincts.len() / 2);
        admin::create_office(&registry.pool, id, "North", north)
            .await
            .expect("north");
        admin::create_office(&registry.pool, id, "South", south)
            .await
            .expect("south");
        Self {
            registry,
            id,
            file,
            _dir: dir,
        }
    }

    /// A laptop holding the county file, enrolled in `office`.
    pub async fn device(&self, office: &str, role: Role) -> Device {
        let name = format!("{office}-{}", Uuid::now_v7().simple());
        let device = Device::unenrolled(self, &name);
        self.enrol(device, office, role).await
    }

    /// A new laptop with nothing on it, enrolled in `office`: its first
    /// sync downloads the office.
    pub async fn fresh_device(&self, office: &str, role: Role) -> Device {
        let name = format!("{office}-fresh-{}", Uuid::now_v7().simple());
        let device = Device {
            name,
            device_id: String::new(),
            store: Mutex::new(Store::open_in_memory().expect("store")),
            options: fast_sync(),
            skew: jiff::SignedDuration::ZERO,
        };
        self.enrol(device, office, role).await
    }

    async fn enrol(&self, mut device: Device, office: &str, role: Role) -> Device {
        let name = device.name.clone();
        let code = identity::issue_code(&self.registry.pool, self.id, office, role, 24)
            .await
            .expect("code");
        let client = RegistryClient::new(&self.registry.base_url).expect("client");
        let enrolment = client.enrol(&code, &name).await.expect("enrols");
        device.device_id = enrolment.device_id.clone();
        device
            .store
            .get_mut()
            .expect("store")
            .save_enrolment(&self.registry.base_url, &name, &enrolment, Timestamp::now())
            .expect("saved");
        device
    }

    /// Voter ids in an office's precincts, in a fixed order.
    pub async fn voters_in(&self, office: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT v.voter_id FROM voters v JOIN office_precincts p \
               ON p.campaign_id = v.campaign_id AND p.precinct_code = v.precinct_code \
             JOIN offices o ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
             WHERE o.name = $1 ORDER BY v.voter_id",
        )
        .bind(office)
        .fetch_all(&self.registry.pool)
        .await
        .expect("voters")
    }

    /// A voter of the office with a phone only they list.
    pub async fn voter_with_phone(&self, office: &str) -> (String, String) {
        sqlx::query_as(
            "SELECT ph.voter_id, ph.number FROM phones ph JOIN voters v \
               ON v.campaign_id = ph.campaign_id AND v.voter_id = ph.voter_id \
             JOIN office_precincts p ON p.campaign_id = v.campaign_id AND p.precinct_code = v.precinct_code \
             JOIN offices o ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
             WHERE o.name = $1 AND (SELECT count(*) FROM phones x WHERE x.number = ph.number) = 1 \
             ORDER BY ph.voter_id LIMIT 1",
        )
        .bind(office)
        .fetch_one(&self.registry.pool)
        .await
        .expect("a voter with a phone")
    }

    /// An office's precinct codes.
    pub async fn precincts(&self, office: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT p.precinct_code FROM office_precincts p JOIN offices o \
               ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
             WHERE o.name = $1 ORDER BY 1",
        )
        .bind(office)
        .fetch_all(&self.registry.pool)
        .await
        .expect("precincts")
    }

    /// Every lease on the registry runs out now (time passing, offline).
    pub async fn expire_leases(&self) {
        sqlx::query("UPDATE leases SET expires_at = now() - interval '1 second'")
            .execute(&self.registry.pool)
            .await
            .expect("expired");
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.registry.pool)
            .await
            .expect("count")
    }

    pub async fn stats(&self) -> Stats {
        admin::stats(&self.registry.pool, self.id)
            .await
            .expect("stats")
    }

    pub async fn revoke(&self, device: &Device) {
        identity::revoke(&self.registry.pool, self.id, &device.device_id)
            .await
            .expect("revoked");
    }
}

/// One laptop: its encrypted store (in memory here) and its enrolment.
pub struct Device {
    pub name: String,
    pub device_id: String,
    pub store: Mutex<Store>,
    pub options: SyncOptions,
    /// How far this laptop's wall clock is off (the brief: up to 12 hours).
    pub skew: jiff::SignedDuration,
}

impl Device {
    /// A laptop that imported the county file and never enrolled.
    pub fn unenrolled(campaign: &Campaign, name: &str) -> Self {
        let mut store = Store::open_in_memory().expect("store");
        store
            .import(
                VoterFile::open(&campaign.file, &Layout::NcVoter).expect("opens"),
                &Layout::NcVoter,
                ImportOptions::default(),
                Timestamp::now(),
                |_| {},
            )
            .expect("imports");
        Self {
            name: name.to_owned(),
            device_id: String::new(),
            store: Mutex::new(store),
            options: fast_sync(),
            skew: jiff::SignedDuration::ZERO,
        }
    }

    /// This laptop's idea of now.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .saturating_add(self.skew)
            .unwrap_or_else(|_| Timestamp::now())
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("store")
    }

    pub fn record(&mut self, contact: &NewContact) {
        self.store()
            .record_contact(contact, self.now())
            .expect("recorded");
    }

    pub fn add_dnc(&mut self, voter: &str) {
        self.store()
            .add_dnc(
                Scope::Person,
                voter,
                DncChannel::All,
                "voter asked",
                self.now(),
            )
            .expect("opt-out");
    }

    pub fn correct(&mut self, voter: &str, field: &str, value: &str) {
        self.store()
            .correct_voter_field(
                &VoterId::parse(voter).expect("id"),
                field,
                value,
                self.now(),
            )
            .expect("corrected");
    }

    pub async fn try_sync(&mut self) -> Result<SyncReport, SyncError> {
        groundgame_sync::sync(&self.store, self.options, &mut |_| {}).await
    }

    pub async fn sync(&mut self) -> SyncReport {
        match self.try_sync().await {
            Ok(report) => report,
            Err(error) => panic!("{} could not sync: {error}", self.name),
        }
    }

    pub fn outbox(&self) -> Vec<PushMutation> {
        self.store().outbox_batch(500).expect("outbox")
    }

    /// A fresh access token, as sync would get one.
    pub async fn token(&self) -> Result<(RegistryClient, String), SyncError> {
        let enrolment = self.store().enrolment().expect("read").expect("enrolled");
        let (device_id, secret) = self
            .store()
            .device_credential()
            .expect("read")
            .expect("enrolled");
        let client = RegistryClient::new(&enrolment.registry_url)?;
        let token = client.token(&device_id, &secret).await?;
        Ok((client, token.access_token))
    }

    /// The review queue as this laptop's coordinator sees it.
    pub async fn review(&self) -> Result<ReviewList, SyncError> {
        groundgame_sync::review::open_items(&self.store, 0, 200).await
    }

    /// A coordinator's decision from this laptop.
    pub async fn decide(
        &self,
        id: i64,
        action: ReviewAction,
    ) -> Result<ReviewResolution, SyncError> {
        let decision = ReviewDecision {
            action,
            note: Some("checked with the office".into()),
        };
        groundgame_sync::review::decide(&self.store, id, &decision).await
    }

    /// A push straight to the registry, bypassing the engine (for faults).
    pub async fn push_raw(&self, batch: Vec<PushMutation>) -> Result<PushResponse, SyncError> {
        let (client, token) = self.token().await?;
        client.push(&token, batch).await
    }

    pub async fn lease_raw(&self, targets: Vec<LeaseTarget>) -> Result<LeaseResponse, SyncError> {
        let (client, token) = self.token().await?;
        client.lease(&token, targets, 3_600).await
    }

    pub async fn pull_raw(&self, after: i64) -> Result<PullResponse, SyncError> {
        let (client, token) = self.token().await?;
        client.pull(&token, after, 1_000).await
    }

    /// Points the laptop at a port nothing listens on.
    pub fn point_at_closed_port(&mut self) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        self.store()
            .set_registry_url(&format!("http://127.0.0.1:{port}"))
            .expect("saved");
    }

    pub fn pending(&self) -> u64 {
        self.store().pending_changes().expect("pending")
    }

    pub fn stats(&self) -> groundgame_store::Stats {
        self.store().stats().expect("stats")
    }

    pub fn history(&self, voter: &str) -> Vec<ContactHistoryEntry> {
        self.store()
            .contact_history(&VoterId::parse(voter).expect("id"))
            .expect("history")
    }

    pub fn dnc(&self, voter: &str) -> Vec<DncEntry> {
        self.store().dnc_for_voter(voter).expect("dnc")
    }

    pub fn detail(&self, voter: &str) -> VoterDetail {
        self.store()
            .voter_detail(&VoterId::parse(voter).expect("id"))
            .expect("detail")
    }

    pub fn phone_status(&self, voter: &str, number: &str) -> String {
        self.detail(voter)
            .phones
            .into_iter()
            .find(|phone| phone.number == number)
            .map(|phone| phone.status)
            .unwrap_or_default()
    }

    pub fn needs_attention(&self) -> Vec<OutboxEntry> {
        self.store().needs_attention().expect("list")
    }
}
