//! Scenarios of reading a channel's log (the rules in `ingest.rs`). In each, the
//! doctor (user 1, device 11) makes the team channel and adds the reader at seq 1
//! with full history, the era keys follow at seq 2, and the reader joins from the
//! welcome at epoch 1.

use kizuna_proto::LogKind;

use super::fixture::{author, later, post_id, Newcomer, Team, T0};
use super::scenarios::expect::{channel, commit, gap, post, problem, stalled, waiting};
use super::scenarios::{Reader, Scenario, Script, Step};
use super::Outcome;
use crate::codec::{b64, unb64};
use crate::error::EngineError;
use crate::policy::Policy;
use crate::MAX_WAITING;

/// The epoch the reader joins at (the group's creation, then the add).
const JOINED: u64 = 1;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "posts are shown in log order",
            build: posts_in_order,
        },
        Scenario {
            name: "entries delivered again are ignored, a replayed post is refused",
            build: delivered_again,
        },
        Scenario {
            name: "a gap stops reading until the missing entries come",
            build: a_gap,
        },
        Scenario {
            name: "a post waits for its era key and is shown when the key comes",
            build: waits_for_its_era_key,
        },
        Scenario {
            name: "the waiting queue keeps the newest MAX_WAITING posts",
            build: waiting_queue_cap,
        },
        Scenario {
            name: "a commit whose body is not base64 stalls the log",
            build: commit_not_base64,
        },
        Scenario {
            name: "a commit that cannot be applied stalls the log",
            build: commit_not_a_commit,
        },
        Scenario {
            name: "entries of unknown kinds and proposals are skipped",
            build: unknown_kinds,
        },
        Scenario {
            name: "a tampered post is refused and reading goes on",
            build: tampered_post,
        },
        Scenario {
            name: "another member's commit moves the epoch",
            build: another_members_commit,
        },
        Scenario {
            name: "this device removed by a commit reads nothing more",
            build: removed,
        },
    ]
}

/// The doctor's team with the reader in it.
fn team(reader: &Reader, key_package: &str) -> Result<(Team, Script), EngineError> {
    let (team, welcome) = Team::with(&[reader.newcomer(key_package)])?;
    Ok((
        team,
        Script {
            welcome: Some(welcome),
            steps: Vec::new(),
        },
    ))
}

fn ingest(entries: Vec<kizuna_proto::LogEntry>, expect: Vec<Outcome>) -> Step {
    Step::Ingest { entries, expect }
}

fn posts_in_order(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let first = team.post("訪問完了 / visit done", post_id(1), T0)?;
    let second = team.post("熱なし / no fever", post_id(2), later(1))?;
    script.steps.push(ingest(
        team.log.from(1),
        vec![
            post(first, "訪問完了 / visit done"),
            post(second, "熱なし / no fever"),
            channel(second, JOINED, 0),
        ],
    ));
    Ok(script)
}

fn delivered_again(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let sealed = team.seal("服薬済み", post_id(1), T0)?;
    let doctor = team.doctor_id();
    let first = team.log.post(doctor, &sealed, T0);
    let second = team.post("夕食完食", post_id(2), T0)?;
    // The server (or a relay) sends the post's exact bytes again as a new entry.
    let replayed = team.log.append(LogKind::Post, doctor, &sealed.post, T0);
    let third = team.post("就寝", post_id(3), T0)?;
    script.steps = vec![
        ingest(
            team.log.range(1, first),
            vec![post(first, "服薬済み"), channel(first, JOINED, 0)],
        ),
        // The same page again: nothing new.
        ingest(team.log.range(1, first), vec![channel(first, JOINED, 0)]),
        // A page overlapping what was read: only the new entry counts.
        ingest(
            team.log.range(2, second),
            vec![post(second, "夕食完食"), channel(second, JOINED, 0)],
        ),
        ingest(
            team.log.from(replayed),
            vec![
                problem(replayed, "post_replayed"),
                post(third, "就寝"),
                channel(third, JOINED, 0),
            ],
        ),
    ];
    Ok(script)
}

fn a_gap(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let first = team.post("一", post_id(1), T0)?;
    let second = team.post("二", post_id(2), T0)?;
    let third = team.post("三", post_id(3), T0)?;
    let mut without_second = team.log.range(1, first);
    without_second.extend(team.log.from(third));
    script.steps = vec![
        ingest(
            without_second,
            vec![post(first, "一"), gap(first, third), channel(first, JOINED, 0)],
        ),
        ingest(
            team.log.from(second),
            vec![post(second, "二"), post(third, "三"), channel(third, JOINED, 0)],
        ),
    ];
    Ok(script)
}

fn waits_for_its_era_key(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    // A day later the first post starts a new era; the post reaches the log first.
    let sealed = team.seal("翌日", post_id(1), later(25))?;
    let era_key = sealed
        .era_key
        .clone()
        .ok_or_else(|| super::fixture::fixture_error("era", "a day-old era was kept"))?;
    let doctor = team.doctor_id();
    let at = team.log.append(LogKind::Post, doctor, &sealed.post, later(25));
    let key = team.log.append(LogKind::EraKey, doctor, &era_key, later(25));
    script.steps = vec![
        ingest(team.log.range(1, at), vec![waiting(at), channel(at, JOINED, 1)]),
        ingest(
            team.log.from(key),
            vec![post(at, "翌日"), channel(key, JOINED, 0)],
        ),
    ];
    Ok(script)
}

