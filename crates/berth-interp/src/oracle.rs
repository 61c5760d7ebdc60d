//! The dynamic escape oracle (`berth run --escape-oracle`): what the
//! program's objects actually did, set beside what the compiler decided.
//!
//! Every object carries the depth of the frame that made it and its
//! *reach*: the depth of the oldest frame it has been reachable from.
//! Returning a value lowers its reach to the caller's depth; storing it
//! into an object lowers it to that object's reach; a global and the
//! outbox lower it to [`GLOBAL`]. Lowering spreads to everything the object
//! reaches, so an object never reaches anything younger than itself. Reach
//! only goes down: an object that was once reachable from an older frame
//! escaped, even if it is unlinked again later. An object *escaped* once
//! its reach is older than its own frame: that is the dynamic counterpart
//! of the static "does not outlive its frame".
//!
//! Spawned threads run to completion at the `spawn` (see the crate's
//! comment), on top of the spawner's frames, so a thread's frames are
//! younger than its spawner's as a callee's are. A compiled thread may run
//! until it is joined, though, so what its arguments reach lives until the
//! join: it is lowered to the joining frame's depth then (to [`GLOBAL`] if
//! the program ends first), and a frame that releases any of it before the
//! join is unsound.
//!
//! Unsound, and failing the run: an object the compiler kept in a frame
//! (stack slot or frame arena) that escaped; a use of an object after its
//! frame released it (the frame returned, its loop iteration's arena was
//! released, or its stack slot was reused); a frame releasing what a
//! thread not yet joined was given. A heap object that never escaped is a
//! missed opportunity, counted.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use berth_escape::Analysis;
use berth_ir::instructions::Storage;
use berth_ir::{AllocSite, Module};
use berth_syntax::Span;

use crate::heap::{Heap, Stale};
use crate::value::{ObjRef, Val};

/// The reach of objects that globals, the outbox or a detached thread can
/// reach: older than every frame.
pub const GLOBAL: i32 = -1;

/// How an object became reachable from an older frame.
#[derive(Clone, Copy, Debug)]
pub enum Cause {
    Return,
    Store,
    Global,
    Send,
    /// Passed to a thread joined in an older frame, or never.
    Thread,
}

impl Cause {
    fn words(self) -> &'static str {
        match self {
            Cause::Return => "returned",
            Cause::Store => "stored into an older object",
            Cause::Global => "stored into a global",
            Cause::Send => "sent",
            Cause::Thread => "passed to a thread joined only after its frame ended, or never",
        }
    }
}

/// What one allocation site's objects did.
#[derive(Default, Clone)]
struct SiteRecord {
    heap: u64,
    heap_escaped: u64,
    /// Objects in a stack slot or the frame arena.
    frame: u64,
    frame_escaped: u64,
    /// Objects scalar replacement created without memory (`scalar`).
    virtual_objects: u64,
    /// Objects (among `heap` and `frame`) that gave a virtual object
    /// memory: made by a `materialize`.
    materialized: u64,
    /// The first escape of a frame object: why, and where.
    first_unsound: Option<(Cause, Span)>,
}

#[derive(Default)]
pub struct Oracle {
    sites: BTreeMap<AllocSite, SiteRecord>,
    /// Where an object was first used after its frame released it.
    use_after_release: Option<Span>,
    /// The arguments of each thread not yet joined, and where it was
    /// spawned. They live until the join: lowered to the joining frame then,
    /// and to [`GLOBAL`] if the program ends first.
    threads: HashMap<u32, (Vec<Val>, Span)>,
    /// The objects reachable from the arguments of each thread not yet
    /// joined. A compiled thread may still be running, so its spawner's
    /// frame must not release them (the interpreter's thread has finished,
    /// so a use would not show).
    lent: HashMap<ObjRef, u32>,
    /// Where such an object was first released before its thread was
    /// joined.
    released_while_lent: Option<Span>,
}

