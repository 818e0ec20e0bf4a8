//! `/healthz` for load balancers and `/metrics` for Prometheus.

use crate::context::Context;
use crate::db::DbError;
use crate::error::Error;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// How long `/healthz` waits for the database before answering 503: well
/// inside the 5 s of the compose healthcheck, whatever the database does
/// (the pool alone waits 10 s for a connection).
pub const PING_WITHIN: Duration = Duration::from_millis(1500);

/// How long after a failed storage call `/healthz` says "not ready": a
/// database that answers a ping but cannot write (a full disk) fails
/// every write, and a load balancer should hear it.
pub const NOT_READY_FOR: Duration = Duration::from_secs(30);

/// One health ping at a time: a database that hangs holds one blocking
/// thread, not one per check.
#[derive(Default)]
pub struct HealthCheck {
    ping: Arc<tokio::sync::Mutex<()>>,
}

impl HealthCheck {
    async fn database_answers(&self, state: &Context) -> Result<(), String> {
        let ping = async {
            let held = self.ping.clone().lock_owned().await;
            state
                .db
                .call(move |db| {
                    let _one_at_a_time = held;
                    db.ping_within(PING_WITHIN)
                })
                .await
        };
        match tokio::time::timeout(PING_WITHIN, ping).await {
            Ok(answer) => answer.map_err(|e| e.to_string()),
            Err(_) => {
                let e = DbError::Task(format!("no answer within {PING_WITHIN:?}"));
                state.db.note_failure(&e);
                Err(e.to_string())
            }
        }
    }
}

/// 200 when the database answers within [`PING_WITHIN`] and no storage
/// call failed in the last [`NOT_READY_FOR`]; 503 otherwise, saying which.
pub async fn healthz(state: web::Data<Context>, check: web::Data<HealthCheck>) -> HttpResponse {
    if let Err(e) = check.database_answers(&state).await {
        tracing::error!(error = %e, "health check: database unavailable");
        return HttpResponse::ServiceUnavailable().json(json!({"status": "database unavailable"}));
    }
    let since_failure = state
        .db
        .last_storage_failure()
        .map(|at| crate::db::now_ms().saturating_sub(at));
    match since_failure {
        Some(ms) if u128::from(ms.unsigned_abs()) < NOT_READY_FOR.as_millis() => {
            tracing::warn!(seconds_ago = ms / 1000, "health check: storage failing");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "storage failing",
                "last_failure_seconds_ago": ms / 1000,
            }))
        }
        _ => HttpResponse::Ok().json(json!({"status": "ok"})),
    }
}

/// Only with `Authorization: Bearer $DEMESH_METRICS_TOKEN`: per-server
/// failure counts would tell strangers where the members are. Without a
/// configured token the endpoint does not exist.
pub async fn metrics(req: HttpRequest, state: web::Data<Context>) -> Result<HttpResponse, Error> {
    let Some(token) = state.config.metrics_token.as_deref() else {
        return Err(Error::NotFound);
    };
    let given = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
        return Err(Error::NotFound);
    }
    let (queue, (_, inbox_failed), population) = state
        .db
        .call(|db| {
            Ok((
                db.queue_gauges()?,
                db.incoming_counts()?,
                db.population_gauges()?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(
            state
                .metrics
                .render(queue, inbox_failed, population, state.db.storage_errors()),
        ))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
