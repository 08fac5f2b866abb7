//! Proto's typed values in queries on [`DbConn`](crate::DbConn): the IDs, the
//! vocabularies and [`Timestamp`]. kizuna-proto (feature `diesel`) converts them for
//! SQLite and PostgreSQL; the connection enum's generated `MultiBackend` forwards
//! to the backend in use, which diesel leaves to the crate that owns the enum.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Text};
use kizuna_proto::{
    AuditId, BlobId, BroadcastId, Channel, DeviceId, InvitationId, LogKind, OrgRole, OrganisationId,
    OrganisationKind, PostId, RoomId, RoomRole, Severity, Timestamp, Urgency, UserId,
};

use crate::conn::MultiBackend;

macro_rules! forward_to_backend {
    ($sql_type:ident: $($name:ty),+ $(,)?) => {$(
        impl FromSql<$sql_type, MultiBackend> for $name {
            fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, $sql_type>()
            }
        }

        impl ToSql<$sql_type, MultiBackend> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value(($sql_type, self));
                Ok(IsNull::No)
            }
        }
    )+};
}

forward_to_backend!(Text: AuditId, BlobId, BroadcastId, DeviceId, InvitationId, OrganisationId, PostId, RoomId, UserId);
forward_to_backend!(Text: Channel, LogKind, OrgRole, OrganisationKind, RoomRole, Severity, Urgency);
forward_to_backend!(BigInt: Timestamp);

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;
    use diesel::IntoSql;
    use uuid::Uuid;

    use super::*;
    use crate::conn::{open_postgres, open_sqlite};
    use crate::{DbConn, StorageError};

    /// Sends a value as a bound parameter and reads it back, both as its own type
    /// and as the text the database holds.
    macro_rules! round_trip {
        ($conn:expr, $ty:ty, $value:expr) => {{
            let value: $ty = $value;
            let back: $ty = diesel::select(value.into_sql::<Text>())
                .get_result($conn)
                .unwrap();
            assert_eq!(back, value);
            let stored: String = diesel::select(value.into_sql::<Text>())
                .get_result($conn)
                .unwrap();
            assert_eq!(
                stored,
                value.to_string(),
                "the stored text is the one written by hand before"
            );
        }};
    }

    fn every_type_round_trips(conn: &mut DbConn) {
        let uuid = Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        round_trip!(conn, AuditId, AuditId(uuid));
        round_trip!(conn, BlobId, BlobId(uuid));
        round_trip!(conn, BroadcastId, BroadcastId(uuid));
        round_trip!(conn, DeviceId, DeviceId(uuid));
        round_trip!(conn, InvitationId, InvitationId(uuid));
        round_trip!(conn, OrganisationId, OrganisationId(uuid));
        round_trip!(conn, PostId, PostId(uuid));
        round_trip!(conn, RoomId, RoomId(uuid));
        round_trip!(conn, UserId, UserId(uuid));
        for &v in Channel::ALL {
            round_trip!(conn, Channel, v);
        }
        for &v in OrgRole::ALL {
            round_trip!(conn, OrgRole, v);
        }
        for &v in OrganisationKind::ALL {
            round_trip!(conn, OrganisationKind, v);
        }
        for &v in RoomRole::ALL {
            round_trip!(conn, RoomRole, v);
        }
        for &v in Severity::ALL {
            round_trip!(conn, Severity, v);
        }
        for &v in Urgency::ALL {
            round_trip!(conn, Urgency, v);
        }
        for &v in LogKind::KNOWN {
            round_trip!(conn, LogKind, v);
        }
        assert_eq!(
            UserId(uuid).to_string(),
            "01234567-89ab-cdef-fedc-ba9876543210",
            "lowercase hyphenated, as stored before"
        );
        for millis in [0, 1_795_633_800_000, -1, i64::MAX, i64::MIN] {
            let at = Timestamp(millis);
            let back: Timestamp = diesel::select(at.into_sql::<BigInt>()).get_result(conn).unwrap();
            assert_eq!(back, at);
            let stored: i64 = diesel::select(at.into_sql::<BigInt>()).get_result(conn).unwrap();
            assert_eq!(stored, millis);
        }
        let none: Option<UserId> =
            diesel::select(None::<UserId>.into_sql::<diesel::sql_types::Nullable<Text>>())
                .get_result(conn)
                .unwrap();
        assert_eq!(none, None);
    }

    fn malformed_values_are_errors(conn: &mut DbConn) {
        let bad_id = diesel::select(sql::<Text>("'not-a-uuid'")).get_result::<RoomId>(conn);
        let err = StorageError::from(bad_id.unwrap_err());
        assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
        assert!(err.to_string().contains("not-a-uuid"), "{err}");
        let bad_name = diesel::select(sql::<Text>("'hospital'")).get_result::<OrganisationKind>(conn);
        let err = StorageError::from(bad_name.unwrap_err());
        assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
        // A kind from a newer build is a wire-side notion: never stored, never read.
        let unknown = diesel::select(sql::<Text>("'unknown'")).get_result::<LogKind>(conn);
        assert!(unknown.is_err());
        let write_unknown = diesel::select(LogKind::Unknown.into_sql::<Text>()).get_result::<String>(conn);
        assert!(matches!(
            write_unknown,
            Err(diesel::result::Error::SerializationError(_))
        ));
    }

    #[test]
    fn typed_values_round_trip_on_sqlite() {
        let mut conn = open_sqlite(":memory:").unwrap();
        every_type_round_trips(&mut conn);
        malformed_values_are_errors(&mut conn);
    }

    #[test]
    fn typed_values_round_trip_on_postgres() {
        let Ok(url) = std::env::var("KIZUNA_TEST_PG_URL") else {
            println!("KIZUNA_TEST_PG_URL is not set: skipping the PostgreSQL round trip");
            return;
        };
        let mut conn = open_postgres(&url).unwrap();
        every_type_round_trips(&mut conn);
        malformed_values_are_errors(&mut conn);
    }

    #[test]
    fn a_malformed_stored_id_fails_the_read_cleanly() {
        let mut conn = open_sqlite(":memory:").unwrap();
        conn.migrate().unwrap();
        diesel::sql_query(
            "INSERT INTO users (id, login_id, display_name, is_system_admin, status, created_at) \
             VALUES ('not-a-uuid', 'alice', 'Alice', 0, 'active', 0)",
        )
        .execute(&mut conn)
        .unwrap();
        let err = crate::users::find_by_login(&mut conn, "alice").unwrap_err();
        assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
    }
}
