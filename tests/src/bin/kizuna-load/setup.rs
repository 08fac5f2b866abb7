//! Server processes on a fresh database, and the world the load runs in: one
//! clinic, a doctor who owns every room, the same members in every room (one
//! device each), and each room's team channel as a real MLS group.

use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result};
use futures_util::{stream, StreamExt, TryStreamExt};
use kizuna_crypto::DeviceSigningKey;
use kizuna_proto::{DeviceId, RoomId, UserId};
use kizuna_tests::accounts::Person;
use kizuna_tests::bench::server_pid;
use kizuna_tests::mls::{group_id, TestDevice};
use kizuna_tests::process::ServerProcess;
use kizuna_tests::{DbKind, TestDb, TestServer};

/// Server pids seen so far (a killed one may linger until reaped).
static KNOWN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// One running `kizuna-server` process.
pub struct Node {
    pub process: ServerProcess,
    pub pid: u32,
}

impl Node {
    /// Its HTTP view.
    pub fn server(&self) -> &TestServer {
        &self.process.server
    }
}

/// The server processes of a run and the database they share.
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// The PostgreSQL database (dropped last); None on SQLite.
    _db: Option<TestDb>,
}

impl Cluster {
    /// `count` processes of the release server on a fresh database (several only on
    /// PostgreSQL). Debug logging is off (it would cost the server more than the
    /// work measured); one person may hold any number of sockets.
    pub async fn start(db: DbKind, count: usize) -> Result<Self> {
        let test_db = match db {
            DbKind::Sqlite => None,
            DbKind::Postgres => Some(tokio::task::spawn_blocking(|| TestDb::new(DbKind::Postgres)).await??),
        };
        let settings = [
            ("KIZUNA_MAX_CONNECTIONS_PER_USER", "10000000"),
            ("RUST_LOG", "warn"),
        ];
        let mut nodes = Vec::new();
        for _ in 0..count {
            let url = test_db.as_ref().map(|d| d.url.as_str());
            let process = ServerProcess::start_with(url, &settings).await?;
            let pid = {
                let mut known = KNOWN.lock().unwrap_or_else(|p| p.into_inner());
                let pid = server_pid(&known)?;
                known.push(pid);
                pid
            };
            nodes.push(Node { process, pid });
        }
        Ok(Self { nodes, _db: test_db })
    }

    /// Where each node's log is kept after the run (`target/kizuna-load-logs/`,
    /// named by node and process ID, so a later run of the standard set does not
    /// replace an earlier one's): warnings and errors only, to find the cause of a
    /// failed run.
    fn keep_logs(&self) {
        let dir = std::path::Path::new("target/kizuna-load-logs");
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let _ = std::fs::copy(
                &node.process.log,
                dir.join(format!("node-{i}-pid{}.log", node.pid)),
            );
        }
    }

    /// The pids of every node.
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.pid).collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.keep_logs();
    }
}

/// What a member needs to seal and send posts.
pub struct Author {
    pub user: UserId,
    pub device: DeviceId,
    pub key: DeviceSigningKey,
    pub token: String,
}

/// The people, rooms and groups.
pub struct World {
    pub people: Vec<Person>,
    pub authors: Vec<Author>,
    pub rooms: Vec<RoomId>,
    /// Each room's team-channel group ID.
    pub groups: Vec<String>,
    pub setup_secs: f64,
}

/// Requests in flight during setup.
const SETUP_CONCURRENCY: usize = 8;

impl World {
    /// Builds `rooms` rooms with the same `members` people in each (the first is
    /// the doctor who owns them), through node A's API.
    pub async fn build(node: &Node, rooms: usize, members: usize) -> Result<Self> {
        let started = Instant::now();
        let server = node.server();
        let link = node
            .process
            .bootstrap_link
            .as_deref()
            .context("the server printed no bootstrap link")?;
        let admin = server.register(link, "admin").await?;
        let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
        let doctor = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
        let room_ids: Vec<String> = stream::iter(0..rooms)
            .map(|_| server.room(&doctor, &clinic))
            .buffered(SETUP_CONCURRENCY)
            .try_collect()
            .await?;
        let mut people = vec![doctor];
        let others: Vec<Person> = stream::iter(1..members)
            .map(|i| {
                let (doctor, first) = (&people[0], &room_ids[0]);
                async move {
                    let link = server.invite_to_room(doctor, first, "professional").await?;
                    server.register(&link, &format!("pro.{i:04}")).await
                }
            })
            .buffered(4)
            .try_collect()
            .await?;
        people.extend(others);
        let joins = room_ids[1..]
            .iter()
            .flat_map(|room| people[1..].iter().map(move |p| (room, p)));
        stream::iter(joins)
            .map(|(room, person)| server.join_room(&people[0], person, room, "professional"))
            .buffer_unordered(SETUP_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        let devices: Vec<TestDevice> = stream::iter(people.iter().enumerate())
            .map(|(i, person)| TestDevice::register(server, person, 1000 + i as u64, 0))
            .buffered(SETUP_CONCURRENCY)
            .try_collect()
            .await?;
        let mut groups = Vec::new();
        for room in &room_ids {
            let (_, (status, answer)) = devices[0].create_group(server, &people[0], room, "team").await?;
            anyhow::ensure!(status == 200, "group refused: {status} {answer}");
            groups.push(group_id(room, "team"));
        }
        let authors = devices
            .iter()
            .zip(&people)
            .map(|(d, p)| Author {
                user: d.user,
                device: d.id,
                key: d.key.clone(),
                token: p.token.clone(),
            })
            .collect();
        let rooms = room_ids
            .iter()
            .map(|r| r.parse::<RoomId>().context("room ID"))
            .collect::<Result<_>>()?;
        Ok(Self {
            people,
            authors,
            rooms,
            groups,
            setup_secs: started.elapsed().as_secs_f64(),
        })
    }
}

/// Raises this process's open-file limit (soft and hard) to `wanted` if it can
/// (as root), so that the server it starts inherits it too: the limit in force.
pub fn raise_fd_limit(wanted: u64) -> u64 {
    let me = std::process::id().to_string();
    let limit = format!("--nofile={wanted}:{wanted}");
    let _ = std::process::Command::new("prlimit")
        .args(["--pid", &me, &limit])
        .stderr(std::process::Stdio::null())
        .status();
    fd_limit()
}

/// The soft open-file limit of this process.
pub fn fd_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        })
        .unwrap_or(1024)
}
