//! Control-flow graph, dominators and post-dominators of a function, on
//! petgraph.

use cranelift_entity::SecondaryMap;
use petgraph::algo::dominators::{self, Dominators};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Reversed;

use crate::entities::Block;
use crate::function::Function;
use crate::instructions::InstKind;

/// The blocks of a function and the edges between them, plus one virtual
/// exit node that every `return` and `panic` leads to (the root of the
/// post-dominator tree).
pub struct ControlFlowGraph {
    graph: DiGraph<Option<Block>, ()>,
    nodes: SecondaryMap<Block, Option<NodeIndex>>,
    entry: Option<NodeIndex>,
    exit: NodeIndex,
}

impl ControlFlowGraph {
    pub fn new(func: &Function) -> ControlFlowGraph {
        let mut graph = DiGraph::new();
        let mut nodes = SecondaryMap::new();
        for &block in &func.layout.blocks {
            nodes[block] = Some(graph.add_node(Some(block)));
        }
        let exit = graph.add_node(None);
        for &block in &func.layout.blocks {
            let from = nodes[block].expect("added above");
            let Some(term) = func.terminator(block) else { continue };
            let kind = &func.dfg.insts[term].kind;
            for dest in kind.destinations() {
                if let Some(to) = nodes[dest.block] {
                    graph.add_edge(from, to, ());
                }
            }
            if matches!(kind, InstKind::Return(_) | InstKind::Panic(_)) {
                graph.add_edge(from, exit, ());
            }
        }
        let entry = func.entry().and_then(|b| nodes[b]);
        ControlFlowGraph { graph, nodes, entry, exit }
    }

    pub fn successors(&self, block: Block) -> impl Iterator<Item = Block> + '_ {
        self.neighbors(block, petgraph::Direction::Outgoing)
    }

    pub fn predecessors(&self, block: Block) -> impl Iterator<Item = Block> + '_ {
        self.neighbors(block, petgraph::Direction::Incoming)
    }

    fn neighbors(&self, block: Block, dir: petgraph::Direction) -> impl Iterator<Item = Block> + '_ {
        self.nodes[block]
            .into_iter()
            .flat_map(move |n| self.graph.neighbors_directed(n, dir))
            .filter_map(|n| self.graph[n])
    }

    /// The underlying graph; the virtual exit node has weight `None`.
    pub fn graph(&self) -> &DiGraph<Option<Block>, ()> {
        &self.graph
    }
}

/// Which blocks dominate which: every path from the entry to a block passes
/// through each of its dominators.
pub struct DominatorTree {
    doms: Option<Dominators<NodeIndex>>,
}

impl DominatorTree {
    pub fn new(cfg: &ControlFlowGraph) -> DominatorTree {
        DominatorTree { doms: cfg.entry.map(|entry| dominators::simple_fast(&cfg.graph, entry)) }
    }

    pub fn is_reachable(&self, cfg: &ControlFlowGraph, block: Block) -> bool {
        self.idom_node(cfg, block).is_some() || cfg.entry == cfg.nodes[block]
    }

    /// The immediate dominator; `None` for the entry and unreachable blocks.
    pub fn idom(&self, cfg: &ControlFlowGraph, block: Block) -> Option<Block> {
        self.idom_node(cfg, block).and_then(|n| cfg.graph[n])
    }

    fn idom_node(&self, cfg: &ControlFlowGraph, block: Block) -> Option<NodeIndex> {
        self.doms.as_ref()?.immediate_dominator(cfg.nodes[block]?)
    }

    /// Whether `a` dominates `b` (every block dominates itself).
    pub fn dominates(&self, cfg: &ControlFlowGraph, a: Block, b: Block) -> bool {
        let mut current = Some(b);
        while let Some(block) = current {
            if block == a {
                return true;
            }
            current = self.idom(cfg, block);
        }
        false
    }
}

/// Which blocks post-dominate which: every path from a block to the
/// function's exit passes through each of its post-dominators. Blocks from
/// which no exit is reachable (infinite loops) have none.
pub struct PostDominatorTree {
    doms: Dominators<NodeIndex>,
}

impl PostDominatorTree {
    pub fn new(cfg: &ControlFlowGraph) -> PostDominatorTree {
        PostDominatorTree { doms: dominators::simple_fast(Reversed(&cfg.graph), cfg.exit) }
    }

    /// The immediate post-dominator; `None` when it is the function's exit.
    pub fn ipdom(&self, cfg: &ControlFlowGraph, block: Block) -> Option<Block> {
        self.doms.immediate_dominator(cfg.nodes[block]?).and_then(|n| cfg.graph[n])
    }

    /// Whether `a` post-dominates `b` (every block post-dominates itself).
    pub fn post_dominates(&self, cfg: &ControlFlowGraph, a: Block, b: Block) -> bool {
        let mut current = Some(b);
        while let Some(block) = current {
            if block == a {
                return true;
            }
            current = self.ipdom(cfg, block);
        }
        false
    }
}
