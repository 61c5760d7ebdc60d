// Temporary arrays: a sliding-window median filter that copies each window
// into a scratch array and sorts it, plus a prefix-sum table per block.
fn window_median(data: &[i64], start: usize, width: usize) -> i64 {
    let mut scratch = vec![0i64; width];
    for i in 0..width {
        scratch[i] = data[start + i];
    }
    for i in 1..width {
        let v = scratch[i];
        let mut j = i as i64 - 1;
        while j >= 0 && scratch[j as usize] > v {
            scratch[(j + 1) as usize] = scratch[j as usize];
            j -= 1;
        }
        scratch[(j + 1) as usize] = v;
    }
    scratch[width / 2]
}

fn block_range_sum(data: &[i64], start: usize, n: usize) -> i64 {
    let mut prefix = vec![0i64; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + data[start + i];
    }
    prefix[n] - prefix[n / 2]
}

fn main() {
    let n = std::hint::black_box(200_000usize);
    let mut data = vec![0i64; n];
    let mut seed: i64 = 12345;
    for i in 0..n {
        seed = seed.wrapping_mul(1103515245).wrapping_add(12345) % 2147483648;
        data[i] = seed % 1000;
    }
    let mut medians = 0i64;
    let mut sums = 0i64;
    for start in 0..n - 16 {
        medians += window_median(&data, start, 9);
        sums += block_range_sum(&data, start, 16);
    }
    println!("medians {medians}");
    println!("sums {sums}");
}
