//! Multi-threaded stress test of `SharedHeap`: threads allocate, hand half
//! of their blocks to the next thread (which checks and frees them, so
//! blocks return to an arena owned by another thread), realloc and free
//! their own, while the main thread checks the arenas concurrently.

use std::collections::HashSet;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;

use berth_alloc::SharedHeap;

const THREADS: usize = 4;
const ROUNDS: usize = 15_000;

/// A block in flight: address, size, and the byte it is filled with.
type Sent = (usize, usize, u8);

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn size(&mut self) -> usize {
        match self.next() % 1000 {
            0 => 300_000,
            1..=100 => 1025 + self.next() as usize % 8000,
            _ => 1 + self.next() as usize % 1024,
        }
    }
}

fn fill(addr: usize, size: usize, tag: u8) {
    // SAFETY: callers own the block and stay within its size.
    unsafe { (addr as *mut u8).write_bytes(tag, size) };
}

fn holds(addr: usize, size: usize, tag: u8) -> bool {
    // SAFETY: as for `fill`.
    unsafe { std::slice::from_raw_parts(addr as *const u8, size) }.iter().all(|&b| b == tag)
}

fn block(addr: usize) -> NonNull<u8> {
    NonNull::new(addr as *mut u8).unwrap()
}

fn worker(heap: &'static SharedHeap, id: usize, to_next: mpsc::Sender<Sent>, from_prev: mpsc::Receiver<Sent>) {
    let mut rng = Rng(0x9E37_79B9 + id as u64 * 7919);
    let mut own: Vec<Sent> = Vec::new();
    let check_and_free = |(addr, size, tag): Sent| {
        assert!(holds(addr, size, tag), "thread {id}: block {addr:#x} overwritten");
        let owner = heap.owner_of(addr + size / 2).expect("a live block has an owner");
        assert_eq!(owner.start.as_ptr() as usize, addr);
        heap.free(block(addr)).unwrap();
    };
    for round in 0..ROUNDS {
        let size = rng.size();
        let addr = heap.alloc(size).unwrap().as_ptr() as usize;
        let tag = (round % 251) as u8;
        fill(addr, size, tag);
        if rng.next().is_multiple_of(2) {
            to_next.send((addr, size, tag)).unwrap();
        } else {
            own.push((addr, size, tag));
        }
        if own.len() > 64 {
            let victim = own.swap_remove(rng.next() as usize % own.len());
            check_and_free(victim);
        }
        if round % 16 == 0 && !own.is_empty() {
            let index = rng.next() as usize % own.len();
            let (addr, size, tag) = own[index];
            let new_size = rng.size();
            let moved = heap.realloc(block(addr), new_size).unwrap().as_ptr() as usize;
            assert!(holds(moved, size.min(new_size), tag), "realloc lost contents");
            fill(moved, new_size, tag);
            own[index] = (moved, new_size, tag);
        }
        while let Ok(received) = from_prev.try_recv() {
            check_and_free(received);
        }
    }
    drop(to_next);
    for received in from_prev {
        check_and_free(received);
    }
    own.into_iter().for_each(check_and_free);
}

#[test]
fn threads_allocating_and_freeing_across_each_other() {
    let heap: &'static SharedHeap = Box::leak(Box::new(SharedHeap::new()));
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..THREADS).map(|_| mpsc::channel::<Sent>()).unzip();
    let mut receivers: Vec<_> = receivers.into_iter().map(Some).collect();
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|id| {
                let to_next = senders[(id + 1) % THREADS].clone();
                let from_prev = receivers[id].take().unwrap();
                scope.spawn(move || worker(heap, id, to_next, from_prev))
            })
            .collect();
        drop(senders);
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                heap.check_heap().expect("arena corrupted while threads run");
                thread::yield_now();
            }
        });
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
    });
    heap.check_heap().unwrap();
    // Every worker has exited, so their caches were drained and counted.
    let stats = heap.stats();
    assert_eq!(stats.allocations, stats.frees, "{stats:?}");
    assert_eq!(stats.live_bytes, 0, "{stats:?}");
    assert!(stats.allocations >= (THREADS * ROUNDS) as u64);
    assert!(stats.peak_live_bytes > 0 && stats.peak_mapped_bytes >= stats.peak_live_bytes);
}

#[test]
fn blocks_freed_on_another_thread_return_to_the_allocating_thread() {
    let heap: &'static SharedHeap = Box::leak(Box::new(SharedHeap::new()));
    let (to_freer, from_owner) = mpsc::channel::<usize>();
    let (to_owner, from_freer) = mpsc::channel::<()>();
    let freer = thread::spawn(move || {
        for addr in from_owner {
            heap.free(block(addr)).unwrap();
        }
        // Hands the blocks back to the owner's arena, as exiting would.
        heap.flush_thread_cache();
        to_owner.send(()).unwrap();
    });
    let sent: HashSet<usize> = (0..200).map(|_| heap.alloc(40).unwrap().as_ptr() as usize).collect();
    for &addr in &sent {
        to_freer.send(addr).unwrap();
    }
    drop(to_freer);
    from_freer.recv().unwrap();
    freer.join().unwrap();
    // The owner's cache refills from the returned batches before the heap.
    let again: Vec<usize> = (0..400).map(|_| heap.alloc(40).unwrap().as_ptr() as usize).collect();
    assert!(again.iter().filter(|addr| sent.contains(addr)).count() >= 100, "returned blocks were not reused");
    heap.check_heap().unwrap();
    for addr in again {
        heap.free(block(addr)).unwrap();
    }
    heap.flush_thread_cache();
    heap.check_heap().unwrap();
    let stats = heap.stats();
    assert_eq!((stats.allocations, stats.frees, stats.live_bytes), (600, 600, 0));
}

#[test]
fn full_magazines_of_another_threads_blocks_go_back_to_it_without_a_flush() {
    let heap: &'static SharedHeap = Box::leak(Box::new(SharedHeap::new()));
    let (to_freer, from_owner) = mpsc::channel::<usize>();
    let (to_owner, from_freer) = mpsc::channel::<()>();
    // The freer stays alive (no exit, no flush) until the owner is done.
    let freer = thread::spawn(move || {
        for addr in from_owner.iter().take(2000) {
            heap.free(block(addr)).unwrap();
        }
        to_owner.send(()).unwrap();
        from_owner.recv().ok();
    });
    let sent: HashSet<usize> = (0..2000).map(|_| heap.alloc(40).unwrap().as_ptr() as usize).collect();
    for &addr in &sent {
        to_freer.send(addr).unwrap();
    }
    from_freer.recv().unwrap();
    let again: Vec<usize> = (0..2000).map(|_| heap.alloc(40).unwrap().as_ptr() as usize).collect();
    // Magazines of 48-byte chunks hold 64 blocks. The freer hands each full
    // one back at once, keeping only the last, partial one (16 blocks), so
    // 1984 come back; were its blocks kept in a spare too, 64 more would
    // stay behind. The owner first uses up what was left in its own cache.
    let reused = again.iter().filter(|addr| sent.contains(addr)).count();
    assert!(reused >= 1940, "only {reused} blocks came back");
    drop(to_freer);
    freer.join().unwrap();
    for addr in again {
        heap.free(block(addr)).unwrap();
    }
    heap.check_heap().unwrap();
}
