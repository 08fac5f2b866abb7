//! Typed identifiers. Every entity is named by a random UUID; the type says which
//! kind of entity it is, so a `RoomId` can never be passed where a `UserId` is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        #[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// The UUID inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A facility, association or city.
    OrganisationId
);
typed_id!(
    /// One person. One ID per person, never shared.
    UserId
);
typed_id!(
    /// A client's team room.
    RoomId
);
typed_id!(
    /// A one-time invitation or bootstrap link.
    InvitationId
);
typed_id!(
    /// An encrypted object in the blob store. Random: it says nothing about the content.
    BlobId
);
typed_id!(
    /// One row of the append-only audit log.
    AuditId
);
typed_id!(
    /// One device (browser profile, phone app, CLI) of a person: one MLS leaf.
    DeviceId
);
typed_id!(
    /// One post in a room channel, chosen by the author's client.
    PostId
);
typed_id!(
    /// One regional broadcast, chosen by the officer's client before signing, so the
    /// ID is covered by the signature and a resent copy is recognised as the same one.
    BroadcastId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_reject_garbage() {
        let id = RoomId::from_uuid(Uuid::from_u128(0x1234));
        assert_eq!(id.to_string().parse::<RoomId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<RoomId>().is_err());
        assert_eq!(format!("{id:?}"), format!("RoomId({id})"));
    }
}
