// Allocation: build and check complete binary trees (binary-trees, depth 16).
struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

fn build(depth: i64) -> Box<Node> {
    if depth == 0 {
        return Box::new(Node { left: None, right: None });
    }
    Box::new(Node { left: Some(build(depth - 1)), right: Some(build(depth - 1)) })
}

fn check(node: &Node) -> i64 {
    match (&node.left, &node.right) {
        (Some(l), Some(r)) => 1 + check(l) + check(r),
        _ => 1,
    }
}

fn main() {
    let max_depth = std::hint::black_box(16);
    let long_lived = build(max_depth);
    let mut depth = 4;
    while depth <= max_depth {
        let iterations = 1i64 << (max_depth - depth + 4);
        let mut total = 0;
        for _ in 0..iterations {
            total += check(&build(depth));
        }
        println!("{iterations} trees of depth {depth} check: {total}");
        depth += 2;
    }
    println!("long lived tree of depth {max_depth} check: {}", check(&long_lived));
}
