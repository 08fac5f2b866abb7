//! The record in Kizuna's own schema (`docs/export-schema.md`): everything the
//! notebook shows, with every version of every corrected post. Attachment keys and
//! blob IDs are left out: the export is plaintext, and photos are files beside it.

use kizuna_crypto::content::{Entry, NotebookPost};
use kizuna_proto::{Channel, UserId};
use serde_json::{json, Value};

use super::{entry_time, media_file, Record, SCHEMA_NAME, SCHEMA_VERSION};
use crate::care::measurement_name;
use crate::codec::hex;

/// The whole record as JSON.
pub(super) fn record(record: &Record<'_>) -> Value {
    let input = record.input;
    let members: Vec<Value> = input
        .members
        .iter()
        .map(|m| json!({ "user_id": m.user_id, "display_name": m.display_name, "role": m.role }))
        .collect();
    let channels: Vec<Value> = input
        .channels
        .iter()
        .map(|c| {
            let reads: Vec<Value> = c
                .reads
                .iter()
                .map(|r| {
                    json!({
                        "user_id": r.user_id,
                        "display_name": record.name(r.user_id),
                        "read_up_to_seq": r.seq,
                        "read_at": r.read_at.map(|t| t.to_rfc3339()),
                    })
                })
                .collect();
            json!({ "channel": c.channel, "posts": c.posts.len(), "reads": reads })
        })
        .collect();
    let entries: Vec<Value> = record
        .entries
        .iter()
        .map(|(channel, entry)| self::entry(record, *channel, entry))
        .collect();
    let not_applied: Vec<Value> = record
        .rejected
        .iter()
        .map(|(channel, post, why)| {
            json!({ "channel": channel, "post_id": post, "reason_en": why.to_string(), "reason_ja": why.ja() })
        })
        .collect();
    json!({
        "format": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "exported_at": input.exported_at.to_rfc3339(),
        "exported_by": input.exported_by,
        "room": { "id": input.room_id, "client_name": input.client_name },
        "range": {
            "from": input.from.map(|t| t.to_rfc3339()),
            "to": input.to.map(|t| t.to_rfc3339()),
        },
        "members": members,
        "channels": channels,
        "entries": entries,
        "not_applied": not_applied,
    })
}

fn person(record: &Record<'_>, user: UserId) -> Value {
    let member = record.member(user);
    json!({
        "user_id": user,
        "display_name": record.name(user),
        "role": member.map(|m| m.role),
    })
}

fn flags(list: &[kizuna_crypto::content::Flag]) -> Vec<Value> {
    list.iter()
        .map(|f| json!({ "measurement": measurement_name(f.measurement), "en": f.en, "ja": f.ja }))
        .collect()
}

fn entry(record: &Record<'_>, channel: Channel, entry: &Entry<'_>) -> Value {
    let alert = entry.alert.as_ref().map(|a| {
        json!({
            "unusual": flags(&a.unusual),
            "out_of_range": flags(&a.out_of_range),
            "shown_as_urgent": a.shown_as_urgent,
        })
    });
    json!({
        "channel": channel,
        "post_id": entry.original.post,
        "kind": entry.original.envelope.content_type.as_str(),
        "time": entry_time(entry).to_rfc3339(),
        "author": person(record, entry.original.author),
        "urgency": entry.effective_urgency(),
        "amended": entry.is_amended(),
        "current": version(entry.current),
        "history": entry.history.iter().map(|p| version(p)).collect::<Vec<_>>(),
        "taken_over": entry.taken_over.map(|(by, at)| json!({ "by": person(record, by), "at": at.to_rfc3339() })),
        "take_overs": entry.take_overs.iter().map(|p| version(p)).collect::<Vec<_>>(),
        "alert": alert,
        "read_by": record.read_by(channel, entry.current.seq),
    })
}

/// One version of a post: what it said, without any key.
fn version(post: &NotebookPost) -> Value {
    let e = &post.envelope;
    let photo = e.photo.as_ref().map(|p| {
        json!({
            "file": media_file(post.post),
            "mime": p.image.mime,
            "size": p.image.size,
            "sha256": hex(&p.image.sha256),
            "width": p.width,
            "height": p.height,
            "body_site": p.body_site,
            "same_wound_as": p.same_wound_as,
        })
    });
    let vitals = e.vitals.as_ref().map(|v| {
        let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.insert("measured_at".into(), json!(v.measured_at.to_rfc3339()));
        }
        value
    });
    json!({
        "post_id": post.post,
        "seq": post.seq,
        "author": post.author,
        "sent_at": post.sent_at.to_rfc3339(),
        "kind": e.content_type.as_str(),
        "body": e.body,
        "urgency": e.urgency,
        "reply_to": e.reply_to,
        "mentions": e.mentions,
        "amendment_of": e.amendment_of,
        "attachments": e.attachments.iter().map(|a| json!({ "mime": a.mime, "size": a.size, "sha256": hex(&a.sha256) })).collect::<Vec<_>>(),
        "vitals": vitals,
        "handover": e.handover.as_deref().map(|h| serde_json::to_value(h).unwrap_or(Value::Null)),
        "taken_over": e.taken_over,
        "photo": photo,
        "thresholds": e.thresholds.as_deref().map(|t| serde_json::to_value(t).unwrap_or(Value::Null)),
        "safety": e.safety.as_deref().map(|s| serde_json::to_value(s).unwrap_or(Value::Null)),
    })
}
