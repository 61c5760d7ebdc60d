//! The escape analysis: for every allocation site, where its objects live —
//! on the heap, in a stack slot, in the frame arena, or nowhere — and why.
//!
//! # Algorithm
//!
//! First, [`partial`] escape analysis rewrites each function: struct
//! allocations become virtual (their fields SSA values, the `alloc` a
//! `scalar` marker), and a `materialize` — an ordinary `alloc` of a new
//! site — gives an object memory where it is first used as a whole on a
//! path. Everything below then decides those materialisations like any
//! other site, and [`virtual_sites`] turns where they ended up into the
//! virtual site's decision: `scalar`, `stack`, `partial` or `heap`.
//!
//! Functions are analysed bottom-up over the call graph's strongly
//! connected components (callees first), so each call can use its callee's
//! [`summary`](summary::Summary). Inside a recursive component the
//! functions are analysed repeatedly, starting from summaries that claim
//! nothing escapes, until no summary changes: the summaries only grow, so
//! this terminates, and the result is sound for the recursion.
//!
//! For one function ([`graph`]): each allocation site is an abstract
//! object; the objects reachable from each parameter are one more (the
//! caller's objects), and everything else (globals, other functions'
//! results, the runtime's) is one "outside" object. Every SSA value that can
//! hold references has a points-to set, and every object one set per field,
//! one for all its array elements (field-sensitive, with an element
//! summary), and one for stores whose field is not known. Instructions
//! become constraints ([`graph`]), solved to a fixpoint ([`solve`]). Since
//! the IR is in SSA form, a reassigned variable is a new value with its own
//! set: reassigning never makes the new object escape because the old one
//! did.
//!
//! Escape spreads from roots — stores into globals, `send`, `spawn` of a
//! thread that is not joined on every path ([`threads`]; a joined one is a
//! call), arguments of callee parameters that escape, stores into objects
//! that are not this function's, and `return` — to everything reachable
//! from them ([`escape`]). A summary also makes a parameter's object escape
//! when an object this function hands to its caller holds it: that object
//! is on the heap, and the caller cannot see into it ([`summary`]). A site whose objects may escape is `heap`; so are objects
//! too large for the stack and arrays that may grow outside the frame. The
//! others stay in the frame ([`decide`]): a stack slot if at most one
//! object of the site is live at a time (it is not in a loop, or nothing
//! that outlives one iteration reaches it, [`loops`]), the frame arena
//! otherwise and for every array and string buffer. A loop whose
//! iterations keep nothing they put in the arena releases it on each back
//! edge ([`iterations`]), so it runs in the memory of one iteration. Every
//! decision keeps the chain of steps that forced it ([`explain`]);
//! [`report`] prints them, [`annotations`] checks them against `//~`
//! comments.
//!
//! # Invariants
//!
//! Storage decided here protects two invariants, which the code generator
//! and runtime rely on:
//!
//! 1. A pointer to a stack or arena object is never stored in the heap (or
//!    a global, or another thread's reach): anything reachable from an
//!    escaping object escapes, and an array that may grow in a callee or
//!    through an alias keeps its buffer on the heap from the start.
//! 2. A pointer to a stack or arena object never outlives the object: no
//!    such object is returned or stored into the caller's objects, and a
//!    stack slot is reused by the next execution of its site, or arena
//!    memory by the next iteration of a loop, only when no earlier object
//!    there can still be reached.
//!
//! A virtual object has no address, so neither invariant concerns it; the
//! points-to analysis sees only materialisations, which carry the
//! object's current fields, and protects both invariants for them.
//!
//! When the analysis cannot prove an object stays in the frame, it is on
//! the heap.

pub mod annotations;
mod bitset;
mod decide;
mod escape;
pub mod explain;
mod graph;
mod iterations;
mod loops;
mod partial;
pub mod report;
mod solve;
mod summary;
mod threads;
mod virtual_sites;

use std::collections::HashMap;

use berth_ir::callgraph::CallGraph;
use berth_ir::instructions::{InstKind, Storage};
use berth_ir::{AllocSite, Module};
use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;

pub use decide::MAX_STACK_OBJECT;
pub use explain::Step;

/// The verdict for a site, in the words of `//~` annotations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Heap,
    /// A stack slot or the frame arena.
    Stack,
    /// No storage at all: scalar-replaced, or the site's code never runs.
    Scalar,
    /// Materialised on the heap on some paths, kept off it on others.
    Partial,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Heap => "heap",
            Verdict::Stack => "stack",
            Verdict::Scalar => "scalar",
            Verdict::Partial => "partial",
        }
    }
}

