//! The fan-out runs: closed loop, paced, and paced across two nodes. Every member
//! of every room follows the room's team channel on its own socket; every post must
//! reach every socket of its room once and in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::{stream, StreamExt, TryStreamExt};
use kizuna_tests::DbKind;

use crate::args::db_name;
use crate::measure::{account, heads_after, percentiles, rss_mib, Received, Usage};
use crate::posts::{closed_loop, paced, Plan, Sent};
use crate::report::Row;
use crate::setup::{raise_fd_limit, Cluster, World};
use crate::sockets::{follow, wait_for_heads, Follower, Shared, Target, OPENING};

/// How long to wait for the last deliveries of a run.
const DRAIN: Duration = Duration::from_secs(120);

/// How the posts are sent.
#[derive(Debug, Clone, Copy)]
pub enum Load {
    /// `senders` per room, back to back.
    Closed { senders: usize },
    /// A fixed total rate spread over the rooms.
    Paced { rate: f64 },
}

/// One fan-out run.
#[derive(Debug, Clone, Copy)]
pub struct Fanout {
    pub db: DbKind,
    /// 1, or 2 (the second node holds half the sockets; posts go to the first).
    pub nodes: usize,
    pub rooms: usize,
    pub members: usize,
    pub secs: u64,
    pub load: Load,
}

impl Fanout {
    fn label(&self) -> String {
        let size = format!("{} rooms × {} members", self.rooms, self.members);
        match (self.load, self.nodes) {
            (Load::Closed { senders }, _) => format!("closed, {size}, {} senders", senders * self.rooms),
            (Load::Paced { rate }, 1) => format!("paced {rate:.0}/s, {size}"),
            (Load::Paced { rate }, _) => format!("two nodes, paced {rate:.0}/s, {size}"),
        }
    }

    /// Posts sealed in advance per room.
    fn per_room(&self) -> usize {
        match self.load {
            // Enough for ~3,000 posts/s; beyond that sealing happens during the run.
            Load::Closed { .. } => (3_000 * self.secs as usize / self.rooms).clamp(64, 20_000),
            Load::Paced { rate } => (rate * self.secs as f64 / self.rooms as f64).ceil() as usize + 2,
        }
    }

    /// Runs it: one row per node the sockets are on.
    pub async fn run(self) -> Result<Vec<Row>> {
        let sockets = self.rooms * self.members;
        raise_fd_limit((sockets as u64 + 4096).max(65_536));
        let cluster = Cluster::start(self.db, self.nodes).await?;
        let world = World::build(&cluster.nodes[0], self.rooms, self.members).await?;
        let setup_secs = world.setup_secs;
        eprintln!("{}: world set up in {setup_secs:.1} s", self.label());
        let per_room = self.per_room();
        let shared = Arc::new(Shared::default());
        let connecting = Instant::now();
        let targets: Vec<(usize, usize)> = (0..self.rooms)
            .flat_map(|room| (0..self.members).map(move |member| (room, member)))
            .collect();
        let followers: Vec<Follower> = stream::iter(targets)
            .map(|(room, member)| {
                let node = member % self.nodes;
                let target = Target {
                    base: &cluster.nodes[node].server().url,
                    token: &world.people[member].token,
                    group: &world.groups[room],
                    room,
                    node,
                    after: 0,
                    expected: per_room,
                };
                follow(target, shared.clone())
            })
            .buffer_unordered(OPENING)
            .try_collect()
            .await?;
        let connect_secs = connecting.elapsed().as_secs_f64();
        eprintln!(
            "{} sockets following, opened in {connect_secs:.1} s",
            followers.len()
        );
        let plan = Arc::new(Plan::new(&cluster.nodes[0].server().url, world, per_room)?);
        // Let the subscriptions land before the clock starts.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let pids = cluster.pids();
        let usage0 = Usage::now(&pids);
        let started = Instant::now();
        let sent = match self.load {
            Load::Closed { senders } => closed_loop(&plan, senders, self.secs).await,
            Load::Paced { rate } => paced(&plan, rate, self.secs).await,
        };
        let before = first_seqs(self.rooms, &sent);
        let heads = heads_after(&before, &sent)?;
        let drained = wait_for_heads(&followers, &heads, DRAIN).await;
        let usage1 = Usage::now(&pids);
        let rss = rss_mib(&pids);
        let refused = refusals(&sent);
        let accepted = sent.iter().filter(|s| s.seq.is_some()).count();
        let last_answer = sent.iter().map(|s| s.answered).max().unwrap_or(started);
        let posts_per_s = accepted as f64 / (last_answer - started).as_secs_f64().max(1e-9);
        let (server_cpu, pg_cpu) = usage0.since(&usage1);
        let socket_errors = shared.errors.load(std::sync::atomic::Ordering::Relaxed);
        let late = plan.sealed_late.load(std::sync::atomic::Ordering::Relaxed);
        let mut note = format!("sockets {} opened in {connect_secs:.1} s", followers.len());
        if late > 0 {
            note.push_str(&format!("; {late} posts sealed during the run"));
        }
        if !drained {
            note.push_str("; NOT all delivered within 120 s");
        }
        let mut rows = Vec::new();
        for node in 0..self.nodes {
            let mine: Vec<&Follower> = followers.iter().filter(|f| f.node == node).collect();
            let received = account_of(&mine, &before, &heads, &sent);
            let latency = received.all();
            let deliveries_per_s = received
                .last_receipt
                .map(|last| received.deliveries() as f64 / (last - started).as_secs_f64().max(1e-9));
            let run = match self.nodes {
                1 => self.label(),
                _ if node == 0 => format!("{}: same node (A)", self.label()),
                _ => format!("{}: cross node (B)", self.label()),
            };
            rows.push(Row {
                run,
                db: db_name(self.db).into(),
                posts_per_s: Some(posts_per_s),
                deliveries_per_s,
                latency_ms: percentiles(&latency),
                faults: Some([received.lost, received.duplicated, received.out_of_order]),
                refused: if node == 0 { refused } else { 0 },
                socket_errors: if node == 0 { socket_errors } else { 0 },
                server_rss_mib: Some(rss),
                server_cpu_pct: Some(server_cpu),
                postgres_cpu_pct: (self.db == DbKind::Postgres).then_some(pg_cpu),
                setup_secs: Some(setup_secs),
                note: note.clone(),
                ..Row::default()
            });
        }
        drop(followers);
        drop(cluster);
        Ok(rows)
    }
}

/// Each room's log position before the run: one before its first accepted seq.
pub fn first_seqs(rooms: usize, sent: &[Sent]) -> Vec<i64> {
    let mut first = vec![i64::MAX; rooms];
    for s in sent {
        if let Some(seq) = s.seq {
            first[s.room] = first[s.room].min(seq);
        }
    }
    first
        .iter()
        .map(|&f| if f == i64::MAX { 0 } else { f - 1 })
        .collect()
}

fn account_of(followers: &[&Follower], before: &[i64], heads: &[i64], sent: &[Sent]) -> Received {
    account(followers.iter().copied(), before, heads, sent)
}

/// Refused posts, with the reasons on stderr.
pub fn refusals(sent: &[Sent]) -> usize {
    let mut reasons: HashMap<&str, usize> = HashMap::new();
    for reason in sent.iter().filter_map(|s| s.refusal.as_deref()) {
        *reasons.entry(reason).or_default() += 1;
    }
    if !reasons.is_empty() {
        eprintln!("refused: {reasons:?}");
    }
    reasons.values().sum()
}