impl Oracle {
    /// Counts a new object of `site` (a materialisation when the site is
    /// one).
    pub fn created(&mut self, site: AllocSite, storage: Storage, materialization: bool) {
        let record = self.sites.entry(site).or_default();
        record.materialized += u64::from(materialization);
        match storage {
            Storage::Stack | Storage::Arena => record.frame += 1,
            Storage::Heap | Storage::Undecided => record.heap += 1,
        }
    }

    /// Counts an object scalar replacement made virtual.
    pub fn virtual_object(&mut self, site: AllocSite) {
        self.sites.entry(site).or_default().virtual_objects += 1;
    }

    /// Makes everything `value` reaches reachable from depth `reach`.
    /// `Err` when it reaches an object already released.
    pub fn lower(&mut self, heap: &mut Heap, value: &Val, reach: i32, cause: Cause, at: Span) -> Result<(), Stale> {
        let mut work = Vec::new();
        value.for_each_ref(&mut |r| work.push(r));
        while let Some(r) = work.pop() {
            let object = heap.get_mut(r)?;
            if object.reach <= reach {
                continue;
            }
            let was_escaped = object.escaped();
            object.reach = reach;
            if !was_escaped
                && object.escaped()
                && let Some(site) = object.site
            {
                let record = self.sites.entry(site).or_default();
                match object.storage {
                    Storage::Stack | Storage::Arena => {
                        record.frame_escaped += 1;
                        record.first_unsound.get_or_insert((cause, at));
                    }
                    Storage::Heap | Storage::Undecided => record.heap_escaped += 1,
                }
            }
            object.for_each_ref(&mut |r| work.push(r));
        }
        Ok(())
    }

    /// Records that `thread`, spawned at `at`, uses what `args` reach.
    pub fn lend(&mut self, heap: &Heap, args: &[Val], thread: u32, at: Span) {
        self.threads.insert(thread, (args.to_vec(), at));
        let mut work = Vec::new();
        args.iter().for_each(|v| v.for_each_ref(&mut |r| work.push(r)));
        while let Some(r) = work.pop() {
            let Ok(object) = heap.get(r) else { continue };
            if self.lent.insert(r, thread).is_some() {
                continue;
            }
            object.for_each_ref(&mut |r| work.push(r));
        }
    }

    /// `thread` is joined: its arguments, to be lowered to the joining
    /// frame (the first join only).
    pub fn joined(&mut self, thread: u32) -> Option<Vec<Val>> {
        self.lent.retain(|_, t| *t != thread);
        self.threads.remove(&thread).map(|(args, _)| args)
    }

    /// At the end: the arguments of threads never joined escaped.
    pub fn detach_unjoined(&mut self, heap: &mut Heap) {
        let mut threads: Vec<(u32, (Vec<Val>, Span))> = self.threads.drain().collect();
        threads.sort_by_key(|(id, _)| *id);
        for (_, (args, at)) in threads {
            for arg in &args {
                // What a frame released already was reported when it was.
                let _ = self.lower(heap, arg, GLOBAL, Cause::Thread, at);
            }
        }
    }

    /// A frame releases `r` at `at`.
    pub fn releasing(&mut self, r: ObjRef, at: Span) {
        if self.lent.remove(&r).is_some() {
            self.released_while_lent.get_or_insert(at);
        }
    }

    /// Records a use of a released object (the first one).
    pub fn used_after_release(&mut self, at: Span) {
        self.use_after_release.get_or_insert(at);
    }

    pub fn unsound(&self) -> bool {
        self.use_after_release.is_some()
            || self.released_while_lent.is_some()
            || self.sites.values().any(|r| r.frame_escaped > 0)
    }

