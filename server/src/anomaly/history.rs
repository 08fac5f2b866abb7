//! The history reads of one scan batch. A burst rule (failed sign-ins, rooms
//! opened, downloads) judges every record by the subject's records in a window
//! before it, so a person with 500 records in a batch would otherwise read the
//! same window 500 times, each up to [`MOST_HISTORY`] rows, while the scan holds
//! the write lock. Here each (subject, actions, outcome) is read once for the
//! span the whole batch needs, and each check's history is cut from that.
//!
//! A cut is exactly what its own read would have returned: when the span was
//! truncated at [`MOST_HISTORY`] and the cut reaches past what was read, the
//! cut is read on its own instead.

use std::borrow::Cow;
use std::collections::HashMap;

use kizuna_proto::Timestamp;
use kizuna_storage::alerts::{self, AuditRecord, By, Query};
use kizuna_storage::{DbConn, StorageError};

/// Most records one read returns.
pub const MOST_HISTORY: i64 = 10_000;

/// Which records: whose, which actions, which outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Whose.
    pub by: By,
    /// Which actions.
    pub actions: &'static [&'static str],
    /// Which outcome, if one.
    pub outcome: Option<&'static str>,
}

impl Key {
    /// The query for this key's records from `from` to `to` (inclusive).
    pub fn query(&self, from: Timestamp, to: Timestamp) -> Query<'static> {
        Query {
            by: self.by.clone(),
            actions: self.actions,
            outcome: self.outcome,
            from,
            to,
        }
    }
}

/// One span read: every record of its key from `from` to `to`, newest first
/// (only the newest, as many as one read returns, when `complete` is false).
#[derive(Debug)]
struct Span {
    from: Timestamp,
    to: Timestamp,
    records: Vec<AuditRecord>,
    complete: bool,
}

impl Span {
    /// The records from `from` to `to`, newest first, at most `limit`; none when
    /// this span cannot tell them all.
    fn cut(&self, from: Timestamp, to: Timestamp, limit: i64) -> Option<&[AuditRecord]> {
        if from < self.from || to > self.to {
            return None;
        }
        // A truncated span holds every record newer than its oldest one; at the
        // oldest one's own time, others may be missing.
        let holds_all = self.complete || self.records.last().is_some_and(|oldest| from > oldest.at);
        if !holds_all {
            return None;
        }
        // Newest first: the records in [from, to] are one run of the slice.
        let start = self.records.partition_point(|r| r.at > to);
        let end = self.records.partition_point(|r| r.at >= from).max(start);
        let end = end.min(start.saturating_add(usize::try_from(limit).unwrap_or(0)));
        Some(&self.records[start..end])
    }
}

/// The batch's reads, by key.
#[derive(Debug)]
pub struct Histories {
    /// The span each key will be asked for (set before the first read).
    planned: HashMap<Key, (Timestamp, Timestamp)>,
    read: HashMap<Key, Span>,
    /// Most records one read returns ([`MOST_HISTORY`]; smaller in tests).
    most: i64,
    /// Reads made.
    pub reads: usize,
}

impl Default for Histories {
    fn default() -> Self {
        Histories::with_most(MOST_HISTORY)
    }
}

impl Histories {
    /// Reads of at most `most` records each.
    pub fn with_most(most: i64) -> Self {
        Histories {
            planned: HashMap::new(),
            read: HashMap::new(),
            most,
            reads: 0,
        }
    }

    /// Announces that `key` will be asked for records from `from` to `to`, so the
    /// first read covers every such ask of the batch.
    pub fn plan(&mut self, key: Key, from: Timestamp, to: Timestamp) {
        let span = self.planned.entry(key).or_insert((from, to));
        span.0 = span.0.min(from);
        span.1 = span.1.max(to);
    }

