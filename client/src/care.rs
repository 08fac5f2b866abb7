//! The care notebook on top of the encrypted channels: attachments (encrypted here,
//! uploaded as ciphertext, fetched and checked), read receipts, and the typed posts
//! of the crypto core's `content` module (vitals, handovers, photos, amendments).

use kizuna_crypto::attachment::{self, AttachmentKey, AttachmentOpener, AttachmentSealer, Sealed};
use kizuna_crypto::content::{Notebook, NotebookPost, PhotoContent};
use kizuna_crypto::photo::{self, PhotoOptions};
use kizuna_crypto::{AttachmentRef, PostEnvelope};
use kizuna_proto::{BlobId, Channel, PostId, RoomId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::api::segment;
use crate::error::{ClientError, Result};
use crate::Client;

/// How many times an upload is tried when the network fails (same blob ID each
/// time, so a retry after a lost answer stores nothing twice).
const UPLOAD_ATTEMPTS: u32 = 3;

/// A photo to post: the original file as the camera or the file picker gave it.
#[derive(Clone, Default)]
pub struct NewPhoto {
    /// The file's bytes (any metadata in them is removed before anything is sent).
    pub original: Vec<u8>,
    /// The caption.
    pub caption: String,
    /// Where on the body.
    pub body_site: Option<String>,
    /// An earlier photo post of the same wound.
    pub same_wound_as: Option<PostId>,
    /// How to prepare it (size limits).
    pub options: PhotoOptions,
}

impl std::fmt::Debug for NewPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPhoto")
            .field("original", &format_args!("{} bytes", self.original.len()))
            .finish_non_exhaustive()
    }
}

/// One member's read position in a channel, as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRead {
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub display_name: String,
    /// The last log position they have read (0: nothing yet).
    pub seq: i64,
    /// When.
    pub read_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct BlobStored {
    id: BlobId,
}

#[derive(Serialize)]
struct ReadUpTo {
    seq: i64,
}

#[derive(Deserialize)]
struct ReadPositionView {
    seq: i64,
}

/// Bytes read from the file per chunk of the upload body.
const READ_CHUNK: usize = 256 * 1024;

/// The upload body: the file read in chunks and sealed as it goes (header first).
/// When the file ends, the sealer's summary (hash, sizes) is left in `outcome`.
fn sealing_stream(
    reader: tokio::fs::File,
    sealer: AttachmentSealer,
    outcome: std::sync::Arc<std::sync::Mutex<Option<Sealed>>>,
) -> impl futures_util::Stream<Item = std::result::Result<Vec<u8>, std::io::Error>> + Send + 'static {
    use tokio::io::AsyncReadExt;
    let header = sealer.header().to_vec();
    let state = Some((reader, sealer, outcome, Some(header)));
    futures_util::stream::unfold(state, |state| async move {
        let (mut reader, mut sealer, outcome, header) = state?;
        if let Some(header) = header {
            return Some((Ok(header), Some((reader, sealer, outcome, None))));
        }
        let mut buffer = vec![0; READ_CHUNK];
        let read = match reader.read(&mut buffer).await {
            Ok(read) => read,
            Err(e) => return Some((Err(e), None)),
        };
        let sealed = if read == 0 {
            sealer.finish().map(|(tail, summary)| {
                if let Ok(mut slot) = outcome.lock() {
                    *slot = Some(summary);
                }
                (tail, None)
            })
        } else {
            sealer
                .push(&buffer[..read])
                .map(|bytes| (bytes, Some((reader, sealer, outcome, None))))
        };
        Some(match sealed {
            Ok((bytes, next)) => (Ok(bytes), next),
            Err(e) => (Err(std::io::Error::other(e.to_string())), None),
        })
    })
}

impl Client {
    /// Encrypts a file under a fresh key and uploads the ciphertext into a room
    /// channel. Returns the reference to put in a post (the key travels only inside
    /// the encrypted post).
    pub async fn upload_attachment(
        &mut self,
        room: RoomId,
        channel: Channel,
        plaintext: &[u8],
        mime: &str,
    ) -> Result<AttachmentRef> {
        self.require_session()?;
        let blob = BlobId::from_uuid(uuid::Uuid::new_v4());
        let path = format!("/rooms/{room}/channels/{channel}/blobs/{blob}");
        self.upload_sealed(&path, plaintext, mime).await
    }

    /// Encrypts `plaintext` under a fresh key and uploads the ciphertext with `PUT
    /// {path}` (retrying network failures under the same blob ID). Returns the
    /// reference: blob, key, SHA-256, MIME type, size.
    pub(crate) async fn upload_sealed(
        &mut self,
        path: &str,
        plaintext: &[u8],
        mime: &str,
    ) -> Result<AttachmentRef> {
        let mut rng = self.rng;
        let sealed = attachment::seal_all(plaintext, &mut rng)?;
        let mut attempt = 0;
        let stored: BlobStored = loop {
            attempt += 1;
            match self.api.put_bytes(path, sealed.ciphertext.clone()).await {
                Err(ClientError::Network(_)) if attempt < UPLOAD_ATTEMPTS => continue,
                other => break other?,
            }
        };
        Ok(AttachmentRef {
            blob: stored.id,
            key: *sealed.key.as_bytes(),
            sha256: sealed.sealed.sha256_of_plaintext,
            mime: mime.to_owned(),
            size: sealed.sealed.plaintext_len,
        })
    }

