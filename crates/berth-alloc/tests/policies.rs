//! Each placement policy places blocks where that policy must.
//!
//! The heap is first shaped into free holes of known sizes and addresses,
//! separated by small allocated guards so the holes cannot coalesce; then a
//! request shows which hole the policy picks.

use std::ptr::NonNull;

use berth_alloc::{Heap, Policy};

struct Shaped {
    heap: Heap,
    holes: Vec<NonNull<u8>>,
}

/// Holes of the given request sizes, in ascending address order, each
/// followed by a guard; the holes are freed last.
fn shaped(policy: Policy, hole_sizes: &[usize]) -> Shaped {
    let mut heap = Heap::with_policy(policy);
    let holes: Vec<_> = hole_sizes
        .iter()
        .map(|&size| {
            let hole = heap.alloc(size).unwrap();
            heap.alloc(16).unwrap();
            hole
        })
        .collect();
    for &hole in &holes {
        heap.free(hole).unwrap();
    }
    heap.check_heap().unwrap();
    Shaped { heap, holes }
}

impl Shaped {
    /// Allocates `size` bytes and says which hole it was carved from (None: the top).
    fn place(&mut self, size: usize) -> Option<usize> {
        let block = self.heap.alloc(size).unwrap();
        self.heap.check_heap().unwrap();
        self.holes.iter().position(|&hole| hole == block)
    }
}

const HOLES: [usize; 4] = [1000, 600, 2000, 600];

#[test]
fn best_fit_takes_the_smallest_hole_that_fits_lowest_first() {
    let mut heap = shaped(Policy::BestFit, &HOLES);
    assert_eq!(heap.place(500), Some(1), "600 is the smallest fit; the lower of the two");
    assert_eq!(heap.place(500), Some(3), "then the other 600");
    assert_eq!(heap.place(900), Some(0));
    assert_eq!(heap.place(3000), None, "nothing fits: the top serves it");
}

#[test]
fn best_fit_searches_inside_a_ranged_bin() {
    // Chunks of 1264, 1168 and 1216 bytes share the 1152..1280 bin.
    let mut heap = shaped(Policy::BestFit, &[1250, 1160, 1200]);
    assert_eq!(heap.place(1170), Some(2), "1216 is the best fit for a 1184-byte chunk");
    assert_eq!(heap.place(1150), Some(1));
    assert_eq!(heap.place(1150), Some(0));
}

#[test]
fn first_fit_takes_the_lowest_addressed_hole_that_fits() {
    let mut heap = shaped(Policy::FirstFit, &HOLES);
    assert_eq!(heap.place(500), Some(0));
    assert_eq!(heap.place(1500), Some(2), "the first hole left fitting 1500 is the third");
    assert_eq!(heap.place(500), Some(1));
}

#[test]
fn first_fit_prefers_a_low_small_hole_to_a_higher_exact_one() {
    let mut heap = shaped(Policy::FirstFit, &[300, 100]);
    assert_eq!(heap.place(100), Some(0));
}

#[test]
fn worst_fit_takes_the_largest_hole() {
    let mut heap = shaped(Policy::WorstFit, &HOLES);
    assert_eq!(heap.place(100), Some(2), "the largest hole is 2000");
    assert_eq!(heap.place(1500), None, "the largest hole is now 1000 bytes short of fitting");
    assert_eq!(heap.place(100), Some(0), "1000 is now the largest");
}

#[test]
fn next_fit_continues_from_the_previous_allocation() {
    let mut heap = shaped(Policy::NextFit, &[600, 600, 600]);
    // The last allocation was the final guard, above every hole: wrap around.
    assert_eq!(heap.place(300), Some(0));
    // 400 does not fit in what is left of hole 0; the search moves on.
    assert_eq!(heap.place(400), Some(1));
    // Hole 0 is whole again, but next fit keeps going forward from hole 1.
    let first = heap.holes[0];
    heap.heap.free(first).unwrap();
    assert_eq!(heap.place(300), Some(2));
    // With nothing further on, it wraps around to hole 0.
    assert_eq!(heap.place(300), Some(0));
}

#[test]
fn first_fit_and_best_fit_differ_from_next_fit_on_the_same_trace() {
    for (policy, expected) in [(Policy::FirstFit, Some(0)), (Policy::BestFit, Some(0)), (Policy::NextFit, Some(2))] {
        let mut heap = shaped(policy, &[600, 600, 600]);
        heap.place(300);
        heap.place(400);
        let first = heap.holes[0];
        heap.heap.free(first).unwrap();
        assert_eq!(heap.place(300), expected, "{policy:?}");
    }
}

#[test]
fn every_policy_falls_back_to_the_top_and_reuses_exact_holes() {
    for policy in Policy::ALL {
        let mut heap = shaped(policy, &[48, 5000]);
        assert_eq!(heap.place(6000), None, "{policy:?}: too big for any hole");
        let exact = if policy == Policy::WorstFit { Some(1) } else { Some(0) };
        assert_eq!(heap.place(48), exact, "{policy:?}");
        assert_eq!(heap.heap.config().policy, policy);
    }
}
