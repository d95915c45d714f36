//! The crate's modules point one way: furniture at the bottom, one module
//! per resource above it, the assembly at the top (docs/architecture.md,
//! "socval-web's layers"). This reads `src/**/*.rs`, takes every path
//! that starts with `crate::` or `super::` in code (not comments or
//! strings) and every `mod x;` a file declares, and fails on a module that
//! imports a module that imports it back, directly or through others, and
//! on a module that reaches above its layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What every page and handler shares; these use only each other.
const FURNITURE: &[&str] = &[
    "access",
    "asset",
    "auth",
    "cache",
    "clock",
    "connection",
    "csrf",
    "error",
    "format",
    "guard",
    "html",
    "limit",
    "page",
    "state",
    "throttle",
];

/// The top: assembles routes and the OpenAPI document. Everything else is
/// a resource.
const TOP: &[&str] = &["crate", "openapi", "route"];

/// The longest a source file may grow (lines).
const MAX_FILE_LINES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Furniture,
    Resource,
    Top,
}

fn layer(module: &str) -> Layer {
    let first = module.split("::").next().unwrap_or(module);
    if TOP.contains(&first) {
        Layer::Top
    } else if FURNITURE.contains(&first) {
        Layer::Furniture
    } else {
        Layer::Resource
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its module path (`crate` for
/// `lib.rs`, `procurement::api` for `procurement/api.rs`).
fn modules(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            modules(&path, &format!("{prefix}{name}::"), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let module = if prefix.is_empty() && stem == "lib" {
                "crate".to_owned()
            } else {
                format!("{prefix}{stem}")
            };
            out.insert(module, path);
        }
    }
}

/// The code of a file without comments, string and character literals,
/// and without its unit tests (`#[cfg(test)] mod tests`, at the bottom).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                i = end;
            }
            b'r' if b.get(i + 1) == Some(&b'#') || (b.get(i + 1) == Some(&b'"')) => {
                // A raw string: r"...", r#"..."#.
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let start = i + 2 + hashes;
                i = text[start..]
                    .find(&close)
                    .map_or(b.len(), |e| start + e + close.len());
                out.push_str("\"\"");
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 3,
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                let end = text[i + 2..].find('\'').map_or(b.len(), |e| i + 2 + e + 1);
                i = end;
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// The paths of the use tree at `at` in `code` (what follows `crate::`),
/// with `{a, b::c}` groups expanded: `["x::y", "z"]`; `""` for a glob.
/// Returns them and where the tree ends.
fn tree(code: &[u8], at: usize) -> (Vec<String>, usize) {
    let skip = |mut i: usize| {
        while i < code.len() && code[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip(at);
    if code.get(i) == Some(&b'{') {
        let mut out = Vec::new();
        i += 1;
        loop {
            let (paths, end) = tree(code, i);
            out.extend(paths);
            i = skip(end);
            match code.get(i) {
                Some(b',') => i = skip(i + 1),
                Some(b'}') => return (out, i + 1),
                _ => return (out, i),
            }
            // A trailing comma: `{a, b,}`.
            if code.get(i) == Some(&b'}') {
                return (out, i + 1);
            }
        }
    }
    let start = i;
    while i < code.len() && (code[i].is_ascii_alphanumeric() || code[i] == b'_') {
        i += 1;
    }
    let name = String::from_utf8_lossy(&code[start..i]).into_owned();
    if name.is_empty() || !code[i..].starts_with(b"::") {
        return (vec![name], i);
    }
    let (rest, end) = tree(code, i + 2);
    let paths = rest
        .into_iter()
        .map(|r| {
            if r.is_empty() {
                name.clone()
            } else {
                format!("{name}::{r}")
            }
        })
        .collect();
    (paths, end)
}

/// The modules `module` (the file's code `code`) uses, among `known`.
fn uses(module: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let resolve = |base: &str, path: &str| -> String {
        let mut best = base.to_owned();
        let mut prefix = if base == "crate" {
            String::new()
        } else {
            base.to_owned()
        };
        for segment in path.split("::").filter(|s| !s.is_empty()) {
            if !prefix.is_empty() {
                prefix.push_str("::");
            }
            prefix.push_str(segment);
            if known.contains(&prefix) {
                best = prefix.clone();
            } else {
                break;
            }
        }
        best
    };
    let parent = match module.rsplit_once("::") {
        Some((p, _)) => p.to_owned(),
        None => "crate".to_owned(),
    };
    let mut out = BTreeSet::new();
    for (root, base) in [("crate::", "crate"), ("super::", parent.as_str())] {
        let mut from = 0;
        while let Some(i) = code[from..].find(root) {
            let at = from + i;
            from = at + root.len();
            let word_before = code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if word_before {
                continue;
            }
            for path in tree(code.as_bytes(), from).0 {
                out.insert(resolve(base, &path));
            }
        }
    }
    // `mod x;` makes the file depend on its child.
    for line in code.lines() {
        let line = line.trim();
        let decl = line
            .strip_prefix("pub(crate) mod ")
            .or_else(|| line.strip_prefix("pub mod "))
            .or_else(|| line.strip_prefix("mod "));
        if let Some(name) = decl.and_then(|d| d.strip_suffix(';')) {
            let child = if module == "crate" {
                name.to_owned()
            } else {
                format!("{module}::{name}")
            };
            out.insert(child);
        }
    }
    out.remove(module);
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    modules(&src(), "", &mut files);
    let known: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            (module.clone(), uses(module, &code(&text), &known))
        })
        .collect()
}

/// A cycle through `graph`, if there is one: the modules in order, the
/// first repeated at the end.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut c = stack[i..].to_vec();
            c.push(m.to_owned());
            return Some(c);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_owned());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let g = graph();
    assert!(g.len() > 20, "the source files were not found: {g:?}");
    if let Some(c) = cycle(&g) {
        panic!("modules import each other in a cycle: {}", c.join(" → "));
    }
}

