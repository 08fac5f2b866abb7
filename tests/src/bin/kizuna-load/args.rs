//! The command line: `kizuna-load SCENARIO [--key value]…`, parsed by hand.

use anyhow::{bail, Context, Result};
use kizuna_tests::DbKind;

/// Which run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Senders post back to back; every member follows by WebSocket.
    Closed,
    /// Posts at a fixed rate, latency charged from the scheduled time.
    Paced,
    /// Idle authenticated sockets: memory per socket and idle CPU.
    Idle,
    /// One device reads a long log from the start.
    Catchup,
    /// Two server processes on one PostgreSQL database.
    TwoNodes,
    /// PostgreSQL's own durable insert rate (pgbench).
    Pgbench,
    /// The standard set, one table.
    Standard,
}

/// Everything the command line may set.
#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: Scenario,
    pub db: DbKind,
    pub rooms: usize,
    pub members: usize,
    pub secs: u64,
    pub senders_per_room: usize,
    pub rate: f64,
    pub sockets: usize,
    pub idle_secs: u64,
    pub posts: usize,
}

pub const USAGE: &str = "usage: kizuna-load SCENARIO [options]
scenarios:
  closed     --db sqlite|postgres --rooms 10 --members 20 --secs 10 [--senders-per-room 4]
  paced      --rate 1000 --db … --rooms 10 --members 20 --secs 10
  idle       --sockets 20000 --db … [--idle-secs 30]
  catchup    --posts 10000 --db …
  two-nodes  --rate 500 [--rooms 10 --members 20 --secs 10]   (PostgreSQL)
  pgbench    [--secs 10]                                      (PostgreSQL)
  standard   the standard set, one markdown table";

impl Options {
    /// Parses `args` (without the program name).
    pub fn parse(args: &[String]) -> Result<Self> {
        let scenario = match args.first().map(String::as_str) {
            Some("closed") => Scenario::Closed,
            Some("paced") => Scenario::Paced,
            Some("idle") => Scenario::Idle,
            Some("catchup") => Scenario::Catchup,
            Some("two-nodes") => Scenario::TwoNodes,
            Some("pgbench") => Scenario::Pgbench,
            Some("standard") | None => Scenario::Standard,
            Some("help" | "--help" | "-h") => bail!("{USAGE}"),
            Some(other) => bail!("unknown scenario {other}\n{USAGE}"),
        };
        let mut options = Self {
            scenario,
            db: match scenario {
                Scenario::TwoNodes | Scenario::Pgbench => DbKind::Postgres,
                _ => DbKind::Sqlite,
            },
            rooms: 10,
            members: 20,
            secs: 10,
            senders_per_room: 4,
            rate: if scenario == Scenario::TwoNodes {
                500.0
            } else {
                1000.0
            },
            sockets: 20_000,
            idle_secs: 30,
            posts: 10_000,
        };
        let mut rest = args.iter().skip(1);
        while let Some(key) = rest.next() {
            let value = rest
                .next()
                .with_context(|| format!("{key} needs a value\n{USAGE}"))?;
            let number = || -> Result<usize> {
                value
                    .parse()
                    .with_context(|| format!("{key} {value}: not a number"))
            };
            match key.as_str() {
                "--db" => {
                    options.db = match value.as_str() {
                        "sqlite" => DbKind::Sqlite,
                        "postgres" | "postgresql" => DbKind::Postgres,
                        other => bail!("--db {other}: sqlite or postgres"),
                    }
                }
                "--rooms" => options.rooms = number()?,
                "--members" => options.members = number()?,
                "--secs" => options.secs = number()? as u64,
                "--senders-per-room" => options.senders_per_room = number()?,
                "--rate" => options.rate = value.parse().with_context(|| format!("--rate {value}"))?,
                "--sockets" => options.sockets = number()?,
                "--idle-secs" => options.idle_secs = number()? as u64,
                "--posts" => options.posts = number()?,
                other => bail!("unknown option {other}\n{USAGE}"),
            }
        }
        if options.rooms == 0 || options.members < 2 || options.secs == 0 || options.rate <= 0.0 {
            bail!("--rooms and --secs must be at least 1, --members at least 2, --rate positive");
        }
        Ok(options)
    }
}

/// `sqlite` or `postgres`.
pub fn db_name(db: DbKind) -> &'static str {
    match db {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgres",
    }
}
