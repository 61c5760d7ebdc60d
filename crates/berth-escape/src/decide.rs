//! Decisions: where each allocation site's objects live.
//!
//! A site whose objects may outlive the frame (they escape, are too large
//! for the stack, or belong to an array that may grow outside the frame) is
//! `heap`. Otherwise its objects live in the frame: a struct of which one
//! instance is live at a time gets a stack slot; one whose earlier
//! instances may still be live when the site runs again (in a loop), and
//! every array and string buffer (their sizes are known only at run time),
//! goes to the frame arena.

use std::collections::HashMap;

use berth_ir::instructions::{AllocInit, InstKind, Storage};
use berth_ir::{AllocSite, Inst, SiteKind};
use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;

use crate::bitset::BitSet;
use crate::escape::Escapes;
use crate::explain::{self, Step};
use crate::graph::{Constraint, Graph, ObjId};
use crate::iterations::{self, Release};
use crate::loops::Loops;
use crate::summary::Summary;

/// Objects larger than this do not go on the stack.
pub const MAX_STACK_OBJECT: u64 = 64 << 10;

/// The decision for one site, with its explanation.
#[derive(Clone, Debug)]
pub struct Decided {
    pub storage: Storage,
    /// One line: why.
    pub reason: String,
    /// Every step, for `-v` and JSON.
    pub chain: Vec<Step>,
}

/// Everything decided for one function.
pub struct FunctionDecisions {
    pub sites: HashMap<AllocSite, Decided>,
    /// Where each `push` grows its array.
    pub grows: HashMap<Inst, Storage>,
    /// The loops that release the arena each iteration.
    pub releases: Vec<Release>,
}

/// Decides every site of a solved function, where each `push` grows its
/// array, and which loops give their arena memory back every iteration.
pub fn decide(g: &Graph, escapes: &Escapes, summaries: &SecondaryMap<FuncId, Summary>) -> FunctionDecisions {
    let mut heap: HashMap<ObjId, Vec<Step>> = HashMap::new();
    for obj in 0..g.objs.len() {
        if g.site_of(obj).is_some() && escapes.escapes(obj) {
            heap.insert(obj, explain::chain(g, escapes, summaries, obj));
        }
    }
    for obj in 0..g.objs.len() {
        if let Some(bytes) = g.site_of(obj).and_then(|s| constant_size(g, s)).filter(|&b| b > MAX_STACK_OBJECT) {
            let inst = g.site_inst[&g.site_of(obj).expect("a site")];
            let step =
                Step::new(g, inst, format!("{} is too large for the stack ({bytes} bytes)", explain::describe(g, obj)));
            heap.entry(obj).or_insert_with(|| vec![step]);
        }
    }
    let grows = grows(g, &heap);

    let loops = Loops::find(g.func);
    let mut decided = HashMap::new();
    for obj in 0..g.objs.len() {
        let Some(site) = g.site_of(obj) else { continue };
        let decision = match heap.remove(&obj) {
            Some(chain) => Decided { storage: Storage::Heap, reason: one_line(&chain), chain },
            None => in_frame(g, &loops, obj, site),
        };
        decided.insert(site, decision);
    }
    let storage = decided.iter().map(|(&site, d)| (site, d.storage)).collect();
    let releases = iterations::releasing_loops(g, &loops, &storage, &grows);
    FunctionDecisions { sites: decided, grows, releases }
}

/// Where each `push` of this function grows its array: in the frame arena
/// when it can only be this function's own arrays that stay in the frame
/// (the arena region being this frame's); otherwise on the heap, which is
/// always safe. (An array of the caller's frame grown in a callee keeps its
/// object in the frame and gets a heap buffer.)
fn grows(g: &Graph, heap: &HashMap<ObjId, Vec<Step>>) -> HashMap<Inst, Storage> {
    let mut grows = HashMap::new();
    for c in &g.constraints {
        let Constraint::Push { inst, array } = c else { continue };
        let targets = &g.pts[*array];
        let local = !targets.is_empty() && targets.iter().all(|o| g.site_of(o).is_some() && !heap.contains_key(&o));
        grows.insert(*inst, if local { Storage::Arena } else { Storage::Heap });
    }
    grows
}

