//! The rows the exports write, read straight from the database one at a
//! time (a county's two million attempts never sit in memory); the layouts
//! are `groundgame_domain::export`'s.

use crate::{Store, StoreError};
use groundgame_domain::export::ResultRow;
use groundgame_domain::export::{
    crm_records, results_header, results_record, ResultsFormat, Written, CRM_COLUMNS,
};
use groundgame_domain::work::WorkKind;
use groundgame_domain::Channel;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::params;
use std::path::{Path, PathBuf};

/// Which attempts `export results` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultsQuery {
    /// From this calendar day of the office on.
    pub since: Option<jiff::civil::Date>,
    pub turf: Option<i64>,
    pub call_list: Option<i64>,
    /// Also the results of quarantined batches (left out by default, as
    /// the dashboards leave them out).
    pub include_quarantined: bool,
}

const RESULTS_WHERE: &str = "a.recorded_at >= ?1 AND (?2 IS NULL OR a.turf_id = ?2) \
     AND (?3 IS NULL OR a.call_list_id = ?3)";

impl ResultsQuery {
    /// The first UTC stamp of `since` in `zone` (or the start of time).
    fn first_stamp(&self, zone: &TimeZone) -> Result<String, StoreError> {
        let Some(since) = self.since else {
            return Ok(String::new());
        };
        let start = since
            .to_zoned(zone.clone())
            .map_err(|error| StoreError::Invalid(format!("--since {since}: {error}")))?;
        Ok(crate::clock::stamp(start.timestamp()))
    }
}

