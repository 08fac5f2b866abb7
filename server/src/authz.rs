//! Who may do what: the role matrix, in one place.
//!
//! Handlers never test roles themselves. They obtain an [`Actor`] from the
//! session extractor and ask one of the functions here; a `false` becomes
//! `403 forbidden`. The table in ARCHITECTURE.md mirrors this file.

use kizuna_proto::{OrgRole, OrganisationId, OrganisationKind, RoomRole, UserId};
use kizuna_storage::orgs::{Membership, Organisation};
use kizuna_storage::rooms::RoomMember;

use crate::error::ApiError;

/// The signed-in person, as far as permissions go.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Who.
    pub user: UserId,
    /// Runs the whole service.
    pub is_system_admin: bool,
    /// Their roles in organisations.
    pub memberships: Vec<Membership>,
}

/// What can be done to or within an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// Create a staff invitation.
    InviteStaff,
    /// See the staff list (and families of the facility's rooms) with last sign-in.
    ListStaff,
    /// Suspend, re-enable, disable a leaver, unlock sign-in.
    ManageStaff,
    /// Reset someone's sign-in after checking their identity.
    ResetStaff,
    /// Read and export the reset ledger.
    ViewResetLedger,
    /// Create a client's room owned by the organisation.
    CreateRoom,
    /// Prepare, approve, end and reseal the facility's break-glass accounts.
    ManageEmergencyAccounts,
    /// See and close the facility's security alerts.
    HandleSecurityAlerts,
}

impl Actor {
    fn roles_in(&self, org: OrganisationId) -> impl Iterator<Item = OrgRole> + '_ {
        self.memberships
            .iter()
            .filter(move |m| m.organisation == org)
            .map(|m| m.role)
    }

    fn has_role(&self, org: OrganisationId, role: OrgRole) -> bool {
        self.roles_in(org).any(|r| r == role)
    }

    /// An association or city officer oversees the organisation itself and the
    /// facilities registered under it.
    fn oversees(&self, org: &Organisation) -> bool {
        self.has_role(org.id, OrgRole::Officer)
            || org.parent.is_some_and(|p| self.has_role(p, OrgRole::Officer))
    }

    /// Whether the actor is one of the facility `org`'s own administrators, or the
    /// system administrator: the people who hold its safe, see its access records
    /// and alerts, and decide how long its closed rooms are kept. Regional officers
    /// oversee a facility's staff, not these.
    pub fn administers(&self, org: OrganisationId) -> bool {
        self.is_system_admin || self.has_role(org, OrgRole::FacilityAdmin)
    }

    /// Whether the actor may do `action` in `org`.
    pub fn may(&self, org: &Organisation, action: OrgAction) -> bool {
        match action {
            OrgAction::InviteStaff
            | OrgAction::ListStaff
            | OrgAction::ManageStaff
            | OrgAction::ResetStaff
            | OrgAction::ViewResetLedger => {
                self.is_system_admin || self.has_role(org.id, OrgRole::FacilityAdmin) || self.oversees(org)
            }
            // Rooms hold clinical content: only the facility's professionals open them.
            OrgAction::CreateRoom => self.roles_in(org.id).any(is_professional),
            // The facility's own administrators: its safe, its accounts. Regional
            // officers declare disasters; they do not hold the facility's keys.
            // Security alerts name the facility's people: its administrators only.
            OrgAction::ManageEmergencyAccounts | OrgAction::HandleSecurityAlerts => self.administers(org.id),
        }
    }

    /// [`Actor::may`], as a result for handlers.
    pub fn require(&self, org: &Organisation, action: OrgAction) -> Result<(), ApiError> {
        if self.may(org, action) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Whether the actor may register a new organisation under `parent`.
    pub fn may_create_organisation(&self, kind: OrganisationKind, parent: Option<&Organisation>) -> bool {
        if self.is_system_admin {
            return true;
        }
        // Officers onboard facilities under their association or city; they cannot
        // create another association.
        let regional = matches!(kind, OrganisationKind::Association | OrganisationKind::City);
        !regional
            && parent.is_some_and(|p| {
                matches!(p.kind, OrganisationKind::Association | OrganisationKind::City)
                    && self.has_role(p.id, OrgRole::Officer)
            })
    }

    /// Whether the actor may invite someone with `role` into a room, given the
    /// actor's own membership of that room.
    pub fn may_invite_to_room(&self, own: Option<&RoomMember>, role: RoomRole) -> bool {
        let Some(own) = own else { return false };
        let inviter = matches!(own.role, RoomRole::Owner | RoomRole::Delegate);
        // Ownership is not handed out by invitation.
        inviter && role != RoomRole::Owner
    }
}

