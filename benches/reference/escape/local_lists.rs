// Iterators over local lists: each round fills a local list of records,
// walks it with an iterator object and a filter, and drops it.
struct Item {
    #[allow(dead_code)]
    id: i64,
    weight: i64,
}

struct Iter<'a> {
    items: &'a [Item],
    pos: usize,
}

impl<'a> Iter<'a> {
    fn has_next(&self) -> bool {
        self.pos < self.items.len()
    }

    fn next(&mut self) -> &'a Item {
        let item = &self.items[self.pos];
        self.pos += 1;
        item
    }
}

fn heavy_total(items: &[Item], limit: i64) -> i64 {
    let mut it = Iter { items, pos: 0 };
    let mut total = 0;
    while it.has_next() {
        let item = it.next();
        if item.weight > limit {
            total += item.weight;
        }
    }
    total
}

fn main() {
    let rounds = std::hint::black_box(4000i64);
    let mut grand = 0i64;
    for round in 0..rounds {
        let mut items: Vec<Item> = Vec::new();
        for k in 0..100 {
            items.push(Item { id: k, weight: (k * 37 + round) % 101 });
        }
        grand += heavy_total(&items, 50);
    }
    println!("grand {grand}");
}
