//! Recording an export. The export itself is made on the member's device (the
//! server never sees a decrypted word); the device tells the server that it
//! exported a room, so the export is an access record (`room.export`) like any
//! other read, visible to the facility's administrators.

use kizuna_proto::{RoomId, Timestamp};
use kizuna_storage::rooms;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::audit::access::{self, Reader};
use crate::error::ApiError;
use crate::state::AppState;

/// What was exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The whole record as JSON.
    Json,
    /// Vital signs as CSV.
    Csv,
    /// A FHIR R4 Bundle.
    Fhir,
    /// Every format and the photos (`kizuna export --all-rooms`).
    All,
}

impl ExportFormat {
    fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Fhir => "fhir",
            ExportFormat::All => "all",
        }
    }
}

/// `POST /rooms/{id}/exports`: an export a member's device made.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportNotice {
    /// The format.
    pub format: ExportFormat,
    /// The period's start (milliseconds since the epoch), if one was chosen.
    pub from: Option<Timestamp>,
    /// The period's end (milliseconds since the epoch), if one was chosen.
    pub to: Option<Timestamp>,
}

/// Records that `reader` exported `room`. Only the room's members export it (they
/// are the ones who can decrypt it); anyone else gets `not_found`, as for a room
/// that does not exist.
pub async fn record(
    state: &AppState,
    reader: Reader,
    room: RoomId,
    notice: ExportNotice,
) -> Result<(), ApiError> {
    let now = state.now();
    state
        .write(move |conn| {
            if rooms::member(conn, room, reader.user)?.is_none() {
                return Err(ApiError::NotFound);
            }
            let detail = serde_json::json!({
                "format": notice.format.as_str(),
                "from": notice.from.map(|t| t.0),
                "to": notice.to.map(|t| t.0),
            });
            access::room_export(conn, now, &reader, room, detail)?;
            Ok(())
        })
        .await
}
