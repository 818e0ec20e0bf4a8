//! NodeInfo 2.1, for directories and for peers that label servers by
//! software. It counts groups but never names them.

use crate::account::Contact;
use crate::context::Context;
use crate::error::Error;
use actix_web::{web, HttpResponse};
use serde_json::json;

const SCHEMA_21: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

pub async fn discovery(state: web::Data<Context>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "links": [
            { "rel": SCHEMA_21, "href": format!("{}/nodeinfo/2.1", state.urls.base()) },
            // FEP-2677: where to find the instance actor.
            {
                "rel": "https://www.w3.org/ns/activitystreams#Application",
                "href": state.urls.instance_actor()
            }
        ]
    }))
}

pub async fn nodeinfo(state: web::Data<Context>) -> Result<HttpResponse, Error> {
    let groups = state.db.call(|db| db.count_groups()).await?;
    let mut doc = json!({
        "version": "2.1",
        "software": {
            "name": "demesh",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": false,
        "usage": {
            "users": { "total": groups },
            "localPosts": 0
        },
        "metadata": { "nodeName": state.config.acct_domain(), "privateGroups": true }
    });
    // AGPL §13: the source the operator runs, only where they said.
    if let Some(source) = &state.config.source_url {
        doc["software"]["repository"] = json!(source.as_str());
    }
    // Whom to write to about this server, where the operator said.
    // `maintainer.email` is where Misskey and the server directories that
    // follow it look for an address.
    if let Some(contact) = &state.config.contact {
        doc["metadata"]["contact"] = json!(contact.as_str());
        if let Contact::Email(mail) = contact {
            doc["metadata"]["maintainer"] = json!({ "email": mail });
        }
    }
    Ok(HttpResponse::Ok()
        .content_type(format!(
            "application/json; profile=\"{SCHEMA_21}#\"; charset=utf-8"
        ))
        .body(doc.to_string()))
}
