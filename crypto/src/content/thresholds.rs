//! Per-client alert thresholds, set by the care team.
//!
//! "Call the doctor if her SpO2 drops below 92" is part of one client's care plan,
//! not a general rule, so the team records it as a `thresholds` post in the room's
//! team channel. The latest such post is in force from then on (see
//! [`Notebook`](super::notebook::Notebook)); a vitals post with a reading outside
//! the thresholds in force is shown as urgent ([`Vitals::alert`]).
//!
//! Both ends of a [`Range`] are optional and inclusive: `min` and `max` are the
//! lowest and highest values that do *not* alert. A thresholds post with nothing set
//! is valid: it clears the thresholds.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::bounds::{
    Limits, BLOOD_GLUCOSE, DIASTOLIC, PULSE, RESPIRATORY_RATE, SPO2, SYSTOLIC, TEMPERATURE, WEIGHT,
};
use super::loinc::Measurement;
use super::vitals::{same_f64, Flag, Vitals, VitalsError};

/// The values that do not alert; either end may be left open. JSON:
/// `{"min": 92}`, `{"max": 37.5}`, `{"min": 50, "max": 110}`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
// Every reading is a `number` in TypeScript: one `Range` there.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, concrete(T = f64)))]
#[serde(deny_unknown_fields)]
pub struct Range<T> {
    /// Readings below this alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<T>,
    /// Readings above this alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<T>,
}

impl<T> Range<T> {
    /// Alert below `min` only.
    pub fn at_least(min: T) -> Self {
        Self {
            min: Some(min),
            max: None,
        }
    }

    /// Alert above `max` only.
    pub fn at_most(max: T) -> Self {
        Self {
            min: None,
            max: Some(max),
        }
    }

    /// Alert outside `min..=max`.
    pub fn between(min: T, max: T) -> Self {
        Self {
            min: Some(min),
            max: Some(max),
        }
    }
}

impl<T: Copy + Into<f64>> Range<T> {
    fn to_f64(self) -> Range<f64> {
        Range {
            min: self.min.map(Into::into),
            max: self.max.map(Into::into),
        }
    }
}

/// The alert thresholds the team set for one client. Every threshold is optional.
/// `Debug` shows which thresholds are set, never their values.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Body temperature, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_c: Option<Range<f64>>,
    /// Systolic blood pressure, mmHg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systolic_mmhg: Option<Range<u16>>,
    /// Diastolic blood pressure, mmHg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diastolic_mmhg: Option<Range<u16>>,
    /// Pulse, beats per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_per_min: Option<Range<u16>>,
    /// SpO2, % (usually a minimum only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2_percent: Option<Range<u8>>,
    /// Breaths per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiratory_rate_per_min: Option<Range<u16>>,
    /// Blood glucose, mg/dL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_glucose_mg_dl: Option<Range<u16>>,
    /// Body weight, kg (e.g. a maximum for a client with heart failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<Range<f64>>,
}

