//! Reads the import paths of src/ and checks them against a table.

use crate::ALLOWED;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module of a file under src/ ("main" for main.rs, None for lib.rs),
/// and how many `super::` it takes to reach the crate root.
pub fn module_of(rel: &Path) -> Option<(String, usize)> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let first = parts.first()?;
    let top = first.strip_suffix(".rs").unwrap_or(first).to_string();
    if top == "lib" {
        return None;
    }
    let last = parts.last()?;
    let depth = if last == "mod.rs" {
        parts.len() - 1
    } else {
        parts.len()
    };
    Some((top, depth))
}

/// The source without `//` comments (doc comments name paths that are no imports).
pub fn strip_comments(src: &str) -> String {
    src.lines()
        .map(|line| match line.find("//") {
            // `://` inside a string (a URL) is not a comment.
            Some(i) if !line[..i].ends_with(':') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segments of the items in a brace group starting at `s` (after `{`).
pub fn brace_heads(s: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_item_start = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => {
                depth += 1;
                at_item_start = false;
            }
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if c.is_whitespace() => {}
            _ if at_item_start && depth == 0 => {
                let name = ident(&s[i..]);
                if !name.is_empty() {
                    heads.push(name.to_string());
                }
                at_item_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// Top-level modules named after `prefix` (e.g. "crate::") anywhere in `src`.
pub fn heads_after(src: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in src.match_indices(prefix) {
        // `$crate::` or `foo_crate::` are other paths.
        let before = src[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &src[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(brace_heads(group));
        } else {
            out.push(ident(rest).to_string());
        }
    }
    out
}

/// Targets of `super::` chains that climb out of a file's top-level module.
pub fn super_heads(src: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in src.match_indices("super::") {
        let before = src[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // the middle of a `super::super::` chain
        }
        let mut rest = &src[i..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = r;
        }
        if climbs < depth {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(brace_heads(group));
        } else {
            out.push(ident(rest).to_string());
        }
    }
    out
}

pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The import graph of src/: module → modules it names, with one file per edge
/// kept for the error message.
pub fn source_graph(src_dir: &Path) -> (Graph, BTreeMap<(String, String), PathBuf>) {
    let modules: BTreeSet<String> = ALLOWED.iter().map(|(m, _)| m.to_string()).collect();
    let mut files = Vec::new();
    rust_files(src_dir, &mut files);
    let mut graph = Graph::new();
    let mut witness = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src_dir).expect("under src");
        let Some((from, depth)) = module_of(rel) else {
            continue;
        };
        assert!(
            modules.contains(&from),
            "{}: module `{from}` is not in ALLOWED",
            rel.display()
        );
        let text = std::fs::read_to_string(&file).expect("readable source");
        let text = strip_comments(&text);
        let mut heads = heads_after(&text, "crate::");
        heads.extend(heads_after(&text, "demesh::"));
        heads.extend(super_heads(&text, depth));
        for to in heads {
            if to == from || !modules.contains(&to) {
                continue;
            }
            graph.entry(from.clone()).or_default().insert(to.clone());
            witness
                .entry((from.clone(), to))
                .or_insert_with(|| rel.to_path_buf());
        }
    }
    (graph, witness)
}

/// Every broken rule, in words; empty when the graph keeps the directions.
pub fn violations(graph: &Graph, allowed: &[(&str, &[&str])]) -> Vec<String> {
    let table: BTreeMap<&str, BTreeSet<&str>> = allowed
        .iter()
        .map(|(m, to)| (*m, to.iter().copied().collect()))
        .collect();
    let mut out = Vec::new();
    for (from, targets) in graph {
        for to in targets {
            if from == "db" {
                out.push(format!("db imports `{to}`: db imports nothing of demesh"));
            }
            if to == "server" && from != "cli" && from != "main" {
                out.push(format!("`{from}` imports server: only cli and main may"));
            }
            if !table
                .get(from.as_str())
                .is_some_and(|t| t.contains(to.as_str()))
            {
                out.push(format!(
                    "`{from}` imports `{to}`: not in the allowed directions"
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(graph) {
        out.push(format!("import cycle: {}", cycle.join(" → ")));
    }
    out
}

/// One cycle of the graph as a path that ends where it starts, if any.
pub fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}
