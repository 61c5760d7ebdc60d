//! Lowering, the CFG helpers, the call graph, parameter simplification and
//! the verifier, on small programs.

use berth_ir::callgraph::CallGraph;
use berth_ir::cfg::{ControlFlowGraph, DominatorTree, PostDominatorTree};
use berth_ir::instructions::{BlockCall, InstKind};
use berth_ir::{Block, Function, Module, print_module, verify_module};
use berth_syntax::Span;
use berth_types::TypeId;
use berth_types::hir::FuncId;

fn lower(source: &str) -> Module {
    let (module, errors) = berth_syntax::parse(source);
    assert!(errors.is_empty(), "{errors:?}");
    let checked = berth_types::check(&module);
    let program = checked.program.unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
    berth_ir::lower(program, source)
}

fn func<'m>(module: &'m Module, name: &str) -> (FuncId, &'m Function) {
    module.funcs.iter().find(|(_, f)| f.name == name).expect("the function exists")
}

/// The layout's blocks of `f`, in order.
fn blocks(f: &Function) -> Vec<Block> {
    f.layout.blocks.clone()
}

#[test]
fn if_else_is_a_diamond() {
    let m = lower("fn f(c: bool) -> int { let x = 1; if c { x = 2; } else { x = 3; } return x; } fn main() {}");
    let (_, f) = func(&m, "f");
    let [entry, then_b, else_b, join] = blocks(f)[..] else { panic!("four blocks: {}", print_module(&m)) };
    let cfg = ControlFlowGraph::new(f);
    let dom = DominatorTree::new(&cfg);
    assert_eq!(dom.idom(&cfg, join), Some(entry));
    assert!(dom.dominates(&cfg, entry, then_b));
    assert!(!dom.dominates(&cfg, then_b, join));
    let pdom = PostDominatorTree::new(&cfg);
    assert!(pdom.post_dominates(&cfg, join, entry));
    assert!(pdom.post_dominates(&cfg, join, else_b));
    assert_eq!(pdom.ipdom(&cfg, join), None, "the return leads to the virtual exit");
    // `x` differs between the branches, so the join takes it as a parameter.
    assert_eq!(f.dfg.blocks[join].params.len(), 1);
    let mut preds: Vec<Block> = cfg.predecessors(join).collect();
    preds.sort();
    assert_eq!(preds, vec![then_b, else_b]);
}

#[test]
fn an_early_return_breaks_post_dominance() {
    let m = lower("fn f(c: bool) { if c { return; } println(1); } fn main() {}");
    let (_, f) = func(&m, "f");
    let cfg = ControlFlowGraph::new(f);
    let pdom = PostDominatorTree::new(&cfg);
    let entry = blocks(f)[0];
    let after = *blocks(f).last().expect("blocks");
    assert!(!pdom.post_dominates(&cfg, after, entry));
}

#[test]
fn loop_headers_keep_only_parameters_that_change() {
    let m = lower(
        "fn f(n: int) -> int { let fixed = 7; let total = 0; let i = 0;
           while i < n { total += fixed; i += 1; } return total; } fn main() {}",
    );
    let (_, f) = func(&m, "f");
    let header = blocks(f)[1];
    // `total` and `i` change in the loop; `n` and `fixed` do not.
    assert_eq!(f.dfg.blocks[header].params.len(), 2, "{}", print_module(&m));
    let cfg = ControlFlowGraph::new(f);
    assert_eq!(cfg.predecessors(header).count(), 2, "entry and back edge");
}

#[test]
fn break_and_continue_reach_exit_and_latch() {
    let m = lower(
        "fn f() -> int { let s = 0; for i in 0..10 { if i == 3 { continue; } if i == 8 { break; } s += i; } return s; }
         fn main() {}",
    );
    verify_module(&m).expect("valid");
    let (_, f) = func(&m, "f");
    let cfg = ControlFlowGraph::new(f);
    // The header (entry, back edge), the latch (continue, end of body) and
    // the exit (condition false, break) are the only joins.
    let joins = blocks(f).into_iter().filter(|&b| cfg.predecessors(b).count() == 2).count();
    assert_eq!(joins, 3, "{}", print_module(&m));
}

