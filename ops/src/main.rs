//! `kizuna-ops`: the operator's tool.
//!
//! * `init`  — create the data directory, database schema and blob store.
//! * `check` — validate the configuration and reach the database and blob store.
//! * `bootstrap-admin` — issue a new one-time link for the first administrator.
//! * `new-generation` — start a new log generation (after a restore).
//! * `backup-key`, `backup`, `restore`, `drill` — encrypted backups ([`backup`]).
//!
//! It reads the same configuration as the server (`--config FILE` and
//! `KIZUNA_<KEY>` variables), so point it at the server's settings. The backup
//! commands' own variables (`KIZUNA_BACKUP_…`) are not server settings.

mod audit;
mod backup;
mod generation;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use kizuna_server::bootstrap::{describe, replace_link, BootstrapState};
use kizuna_server::{open_state, system_clock, AppState, Config};
use kizuna_storage::{BlobStore, Db, DbOptions};

use backup::create::BackupOptions;
use backup::database::Database;
use backup::restore::Source;
use backup::BackupError;

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
    /// The tamper-evident audit log: `verify` (exit 0 intact, 65 tampered, 69 could
    /// not run) and `checkpoint`. / 監査ログの検査
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
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
    /// Make the operator's backup key: writes the identity (secret) to FILE and prints
    /// its public key (age1…) for `backup --recipient`. / バックアップ用の鍵を作成
    BackupKey {
        /// Where to write the identity file (must not exist; mode 0600).
        #[arg(long)]
        out: PathBuf,
    },
    /// Back up the database and blobs, encrypted to the operator, as a new
    /// generation; prune old generations. / バックアップを作成
    Backup {
        /// The backup directory (a second disk or a mounted share), or
        /// s3://BUCKET/PREFIX (a bucket with Object Lock).
        #[arg(long, env = "KIZUNA_BACKUP_DIR")]
        to: String,
        /// The operator's public key(s), age1… (from `backup-key`).
        #[arg(long, env = "KIZUNA_BACKUP_RECIPIENT", value_delimiter = ',', required = true)]
        recipient: Vec<String>,
        /// How many generations to keep.
        #[arg(long, env = "KIZUNA_BACKUP_KEEP", default_value_t = 7)]
        keep: usize,
        #[command(flatten)]
        s3: backup::s3::S3Args,
        #[command(flatten)]
        lock: backup::s3::LockArgs,
    },
    /// Restore a backup into an empty deployment, then start a new log generation.
    /// / 空の配置先へ復元
    Restore(SourceArgs),
    /// Restore the newest backup into a scratch place and verify it (row counts,
    /// every blob's SHA-256). Exit 0: good; 65: damaged; 69: could not run.
    /// / 復元訓練
    Drill {
        #[command(flatten)]
        source: SourceArgs,
        /// A PostgreSQL server (URL) to create the scratch database on, for a
        /// PostgreSQL backup; the deployment's database server by default.
        #[arg(long, env = "KIZUNA_BACKUP_SCRATCH_POSTGRES")]
        scratch_postgres: Option<String>,
    },
}

#[derive(Args)]
struct SourceArgs {
    /// The backup directory, or s3://BUCKET/PREFIX.
    #[arg(long, env = "KIZUNA_BACKUP_DIR")]
    from: String,
    #[command(flatten)]
    s3: backup::s3::S3Args,
    /// The operator's identity file (AGE-SECRET-KEY-1…), from `backup-key`.
    #[arg(long, env = "KIZUNA_BACKUP_IDENTITY")]
    identity: PathBuf,
    /// A generation by name (default: the newest complete one).
    #[arg(long)]
    generation: Option<String>,
}

