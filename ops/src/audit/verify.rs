//! Walks the audit chain from its first entry and checks every signed checkpoint.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use kizuna_server::audit::checkpoint::{self, Checkpoint};
use kizuna_storage::audit::chain::{self, Break, Link, Problem};
use kizuna_storage::audit::{self, checkpoints};

use super::{open, Deployment, EXIT_BROKEN};

const PAGE: i64 = 1000;

/// A finding that makes the log untrustworthy.
struct Finding {
    seq: Option<i64>,
    ja: String,
    en: String,
}

pub(super) async fn run(config: Option<PathBuf>, public_key: Option<String>) -> Result<ExitCode, String> {
    let deployment = open(config).await?;
    let trusted = trusted_key(&deployment, public_key).await?;
    let stored = checkpoint::load_all(&deployment.blobs)
        .await
        .map_err(|e| e.to_string())?;
    let wanted: HashSet<i64> = stored
        .iter()
        .filter_map(|c| c.as_ref().ok().map(|c| c.seq))
        .collect();
    let (walked, hashes) = walk(&deployment, &wanted).await?;
    let last = match walked {
        Ok(last) => last,
        Err(b) => return Ok(report(&broken_at(&b), &deployment)),
    };
    let db = deployment.db.clone();
    let head = db.run(chain::head).await.map_err(|e| e.to_string())?;
    if let Some(finding) = compare_head(&last, &head) {
        return Ok(report(&finding, &deployment));
    }
    let unchained = db.run(audit::unchained).await.map_err(|e| e.to_string())?;
    if let Some(row) = unchained.first() {
        let finding = Finding {
            seq: None,
            ja: format!("連番のない記録が挿入されています（ID {}）", row.event.id),
            en: format!("an entry without a seq was inserted (id {})", row.event.id),
        };
        return Ok(report(&finding, &deployment));
    }
    let checked = match check_checkpoints(&stored, &hashes, &last, trusted.as_deref()) {
        Ok(checked) => checked,
        Err(finding) => return Ok(report(&finding, &deployment)),
    };
    println!(
        "監査ログ: 正常 / audit log: intact — {} entries, {} signed checkpoints verified{}",
        last.seq,
        checked,
        if trusted.is_none() {
            " (公開鍵なし・署名未確認 / no public key: signatures not checked)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The public key to trust: given, else from the signing key file, else the copy in
/// the blob store (which whoever holds the bucket could replace: said so).
async fn trusted_key(deployment: &Deployment, given: Option<String>) -> Result<Option<String>, String> {
    if let Some(given) = given {
        let text = match std::fs::read_to_string(&given) {
            Ok(text) => text,
            Err(_) => given,
        };
        return Ok(Some(text.trim().to_owned()));
    }
    let path = checkpoint::key_path(&deployment.config);
    if path.exists() {
        let key = checkpoint::load_or_create_key(&path).map_err(|e| e.to_string())?;
        return Ok(Some(key.public_hex()));
    }
    let copy = checkpoints::get(&deployment.blobs, checkpoints::PUBLIC_KEY)
        .await
        .map_err(|e| e.to_string())?;
    if copy.is_some() {
        eprintln!(
            "注意: 公開鍵はバケット内の写しを使用 / note: using the public key stored in the blob store; \
             pass --public-key with your own copy to be sure"
        );
    }
    Ok(copy.map(|b| String::from_utf8_lossy(&b).trim().to_owned()))
}

type Walked = (Result<Link, Break>, BTreeMap<i64, String>);

/// Walks the chain page by page; keeps the hashes at the checkpoints' seqs.
async fn walk(deployment: &Deployment, wanted: &HashSet<i64>) -> Result<Walked, String> {
    let mut prev = Link::genesis();
    let mut hashes = BTreeMap::new();
    loop {
        let after = prev.seq;
        let page = deployment
            .db
            .run(move |conn| audit::chain_page(conn, after, PAGE))
            .await
            .map_err(|e| e.to_string())?;
        let next = match chain::check(prev.clone(), &page) {
            Ok(next) => next,
            Err(b) => return Ok((Err(b), hashes)),
        };
        for row in page.iter().filter(|r| wanted.contains(&r.seq)) {
            hashes.insert(row.seq, row.hash.clone().unwrap_or_default());
        }
        prev = next;
        if (page.len() as i64) < PAGE {
            return Ok((Ok(prev), hashes));
        }
    }
}

fn broken_at(b: &Break) -> Finding {
    let (ja, en) = match b.problem {
        Problem::Missing => ("記録が欠落しています（削除）", "the entry is missing (deleted)"),
        Problem::HashMismatch => (
            "内容がハッシュと一致しません（書き換えまたは挿入）",
            "its content does not match its hash (edited or inserted)",
        ),
        Problem::NoHash => ("ハッシュがありません（挿入）", "it has no hash (inserted)"),
    };
    Finding {
        seq: Some(b.seq),
        ja: ja.into(),
        en: en.into(),
    }
}

fn compare_head(last: &Link, head: &Link) -> Option<Finding> {
    if head.hash == "unsealed" {
        return None;
    }
    if last.seq < head.seq {
        return Some(Finding {
            seq: Some(last.seq + 1),
            ja: format!("末尾の記録が欠落しています（{} 件目まであるはず）", head.seq),
            en: format!(
                "entries at the end are missing (the chain's head says {})",
                head.seq
            ),
        });
    }
    if last.seq > head.seq || last.hash != head.hash {
        return Some(Finding {
            seq: Some(head.seq.min(last.seq) + 1),
            ja: "チェーンの先頭と一致しません（挿入または書き換え）".into(),
            en: "the chain does not end at its recorded head (inserted or rewritten)".into(),
        });
    }
    None
}

/// Every checkpoint must be signed by the trusted key and match the chain.
fn check_checkpoints(
    stored: &[Result<Checkpoint, String>],
    hashes: &BTreeMap<i64, String>,
    last: &Link,
    trusted: Option<&str>,
) -> Result<usize, Finding> {
    let mut good_before: i64 = 0;
    for found in stored {
        let cp = found.as_ref().map_err(|name| Finding {
            seq: None,
            ja: format!("チェックポイント {name} を読めません"),
            en: format!("checkpoint {name} cannot be read"),
        })?;
        if let Some(key) = trusted {
            if cp.public_key != key || !cp.signed_by(key) {
                return Err(Finding {
                    seq: Some(cp.seq),
                    ja: "チェックポイントの署名が正しくありません".into(),
                    en: "the checkpoint's signature is not valid for the trusted key".into(),
                });
            }
        }
        if cp.seq > last.seq {
            return Err(Finding {
                seq: Some(last.seq + 1),
                ja: format!(
                    "署名済みチェックポイント（{} 件目）より前で記録が途切れています（削除）",
                    cp.seq
                ),
                en: format!(
                    "the log ends before the signed checkpoint at seq {} (entries deleted)",
                    cp.seq
                ),
            });
        }
        if hashes.get(&cp.seq) != Some(&cp.hash) {
            return Err(Finding {
                seq: Some(good_before + 1),
                ja: format!(
                    "署名済みチェックポイント（{} 件目）と一致しません: {}〜{} 件目のどこかが書き換えられ、ハッシュが再計算されています",
                    cp.seq, good_before + 1, cp.seq
                ),
                en: format!(
                    "the chain does not match the signed checkpoint at seq {}: an entry between seq {} and {} was changed and the hashes recomputed",
                    cp.seq, good_before + 1, cp.seq
                ),
            });
        }
        good_before = cp.seq;
    }
    Ok(stored.len())
}

fn report(finding: &Finding, deployment: &Deployment) -> ExitCode {
    let at = finding.seq.map(|s| format!(" seq {s}:")).unwrap_or_default();
    println!(
        "監査ログ: 改ざんを検出 / audit log: TAMPERED —{at} {} / {}",
        finding.ja, finding.en
    );
    if let Some(seq) = finding.seq {
        println!("first bad seq: {seq}");
    }
    println!(
        "記録を調べ、バックアップと照合してください / examine the log and compare it with a backup ({})",
        deployment.blobs.description()
    );
    ExitCode::from(EXIT_BROKEN)
}
