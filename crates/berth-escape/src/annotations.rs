//! `berth escape --check`: compares decisions with the `//~` annotations
//! of the source (LANGUAGE.md): a line may end with `//~` and one word per
//! allocation site that starts on it, left to right.

use berth_ir::Module;

use crate::Analysis;

/// One disagreement, ready to print.
pub struct Mismatch {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// A line's `//~` annotation.
struct Annotation {
    line: u32,
    /// Where the `//~` starts (1-based, in characters).
    column: u32,
    words: Vec<String>,
}

/// The `//~` annotation of each line that has one.
fn parse(source: &str) -> Vec<Annotation> {
    source
        .lines()
        .enumerate()
        .filter_map(|(i, text)| {
            let at = comment_start(text)?;
            let rest = text[at + 2..].strip_prefix('~')?;
            Some(Annotation {
                line: i as u32 + 1,
                column: text[..at].chars().count() as u32 + 1,
                words: rest.split_whitespace().map(str::to_string).collect(),
            })
        })
        .collect()
}

/// Where a `//` comment starts on a line, outside string literals.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

const WORDS: [&str; 4] = ["heap", "stack", "scalar", "partial"];

/// Every annotation that disagrees with the analysis, in line order; also
/// how many annotated sites were checked.
pub fn check(module: &Module, analysis: &Analysis, source: &str) -> (Vec<Mismatch>, usize) {
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for Annotation { line, column, words } in parse(source) {
        let mut sites: Vec<_> = module.sites.iter().filter(|(_, d)| d.line == line && d.in_source()).collect();
        sites.sort_by_key(|(s, d)| (d.column, *s));
        if let Some(bad) = words.iter().find(|w| !WORDS.contains(&w.as_str())) {
            mismatches.push(Mismatch {
                line,
                column,
                message: format!("unknown annotation `{bad}` (expected heap, stack, scalar or partial)"),
            });
            continue;
        }
        if words.len() != sites.len() {
            mismatches.push(Mismatch {
                line,
                column: sites.first().map_or(1, |(_, d)| d.column),
                message: format!(
                    "{} annotation{} but {} allocation site{} on this line",
                    words.len(),
                    if words.len() == 1 { "" } else { "s" },
                    sites.len(),
                    if sites.len() == 1 { "" } else { "s" }
                ),
            });
            continue;
        }
        for (word, (site, data)) in words.iter().zip(sites) {
            checked += 1;
            let Some(decision) = &analysis.sites[site] else { continue };
            if decision.verdict.word() != word {
                mismatches.push(Mismatch {
                    line,
                    column: data.column,
                    message: format!(
                        "expected `{word}`, found `{}` for the {}: {}",
                        decision.verdict.word(),
                        data.kind.name(),
                        decision.reason
                    ),
                });
            }
        }
    }
    (mismatches, checked)
}
