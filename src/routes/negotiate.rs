//! Content negotiation between ActivityPub JSON and HTML for browsers.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

/// A browser gets HTML; anything asking for JSON (or not saying) gets JSON.
pub fn wants_html(req: &HttpRequest) -> bool {
    accepts_html(req.headers())
}

/// `wants_html` on the headers alone (for a route guard).
pub fn accepts_html(headers: &header::HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let wants_json = accept.contains("application/activity+json")
        || accept.contains("application/ld+json")
        || accept.contains("application/json");
    !wants_json && accept.contains("text/html")
}

pub fn activity_json(doc: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ACTIVITY_JSON)
        .insert_header((header::VARY, "Accept"))
        .body(doc.to_string())
}

pub fn html(body: String) -> HttpResponse {
    html_with(actix_web::http::StatusCode::OK, body)
}

/// An HTML page with another status than 200 (a page for people where a
/// server would get an error).
pub fn html_with(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "Accept"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(body)
}