impl Store {
    fn check_work(&self, query: &ResultsQuery) -> Result<(), StoreError> {
        for (table, id, what) in [
            ("turfs", query.turf, "turf"),
            ("call_lists", query.call_list, "call list"),
        ] {
            if let Some(id) = id {
                let there: bool = self.conn.query_row(
                    &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
                    params![id],
                    |row| row.get(0),
                )?;
                if !there {
                    return Err(StoreError::NotFound(format!(
                        "no {what} with id {id} (`groundgame lists` shows them)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// How many attempts `query` covers, and the survey questions answered
    /// in them (the results CSV's question columns), in slug order.
    pub fn results_extent(
        &self,
        query: &ResultsQuery,
        zone: &TimeZone,
    ) -> Result<(u64, Vec<String>), StoreError> {
        self.check_work(query)?;
        let from = query.first_stamp(zone)?;
        let count: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM contact_attempts a WHERE {RESULTS_WHERE}"),
            params![from, query.turf, query.call_list],
            |row| row.get(0),
        )?;
        let questions = self
            .conn
            .prepare(&format!(
                "SELECT DISTINCT s.question FROM survey_answers s \
                 JOIN contact_attempts a ON a.id = s.attempt_id WHERE {RESULTS_WHERE} ORDER BY 1"
            ))?
            .query_map(params![from, query.turf, query.call_list], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok((u64::try_from(count).unwrap_or(0), questions))
    }

    /// Calls `each` with every attempt `query` covers, oldest first, with
    /// its answers; returns how many there were.
    pub fn export_results<E: From<StoreError>>(
        &self,
        query: &ResultsQuery,
        zone: &TimeZone,
        mut each: impl FnMut(&ResultRow) -> Result<(), E>,
    ) -> Result<u64, E> {
        self.check_work(query)?;
        let from = query.first_stamp(zone)?;
        let names = crate::volunteer::names(&self.conn)?;
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT a.id, v.voter_id, v.first_name, v.last_name, a.recorded_at, a.channel, \
                        a.result, coalesce(rc.label, a.result), coalesce(a.volunteer, ''), \
                        t.name, l.name, a.note, s.question, s.answer, a.phone \
                   FROM contact_attempts a \
                   JOIN voters v ON v.id = a.voter_id \
                   LEFT JOIN result_codes rc ON rc.slug = a.result \
                   LEFT JOIN turfs t ON t.id = a.turf_id \
                   LEFT JOIN call_lists l ON l.id = a.call_list_id \
                   LEFT JOIN survey_answers s ON s.attempt_id = a.id \
                  WHERE {RESULTS_WHERE} \
                  ORDER BY a.recorded_at, a.id, s.question"
            ))
            .map_err(StoreError::from)?;
        let mut rows = statement
            .query(params![from, query.turf, query.call_list])
            .map_err(StoreError::from)?;
        let quarantined = if query.include_quarantined {
            Default::default()
        } else {
            groundgame_domain::quality::quarantined(&crate::results::batch_decisions(&self.conn)?)
        };
        let mut current: Option<ResultRow> = None;
        let mut skipping: Option<String> = None;
        let mut written = 0_u64;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let id: String = row.get(0).map_err(StoreError::from)?;
            if skipping.as_ref() == Some(&id) {
                continue;
            }
            let answer: Option<(String, String)> = match (
                row.get::<_, Option<String>>(12).map_err(StoreError::from)?,
                row.get::<_, Option<String>>(13).map_err(StoreError::from)?,
            ) {
                (Some(question), Some(answer)) => Some((question, answer)),
                _ => None,
            };
            if let Some(open) = current.as_mut().filter(|open| open.attempt_id == id) {
                open.answers.extend(answer);
                continue;
            }
            if let Some(done) = current.take() {
                each(&done)?;
                written += 1;
            }
            let recorded_at: String = row.get(4).map_err(StoreError::from)?;
            let channel: String = row.get(5).map_err(StoreError::from)?;
            let channel = Channel::parse(&channel).ok_or_else(|| {
                StoreError::Corrupt(format!("attempt {id} has the channel {channel:?}"))
            })?;
            let (local_date, local_time) = match recorded_at.parse::<Timestamp>() {
                Ok(at) => {
                    let zoned = at.to_zoned(zone.clone());
                    (
                        zoned.date().to_string(),
                        zoned.time().strftime("%H:%M").to_string(),
                    )
                }
                Err(_) => {
                    tracing::warn!(attempt = %id, %recorded_at, "an attempt at no readable time");
                    (String::new(), String::new())
                }
            };
            let volunteer: String = row.get(8).map_err(StoreError::from)?;
            if !quarantined.is_empty()
                && quarantined.contains(&groundgame_domain::quality::Batch {
                    volunteer: (!volunteer.is_empty()).then(|| volunteer.clone()),
                    day: local_date.clone(),
                })
            {
                skipping = Some(id);
                continue;
            }
            let turf: Option<String> = row.get(9).map_err(StoreError::from)?;
            let list: Option<String> = row.get(10).map_err(StoreError::from)?;
            current = Some(ResultRow {
                attempt_id: id,
                voter_id: row.get(1).map_err(StoreError::from)?,
                first_name: row.get(2).map_err(StoreError::from)?,
                last_name: row.get(3).map_err(StoreError::from)?,
                recorded_at,
                local_date,
                local_time,
                channel,
                phone: row.get(14).map_err(StoreError::from)?,
                result: row.get(6).map_err(StoreError::from)?,
                result_label: row.get(7).map_err(StoreError::from)?,
                answers: answer.into_iter().collect(),
                volunteer: names.get(&volunteer).cloned().unwrap_or(volunteer),
                work: turf
                    .map(|name| (WorkKind::Turf, name))
                    .or(list.map(|name| (WorkKind::CallList, name))),
                note: row.get(11).map_err(StoreError::from)?,
            });
        }
        if let Some(done) = current.take() {
            each(&done)?;
            written += 1;
        }
        Ok(written)
    }

    /// A call list's calls in order: position, voter, name, phone, status
    /// and the voter's latest phone result.
    pub fn export_call_list<E: From<StoreError>>(
        &self,
        list: i64,
        mut each: impl FnMut([String; 6]) -> Result<(), E>,
    ) -> Result<u64, E> {
        self.check_work(&ResultsQuery {
            call_list: Some(list),
            ..ResultsQuery::default()
        })?;
        let mut statement = self
            .conn
            .prepare(
                "SELECT i.position, v.voter_id, v.first_name || ' ' || v.last_name, i.phone, i.status, \
                        (SELECT a.result FROM contact_attempts a WHERE a.voter_id = i.voter_id \
                          AND a.channel = 'phone' ORDER BY a.recorded_at DESC LIMIT 1) \
                   FROM call_items i JOIN voters v ON v.id = i.voter_id \
                  WHERE i.call_list_id = ?1 ORDER BY i.position, i.id",
            )
            .map_err(StoreError::from)?;
        let mut rows = statement.query(params![list]).map_err(StoreError::from)?;
        let mut written = 0;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let position: i64 = row.get(0).map_err(StoreError::from)?;
            each([
                position.to_string(),
                row.get(1).map_err(StoreError::from)?,
                row.get(2).map_err(StoreError::from)?,
                row.get(3).map_err(StoreError::from)?,
                row.get(4).map_err(StoreError::from)?,
                row.get::<_, Option<String>>(5)
                    .map_err(StoreError::from)?
                    .unwrap_or_default(),
            ])?;
            written += 1;
        }
        Ok(written)
    }

    /// The voters of the saved segment `name`, in the voter file's order,
    /// with their address, first phone and latest result. Returns how many.
    pub fn export_segment<E: From<StoreError>>(
        &mut self,
        name: &str,
        mut each: impl FnMut([String; 12]) -> Result<(), E>,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, E> {
        let segment = self.segment(name)?;
        let slice = self.slice()?;
        let picked = slice.index.pick(&segment.filter, crate::work::this_year());
        let year = crate::work::this_year();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT v.voter_id, v.first_name, v.last_name, v.birth_year, v.party, \
                        CASE WHEN v.confidential = 1 THEN '' ELSE \
                          trim(coalesce(h.house_number || ' ', '') || coalesce(h.street, '')) END, \
                        CASE WHEN v.confidential = 1 THEN '' ELSE coalesce(h.unit, '') END, \
                        coalesce(h.city, ''), coalesce(h.zip, ''), coalesce(h.precinct_code, ''), \
                        (SELECT p.number FROM phones p WHERE p.voter_id = v.id ORDER BY p.id LIMIT 1), \
                        (SELECT a.result FROM contact_attempts a WHERE a.voter_id = v.id \
                          ORDER BY a.recorded_at DESC LIMIT 1) \
                   FROM voters v LEFT JOIN households h ON h.id = v.household_id WHERE v.id = ?1",
            )
            .map_err(StoreError::from)?;
        let total = picked.len() as u64;
        let mut written = 0;
        for &voter in &picked {
            let record = statement
                .query_row(params![slice.voters[voter as usize]], |row| {
                    let birth: Option<i64> = row.get(3)?;
                    Ok([
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        birth
                            .map(|birth| (i64::from(year) - birth).to_string())
                            .unwrap_or_default(),
                        row.get(4)?,
                        row.get(5)?,
                        row.get(6)?,
                        row.get(7)?,
                        row.get(8)?,
                        row.get(9)?,
                        row.get::<_, Option<String>>(10)?.unwrap_or_default(),
                        row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                    ])
                })
                .map_err(StoreError::from)?;
            each(record)?;
            written += 1;
            if written % 10_000 == 0 {
                progress(written, total);
            }
        }
        progress(written, total);
        Ok(written)
    }
}

/// What loading a results file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResultsImport {
    pub rows: u64,
    /// Recorded now (and queued for sync).
    pub added: u64,
    /// Already here: loaded before, or the office's own.
    pub already: u64,
    /// Recorded without the turf or call list they name: a turf this
    /// office does not have, or a call list (an imported call was not
    /// handed out from one of this office's lists).
    pub unlinked: u64,
}

impl Store {
    /// Records the results read from a file (each with its line), in one
    /// transaction: every new one as a contact attempt with its own time,
    /// its consequences and its outbox mutation, so it syncs like any
    /// other; one already here is skipped, so a file loaded twice adds
    /// nothing. A row the office cannot take fails the whole file, naming
    /// its line and column.
    pub fn import_results(
        &mut self,
        rows: &[(u64, groundgame_domain::export::ImportedResult)],
        zone: &TimeZone,
        now: Timestamp,
    ) -> Result<ResultsImport, StoreError> {
        use groundgame_domain::export::When;
        use groundgame_domain::{PhoneNumber, SurveyAnswer};
        use rusqlite::OptionalExtension;
        let at = |line: u64, column: &str, error: &dyn std::fmt::Display| {
            StoreError::Invalid(format!("line {line}, column {column}: {error}"))
        };
        let mut report = ResultsImport::default();
        let tx = self.conn.transaction()?;
        for (line, row) in rows {
            let line = *line;
            report.rows += 1;
            let there: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM contact_attempts WHERE id = ?1)",
                params![row.attempt_id],
                |found| found.get(0),
            )?;
            if there {
                report.already += 1;
                continue;
            }
            let recorded_at = match &row.when {
                When::Utc(stamp) => stamp.clone(),
                When::Local { date, time } => {
                    let local: jiff::civil::DateTime = format!("{date}T{time}")
                        .parse()
                        .map_err(|error| at(line, "time", &error))?;
                    let zoned = local
                        .to_zoned(zone.clone())
                        .map_err(|error| at(line, "time", &error))?;
                    crate::clock::stamp(zoned.timestamp())
                }
            };
            let volunteer = match &row.volunteer {
                Some(name) => Some(
                    crate::volunteer::named(&tx, name)
                        .map_err(|error| at(line, "volunteer", &error))?
                        .volunteer_id,
                ),
                None => None,
            };
            let turf: Option<i64> = match &row.turf {
                Some(name) => tx
                    .query_row(
                        "SELECT id FROM turfs WHERE name = ?1",
                        params![name],
                        |found| found.get(0),
                    )
                    .optional()?,
                None => None,
            };
            if (row.turf.is_some() && turf.is_none()) || row.call_list.is_some() {
                report.unlinked += 1;
            }
            let phone = match &row.phone {
                Some(phone) => {
                    Some(PhoneNumber::parse(phone).map_err(|error| at(line, "phone", &error))?)
                }
                None => None,
            };
            let contact = crate::NewContact {
                phone,
                turf,
                answers: row
                    .answers
                    .iter()
                    .map(|(question, answer)| SurveyAnswer {
                        question: question.clone(),
                        answer: answer.clone(),
                        version: None,
                        other: None,
                    })
                    .collect(),
                note: row.note.clone(),
                volunteer,
                ..crate::NewContact::new(row.voter_id.clone(), row.channel, &row.result)
            };
            let column = |error: &StoreError| match error {
                StoreError::NotFound(_) => "voter_id",
                _ if contact.answers.is_empty() => "result",
                _ => "result or answers",
            };
            crate::contact::record_in(
                &tx,
                &contact,
                None,
                row.attempt_id.clone(),
                recorded_at,
                now,
            )
            .map_err(|error| at(line, column(&error), &error))?;
            report.added += 1;
        }
        tx.commit()?;
        tracing::info!(
            added = report.added,
            already = report.already,
            "results imported"
        );
        Ok(report)
    }
}

