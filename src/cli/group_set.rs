//! `demesh group set`: one setting of a group.

use super::group::find;
use crate::config::Config;
use crate::db::{Db, Group, Posting, Setting};
use crate::urls::Urls;
use anyhow::{anyhow, bail};

/// `group set`: changes one setting; a profile change is sent to the
/// member servers in the same transaction.
pub(super) fn set(
    db: &Db,
    config: &Config,
    urls: &Urls,
    group: &Group,
    key: &str,
    value: &str,
) -> anyhow::Result<String> {
    let name = &group.name;
    match key {
        "display-name" => {
            db.set_group_profile(name, Some(value), None)?;
        }
        "summary" => {
            db.set_group_profile(name, None, Some(value))?;
        }
        "leak-guard" => {
            let Ok(mode) = value.parse::<crate::db::LeakGuard>() else {
                bail!("leak-guard is warn, reject or allow, not {value:?}");
            };
            db.set_leak_guard(name, mode)?;
        }
        "icon" => {
            let url = icon_url(value, config.allow_private_networks)?;
            db.set_group_icon(name, url.as_deref())?;
        }
        "rules" | "question" | "welcome" | "posting" | "replies" => {
            db.set_group_setting(name, setting(key, value)?)?;
        }
        other => bail!(
            "unknown setting {other:?}: use display-name, summary, icon, leak-guard, \
             rules, question, welcome, posting or replies"
        ),
    }
    let mut text = format!("{name}: {key} set");
    if PROFILE_KEYS.contains(&key) {
        // Member servers show the profile: send them the new one.
        let servers = crate::membership::announce_profile(db, urls, &find(db, name)?)?;
        if servers > 0 {
            text.push_str(&format!(
                "\n{servers} member server(s) will get the new profile"
            ));
        }
    }
    Ok(text)
}

/// The settings the actor document shows: a change goes to member servers.
const PROFILE_KEYS: [&str; 3] = ["display-name", "summary", "icon"];

/// A joining or posting setting (issue #13) from its CLI key and value.
fn setting<'a>(key: &str, value: &'a str) -> anyhow::Result<Setting<'a>> {
    let posting = |v: &str| {
        Posting::parse(v).ok_or_else(|| anyhow!("{key} is members or moderators, not {v:?}"))
    };
    Ok(match key {
        "rules" => Setting::Rules(value.trim()),
        "question" => Setting::Question(value.trim()),
        "welcome" => Setting::Welcome(match value {
            "on" => true,
            "off" => false,
            v => bail!("welcome is on or off, not {v:?}"),
        }),
        "posting" => Setting::Posting(posting(value)?),
        "replies" => Setting::Replies(posting(value)?),
        other => bail!("unknown setting {other:?}"),
    })
}

/// `none` (or nothing) removes the icon; anything else must be an https
/// URL (http too where private networks are allowed, for local tests),
/// since member servers fetch the image from it.
fn icon_url(value: &str, allow_http: bool) -> anyhow::Result<Option<String>> {
    let value = value.trim();
    if value.is_empty() || value == "none" {
        return Ok(None);
    }
    let url = url::Url::parse(value).map_err(|e| anyhow!("icon {value:?} is not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        _ => bail!("icon must be an https:// URL of an image, not {value:?}"),
    }
    if url.host_str().is_none() {
        bail!("icon URL {value:?} has no host");
    }
    Ok(Some(url.to_string()))
}
