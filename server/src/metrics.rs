//! Prometheus metrics: requests by route and status, their latency, database pool
//! use and open WebSockets. One registry per server (no globals), so several
//! servers in one test process keep separate counts.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::state::AppState;

/// The server's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    health: IntGaugeVec,
    /// WebSockets open on this node.
    pub websockets: IntGauge,
    /// HTTP requests being answered now, until their body is sent (an open
    /// WebSocket counts until it closes).
    pub in_flight: IntGauge,
    /// Attachment ciphertext bytes stored by this node.
    pub blob_bytes_uploaded: IntCounter,
    /// Abandoned uploads this node deleted.
    pub blobs_swept: IntCounter,
}

impl Metrics {
    /// A fresh registry with Kizuna's metrics in it.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("kizuna".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route pattern, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer HTTP requests, by route pattern",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route", "method"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections, by state (idle, in_use, max)",
            ),
            &["state"],
        )?;
        let websockets = IntGauge::new("websockets_open", "WebSocket connections open on this node")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        let health = IntGaugeVec::new(
            Opts::new(
                "health_check_ok",
                "Outcome of the last /healthz check (1 passed, 0 failed), by check: database_read, database_write, blobs; the reason is logged",
            ),
            &["check"],
        )?;
        registry.register(Box::new(health.clone()))?;
        let blob_bytes_uploaded = IntCounter::new(
            "attachment_bytes_uploaded_total",
            "Attachment ciphertext bytes stored by this node",
        )?;
        let blobs_swept = IntCounter::new(
            "attachments_swept_total",
            "Abandoned uploads deleted by this node",
        )?;
        registry.register(Box::new(websockets.clone()))?;
        let in_flight = IntGauge::new(
            "http_requests_in_flight",
            "HTTP requests being answered now, until their body is sent (open WebSockets included)",
        )?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(blob_bytes_uploaded.clone()))?;
        registry.register(Box::new(blobs_swept.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool,
            health,
            websockets,
            in_flight,
            blob_bytes_uploaded,
            blobs_swept,
        })
    }

    fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[route, method]).observe(seconds);
    }

    /// Records the outcome of one `/healthz` check.
    pub fn health_check(&self, check: &str, ok: bool) {
        self.health.with_label_values(&[check]).set(i64::from(ok));
    }

    /// The metrics in Prometheus text format, with the pool gauges read now.
    pub fn render(&self, pool: kizuna_storage::PoolStatus) -> Result<String, prometheus::Error> {
        let in_use = pool.open.saturating_sub(pool.idle);
        self.pool.with_label_values(&["idle"]).set(i64::from(pool.idle));
        self.pool.with_label_values(&["in_use"]).set(i64::from(in_use));
        self.pool.with_label_values(&["max"]).set(i64::from(pool.max));
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// Middleware: counts and times every request, and writes one log line for it.
/// Routes are labelled by their pattern (`/api/v1/rooms/{id}`), never the raw
/// path, so IDs and tokens stay out of metrics and logs.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let in_flight = state.as_ref().map(|s| InFlight::new(&s.metrics.in_flight));
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(state) = state {
        state.metrics.observe(&route, &method, status, seconds);
    }
    tracing::info!(%method, %route, status, millis = seconds * 1000.0, "request");
    Ok(res.map_body(move |_, body| Counted {
        body: Box::pin(body),
        _in_flight: in_flight,
    }))
}

/// A response body that keeps its request counted as in flight until it is sent
/// (or dropped), so shutdown waits for a download to finish, not just to start.
pub struct Counted<B> {
    body: std::pin::Pin<Box<B>>,
    _in_flight: Option<InFlight>,
}

impl<B: MessageBody> MessageBody for Counted<B> {
    type Error = B::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        self.get_mut().body.as_mut().poll_next(cx)
    }
}

/// Counts a request as in flight until dropped (also when the client goes away).
pub struct InFlight(IntGauge);

impl InFlight {
    fn new(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}
