//! Recording a contact attempt and acting on its result code.
//!
//! The attempt, its survey answers, every consequence of its result (retry
//! delay, suppression, bad phone, callback...) and the outbox mutations are
//! one transaction: a crash keeps all of it or none.

use crate::clock::{new_id, stamp};
use crate::outbox::append;
use crate::{dnc, Store, StoreError};
use groundgame_domain::contact::{Effect, RESULT_CODES};
use groundgame_domain::mutation::{CallbackRecord, ContactRecord, LeaseRelease};
use groundgame_domain::office::{ContactHistoryEntry, ContactOutcome, GivenAnswer};
use groundgame_domain::{
    Channel, DncChannel, Mutation, PhoneNumber, ResultCode, Scope, SurveyAnswer, VoterId,
};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, OptionalExtension, Transaction};

/// A result a volunteer is recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub voter_id: VoterId,
    pub channel: Channel,
    /// A result code's slug.
    pub result: String,
    /// The number dialled, for phone results.
    pub phone: Option<PhoneNumber>,
    /// The call item being worked, if the call came from a queue.
    pub call_item: Option<i64>,
    pub turf: Option<i64>,
    pub answers: Vec<SurveyAnswer>,
    pub note: String,
    pub volunteer: Option<String>,
    /// For `call-back`: when to call again.
    pub callback_at: Option<Timestamp>,
}

impl NewContact {
    pub fn new(voter_id: VoterId, channel: Channel, result: &str) -> Self {
        Self {
            voter_id,
            channel,
            result: result.to_owned(),
            phone: None,
            call_item: None,
            turf: None,
            answers: Vec::new(),
            note: String::new(),
            volunteer: None,
            callback_at: None,
        }
    }
}

impl Store {
    pub fn record_contact(
        &mut self,
        contact: &NewContact,
        now: Timestamp,
    ) -> Result<ContactOutcome, StoreError> {
        let acting = self.acting.clone();
        let tx = self.conn.transaction()?;
        let outcome = record_in(&tx, contact, acting, new_id(), stamp(now), now)?;
        tx.commit()?;
        Ok(outcome)
    }
}

