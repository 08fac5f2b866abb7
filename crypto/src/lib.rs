//! Kizuna's client-side protocol core.
//!
//! This crate is sans-I/O: it knows nothing of HTTP, SQL, files or an async
//! runtime, and it builds for native targets and `wasm32-unknown-unknown` alike.
//! Time and randomness come in as parameters. It holds the MLS group handling, era
//! keys, post envelopes, care content and attachment and photo encryption (see
//! ARCHITECTURE.md); the client engine (`kizuna-engine`) builds on it, and CI guards
//! the layering with `cargo tree -p kizuna-crypto -i <forbidden crate>`.
//!
//! The modules:
//!
//! * [`era`]: era keys, the symmetric keys a channel's posts are encrypted under, and
//!   the [`EraKeyring`] a receiver looks them up in.
//! * [`signing`]: device signature keys (Ed25519, the MLS ciphersuite 1 credential key).
//! * [`envelope`]: the typed, versioned plaintext of a post.
//! * [`content`]: the typed payloads of care posts (handovers, vitals with their
//!   bounds and LOINC codes, photos, per-client thresholds) and the [`Notebook`] that
//!   shows a channel as the care notebook (連絡帳).
//! * [`post`]: [`seal`] and [`open`], and the [`SealedPost`] wire form.
//! * [`mls`]: the MLS group layer: device identities, key packages, channel membership
//!   ([`ChannelMember`]) and the server's view of a group ([`ServerGroupView`]).
//! * [`channel`]: one device's view of one room channel ([`ChannelState`]): MLS
//!   membership plus era keys: starting eras, sharing history with added devices,
//!   sealing posts and checking every post against its era's members.
//! * [`vault`]: [`seal_state`] and [`open_state`], encryption at rest for exported
//!   MLS and channel state.
//! * [`attachment`]: chunked encryption of files (STREAM over XChaCha20-Poly1305, a
//!   fresh [`AttachmentKey`] per file) with flat memory for any size.
//! * [`photo`]: [`prepare_photo`], the on-device photo pipeline: orient, strip metadata,
//!   resize, re-encode, thumbnail.
//! * [`broadcast`]: signed regional broadcasts ([`SignedBroadcast`]) and the signed
//!   roster of officer keys ([`RosterChange`]) that says whose signature counts.
//! * [`random`]: the [`Random`] trait through which callers supply randomness.
//! * [`room_state`]: a room's name sealed for its members under the family channel's
//!   era key ([`ChannelState::seal_room_state`]); [`invitation_name`]: an invitee's
//!   name sealed under the link's token. The server stores both only as ciphertext.
//!
//! ```
//! # use kizuna_crypto::*;
//! # use kizuna_crypto::proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
//! # struct Os; impl Random for Os { fn fill(&mut self, b: &mut [u8]) { b.fill(7) } }
//! # let mut rng = Os;
//! # let id = |n| uuid::Uuid::from_u128(n);
//! let era = EraKey::generate(&mut rng);
//! let device = DeviceSigningKey::generate(&mut rng);
//! let header = PostHeader {
//!     room: RoomId::from_uuid(id(1)),
//!     channel: Channel::Team,
//!     era: era.id(),
//!     post: PostId::from_uuid(id(2)),
//!     author_user: UserId::from_uuid(id(3)),
//!     author_device: DeviceId::from_uuid(id(4)),
//!     sent_at: Timestamp(1_795_633_800_000),
//! };
//! let note = PostEnvelope::new(ContentType::Note, "訪問完了 / visit done");
//! let wire = seal(header, &note, &era, &device, &mut rng)?.to_bytes();
//!
//! // On a member's device:
//! let expected = Expected { room: header.room, channel: Channel::Team };
//! let opened = open(&SealedPost::from_bytes(&wire)?, &expected, &era, &device.verifying_key())?;
//! assert_eq!(opened.envelope, note);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use kizuna_proto as proto;

pub mod attachment;
pub mod broadcast;
pub mod channel;
pub mod content;
pub mod envelope;
pub mod era;
pub mod invitation_name;
pub mod mls;
pub mod photo;
pub mod post;
pub mod random;
pub mod room_state;
pub mod signing;
pub mod vault;
mod wire;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use attachment::{
    ciphertext_len, open_all, seal_all, AttachmentError, AttachmentKey, AttachmentOpener, AttachmentSealer,
    Sealed, SealedAttachment,
};
pub use broadcast::{
    Broadcast, BroadcastError, Officer, RosterChange, RosterHash, SignedBroadcast, SignedRosterChange,
};
pub use channel::{
    ChannelError, ChannelEvent, ChannelState, HistoryPolicy, LogKind, Outgoing, PendingCommit,
};
pub use content::{
    Handover, HandoverTarget, Measurement, Notebook, NotebookPost, PhotoContent, Thresholds, Vitals,
    VitalsAlert, VitalsError,
};
pub use envelope::{AttachmentRef, ContentType, EnvelopeError, PostEnvelope, Urgency};
pub use era::{EraId, EraKey, EraKeyring};
pub use mls::{
    ChannelMember, CommitOutput, CommitSummary, DeviceIdentity, Incoming, KeyPackageOut, MemberInfo,
    MlsDevice, MlsError, ServerGroupView, ServerViewError,
};
pub use photo::{prepare_photo, PhotoError, PhotoOptions, PreparedPhoto};
pub use post::{open, seal, Expected, OpenError, OpenedPost, PostHeader, SealError, SealedPost};
pub use random::Random;
pub use room_state::{OpenedRoomState, RoomState, RoomStateError, SealedRoomState};
pub use signing::{DeviceSigningKey, DeviceVerifyingKey, InvalidVerifyingKey};
pub use vault::{open_state, seal_state};
pub use wire::DecodeError;
