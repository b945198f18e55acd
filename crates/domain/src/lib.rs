//! The vocabulary shared by every part of groundgame.
//!
//! This crate does no IO and builds for `wasm32-unknown-unknown`, so the Yew
//! front end, the desktop shell, the CLI and the registry all speak the same
//! types: a request the UI sends cannot drift from what the backend expects.

pub mod contact;
pub mod export;
pub mod feed;
pub mod hlc;
pub mod ipc;
pub mod lease;
pub mod mutation;
pub mod office;
pub mod phone;
pub mod quality;
pub mod results;
pub mod review;
pub mod segment;
pub mod snapshot;
pub mod survey;
pub mod text;
pub mod voter;
pub mod wire;
pub mod work;

pub use contact::{Channel, DncChannel, ResultCode, Scope, SurveyAnswer};
pub use hlc::Hlc;
pub use mutation::Mutation;
pub use phone::{PhoneNumber, PhoneNumberError};
pub use voter::{Party, VoterId, VoterIdError};
