//! The HTML pages for people who open an address in a browser. They name
//! no member and no post: groups are private.

use super::{escape_html, source_footer, text_to_html};
use crate::db::Group;

/// A group's page: how to join it.
pub fn group_page(group: &Group, acct_domain: &str, source: Option<&url::Url>) -> String {
    let handle = escape_html(&format!("@{}@{}", group.name, acct_domain));
    let title = escape_html(&group.display_name);
    let summary = text_to_html(&group.summary);
    let rules = if group.rules.is_empty() {
        String::new()
    } else {
        format!("<h2>Rules</h2>{}", text_to_html(&group.rules))
    };
    let question = question_html(group);
    let footer = source_footer(source);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} ({handle})</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         code{{background:#eee;padding:0 .2em}}</style></head><body>\
         <h1>{title}</h1><p><code>{handle}</code> is a private group.</p>{summary}\
         <h2>How to join</h2><ol>\
         <li>In your fediverse app (Mastodon, GoToSocial, Pleroma, Misskey, Friendica…), \
         search for <code>{handle}</code>.</li>\
         <li>Press <em>Follow</em>. Your request waits until a group admin approves it.</li>\
         <li>Once approved, post to the group by mentioning <code>{handle}</code> with the \
         visibility <em>Mentioned people only</em>, so only members see it. The group \
         shares each post with its members, and only with them.</li></ol>\
         {question}{rules}<p>Posts and the member list are never shown here.</p>{footer}</body></html>"
    )
}

/// The page an invite link opens: how to join with the code. It shows
/// only what the group's public page shows, plus the code itself.
pub fn invite_page(
    group: &Group,
    code: &str,
    acct_domain: &str,
    source: Option<&url::Url>,
) -> String {
    let handle = escape_html(&format!("@{}@{}", group.name, acct_domain));
    let title = escape_html(&group.display_name);
    let summary = text_to_html(&group.summary);
    let code = escape_html(code);
    let question = question_html(group);
    let footer = source_footer(source);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>Invitation to {title} ({handle})</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         code{{background:#eee;padding:0 .2em}}</style></head><body>\
         <h1>You are invited to {title}</h1><p><code>{handle}</code> is a private group.</p>\
         {summary}<h2>How to join with this invitation</h2><ol>\
         <li>In your fediverse app (Mastodon, GoToSocial, Pleroma, Misskey, Friendica…), \
         search for <code>{handle}</code> and press <em>Follow</em>.</li>\
         <li>Send the group a post with the visibility <em>Mentioned people only</em> \
         (a private mention) that says <code>{handle} {code}</code>. Your request is \
         approved at once and the group answers you.</li>\
         <li>Then post to the group by mentioning <code>{handle}</code>, again as \
         <em>Mentioned people only</em>: the group shares each post with its members, \
         and only with them.</li></ol>{question}\
         <p>Keep the code to yourself: anyone who has it can join.</p>{footer}</body></html>"
    )
}

/// The server's front page. It names no group: groups are found only by
/// their address.
pub fn instance_page(acct_domain: &str, source: Option<&url::Url>) -> String {
    let domain = escape_html(acct_domain);
    let footer = source_footer(source);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>demesh at {domain}</title></head><body>\
         <h1>demesh at {domain}</h1>\
         <p>This server hosts private fediverse groups. If someone gave you a group address \
         such as <code>@name@{domain}</code>, search for it in your fediverse app \
         (Mastodon, GoToSocial, Pleroma, Misskey…) and follow it; an admin approves each \
         request.</p>{footer}</body></html>"
    )
}

/// The join question, shown before anyone follows: the group's message
/// asking it may land in Mastodon's "Filtered notifications" (a requester
/// does not follow the group yet), so it is here too (issue #23).
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

/// A page for people, not servers: a title, a sentence, maybe a link.
pub fn notice_page(
    title: &str,
    text: &str,
    link: Option<(&str, &str)>,
    source: Option<&url::Url>,
) -> String {
    let title = escape_html(title);
    let text = escape_html(text);
    let link = link
        .map(|(href, label)| {
            format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_html(href),
                escape_html(label)
            )
        })
        .unwrap_or_default();
    let footer = source_footer(source);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}</style>\
         </head><body><h1>{title}</h1><p>{text}</p>{link}{footer}</body></html>"
    )
}
