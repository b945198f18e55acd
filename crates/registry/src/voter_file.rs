//! Loading a state voter file into the registry's master voter file.
//!
//! The same readers as the laptops (`groundgame_voterfile`) parse the file on
//! a thread of its own; the rows stream into a temporary table with COPY,
//! and set-based SQL turns them into households, voters, phones and vote
//! history. One file is one transaction: a bad line stops the load with its
//! file, line and column, and nothing from the file is kept, unless
//! `skip_bad` asks for the other rows and a list of the bad ones. A newer
//! snapshot is a diff: new, moved, changed, unchanged, and removed (marked,
//! never deleted).

use crate::identity::audit;
use crate::refresh;
use groundgame_domain::office::{ImportReport, SkippedLine};
use groundgame_domain::PhoneNumber;
use groundgame_voterfile::{Layout, ReadError, Row, VoterFile};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}\nnothing from this file was loaded; fix the line, or run again with --skip-bad to load the other rows and list the bad ones")]
    Row(ReadError),
    #[error("{0}\nnothing from this file was loaded")]
    File(ReadError),
    #[error("{file}: voter {voter_id} is on line {first} and again on line {again}\nnothing from this file was loaded")]
    Duplicate {
        file: String,
        voter_id: String,
        first: i64,
        again: i64,
    },
    #[error("database error while loading: {0}; nothing from this file was loaded")]
    Database(#[from] sqlx::Error),
    #[error("cannot prepare a row for loading: {0}")]
    Csv(#[from] csv::Error),
    #[error("reading the file stopped unexpectedly (a bug in groundgame; please report it); nothing from this file was loaded")]
    ReaderFailed,
}

/// What a load did: the laptop importer's report, so both print the same.
pub type LoadReport = ImportReport;

/// The staging table's columns, in COPY order. Every value is written
/// quoted, so an empty one is an empty string, except in the columns
/// listed in FORCE_NULL, where empty means "not given".
const STAGING: &str = "CREATE TEMP TABLE staging (
    kind text, line bigint, voter_id text, county text,
    last_name text, first_name text, middle_name text, suffix text,
    status text, party text, gender text, birth_year integer, registered_on date,
    confidential boolean, phone text, phone_status text,
    precinct_code text, address_key text, house_number bigint, street text, unit text,
    city text, state text, zip text, time_zone text, content_hash bigint,
    election_date date, election_type text, election_desc text, method text, vote_party text
) ON COMMIT DROP";

const COPY: &str = "COPY staging FROM STDIN WITH (FORMAT csv, FORCE_NULL (birth_year, \
     registered_on, phone, phone_status, precinct_code, address_key, house_number, \
     election_date))";

