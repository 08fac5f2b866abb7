//! Vital signs and daily observations, as a vitals post carries them.
//!
//! A [`Vitals`] holds any subset of the readings a visit produces, each in one fixed
//! unit named in its field (`temperature_c`, `weight_kg`, …). Unknown fields are
//! refused, so a reading sent under the wrong unit (`temperature_f`) or as text where
//! a number belongs is an error, never silently dropped or misread.
//!
//! [`Vitals::validate`] sorts values three ways:
//!
//! * **impossible** (a typing or unit mistake, or a broken device): refused with a
//!   [`VitalsError`] that names the field, the value, the allowed range and a hint,
//!   in English and Japanese, so the author can correct it before posting;
//! * **unusual** (possible, but worth a second look): accepted, and returned as
//!   [`Flag`]s for the client to highlight;
//! * everything else: accepted silently.
//!
//! Per-client thresholds set by the team ([`Thresholds`]) are a separate, stricter
//! layer: see [`Vitals::alert`].
//!
//! The bounds are deliberately wide on the "impossible" side: refusing a real
//! (if alarming) reading would be worse than accepting a mistyped one.
//!
//! | field | impossible | unusual (flagged) | hint when impossible |
//! | --- | --- | --- | --- |
//! | `temperature_c` | < 25 or > 45 °C, not a number | < 35.0 or ≥ 38.0 | 77–113: entered °F? 250–450: missing decimal point? |
//! | `blood_pressure.systolic_mmhg` | < 40 or > 300 | < 90 or > 180 | |
//! | `blood_pressure.diastolic_mmhg` | < 20 or > 200, or ≥ systolic | < 40 or > 110 | values swapped? |
//! | `pulse_per_min` | < 20 or > 300 | < 50 or > 120 | |
//! | `spo2_percent` | < 50 or > 100 | < 90 | > 100: a percentage; < 50: check the probe |
//! | `respiratory_rate_per_min` | < 3 or > 80 | < 10 or > 30 | |
//! | `weight_kg` | < 1 or > 400, not a number | — | > 1000: entered grams? |
//! | `blood_glucose_mg_dl` | < 10 or > 2000 | < 70 or > 300 | < 10: entered mmol/L? |
//! | `meal_intake` | tenths > 10, percent > 100 | — | |
//! | `fluid_intake_ml` | > 20,000 | — | |
//! | `excretion` counts | > 50 | — | |
//! | `pain_0_10` | > 10 | ≥ 7 (severe) | |
//! | `consciousness` | JCS not in {1, 2, 3, 10, 20, 30, 100, 200, 300} | JCS ≥ 10 | alert is `"alert"`, not JCS 0 |
//! | `measured_at` | before 2000 or from 2200 on | — | seconds instead of milliseconds? |
//!
//! Free text (`remarks` up to 2,000 bytes, `excretion.notes` up to 500) must not be
//! blank and may hold line breaks but no other control characters.

use std::fmt;

use kizuna_proto::Timestamp;
use serde::{Deserialize, Serialize};

use super::bounds::{
    Limits, BLOOD_GLUCOSE, DIASTOLIC, FLUID_INTAKE, MEAL_PERCENT, MEAL_TENTHS, PAIN, PULSE, RESPIRATORY_RATE,
    SPO2, STOOL_COUNT, SYSTOLIC, TEMPERATURE, URINE_COUNT, WEIGHT,
};
use super::loinc::Measurement;
use super::thresholds::Thresholds;
use super::{check_text, TextProblem};

/// Longest `remarks`, in UTF-8 bytes.
pub const MAX_REMARKS_BYTES: usize = 2000;
/// Longest `excretion.notes`, in UTF-8 bytes.
pub const MAX_EXCRETION_NOTES_BYTES: usize = 500;
/// The Japan Coma Scale scores (0, fully alert, is [`Consciousness::Alert`]).
pub const JCS_SCORES: [u16; 9] = [1, 2, 3, 10, 20, 30, 100, 200, 300];

/// 2000-01-01T00:00:00Z: no reading posted to Kizuna was taken earlier.
const EARLIEST_MEASUREMENT: Timestamp = Timestamp(946_684_800_000);
/// 2200-01-01T00:00:00Z: a generous end of the world for a typo check.
const LATEST_MEASUREMENT: Timestamp = Timestamp(7_258_118_400_000);

