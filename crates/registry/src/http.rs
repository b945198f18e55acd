//! The registry's HTTP API (see `docs/sync-protocol.md`).

use crate::error::{ApiError, ApiJson};
use crate::identity::{self, Device};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use groundgame_domain::results::CampaignStats;
use groundgame_domain::review::{ReviewDecision, ReviewList, ReviewResolution};
use groundgame_domain::wire::ErrorCode;
use groundgame_domain::wire::{
    AccessToken, ApiErrorBody, DeviceIdentity, EnrolRequest, Enrolment, Health, HealthStatus,
    LeaseRequest, LeaseResponse, PullResponse, PushRequest, PushResponse, TokenRequest,
    PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use serde::Deserialize;
use sqlx::PgPool;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The oldest protocol version this registry still has handlers for.
pub const PROTOCOL_MIN: u32 = 1;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Requests one registry instance works on at once; more are answered
/// `503` straight away (clients retry with backoff and full jitter), so a
/// crowd of laptops coming online together waits on their side rather than
/// in this process's memory. Per instance by design: each protects itself.
pub const IN_FLIGHT: usize = 256;

/// The largest body of a request that needs no token (enrolment, tokens):
/// a code or a credential and a name.
pub const SMALL_BODY_LIMIT: usize = 4 * 1024;

/// What one registry instance allows a client, and how long it waits for
/// one. Each instance keeps its own counts (it protects itself, as with
/// `IN_FLIGHT`); behind a load balancer a client's allowance is per
/// instance. Rates are per minute; `None` turns a limit off.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requests worked on at once.
    pub in_flight: usize,
    /// Snapshots streaming at once, and per device one at a time.
    pub snapshots: usize,
    /// A connection must send a request's headers within this.
    pub header_timeout: Duration,
    /// ... and its body within this.
    pub body_timeout: Duration,
    /// A request is answered (a snapshot's stream started) within this.
    pub request_timeout: Duration,
    /// Requests of any kind from one client address. A field office's
    /// laptops share one address behind its router.
    pub per_address: Option<Rate>,
    /// Enrolment attempts from one client address: codes are guessed here.
    pub enrolments_per_address: Option<Rate>,
    /// Requests from one device.
    pub per_device: Option<Rate>,
}

/// A sustained rate per minute and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for Config {
    /// A laptop's sync is a token, a few pushes and pulls and some lease
    /// requests: a dozen requests every two minutes. An office of fifty
    /// laptops behind one address stays well inside these.
    fn default() -> Self {
        Self {
            in_flight: IN_FLIGHT,
            snapshots: 8,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(60),
            per_address: Some(Rate {
                per_minute: 3_000,
                burst: 1_000,
            }),
            enrolments_per_address: Some(Rate {
                per_minute: 10,
                burst: 20,
            }),
            per_device: Some(Rate {
                per_minute: 600,
                burst: 200,
            }),
        }
    }
}

impl Config {
    /// No rate limits (a load benchmark's thousands of laptops all come
    /// from one loopback address); the timeouts and bounds stay.
    pub fn unlimited() -> Self {
        Self {
            per_address: None,
            enrolments_per_address: None,
            per_device: None,
            ..Self::default()
        }
    }
}

type KeyedLimiter<K> = governor::RateLimiter<
    K,
    governor::state::keyed::DefaultKeyedStateStore<K>,
    governor::clock::DefaultClock,
>;

fn limiter<K: std::hash::Hash + Eq + Clone>(rate: Option<Rate>) -> Option<KeyedLimiter<K>> {
    let rate = rate?;
    let per_minute = std::num::NonZeroU32::new(rate.per_minute)?;
    let burst = std::num::NonZeroU32::new(rate.burst.max(1))?;
    Some(governor::RateLimiter::keyed(
        governor::Quota::per_minute(per_minute).allow_burst(burst),
    ))
}

/// The instance's guards, shared by every request.
pub(crate) struct Guard {
    config: Config,
    permits: Semaphore,
    per_address: Option<KeyedLimiter<IpAddr>>,
    enrolments: Option<KeyedLimiter<IpAddr>>,
    per_device: Option<KeyedLimiter<uuid::Uuid>>,
    pub(crate) snapshots: crate::snapshot::SnapshotSlots,
    checks: std::sync::atomic::AtomicU64,
}

