//! Decisions for the sites partial escape analysis ([`crate::partial`])
//! made virtual, from where their materialisations ended up.
//!
//! A virtual site with no materialisation left is `scalar`: its objects
//! never have memory. One whose materialisations all stay in the frame is
//! `stack`. One with a materialisation on the heap is `partial` when some
//! path from its creation to the function's end passes none of them, and
//! `heap` when every path does. Materialisation sites are folded into the
//! sites they materialise and are not reported on their own.

use std::collections::HashSet;

use berth_ir::instructions::{InstKind, Storage};
use berth_ir::{AllocSite, Block, Function, Module};

use crate::explain::Step;
use crate::{Analysis, SiteDecision, Verdict};

pub fn decide(module: &Module, analysis: &mut Analysis, virtualized: &[AllocSite]) {
    let materializations: Vec<AllocSite> =
        module.sites.keys().filter(|&s| !module.sites[s].materializes.is_empty()).collect();
    for &site in virtualized {
        let data = &module.sites[site];
        let func = &module.funcs[data.func];
        let mine: Vec<(AllocSite, SiteDecision)> = materializations
            .iter()
            .filter(|&&m| module.sites[m].materializes.contains(&site))
            .filter_map(|&m| analysis.sites[m].clone().map(|d| (m, d)))
            .collect();
        let (on_heap, off_heap): (Vec<_>, Vec<_>) = mine.iter().partition(|(_, d)| d.storage == Storage::Heap);
        let decision = if mine.is_empty() {
            let text =
                "scalar-replaced: only its fields are used, so they are kept as plain values and no object is made"
                    .to_string();
            SiteDecision {
                storage: Storage::Undecided,
                verdict: Verdict::Scalar,
                reason: text.clone(),
                chain: vec![Step { text, span: data.span }],
            }
        } else if on_heap.is_empty() {
            let storage =
                if off_heap.iter().all(|(_, d)| d.storage == Storage::Stack) { Storage::Stack } else { Storage::Arena };
            let reason = format!(
                "does not escape; materialized {} at {} where it is used as a whole, scalar elsewhere",
                where_(storage),
                positions(module, func, &off_heap)
            );
            SiteDecision { storage, verdict: Verdict::Stack, chain: chain(module, func, &mine), reason }
        } else {
            let heap_sites: HashSet<AllocSite> = on_heap.iter().map(|(m, _)| *m).collect();
            let first = &on_heap[0].1;
            if escapes_on_every_path(func, site, &heap_sites) {
                SiteDecision {
                    storage: Storage::Heap,
                    verdict: Verdict::Heap,
                    reason: format!("{}{}", first.reason, joined_with(module, site, &on_heap)),
                    chain: chain(module, func, &mine),
                }
            } else {
                let storage = match off_heap.first() {
                    Some((_, d)) => d.storage,
                    None => Storage::Undecided,
                };
                let elsewhere = match storage {
                    Storage::Undecided | Storage::Heap => "scalar-replaced".to_string(),
                    s => format!(
                        "scalar-replaced, or {} (materialized at {})",
                        where_(s),
                        positions(module, func, &off_heap)
                    ),
                };
                let reason = format!(
                    "materialized on the heap only at {}{}: {}; on other paths {elsewhere}",
                    positions(module, func, &on_heap),
                    joined_with(module, site, &on_heap),
                    first.reason
                );
                SiteDecision { storage, verdict: Verdict::Partial, reason, chain: chain(module, func, &mine) }
            }
        };
        analysis.sites[site] = Some(decision);
    }
    for m in materializations {
        analysis.sites[m] = None;
    }
}

