//! The vital signs for spreadsheets: one row per vitals post (its corrected values),
//! in time order. UTF-8 with a byte-order mark and CRLF line ends, so Excel in Japan
//! opens it as UTF-8; one header row in Japanese and English, each column's unit in
//! its header. Text a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first)
//! is prefixed with `'`.

use kizuna_crypto::content::{Consciousness, Entry, MealIntake, Measurement, Vitals};
use kizuna_crypto::ContentType;

use super::{local_time, role_names, Record};

/// The byte-order mark that tells spreadsheets the file is UTF-8.
const BOM: char = '\u{feff}';

/// The measurement columns: every measurement in the order clients list them (blood
/// pressure is two), except excretion, whose three columns (urine count, stool count,
/// notes) follow them.
fn columns() -> impl Iterator<Item = Measurement> {
    Measurement::ALL
        .iter()
        .copied()
        .filter(|m| *m != Measurement::Excretion)
}

/// The header row's cells.
pub(crate) fn header() -> Vec<String> {
    let mut cells = vec![
        "測定日時 / Measured at".to_owned(),
        "記録者 / Recorded by".to_owned(),
        "役割 / Role".to_owned(),
    ];
    for m in columns() {
        let unit = m.unit();
        cells.push(if unit.is_empty() {
            format!("{} / {}", m.name_ja(), m.name_en())
        } else {
            format!("{} ({unit}) / {} ({unit})", m.name_ja(), m.name_en())
        });
    }
    cells.extend(
        [
            "排尿 (回) / Urine (times)",
            "排便 (回) / Stool (times)",
            "排泄メモ / Excretion notes",
            "備考 / Remarks",
            "本文 / Note",
            "訂正 / Corrected",
            "投稿ID / Post ID",
        ]
        .map(str::to_owned),
    );
    cells
}

/// The CSV text.
pub(super) fn vitals(record: &Record<'_>) -> String {
    let mut out = String::new();
    out.push(BOM);
    push_row(&mut out, &header());
    for (_, entry) in &record.entries {
        if entry.original.envelope.content_type != ContentType::Vitals {
            continue;
        }
        if let Some(vitals) = entry.current.envelope.vitals.as_deref() {
            push_row(&mut out, &row(record, entry, vitals));
        }
    }
    out
}

fn row(record: &Record<'_>, entry: &Entry<'_>, v: &Vitals) -> Vec<String> {
    let author = entry.original.author;
    let role = record
        .member(author)
        .map(|m| {
            let (ja, en) = role_names(m.role);
            format!("{ja} / {en}")
        })
        .unwrap_or_default();
    let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let mut cells = vec![
        local_time(v.measured_at, record.input.utc_offset_minutes),
        text(&record.name(author)),
        role,
    ];
    for m in columns() {
        cells.push(match m {
            Measurement::Temperature => number(v.temperature_c),
            Measurement::Systolic => number(v.blood_pressure.map(|bp| f64::from(bp.systolic_mmhg))),
            Measurement::Diastolic => number(v.blood_pressure.map(|bp| f64::from(bp.diastolic_mmhg))),
            Measurement::Pulse => number(v.pulse_per_min.map(f64::from)),
            Measurement::Spo2 => number(v.spo2_percent.map(f64::from)),
            Measurement::RespiratoryRate => number(v.respiratory_rate_per_min.map(f64::from)),
            Measurement::Weight => number(v.weight_kg),
            Measurement::BloodGlucose => number(v.blood_glucose_mg_dl.map(f64::from)),
            Measurement::MealIntake => number(v.meal_intake.map(|m| f64::from(MealIntake::percent(m)))),
            Measurement::FluidIntake => number(v.fluid_intake_ml.map(f64::from)),
            Measurement::Pain => number(v.pain_0_10.map(f64::from)),
            Measurement::Consciousness => v.consciousness.map(consciousness).unwrap_or_default(),
            Measurement::Excretion => String::new(),
        });
    }
    let excretion = v.excretion.as_ref();
    cells.push(number(excretion.and_then(|e| e.urine_count).map(f64::from)));
    cells.push(number(excretion.and_then(|e| e.stool_count).map(f64::from)));
    cells.push(text(excretion.and_then(|e| e.notes.as_deref()).unwrap_or("")));
    cells.push(text(v.remarks.as_deref().unwrap_or("")));
    cells.push(text(&entry.current.envelope.body));
    cells.push(
        if entry.is_amended() {
            "訂正あり / corrected"
        } else {
            ""
        }
        .to_owned(),
    );
    cells.push(entry.original.post.to_string());
    cells
}

/// The level of consciousness as written in Japanese records: 清明 / alert, or
/// `JCS 10`.
pub(crate) fn consciousness(c: Consciousness) -> String {
    match c {
        Consciousness::Alert => "清明 / alert".to_owned(),
        Consciousness::Jcs(score) => format!("JCS {score}"),
    }
}

/// Free text as a cell: never read as a formula.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn push_row(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}
