//! The registry's HTTP API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use groundgame_domain::wire::{Health, HealthStatus, PROTOCOL_VERSION};
use sqlx::PgPool;

/// The oldest protocol version this registry still has handlers for.
pub const PROTOCOL_MIN: u32 = 1;

pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
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