/// The person an administrative action would touch, as the rule below needs them.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Who.
    pub user: UserId,
    /// Whether they run the whole service.
    pub is_system_admin: bool,
    /// Their staff roles in organisations (room memberships do not count).
    pub memberships: &'a [Membership],
}

impl Actor {
    /// The one rule for acting on another person's account: reset, suspend,
    /// reactivate, disable, unlock, role change and revoking their device.
    ///
    /// The actor administers `org` (`action`), and the person holds a staff role
    /// in `org`: being a member of one of its rooms (family, volunteer, an outside
    /// professional who may be another facility's staff or administrator) grants
    /// the organisation nothing over them, so they are not found here. The system
    /// administrator and the actor themself are refused.
    pub fn may_act_on(
        &self,
        org: &Organisation,
        action: OrgAction,
        target: Target<'_>,
    ) -> Result<(), ApiError> {
        self.require(org, action)?;
        if !target.memberships.iter().any(|m| m.organisation == org.id) {
            return Err(ApiError::NotFound);
        }
        if target.is_system_admin || target.user == self.user {
            return Err(ApiError::Forbidden);
        }
        Ok(())
    }
}

impl Actor {
    /// Whether the actor is a broadcast officer of `org`: signs its roster and sends
    /// its broadcasts (from a device on the roster, checked with the signature).
    pub fn is_broadcast_officer(&self, org: OrganisationId) -> bool {
        self.has_role(org, OrgRole::BroadcastOfficer)
    }

    /// Whether the actor may see how far a broadcast of `org` reached: its broadcast
    /// officers and its administrators (officers, facility administrators).
    pub fn may_follow_broadcasts(&self, org: OrganisationId) -> bool {
        self.roles_in(org).any(|role| {
            matches!(
                role,
                OrgRole::BroadcastOfficer | OrgRole::Officer | OrgRole::FacilityAdmin
            )
        })
    }
}

/// Whether a role is a care professional's (may open rooms and see the team channel).
pub fn is_professional(role: OrgRole) -> bool {
    !matches!(
        role,
        OrgRole::Officer | OrgRole::BroadcastOfficer | OrgRole::FacilityAdmin
    )
}

/// Which roles a staff invitation into `org` may carry: officers and broadcast
/// officers exist only in associations and cities.
pub fn role_fits_organisation(role: OrgRole, org: &Organisation) -> bool {
    let regional = matches!(org.kind, OrganisationKind::Association | OrganisationKind::City);
    match role {
        OrgRole::Officer | OrgRole::BroadcastOfficer => regional,
        _ => true,
    }
}

