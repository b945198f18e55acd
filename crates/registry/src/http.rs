//! The registry's HTTP API (see `docs/sync-protocol.md`).

use crate::error::{ApiError, ApiJson};
use crate::identity::{self, Device};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use groundgame_domain::wire::{
    AccessToken, DeviceIdentity, EnrolRequest, Enrolment, Health, HealthStatus, TokenRequest,
    PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use sqlx::PgPool;

/// The oldest protocol version this registry still has handlers for.
pub const PROTOCOL_MIN: u32 = 1;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub fn router(pool: PgPool) -> Router {
    let api = Router::new()
        .route("/v1/enrol", post(enrol))
        .route("/v1/token", post(token))
        .route("/v1/whoami", get(whoami))
        .route_layer(middleware::from_fn(require_protocol));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(pool)
}

/// Up, and able to reach the database: 200. Up, but the database is not
/// answering: 503, so a load balancer takes this instance out of rotation.
async fn healthz(State(pool): State<PgPool>) -> (StatusCode, Json<Health>) {
    let schema_version = crate::db::schema_version(&pool).await;
    let (status, code) = match schema_version {
        Some(_) => (HealthStatus::Ok, StatusCode::OK),
        None => (
            HealthStatus::DatabaseUnavailable,
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    };
    (
        code,
        Json(Health {
            status,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol_min: PROTOCOL_MIN,
            protocol_max: PROTOCOL_VERSION,
            schema_version: schema_version.unwrap_or(0),
        }),
    )
}

/// Every API request names the protocol it speaks; one this registry has no
/// handlers for is refused before anything else happens.
async fn require_protocol(request: Request, next: Next) -> Result<Response, ApiError> {
    let sent = request
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    match sent.map(str::parse::<u32>) {
        Some(Ok(version)) if (PROTOCOL_MIN..=PROTOCOL_VERSION).contains(&version) => {
            Ok(next.run(request).await)
        }
        _ => Err(ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "protocol_unsupported",
            format!(
                "this registry speaks sync protocol {PROTOCOL_MIN} to {PROTOCOL_VERSION} and the request {}; update groundgame (or the registry) so they match",
                match sent {
                    Some(text) => format!("sent {PROTOCOL_HEADER}: {text:?}"),
                    None => format!("did not send the {PROTOCOL_HEADER} header"),
                }
            ),
        )),
    }
}

async fn enrol(
    State(pool): State<PgPool>,
    ApiJson(request): ApiJson<EnrolRequest>,
) -> Result<Json<Enrolment>, ApiError> {
    Ok(Json(
        identity::enrol(&pool, &request.code, &request.device_name).await?,
    ))
}

async fn token(
    State(pool): State<PgPool>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    Ok(Json(
        identity::issue_token(&pool, &request.device_id, &request.device_secret).await?,
    ))
}

async fn whoami(
    State(pool): State<PgPool>,
    Active(device): Active,
) -> Result<Json<DeviceIdentity>, ApiError> {
    Ok(Json(identity::identity(&pool, &device).await?))
}

/// The device behind the request's bearer token.
pub struct Authenticated(pub Device);

impl FromRequestParts<PgPool> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, pool: &PgPool) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if token.is_empty() {
            return Err(identity::IdentityError::BadToken.into());
        }
        Ok(Self(identity::authenticate(pool, token).await?))
    }
}

/// An authenticated device that has not been revoked: what every request
/// but a revoked device's last push needs.
pub struct Active(pub Device);

impl FromRequestParts<PgPool> for Active {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, pool: &PgPool) -> Result<Self, ApiError> {
        let Authenticated(device) = Authenticated::from_request_parts(parts, pool).await?;
        if device.revoked {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "device_revoked",
                "this device was revoked by the campaign: push what it still holds, then it wipes its data",
            ));
        }
        Ok(Self(device))
    }
}
