//! `/healthz` for load balancers and `/metrics` for Prometheus.

use crate::context::Context;
use crate::error::Error;
use actix_web::{web, HttpRequest, HttpResponse};

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<Context>) -> HttpResponse {
    match state.db.call(|db| db.ping()).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "database unavailable"}))
        }
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
        .body(state.metrics.render(queue, inbox_failed, population)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
