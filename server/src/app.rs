//! Building and running the HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use kizuna_storage::{BlobStore, Db, DbOptions};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::{scope, AppExt};

use crate::auth::webauthn::Relying;
use crate::config::Config;
use crate::error::ApiError;
use crate::live::Live;
use crate::metrics::{self, Metrics};
use crate::origin::{same_origin_only, AllowedOrigins};
use crate::refusals::{json_refusals, JsonLimit};
use crate::routes;
use crate::slow_body::{paced_bodies, BodyPace};
use crate::state::{AppState, Clock};

/// Why the server could not start. Each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory cannot be created or written.
    #[error("data directory {path}: {reason}. Choose another with KIZUNA_DATA_DIR or fix its permissions and free space.")]
    DataDir {
        /// The directory.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The database cannot be opened or migrated.
    #[error("{0}. Check KIZUNA_DATABASE_URL and that the database server is running.")]
    Database(kizuna_storage::StorageError),
    /// The blob store cannot be opened.
    #[error("{0}. Check KIZUNA_BLOB_URL and the S3 settings.")]
    Blobs(kizuna_storage::BlobError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {reason}. Is another server running there? Set KIZUNA_LISTEN to another address.")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        reason: String,
    },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Opens the data directory, database and blob store named by the configuration.
/// Blocking; run it before serving.
pub fn open_state(config: Config, clock: Clock) -> Result<AppState, StartError> {
    ensure_writable_dir(&config.data_dir)?;
    let db = Db::open(
        &config.database_url(),
        &DbOptions {
            max_connections: config.database_max_connections,
            acquire_timeout: std::time::Duration::from_secs(config.database_acquire_timeout_secs),
        },
    )
    .map_err(StartError::Database)?;
    let location = config
        .blob_location()
        .map_err(|e| StartError::Other(e.to_string()))?;
    let blobs = BlobStore::open(&location).map_err(StartError::Blobs)?;
    let metrics = Metrics::new().map_err(|e| StartError::Other(e.to_string()))?;
    let relying = Relying::new(&config, &db).map_err(|e| StartError::Other(e.to_string()))?;
    let notifier =
        crate::notify::Notifier::new(&config, &db).map_err(|e| StartError::Other(e.to_string()))?;
    let live = Live::default();
    let appender = crate::appender::Appender::start(db.clone(), live.clone());
    Ok(AppState {
        db,
        blobs,
        config: Arc::new(config),
        metrics,
        clock,
        relying,
        live,
        appender,
        notifier,
    })
}

fn ensure_writable_dir(dir: &std::path::Path) -> Result<(), StartError> {
    let fail = |reason: String| StartError::DataDir {
        path: dir.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it ({e})")))?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"kizuna").map_err(|e| fail(format!("cannot write to it ({e})")))?;
    std::fs::remove_file(&probe).map_err(|e| fail(format!("cannot remove a file in it ({e})")))?;
    Ok(())
}

/// A server that is running.
pub struct Running {
    /// The address it listens on (useful when the port was 0).
    pub addr: SocketAddr,
    /// Stops it.
    pub handle: ServerHandle,
    /// Stops it the way a node should stop (see [`Stopper::stop`]).
    pub stopper: Stopper,
    /// Resolves when it has stopped.
    pub server: Server,
}

/// Stops a node: what SIGTERM does.
#[derive(Clone)]
pub struct Stopper {
    handle: ServerHandle,
    live: Live,
    metrics: Metrics,
}

impl Stopper {
    /// Closes every WebSocket at once with 1001 (going away), so clients reconnect
    /// to another node instead of waiting, then stops accepting and lets in-flight
    /// HTTP requests finish (up to `shutdown_timeout_secs`). Idle keep-alive
    /// connections are closed at once. Resolves when the server has stopped.
    pub async fn stop(self) {
        let closed = self.live.close_all();
        tracing::info!(websockets = closed, "closing WebSockets (1001 going away)");
        self.handle.stop(true).await;
    }

    /// Resolves once no WebSocket is open and no HTTP request is in flight (after
    /// [`stop`](Self::stop) began), plus a moment for the last close frames to be
    /// written. actix checks its workers only once a second while stopping; a node
    /// that has drained may exit at once instead.
    pub async fn drained(&self) {
        const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);
        loop {
            while self.live.open_connections() > 0 || self.metrics.in_flight.get() > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            tokio::time::sleep(SETTLE).await;
            if self.live.open_connections() == 0 && self.metrics.in_flight.get() == 0 {
                return;
            }
        }
    }
}

/// Binds the listen address and starts serving. The returned server must be
/// awaited (or spawned) to run.
pub fn serve(state: AppState) -> Result<Running, StartError> {
    let config = state.config.clone();
    crate::fanout::spawn_listener(config.database_url(), state.db.clone(), state.live.clone());
    crate::heartbeat::spawn(state.clone());
    crate::sweep::spawn(state.clone());
    crate::notify::events::spawn(state.clone());
    crate::anomaly::job::spawn(state.clone());
    crate::audit::checkpoint::spawn(state.clone());
    crate::service::retention::job::spawn(state.clone());
    let live = state.live.clone();
    let metrics = state.metrics.clone();
    let origins = config
        .request_origins()
        .map_err(|e| StartError::Other(e.to_string()))?;
    let origins = web::Data::new(AllowedOrigins(origins));
    let pace = web::Data::new(BodyPace {
        timeout: std::time::Duration::from_secs(config.body_read_timeout_secs),
        min_bytes_per_sec: config.body_min_bytes_per_sec,
    });
    let guards = Guards {
        origins,
        pace,
        json_limit: web::Data::new(JsonLimit(config.max_json_body_bytes)),
    };
    let data = web::Data::new(state);
    let document = web::Data::new(routes::openapi::ApiDocument(openapi_document()));
    let client = web::Data::new(routes::web::WebClient::new(config.web_dir()));
    let factory = move || build_app(data.clone(), document.clone(), client.clone(), guards.clone());
    // Signals are handled by the caller (see main.rs), installed before the server
    // reports ready, so a SIGTERM right after start-up still shuts down gracefully.
    let mut server = HttpServer::new(factory)
        .shutdown_timeout(config.shutdown_timeout_secs)
        .disable_signals();
    if let Some(workers) = config.workers {
        server = server.workers(workers.max(1));
    }
    let server = server.bind(config.listen).map_err(|e| StartError::Bind {
        addr: config.listen,
        reason: e.to_string(),
    })?;
    let addr = server.addrs().first().copied().unwrap_or(config.listen);
    let server = server.run();
    let handle = server.handle();
    Ok(Running {
        addr,
        stopper: Stopper {
            handle: handle.clone(),
            live,
            metrics,
        },
        handle,
        server,
    })
}

/// The OpenAPI document of the whole API, collected from the registered handlers
/// (so an endpoint cannot be served without being documented).
pub fn openapi_document() -> OpenApi {
    let (_, api) = App::new().into_utoipa_app().configure(register).split_for_parts();
    finish_document(api)
}

fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::health::healthz)
        .service(routes::metrics::metrics)
        .service(routes::openapi::openapi_json)
        .service(
            scope::scope("/api/v1")
                .service(routes::invitations::inspect)
                .service(routes::registration::register_begin)
                .service(routes::registration::register_finish)
                .service(routes::auth::sign_in_begin)
                .service(routes::auth::sign_in_finish)
                .service(routes::auth::sign_out)
                .service(routes::me::me)
                .service(routes::me::list_sessions)
                .service(routes::me::revoke_session)
                .service(routes::me::list_credentials)
                .service(routes::me::add_credential_begin)
                .service(routes::me::add_credential_finish)
                .service(routes::me::remove_credential)
                .service(routes::me::reauth_begin)
                .service(routes::me::reauth_finish)
                .service(routes::me::change_password)
                .service(routes::admin::create_organisation)
                .service(routes::admin::list_organisations)
                .service(routes::admin::invite_staff)
                .service(routes::admin::list_staff)
                .service(routes::admin::staff_action)
                .service(routes::admin::change_role)
                .service(routes::admin::reset)
                .service(routes::admin::reset_ledger_export)
                .service(routes::access::history)
                .service(routes::access::history_csv)
                .service(routes::access::rooms)
                .service(routes::staff_devices::revoke_staff_device)
                .service(routes::rooms::create_room)
                .service(routes::rooms::invite_to_room)
                .service(routes::rooms::my_rooms)
                .service(routes::rooms::members)
                .service(routes::rooms::remove_member)
                .service(routes::exports::record)
                .service(routes::retention::close_room)
                .service(routes::retention::reopen_room)
                .service(routes::retention::place_hold)
                .service(routes::retention::lift_hold)
                .service(routes::retention::get_retention)
                .service(routes::retention::put_retention)
                .service(routes::room_state::put_room_state)
                .service(routes::room_state::put_sealed_invitee_name)
                .service(routes::invitations::accept)
                .service(routes::delivery::register_device)
                .service(routes::delivery::list_devices)
                .service(routes::delivery::revoke_device)
                .service(routes::delivery::bind_session)
                .service(routes::delivery::upload_key_packages)
                .service(routes::delivery::claim_key_packages)
                .service(routes::channels::create_group)
                .service(routes::channels::get_group)
                .service(routes::channels::append_commit)
                .service(routes::channels::take_welcomes)
                .service(routes::delivery::append_message)
                .service(routes::delivery::fetch_messages)
                .service(routes::blobs::upload)
                .service(routes::blobs::download)
                .service(routes::reads::mark_read)
                .service(routes::reads::positions)
                .service(routes::reads::unread)
                .service(routes::broadcasts::post_roster)
                .service(routes::broadcasts::get_roster)
                .service(routes::broadcasts::send)
                .service(routes::broadcasts::list)
                .service(routes::broadcasts::receipt)
                .service(routes::broadcasts::receipt_totals)
                .service(routes::broadcasts::upload_image)
                .service(routes::safety::answer)
                .service(routes::safety::my_rooms)
                .service(routes::safety::dashboard)
                .service(routes::safety::dashboard_csv)
                .service(routes::safety::close)
                .service(routes::emergency::prepare)
                .service(routes::emergency::list)
                .service(routes::emergency::approve)
                .service(routes::emergency::end)
                .service(routes::emergency::reseal)
                .service(routes::emergency::declare)
                .service(routes::emergency::current)
                .service(routes::emergency::end_disaster)
                .service(routes::notifications::vapid_key)
                .service(routes::notifications::subscribe)
                .service(routes::notifications::unsubscribe)
                .service(routes::notifications::get_settings)
                .service(routes::notifications::put_settings)
                .service(routes::notifications::get_escalation)
                .service(routes::notifications::put_escalation)
                .service(routes::alerts::list)
                .service(routes::alerts::close)
                .service(routes::ws::ws),
        );
}

