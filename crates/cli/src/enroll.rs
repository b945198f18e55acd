//! `groundgame enroll`: joins this laptop to the campaign's registry.

use anyhow::Context;
use groundgame_sync::RegistryClient;
use std::path::Path;

pub(crate) fn run(
    db: &Path,
    registry: &str,
    code: &str,
    name: Option<String>,
) -> anyhow::Result<()> {
    // A new laptop enrols into a new database (its passphrase chosen now),
    // and its first sync downloads the office into it. If the enrolment
    // fails, the new database goes again: nothing is left behind.
    if db.exists() {
        return enrol(crate::open_existing(db)?, db, registry, code, name);
    }
    let store = groundgame_store::Store::open(db, &crate::passphrase(db, true)?)?;
    let outcome = enrol(store, db, registry, code, name);
    if outcome.is_err() {
        // The enrolment's own error says what went wrong; a file left over
        // here only means the next try finds a database to reuse.
        let _ = groundgame_store::wipe(db);
    }
    outcome
}

fn enrol(
    mut store: groundgame_store::Store,
    db: &Path,
    registry: &str,
    code: &str,
    name: Option<String>,
) -> anyhow::Result<()> {
    // Checked before the code is spent: a second enrolment would strand the
    // first device's credential.
    if let Some(existing) = store.enrolment()? {
        anyhow::bail!(
            "{} is already enrolled with {} as device {} ({} in {}); nothing was changed",
            db.display(),
            existing.registry_url,
            existing.device_id,
            existing.role,
            existing.office
        );
    }
    let client = RegistryClient::new(registry)?;
    let name = name.unwrap_or_else(computer_name);
    let runtime = crate::network_runtime()?;
    let enrolment = runtime.block_on(async {
        client.health().await?;
        client.enrol(code, &name).await
    })?;
    store
        .save_enrolment(registry, &name, &enrolment, jiff::Timestamp::now())
        .with_context(|| {
            format!(
                "enrolled as device {}, but cannot save the credential in {}; ask the coordinator to revoke that device and issue a new code",
                enrolment.device_id,
                db.display()
            )
        })?;
    println!(
        "enrolled {:?} with {registry}: device {}, {} in {} ({})",
        name,
        enrolment.device_id,
        enrolment.role.as_str(),
        enrolment.office,
        enrolment.campaign
    );
    Ok(())
}

/// The computer's name, which coordinators recognise in the device list.
fn computer_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "groundgame laptop".to_owned())
}
