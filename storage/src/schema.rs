//! The one diesel schema, shared by SQLite and PostgreSQL. Written by hand to match
//! `migrations/{sqlite,postgresql}`; the conformance suite proves they agree.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        login_id -> Text,
        display_name -> Text,
        is_system_admin -> Bool,
        status -> Text,
        created_at -> BigInt,
        last_sign_in_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    memberships (user_id, organisation_id, role) {
        user_id -> Text,
        organisation_id -> Text,
        role -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    rooms (id) {
        id -> Text,
        organisation_id -> Text,
        display_name -> Text,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    room_members (room_id, user_id) {
        room_id -> Text,
        user_id -> Text,
        role -> Text,
        team_access -> Bool,
        family_access -> Bool,
        added_by -> Nullable<Text>,
        added_at -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        token_hash -> Text,
        kind -> Text,
        organisation_id -> Nullable<Text>,
        room_id -> Nullable<Text>,
        role -> Nullable<Text>,
        invitee_name -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> BigInt,
        actor_user_id -> Nullable<Text>,
        action -> Text,
        target_kind -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(rooms -> organisations (organisation_id));
diesel::joinable!(room_members -> rooms (room_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    memberships,
    rooms,
    room_members,
    invitations,
    audit_log,
);