/// Records `contact` as the attempt `attempt_id` at `recorded_at`, inside
/// the caller's transaction: the volunteer's result (`recorded_at` is now)
/// or a result loaded from a file (its own time).
pub(crate) fn record_in(
    tx: &Transaction<'_>,
    contact: &NewContact,
    acting: Option<String>,
    attempt_id: String,
    recorded_at: String,
    now: Timestamp,
) -> Result<ContactOutcome, StoreError> {
    let code = ResultCode::find(&contact.result).ok_or_else(|| {
        StoreError::Invalid(format!(
            "unknown result code {:?}; the codes for {} are: {}",
            contact.result,
            contact.channel,
            codes_for(contact.channel)
        ))
    })?;
    if !code.applies_to(contact.channel) {
        return Err(StoreError::Invalid(format!(
            "{} is not a {} result; the codes for {} are: {}",
            code.slug,
            contact.channel,
            contact.channel,
            codes_for(contact.channel)
        )));
    }
    let needs_phone = matches!(
        code.effect,
        Effect::PhoneWrongForPerson
            | Effect::PhoneDisconnected
            | Effect::DoNotContact(DncChannel::Phone | DncChannel::Text)
    );
    let volunteer = contact.volunteer.clone().or(acting);
    let answers = crate::script::check_answers(tx, &contact.answers)?;
    if let Some(volunteer) = &volunteer {
        crate::volunteer::by_id(tx, volunteer)?;
    }
    let (voter_row, household, address_key): (i64, Option<i64>, Option<String>) = tx
        .query_row(
            "SELECT v.id, v.household_id, h.address_key FROM voters v \
                 LEFT JOIN households h ON h.id = v.household_id WHERE v.voter_id = ?1",
            params![contact.voter_id.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "no voter {} in this office's voter file; find them with `groundgame search`",
                contact.voter_id
            ))
        })?;
    // The phone is the one given, or the call item's.
    let item: Option<(i64, String, String, i64)> = match contact.call_item {
            Some(item_id) => Some(
                tx.query_row(
                    "SELECT i.id, i.phone, l.name, l.max_attempts FROM call_items i \
                     JOIN call_lists l ON l.id = i.call_list_id WHERE i.id = ?1 AND i.voter_id = ?2",
                    params![item_id, voter_row],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?
                .ok_or_else(|| {
                    StoreError::NotFound(format!("call item {item_id} is not for voter {}", contact.voter_id))
                })?,
            ),
            None => None,
        };
    let phone: Option<String> = contact
        .phone
        .as_ref()
        .map(|p| p.digits().to_owned())
        .or_else(|| item.as_ref().map(|(_, phone, _, _)| phone.clone()));
    if needs_phone && phone.is_none() {
        return Err(StoreError::Invalid(format!(
            "{} needs the phone number it applies to",
            code.slug
        )));
    }
    if code.effect == Effect::Callback && contact.callback_at.is_none() {
        return Err(StoreError::Invalid(
            "call-back needs the time to call back".into(),
        ));
    }
    let turf_name: Option<String> = match contact.turf {
        Some(turf) => tx
            .query_row(
                "SELECT name FROM turfs WHERE id = ?1",
                params![turf],
                |row| row.get(0),
            )
            .optional()?,
        None => None,
    };
    // A call made under the registry's lease names it, and gives it up:
    // the result settles the target for now.
    let lease = match (contact.channel, phone.as_deref()) {
        (Channel::Phone, Some(phone)) => crate::lease::take_phone_lease(tx, phone)?,
        _ => None,
    };
    let record = ContactRecord {
        attempt_id: attempt_id.clone(),
        voter_id: contact.voter_id.clone(),
        channel: contact.channel,
        result: code.slug.to_owned(),
        phone: phone.clone(),
        call_list: item.as_ref().map(|(_, _, list, _)| list.clone()),
        turf: turf_name,
        answers: answers.clone(),
        note: (!contact.note.is_empty()).then(|| contact.note.clone()),
        volunteer: volunteer.clone(),
        recorded_at,
        lease: lease.clone(),
    };
    let hlc = append(tx, &Mutation::RecordContact(record.clone()), now)?;
    if let Some(lease) = lease {
        append(
            tx,
            &Mutation::ReleaseLease(LeaseRelease {
                target: lease.target,
                epoch: lease.epoch,
            }),
            now,
        )?;
    }
    tx.execute(
            "INSERT INTO contact_attempts (id, voter_id, household_id, channel, result, phone, call_list_id, \
             turf_id, volunteer, note, recorded_at, hlc) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT call_list_id FROM call_items WHERE id = ?7), ?8, ?9, ?10, ?11, ?12)",
            params![
                attempt_id,
                voter_row,
                household,
                contact.channel.slug(),
                code.slug,
                phone,
                contact.call_item,
                contact.turf,
                volunteer,
                contact.note,
                record.recorded_at,
                hlc.encode()
            ],
        )?;
    for answer in &answers {
        store_answer(tx, &attempt_id, answer)?;
    }
    let mut consequences = Vec::new();
    let consequence = Consequence {
        tx,
        now,
        voter_id: &contact.voter_id,
        voter_row,
        household,
        address_key: address_key.as_deref(),
        phone: phone.as_deref(),
        source: format!("result:{}", code.slug),
        volunteer: volunteer.as_deref(),
    };
    consequence.apply(code, contact, &mut consequences)?;
    if let Some((item_id, _, _, max_attempts)) = &item {
        update_item(tx, *item_id, *max_attempts, code, contact.callback_at, now)?;
    }
    Ok(ContactOutcome {
        attempt_id,
        result: code.slug.to_owned(),
        consequences,
        needs_confirmation: code.needs_confirmation,
    })
}

