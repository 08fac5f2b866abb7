//! Reading a channel's log: each entry once, in order, without gaps.
//!
//! The rules both clients follow:
//! * Entries at or before `last_seq` are skipped; a jump past `last_seq + 1` stops
//!   with [`Event::Gap`] (fetch from `last_seq` again).
//! * A commit that cannot be applied stops with [`Event::Stalled`]: every later entry
//!   depends on it. That includes a commit whose body is not even base64.
//! * Any other entry that cannot be used is reported ([`Event::Problem`]) and skipped.
//! * A post whose era key has not arrived waits (at most [`MAX_WAITING`] per channel,
//!   the oldest dropped first) and is opened when keys arrive.
//! * Proposals and kinds newer than this build are skipped.
//! * Once this device is removed, nothing more is read.

use kizuna_crypto::channel::{ChannelError, ChannelEvent};
use kizuna_proto::{LogEntry, LogKind};

use crate::codec::unb64;
use crate::error::EngineError;
use crate::events::{commit_event, Event, ReceivedPost};
use crate::slot::Slot;

/// Most posts kept waiting for their era key per channel (the oldest go first).
pub const MAX_WAITING: usize = 10_000;

/// The cause of a refusal in words, as the native client reports and keeps it.
fn detail(error: &ChannelError) -> String {
    match error {
        ChannelError::ReplayedPost { first_seq, .. } => format!(
            "replayed copy of post #{first_seq}, not shown / #{first_seq} の投稿の再送（改ざん）のため表示しません"
        ),
        other => other.to_string(),
    }
}

fn received(entry: &LogEntry, opened: kizuna_crypto::OpenedPost, header: kizuna_crypto::PostHeader) -> Event {
    Event::Post(ReceivedPost {
        seq: entry.seq,
        post_id: header.post,
        author_user: header.author_user,
        author_device: header.author_device,
        sent_at: header.sent_at,
        stored_at: entry.stored_at,
        exposed_urgency: entry.urgency,
        envelope: opened.envelope,
    })
}

fn problem(entry: &LogEntry, error: EngineError, detail: String) -> Event {
    Event::Problem {
        seq: entry.seq,
        kind: entry.kind.as_str().to_owned(),
        error,
        detail,
    }
}

impl Slot {
    /// Processes log entries in order, each once (see the module's rules), and says
    /// what happened, one event per noteworthy entry, in log order.
    pub fn ingest(&mut self, entries: &[LogEntry]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut sorted: Vec<&LogEntry> = entries.iter().collect();
        sorted.sort_by_key(|e| e.seq);
        for entry in sorted {
            if entry.seq <= self.last_seq {
                continue;
            }
            if entry.seq != self.last_seq + 1 {
                events.push(Event::Gap {
                    after: self.last_seq,
                    next: entry.seq,
                });
                break;
            }
            if !self.state.is_active() {
                break;
            }
            if !self.ingest_one(entry, &mut events) {
                break;
            }
            self.last_seq = entry.seq;
        }
        events
    }

    /// One entry; false if the log cannot go past it.
    fn ingest_one(&mut self, entry: &LogEntry, events: &mut Vec<Event>) -> bool {
        let kind = entry.kind;
        // Proposals are not used by Kizuna clients; unknown kinds are newer than us.
        if matches!(kind, LogKind::Proposal | LogKind::Unknown) {
            return true;
        }
        let body = match unb64("log entry body", &entry.body) {
            Ok(body) => body,
            Err(error) if kind == LogKind::Commit => {
                events.push(Event::Stalled {
                    seq: entry.seq,
                    error,
                    detail: "body is not base64".to_owned(),
                });
                return false;
            }
            Err(error) => {
                events.push(problem(entry, error, "body is not base64".to_owned()));
                return true;
            }
        };
        match self.state.process_at(entry.seq, kind, entry.sender_device, &body) {
            Ok(ChannelEvent::Post(opened, header)) => events.push(received(entry, opened, header)),
            Ok(ChannelEvent::Eras(eras)) => {
                events.push(Event::Eras {
                    seq: entry.seq,
                    eras: eras.iter().map(ToString::to_string).collect(),
                });
                self.retry_waiting(events);
            }
            Ok(ChannelEvent::Commit(summary)) => {
                events.push(commit_event(entry.seq, &summary));
                if summary.removed_self {
                    events.push(Event::Removed { seq: entry.seq });
                }
            }
            Ok(ChannelEvent::Removed) => events.push(Event::Removed { seq: entry.seq }),
            // Commits already applied and era keys from before this device joined:
            // the core reads the epoch from the MLS message itself.
            Ok(ChannelEvent::Ignored) => {}
            Err(e) if kind == LogKind::Post && e.is_unknown_era() => {
                self.waiting.push(entry.clone());
                if self.waiting.len() > MAX_WAITING {
                    self.waiting.remove(0);
                }
                events.push(Event::Waiting { seq: entry.seq });
            }
            Err(e) if kind == LogKind::Commit => {
                let detail = detail(&e);
                events.push(Event::Stalled {
                    seq: entry.seq,
                    error: e.into(),
                    detail,
                });
                return false;
            }
            Err(e) => {
                let detail = detail(&e);
                events.push(problem(entry, e.into(), detail));
            }
        }
        true
    }

    /// Tries the posts that waited for an era key again.
    fn retry_waiting(&mut self, events: &mut Vec<Event>) {
        let mut still = Vec::new();
        for entry in std::mem::take(&mut self.waiting) {
            let Ok(body) = unb64("log entry body", &entry.body) else {
                continue;
            };
            match self
                .state
                .process_at(entry.seq, LogKind::Post, entry.sender_device, &body)
            {
                Ok(ChannelEvent::Post(opened, header)) => events.push(received(&entry, opened, header)),
                Err(e) if e.is_unknown_era() => still.push(entry),
                Ok(_) => {}
                Err(e) => {
                    let detail = detail(&e);
                    events.push(problem(&entry, e.into(), detail));
                }
            }
        }
        self.waiting = still;
    }
}