/// The readings of one visit or one moment. Every reading is optional, but at least
/// one must be present. `Debug` shows which readings are present, never their values.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(deny_unknown_fields)]
pub struct Vitals {
    /// When the readings were taken (may be well before the post was sent, e.g. a
    /// post written after the visit).
    pub measured_at: Timestamp,
    /// Body temperature, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_c: Option<f64>,
    /// Blood pressure, both values together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_pressure: Option<BloodPressure>,
    /// Pulse, beats per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_per_min: Option<u16>,
    /// Oxygen saturation by pulse oximeter, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2_percent: Option<u8>,
    /// Breaths per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiratory_rate_per_min: Option<u16>,
    /// Body weight, kg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<f64>,
    /// Blood glucose, mg/dL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_glucose_mg_dl: Option<u16>,
    /// How much of the meal was eaten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meal_intake: Option<MealIntake>,
    /// Fluid drunk since the last record, mL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fluid_intake_ml: Option<u32>,
    /// Urine and stool since the last record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excretion: Option<Excretion>,
    /// Pain on the 0 (none) to 10 (worst imaginable) numeric rating scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pain_0_10: Option<u8>,
    /// Level of consciousness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consciousness: Option<Consciousness>,
    /// How the readings were taken ("after bathing", "left arm"); exported with them
    /// (FHIR `Observation.note`). The post's body is for everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// Blood pressure, mmHg.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct BloodPressure {
    /// Systolic (upper) pressure, mmHg.
    pub systolic_mmhg: u16,
    /// Diastolic (lower) pressure, mmHg.
    pub diastolic_mmhg: u16,
}

/// How much of a meal was eaten, as care staff record it: in tenths (割, the
/// Japanese habit: `{"tenths": 7}` is 7割) or in percent (`{"percent": 70}`).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MealIntake {
    /// Tenths eaten, 0 to 10.
    Tenths(u8),
    /// Percent eaten, 0 to 100.
    Percent(u8),
}

impl MealIntake {
    /// The intake in percent, whichever way it was recorded.
    pub fn percent(self) -> u16 {
        match self {
            MealIntake::Tenths(tenths) => u16::from(tenths) * 10,
            MealIntake::Percent(percent) => u16::from(percent),
        }
    }
}

/// Urine and stool since the last record. At least one part must be present.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(deny_unknown_fields)]
pub struct Excretion {
    /// Times urine was passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urine_count: Option<u8>,
    /// Times stool was passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stool_count: Option<u8>,
    /// Colour, consistency, incontinence and the like.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Level of consciousness: fully alert, or a Japan Coma Scale score. JSON: `"alert"`
/// or `{"jcs": 10}`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Consciousness {
    /// Fully alert (JCS 0, 意識清明).
    Alert,
    /// A JCS score, one of [`JCS_SCORES`].
    Jcs(u16),
}

/// A reading as an exporter iterates it ([`Vitals::measurements`]).
#[derive(Clone, Copy, PartialEq)]
pub enum Reading<'a> {
    /// A number in the measurement's unit ([`Measurement::unit`]); meal intake is
    /// given in percent whichever way it was recorded.
    Quantity(f64),
    /// The level of consciousness.
    Consciousness(Consciousness),
    /// Excretion counts and notes.
    Excretion(&'a Excretion),
}

/// A value that is not physically possible, so the post is refused. The messages
/// name the field, the value, the allowed range and a likely cause, ready to show.
/// `Display` gives the English message; `Debug` hides the messages (they quote
/// patient values).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct VitalsError {
    /// The JSON path of the offending field, e.g. `temperature_c` or
    /// `blood_pressure.diastolic_mmhg`.
    pub field: &'static str,
    /// What is wrong and how to fix it, in English.
    pub en: String,
    /// The same, in Japanese.
    pub ja: String,
}

/// A reading worth a second look: unusual for anyone ([`Vitals::validate`]), or
/// outside the thresholds the team set for this client ([`Thresholds::check`]).
/// `Debug` hides the messages (they quote patient values).
#[derive(Clone, PartialEq, Eq)]
pub struct Flag {
    /// Which reading.
    pub measurement: Measurement,
    /// Why it is flagged, in English.
    pub en: String,
    /// The same, in Japanese.
    pub ja: String,
}

