//! A bound on the time to receive a request body, as actix already bounds the time
//! to receive the headers.
//!
//! The bound is on *progress*, not on the total: a 100 MB attachment from a phone
//! may take minutes, but it keeps arriving. A body is cut off when either
//!
//! - no byte arrived for `body_read_timeout_secs`, or
//! - after the first `body_read_timeout_secs`, it falls below an average of
//!   `body_min_bytes_per_sec` (a body of N bytes may take up to
//!   `body_read_timeout_secs + N / body_min_bytes_per_sec` seconds).
//!
//! The second rule catches a body dribbling one byte every few seconds, which the
//! first alone would keep open for ever. The clock starts when the handler first
//! reads the body, so time a handler spends before reading (a database look-up,
//! while the client is held back by TCP flow control) is not charged to the client.
//! A cut-off body is answered `408 request_timeout` and its connection closed.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::error::ApiError;

/// How fast a request body must arrive (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct BodyPace {
    /// The longest pause, and the grace before the rate applies.
    pub timeout: Duration,
    /// The average rate required after the grace, in bytes per second.
    pub min_bytes_per_sec: u64,
}

impl BodyPace {
    /// When the body must have made more progress, given when reading started, when
    /// the last bytes came and how many came in all.
    fn deadline(&self, started: Instant, last: Instant, received: u64) -> Instant {
        let idle = last + self.timeout;
        let allowance = Duration::from_secs_f64(received as f64 / self.min_bytes_per_sec.max(1) as f64);
        let rate = started + self.timeout + allowance;
        idle.min(rate)
    }
}

struct Paced {
    inner: Payload,
    pace: BodyPace,
    /// (started, last bytes) once the handler began reading.
    clock: Option<(Instant, Instant)>,
    received: u64,
    timer: Pin<Box<Sleep>>,
    tripped: Rc<Cell<bool>>,
}

impl Paced {
    fn trip(&mut self) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.tripped.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "request body arrived too slowly",
        )))))
    }
}

impl Stream for Paced {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.tripped.get() {
            return Poll::Ready(None);
        }
        let now = Instant::now();
        let (started, last) = *this.clock.get_or_insert((now, now));
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.received = this.received.saturating_add(bytes.len() as u64);
                this.clock = Some((started, now));
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => {
                let deadline = this.pace.deadline(started, last, this.received);
                if now >= deadline {
                    return this.trip();
                }
                this.timer.as_mut().reset(deadline);
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => this.trip(),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// Whether a request announces a body (WebSocket handshakes never do: their
/// "payload" is the socket's frames, which must not be timed).
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers.contains_key("upgrade") {
        return false;
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key("transfer-encoding")
}

/// Middleware: paces every request body; a body that stalls or dribbles is
/// answered `408 request_timeout` (and the connection closed), whatever the
/// handler made of the broken body.
pub async fn paced_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let pace = req.app_data::<web::Data<BodyPace>>().map(|p| *p.get_ref());
    let Some(pace) = pace.filter(|_| has_body(&req)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let tripped = Rc::new(Cell::new(false));
    let paced = Paced {
        inner: req.take_payload(),
        pace,
        clock: None,
        received: 0,
        timer: Box::pin(tokio::time::sleep(pace.timeout)),
        tripped: tripped.clone(),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(paced);
    req.set_payload(Payload::from(boxed));
    // The request is not cloned before routing: the router needs it unshared.
    let path = req.path().to_owned();
    let outcome = next.call(req).await;
    if !tripped.get() {
        return Ok(outcome?.map_into_left_body());
    }
    tracing::warn!(%path, "request body too slow: cut off");
    match outcome {
        Ok(response) => {
            let answer = ApiError::RequestTimeout.error_response();
            Ok(response.into_response(answer).map_into_right_body())
        }
        Err(_) => Err(ApiError::RequestTimeout.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_on_progress_not_on_the_total() {
        let pace = BodyPace {
            timeout: Duration::from_secs(10),
            min_bytes_per_sec: 1024,
        };
        let t0 = Instant::now();
        // Nothing yet: 10 s.
        assert_eq!(pace.deadline(t0, t0, 0), t0 + Duration::from_secs(10));
        // A byte every 2 s: the rate rule cuts it off at about 10 s, though it never pauses 10 s.
        let after_5_bytes = pace.deadline(t0, t0 + Duration::from_secs(10), 5);
        assert!(after_5_bytes < t0 + Duration::from_millis(10_010));
        // A fast upload of 50 MiB that then stalls: the pause rule, 10 s after the last bytes.
        let last = t0 + Duration::from_secs(60);
        assert_eq!(
            pace.deadline(t0, last, 50 * 1024 * 1024),
            last + Duration::from_secs(10)
        );
    }
}
