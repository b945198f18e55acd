//! Devices and their credentials: one-time enrolment codes, device secrets
//! and short-lived access tokens (see `docs/sync-protocol.md`, "Identity").
//!
//! Codes, secrets and tokens are random and high-entropy, so the database
//! keeps only their SHA-256: a stolen copy of it enrols nothing and opens
//! nothing.

use groundgame_domain::wire::{AccessToken, DeviceIdentity, Enrolment, Role};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// How long an access token works.
pub const TOKEN_SECONDS: u64 = 15 * 60;

/// Crockford's base32: no I, L, O or U, so a code read aloud or copied by
/// hand survives.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("an enrolment code is ten letters and digits, like 7KQ2M-X94RD; {0:?} is not one")]
    MalformedCode(String),
    #[error("this enrolment code is not valid: it was already used, it expired, or it was mistyped. Ask your coordinator for a new one")]
    UnknownCode,
    #[error("the device id or secret is wrong; if this laptop was enrolled again, use its new credential")]
    BadCredential,
    #[error("the access token is missing, expired or unknown; get a new one from POST /v1/token")]
    BadToken,
    #[error("this device was removed from the campaign and reported its data wiped; its credential no longer works. Ask the campaign's coordinator for a new enrolment code")]
    Wiped,
    #[error("{0}")]
    Invalid(String),
    #[error("no office named {0:?} in this campaign; `groundgame-registry admin office list` shows them")]
    NoSuchOffice(String),
    #[error("no device {0}; `groundgame-registry admin devices` lists them")]
    NoSuchDevice(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Characters of a code: ten (50 bits, `XXXXX-XXXXX`) for the people who
/// work an office, twenty (100 bits) for an admin's device, which sees the
/// whole campaign.
pub fn code_length(role: Role) -> usize {
    match role {
        Role::Admin => 20,
        Role::Canvasser | Role::Caller | Role::Coordinator => 10,
    }
}

/// A new one-time code, as shown to the coordinator, in groups of five.
pub fn new_code(length: usize) -> String {
    let mut bytes = vec![0_u8; length];
    OsRng.fill_bytes(&mut bytes);
    let chars: Vec<String> = bytes
        .chunks(5)
        .map(|group| {
            group
                .iter()
                .map(|byte| char::from(CROCKFORD[usize::from(byte & 31)]))
                .collect()
        })
        .collect();
    chars.join("-")
}

/// A code as typed, in canonical form: upper case, without separators, with
/// the letters Crockford reads as digits (O as 0, I and L as 1) mapped.
pub fn normalise_code(typed: &str) -> Result<String, IdentityError> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    if matches!(code.len(), 10 | 20) && code.bytes().all(|b| CROCKFORD.contains(&b)) {
        Ok(code)
    } else {
        Err(IdentityError::MalformedCode(typed.to_owned()))
    }
}

fn digest(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// 32 random bytes, in hex.
fn new_secret() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes a line to the campaign's audit log.
pub async fn audit(
    executor: impl sqlx::PgExecutor<'_>,
    campaign: Uuid,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (campaign_id, actor, action, detail) VALUES ($1, $2, $3, $4)",
    )
    .bind(campaign)
    .bind(actor)
    .bind(action)
    .bind(detail)
    .execute(executor)
    .await?;
    Ok(())
}

