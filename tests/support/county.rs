//! A campaign on a registry's database with an NC voter file loaded and one
//! office covering every precinct: the starting point of the tests that
//! sync laptops against a registry.

use groundgame_registry::{admin, voter_file};
use groundgame_voterfile::{Layout, VoterFile};
use std::path::Path;
use uuid::Uuid;

/// Loads `file` (NC layout) into campaign `name` and opens office `office`
/// over all its precincts; returns the campaign and the precincts.
pub async fn one_office_campaign(
    pool: &sqlx::PgPool,
    name: &str,
    office: &str,
    file: &Path,
) -> (Uuid, Vec<String>) {
    let campaign = admin::campaign(pool, name).await.expect("campaign");
    voter_file::load(
        pool,
        campaign,
        VoterFile::open(file, &Layout::NcVoter).expect("opens"),
        &Layout::NcVoter,
        false,
        |_, _| {},
    )
    .await
    .expect("loads");
    let precincts = admin::voter_file_precincts(pool, campaign)
        .await
        .expect("precincts");
    admin::create_office(pool, campaign, office, &precincts)
        .await
        .expect("office");
    (campaign, precincts)
}

/// A registry on a fresh database holding an invented county of `voters`
/// (written to `dir` as an NC file, which laptops import too) with one
/// office, "County", over all of it.
pub struct CountyRegistry {
    pub registry: groundgame_registry::testing::TestRegistry,
    pub file: std::path::PathBuf,
    pub campaign: Uuid,
    pub precincts: Vec<String>,
}

impl CountyRegistry {
    pub async fn spawn(dir: &Path, voters: u64) -> Self {
        use groundgame_voterfile::generate::{self, Population};
        let file = dir.join("ncvoter92.txt");
        generate::write_nc_voter(
            &Population::new(voters),
            "WAKE",
            std::fs::File::create(&file).expect("create file"),
        )
        .expect("generate");
        let registry = groundgame_registry::testing::TestRegistry::spawn().await;
        let (campaign, precincts) =
            one_office_campaign(&registry.pool, "County party", "County", &file).await;
        Self {
            registry,
            file,
            campaign,
            precincts,
        }
    }
}

impl CountyRegistry {
    /// A laptop's encrypted database at `db` that imported the county file.
    pub fn laptop(
        &self,
        db: &Path,
        passphrase: &groundgame_store::Passphrase,
    ) -> groundgame_store::Store {
        let mut store = groundgame_store::Store::open(db, passphrase).expect("create office");
        store
            .import(
                VoterFile::open(&self.file, &Layout::NcVoter).expect("opens"),
                &Layout::NcVoter,
                groundgame_store::ImportOptions::default(),
                jiff::Timestamp::now(),
                |_| {},
            )
            .expect("imports");
        store
    }

    /// Enrols `store` in the office as `role`, as `groundgame enroll` would.
    pub async fn enrol(
        &self,
        store: &mut groundgame_store::Store,
        role: groundgame_domain::wire::Role,
        name: &str,
    ) {
        let code = groundgame_registry::identity::issue_code(
            &self.registry.pool,
            self.campaign,
            "County",
            role,
            24,
        )
        .await
        .expect("code");
        let client = groundgame_sync::RegistryClient::new(&self.registry.base_url).expect("client");
        let enrolment = client.enrol(&code, name).await.expect("enrols");
        store
            .save_enrolment(
                &self.registry.base_url,
                name,
                &enrolment,
                jiff::Timestamp::now(),
            )
            .expect("saved");
    }
}
