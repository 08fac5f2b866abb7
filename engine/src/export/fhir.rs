//! The record as a FHIR R4 `Bundle` of type `collection`.
//!
//! * `Patient`: the client (name only). `CareTeam`: the members with their roles,
//!   each a `Practitioner` (family: a `RelatedPerson`).
//! * One resource per *version* of a post, with the version's post ID as its
//!   `urn:uuid`: notes, handovers, take-overs and safety answers are
//!   `Communication`s; photos are `Media` (the image is the exported file
//!   `media/<post>.jpg`); vital signs are `Observation`s (category `vital-signs`,
//!   LOINC and UCUM; blood pressure is the panel 85354-9 with components 8480-6 and
//!   8462-4), whose IDs are derived from the post ID per measurement. Readings with no
//!   certain LOINC code (meal and fluid intake, excretion, consciousness) have a
//!   text-only code and no vital-signs category.
//! * A corrected post: the latest version is `corrected` (Observation) or
//!   `completed`; earlier versions are `entered-in-error`; each correction has a
//!   `Provenance` whose target is the new version's resources and whose entities
//!   (role `revision`) are the previous version's.
//! * Thresholds posts are settings, not care: they are in the JSON record only.

use kizuna_crypto::content::{Entry, Measurement, NotebookPost, Reading, Vitals, BP_PANEL};
use kizuna_crypto::ContentType;
use kizuna_proto::{RoomRole, Timestamp, Urgency, UserId};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{derived_uuid, media_file, role_names, Record};

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const MEDIA_TYPE: &str = "http://terminology.hl7.org/CodeSystem/media-type";
const DATA_OPERATION: &str = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
/// The identifier system of Kizuna user IDs.
const USER_SYSTEM: &str = "urn:kizuna:user";

fn urn(id: &Uuid) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: &Uuid) -> Value {
    json!({ "reference": urn(id) })
}

