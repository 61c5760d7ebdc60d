// Joined workers: every round builds two jobs, runs each on its own scoped
// thread and joins both threads before reading the results.
use std::thread;

struct Job {
    data: Vec<i64>,
    result: i64,
}

fn make_job(round: i64, salt: i64, n: usize) -> Job {
    let mut data = vec![0i64; n];
    for k in 0..n {
        data[k] = (round * 7 + k as i64 * 13 + salt * 101) % 1000;
    }
    Job { data, result: 0 }
}

fn work(job: &mut Job) {
    let mut acc: i64 = 1;
    for pass in 0..8 {
        for &x in &job.data {
            acc = (acc * 31 + x * (pass + 1)) % 1000003;
        }
    }
    job.result = acc;
}

fn main() {
    let rounds = std::hint::black_box(2000i64);
    let mut total = 0i64;
    let mut odd = 0i64;
    for round in 0..rounds {
        let mut a = make_job(round, 1, 1024);
        let mut b = make_job(round, 2, 1024);
        thread::scope(|s| {
            let ta = s.spawn(|| work(&mut a));
            let tb = s.spawn(|| work(&mut b));
            if round % 2 == 0 {
                ta.join().unwrap();
                tb.join().unwrap();
            } else {
                tb.join().unwrap();
                ta.join().unwrap();
            }
        });
        total = (total + a.result * 3 + b.result) % 1000000007;
        if (a.result + b.result) % 2 == 1 {
            odd += 1;
        }
    }
    println!("rounds {rounds} odd {odd}");
    println!("total {total}");
}
