//! `kizuna safety …`: answering a regional safety check (安否確認) for a client,
//! and seeing my rooms' answers. The answer's details stay in the team channel,
//! end-to-end encrypted; the server gets the coarse status only.

use clap::Subcommand;
use kizuna_crypto::content::SafetyReport;
use kizuna_proto::{BroadcastId, RoomId, SafetyNeed, SafetyStatus};
use serde_json::json;

use super::{out, Io};
use crate::{Client, ClientError, SafetyRoom};

#[derive(Subcommand, Debug)]
pub(super) enum Action {
    /// Answer for one client. / 利用者の安否を回答
    Answer {
        /// The notice that opened the check.
        #[arg(long)]
        broadcast: BroadcastId,
        /// The client's room.
        #[arg(long)]
        room: RoomId,
        /// safe, needs_support, unreachable or evacuated (無事・要支援・連絡取れず・避難済み).
        #[arg(long)]
        status: SafetyStatus,
        /// With needs_support: medical, evacuation, supplies or other (医療・避難・物資・その他).
        #[arg(long)]
        need: Option<SafetyNeed>,
        /// With evacuated: where the client is now (team channel only). / 避難先
        #[arg(long)]
        to: Option<String>,
        /// A note for the team (team channel only, encrypted). / チームへのメモ
        #[arg(long, default_value = "")]
        note: String,
    },
    /// My rooms in a check and their answers. / 担当ルームの回答状況
    Status {
        /// The notice that opened the check.
        #[arg(long)]
        broadcast: BroadcastId,
    },
}

fn status_label(status: Option<SafetyStatus>, need: Option<SafetyNeed>) -> String {
    match (status, need) {
        (None, _) => "未回答 / not answered".into(),
        (Some(s), Some(n)) => format!(
            "{}（{}）/ {} ({})",
            s.label_ja(),
            n.label_ja(),
            s.label_en(),
            n.label_en()
        ),
        (Some(s), None) => format!("{} / {}", s.label_ja(), s.label_en()),
    }
}

fn room_line(room: &SafetyRoom) -> String {
    let name = room.name.as_deref().unwrap_or("(名前を取得中… / loading name…)");
    format!("{}  {}  {name}", room.room, status_label(room.status, room.need))
}

pub(super) async fn run(
    client: &mut Client,
    action: Action,
    io: &mut Io<'_>,
    json: bool,
) -> Result<(), ClientError> {
    match action {
        Action::Answer {
            broadcast,
            room,
            status,
            need,
            to,
            note,
        } => {
            if status == SafetyStatus::NeedsSupport && need.is_none() {
                return Err(ClientError::InvalidInput(
                    "say what support is needed with --need (medical, evacuation, supplies, other) \
                     (要支援には --need で支援の種類を指定してください)"
                        .into(),
                ));
            }
            let report = SafetyReport {
                broadcast,
                status,
                need,
                evacuated_to: to,
            };
            let seq = client.answer_safety(room, report, &note).await?;
            out(
                io,
                json,
                &json!({ "room": room, "status": status, "seq": seq }),
                || {
                    format!(
                    "回答しました / Answered: {} — 詳細はチームチャンネルに投稿しました / details posted to the team channel (#{seq})",
                    status_label(Some(status), need)
                )
                },
            )
        }
        Action::Status { broadcast } => {
            let rooms = client.safety_rooms(broadcast).await?;
            out(io, json, &rooms, || {
                let head = if rooms.open {
                    "安否確認（受付中）/ Safety check (open)"
                } else {
                    "安否確認（終了）/ Safety check (closed)"
                };
                let lines: Vec<String> = rooms.rooms.iter().map(room_line).collect();
                if lines.is_empty() {
                    return format!("{head}\n  担当ルームはありません / none of your rooms is in its area");
                }
                format!("{head}\n{}", lines.join("\n"))
            })
        }
    }
}
