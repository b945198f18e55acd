//! The office's volunteers as this laptop holds them, and signing in: a
//! shared laptop knows who is at the keyboard, so every result says who
//! made it. The roster is a coordinator's to change (and is synced like the
//! office's other work); anyone may sign in.

use crate::clock::{new_id, stamp};
use crate::outbox::{append, check_role};
use crate::script::{all, one, store_volunteer, RecordKind};
use crate::{Store, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use groundgame_domain::mutation::MutationKind;
use groundgame_domain::survey::{check_pin, language_code, VolunteerRecord, VolunteerView};
use groundgame_domain::wire::Role;
use groundgame_domain::work::WorkKind;
use groundgame_domain::Mutation;
use jiff::Timestamp;
use rand::RngCore;
use rusqlite::Connection;

/// What a coordinator sets for a volunteer; `None` keeps what is there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerChange {
    pub name: Option<String>,
    pub contact: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub languages: Option<Vec<String>>,
    /// `Some(None)` takes the PIN away.
    pub pin: Option<Option<String>>,
    pub retired: Option<bool>,
}

fn hash_pin(pin: &str) -> Result<String, StoreError> {
    check_pin(pin).map_err(StoreError::Invalid)?;
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|error| StoreError::Invalid(format!("cannot salt the PIN: {error}")))?;
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| StoreError::Invalid(format!("cannot hash the PIN: {error}")))
}

/// The languages as codes, each once.
fn languages(given: &[String]) -> Result<Vec<String>, StoreError> {
    let mut codes: Vec<String> = Vec::new();
    for language in given {
        let code = language_code(language).map_err(StoreError::Invalid)?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Each volunteer's name by roster id, retired ones included: how results
/// recorded by id are shown.
pub(crate) fn names(
    conn: &Connection,
) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    Ok(roster(conn)?
        .into_iter()
        .map(|volunteer| (volunteer.volunteer_id, volunteer.name))
        .collect())
}

/// The office's volunteers, retired ones included, by name.
pub(crate) fn roster(conn: &Connection) -> Result<Vec<VolunteerRecord>, StoreError> {
    all(conn, RecordKind::Volunteer, None)
}

/// The live volunteer called `name` (case does not matter), or an error
/// naming those there are.
pub(crate) fn named(conn: &Connection, name: &str) -> Result<VolunteerRecord, StoreError> {
    let roster = roster(conn)?;
    let wanted = name.trim().to_lowercase();
    roster
        .iter()
        .find(|v| !v.retired && v.name.to_lowercase() == wanted)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = roster
                .iter()
                .filter(|v| !v.retired)
                .map(|v| v.name.as_str())
                .collect();
            StoreError::NotFound(format!(
                "there is no volunteer named {:?} in this office; the volunteers are: {}",
                name.trim(),
                if names.is_empty() {
                    "none yet (a coordinator adds them with `groundgame volunteer add`)".to_owned()
                } else {
                    names.join(", ")
                }
            ))
        })
}

/// The live volunteer with this id, for recording a result in their name.
pub(crate) fn by_id(conn: &Connection, id: &str) -> Result<VolunteerRecord, StoreError> {
    match one::<VolunteerRecord>(conn, RecordKind::Volunteer, id)? {
        Some(volunteer) if !volunteer.retired => Ok(volunteer),
        Some(volunteer) => Err(StoreError::Invalid(format!(
            "{} is retired from this office's volunteers; a coordinator can restore them",
            volunteer.name
        ))),
        None => Err(StoreError::NotFound(format!(
            "no volunteer {id} in this office (sign in again)"
        ))),
    }
}

impl Store {
    /// The office's volunteers, by name (retired ones too, marked).
    pub fn volunteers(&self) -> Result<Vec<VolunteerView>, StoreError> {
        Ok(roster(&self.conn)?
            .iter()
            .map(VolunteerView::from)
            .collect())
    }

    /// The live volunteer of that name, or an error naming those there are.
    pub fn volunteer_named(&self, name: &str) -> Result<VolunteerView, StoreError> {
        named(&self.conn, name).map(|v| VolunteerView::from(&v))
    }

    /// Adds a volunteer to the office's roster.
    pub fn add_volunteer(
        &mut self,
        name: &str,
        roles: &[Role],
        languages: &[String],
        contact: Option<&str>,
        pin: Option<&str>,
        now: Timestamp,
    ) -> Result<VolunteerView, StoreError> {
        let record = VolunteerRecord {
            volunteer_id: new_id(),
            name: name.trim().to_owned(),
            contact: contact
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            roles: roles.to_vec(),
            languages: self::languages(languages)?,
            pin: pin.map(hash_pin).transpose()?,
            retired: false,
            recorded_at: stamp(now),
        };
        self.save_volunteer(record, None, now)
    }

