// A config parser: splits `key=value` lines into tokens, classifies values
// into a tagged union and folds them into counters. Keys and values are
// substrings that live only while their line is handled.
enum Value {
    Int(i64),
    Flag(bool),
    Text(String),
}

struct Entry {
    key: String,
    value: Value,
}

fn find(line: &str, ch: u8) -> i64 {
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if b == ch {
            return i as i64;
        }
    }
    -1
}

fn is_digits(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    s.bytes().all(|c| c.is_ascii_digit())
}

fn classify(text: String) -> Value {
    if is_digits(&text) {
        return Value::Int(text.parse().unwrap());
    }
    if text == "true" || text == "false" {
        return Value::Flag(text == "true");
    }
    Value::Text(text)
}

fn weigh(e: &Entry) -> i64 {
    match &e.value {
        Value::Int(n) => n % 1000,
        Value::Flag(b) => *b as i64,
        Value::Text(s) => (s.len() + e.key.len()) as i64,
    }
}

fn main() {
    let lines = [
        "listen_port=8080",
        "hostname=berth.example.internal",
        "verbose=true",
        "worker_threads_per_socket=16",
        "log_directory=/var/log/berth/service",
        "tls=false",
    ];
    let rounds = std::hint::black_box(120_000usize);
    let mut total = 0i64;
    let mut entries = 0i64;
    for round in 0..rounds {
        let line = lines[round % lines.len()].to_string() + &(round % 10).to_string();
        let eq = find(&line, b'=');
        if eq < 0 {
            continue;
        }
        let eq = eq as usize;
        let entry = Entry { key: line[..eq].to_string(), value: classify(line[eq + 1..].to_string()) };
        total += weigh(&entry);
        entries += 1;
    }
    println!("entries {entries} total {total}");
}