fn finish_document(mut api: OpenApi) -> OpenApi {
    api.info.title = "Kizuna API".into();
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.contact = None;
    api.info.license = Some(utoipa::openapi::License::new("AGPL-3.0-or-later"));
    api.info.description = Some(
        "Secure messaging for home-care teams. Every error is a JSON `ErrorBody` with a stable `code`."
            .into(),
    );
    api
}

/// The settings the request guards (origin, body pace, JSON refusals) read.
#[derive(Clone)]
struct Guards {
    origins: web::Data<AllowedOrigins>,
    pace: web::Data<BodyPace>,
    json_limit: web::Data<JsonLimit>,
}

fn build_app(
    data: web::Data<AppState>,
    document: web::Data<routes::openapi::ApiDocument>,
    client: web::Data<routes::web::WebClient>,
    guards: Guards,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let config = data.config.clone();
    let json_limit = config.max_json_body_bytes;
    App::new()
        .into_utoipa_app()
        .app_data(data)
        .app_data(document)
        .app_data(
            web::JsonConfig::default()
                .limit(json_limit)
                .error_handler(move |err, _req| json_error(err, json_limit).into()),
        )
        .configure(register)
        .into_app()
        .app_data(client)
        .app_data(guards.origins)
        .app_data(guards.pace)
        .app_data(guards.json_limit)
        .configure(routes::web::configure)
        .default_service(web::to(routes::web::fallback))
        // Innermost first: bodies are paced and cross-site requests refused before
        // any handler runs; every refusal, the framework's too, leaves as JSON.
        .wrap(from_fn(paced_bodies))
        .wrap(from_fn(same_origin_only))
        .wrap(from_fn(json_refusals))
        .wrap(security_headers(config.is_tls()))
        .wrap(Compress::default())
        .wrap(from_fn(metrics::track))
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge { limit: limit as u64 }
        }
        JsonPayloadError::Payload(PayloadError::Overflow) => {
            ApiError::PayloadTooLarge { limit: limit as u64 }
        }
        JsonPayloadError::ContentType => ApiError::ExpectedJson,
        JsonPayloadError::Deserialize(e) => ApiError::MalformedJson(e.to_string()),
        other => ApiError::MalformedJson(other.to_string()),
    }
}

/// Headers on every response: a strict CSP (no inline script; WebAssembly allowed
/// for the client's crypto core), no sniffing, no framing, no referrer, no caching
/// of API answers (the web client's files set their own `Cache-Control`, which
/// these defaults leave alone), and HSTS when the public URL is https.
fn security_headers(tls: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if tls {
        headers = headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"));
    }
    headers
}
