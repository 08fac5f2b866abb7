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
        password_hash -> Nullable<Text>,
        birth_date -> Nullable<Text>,
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
        created_by -> Text,
        created_at -> BigInt,
        sealed_state -> Nullable<Binary>,
        state_revision -> BigInt,
        legacy_name -> Nullable<Text>,
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
        target_user_id -> Nullable<Text>,
        sealed_invitee_name -> Nullable<Binary>,
        used_by -> Nullable<Text>,
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
        seq -> Nullable<BigInt>,
        hash -> Nullable<Text>,
        device_id -> Nullable<Text>,
        room_id -> Nullable<Text>,
    }
}

diesel::table! {
    password_history (user_id, created_at) {
        user_id -> Text,
        password_hash -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    webauthn_credentials (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        passkey -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    ceremonies (id) {
        id -> Text,
        kind -> Text,
        user_id -> Nullable<Text>,
        state -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        revoked_at -> Nullable<BigInt>,
        reauthenticated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> BigInt,
        locked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    reset_ledger (id) {
        id -> Text,
        at -> BigInt,
        organisation_id -> Text,
        user_id -> Text,
        performed_by -> Text,
        verification_method -> Text,
        verification_note -> Text,
        invitation_id -> Text,
    }
}

diesel::table! {
    server_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        signature_key -> Binary,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    key_packages (id) {
        id -> Text,
        device_id -> Text,
        body -> Binary,
        last_resort -> Bool,
        created_at -> BigInt,
        claimed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    groups (id) {
        id -> Text,
        room_id -> Text,
        channel -> Text,
        epoch -> BigInt,
        next_seq -> BigInt,
        created_at -> BigInt,
        public_state -> Nullable<Binary>,
    }
}

diesel::table! {
    group_log (group_id, seq) {
        group_id -> Text,
        seq -> BigInt,
        kind -> Text,
        sender_device -> Nullable<Text>,
        epoch -> BigInt,
        body -> Binary,
        idempotency_key -> Nullable<Text>,
        created_at -> BigInt,
        urgency -> Nullable<Text>,
        post_id -> Nullable<Text>,
    }
}

diesel::table! {
    blobs (id) {
        id -> Text,
        room_id -> Text,
        channel -> Text,
        organisation_id -> Text,
        uploaded_by -> Text,
        size -> BigInt,
        state -> Text,
        created_at -> BigInt,
        group_id -> Nullable<Text>,
        post_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    read_positions (group_id, user_id) {
        group_id -> Text,
        user_id -> Text,
        seq -> BigInt,
        read_at -> BigInt,
    }
}

diesel::table! {
    session_devices (session_id) {
        session_id -> Text,
        device_id -> Text,
    }
}

diesel::table! {
    welcomes (id) {
        id -> Text,
        device_id -> Text,
        group_id -> Text,
        body -> Binary,
        created_at -> BigInt,
        fetched_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    broadcast_rosters (organisation_id, version) {
        organisation_id -> Text,
        version -> BigInt,
        hash -> Binary,
        payload -> Binary,
        signature -> Binary,
        signer_key -> Binary,
        signer_device_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    broadcasts (id) {
        id -> Text,
        organisation_id -> Text,
        severity -> Text,
        sent_at -> BigInt,
        expires_at -> BigInt,
        include_families -> Bool,
        safety_check -> Bool,
        signer_user_id -> Text,
        signer_device_id -> Text,
        payload -> Binary,
        signature -> Binary,
        signer_key -> Binary,
    }
}

diesel::table! {
    broadcast_receipts (broadcast_id, user_id) {
        broadcast_id -> Text,
        user_id -> Text,
        delivered_at -> BigInt,
        opened_at -> Nullable<BigInt>,
        acknowledged_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    safety_answers (broadcast_id, room_id) {
        broadcast_id -> Text,
        room_id -> Text,
        organisation_id -> Text,
        status -> Text,
        need -> Nullable<Text>,
        answered_by -> Text,
        answered_at -> BigInt,
    }
}

diesel::table! {
    safety_check_closures (broadcast_id) {
        broadcast_id -> Text,
        closed_by -> Text,
        closed_at -> BigInt,
    }
}

diesel::table! {
    disaster_declarations (id) {
        id -> Text,
        organisation_id -> Text,
        declared_by -> Text,
        declared_at -> BigInt,
        ended_by -> Nullable<Text>,
        ended_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    emergency_accounts (user_id) {
        user_id -> Text,
        facility_id -> Text,
        label -> Text,
        state -> Text,
        created_by -> Text,
        created_at -> BigInt,
        sealed_at -> Nullable<BigInt>,
        approved_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    emergency_approvals (user_id, approved_by) {
        user_id -> Text,
        approved_by -> Text,
        approved_at -> BigInt,
    }
}

diesel::table! {
    broadcast_maps (blob_id) {
        blob_id -> Text,
        organisation_id -> Text,
        uploaded_by -> Text,
        size -> BigInt,
        created_at -> BigInt,
        broadcast_id -> Nullable<Text>,
    }
}

diesel::table! {
    notification_settings (user_id) {
        user_id -> Text,
        push -> Text,
        email -> Text,
        email_address -> Nullable<Text>,
        digest_minutes -> BigInt,
        quiet_start -> Nullable<BigInt>,
        quiet_end -> Nullable<BigInt>,
        utc_offset_minutes -> BigInt,
        urgent_in_quiet_hours -> Bool,
        updated_at -> BigInt,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> Text,
        user_id -> Text,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    digest_pending (user_id, room_id) {
        user_id -> Text,
        room_id -> Text,
        posts -> BigInt,
        first_at -> BigInt,
    }
}

diesel::table! {
    room_escalation (room_id) {
        room_id -> Text,
        minutes -> Nullable<BigInt>,
    }
}

diesel::table! {
    escalations_sent (group_id, seq) {
        group_id -> Text,
        seq -> BigInt,
        sent_at -> BigInt,
    }
}

diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(rooms -> organisations (organisation_id));
diesel::joinable!(room_members -> rooms (room_id));
diesel::joinable!(broadcast_receipts -> broadcasts (broadcast_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    memberships,
    rooms,
    room_members,
    invitations,
    audit_log,
    password_history,
    webauthn_credentials,
    ceremonies,
    sessions,
    login_throttle,
    reset_ledger,
    server_settings,
    devices,
    key_packages,
    groups,
    group_log,
    welcomes,
    session_devices,
    blobs,
    read_positions,
    broadcast_rosters,
    broadcasts,
    broadcast_receipts,
    safety_answers,
    safety_check_closures,
    disaster_declarations,
    emergency_accounts,
    emergency_approvals,
    broadcast_maps,
    notification_settings,
    push_subscriptions,
    digest_pending,
    room_escalation,
    escalations_sent,
);