/// The decision for one allocation site.
#[derive(Clone, Debug)]
pub struct SiteDecision {
    pub storage: Storage,
    pub verdict: Verdict,
    /// One line: why.
    pub reason: String,
    /// Every step that led to the decision, each with its position.
    pub chain: Vec<Step>,
}

/// The decisions for every site of a module.
pub struct Analysis {
    pub sites: SecondaryMap<AllocSite, Option<SiteDecision>>,
}

/// Runs the analysis and writes its decisions into the module's `alloc`
/// and `array.push` instructions.
pub fn analyze(module: &mut Module) -> Analysis {
    let virtualized = partial::run(module);
    let mut summaries: SecondaryMap<FuncId, summary::Summary> = SecondaryMap::new();
    for (id, func) in &module.funcs {
        summaries[id] =
            summary::Summary { params: vec![Default::default(); func.params.len()], returns_outside: false };
    }
    let mut per_function: HashMap<FuncId, decide::FunctionDecisions> = HashMap::new();
    let calls = CallGraph::new(module);
    for scc in calls.sccs_bottom_up() {
        // A function that is not recursive sees only final summaries: one
        // round settles it.
        let recursive = scc.len() > 1 || calls.callees(scc[0]).contains(&scc[0]);
        loop {
            let mut changed = false;
            for &f in &scc {
                let mut g = graph::Graph::build(module, f);
                g.solve(&summaries);
                let escapes = escape::Escapes::compute(&g, &summaries);
                let summary = summary::Summary::compute(&g, &escapes, &summaries);
                // Only the effects decide the fixpoint: the explanations of a
                // recursive function quote its own summary, so their text
                // would grow with every round.
                changed |= !summary.same_effects(&summaries[f]);
                summaries[f] = summary;
                // The decisions of the last round stand: that round saw the
                // final summaries.
                per_function.insert(f, decide::decide(&g, &escapes, &summaries));
            }
            if !changed || !recursive {
                break;
            }
        }
    }
    let mut analysis = Analysis { sites: SecondaryMap::new() };
    for (f, decisions) in per_function {
        for (site, decided) in decisions.sites {
            let verdict = if decided.storage == Storage::Heap { Verdict::Heap } else { Verdict::Stack };
            analysis.sites[site] =
                Some(SiteDecision { storage: decided.storage, verdict, reason: decided.reason, chain: decided.chain });
        }
        let func = &mut module.funcs[f];
        for (inst, storage) in decisions.grows {
            if let InstKind::ArrayPush { grow, .. } = &mut func.dfg.insts[inst].kind {
                *grow = storage;
            }
        }
        for release in decisions.releases {
            iterations::insert(func, &release);
        }
    }
    apply(module, &analysis);
    virtual_sites::decide(module, &mut analysis, &virtualized);
    never_created(module, &mut analysis);
    analysis
}

/// `--no-escape`: every site on the heap.
pub fn disabled(module: &mut Module) -> Analysis {
    let mut analysis = Analysis { sites: SecondaryMap::new() };
    for func in module.funcs.values() {
        for (_, inst) in func.insts() {
            if let InstKind::Alloc { site, .. } = func.dfg.insts[inst].kind {
                let text = "the escape analysis is off (--no-escape)".to_string();
                let span = module.sites[site].span;
                analysis.sites[site] = Some(SiteDecision {
                    storage: Storage::Heap,
                    verdict: Verdict::Heap,
                    reason: text.clone(),
                    chain: vec![Step { text, span }],
                });
            }
        }
    }
    never_created(module, &mut analysis);
    apply(module, &analysis);
    analysis
}

/// Decides the sites of the source whose code the optimiser removed (it
/// cannot run): they create nothing. Removed inlined copies are not sites
/// of the source; they just go.
fn never_created(module: &Module, analysis: &mut Analysis) {
    for (site, data) in module.sites.iter() {
        if analysis.sites[site].is_none() && data.in_source() {
            let text = "never created: the code that creates it cannot run".to_string();
            analysis.sites[site] = Some(SiteDecision {
                storage: Storage::Undecided,
                verdict: Verdict::Scalar,
                reason: text.clone(),
                chain: vec![Step { text, span: data.span }],
            });
        }
    }
}

/// Writes each site's storage into its `alloc` instruction.
fn apply(module: &mut Module, analysis: &Analysis) {
    for func in module.funcs.values_mut() {
        let insts: Vec<_> = func.insts().map(|(_, i)| i).collect();
        for inst in insts {
            if let InstKind::Alloc { site, storage, .. } = &mut func.dfg.insts[inst].kind
                && let Some(decision) = &analysis.sites[*site]
            {
                *storage = decision.storage;
            }
        }
    }
}
