//! One room channel of this device: the crypto core's channel state, how far its log
//! was read, the posts waiting for their era key and the history policy of a pending
//! add. Ingestion is in `ingest.rs`.

use kizuna_crypto::channel::{ChannelState, HistoryPolicy};
use kizuna_crypto::content::Thresholds;
use kizuna_crypto::{PostEnvelope, Random};
use kizuna_proto::{ClaimedKeyPackage, DeviceId, LogEntry, PostId, Timestamp};

use crate::codec::{b64, unb64};
use crate::error::EngineError;
use crate::events::{commit_request, who, Accepted, ChannelRef, CommitRequest, Member, SealedPost};
use crate::policy::Policy;

/// One room channel of this device: the core's state plus how far the log was read.
pub struct Slot {
    pub(crate) state: ChannelState,
    /// The last log position processed.
    pub(crate) last_seq: i64,
    /// Posts waiting for their era key, in log order.
    pub(crate) waiting: Vec<LogEntry>,
    /// The history policy of the pending add, applied once the server accepts it.
    pub(crate) pending_policy: Option<HistoryPolicy>,
}

impl Slot {
    /// A channel just created or joined: its log is read from the start.
    pub fn new(state: ChannelState) -> Self {
        Self::from_parts(state, 0, Vec::new())
    }

    /// A channel from what a client saved: its state, the last log position
    /// processed and the posts that wait for their era key.
    pub fn from_parts(state: ChannelState, last_seq: i64, waiting: Vec<LogEntry>) -> Self {
        Self {
            state,
            last_seq,
            waiting,
            pending_policy: None,
        }
    }

    /// The channel state, the last log position processed and the waiting posts (to
    /// save them where a client keeps them).
    pub fn into_parts(self) -> (ChannelState, i64, Vec<LogEntry>) {
        (self.state, self.last_seq, self.waiting)
    }

    /// The crypto core's channel state.
    pub fn state(&self) -> &ChannelState {
        &self.state
    }

    /// The crypto core's channel state, to change.
    pub fn state_mut(&mut self) -> &mut ChannelState {
        &mut self.state
    }

    /// The last log position processed: fetch (or subscribe) after it.
    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// Where this channel is.
    pub fn reference(&self) -> ChannelRef {
        ChannelRef {
            group_id: self.state.group_id(),
            room: self.state.room(),
            channel: self.state.channel(),
        }
    }

    /// How many posts wait for an era key.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// The posts that wait for an era key, in log order.
    pub fn waiting_entries(&self) -> &[LogEntry] {
        &self.waiting
    }

    /// The group's members.
    pub fn members(&self) -> Vec<Member> {
        self.state
            .members()
            .into_iter()
            .map(|m| Member {
                user: m.user,
                device: m.device,
                signature_key: b64(&m.signature_key.to_bytes()),
            })
            .collect()
    }

    /// Forgets the log position, the waiting posts and where posts were seen, to read
    /// the log again from the start: the server was restored from a backup (a new
    /// log generation), so its seqs may now name other entries. What still verifies
    /// is opened again as the entries come back.
    pub fn restart_log(&mut self) {
        self.last_seq = 0;
        self.waiting.clear();
        self.state.restart_log();
    }

    /// Seals a post; see [`SealedPost`]. `thresholds` are the client's thresholds in
    /// force (from the team channel's notebook): vitals outside them go out as urgent.
    pub fn seal_post(
        &mut self,
        envelope: &PostEnvelope,
        post: PostId,
        sent_at: Timestamp,
        thresholds: Option<&Thresholds>,
        rng: &mut dyn Random,
    ) -> Result<SealedPost, EngineError> {
        let outgoing = self.state.seal_post(envelope, post, sent_at, rng)?;
        Ok(SealedPost {
            post_id: post,
            era_key: outgoing.era_key.as_deref().map(b64),
            post: b64(&outgoing.post),
            epoch: self.state.epoch(),
            urgency: envelope.exposed_urgency(thresholds),
            blobs: envelope.blobs(),
        })
    }

    /// Adds the devices whose key packages the server handed out, in one commit. Each
    /// package must be the claimed device's: a server that swaps packages is caught
    /// here, and nothing changes.
    pub fn add_devices(
        &mut self,
        claimed: &[ClaimedKeyPackage],
        policy: Policy,
    ) -> Result<CommitRequest, EngineError> {
        let packages = claimed
            .iter()
            .map(|c| unb64("key_package", &c.key_package))
            .collect::<Result<Vec<_>, _>>()?;
        let pending = self.state.add_devices(&packages)?;
        let mut named: Vec<DeviceId> = pending.summary.added.iter().map(|(_, d)| *d).collect();
        let mut claimed_devices: Vec<DeviceId> = claimed.iter().map(|c| c.device_id).collect();
        named.sort();
        claimed_devices.sort();
        if named != claimed_devices {
            self.state.commit_rejected()?;
            return Err(EngineError::new(
                "key_package_mismatch",
                "A key package the server handed out belongs to another device than claimed: nothing was changed. Please report this.",
                "サーバーから受け取った鍵パッケージが別の端末のものでした。何も変更していません。報告してください。",
            ));
        }
        self.pending_policy = Some(policy.into());
        Ok(commit_request(&pending))
    }

    /// Removes devices in one commit (once accepted, the next post starts a new era).
    pub fn remove_devices(&mut self, devices: &[DeviceId]) -> Result<CommitRequest, EngineError> {
        let pending = self.state.remove_devices(devices)?;
        self.pending_policy = None;
        Ok(commit_request(&pending))
    }

    /// The server accepted the pending commit: merges it and, after an add, makes the
    /// era-key message with the history the add's policy allows.
    pub fn commit_accepted(&mut self, now: Timestamp, rng: &mut dyn Random) -> Result<Accepted, EngineError> {
        let summary = self.state.commit_accepted()?;
        let policy = self.pending_policy.take();
        let mut accepted = Accepted {
            epoch: summary.epoch,
            added: who(&summary.added),
            removed: who(&summary.removed),
            era_key: None,
            problem: None,
        };
        if let Some(policy) = policy.filter(|_| !summary.added.is_empty()) {
            match self.state.share_eras(policy, now, rng) {
                Ok(message) => accepted.era_key = Some(b64(&message)),
                Err(e) => accepted.problem = Some(e.into()),
            }
        }
        Ok(accepted)
    }

    /// The server refused the pending commit (another won the epoch): drops it. Ingest
    /// the log up to the server's epoch, then decide again.
    pub fn commit_rejected(&mut self) -> Result<(), EngineError> {
        self.pending_policy = None;
        Ok(self.state.commit_rejected()?)
    }
}