#[test]
fn modules_use_only_their_own_layer_and_those_below() {
    let mut wrong = Vec::new();
    for (module, used) in graph() {
        for u in used {
            if layer(&u) > layer(&module) {
                wrong.push(format!(
                    "{module} ({:?}) uses {u} ({:?})",
                    layer(&module),
                    layer(&u)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports pointing up: {wrong:#?}");
}

#[test]
fn no_source_file_is_over_a_thousand_lines() {
    let mut files = BTreeMap::new();
    modules(&src(), "", &mut files);
    let long: Vec<String> = files
        .values()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).unwrap().lines().count();
            (lines > MAX_FILE_LINES).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

#[test]
fn the_checker_sees_imports_and_cycles() {
    let known: BTreeSet<String> = ["crate", "a", "b", "b::c", "d"]
        .into_iter()
        .map(String::from)
        .collect();
    let set = |ms: &[&str]| -> BTreeSet<String> { ms.iter().map(|m| m.to_string()).collect() };
    let text = code(
        "use crate::a::X;\n// use crate::d::Y;\nlet s = \"crate::d\";\nuse crate::{b::c::{Z, W}, d};\nfn f() { super::b::Q }\n#[cfg(test)]\nmod tests { use crate::d; }\n",
    );
    // `super::b` from `a` is the crate's `b`; `a` itself is left out, and
    // so are the comment, the string and the unit tests.
    assert_eq!(uses("a", &text, &known), set(&["b", "b::c", "d"]));
    let text = code("use super::*;\nuse crate::{a, d::{X}};\nmod e;\n");
    assert_eq!(
        uses("b::c", &text, &known),
        set(&["a", "b", "b::c::e", "d"])
    );
    let text = code("fn f() -> crate::Config { crate::a::g() }\n");
    assert_eq!(uses("d", &text, &known), set(&["a", "crate"]));
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), set(&["b"]));
    g.insert("b".to_owned(), set(&["c"]));
    g.insert("c".to_owned(), set(&["a"]));
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.insert("c".to_owned(), BTreeSet::new());
    assert_eq!(cycle(&g), None);
}
