// A rarely sent DTO: every iteration of a hot loop builds a small reading,
// folds its fields into per-sensor sums, and only readings that hit a rare
// alarm value are sent (a few hundred out of millions). Sending is emulated
// by writing the reading's debug line to stderr, as Berth's outbox does.
#[derive(Debug)]
struct Reading {
    sensor: i64,
    value: i64,
    ok: bool,
}

fn make_reading(i: i64, seed: i64) -> Reading {
    let value = (seed / 1024) % 100000;
    Reading { sensor: i % 16, value, ok: value % 7 != 3 }
}

fn is_alarm(r: &Reading) -> bool {
    r.ok && r.value == 4242
}

fn send(r: Reading) {
    eprintln!("{r:?}");
}

fn main() {
    let n = std::hint::black_box(40_000_000i64);
    let mut sums = vec![0i64; 16];
    let mut good = 0i64;
    let mut bad = 0i64;
    let mut alarms = 0i64;
    let mut peak = 0i64;
    let mut seed: i64 = 42;
    for i in 0..n {
        seed = seed.wrapping_mul(1103515245).wrapping_add(12345) % 2147483648;
        let r = make_reading(i, seed);
        if r.ok {
            sums[r.sensor as usize] += r.value;
            good += 1;
        } else {
            bad += 1;
        }
        if r.value > peak {
            peak = r.value;
        }
        if is_alarm(&r) {
            alarms += 1;
            send(r);
        }
    }
    let mut total = 0i64;
    let mut weighted = 0i64;
    for s in 0..16 {
        total += sums[s];
        weighted += sums[s] * (s as i64 + 1) % 1000003;
    }
    println!("good {good} bad {bad} alarms {alarms}");
    println!("total {total} weighted {weighted} peak {peak}");
}
