//! The browser client: the files Vite built (`client-web/web/dist`, see
//! `ops/build-web.sh`), served at `/`. Not part of the API, so not in the OpenAPI
//! document.
//!
//! Every response carries the app-wide security headers (`app.rs`), including the
//! Content-Security-Policy the client is built for: no inline script or style,
//! WebAssembly allowed. Hashed build output under `/assets/` is cached for a
//! year; `index.html` and the unhashed files at the top (manifest, icons) are
//! revalidated every time so a new release is picked up at once. The client routes
//! in the URL fragment (`/#/invite/TOKEN`); a browser navigating to any other
//! unknown path outside the API also gets `index.html`.

use std::path::{Path, PathBuf};

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{guard, web, HttpRequest, HttpResponse};

use crate::error::ApiError;

/// Where the built client is, if anywhere (resolved once at start-up).
#[derive(Debug, Clone)]
pub struct WebClient {
    dir: Option<PathBuf>,
}

/// Paths that belong to the API and the operators, never to the client.
const SERVER_PATHS: [&str; 3] = ["/api", "/healthz", "/metrics"];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Shown at `/` when the server runs without a built client.
const NOT_BUILT: &str = "絆 Kizuna: このサーバーにはブラウザ用の画面が組み込まれていません。\n\
    ./ops/run.sh で起動するか、ops/build-web.sh で作成してから再起動してください（設定 web_dir）。\n\n\
    Kizuna: this server has no browser client to serve. Start it with ./ops/run.sh, or build \
    the client with ops/build-web.sh and restart (setting: web_dir).\n";

impl WebClient {
    /// Serves the client built into `dir` (`None`: no client).
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }
}

/// Registers `/` and `/assets/{file}`. Everything else comes through [`fallback`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::route().guard(get_or_head()).to(index))
            .default_service(web::to(not_found)),
    )
    .service(
        web::resource("/assets/{file}")
            .route(web::route().guard(get_or_head()).to(asset))
            .default_service(web::to(not_found)),
    );
}

fn get_or_head() -> impl guard::Guard {
    guard::Any(guard::Get()).or(guard::Head())
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

async fn index(client: web::Data<WebClient>) -> Result<HttpResponse, ApiError> {
    match &client.dir {
        Some(dir) => send(dir.join("index.html"), REVALIDATE).await,
        None => Ok(HttpResponse::NotFound()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body(NOT_BUILT)),
    }
}

async fn asset(client: web::Data<WebClient>, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (Some(dir), Some(name)) = (&client.dir, safe_name(&file)) else {
        return Err(ApiError::NotFound);
    };
    send(dir.join("assets").join(name), IMMUTABLE).await
}

/// Every request no route took: the top-level files of the client (manifest,
/// icons), `index.html` for a browser navigating to a path outside the API, and
/// the API's JSON `not_found` for everything else.
pub async fn fallback(client: web::Data<WebClient>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let Some(dir) = &client.dir else {
        return Err(ApiError::NotFound);
    };
    let server_path = SERVER_PATHS.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if server_path || !(req.method() == Method::GET || req.method() == Method::HEAD) {
        return Err(ApiError::NotFound);
    }
    if let Some(name) = path.strip_prefix('/').and_then(safe_name) {
        let file = dir.join(name);
        if name != "index.html" && is_file(file.clone()).await {
            return send(file, REVALIDATE).await;
        }
    }
    if wants_html(&req) {
        return send(dir.join("index.html"), REVALIDATE).await;
    }
    Err(ApiError::NotFound)
}

/// A single file name the build could have produced: no separators, no leading dot.
fn safe_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(name)
}

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

async fn is_file(path: PathBuf) -> bool {
    web::block(move || path.is_file()).await.unwrap_or(false)
}

