//! The first administrator. On a fresh installation nobody can invite anybody, so
//! the server issues a one-time bootstrap link (stored only as a hash, expiring)
//! that lets one person become the system administrator.

use std::time::Duration;

use kizuna_proto::{Redacted, Timestamp};
use kizuna_storage::audit::Outcome;
use kizuna_storage::invitations::{self, InvitationKind};
use kizuna_storage::{refusable_transaction, users, Db, DbConn, StorageError};

use crate::audit::{self, Entry};
use crate::invites;

/// What start-up found and did about the first administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootstrapState {
    /// An administrator exists: nothing to do.
    AdminExists,
    /// A link was issued earlier and is still valid until then.
    LinkPending {
        /// When the pending link expires.
        expires_at: Timestamp,
    },
    /// A new link was issued now. Show it once; it is not stored.
    LinkIssued {
        /// The full link to open.
        link: Redacted<String>,
        /// When it expires.
        expires_at: Timestamp,
    },
}

/// At start-up: issue a bootstrap link if there is no administrator and no valid
/// link waiting. A second start while a link is pending does not print another;
/// `kizuna-ops bootstrap-admin` replaces a lost one.
pub fn ensure_link(
    db: &Db,
    public_url: &str,
    ttl: Duration,
    now: Timestamp,
) -> Result<BootstrapState, StorageError> {
    db.run_blocking(|conn| {
        refusable_transaction(conn, |conn| {
            if users::system_admin_exists(conn)? {
                return Ok(BootstrapState::AdminExists);
            }
            let pending = invitations::pending(conn, InvitationKind::BootstrapAdmin, now)?;
            if let Some(latest) = pending.iter().map(|i| i.expires_at).max() {
                return Ok(BootstrapState::LinkPending { expires_at: latest });
            }
            issue(conn, public_url, ttl, now)
        })
    })
}

/// Issues a new bootstrap link, ending any earlier one. Refused once an
/// administrator exists: from then on administrators invite people.
pub fn replace_link(
    db: &Db,
    public_url: &str,
    ttl: Duration,
    now: Timestamp,
) -> Result<BootstrapState, StorageError> {
    db.run_blocking(|conn| {
        refusable_transaction(conn, |conn| {
            if users::system_admin_exists(conn)? {
                return Ok(BootstrapState::AdminExists);
            }
            invitations::expire_pending(conn, InvitationKind::BootstrapAdmin, now)?;
            issue(conn, public_url, ttl, now)
        })
    })
}

fn issue(
    conn: &mut DbConn,
    public_url: &str,
    ttl: Duration,
    now: Timestamp,
) -> Result<BootstrapState, StorageError> {
    let request = invites::Request {
        kind: InvitationKind::BootstrapAdmin,
        organisation: None,
        room: None,
        role: None,
        invitee_name: None,
        created_by: None,
        target_user: None,
        ttl,
    };
    let issued = invites::issue(conn, public_url, request, now)?;
    audit::record(
        conn,
        now,
        Entry {
            actor: None,
            action: "bootstrap.link_issued",
            target: Some(("invitation", issued.invitation_id.to_string())),
            ip: None,
            outcome: Outcome::Success,
            detail: None,
        },
    )?;
    Ok(BootstrapState::LinkIssued {
        link: Redacted::new(issued.link),
        expires_at: issued.expires_at,
    })
}

/// Words for the operator at start-up.
pub fn describe(state: &BootstrapState) -> String {
    match state {
        BootstrapState::AdminExists => String::new(),
        BootstrapState::LinkPending { expires_at } => format!(
            "No administrator yet. A bootstrap link was issued earlier and is valid until {}. \
             Lost it? Run `kizuna-ops bootstrap-admin` for a new one.\n\
             管理者が未登録です。発行済みの初期設定リンクが有効です。紛失した場合は `kizuna-ops bootstrap-admin` で再発行してください。",
            expires_at.to_rfc3339()
        ),
        BootstrapState::LinkIssued { link, expires_at } => format!(
            "\n  First start: open this one-time link to create the first administrator.\n  \
             初回起動です。次のリンクを開いて最初の管理者を登録してください（一度だけ使えます）。\n\n    {}\n\n  \
             It expires at {} and is shown only now. / 有効期限あり・表示はこの一度だけです。\n",
            link.expose(),
            expires_at.to_rfc3339()
        ),
    }
}
