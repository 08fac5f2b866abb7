//! Regional broadcasts (issue 14), server side: the roster of officer keys, sending,
//! listing, receipts and the officer's per-organisation totals.
//!
//! The server enforces the same chain rules as clients (`kizuna_engine::broadcast`),
//! with the same crypto functions to open what was signed: a roster change follows
//! the current version (version + 1, the previous hash) and is signed by an officer
//! on it (version 1: by one of its own officers); every officer listed holds the
//! broadcast officer role in the organisation on that live device with that key; a
//! broadcast is signed by an officer on the current roster, from the device this
//! session acts for. Clients verify for themselves; the server's checks keep what it
//! stores and delivers honest, and refuse early what clients would mark unverified.
//!
//! Audit: `broadcast.roster_changed` (organisation, version, officer count,
//! fingerprint) and `broadcast.sent` (organisation, severity, expiry, whether
//! families are included and a safety check opened). No title, area or body: what
//! was said is in the signed notice, kept once; the audit says who sent what kind of
//! notice, when.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use kizuna_crypto::broadcast::{self, Officer, SignedBroadcast, SignedRosterChange};
use kizuna_proto::{BroadcastId, OrgRole, OrganisationId, Severity, Timestamp, UserId};
use kizuna_storage::broadcasts::{self as stored, Receipt, ReceiptState, RosterEntry, StoredBroadcast};
use kizuna_storage::orgs::{self, Organisation};
use kizuna_storage::{devices, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::authz::Actor;
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::broadcast_maps;
use crate::service::broadcast_scope::{recipients, OrgTree, Reach};
use crate::service::people::load_org;
use crate::state::AppState;

/// Most broadcasts one list answers, newest first.
const MAX_LISTED: i64 = 200;

/// The wire form of a signed broadcast or roster change, for the API document:
/// the exact signed bytes, the signature and the signer's public key, each standard
/// base64.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignedForm {
    /// The signed payload (canonical JSON), base64.
    pub payload: String,
    /// The Ed25519 signature, base64 (64 bytes).
    pub signature: String,
    /// The signing device's public key, base64 (32 bytes).
    pub signer_key: String,
}

/// An organisation's roster of officer keys, every version, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Roster {
    /// The signed changes, version 1 first.
    #[schema(value_type = Vec<SignedForm>)]
    pub changes: Vec<SignedRosterChange>,
}

/// A broadcast accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct BroadcastSent {
    /// Its ID.
    pub id: BroadcastId,
}

/// How far the caller has got with a broadcast.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ReceiptView {
    /// When one of their clients first fetched it.
    pub delivered_at: Option<Timestamp>,
    /// When they first opened it.
    pub opened_at: Option<Timestamp>,
    /// When they acknowledged it.
    pub acknowledged_at: Option<Timestamp>,
}

impl From<Receipt> for ReceiptView {
    fn from(r: Receipt) -> Self {
        Self {
            delivered_at: Some(r.delivered_at),
            opened_at: r.opened_at,
            acknowledged_at: r.acknowledged_at,
        }
    }
}

/// One broadcast for the caller: what the server lists it by, and the signed
/// notice, which clients verify against the pinned roster before showing it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BroadcastView {
    /// Its ID.
    pub id: BroadcastId,
    /// The organisation that sent it.
    pub organisation: OrganisationId,
    /// Its name, as registered (the signed notice names the sender by ID).
    pub organisation_name: String,
    /// How serious it is.
    pub severity: Severity,
    /// When the server accepted it.
    pub sent_at: Timestamp,
    /// When it stops being current.
    pub expires_at: Timestamp,
    /// The notice exactly as signed.
    #[schema(value_type = SignedForm)]
    pub signed: SignedBroadcast,
    /// The caller's receipt.
    pub receipt: ReceiptView,
}

/// The broadcasts that reach the caller, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BroadcastList {
    /// Newest first, at most 200.
    pub broadcasts: Vec<BroadcastView>,
}

/// A receipt to record.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStep {
    /// The person opened the notice.
    Opened,
    /// The person acknowledged it (also marks it opened).
    Acknowledged,
}

/// The body of `POST /broadcasts/{id}/receipt`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptUpdate {
    /// `opened` or `acknowledged`.
    pub state: ReceiptStep,
}

/// How far a broadcast reached in one organisation in scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationReceipts {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Its name.
    pub name: String,
    /// People it is meant for there.
    pub recipients: u64,
    /// Of those, whose client has it.
    pub delivered: u64,
    /// Of those, who opened it.
    pub opened: u64,
    /// Of those, who acknowledged it.
    pub acknowledged: u64,
}