async fn send(path: PathBuf, cache: &'static str) -> Result<HttpResponse, ApiError> {
    let content_type = content_type(&path);
    let read = web::block(move || std::fs::read(&path))
        .await
        .map_err(ApiError::internal)?;
    match read {
        Ok(bytes) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
            .body(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::NotFound),
        Err(e) => Err(ApiError::internal_in("reading a web client file", e)),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use actix_web::test::{call_service, init_service, TestRequest};
    use actix_web::App;

    fn built() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html><title>k</title>").unwrap();
        std::fs::write(dir.path().join("assets/index-abc123.js"), "export {}").unwrap();
        std::fs::write(dir.path().join("assets/core-abc123.wasm"), b"\0asm").unwrap();
        std::fs::write(dir.path().join("manifest.webmanifest"), "{}").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        dir
    }

    async fn get(dir: Option<PathBuf>, path: &str, accept: &str) -> (u16, String, String, String) {
        let app = init_service(
            App::new()
                .app_data(web::Data::new(WebClient::new(dir)))
                .configure(configure)
                .default_service(web::to(fallback)),
        )
        .await;
        let req = TestRequest::get()
            .uri(path)
            .insert_header((header::ACCEPT, accept))
            .to_request();
        let res = call_service(&app, req).await;
        let status = res.status().as_u16();
        let header = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (content_type, cache) = (header(header::CONTENT_TYPE), header(header::CACHE_CONTROL));
        let body = to_bytes(res.into_body()).await.unwrap_or_default();
        (
            status,
            content_type,
            cache,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[actix_web::test]
    async fn index_is_revalidated_and_hashed_assets_are_cached_for_a_year() {
        let dir = built();
        let root = Some(dir.path().to_path_buf());
        let (status, ty, cache, body) = get(root.clone(), "/", "text/html").await;
        assert_eq!(
            (status, ty.as_str(), cache.as_str()),
            (200, "text/html; charset=utf-8", "no-cache")
        );
        assert!(body.contains("<title>k</title>"));
        let (status, ty, cache, _) = get(root.clone(), "/assets/index-abc123.js", "*/*").await;
        assert_eq!(
            (status, ty.as_str(), cache.as_str()),
            (200, "text/javascript; charset=utf-8", IMMUTABLE)
        );
        let (status, ty, _, _) = get(root.clone(), "/assets/core-abc123.wasm", "*/*").await;
        assert_eq!((status, ty.as_str()), (200, "application/wasm"));
        let (status, ty, cache, _) = get(root, "/manifest.webmanifest", "*/*").await;
        assert_eq!(
            (status, ty.as_str(), cache.as_str()),
            (200, "application/manifest+json", "no-cache")
        );
    }

    #[actix_web::test]
    async fn browsers_get_the_client_for_unknown_paths_but_the_api_keeps_its_404() {
        let dir = built();
        let root = Some(dir.path().to_path_buf());
        let (status, _, _, body) = get(root.clone(), "/some/client/path", "text/html,*/*").await;
        assert_eq!(status, 200);
        assert!(body.contains("<title>k</title>"));
        for path in ["/api/v1/nothing", "/api", "/healthz/x", "/metrics/x"] {
            let (status, ty, _, body) = get(root.clone(), path, "text/html").await;
            assert_eq!((status, ty.as_str()), (404, "application/json"), "{path}");
            assert!(body.contains("not_found"), "{path}: {body}");
        }
        let (status, _, _, body) = get(root.clone(), "/no/such/page", "application/json").await;
        assert_eq!(status, 404);
        assert!(body.contains("not_found"));
        let (status, _, _, _) = get(root.clone(), "/assets/missing-1.js", "*/*").await;
        assert_eq!(status, 404);
    }

    #[actix_web::test]
    async fn nothing_outside_the_build_is_reachable() {
        let dir = built();
        let root = Some(dir.path().join("assets"));
        for path in [
            "/assets/..%2Findex.html",
            "/assets/%2e%2e%2fsecret.txt",
            "/..%2Fsecret.txt",
            "/.hidden",
            "/assets/.",
        ] {
            let (status, _, _, body) = get(root.clone(), path, "*/*").await;
            assert!(
                status == 404 && !body.contains("outside"),
                "{path}: {status} {body}"
            );
        }
    }

    #[actix_web::test]
    async fn without_a_built_client_the_root_says_how_to_build_it() {
        let (status, ty, _, body) = get(None, "/", "text/html").await;
        assert_eq!((status, ty.as_str()), (404, "text/plain; charset=utf-8"));
        assert!(body.contains("ops/build-web.sh"));
        let (status, _, _, body) = get(None, "/elsewhere", "text/html").await;
        assert_eq!(status, 404);
        assert!(body.contains("not_found"));
    }
}
