pub mod app;
pub mod header;
pub mod office;
pub mod unlock;
pub mod voter_table;