/// How far a broadcast reached, per organisation in scope (the sender first).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptTotals {
    /// The broadcast.
    pub broadcast: BroadcastId,
    /// One entry per organisation in scope.
    pub organisations: Vec<OrganisationReceipts>,
}

fn signed_roster(entry: &RosterEntry) -> SignedRosterChange {
    SignedRosterChange {
        payload: entry.payload.clone(),
        signature: entry.signature.clone(),
        signer_key: entry.signer_key.clone(),
    }
}

fn signed_broadcast(b: &StoredBroadcast) -> SignedBroadcast {
    SignedBroadcast {
        payload: b.payload.clone(),
        signature: b.signature.clone(),
        signer_key: b.signer_key.clone(),
    }
}

/// The organisation, after checking that the actor is one of its broadcast officers.
async fn officer_org(state: &AppState, actor: &Actor, org: OrganisationId) -> Result<Organisation, ApiError> {
    let org = load_org(state, org).await?;
    if !actor.is_broadcast_officer(org.id) {
        return Err(ApiError::Forbidden);
    }
    Ok(org)
}

/// The signer named in what was signed must be the acting person, on the live
/// device this session acts for, with the key that device registered.
fn check_signing_device(conn: &mut DbConn, acting: &Acting, signer: &Officer) -> Result<(), ApiError> {
    let bound = devices::of_session(conn, &acting.session_id)?;
    if signer.user != acting.user || bound != Some(signer.device) {
        return Err(ApiError::BroadcastWrongDevice);
    }
    if !is_live_device_of(conn, signer)? {
        return Err(ApiError::BroadcastWrongDevice);
    }
    Ok(())
}

/// Whether `officer.device` is a live device of `officer.user` registered with
/// `officer.key`.
fn is_live_device_of(conn: &mut DbConn, officer: &Officer) -> Result<bool, StorageError> {
    let device = match devices::get(conn, officer.device) {
        Err(StorageError::NotFound) => return Ok(false),
        other => other?,
    };
    Ok(device.user == officer.user
        && device.revoked_at.is_none()
        && device.signature_key == officer.key.to_bytes())
}

/// Whether `officer` may be listed on `org`'s roster.
fn is_eligible(conn: &mut DbConn, org: OrganisationId, officer: &Officer) -> Result<bool, StorageError> {
    let holds_role = orgs::memberships_of_user(conn, officer.user)?
        .iter()
        .any(|m| m.organisation == org && m.role == OrgRole::BroadcastOfficer);
    Ok(holds_role && is_live_device_of(conn, officer)?)
}

/// The officers of the roster version stored, opened again with crypto (it was
/// checked when stored; a row that no longer opens is a fault, not a refusal).
fn officers_of(entry: &RosterEntry) -> Result<Vec<Officer>, ApiError> {
    let (change, _) = broadcast::open_roster_change(&signed_roster(entry))
        .map_err(|e| ApiError::internal_in("opening a stored roster", e))?;
    Ok(change.officers)
}

/// Stores the next version of an organisation's roster after checking the chain
/// rules (see the module documentation), with its audit record.
pub async fn change_roster(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org: OrganisationId,
    signed: SignedRosterChange,
) -> Result<(), ApiError> {
    let org = officer_org(state, actor, org).await?;
    let (change, hash) = broadcast::open_roster_change(&signed).map_err(ApiError::BroadcastInvalid)?;
    if change.organisation != org.id {
        return Err(ApiError::BroadcastWrongOrganisation);
    }
    let now = state.now();
    state
        .write(move |conn| {
            check_signing_device(conn, &acting, &change.signed_by)?;
            let current = stored::current_roster(conn, org.id)?;
            let current_version = current.as_ref().map_or(0, |c| c.version);
            let follows = i64::try_from(change.version).ok() == Some(current_version + 1)
                && change.previous.map(|h| h.0.to_vec()) == current.as_ref().map(|c| c.hash.clone());
            if !follows {
                return Err(ApiError::RosterConflict {
                    current: current_version,
                });
            }
            if let Some(current) = &current {
                if !officers_of(current)?.contains(&change.signed_by) {
                    return Err(ApiError::RosterSignerUnknown);
                }
            }
            for officer in &change.officers {
                if !is_eligible(conn, org.id, officer)? {
                    return Err(ApiError::RosterOfficerIneligible);
                }
            }
            let entry = RosterEntry {
                organisation_id: org.id,
                version: current_version + 1,
                hash: hash.0.to_vec(),
                payload: signed.payload,
                signature: signed.signature,
                signer_key: signed.signer_key,
                signer_device_id: change.signed_by.device,
                created_at: now,
            };
            stored::append_roster(conn, &entry).map_err(|e| match e {
                StorageError::Conflict(_) => ApiError::RosterConflict {
                    current: current_version + 1,
                },
                other => other.into(),
            })?;
            let detail = serde_json::json!({
                "organisation": org.id,
                "version": entry.version,
                "officers": change.officers.len(),
                "fingerprint": hash.fingerprint(),
            });
            let mut record = Entry::success(
                acting.user,
                "broadcast.roster_changed",
                ("organisation", org.id.to_string()),
                acting.ip.as_deref(),
            );
            record.detail = Some(detail.to_string());
            Ok(audit::record(conn, now, record)?)
        })
        .await
}

