//! A function: its data-flow graph (instructions, values, block
//! parameters) and, separately, its layout (the order of blocks and of the
//! instructions in each block), as in Cranelift.

use berth_syntax::Span;
use berth_types::TypeId;
use cranelift_entity::{PrimaryMap, SecondaryMap};

use crate::entities::{Block, Inst, Value};
use crate::instructions::InstKind;

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<TypeId>,
    /// The parameters' names in the source, for explanations.
    pub param_names: Vec<String>,
    /// `TypeId::UNIT` for functions without a result.
    pub ret: TypeId,
    pub span: Span,
    pub dfg: DataFlowGraph,
    pub layout: Layout,
}

#[derive(Clone, Debug, Default)]
pub struct DataFlowGraph {
    pub insts: PrimaryMap<Inst, InstData>,
    pub values: PrimaryMap<Value, ValueData>,
    pub blocks: PrimaryMap<Block, BlockData>,
}

#[derive(Clone, Debug)]
pub struct InstData {
    pub kind: InstKind,
    pub result: Option<Value>,
    /// Where runtime errors of this instruction are reported, and where
    /// explanations point.
    pub span: Span,
}

#[derive(Clone, Copy, Debug)]
pub struct ValueData {
    pub ty: TypeId,
    pub def: ValueDef,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    Result(Inst),
    Param(Block, u32),
}

#[derive(Clone, Debug, Default)]
pub struct BlockData {
    pub params: Vec<Value>,
}

/// Which blocks are in the function, in what order, and which instructions
/// each holds, in order. The first block is the entry.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub blocks: Vec<Block>,
    pub insts: SecondaryMap<Block, Vec<Inst>>,
}

impl Function {
    pub fn new(name: String, params: Vec<TypeId>, param_names: Vec<String>, ret: TypeId, span: Span) -> Function {
        Function { name, params, param_names, ret, span, dfg: DataFlowGraph::default(), layout: Layout::default() }
    }

    pub fn entry(&self) -> Option<Block> {
        self.layout.blocks.first().copied()
    }

    /// The last instruction of a block, if it is a terminator.
    pub fn terminator(&self, block: Block) -> Option<Inst> {
        let last = *self.layout.insts[block].last()?;
        self.dfg.insts[last].kind.is_terminator().then_some(last)
    }

    /// The constant an int value is defined as, if it is an `iconst`.
    pub fn int_constant(&self, value: Value) -> Option<i64> {
        match self.dfg.values[value].def {
            ValueDef::Result(inst) => match self.dfg.insts[inst].kind {
                InstKind::IntConst(n) => Some(n),
                _ => None,
            },
            ValueDef::Param(..) => None,
        }
    }

    /// The block holding each instruction in the layout.
    pub fn inst_blocks(&self) -> SecondaryMap<Inst, Option<Block>> {
        let mut blocks = SecondaryMap::new();
        for (b, i) in self.insts() {
            blocks[i] = Some(b);
        }
        blocks
    }

    /// The instructions of every block, in layout order.
    pub fn insts(&self) -> impl Iterator<Item = (Block, Inst)> + '_ {
        self.layout.blocks.iter().flat_map(move |&b| self.layout.insts[b].iter().map(move |&i| (b, i)))
    }
}

impl DataFlowGraph {
    pub fn value_type(&self, v: Value) -> TypeId {
        self.values[v].ty
    }

    pub fn make_block(&mut self) -> Block {
        self.blocks.push(BlockData::default())
    }

    pub fn append_block_param(&mut self, block: Block, ty: TypeId) -> Value {
        let index = self.blocks[block].params.len() as u32;
        let v = self.values.push(ValueData { ty, def: ValueDef::Param(block, index) });
        self.blocks[block].params.push(v);
        v
    }

    /// Creates an instruction (not yet placed in a block) and its result.
    pub fn make_inst(&mut self, kind: InstKind, result_ty: Option<TypeId>, span: Span) -> Inst {
        let inst = self.insts.push(InstData { kind, result: None, span });
        if let Some(ty) = result_ty {
            let v = self.values.push(ValueData { ty, def: ValueDef::Result(inst) });
            self.insts[inst].result = Some(v);
        }
        inst
    }

    /// Removes a block parameter and renumbers the ones after it. Callers
    /// remove the matching branch arguments.
    pub fn remove_block_param(&mut self, block: Block, index: usize) {
        self.blocks[block].params.remove(index);
        for (i, &v) in self.blocks[block].params.iter().enumerate().skip(index) {
            self.values[v].def = ValueDef::Param(block, i as u32);
        }
    }
}
