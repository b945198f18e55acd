//! `groundgame-registry`: the campaign registry's server and ops commands.

use anyhow::Context;
use clap::{Parser, Subcommand};
use groundgame_domain::text::for_terminal;
use groundgame_domain::wire::Role;
use groundgame_registry::{admin, identity};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

mod backup_commands;

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
        /// Create the database first if the server does not have it.
        #[arg(long)]
        create_database: bool,
        /// Cancel any one statement that runs longer (its request answers 503).
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        statement_timeout: u64,
        /// Cancel a statement that waits longer for a lock (its request answers 503).
        #[arg(long, default_value_t = 5, value_name = "SECONDS")]
        lock_timeout: u64,
        /// Turn off the per-address and per-device rate limits (a load test's
        /// thousands of laptops on one machine); timeouts and bounds stay.
        #[arg(long)]
        no_rate_limits: bool,
    },
    /// Ops commands, run straight on the database.
    Admin {
        /// PostgreSQL URL, e.g. postgres://registry@127.0.0.1:5432/groundgame
        #[arg(long, env = "DATABASE_URL", global = true)]
        database_url: Option<String>,
        /// The campaign to act on (created by the first command that names it).
        #[arg(long, env = "GROUNDGAME_CAMPAIGN", default_value = "Campaign")]
        campaign: String,
        /// Create the database first if the server does not have it.
        #[arg(long, global = true)]
        create_database: bool,
        #[command(subcommand)]
        command: Admin,
    },
}

#[derive(Subcommand)]
enum Admin {
    #[command(flatten)]
    Campaign(CampaignAdmin),
    /// Back up the whole registry database, at one snapshot, compressed and
    /// sealed under GROUNDGAME_BACKUP_PASSPHRASE (or one asked for), to an
    /// S3-compatible store; prints the backup's name alone on the last line.
    /// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
    /// AWS_REGION; AWS_ENDPOINT_URL for a store that is not AWS.
    Backup {
        /// Where: s3://BUCKET/PREFIX
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        to: String,
        /// List the backups there instead of making one.
        #[arg(long)]
        list: bool,
        /// With --list: print them as JSON.
        #[arg(long, requires = "list")]
        json: bool,
    },
    /// Restore a backup into an empty database (--database-url names it;
    /// --create-database makes it), in one transaction: a damaged, cut-off
    /// or wrongly keyed backup leaves it empty.
    Restore {
        /// The backup: s3://BUCKET/PREFIX/NAME, as `backup` printed it.
        #[arg(long, value_name = "s3://BUCKET/PREFIX/NAME")]
        from: String,
    },
}

