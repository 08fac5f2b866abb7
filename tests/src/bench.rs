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

/// The pid of the one `kizuna-server` child of this process that is not in `known`.
pub fn server_pid(known: &[u32]) -> Result<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
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
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        if name == "kizuna-server" && ppid == Some(me) && !known.contains(&pid) {
            found.push(pid);
        }
    }
    match found[..] {
        [pid] => Ok(pid),
        _ => anyhow::bail!("expected one new kizuna-server child, found {found:?}"),
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