    /// The records of `key` from `from` to `to` (inclusive), newest first, at most
    /// `limit` (and at most [`MOST_HISTORY`]).
    pub fn records(
        &mut self,
        conn: &mut DbConn,
        key: &Key,
        from: Timestamp,
        to: Timestamp,
        limit: i64,
    ) -> Result<Cow<'_, [AuditRecord]>, StorageError> {
        let limit = limit.min(self.most);
        let known = self
            .read
            .get(key)
            .is_some_and(|span| span.cut(from, to, limit).is_some());
        if !known {
            // Read the union of what was read, what was planned and what is asked.
            let (mut span_from, mut span_to) = self.planned.get(key).copied().unwrap_or((from, to));
            if let Some(old) = self.read.get(key) {
                span_from = span_from.min(old.from);
                span_to = span_to.max(old.to);
            }
            let span = self.read_span(conn, key, span_from.min(from), span_to.max(to))?;
            let fits = span.cut(from, to, limit).is_some();
            self.read.insert(key.clone(), span);
            if !fits {
                // Truncated before `from`: this ask alone.
                self.reads += 1;
                return Ok(Cow::Owned(alerts::records(conn, &key.query(from, to), limit)?));
            }
        }
        let cut = self
            .read
            .get(key)
            .and_then(|span| span.cut(from, to, limit))
            .unwrap_or_default();
        Ok(Cow::Borrowed(cut))
    }

    fn read_span(
        &mut self,
        conn: &mut DbConn,
        key: &Key,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Span, StorageError> {
        self.reads += 1;
        let records = alerts::records(conn, &key.query(from, to), self.most)?;
        let complete = (records.len() as i64) < self.most;
        Ok(Span {
            from,
            to,
            records,
            complete,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a panic is a failed test
mod tests {
    use kizuna_proto::UserId;
    use kizuna_storage::{Db, DbOptions};

    use super::*;
    use crate::audit::{self, Entry};

    const READ: &[&str] = &["room.read"];

    /// Every cut equals its own read, in a full span and in a truncated one, and a
    /// planned batch of asks is one read.
    #[test]
    fn a_cut_is_what_its_own_read_returns() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(
            &format!("sqlite://{}", dir.path().join("k.db").display()),
            &DbOptions::default(),
        )
        .unwrap();
        let nurse = UserId::from_uuid(uuid::Uuid::new_v4());
        let other = UserId::from_uuid(uuid::Uuid::new_v4());
        db.run_blocking(|conn| {
            // 300 reads a second apart, two at some instants; another person's between.
            for i in 0..300_i64 {
                let at = Timestamp(1_000_000 + (i - i % 7) * 1000);
                audit::record(
                    conn,
                    at,
                    Entry::success(nurse, "room.read", ("room", format!("r{}", i % 40)), None),
                )?;
                audit::record(
                    conn,
                    at,
                    Entry::success(other, "room.read", ("room", "x".into()), None),
                )?;
            }
            Ok(())
        })
        .unwrap();
        let key = Key {
            by: By::Actor(nurse),
            actions: READ,
            outcome: None,
        };
        let asks: Vec<(i64, i64, i64)> = (0..60)
            .map(|i| {
                let to = 1_000_000 + i * 5000;
                (to - 60_000, to, if i % 3 == 0 { 5 } else { 10_000 })
            })
            .collect();
        for most in [MOST_HISTORY, 50] {
            let mut histories = Histories::with_most(most);
            for (from, to, _) in &asks {
                histories.plan(key.clone(), Timestamp(*from), Timestamp(*to));
            }
            db.run_blocking(|conn| {
                for (from, to, limit) in &asks {
                    let cut = histories
                        .records(conn, &key, Timestamp(*from), Timestamp(*to), *limit)?
                        .into_owned();
                    let own = alerts::records(
                        conn,
                        &key.query(Timestamp(*from), Timestamp(*to)),
                        (*limit).min(most),
                    )?;
                    assert_eq!(cut, own, "from {from} to {to} limit {limit}, reads of {most}");
                }
                // An ask outside the plan widens the span once.
                let wide = histories
                    .records(conn, &key, Timestamp(0), Timestamp(2_000_000), 10_000)?
                    .into_owned();
                assert_eq!(
                    wide,
                    alerts::records(conn, &key.query(Timestamp(0), Timestamp(2_000_000)), most)?
                );
                Ok(())
            })
            .unwrap();
            if most == MOST_HISTORY {
                assert_eq!(
                    histories.reads, 2,
                    "60 planned asks are one read, the wider one another"
                );
            } else {
                assert!(
                    histories.reads > 2,
                    "a truncated span reads the asks it cannot tell"
                );
            }
        }
    }
}
