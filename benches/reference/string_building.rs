// String building: a million short and long strings from numbers.
fn main() {
    let n = std::hint::black_box(1_000_000);
    let mut parts: Vec<String> = Vec::new();
    for i in 0..n {
        let mut s = String::from("item-") + &i.to_string();
        if i % 3 == 0 {
            s = s + "-with-a-longer-suffix";
        }
        parts.push(s);
    }
    let mut total = 0;
    let mut long = 0;
    for p in &parts {
        total += p.len();
        if p.len() > 15 {
            long += 1;
        }
    }
    println!("{} {total} {long}", parts.len());
}
