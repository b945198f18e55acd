//! `groundgame-registry`: the campaign registry's server and ops commands.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "groundgame-registry",
    version,
    about = "The groundgame campaign registry"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the database migrations, then serve the registry's HTTP API.
    Serve {
        /// PostgreSQL URL, e.g. postgres://registry@127.0.0.1:5432/groundgame
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            database_url,
            listen,
        } => {
            let pool = groundgame_registry::db::connect_and_migrate(&database_url).await?;
            let version = groundgame_registry::db::schema_version(&pool).await;
            tracing::info!(schema_version = ?version, "database migrated");
            let listener = TcpListener::bind(listen).await.with_context(|| {
                format!("cannot listen on {listen}; is another registry running there?")
            })?;
            groundgame_registry::serve(listener, pool, shutdown_signal()).await?;
            tracing::info!("registry stopped");
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
