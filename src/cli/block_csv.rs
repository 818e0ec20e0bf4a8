//! Mastodon's domain-block CSV (Moderation → Federation → Export), read by
//! `demesh block import` and written by `demesh block export`:
//!
//! ```text
//! #domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
//! spam.example,suspend,true,true,Spam,false
//! ```
//!
//! demesh has one kind of block, which refuses everything: `suspend` and
//! `silence` both become a block (a group shows nothing publicly, so
//! there is nothing to silence), `noop` is skipped.

use crate::account::block_pattern;
use crate::db::Block;

pub const HEADER: &str =
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Suspend,
    Silence,
    Noop,
}

/// One row of the file, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub domain: String,
    pub severity: Severity,
    pub comment: String,
}

/// Every row of `text`, or the first problem as `line N: what`.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let records = records(text)?;
    let mut rows = records
        .into_iter()
        .filter(|(_, r)| r.iter().any(|f| !f.trim().is_empty()));
    let Some((first_line, first)) = rows.next() else {
        return Err("the file is empty: expected a header like ".to_string() + HEADER);
    };
    let name = |f: &str| f.trim().trim_start_matches('#').to_ascii_lowercase();
    // Mastodon writes a header; a list without one is read in its order.
    let (columns, first_row): (Vec<String>, _) = if name(&first[0]) == "domain" {
        (first.iter().map(|f| name(f)).collect(), None)
    } else {
        let order = [
            "domain",
            "severity",
            "reject_media",
            "reject_reports",
            "public_comment",
        ];
        (
            order.iter().map(|s| s.to_string()).collect(),
            Some((first_line, first)),
        )
    };
    let column = |n: &str| columns.iter().position(|c| c == n);
    let domain_at = column("domain").unwrap_or(0);
    let (severity_at, comment_at) = (column("severity"), column("public_comment"));
    let mut entries = Vec::new();
    for (line, record) in first_row.into_iter().chain(rows) {
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).map_or("", |f| f.trim());
        let raw = field(Some(domain_at));
        let domain = match block_pattern(raw) {
            Ok(d) if !d.contains('@') && !d.contains("://") => d,
            _ => return Err(format!("line {line}: {raw:?} is not a domain")),
        };
        let severity = match field(severity_at).to_ascii_lowercase().as_str() {
            "suspend" | "" => Severity::Suspend,
            "silence" => Severity::Silence,
            "noop" => Severity::Noop,
            other => {
                return Err(format!(
                    "line {line}: severity {other:?} is not suspend, silence or noop"
                ))
            }
        };
        entries.push(Entry {
            line,
            domain,
            severity,
            comment: field(comment_at).to_string(),
        });
    }
    Ok(entries)
}

/// The records of an RFC 4180 file (quoted fields may hold commas, quotes
/// as `""`, and line breaks), each with the line it starts on.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut out, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut line, mut start, mut quoted, mut was_quoted) = (1, 1, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            '"' => return Err(format!("line {line}: a quote inside an unquoted field")),
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut record)));
                was_quoted = false;
                line += 1;
                start = line;
            }
            c if was_quoted && !c.is_whitespace() => {
                return Err(format!("line {line}: text after a closing quote"))
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start}: a quoted field is never closed"));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        out.push((start, record));
    }
    Ok(out)
}

/// The domain blocks as Mastodon's export writes them (every one a
/// `suspend`, the reason as the public comment). Account and URL blocks
/// have no place in this format and are left out.
pub fn write(blocks: &[Block]) -> String {
    let mut out = format!("{HEADER}\n");
    for b in blocks.iter().filter(|b| b.is_domain()) {
        out.push_str(&format!(
            "{},suspend,false,false,{},false\n",
            quote(&b.pattern),
            quote(&b.reason)
        ));
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) || field.trim() != field {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_exports_are_read() {
        let text = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\r\n\
                    Spam.Example,suspend,true,true,\"Spam, lots\",false\r\n\
                    loud.example,silence,false,false,,false\r\n\
                    \r\n\
                    fine.example,noop,false,false,\"said \"\"ok\"\"\nthen\",false\r\n\
                    *.wild.example,suspend,false,false,,false\r\n";
        let e = parse(text).expect("parses");
        assert_eq!(e.len(), 4);
        assert_eq!((e[0].line, e[0].domain.as_str()), (2, "spam.example"));
        assert_eq!(e[0].comment, "Spam, lots");
        assert_eq!(e[1].severity, Severity::Silence);
        assert_eq!((e[2].line, e[2].severity), (5, Severity::Noop));
        assert_eq!(e[2].comment, "said \"ok\"\nthen");
        assert_eq!((e[3].line, e[3].domain.as_str()), (7, "wild.example"));
    }

    #[test]
    fn problems_name_their_line() {
        let bad = [
            (
                "#domain,#severity\nok.example,suspend\nnot a domain,suspend\n",
                "line 3:",
            ),
            (
                "#domain,#severity\nok.example,ban\n",
                "line 2: severity \"ban\"",
            ),
            (
                "#domain\n\"open.example\n",
                "line 2: a quoted field is never closed",
            ),
            ("#domain\nbad\"quote.example\n", "line 2: a quote"),
            ("#domain\n@someone@x.example\n", "line 2:"),
            ("", "empty"),
        ];
        for (text, want) in bad {
            let err = parse(text).expect_err(text);
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let block = |p: &str, r: &str| Block {
            pattern: p.into(),
            reason: r.into(),
            created_at: 0,
        };
        let text = write(&[
            block("a.example", "spam, \"bots\""),
            block("troll@b.example", "not a domain"),
            block("127.0.0.1:8443", ""),
        ]);
        assert!(text.starts_with(HEADER));
        let back = parse(&text).expect("reads back");
        let got: Vec<_> = back
            .iter()
            .map(|e| (e.domain.as_str(), e.comment.as_str()))
            .collect();
        assert_eq!(
            got,
            [("a.example", "spam, \"bots\""), ("127.0.0.1:8443", "")]
        );
    }
}
