//! What the app holds while it runs: where the office's database is, and the
//! open store once the user has unlocked it.

use crate::error::Error;
use groundgame_domain::ipc::{LockState, OfficeOverview, RemovalNotice};
use groundgame_store::{DemoConfig, Passphrase, Store, VolunteerView};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    pub(crate) sync: Arc<SyncFlags>,
}

/// Whether a sync is running, and how the last one ended.
#[derive(Default)]
pub struct SyncFlags {
    pub running: AtomicBool,
    pub last: Mutex<LastSync>,
}

#[derive(Default)]
pub struct LastSync {
    pub error: Option<String>,
    pub succeeded: Option<Instant>,
}

struct Inner {
    db_path: PathBuf,
    /// Fill a new database with the demo office (off for a laptop that will
    /// enrol and download its office instead).
    demo: bool,
    /// Seconds without a key or a click before the window locks the office.
    lock_after_seconds: u32,
    /// `None` until unlocked. SQLite connections are not shareable across
    /// threads, so commands take turns on the one connection, off the UI
    /// thread.
    store: Mutex<Option<Store>>,
    /// The volunteer at the keyboard: every result is recorded in their
    /// name. Locking the office (by hand or when idle) signs them out.
    signed_in: Mutex<Option<VolunteerView>>,
}

impl AppState {
    pub fn new(db_path: PathBuf, demo: bool, lock_after_seconds: u32) -> Self {
        Self {
            inner: Arc::new(Inner {
                db_path,
                demo,
                lock_after_seconds,
                store: Mutex::new(None),
                signed_in: Mutex::new(None),
            }),
            sync: Arc::default(),
        }
    }

    pub fn lock_state(&self) -> Result<LockState, Error> {
        let store = self.inner.store.lock().map_err(|_| Error::Poisoned)?;
        let removed = self.removal_notice();
        Ok(LockState {
            unlocked: store.is_some(),
            first_run: !self.inner.db_path.exists() && removed.is_none(),
            database: self.inner.db_path.display().to_string(),
            removed,
            lock_after_seconds: self.inner.lock_after_seconds,
        })
    }

    /// Closes the office: the key leaves memory with the store (it is
    /// zeroed on drop), and every command but unlocking is refused until
    /// the passphrase is typed again. The background sync waits too.
    pub fn lock(&self) -> Result<LockState, Error> {
        let store = self.inner.store.lock().map_err(|_| Error::Poisoned)?.take();
        drop(store);
        self.sign_out()?;
        self.lock_state()
    }

    /// Who is signed in on this laptop, if anyone.
    pub fn signed_in(&self) -> Result<Option<VolunteerView>, Error> {
        Ok(self
            .inner
            .signed_in
            .lock()
            .map_err(|_| Error::Poisoned)?
            .clone())
    }

    pub fn set_signed_in(&self, volunteer: VolunteerView) -> Result<(), Error> {
        tracing::info!(volunteer = %volunteer.id, "signed in");
        *self.inner.signed_in.lock().map_err(|_| Error::Poisoned)? = Some(volunteer);
        Ok(())
    }

    pub fn sign_out(&self) -> Result<(), Error> {
        if let Some(volunteer) = self
            .inner
            .signed_in
            .lock()
            .map_err(|_| Error::Poisoned)?
            .take()
        {
            tracing::info!(volunteer = %volunteer.id, "signed out");
        }
        Ok(())
    }

    /// A new passphrase for the office, typed on the unlock screen while the
    /// office is closed: the key is rewrapped, the database is not touched.
    pub fn change_passphrase(&self, current: &Passphrase, new: &Passphrase) -> Result<(), Error> {
        if self
            .inner
            .store
            .lock()
            .map_err(|_| Error::Poisoned)?
            .is_some()
        {
            return Err(Error::BadRequest(
                "lock the office before changing its passphrase".into(),
            ));
        }
        groundgame_store::change_passphrase(&self.inner.db_path, current, new)?;
        Ok(())
    }

    /// Where the notice of a wipe is kept (beside the database, which is
    /// gone): it names the campaign and office, nothing about voters.
    fn removal_path(&self) -> PathBuf {
        let mut name = self.inner.db_path.as_os_str().to_owned();
        name.push(".removed");
        PathBuf::from(name)
    }

