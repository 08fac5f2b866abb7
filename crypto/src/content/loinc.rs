//! What was measured, and how it is coded for export.
//!
//! [`Measurement`] names each kind of reading a vitals post can hold. The ones with a
//! LOINC code become FHIR R4 `Observation`s in the `vital-signs` category; the codes
//! are the ones the product brief fixes (matching the FHIR vital-signs profiles), plus
//! pain, whose code is certain:
//!
//! | measurement | LOINC | display | UCUM unit |
//! | --- | --- | --- | --- |
//! | temperature | 8310-5 | Body temperature | `Cel` |
//! | systolic blood pressure | 8480-6 | Systolic blood pressure | `mm[Hg]` |
//! | diastolic blood pressure | 8462-4 | Diastolic blood pressure | `mm[Hg]` |
//! | (the two above, as one panel) | 85354-9 | Blood pressure panel with all children optional | — |
//! | pulse | 8867-4 | Heart rate | `/min` |
//! | respiratory rate | 9279-1 | Respiratory rate | `/min` |
//! | SpO2 | 2708-6 | Oxygen saturation in Arterial blood | `%` |
//! | weight | 29463-7 | Body weight | `kg` |
//! | blood glucose | 2339-0 | Glucose \[Mass/volume\] in Blood | `mg/dL` |
//! | pain | 72514-3 | Pain severity - 0-10 verbal numeric rating \[Score\] - Reported | `{score}` |
//!
//! Meal intake, fluid intake, excretion and consciousness (JCS) have no code here on
//! purpose: we are not certain of a LOINC code that means exactly what the care team
//! records (meal intake in tenths of a serving, fluid intake over an unstated period,
//! counts of urine and stool, the Japan Coma Scale). A wrong code is worse than none
//! in an export that other systems will trust, so the exporter writes these with a
//! text-only `code` until someone confirms a code.

/// A LOINC code with its display name and the UCUM unit of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loinc {
    /// The LOINC code, e.g. `8310-5`.
    pub code: &'static str,
    /// LOINC's display name (English), for `Coding.display`.
    pub display: &'static str,
    /// The UCUM code of the value's unit, for `Quantity.code`.
    pub ucum_unit: &'static str,
}

/// A LOINC panel: a code that groups other observations and has no value of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoincPanel {
    /// The LOINC code.
    pub code: &'static str,
    /// LOINC's display name (English).
    pub display: &'static str,
}

/// The blood pressure panel: systolic ([`Measurement::Systolic`]) and diastolic
/// ([`Measurement::Diastolic`]) are exported as its components.
pub const BP_PANEL: LoincPanel = LoincPanel {
    code: "85354-9",
    display: "Blood pressure panel with all children optional",
};

/// One kind of reading in a vitals post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measurement {
    /// Body temperature, °C.
    Temperature,
    /// Systolic blood pressure, mmHg.
    Systolic,
    /// Diastolic blood pressure, mmHg.
    Diastolic,
    /// Pulse (heart rate), beats per minute.
    Pulse,
    /// Oxygen saturation by pulse oximeter, %.
    Spo2,
    /// Breaths per minute.
    RespiratoryRate,
    /// Body weight, kg.
    Weight,
    /// Blood glucose, mg/dL.
    BloodGlucose,
    /// How much of a meal was eaten.
    MealIntake,
    /// Fluid drunk, mL.
    FluidIntake,
    /// Urine and stool counts, with notes.
    Excretion,
    /// Pain on the 0–10 numeric rating scale.
    Pain,
    /// Level of consciousness: alert, or a Japan Coma Scale score.
    Consciousness,
}

