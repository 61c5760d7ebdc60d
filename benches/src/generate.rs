//! Generated programs of any size, built from one unit of typical Berth
//! code (structs, an enum, a global, allocation in loops, `match`, strings)
//! repeated with fresh names.

use std::fmt::Write;

/// A valid program of at least `lines` lines.
pub fn program(lines: usize) -> String {
    let mut first = String::new();
    unit(&mut first, 0);
    let unit_lines = first.lines().count();
    let units = lines.saturating_sub(MAIN_LINES).div_ceil(unit_lines).max(1);
    let mut out = String::with_capacity(first.len() * (units + 1));
    for i in 0..units {
        unit(&mut out, i);
    }
    write_main(&mut out, units);
    out
}

const MAIN_LINES: usize = 6;

fn unit(out: &mut String, i: usize) {
    let _ = write!(
        out,
        r#"struct Vec{i} {{ x: float, y: float }}
enum Shape{i} {{ Circle(float), Rect(float, float), Empty }}
global counter{i}: int = {i};

fn area{i}(s: Shape{i}) -> float {{
    match s {{
        Shape{i}::Circle(r) => {{ return 3.0 * r * r; }}
        Shape{i}::Rect(w, h) => {{ return w * h; }}
        Shape{i}::Empty => {{ return 0.0; }}
    }}
}}

fn add{i}(a: Vec{i}, b: Vec{i}) -> Vec{i} {{
    return Vec{i} {{ x: a.x + b.x, y: a.y + b.y }};
}}

fn work{i}(n: int) -> int {{
    let total = 0;
    let items: [Vec{i}] = [];
    for k in 0..n {{
        let v = Vec{i} {{ x: float(k), y: 2.0 }};
        items.push(add{i}(v, v));
        if k % 3 == 0 && k > 1 {{
            total += k;
        }} else {{
            total -= 1;
        }}
    }}
    let shapes = [Shape{i}::Circle(1.5), Shape{i}::Rect(2.0, float(n)), Shape{i}::Empty];
    let sum = 0.0;
    for s in shapes {{
        sum += area{i}(s);
    }}
    let name = "item" + str(n);
    while total > 100 {{
        total = total / 2;
    }}
    counter{i} += len(items);
    return total + len(name) + int(sum);
}}

"#
    );
}

fn write_main(out: &mut String, units: usize) {
    let _ = write!(
        out,
        "fn main() {{\n    let total = 0;\n    for i in 0..{units} {{ total += i; }}\n    println(total, work0(10));\n}}\n"
    );
}
