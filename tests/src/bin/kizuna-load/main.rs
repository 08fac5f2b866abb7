//! `kizuna-load`: a load generator in a process of its own, driving the real
//! `kizuna-server` release binary (started as a child process on a fresh database)
//! over real HTTP and real WebSockets, with real devices, real MLS groups and real
//! sealed posts.
//!
//!     ops/load.sh closed --db sqlite --rooms 2 --secs 3
//!     target/release/kizuna-load standard
//!
//! Scenarios (see `args::USAGE`): `closed`, `paced`, `idle`, `catchup`,
//! `two-nodes`, `pgbench`, and `standard`, which runs the standard set and prints
//! one markdown table. Every row reports accepted posts/s, deliveries/s, delivery
//! latency (p50/p99/p99.9), lost/duplicated/out-of-order entries (the process
//! exits 1 unless all are 0), server RSS and CPU, and PostgreSQL's CPU. The load
//! generator runs on one tokio runtime with two workers, on the same cores as the
//! server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a load tool: a panic is a failed run

mod args;
mod measure;
mod others;
mod posts;
mod report;
mod scenarios;
mod setup;
mod sockets;

use std::future::Future;
use std::pin::Pin;

use anyhow::Result;
use kizuna_tests::DbKind;

use crate::args::{Options, Scenario};
use crate::report::{load_average, Row};
use crate::scenarios::{Fanout, Load};

type Run = Pin<Box<dyn Future<Output = Result<Vec<Row>>>>>;

fn fanout(db: DbKind, nodes: usize, rooms: usize, members: usize, secs: u64, load: Load) -> Run {
    let run = Fanout {
        db,
        nodes,
        rooms,
        members,
        secs,
        load,
    };
    Box::pin(run.run())
}

/// The runs a command line asks for.
fn runs(o: &Options) -> Vec<Run> {
    let (rooms, members, secs) = (o.rooms, o.members, o.secs);
    let closed = Load::Closed {
        senders: o.senders_per_room,
    };
    match o.scenario {
        Scenario::Closed => vec![fanout(o.db, 1, rooms, members, secs, closed)],
        Scenario::Paced => vec![fanout(
            o.db,
            1,
            rooms,
            members,
            secs,
            Load::Paced { rate: o.rate },
        )],
        Scenario::TwoNodes => vec![fanout(
            DbKind::Postgres,
            2,
            rooms,
            members,
            secs,
            Load::Paced { rate: o.rate },
        )],
        Scenario::Idle => {
            let (db, sockets, idle_secs) = (o.db, o.sockets, o.idle_secs);
            vec![Box::pin(async move { Ok(vec![others::idle(db, sockets, idle_secs).await?]) }) as Run]
        }
        Scenario::Catchup => {
            let (db, posts) = (o.db, o.posts);
            vec![Box::pin(async move { Ok(vec![others::catchup(db, posts).await?]) }) as Run]
        }
        Scenario::Pgbench => vec![Box::pin(async move { Ok(vec![others::pgbench(secs).await?]) }) as Run],
        Scenario::Standard => {
            let mut all = Vec::new();
            for db in [DbKind::Sqlite, DbKind::Postgres] {
                all.push(fanout(db, 1, 10, 20, 10, Load::Closed { senders: 4 }));
                all.push(fanout(db, 1, 10, 20, 10, Load::Paced { rate: 1000.0 }));
                all.push(fanout(db, 1, 500, 20, 10, Load::Paced { rate: 500.0 }));
            }
            all.push(Box::pin(async {
                Ok(vec![others::idle(DbKind::Sqlite, 20_000, 30).await?])
            }));
            for db in [DbKind::Sqlite, DbKind::Postgres] {
                all.push(Box::pin(
                    async move { Ok(vec![others::catchup(db, 10_000).await?]) },
                ));
            }
            all.push(fanout(
                DbKind::Postgres,
                2,
                10,
                20,
                10,
                Load::Paced { rate: 500.0 },
            ));
            all.push(Box::pin(async { Ok(vec![others::pgbench(10).await?]) }));
            all
        }
    }
}

/// Closed-loop posts/s as a fraction of pgbench's rate, when both ran.
fn fractions(rows: &[Row]) -> Vec<String> {
    let Some(pg) = rows
        .iter()
        .find(|r| r.run.starts_with("pgbench"))
        .and_then(|r| r.posts_per_s)
    else {
        return Vec::new();
    };
    rows.iter()
        .filter(|r| r.run.starts_with("closed"))
        .filter_map(|r| {
            let rate = r.posts_per_s?;
            Some(format!(
                "- closed loop on {}: {rate:.0} posts/s = {:.1} % of PostgreSQL's own insert rate ({pg:.0}/s, pgbench)",
                r.db,
                rate / pg * 100.0
            ))
        })
        .collect()
}

async fn run_all(options: Options) -> Vec<Row> {
    let mut rows = Vec::new();
    for run in runs(&options) {
        let before = load_average();
        match run.await {
            Ok(done) => {
                let after = load_average();
                for mut row in done {
                    row.load = (before, after);
                    eprintln!("{}", row.line());
                    rows.push(row);
                }
            }
            Err(e) => {
                eprintln!("run failed: {e:#}");
                rows.push(Row {
                    run: format!("FAILED: {e:#}"),
                    refused: 1,
                    load: (before, load_average()),
                    ..Row::default()
                });
            }
        }
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match Options::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e:#}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let rows = runtime.block_on(run_all(options));
    println!("\n{}\n", report::machine());
    report::print(&rows);
    for line in fractions(&rows) {
        println!("{line}");
    }
    if rows.iter().any(Row::failed) {
        eprintln!(
            "FAILED: a run lost, duplicated or reordered entries, had refusals or errors, or did not run"
        );
        std::process::exit(1);
    }
}
