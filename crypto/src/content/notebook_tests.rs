use kizuna_proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use uuid::Uuid;

use super::*;
use crate::content::{BloodPressure, Handover, HandoverTarget, Measurement, Range, Vitals};
use crate::era::EraId;
use crate::post::PostHeader;

const NURSE: u128 = 100;
const HELPER: u128 = 200;
const START: i64 = 1_795_633_800_000;

fn id(n: u128) -> PostId {
    PostId::from_uuid(Uuid::from_u128(n))
}

fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}

/// Post `n` at log position `n`, by `author`, sent `n` minutes after the start.
fn at(n: i64, author: u128, envelope: PostEnvelope) -> NotebookPost {
    NotebookPost {
        seq: n,
        post: id(n as u128),
        author: user(author),
        sent_at: Timestamp(START + n * 60_000),
        envelope,
    }
}

fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

fn vitals(temperature_c: f64) -> PostEnvelope {
    PostEnvelope::vitals(
        Vitals {
            temperature_c: Some(temperature_c),
            ..Vitals::at(Timestamp(START))
        },
        "",
    )
}

fn fever_threshold(max: f64) -> PostEnvelope {
    PostEnvelope::thresholds(
        Thresholds {
            temperature_c: Some(Range::at_most(max)),
            ..Thresholds::default()
        },
        "",
    )
}

fn handover() -> PostEnvelope {
    PostEnvelope::handover(Handover::to(HandoverTarget::NextVisitor).item("軟膏"), "申し送り")
}

fn notebook(posts: Vec<NotebookPost>) -> Notebook {
    let mut notebook = Notebook::new();
    for post in posts {
        assert!(notebook.add(post));
    }
    notebook
}

fn bodies(entry: &Entry<'_>) -> Vec<String> {
    entry.history.iter().map(|p| p.envelope.body.clone()).collect()
}

#[test]
fn entries_follow_the_log_order_not_the_arrival_order() {
    let notebook = notebook(vec![
        at(3, NURSE, note("third")),
        at(1, NURSE, note("first")),
        at(2, HELPER, note("second")),
    ]);
    let shown: Vec<&str> = notebook
        .entries()
        .iter()
        .map(|e| e.current.envelope.body.as_str())
        .collect();
    assert_eq!(shown, ["first", "second", "third"]);
    assert_eq!(notebook.len(), 3);
}

#[test]
fn a_redelivered_post_is_ignored() {
    let mut notebook = notebook(vec![at(1, NURSE, note("once"))]);
    assert!(!notebook.add(at(1, NURSE, note("once"))));
    let mut same_id_elsewhere = at(2, NURSE, note("once"));
    same_id_elsewhere.post = id(1);
    assert!(!notebook.add(same_id_elsewhere));
    assert_eq!(notebook.entries().len(), 1);
}

#[test]
fn the_author_amends_and_the_original_stays_in_the_history() {
    let notebook = notebook(vec![
        at(1, NURSE, note("体温 37.2")),
        at(2, HELPER, note("unrelated")),
        at(3, NURSE, note("体温 36.2（訂正）").amending(id(1))),
    ]);
    let entries = notebook.entries();
    assert_eq!(entries.len(), 2, "the amendment is not an entry of its own");
    let amended = &entries[0];
    assert_eq!(amended.current.post, id(3));
    assert_eq!(amended.original.post, id(1));
    assert_eq!(bodies(amended), ["体温 37.2", "体温 36.2（訂正）"]);
    assert!(amended.is_amended() && !entries[1].is_amended());
    assert!(notebook.rejected().is_empty());
    assert_eq!(notebook.entry(id(3)).map(|e| e.original.post), Some(id(1)));
}

#[test]
fn an_amendment_by_someone_else_is_rejected_and_not_applied() {
    let notebook = notebook(vec![
        at(1, NURSE, note("original")),
        at(2, HELPER, note("forged correction").amending(id(1))),
    ]);
    let entries = notebook.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].current.post, id(1));
    assert_eq!(bodies(&entries[0]), ["original"]);
    assert_eq!(notebook.rejected(), [(id(2), Rejection::NotAuthor)]);
    assert!(!Rejection::NotAuthor.ja().is_empty());
}

#[test]
fn an_amendment_must_keep_the_content_type() {
    let notebook = notebook(vec![
        at(1, NURSE, vitals(37.0)),
        at(2, NURSE, note("no vitals after all").amending(id(1))),
    ]);
    assert_eq!(
        notebook.rejected(),
        [(
            id(2),
            Rejection::ContentTypeChanged {
                original: ContentType::Vitals,
                amendment: ContentType::Note,
            }
        )]
    );
    assert_eq!(notebook.entries()[0].current.post, id(1));
}

