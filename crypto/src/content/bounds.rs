//! The bounds of each numeric reading: what is physically possible, what is usual,
//! and how to explain a value outside them. The table in the [`vitals`](super::vitals)
//! module documentation lists the same figures; [`Thresholds`](super::Thresholds)
//! must lie inside the possible ranges.

use super::loinc::Measurement;
use super::vitals::{Flag, VitalsError};

/// The possible and usual bounds of one numeric reading, and how to talk about it.
pub(super) struct Limits {
    pub(super) measurement: Measurement,
    pub(super) field: &'static str,
    pub(super) name_en: &'static str,
    pub(super) name_ja: &'static str,
    pub(super) unit: &'static str,
    /// Lowest possible value.
    pub(super) min: f64,
    /// Highest possible value.
    pub(super) max: f64,
    /// Values below this are unusual.
    low: Option<f64>,
    /// Values at or above this are unusual.
    high_from: Option<f64>,
    /// The usual range as people read it (language-neutral).
    usual: &'static str,
    /// A likely cause of an impossible value: (English, Japanese).
    hint: fn(f64) -> (&'static str, &'static str),
}

const fn limits(measurement: Measurement, field: &'static str, min: f64, max: f64) -> Limits {
    Limits {
        measurement,
        field,
        name_en: measurement.name_en(),
        name_ja: measurement.name_ja(),
        unit: measurement.unit(),
        min,
        max,
        low: None,
        high_from: None,
        usual: "",
        hint: no_hint,
    }
}

fn no_hint(_: f64) -> (&'static str, &'static str) {
    (
        "Check the reading and the unit.",
        "測定値と単位を確認してください。",
    )
}

pub(super) const TEMPERATURE: Limits = Limits {
    low: Some(35.0),
    high_from: Some(38.0),
    usual: "35.0–37.9 °C",
    hint: |v| {
        if (77.0..=113.0).contains(&v) {
            (
                "Did you enter °F? Enter °C.",
                "華氏（°F）で入力していませんか？摂氏（℃）で入力してください。",
            )
        } else if (250.0..=450.0).contains(&v) {
            (
                "Is the decimal point missing (e.g. 36.5)?",
                "小数点が抜けていませんか（例: 36.5）？",
            )
        } else {
            (
                "Check the thermometer and enter °C.",
                "体温計の表示を確認し、摂氏（℃）で入力してください。",
            )
        }
    },
    ..limits(Measurement::Temperature, "temperature_c", 25.0, 45.0)
};
pub(super) const SYSTOLIC: Limits = Limits {
    low: Some(90.0),
    high_from: Some(181.0),
    usual: "90–180 mmHg",
    ..limits(Measurement::Systolic, "blood_pressure.systolic_mmhg", 40.0, 300.0)
};
pub(super) const DIASTOLIC: Limits = Limits {
    low: Some(40.0),
    high_from: Some(111.0),
    usual: "40–110 mmHg",
    ..limits(
        Measurement::Diastolic,
        "blood_pressure.diastolic_mmhg",
        20.0,
        200.0,
    )
};
pub(super) const PULSE: Limits = Limits {
    low: Some(50.0),
    high_from: Some(121.0),
    usual: "50–120 /min",
    hint: |_| ("Enter beats per minute.", "1分間の脈拍数を入力してください。"),
    ..limits(Measurement::Pulse, "pulse_per_min", 20.0, 300.0)
};
pub(super) const SPO2: Limits = Limits {
    low: Some(90.0),
    usual: "≥ 90 %",
    hint: |v| {
        if v > 100.0 {
            (
                "SpO2 is a percentage and cannot exceed 100.",
                "SpO2 は 100% を超えません。",
            )
        } else {
            (
                "Check the oximeter is on properly and measure again.",
                "パルスオキシメーターの装着を確認して測り直してください。",
            )
        }
    },
    ..limits(Measurement::Spo2, "spo2_percent", 50.0, 100.0)
};
pub(super) const RESPIRATORY_RATE: Limits = Limits {
    low: Some(10.0),
    high_from: Some(31.0),
    usual: "10–30 /min",
    hint: |_| ("Enter breaths per minute.", "1分間の呼吸数を入力してください。"),
    ..limits(
        Measurement::RespiratoryRate,
        "respiratory_rate_per_min",
        3.0,
        80.0,
    )
};
pub(super) const WEIGHT: Limits = Limits {
    hint: |v| {
        if v > 1000.0 {
            (
                "Did you enter grams? Enter kg.",
                "グラムで入力していませんか？kg で入力してください。",
            )
        } else {
            ("Enter kilograms (kg).", "kg で入力してください。")
        }
    },
    ..limits(Measurement::Weight, "weight_kg", 1.0, 400.0)
};
pub(super) const BLOOD_GLUCOSE: Limits = Limits {
    low: Some(70.0),
    high_from: Some(301.0),
    usual: "70–300 mg/dL",
    hint: |v| {
        if v < 10.0 {
            (
                "Did you enter mmol/L? Enter mg/dL (mmol/L × 18).",
                "mmol/L で入力していませんか？mg/dL で入力してください（mmol/L × 18）。",
            )
        } else {
            (
                "Check the meter and enter mg/dL.",
                "測定器の表示を確認し、mg/dL で入力してください。",
            )
        }
    },
    ..limits(Measurement::BloodGlucose, "blood_glucose_mg_dl", 10.0, 2000.0)
};
pub(super) const FLUID_INTAKE: Limits = Limits {
    hint: |_| {
        (
            "Enter millilitres (mL).",
            "mL（ミリリットル）で入力してください。",
        )
    },
    ..limits(Measurement::FluidIntake, "fluid_intake_ml", 0.0, 20_000.0)
};
pub(super) const PAIN: Limits = Limits {
    high_from: Some(7.0),
    usual: "0–6 /10",
    hint: |_| {
        (
            "Pain is scored from 0 (none) to 10 (worst imaginable).",
            "痛みは 0（なし）〜10（想像できる最悪の痛み）で入力してください。",
        )
    },
    ..limits(Measurement::Pain, "pain_0_10", 0.0, 10.0)
};
pub(super) const MEAL_TENTHS: Limits = Limits {
    unit: "/10",
    hint: |_| ("Enter tenths eaten, 0 to 10.", "0〜10割で入力してください。"),
    ..limits(Measurement::MealIntake, "meal_intake.tenths", 0.0, 10.0)
};
pub(super) const MEAL_PERCENT: Limits = Limits {
    hint: |_| ("Enter percent eaten, 0 to 100.", "0〜100% で入力してください。"),
    ..limits(Measurement::MealIntake, "meal_intake.percent", 0.0, 100.0)
};
pub(super) const URINE_COUNT: Limits = Limits {
    name_en: "Urine count",
    name_ja: "排尿回数",
    hint: |_| ("Enter the number of times.", "回数を入力してください。"),
    ..limits(Measurement::Excretion, "excretion.urine_count", 0.0, 50.0)
};
pub(super) const STOOL_COUNT: Limits = Limits {
    name_en: "Stool count",
    name_ja: "排便回数",
    hint: |_| ("Enter the number of times.", "回数を入力してください。"),
    ..limits(Measurement::Excretion, "excretion.stool_count", 0.0, 50.0)
};