/// More than [`MAX_WAITING`] posts wait: the oldest goes. The first post waits for
/// era A; then `MAX_WAITING` copies of a post of era B (whose key never comes) push
/// it out; era A's key then finds nothing to open. Were the newest dropped instead,
/// the first post would be shown.
fn waiting_queue_cap(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let first = team.seal("押し出される / pushed out", post_id(1), later(25))?;
    let era_key = first
        .era_key
        .clone()
        .ok_or_else(|| super::fixture::fixture_error("era", "a day-old era was kept"))?;
    let crowd = team.seal("era B", post_id(2), later(50))?;
    let doctor = team.doctor_id();
    let oldest = team.log.append(LogKind::Post, doctor, &first.post, later(25));
    for _ in 0..MAX_WAITING {
        team.log.append(LogKind::Post, doctor, &crowd.post, later(50));
    }
    let last = team.log.next_seq() - 1;
    let key = team.log.append(LogKind::EraKey, doctor, &era_key, later(50));
    let mut crowded: Vec<Outcome> = (oldest + 1..=last).map(waiting).collect();
    crowded.push(channel(last, JOINED, MAX_WAITING));
    script.steps = vec![
        ingest(
            team.log.range(1, oldest),
            vec![waiting(oldest), channel(oldest, JOINED, 1)],
        ),
        ingest(team.log.range(oldest + 1, last), crowded),
        ingest(team.log.from(key), vec![channel(key, JOINED, MAX_WAITING)]),
    ];
    Ok(script)
}

/// The commit at seq 3 cannot be read at all; the doctor's next post (valid: the doctor
/// never applied that commit) must not be shown, now or when fetched again.
fn stalls_at(reader: &Reader, key_package: &str, body: &str, code: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let doctor = team.doctor_id();
    let bad = team.log.append(LogKind::Commit, doctor, body, T0);
    team.post("読まれない / never read", post_id(1), T0)?;
    let stopped = vec![stalled(bad, code), channel(bad - 1, JOINED, 0)];
    script.steps = vec![
        ingest(team.log.from(1), stopped.clone()),
        ingest(team.log.from(bad), stopped),
    ];
    Ok(script)
}

fn commit_not_base64(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    stalls_at(reader, key_package, "%%% not base64 %%%", "invalid_input")
}

fn commit_not_a_commit(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    stalls_at(reader, key_package, &b64(b"not an MLS commit"), "mls_malformed")
}

fn unknown_kinds(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let doctor = team.doctor_id();
    team.log.append(LogKind::Proposal, doctor, "AAAA", T0);
    team.log.append(LogKind::Unknown, doctor, "AAAA", T0);
    let shown = team.post("その後 / after them", post_id(1), T0)?;
    script.steps = vec![ingest(
        team.log.from(1),
        vec![post(shown, "その後 / after them"), channel(shown, JOINED, 0)],
    )];
    Ok(script)
}

fn tampered_post(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let sealed = team.seal("改ざんされる / altered", post_id(1), T0)?;
    let mut bytes = unb64("post", &sealed.post)?;
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    let doctor = team.doctor_id();
    let altered = team.log.append(LogKind::Post, doctor, &b64(&bytes), T0);
    let garbled = team.log.append(LogKind::Post, doctor, "@@ not base64 @@", T0);
    let shown = team.post("次の投稿 / the next post", post_id(2), T0)?;
    script.steps = vec![ingest(
        team.log.from(1),
        vec![
            problem(altered, "post_bad_signature"),
            problem(garbled, "invalid_input"),
            post(shown, "次の投稿 / the next post"),
            channel(shown, JOINED, 0),
        ],
    )];
    Ok(script)
}

fn another_members_commit(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let pharmacist = author(3, 33, 33);
    let at = team.log.next_seq();
    team.add(&[Newcomer::made(&pharmacist)?], Policy::Full)?;
    let shown = team.post("薬局も参加 / pharmacy joined", post_id(1), T0)?;
    script.steps = vec![ingest(
        team.log.from(1),
        vec![
            commit(at, JOINED + 1),
            post(shown, "薬局も参加 / pharmacy joined"),
            channel(shown, JOINED + 1, 0),
        ],
    )];
    Ok(script)
}

fn removed(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let (mut team, mut script) = team(reader, key_package)?;
    let at = team.remove(&[reader.device])?;
    team.post("退出後 / after the removal", post_id(1), T0)?;
    let gone = Outcome::Channel {
        last_seq: at,
        // The removing commit is the last one it applies.
        epoch: JOINED + 1,
        waiting: 0,
        active: false,
    };
    script.steps = vec![
        ingest(team.log.from(1), vec![Outcome::Removed, gone.clone()]),
        ingest(team.log.from(1), vec![gone]),
    ];
    Ok(script)
}
