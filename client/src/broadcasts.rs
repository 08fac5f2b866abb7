//! Regional broadcasts (disaster mode): reading the notices that reach this person,
//! with the same verdict the browser gives (`kizuna_engine::officer`), and, on an
//! officer's device, signing and sending them and the officer roster.
//!
//! Verification is the engine's: this module only fetches, pins and stores. The
//! pinned rosters live in the sealed part of the state file, so a restart does not
//! pin afresh from whatever the server says.

use kizuna_crypto::broadcast::{Broadcast, Officer, RosterChange, SignedBroadcast, SignedRosterChange};
use kizuna_crypto::photo::{self, PhotoOptions};
use kizuna_crypto::AttachmentRef;
use kizuna_engine::officer::{self, BroadcastView, RosterReport};
use kizuna_proto::{BlobId, BroadcastId, OrganisationId, Severity, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::api::segment;
use crate::error::Result;
use crate::{now, Client};

/// How this person handled a notice (`POST /broadcasts/{id}/receipt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptState {
    /// Seen.
    Opened,
    /// Read and confirmed: the banner goes away.
    Acknowledged,
}

/// Where a notice stands for this person, as the server recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// When it was first fetched.
    pub delivered_at: Option<Timestamp>,
    /// When it was opened.
    pub opened_at: Option<Timestamp>,
    /// When it was acknowledged.
    pub acknowledged_at: Option<Timestamp>,
}

/// One notice as `GET /broadcasts` lists it: the signed bytes, and what the server
/// says about them (which the verdict does not rely on).
#[derive(Debug, Clone, Deserialize)]
struct Listed {
    id: BroadcastId,
    organisation: OrganisationId,
    #[serde(default)]
    organisation_name: String,
    signed: SignedBroadcast,
    #[serde(default)]
    receipt: Receipt,
}

#[derive(Deserialize)]
struct ListedPage {
    broadcasts: Vec<Listed>,
}

#[derive(Deserialize)]
struct RosterPage {
    changes: Vec<SignedRosterChange>,
}

#[derive(Deserialize)]
struct Created {
    id: BroadcastId,
}

/// A notice received, with the engine's verdict on it.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedBroadcast {
    /// Its ID (as the server lists it; the signed ID is in `view.broadcast`).
    pub id: BroadcastId,
    /// The sending organisation's name as the server registers it (not signed: the
    /// verdict rests on the roster, not on this).
    pub sender: String,
    /// Official, expired or unverified, with what it says and any warning.
    pub view: BroadcastView,
    /// Delivered, opened, acknowledged.
    pub receipt: Receipt,
}

/// What an officer writes; the rest of the notice (ID, signer, times) is filled in.
#[derive(Debug, Clone)]
pub struct NewBroadcast {
    /// 情報 / 注意 / 警戒 / 緊急.
    pub severity: Severity,
    /// The headline of the banner.
    pub title: String,
    /// The area it concerns, in words.
    pub area: String,
    /// What to do.
    pub body: String,
    /// How long it stays current.
    pub valid_for_hours: u32,
    /// Whether it opens a safety check in every room in scope.
    pub safety_check: bool,
    /// Whether families and welfare volunteers receive it too.
    pub include_families: bool,
    /// An image to attach (an evacuation map).
    pub image: Option<BroadcastImage>,
}

/// The image of a notice being sent.
#[derive(Debug, Clone)]
pub enum BroadcastImage {
    /// As read from a file: prepared on this device like a photo (upright, metadata
    /// dropped, downscaled), encrypted and uploaded before signing.
    File(Vec<u8>),
    /// Already uploaded (a retry after a failed send reuses it).
    Uploaded(AttachmentRef),
}

impl Client {
    /// This device as an officer (what a roster lists for it).
    pub fn officer(&self) -> Result<Officer> {
        Ok(officer::officer(self.device()?.identity()))
    }

    /// Reads an organisation's roster from the server and pins it (first sight) or
    /// follows its signed changes; one report per change.
    pub async fn sync_roster(&mut self, organisation: OrganisationId) -> Result<Vec<RosterReport>> {
        self.require_session()?;
        let page: RosterPage = self.api.get(&roster_path(organisation)).await?;
        let reports = self.secrets.rosters.accept_all(&page.changes);
        self.save()?;
        Ok(reports)
    }

    /// The notices that reach this person, newest first, each with its verdict. A
    /// notice from an organisation whose roster is not pinned yet, or signed by a key
    /// the pinned roster lacks, is checked again after reading that roster.
    pub async fn broadcasts(&mut self) -> Result<Vec<ReceivedBroadcast>> {
        self.require_session()?;
        let page: ListedPage = self.api.get("/broadcasts").await?;
        let mut received = Vec::with_capacity(page.broadcasts.len());
        let mut synced = Vec::new();
        for listed in page.broadcasts {
            let mut view = self.secrets.rosters.view(&listed.signed, now());
            let retry = view
                .warning
                .as_ref()
                .is_some_and(|w| matches!(w.code, "broadcast_no_roster" | "broadcast_unknown_key"));
            if retry && !synced.contains(&listed.organisation) {
                synced.push(listed.organisation);
                self.sync_roster(listed.organisation).await?;
                view = self.secrets.rosters.view(&listed.signed, now());
            }
            received.push(ReceivedBroadcast {
                id: listed.id,
                sender: listed.organisation_name,
                view,
                receipt: listed.receipt,
            });
        }
        Ok(received)
    }

