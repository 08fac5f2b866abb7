//! The real `kizuna-server` binary as a separate process: for tests that need two
//! processes on one database, or the server's own logs and files to inspect.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use kizuna_storage::{Db, DbOptions};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{TestServer, ORIGIN};

/// The server binary next to this executable (a test in `target/<profile>/deps/`
/// or a binary such as `kizuna-load` in `target/<profile>/`), built first with the
/// same profile if missing.
pub fn server_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut profile_dir = exe.parent().context("executable has no directory")?;
    if profile_dir.file_name().is_some_and(|n| n == "deps") {
        profile_dir = profile_dir
            .parent()
            .context("test binary has no target directory")?;
    }
    let binary = profile_dir.join("kizuna-server");
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec!["build", "-p", "kizuna-server", "--bin", "kizuna-server"];
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            args.push("--release");
        }
        let status = std::process::Command::new(cargo).args(args).status()?;
        if !status.success() || !binary.exists() {
            bail!("could not build kizuna-server at {}", binary.display());
        }
    }
    Ok(binary)
}

/// A running `kizuna-server` process. Killed when dropped.
pub struct ServerProcess {
    /// An HTTP view of it with the test kit's helpers (no in-process server).
    pub server: TestServer,
    /// Its data directory (SQLite file and blobs on the embedded defaults).
    pub data_dir: PathBuf,
    /// Everything it wrote to stdout and stderr.
    pub log: PathBuf,
    /// The bootstrap link it printed, on a first start.
    pub bootstrap_link: Option<String>,
    child: Child,
    _dir: TempDir,
}

impl ServerProcess {
    /// Starts the binary on `database_url` (None: the embedded SQLite default in its
    /// data directory) with debug logging, and waits for it to listen.
    pub async fn start(database_url: Option<&str>) -> Result<Self> {
        Self::start_with(database_url, &[]).await
    }

    /// [`start`](Self::start) with extra `KIZUNA_…` settings in its environment.
    pub async fn start_with(database_url: Option<&str>, settings: &[(&str, &str)]) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let data_dir = dir.path().join("data");
        let log = dir.path().join("server.log");
        let mut command = Command::new(server_binary()?);
        command
            .env("KIZUNA_LISTEN", "127.0.0.1:0")
            .env("KIZUNA_PUBLIC_URL", ORIGIN)
            .env("KIZUNA_DATA_DIR", &data_dir)
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&log)?))
            .kill_on_drop(true);
        if let Some(url) = database_url {
            command.env("KIZUNA_DATABASE_URL", url);
        }
        for (key, value) in settings {
            command.env(key, value);
        }
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut bootstrap_link = None;
        let mut printed = Vec::new();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                printed.push(line.clone());
                if let Some(at) = line.find("http://").filter(|_| line.contains("#/invite/")) {
                    bootstrap_link = Some(line[at..].split_whitespace().next().unwrap_or("").to_owned());
                }
                if let Some(rest) = line.strip_prefix("Kizuna: http://") {
                    return anyhow::Ok(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
            }
            bail!("kizuna-server exited before listening")
        })
        .await
        .context("kizuna-server did not start within 60 s")??;
        // Keep the rest of stdout in the log file too.
        let mut sink = tokio::fs::OpenOptions::new().append(true).open(&log).await?;
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for line in printed {
                let _ = sink.write_all(format!("{line}\n").as_bytes()).await;
            }
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = sink.write_all(format!("{line}\n").as_bytes()).await;
            }
        });
        let db_url = database_url
            .map(str::to_owned)
            .unwrap_or_else(|| data_dir.join("kizuna.db").display().to_string());
        let db = tokio::task::spawn_blocking(move || Db::open(&db_url, &DbOptions::default())).await??;
        let server = TestServer {
            url: format!("http://{addr}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            db,
            // The process's own store: the default local directory under its data dir.
            blobs: kizuna_storage::BlobStore::open(&kizuna_storage::BlobLocation::Local(
                data_dir.join("blobs"),
            ))?,
            clock_offset: Arc::new(AtomicI64::new(0)),
            handle: None,
            database_url: database_url.unwrap_or_default().to_owned(),
            _db: None,
            _dir: tempfile::tempdir()?,
        };
        Ok(Self {
            server,
            data_dir,
            log,
            bootstrap_link,
            child,
            _dir: dir,
        })
    }

    /// Sends SIGTERM, as an orchestrator stopping the node does.
    pub fn terminate(&self) -> Result<()> {
        let pid = self.child.id().context("the process has already exited")?;
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM {pid} failed");
        }
        Ok(())
    }

    /// Waits for the process to exit.
    pub async fn wait(&mut self) -> Result<std::process::ExitStatus> {
        Ok(self.child.wait().await?)
    }

    /// Stops the process (SIGKILL) and waits for it; its files stay until dropped.
    pub async fn kill(&mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}
