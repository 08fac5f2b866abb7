//! `kizuna-server`: runs a Kizuna node.
//!
//! With no configuration it listens on 127.0.0.1:8080 and keeps everything in
//! `./kizuna-data` (SQLite and a blob directory). See README.md for the settings.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kizuna_server::bootstrap::{describe, ensure_link};
use kizuna_server::config::LogFormat;
use kizuna_server::{open_state, serve, system_clock, Config, Stopper};

const USAGE: &str = "usage: kizuna-server [--config FILE]\n\
    Settings come from FILE (TOML) and KIZUNA_<KEY> environment variables; see README.md.";

fn main() -> ExitCode {
    let config_path = match parse_args(std::env::args().skip(1)) {
        Ok(path) => path,
        Err(message) => {
            eprintln!("kizuna-server: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(config_path.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("kizuna-server: cannot start: {err}");
            return ExitCode::from(2);
        }
    };
    init_tracing(config.log_format);
    match actix_web::rt::System::new().block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(%message, "cannot start");
            eprintln!("kizuna-server: cannot start: {message}");
            ExitCode::from(1)
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<PathBuf>, String> {
    let mut path = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => path = Some(PathBuf::from(args.next().ok_or("--config needs a file")?)),
            "--help" | "-h" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(path)
}

async fn run(config: Config) -> Result<(), String> {
    let clock = system_clock();
    let state = tokio::task::spawn_blocking(move || open_state(config, clock))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let config = state.config.clone();
    let db = state.db.clone();
    let now = state.now();
    let ttl = Duration::from_secs(config.bootstrap_link_ttl_hours.saturating_mul(3600));
    let public_url = config.public_url();
    let bootstrap = tokio::task::spawn_blocking(move || ensure_link(&db, &public_url, ttl, now))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{e}. Check the database."))?;
    let backend = state.db.backend_name();
    let running = serve(state).map_err(|e| e.to_string())?;
    tracing::info!(
        addr = %running.addr,
        database = backend,
        data_dir = %config.data_dir.display(),
        "Kizuna is listening"
    );
    let stop =
        shutdown_on_signal(running.stopper.clone()).map_err(|e| format!("cannot watch for signals: {e}"))?;
    // Printed, not logged: the link is a secret and must not reach a log shipper.
    let words = describe(&bootstrap);
    if !words.is_empty() {
        println!("{words}");
    }
    println!("Kizuna: http://{} ({})", running.addr, config.public_url());
    let mut stop = stop;
    tokio::select! {
        outcome = running.server => outcome.map_err(|e| e.to_string())?,
        // Drained before actix's next once-a-second check: nothing is left to wait for.
        _ = &mut stop => {}
    }
    stop.abort();
    tracing::info!("stopped");
    Ok(())
}

/// On SIGTERM or SIGINT: close every WebSocket with 1001 (going away), stop
/// accepting, let in-flight requests finish (up to `shutdown_timeout_secs`), then exit.
fn shutdown_on_signal(stopper: Stopper) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down; finishing in-flight requests");
        tokio::spawn(stopper.clone().stop());
        stopper.drained().await;
    }))
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}