impl SourceArgs {
    fn source(self) -> Source {
        Source {
            from: self.from,
            s3: self.s3,
            identity: self.identity,
            generation: self.generation,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kizuna-ops: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(dispatch(cli))
}

async fn dispatch(cli: Cli) -> ExitCode {
    let Cli { config, command } = cli;
    let result = match command {
        Command::Audit { command } => return audit::run(config, command).await,
        Command::BackupKey { out } => backup_key(&out),
        Command::Backup {
            to,
            recipient,
            keep,
            s3,
            lock,
        } => {
            let options = BackupOptions {
                to,
                s3,
                lock,
                recipients: recipient,
                keep,
            };
            run_backup(config, &options).await
        }
        Command::Restore(source) => run_restore(config, &source.source()).await,
        Command::Drill {
            source,
            scratch_postgres,
        } => run_drill(config, &source.source(), scratch_postgres).await,
        other => {
            return match run(config, other).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("kizuna-ops: {message}");
                    ExitCode::FAILURE
                }
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kizuna-ops: {e}");
            e.exit_code()
        }
    }
}

/// The server's configuration, without the backup commands' own variables.
fn load_config(file: Option<PathBuf>) -> Result<Config, String> {
    let vars = std::env::vars().filter(|(key, _)| !key.starts_with("KIZUNA_BACKUP_"));
    Config::load_from(file.as_deref(), vars).map_err(|e| e.to_string())
}

fn now_millis() -> i64 {
    system_clock()().millis()
}

fn backup_key(out: &std::path::Path) -> Result<(), BackupError> {
    let (created, _) = backup::manifest::utc_times(now_millis());
    let public = backup::crypt::generate_identity(out, &created)?;
    println!("identity (secret) written to {}", out.display());
    println!("public key: {public}");
    println!(
        "Back up with --recipient {public}. Keep the identity file OFF this server (e.g. a USB key in a \
         safe, and a printed copy): without it no backup can be restored. 秘密鍵ファイルはサーバー外に保管してください。"
    );
    Ok(())
}

/// The deployment's database and blob store, opened without migrating anything.
fn deployment(config: Option<PathBuf>) -> Result<(Database, BlobStore), BackupError> {
    let config = load_config(config).map_err(BackupError::CannotRun)?;
    let database = Database::from_url(&config.database_url())?;
    let location = config
        .blob_location()
        .map_err(|e| BackupError::CannotRun(e.to_string()))?;
    let store = BlobStore::open(&location).map_err(|e| BackupError::CannotRun(e.to_string()))?;
    Ok((database, store))
}

async fn run_backup(config: Option<PathBuf>, options: &BackupOptions) -> Result<(), BackupError> {
    let (database, store) = deployment(config)?;
    backup::create::run(&database, &store, options, now_millis()).await?;
    Ok(())
}

async fn run_restore(config: Option<PathBuf>, source: &Source) -> Result<(), BackupError> {
    let (database, store) = deployment(config.clone())?;
    let manifest = backup::restore::run(source, &database, &store)
        .await
        .map_err(|e| match e {
            BackupError::Damaged(what) => BackupError::Damaged(format!(
                "{what}. The deployment is now incomplete: empty it again (a new data directory or \
                 database) and restore an older generation with --generation NAME. \
                 復元は途中で止まりました。配置先を空にして、別の世代を --generation で指定してください。"
            )),
            other => other,
        })?;
    let url = load_config(config)
        .map_err(BackupError::CannotRun)?
        .database_url();
    let db = tokio::task::spawn_blocking(move || Db::open(&url, &cli_db_options()))
        .await
        .map_err(|e| BackupError::CannotRun(e.to_string()))?
        .map_err(|e| BackupError::CannotRun(format!("opening the restored database: {e}")))?;
    let line = generation::start_new(&db).await.map_err(BackupError::CannotRun)?;
    println!("{line}");
    println!(
        "restored {} (taken {}). Start the servers now. 復元が完了しました。サーバーを起動してください。",
        manifest.generation, manifest.created_at
    );
    Ok(())
}

async fn run_drill(
    config: Option<PathBuf>,
    source: &Source,
    scratch_postgres: Option<String>,
) -> Result<(), BackupError> {
    let postgres = match scratch_postgres {
        Some(url) => Some(url),
        None => load_config(config)
            .ok()
            .map(|c| c.database_url())
            .filter(|url| url.starts_with("postgres")),
    };
    backup::drill::run(source, postgres.as_deref()).await
}

async fn run(config: Option<PathBuf>, command: Command) -> Result<(), String> {
    let config = load_config(config)?;
    println!("configuration: ok");
    let state = open(config).await?;
    println!("database: {} ok (schema up to date)", state.db.backend_name());
    match command {
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
            println!("{}", generation::start_new(&state.db).await?);
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
        Command::Audit { .. }
        | Command::BackupKey { .. }
        | Command::Backup { .. }
        | Command::Restore(_)
        | Command::Drill { .. } => {
            return Err("internal: a backup command reached the deployment commands".into())
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

/// The database pool of a one-shot command: one connection, used in turn. A larger
/// pool opens further connections on a background thread when two calls overlap;
/// one still being opened as the process exits races OpenSSL's exit-time cleanup in
/// libpq and crashes (seen as SIGSEGV after `audit verify` printed its verdict).
pub(crate) fn cli_db_options() -> DbOptions {
    DbOptions {
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_secs(30),
    }
}
