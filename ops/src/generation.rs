//! Starting a new log generation: after every restore, so that clients re-read
//! every channel and tell their users the server was restored.

use kizuna_storage::Db;

/// Starts a new log generation and returns the line to print.
pub async fn start_new(db: &Db) -> Result<String, String> {
    let generation = db
        .run(kizuna_storage::groups::new_log_generation)
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "new log generation: {generation}. Clients re-read every channel when they next connect. \
         新しいログ世代を開始しました。クライアントは次回接続時に全チャンネルを読み直します。"
    ))
}
