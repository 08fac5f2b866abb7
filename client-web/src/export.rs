//! `export_room`: a room's record as a file, built on the device from what it
//! decrypted (the rule is `kizuna_engine::export`, the native CLI's too). The UI
//! downloads the result as a Blob; no request carries it.

use wasm_bindgen::prelude::*;

use crate::error::OrThrow;

/// One export file. `input_json`: the room as the engine's `ExportInput` (`room_id`,
/// `client_name`, `from`/`to` in Unix ms, `exported_at`, `exported_by`,
/// `utc_offset_minutes`, `members`, `channels: [{channel, posts, reads}]`, see
/// docs/export-schema.md); `format`: `json`, `csv` or `fhir`. Returns the file's text
/// (`record.json`, `vitals.csv` with its BOM, or a FHIR R4 Bundle). Photos are
/// referred to as `media/<post>.jpg`.
#[wasm_bindgen]
pub fn export_room(input_json: &str, format: &str) -> Result<String, JsError> {
    let format: kizuna_engine::export::Format = format.parse().or_throw()?;
    kizuna_engine::export::export(input_json, format).or_throw()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn an_empty_room_exports_in_every_format() {
        let input = r#"{"room_id":"00000000-0000-4000-8000-0000000000aa","client_name":"鈴木","exported_at":0,"channels":[{"channel":"team","posts":[]}]}"#;
        for format in ["json", "csv", "fhir"] {
            let format: kizuna_engine::export::Format = format.parse().unwrap();
            assert!(!kizuna_engine::export::export(input, format).unwrap().is_empty());
        }
    }
}
