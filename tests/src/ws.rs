//! WebSockets as the tests and benchmarks open and read them.

use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

/// A WebSocket to the server.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An authenticated WebSocket to `base` (`http://…`), before its hello.
pub async fn connect(base: &str, token: &str) -> Result<Socket> {
    let url = format!("{}/api/v1/ws", base.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// [`connect`], then its hello read.
pub async fn connect_after_hello(base: &str, token: &str) -> Result<Socket> {
    let mut socket = connect(base, token).await?;
    let hello = socket.next().await.context("closed before hello")??;
    anyhow::ensure!(hello.to_text()?.contains("hello"), "no hello: {hello:?}");
    Ok(socket)
}

/// The next JSON text frame within two seconds.
pub async fn next_json(socket: &mut Socket) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).ok(),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// The first notice of `kind` (`{"type": kind, …}`) within two seconds of each frame,
/// skipping other notices.
pub async fn wait_for(socket: &mut Socket, kind: &str) -> Option<Value> {
    while let Some(message) = next_json(socket).await {
        if message["type"] == kind {
            return Some(message);
        }
    }
    None
}

/// The close code the server closes `socket` with, skipping other frames; `None`
/// if it stays open for 5 s or ends without one.
pub async fn close_code(socket: &mut Socket) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}
