//! Serving the router over HTTP/1 with the limits a public endpoint needs:
//! a connection that does not finish its request headers in time is
//! closed, and every request knows the client address it came from (for
//! the per-address rate limits in `http.rs`). axum's own `serve` sets no
//! header timeout, so a few hundred connections trickling bytes would hold
//! sockets and tasks for ever.

use crate::http::{self, Config};
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service;

/// Serves the registry's HTTP API on `listener` until `shutdown` resolves,
/// then lets the requests in flight finish.
pub async fn serve_with(
    listener: TcpListener,
    pool: sqlx::PgPool,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr().ok();
    tracing::info!(?address, "registry listening");
    // The rollups' deltas pushes append are folded into the keyed rows
    // while serving, so `/v1/stats` reads a few thousand rows.
    let folding = tokio::spawn({
        let pool = pool.clone();
        async move {
            let mut every = tokio::time::interval(crate::stats::FOLD_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match crate::stats::fold(&pool).await {
                    Ok(0) => {}
                    Ok(moved) => tracing::debug!(moved, "rollup deltas folded"),
                    Err(error) => tracing::warn!(%error, "cannot fold the rollups' deltas"),
                }
            }
        }
    });
    let router = http::router_with(pool, config.clone());
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, a reset before accept: keep
                    // serving the connections there are.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stopping = stopping.clone();
        let header_timeout = config.header_timeout;
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let mut router = router.clone();
                    async move { router.call(request.map(Body::new)).await }
                });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let mut connection = pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended");
                    }
                    return;
                }
                _ = stopping.changed() => {}
            }
            // Shutting down: finish the request in flight, then close.
            connection.as_mut().graceful_shutdown();
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended");
            }
        });
    }
    folding.abort();
    let _ = stop.send(true);
    // Requests in flight get a moment to finish.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while stop.receiver_count() > 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The client address a request came from (set by `serve_with`).
pub fn client_address(extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address)
}

/// The client address of a request, as a handler's argument.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(&parts.extensions).map(|a| a.ip())))
    }
}
