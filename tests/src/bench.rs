//! What the benchmarks share: environment overrides and the server process's
//! memory (sockets: [`crate::ws`]).

use anyhow::{Context, Result};

/// `name` from the environment, parsed, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The pid of the one `kizuna-server` process started by this process, directly or
/// under a wrapper such as `heaptrack` or `perf record` (a script in the server
/// binary's place that runs the real one), that is not in `known`.
pub fn server_pid(known: &[u32]) -> Result<u32> {
    let me = std::process::id();
    // pid → (parent, name) of every process.
    let mut processes = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((name, rest)) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") ")) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) {
            processes.insert(pid, (ppid, name.to_owned()));
        }
    }
    let descends_from_me = |mut pid: u32| {
        for _ in 0..8 {
            match processes.get(&pid) {
                Some((parent, _)) if *parent == me => return true,
                Some((parent, _)) => pid = *parent,
                None => return false,
            }
        }
        false
    };
    let mut found: Vec<u32> = processes
        .iter()
        .filter(|(pid, (_, name))| name == "kizuna-server" && !known.contains(pid) && descends_from_me(**pid))
        .map(|(pid, _)| *pid)
        .collect();
    found.sort_unstable();
    match found[..] {
        [pid] => Ok(pid),
        _ => anyhow::bail!("expected one new kizuna-server process, found {found:?}"),
    }
}

/// A `kB` (or plain number) field of /proc/<pid>/status, e.g. `VmRSS`, `Threads`.
pub fn status_field(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{field} in /proc/{pid}/status"))
}

/// utime + stime of a process from its /proc stat line, in clock ticks.
fn ticks_of(stat: &str) -> Option<u64> {
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    // utime and stime are fields 14 and 15; after the ")" they are the 12th and 13th.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// CPU seconds (user + system) a process has used so far; 0 when it is gone.
pub fn cpu_secs(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| ticks_of(&stat))
        .map_or(0.0, |ticks| ticks as f64 / 100.0) // USER_HZ
}

/// cutime + cstime: CPU of the process's children that have ended and been reaped.
fn reaped_ticks_of(stat: &str) -> Option<u64> {
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let cutime: u64 = fields.nth(13)?.parse().ok()?;
    let cstime: u64 = fields.next()?.parse().ok()?;
    Some(cutime + cstime)
}

/// CPU seconds of every `postgres` process on the machine (the database server),
/// including backends that have already ended (counted in the postmaster's
/// children's time).
pub fn postgres_cpu_secs() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let mut secs = 0.0;
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) {
            if stat.contains(" (postgres) ") {
                let ticks = ticks_of(&stat).unwrap_or(0) + reaped_ticks_of(&stat).unwrap_or(0);
                secs += ticks as f64 / 100.0;
            }
        }
    }
    secs
}