impl Guard {
    fn new(config: Config) -> Self {
        Self {
            permits: Semaphore::new(config.in_flight),
            per_address: limiter(config.per_address),
            enrolments: limiter(config.enrolments_per_address),
            per_device: limiter(config.per_device),
            snapshots: crate::snapshot::SnapshotSlots::new(config.snapshots),
            checks: Default::default(),
            config,
        }
    }

    /// A refusal naming when to come back, or nothing.
    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: Option<&KeyedLimiter<K>>,
        key: &K,
        what: &str,
    ) -> Result<(), ApiError> {
        // Forget clients that went quiet, now and then, so the tables stay
        // the size of the active clients.
        let checks = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if checks % 10_000 == 9_999 {
            for limiter in [&self.per_address, &self.enrolments].into_iter().flatten() {
                limiter.retain_recent();
            }
            if let Some(limiter) = &self.per_device {
                limiter.retain_recent();
            }
        }
        let Some(limiter) = limiter else {
            return Ok(());
        };
        match limiter.check_key(key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                let seconds = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX).max(1);
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    format!("too many requests from {what}; nothing was changed, try again in {seconds} s"),
                )
                .retry_after(seconds))
            }
        }
    }

    /// Called once a request's device is known.
    pub(crate) fn check_device(&self, device: uuid::Uuid) -> Result<(), ApiError> {
        self.check(self.per_device.as_ref(), &device, "this device")
    }
}

/// The OpenAPI document's frame; each handler adds its own path from its
/// `#[utoipa::path]`, so the document lists exactly the routes served.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "groundgame registry",
        description = "The campaign registry's sync API. The protocol is described in docs/sync-protocol.md; every /v1 request sends x-groundgame-protocol and x-groundgame-app-version."
    ),
    modifiers(&BearerToken)
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The refusals `guard_request` and the token extractors can give on any
/// `/v1` route, before its handler runs: each route's document lists them
/// too (schemathesis found 429 answered on routes that did not say so).
const GUARD_REFUSALS: [(&str, &str); 4] = [
    (
        "408",
        "The body or the whole request took longer than the registry waits",
    ),
    ("413", "Body over the limit"),
    (
        "429",
        "Too many requests from this device or address; try again after Retry-After",
    ),
    (
        "503",
        "Too many requests in flight, or the database had a bad moment; try again after Retry-After",
    ),
];

fn document_guard_refusals(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    for (path, item) in openapi.paths.paths.iter_mut() {
        if !path.starts_with("/v1/") {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, description) in GUARD_REFUSALS {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                                        .build(),
                                )
                                .build(),
                        )
                    });
            }
        }
    }
}

/// The router and the OpenAPI document describing it.
pub fn router_and_openapi(pool: PgPool) -> (Router, utoipa::openapi::OpenApi) {
    router_and_openapi_with(pool, Config::default())
}

pub fn router_with(pool: PgPool, config: Config) -> Router {
    router_and_openapi_with(pool, config).0
}

fn router_and_openapi_with(pool: PgPool, config: Config) -> (Router, utoipa::openapi::OpenApi) {
    let (api, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(enrol))
        .routes(routes!(token))
        .routes(routes!(whoami))
        .routes(routes!(push))
        .routes(routes!(pull))
        .routes(routes!(lease))
        .routes(routes!(snapshot))
        .routes(routes!(wiped))
        .routes(routes!(review_list))
        .routes(routes!(review_resolve))
        .routes(routes!(stats))
        .split_for_parts();
    document_guard_refusals(&mut openapi);
    let guard = Arc::new(Guard::new(config));
    let api = api
        .route_layer(middleware::from_fn(require_protocol))
        .route_layer(middleware::from_fn_with_state(guard, guard_request));
    let (health, health_doc) = OpenApiRouter::new()
        .routes(routes!(healthz))
        .split_for_parts();
    openapi.merge(health_doc);
    // Serialised once: the router (and what its handlers capture) is cloned
    // for every connection, and a document kept as a value was copied with
    // it, about half a megabyte per open connection (found with heaptrack
    // under 7,000 connections).
    let document = axum::body::Bytes::from(
        serde_json::to_vec(&openapi).expect("the OpenAPI document is plain data and serialises"),
    );
    let router = Router::new()
        .merge(health)
        .merge(api)
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        document,
                    )
                }
            }),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(pool);
    (router, openapi)
}

