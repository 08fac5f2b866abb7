//! Values of the generated types as serde writes them (the JSON of the server, the
//! objects `to_js` hands the page), for `serde-samples.ts`.

use kizuna_crypto::broadcast::{Broadcast, RosterChange};
use kizuna_crypto::content::{
    BloodPressure, Consciousness, Excretion, Handover, HandoverTarget, MealIntake, PhotoContent, Range,
    Thresholds, Vitals,
};
use kizuna_crypto::proto::{
    BlobId, Channel, ClaimedKeyPackage, CommitStored, DeviceId, GroupView, KeyPackageBatch, KeyPackageUpload,
    KeyPackagesLeft, LogEntry, LogKind, MessageStored, NewCommit, NewGroup, NewMessage, OrgRole, PostId,
    RoomId, RoomMember, RoomRole, Timestamp, Urgency, UserId, WelcomeView,
};
use kizuna_crypto::proto::{BroadcastId, OrganisationId, Severity};
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::{AttachmentRef, ContentType, DeviceSigningKey, PostEnvelope};
use kizuna_engine::care::{notebook, validate_envelope};
use kizuna_engine::outbox::decide;
use kizuna_engine::reconcile::plan;
use kizuna_engine::{
    Accepted, ChannelRef, CommitRequest, Core, EngineError, Event, Joined, Member, Policy, ReceivedPost,
    SealedPost, Standing, WelcomeProblem, Who,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The types the UI names that have no sample: those holding `Uint8Array`s (JSON
/// has no bytes), the input `PhotoOptions` (serde reads it, never writes it), and
/// this crate's own flat results, whose fields are private to their modules.
pub(super) const NOT_SAMPLED: &[&str] = &[
    "PreparedPhoto",
    "SealedFile",
    "PhotoOptions",
    "ChannelInfo",
    "ChannelListed",
    "OpenedRoomName",
    "StartedEra",
];

fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_a1b2_0000_7000_8000_0000_0000_0000 + n)
}

fn attachment(n: u128) -> AttachmentRef {
    AttachmentRef {
        blob: BlobId::from_uuid(id(40 + n)),
        key: [7; 32],
        sha256: [9; 32],
        mime: "image/jpeg".into(),
        size: 48_213,
    }
}

fn vitals(at: Timestamp) -> Vitals {
    Vitals {
        temperature_c: Some(38.4),
        blood_pressure: Some(BloodPressure {
            systolic_mmhg: 162,
            diastolic_mmhg: 94,
        }),
        pulse_per_min: Some(88),
        spo2_percent: Some(91),
        respiratory_rate_per_min: Some(20),
        weight_kg: Some(51.5),
        blood_glucose_mg_dl: Some(140),
        meal_intake: Some(MealIntake::Tenths(7)),
        fluid_intake_ml: Some(800),
        excretion: Some(Excretion {
            urine_count: Some(5),
            stool_count: None,
            notes: Some("soft".into()),
        }),
        pain_0_10: Some(3),
        consciousness: Some(Consciousness::Jcs(10)),
        remarks: Some("left arm".into()),
        ..Vitals::at(at)
    }
}

fn thresholds() -> Thresholds {
    Thresholds {
        temperature_c: Some(Range::at_most(37.5)),
        systolic_mmhg: Some(Range::between(90, 150)),
        spo2_percent: Some(Range::at_least(93)),
        ..Thresholds::default()
    }
}

/// The envelopes of the notebook's posts, one of each content type.
fn envelopes(at: Timestamp, nurse: UserId, handover_post: PostId) -> Vec<PostEnvelope> {
    let handover = Handover::to(HandoverTarget::Role { role: OrgRole::Nurse })
        .item("Change the dressing")
        .item("Check the swelling");
    let photo = PhotoContent {
        image: attachment(1),
        thumbnail: attachment(2),
        width: 2048,
        height: 1536,
        thumb_width: 320,
        thumb_height: 240,
        body_site: Some("sacrum".into()),
        same_wound_as: None,
    };
    let mut note = PostEnvelope::new(ContentType::Note, "Slept well.").with_urgency(Urgency::Soon);
    note.mentions = vec![nurse];
    note.attachments = vec![attachment(3)];
    vec![
        PostEnvelope::thresholds(thresholds(), "Set by Dr. Sato"),
        PostEnvelope::vitals(vitals(at), "After lunch"),
        PostEnvelope::handover(handover, "Please check the wound"),
        PostEnvelope::photo(photo, "Wound, day 3"),
        PostEnvelope::taken_over(handover_post, ""),
        note,
    ]
}

