//! Shared harness for groundgame's cross-crate and end-to-end tests.

pub mod county;
pub mod desktop;
pub mod fault_proxy;
