//! `BerthAlloc` as the global allocator of this test binary: the standard
//! library's collections, threads and the test harness itself run on it.

use std::alloc::{GlobalAlloc, Layout};
use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::mpsc;
use std::thread;

use berth_alloc::{BerthAlloc, global};

#[global_allocator]
static ALLOC: BerthAlloc = BerthAlloc;

#[test]
fn standard_collections_run_on_the_berth_heap() {
    let before = global().stats().allocations;
    let mut numbers = Vec::new();
    for i in 0..100_000u64 {
        numbers.push(i * 3);
    }
    let map: HashMap<u64, String> = numbers.iter().take(5000).map(|&n| (n, format!("value {n}"))).collect();
    let tree: BTreeMap<String, usize> = map.values().map(|v| (v.clone(), v.len())).collect();
    assert_eq!(numbers.iter().sum::<u64>(), 3 * (99_999 * 100_000 / 2));
    assert_eq!(map[&300], "value 300");
    assert_eq!(tree.len(), 5000);
    let huge = vec![7u8; 3 << 20];
    assert!(huge.iter().all(|&b| b == 7));

    #[repr(align(4096))]
    struct Page([u8; 4096]);
    let pages: Vec<Box<Page>> = (0..10).map(|i| Box::new(Page([i; 4096]))).collect();
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(&**page as *const Page as usize % 4096, 0);
        assert!(page.0.iter().all(|&b| b == i as u8));
    }
    assert!(global().stats().allocations > before + 5000);
    global().check_heap().unwrap();
}

#[test]
fn threads_pass_heap_data_to_each_other() {
    let (sender, receiver) = mpsc::channel();
    let producers: Vec<_> = (0..4)
        .map(|id| {
            let sender = sender.clone();
            thread::spawn(move || {
                for i in 0..2000 {
                    sender.send(format!("{id}:{i}").repeat(i % 7 + 1)).unwrap();
                }
            })
        })
        .collect();
    drop(sender);
    let received: Vec<String> = receiver.iter().collect();
    for producer in producers {
        producer.join().unwrap();
    }
    assert_eq!(received.len(), 8000);
    assert!(received.iter().all(|s| s.contains(':')));
    global().check_heap().unwrap();
}

#[test]
fn realloc_through_the_trait_keeps_contents() {
    let layout = Layout::from_size_align(100, 8).unwrap();
    // SAFETY: the block is used within its size and freed with its final layout.
    unsafe {
        let block = ALLOC.alloc(layout);
        assert!(!block.is_null());
        block.write_bytes(5, 100);
        let grown = ALLOC.realloc(block, layout, 100_000);
        assert!(std::slice::from_raw_parts(grown, 100).iter().all(|&b| b == 5));
        let wide = Layout::from_size_align(64, 256).unwrap();
        let aligned = ALLOC.alloc(wide);
        assert_eq!(aligned as usize % 256, 0);
        aligned.write_bytes(6, 64);
        let moved = ALLOC.realloc(aligned, wide, 5000);
        assert_eq!(moved as usize % 256, 0);
        assert!(std::slice::from_raw_parts(moved, 64).iter().all(|&b| b == 6));
        ALLOC.dealloc(moved, Layout::from_size_align(5000, 256).unwrap());
        ALLOC.dealloc(grown, Layout::from_size_align(100_000, 8).unwrap());
    }
}

const CHILD: &str = "BERTH_ALLOC_DOUBLE_FREE_CHILD";

#[test]
fn a_double_free_aborts_with_a_one_line_message() {
    if std::env::var_os(CHILD).is_some() {
        let layout = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: deliberately not: the second dealloc is the bug under test,
        // which the allocator must catch before touching anything.
        unsafe {
            let block = ALLOC.alloc(layout);
            ALLOC.dealloc(block, layout);
            ALLOC.dealloc(block, layout);
        }
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_double_free_aborts_with_a_one_line_message", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the child survived a double free");
    let line = stderr.lines().find(|line| line.starts_with("berth-alloc: fatal:")).unwrap_or_default();
    assert!(line.contains("double free"), "stderr was: {stderr}");
}