pub(super) fn samples() -> Vec<(&'static str, Value)> {
    let (doctor, nurse) = (UserId::from_uuid(id(1)), UserId::from_uuid(id(2)));
    let (doctor_phone, nurse_phone) = (DeviceId::from_uuid(id(11)), DeviceId::from_uuid(id(12)));
    let room = RoomId::from_uuid(id(100));
    let at = Timestamp(1_800_000_000_000);
    let who = Who {
        user: nurse,
        device: nurse_phone,
    };
    let error = EngineError::new("pending_commit", "A change is waiting.", "変更の処理中です。");
    let mut field_error = error.clone();
    field_error.field = Some("temperature_c".into());

    let handover_post = PostId::from_uuid(id(202));
    let posts: Vec<Event> = envelopes(at, nurse, handover_post)
        .into_iter()
        .enumerate()
        .map(|(i, envelope)| {
            let n = i as u128;
            Event::Post(ReceivedPost {
                seq: 3 + i as i64,
                post_id: PostId::from_uuid(id(200 + n)),
                author_user: if i == 4 { nurse } else { doctor },
                author_device: if i == 4 { nurse_phone } else { doctor_phone },
                sent_at: Timestamp(at.millis() + i as i64),
                stored_at: Timestamp(at.millis() + 10 + i as i64),
                exposed_urgency: (i == 1).then_some(Urgency::Urgent),
                envelope,
            })
        })
        .collect();
    let mut amendment = match &posts[5] {
        Event::Post(post) => post.clone(),
        _ => unreachable!("the note"),
    };
    amendment.seq = 20;
    amendment.post_id = PostId::from_uuid(id(300));
    amendment.envelope =
        PostEnvelope::new(ContentType::Note, "Slept well, woke at 5.").amending(id_post(205));
    let mut foreign = amendment.clone();
    foreign.seq = 21;
    foreign.post_id = PostId::from_uuid(id(301));
    foreign.author_user = nurse;
    let mut notebook_posts = posts.clone();
    notebook_posts.push(Event::Post(amendment));
    notebook_posts.push(Event::Post(foreign));

    let channel = ChannelRef {
        group_id: format!("{room}/family"),
        room,
        channel: Channel::Family,
    };
    let members = [
        member(doctor, RoomRole::Owner, &[doctor_phone]),
        member(nurse, RoomRole::Professional, &[nurse_phone]),
        member(
            UserId::from_uuid(id(3)),
            RoomRole::Family,
            &[DeviceId::from_uuid(id(13))],
        ),
    ];
    let current = BTreeMap::from([
        (doctor_phone, doctor),
        (DeviceId::from_uuid(id(19)), UserId::from_uuid(id(9))),
    ]);
    let entry = |seq: i64, kind: LogKind, urgency: Option<Urgency>| LogEntry {
        seq,
        kind,
        sender_device: (kind != LogKind::Commit).then_some(doctor_phone),
        epoch: 2,
        body: "AAEC".into(),
        stored_at: at,
        urgency,
    };
    let envelope_json = |envelope: &PostEnvelope| serde_json::to_string(envelope).unwrap();
    let bad_vitals = PostEnvelope::vitals(
        Vitals {
            temperature_c: Some(55.0),
            ..Vitals::at(at)
        },
        "",
    );

    let mut out = vec![
        ("LogEntry", json(entry(1, LogKind::Commit, None))),
        ("LogEntry", json(entry(2, LogKind::Post, Some(Urgency::Urgent)))),
        ("LogEntry", json(entry(3, LogKind::EraKey, None))),
        ("RoomMember", json(&members[2])),
        (
            "WelcomeView",
            json(WelcomeView {
                group_id: channel.group_id.clone(),
                welcome: "AAEC".into(),
            }),
        ),
        (
            "NewGroup",
            json(NewGroup {
                group_id: channel.group_id.clone(),
                group_info: "AAEC".into(),
            }),
        ),
        (
            "ClaimedKeyPackage",
            json(ClaimedKeyPackage {
                device_id: nurse_phone,
                key_package: "AAEC".into(),
            }),
        ),
        (
            "KeyPackageUpload",
            json(KeyPackageUpload {
                id: "00ab".into(),
                body: "AAEC".into(),
                last_resort: false,
            }),
        ),
        (
            "KeyPackageBatch",
            json(KeyPackageBatch {
                packages: vec![KeyPackageUpload {
                    id: "00ab".into(),
                    body: "AAEC".into(),
                    last_resort: true,
                }],
            }),
        ),
        ("KeyPackagesLeft", json(KeyPackagesLeft { left: 12 })),
        (
            "NewMessage",
            json(NewMessage {
                kind: LogKind::Post,
                sender_device: doctor_phone,
                epoch: 2,
                body: "AAEC".into(),
                idempotency_key: Some(handover_post.to_string()),
                urgency: Some(Urgency::Urgent),
                blobs: vec![BlobId::from_uuid(id(41))],
            }),
        ),
        (
            "NewMessage",
            json(NewMessage {
                kind: LogKind::EraKey,
                sender_device: doctor_phone,
                epoch: 2,
                body: "AAEC".into(),
                idempotency_key: None,
                urgency: None,
                blobs: Vec::new(),
            }),
        ),
        (
            "MessageStored",
            json(MessageStored {
                seq: 7,
                duplicate: false,
            }),
        ),
        (
            "NewCommit",
            json(NewCommit {
                sender_device: doctor_phone,
                commit: "AAEC".into(),
                welcome: None,
                idempotency_key: Some("commit-1".into()),
            }),
        ),
        (
            "CommitStored",
            json(CommitStored {
                seq: 8,
                epoch: 3,
                duplicate: true,
            }),
        ),
        (
            "GroupView",
            json(GroupView {
                group_id: channel.group_id.clone(),
                room_id: room,
                channel: Channel::Family,
                epoch: 3,
            }),
        ),
    ];
    out.extend(
        envelopes(at, nurse, handover_post)
            .iter()
            .map(|e| ("PostEnvelope", json(e))),
    );
    out.extend(posts.iter().map(|post| ("ChannelEvent", json(post))));
    out.push(("ReceivedPost", json(&posts[3])));
    out.extend([
        (
            "ChannelEvent",
            json(Event::Commit {
                seq: 9,
                epoch_from: 2,
                epoch: 3,
                committer: Some(who),
                added: vec![who],
                removed: Vec::new(),
            }),
        ),
        (
            "ChannelEvent",
            json(Event::Commit {
                seq: 10,
                epoch_from: 3,
                epoch: 4,
                committer: None,
                added: Vec::new(),
                removed: vec![who],
            }),
        ),
        (
            "ChannelEvent",
            json(Event::Eras {
                seq: 11,
                eras: vec![id(50).to_string()],
            }),
        ),
        ("ChannelEvent", json(Event::Removed { seq: 12 })),
        ("ChannelEvent", json(Event::Waiting { seq: 13 })),
        (
            "ChannelEvent",
            json(Event::Problem {
                seq: 14,
                kind: "post".into(),
                error: field_error.clone(),
                detail: "not sent".into(),
            }),
        ),
        (
            "ChannelEvent",
            json(Event::Stalled {
                seq: 15,
                error: error.clone(),
                detail: "not sent".into(),
            }),
        ),
        ("ChannelEvent", json(Event::Gap { after: 15, next: 18 })),
        (
            "SealedPost",
            json(SealedPost {
                post_id: handover_post,
                era_key: Some("AAEC".into()),
                post: "AAEC".into(),
                epoch: 3,
                urgency: Some(Urgency::Urgent),
                blobs: vec![BlobId::from_uuid(id(41))],
            }),
        ),
        (
            "CommitRequest",
            json(CommitRequest {
                commit: "AAEC".into(),
                welcome: Some("AAEC".into()),
                epoch: 3,
                added: vec![who],
                removed: Vec::new(),
            }),
        ),
        (
            "Accepted",
            json(Accepted {
                epoch: 4,
                added: vec![who],
                removed: Vec::new(),
                era_key: None,
                problem: Some(error.clone()),
            }),
        ),
        (
            "ChannelMember",
            json(Member {
                user: nurse,
                device: nurse_phone,
                signature_key: "AAEC".into(),
            }),
        ),
        (
            "JoinReport",
            json(Joined {
                joined: vec![channel.clone()],
                problems: vec![WelcomeProblem {
                    group_id: format!("{room}/team"),
                    error: error.clone(),
                }],
            }),
        ),
        ("HistoryPolicy", json(Policy::Full)),
        ("HistoryPolicy", json(Policy::FromNow)),
        ("HistoryPolicy", json(Policy::SameAsUser(nurse))),
        (
            "ReconcilePlan",
            json(plan(Channel::Family, &members, &current, doctor, doctor_phone)),
        ),
        ("OutboxDecision", json(decide(None, None, 1))),
        (
            "OutboxDecision",
            json(decide(Some(400), Some("invalid_input"), 1)),
        ),
        ("WebError", json(&error)),
        ("WebError", json(&field_error)),
        (
            "Validation",
            json(validate_envelope(
                &envelope_json(&PostEnvelope::vitals(vitals(at), "")),
                Some(&serde_json::to_string(&thresholds()).unwrap()),
            )),
        ),
        (
            "Validation",
            json(validate_envelope(&envelope_json(&bad_vitals), None)),
        ),
        (
            "NotebookView",
            json(notebook(&serde_json::to_string(&notebook_posts).unwrap()).unwrap()),
        ),
    ]);
    out.extend(broadcast_samples(at));
    out
}