    /// Encrypts a file from disk and uploads it as it is read: memory stays at a few
    /// chunks whatever the file's size (a scanned document, a long video). The
    /// Content-Length is known before sealing, so the server checks size and quota
    /// before the first byte. A failed attempt is retried from the start under the
    /// same blob ID.
    pub async fn upload_file(
        &mut self,
        room: RoomId,
        channel: Channel,
        file: &std::path::Path,
        mime: &str,
    ) -> Result<AttachmentRef> {
        self.require_session()?;
        let unreadable = |e: std::io::Error| ClientError::InvalidInput(format!("{}: {e}", file.display()));
        let plaintext_len = tokio::fs::metadata(file).await.map_err(unreadable)?.len();
        let length = attachment::ciphertext_len(plaintext_len)?;
        let key = AttachmentKey::generate(&mut self.rng.clone());
        let blob = BlobId::from_uuid(uuid::Uuid::new_v4());
        let path = format!("/rooms/{room}/channels/{channel}/blobs/{blob}");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reader = tokio::fs::File::open(file).await.map_err(unreadable)?;
            let sealer = AttachmentSealer::new(&key, &mut self.rng.clone());
            let outcome = std::sync::Arc::new(std::sync::Mutex::new(None));
            let body = sealing_stream(reader, sealer, outcome.clone());
            let sent: Result<BlobStored> = self.api.put_stream(&path, length, body).await;
            match sent {
                Err(ClientError::Network(_)) if attempt < UPLOAD_ATTEMPTS => continue,
                Err(e) => return Err(e),
                Ok(stored) => {
                    let sealed: Option<Sealed> = *outcome
                        .lock()
                        .map_err(|_| ClientError::Protocol("sealer poisoned".into()))?;
                    let sealed =
                        sealed.ok_or_else(|| ClientError::Protocol("upload ended before the file".into()))?;
                    if sealed.plaintext_len != plaintext_len {
                        return Err(ClientError::InvalidInput(format!(
                            "{} changed while it was being sent; send it again",
                            file.display()
                        )));
                    }
                    return Ok(AttachmentRef {
                        blob: stored.id,
                        key: *key.as_bytes(),
                        sha256: sealed.sha256_of_plaintext,
                        mime: mime.to_owned(),
                        size: plaintext_len,
                    });
                }
            }
        }
    }

    /// Downloads an attachment into a file, decrypting as it arrives (memory holds a
    /// chunk, whatever the size). The file is written beside `destination` and moved
    /// into place only once the SHA-256 matches, so a damaged download never appears.
    pub async fn fetch_attachment_to(
        &self,
        reference: &AttachmentRef,
        destination: &std::path::Path,
    ) -> Result<()> {
        use tokio::io::AsyncWriteExt;
        self.require_session()?;
        let unwritable =
            |e: std::io::Error| ClientError::InvalidInput(format!("{}: {e}", destination.display()));
        let partial = destination.with_extension("part");
        let mut response = self.api.get_stream(&format!("/blobs/{}", reference.blob)).await?;
        let key = AttachmentKey::from_bytes(reference.key);
        let mut opener = AttachmentOpener::with_limit(&key, reference.size);
        let mut out = tokio::fs::File::create(&partial).await.map_err(unwritable)?;
        let written: Result<()> = async {
            while let Some(chunk) = response.chunk().await? {
                out.write_all(&opener.push(&chunk)?).await.map_err(unwritable)?;
            }
            out.write_all(&opener.finish(&reference.sha256, reference.size)?)
                .await
                .map_err(unwritable)?;
            out.sync_all().await.map_err(unwritable)?;
            Ok(())
        }
        .await;
        match written {
            Ok(()) => tokio::fs::rename(&partial, destination).await.map_err(unwritable),
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(e)
            }
        }
    }

    /// Downloads an attachment and decrypts it as it arrives (memory holds the
    /// plaintext and one chunk of ciphertext), then checks its size and SHA-256
    /// against the post. A damaged or altered file is an error, never shown.
    pub async fn fetch_attachment(&self, reference: &AttachmentRef) -> Result<Vec<u8>> {
        self.require_session()?;
        let mut response = self.api.get_stream(&format!("/blobs/{}", reference.blob)).await?;
        let key = AttachmentKey::from_bytes(reference.key);
        let mut opener = AttachmentOpener::with_limit(&key, reference.size);
        let mut plaintext = Vec::with_capacity(usize::try_from(reference.size).unwrap_or(0));
        while let Some(chunk) = response.chunk().await? {
            plaintext.extend(opener.push(&chunk)?);
        }
        plaintext.extend(opener.finish(&reference.sha256, reference.size)?);
        Ok(plaintext)
    }

    /// Records that I have read a channel up to `seq` (it never moves back).
    pub async fn mark_read(&self, room: RoomId, channel: Channel, seq: i64) -> Result<i64> {
        let id = self.active_group(room, channel)?;
        let path = format!("/groups/{}/read", segment(&id));
        let view: ReadPositionView = self.api.put(&path, &ReadUpTo { seq }).await?;
        Ok(view.seq)
    }

    /// Everyone in the channel and how far they have read.
    pub async fn reads(&self, room: RoomId, channel: Channel) -> Result<Vec<MemberRead>> {
        let id = self.active_group(room, channel)?;
        self.api.get(&format!("/groups/{}/reads", segment(&id))).await
    }

    /// Who has not read the post at `seq` yet (its author excluded).
    pub async fn unread_by(&self, room: RoomId, channel: Channel, seq: i64) -> Result<Vec<MemberRead>> {
        let id = self.active_group(room, channel)?;
        self.api
            .get(&format!("/groups/{}/posts/{seq}/unread", segment(&id)))
            .await
    }

    /// Posts an envelope with the blobs it references. Its content is checked first
    /// (an impossible vital sign is refused here, naming the field, and nothing is
    /// sent). The urgency is exposed in clear only when it is not normal, so a
    /// routine note tells the server nothing; vitals outside the client's thresholds
    /// (set in the room's team channel) go out as urgent.
    pub async fn post_content(
        &mut self,
        room: RoomId,
        channel: Channel,
        envelope: &PostEnvelope,
    ) -> Result<i64> {
        envelope.validate(PostId::from_uuid(uuid::Uuid::new_v4()))?;
        let thresholds = envelope
            .vitals
            .is_some()
            .then(|| self.notebook(room, Channel::Team));
        let exposed = envelope.exposed_urgency(thresholds.as_ref().and_then(Notebook::thresholds));
        let blobs = envelope.blobs();
        self.post_with(room, channel, envelope, exposed, &blobs).await
    }

    /// Prepares a photo on this device (decode, turn upright, drop every piece of
    /// metadata, downscale, thumbnail), encrypts the image and the thumbnail under
    /// fresh keys, uploads both and posts the reference. Returns the log position and
    /// the post as sent.
    pub async fn post_photo(
        &mut self,
        room: RoomId,
        channel: Channel,
        photo: NewPhoto,
    ) -> Result<(i64, PostEnvelope)> {
        self.require_session()?;
        let NewPhoto {
            original,
            caption,
            body_site,
            same_wound_as,
            options,
        } = photo;
        // Decoding a 12-megapixel photo takes a fraction of a second of CPU: off the
        // async threads.
        let prepared = tokio::task::spawn_blocking(move || photo::prepare_photo(&original, &options))
            .await
            .map_err(|e| ClientError::Protocol(format!("photo task: {e}")))??;
        let image = self
            .upload_attachment(room, channel, &prepared.image, photo::MIME)
            .await?;
        let thumbnail = self
            .upload_attachment(room, channel, &prepared.thumbnail, photo::MIME)
            .await?;
        let content = PhotoContent {
            image,
            thumbnail,
            width: prepared.width,
            height: prepared.height,
            thumb_width: prepared.thumb_width,
            thumb_height: prepared.thumb_height,
            body_site,
            same_wound_as,
        };
        let envelope = PostEnvelope::photo(content, caption);
        let seq = self.post_content(room, channel, &envelope).await?;
        Ok((seq, envelope))
    }

    /// The channel as the care notebook: every post this device has read, with
    /// amendments applied (history kept), handovers' take-overs, and vitals checked
    /// against the client's thresholds.
    pub fn notebook(&self, room: RoomId, channel: Channel) -> Notebook {
        let mut notebook = Notebook::new();
        for post in self.read(room, channel) {
            notebook.add(NotebookPost {
                seq: post.seq,
                post: post.post,
                author: post.author_user,
                sent_at: post.sent_at,
                envelope: post.envelope.clone(),
            });
        }
        notebook
    }

    /// Posts a correction of `original` (same kind of post, by its author): the
    /// original stays, readers see the latest version with the history.
    pub async fn amend(
        &mut self,
        room: RoomId,
        channel: Channel,
        original: PostId,
        correction: PostEnvelope,
    ) -> Result<i64> {
        self.post_content(room, channel, &correction.amending(original))
            .await
    }

    /// Marks a handover as taken over by me, with an optional note.
    pub async fn take_over(
        &mut self,
        room: RoomId,
        channel: Channel,
        handover: PostId,
        note: &str,
    ) -> Result<i64> {
        let envelope = PostEnvelope::taken_over(handover, note);
        self.post_content(room, channel, &envelope).await
    }
}
