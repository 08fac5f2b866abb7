//! SQL conversions for the typed IDs, [`Timestamp`] and the vocabularies, for SQLite
//! and PostgreSQL (feature `diesel`, used by kizuna-storage only). The stored values
//! are exactly what the storage layer wrote by hand before: an ID is its UUID as
//! lowercase hyphenated TEXT, a time is Unix milliseconds as BIGINT, a vocabulary
//! value is its snake_case name as TEXT.
//!
//! A stored value that does not read back (not a UUID, an unknown name) is a
//! deserialisation error for the query, never a panic.

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::ids::{
    AuditId, BlobId, BroadcastId, DeviceId, InvitationId, OrganisationId, PostId, RoomId, UserId,
};
use crate::roles::{Channel, OrgRole, OrganisationKind, RoomRole, Urgency};
use crate::safety::{SafetyNeed, SafetyStatus};
use crate::severity::Severity;
use crate::time::Timestamp;
use crate::wire::LogKind;

/// Reads stored text as `T`, naming the type and the value when it does not parse.
fn parse_text<T: std::str::FromStr>(type_name: &str, text: &str) -> deserialize::Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| format!("stored {type_name} {text:?} cannot be read: {e}").into())
}

/// PostgreSQL sends TEXT as its UTF-8 bytes.
fn pg_text(value: PgValue<'_>) -> deserialize::Result<&str> {
    Ok(std::str::from_utf8(value.as_bytes())?)
}

/// Whether a value may be written to the database.
trait Storable {
    /// Refuses a value that must never be stored.
    fn check(&self) -> Result<(), &'static str> {
        Ok(())
    }
}

/// Stored as TEXT through `Display` (after [`Storable::check`]) and read back
/// through `FromStr`.
macro_rules! text_sql {
    ($($name:ident),+ $(,)?) => {
        $(impl Storable for $name {})+
        text_sql!(@checked $($name),+);
    };
    (@checked $($name:ident),+) => {$(
        impl ToSql<Text, Sqlite> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                self.check()?;
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                self.check()?;
                write!(out, "{self}")?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $name {
            fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
                parse_text(stringify!($name), &text)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                parse_text(stringify!($name), pg_text(value)?)
            }
        }
    )+};
}

text_sql!(
    AuditId,
    BlobId,
    BroadcastId,
    DeviceId,
    InvitationId,
    OrganisationId,
    PostId,
    RoomId,
    UserId
);
text_sql!(
    Channel,
    OrgRole,
    OrganisationKind,
    RoomRole,
    SafetyNeed,
    SafetyStatus,
    Severity,
    Urgency
);
text_sql!(@checked LogKind);

/// `Unknown` stands for a kind from a newer server when reading the wire; it is
/// never stored (and a stored name this build does not know is an error, not
/// `Unknown`: `FromStr` is strict).
impl Storable for LogKind {
    fn check(&self) -> Result<(), &'static str> {
        match self {
            LogKind::Unknown => Err("the log kind `unknown` is never stored"),
            _ => Ok(()),
        }
    }
}

impl ToSql<BigInt, Sqlite> for Timestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <i64 as ToSql<BigInt, Sqlite>>::to_sql(&self.0, out)
    }
}

impl ToSql<BigInt, Pg> for Timestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <i64 as ToSql<BigInt, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<BigInt, Sqlite> for Timestamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        <i64 as FromSql<BigInt, Sqlite>>::from_sql(value).map(Timestamp)
    }
}

impl FromSql<BigInt, Pg> for Timestamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <i64 as FromSql<BigInt, Pg>>::from_sql(value).map(Timestamp)
    }
}

/// `Severity` is written out by hand in `severity.rs` without diesel's derives (so
/// that module stays free of storage concerns); these are what
/// `#[derive(AsExpression, FromSqlRow)]` would add, so a severity is used in queries
/// and rows like every other vocabulary.
mod severity_expression {
    use diesel::backend::Backend;
    use diesel::deserialize::{self, FromSql, Queryable};
    use diesel::expression::AsExpression;
    use diesel::internal::derives::as_expression::Bound;
    use diesel::sql_types::{Nullable, Text};

    use crate::severity::Severity;

    impl AsExpression<Text> for Severity {
        type Expression = Bound<Text, Self>;
        fn as_expression(self) -> Self::Expression {
            Bound::new(self)
        }
    }

    impl AsExpression<Text> for &Severity {
        type Expression = Bound<Text, Self>;
        fn as_expression(self) -> Self::Expression {
            Bound::new(self)
        }
    }

    impl AsExpression<Nullable<Text>> for Severity {
        type Expression = Bound<Nullable<Text>, Self>;
        fn as_expression(self) -> Self::Expression {
            Bound::new(self)
        }
    }

    impl<DB: Backend> Queryable<Text, DB> for Severity
    where
        Severity: FromSql<Text, DB>,
    {
        type Row = Self;
        fn build(row: Self) -> deserialize::Result<Self> {
            Ok(row)
        }
    }
}

/// The safety-check vocabularies are written out by hand in `safety.rs`, like
/// `Severity`, and get the same query and row conversions.
mod safety_expression {
    use diesel::backend::Backend;
    use diesel::deserialize::{self, FromSql, Queryable};
    use diesel::expression::AsExpression;
    use diesel::internal::derives::as_expression::Bound;
    use diesel::sql_types::{Nullable, Text};

    use crate::safety::{SafetyNeed, SafetyStatus};

    macro_rules! expression {
        ($($ty:ident),+) => {$(
            impl AsExpression<Text> for $ty {
                type Expression = Bound<Text, Self>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl AsExpression<Text> for &$ty {
                type Expression = Bound<Text, Self>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl AsExpression<Nullable<Text>> for $ty {
                type Expression = Bound<Nullable<Text>, Self>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl AsExpression<Nullable<Text>> for &$ty {
                type Expression = Bound<Nullable<Text>, Self>;
                fn as_expression(self) -> Self::Expression {
                    Bound::new(self)
                }
            }

            impl<DB: Backend> Queryable<Text, DB> for $ty
            where
                $ty: FromSql<Text, DB>,
            {
                type Row = Self;
                fn build(row: Self) -> deserialize::Result<Self> {
                    Ok(row)
                }
            }
        )+};
    }

    expression!(SafetyNeed, SafetyStatus);
}