/// The refusal for a role that does not fit its organisation (see
/// [`role_fits_organisation`]), saying which rule it broke.
pub fn misplaced_role(role: OrgRole) -> ApiError {
    let problem = match role {
        OrgRole::BroadcastOfficer => crate::error::Problem::BroadcastOfficerPlacement,
        _ => crate::error::Problem::OfficerPlacement,
    };
    ApiError::input("role", problem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_proto::{RoomId, Timestamp};
    use uuid::Uuid;

    fn org(kind: OrganisationKind, parent: Option<OrganisationId>) -> Organisation {
        Organisation {
            id: OrganisationId::from_uuid(Uuid::new_v4()),
            name: "x".into(),
            kind,
            parent,
            created_at: Timestamp(0),
        }
    }

    fn actor(roles: &[(OrganisationId, OrgRole)]) -> Actor {
        Actor {
            user: UserId::from_uuid(Uuid::new_v4()),
            is_system_admin: false,
            memberships: roles
                .iter()
                .map(|(o, r)| Membership {
                    user: UserId::from_uuid(Uuid::nil()),
                    organisation: *o,
                    role: *r,
                    created_at: Timestamp(0),
                })
                .collect(),
        }
    }

    #[test]
    fn facility_admins_administer_only_their_own_facility() {
        let clinic = org(OrganisationKind::Clinic, None);
        let other = org(OrganisationKind::NursingStation, None);
        let admin = actor(&[(clinic.id, OrgRole::FacilityAdmin)]);
        assert!(admin.may(&clinic, OrgAction::ResetStaff));
        assert!(!admin.may(&other, OrgAction::ResetStaff));
        assert!(
            !admin.may(&clinic, OrgAction::CreateRoom),
            "an administrator is not a clinician"
        );
    }

    #[test]
    fn professionals_open_rooms_but_do_not_administer() {
        let clinic = org(OrganisationKind::Clinic, None);
        let doctor = actor(&[(clinic.id, OrgRole::Doctor)]);
        assert!(doctor.may(&clinic, OrgAction::CreateRoom));
        for action in [
            OrgAction::InviteStaff,
            OrgAction::ListStaff,
            OrgAction::ManageStaff,
            OrgAction::ResetStaff,
        ] {
            assert!(!doctor.may(&clinic, action), "{action:?}");
        }
    }

    #[test]
    fn officers_oversee_facilities_under_their_association() {
        let association = org(OrganisationKind::Association, None);
        let member_clinic = org(OrganisationKind::Clinic, Some(association.id));
        let outside_clinic = org(OrganisationKind::Clinic, None);
        let officer = actor(&[(association.id, OrgRole::Officer)]);
        assert!(officer.may(&member_clinic, OrgAction::InviteStaff));
        assert!(!officer.may(&outside_clinic, OrgAction::InviteStaff));
        assert!(officer.may_create_organisation(OrganisationKind::Clinic, Some(&association)));
        assert!(!officer.may_create_organisation(OrganisationKind::Association, Some(&association)));
        assert!(!officer.may_create_organisation(OrganisationKind::Clinic, None));
    }

    #[test]
    fn only_owners_and_delegates_invite_into_rooms() {
        let nobody = actor(&[]);
        let member = |role| RoomMember {
            room: RoomId::from_uuid(Uuid::nil()),
            user: nobody.user,
            role,
            team_access: false,
            family_access: true,
            added_by: None,
            added_at: Timestamp(0),
        };
        assert!(nobody.may_invite_to_room(Some(&member(RoomRole::Owner)), RoomRole::Family));
        assert!(nobody.may_invite_to_room(Some(&member(RoomRole::Delegate)), RoomRole::Professional));
        assert!(!nobody.may_invite_to_room(Some(&member(RoomRole::Owner)), RoomRole::Owner));
        assert!(!nobody.may_invite_to_room(Some(&member(RoomRole::Family)), RoomRole::Family));
        assert!(!nobody.may_invite_to_room(None, RoomRole::Family));
    }

    #[test]
    fn administrators_act_only_on_their_own_staff() {
        let clinic = org(OrganisationKind::Clinic, None);
        let other = org(OrganisationKind::NursingStation, None);
        let admin = actor(&[(clinic.id, OrgRole::FacilityAdmin)]);
        let staff_of = |o: &Organisation, role| {
            vec![Membership {
                user: UserId::from_uuid(Uuid::new_v4()),
                organisation: o.id,
                role,
                created_at: Timestamp(0),
            }]
        };
        fn target(memberships: &[Membership]) -> Target<'_> {
            Target {
                user: UserId::from_uuid(Uuid::new_v4()),
                is_system_admin: false,
                memberships,
            }
        }
        let nurse = staff_of(&clinic, OrgRole::Nurse);
        assert!(admin
            .may_act_on(&clinic, OrgAction::ResetStaff, target(&nurse))
            .is_ok());
        let theirs = staff_of(&other, OrgRole::FacilityAdmin);
        assert!(matches!(
            admin.may_act_on(&clinic, OrgAction::ResetStaff, target(&theirs)),
            Err(ApiError::NotFound)
        ));
        assert!(matches!(
            admin.may_act_on(&other, OrgAction::ResetStaff, target(&theirs)),
            Err(ApiError::Forbidden)
        ));
        assert!(matches!(
            admin.may_act_on(&clinic, OrgAction::ManageStaff, target(&[])),
            Err(ApiError::NotFound)
        ));
        let me = Target {
            user: admin.user,
            is_system_admin: false,
            memberships: &admin.memberships,
        };
        assert!(matches!(
            admin.may_act_on(&clinic, OrgAction::ManageStaff, me),
            Err(ApiError::Forbidden)
        ));
    }

    #[test]
    fn officer_roles_only_fit_regional_bodies() {
        assert!(!role_fits_organisation(
            OrgRole::Officer,
            &org(OrganisationKind::Clinic, None)
        ));
        assert!(role_fits_organisation(
            OrgRole::Officer,
            &org(OrganisationKind::City, None)
        ));
        assert!(!role_fits_organisation(
            OrgRole::BroadcastOfficer,
            &org(OrganisationKind::NursingStation, None)
        ));
        assert!(role_fits_organisation(
            OrgRole::BroadcastOfficer,
            &org(OrganisationKind::Association, None)
        ));
        assert!(!is_professional(OrgRole::BroadcastOfficer));
        assert!(role_fits_organisation(
            OrgRole::Nurse,
            &org(OrganisationKind::NursingStation, None)
        ));
    }
}