/// " (joined with the objects of 32:18 and 38:22)" when a heap
/// materialisation holds objects of other sites too (a variable assigned
/// from several sites): its reason may name one of the others.
fn joined_with(module: &Module, site: AllocSite, on_heap: &[&(AllocSite, SiteDecision)]) -> String {
    let mut others: Vec<(u32, u32)> = on_heap
        .iter()
        .flat_map(|(m, _)| module.sites[*m].materializes.iter())
        .map(|&s| (module.sites[s].line, module.sites[s].column))
        .filter(|&at| at != (module.sites[site].line, module.sites[site].column))
        .collect();
    others.sort();
    others.dedup();
    match others.as_slice() {
        [] => String::new(),
        _ => {
            let list: Vec<String> = others.iter().map(|(l, c)| format!("{l}:{c}")).collect();
            format!(" (joined with the objects of {})", list.join(", "))
        }
    }
}

fn where_(storage: Storage) -> &'static str {
    match storage {
        Storage::Stack => "in a stack slot",
        Storage::Arena => "in the frame arena",
        Storage::Heap | Storage::Undecided => "on the heap",
    }
}

/// "19:9, 23:9": where the materialisations are.
fn positions(module: &Module, func: &Function, of: &[&(AllocSite, SiteDecision)]) -> String {
    let mut all: Vec<(u32, u32)> =
        of.iter().filter_map(|(m, _)| span_of(func, *m)).map(|span| module.positions.line_col(span)).collect();
    all.sort();
    all.dedup();
    all.iter().map(|(l, c)| format!("{l}:{c}")).collect::<Vec<_>>().join(", ")
}

/// Where a materialisation site's `alloc` is in `func`.
fn span_of(func: &Function, site: AllocSite) -> Option<berth_syntax::Span> {
    func.insts().find_map(|(_, i)| match func.dfg.insts[i].kind {
        InstKind::Alloc { site: s, .. } if s == site => Some(func.dfg.insts[i].span),
        _ => None,
    })
}

/// Each materialisation as a step, followed by its own chain.
fn chain(module: &Module, func: &Function, mine: &[(AllocSite, SiteDecision)]) -> Vec<Step> {
    let mut steps = Vec::new();
    for (m, decision) in mine {
        let span = span_of(func, *m).unwrap_or(module.sites[*m].span);
        steps.push(Step { text: format!("materialized {} here", where_(decision.storage)), span });
        steps.extend(decision.chain.iter().cloned());
    }
    steps
}

/// Whether every path from where the site's objects are created to the
/// function's end passes one of its heap materialisations.
fn escapes_on_every_path(func: &Function, site: AllocSite, heap: &HashSet<AllocSite>) -> bool {
    let is_heap = |i| matches!(func.dfg.insts[i].kind, InstKind::Alloc { site, .. } if heap.contains(&site));
    let Some((start, at)) = func.layout.blocks.iter().find_map(|&b| {
        func.layout.insts[b]
            .iter()
            .position(|&i| matches!(func.dfg.insts[i].kind, InstKind::Scalar(s) if s == site))
            .map(|p| (b, p))
    }) else {
        return true;
    };
    if func.layout.insts[start][at..].iter().any(|&i| is_heap(i)) {
        return true;
    }
    if ends_function(func, start) {
        return false;
    }
    let mut seen: HashSet<Block> = HashSet::new();
    let mut work = successors(func, start);
    while let Some(b) = work.pop() {
        if !seen.insert(b) {
            continue;
        }
        if func.layout.insts[b].iter().any(|&i| is_heap(i)) {
            continue;
        }
        if b == start || ends_function(func, b) {
            // Back at the creation (a new object) or out: a path that
            // kept this one off the heap.
            return false;
        }
        work.extend(successors(func, b));
    }
    true
}

fn successors(func: &Function, b: Block) -> Vec<Block> {
    func.terminator(b).map(|t| func.dfg.insts[t].kind.destinations().map(|d| d.block).collect()).unwrap_or_default()
}

fn ends_function(func: &Function, b: Block) -> bool {
    func.terminator(b).is_some_and(|t| matches!(func.dfg.insts[t].kind, InstKind::Return(_) | InstKind::Panic(_)))
}
