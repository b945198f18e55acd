//! The campaign's cloud registry.
//!
//! The registry keeps no state in its own process: everything lives in
//! PostgreSQL, so any number of instances can serve one campaign behind a
//! load balancer.

pub mod admin;
pub mod backup;
pub mod db;
pub mod error;
pub mod feed;
pub mod http;
pub mod identity;
pub mod leases;
pub mod merge;
pub mod push;
pub mod refresh;
pub mod review;
pub mod serve;
pub mod snapshot;
pub mod stats;
pub mod survey;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod voter_file;
pub mod work;

use tokio::net::TcpListener;

/// Serves the registry's HTTP API on `listener` until `shutdown` resolves,
/// with the default limits.
pub async fn serve(
    listener: TcpListener,
    pool: sqlx::PgPool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::serve_with(listener, pool, http::Config::default(), shutdown).await
}
