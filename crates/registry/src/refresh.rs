//! A voter-file load reaching the laptops in the field: what the load wrote,
//! as bulk `voter_file` changes in the feed, precinct by precinct (see
//! `docs/sync-protocol.md`, "Voter-file refreshes").
//!
//! The load records what it writes in four temporary tables as it writes it
//! ([`TRACKING`]); [`emit`] turns them into changes at the end of the same
//! transaction. Only precincts some office covers are tracked and sent
//! ([`watched`]): a laptop exists only in an office, and an office made
//! after the load takes a snapshot that already holds it (the load holds a
//! lock on `office_precincts` from the moment it reads them to its commit,
//! so no office is made in between). A county's first load, before any
//! office, costs nothing here.

use crate::feed::{self, NewChange};
use crate::snapshot::{
    vote_from, HouseholdRow, VoteTuple, VoterRow, HOUSEHOLD_COLUMNS, VOTER_COLUMNS,
};
use groundgame_domain::feed::{
    FeedRow, FeedVoterFile, VoterFileRecord, VoterMovedOut, VOTER_FILE_CHANGE_BYTES,
};
use groundgame_domain::snapshot::SnapshotPhone;
use sqlx::PgConnection;
use uuid::Uuid;

/// The tables a load fills as it writes, dropped at commit.
/// - `refresh_arrived`: voters new to their precinct (new to the campaign,
///   back after a removal, or moved), with the precinct they left; filled
///   from the staged file before voters are written.
/// - `refresh_voters`: every voter record the load wrote or removed, with
///   the precinct it is in now.
///
/// Each holds only rows about watched precincts.
/// - `refresh_phones`, `refresh_votes`: numbers and votes it added or changed.
pub const TRACKING: &str = "
    CREATE TEMP TABLE refresh_arrived (voter_id text PRIMARY KEY, left_precinct text) ON COMMIT DROP;
    CREATE TEMP TABLE refresh_voters (voter_id text PRIMARY KEY, precinct_code text) ON COMMIT DROP;
    CREATE TEMP TABLE refresh_phones (voter_id text, number text, precinct_code text) ON COMMIT DROP;
    CREATE TEMP TABLE refresh_votes (voter_id text, election_date date, election_type text,
                                     precinct_code text) ON COMMIT DROP;";

/// What reached the feed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Changes appended (each a few hundred records of one precinct).
    pub changes: u64,
    /// Voter records in them (moves out included).
    pub voters: u64,
    /// Every record: households, voters, phones, votes, moves out.
    pub records: u64,
    /// Precincts they are about.
    pub precincts: u64,
}

/// The precincts some office covers, read under a lock held to commit: an
/// office made while the load runs waits for it, and its laptops'
/// snapshots then see the load whole. A load tracks and sends only these.
pub async fn watched(conn: &mut PgConnection, campaign: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("LOCK TABLE office_precincts IN SHARE MODE")
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "SELECT DISTINCT precinct_code FROM office_precincts WHERE campaign_id = $1 ORDER BY 1",
    )
    .bind(campaign)
    .fetch_all(&mut *conn)
    .await
}

/// Appends the load's changes to the feed. Call it last in the load's
/// transaction, after every write the tracking tables record.
pub async fn emit(
    conn: &mut PgConnection,
    campaign: Uuid,
    watched: &[String],
) -> Result<Sent, sqlx::Error> {
    if watched.is_empty() {
        return Ok(Sent::default());
    }
    for index in [
        "CREATE INDEX ON refresh_voters (precinct_code)",
        "CREATE INDEX ON refresh_phones (precinct_code)",
        "CREATE INDEX ON refresh_votes (precinct_code)",
        "ANALYZE refresh_arrived, refresh_voters, refresh_phones, refresh_votes",
    ] {
        sqlx::query(index).execute(&mut *conn).await?;
    }
    let mut sent = Sent::default();

    // Every move out first, so that an office covering both the precinct a
    // voter left and the one they went to applies the leaving before the
    // arriving, whatever the two precincts' order.
    let moves: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT a.left_precinct, v.voter_id, v.version FROM refresh_arrived a \
         JOIN refresh_voters r ON r.voter_id = a.voter_id \
         JOIN voters v ON v.campaign_id = $1 AND v.voter_id = a.voter_id \
         WHERE a.left_precinct = ANY($2) ORDER BY 1, 2",
    )
    .bind(campaign)
    .bind(watched)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_precinct: Vec<(String, Vec<VoterFileRecord>)> = Vec::new();
    for (precinct, voter_id, version) in moves {
        let record = VoterFileRecord::MovedOut(VoterMovedOut { voter_id, version });
        match by_precinct.last_mut() {
            Some((last, records)) if *last == precinct => records.push(record),
            _ => by_precinct.push((precinct, vec![record])),
        }
    }
    for (precinct, records) in by_precinct {
        append(conn, campaign, &precinct, records, &mut sent).await?;
    }

    let precincts: Vec<String> = sqlx::query_scalar(
        "SELECT precinct_code FROM refresh_voters WHERE precinct_code = ANY($1) \
         UNION SELECT precinct_code FROM refresh_phones WHERE precinct_code = ANY($1) \
         UNION SELECT precinct_code FROM refresh_votes WHERE precinct_code = ANY($1) \
         ORDER BY 1",
    )
    .bind(watched)
    .fetch_all(&mut *conn)
    .await?;
    for precinct in precincts {
        let records = precinct_records(conn, campaign, &precinct).await?;
        append(conn, campaign, &precinct, records, &mut sent).await?;
    }
    Ok(sent)
}

