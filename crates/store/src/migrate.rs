//! Schema migrations for the local database.
//!
//! The migrations are the SQL files in `migrations/local`, compiled in. The
//! version is kept in SQLite's `user_version`; each migration and its version
//! bump commit together, so a crash leaves the database at a whole version.

use crate::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/local/0001_field_office.sql"),
    include_str!("../../../migrations/local/0002_field_work.sql"),
    include_str!("../../../migrations/local/0003_queue_and_search.sql"),
    include_str!("../../../migrations/local/0004_search_prefixes.sql"),
    include_str!("../../../migrations/local/0005_search_vocabulary.sql"),
    include_str!("../../../migrations/local/0006_walk_order.sql"),
    include_str!("../../../migrations/local/0007_enrolment.sql"),
    include_str!("../../../migrations/local/0008_sync_state.sql"),
    include_str!("../../../migrations/local/0009_review_decisions.sql"),
    include_str!("../../../migrations/local/0010_registry_version.sql"),
    include_str!("../../../migrations/local/0011_office_work.sql"),
    include_str!("../../../migrations/local/0012_lease_holders.sql"),
    include_str!("../../../migrations/local/0013_targeting_indexes.sql"),
    include_str!("../../../migrations/local/0014_scripts_and_volunteers.sql"),
    include_str!("../../../migrations/local/0015_results.sql"),
    include_str!("../../../migrations/local/0016_quality.sql"),
    include_str!("../../../migrations/local/0017_quality_evidence.sql"),
];

pub(crate) fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let found = current_version(conn)?;
    let known = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let apply = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        apply(conn).map_err(|source| StoreError::Migration { version, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        run(&mut conn).expect("first run");
        run(&mut conn).expect("second run");
        assert_eq!(
            current_version(&conn).expect("version") as usize,
            MIGRATIONS.len()
        );
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        conn.pragma_update(None, "user_version", 99)
            .expect("set version");
        assert!(matches!(
            run(&mut conn),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