impl Store {
    /// A voter's contact history, newest first.
    pub fn contact_history(
        &self,
        voter_id: &VoterId,
    ) -> Result<Vec<ContactHistoryEntry>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, a.channel, a.result, a.phone, a.volunteer, a.note, a.recorded_at FROM contact_attempts a \
             JOIN voters v ON v.id = a.voter_id WHERE v.voter_id = ?1 ORDER BY a.recorded_at DESC, a.hlc DESC",
        )?;
        let mut answers = self.conn.prepare_cached(
            "SELECT question, answer, version, other FROM survey_answers WHERE attempt_id = ?1 ORDER BY question",
        )?;
        let questions = crate::script::all_versions(&self.conn)?;
        let roster = crate::volunteer::roster(&self.conn)?;
        let rows = statement
            .query_map(params![voter_id.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut history = Vec::new();
        for (attempt_id, channel, result, phone, volunteer, note, recorded_at) in rows {
            let given = answers
                .query_map(params![attempt_id], |row| {
                    Ok(SurveyAnswer {
                        question: row.get(0)?,
                        answer: row.get(1)?,
                        version: row.get(2)?,
                        other: row.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .map(|answer| {
                    let asked = questions
                        .iter()
                        .find(|q| Some(q.version) == answer.version && q.slug == answer.question);
                    GivenAnswer {
                        text: asked.map_or_else(String::new, |q| q.text.clone()),
                        label: asked
                            .and_then(|q| q.label(&answer.answer))
                            .map_or_else(|| answer.answer.clone(), str::to_owned),
                        question: answer.question,
                        version: answer.version,
                        answer: answer.answer,
                        other: answer.other,
                    }
                })
                .collect();
            let named = volunteer
                .as_ref()
                .and_then(|id| roster.iter().find(|v| &v.volunteer_id == id));
            history.push(ContactHistoryEntry {
                result_label: RESULT_CODES
                    .iter()
                    .find(|c| c.slug == result)
                    .map_or_else(|| result.clone(), |c| c.label.to_owned()),
                attempt_id,
                channel,
                result,
                phone,
                volunteer: named.map(|v| v.name.clone()).or_else(|| volunteer.clone()),
                volunteer_id: named.map(|v| v.volunteer_id.clone()),
                note,
                recorded_at,
                answers: given,
            });
        }
        Ok(history)
    }
}

/// Keeps one answer of an attempt, with the version that was asked.
pub(crate) fn store_answer(
    tx: &Transaction<'_>,
    attempt_id: &str,
    answer: &SurveyAnswer,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO survey_answers (attempt_id, question, answer, version, other) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            attempt_id,
            answer.question,
            answer.answer,
            answer.version,
            answer.other
        ],
    )?;
    Ok(())
}

/// The slugs of the codes a volunteer can record on `channel`, for messages.
fn codes_for(channel: Channel) -> String {
    ResultCode::for_channel(channel)
        .map(|c| c.slug)
        .collect::<Vec<_>>()
        .join(", ")
}

struct Consequence<'a> {
    tx: &'a Transaction<'a>,
    now: Timestamp,
    voter_id: &'a VoterId,
    voter_row: i64,
    household: Option<i64>,
    address_key: Option<&'a str>,
    phone: Option<&'a str>,
    source: String,
    volunteer: Option<&'a str>,
}

impl Consequence<'_> {
    /// Do not contact this person again, on any channel.
    fn suppress_person(&self) -> Result<String, StoreError> {
        dnc::insert(
            self.tx,
            Scope::Person,
            self.voter_id.as_str(),
            DncChannel::All,
            &self.source,
            self.volunteer,
            self.now,
        )
    }

    fn apply(
        &self,
        code: &ResultCode,
        contact: &NewContact,
        said: &mut Vec<String>,
    ) -> Result<(), StoreError> {
        let tx = self.tx;
        match code.effect {
            Effect::RecordAnswers | Effect::RetryLater | Effect::EndEffort => {}
            Effect::SuppressPerson => {
                self.suppress_person()?;
                said.push(format!(
                    "{} will not be contacted again on any channel",
                    self.voter_id
                ));
            }
            Effect::Deceased => {
                tx.execute(
                    "UPDATE voters SET deceased = 1 WHERE id = ?1",
                    params![self.voter_row],
                )?;
                self.suppress_person()?;
                said.push("marked deceased and suppressed everywhere; a coordinator confirms it before it changes the registry".into());
            }
            Effect::AddressBad => {
                tx.execute(
                    "UPDATE voters SET moved = 1 WHERE id = ?1",
                    params![self.voter_row],
                )?;
                said.push(
                    "marked moved; a coordinator confirms it before it changes the registry".into(),
                );
            }
            Effect::PhoneWrongForPerson => {
                tx.execute(
                    "UPDATE phones SET status = 'wrong' WHERE voter_id = ?1 AND number = ?2",
                    params![self.voter_row, self.phone],
                )?;
                said.push(format!(
                    "{} marked wrong for this voter",
                    self.phone.unwrap_or_default()
                ));
            }
            Effect::PhoneDisconnected => {
                let phones = tx.execute(
                    "UPDATE phones SET status = 'disconnected' WHERE number = ?1",
                    params![self.phone],
                )?;
                tx.execute(
                    "UPDATE call_items SET status = 'skipped', leased_to = NULL, lease_expires_at = NULL \
                     WHERE phone = ?1 AND status IN ('available', 'leased', 'attempted')",
                    params![self.phone],
                )?;
                said.push(format!(
                    "{} marked disconnected for everyone who lists it ({phones})",
                    self.phone.unwrap_or_default()
                ));
            }
            Effect::TryOtherChannel => {
                if let Some(household) = self.household {
                    tx.execute(
                        "UPDATE households SET inaccessible = 1 WHERE id = ?1",
                        params![household],
                    )?;
                    said.push("address marked inaccessible; try another channel".into());
                }
            }
            Effect::NeedsLanguage => {
                tx.execute(
                    "UPDATE voters SET language = CASE language WHEN '' THEN 'es' ELSE language END WHERE id = ?1",
                    params![self.voter_row],
                )?;
                tx.execute(
                    "UPDATE call_items SET needs_language = (SELECT language FROM voters WHERE id = ?1) \
                     WHERE voter_id = ?1",
                    params![self.voter_row],
                )?;
                said.push("routed to a volunteer who speaks the voter's language".into());
            }
            Effect::Callback => {
                if let (Some(item), Some(at)) = (contact.call_item, contact.callback_at) {
                    let callback = CallbackRecord {
                        callback_id: new_id(),
                        voter_id: self.voter_id.clone(),
                        phone: self.phone.unwrap_or_default().to_owned(),
                        call_list: tx.query_row(
                            "SELECT l.name FROM call_items i JOIN call_lists l ON l.id = i.call_list_id WHERE i.id = ?1",
                            params![item],
                            |row| row.get(0),
                        )?,
                        due_at: stamp(at),
                        recorded_at: stamp(self.now),
                    };
                    append(tx, &Mutation::ScheduleCallback(callback.clone()), self.now)?;
                    tx.execute(
                        "INSERT INTO callbacks (id, call_item_id, due_at) VALUES (?1, ?2, ?3)",
                        params![callback.callback_id, item, callback.due_at],
                    )?;
                    said.push(format!("call back at {}", callback.due_at));
                }
            }
            Effect::DoNotContact(channel) => {
                let target = match code.scope {
                    Scope::Phone => self.phone.map(str::to_owned),
                    Scope::Address | Scope::Household => self.address_key.map(str::to_owned),
                    Scope::Person => Some(self.voter_id.as_str().to_owned()),
                };
                let Some(target) = target else {
                    return Err(StoreError::Invalid(format!(
                        "{} needs a {} to apply to, and this voter has none on file",
                        code.slug,
                        code.scope.slug()
                    )));
                };
                dnc::insert(
                    tx,
                    code.scope,
                    &target,
                    channel,
                    &self.source,
                    self.volunteer,
                    self.now,
                )?;
                said.push(format!(
                    "do not contact by {} at this {}",
                    channel.slug(),
                    code.scope.slug()
                ));
            }
        }
        Ok(())
    }
}

