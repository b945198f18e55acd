//! What the app holds while it runs: where the office's database is, and the
//! open store once the user has unlocked it.

use crate::error::Error;
use groundgame_domain::ipc::{LockState, OfficeOverview};
use groundgame_store::{DemoConfig, Passphrase, Store};
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
    /// `None` until unlocked. SQLite connections are not shareable across
    /// threads, so commands take turns on the one connection, off the UI
    /// thread.
    store: Mutex<Option<Store>>,
}

impl AppState {
    pub fn new(db_path: PathBuf, demo: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                db_path,
                demo,
                store: Mutex::new(None),
            }),
            sync: Arc::default(),
        }
    }

    pub fn lock_state(&self) -> Result<LockState, Error> {
        let store = self.inner.store.lock().map_err(|_| Error::Poisoned)?;
        Ok(LockState {
            unlocked: store.is_some(),
            first_run: !self.inner.db_path.exists(),
            database: self.inner.db_path.display().to_string(),
        })
    }

    /// Opens the database with `passphrase`; on the very first start this
    /// creates it, keyed by that passphrase, with a demo office in it so
    /// there is something to look at.
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<OfficeOverview, Error> {
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
