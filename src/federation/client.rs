//! The outgoing HTTP client: timeouts, size limits, address checks, and
//! signatures on every request.

use crate::signatures::sign_request;
use openssl::pkey::{PKey, Private};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

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
        let http = reqwest::Client::builder()
            .user_agent(concat!("demesh/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::limited(3))
            .pool_max_idle_per_host(8)
            .build()?;
        Ok(Client {
            http,
            allow_private: allow_private_networks,
        })
    }

    /// Only http(s), and in production only https to public addresses.
    /// (Literal addresses are checked here; DNS-level checks are not yet.)
    pub fn check_url(&self, raw: &str) -> Result<Url, FetchError> {
        let url = Url::parse(raw).map_err(|_| FetchError::Refused(raw.into(), "not a URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            _ => return Err(FetchError::Refused(raw.into(), "only https is allowed")),
        }
        let host = url
            .host_str()
            .ok_or(FetchError::Refused(raw.into(), "no host"))?;
        if !self.allow_private {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let private = match bare.parse::<IpAddr>() {
                Ok(IpAddr::V4(ip)) => {
                    ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
                }
                Ok(IpAddr::V6(ip)) => ip.is_loopback() || ip.is_unspecified(),
                Err(_) => bare.eq_ignore_ascii_case("localhost") || bare.ends_with(".localhost"),
            };
            if private {
                return Err(FetchError::Refused(raw.into(), "private network address"));
            }
        }
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
        let mut req = self.http.get(url.clone()).header(
            "accept",
            "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        );
        for (name, value) in headers {
            if name != "host" {
                req = req.header(name, value);
            }
        }
        let res = req
            .send()
            .await
            .map_err(|e| FetchError::Network(format!("{raw}: {e}")))?;
        let status = res.status().as_u16();
        if status != 200 {
            return Err(FetchError::Status {
                url: raw.into(),
                status,
            });
        }
        let body = read_limited(res, raw).await?;
        serde_json::from_slice(&body).map_err(|e| FetchError::Invalid(raw.into(), e.to_string()))
    }

    /// POST a signed ActivityPub body; returns the status code.
    pub async fn post_activity(
        &self,
        raw: &str,
        body: &[u8],
        signer: &SigningKey,
    ) -> Result<u16, FetchError> {
        let url = self.check_url(raw)?;
        let headers = sign_request("POST", &url, Some(body), &signer.key_id, &signer.key)
            .map_err(|e| FetchError::Network(e.to_string()))?;
        let mut req = self
            .http
            .post(url.clone())
            .header("content-type", "application/activity+json")
            .body(body.to_vec());
        for (name, value) in headers {
            if name != "host" {
                req = req.header(name, value);
            }
        }
        let res = req
            .send()
            .await
            .map_err(|e| FetchError::Network(format!("{raw}: {e}")))?;
        Ok(res.status().as_u16())
    }
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
