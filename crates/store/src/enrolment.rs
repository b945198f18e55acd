//! This laptop's enrolment with the campaign's registry.

use crate::clock::stamp;
use crate::outbox::audit;
use crate::{Store, StoreError};
use groundgame_domain::wire::Enrolment;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// What the laptop knows of its enrolment (the secret is not in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolmentRecord {
    pub registry_url: String,
    pub device_id: String,
    pub device_name: String,
    pub campaign: String,
    pub office: String,
    pub role: String,
    pub enrolled_at: String,
}

impl Store {
    /// The registry this laptop is enrolled with, if any.
    pub fn enrolment(&self) -> Result<Option<EnrolmentRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT registry_url, device_id, device_name, campaign, office, role, enrolled_at \
                 FROM enrolment WHERE id = 1",
                [],
                |row| {
                    Ok(EnrolmentRecord {
                        registry_url: row.get(0)?,
                        device_id: row.get(1)?,
                        device_name: row.get(2)?,
                        campaign: row.get(3)?,
                        office: row.get(4)?,
                        role: row.get(5)?,
                        enrolled_at: row.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// The device id and secret sync trades for access tokens.
    pub fn device_credential(&self) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT device_id, device_secret FROM enrolment WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    /// Keeps the credential a registry just issued. A laptop is enrolled
    /// once: a second enrolment would orphan the first device's pushes.
    pub fn save_enrolment(
        &mut self,
        registry_url: &str,
        device_name: &str,
        enrolment: &Enrolment,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let inserted = tx.execute(
            "INSERT INTO enrolment (id, registry_url, device_id, device_secret, device_name, \
             campaign, office, role, enrolled_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (id) DO NOTHING",
            params![
                registry_url,
                enrolment.device_id,
                enrolment.device_secret,
                device_name,
                enrolment.campaign,
                enrolment.office,
                enrolment.role.as_str(),
                stamp(now)
            ],
        )?;
        if inserted == 0 {
            return Err(StoreError::Invalid(
                "this office database is already enrolled with a registry".into(),
            ));
        }
        audit(
            &tx,
            now,
            "coordinator",
            "enrol",
            &format!(
                "device {} at {registry_url}, {} in {}",
                enrolment.device_id,
                enrolment.role.as_str(),
                enrolment.office
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Points this laptop at the registry's new address (a campaign moved
    /// its registry, or a local one for a training day). The credential is
    /// kept: it is the same registry under another name.
    pub fn set_registry_url(&mut self, registry_url: &str) -> Result<(), StoreError> {
        let url = registry_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(StoreError::Invalid(format!(
                "the registry address must start with http:// or https://; got {url:?}"
            )));
        }
        let changed = self.conn.execute(
            "UPDATE enrolment SET registry_url = ?1 WHERE id = 1",
            params![url],
        )?;
        if changed == 0 {
            return Err(StoreError::Invalid(
                "this laptop is not enrolled yet; enrol it with a code from your coordinator"
                    .into(),
            ));
        }
        Ok(())
    }
}
