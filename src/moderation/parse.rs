//! Reading a moderator command from the text of a direct message. Pure.
//!
//! Members' ordinary posts are direct messages to the group too, so only
//! command-shaped texts are commands: a word alone (`requests`, `members`,
//! `help`, give or take trailing punctuation), or a command word and one
//! argument (`approve ACCOUNT`, `reject ACCOUNT`, `remove ACCOUNT`,
//! `delete URL`) and nothing else.

use crate::account::Account;
use crate::direct::incoming::Mention;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Requests,
    Members,
    Help,
    /// The account as given: `@user@host`, `user@host` or an actor URL.
    Approve(String),
    Reject(String),
    Remove(String),
    /// A group post's URL, or its original's.
    Delete(String),
}

impl Command {
    /// The command as carried out, mentions read (for the audit log).
    pub fn text(&self) -> String {
        match self {
            Command::Requests => "requests".into(),
            Command::Members => "members".into(),
            Command::Help => "help".into(),
            Command::Approve(a) => format!("approve {a}"),
            Command::Reject(a) => format!("reject {a}"),
            Command::Remove(a) => format!("remove {a}"),
            Command::Delete(u) => format!("delete {u}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    NotACommand,
    Command(Command),
    /// A command word and one argument that is not what it needs: the
    /// command word, and what is wrong.
    BadArgument(&'static str, String),
}

/// Command words, for help texts.
pub const WORDS: [&str; 7] = [
    "requests", "approve", "reject", "remove", "members", "delete", "help",
];

const TRAILING: &[char] = &['.', '!', '?', ',', ';', ':'];

pub fn parse(text: &str, mentions: &[Mention]) -> Parsed {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [word] => match word.trim_end_matches(TRAILING).to_lowercase().as_str() {
            "requests" => Parsed::Command(Command::Requests),
            "members" => Parsed::Command(Command::Members),
            "help" => Parsed::Command(Command::Help),
            _ => Parsed::NotACommand,
        },
        [word, arg] => {
            let arg = arg.trim_end_matches(TRAILING);
            match word.to_lowercase().as_str() {
                "approve" => account(arg, mentions, "approve")
                    .map_or_else(|e| e, |a| Parsed::Command(Command::Approve(a))),
                "reject" => account(arg, mentions, "reject")
                    .map_or_else(|e| e, |a| Parsed::Command(Command::Reject(a))),
                "remove" => account(arg, mentions, "remove")
                    .map_or_else(|e| e, |a| Parsed::Command(Command::Remove(a))),
                "delete" => match url::Url::parse(arg) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {
                        Parsed::Command(Command::Delete(arg.to_string()))
                    }
                    _ => Parsed::BadArgument(
                        "delete",
                        format!("{arg:?} is not a post's URL: use delete https://…"),
                    ),
                },
                _ => Parsed::NotACommand,
            }
        }
        _ => Parsed::NotACommand,
    }
}

/// An ACCOUNT argument. `@bob` as an app shows a mention of an account on
/// the writer's own server is read through the message's `Mention` tag.
fn account(arg: &str, mentions: &[Mention], word: &'static str) -> Result<String, Parsed> {
    let named = mentions.iter().find(|m| {
        m.name.eq_ignore_ascii_case(arg)
            || (m.name.len() > arg.len()
                && m.name
                    .get(..arg.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(arg))
                && m.name[arg.len()..].starts_with('@'))
    });
    if arg.starts_with('@') && !arg[1..].contains('@') {
        return named.map(|m| m.href.clone()).ok_or_else(|| {
            Parsed::BadArgument(word, format!("{arg:?} is not an account: use @user@host"))
        });
    }
    match Account::parse(arg) {
        Ok(Account::Domain(_)) => Err(Parsed::BadArgument(
            word,
            format!("{arg:?} names a whole server; give one account"),
        )),
        Ok(_) => Ok(arg.to_string()),
        Err(e) => Err(Parsed::BadArgument(word, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Parsed {
        parse(text, &[])
    }

    #[test]
    fn argument_less_commands_only_alone() {
        assert_eq!(p("requests"), Parsed::Command(Command::Requests));
        assert_eq!(p("Members?"), Parsed::Command(Command::Members));
        assert_eq!(p(" help! \n"), Parsed::Command(Command::Help));
        for post in [
            "help me with this",
            "members of the club are great",
            "requests?? no",
            "",
            "helpful",
        ] {
            assert_eq!(p(post), Parsed::NotACommand, "{post}");
        }
    }

    #[test]
    fn commands_with_one_argument() {
        assert_eq!(
            p("approve @bob@b.example"),
            Parsed::Command(Command::Approve("@bob@b.example".into()))
        );
        assert_eq!(
            p("Reject bob@b.example."),
            Parsed::Command(Command::Reject("bob@b.example".into()))
        );
        assert_eq!(
            p("remove https://b.example/users/bob"),
            Parsed::Command(Command::Remove("https://b.example/users/bob".into()))
        );
        assert_eq!(
            p("delete https://r.example/groups/club/posts/1"),
            Parsed::Command(Command::Delete(
                "https://r.example/groups/club/posts/1".into()
            ))
        );
        for post in [
            "approve",
            "remove the old posts",
            "delete",
            "approve of this idea, yes",
        ] {
            assert_eq!(p(post), Parsed::NotACommand, "{post}");
        }
    }

    #[test]
    fn bad_arguments_are_named() {
        assert!(matches!(p("approve it"), Parsed::BadArgument("approve", _)));
        assert!(
            matches!(p("remove *@spam.example"), Parsed::BadArgument("remove", e) if e.contains("whole server"))
        );
        assert!(matches!(p("delete that"), Parsed::BadArgument("delete", _)));
        assert!(matches!(
            p("delete ftp://x.example/1"),
            Parsed::BadArgument("delete", _)
        ));
        assert!(matches!(p("reject @bob"), Parsed::BadArgument("reject", _)));
    }

    #[test]
    fn short_mentions_are_read_through_the_tags() {
        let tags = [
            Mention {
                name: "@club@relay.example".into(),
                href: "https://relay.example/groups/club".into(),
            },
            Mention {
                name: "@bob".into(),
                href: "https://m.example/users/bob".into(),
            },
            Mention {
                name: "@carol@c.example".into(),
                href: "https://c.example/u/carol".into(),
            },
        ];
        assert_eq!(
            parse("approve @bob", &tags),
            Parsed::Command(Command::Approve("https://m.example/users/bob".into()))
        );
        assert_eq!(
            parse("remove @carol", &tags),
            Parsed::Command(Command::Remove("https://c.example/u/carol".into()))
        );
        assert_eq!(
            parse("remove @carol@c.example", &tags),
            Parsed::Command(Command::Remove("@carol@c.example".into()))
        );
    }
}