/// What [`Vitals::validate`] found in valid vitals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// Possible but unusual readings, in [`Measurement::ALL`] order.
    pub unusual: Vec<Flag>,
}

/// How a vitals post should be shown ([`Vitals::alert`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VitalsAlert {
    /// Readings unusual for anyone.
    pub unusual: Vec<Flag>,
    /// Readings outside this client's thresholds.
    pub out_of_range: Vec<Flag>,
    /// True when any reading is outside this client's thresholds: the post is then
    /// shown (and counted) as urgent whatever urgency its author chose.
    pub shown_as_urgent: bool,
}

impl Vitals {
    /// Vitals taken at `measured_at`, with no readings yet: set the fields you have,
    /// e.g. `Vitals { temperature_c: Some(36.8), ..Vitals::at(now) }`.
    pub fn at(measured_at: Timestamp) -> Self {
        Self {
            measured_at,
            temperature_c: None,
            blood_pressure: None,
            pulse_per_min: None,
            spo2_percent: None,
            respiratory_rate_per_min: None,
            weight_kg: None,
            blood_glucose_mg_dl: None,
            meal_intake: None,
            fluid_intake_ml: None,
            excretion: None,
            pain_0_10: None,
            consciousness: None,
            remarks: None,
        }
    }

    /// Refuses impossible values (see the table in the module documentation) and
    /// returns the unusual ones as flags.
    pub fn validate(&self) -> Result<Assessment, VitalsError> {
        check_measured_at(self.measured_at)?;
        if self.measurements().is_empty() {
            return Err(VitalsError {
                field: "vitals",
                en: "Enter at least one measurement.".into(),
                ja: "測定値を1つ以上入力してください。".into(),
            });
        }
        for (limits, value) in self.numeric() {
            limits.check_possible(value)?;
        }
        if let Some(BloodPressure {
            systolic_mmhg,
            diastolic_mmhg,
        }) = self.blood_pressure
        {
            if diastolic_mmhg >= systolic_mmhg {
                return Err(VitalsError {
                    field: "blood_pressure.diastolic_mmhg",
                    en: format!(
                        "Diastolic blood pressure {diastolic_mmhg} mmHg must be lower than systolic \
                         {systolic_mmhg} mmHg. Were the two values swapped?"
                    ),
                    ja: format!(
                        "血圧（下）{diastolic_mmhg} mmHg は血圧（上）{systolic_mmhg} mmHg より低いはずです。\
                         上下が逆になっていませんか？"
                    ),
                });
            }
        }
        if let Some(Consciousness::Jcs(score)) = self.consciousness {
            if !JCS_SCORES.contains(&score) {
                return Err(VitalsError {
                    field: "consciousness.jcs",
                    en: format!(
                        "JCS {score} is not a Japan Coma Scale score (1, 2, 3, 10, 20, 30, 100, 200, \
                         300). For a fully alert person choose \"alert\"."
                    ),
                    ja: format!(
                        "JCS {score} はありません（1, 2, 3, 10, 20, 30, 100, 200, 300 のいずれか）。\
                         意識清明の場合は「清明」を選んでください。"
                    ),
                });
            }
        }
        if let Some(excretion) = &self.excretion {
            if excretion.urine_count.is_none() && excretion.stool_count.is_none() && excretion.notes.is_none()
            {
                return Err(VitalsError {
                    field: "excretion",
                    en: "Excretion is empty: enter a count or a note, or leave it out.".into(),
                    ja: "排泄が空です。回数かメモを入力するか、項目ごと省いてください。".into(),
                });
            }
            if let Some(notes) = &excretion.notes {
                check_free_text(
                    "excretion.notes",
                    "Excretion notes",
                    "排泄のメモ",
                    notes,
                    MAX_EXCRETION_NOTES_BYTES,
                )?;
            }
        }
        if let Some(remarks) = &self.remarks {
            check_free_text("remarks", "Remarks", "備考", remarks, MAX_REMARKS_BYTES)?;
        }
        Ok(Assessment {
            unusual: self.unusual(),
        })
    }