fn entry_of(id: &Uuid, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

/// Sets `key` only when `value` is not blank (FHIR strings may not be empty).
fn put_text(resource: &mut Value, key: &str, value: &str) {
    if !value.trim().is_empty() {
        resource[key] = json!(value);
    }
}

fn patient_id(record: &Record<'_>) -> Uuid {
    derived_uuid(record.input.room_id.as_uuid(), "patient")
}

fn member_id(user: UserId) -> Uuid {
    derived_uuid(user.as_uuid(), "member")
}

/// A reference to a person: their resource if they are a member, else their
/// Kizuna user ID (a former member).
fn person(record: &Record<'_>, user: UserId) -> Value {
    let name = record.name(user);
    if record.member(user).is_some() {
        json!({ "reference": urn(&member_id(user)), "display": name })
    } else {
        json!({ "identifier": { "system": USER_SYSTEM, "value": user.to_string() }, "display": name })
    }
}

/// The bundle.
pub(super) fn bundle(record: &Record<'_>) -> Value {
    let input = record.input;
    let patient = patient_id(record);
    let mut entries = Vec::new();
    let mut resource = json!({ "resourceType": "Patient", "id": patient.to_string() });
    if !input.client_name.trim().is_empty() {
        resource["name"] = json!([{ "text": input.client_name }]);
    }
    entries.push(entry_of(&patient, resource));
    let mut participants = Vec::new();
    for m in &input.members {
        let id = member_id(m.user_id);
        let (ja, en) = role_names(m.role);
        let mut resource = if m.role == RoomRole::Family {
            json!({
                "resourceType": "RelatedPerson",
                "id": id.to_string(),
                "patient": reference(&patient),
                "relationship": [{ "text": format!("{ja} / {en}") }],
            })
        } else {
            json!({ "resourceType": "Practitioner", "id": id.to_string() })
        };
        resource["identifier"] = json!([{ "system": USER_SYSTEM, "value": m.user_id.to_string() }]);
        if !m.display_name.trim().is_empty() {
            resource["name"] = json!([{ "text": m.display_name }]);
        }
        entries.push(entry_of(&id, resource));
        participants.push(json!({
            "role": [{ "text": format!("{ja} / {en}") }],
            "member": person(record, m.user_id),
        }));
    }
    let team = derived_uuid(input.room_id.as_uuid(), "care-team");
    let mut care_team = json!({
        "resourceType": "CareTeam",
        "id": team.to_string(),
        "status": "active",
        "subject": reference(&patient),
        "participant": participants,
    });
    if participants_empty(&care_team) {
        if let Some(o) = care_team.as_object_mut() {
            o.remove("participant");
        }
    }
    put_text(
        &mut care_team,
        "name",
        &format!("{} ケアチーム / care team", input.client_name),
    );
    entries.push(entry_of(&team, care_team));

    for (_, entry) in &record.entries {
        entries.extend(self::entry(record, &patient, entry));
    }
    json!({
        "resourceType": "Bundle",
        "id": derived_uuid(input.room_id.as_uuid(), "bundle").to_string(),
        "type": "collection",
        "timestamp": input.exported_at.to_rfc3339(),
        "entry": entries,
    })
}

fn participants_empty(care_team: &Value) -> bool {
    care_team["participant"].as_array().is_some_and(Vec::is_empty)
}

/// Every resource of one entry: each version, its take-overs, its corrections.
fn entry(record: &Record<'_>, patient: &Uuid, entry: &Entry<'_>) -> Vec<Value> {
    let kind = entry.original.envelope.content_type;
    if kind == ContentType::Thresholds {
        return Vec::new();
    }
    let last = entry.history.len().saturating_sub(1);
    let mut out = Vec::new();
    let mut previous: Vec<Uuid> = Vec::new();
    for (i, post) in entry.history.iter().enumerate() {
        let status = Status {
            superseded: i < last,
            corrected: i > 0,
        };
        let resources = version(record, patient, post, status);
        let ids: Vec<Uuid> = resources.iter().map(|(id, _)| *id).collect();
        out.extend(resources.into_iter().map(|(id, r)| entry_of(&id, r)));
        if i > 0 && !ids.is_empty() {
            out.push(provenance(record, post, &ids, &previous));
        }
        previous = ids;
    }
    let handover = *entry.current.post.as_uuid();
    for take_over in &entry.take_overs {
        let id = *take_over.post.as_uuid();
        let mut resource = communication(
            record,
            patient,
            take_over,
            "申し送りの引き継ぎ / handover taken over",
            "completed",
        );
        resource["inResponseTo"] = json!([reference(&handover)]);
        out.push(entry_of(&id, resource));
    }
    out
}

#[derive(Clone, Copy)]
struct Status {
    /// A later version replaced this one.
    superseded: bool,
    /// This version corrects an earlier one.
    corrected: bool,
}

/// The resources of one version of a post, with their IDs.
fn version(record: &Record<'_>, patient: &Uuid, post: &NotebookPost, status: Status) -> Vec<(Uuid, Value)> {
    let id = *post.post.as_uuid();
    let done = if status.superseded {
        "entered-in-error"
    } else {
        "completed"
    };
    let e = &post.envelope;
    match e.content_type {
        ContentType::Vitals => match e.vitals.as_deref() {
            Some(vitals) => observations(record, patient, post, vitals, status),
            None => Vec::new(),
        },
        ContentType::Photo => match e.photo.as_deref() {
            Some(photo) => {
                let mut content = json!({
                    "contentType": photo.image.mime,
                    "url": media_file(post.post),
                    "size": photo.image.size,
                    "creation": post.sent_at.to_rfc3339(),
                });
                put_text(&mut content, "title", &e.body);
                let mut media = json!({
                    "resourceType": "Media",
                    "id": id.to_string(),
                    "status": done,
                    "type": { "coding": [{ "system": MEDIA_TYPE, "code": "image", "display": "Image" }] },
                    "subject": reference(patient),
                    "createdDateTime": post.sent_at.to_rfc3339(),
                    "operator": person(record, post.author),
                    "width": photo.width,
                    "height": photo.height,
                    "content": content,
                });
                if let Some(site) = photo.body_site.as_deref() {
                    media["bodySite"] = json!({ "text": site });
                }
                if !e.body.trim().is_empty() {
                    media["note"] = json!([{ "text": e.body }]);
                }
                vec![(id, media)]
            }
            None => Vec::new(),
        },
        ContentType::Handover => {
            let mut resource = communication(record, patient, post, "申し送り / handover", done);
            if let Some(handover) = e.handover.as_deref() {
                let payload = resource["payload"].as_array_mut();
                if let Some(payload) = payload {
                    for item in &handover.items {
                        let mark = if item.done { "☑" } else { "☐" };
                        payload.push(json!({ "contentString": format!("{mark} {}", item.text) }));
                    }
                }
                if let kizuna_crypto::content::HandoverTarget::Person { user } = handover.to {
                    resource["recipient"] = json!([person(record, user)]);
                }
            }
            drop_empty_payload(&mut resource);
            vec![(id, resource)]
        }
        ContentType::SafetyAnswer => {
            let mut r = communication(
                record,
                patient,
                post,
                "安否確認の回答 / safety check answer",
                done,
            );
            drop_empty_payload(&mut r);
            vec![(id, r)]
        }
        ContentType::Note | ContentType::HandoverTaken => {
            let mut r = communication(record, patient, post, "連絡 / note", done);
            drop_empty_payload(&mut r);
            vec![(id, r)]
        }
        ContentType::Thresholds => Vec::new(),
    }
}

fn drop_empty_payload(resource: &mut Value) {
    if resource["payload"].as_array().is_some_and(Vec::is_empty) {
        if let Some(o) = resource.as_object_mut() {
            o.remove("payload");
        }
    }
}

fn communication(
    record: &Record<'_>,
    patient: &Uuid,
    post: &NotebookPost,
    category: &str,
    status: &str,
) -> Value {
    let e = &post.envelope;
    let priority = match e.urgency {
        Urgency::Normal => "routine",
        Urgency::Soon => "urgent",
        Urgency::Urgent => "asap",
    };
    let payload: Vec<Value> = if e.body.trim().is_empty() {
        Vec::new()
    } else {
        vec![json!({ "contentString": e.body })]
    };
    json!({
        "resourceType": "Communication",
        "id": post.post.to_string(),
        "status": status,
        "category": [{ "text": category }],
        "priority": priority,
        "subject": reference(patient),
        "sent": post.sent_at.to_rfc3339(),
        "sender": person(record, post.author),
        "payload": payload,
    })
}

fn quantity(value: f64, unit: &str, code: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": code })
}

fn loinc_code(m: Measurement) -> Value {
    match m.loinc() {
        Some(l) => json!({
            "coding": [{ "system": LOINC, "code": l.code, "display": l.display }],
            "text": format!("{} / {}", m.name_ja(), m.name_en()),
        }),
        None => json!({ "text": format!("{} / {}", m.name_ja(), m.name_en()) }),
    }
}

/// The vital-signs observations of one vitals post.
fn observations(
    record: &Record<'_>,
    patient: &Uuid,
    post: &NotebookPost,
    vitals: &Vitals,
    status: Status,
) -> Vec<(Uuid, Value)> {
    let status = match (status.superseded, status.corrected) {
        (true, _) => "entered-in-error",
        (false, true) => "corrected",
        (false, false) => "final",
    };
    let base = post.post.as_uuid();
    let mut notes = Vec::new();
    for text in [vitals.remarks.as_deref(), Some(post.envelope.body.as_str())]
        .into_iter()
        .flatten()
    {
        if !text.trim().is_empty() {
            notes.push(json!({ "text": text }));
        }
    }
    let observation = |name: &str, m: Measurement| {
        let id = derived_uuid(base, &format!("observation:{name}"));
        let mut r = json!({
            "resourceType": "Observation",
            "id": id.to_string(),
            "status": status,
            "code": loinc_code(m),
            "subject": reference(patient),
            "effectiveDateTime": vitals.measured_at.to_rfc3339(),
            "issued": instant(post.sent_at),
            "performer": [person(record, post.author)],
        });
        if m.loinc().is_some() {
            r["category"] = json!([{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs" }] }]);
        }
        if !notes.is_empty() {
            r["note"] = json!(notes);
        }
        (id, r)
    };
    let mut out = Vec::new();
    if let Some(bp) = vitals.blood_pressure {
        let (id, mut r) = observation("blood_pressure", Measurement::Systolic);
        r["code"] = json!({
            "coding": [{ "system": LOINC, "code": BP_PANEL.code, "display": BP_PANEL.display }],
            "text": "血圧 / Blood pressure",
        });
        r["component"] = json!([
            { "code": loinc_code(Measurement::Systolic), "valueQuantity": quantity(f64::from(bp.systolic_mmhg), "mmHg", "mm[Hg]") },
            { "code": loinc_code(Measurement::Diastolic), "valueQuantity": quantity(f64::from(bp.diastolic_mmhg), "mmHg", "mm[Hg]") },
        ]);
        out.push((id, r));
    }
    for (m, reading) in vitals.measurements() {
        let name = crate::care::measurement_name(m);
        match (m, reading) {
            (Measurement::Systolic | Measurement::Diastolic, _) => {}
            (_, Reading::Quantity(value)) => {
                let (unit, code) = match m.loinc() {
                    Some(l) => (m.unit(), l.ucum_unit),
                    None if m == Measurement::FluidIntake => ("mL", "mL"),
                    None => (m.unit(), m.unit()),
                };
                let (id, mut r) = observation(name, m);
                r["valueQuantity"] = quantity(value, unit, code);
                out.push((id, r));
            }
            (_, Reading::Consciousness(c)) => {
                let (id, mut r) = observation(name, m);
                r["valueString"] = json!(super::csv::consciousness(c));
                out.push((id, r));
            }
            (_, Reading::Excretion(excretion)) => {
                let (id, mut r) = observation(name, m);
                let mut components = Vec::new();
                for (label, count) in [
                    ("排尿回数 / Urine count", excretion.urine_count),
                    ("排便回数 / Stool count", excretion.stool_count),
                ] {
                    if let Some(count) = count {
                        components.push(json!({ "code": { "text": label }, "valueInteger": count }));
                    }
                }
                if !components.is_empty() {
                    r["component"] = json!(components);
                }
                if let Some(text) = excretion.notes.as_deref().filter(|t| !t.trim().is_empty()) {
                    r["valueString"] = json!(text);
                }
                out.push((id, r));
            }
        }
    }
    out
}

/// An `instant`: RFC 3339 with seconds and zone (as `to_rfc3339`).
fn instant(at: Timestamp) -> String {
    at.to_rfc3339()
}

/// The provenance of a correction: `post` replaced the `previous` version's
/// resources with `targets`.
fn provenance(record: &Record<'_>, post: &NotebookPost, targets: &[Uuid], previous: &[Uuid]) -> Value {
    let id = derived_uuid(post.post.as_uuid(), "provenance");
    let mut resource = json!({
        "resourceType": "Provenance",
        "id": id.to_string(),
        "target": targets.iter().map(reference).collect::<Vec<_>>(),
        "recorded": instant(post.sent_at),
        "activity": { "coding": [{ "system": DATA_OPERATION, "code": "UPDATE", "display": "revise" }] },
        "agent": [{ "who": person(record, post.author) }],
        "reason": [{ "text": "訂正 / correction" }],
    });
    if !previous.is_empty() {
        resource["entity"] = previous
            .iter()
            .map(|id| json!({ "role": "revision", "what": reference(id) }))
            .collect();
    }
    entry_of(&id, resource)
}