/// Issues a one-time code that enrols one device into `office` as `role`.
pub async fn issue_code(
    pool: &PgPool,
    campaign: Uuid,
    office: &str,
    role: Role,
    valid_hours: u32,
) -> Result<String, IdentityError> {
    let mut tx = pool.begin().await?;
    let office_id: Uuid =
        sqlx::query_scalar("SELECT id FROM offices WHERE campaign_id = $1 AND name = $2")
            .bind(campaign)
            .bind(office)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| IdentityError::NoSuchOffice(office.to_owned()))?;
    let code = new_code(code_length(role));
    let canonical = normalise_code(&code)?;
    sqlx::query(
        "INSERT INTO enrolment_codes (campaign_id, code_hash, office_id, role, issued_by, expires_at) \
         VALUES ($1, $2, $3, $4, 'admin', now() + make_interval(hours => $5))",
    )
    .bind(campaign)
    .bind(digest(&canonical))
    .bind(office_id)
    .bind(role.as_str())
    .bind(i32::try_from(valid_hours).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await?;
    audit(
        &mut *tx,
        campaign,
        "admin",
        "issue enrolment code",
        &format!(
            "office {office}, role {}, valid {valid_hours} h",
            role.as_str()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// Spends a code: the device is created and gets its credential.
pub async fn enrol(
    pool: &PgPool,
    typed_code: &str,
    device_name: &str,
    client: Option<std::net::IpAddr>,
) -> Result<Enrolment, IdentityError> {
    let canonical = match normalise_code(typed_code) {
        Ok(canonical) => canonical,
        Err(error) => {
            record_failed_enrolment(pool, None, client, "not a code").await?;
            return Err(error);
        }
    };
    let name = device_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(IdentityError::Invalid(
            "device_name must be 1 to 200 characters, e.g. \"Front desk laptop\"".into(),
        ));
    }
    let device_id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    // Spent in the same statement that checks it: two devices racing with
    // one code cannot both win.
    let spent: Option<(Uuid, Uuid, String)> = sqlx::query_as(
        "UPDATE enrolment_codes SET used_at = now(), device_id = $2 \
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() \
         RETURNING campaign_id, office_id, role",
    )
    .bind(digest(&canonical))
    .bind(device_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((campaign, office_id, role)) = spent else {
        drop(tx);
        record_failed_enrolment(pool, Some(&canonical), client, "used, expired or unknown").await?;
        return Err(IdentityError::UnknownCode);
    };
    let role = Role::parse(&role)
        .ok_or_else(|| IdentityError::Invalid(format!("stored role {role:?} is unknown")))?;
    let secret = new_secret();
    sqlx::query(
        "INSERT INTO devices (campaign_id, id, office_id, role, name, secret_hash) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(campaign)
    .bind(device_id)
    .bind(office_id)
    .bind(role.as_str())
    .bind(name)
    .bind(digest(&secret))
    .execute(&mut *tx)
    .await?;
    let (campaign_name, office_name): (String, String) = sqlx::query_as(
        "SELECT c.name, o.name FROM offices o JOIN campaigns c ON c.id = o.campaign_id \
         WHERE o.campaign_id = $1 AND o.id = $2",
    )
    .bind(campaign)
    .bind(office_id)
    .fetch_one(&mut *tx)
    .await?;
    audit(
        &mut *tx,
        campaign,
        &format!("device:{device_id}"),
        "enrol",
        &format!("{name:?} into {office_name} as {}", role.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(Enrolment {
        device_id: device_id.to_string(),
        device_secret: secret,
        campaign: campaign_name,
        office: office_name,
        role,
    })
}

/// Keeps a refused enrolment attempt: in the campaign's audit log when the
/// code was one of its (used or expired), and always in `failed_enrolments`
/// with the client's address.
async fn record_failed_enrolment(
    pool: &PgPool,
    canonical: Option<&str>,
    client: Option<std::net::IpAddr>,
    reason: &str,
) -> Result<(), IdentityError> {
    let campaign: Option<Uuid> = match canonical {
        Some(code) => {
            sqlx::query_scalar("SELECT campaign_id FROM enrolment_codes WHERE code_hash = $1")
                .bind(digest(code))
                .fetch_optional(pool)
                .await?
        }
        None => None,
    };
    let client = client.map(|address| address.to_string());
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO failed_enrolments (campaign_id, client, reason) VALUES ($1, $2, $3)")
        .bind(campaign)
        .bind(&client)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
    if let Some(campaign) = campaign {
        audit(
            &mut *tx,
            campaign,
            &format!("client:{}", client.as_deref().unwrap_or("unknown")),
            "enrol refused",
            &format!("a {reason} code"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Trades a device's credential for an access token.
pub async fn issue_token(
    pool: &PgPool,
    device_id: &str,
    secret: &str,
) -> Result<AccessToken, IdentityError> {
    let device_id: Uuid = device_id
        .parse()
        .map_err(|_| IdentityError::BadCredential)?;
    let found: Option<(Uuid, bool, bool)> = sqlx::query_as(
        "UPDATE devices SET last_seen_at = now() WHERE id = $1 AND secret_hash = $2 \
         RETURNING campaign_id, revoked_at IS NOT NULL, wiped_at IS NOT NULL",
    )
    .bind(device_id)
    .bind(digest(secret))
    .fetch_optional(pool)
    .await?;
    let Some((campaign, revoked, wiped)) = found else {
        return Err(IdentityError::BadCredential);
    };
    if wiped {
        // The wipe was reported: whoever holds this credential now is not
        // the laptop that was enrolled.
        return Err(IdentityError::Wiped);
    }
    purge_expired_tokens(pool).await?;
    let token = new_secret();
    sqlx::query(
        "INSERT INTO access_tokens (campaign_id, token_hash, device_id, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(campaign)
    .bind(digest(&token))
    .bind(device_id)
    .bind(TOKEN_SECONDS as f64)
    .execute(pool)
    .await?;
    Ok(AccessToken {
        access_token: token,
        expires_in: TOKEN_SECONDS,
        revoked,
    })
}

/// Expired tokens are deleted as new ones are issued, a bounded batch at a
/// time (7,000 laptops take millions a day); rows another request is
/// already deleting are skipped, so concurrent token requests never wait on
/// each other here. A token is kept an hour past its expiry for the logs.
async fn purge_expired_tokens(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM access_tokens WHERE ctid IN ( \
           SELECT ctid FROM access_tokens WHERE expires_at < now() - interval '1 hour' \
           LIMIT 500 FOR UPDATE SKIP LOCKED)",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The device an access token belongs to, checked on every request.
#[derive(Debug, Clone)]
pub struct Device {
    pub campaign: Uuid,
    pub id: Uuid,
    pub office: Uuid,
    pub role: Role,
    pub revoked: bool,
}

impl Device {
    /// The precincts of the device's office: its scope, computed by the
    /// registry on every request rather than trusted from the device.
    pub async fn precincts(
        &self,
        executor: impl sqlx::PgExecutor<'_>,
    ) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT precinct_code FROM office_precincts WHERE campaign_id = $1 AND office_id = $2 \
             ORDER BY precinct_code",
        )
        .bind(self.campaign)
        .bind(self.office)
        .fetch_all(executor)
        .await
    }
}

pub async fn authenticate(pool: &PgPool, token: &str) -> Result<Device, IdentityError> {
    let found: Option<(Uuid, Uuid, Uuid, String, bool)> = sqlx::query_as(
        "SELECT d.campaign_id, d.id, d.office_id, d.role, d.revoked_at IS NOT NULL \
         FROM access_tokens t JOIN devices d ON d.campaign_id = t.campaign_id AND d.id = t.device_id \
         WHERE t.token_hash = $1 AND t.expires_at > now() AND d.wiped_at IS NULL",
    )
    .bind(digest(token))
    .fetch_optional(pool)
    .await?;
    let (campaign, id, office, role, revoked) = found.ok_or(IdentityError::BadToken)?;
    Ok(Device {
        campaign,
        id,
        office,
        role: Role::parse(&role).ok_or(IdentityError::BadToken)?,
        revoked,
    })
}

/// The device as it is shown to itself, with its office's scope.
pub async fn identity(pool: &PgPool, device: &Device) -> Result<DeviceIdentity, IdentityError> {
    let (device_name, campaign, office): (String, String, String) = sqlx::query_as(
        "SELECT d.name, c.name, o.name FROM devices d \
         JOIN offices o ON o.campaign_id = d.campaign_id AND o.id = d.office_id \
         JOIN campaigns c ON c.id = d.campaign_id \
         WHERE d.campaign_id = $1 AND d.id = $2",
    )
    .bind(device.campaign)
    .bind(device.id)
    .fetch_one(pool)
    .await?;
    let precincts = device.precincts(pool).await?;
    Ok(DeviceIdentity {
        device_id: device.id.to_string(),
        device_name,
        campaign,
        office,
        role: device.role,
        precincts,
    })
}

/// A revoked device reports that it has wiped its database and key.
pub async fn wiped(pool: &PgPool, device: &Device) -> Result<(), IdentityError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE devices SET wiped_at = coalesce(wiped_at, now()) \
         WHERE campaign_id = $1 AND id = $2 AND revoked_at IS NOT NULL",
    )
    .bind(device.campaign)
    .bind(device.id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut *tx,
        device.campaign,
        &format!("device:{}", device.id),
        "wiped",
        "the revoked device wiped its database and key",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes a device: its tokens stop working for everything but pushing
/// what it still holds, which waits in review (see the protocol), and its
/// leases end at once.
pub async fn revoke(pool: &PgPool, campaign: Uuid, device: &str) -> Result<(), IdentityError> {
    let device_id: Uuid = device
        .parse()
        .map_err(|_| IdentityError::NoSuchDevice(device.to_owned()))?;
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE devices SET revoked_at = coalesce(revoked_at, now()) \
         WHERE campaign_id = $1 AND id = $2",
    )
    .bind(campaign)
    .bind(device_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(IdentityError::NoSuchDevice(device.to_owned()));
    }
    let ended = crate::leases::end_for_device(&mut tx, campaign, device_id).await?;
    audit(
        &mut *tx,
        campaign,
        "admin",
        "revoke",
        &format!("{device_id}; {ended} call leases ended"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ten_crockford_characters_and_survive_retyping() {
        for length in [10, 20] {
            let code = new_code(length);
            assert_eq!(code.len(), length + length / 5 - 1, "{code}");
            assert_eq!(normalise_code(&code).expect("valid").len(), length);
        }
        assert_eq!(code_length(Role::Admin), 20, "an admin's code is 100 bits");
        assert_eq!(code_length(Role::Coordinator), 10);
        for _ in 0..100 {
            let code = new_code(10);
            assert_eq!(code.len(), 11);
            let canonical = normalise_code(&code).expect("a fresh code is valid");
            assert_eq!(canonical, code.replace('-', ""));
            let retyped = code.to_lowercase().replace('0', "o").replace('1', "l");
            assert_eq!(normalise_code(&retyped).expect("retyped"), canonical);
        }
        for bad in ["", "12345", "7KQ2M-X94RD-1", "7KQ2M-X94R!", "UUUUU-UUUUU"] {
            assert!(
                matches!(normalise_code(bad), Err(IdentityError::MalformedCode(_))),
                "{bad:?}"
            );
        }
    }
}