    /// How to show these vitals: readings unusual for anyone, readings outside the
    /// thresholds the team set for this client (if any), and whether the post is
    /// therefore shown as urgent. Never fails; values that [`Vitals::validate`]
    /// would refuse are simply flagged as unusual.
    pub fn alert(&self, thresholds: Option<&Thresholds>) -> VitalsAlert {
        let out_of_range = thresholds.map(|t| t.check(self)).unwrap_or_default();
        VitalsAlert {
            unusual: self.unusual(),
            shown_as_urgent: !out_of_range.is_empty(),
            out_of_range,
        }
    }

    /// Every reading present, in [`Measurement::ALL`] order, for exporters and charts.
    /// Blood pressure yields two readings (systolic, diastolic).
    pub fn measurements(&self) -> Vec<(Measurement, Reading<'_>)> {
        // Meal intake is given in percent, and excretion as a whole, below.
        let mut out: Vec<(Measurement, Reading<'_>)> = self
            .numeric()
            .into_iter()
            .filter(|(limits, _)| {
                !matches!(
                    limits.measurement,
                    Measurement::MealIntake | Measurement::Excretion
                )
            })
            .map(|(limits, value)| (limits.measurement, Reading::Quantity(value)))
            .collect();
        if let Some(meal) = self.meal_intake {
            out.push((
                Measurement::MealIntake,
                Reading::Quantity(f64::from(meal.percent())),
            ));
        }
        if let Some(excretion) = &self.excretion {
            out.push((Measurement::Excretion, Reading::Excretion(excretion)));
        }
        if let Some(consciousness) = self.consciousness {
            out.push((Measurement::Consciousness, Reading::Consciousness(consciousness)));
        }
        out.sort_by_key(|(m, _)| *m);
        out
    }

    /// The numeric readings with their limits (meal intake as recorded).
    fn numeric(&self) -> Vec<(&'static Limits, f64)> {
        let mut out = Vec::new();
        let mut push = |limits: &'static Limits, value: Option<f64>| {
            if let Some(value) = value {
                out.push((limits, value));
            }
        };
        push(&TEMPERATURE, self.temperature_c);
        push(
            &SYSTOLIC,
            self.blood_pressure.map(|bp| f64::from(bp.systolic_mmhg)),
        );
        push(
            &DIASTOLIC,
            self.blood_pressure.map(|bp| f64::from(bp.diastolic_mmhg)),
        );
        push(&PULSE, self.pulse_per_min.map(f64::from));
        push(&SPO2, self.spo2_percent.map(f64::from));
        push(&RESPIRATORY_RATE, self.respiratory_rate_per_min.map(f64::from));
        push(&WEIGHT, self.weight_kg);
        push(&BLOOD_GLUCOSE, self.blood_glucose_mg_dl.map(f64::from));
        match self.meal_intake {
            Some(MealIntake::Tenths(tenths)) => push(&MEAL_TENTHS, Some(f64::from(tenths))),
            Some(MealIntake::Percent(percent)) => push(&MEAL_PERCENT, Some(f64::from(percent))),
            None => {}
        }
        push(&FLUID_INTAKE, self.fluid_intake_ml.map(f64::from));
        if let Some(excretion) = &self.excretion {
            push(&URINE_COUNT, excretion.urine_count.map(f64::from));
            push(&STOOL_COUNT, excretion.stool_count.map(f64::from));
        }
        push(&PAIN, self.pain_0_10.map(f64::from));
        out
    }

    /// The unusual-but-possible readings.
    fn unusual(&self) -> Vec<Flag> {
        let mut flags: Vec<Flag> = self
            .numeric()
            .into_iter()
            .filter_map(|(limits, value)| limits.unusual(value))
            .collect();
        if let Some(Consciousness::Jcs(score)) = self.consciousness {
            if score >= 10 {
                flags.push(Flag {
                    measurement: Measurement::Consciousness,
                    en: format!("Consciousness JCS {score}: not awake without stimulation (JCS 10 or more)."),
                    ja: format!("意識レベル JCS {score}：刺激しないと覚醒しない状態です（JCS 10 以上）。"),
                });
            }
        }
        flags
    }
}

