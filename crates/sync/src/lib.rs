//! The device side of sync with the campaign registry.
//!
//! `RegistryClient` is the HTTP client every sync step goes through: it
//! stamps each request with the protocol and app version and turns transport
//! and version problems into errors that say whether retrying can help.
//! `engine` runs a whole sync (push, pull, apply) against a local store, and
//! `retry` is its backoff (see ARCHITECTURE.md and docs/sync-protocol.md).

pub mod engine;
pub mod retry;
pub mod review;
pub mod stats;
pub mod turf;

pub use engine::{sync, LocalStore, Rejection, SyncOptions, SyncReport, SyncStep};

use groundgame_domain::results::CampaignStats;
use groundgame_domain::review::{ReviewDecision, ReviewList, ReviewResolution};
use groundgame_domain::wire::{
    AccessToken, ApiErrorBody, DeviceIdentity, EnrolRequest, Enrolment, ErrorCode, Health,
    HealthStatus, LeaseRequest, LeaseResponse, PullResponse, PushMutation, PushRequest,
    PushResponse, TokenRequest, APP_VERSION_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// This build's version, sent with every request.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the registry address {0:?} is not a valid http(s) URL")]
    BadAddress(String),
    #[error("the registry address {0:?} is plain http: the laptop's credential would cross the network readable by anyone on it. Use the registry's https:// address (plain http is only for a registry on this machine)")]
    InsecureAddress(String),
    #[error("cannot reach the registry at {url}: {source}. Your work is kept on this laptop; sync will retry when the registry is reachable")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the registry at {url} refused the request ({status}): {body}")]
    Refused {
        url: String,
        status: u16,
        /// The registry's stable error code (`device_revoked`, ...), if it
        /// sent one.
        code: String,
        body: String,
        /// The registry's `Retry-After`, in seconds, if it sent one.
        retry_after: Option<u64>,
    },
    #[error("the registry speaks sync protocol {min}..={max} but this app speaks {ours}; update groundgame (or the registry) so they match")]
    IncompatibleProtocol { min: u32, max: u32, ours: u32 },
    #[error("the registry at {url} is up but cannot reach its database; try again later or tell the campaign's admin")]
    RegistryDegraded { url: String },
    #[error("the registry's snapshot from {url} stopped before its end; what arrived is kept and the download resumes from there")]
    Interrupted { url: String },
    #[error("the registry at {url} sent something this version cannot read ({detail}); update groundgame")]
    BadResponse { url: String, detail: String },
    #[error("this laptop is not enrolled with a registry yet; run `groundgame enroll --registry URL --code CODE` with a code from your coordinator")]
    NotEnrolled,
    #[error("the local database: {0}")]
    Store(#[from] groundgame_store::StoreError),
    #[error("the field office is locked; unlock it to sync")]
    Locked,
}

impl SyncError {
    /// The registry's error code, for a refused request, when this build
    /// knows it (the text is in `Refused::code` either way).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused { code, .. } => ErrorCode::parse(code),
            _ => None,
        }
    }

    /// How long the registry asked to be left alone before the same
    /// request is sent again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Refused {
                retry_after: Some(seconds),
                ..
            } => Some(Duration::from_secs(*seconds)),
            _ => None,
        }
    }

    /// Whether trying the same request again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::RegistryDegraded { .. } | Self::Interrupted { .. } => {
                true
            }
            Self::Refused { status, .. } => *status >= 500 || *status == 429,
            Self::BadAddress(_)
            | Self::InsecureAddress(_)
            | Self::IncompatibleProtocol { .. }
            | Self::NotEnrolled
            | Self::Locked
            | Self::BadResponse { .. }
            | Self::Store(_) => false,
        }
    }
}

/// Whether a URL names this machine: the only place plain http may go.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// A connection to one registry.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    base: String,
    http: reqwest::Client,
}

