//! `kizuna export`: one room's record to a file, or every room I can read into a
//! folder (record.json, vitals.csv, fhir.json and the photos), resumable.

use std::path::{Path, PathBuf};

use kizuna_engine::export::{Format, DEFAULT_UTC_OFFSET_MINUTES};
use kizuna_proto::{RoomId, Timestamp};
use serde_json::json;

use super::{out, tell_if_restored, Io};
use crate::export::build;
use crate::{Client, ClientError, Room};

/// The file that marks a room's folder as finished: a rerun skips the room.
pub const COMPLETE_MARKER: &str = ".export-complete";

/// `kizuna export`'s options.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The room's ID (with --format and --out). / ルームID
    #[arg(long, conflicts_with = "all_rooms", requires_all = ["format", "out"])]
    room: Option<RoomId>,
    /// json (the whole record), csv (vital signs) or fhir (FHIR R4 Bundle). / 形式
    #[arg(long)]
    format: Option<String>,
    /// First day, YYYY-MM-DD (Japan time), inclusive. / 開始日
    #[arg(long)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD (Japan time), inclusive. / 終了日
    #[arg(long)]
    to: Option<String>,
    /// The file to write. / 出力ファイル
    #[arg(long)]
    out: Option<PathBuf>,
    /// Export every room I can read into DIR/<room>/ (resumable: rerun to continue). / 全ルームを書き出す
    #[arg(long, value_name = "DIR")]
    all_rooms: Option<PathBuf>,
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ClientError + '_ {
    move |e| ClientError::InvalidInput(format!("{}: {e} (書き込めません / cannot write)", path.display()))
}

/// Writes `contents` to `path` through a temporary file, so an interrupted export
/// never leaves half a file under the real name.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), ClientError> {
    let partial = path.with_extension("part");
    std::fs::write(&partial, contents).map_err(io_error(&partial))?;
    std::fs::rename(&partial, path).map_err(io_error(path))
}

/// Midnight (Japan time) starting `date` (`YYYY-MM-DD`), plus `days`.
fn day_start(date: &str, days: i64) -> Result<Timestamp, ClientError> {
    let bad = || {
        ClientError::InvalidInput(format!(
            "date {date:?}: write it as YYYY-MM-DD, e.g. 2026-11-01 (日付は 2026-11-01 のように書いてください)"
        ))
    };
    let parts: Vec<&str> = date.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d): (i64, i64, i64) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    // Howard Hinnant's days-from-civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days_since_epoch = era * 146_097 + doe - 719_468 + days;
    let offset = i64::from(DEFAULT_UTC_OFFSET_MINUTES) * 60_000;
    Ok(Timestamp(days_since_epoch * 86_400_000 - offset))
}

fn range(args: &Args) -> Result<(Option<Timestamp>, Option<Timestamp>), ClientError> {
    let from = args.from.as_deref().map(|d| day_start(d, 0)).transpose()?;
    let to = args.to.as_deref().map(|d| day_start(d, 1)).transpose()?;
    Ok((from, to))
}

/// Runs `kizuna export`.
pub async fn run(client: &mut Client, args: Args, io: &mut Io<'_>, json: bool) -> Result<(), ClientError> {
    let (from, to) = range(&args)?;
    let report = client.refresh().await?;
    tell_if_restored(io, &report)?;
    if let Some(dir) = &args.all_rooms {
        return all_rooms(client, dir, (from, to), io, json).await;
    }
    let (Some(room), Some(format), Some(file)) = (args.room, args.format.as_deref(), args.out.as_deref())
    else {
        return Err(ClientError::InvalidInput(
            "give --room ROOM --format json|csv|fhir --out FILE, or --all-rooms DIR \
             (--room と --format と --out、または --all-rooms を指定してください)"
                .into(),
        ));
    };
    let format: Format = format.parse()?;
    let rooms = client.rooms().await?;
    let room = rooms
        .iter()
        .find(|r| r.id == room)
        .ok_or(ClientError::NoChannelAccess {
            room,
            channel: kizuna_proto::Channel::Team,
        })?;
    let input = client.export_input(room, from, to).await?;
    // The access record first: an export the server was not told of is not written.
    client
        .record_export(room.id, format_name(format), from, to)
        .await?;
    write_atomic(file, build(&input, format)?.as_bytes())?;
    let value = json!({ "room": room.id, "format": args.format, "file": file });
    out(io, json, &value, || {
        format!("書き出しました / Exported: {}", file.display())
    })
}

