// Builder objects: a request is assembled field by field through a builder,
// validated and summarised; only the summaries are kept.
struct RequestBuilder {
    method: i64,
    path_len: i64,
    headers: i64,
    body: i64,
    timeout: i64,
}

struct Request {
    method: i64,
    path_len: i64,
    headers: i64,
    body: i64,
    timeout: i64,
}

fn new_builder(method: i64) -> RequestBuilder {
    RequestBuilder { method, path_len: 0, headers: 0, body: 0, timeout: 30 }
}

fn with_path(b: &mut RequestBuilder, n: i64) {
    b.path_len = n;
}

fn with_header(b: &mut RequestBuilder) {
    b.headers += 1;
}

fn with_body(b: &mut RequestBuilder, n: i64) {
    b.body = n;
}

fn score(r: &Request) -> i64 {
    if r.timeout <= 0 {
        return 0;
    }
    r.method * 7 + r.path_len * 3 + r.headers * 5 + r.body % 97
}

fn main() {
    let n = std::hint::black_box(2_000_000i64);
    let mut total = 0i64;
    let mut big = 0i64;
    for i in 0..n {
        let mut b = RequestBuilder { method: i % 4, path_len: 0, headers: 0, body: 0, timeout: 30 };
        with_path(&mut b, i % 40);
        for _ in 0..i % 3 {
            with_header(&mut b);
        }
        with_body(&mut b, i.wrapping_mul(13));
        let r = Request { method: b.method, path_len: b.path_len, headers: b.headers, body: b.body, timeout: b.timeout };
        let s = score(&r);
        total = total.wrapping_add(s);
        if s > 300 {
            big += 1;
        }
    }
    let mut keep = new_builder(1);
    with_path(&mut keep, 5);
    println!("total {total} big {big} kept path {}", keep.path_len);
}
