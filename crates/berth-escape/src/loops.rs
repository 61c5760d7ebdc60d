//! Natural loops, to tell objects of which one instance is live at a time
//! (a stack slot can hold them) from those whose earlier instances may still
//! be live when the site runs again (they need the frame arena).

use berth_ir::cfg::{ControlFlowGraph, DominatorTree};
use berth_ir::{Block, Function};
use cranelift_entity::SecondaryMap;

pub struct Loop {
    pub header: Block,
    pub body: SecondaryMap<Block, bool>,
    /// The sources of the back edges, in layout order.
    pub latches: Vec<Block>,
}

pub struct Loops {
    pub loops: Vec<Loop>,
}

impl Loops {
    /// One loop per back edge target: an edge `b -> h` where `h` dominates
    /// `b`; its body is every block that reaches `b` without passing `h`.
    pub fn find(func: &Function) -> Loops {
        let cfg = ControlFlowGraph::new(func);
        let dom = DominatorTree::new(&cfg);
        let mut loops: Vec<Loop> = Vec::new();
        for &b in &func.layout.blocks {
            for h in cfg.successors(b) {
                if !dom.dominates(&cfg, h, b) {
                    continue;
                }
                let index = match loops.iter().position(|l| l.header == h) {
                    Some(i) => i,
                    None => {
                        let mut body = SecondaryMap::new();
                        body[h] = true;
                        loops.push(Loop { header: h, body, latches: Vec::new() });
                        loops.len() - 1
                    }
                };
                loops[index].latches.push(b);
                let body = &mut loops[index].body;
                let mut work = vec![b];
                while let Some(x) = work.pop() {
                    if !std::mem::replace(&mut body[x], true) {
                        work.extend(cfg.predecessors(x));
                    }
                }
            }
        }
        Loops { loops }
    }

    /// The loops containing `block`, innermost (smallest) first.
    pub fn containing(&self, block: Block) -> Vec<&Loop> {
        let mut containing: Vec<&Loop> = self.loops.iter().filter(|l| l.body[block]).collect();
        containing.sort_by_key(|l| l.body.values().filter(|&&inside| inside).count());
        containing
    }
}
