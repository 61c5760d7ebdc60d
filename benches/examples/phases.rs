//! Times each front-end phase, and the IR passes and the escape analysis
//! after it, on a generated program, best of 7 runs:
//! `cargo run --release -p berth-benches --example phases [LINES]`.
//! (The criterion benchmark `frontend` is the reference figure; this shows
//! where the time goes.)

use std::time::{Duration, Instant};

fn main() {
    let lines: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let source = berth_benches::generate::program(lines);
    let n = source.lines().count();
    let mut best = [Duration::MAX; 4];
    let mut opt = Duration::MAX;
    let mut escape = Duration::MAX;
    for _ in 0..7 {
        let mut times = [Duration::ZERO; 4];
        let t = Instant::now();
        let (module, _) = berth_syntax::parse(&source);
        times[0] = t.elapsed();
        let t = Instant::now();
        let checked = berth_types::check(&module);
        times[1] = t.elapsed();
        let t = Instant::now();
        let mut ir = berth_ir::lower(checked.program.expect("valid"), &source);
        times[2] = t.elapsed();
        let t = Instant::now();
        berth_opt::optimize(&mut ir, berth_opt::Options { inline: true });
        opt = opt.min(t.elapsed());
        let t = Instant::now();
        berth_escape::analyze(&mut ir);
        escape = escape.min(t.elapsed());
        let t = Instant::now();
        drop(module);
        drop(ir);
        times[3] = t.elapsed();
        for (b, t) in best.iter_mut().zip(times) {
            *b = (*b).min(t);
        }
    }
    let total: Duration = best.iter().sum();
    println!(
        "{n} lines, best of 7: parse {:?}, check {:?}, lower {:?}, free {:?}; total {total:?} = {:.0} lines/s",
        best[0],
        best[1],
        best[2],
        best[3],
        n as f64 / total.as_secs_f64()
    );
    println!("inlining and IR passes {opt:?} = {:.0} lines/s", n as f64 / opt.as_secs_f64());
    println!("escape analysis {escape:?} = {:.0} lines/s", n as f64 / escape.as_secs_f64());
}