impl Limits {
    /// A value with its unit, as people read it: `38.5 °C`, or `3` for a count.
    pub(super) fn show(&self, value: f64) -> String {
        if self.unit.is_empty() {
            value.to_string()
        } else {
            format!("{value} {}", self.unit)
        }
    }

    /// Refuses a value outside the possible range (or not a number).
    pub(super) fn check_possible(&self, value: f64) -> Result<(), VitalsError> {
        if !value.is_finite() {
            return Err(VitalsError {
                field: self.field,
                en: format!("{} is not a number.", self.name_en),
                ja: format!("{}が数値ではありません。", self.name_ja),
            });
        }
        if value < self.min || value > self.max {
            let (hint_en, hint_ja) = (self.hint)(value);
            let (value, min, max) = (self.show(value), self.min, self.show(self.max));
            return Err(VitalsError {
                field: self.field,
                en: format!(
                    "{} {value} is not possible (allowed {min}–{max}). {hint_en}",
                    self.name_en
                ),
                ja: format!(
                    "{} {value} はありえない値です（{min}〜{max}）。{hint_ja}",
                    self.name_ja
                ),
            });
        }
        Ok(())
    }

    /// A flag when a possible value is outside the usual range.
    pub(super) fn unusual(&self, value: f64) -> Option<Flag> {
        let (en, ja) = if self.low.is_some_and(|low| value < low) {
            ("low", "低値")
        } else if self.high_from.is_some_and(|high| value >= high) {
            ("high", "高値")
        } else {
            return None;
        };
        Some(Flag {
            measurement: self.measurement,
            en: format!(
                "{} {} is {en} (usual {}).",
                self.name_en,
                self.show(value),
                self.usual
            ),
            ja: format!(
                "{} {} は{ja}です（目安 {}）。",
                self.name_ja,
                self.show(value),
                self.usual
            ),
        })
    }
}
