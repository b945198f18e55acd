//! What the app holds while it runs: the open field-office store.

use groundgame_store::{DemoConfig, Store, StoreError};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub struct AppState {
    /// SQLite connections are not shareable across threads; commands take
    /// turns on the one connection, off the UI thread.
    pub store: Arc<Mutex<Store>>,
}

impl AppState {
    /// Opens the office's database, creating the folder and, on the very
    /// first run, a demo office so there is something to look at.
    pub fn open(db_path: &Path) -> Result<Self, StoreError> {
        if let Some(folder) = db_path.parent() {
            // A failure here shows up as the open error below, which names the path.
            let _ = std::fs::create_dir_all(folder);
        }
        let mut store = Store::open(db_path)?;
        if store.is_empty()? {
            store.generate_demo(&DemoConfig::default())?;
        }
        Ok(Self {
            store: Arc::new(Mutex::new(store)),
        })
    }
}
