pub mod app;
pub mod header;
pub mod voter_table;
