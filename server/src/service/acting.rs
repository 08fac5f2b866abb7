//! Who is acting in a use case, as the audit log records them.

use actix_web::HttpRequest;
use kizuna_proto::UserId;

use crate::auth::session::{self, Authenticated};

/// The signed-in person acting, with their session and address.
#[derive(Debug, Clone)]
pub struct Acting {
    /// Who.
    pub user: UserId,
    /// Their session.
    pub session_id: String,
    /// Their address, if known (for the audit log).
    pub ip: Option<String>,
}

impl Acting {
    /// The person signed in to `req`.
    pub fn of(auth: &Authenticated, req: &HttpRequest) -> Self {
        Self {
            user: auth.user.id,
            session_id: auth.session_id.clone(),
            ip: session::client_ip(req),
        }
    }
}
