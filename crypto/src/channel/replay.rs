//! Replayed posts: each post ID appears at one position of a channel's log.
//!
//! The server refuses a second entry with a post ID it already holds, but clients do
//! not trust the server: a copy of an earlier post's exact bytes under a new seq
//! (an old server, a restored database, a hostile operator) still opens, since it is
//! a genuine post. Both clients run every post through [`ChannelState::process_at`],
//! which remembers where each post ID was first seen and refuses it anywhere else, so
//! a replay is dropped and reported once, in one place, for the native and the
//! browser client alike. Reading the same entry again (a re-read from the start, a
//! retry after a missing era key) is not a replay: the position is the same.

use std::collections::BTreeMap;

use super::error::ChannelError;
use super::state::ChannelState;
use super::{ChannelEvent, LogKind};
use crate::proto::{DeviceId, PostId};

/// Where each post ID of the channel was first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PostLedger {
    pub(crate) seen: BTreeMap<PostId, i64>,
}

impl PostLedger {
    /// Records `post` at `seq`; refuses it (with the first position) if it was seen
    /// elsewhere.
    pub(crate) fn admit(&mut self, post: PostId, seq: i64) -> Result<(), i64> {
        match self.seen.get(&post) {
            Some(first) if *first != seq => Err(*first),
            Some(_) => Ok(()),
            None => {
                self.seen.insert(post, seq);
                Ok(())
            }
        }
    }
}

impl ChannelState {
    /// [`Self::process`] for the entry at log position `seq`, refusing a post whose ID
    /// this device already saw at another position ([`ChannelError::ReplayedPost`]:
    /// do not show it, report it). Clients call this, not `process`, for every entry
    /// of the log.
    pub fn process_at(
        &mut self,
        seq: i64,
        kind: LogKind,
        sender: Option<DeviceId>,
        body: &[u8],
    ) -> Result<ChannelEvent, ChannelError> {
        let event = self.process(kind, sender, body)?;
        if let ChannelEvent::Post(opened, _) = &event {
            let post = opened.header.post;
            self.ledger
                .admit(post, seq)
                .map_err(|first_seq| ChannelError::ReplayedPost { post, first_seq, seq })?;
        }
        Ok(event)
    }

    /// Forgets where posts were seen, before reading a log that was renumbered (the
    /// server was restored from a backup and started a new log generation): positions
    /// of the old log mean nothing in the new one.
    pub fn restart_log(&mut self) {
        self.ledger.seen.clear();
    }
}