impl Thresholds {
    /// Checks every threshold set has at least one end, both ends are physically
    /// possible values ([`Vitals`] bounds) and `min ≤ max`. Errors name the field as
    /// `thresholds.<name>`.
    pub fn validate(&self) -> Result<(), VitalsError> {
        for (limits, range) in self.ranges() {
            let field = threshold_field(limits.measurement);
            let named = |mut error: VitalsError| {
                error.field = field;
                error
            };
            if range.min.is_none() && range.max.is_none() {
                return Err(VitalsError {
                    field,
                    en: format!(
                        "The {} threshold has neither a minimum nor a maximum.",
                        limits.name_en
                    ),
                    ja: format!("{}のしきい値に下限も上限もありません。", limits.name_ja),
                });
            }
            for end in [range.min, range.max].into_iter().flatten() {
                limits.check_possible(end).map_err(named)?;
            }
            if let (Some(min), Some(max)) = (range.min, range.max) {
                if min > max {
                    return Err(VitalsError {
                        field,
                        en: format!(
                            "The {} threshold's minimum {} is above its maximum {}.",
                            limits.name_en,
                            limits.show(min),
                            limits.show(max)
                        ),
                        ja: format!(
                            "{}のしきい値の下限 {} が上限 {} を上回っています。",
                            limits.name_ja,
                            limits.show(min),
                            limits.show(max)
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The readings in `vitals` outside these thresholds, in [`Measurement::ALL`]
    /// order.
    pub fn check(&self, vitals: &Vitals) -> Vec<Flag> {
        let reading = |m: Measurement| match m {
            Measurement::Temperature => vitals.temperature_c,
            Measurement::Systolic => vitals.blood_pressure.map(|bp| f64::from(bp.systolic_mmhg)),
            Measurement::Diastolic => vitals.blood_pressure.map(|bp| f64::from(bp.diastolic_mmhg)),
            Measurement::Pulse => vitals.pulse_per_min.map(f64::from),
            Measurement::Spo2 => vitals.spo2_percent.map(f64::from),
            Measurement::RespiratoryRate => vitals.respiratory_rate_per_min.map(f64::from),
            Measurement::Weight => vitals.weight_kg,
            Measurement::BloodGlucose => vitals.blood_glucose_mg_dl.map(f64::from),
            _ => None,
        };
        let mut flags = Vec::new();
        for (limits, range) in self.ranges() {
            let Some(value) = reading(limits.measurement) else {
                continue;
            };
            let (name_en, name_ja, shown) = (limits.name_en, limits.name_ja, limits.show(value));
            if let Some(min) = range.min.filter(|min| value < *min) {
                let min = limits.show(min);
                flags.push(Flag {
                    measurement: limits.measurement,
                    en: format!("{name_en} {shown} is below this client's threshold ({min})."),
                    ja: format!("{name_ja} {shown} は設定された下限（{min}）を下回っています。"),
                });
            } else if let Some(max) = range.max.filter(|max| value > *max) {
                let max = limits.show(max);
                flags.push(Flag {
                    measurement: limits.measurement,
                    en: format!("{name_en} {shown} is above this client's threshold ({max})."),
                    ja: format!("{name_ja} {shown} は設定された上限（{max}）を超えています。"),
                });
            } else if value.is_nan() {
                // Not a reading validate() would accept; make sure it is seen.
                flags.push(Flag {
                    measurement: limits.measurement,
                    en: format!("{name_en} is not a number."),
                    ja: format!("{name_ja}が数値ではありません。"),
                });
            }
        }
        flags
    }

    /// True when no threshold is set.
    pub fn is_empty(&self) -> bool {
        self.ranges().is_empty()
    }

    /// The thresholds set, in [`Measurement::ALL`] order, with the bounds of their
    /// readings.
    fn ranges(&self) -> Vec<(&'static Limits, Range<f64>)> {
        let candidates = [
            (&TEMPERATURE, self.temperature_c),
            (&SYSTOLIC, self.systolic_mmhg.map(Range::to_f64)),
            (&DIASTOLIC, self.diastolic_mmhg.map(Range::to_f64)),
            (&PULSE, self.pulse_per_min.map(Range::to_f64)),
            (&SPO2, self.spo2_percent.map(Range::to_f64)),
            (
                &RESPIRATORY_RATE,
                self.respiratory_rate_per_min.map(Range::to_f64),
            ),
            (&WEIGHT, self.weight_kg),
            (&BLOOD_GLUCOSE, self.blood_glucose_mg_dl.map(Range::to_f64)),
        ];
        let mut ranges: Vec<(&'static Limits, Range<f64>)> = candidates
            .into_iter()
            .filter_map(|(limits, range)| range.map(|range| (limits, range)))
            .collect();
        ranges.sort_by_key(|(limits, _)| limits.measurement);
        ranges
    }
}

/// The JSON path of a threshold, for error messages.
fn threshold_field(measurement: Measurement) -> &'static str {
    match measurement {
        Measurement::Temperature => "thresholds.temperature_c",
        Measurement::Systolic => "thresholds.systolic_mmhg",
        Measurement::Diastolic => "thresholds.diastolic_mmhg",
        Measurement::Pulse => "thresholds.pulse_per_min",
        Measurement::Spo2 => "thresholds.spo2_percent",
        Measurement::RespiratoryRate => "thresholds.respiratory_rate_per_min",
        Measurement::Weight => "thresholds.weight_kg",
        Measurement::BloodGlucose => "thresholds.blood_glucose_mg_dl",
        _ => "thresholds",
    }
}

fn same_range(a: Option<Range<f64>>, b: Option<Range<f64>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same_f64(a.min, b.min) && same_f64(a.max, b.max),
        _ => false,
    }
}

impl PartialEq for Thresholds {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let Thresholds {
            temperature_c,
            systolic_mmhg,
            diastolic_mmhg,
            pulse_per_min,
            spo2_percent,
            respiratory_rate_per_min,
            blood_glucose_mg_dl,
            weight_kg,
        } = self;
        same_range(*temperature_c, other.temperature_c)
            && *systolic_mmhg == other.systolic_mmhg
            && *diastolic_mmhg == other.diastolic_mmhg
            && *pulse_per_min == other.pulse_per_min
            && *spo2_percent == other.spo2_percent
            && *respiratory_rate_per_min == other.respiratory_rate_per_min
            && *blood_glucose_mg_dl == other.blood_glucose_mg_dl
            && same_range(*weight_kg, other.weight_kg)
    }
}

impl Eq for Thresholds {}

impl fmt::Debug for Thresholds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set: Vec<Measurement> = self.ranges().into_iter().map(|(l, _)| l.measurement).collect();
        f.debug_struct("Thresholds")
            .field("set", &set)
            .field("values", &format_args!("***"))
            .finish()
    }
}

impl<T> fmt::Debug for Range<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Range(***)")
    }
}