fn check_measured_at(at: Timestamp) -> Result<(), VitalsError> {
    if at >= EARLIEST_MEASUREMENT && at < LATEST_MEASUREMENT {
        return Ok(());
    }
    let (hint_en, hint_ja) = if at.millis() > 0 && at.millis() < EARLIEST_MEASUREMENT.millis() / 100 {
        (
            " It looks like seconds; measured_at is in milliseconds.",
            "秒単位になっていませんか？measured_at はミリ秒です。",
        )
    } else {
        ("", "")
    };
    Err(VitalsError {
        field: "measured_at",
        en: format!("The measurement time must be between 2000 and 2199.{hint_en}"),
        ja: format!("測定日時は 2000 年から 2199 年の間でなければなりません。{hint_ja}"),
    })
}

fn check_free_text(
    field: &'static str,
    name_en: &str,
    name_ja: &str,
    text: &str,
    limit: usize,
) -> Result<(), VitalsError> {
    let (en, ja) = match check_text(text, limit, true) {
        Ok(()) => return Ok(()),
        Err(TextProblem::Blank) => (
            format!("{name_en} are blank: write something or leave them out."),
            format!("{name_ja}が空です。入力するか、項目ごと省いてください。"),
        ),
        Err(TextProblem::TooLong { actual, limit }) => (
            format!("{name_en} are too long ({actual} bytes; at most {limit})."),
            format!("{name_ja}が長すぎます（{actual} バイト、上限 {limit}）。"),
        ),
        Err(TextProblem::ControlCharacter) => (
            format!("{name_en} contain a control character."),
            format!("{name_ja}に制御文字が含まれています。"),
        ),
    };
    Err(VitalsError { field, en, ja })
}

/// Compares floats by their bits, so equality is reflexive even for NaN (which
/// [`Vitals::validate`] refuses anyway) and `Eq` is honest.
pub(super) fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    a.map(f64::to_bits) == b.map(f64::to_bits)
}

impl PartialEq for Vitals {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let Vitals {
            measured_at,
            temperature_c,
            blood_pressure,
            pulse_per_min,
            spo2_percent,
            respiratory_rate_per_min,
            weight_kg,
            blood_glucose_mg_dl,
            meal_intake,
            fluid_intake_ml,
            excretion,
            pain_0_10,
            consciousness,
            remarks,
        } = self;
        *measured_at == other.measured_at
            && same_f64(*temperature_c, other.temperature_c)
            && *blood_pressure == other.blood_pressure
            && *pulse_per_min == other.pulse_per_min
            && *spo2_percent == other.spo2_percent
            && *respiratory_rate_per_min == other.respiratory_rate_per_min
            && same_f64(*weight_kg, other.weight_kg)
            && *blood_glucose_mg_dl == other.blood_glucose_mg_dl
            && *meal_intake == other.meal_intake
            && *fluid_intake_ml == other.fluid_intake_ml
            && *excretion == other.excretion
            && *pain_0_10 == other.pain_0_10
            && *consciousness == other.consciousness
            && *remarks == other.remarks
    }
}

impl Eq for Vitals {}

impl fmt::Debug for Vitals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let present: Vec<Measurement> = self.measurements().into_iter().map(|(m, _)| m).collect();
        f.debug_struct("Vitals")
            .field("measured_at", &self.measured_at)
            .field("present", &present)
            .field("values", &format_args!("***"))
            .field("remarks", &self.remarks.as_ref().map(|_| format_args!("***")))
            .finish()
    }
}

impl fmt::Debug for BloodPressure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BloodPressure(***)")
    }
}

impl fmt::Debug for MealIntake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MealIntake(***)")
    }
}

impl fmt::Debug for Excretion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Excretion(***)")
    }
}

impl fmt::Debug for Consciousness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Consciousness(***)")
    }
}

impl fmt::Debug for Reading<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reading(***)")
    }
}

impl fmt::Debug for VitalsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VitalsError")
            .field("field", &self.field)
            .field("message", &format_args!("***"))
            .finish()
    }
}

impl fmt::Debug for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flag")
            .field("measurement", &self.measurement)
            .field("message", &format_args!("***"))
            .finish()
    }
}