/// A device of its own for the broadcast samples, with a fixed key.
fn device(n: u128) -> Core {
    let key = DeviceSigningKey::generate(&mut TestRandom::new(0xb0ad_0000 + n as u64));
    Core::new(
        key,
        UserId::from_uuid(id(60 + n)),
        DeviceId::from_uuid(id(70 + n)),
    )
}

/// Broadcasts as the engine makes and judges them: an association's officer device
/// signs its roster (then a second version adding a colleague) and two notices; a
/// nurse's device pins the roster and verifies them, one notice altered on the way.
fn broadcast_samples(at: Timestamp) -> Vec<(&'static str, Value)> {
    let (officer, colleague, mut nurse) = (device(1), device(2), device(3));
    let association = OrganisationId::from_uuid(id(80));
    let v1 = RosterChange {
        organisation: association,
        version: 1,
        previous: None,
        issued_at: at,
        signed_by: officer.officer(),
        officers: vec![officer.officer()],
    };
    let signed_v1 = officer.sign_roster_change(&v1).unwrap();
    let v2 = RosterChange {
        version: 2,
        previous: Some(signed_v1.hash()),
        issued_at: Timestamp(at.millis() + 60_000),
        officers: vec![officer.officer(), colleague.officer()],
        ..v1.clone()
    };
    let signed_v2 = officer.sign_roster_change(&v2).unwrap();
    let mut altered_v2 = signed_v2.clone();
    altered_v2.payload[20] ^= 1;
    let reports = nurse.accept_rosters(&[
        signed_v1.clone(),
        signed_v1.clone(),
        altered_v2,
        signed_v2.clone(),
    ]);

    let emergency = Broadcast {
        id: BroadcastId::from_uuid(id(90)),
        organisation: association,
        signed_by: officer.officer(),
        severity: Severity::Emergency,
        title: "避難指示：○○川 氾濫の恐れ".into(),
        area: "○○市 △△地区".into(),
        body: "△△小学校へ避難してください。".into(),
        issued_at: at,
        expires_at: Timestamp(at.millis() + 3_600_000),
        attachment: Some(AttachmentRef {
            mime: "image/png".into(),
            ..attachment(4)
        }),
        safety_check: true,
        include_families: true,
    };
    let info = Broadcast {
        id: BroadcastId::from_uuid(id(91)),
        signed_by: colleague.officer(),
        severity: Severity::Info,
        title: "△△小学校の避難所を開設しました".into(),
        body: String::new(),
        attachment: None,
        safety_check: false,
        include_families: false,
        ..emergency.clone()
    };
    let signed_emergency = officer.sign_broadcast(&emergency).unwrap();
    let signed_info = colleague.sign_broadcast(&info).unwrap();
    let mut altered = signed_emergency.clone();
    altered.payload[40] ^= 1;
    let views = [
        nurse.verify_broadcast(&signed_emergency, at),
        nurse.verify_broadcast(&signed_info, Timestamp(at.millis() + 3_600_000)),
        nurse.verify_broadcast(&altered, at),
    ];
    let standings: Vec<Standing> = views.iter().map(|view| view.standing).collect();
    assert_eq!(
        standings,
        [Standing::Official, Standing::Expired, Standing::Unverified],
        "the samples show each standing"
    );

    let mut out = vec![
        ("Officer", json(officer.officer())),
        ("Broadcast", json(&emergency)),
        ("Broadcast", json(&info)),
        ("SignedBroadcast", json(&signed_emergency)),
        ("RosterChange", json(&v1)),
        ("RosterChange", json(&v2)),
        ("SignedRosterChange", json(&signed_v1)),
    ];
    out.extend(Severity::ALL.iter().map(|severity| ("Severity", json(severity))));
    out.extend(standings.iter().map(|standing| ("Standing", json(standing))));
    out.extend(views.iter().map(|view| ("BroadcastView", json(view))));
    out.extend(reports.iter().map(|report| ("RosterReport", json(report))));
    out
}

fn id_post(n: u128) -> PostId {
    PostId::from_uuid(id(n))
}

fn member(user: UserId, role: RoomRole, devices: &[DeviceId]) -> RoomMember {
    RoomMember {
        user_id: user,
        display_name: "佐藤".into(),
        role,
        team_access: role != RoomRole::Family,
        family_access: true,
        devices: devices.to_vec(),
        emergency: false,
    }
}