/// Moves the call item forward: never back to a state it has left.
fn update_item(
    tx: &Transaction<'_>,
    item: i64,
    max_attempts: i64,
    code: &ResultCode,
    callback_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let attempts: i64 = tx.query_row(
        "SELECT attempts FROM call_items WHERE id = ?1",
        params![item],
        |row| row.get(0),
    )?;
    let attempts = attempts + 1;
    let (status, not_before) = match (code.effect, code.retry_after_hours) {
        (Effect::Callback, _) => ("attempted", callback_at.map(stamp)),
        (Effect::NeedsLanguage, _) => ("attempted", Some(stamp(now))),
        (_, Some(hours)) if attempts < max_attempts => (
            "attempted",
            Some(stamp(
                now.saturating_add(SignedDuration::from_hours(i64::from(hours)))
                    .unwrap_or(now),
            )),
        ),
        (Effect::PhoneWrongForPerson | Effect::PhoneDisconnected | Effect::DoNotContact(_), _) => {
            ("skipped", None)
        }
        _ => ("completed", None),
    };
    tx.execute(
        "UPDATE call_items SET status = ?2, attempts = ?3, last_attempt_at = ?4, not_before = ?5, \
         leased_to = NULL, lease_expires_at = NULL WHERE id = ?1 AND status NOT IN ('completed', 'skipped')",
        params![item, status, attempts, stamp(now), not_before],
    )?;
    Ok(())
}
