//! Delta debugging by statements: shrink a program while it stays
//! interesting (for the driver: it type-checks and diverges the same way).
//!
//! It works on lines, for the layout `berth-gen` keeps: one statement per
//! line, and every `{ ... }` block opening at the end of its first line
//! and closing on a line that starts with `}` (`} else {` closes one block
//! of a chain and opens the next). It tries, from the end of the program
//! backwards, to delete each statement or whole block (an `if` with all
//! its `else`s, a loop, a function), and to unwrap each block with a
//! single body (keeping the body), until nothing more can go.

/// A set of lines to delete.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cut {
    lines: Vec<usize>,
}

/// The smallest program reachable from `source` by deleting statements and
/// blocks, for which `interesting` still holds (it holds for `source`).
pub fn minimize(source: &str, mut interesting: impl FnMut(&str) -> bool) -> String {
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    loop {
        let mut shrunk = false;
        // From the end backwards: after a cut, the cuts starting before it
        // are still valid positions, so the pass goes on from there.
        let mut before = lines.len();
        while let Some(cut) = next_cut(&lines, before, &mut interesting) {
            before = cut.lines[0];
            lines = apply(&lines, &cut);
            shrunk = true;
        }
        if !shrunk {
            return lines.join("\n") + "\n";
        }
    }
}

/// The first cut starting before line `before` (latest first, larger
/// before smaller) that keeps the program interesting.
fn next_cut(lines: &[String], before: usize, interesting: &mut impl FnMut(&str) -> bool) -> Option<Cut> {
    for start in (0..before.min(lines.len())).rev() {
        for cut in cuts_at(lines, start) {
            if interesting(&(apply(lines, &cut).join("\n") + "\n")) {
                return Some(cut);
            }
        }
    }
    None
}

fn apply(lines: &[String], cut: &Cut) -> Vec<String> {
    lines.iter().enumerate().filter(|(i, _)| !cut.lines.contains(i)).map(|(_, l)| l.clone()).collect()
}

fn opens(line: &str) -> bool {
    line.trim_end().ends_with('{')
}

fn closes(line: &str) -> bool {
    line.trim_start().starts_with('}')
}

/// The cuts of the statement starting at `start`: the whole statement,
/// and for a block without `else`, its header and closing line alone.
fn cuts_at(lines: &[String], start: usize) -> Vec<Cut> {
    let line = &lines[start];
    if closes(line) {
        return Vec::new();
    }
    if !opens(line) {
        return vec![Cut { lines: vec![start] }];
    }
    let Some((end, chained)) = block_end(lines, start) else { return Vec::new() };
    let mut cuts = vec![Cut { lines: (start..=end).collect() }];
    if !chained && end > start + 1 {
        cuts.push(Cut { lines: vec![start, end] });
    }
    cuts
}

/// The line closing the block that opens at `start` (following `} else {`
/// chains to their end), and whether it was a chain.
fn block_end(lines: &[String], start: usize) -> Option<(usize, bool)> {
    let mut depth = 0usize;
    let mut chained = false;
    for (i, line) in lines.iter().enumerate().skip(start) {
        if i > start && closes(line) {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                if !opens(line) {
                    return Some((i, chained));
                }
                chained = true;
            }
        }
        if opens(line) {
            depth += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = "\
fn main() {
    let a = 1;
    if a == 1 {
        println(a);
    } else {
        println(2);
    }
    let b = 2;
    println(\"keep\");
}
";

    #[test]
    fn deletes_what_is_not_needed() {
        let small = minimize(PROGRAM, |p| p.contains("println(\"keep\")") && p.contains("fn main() {"));
        assert_eq!(small, "fn main() {\n    println(\"keep\");\n}\n");
    }

    #[test]
    fn keeps_a_chain_whole_or_not_at_all() {
        let small = minimize(PROGRAM, |p| p.contains("println(2)") && p.contains("if a == 1 {"));
        assert!(small.contains("} else {") && small.contains("println(2)"), "{small}");
        assert!(!small.contains("let b"), "{small}");
    }

    #[test]
    fn unwraps_a_block() {
        let program = "fn main() {\n    while true {\n        println(1);\n    }\n}\n";
        let small = minimize(program, |p| p.contains("println(1)") && p.contains("fn main() {"));
        assert_eq!(small, "fn main() {\n        println(1);\n}\n");
    }
}
