//! The lowerer's environment and the merging of environments where control
//! flow joins.

use berth_syntax::Span;
use berth_types::hir::LocalId;
use cranelift_entity::SecondaryMap;

use super::FnLowerer;
use crate::entities::{Block, Inst, Value};
use crate::instructions::{BlockCall, InstKind};

/// The SSA value of each local variable on one path.
pub type Env = SecondaryMap<LocalId, Option<Value>>;

/// A branch already emitted to a block whose parameters are not known yet,
/// with the environment on that path. Its arguments are filled in when the
/// block is joined.
pub struct Edge {
    inst: Inst,
    /// Which destination of the branch (0 for `jump` and `then`, 1 for `else`).
    dest: usize,
    env: Env,
}

impl FnLowerer<'_, '_> {
    /// Ends the current block with a jump to `target`, to be joined later.
    /// Returns `None` in unreachable code.
    pub(super) fn jump_edge(&mut self, target: Block, span: Span) -> Option<Edge> {
        let env = self.env.clone();
        let inst = self.terminate(InstKind::Jump(BlockCall { block: target, args: Vec::new() }), span)?;
        Some(Edge { inst, dest: 0, env })
    }

    /// Ends the current block with `brif cond`; both edges are joined later.
    pub(super) fn branch_edges(&mut self, cond: Value, then_block: Block, else_block: Block, span: Span) -> [Edge; 2] {
        let kind = InstKind::Branch {
            cond,
            then_dest: BlockCall { block: then_block, args: Vec::new() },
            else_dest: BlockCall { block: else_block, args: Vec::new() },
        };
        let env = self.env.clone();
        let inst = self.terminate(kind, span).expect("conditions are lowered only in reachable code");
        [Edge { inst, dest: 0, env: env.clone() }, Edge { inst, dest: 1, env }]
    }

    fn terminate(&mut self, kind: InstKind, span: Span) -> Option<Inst> {
        let block = self.b.current()?;
        self.b.ins(kind, None, span);
        self.b.func.layout.insts[block].last().copied()
    }

    /// Continues in `block`, reached by `edges`. Each local whose value
    /// differs between the edges becomes a parameter of the block; locals
    /// defined on only some edges are out of scope after the join. With no
    /// edges the block is unreachable and code after it is not emitted.
    pub(super) fn join(&mut self, block: Block, edges: Vec<Edge>) {
        let Some(first) = edges.first() else {
            return;
        };
        let mut env = Env::default();
        let mut params: Vec<LocalId> = Vec::new();
        for (local, value) in first.env.iter() {
            let Some(value) = *value else { continue };
            let values: Option<Vec<Value>> = edges.iter().map(|e| e.env[local]).collect();
            match values {
                None => {}
                Some(values) if values.iter().all(|&v| v == value) => env[local] = Some(value),
                Some(_) => params.push(local),
            }
        }
        for &local in &params {
            let ty = self.local_types[local];
            env[local] = Some(self.b.func.dfg.append_block_param(block, ty));
        }
        for edge in &edges {
            let args: Vec<Value> = params.iter().map(|&l| edge.env[l].expect("defined on every edge")).collect();
            self.set_branch_args(edge.inst, edge.dest, block, args);
        }
        self.b.switch_to(block);
        self.env = env;
    }

    fn set_branch_args(&mut self, inst: Inst, dest: usize, block: Block, args: Vec<Value>) {
        let call = self.b.func.dfg.insts[inst].kind.destinations_mut().nth(dest).expect("edge names a destination");
        debug_assert_eq!(call.block, block);
        call.args = args;
    }

    /// Enters a loop header: a block with a parameter for each of `hidden`
    /// (values the loop itself carries, like a counter) and for every local
    /// defined now, since any of them may change in the loop. Returns the
    /// header, its hidden parameters, and the locals it carries.
    pub(super) fn enter_loop_header(&mut self, hidden: &[(Value, berth_types::TypeId)], span: Span) -> LoopHeader {
        let header = self.b.create_block();
        let locals: Vec<LocalId> = self.env.iter().filter(|(_, v)| v.is_some()).map(|(l, _)| l).collect();
        let mut args: Vec<Value> = hidden.iter().map(|&(v, _)| v).collect();
        args.extend(locals.iter().map(|&l| self.env[l].expect("filtered to defined locals")));
        self.b.ins(InstKind::Jump(BlockCall { block: header, args }), None, span);
        let hidden_params = hidden.iter().map(|&(_, ty)| self.b.func.dfg.append_block_param(header, ty)).collect();
        for &local in &locals {
            let ty = self.local_types[local];
            self.env[local] = Some(self.b.func.dfg.append_block_param(header, ty));
        }
        self.b.switch_to(header);
        LoopHeader { block: header, hidden: hidden_params, locals }
    }

    /// Jumps back to a loop header with the hidden values and the current
    /// values of the locals it carries.
    pub(super) fn back_edge(&mut self, header: &LoopHeader, hidden: &[Value], span: Span) {
        let mut args = hidden.to_vec();
        args.extend(header.locals.iter().map(|&l| self.env[l].expect("loop-carried locals stay defined")));
        self.b.ins(InstKind::Jump(BlockCall { block: header.block, args }), None, span);
    }
}

pub struct LoopHeader {
    pub block: Block,
    pub hidden: Vec<Value>,
    locals: Vec<LocalId>,
}
