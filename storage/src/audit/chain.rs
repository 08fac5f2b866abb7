//! The hash chain over the audit log.
//!
//! Entry *n* carries `seq = n` and `hash = SHA-256(hash(n − 1) ‖ encode(entry n))`, the
//! first entry chaining from 32 zero bytes. [`encode`] is the one canonical encoding:
//! a domain label, then every column in a fixed order, each length-prefixed, so no two
//! different entries encode alike. Appends are serialised by updating the one row of
//! `audit_chain_head` first (a row lock on PostgreSQL, the write lock on SQLite), so
//! sequence numbers are dense and each entry names the right predecessor.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{AuditEvent, Scope};
use crate::{DbConn, StorageError};

diesel::table! {
    /// The last seq and its hash (one row, `id = 1`).
    audit_chain_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

/// The hash the first entry chains from (hex of 32 zero bytes).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// What the head says while rows written before the chain still need their hashes.
const UNSEALED: &str = "unsealed";
/// Domain label at the start of every encoded entry.
const LABEL: &[u8] = b"kizuna-audit-entry-v1";

/// A position in the chain: an entry's seq and its hash (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The entry's sequence number (0 before the first entry).
    pub seq: i64,
    /// Its hash, 64 lowercase hex digits ([`GENESIS`] before the first entry).
    pub hash: String,
}

impl Link {
    /// Before the first entry.
    pub fn genesis() -> Self {
        Link {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

fn put_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// The canonical encoding of entry `seq`.
pub fn encode(seq: i64, event: &AuditEvent, scope: &Scope) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(LABEL);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&event.at.0.to_be_bytes());
    put_text(&mut out, Some(&event.id.to_string()));
    put_text(&mut out, event.actor.map(|a| a.to_string()).as_deref());
    put_text(&mut out, Some(&event.action));
    put_text(&mut out, event.target_kind.as_deref());
    put_text(&mut out, event.target_id.as_deref());
    put_text(&mut out, event.ip.as_deref());
    put_text(&mut out, Some(event.outcome.as_str()));
    put_text(&mut out, event.detail.as_deref());
    put_text(&mut out, scope.device.map(|d| d.to_string()).as_deref());
    put_text(&mut out, scope.room.map(|r| r.to_string()).as_deref());
    out
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// The hash of entry `seq` following `prev` (hex). A malformed `prev` chains from
/// its raw text, so the result never matches an honest chain.
pub fn entry_hash(prev: &str, seq: i64, event: &AuditEvent, scope: &Scope) -> String {
    let mut digest = Sha256::new();
    match unhex(prev) {
        Some(bytes) if bytes.len() == 32 => digest.update(&bytes),
        _ => digest.update(prev.as_bytes()),
    }
    digest.update(encode(seq, event, scope));
    hex(&digest.finalize())
}

/// Takes the next seq (locking the head until the transaction ends) and returns the
/// link it follows. Seals legacy rows first if there are any.
pub(super) fn take_next(conn: &mut DbConn) -> Result<Link, StorageError> {
    let updated = diesel::update(audit_chain_head::table.find(1))
        .set(audit_chain_head::seq.eq(audit_chain_head::seq + 1))
        .execute(conn)?;
    if updated != 1 {
        return Err(StorageError::Corrupt(
            "audit_chain_head has no row: run the migrations again".into(),
        ));
    }
    let (next, hash): (i64, String) = audit_chain_head::table
        .find(1)
        .select((audit_chain_head::seq, audit_chain_head::hash))
        .first(conn)?;
    let hash = if hash == UNSEALED {
        super::seal_legacy(conn, next - 1)?
    } else {
        hash
    };
    Ok(Link { seq: next - 1, hash })
}

/// Moves the head's hash to the entry just written.
pub(super) fn set_head_hash(conn: &mut DbConn, hash: &str) -> Result<(), StorageError> {
    diesel::update(audit_chain_head::table.find(1))
        .set(audit_chain_head::hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// The head: the last seq written and its hash (`unsealed` before legacy rows are
/// sealed).
pub fn head(conn: &mut DbConn) -> Result<Link, StorageError> {
    let (seq, hash) = audit_chain_head::table
        .find(1)
        .select((audit_chain_head::seq, audit_chain_head::hash))
        .first(conn)?;
    Ok(Link { seq, hash })
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first seq that does not check out.
    pub seq: i64,
    /// What is wrong there.
    pub problem: Problem,
}

/// What is wrong at a seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No entry has this seq, but later ones do (deleted).
    Missing,
    /// The entry's hash does not match its content and predecessor (edited, or
    /// inserted and hashed by someone without the chain).
    HashMismatch,
    /// The entry has no hash.
    NoHash,
}

/// Checks entries in seq order after `prev`: each must have the next seq and the
/// hash of its content chained to the previous one. Returns the last good link.
pub fn check(prev: Link, rows: &[super::ChainedEvent]) -> Result<Link, Break> {
    let mut prev = prev;
    for row in rows {
        let expected = prev.seq + 1;
        if row.seq != expected {
            return Err(Break {
                seq: expected,
                problem: Problem::Missing,
            });
        }
        let Some(stored) = &row.hash else {
            return Err(Break {
                seq: row.seq,
                problem: Problem::NoHash,
            });
        };
        let computed = entry_hash(&prev.hash, row.seq, &row.event, &row.scope);
        if &computed != stored {
            return Err(Break {
                seq: row.seq,
                problem: Problem::HashMismatch,
            });
        }
        prev = Link {
            seq: row.seq,
            hash: computed,
        };
    }
    Ok(prev)
}
