//! The HTML pages for people who open an address in a browser. They name
//! no member and no post: groups are private. Each carries a description
//! and Open Graph tags, so a shared link previews with the group's name
//! and summary, and nothing the group page does not show.

use super::{escape_html, text_to_html};
use crate::account::Contact;
use crate::config::Config;
use crate::db::Group;
use crate::urls::Urls;

/// What every page says about the server: its name, where its source
/// is (AGPL §13) and whom to write to.
pub struct Site<'a> {
    pub domain: String,
    pub urls: Urls,
    pub source: Option<&'a url::Url>,
    pub contact: Option<&'a Contact>,
}

impl<'a> Site<'a> {
    pub fn of(config: &'a Config) -> Site<'a> {
        Site {
            domain: config.acct_domain(),
            urls: Urls::new(config),
            source: config.source_url.as_ref(),
            contact: config.contact.as_ref(),
        }
    }
}

/// The head of a page: plain text, escaped here.
struct Head<'a> {
    title: String,
    description: String,
    url: String,
    /// The ActivityPub document of the same thing (a group's actor).
    alternate: Option<String>,
    noindex: bool,
    site: &'a Site<'a>,
}

const STYLE: &str = "body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em;\
                     line-height:1.45}code{background:#eee;padding:0 .2em}\
                     footer{margin-top:3em;border-top:1px solid #ccc;font-size:.9em;color:#444}";

fn page(head: Head, body: &str) -> String {
    let (title, description) = (escape_html(&head.title), escape_html(&head.description));
    let url = escape_html(&head.url);
    let site_name = escape_html(&format!("demesh at {}", head.site.domain));
    let alternate = head.alternate.map_or_else(String::new, |a| {
        format!(
            "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">",
            escape_html(&a)
        )
    });
    let robots = if head.noindex {
        "<meta name=\"robots\" content=\"noindex\">"
    } else {
        ""
    };
    let footer = footer(head.site);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">{robots}\
         <title>{title}</title><meta name=\"description\" content=\"{description}\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{description}\">\
         <meta property=\"og:url\" content=\"{url}\">\
         <meta property=\"og:type\" content=\"website\">\
         <meta property=\"og:site_name\" content=\"{site_name}\">{alternate}\
         <style>{STYLE}</style></head><body>{body}{footer}</body></html>"
    )
}

/// For visitors: whom to ask about this server, and where its source is.
fn footer(site: &Site) -> String {
    const LICENCE: &str = "free software under the GNU Affero General Public License, \
                           version 3 or later";
    let contact = match site.contact {
        Some(Contact::Email(mail)) => {
            let mail = escape_html(mail);
            format!("<p>Questions about this server: <a href=\"mailto:{mail}\">{mail}</a>.</p>")
        }
        Some(Contact::Account(acct)) => format!(
            "<p>Questions about this server: <code>{}</code> on the fediverse.</p>",
            escape_html(acct)
        ),
        None => String::new(),
    };
    let source = match site.source {
        Some(url) => format!(
            "This server runs demesh, {LICENCE}. <a href=\"{}\">Source code</a> of the \
             version running here.",
            escape_html(url.as_str())
        ),
        None => format!(
            "This server runs demesh, {LICENCE}. The people who run it offer you the \
             source code of the version running here: ask them for it."
        ),
    };
    format!("<footer>{contact}<p>{source}</p></footer>")
}

/// A page description: the group's summary as plain text, cut short.
fn describe(summary: &str, otherwise: String) -> String {
    let flat = summary.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return otherwise;
    }
    match flat.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

const APPS: &str = "Mastodon, GoToSocial, Pleroma, Misskey, Friendica…";

