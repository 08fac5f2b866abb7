//! The catalogue's own checks: every row is reachable, unique, worded in both
//! languages with a next step, and documented in the README.

use std::collections::HashSet;

use super::*;

/// Kana or kanji: Japanese text, not just ASCII copied over.
fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// The codes a client can receive: every row's, with the password rules' own codes
/// in place of the one example of `PasswordRejected`.
fn every_code() -> Vec<&'static str> {
    let mut codes: Vec<_> = ApiError::every_example()
        .iter()
        .filter(|e| !matches!(e, ApiError::PasswordRejected { .. }))
        .map(ApiError::code)
        .collect();
    codes.extend(PasswordProblem::every_example().iter().map(|p| p.row().code));
    codes
}

#[test]
fn every_example_is_its_own_row() {
    for (index, err) in ApiError::every_example().iter().enumerate() {
        assert_eq!(err.row_index(), index, "{err:?}");
    }
    for (index, problem) in Problem::every_example().iter().enumerate() {
        assert_eq!(problem.row_index(), index, "{problem:?}");
    }
    for (index, problem) in PasswordProblem::every_example().iter().enumerate() {
        assert_eq!(problem.row_index(), index, "{problem:?}");
    }
    for (index, refusal) in Refusal::every_example().iter().enumerate() {
        assert_eq!(refusal.row_index(), index, "{refusal:?}");
    }
    for (index, conflict) in UploadConflict::every_example().iter().enumerate() {
        assert_eq!(conflict.row_index(), index, "{conflict:?}");
    }
}

#[test]
fn every_code_is_unique_and_snake_case() {
    let codes = every_code();
    let unique: HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "{codes:?}");
    for code in codes {
        assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
    }
}

#[test]
fn every_row_says_what_to_do_next_in_both_languages() {
    let rows = ApiError::every_example()
        .iter()
        .map(ApiError::row)
        .chain(Problem::every_example().iter().map(Problem::row))
        .chain(PasswordProblem::every_example().iter().map(PasswordProblem::row))
        .chain(UploadConflict::every_example().iter().map(UploadConflict::row))
        .chain(
            Refusal::every_example()
                .iter()
                .map(|r| ApiError::from(r.clone()).row()),
        )
        .collect::<Vec<_>>();
    for row in rows {
        assert!(!row.en.trim().is_empty(), "{row:?}");
        assert!(has_japanese(&row.ja), "{row:?}");
        // Every Japanese sentence ends in a request: what to do next.
        assert!(row.ja.contains("ください"), "{row:?}");
        assert!(
            row.status.is_client_error() || row.status.is_server_error(),
            "{row:?}"
        );
    }
}

#[test]
fn the_body_carries_the_row() {
    for err in ApiError::every_example() {
        let row = err.row();
        let body = err.body();
        assert_eq!(
            (body.error.code, body.error.message, body.error.message_ja),
            (row.code, row.en, row.ja)
        );
        assert_eq!(err.status_code(), row.status);
    }
}

#[test]
fn the_readme_lists_every_code() {
    let readme = include_str!("../../../README.md");
    for code in every_code() {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "README.md's error table has no row for `{code}`"
        );
    }
}

#[test]
fn every_error_keeps_its_status_and_code() {
    // The statuses clients already rely on: the catalogue must not move them.
    let expected = [
        ("not_found", 404),
        ("malformed_json", 400),
        ("expected_json", 415),
        ("payload_too_large", 413),
        ("invitation_invalid", 404),
        ("not_signed_in", 401),
        ("sign_in_failed", 401),
        ("too_many_attempts", 429),
        ("account_locked", 423),
        ("forbidden", 403),
        ("reauth_required", 403),
        ("invalid_input", 422),
        ("password_too_short", 422),
        ("login_id_taken", 409),
        ("last_credential", 409),
        ("ceremony_invalid", 400),
        ("webauthn_rejected", 400),
        ("wrong_epoch", 409),
        ("duplicate_post", 409),
        ("invalid_mls", 422),
        ("commit_not_allowed", 403),
        ("already_member", 409),
        ("sealed_field_required", 422),
        ("state_conflict", 409),
        ("broadcast_invalid", 422),
        ("broadcast_wrong_organisation", 422),
        ("broadcast_wrong_device", 403),
        ("broadcast_signer_unknown", 403),
        ("broadcast_expired", 422),
        ("duplicate_broadcast", 409),
        ("roster_conflict", 409),
        ("roster_signer_unknown", 403),
        ("roster_officer_ineligible", 422),
        ("broadcast_image_unknown", 422),
        ("safety_check_closed", 409),
        ("safety_need_mismatch", 422),
        ("emergency_account_sealed", 403),
        ("emergency_account_not_sealed", 409),
        ("push_endpoint_not_allowed", 422),
        ("email_unavailable", 422),
        ("room_closed", 409),
        ("too_many_connections", 429),
        ("storage_full", 507),
        ("quota_exceeded", 507),
        ("length_required", 411),
        ("upload_interrupted", 400),
        ("blob_conflict", 409),
        ("cross_site_request", 403),
        ("method_not_allowed", 405),
        ("request_timeout", 408),
        ("headers_too_large", 431),
        ("bad_request", 400),
        ("request_refused", 416),
        ("unavailable", 503),
        ("internal", 500),
    ];
    let actual: Vec<_> = ApiError::every_example()
        .iter()
        .map(|e| (e.code(), e.status_code().as_u16()))
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(
        ApiError::Refused { status: 99 }.status_code(),
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn a_full_database_disk_is_storage_full_not_internal() {
    let err = ApiError::from(StorageError::Full("database or disk is full".into()));
    assert_eq!((err.status_code().as_u16(), err.code()), (507, "storage_full"));
}

#[test]
fn internal_errors_keep_their_source_but_do_not_send_it() {
    let io = std::io::Error::other("secret table layout");
    let err = ApiError::internal(io);
    assert!(StdError::source(&err).is_some_and(|s| s.to_string().contains("secret")));
    assert!(source_chain(&err).contains("secret table layout"));
    let body = err.body();
    assert!(!body.error.message.contains("secret") && !body.error.message_ja.contains("secret"));
}

#[test]
fn input_problems_read_as_before() {
    let err = ApiError::input("display_name", Problem::NameLength { max: 100 });
    let body = err.body();
    assert_eq!(body.error.code, "invalid_input");
    assert_eq!(
        body.error.message,
        "display_name: give a name of 1 to 100 characters"
    );
    assert_eq!(
        body.error.message_ja,
        "display_name: 1〜100文字で名前を入力してください"
    );
}