/// Every room I can read, each into `dir/<room>/`; a finished room has
/// [`COMPLETE_MARKER`] and is skipped, a half-done one continues with the photos
/// still missing.
async fn all_rooms(
    client: &mut Client,
    dir: &Path,
    (from, to): (Option<Timestamp>, Option<Timestamp>),
    io: &mut Io<'_>,
    json: bool,
) -> Result<(), ClientError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let rooms: Vec<Room> = client
        .rooms()
        .await?
        .into_iter()
        .filter(|r| !client.readable_channels(r.id).is_empty())
        .collect();
    let total = rooms.len();
    let (mut photos, mut skipped) = (0usize, 0usize);
    for (i, room) in rooms.iter().enumerate() {
        let folder = dir.join(room.id.to_string());
        if folder.join(COMPLETE_MARKER).exists() {
            skipped += 1;
        } else {
            photos += export_room(client, room, &folder, (from, to)).await?;
        }
        progress(io, json, i + 1, total, photos)?;
    }
    let value = json!({ "rooms": total, "skipped": skipped, "photos": photos, "dir": dir });
    out(io, json, &value, || {
        format!(
            "書き出しました / Exported {total} room(s) ({skipped} already done), {photos} photo(s) into {}",
            dir.display()
        )
    })
}

/// One room's folder; returns how many photos it downloaded now.
/// The format's name in the server's access record.
const fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Fhir => "fhir",
    }
}

async fn export_room(
    client: &Client,
    room: &Room,
    folder: &Path,
    (from, to): (Option<Timestamp>, Option<Timestamp>),
) -> Result<usize, ClientError> {
    let media = folder.join("media");
    std::fs::create_dir_all(&media).map_err(io_error(&media))?;
    let input = client.export_input(room, from, to).await?;
    client.record_export(room.id, "all", from, to).await?;
    for format in [Format::Json, Format::Csv, Format::Fhir] {
        write_atomic(
            &folder.join(format.file_name()),
            build(&input, format)?.as_bytes(),
        )?;
    }
    let mut fetched = 0;
    let photos = client.export_photos(&input)?;
    for photo in &photos {
        let file = folder.join(&photo.file);
        if file.exists() {
            continue; // from an interrupted run: checked when it was written
        }
        client.fetch_attachment_to(&photo.image, &file).await?;
        fetched += 1;
    }
    let marker = json!({ "room": room.id, "exported_at": crate::now(), "photos": photos.len() });
    write_atomic(&folder.join(COMPLETE_MARKER), marker.to_string().as_bytes())?;
    Ok(fetched)
}

fn progress(
    io: &mut Io<'_>,
    json: bool,
    done: usize,
    total: usize,
    photos: usize,
) -> Result<(), ClientError> {
    let line = if json {
        json!({ "progress": { "rooms_done": done, "rooms": total, "photos": photos } }).to_string()
    } else {
        format!("{done}/{total} rooms, {photos} photos（{done}/{total} ルーム、写真 {photos} 枚）")
    };
    writeln!(io.stderr, "{line}")
        .and_then(|()| io.stderr.flush())
        .map_err(|e| ClientError::InvalidInput(e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_are_whole_days_in_japan() {
        // 2026-11-25T00:00+09:00 is 2026-11-24T15:00Z.
        assert_eq!(
            day_start("2026-11-25", 0).unwrap().to_rfc3339(),
            "2026-11-24T15:00:00Z"
        );
        assert_eq!(
            day_start("2026-12-31", 1).unwrap().to_rfc3339(),
            "2026-12-31T15:00:00Z"
        );
        assert_eq!(
            day_start("2024-03-01", 0).unwrap().to_rfc3339(),
            "2024-02-29T15:00:00Z"
        );
        assert!(day_start("25/11/2026", 0).is_err());
    }
}