/// Stack slot or frame arena, for an object that stays in the frame.
fn in_frame(g: &Graph, loops: &Loops, obj: ObjId, site: AllocSite) -> Decided {
    let inst = g.site_inst[&site];
    let subject = explain::describe(g, obj);
    let passed = passed_along(g, obj);
    let (storage, why) = match g.module.sites[site].kind {
        SiteKind::Array => (Storage::Arena, "in the frame arena (an array's buffer is sized at run time)"),
        SiteKind::String => (Storage::Arena, "in the frame arena (a string's buffer is sized at run time)"),
        SiteKind::Struct if iteration_local(g, loops, obj, inst) => (Storage::Stack, "in a stack slot"),
        SiteKind::Struct => {
            (Storage::Arena, "in the frame arena (objects from earlier iterations of its loop may still be live)")
        }
    };
    let text = format!("{subject} does not escape{passed}; {why}");
    Decided { storage, reason: format!("does not escape{passed}; {why}"), chain: vec![Step::new(g, inst, text)] }
}

/// ", passed to `f` which does not keep it" for the first call that gets
/// the object without letting it escape.
fn passed_along(g: &Graph, obj: ObjId) -> String {
    for c in &g.constraints {
        let Constraint::Call { inst, callee, args, .. } = c else { continue };
        for (k, &arg) in args.iter().enumerate() {
            if g.tracked[arg] && g.pts[arg].contains(obj) {
                let step = explain::passed_to(g, *inst, *callee, k as u32);
                let (line, col) = g.module.positions.line_col(step.span);
                return format!(" ({} at {line}:{col}, which does not keep it)", step.text);
            }
        }
    }
    String::new()
}

/// Whether no earlier object of this site can still be reachable when the
/// site runs again: nothing that outlives one iteration of the innermost
/// loop around it (a loop header's parameters, objects allocated outside
/// that loop) reaches it.
fn iteration_local(g: &Graph, loops: &Loops, obj: ObjId, inst: Inst) -> bool {
    let blocks = g.func.inst_blocks();
    let Some(block) = blocks[inst] else { return true };
    let around = loops.containing(block);
    let Some(innermost) = around.first() else { return true };
    let mut carried = BitSet::default();
    for l in &around {
        for &param in &g.func.dfg.blocks[l.header].params {
            if g.tracked[param] {
                carried.union_with(&g.pts[param]);
            }
        }
    }
    for (&site, &other) in &g.site_obj {
        if blocks[g.site_inst[&site]].is_some_and(|b| !innermost.body[b]) {
            carried.insert(other);
        }
    }
    !g.reach(&carried).contains(obj)
}

/// The size of a site's objects when it is a compile-time constant.
fn constant_size(g: &Graph, site: AllocSite) -> Option<u64> {
    let InstKind::Alloc { init, .. } = &g.func.dfg.insts[g.site_inst[&site]].kind else { return None };
    let elem_bytes = |v| 8 * g.module.value_words(g.func.dfg.value_type(v)) as u64;
    match init {
        AllocInit::Struct { fields, .. } => Some(8 + fields.iter().map(|&f| elem_bytes(f)).sum::<u64>()),
        AllocInit::Array { elems } => Some(elems.iter().map(|&e| elem_bytes(e)).sum()),
        AllocInit::ArrayRepeat { value, count } => {
            g.func.int_constant(*count).map(|n| (n.max(0) as u64).saturating_mul(elem_bytes(*value)))
        }
        _ => None,
    }
}

/// The one-line reason of a chain: its first step, and its root if that is
/// further along.
fn one_line(chain: &[Step]) -> String {
    match chain {
        [] => "escapes".into(),
        [only] => only.text.clone(),
        [first, .., last] => format!("{}; {}", first.text, last.text),
    }
}
