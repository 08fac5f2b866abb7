//! The HTTP side: one `reqwest` client, the server's base URL and the session token.
//! Every request goes through [`Api::call`], which turns non-2xx answers into
//! [`ClientError::Server`] and undecodable bodies into [`ClientError::Protocol`].

use std::time::Duration;

use kizuna_proto::Redacted;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ClientError, Result};

/// Where every API path lives under the server URL.
const PREFIX: &str = "/api/v1";
/// How long one request may take (a sign-in hashes a password; a log page may be large).
const TIMEOUT: Duration = Duration::from_secs(60);

/// The server, as the client talks to it.
#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<Redacted<String>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

impl Api {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8080`).
    pub(crate) fn new(base: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
        })
    }

    /// Uses `token` for every later request.
    pub(crate) fn set_token(&mut self, token: Option<Redacted<String>>) {
        self.token = token;
    }

    /// The session token, if signed in.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.expose().as_str())
    }

    /// `GET {path}`.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.call(Method::GET, path, None::<&()>).await
    }

    /// `POST {path}` with a JSON body.
    pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `PUT {path}` with a JSON body.
    pub(crate) async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// `DELETE {path}`.
    pub(crate) async fn delete(&self, path: &str) -> Result<()> {
        self.call::<(), serde::de::IgnoredAny>(Method::DELETE, path, None)
            .await
            .map(|_| ())
    }

    /// `PUT {path}` with raw bytes (`application/octet-stream`, with Content-Length).
    pub(crate) async fn put_bytes<T: DeserializeOwned>(&self, path: &str, bytes: Vec<u8>) -> Result<T> {
        let request = self
            .request(Method::PUT, path)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        self.answer(path, request.send().await?).await
    }

    /// `PUT {path}` with a streamed body of `length` bytes (`application/octet-stream`).
    pub(crate) async fn put_stream<S, T>(&self, path: &str, length: u64, body: S) -> Result<T>
    where
        S: futures_util::Stream<Item = std::result::Result<Vec<u8>, std::io::Error>> + Send + 'static,
        T: DeserializeOwned,
    {
        let request = self
            .request(Method::PUT, path)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, length)
            .body(reqwest::Body::wrap_stream(body));
        self.answer(path, request.send().await?).await
    }

    /// `GET {path}` for raw bytes: the response, once it is known to be a success,
    /// to read as a stream.
    pub(crate) async fn get_stream(&self, path: &str) -> Result<reqwest::Response> {
        let response = self.request(Method::GET, path).send().await?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await?;
            return Err(ClientError::from_answer(status.as_u16(), &text));
        }
        Ok(response)
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.http.request(method, format!("{}{PREFIX}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        request
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.answer(path, request.send().await?).await
    }

    /// `GET {path}`, with the value of response header `header` (if present).
    pub(crate) async fn get_with_header<T: DeserializeOwned>(
        &self,
        path: &str,
        header: &str,
    ) -> Result<(T, Option<String>)> {
        let response = self.request(Method::GET, path).send().await?;
        let value = response
            .headers()
            .get(header)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((self.answer(path, response).await?, value))
    }

    async fn answer<T: DeserializeOwned>(&self, path: &str, response: reqwest::Response) -> Result<T> {
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(ClientError::from_answer(status.as_u16(), &text));
        }
        // 204 and other empty answers read as JSON `null`, so `()` and `IgnoredAny` fit.
        let text = if text.trim().is_empty() { "null" } else { &text };
        serde_json::from_str(text).map_err(|e| ClientError::Protocol(format!("{path}: {e}")))
    }
}

/// Percent-encodes one path segment (group IDs contain `/`).
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Lower-case hex, for key package IDs.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding, as the server speaks it.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes a base64 field of a server answer.
pub(crate) fn unb64(field: &str, text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| ClientError::Protocol(format!("{field} is not base64")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_become_one_path_segment() {
        assert_eq!(
            segment("3f2a/team"),
            "3f2a%2Fteam",
            "a slash would split the path"
        );
        assert_eq!(segment("a b?c#d"), "a%20b%3Fc%23d");
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(unb64("x", &b64(b"kizuna")).unwrap(), b"kizuna");
        assert!(unb64("x", "%%%").is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        let mut api = Api::new("http://127.0.0.1:1/").unwrap();
        api.set_token(Some(Redacted::new("secret-session".into())));
        assert_eq!(api.base, "http://127.0.0.1:1");
        assert!(!format!("{api:?}").contains("secret-session"));
    }
}