impl Measurement {
    /// Every measurement, in the order clients list them.
    pub const ALL: &'static [Measurement] = &[
        Measurement::Temperature,
        Measurement::Systolic,
        Measurement::Diastolic,
        Measurement::Pulse,
        Measurement::Spo2,
        Measurement::RespiratoryRate,
        Measurement::Weight,
        Measurement::BloodGlucose,
        Measurement::MealIntake,
        Measurement::FluidIntake,
        Measurement::Excretion,
        Measurement::Pain,
        Measurement::Consciousness,
    ];

    /// The LOINC code to export this measurement under, or `None` where we know of no
    /// code we are certain of (see the module documentation).
    pub const fn loinc(self) -> Option<Loinc> {
        let (code, display, ucum_unit) = match self {
            Measurement::Temperature => ("8310-5", "Body temperature", "Cel"),
            Measurement::Systolic => ("8480-6", "Systolic blood pressure", "mm[Hg]"),
            Measurement::Diastolic => ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
            Measurement::Pulse => ("8867-4", "Heart rate", "/min"),
            Measurement::Spo2 => ("2708-6", "Oxygen saturation in Arterial blood", "%"),
            Measurement::RespiratoryRate => ("9279-1", "Respiratory rate", "/min"),
            Measurement::Weight => ("29463-7", "Body weight", "kg"),
            Measurement::BloodGlucose => ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL"),
            Measurement::Pain => (
                "72514-3",
                "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
                "{score}",
            ),
            Measurement::MealIntake
            | Measurement::FluidIntake
            | Measurement::Excretion
            | Measurement::Consciousness => return None,
        };
        Some(Loinc {
            code,
            display,
            ucum_unit,
        })
    }

    /// The English name shown to people.
    pub const fn name_en(self) -> &'static str {
        match self {
            Measurement::Temperature => "Temperature",
            Measurement::Systolic => "Systolic blood pressure",
            Measurement::Diastolic => "Diastolic blood pressure",
            Measurement::Pulse => "Pulse",
            Measurement::Spo2 => "SpO2",
            Measurement::RespiratoryRate => "Respiratory rate",
            Measurement::Weight => "Weight",
            Measurement::BloodGlucose => "Blood glucose",
            Measurement::MealIntake => "Meal intake",
            Measurement::FluidIntake => "Fluid intake",
            Measurement::Excretion => "Excretion",
            Measurement::Pain => "Pain",
            Measurement::Consciousness => "Consciousness",
        }
    }

    /// The Japanese name shown to people.
    pub const fn name_ja(self) -> &'static str {
        match self {
            Measurement::Temperature => "体温",
            Measurement::Systolic => "血圧（上）",
            Measurement::Diastolic => "血圧（下）",
            Measurement::Pulse => "脈拍",
            Measurement::Spo2 => "SpO2",
            Measurement::RespiratoryRate => "呼吸数",
            Measurement::Weight => "体重",
            Measurement::BloodGlucose => "血糖値",
            Measurement::MealIntake => "食事摂取量",
            Measurement::FluidIntake => "水分摂取量",
            Measurement::Excretion => "排泄",
            Measurement::Pain => "痛み",
            Measurement::Consciousness => "意識レベル",
        }
    }

    /// The unit as people read it (not UCUM), e.g. `°C`; empty where the value has
    /// no unit.
    pub const fn unit(self) -> &'static str {
        match self {
            Measurement::Temperature => "°C",
            Measurement::Systolic | Measurement::Diastolic => "mmHg",
            Measurement::Pulse | Measurement::RespiratoryRate => "/min",
            Measurement::Spo2 | Measurement::MealIntake => "%",
            Measurement::Weight => "kg",
            Measurement::BloodGlucose => "mg/dL",
            Measurement::FluidIntake => "mL",
            Measurement::Pain => "/10",
            Measurement::Excretion | Measurement::Consciousness => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_ones_the_brief_fixes() {
        let code = |m: Measurement| m.loinc().map(|l| (l.code, l.ucum_unit));
        assert_eq!(code(Measurement::Temperature), Some(("8310-5", "Cel")));
        assert_eq!(code(Measurement::Systolic), Some(("8480-6", "mm[Hg]")));
        assert_eq!(code(Measurement::Diastolic), Some(("8462-4", "mm[Hg]")));
        assert_eq!(code(Measurement::Pulse), Some(("8867-4", "/min")));
        assert_eq!(code(Measurement::RespiratoryRate), Some(("9279-1", "/min")));
        assert_eq!(code(Measurement::Spo2), Some(("2708-6", "%")));
        assert_eq!(code(Measurement::Weight), Some(("29463-7", "kg")));
        assert_eq!(code(Measurement::BloodGlucose), Some(("2339-0", "mg/dL")));
        assert_eq!(code(Measurement::Pain), Some(("72514-3", "{score}")));
        assert_eq!(BP_PANEL.code, "85354-9");
        for uncoded in [
            Measurement::MealIntake,
            Measurement::FluidIntake,
            Measurement::Excretion,
            Measurement::Consciousness,
        ] {
            assert_eq!(uncoded.loinc(), None, "{uncoded:?}");
        }
    }

    #[test]
    fn every_measurement_has_names_in_both_languages() {
        assert_eq!(Measurement::ALL.len(), 13);
        for m in Measurement::ALL {
            assert!(!m.name_en().is_empty() && !m.name_ja().is_empty(), "{m:?}");
        }
    }
}
