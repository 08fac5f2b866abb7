//! `kizuna-ops`: the operator's tool.
//!
//! * `init`  — create the data directory, database schema and blob store.
//! * `check` — validate the configuration and reach the database and blob store.
//! * `bootstrap-admin` — issue a new one-time link for the first administrator.
//!
//! It reads the same configuration as the server (`--config FILE` and
//! `KIZUNA_<KEY>` variables), so point it at the server's settings.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use kizuna_server::bootstrap::{describe, replace_link, BootstrapState};
use kizuna_server::{open_state, system_clock, AppState, Config};

#[derive(Parser)]
#[command(name = "kizuna-ops", version, about = "Operate a Kizuna installation")]
struct Cli {
    /// Configuration file (TOML); KIZUNA_<KEY> variables override it.
    #[arg(long, global = true, env = "KIZUNA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the data directory, apply database migrations and open the blob store.
    Init,
    /// Validate the configuration and check that the database and blob store answer.
    Check,
    /// Issue a new one-time link for the first administrator (ends any earlier one).
    BootstrapAdmin,
    /// Start a new log generation. Run it after every restore of the database from a
    /// backup, before starting the servers: clients then re-read every channel and
    /// tell their users the server was restored. / バックアップから復元した後に実行
    NewGeneration,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kizuna-ops: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    println!("configuration: ok");
    let state = open(config).await?;
    println!("database: {} ok (schema up to date)", state.db.backend_name());
    match cli.command {
        Command::Init => {
            let generation = state
                .db
                .run(kizuna_storage::groups::log_generation)
                .await
                .map_err(|e| e.to_string())?;
            println!("log generation: {generation}");
            println!("blob store: {} ok", state.blobs.description());
            println!("initialised. Start the server with `kizuna-server`.");
        }
        Command::Check => {
            let db = state
                .db
                .health(Duration::from_secs(5), state.now().millis())
                .await;
            db.read.map_err(|e| format!("database check failed: {e}"))?;
            db.write
                .map_err(|e| format!("database write check failed (is its disk full?): {e}"))?;
            state.blobs.health().await.map_err(|e| {
                format!(
                    "blob store {} failed a write/read/delete check: {e}",
                    state.blobs.description()
                )
            })?;
            println!(
                "blob store: {} ok (write, read, delete)",
                state.blobs.description()
            );
            println!("all checks passed");
        }
        Command::NewGeneration => {
            let generation = state
                .db
                .run(kizuna_storage::groups::new_log_generation)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "new log generation: {generation}. Clients re-read every channel when they next connect. \
                 新しいログ世代を開始しました。クライアントは次回接続時に全チャンネルを読み直します。"
            );
        }
        Command::BootstrapAdmin => {
            let ttl = Duration::from_secs(state.config.bootstrap_link_ttl_hours.saturating_mul(3600));
            let public_url = state.config.public_url();
            let now = state.now();
            let db = state.db.clone();
            let outcome = tokio::task::spawn_blocking(move || replace_link(&db, &public_url, ttl, now))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            match outcome {
                BootstrapState::AdminExists => {
                    return Err(
                        "an administrator already exists: administrators invite people from the app. \
                                管理者は登録済みです。アプリから招待してください。"
                            .into(),
                    )
                }
                other => println!("{}", describe(&other)),
            }
        }
    }
    Ok(())
}

async fn open(config: Config) -> Result<AppState, String> {
    tokio::task::spawn_blocking(move || open_state(config, system_clock()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}
