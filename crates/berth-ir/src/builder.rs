//! Appends instructions to a function at a current position.

use berth_syntax::Span;
use berth_types::TypeId;
use cranelift_entity::SecondaryMap;

use crate::entities::{Block, Value};
use crate::function::Function;
use crate::instructions::InstKind;

pub struct FunctionBuilder {
    pub func: Function,
    /// Where instructions go; `None` after a terminator, until the next
    /// block is entered: code there is unreachable and is not emitted.
    current: Option<Block>,
    /// Blocks already in the layout.
    placed: SecondaryMap<Block, bool>,
}

impl FunctionBuilder {
    pub fn new(func: Function) -> FunctionBuilder {
        FunctionBuilder { func, current: None, placed: SecondaryMap::new() }
    }

    pub fn create_block(&mut self) -> Block {
        self.func.dfg.make_block()
    }

    /// Continues emitting in `block`. A block takes its place in the layout
    /// the first time it is entered, so blocks print in the order code
    /// flows into them.
    pub fn switch_to(&mut self, block: Block) {
        if !std::mem::replace(&mut self.placed[block], true) {
            self.func.layout.blocks.push(block);
        }
        self.current = Some(block);
    }

    pub fn current(&self) -> Option<Block> {
        self.current
    }

    pub fn is_reachable(&self) -> bool {
        self.current.is_some()
    }

    /// Appends an instruction to the current block and returns its result.
    /// In unreachable code nothing is emitted.
    pub fn ins(&mut self, kind: InstKind, result_ty: Option<TypeId>, span: Span) -> Option<Value> {
        let block = self.current?;
        let terminator = kind.is_terminator();
        let inst = self.func.dfg.make_inst(kind, result_ty, span);
        self.func.layout.insts[block].push(inst);
        if terminator {
            self.current = None;
        }
        self.func.dfg.insts[inst].result
    }

    /// Like [`FunctionBuilder::ins`] for instructions that produce a value.
    /// Lowering skips statements in unreachable code, and no expression
    /// ends a block, so expressions are always emitted somewhere.
    pub fn value(&mut self, kind: InstKind, ty: TypeId, span: Span) -> Value {
        self.ins(kind, Some(ty), span).expect("expressions are lowered only in reachable code")
    }
}
