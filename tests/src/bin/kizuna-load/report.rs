//! One row per run, printed as a markdown table, and the machine it ran on.

use std::fmt::Write as _;

/// One run's figures. Columns a run does not have print as `–`.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// e.g. `closed, 10 rooms × 20, 40 senders`.
    pub run: String,
    /// `sqlite` or `postgres`.
    pub db: String,
    pub posts_per_s: Option<f64>,
    pub deliveries_per_s: Option<f64>,
    /// p50, p99 and p99.9 delivery latency, ms.
    pub latency_ms: Option<[f64; 3]>,
    /// Lost, duplicated, out of order (all must be 0).
    pub faults: Option<[usize; 3]>,
    /// Posts the server refused, socket errors and closes.
    pub refused: usize,
    pub socket_errors: usize,
    pub server_rss_mib: Option<f64>,
    /// % of one core over the run (summed over server processes).
    pub server_cpu_pct: Option<f64>,
    pub postgres_cpu_pct: Option<f64>,
    pub setup_secs: Option<f64>,
    /// /proc/loadavg (1 min) before and after.
    pub load: (f64, f64),
    pub note: String,
}

impl Row {
    /// A run that failed: lost, duplicated or out-of-order entries, or refusals.
    pub fn failed(&self) -> bool {
        self.faults.is_some_and(|f| f.iter().any(|&n| n > 0)) || self.refused > 0 || self.socket_errors > 0
    }
}

/// The table's header.
pub const HEADER: &str = "| run | db | posts/s accepted | deliveries/s | p50 ms | p99 ms | p99.9 ms | lost / dup / out of order | refused / socket errors | server RSS MiB | server CPU % core | PostgreSQL CPU % core | setup s | load 1 min before → after | notes |\n\
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.decimals$}"))
}

impl Row {
    /// The row as a markdown table line.
    pub fn line(&self) -> String {
        let [p50, p99, p999] = self.latency_ms.map_or([None; 3], |l| l.map(Some));
        let faults = self
            .faults
            .map_or_else(|| "–".to_owned(), |[l, d, o]| format!("{l} / {d} / {o}"));
        format!(
            "| {} | {} | {} | {} | {} | {} | {} | {faults} | {} / {} | {} | {} | {} | {} | {:.2} → {:.2} | {} |",
            self.run,
            self.db,
            opt(self.posts_per_s, 0),
            opt(self.deliveries_per_s, 0),
            opt(p50, 1),
            opt(p99, 1),
            opt(p999, 1),
            self.refused,
            self.socket_errors,
            opt(self.server_rss_mib, 1),
            opt(self.server_cpu_pct, 0),
            opt(self.postgres_cpu_pct, 0),
            opt(self.setup_secs, 1),
            self.load.0,
            self.load.1,
            self.note,
        )
    }
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Cores, memory and CPU model, and the date.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0 / 1024.0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        "Machine: {cores} cores (nproc), {memory_gib:.1} GiB memory, {model}. Date: {date}. \
         Load generator and server(s) share these cores."
    );
    out
}

/// Prints the table.
pub fn print(rows: &[Row]) {
    println!("{HEADER}");
    for row in rows {
        println!("{}", row.line());
    }
}
