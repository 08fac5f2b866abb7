//! The closed vocabularies the server and clients agree on: kinds of organisation,
//! roles of people in them, and room channels. Stored in the database as their
//! snake_case names, which are therefore stable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Error for a name that is not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// Which vocabulary was asked.
    pub vocabulary: &'static str,
    /// The name that was not found.
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.vocabulary, self.name)
    }
}

impl std::error::Error for UnknownName {}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $label:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        // After the derives: the docs may carry a `ts(rename)` for TypeScript.
        $(#[$doc])*
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case name stored in the database and sent on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { vocabulary: $label, name: s.to_owned() }),
                }
            }
        }
    };
}

vocabulary!(
    /// What kind of body an organisation is.
    OrganisationKind, "organisation kind" {
        /// A clinic or hospital department with attending doctors.
        Clinic => "clinic",
        /// A visiting-nurse station (訪問看護ステーション).
        NursingStation => "nursing_station",
        /// A home-help office (訪問介護事業所).
        HelperOffice => "helper_office",
        /// A care-management office (居宅介護支援事業所).
        CareManagementOffice => "care_management_office",
        /// A community pharmacy.
        Pharmacy => "pharmacy",
        /// A regional (e.g. prefectural medical) association that runs the service.
        Association => "association",
        /// A municipality.
        City => "city",
    }
);

vocabulary!(
    /// The role a person holds in an organisation.
    OrgRole, "organisation role" {
        /// Officer of an association or city: onboarding facilities and their staff.
        Officer => "officer",
        /// Broadcast officer of an association or city (disaster mode): may sign the
        /// organisation's roster of officer keys and send regional broadcasts from
        /// a device on it. Granted by the organisation's administrator.
        BroadcastOfficer => "broadcast_officer",
        /// Administers the facility's staff.
        FacilityAdmin => "facility_admin",
        /// Attending doctor.
        Doctor => "doctor",
        /// Nurse.
        Nurse => "nurse",
        /// Home helper.
        Helper => "helper",
        /// Care manager.
        CareManager => "care_manager",
        /// Physical, occupational or speech therapist.
        Therapist => "therapist",
        /// Pharmacist.
        Pharmacist => "pharmacist",
        /// Another professional role.
        OtherProfessional => "other_professional",
    }
);

vocabulary!(
    /// The role a person holds in one client's room.
    RoomRole, "room role" {
        /// Created the room or took it over; may invite and remove.
        Owner => "owner",
        /// A member the owner delegated invitation rights to.
        Delegate => "delegate",
        /// A professional member of the care team.
        Professional => "professional",
        /// A family member of the client.
        Family => "family",
        /// A neighbourhood welfare volunteer (民生委員).
        Volunteer => "volunteer",
    }
);

vocabulary!(
    /// The channels of a room.
    // `Channel` is the browser client's class for one channel: the name is the value.
    #[cfg_attr(feature = "ts", ts(rename = "ChannelName"))]
    Channel, "channel" {
        /// Professionals only.
        Team => "team",
        /// The team plus family and volunteers.
        Family => "family",
    }
);

vocabulary!(
    /// How soon a post needs attention. The sender may expose it in clear (it is the
    /// only thing about a post's content the server learns) so notifications can say
    /// "urgent" without saying what.
    Urgency, "urgency" {
        /// Read at the next visit.
        Normal => "normal",
        /// Read today.
        Soon => "soon",
        /// Read now.
        Urgent => "urgent",
    }
);

// `vocabulary!` generates the enum, so `#[default]` cannot be put on a variant.
#[allow(clippy::derivable_impls)]
impl Default for Urgency {
    fn default() -> Self {
        Urgency::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_value() {
        for kind in OrganisationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganisationKind>(), Ok(*kind));
        }
        for role in OrgRole::ALL {
            assert_eq!(role.as_str().parse::<OrgRole>(), Ok(*role));
        }
        for role in RoomRole::ALL {
            assert_eq!(role.as_str().parse::<RoomRole>(), Ok(*role));
        }
        assert_eq!("team".parse::<Channel>(), Ok(Channel::Team));
    }

    #[test]
    fn unknown_names_are_rejected_with_the_vocabulary_named() {
        let err = "hospital".parse::<OrganisationKind>().unwrap_err();
        assert_eq!(err.to_string(), "unknown organisation kind \"hospital\"");
    }
}
