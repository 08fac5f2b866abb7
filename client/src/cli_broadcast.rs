//! `kizuna broadcast …`: regional notices from the command line, with the same
//! verdict the browser shows (official, expired, or not official and why).

use clap::Subcommand;
use kizuna_crypto::broadcast::Officer;
use kizuna_crypto::DeviceVerifyingKey;
use kizuna_proto::{BroadcastId, OrganisationId, Severity};
use serde_json::json;

use super::{out, Io};
use crate::broadcasts::{BroadcastImage, NewBroadcast, ReceiptState, ReceivedBroadcast};
use crate::{Client, ClientError, RosterReport, Standing};

#[derive(Subcommand, Debug)]
pub(super) enum Action {
    /// The notices that reach me, newest first, each checked. / 受信したお知らせ
    List,
    /// Acknowledge a notice (the banner goes away). / 確認済みにする
    Ack {
        /// The notice's ID.
        id: BroadcastId,
        /// Only mark it opened, not acknowledged.
        #[arg(long)]
        opened: bool,
    },
    /// Send a notice to the organisation's region (broadcast officers). / お知らせを送信
    Send {
        /// The organisation (medical association or city) sending it.
        #[arg(long)]
        org: OrganisationId,
        /// info, caution, warning or emergency (情報・注意・警戒・緊急).
        #[arg(long)]
        severity: Severity,
        /// The headline.
        #[arg(long)]
        title: String,
        /// The area it concerns, in words.
        #[arg(long)]
        area: String,
        /// What to do.
        #[arg(long)]
        body: String,
        /// How long it stays current, in hours.
        #[arg(long, default_value_t = 24)]
        hours: u32,
        /// Open a safety check (安否確認) in every room in scope.
        #[arg(long)]
        safety_check: bool,
        /// Send it to families and welfare volunteers too.
        #[arg(long)]
        include_families: bool,
        /// Attach an image (an evacuation map); its metadata is removed first. / 避難地図など
        #[arg(long)]
        image: Option<std::path::PathBuf>,
    },
    /// Save a notice's image (checked against what the officer signed). / 添付画像を保存
    Image {
        /// The notice's ID.
        id: BroadcastId,
        /// Where to write it (JPEG).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Show or publish the organisation's officer roster. / 担当者名簿
    Roster {
        /// The organisation.
        #[arg(long)]
        org: OrganisationId,
        /// Publish a new version listing this device and these officers
        /// (USER:DEVICE:KEY, as `kizuna broadcast whoami` prints).
        #[arg(long)]
        publish: bool,
        /// Officers besides this device, for --publish.
        #[arg(long = "officer", value_parser = parse_officer)]
        officers: Vec<Officer>,
    },
    /// This device as an officer (USER:DEVICE:KEY), for a roster. / この端末の署名者情報
    Whoami,
}

/// `USER:DEVICE:KEY`, the key as 64 hex digits.
fn parse_officer(text: &str) -> Result<Officer, String> {
    let [user, device, key] = text.split(':').collect::<Vec<_>>()[..] else {
        return Err("expected USER:DEVICE:KEY".into());
    };
    let bytes: Vec<u8> = (0..key.len())
        .step_by(2)
        .map(|i| {
            key.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or("the key is not hex")?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| "the key is not 32 bytes")?;
    Ok(Officer {
        user: user.parse().map_err(|e| format!("{e}"))?,
        device: device.parse().map_err(|e| format!("{e}"))?,
        key: DeviceVerifyingKey::from_bytes(&bytes).map_err(|e| e.to_string())?,
    })
}

fn officer_line(officer: &Officer) -> String {
    let key: String = officer
        .key
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}:{}:{key}", officer.user, officer.device)
}

fn notice_text(received: &ReceivedBroadcast) -> String {
    let view = &received.view;
    let mark = match view.standing {
        Standing::Official => "公式 / official",
        Standing::Expired => "期限切れ / expired",
        Standing::Unverified => "未確認 / NOT VERIFIED",
    };
    let mut text = match &view.broadcast {
        Some(b) => format!(
            "{}  [{}]  {} / {}  {}\n  {}: {}\n  {}",
            received.id,
            mark,
            b.severity.label_ja(),
            b.severity.label_en(),
            b.title,
            received.sender,
            b.area,
            b.body
        ),
        None => format!("{}  [{mark}]  (読み取れません / unreadable)", received.id),
    };
    if view.broadcast.as_ref().is_some_and(|b| b.attachment.is_some()) {
        text.push_str(&format!(
            "\n  画像あり / image attached: kizuna broadcast image {} --out map.jpg",
            received.id
        ));
    }
    if let Some(warning) = &view.warning {
        text.push_str(&format!("\n  ⚠ {}\n  ⚠ {}", warning.ja, warning.en));
    }
    if received.receipt.acknowledged_at.is_some() {
        text.push_str("\n  確認済み / acknowledged");
    }
    text
}

fn roster_text(report: &RosterReport) -> String {
    match report {
        RosterReport::Pinned {
            officers, fingerprint, ..
        } => format!(
            "名簿を登録しました（初回）/ Roster pinned on first sight: {} officer(s)\n  \
             指紋 / fingerprint: {fingerprint} — 発信元が公表している値と照合してください / compare it with the one the organisation publishes",
            officers.len()
        ),
        RosterReport::Changed {
            version, added, removed, ..
        } => format!(
            "名簿が第{version}版に更新されました / Roster changed to version {version}: +{} −{}",
            added.len(),
            removed.len()
        ),
        RosterReport::Unchanged { version } => format!("名簿は第{version}版のままです / Roster unchanged (version {version})"),
        RosterReport::Refused { error } => format!("名簿の変更を拒否しました / Roster change refused: {} / {}", error.ja, error.en),
    }
}

pub(super) async fn run(
    client: &mut Client,
    action: Action,
    io: &mut Io<'_>,
    json: bool,
) -> Result<(), ClientError> {
    match action {
        Action::List => {
            let notices = client.broadcasts().await?;
            out(io, json, &notices, || {
                if notices.is_empty() {
                    return "お知らせはありません / No notices".into();
                }
                notices.iter().map(notice_text).collect::<Vec<_>>().join("\n\n")
            })
        }
        Action::Ack { id, opened } => {
            let state = if opened {
                ReceiptState::Opened
            } else {
                ReceiptState::Acknowledged
            };
            client.mark_broadcast(id, state).await?;
            out(io, json, &json!({ "id": id, "state": state }), || {
                format!("記録しました / Recorded: {id}")
            })
        }
        Action::Send {
            org,
            severity,
            title,
            area,
            body,
            hours,
            safety_check,
            include_families,
            image,
        } => {
            let image = match image {
                Some(path) => Some(BroadcastImage::File(std::fs::read(&path).map_err(|e| {
                    ClientError::InvalidInput(format!("{}: {e} (画像を読めません)", path.display()))
                })?)),
                None => None,
            };
            let draft = NewBroadcast {
                severity,
                title,
                area,
                body,
                valid_for_hours: hours,
                safety_check,
                include_families,
                image,
            };
            let id = client.send_broadcast(org, draft).await?;
            out(io, json, &json!({ "id": id }), || {
                format!("送信しました / Sent: {id}")
            })
        }
        Action::Image { id, out: destination } => {
            client.broadcast_image_to(id, &destination).await?;
            out(io, json, &json!({ "id": id, "saved": destination }), || {
                format!("画像を保存しました / Image saved: {}", destination.display())
            })
        }
        Action::Roster {
            org,
            publish,
            mut officers,
        } => {
            let reports = if publish {
                officers.insert(0, client.officer()?);
                vec![client.publish_roster(org, officers).await?]
            } else {
                client.sync_roster(org).await?
            };
            out(io, json, &reports, || {
                reports.iter().map(roster_text).collect::<Vec<_>>().join("\n")
            })
        }
        Action::Whoami => {
            let me = client.officer()?;
            out(io, json, &me, || officer_line(&me))
        }
    }
}

#[cfg(test)]
mod tests {
    use kizuna_crypto::{DeviceIdentity, DeviceSigningKey};
    use kizuna_proto::{DeviceId, UserId};

    use super::*;
    use crate::OsRandom;

    #[test]
    fn whoami_prints_what_roster_publish_reads_back() {
        let key = DeviceSigningKey::generate(&mut OsRandom);
        let identity = DeviceIdentity::from_signing_key(
            UserId::from_uuid(uuid::Uuid::new_v4()),
            DeviceId::from_uuid(uuid::Uuid::new_v4()),
            key,
        );
        let me = kizuna_engine::officer::officer(&identity);
        let line = officer_line(&me);
        assert_eq!(line.split(':').count(), 3, "{line}");
        assert_eq!(parse_officer(&line), Ok(me));
        assert!(parse_officer("someone").is_err());
        let mut broken = line.clone();
        broken.truncate(line.len() - 4);
        assert!(parse_officer(&broken).is_err(), "a cut key was accepted");
    }
}