/// Every version of an organisation's roster, for anyone its broadcasts reach
/// (`not_found` for everyone else).
pub async fn roster(state: &AppState, user: UserId, org: OrganisationId) -> Result<Roster, ApiError> {
    state
        .read(move |conn| {
            let tree = OrgTree::load(conn)?;
            if !Reach::of(conn, &tree, user)?.may_read_roster(org) {
                return Err(ApiError::NotFound);
            }
            let changes = stored::roster(conn, org)?.iter().map(signed_roster).collect();
            Ok(Roster { changes })
        })
        .await
}

/// Accepts a broadcast from an officer's device (see the module documentation for
/// the checks), stores it once with its audit record and tells every connected
/// person in scope, on every node. Returns its ID.
pub async fn send(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org: OrganisationId,
    signed: SignedBroadcast,
) -> Result<BroadcastSent, ApiError> {
    let org = officer_org(state, actor, org).await?;
    let (content, _) = broadcast::open(&signed).map_err(ApiError::BroadcastInvalid)?;
    if content.organisation != org.id {
        return Err(ApiError::BroadcastWrongOrganisation);
    }
    let now = state.now();
    if content.is_expired(now) {
        return Err(ApiError::BroadcastExpired);
    }
    let (id, acting_user) = (content.id, acting.user);
    let reached = state
        .write(move |conn| {
            check_signing_device(conn, &acting, &content.signed_by)?;
            let roster = stored::current_roster(conn, org.id)?.ok_or(ApiError::BroadcastSignerUnknown)?;
            if !officers_of(&roster)?.contains(&content.signed_by) {
                return Err(ApiError::BroadcastSignerUnknown);
            }
            let row = StoredBroadcast {
                id: content.id,
                organisation_id: org.id,
                severity: content.severity,
                sent_at: now,
                expires_at: content.expires_at,
                include_families: content.include_families,
                safety_check: content.safety_check,
                signer_user_id: content.signed_by.user,
                signer_device_id: content.signed_by.device,
                payload: signed.payload,
                signature: signed.signature,
                signer_key: signed.signer_key,
            };
            stored::insert(conn, &row).map_err(|e| match e {
                StorageError::Conflict(_) => ApiError::DuplicateBroadcast,
                other => other.into(),
            })?;
            if let Some(image) = &content.attachment {
                broadcast_maps::attach(conn, (org.id, content.signed_by.user), image.blob, row.id)?;
            }
            record_sent(conn, &acting, &row, now)?;
            stored::announce(conn, row.id)?;
            Ok(everyone_reached(conn, &row)?)
        })
        .await?;
    let pushed = reached.iter().copied().filter(|u| *u != acting_user).collect();
    crate::notify::events::broadcast_sent(state, pushed);
    // This node knows the recipients already; other nodes work them out once each.
    let _ = state.live.broadcast_recipients(id).set(Arc::new(reached));
    state.live.notify_broadcast(id);
    Ok(BroadcastSent { id })
}

/// Everyone a stored broadcast reaches, each once.
fn everyone_reached(conn: &mut DbConn, broadcast: &StoredBroadcast) -> Result<HashSet<UserId>, StorageError> {
    let tree = OrgTree::load(conn)?;
    Ok(
        recipients(conn, &tree, broadcast.organisation_id, broadcast.include_families)?
            .into_iter()
            .flat_map(|(_, people)| people)
            .collect(),
    )
}