#[test]
fn call_graph_sccs_come_callees_first() {
    let m = lower(
        "fn leaf() -> int { return 1; }
         fn even(n: int) -> bool { if n == 0 { return true; } return odd(n - 1); }
         fn odd(n: int) -> bool { if n == 0 { return false; } return even(n - leaf()); }
         fn work() {}
         fn main() { println(even(4)); let t = spawn work(); join(t); }",
    );
    let graph = CallGraph::new(&m);
    let sccs = graph.sccs_bottom_up();
    let position = |name: &str| {
        let (id, _) = func(&m, name);
        sccs.iter().position(|scc| scc.contains(&id)).expect("in some SCC")
    };
    let (even, _) = func(&m, "even");
    let (odd, _) = func(&m, "odd");
    assert!(sccs.contains(&vec![even, odd]), "{sccs:?}");
    assert!(position("leaf") < position("even"));
    assert!(position("even") < position("main"));
    assert!(position("work") < position("main"), "spawn is an edge too");
    let (main, _) = func(&m, "main");
    assert_eq!(graph.callees(main), vec![even, func(&m, "work").0]);
}

#[test]
fn every_allocation_is_one_alloc_with_its_own_site() {
    let m = lower(
        "struct P { x: int } fn main() { let p = P { x: 1 }; let a = [p, p]; let z = [0; 4];
         let s = \"a\" + \"b\"; let t = str(3); let u = substr(s, 0, 1); println(s, t, u); }",
    );
    let allocs: Vec<_> = m.funcs[m.main]
        .insts()
        .filter_map(|(_, i)| match &m.funcs[m.main].dfg.insts[i].kind {
            InstKind::Alloc { site, .. } => Some(*site),
            _ => None,
        })
        .collect();
    assert_eq!(allocs.len(), 6);
    assert_eq!(m.sites.len(), 6);
    let kinds: Vec<&str> = m.sites.values().map(|s| s.kind.name()).collect();
    assert_eq!(kinds, vec!["struct", "array", "array", "string", "string", "string"]);
    let p = &m.sites[allocs[0]];
    assert_eq!((p.line, p.column), (1, 41));
}

#[test]
fn printing_is_stable() {
    let source = "struct P { x: int } global g: [P] = []; fn main() { g.push(P { x: 1 }); }";
    assert_eq!(print_module(&lower(source)), print_module(&lower(source)));
}

#[test]
fn the_verifier_finds_broken_functions() {
    let mut m = lower("fn f(x: int) -> int { return x; } fn main() {}");
    let (id, _) = func(&m, "f");
    let f = &mut m.funcs[id];
    let entry = f.layout.blocks[0];
    let x = f.dfg.blocks[entry].params[0];
    // A block that returns a bool from an int function, reached with an
    // extra argument, and a value used before it is defined.
    let other = f.dfg.make_block();
    f.layout.blocks.push(other);
    let flag = f.dfg.make_inst(InstKind::BoolConst(true), Some(TypeId::BOOL), Span::default());
    let flag_value = f.dfg.insts[flag].result.expect("a result");
    let ret = f.dfg.make_inst(InstKind::Return(Some(flag_value)), None, Span::default());
    f.layout.insts[other] = vec![ret, flag];
    let jump = f.dfg.make_inst(InstKind::Jump(BlockCall { block: other, args: vec![x] }), None, Span::default());
    f.layout.insts[entry].pop();
    f.layout.insts[entry].push(jump);
    let errors = verify_module(&m).expect_err("broken");
    let all = errors.join("\n");
    assert!(all.contains("takes 0 arguments, a branch passes 1"), "{all}");
    assert!(all.contains("does not end with a terminator"), "{all}");
    assert!(all.contains("has a terminator before its end"), "{all}");
    assert!(all.contains("returned value"), "{all}");
    assert!(all.contains("does not dominate"), "{all}");
}
