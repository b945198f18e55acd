//! A fault-injecting HTTP proxy on loopback, between laptops and the
//! registry (sync brief: "HTTP responses duplicated, reordered, delayed or
//! dropped"). Each request, by a seeded random draw, is passed, delayed,
//! dropped before the registry sees it, applied with its answer lost, or
//! sent twice at once (the two race; either answer comes back).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy did to the requests it saw.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub passed: AtomicU64,
    pub delayed: AtomicU64,
    pub dropped: AtomicU64,
    pub answers_lost: AtomicU64,
    pub duplicated: AtomicU64,
}

impl FaultCounts {
    pub fn faults(&self) -> u64 {
        self.delayed.load(Ordering::Relaxed)
            + self.dropped.load(Ordering::Relaxed)
            + self.answers_lost.load(Ordering::Relaxed)
            + self.duplicated.load(Ordering::Relaxed)
    }
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    random: Mutex<ChaCha8Rng>,
    enabled: AtomicBool,
    counts: Arc<FaultCounts>,
}

pub struct FaultProxy {
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

enum Fault {
    Pass,
    Delay(Duration),
    Drop,
    LoseAnswer,
    Duplicate,
}

impl FaultProxy {
    /// A proxy to `upstream` on a free port; about `fault_percent` of
    /// requests meet a fault while faults are enabled.
    pub async fn start(upstream: &str, seed: u64, fault_percent: u32) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("address");
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            random: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            enabled: AtomicBool::new(fault_percent > 0),
            counts: Arc::new(FaultCounts::default()),
        });
        let percent = fault_percent.min(100);
        let app = axum::Router::new()
            .fallback(move |state, method, uri, headers, body| {
                forward(state, method, uri, headers, body, percent)
            })
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{address}"),
            shared,
            task,
        }
    }

    /// Faults on or off (quiescence runs with them off).
    pub fn set_faults(&self, on: bool) {
        self.shared.enabled.store(on, Ordering::Relaxed);
    }

    pub fn counts(&self) -> Arc<FaultCounts> {
        self.shared.counts.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn draw(shared: &Shared, percent: u32) -> Fault {
    if !shared.enabled.load(Ordering::Relaxed) {
        return Fault::Pass;
    }
    let mut random = shared
        .random
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if random.gen_range(0..100) >= percent {
        return Fault::Pass;
    }
    match random.gen_range(0..4) {
        0 => Fault::Delay(Duration::from_millis(random.gen_range(1..80))),
        1 => Fault::Drop,
        2 => Fault::LoseAnswer,
        _ => Fault::Duplicate,
    }
}

async fn send(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(StatusCode, HeaderMap, Bytes), reqwest::Error> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = shared
        .http
        .request(method.clone(), format!("{}{path}", shared.upstream))
        .body(body.clone());
    for (name, value) in headers {
        if name != axum::http::header::HOST && name != axum::http::header::CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    let response = request.send().await?;
    let status = response.status();
    let mut kept = HeaderMap::new();
    if let Some(kind) = response.headers().get(axum::http::header::CONTENT_TYPE) {
        kept.insert(axum::http::header::CONTENT_TYPE, kind.clone());
    }
    Ok((status, kept, response.bytes().await?))
}

fn gateway_error() -> Response {
    (StatusCode::BAD_GATEWAY, "the proxy dropped this exchange").into_response()
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    percent: u32,
) -> Response {
    let counts = &shared.counts;
    let answer = match draw(&shared, percent) {
        Fault::Pass => {
            counts.passed.fetch_add(1, Ordering::Relaxed);
            send(&shared, &method, &uri, &headers, &body).await
        }
        Fault::Delay(wait) => {
            counts.delayed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
            send(&shared, &method, &uri, &headers, &body).await
        }
        Fault::Drop => {
            counts.dropped.fetch_add(1, Ordering::Relaxed);
            return gateway_error();
        }
        Fault::LoseAnswer => {
            counts.answers_lost.fetch_add(1, Ordering::Relaxed);
            let _ = send(&shared, &method, &uri, &headers, &body).await;
            return gateway_error();
        }
        Fault::Duplicate => {
            counts.duplicated.fetch_add(1, Ordering::Relaxed);
            let (first, second) = tokio::join!(
                send(&shared, &method, &uri, &headers, &body),
                send(&shared, &method, &uri, &headers, &body)
            );
            // Either answer may be the one that comes back.
            if body.len() % 2 == 0 {
                first
            } else {
                second
            }
        }
    };
    match answer {
        Ok((status, headers, bytes)) => (status, headers, bytes).into_response(),
        Err(_) => gateway_error(),
    }
}
