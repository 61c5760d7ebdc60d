// A loop over an int array: fill, then sum with a rolling hash, 20 times.
fn main() {
    let n: i64 = std::hint::black_box(2_000_000);
    let mut a = vec![0i64; n as usize];
    let mut total: i64 = 0;
    for round in 0..20 {
        for i in 0..n {
            a[i as usize] = (i * 31 + round) % 1009;
        }
        for i in 0..n {
            total = total.wrapping_mul(7).wrapping_add(a[i as usize]);
        }
    }
    println!("{total}");
}
