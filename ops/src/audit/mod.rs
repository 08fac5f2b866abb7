//! `kizuna-ops audit verify` and `kizuna-ops audit checkpoint`: the operator's side
//! of the tamper-evident audit log (`kizuna_storage::audit::chain`,
//! `kizuna_server::audit::checkpoint`).
//!
//! Exit codes: 0 intact (or checkpoint written), 65 the log was tampered with
//! (the first bad seq is named), 69 cannot run (no database, no blob store, no key).

mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use kizuna_server::audit::checkpoint;
use kizuna_server::{system_clock, Config};
use kizuna_storage::{BlobStore, Db};

/// The log was tampered with.
pub const EXIT_BROKEN: u8 = 65;
/// The check could not run.
pub const EXIT_CANNOT_RUN: u8 = 69;

/// What to do with the audit log.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and the signed checkpoints; name the first edited, deleted
    /// or inserted entry. Exit 0: intact; 65: tampered; 69: could not run.
    /// / 監査ログの改ざんを検査
    Verify {
        /// The trusted public key (64 hex digits, or a file holding them). Default:
        /// derived from the signing key file; else the copy in the blob store.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Write a signed checkpoint of the chain's head now. / チェックポイントを今すぐ作成
    Checkpoint,
}

/// Runs an audit command with the server's configuration.
pub async fn run(config: Option<PathBuf>, command: AuditCommand) -> ExitCode {
    let outcome = match command {
        AuditCommand::Verify { public_key } => verify::run(config, public_key).await,
        AuditCommand::Checkpoint => write_checkpoint(config).await,
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("kizuna-ops audit: {message}");
            eprintln!("検査を実行できませんでした / could not run the check");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// The deployment's configuration, database and blob store.
pub(crate) struct Deployment {
    config: Config,
    db: Db,
    blobs: BlobStore,
}

async fn open(file: Option<PathBuf>) -> Result<Deployment, String> {
    let vars = std::env::vars().filter(|(key, _)| !key.starts_with("KIZUNA_BACKUP_"));
    let config = Config::load_from(file.as_deref(), vars).map_err(|e| e.to_string())?;
    let url = config.database_url();
    let db = tokio::task::spawn_blocking(move || Db::open(&url, &crate::cli_db_options()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("database: {e}"))?;
    let location = config.blob_location().map_err(|e| e.to_string())?;
    let blobs = BlobStore::open(&location).map_err(|e| format!("blob store: {e}"))?;
    Ok(Deployment { config, db, blobs })
}

async fn write_checkpoint(config: Option<PathBuf>) -> Result<ExitCode, String> {
    let deployment = open(config).await?;
    let key = checkpoint::load_or_create_key(&checkpoint::key_path(&deployment.config))
        .map_err(|e| e.to_string())?;
    let written = checkpoint::write_now(&deployment.db, &deployment.blobs, &key, system_clock()())
        .await
        .map_err(|e| e.to_string())?;
    match written {
        Some(c) => println!(
            "チェックポイントを作成しました / checkpoint written: seq {} hash {}",
            c.seq, c.hash
        ),
        None => println!("新しい記録はありません / nothing new since the last checkpoint"),
    }
    Ok(ExitCode::SUCCESS)
}
