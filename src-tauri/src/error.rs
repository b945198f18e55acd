//! The error every command returns. It reaches the UI as the shared
//! `IpcError` shape: a kind to branch on and a sentence to show.

use groundgame_domain::ipc::{IpcError, IpcErrorKind};
use groundgame_store::StoreError;
use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the field office is locked; enter its passphrase first")]
    Locked,
    #[error("the database is unavailable after an earlier failure; restart groundgame")]
    Poisoned,
    #[error("the request was interrupted: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Import(#[from] groundgame_store::ImportError),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Sync(groundgame_sync::SyncError),
}

impl Error {
    fn to_ipc(&self) -> IpcError {
        let kind = match self {
            Self::Store(StoreError::WrongPassphrase) => IpcErrorKind::WrongPassphrase,
            Self::Store(StoreError::WeakPassphrase { .. }) => IpcErrorKind::BadRequest,
            Self::Locked => IpcErrorKind::Locked,
            Self::Store(StoreError::Invalid(_) | StoreError::NotFound(_)) | Self::BadRequest(_) => {
                IpcErrorKind::BadRequest
            }
            Self::Import(_) => IpcErrorKind::BadRequest,
            Self::Sync(groundgame_sync::SyncError::Locked) => IpcErrorKind::Locked,
            Self::Sync(error) if error.is_retryable() => IpcErrorKind::Offline,
            Self::Sync(_) => IpcErrorKind::BadRequest,
            Self::Store(_) | Self::Poisoned | Self::Interrupted(_) => IpcErrorKind::Storage,
        };
        IpcError {
            kind,
            message: self.to_string(),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_ipc().serialize(serializer)
    }
}
