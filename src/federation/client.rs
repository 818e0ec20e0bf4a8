//! The outgoing HTTP client: timeouts, size limits, address checks, and
//! signatures on every request.

use crate::signatures::sign_request;
use openssl::pkey::{PKey, Private};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// How long an idle connection to a server is kept for reuse (then
/// closed within as long again: the pool is swept at this interval).
pub const POOL_IDLE: Duration = Duration::from_secs(30);

/// Largest response body we read (actor documents are a few KiB).
const MAX_RESPONSE: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused URL {0}: {1}")]
    Refused(String, &'static str),
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{0}")]
    Network(String),
    #[error("bad document from {0}: {1}")]
    Invalid(String, String),
}

/// A signing identity: key id and private key.
#[derive(Clone)]
pub struct SigningKey {
    pub key_id: String,
    pub key: Arc<PKey<Private>>,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allow_private: bool,
}

impl Client {
    pub fn new(allow_private_networks: bool) -> anyhow::Result<Client> {
        let allow = allow_private_networks;
        // Every redirect hop is checked like the first URL (scheme and
        // literal address here; names by the resolver below).
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 {
                return attempt.error("too many redirects");
            }
            match url_allowed(attempt.url(), allow) {
                Ok(()) => attempt.follow(),
                Err(why) => attempt.error(why),
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("demesh/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .redirect(redirects)
            .pool_max_idle_per_host(8)
            // An idle connection holds ~20 KB here (hyper's buffers and
            // channel; heaptrack after 1,000 joins: 28 MB for 1,000
            // servers) for as long as it is kept; reqwest's default is
            // 90 s. Mastodon keeps its own idle ones 30 s.
            .pool_idle_timeout(POOL_IDLE);
        if !allow {
            builder = builder.dns_resolver(Arc::new(super::guard::GuardedResolver));
        }
        let http = builder.build()?;
        Ok(Client {
            http,
            allow_private: allow_private_networks,
        })
    }

    /// Only http(s), and in production only https to public addresses.
    pub fn check_url(&self, raw: &str) -> Result<Url, FetchError> {
        let url = Url::parse(raw).map_err(|_| FetchError::Refused(raw.into(), "not a URL"))?;
        url_allowed(&url, self.allow_private)
            .map_err(|why| FetchError::Refused(raw.into(), why))?;
        Ok(url)
    }

    /// GET an ActivityPub document, signed (authorized-fetch servers need it).
    pub async fn get_json(
        &self,
        raw: &str,
        signer: &SigningKey,
    ) -> Result<serde_json::Value, FetchError> {
        let url = self.check_url(raw)?;
        let headers = sign_request("GET", &url, None, &signer.key_id, &signer.key)
            .map_err(|e| FetchError::Network(e.to_string()))?;
        let req = self.http.get(url.clone()).header(
            "accept",
            "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        );
        let res = send_signed(req, headers, raw).await?;
        let status = res.status().as_u16();
        if status != 200 {
            return Err(FetchError::Status {
                url: raw.into(),
                status,
            });
        }
        if !is_json(&res) {
            return Err(FetchError::Invalid(
                raw.into(),
                "not a JSON document".into(),
            ));
        }
        let body = read_limited(res, raw).await?;
        serde_json::from_slice(&body).map_err(|e| FetchError::Invalid(raw.into(), e.to_string()))
    }

    /// POST a signed ActivityPub body, with a `Collection-Synchronization`
    /// header when one is given (FEP-8fcf); returns the status code.
    pub async fn post_activity(
        &self,
        raw: &str,
        body: String,
        signer: &SigningKey,
        collection_sync: Option<String>,
    ) -> Result<u16, FetchError> {
        let url = self.check_url(raw)?;
        let headers = sign_request(
            "POST",
            &url,
            Some(body.as_bytes()),
            &signer.key_id,
            &signer.key,
        )
        .map_err(|e| FetchError::Network(e.to_string()))?;
        let mut req = self
            .http
            .post(url.clone())
            .header("content-type", "application/activity+json")
            // Moved, not copied: a fan-out sends one body per server.
            .body(body);
        if let Some(value) = collection_sync {
            req = req.header("collection-synchronization", value);
        }
        let res = send_signed(req, headers, raw).await?;
        Ok(res.status().as_u16())
    }
}

/// Adds the signature headers (reqwest sets Host itself, to the same
/// value that was signed) and sends.
async fn send_signed(
    mut req: reqwest::RequestBuilder,
    headers: Vec<(String, String)>,
    raw: &str,
) -> Result<reqwest::Response, FetchError> {
    for (name, value) in headers {
        if name != "host" {
            req = req.header(name, value);
        }
    }
    req.send()
        .await
        .map_err(|e| FetchError::Network(format!("{raw}: {e}")))
}

/// The scheme and literal-address part of the outgoing URL policy.
fn url_allowed(url: &Url, allow_private: bool) -> Result<(), &'static str> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("only https is allowed"),
    }
    let host = url.host_str().ok_or("no host")?;
    if allow_private {
        return Ok(());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let private = match bare.parse::<IpAddr>() {
        Ok(ip) => super::guard::is_forbidden(ip),
        Err(_) => bare.eq_ignore_ascii_case("localhost") || bare.ends_with(".localhost"),
    };
    if private {
        return Err("private network address");
    }
    Ok(())
}

/// ActivityPub documents come as JSON (activity+json, ld+json, plain JSON).
fn is_json(res: &reqwest::Response) -> bool {
    res.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .is_some_and(|v| v.contains("json"))
}

async fn read_limited(mut res: reqwest::Response, url: &str) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| FetchError::Network(format!("{url}: {e}")))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE {
            return Err(FetchError::Invalid(url.into(), "response too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_mode_refuses_internal_targets() {
        let client = Client::new(false).expect("client");
        for bad in [
            "https://169.254.169.254/latest/meta-data",
            "https://127.0.0.1/actor",
            "https://[::1]/actor",
            "https://10.0.0.8/inbox",
            "https://localhost/inbox",
            "http://social.example/inbox",
            "ftp://social.example/x",
            "file:///etc/passwd",
        ] {
            assert!(client.check_url(bad).is_err(), "{bad}");
        }
        assert!(client.check_url("https://social.example/users/a").is_ok());
        let testing = Client::new(true).expect("client");
        assert!(testing.check_url("http://127.0.0.1:8080/inbox").is_ok());
        assert!(testing.check_url("file:///etc/passwd").is_err());
    }
}