/// A group's page: how to join it.
pub fn group_page(group: &Group, site: &Site) -> String {
    let handle_text = format!("@{}@{}", group.name, site.domain);
    let handle = escape_html(&handle_text);
    let title = escape_html(&group.display_name);
    let summary = text_to_html(&group.summary);
    let rules = if group.rules.is_empty() {
        String::new()
    } else {
        format!("<h2>Rules</h2>{}", text_to_html(&group.rules))
    };
    let question = question_html(group);
    let actor = site.urls.group(&group.name);
    let body = format!(
        "<h1>{title}</h1><p><code>{handle}</code> is a private group.</p>{summary}\
         <h2>How to join</h2><ol>\
         <li>In your fediverse app ({APPS}), search for <code>{handle}</code>.</li>\
         <li>Press <em>Follow</em>. Your request waits until a group admin approves it.</li>\
         <li>Once approved, post to the group by mentioning <code>{handle}</code> with the \
         visibility <em>Mentioned people only</em>, so only members see it. The group \
         shares each post with its members, and only with them.</li></ol>\
         {question}{rules}<p>Posts and the member list are never shown here.</p>"
    );
    page(
        Head {
            title: format!("{} ({handle_text})", group.display_name),
            description: describe(
                &group.summary,
                format!("{handle_text} is a private fediverse group: follow it to ask to join."),
            ),
            url: actor.clone(),
            alternate: Some(actor),
            noindex: false,
            site,
        },
        &body,
    )
}

/// The page an invite link opens: how to join with the code. It shows
/// only what the group's public page shows, plus the code itself.
pub fn invite_page(group: &Group, code: &str, site: &Site) -> String {
    let handle_text = format!("@{}@{}", group.name, site.domain);
    let handle = escape_html(&handle_text);
    let title = escape_html(&group.display_name);
    let summary = text_to_html(&group.summary);
    let code_html = escape_html(code);
    let question = question_html(group);
    let actor = site.urls.group(&group.name);
    let body = format!(
        "<h1>You are invited to {title}</h1><p><code>{handle}</code> is a private group.</p>\
         {summary}<h2>How to join with this invitation</h2><ol>\
         <li>In your fediverse app ({APPS}), search for <code>{handle}</code> and press \
         <em>Follow</em>.</li>\
         <li>Send the group a post with the visibility <em>Mentioned people only</em> \
         (a private mention) that says <code>{handle} {code_html}</code>. Your request is \
         approved at once and the group answers you.</li>\
         <li>Then post to the group by mentioning <code>{handle}</code>, again as \
         <em>Mentioned people only</em>: the group shares each post with its members, \
         and only with them.</li></ol>{question}\
         <p>Keep the code to yourself: anyone who has it can join.</p>"
    );
    page(
        Head {
            title: format!("Invitation to {} ({handle_text})", group.display_name),
            description: format!("An invitation to join {handle_text}, a private fediverse group."),
            url: site.urls.group_invite(&group.name, code),
            alternate: Some(actor),
            noindex: true,
            site,
        },
        &body,
    )
}

/// The server's front page. It names no group: groups are found only by
/// their address.
pub fn instance_page(site: &Site) -> String {
    let domain = escape_html(&site.domain);
    let body = format!(
        "<h1>demesh at {domain}</h1>\
         <p>This server hosts private fediverse groups. If someone gave you a group address \
         such as <code>@name@{domain}</code>, search for it in your fediverse app \
         ({APPS}) and follow it; an admin approves each request.</p>\
         <p>Groups are not listed here, and their posts and members are never shown.</p>"
    );
    page(
        Head {
            title: format!("demesh at {}", site.domain),
            description: format!(
                "{} hosts private fediverse groups, joined by following them from any fediverse app.",
                site.domain
            ),
            url: format!("{}/", site.urls.base()),
            alternate: None,
            noindex: false,
            site,
        },
        &body,
    )
}

/// The join question, shown before people follow (issue #23): the
/// group's DM asking it may sit in Mastodon's "Filtered notifications".
fn question_html(group: &Group) -> String {
    if group.question.trim().is_empty() {
        return String::new();
    }
    format!(
        "<h2>The group asks</h2>{}<p>After you follow, the group sends you this question; \
         answer it by replying to that message (visibility <em>Mentioned people only</em>). \
         On Mastodon the message may be under <em>Filtered notifications</em>, since you do \
         not follow the group yet.</p>",
        text_to_html(&group.question)
    )
}

/// A page that only explains (no such group, a deleted group, a private
/// post, a spent invite), with at most one link onward. Never indexed.
pub fn notice_page(title: &str, text: &str, link: Option<(&str, &str)>, site: &Site) -> String {
    let link_html = link
        .map(|(href, label)| {
            format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_html(href),
                escape_html(label)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>{}</h1><p>{}</p>{link_html}",
        escape_html(title),
        escape_html(text)
    );
    page(
        Head {
            title: title.to_string(),
            description: text.to_string(),
            url: site.urls.base().to_string(),
            alternate: None,
            noindex: true,
            site,
        },
        &body,
    )
}
