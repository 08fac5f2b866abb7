//! The access history as CSV for Excel (UTF-8 with a byte-order mark, so Excel in
//! Japan opens it as UTF-8), with a header row in Japanese and English.

use super::{jst_text, AccessLine};

/// The header row.
pub const HEADER: &str =
    "日時 / When,氏名 / Person,端末 / Device,操作 / Action,部屋 / Room,チャンネル / Channel,範囲 / Range";

/// Quotes a field and neutralises spreadsheet formulas.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// Which part of the record: entries `from`–`to`, or a file.
pub fn range_words(line: &AccessLine) -> String {
    match (&line.blob, line.from, line.to) {
        (Some(blob), _, _) => format!("ファイル / file {blob}"),
        (None, Some(from), Some(to)) if to >= from => format!("{from}–{to}"),
        (None, Some(from), None) => format!("{from}– (以降 / onwards)"),
        (None, Some(from), Some(_)) => format!("{from}– (新着なし / nothing new)"),
        _ => String::new(),
    }
}

/// Renders the lines.
pub fn render(lines: &[AccessLine]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(HEADER);
    out.push_str("\r\n");
    for line in lines {
        let row = [
            jst_text(line.at),
            line.person.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            line.device.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            format!("{} / {}", line.action_ja, line.action_en),
            line.room.map(|r| r.to_string()).unwrap_or_default(),
            line.channel.clone().unwrap_or_default(),
            range_words(line),
        ];
        let fields: Vec<String> = row.iter().map(|v| field(v)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}