/// A CSV file being written beside its final name, put in place by
/// [`CsvFile::finish`] only when whole: a failed export never leaves half
/// a file under its name.
pub struct CsvFile {
    writer: csv::Writer<std::io::BufWriter<tempfile::NamedTempFile>>,
    path: PathBuf,
}

impl CsvFile {
    pub fn create(path: &Path, header: &[impl AsRef<[u8]>]) -> Result<Self, StoreError> {
        let failed = |source: std::io::Error| StoreError::Write {
            path: path.to_owned(),
            source,
        };
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file = tempfile::NamedTempFile::new_in(folder).map_err(failed)?;
        let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
        writer
            .write_record(header)
            .map_err(|error| failed(error.into()))?;
        Ok(Self {
            writer,
            path: path.to_owned(),
        })
    }

    pub fn row(&mut self, record: &[impl AsRef<[u8]>]) -> Result<(), StoreError> {
        self.writer
            .write_record(record)
            .map_err(|error| StoreError::Write {
                path: self.path.clone(),
                source: error.into(),
            })
    }

    pub fn finish(self) -> Result<(), StoreError> {
        let path = self.path;
        let failed = |source: std::io::Error| StoreError::Write {
            path: path.clone(),
            source,
        };
        let file = self
            .writer
            .into_inner()
            .map_err(|error| failed(error.into_error()))?
            .into_inner()
            .map_err(|error| failed(error.into_error()))?;
        file.as_file().sync_all().map_err(failed)?;
        file.persist(&path).map_err(|error| failed(error.error))?;
        Ok(())
    }
}