    /// Changes a volunteer (by their current name).
    pub fn edit_volunteer(
        &mut self,
        name: &str,
        change: &VolunteerChange,
        now: Timestamp,
    ) -> Result<VolunteerView, StoreError> {
        let wanted = name.trim().to_lowercase();
        let mut record = roster(&self.conn)?
            .into_iter()
            .find(|v| v.name.to_lowercase() == wanted)
            .map_or_else(|| named(&self.conn, name), Ok)?;
        let id = record.volunteer_id.clone();
        if let Some(new) = &change.name {
            record.name = new.trim().to_owned();
        }
        if let Some(contact) = &change.contact {
            record.contact = Some(contact.trim().to_owned()).filter(|c| !c.is_empty());
        }
        if let Some(roles) = &change.roles {
            record.roles = roles.clone();
        }
        if let Some(given) = &change.languages {
            record.languages = languages(given)?;
        }
        if let Some(pin) = &change.pin {
            record.pin = pin.as_deref().map(hash_pin).transpose()?;
        }
        if let Some(retired) = change.retired {
            record.retired = retired;
        }
        record.recorded_at = stamp(now);
        self.save_volunteer(record, Some(&id), now)
    }

    fn save_volunteer(
        &mut self,
        record: VolunteerRecord,
        editing: Option<&str>,
        now: Timestamp,
    ) -> Result<VolunteerView, StoreError> {
        record.validate().map_err(StoreError::Invalid)?;
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveVolunteer)?;
        let clash = roster(&tx)?.into_iter().find(|v| {
            !v.retired
                && Some(v.volunteer_id.as_str()) != editing
                && v.name.to_lowercase() == record.name.to_lowercase()
        });
        if clash.is_some() && !record.retired {
            return Err(StoreError::Invalid(format!(
                "there is already a volunteer named {:?}; give this one a fuller name",
                record.name
            )));
        }
        store_volunteer(&tx, &record)?;
        append(&tx, &Mutation::SaveVolunteer(record.clone()), now)?;
        tx.commit()?;
        tracing::info!(volunteer = %record.volunteer_id, "volunteer saved");
        Ok(VolunteerView::from(&record))
    }

    /// Checks who is signing in: their name and, if the coordinator set
    /// one, their PIN. The laptop's shell keeps who is signed in.
    pub fn sign_in(&self, name: &str, pin: Option<&str>) -> Result<VolunteerView, StoreError> {
        let volunteer = named(&self.conn, name)?;
        if let Some(hash) = &volunteer.pin {
            let Some(pin) = pin.filter(|p| !p.is_empty()) else {
                return Err(StoreError::Invalid(format!(
                    "{} signs in with a PIN",
                    volunteer.name
                )));
            };
            let parsed = PasswordHash::new(hash).map_err(|error| {
                StoreError::Corrupt(format!("{}'s PIN cannot be read: {error}", volunteer.name))
            })?;
            if argon2::Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_err()
            {
                return Err(StoreError::Invalid(format!(
                    "that is not {}'s PIN",
                    volunteer.name
                )));
            }
        }
        Ok(VolunteerView::from(&volunteer))
    }

    /// Who is at the keyboard (a roster id, checked), or nobody: what this
    /// laptop records from now on is in their name.
    pub fn act_as(&mut self, volunteer: Option<&str>) -> Result<(), StoreError> {
        if let Some(id) = volunteer {
            by_id(&self.conn, id)?;
        }
        self.acting = volunteer.map(str::to_owned);
        Ok(())
    }

    /// The name of the volunteer this laptop records in the name of.
    pub fn acting_name(&self) -> Result<Option<String>, StoreError> {
        match &self.acting {
            Some(id) => Ok(Some(by_id(&self.conn, id)?.name)),
            None => Ok(None),
        }
    }

    /// The volunteer this laptop records in the name of, if any.
    pub fn acting(&self) -> Option<&str> {
        self.acting.as_deref()
    }

    /// Assigns a list or turf to volunteers (by name; none: to nobody).
    pub fn assign(
        &mut self,
        work: WorkKind,
        row: i64,
        names: &[String],
        now: Timestamp,
    ) -> Result<Vec<VolunteerView>, StoreError> {
        let volunteers = names
            .iter()
            .map(|name| named(&self.conn, name))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<String> = volunteers.iter().map(|v| v.volunteer_id.clone()).collect();
        self.set_up(work, row, now, |setup| setup.volunteers = ids)?;
        Ok(volunteers.iter().map(VolunteerView::from).collect())
    }

    /// The volunteers a list or turf is assigned to.
    pub fn assigned(&self, work: WorkKind, row: i64) -> Result<Vec<VolunteerView>, StoreError> {
        let Some(setup) = crate::script::setup_of(&self.conn, work, row)? else {
            return Ok(Vec::new());
        };
        let roster = roster(&self.conn)?;
        Ok(setup
            .volunteers
            .iter()
            .filter_map(|id| roster.iter().find(|v| &v.volunteer_id == id))
            .map(VolunteerView::from)
            .collect())
    }
}