pub fn router(pool: PgPool) -> Router {
    router_and_openapi(pool).0
}

/// Up, and able to reach the database: 200. Up, but the database is not
/// answering: 503, so a load balancer takes this instance out of rotation.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, description = "Up, with the protocol versions it speaks", body = Health),
    (status = 503, description = "Up, but its database is not answering", body = Health),
))]
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

/// Every API request, before its handler: the client address's allowance
/// (and, for enrolment, its allowance of attempts), then its whole body read
/// within the body timeout and size-checked (a small limit where no token
/// is needed), and only then a permit, so slow or oversized clients never
/// hold one; the handler must answer within the request timeout. Past
/// `in_flight` requests the registry sheds load instead of queueing.
async fn guard_request(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let path = request.uri().path().to_owned();
    let address = crate::serve::client_address(request.extensions()).map(|a| a.ip());
    if let Some(address) = address {
        guard.check(guard.per_address.as_ref(), &address, "this address")?;
        if path == "/v1/enrol" {
            guard.check(
                guard.enrolments.as_ref(),
                &address,
                "this address's enrolments",
            )?;
        }
    }
    let limit = if matches!(path.as_str(), "/v1/enrol" | "/v1/token") {
        SMALL_BODY_LIMIT
    } else {
        BODY_LIMIT
    };
    let (mut parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(
        guard.config.body_timeout,
        axum::body::to_bytes(body, limit),
    )
    .await
    {
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::Timeout,
                format!(
                    "the request body did not arrive within {} s; nothing was changed",
                    guard.config.body_timeout.as_secs()
                ),
            ))
        }
        Ok(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                format!(
                    "the request body is over this endpoint's limit of {limit} bytes (or broke off); nothing was changed"
                ),
            ))
        }
        Ok(Ok(bytes)) => bytes,
    };
    let Ok(_permit) = guard.permits.try_acquire() else {
        return Err(ApiError::unavailable(
            "the registry is busy; nothing was changed, try again in a moment",
        ));
    };
    parts.extensions.insert(guard.clone());
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    match tokio::time::timeout(guard.config.request_timeout, next.run(request)).await {
        Ok(response) => Ok(response),
        Err(_) => {
            tracing::warn!(path, "request timed out");
            Err(ApiError::unavailable(
                "the registry could not answer in time; nothing was changed, try again shortly",
            ))
        }
    }
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
            ErrorCode::ProtocolUnsupported,
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

/// A device's first contact: spends a coordinator's one-time code.
#[utoipa::path(post, path = "/v1/enrol", request_body = EnrolRequest, responses(
    (status = 200, description = "Enrolled; the secret is shown this once", body = Enrolment),
    (status = 400, description = "Malformed code or body", body = ApiErrorBody),
    (status = 401, description = "Code used, expired or unknown", body = ApiErrorBody),
    (status = 413, description = "Body over the limit", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
    (status = 429, description = "Too many attempts from this address", body = ApiErrorBody),
))]
async fn enrol(
    State(pool): State<PgPool>,
    crate::serve::ClientAddress(client): crate::serve::ClientAddress,
    ApiJson(request): ApiJson<EnrolRequest>,
) -> Result<Json<Enrolment>, ApiError> {
    Ok(Json(
        identity::enrol(&pool, &request.code, &request.device_name, client).await?,
    ))
}