    fn removal_notice(&self) -> Option<RemovalNotice> {
        let text = std::fs::read(self.removal_path()).ok()?;
        Some(
            serde_json::from_slice(&text).unwrap_or_else(|_| RemovalNotice {
                campaign: "the campaign".into(),
                office: "your office".into(),
                wiped_at: String::new(),
                files_wiped: 0,
                registry_told: false,
            }),
        )
    }

    /// A revoked laptop that has pushed everything: the store is closed,
    /// the database, its key and journal are wiped (the key overwritten and
    /// synced first), the registry is told, and the app shows who removed
    /// it from then on, across restarts.
    pub(crate) fn wipe_after_revocation(&self) -> Result<RemovalNotice, Error> {
        let store = self.inner.store.lock().map_err(|_| Error::Poisoned)?.take();
        let (enrolment, credential) = match &store {
            Some(store) => (store.enrolment()?, store.device_credential()?),
            None => (None, None),
        };
        drop(store);
        let wiped = groundgame_store::wipe(&self.inner.db_path)?;
        tracing::warn!(
            files = wiped.len(),
            "this laptop was revoked; its office is wiped"
        );
        let registry_told = match (&enrolment, credential) {
            (Some(enrolment), Some((device_id, secret))) => {
                crate::sync::report_wipe(&enrolment.registry_url, &device_id, &secret)
            }
            _ => false,
        };
        let notice = RemovalNotice {
            campaign: enrolment
                .as_ref()
                .map_or_else(|| "the campaign".into(), |e| e.campaign.clone()),
            office: enrolment
                .as_ref()
                .map_or_else(|| "your office".into(), |e| e.office.clone()),
            wiped_at: jiff::Timestamp::now().to_string(),
            files_wiped: u32::try_from(wiped.len()).unwrap_or(u32::MAX),
            registry_told,
        };
        let json = serde_json::to_vec_pretty(&notice)
            .map_err(|error| Error::Interrupted(error.to_string()))?;
        std::fs::write(self.removal_path(), json).map_err(|error| {
            Error::Interrupted(format!("cannot keep the removal notice: {error}"))
        })?;
        Ok(notice)
    }

    /// The person at a wiped laptop starts it afresh (to enrol again with a
    /// new code, or to open a demo office).
    pub fn dismiss_removal(&self) -> Result<LockState, Error> {
        match std::fs::remove_file(self.removal_path()) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(Error::Interrupted(format!(
                    "cannot remove the removal notice: {error}"
                )))
            }
        }
        self.lock_state()
    }

    /// Opens the database with `passphrase`; on the very first start this
    /// creates it, keyed by that passphrase, with a demo office in it so
    /// there is something to look at.
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<OfficeOverview, Error> {
        if self.removal_notice().is_some() {
            return Err(Error::BadRequest(
                "this laptop was removed from the campaign and its office wiped; start afresh first".into(),
            ));
        }
        let mut slot = self.inner.store.lock().map_err(|_| Error::Poisoned)?;
        if let Some(store) = slot.as_ref() {
            return Ok(store.overview()?);
        }
        if let Some(folder) = self.inner.db_path.parent() {
            // A failure here shows up as the open error below, which names the path.
            let _ = std::fs::create_dir_all(folder);
        }
        let mut store = Store::open(&self.inner.db_path, passphrase)?;
        if self.inner.demo && store.is_empty()? {
            store.generate_demo(&DemoConfig::default())?;
        }
        let overview = store.overview()?;
        *slot = Some(store);
        Ok(overview)
    }

    /// Runs `work` on the open store, which it may change.
    pub fn with_store_mut<T>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut slot = self.inner.store.lock().map_err(|_| Error::Poisoned)?;
        match slot.as_mut() {
            Some(store) => work(store),
            None => Err(Error::Locked),
        }
    }

    /// Runs `work` on the open store.
    pub fn with_store<T>(&self, work: impl FnOnce(&Store) -> Result<T, Error>) -> Result<T, Error> {
        let slot = self.inner.store.lock().map_err(|_| Error::Poisoned)?;
        match slot.as_ref() {
            Some(store) => work(store),
            None => Err(Error::Locked),
        }
    }
}