/// The commands on one campaign of a migrated registry.
#[derive(Subcommand)]
enum CampaignAdmin {
    /// Offices: the precincts whose voters their devices see.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Issue a one-time code that enrols one device (printed alone on the last line).
    Enroll {
        /// The office the device will work for.
        #[arg(long)]
        office: String,
        /// canvasser, caller, coordinator or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// How long the code stays valid.
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
    },
    /// Load state voter files into the master voter file (a newer snapshot is applied as a diff).
    Import {
        /// nc-voter, nc-history, oh, fl, fl-history, or csv (with --mapping).
        #[arg(long)]
        layout: String,
        /// For --layout csv: a JSON column mapping file.
        #[arg(long)]
        mapping: Option<std::path::PathBuf>,
        /// Load the good rows and list the bad ones, instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Revoke a device: it may push what it holds, then it wipes its data.
    Revoke {
        /// The device's id (`admin devices` lists them).
        device: String,
    },
    /// List the enrolled devices.
    Devices {
        #[arg(long)]
        json: bool,
    },
    /// The precincts of the master voter file, with their voters: the codes
    /// `office create --precincts` takes.
    Precincts {
        #[arg(long)]
        json: bool,
    },
    /// Counts of what the registry holds for the campaign.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// The campaign's audit log: codes issued, devices enrolled and revoked,
    /// and every office's decisions on batches of results, with who sent them.
    Audit {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Create an office covering the given precincts.
    Create {
        name: String,
        /// Comma-separated precinct codes, e.g. WAKE-01,WAKE-02.
        #[arg(long, value_delimiter = ',', required_unless_present = "all_precincts")]
        precincts: Vec<String>,
        /// Every precinct of the master voter file (one office for the whole campaign).
        #[arg(long, conflicts_with = "precincts")]
        all_precincts: bool,
    },
    /// List the offices and their precincts.
    List,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        format!("{text:?} is not a role; use canvasser, caller, coordinator or admin")
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The server logs what it does; an admin command prints its answer and
    // logs only what went wrong.
    let default_level = match cli.command {
        Command::Serve { .. } => "info",
        // A county's load runs statements of many seconds by design.
        Command::Admin { .. } => "warn,sqlx::query=error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .init();
    match cli.command {
        Command::Serve {
            database_url,
            listen,
            create_database,
            statement_timeout,
            lock_timeout,
            no_rate_limits,
        } => {
            if create_database
                && groundgame_registry::db::create_database_if_missing(&database_url).await?
            {
                tracing::info!("database created");
            }
            let limits = groundgame_registry::db::QueryLimits {
                statement_timeout: std::time::Duration::from_secs(statement_timeout.max(1)),
                lock_timeout: std::time::Duration::from_secs(lock_timeout.max(1)),
            };
            let pool = groundgame_registry::db::connect_for_serving(&database_url, limits).await?;
            let version = groundgame_registry::db::schema_version(&pool).await;
            tracing::info!(schema_version = ?version, "database migrated");
            let listener = TcpListener::bind(listen).await.with_context(|| {
                format!("cannot listen on {listen}; is another registry running there?")
            })?;
            let config = if no_rate_limits {
                groundgame_registry::http::Config::unlimited()
            } else {
                groundgame_registry::http::Config::default()
            };
            groundgame_registry::serve::serve_with(listener, pool, config, shutdown_signal())
                .await?;
            tracing::info!("registry stopped");
        }
        Command::Admin {
            database_url,
            campaign,
            create_database,
            command,
        } => {
            let database_url = database_url.context(
                "name the registry's database with --database-url URL (or DATABASE_URL)",
            )?;
            if create_database {
                groundgame_registry::db::create_database_if_missing(&database_url).await?;
            }
            // A backup reads the database as it is, and a restore starts
            // from an empty one: neither migrates it or names a campaign.
            let command = match command {
                Admin::Backup { to, list, json } => {
                    return backup_commands::run(&database_url, &to, list, json).await
                }
                Admin::Restore { from } => {
                    return backup_commands::restore(&database_url, &from).await
                }
                Admin::Campaign(command) => command,
            };
            let pool = groundgame_registry::db::connect_and_migrate(&database_url).await?;
            let campaign = admin::campaign(&pool, &campaign).await?;
            run_admin(&pool, campaign, command).await?;
        }
    }
    Ok(())
}

async fn run_admin(
    pool: &sqlx::PgPool,
    campaign: uuid::Uuid,
    command: CampaignAdmin,
) -> anyhow::Result<()> {
    match command {
        CampaignAdmin::Office(OfficeCommand::Create {
            name,
            precincts,
            all_precincts,
        }) => {
            let precincts = if all_precincts {
                admin::voter_file_precincts(pool, campaign).await?
            } else {
                precincts
            };
            if precincts.is_empty() {
                anyhow::bail!(
                    "the master voter file has no precincts yet; import it first (admin import)"
                );
            }
            admin::create_office(pool, campaign, &name, &precincts).await?;
            println!("office {name:?} created with {} precincts", precincts.len());
        }
        CampaignAdmin::Office(OfficeCommand::List) => {
            for (office, precincts) in admin::offices(pool, campaign).await? {
                println!("{}: {}", for_terminal(&office), precincts.join(","));
            }
        }
        CampaignAdmin::Enroll {
            office,
            role,
            valid_hours,
        } => {
            let code = identity::issue_code(pool, campaign, &office, role, valid_hours).await?;
            println!(
                "one-time code for a {} in {office}, valid {valid_hours} hours:",
                role.as_str()
            );
            println!("{code}");
        }
        CampaignAdmin::Import {
            layout,
            mapping,
            skip_bad,
            json,
            files,
        } => {
            import(
                pool,
                campaign,
                &layout,
                mapping.as_deref(),
                skip_bad,
                json,
                &files,
            )
            .await?
        }
        CampaignAdmin::Revoke { device } => {
            identity::revoke(pool, campaign, &device).await?;
            println!("device {device} revoked; it will push what it holds, then wipe its data");
        }
        CampaignAdmin::Devices { json } => {
            let devices = admin::devices(pool, campaign).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&devices)?);
            } else {
                for device in devices {
                    println!(
                        "{}  {:<12} {:<24} {}{}",
                        device.id,
                        device.role,
                        for_terminal(&device.office),
                        for_terminal(&device.name),
                        match (device.revoked, device.wiped) {
                            (true, true) => "  (revoked, wiped)",
                            (true, false) => "  (revoked)",
                            _ => "",
                        }
                    );
                }
            }
        }
        CampaignAdmin::Precincts { json } => {
            let precincts = admin::precinct_counts(pool, campaign).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "precincts": precincts }))?
                );
            } else if precincts.is_empty() {
                println!("the master voter file has no precincts yet; load it with admin import");
            } else {
                for precinct in precincts {
                    println!("{:<24} {:>9} voters", precinct.code, precinct.voters);
                }
            }
        }
        CampaignAdmin::Audit { json } => {
            let rows = admin::audit_log(pool, campaign).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "entries": rows }))?
                );
            } else {
                for row in rows {
                    println!(
                        "{}  {:<16} {}  ({})",
                        row.at,
                        row.action,
                        for_terminal(&row.detail),
                        for_terminal(&row.actor)
                    );
                }
            }
        }
        CampaignAdmin::Stats { json } => {
            let stats = admin::stats(pool, campaign).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!(
                    "{}: {} voters in {} households, {} votes in their history; {} offices, {} devices ({} revoked), {} enrolment codes outstanding",
                    stats.campaign,
                    stats.voters,
                    stats.households,
                    stats.vote_history,
                    stats.offices,
                    stats.devices,
                    stats.devices_revoked,
                    stats.enrolment_codes_outstanding
                );
            }
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

