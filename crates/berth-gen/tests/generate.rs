//! Properties of generated programs: reproducible, varied, line-delimited
//! blocks, a checksum at the end, and well-typed (checked in-process by the
//! compiler's own front end).

use berth_gen::{Config, generate, generate_with};

#[test]
fn same_seed_same_program() {
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(generate(seed), generate(seed));
        for size in [1, 4] {
            let cfg = Config { size };
            assert_eq!(generate_with(seed, &cfg), generate_with(seed, &cfg));
        }
    }
}

#[test]
fn different_seeds_differ() {
    let programs: Vec<String> = (0..20).map(generate).collect();
    for i in 0..programs.len() {
        for j in i + 1..programs.len() {
            assert_ne!(programs[i], programs[j], "seeds {i} and {j} gave the same program");
        }
    }
    assert_ne!(generate_with(3, &Config { size: 1 }), generate_with(3, &Config { size: 2 }));
}

/// Every block opens with a line ending in `{` and closes with a line that
/// is `}` or `} else {...{`, indentation follows nesting, and every other
/// line is one complete statement or declaration (or a join line, which
/// also re-binds the thread's objects: see `join_and_rebind`).
fn check_layout(seed: u64, text: &str) {
    let mut depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        let ctx = || format!("seed {seed}, line {}: {line:?}", n + 1);
        if line.is_empty() {
            assert_eq!(depth, 0, "blank line inside a block, {}", ctx());
            continue;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let closes = body.starts_with('}');
        if closes {
            assert!(depth > 0, "unbalanced `}}`, {}", ctx());
            depth -= 1;
            assert!(body == "}" || (body.starts_with("} else") && body.ends_with(" {")), "bad closing line, {}", ctx());
        }
        assert_eq!(indent, 4 * depth, "indentation, {}", ctx());
        if body.ends_with('{') {
            depth += 1;
        } else if body.starts_with("fn wait_t(") {
            // The one-line join helper (deliberately not a deletable block body).
            assert_eq!(body, "fn wait_t(t: Thread) { t.join(); }", "{}", ctx());
        } else if !closes {
            assert!(
                body.ends_with(';') || body.ends_with(',') || body.starts_with("//"),
                "not one statement per line, {}",
                ctx()
            );
        }
    }
    assert_eq!(depth, 0, "seed {seed}: unclosed block at the end");
}

#[test]
fn blocks_are_line_delimited() {
    for seed in 0..100 {
        for size in [1, 2, 5] {
            check_layout(seed, &generate_with(seed, &Config { size }));
        }
    }
}

#[test]
fn main_ends_with_a_checksum() {
    for seed in 0..50 {
        let text = generate(seed);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[lines.len() - 2], "    println(\"checksum\", h);", "seed {seed}");
        assert_eq!(lines[lines.len() - 1], "}");
        for banned in ["clock_ns", "list_dir", "read_dir"] {
            assert!(!text.contains(banned), "seed {seed} uses {banned}");
        }
    }
}

#[test]
fn size_scales_the_program() {
    let total = |size| (0..20).map(|s| generate_with(s, &Config { size }).lines().count()).sum::<usize>();
    assert!(total(1) < total(3) && total(3) < total(6));
}

#[test]
fn few_programs_end_in_a_deliberate_error() {
    let n = (0..400).filter(|&s| generate(s).contains("println(\"before the error\", h);")).count();
    assert!((2..=30).contains(&n), "{n} of 400");
}

#[test]
fn generated_programs_type_check() {
    for seed in 0..60 {
        for size in [1, 2, 4] {
            let text = generate_with(seed, &Config { size });
            let (module, diags) = berth_syntax::parse(&text);
            let mut errors: Vec<String> = diags.iter().filter(|d| d.is_error()).map(|d| format!("{d:?}")).collect();
            if errors.is_empty() {
                let checked = berth_types::check(&module);
                errors.extend(checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("{d:?}")));
            }
            assert!(errors.is_empty(), "seed {seed} size {size}:\n{}\n{text}", errors.join("\n"));
        }
    }
}