    /// The report: one line per allocation site of the source (inlined
    /// copies and materialisations counted with it), then the totals.
    pub fn report(&self, module: &Module, analysis: &Analysis, file: &str) -> String {
        let mut by_origin: BTreeMap<AllocSite, SiteRecord> = BTreeMap::new();
        for (&site, record) in &self.sites {
            by_origin.entry(origin(module, site)).or_default().add(record);
        }
        let mut out = String::new();
        let _ = writeln!(out, "escape oracle: {file}");
        let mut totals = SiteRecord::default();
        for (&site, record) in &by_origin {
            totals.add(record);
            let (line, column) = (module.sites[site].line, module.sites[site].column);
            let decision = analysis.sites[site].as_ref().map_or("heap", |d| d.verdict.word());
            let _ = write!(out, "  {line}:{column}: {decision}: {}", record.describe());
            if let Some((cause, at)) = record.first_unsound {
                let (l, c) = module.positions.line_col(at);
                let _ = write!(out, "; UNSOUND: a frame object was {} at {l}:{c}", cause.words());
            }
            out.push('\n');
        }
        if let Some(at) = self.use_after_release {
            let (l, c) = module.positions.line_col(at);
            let _ = writeln!(
                out,
                "  UNSOUND: an object was used at {l}:{c} after its frame released it (the frame returned, \
                 the loop iteration's arena was released, or its stack slot was reused)"
            );
        }
        if let Some(at) = self.released_while_lent {
            let (l, c) = module.positions.line_col(at);
            let _ = writeln!(
                out,
                "  UNSOUND: an object handed to a thread was released at {l}:{c}, before the thread was joined"
            );
        }
        let _ = writeln!(out, "{}", totals.summary(self.unsound()));
        out
    }
}

/// The site of the program's source that `site` is a copy or a
/// materialisation of.
fn origin(module: &Module, mut site: AllocSite) -> AllocSite {
    loop {
        let data = &module.sites[site];
        site = match (&data.inlined, data.materializes.first()) {
            (Some(inlined), _) => inlined.original,
            (None, Some(&virtual_site)) => virtual_site,
            (None, None) => return site,
        };
    }
}

impl SiteRecord {
    fn add(&mut self, other: &SiteRecord) {
        self.heap += other.heap;
        self.heap_escaped += other.heap_escaped;
        self.frame += other.frame;
        self.frame_escaped += other.frame_escaped;
        self.virtual_objects += other.virtual_objects;
        self.materialized += other.materialized;
        if self.first_unsound.is_none() {
            self.first_unsound = other.first_unsound;
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.virtual_objects > 0 {
            parts.push(format!("{} virtual ({} materialised)", self.virtual_objects, self.materialized));
        }
        if self.frame > 0 {
            parts.push(format!("{} in the frame ({} escaped)", self.frame, self.frame_escaped));
        }
        if self.heap > 0 {
            parts.push(format!("{} on the heap ({} escaped)", self.heap, self.heap_escaped));
        }
        if parts.is_empty() { "no objects".into() } else { parts.join(", ") }
    }

    /// Every virtual object either stays virtual or is materialised once,
    /// becoming a frame or heap object of its materialisation's site. So
    /// the program's objects are the frame and heap objects, and the
    /// virtual ones that were never materialised.
    fn summary(&self, unsound: bool) -> String {
        let stayed_virtual = self.virtual_objects.saturating_sub(self.materialized);
        let off_heap = self.frame - self.frame_escaped + stayed_virtual;
        let missed = self.heap - self.heap_escaped;
        let non_escaping = off_heap + missed;
        let precision = if non_escaping == 0 { 100.0 } else { 100.0 * off_heap as f64 / non_escaping as f64 };
        format!(
            "escape oracle: {} objects, {} escaped; kept off the heap: {off_heap} of the {non_escaping} that never \
             escaped (precision {precision:.1}%); missed on the heap: {missed}; {}",
            self.frame + self.heap + stayed_virtual,
            self.frame_escaped + self.heap_escaped,
            if unsound { "UNSOUND" } else { "sound" }
        )
    }
}
