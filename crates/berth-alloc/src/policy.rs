//! Placement policies: which free chunk a request is carved from.
//!
//! All four search the bins only; the top chunk is the last resort under
//! every policy (Wilson's "wilderness preservation"), so the policies differ
//! exactly in how they reuse freed memory. Each policy fixes the order its
//! bins are kept in ([`Policy::bin_orders`]) so that its search is a walk of
//! at most one bin per size class plus bitmap operations.

use crate::bins::{Bins, Order, bin_index};
use crate::chunk::Chunk;

/// Where a [`Heap`](crate::Heap) places a request among its free chunks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// The smallest free chunk that fits (lowest address among equals).
    #[default]
    BestFit,
    /// The lowest-addressed free chunk that fits.
    FirstFit,
    /// The first free chunk that fits at or after where the previous
    /// allocation ended, wrapping around to the lowest address.
    NextFit,
    /// The largest free chunk, if it fits.
    WorstFit,
}

impl Policy {
    /// Every policy, for comparing them on the same trace.
    pub const ALL: [Policy; 4] = [Policy::BestFit, Policy::FirstFit, Policy::NextFit, Policy::WorstFit];

    /// A short lowercase name, for tables.
    pub fn name(self) -> &'static str {
        match self {
            Policy::BestFit => "best-fit",
            Policy::FirstFit => "first-fit",
            Policy::NextFit => "next-fit",
            Policy::WorstFit => "worst-fit",
        }
    }

    /// Orders of the (small, large) bins. Size-ordered policies keep exact
    /// bins LIFO because every chunk there is the same size; address-ordered
    /// ones need address order everywhere.
    pub(crate) fn bin_orders(self) -> (Order, Order) {
        match self {
            Policy::BestFit | Policy::WorstFit => (Order::Lifo, Order::Size),
            Policy::FirstFit | Policy::NextFit => (Order::Address, Order::Address),
        }
    }

    /// The free chunk this policy picks for a chunk of `size` bytes, left in
    /// its bin; None if no binned chunk fits. `rover` is where the previous
    /// allocation ended (used by next fit).
    ///
    /// # Safety
    /// The bins must be intact and ordered by `self.bin_orders()`.
    pub(crate) unsafe fn select(self, bins: &Bins, size: usize, rover: usize) -> Option<Chunk> {
        // SAFETY: forwarded contract.
        unsafe {
            match self {
                Policy::BestFit => best_fit(bins, size),
                Policy::FirstFit => lowest_fit_from(bins, size, 0),
                Policy::NextFit => lowest_fit_from(bins, size, rover).or_else(|| lowest_fit_from(bins, size, 0)),
                Policy::WorstFit => worst_fit(bins, size),
            }
        }
    }
}

/// Bins are size-ordered, so the first fitting chunk of the request's own bin
/// is the best fit there; failing that, the smallest chunk of the next
/// non-empty bin is the best fit overall.
unsafe fn best_fit(bins: &Bins, size: usize) -> Option<Chunk> {
    let bin = bin_index(size);
    // SAFETY: the caller guarantees intact bins.
    let in_own_bin = unsafe { bins.iter(bin).find(|c| c.size() >= size) };
    in_own_bin.or_else(|| bins.next_nonempty(bin + 1).map(|next| bins.head(next)))
}

/// The last chunk of the highest non-empty bin is the largest free chunk.
unsafe fn worst_fit(bins: &Bins, size: usize) -> Option<Chunk> {
    let largest = bins.tail(bins.last_nonempty()?);
    // SAFETY: the caller guarantees intact bins, so `largest` is a free chunk.
    (unsafe { largest.size() } >= size).then_some(largest)
}

/// The lowest-addressed fitting chunk at or above address `from`: the first
/// such chunk of every candidate bin (bins are address-ordered), then the
/// minimum over bins. First fit is this search from address 0.
unsafe fn lowest_fit_from(bins: &Bins, size: usize, from: usize) -> Option<Chunk> {
    let mut found: Option<Chunk> = None;
    let mut bin = bin_index(size);
    while let Some(nonempty) = bins.next_nonempty(bin) {
        // SAFETY: the caller guarantees intact bins.
        let candidate = unsafe {
            bins.iter(nonempty)
                .take_while(|c| found.is_none_or(|f| *c < f))
                .find(|c| c.addr() >= from && c.size() >= size)
        };
        if candidate.is_some() {
            found = candidate;
        }
        bin = nonempty + 1;
    }
    found
}