/// One line of the file as staging rows (a wide Ohio line is a voter and
/// their votes), in CSV.
fn stage(line: u64, row: &Row, out: &mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error> {
    let blank = String::new();
    match row {
        Row::Voter(voter, votes) => {
            let address = &voter.address;
            let withheld = voter.confidential || address.is_empty();
            let street = if address.number_suffix.is_empty() {
                address.street.clone()
            } else {
                format!("{} {}", address.number_suffix, address.street)
            };
            let (phone, phone_status) = match PhoneNumber::parse(&voter.phone) {
                Ok(phone) => (phone.digits().to_owned(), "ok"),
                Err(_) if voter.phone.trim().is_empty() => (String::new(), ""),
                Err(_) => (
                    voter.phone.chars().filter(char::is_ascii_digit).collect(),
                    "invalid",
                ),
            };
            out.write_record([
                "v",
                &line.to_string(),
                voter.voter_id.as_str(),
                &voter.county,
                &voter.last_name,
                &voter.first_name,
                &voter.middle_name,
                &voter.suffix,
                &voter.status,
                &voter.party,
                &voter.gender,
                &voter.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                voter.registered_on.as_ref().unwrap_or(&blank),
                if voter.confidential { "true" } else { "false" },
                &phone,
                phone_status,
                &voter.precinct_code,
                &if withheld {
                    String::new()
                } else {
                    address.key()
                },
                &address
                    .house_number
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                &street,
                &address.unit,
                &address.city,
                &address.state,
                &address.zip,
                voter.time_zone,
                &voter.content_hash().to_string(),
                "",
                "",
                "",
                "",
                "",
            ])?;
            for vote in votes {
                stage_vote(line, vote, out)?;
            }
        }
        Row::Votes(votes) => {
            for vote in votes {
                stage_vote(line, vote, out)?;
            }
        }
    }
    Ok(())
}

fn stage_vote(
    line: u64,
    vote: &groundgame_voterfile::VoteRecord,
    out: &mut csv::Writer<Vec<u8>>,
) -> Result<(), csv::Error> {
    let mut record = vec![String::new(); 31];
    record[0] = "h".into();
    record[1] = line.to_string();
    record[2] = vote.voter_id.as_str().to_owned();
    record[13] = "false".into();
    record[25] = "0".into();
    record[26] = vote.election_date.clone();
    record[27] = vote.election_type.clone();
    record[28] = vote.election_desc.clone();
    record[29] = vote.method.clone();
    record[30] = vote.party.clone();
    out.write_record(&record)
}

/// A chunk of staged CSV, or the end of the file.
enum Chunk {
    Rows(Vec<u8>),
    /// The file ended after this many lines of data.
    Done(u64),
    Skipped(SkippedLine),
    Failed(LoadError),
}

/// Reads the file into CSV chunks of about a megabyte until it ends, fails,
/// or the loader hangs up. The channel is bounded: memory stays flat.
fn read_ahead(
    mut file: VoterFile,
    skip_bad: bool,
    sender: tokio::sync::mpsc::Sender<Chunk>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) {
    let writer = || {
        csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .has_headers(false)
            .from_writer(Vec::with_capacity(1 << 20))
    };
    let mut out = writer();
    let mut rows = 0_u64;
    while let Some(next) = file.next_row() {
        rows += 1;
        match next {
            Ok((line, row)) => {
                if let Err(error) = stage(line, &row, &mut out) {
                    let _ = sender.blocking_send(Chunk::Failed(error.into()));
                    return;
                }
            }
            Err(error) if skip_bad && error.is_row_error() => {
                let skipped = SkippedLine {
                    line: error.line().unwrap_or(0),
                    error: error.to_string(),
                };
                if sender.blocking_send(Chunk::Skipped(skipped)).is_err() {
                    return;
                }
            }
            Err(error) => {
                let failure = if error.is_row_error() {
                    LoadError::Row(error)
                } else {
                    LoadError::File(error)
                };
                let _ = sender.blocking_send(Chunk::Failed(failure));
                return;
            }
        }
        if out.get_ref().len() >= 1 << 20 {
            let full = std::mem::replace(&mut out, writer());
            match full.into_inner() {
                Ok(bytes) => {
                    if sender.blocking_send(Chunk::Rows(bytes)).is_err() {
                        return;
                    }
                }
                Err(error) => {
                    let _ = sender
                        .blocking_send(Chunk::Failed(csv::Error::from(error.into_error()).into()));
                    return;
                }
            }
            let (read, total) = file.progress();
            progress(read, total);
        }
    }
    match out.into_inner() {
        Ok(bytes) => {
            if sender.blocking_send(Chunk::Rows(bytes)).is_err() {
                return;
            }
        }
        Err(error) => {
            let _ =
                sender.blocking_send(Chunk::Failed(csv::Error::from(error.into_error()).into()));
            return;
        }
    }
    let (read, total) = file.progress();
    progress(read, total);
    let _ = sender.blocking_send(Chunk::Done(rows));
}

/// Loads one voter file into the campaign's master voter file.
pub async fn load(
    pool: &PgPool,
    campaign: Uuid,
    file: VoterFile,
    layout: &Layout,
    skip_bad: bool,
    progress: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport {
        file: file.path().display().to_string(),
        layout: layout.slug().to_owned(),
        encoding: file.encoding().to_owned(),
        warnings: file.warnings().to_vec(),
        ..LoadReport::default()
    };
    let mut tx = pool.begin().await?;
    sqlx::query(STAGING).execute(&mut *tx).await?;
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(4);
    let reader = std::thread::spawn(move || read_ahead(file, skip_bad, sender, &progress));
    let mut copy = tx.copy_in_raw(COPY).await?;
    let mut failure = None;
    while let Some(chunk) = chunks.recv().await {
        match chunk {
            Chunk::Rows(bytes) => {
                copy.send(bytes).await?;
            }
            Chunk::Skipped(line) => report.skipped.push(line),
            Chunk::Done(rows) => report.rows = rows,
            Chunk::Failed(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    drop(chunks);
    // A reader that died mid-file must not leave half a file to commit.
    if reader.join().is_err() && failure.is_none() {
        failure = Some(LoadError::ReaderFailed);
    }
    if let Some(error) = failure {
        copy.abort("the voter file has a bad line").await?;
        return Err(error);
    }
    copy.finish().await?;
    // The planner knows nothing of a fresh temporary table: without these,
    // marking the absent voters removed was a nested loop (25 s on 20,000).
    sqlx::query("CREATE INDEX ON staging (voter_id)")
        .execute(&mut *tx)
        .await?;
    sqlx::query("ANALYZE staging").execute(&mut *tx).await?;

    let voters: i64 = sqlx::query_scalar("SELECT count(*) FROM staging WHERE kind = 'v'")
        .fetch_one(&mut *tx)
        .await?;
    report.voters = voters as u64;
    // A voter given twice in one file is a bad line.
    let twice: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT voter_id, min(line), max(line) FROM staging WHERE kind = 'v' \
         GROUP BY voter_id HAVING count(*) > 1 ORDER BY min(line) LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((voter_id, first, again)) = twice {
        if !skip_bad {
            return Err(LoadError::Duplicate {
                file: report.file,
                voter_id,
                first,
                again,
            });
        }
        let dropped: Vec<(i64, String)> = sqlx::query_as(
            "DELETE FROM staging s USING (SELECT voter_id, min(line) AS first FROM staging \
             WHERE kind = 'v' GROUP BY voter_id HAVING count(*) > 1) d \
             WHERE s.kind = 'v' AND s.voter_id = d.voter_id AND s.line > d.first \
             RETURNING s.line, s.voter_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (line, voter_id) in dropped {
            report.skipped.push(SkippedLine {
                line: line as u64,
                error: format!("voter {voter_id} is on an earlier line too"),
            });
            report.voters -= 1;
        }
    }

    // What this load can skip: marking absent voters removed when the
    // campaign has none from this layout yet, and history when the file
    // has none (each is a scan of a million rows on a county's file).
    let (had_voters, has_votes): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM voters WHERE campaign_id = $1 AND source = $2), \
                EXISTS (SELECT 1 FROM staging WHERE kind = 'h')",
    )
    .bind(campaign)
    .bind(layout.slug())
    .fetch_one(&mut *tx)
    .await?;

    // The diff, counted before anything is written.
    let (new, moved, changed, unchanged): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE v.voter_id IS NULL), \
                count(*) FILTER (WHERE v.voter_id IS NOT NULL AND v.household_key IS DISTINCT FROM s.address_key), \
                count(*) FILTER (WHERE v.voter_id IS NOT NULL AND v.household_key IS NOT DISTINCT FROM s.address_key \
                                 AND (v.content_hash <> s.content_hash OR v.removed_at IS NOT NULL)), \
                count(*) FILTER (WHERE v.voter_id IS NOT NULL AND v.household_key IS NOT DISTINCT FROM s.address_key \
                                 AND v.content_hash = s.content_hash AND v.removed_at IS NULL) \
         FROM staging s LEFT JOIN voters v ON v.campaign_id = $1 AND v.voter_id = s.voter_id \
         WHERE s.kind = 'v'",
    )
    .bind(campaign)
    .fetch_one(&mut *tx)
    .await?;
    (report.new, report.moved, report.changed, report.unchanged) =
        (new as u64, moved as u64, changed as u64, unchanged as u64);

    // What laptops in the field must hear of, tracked as it is written
    // (`refresh`), for the precincts some office covers.
    let watched = refresh::watched(&mut tx, campaign).await?;
    sqlx::raw_sql(refresh::TRACKING).execute(&mut *tx).await?;
    if !watched.is_empty() {
        sqlx::query(
            "INSERT INTO refresh_arrived (voter_id, left_precinct) \
             SELECT s.voter_id, CASE WHEN v.removed_at IS NULL THEN v.precinct_code END \
             FROM staging s LEFT JOIN voters v ON v.campaign_id = $1 AND v.voter_id = s.voter_id \
             WHERE s.kind = 'v' \
               AND (v.voter_id IS NULL OR v.removed_at IS NOT NULL \
                    OR v.precinct_code IS DISTINCT FROM s.precinct_code) \
               AND (s.precinct_code = ANY($2) OR v.precinct_code = ANY($2))",
        )
        .bind(campaign)
        .bind(&watched)
        .execute(&mut *tx)
        .await?;
    }

    sqlx::query(
        "INSERT INTO households (campaign_id, address_key, house_number, street, unit, city, state, \
         zip, precinct_code, time_zone) \
         SELECT DISTINCT ON (address_key) $1, address_key, house_number, street, unit, city, state, \
                zip, precinct_code, time_zone \
         FROM staging WHERE kind = 'v' AND address_key IS NOT NULL ORDER BY address_key, line \
         ON CONFLICT (campaign_id, address_key) DO NOTHING",
    )
    .bind(campaign)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH written AS (\
         INSERT INTO voters (campaign_id, voter_id, household_key, last_name, first_name, middle_name, \
         suffix, birth_year, gender, party, status, registered_on, confidential, county, \
         precinct_code, source, content_hash) \
         SELECT $1, voter_id, address_key, last_name, first_name, middle_name, suffix, birth_year, \
                gender, party, status, registered_on, confidential, county, precinct_code, $2, \
                content_hash \
         FROM staging WHERE kind = 'v' \
         ON CONFLICT (campaign_id, voter_id) DO UPDATE SET \
             household_key = excluded.household_key, last_name = excluded.last_name, \
             first_name = excluded.first_name, middle_name = excluded.middle_name, \
             suffix = excluded.suffix, birth_year = excluded.birth_year, gender = excluded.gender, \
             party = excluded.party, status = excluded.status, registered_on = excluded.registered_on, \
             confidential = excluded.confidential, county = excluded.county, \
             precinct_code = excluded.precinct_code, source = excluded.source, \
             content_hash = excluded.content_hash, removed_at = NULL, \
             version = voters.version + 1, updated_at = now() \
         WHERE voters.content_hash <> excluded.content_hash \
            OR voters.household_key IS DISTINCT FROM excluded.household_key \
            OR voters.removed_at IS NOT NULL \
         RETURNING voter_id, precinct_code) \
         INSERT INTO refresh_voters (voter_id, precinct_code) \
         SELECT w.voter_id, w.precinct_code FROM written w \
         WHERE w.precinct_code = ANY($3) \
            OR EXISTS (SELECT 1 FROM refresh_arrived a WHERE a.voter_id = w.voter_id)",
    )
    .bind(campaign)
    .bind(layout.slug())
    .bind(&watched)
    .execute(&mut *tx)
    .await?;
    if layout.has_voters() && had_voters {
        let (removed, _tracked): (i64, i64) = sqlx::query_as(
            "WITH gone AS (\
             UPDATE voters v SET removed_at = now(), version = v.version + 1, updated_at = now() \
             WHERE v.campaign_id = $1 AND v.source = $2 AND v.removed_at IS NULL \
             AND v.county IN (SELECT DISTINCT county FROM staging WHERE kind = 'v') \
             AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.kind = 'v' AND s.voter_id = v.voter_id) \
             RETURNING v.voter_id, v.precinct_code), \
             tracked AS (INSERT INTO refresh_voters (voter_id, precinct_code) \
             SELECT voter_id, precinct_code FROM gone WHERE precinct_code = ANY($3) RETURNING 1) \
             SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM tracked)",
        )
        .bind(campaign)
        .bind(layout.slug())
        .bind(&watched)
        .fetch_one(&mut *tx)
        .await?;
        report.removed = removed as u64;
    }
    sqlx::query(
        "WITH added AS (\
         INSERT INTO phones (campaign_id, voter_id, number, status, source) \
         SELECT $1, voter_id, phone, phone_status, 'file' FROM staging \
         WHERE kind = 'v' AND phone IS NOT NULL AND phone <> '' \
         ON CONFLICT (campaign_id, voter_id, number) DO NOTHING \
         RETURNING voter_id, number) \
         INSERT INTO refresh_phones (voter_id, number, precinct_code) \
         SELECT a.voter_id, a.number, v.precinct_code FROM added a \
         JOIN voters v ON v.campaign_id = $1 AND v.voter_id = a.voter_id \
         WHERE v.precinct_code = ANY($2) AND v.removed_at IS NULL",
    )
    .bind(campaign)
    .bind(&watched)
    .execute(&mut *tx)
    .await?;
    let (matched, unmatched) = if has_votes {
        // Only votes that are new or changed are written (and sent on): a
        // history file loaded again changes nothing.
        sqlx::query(
            "WITH written AS (\
             INSERT INTO vote_history (campaign_id, voter_id, election_date, election_type, \
             election_desc, method, party) \
             SELECT DISTINCT ON (s.voter_id, s.election_date, s.election_type) $1, s.voter_id, \
                    s.election_date, s.election_type, s.election_desc, s.method, s.vote_party \
             FROM staging s JOIN voters v ON v.campaign_id = $1 AND v.voter_id = s.voter_id \
             WHERE s.kind = 'h' \
             ON CONFLICT (campaign_id, voter_id, election_date, election_type) DO UPDATE SET \
                 election_desc = excluded.election_desc, method = excluded.method, party = excluded.party \
             WHERE (vote_history.election_desc, vote_history.method, vote_history.party) \
                   IS DISTINCT FROM (excluded.election_desc, excluded.method, excluded.party) \
             RETURNING voter_id, election_date, election_type) \
             INSERT INTO refresh_votes (voter_id, election_date, election_type, precinct_code) \
             SELECT w.voter_id, w.election_date, w.election_type, v.precinct_code FROM written w \
             JOIN voters v ON v.campaign_id = $1 AND v.voter_id = w.voter_id \
             WHERE v.precinct_code = ANY($2) AND v.removed_at IS NULL",
        )
        .bind(campaign)
        .bind(&watched)
        .execute(&mut *tx)
        .await?;
        let (matched, unmatched): (i64, i64) = sqlx::query_as(
            "SELECT count(DISTINCT (s.voter_id, s.election_date, s.election_type)) \
                        FILTER (WHERE v.voter_id IS NOT NULL), \
                    count(*) FILTER (WHERE v.voter_id IS NULL) \
             FROM staging s LEFT JOIN voters v ON v.campaign_id = $1 AND v.voter_id = s.voter_id \
             WHERE s.kind = 'h'",
        )
        .bind(campaign)
        .fetch_one(&mut *tx)
        .await?;
        (matched as u64, unmatched)
    } else {
        (0, 0)
    };
    report.votes = matched;
    report.votes_unmatched = unmatched as u64;
    report.skipped.sort_by_key(|skipped| skipped.line);
    sqlx::query(
        "INSERT INTO imports (campaign_id, layout, file_name, finished_at, rows, new, moved, changed, \
         removed, unchanged, votes, skipped) \
         VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(campaign)
    .bind(&report.layout)
    .bind(&report.file)
    .bind(report.rows as i64)
    .bind(report.new as i64)
    .bind(report.moved as i64)
    .bind(report.changed as i64)
    .bind(report.removed as i64)
    .bind(report.unchanged as i64)
    .bind(report.votes as i64)
    .bind(report.skipped.len() as i64)
    .execute(&mut *tx)
    .await?;
    let sent = refresh::emit(&mut tx, campaign, &watched).await?;
    report.sent_to_laptops = sent.records;
    tracing::info!(
        changes = sent.changes,
        voters = sent.voters,
        records = sent.records,
        precincts = sent.precincts,
        "the load's changes are in the feed for the offices' laptops"
    );
    audit(
        &mut *tx,
        campaign,
        "admin",
        "import",
        &format!(
            "{} ({}): {} voters, {} new, {} moved, {} changed, {} removed, {} skipped; \
             {} records to laptops in {} precincts",
            report.file,
            report.layout,
            report.voters,
            report.new,
            report.moved,
            report.changed,
            report.removed,
            report.skipped.len(),
            sent.records,
            sent.precincts
        ),
    )
    .await?;
    tx.commit().await?;
    // Planner statistics for what was just loaded: a first load multiplies
    // the tables, and until autovacuum notices, the planner would cost
    // snapshot and scope queries on an empty campaign (seen: nested loops
    // that took ten seconds a page).
    sqlx::query("ANALYZE households, voters, phones, vote_history")
        .execute(pool)
        .await?;
    Ok(report)
}