impl RegistryClient {
    pub fn new(base_url: &str) -> Result<Self, SyncError> {
        let base = base_url.trim_end_matches('/').to_owned();
        let parsed =
            reqwest::Url::parse(&base).map_err(|_| SyncError::BadAddress(base_url.to_owned()))?;
        match parsed.scheme() {
            "https" => {}
            "http" if is_loopback(&parsed) => {}
            "http" => return Err(SyncError::InsecureAddress(base_url.to_owned())),
            _ => return Err(SyncError::BadAddress(base_url.to_owned())),
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("groundgame/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| SyncError::BadAddress(base_url.to_owned()))?;
        Ok(Self { base, http })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Asks the registry whether it is up and speaks our protocol.
    pub async fn health(&self) -> Result<Health, SyncError> {
        let url = self.url("/healthz");
        let response = self
            .http
            .get(&url)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(APP_VERSION_HEADER, APP_VERSION)
            .send()
            .await
            .map_err(|source| SyncError::Unreachable {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        if !status.is_success() && status.as_u16() != 503 {
            let body = response.text().await.unwrap_or_default();
            return Err(SyncError::Refused {
                url,
                status: status.as_u16(),
                code: String::new(),
                body,
                retry_after: None,
            });
        }
        let health: Health = response
            .json()
            .await
            .map_err(|source| SyncError::Unreachable {
                url: url.clone(),
                source,
            })?;
        if health.status == HealthStatus::DatabaseUnavailable {
            return Err(SyncError::RegistryDegraded { url });
        }
        if !health.accepts(PROTOCOL_VERSION) {
            return Err(SyncError::IncompatibleProtocol {
                min: health.protocol_min,
                max: health.protocol_max,
                ours: PROTOCOL_VERSION,
            });
        }
        Ok(health)
    }

    /// Sends an API request with the version headers; an answer other than
    /// success is the registry's reason for refusing it.
    async fn send(
        &self,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SyncError> {
        let url = self.url(path);
        let response = request
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(APP_VERSION_HEADER, APP_VERSION)
            .send()
            .await
            .map_err(|source| SyncError::Unreachable {
                url: url.clone(),
                source,
            })?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(refused(url, response).await)
        }
    }

    /// Sends an API request and reads its JSON answer.
    async fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let response = self.send(path, request).await?;
        response
            .json()
            .await
            .map_err(|source| SyncError::Unreachable {
                url: self.url(path),
                source,
            })
    }

    /// Enrols this device with a coordinator's one-time code.
    pub async fn enrol(&self, code: &str, device_name: &str) -> Result<Enrolment, SyncError> {
        let body = EnrolRequest {
            code: code.to_owned(),
            device_name: device_name.to_owned(),
        };
        self.call(
            "/v1/enrol",
            self.http.post(self.url("/v1/enrol")).json(&body),
        )
        .await
    }

    /// Trades the device's credential for a short-lived access token.
    pub async fn token(&self, device_id: &str, secret: &str) -> Result<AccessToken, SyncError> {
        let body = TokenRequest {
            device_id: device_id.to_owned(),
            device_secret: secret.to_owned(),
        };
        self.call(
            "/v1/token",
            self.http.post(self.url("/v1/token")).json(&body),
        )
        .await
    }

    /// Sends a batch of the outbox; the registry answers every mutation.
    pub async fn push(
        &self,
        token: &str,
        mutations: Vec<PushMutation>,
    ) -> Result<PushResponse, SyncError> {
        let body = PushRequest { mutations };
        self.call(
            "/v1/push",
            self.http
                .post(self.url("/v1/push"))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// The next page of the change feed after `after`.
    pub async fn pull(
        &self,
        token: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, SyncError> {
        let path = format!("/v1/pull?after={after}&limit={limit}");
        self.call(&path, self.http.get(self.url(&path)).bearer_auth(token))
            .await
    }

    /// Starts the initial snapshot, after `after` (`entity:key`) when a
    /// download resumes. The registry sends it gzip-compressed.
    pub async fn snapshot(
        &self,
        token: &str,
        after: Option<&str>,
    ) -> Result<SnapshotReader, SyncError> {
        let url = self.url("/v1/snapshot");
        let mut request = self.http.get(&url).bearer_auth(token);
        if let Some(after) = after {
            request = request.query(&[("after", after)]);
        }
        // A whole office can take minutes on a slow line.
        let response = self
            .send("/v1/snapshot", request.timeout(Duration::from_secs(3_600)))
            .await?;
        Ok(SnapshotReader {
            url,
            response,
            lines: groundgame_domain::snapshot::LineReader::default(),
        })
    }

    /// Leases (or renews) call targets for `ttl_seconds`.
    pub async fn lease(
        &self,
        token: &str,
        targets: Vec<groundgame_domain::lease::LeaseTarget>,
        ttl_seconds: u32,
    ) -> Result<LeaseResponse, SyncError> {
        self.lease_with(token, targets, ttl_seconds, false, None)
            .await
    }

    /// Leases every target or none (a turf's doors).
    /// `holder` is who at this laptop takes them (the volunteer signed in).
    pub async fn lease_all(
        &self,
        token: &str,
        targets: Vec<groundgame_domain::lease::LeaseTarget>,
        ttl_seconds: u32,
        holder: Option<String>,
    ) -> Result<LeaseResponse, SyncError> {
        self.lease_with(token, targets, ttl_seconds, true, holder)
            .await
    }

    async fn lease_with(
        &self,
        token: &str,
        targets: Vec<groundgame_domain::lease::LeaseTarget>,
        ttl_seconds: u32,
        all_or_nothing: bool,
        holder: Option<String>,
    ) -> Result<LeaseResponse, SyncError> {
        let body = LeaseRequest {
            targets,
            ttl_seconds,
            all_or_nothing,
            holder,
        };
        self.call(
            "/v1/leases",
            self.http
                .post(self.url("/v1/leases"))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// Tells the registry this revoked device has wiped its data.
    pub async fn report_wiped(&self, token: &str) -> Result<(), SyncError> {
        self.send(
            "/v1/device/wiped",
            self.http
                .post(self.url("/v1/device/wiped"))
                .bearer_auth(token),
        )
        .await
        .map(drop)
    }

    /// A page of the coordinator's review queue, after item `after`.
    pub async fn review_list(
        &self,
        token: &str,
        after: i64,
        limit: u32,
    ) -> Result<ReviewList, SyncError> {
        let path = format!("/v1/review?after={after}&limit={limit}");
        self.call(&path, self.http.get(self.url(&path)).bearer_auth(token))
            .await
    }

    /// A coordinator's decision about one review item.
    pub async fn review_resolve(
        &self,
        token: &str,
        id: i64,
        decision: &ReviewDecision,
    ) -> Result<ReviewResolution, SyncError> {
        let path = format!("/v1/review/{id}");
        self.call(
            &path,
            self.http
                .post(self.url(&path))
                .bearer_auth(token)
                .json(decision),
        )
        .await
    }

    /// The campaign's figures by office, days counted in `zone`.
    pub async fn stats(&self, token: &str, zone: &str) -> Result<CampaignStats, SyncError> {
        self.call(
            "/v1/stats",
            self.http
                .get(self.url("/v1/stats"))
                .query(&[("zone", zone)])
                .bearer_auth(token),
        )
        .await
    }

    /// The device and its scope, as the registry sees them.
    pub async fn whoami(&self, token: &str) -> Result<DeviceIdentity, SyncError> {
        self.call(
            "/v1/whoami",
            self.http.get(self.url("/v1/whoami")).bearer_auth(token),
        )
        .await
    }
}

/// The registry's reason for refusing a request, in its JSON error shape
/// when it sent one.
async fn refused(url: String, response: reqwest::Response) -> SyncError {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    let text = response.text().await.unwrap_or_default();
    let (code, body) = match serde_json::from_str::<ApiErrorBody>(&text) {
        Ok(error) => (error.error, error.message),
        Err(_) => (String::new(), text),
    };
    SyncError::Refused {
        url,
        status,
        code,
        body,
        retry_after,
    }
}

/// The snapshot's lines as they arrive.
pub struct SnapshotReader {
    url: String,
    response: reqwest::Response,
    lines: groundgame_domain::snapshot::LineReader,
}

impl SnapshotReader {
    /// The next line, or `None` when the stream ended (after the end line,
    /// or early if the connection dropped: the caller tells which).
    pub async fn next_line(
        &mut self,
    ) -> Result<Option<groundgame_domain::snapshot::SnapshotLine>, SyncError> {
        loop {
            if let Some(line) = self.lines.next_line() {
                return line.map(Some).map_err(|error| SyncError::BadResponse {
                    url: self.url.clone(),
                    detail: error.to_string(),
                });
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => self.lines.push(&bytes),
                Ok(None) => return Ok(None),
                Err(_) => {
                    return Err(SyncError::Interrupted {
                        url: self.url.clone(),
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_addresses_or_plain_http_on_this_machine_are_accepted() {
        for (address, accepted) in [
            ("https://registry.example.org", Ok(())),
            ("https://10.0.0.5:8443/", Ok(())),
            ("http://127.0.0.1:8080/", Ok(())),
            ("http://127.0.0.2:8080", Ok(())),
            ("http://localhost:8080", Ok(())),
            ("http://[::1]:8080", Ok(())),
            ("http://registry.example.org", Err("plain http")),
            ("http://192.168.1.20:8080", Err("plain http")),
            ("http://127.0.0.1.example.org", Err("plain http")),
            ("127.0.0.1:8080", Err("not a valid")),
            ("ftp://registry.example.org", Err("not a valid")),
            ("", Err("not a valid")),
        ] {
            let result = RegistryClient::new(address)
                .map(|_| ())
                .map_err(|e| e.to_string());
            match (result, accepted) {
                (Ok(()), Ok(())) => {}
                (Err(error), Err(expected)) => {
                    assert!(error.contains(expected), "{address}: {error}")
                }
                (got, expected) => panic!("{address}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[tokio::test]
    async fn an_unreachable_registry_is_a_retryable_error() {
        // Bind then drop a listener so the port is known to be closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let client = RegistryClient::new(&format!("http://127.0.0.1:{port}")).expect("client");
        let error = client.health().await.expect_err("nothing listens there");
        assert!(matches!(error, SyncError::Unreachable { .. }), "{error}");
        assert!(error.is_retryable());
    }
}
