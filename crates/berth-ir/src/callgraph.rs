//! Which functions call (or spawn) which, and the strongly connected
//! components in the bottom-up order interprocedural analyses visit them.

use berth_types::hir::FuncId;
use cranelift_entity::EntityRef;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::instructions::InstKind;
use crate::module::Module;

pub struct CallGraph {
    /// Node `i` is function `i`; an edge per call or spawn instruction.
    graph: DiGraph<FuncId, ()>,
}

impl CallGraph {
    pub fn new(module: &Module) -> CallGraph {
        let mut graph = DiGraph::new();
        for id in module.funcs.keys() {
            graph.add_node(id);
        }
        for (caller, func) in &module.funcs {
            for (_, inst) in func.insts() {
                if let InstKind::Call { func: callee, .. } | InstKind::Spawn { func: callee, .. } =
                    func.dfg.insts[inst].kind
                {
                    graph.add_edge(node(caller), node(callee), ());
                }
            }
        }
        CallGraph { graph }
    }

    /// The functions `f` calls or spawns, each once, in order of id.
    pub fn callees(&self, f: FuncId) -> Vec<FuncId> {
        let mut callees: Vec<FuncId> = self.graph.neighbors(node(f)).map(|n| self.graph[n]).collect();
        callees.sort();
        callees.dedup();
        callees
    }

    /// Strongly connected components, callees before callers (the order
    /// tarjan_scc finishes them in), each sorted by id so the order is
    /// stable.
    pub fn sccs_bottom_up(&self) -> Vec<Vec<FuncId>> {
        tarjan_scc(&self.graph)
            .into_iter()
            .map(|scc| {
                let mut funcs: Vec<FuncId> = scc.into_iter().map(|n| self.graph[n]).collect();
                funcs.sort();
                funcs
            })
            .collect()
    }
}

fn node(f: FuncId) -> NodeIndex {
    NodeIndex::new(f.index())
}