/// Everyone broadcast `id` reaches (for the live notice on a node that did not
/// store it).
pub async fn recipients_of(state: &AppState, id: BroadcastId) -> Result<HashSet<UserId>, ApiError> {
    state
        .read(move |conn| {
            let broadcast = stored::get(conn, id)?.ok_or(ApiError::NotFound)?;
            Ok(everyone_reached(conn, &broadcast)?)
        })
        .await
}

/// The audit record of a broadcast sent: what kind of notice, never its text.
fn record_sent(
    conn: &mut DbConn,
    acting: &Acting,
    row: &StoredBroadcast,
    now: Timestamp,
) -> Result<(), ApiError> {
    let detail = serde_json::json!({
        "organisation": row.organisation_id,
        "severity": row.severity,
        "expires_at": row.expires_at,
        "include_families": row.include_families,
        "safety_check": row.safety_check,
    });
    let mut record = Entry::success(
        acting.user,
        "broadcast.sent",
        ("broadcast", row.id.to_string()),
        acting.ip.as_deref(),
    );
    record.detail = Some(detail.to_string());
    Ok(audit::record(conn, now, record)?)
}

/// The broadcasts that reach `user`, newest first; fetching them records them as
/// delivered to `user`.
pub async fn list(state: &AppState, user: UserId) -> Result<BroadcastList, ApiError> {
    let now = state.now();
    state
        .write(move |conn| {
            let tree = OrgTree::load(conn)?;
            let reach = Reach::of(conn, &tree, user)?;
            let mut broadcasts = Vec::new();
            for b in stored::sent_by(conn, &reach.senders(), MAX_LISTED)? {
                if !reach.receives(&b) {
                    continue;
                }
                let receipt = stored::record(conn, b.id, user, ReceiptState::Delivered, now)?;
                broadcasts.push(BroadcastView {
                    id: b.id,
                    organisation: b.organisation_id,
                    organisation_name: tree.name(b.organisation_id),
                    severity: b.severity,
                    sent_at: b.sent_at,
                    expires_at: b.expires_at,
                    signed: signed_broadcast(&b),
                    receipt: receipt.into(),
                });
            }
            Ok(BroadcastList { broadcasts })
        })
        .await
}

/// Records that `user` opened or acknowledged a broadcast meant for them
/// (`not_found` for any other).
pub async fn record_receipt(
    state: &AppState,
    user: UserId,
    id: BroadcastId,
    step: ReceiptStep,
) -> Result<(), ApiError> {
    let now = state.now();
    let step = match step {
        ReceiptStep::Opened => ReceiptState::Opened,
        ReceiptStep::Acknowledged => ReceiptState::Acknowledged,
    };
    state
        .write(move |conn| {
            let broadcast = stored::get(conn, id)?.ok_or(ApiError::NotFound)?;
            let tree = OrgTree::load(conn)?;
            if !Reach::of(conn, &tree, user)?.receives(&broadcast) {
                return Err(ApiError::NotFound);
            }
            stored::record(conn, id, user, step, now)?;
            Ok(())
        })
        .await
}

/// How far a broadcast of `org` reached, per organisation in scope: for its
/// broadcast officers and administrators.
pub async fn receipt_totals(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
    id: BroadcastId,
) -> Result<ReceiptTotals, ApiError> {
    let org = load_org(state, org).await?;
    if !actor.may_follow_broadcasts(org.id) {
        return Err(ApiError::Forbidden);
    }
    state
        .read(move |conn| {
            let broadcast = stored::get(conn, id)?
                .filter(|b| b.organisation_id == org.id)
                .ok_or(ApiError::NotFound)?;
            let receipts: HashMap<UserId, Receipt> = stored::receipts(conn, id)?
                .into_iter()
                .map(|r| (r.user_id, r))
                .collect();
            let tree = OrgTree::load(conn)?;
            let organisations = recipients(conn, &tree, org.id, broadcast.include_families)?
                .into_iter()
                .map(|(organisation, people)| {
                    let theirs: Vec<&Receipt> = people.iter().filter_map(|p| receipts.get(p)).collect();
                    let count = |f: fn(&Receipt) -> bool| theirs.iter().filter(|r| f(r)).count() as u64;
                    OrganisationReceipts {
                        organisation,
                        name: tree.name(organisation),
                        recipients: people.len() as u64,
                        delivered: theirs.len() as u64,
                        opened: count(|r| r.opened_at.is_some()),
                        acknowledged: count(|r| r.acknowledged_at.is_some()),
                    }
                })
                .collect();
            Ok(ReceiptTotals {
                broadcast: id,
                organisations,
            })
        })
        .await
}