/// `admin import`: each file in its own transaction, with a progress bar.
async fn import(
    pool: &sqlx::PgPool,
    campaign: uuid::Uuid,
    slug: &str,
    mapping: Option<&std::path::Path>,
    skip_bad: bool,
    json: bool,
    files: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    use groundgame_voterfile::{Layout, Mapping, VoterFile};
    let layout = match (slug, mapping) {
        ("csv", Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the mapping {}", path.display()))?;
            Layout::Mapped(Box::new(
                Mapping::from_json(&text).with_context(|| format!("in {}", path.display()))?,
            ))
        }
        ("csv", None) => anyhow::bail!("--layout csv needs --mapping FILE (a JSON column mapping)"),
        (_, Some(_)) => anyhow::bail!("--mapping is only for --layout csv"),
        (slug, None) => Layout::from_slug(slug).with_context(|| {
            format!(
                "unknown layout {slug:?}; use one of {}",
                Layout::SLUGS.join(", ")
            )
        })?,
    };
    let mut reports = Vec::new();
    for path in files {
        let file = VoterFile::open(path, &layout)?;
        let bar = indicatif::ProgressBar::new(file.progress().1);
        if json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(path.display().to_string());
        let shown = bar.clone();
        let report = groundgame_registry::voter_file::load(
            pool,
            campaign,
            file,
            &layout,
            skip_bad,
            move |read, total| {
                shown.set_length(total);
                shown.set_position(read);
            },
        )
        .await?;
        bar.finish_and_clear();
        if !json {
            println!("{report}");
        }
        reports.push(report);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "files": reports }))?
        );
    }
    Ok(())
}