impl Store {
    /// Writes the attempts `query` covers to `path` in `format`, telling
    /// `progress` how many of how many are done as it goes.
    pub fn write_results(
        &self,
        query: &ResultsQuery,
        zone: &TimeZone,
        format: ResultsFormat,
        path: &Path,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Written, StoreError> {
        let (total, questions) = self.results_extent(query, zone)?;
        let header: Vec<String> = match format {
            ResultsFormat::Csv => results_header(&questions),
            ResultsFormat::Crm => CRM_COLUMNS.map(str::to_owned).to_vec(),
        };
        let mut file = CsvFile::create(path, &header)?;
        let mut rows = 0_u64;
        let mut done = 0_u64;
        let attempts = self.export_results(query, zone, |row| -> Result<(), StoreError> {
            match format {
                ResultsFormat::Csv => {
                    file.row(&results_record(row, &questions))?;
                    rows += 1;
                }
                ResultsFormat::Crm => {
                    for record in crm_records(row) {
                        file.row(&record)?;
                        rows += 1;
                    }
                }
            }
            done += 1;
            if done % 10_000 == 0 {
                progress(done, total);
            }
            Ok(())
        })?;
        file.finish()?;
        progress(attempts, total);
        tracing::info!(attempts, rows, path = %path.display(), "results exported");
        Ok(Written {
            path: path.display().to_string(),
            attempts,
            rows,
        })
    }
}
