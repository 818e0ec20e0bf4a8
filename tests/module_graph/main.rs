//! The module directions of docs/architecture.md ("Layout"), checked on the source:
//! every `crate::X` / `use crate::{X, ..}` / `super::X` / `demesh::X` path that
//! leaves a top-level module of src/ is an edge, and each edge must be in
//! `ALLOWED`. `db` imports nothing of demesh, only `cli` and `main` import
//! `server`, and the graph has no cycle. The checker's own tests feed it bad
//! graphs, so a broken checker cannot pass silently.

mod scan;

use scan::{heads_after, module_of, source_graph, strip_comments, super_heads, violations, Graph};
use std::path::Path;

/// Who may import whom: the data path (inbox → store → process → queue →
/// deliver) reads top to bottom. Keep in step with docs/architecture.md ("Module
/// directions"); the last names of each row are the small helper modules.
#[rustfmt::skip]
const ALLOWED: &[(&str, &[&str])] = &[
    ("main", &["cli", "db"]),
    ("cli", &["server", "routes", "activities", "delivery", "moderation", "rules", "invite",
              "direct", "membership", "conversation",
              "federation", "signatures", "documents", "db",
              "context", "config", "keys", "metrics", "urls", "account", "group_name", "error",
              "memory", "opening"]),
    ("server", &["routes", "activities", "delivery", "membership", "conversation", "db",
                 "context", "config", "keys", "metrics", "urls", "memory"]),
    ("routes", &["context", "signatures", "federation", "documents", "db", "error",
                 "config", "metrics", "urls", "account", "group_name"]),
    ("activities", &["context", "moderation", "rules", "direct", "invite", "conversation", "membership",
                     "federation", "db",
                     "config", "metrics", "urls", "account", "group_name"]),
    ("moderation", &["context", "rules", "direct", "conversation", "membership", "federation",
                     "db", "config", "urls", "account", "group_name"]),
    ("rules", &["context", "direct", "membership", "db", "config", "urls", "invite"]),
    ("direct", &["context", "conversation", "documents", "federation", "db", "config", "urls"]),
    ("conversation", &["context", "documents", "federation", "db",
                       "config", "urls", "account", "group_name"]),
    ("membership", &["context", "documents", "federation", "db",
                     "config", "urls", "account", "group_name"]),
    ("delivery", &["context", "direct", "federation", "signatures", "db",
                   "config", "keys", "metrics", "urls", "memory"]),
    ("federation", &["signatures", "db", "config", "keys", "metrics", "urls", "account"]),
    ("signatures", &["keys", "config", "urls", "account"]),
    ("documents", &["db", "config", "urls", "account", "group_name"]),
    ("context", &["federation", "signatures", "db", "config", "keys", "metrics", "urls"]),
    ("error", &["db"]),
    ("urls", &["config", "group_name"]),
    ("config", &["account", "group_name"]),
    ("keys", &[]),
    ("metrics", &[]),
    ("invite", &["db"]),
    ("memory", &[]),
    ("account", &[]),
    ("group_name", &[]),
    ("opening", &["db", "config"]),
    ("db", &[]),
];

#[test]
fn src_keeps_the_module_directions() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (graph, witness) = source_graph(&src);
    let broken = violations(&graph, ALLOWED);
    let edges: Vec<String> = witness
        .iter()
        .map(|((f, t), file)| format!("{f} → {t} ({})", file.display()))
        .collect();
    assert!(
        broken.is_empty(),
        "{}\n\nedges:\n{}",
        broken.join("\n"),
        edges.join("\n")
    );
}

fn graph_of(edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new();
    for (f, t) in edges {
        g.entry(f.to_string()).or_default().insert(t.to_string());
    }
    g
}

#[test]
fn checker_rejects_db_importing_demesh() {
    let broken = violations(&graph_of(&[("db", "documents")]), ALLOWED);
    assert!(
        broken
            .iter()
            .any(|v| v.starts_with("db imports `documents`")),
        "{broken:?}"
    );
}

#[test]
fn checker_rejects_server_imported_below_cli() {
    let broken = violations(&graph_of(&[("routes", "server")]), ALLOWED);
    assert!(
        broken.iter().any(|v| v.contains("`routes` imports server")),
        "{broken:?}"
    );
}

#[test]
fn checker_rejects_an_edge_outside_the_table() {
    let broken = violations(&graph_of(&[("documents", "routes")]), ALLOWED);
    assert_eq!(
        broken,
        vec!["`documents` imports `routes`: not in the allowed directions"]
    );
}

#[test]
fn checker_finds_a_cycle_even_where_each_edge_is_allowed() {
    let allowed: &[(&str, &[&str])] = &[("a", &["b"]), ("b", &["c"]), ("c", &["a"])];
    let broken = violations(&graph_of(&[("a", "b"), ("b", "c"), ("c", "a")]), allowed);
    assert_eq!(broken, vec!["import cycle: a → b → c → a"]);
    assert!(violations(&graph_of(&[("a", "b"), ("b", "c")]), allowed).is_empty());
}

#[test]
fn checker_reads_every_import_form() {
    let text = "use crate::{db::{self, Db}, urls};\nfn f() { crate::documents::x(); }\n\
                // crate::routes in a comment\nuse super::super::keys::Key;\nuse super::Local;";
    let text = strip_comments(text);
    let mut heads = heads_after(&text, "crate::");
    heads.extend(super_heads(&text, 2));
    assert_eq!(heads, vec!["db", "urls", "documents", "keys"]);
    assert_eq!(
        module_of(Path::new("delivery/worker.rs")),
        Some(("delivery".into(), 2))
    );
    assert_eq!(
        module_of(Path::new("delivery/mod.rs")),
        Some(("delivery".into(), 1))
    );
    assert_eq!(module_of(Path::new("lib.rs")), None);
}

#[test]
fn checker_reads_the_real_tree() {
    // The scan must see edges that certainly exist, or an empty graph would pass.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (graph, _) = source_graph(&src);
    assert!(graph["cli"].contains("server"), "{graph:?}");
    assert!(graph["routes"].contains("db"), "{graph:?}");
    assert!(graph["main"].contains("cli"), "{graph:?}");
}
