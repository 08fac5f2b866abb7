//! Identity-verified resets after a lost authenticator or a forgotten password,
//! and the facility's append-only reset ledger they write.

use kizuna_proto::{OrganisationId, UserId};
use kizuna_storage::invitations::{self, InvitationKind};
use kizuna_storage::reset_ledger::{self, ResetEntry};
use kizuna_storage::users::UserStatus;
use kizuna_storage::{credentials, sessions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::session::Authenticated;
use crate::authz::{Actor, OrgAction};
use crate::error::{ApiError, Problem};
use crate::invites::{self, IssuedLink};
use crate::service::acting::Acting;
use crate::service::invitations::ttl_hours;
use crate::service::people::{check_target, org_for};
use crate::service::staff::action_entry;
use crate::state::AppState;

/// How the person's identity was verified before a reset.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// In person, with photo ID.
    InPersonPhotoId,
    /// By video call.
    VideoCall,
    /// By phone, a voice the administrator knows.
    KnownVoicePhone,
    /// Another way, described in the note.
    Other,
}

impl VerificationMethod {
    fn as_str(self) -> &'static str {
        match self {
            VerificationMethod::InPersonPhotoId => "in_person_photo_id",
            VerificationMethod::VideoCall => "video_call",
            VerificationMethod::KnownVoicePhone => "known_voice_phone",
            VerificationMethod::Other => "other",
        }
    }
}

/// A reset after a lost authenticator or forgotten password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// How identity was verified.
    pub verification_method: VerificationMethod,
    /// What was checked (e.g. "driving licence; photo matched").
    pub verification_note: String,
}

/// Resets a person's sign-in after verifying their identity: records the check in
/// the reset ledger, ends their sessions and connections, revokes their
/// authenticators, and issues a one-time recovery link that only lets them set a
/// new password and register a new authenticator.
pub async fn reset(
    state: &AppState,
    auth: &Authenticated,
    acting: Acting,
    (org_id, target): (OrganisationId, UserId),
    request: ResetRequest,
) -> Result<IssuedLink, ApiError> {
    let org = org_for(state, &auth.actor, org_id, OrgAction::ResetStaff).await?;
    // Refused as not allowed before as not fresh: no hint to those who may not.
    auth.require_fresh(state)?;
    let note = request.verification_note.trim().to_owned();
    if note.chars().count() < 3 || note.chars().count() > 500 {
        return Err(ApiError::input("verification_note", Problem::VerificationNote));
    }
    let (now, actor, public_url) = (state.now(), auth.actor.clone(), state.config.public_url());
    let ttl = ttl_hours(state.config.recovery_link_ttl_hours);
    let method = request.verification_method.as_str();
    let issued = state
        .write(move |conn| {
            let user = check_target(conn, &actor, &org, OrgAction::ResetStaff, target)?;
            if user.status == UserStatus::Disabled {
                return Err(ApiError::input("user_id", Problem::PersonHasLeft));
            }
            invitations::expire_for_user(conn, target, now)?;
            let link = invites::Request {
                kind: InvitationKind::Recovery,
                organisation: Some(org.id),
                room: None,
                role: None,
                invitee_name: Some(user.display_name.clone()),
                created_by: Some(actor.user),
                target_user: Some(target),
                ttl,
            };
            let issued = invites::issue(conn, &public_url, link, now)?;
            let entry = ResetEntry {
                id: uuid::Uuid::new_v4().to_string(),
                at: now,
                organisation: org.id,
                user: target,
                performed_by: actor.user,
                verification_method: method.to_owned(),
                verification_note: note,
                invitation: issued.invitation_id,
            };
            reset_ledger::append(conn, &entry)?;
            sessions::revoke_all(conn, target, now)?;
            credentials::remove_all(conn, target)?;
            let detail = format!("{{\"method\":\"{method}\"}}");
            audit::record(conn, now, action_entry(&acting, "user.reset", target, detail))?;
            Ok(issued)
        })
        .await?;
    state.live.close_user(target);
    Ok(issued)
}

/// One ledger line as exported.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLine {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The person reset.
    pub user_id: UserId,
    /// The administrator who verified and reset.
    pub performed_by: UserId,
    /// How identity was verified.
    pub verification_method: String,
    /// What was checked.
    pub verification_note: String,
    /// The recovery link issued.
    pub invitation_id: String,
}

/// The ledger's export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// JSON lines.
    Json,
    /// CSV for inspections, formulas neutralised.
    Csv,
}

impl LedgerFormat {
    /// The format named in the query (`json` by default).
    pub fn parse(name: Option<&str>) -> Result<Self, ApiError> {
        match name {
            None | Some("json") => Ok(Self::Json),
            Some("csv") => Ok(Self::Csv),
            Some(_) => Err(ApiError::input("format", Problem::LedgerFormat)),
        }
    }
}

/// The facility's reset ledger (append-only), oldest first.
pub async fn reset_ledger(
    state: &AppState,
    actor: &Actor,
    org_id: OrganisationId,
) -> Result<Vec<LedgerLine>, ApiError> {
    let org = org_for(state, actor, org_id, OrgAction::ViewResetLedger).await?;
    let entries = state
        .db
        .run(move |conn| reset_ledger::for_organisation(conn, org.id))
        .await?;
    Ok(entries
        .into_iter()
        .map(|e| LedgerLine {
            at: e.at.to_rfc3339(),
            user_id: e.user,
            performed_by: e.performed_by,
            verification_method: e.verification_method,
            verification_note: e.verification_note,
            invitation_id: e.invitation.to_string(),
        })
        .collect())
}

fn csv_field(value: &str) -> String {
    // Quote every field and neutralise spreadsheet formulas.
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// The ledger as CSV, with a header line.
pub fn ledger_csv(lines: &[LedgerLine]) -> String {
    let mut csv =
        String::from("at,user_id,performed_by,verification_method,verification_note,invitation_id\n");
    for l in lines {
        let fields = [
            l.at.clone(),
            l.user_id.to_string(),
            l.performed_by.to_string(),
            l.verification_method.clone(),
            l.verification_note.clone(),
            l.invitation_id.clone(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    csv
}
