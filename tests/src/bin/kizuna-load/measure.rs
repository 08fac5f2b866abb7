//! CPU and memory of the server processes and PostgreSQL, and the accounting of
//! what each socket received: latency, lost, duplicated, out of order.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kizuna_tests::bench::{cpu_secs, postgres_cpu_secs, status_field};

use crate::posts::Sent;
use crate::sockets::Follower;

/// CPU seconds used so far by the server processes and by PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    at: Instant,
    server: f64,
    postgres: f64,
}

impl Usage {
    /// Reads the counters now.
    pub fn now(servers: &[u32]) -> Self {
        Self {
            at: Instant::now(),
            server: servers.iter().map(|&pid| cpu_secs(pid)).sum(),
            postgres: postgres_cpu_secs(),
        }
    }

    /// % of one core used by the servers and by PostgreSQL since `self`.
    pub fn since(&self, later: &Self) -> (f64, f64) {
        let secs = (later.at - self.at).as_secs_f64().max(1e-9);
        (
            (later.server - self.server) / secs * 100.0,
            (later.postgres - self.postgres).max(0.0) / secs * 100.0,
        )
    }
}

/// Resident memory of the server processes, MiB.
pub fn rss_mib(servers: &[u32]) -> f64 {
    servers
        .iter()
        .map(|&pid| status_field(pid, "VmRSS").unwrap_or(0) as f64 / 1024.0)
        .sum()
}

/// p50, p99, p99.9 of sorted latencies, ms.
pub fn percentiles(sorted: &[Duration]) -> Option<[f64; 3]> {
    if sorted.is_empty() {
        return None;
    }
    let at = |p: f64| sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    Some([at(0.5), at(0.99), at(0.999)])
}

/// What the sockets received in one run.
#[derive(Debug, Default)]
pub struct Received {
    /// Delivery latencies per node the sockets were on (index = node), sorted.
    pub latency: Vec<Vec<Duration>>,
    pub lost: usize,
    pub duplicated: usize,
    pub out_of_order: usize,
    /// The last receipt of an entry of the run.
    pub last_receipt: Option<Instant>,
}

impl Received {
    /// Every latency, sorted.
    pub fn all(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self.latency.iter().flatten().copied().collect();
        all.sort_unstable();
        all
    }

    /// Deliveries counted.
    pub fn deliveries(&self) -> usize {
        self.latency.iter().map(Vec::len).sum()
    }
}

/// Checks the accepted seqs of each room are exactly `before[room] + 1 ..= head`
/// and returns the new heads.
pub fn heads_after(before: &[i64], sent: &[Sent]) -> anyhow::Result<Vec<i64>> {
    let mut counts = vec![0i64; before.len()];
    let mut seen = vec![Vec::new(); before.len()];
    for s in sent {
        if let Some(seq) = s.seq {
            counts[s.room] += 1;
            seen[s.room].push(seq);
        }
    }
    for (room, seqs) in seen.iter_mut().enumerate() {
        seqs.sort_unstable();
        let expected = (before[room] + 1..=before[room] + counts[room]).collect::<Vec<_>>();
        anyhow::ensure!(
            *seqs == expected,
            "room {room}: the accepted seqs are not contiguous"
        );
    }
    Ok(before.iter().zip(&counts).map(|(b, c)| b + c).collect())
}

/// Matches every socket's receipts to the posts' send times.
pub fn account<'a>(
    followers: impl IntoIterator<Item = &'a Follower>,
    before: &[i64],
    heads: &[i64],
    sent: &[Sent],
) -> Received {
    let followers: Vec<&Follower> = followers.into_iter().collect();
    // The time each (room, seq) was sent, by index seq - before - 1.
    let mut sent_at: Vec<Vec<Option<Instant>>> = before
        .iter()
        .zip(heads)
        .map(|(b, h)| vec![None; usize::try_from(h - b).unwrap_or(0)])
        .collect();
    for s in sent {
        if let Some(seq) = s.seq {
            if let Some(slot) = usize::try_from(seq - before[s.room] - 1)
                .ok()
                .and_then(|i| sent_at[s.room].get_mut(i))
            {
                *slot = Some(s.at);
            }
        }
    }
    let nodes = followers.iter().map(|f| f.node + 1).max().unwrap_or(1);
    let mut received = Received {
        latency: vec![Vec::new(); nodes],
        ..Received::default()
    };
    let mut seen = Vec::new();
    for follower in &followers {
        let (room, from) = (follower.room, before[follower.room]);
        let got = follower.got.lock().unwrap_or_else(|p| p.into_inner());
        let expected = sent_at[room].len();
        seen.clear();
        seen.resize(expected, false);
        let mut previous = from;
        for &(seq, at) in got.iter().filter(|(q, _)| *q > from) {
            if seq <= previous {
                received.out_of_order += 1;
            }
            previous = seq;
            let Some(index) = usize::try_from(seq - from - 1).ok().filter(|&i| i < expected) else {
                continue; // past the run's posts (not ours)
            };
            if std::mem::replace(&mut seen[index], true) {
                received.duplicated += 1;
                continue;
            }
            if let Some(sent) = sent_at[room][index] {
                received.latency[follower.node].push(at.saturating_duration_since(sent));
            }
            received.last_receipt = received.last_receipt.max(Some(at));
        }
        received.lost += seen.iter().filter(|s| !**s).count();
        debug_assert!(follower.last.load(Ordering::Relaxed) >= from);
    }
    for latencies in &mut received.latency {
        latencies.sort_unstable();
    }
    received
}