async fn append(
    conn: &mut PgConnection,
    campaign: Uuid,
    precinct: &str,
    records: Vec<VoterFileRecord>,
    sent: &mut Sent,
) -> Result<(), sqlx::Error> {
    let packed = FeedVoterFile::pack(precinct, records, VOTER_FILE_CHANGE_BYTES);
    let changes: Vec<NewChange> = packed
        .into_iter()
        .map(|change| {
            sent.changes += 1;
            sent.voters += (change.voters.len() + change.moved_out.len()) as u64;
            sent.records += change.records() as u64;
            NewChange::in_precinct(
                Some(precinct),
                format!(
                    "voter_file{}{precinct}",
                    groundgame_domain::snapshot::KEY_SEPARATOR
                ),
                FeedRow::VoterFile(change),
            )
        })
        .collect();
    if !changes.is_empty() {
        sent.precincts += 1;
    }
    feed::append(conn, campaign, &changes).await
}

/// One precinct's records, in the order a laptop applies them: the
/// households of the voters written, the voters, then the phones and votes
/// it lacks (all of an arriving voter's, the added ones of the others).
async fn precinct_records(
    conn: &mut PgConnection,
    campaign: Uuid,
    precinct: &str,
) -> Result<Vec<VoterFileRecord>, sqlx::Error> {
    let households: Vec<HouseholdRow> = sqlx::query_as(&format!(
        "SELECT DISTINCT ON (h.address_key) {HOUSEHOLD_COLUMNS} \
         FROM refresh_voters r JOIN voters v ON v.campaign_id = $1 AND v.voter_id = r.voter_id \
         JOIN households h ON h.campaign_id = $1 AND h.address_key = v.household_key \
         WHERE r.precinct_code = $2 AND v.removed_at IS NULL ORDER BY h.address_key"
    ))
    .bind(campaign)
    .bind(precinct)
    .fetch_all(&mut *conn)
    .await?;
    let voters: Vec<VoterRow> = sqlx::query_as(&format!(
        "SELECT {VOTER_COLUMNS} FROM refresh_voters r \
         JOIN voters v ON v.campaign_id = $1 AND v.voter_id = r.voter_id \
         WHERE r.precinct_code = $2 ORDER BY v.voter_id"
    ))
    .bind(campaign)
    .bind(precinct)
    .fetch_all(&mut *conn)
    .await?;
    let phones: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT p.voter_id, p.number, p.status, p.source FROM refresh_voters r \
         JOIN refresh_arrived a ON a.voter_id = r.voter_id \
         JOIN phones p ON p.campaign_id = $1 AND p.voter_id = r.voter_id \
         WHERE r.precinct_code = $2 \
         UNION \
         SELECT p.voter_id, p.number, p.status, p.source FROM refresh_phones n \
         JOIN phones p ON p.campaign_id = $1 AND p.voter_id = n.voter_id AND p.number = n.number \
         WHERE n.precinct_code = $2 \
         ORDER BY 1, 2",
    )
    .bind(campaign)
    .bind(precinct)
    .fetch_all(&mut *conn)
    .await?;
    let votes: Vec<VoteTuple> = sqlx::query_as(
        "SELECT h.voter_id, h.election_date::text, h.election_type, h.election_desc, h.method, h.party \
         FROM refresh_voters r JOIN refresh_arrived a ON a.voter_id = r.voter_id \
         JOIN vote_history h ON h.campaign_id = $1 AND h.voter_id = r.voter_id \
         WHERE r.precinct_code = $2 \
         UNION \
         SELECT h.voter_id, h.election_date::text, h.election_type, h.election_desc, h.method, h.party \
         FROM refresh_votes n JOIN vote_history h ON h.campaign_id = $1 AND h.voter_id = n.voter_id \
              AND h.election_date = n.election_date AND h.election_type = n.election_type \
         WHERE n.precinct_code = $2 \
         ORDER BY 1, 2, 3",
    )
    .bind(campaign)
    .bind(precinct)
    .fetch_all(&mut *conn)
    .await?;
    let mut records =
        Vec::with_capacity(households.len() + voters.len() + phones.len() + votes.len());
    records.extend(
        households
            .into_iter()
            .map(|row| VoterFileRecord::Household(row.into())),
    );
    records.extend(
        voters
            .into_iter()
            .map(|row| VoterFileRecord::Voter(row.into())),
    );
    records.extend(
        phones
            .into_iter()
            .map(|(voter_id, number, status, source)| {
                VoterFileRecord::Phone(SnapshotPhone {
                    voter_id,
                    number,
                    status,
                    source,
                })
            }),
    );
    records.extend(
        votes
            .into_iter()
            .map(|row| VoterFileRecord::Vote(vote_from(row))),
    );
    Ok(records)
}