#[test]
fn an_amendment_of_an_amendment_chains_to_the_original() {
    let notebook = notebook(vec![
        at(1, NURSE, note("v1")),
        at(2, NURSE, note("v2").amending(id(1))),
        at(3, NURSE, note("v3").amending(id(2))),
        at(4, HELPER, note("not yours").amending(id(3))),
    ]);
    let entries = notebook.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(bodies(&entries[0]), ["v1", "v2", "v3"]);
    assert_eq!(entries[0].current.post, id(3));
    assert_eq!(notebook.rejected(), [(id(4), Rejection::NotAuthor)]);
}

#[test]
fn an_amendment_of_a_rejected_amendment_is_rejected() {
    let notebook = notebook(vec![
        at(1, NURSE, note("v1")),
        at(2, HELPER, note("forged").amending(id(1))),
        at(3, HELPER, note("forged again").amending(id(2))),
    ]);
    assert_eq!(
        notebook.rejected(),
        [
            (id(2), Rejection::NotAuthor),
            (id(3), Rejection::AmendsRejectedPost)
        ]
    );
}

#[test]
fn an_amendment_arriving_first_waits_for_its_original() {
    let mut notebook = notebook(vec![
        at(5, NURSE, note("v2").amending(id(4))),
        at(6, NURSE, note("v3").amending(id(5))),
    ]);
    assert!(notebook.entries().is_empty());
    assert_eq!(notebook.pending(), [id(5), id(6)]);

    assert!(notebook.add(at(4, NURSE, note("v1"))));
    assert!(notebook.pending().is_empty());
    let entries = notebook.entries();
    assert_eq!(bodies(&entries[0]), ["v1", "v2", "v3"]);
}

#[test]
fn a_reference_to_a_later_post_is_rejected() {
    // The "original" sits after its amendment in the log: the amendment cannot
    // have been written against it.
    let notebook = notebook(vec![
        at(1, NURSE, note("amends the future").amending(id(2))),
        at(2, NURSE, note("original")),
        at(3, NURSE, PostEnvelope::taken_over(id(4), "")),
        at(4, HELPER, handover()),
    ]);
    assert_eq!(
        notebook.rejected(),
        [
            (id(1), Rejection::RefersToLaterPost),
            (id(3), Rejection::RefersToLaterPost)
        ]
    );
    assert_eq!(notebook.entries().len(), 2);
}

#[test]
fn the_first_take_over_wins_and_later_ones_are_kept() {
    let notebook = notebook(vec![
        at(1, NURSE, handover()),
        at(2, HELPER, PostEnvelope::taken_over(id(1), "引き継ぎました")),
        at(3, NURSE, PostEnvelope::taken_over(id(1), "")),
        at(4, NURSE, note("a note")),
        at(5, HELPER, PostEnvelope::taken_over(id(4), "")),
    ]);
    let entries = notebook.entries();
    assert_eq!(entries.len(), 2, "take-overs are not entries");
    let taken = &entries[0];
    assert_eq!(
        taken.taken_over,
        Some((user(HELPER), Timestamp(START + 2 * 60_000)))
    );
    let takers: Vec<PostId> = taken.take_overs.iter().map(|p| p.post).collect();
    assert_eq!(takers, [id(2), id(3)]);
    assert_eq!(notebook.rejected(), [(id(5), Rejection::NotAHandover)]);
    assert!(notebook.open_handovers().is_empty());
}

#[test]
fn a_take_over_arriving_first_waits_and_counts_for_an_amended_handover() {
    let mut notebook = notebook(vec![
        at(3, HELPER, PostEnvelope::taken_over(id(2), "")),
        at(4, HELPER, PostEnvelope::taken_over(id(2), "").amending(id(3))),
    ]);
    assert_eq!(notebook.pending(), [id(3), id(4)]);
    assert!(notebook.rejected().is_empty(), "not known yet what post 4 amends");

    notebook.add(at(1, NURSE, handover()));
    assert_eq!(notebook.open_handovers().len(), 1, "still waiting for post 2");
    notebook.add(at(2, NURSE, handover().amending(id(1))));
    assert!(notebook.pending().is_empty());
    assert!(notebook.open_handovers().is_empty());
    assert_eq!(notebook.rejected(), [(id(4), Rejection::AmendsTakeOver)]);
    assert_eq!(
        notebook.entries()[0].taken_over.map(|(who, _)| who),
        Some(user(HELPER))
    );
}

