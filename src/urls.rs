//! Every URL demesh mints, in one place, so ids stay stable and the router
//! and the documents cannot disagree.

use crate::config::Config;

/// A fresh activity id on our host, under the group.
pub fn new_activity_id(urls: &Urls, group: &str) -> String {
    let mut bytes = [0u8; 16];
    // openssl's CSPRNG; ids must not be guessable (objects are private).
    let hex = match openssl::rand::rand_bytes(&mut bytes) {
        Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        Err(_) => format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
        ),
    };
    format!("{}/activities/{hex}", urls.group(group))
}

#[derive(Clone, Debug)]
pub struct Urls {
    base: String,
}

impl Urls {
    pub fn new(config: &Config) -> Urls {
        Urls {
            base: config.base().to_string(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn instance_actor(&self) -> String {
        format!("{}/actor", self.base)
    }

    pub fn instance_key_id(&self) -> String {
        format!("{}/actor#main-key", self.base)
    }

    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }

    pub fn group(&self, name: &str) -> String {
        format!("{}/groups/{name}", self.base)
    }

    pub fn group_key_id(&self, name: &str) -> String {
        format!("{}#main-key", self.group(name))
    }

    pub fn group_inbox(&self, name: &str) -> String {
        format!("{}/inbox", self.group(name))
    }

    pub fn group_outbox(&self, name: &str) -> String {
        format!("{}/outbox", self.group(name))
    }

    pub fn group_followers(&self, name: &str) -> String {
        format!("{}/followers", self.group(name))
    }

    pub fn group_following(&self, name: &str) -> String {
        format!("{}/following", self.group(name))
    }

    /// The group's address as people type it: `@NAME@host` (host with
    /// its port, as `Config::acct_domain`).
    pub fn group_handle(&self, name: &str) -> String {
        let host = url::Url::parse(&self.base)
            .ok()
            .map(|u| match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => String::new(),
            })
            .unwrap_or_default();
        format!("@{name}@{host}")
    }

    /// An invite link: the page explaining how to join with the code, and
    /// the id a FEP-bebd `InviteCode` of that code has.
    pub fn group_invite(&self, name: &str, code: &str) -> String {
        format!("{}/invite/{code}", self.group(name))
    }

    /// If `url` is one of our group actor ids, the group's name. Only a
    /// valid group name counts (the fuzzer fed `/groups/cl@b`).
    pub fn group_name_of(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix(&self.base)?.strip_prefix("/groups/")?;
        crate::group_name::validate(rest)
            .is_ok()
            .then(|| rest.to_string())
    }
}