    /// Records that this person opened or acknowledged a notice.
    pub async fn mark_broadcast(&mut self, id: BroadcastId, state: ReceiptState) -> Result<()> {
        self.require_session()?;
        let path = format!("/broadcasts/{}/receipt", segment(&id.to_string()));
        self.api
            .post::<_, serde_json::Value>(&path, &json!({ "state": state }))
            .await?;
        Ok(())
    }

    /// Signs a notice on this (officer's) device and sends it to the organisation's
    /// region.
    pub async fn send_broadcast(
        &mut self,
        organisation: OrganisationId,
        draft: NewBroadcast,
    ) -> Result<BroadcastId> {
        self.require_session()?;
        let attachment = match draft.image {
            Some(BroadcastImage::File(original)) => {
                Some(self.upload_broadcast_image(organisation, original).await?)
            }
            Some(BroadcastImage::Uploaded(reference)) => Some(reference),
            None => None,
        };
        let issued_at = now();
        let notice = Broadcast {
            id: BroadcastId::from_uuid(Uuid::new_v4()),
            organisation,
            signed_by: self.officer()?,
            severity: draft.severity,
            title: draft.title,
            area: draft.area,
            body: draft.body,
            issued_at,
            expires_at: Timestamp(issued_at.millis() + i64::from(draft.valid_for_hours) * 3_600_000),
            attachment,
            safety_check: draft.safety_check,
            include_families: draft.include_families,
        };
        let signed = officer::sign_broadcast(self.device()?.identity(), &notice)?;
        let path = format!("/organisations/{}/broadcasts", segment(&organisation.to_string()));
        let created: Created = self.api.post(&path, &signed).await?;
        Ok(created.id)
    }

    /// Prepares an image like a photo (its metadata, such as where it was taken, never
    /// leaves the device), encrypts it and uploads it for a notice of `organisation`.
    async fn upload_broadcast_image(
        &mut self,
        organisation: OrganisationId,
        original: Vec<u8>,
    ) -> Result<AttachmentRef> {
        let prepared =
            tokio::task::spawn_blocking(move || photo::prepare_photo(&original, &PhotoOptions::default()))
                .await
                .map_err(|e| crate::ClientError::Protocol(format!("image task: {e}")))??;
        let blob = BlobId::from_uuid(Uuid::new_v4());
        let path = format!(
            "/organisations/{}/broadcast-images/{blob}",
            segment(&organisation.to_string())
        );
        self.upload_sealed(&path, &prepared.image, photo::MIME).await
    }

    /// Downloads a notice's image into `destination`, checked against the SHA-256
    /// the officer signed (a swapped image is an error, never written).
    pub async fn broadcast_image_to(&mut self, id: BroadcastId, destination: &std::path::Path) -> Result<()> {
        let notices = self.broadcasts().await?;
        let image = notices
            .iter()
            .find(|n| n.id == id)
            .and_then(|n| n.view.broadcast.as_ref())
            .and_then(|b| b.attachment.clone())
            .ok_or_else(|| {
                crate::ClientError::InvalidInput(format!(
                    "notice {id} has no image that could be verified (お知らせ {id} に確認できる画像はありません)"
                ))
            })?;
        self.fetch_attachment_to(&image, destination).await
    }

    /// Publishes the next version of the organisation's officer roster, listing
    /// `officers`, signed on this device (which must be on the current version, or on
    /// the new one when it is the first). Pins it here too.
    pub async fn publish_roster(
        &mut self,
        organisation: OrganisationId,
        officers: Vec<Officer>,
    ) -> Result<RosterReport> {
        self.sync_roster(organisation).await?;
        let pinned = self.secrets.rosters.roster(&organisation);
        let change = RosterChange {
            organisation,
            version: pinned.map_or(1, |r| r.version() + 1),
            previous: pinned.map(|r| r.hash()),
            issued_at: now(),
            signed_by: self.officer()?,
            officers,
        };
        let signed = officer::sign_roster_change(self.device()?.identity(), &change)?;
        self.api
            .post::<_, serde_json::Value>(&roster_path(organisation), &signed)
            .await?;
        let mut reports = self.secrets.rosters.accept_all(std::slice::from_ref(&signed));
        self.save()?;
        Ok(reports.remove(0))
    }
}

fn roster_path(organisation: OrganisationId) -> String {
    format!("/organisations/{}/roster", segment(&organisation.to_string()))
}
