//! Prints a generated benchmark program:
//! `cargo run -p berth-benches --example generate LINES > program.berth`.

fn main() {
    let lines: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    print!("{}", berth_benches::generate::program(lines));
}