#[test]
fn vitals_are_checked_against_the_thresholds_in_force_where_they_sit() {
    let notebook = notebook(vec![
        at(1, NURSE, vitals(37.8)),
        at(2, NURSE, fever_threshold(37.5)),
        at(3, NURSE, vitals(37.8)),
        at(4, HELPER, fever_threshold(38.0)),
        at(5, NURSE, vitals(37.8)),
        at(6, NURSE, vitals(36.5)),
    ]);
    let entries = notebook.entries();
    let urgent: Vec<(PostId, Urgency)> = entries
        .iter()
        .filter(|e| e.alert.is_some())
        .map(|e| (e.original.post, e.effective_urgency()))
        .collect();
    assert_eq!(
        urgent,
        [
            (id(1), Urgency::Normal),
            (id(3), Urgency::Urgent),
            (id(5), Urgency::Normal),
            (id(6), Urgency::Normal),
        ]
    );
    let flagged = entries[2].alert.as_ref().unwrap();
    assert_eq!(flagged.out_of_range[0].measurement, Measurement::Temperature);
    assert!(flagged.unusual.is_empty(), "37.8 is not unusual for anyone");
    assert_eq!(
        notebook
            .thresholds()
            .and_then(|t| t.temperature_c)
            .and_then(|r| r.max),
        Some(38.0)
    );
    assert_eq!(notebook.unread_urgent(0).len(), 1);
    assert!(notebook.unread_urgent(3).is_empty());
}

#[test]
fn amended_thresholds_and_amended_vitals_are_what_count() {
    let notebook = notebook(vec![
        at(1, NURSE, fever_threshold(39.0)),
        at(2, NURSE, fever_threshold(37.5).amending(id(1))),
        at(3, HELPER, fever_threshold(36.0).amending(id(1))),
        at(4, NURSE, vitals(37.0)),
        at(5, NURSE, vitals(38.2).amending(id(4))),
    ]);
    assert_eq!(notebook.rejected(), [(id(3), Rejection::NotAuthor)]);
    let entries = notebook.entries();
    let reading = &entries[1];
    assert_eq!(reading.current.post, id(5));
    let alert = reading.alert.as_ref().unwrap();
    assert!(alert.shown_as_urgent, "38.2 against the amended 37.5");
    assert_eq!(alert.unusual.len(), 1, "38.2 is also unusual for anyone");
    assert_eq!(notebook.unread_urgent(4).len(), 1, "the amendment is unread");
}

#[test]
fn the_author_can_mark_any_post_urgent() {
    let notebook = notebook(vec![
        at(
            1,
            NURSE,
            note("転倒しました / fell").with_urgency(Urgency::Urgent),
        ),
        at(2, NURSE, note("soon").with_urgency(Urgency::Soon)),
        at(3, NURSE, note("normal")),
    ]);
    let urgency: Vec<Urgency> = notebook.entries().iter().map(Entry::effective_urgency).collect();
    assert_eq!(urgency, [Urgency::Urgent, Urgency::Soon, Urgency::Normal]);
    let unread: Vec<PostId> = notebook
        .unread_urgent(0)
        .iter()
        .map(|e| e.original.post)
        .collect();
    assert_eq!(unread, [id(1)]);
}

#[test]
fn opened_posts_keep_their_authenticated_author_and_time() {
    let header = PostHeader {
        room: RoomId::from_uuid(Uuid::from_u128(1)),
        channel: Channel::Team,
        era: EraId(Uuid::from_u128(3)),
        post: id(9),
        author_user: user(NURSE),
        author_device: DeviceId::from_uuid(Uuid::from_u128(2)),
        sent_at: Timestamp(START),
    };
    let envelope = PostEnvelope::vitals(
        Vitals {
            blood_pressure: Some(BloodPressure {
                systolic_mmhg: 120,
                diastolic_mmhg: 80,
            }),
            ..Vitals::at(Timestamp(START))
        },
        "",
    );
    let post = NotebookPost::opened(
        42,
        OpenedPost {
            header,
            envelope: envelope.clone(),
        },
    );
    assert_eq!(
        (post.seq, post.post, post.author, post.sent_at),
        (42, id(9), user(NURSE), Timestamp(START))
    );
    assert_eq!(post.envelope, envelope);
}
