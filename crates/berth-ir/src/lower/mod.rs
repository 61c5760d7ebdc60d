//! Lowering: the typed tree (HIR) to SSA IR.
//!
//! SSA is built directly from the structured control flow, without a
//! separate renaming pass. The lowerer keeps an environment: the current
//! SSA value of every local variable. Where control flow merges (after an
//! `if`, a `match`, a loop, a `break`), the incoming environments are
//! compared and a block parameter is added for each variable whose value
//! differs ([`ssa`]). A loop header cannot see its back edges in advance, so
//! it gets a parameter for every variable in scope; [`crate::simplify`]
//! then removes the parameters that turned out to be trivial.
//!
//! Every allocating expression becomes one `alloc` instruction with a fresh
//! [`AllocSite`](crate::AllocSite), recorded in [`Module::sites`].

mod expr;
mod ssa;
mod stmt;

use berth_syntax::Span;
use berth_types::hir::{self, FuncId, LocalId};
use berth_types::{TypeId, TypeTable};
use cranelift_entity::{PrimaryMap, SecondaryMap};

use crate::builder::FunctionBuilder;
use crate::entities::AllocSite;
use crate::function::Function;
use crate::instructions::InstKind;
use crate::module::{Global, Module, Positions, SiteData, SiteKind};
use crate::simplify::remove_trivial_params;

use ssa::{Edge, Env};

/// Lowers a checked program. `source` is the program text, for the line and
/// column of each allocation site.
pub fn lower(program: hir::Program, source: &str) -> Module {
    let positions = Positions::new(source);
    let mut sites = PrimaryMap::new();
    let mut funcs = PrimaryMap::new();
    let mut cx = Context { program: &program, sites: &mut sites, positions: &positions };
    for (id, def) in &program.funcs {
        funcs.push(lower_function(&mut cx, id, def));
    }
    let init = funcs.next_key();
    funcs.push(lower_globals_init(&mut cx, init));

    let globals = program.globals.values().map(|g| Global { name: g.name.clone(), ty: g.ty }).collect();
    let hir::Program { types, structs, enums, main, .. } = program;
    Module { types, structs, enums, globals, funcs, sites, init, main, positions }
}

/// What lowering one function needs from the whole program.
struct Context<'a> {
    program: &'a hir::Program,
    sites: &'a mut PrimaryMap<AllocSite, SiteData>,
    positions: &'a Positions,
}

struct FnLowerer<'c, 'a> {
    cx: &'c mut Context<'a>,
    func_id: FuncId,
    b: FunctionBuilder,
    /// The current SSA value of each local, `None` where it is not defined.
    env: Env,
    /// Types of the locals, for block parameters.
    local_types: SecondaryMap<LocalId, TypeId>,
    loops: Vec<LoopFrame>,
}

/// An enclosing loop: where `break` and `continue` go, and the edges that
/// went there so far.
struct LoopFrame {
    exit: crate::entities::Block,
    latch: crate::entities::Block,
    breaks: Vec<Edge>,
    continues: Vec<Edge>,
}

fn lower_function(cx: &mut Context<'_>, id: FuncId, def: &hir::FuncDef) -> Function {
    let params: Vec<TypeId> = def.params.iter().map(|&p| def.locals[p].ty).collect();
    let names = def.params.iter().map(|&p| def.locals[p].name.clone()).collect();
    let func = Function::new(def.name.clone(), params, names, def.ret, def.span);
    let mut lowerer = FnLowerer::new(cx, id, func, def.locals.iter().map(|(l, d)| (l, d.ty)));
    let entry = lowerer.b.create_block();
    lowerer.b.switch_to(entry);
    for &param in &def.params {
        let v = lowerer.b.func.dfg.append_block_param(entry, def.locals[param].ty);
        lowerer.env[param] = Some(v);
    }
    lowerer.block(&def.body);
    // Falling off the end of a function without a result returns; the
    // checker made sure functions with a result never get here.
    lowerer.b.ins(InstKind::Return(None), None, end_of(def.span));
    lowerer.finish()
}

/// The function that initialises every global in source order.
fn lower_globals_init(cx: &mut Context<'_>, id: FuncId) -> Function {
    let func = Function::new("globals.init".into(), Vec::new(), Vec::new(), TypeId::UNIT, Span::default());
    let mut lowerer = FnLowerer::new(cx, id, func, std::iter::empty());
    let entry = lowerer.b.create_block();
    lowerer.b.switch_to(entry);
    let program = lowerer.cx.program;
    for (global, def) in &program.globals {
        let value = lowerer.value(&def.init);
        lowerer.b.ins(InstKind::GlobalSet(global, value), None, def.span);
    }
    lowerer.b.ins(InstKind::Return(None), None, Span::default());
    lowerer.finish()
}

fn end_of(span: Span) -> Span {
    Span { start: span.end.saturating_sub(1), end: span.end }
}

impl<'c, 'a> FnLowerer<'c, 'a> {
    fn new(
        cx: &'c mut Context<'a>,
        func_id: FuncId,
        func: Function,
        locals: impl Iterator<Item = (LocalId, TypeId)>,
    ) -> Self {
        let mut local_types = SecondaryMap::new();
        for (local, ty) in locals {
            local_types[local] = ty;
        }
        FnLowerer { cx, func_id, b: FunctionBuilder::new(func), env: Env::default(), local_types, loops: Vec::new() }
    }

    fn finish(self) -> Function {
        let mut func = self.b.func;
        remove_trivial_params(&mut func);
        func
    }

    fn types(&self) -> &TypeTable {
        &self.cx.program.types
    }

    /// Registers a new allocation site.
    fn new_site(&mut self, kind: SiteKind, span: Span) -> AllocSite {
        let (line, column) = self.cx.positions.line_col(span);
        self.cx.sites.push(SiteData {
            kind,
            span,
            line,
            column,
            func: self.func_id,
            inlined: None,
            materializes: Vec::new(),
        })
    }
}