/// Trades a device's credential for a short-lived access token.
#[utoipa::path(post, path = "/v1/token", request_body = TokenRequest, responses(
    (status = 200, description = "A token; `revoked` says the device may only push", body = AccessToken),
    (status = 400, description = "Malformed body", body = ApiErrorBody),
    (status = 401, description = "Wrong device id or secret", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn token(
    State(pool): State<PgPool>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    Ok(Json(
        identity::issue_token(&pool, &request.device_id, &request.device_secret).await?,
    ))
}

/// The device and the scope the registry computed for it.
#[utoipa::path(get, path = "/v1/whoami", security(("device_token" = [])), responses(
    (status = 200, description = "The device and its office's precincts", body = DeviceIdentity),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "The device was revoked", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn whoami(
    State(pool): State<PgPool>,
    Active(device): Active,
) -> Result<Json<DeviceIdentity>, ApiError> {
    Ok(Json(identity::identity(&pool, &device).await?))
}

/// Applies the oldest pending part of the device's outbox, exactly once.
/// A revoked device may still push what it holds.
#[utoipa::path(post, path = "/v1/push", request_body = PushRequest, security(("device_token" = [])), responses(
    (status = 200, description = "Every mutation's result, in order", body = PushResponse),
    (status = 400, description = "Malformed body, or sequences that are not consecutive", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 409, description = "A sequence gap or a reused sequence; nothing applied", body = ApiErrorBody),
    (status = 413, description = "Over 500 mutations or 4 MiB", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
    (status = 503, description = "The database is not answering; nothing applied", body = ApiErrorBody),
))]
async fn push(
    State(pool): State<PgPool>,
    Authenticated(device): Authenticated,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    Ok(Json(crate::push::push(&pool, &device, request).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PullParams {
    /// The position the device has read up to (0 at first).
    after: i64,
    /// At most this many changes (1 to 5000; 1000 if not given).
    limit: Option<u32>,
}

/// The next changes in the device's scope, in commit order.
#[utoipa::path(get, path = "/v1/pull", params(PullParams), security(("device_token" = [])), responses(
    (status = 200, description = "A page of changes and the checkpoint reached", body = PullResponse),
    (status = 400, description = "Bad `after` or `limit`", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "The device was revoked", body = ApiErrorBody),
    (status = 409, description = "The device has read past the registry's feed (a restored registry)", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn pull(
    State(pool): State<PgPool>,
    Active(device): Active,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError::malformed(format!(
            "pull takes ?after=<position>&limit=<1..5000>: {}",
            rejection.body_text()
        ))
    })?;
    Ok(Json(
        crate::feed::pull(&pool, &device, params.after, params.limit.unwrap_or(1_000)).await?,
    ))
}

/// Leases (or renews) call targets for this device: each is granted, or
/// named as held by another device until a time.
#[utoipa::path(post, path = "/v1/leases", request_body = LeaseRequest, security(("device_token" = [])), responses(
    (status = 200, description = "What was granted and what others hold", body = LeaseResponse),
    (status = 400, description = "No targets, too many, a bad target or a bad ttl", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "Revoked, or a target outside the device's office; nothing leased", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn lease(
    State(pool): State<PgPool>,
    Active(device): Active,
    ApiJson(request): ApiJson<LeaseRequest>,
) -> Result<Json<LeaseResponse>, ApiError> {
    Ok(Json(crate::leases::lease(&pool, &device, request).await?))
}

/// A revoked device has pushed what it held and wiped its database and key.
#[utoipa::path(post, path = "/v1/device/wiped", security(("device_token" = [])), responses(
    (status = 204, description = "Recorded"),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "The device is not revoked: it has no reason to wipe", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn wiped(
    State(pool): State<PgPool>,
    Authenticated(device): Authenticated,
) -> Result<StatusCode, ApiError> {
    if !device.revoked {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OutsideScope,
            "only a revoked device reports a wipe; this one is still enrolled",
        ));
    }
    identity::wiped(&pool, &device).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ReviewParams {
    /// Items after this id (0, or absent, at first).
    after: Option<i64>,
    /// At most this many items (1 to 200; 50 if not given).
    limit: Option<u32>,
}

/// The open items of the review queue this coordinator decides: those
/// about voters in the office (every item, for an admin), oldest first.
#[utoipa::path(get, path = "/v1/review", params(ReviewParams), security(("device_token" = [])), responses(
    (status = 200, description = "A page of open items and how many are open", body = ReviewList),
    (status = 400, description = "Bad `after` or `limit`", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "Revoked, or not a coordinator's or an admin's device", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn review_list(
    State(pool): State<PgPool>,
    Active(device): Active,
    params: Result<Query<ReviewParams>, QueryRejection>,
) -> Result<Json<ReviewList>, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError::malformed(format!(
            "review takes ?after=<item id>&limit=<1..200>: {}",
            rejection.body_text()
        ))
    })?;
    Ok(Json(
        crate::review::list(
            &pool,
            &device,
            params.after.unwrap_or(0),
            params.limit.unwrap_or(50),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsParams {
    /// The time zone days are counted in: an IANA name (`America/New_York`);
    /// UTC if not given.
    zone: Option<String>,
}

/// The campaign's figures by office: attempts, contacts and contact rate
/// per day against each office's goals, support answers by level and
/// supporters identified, computed by the same functions as every laptop's
/// Office dashboard. An admin's device sees every office; a coordinator's,
/// its own office and the campaign's totals.
#[utoipa::path(get, path = "/v1/stats", params(StatsParams), security(("device_token" = [])), responses(
    (status = 200, description = "The figures by office and for the whole campaign", body = CampaignStats),
    (status = 400, description = "A zone that is not a time zone", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "Revoked, or not a coordinator's or an admin's device", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn stats(
    State(pool): State<PgPool>,
    Active(device): Active,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Result<Json<CampaignStats>, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError::malformed(format!(
            "stats takes ?zone=<an IANA time zone>: {}",
            rejection.body_text()
        ))
    })?;
    let zone = params.zone.as_deref().unwrap_or("UTC");
    Ok(Json(
        crate::stats::campaign_stats(&pool, &device, zone).await?,
    ))
}

/// Decides one item; the outcome reaches the office's laptops through the
/// change feed.
#[utoipa::path(post, path = "/v1/review/{id}", request_body = ReviewDecision, security(("device_token" = [])),
    params(("id" = i64, Path, description = "The item's id")),
    responses(
    (status = 200, description = "What the decision did", body = ReviewResolution),
    (status = 400, description = "Malformed body, or a decision that does not apply to this kind of item", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "Revoked, not a coordinator's device, or an item outside the office", body = ApiErrorBody),
    (status = 404, description = "No such item in this campaign", body = ApiErrorBody),
    (status = 409, description = "Already decided, or it can no longer be applied; nothing changed", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn review_resolve(
    State(pool): State<PgPool>,
    Active(device): Active,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(decision): ApiJson<ReviewDecision>,
) -> Result<Json<ReviewResolution>, ApiError> {
    let Path(id) = id.map_err(|rejection| {
        ApiError::malformed(format!(
            "the review item's id is a number: {}",
            rejection.body_text()
        ))
    })?;
    Ok(Json(
        crate::review::resolve(&pool, &device, id, decision).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SnapshotParams {
    /// Resume after this row: `<entity>:<key>`, from the last row stored.
    after: Option<String>,
}

/// The device's whole scope as JSON lines (gzip when accepted): a header
/// with the feed position to pull from afterwards, the rows entity by
/// entity in key order, and an end line.
#[utoipa::path(get, path = "/v1/snapshot", params(SnapshotParams), security(("device_token" = [])), responses(
    (status = 200, description = "application/x-ndjson: header, rows, end", content_type = "application/x-ndjson", body = String),
    (status = 400, description = "A bad resume point", body = ApiErrorBody),
    (status = 401, description = "No, expired or unknown token", body = ApiErrorBody),
    (status = 403, description = "The device was revoked", body = ApiErrorBody),
    (status = 426, description = "Protocol version not spoken here", body = ApiErrorBody),
))]
async fn snapshot(
    State(pool): State<PgPool>,
    Active(device): Active,
    axum::Extension(guard): axum::Extension<Arc<Guard>>,
    headers: axum::http::HeaderMap,
    params: Result<Query<SnapshotParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError::malformed(format!(
            "snapshot takes ?after=<entity>:<key>: {}",
            rejection.body_text()
        ))
    })?;
    let slot = guard.snapshots.take(device.id)?;
    crate::snapshot::snapshot(&pool, &device, slot, params.after.as_deref(), &headers).await
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
        let device = identity::authenticate(pool, token).await?;
        if let Some(guard) = parts.extensions.get::<Arc<Guard>>() {
            guard.check_device(device.id)?;
        }
        Ok(Self(device))
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
                ErrorCode::DeviceRevoked,
                "this device was revoked by the campaign: push what it still holds, then it wipes its data",
            ));
        }
        Ok(Self(device))
    }
}
