//! The checker's state and the driver that walks the items.

use berth_syntax::ast::{self, Module};
use berth_syntax::{Diagnostic, Span};
use cranelift_entity::PrimaryMap;
use ustr::Ustr;

use crate::Checked;
use crate::hir::{Block, Expr, ExprKind, FuncDef, FuncId, GlobalDef, GlobalId, LocalDef, LocalId, Program};
use crate::items::{Items, ValueItem};
use crate::types::TypeId;

pub(crate) struct Checker {
    pub items: Items,
    pub diags: Vec<Diagnostic>,
    pub body: BodyState,
}

/// What the checker knows inside one function body or global initialiser.
#[derive(Default)]
pub(crate) struct BodyState {
    pub locals: PrimaryMap<LocalId, LocalDef>,
    /// Names in scope, innermost last; a scope is a length to truncate to.
    scope: Vec<(Ustr, LocalId)>,
    /// One entry per enclosing loop: whether a `break` leaves it.
    pub loops: Vec<bool>,
    pub ret: TypeId,
    pub fn_name: String,
    /// Set while checking this global's initialiser: it and the globals
    /// after it are not initialised yet.
    pub initialising: Option<GlobalId>,
}

impl Checker {
    pub fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(span, message));
        self.diags.last_mut().expect("just pushed")
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::warning(span, message));
    }

    pub fn ty(&self, ty: TypeId) -> String {
        format!("`{}`", self.items.types.display(ty))
    }

    /// An expression standing in for one that failed to check.
    pub fn error_expr(span: Span) -> Expr {
        Expr { kind: ExprKind::Error, ty: TypeId::ERROR, span }
    }

    pub fn declare_local(&mut self, name: Ustr, ty: TypeId, span: Span) -> LocalId {
        let id = self.body.locals.push(LocalDef { name: name.to_string(), ty, span });
        self.body.scope.push((name, id));
        id
    }

    /// "did you mean `x`?" for a misspelt variable, global or function name.
    pub fn suggest_value(&self, name: &str, functions: bool) -> Option<String> {
        let locals = self.body.scope.iter().map(|(n, _)| n.as_str());
        let items = self
            .items
            .values
            .iter()
            .filter(|(_, v)| functions == matches!(v, ValueItem::Func(_)))
            .map(|(n, _)| n.as_str());
        let builtins = crate::call::BUILTIN_FUNCTIONS.iter().copied().filter(|_| functions);
        let candidates: Vec<&str> =
            if functions { items.chain(builtins).collect() } else { locals.chain(items).collect() };
        crate::suggest::closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
    }

    pub fn lookup_local(&self, name: Ustr) -> Option<LocalId> {
        self.body.scope.iter().rev().find(|&&(n, _)| n == name).map(|&(_, id)| id)
    }

    /// Runs `f` in a new lexical scope.
    pub fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.body.scope.len();
        let result = f(self);
        self.body.scope.truncate(mark);
        result
    }
}

pub(crate) fn check_module(module: &Module) -> Checked {
    let mut diags = Vec::new();
    let items = Items::collect(module, &mut diags);
    let mut checker = Checker { items, diags, body: BodyState::default() };

    let mut globals = PrimaryMap::new();
    let mut funcs = PrimaryMap::new();
    for item in &module.items {
        match item {
            ast::Item::Global(g) => {
                if let Some(def) = checker.global(g) {
                    globals.push(def);
                }
            }
            ast::Item::Fn(f) => {
                if let Some(def) = checker.function(f) {
                    funcs.push(def);
                }
            }
            ast::Item::Struct(_) | ast::Item::Enum(_) => {}
        }
    }
    let main = checker.main_function(module);

    let Checker { items, mut diags, .. } = checker;
    let has_errors = diags.iter().any(Diagnostic::is_error);
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    let program = match main {
        Some(main) if !has_errors => {
            Some(Program { types: items.types, structs: items.structs, enums: items.enums, globals, funcs, main })
        }
        _ => None,
    };
    Checked { program, diagnostics: diags }
}

impl Checker {
    /// Checks a global's initialiser. Returns `None` for a global whose name
    /// was rejected as a duplicate (its signature was never declared).
    fn global(&mut self, g: &ast::GlobalDef) -> Option<GlobalDef> {
        let id = self.declared_global(g)?;
        let ty = self.items.globals[id].ty;
        self.body = BodyState {
            initialising: Some(id),
            fn_name: format!("initialiser of `{}`", g.name.name),
            ..BodyState::default()
        };
        let init = self.expr_as(&g.init, ty, |c| format!("the global `{}` has type {}", g.name.name, c.ty(ty)));
        Some(GlobalDef { name: g.name.name.to_string(), ty, span: g.span, init })
    }

    fn declared_global(&self, g: &ast::GlobalDef) -> Option<GlobalId> {
        match self.items.values.get(&g.name.name) {
            Some(&ValueItem::Global(id)) if self.items.globals[id].span == g.span => Some(id),
            _ => None,
        }
    }

    fn declared_func(&self, f: &ast::FnDef) -> Option<FuncId> {
        match self.items.values.get(&f.name.name) {
            Some(&ValueItem::Func(id)) if self.items.funcs[id].span == f.span => Some(id),
            _ => None,
        }
    }

    fn function(&mut self, f: &ast::FnDef) -> Option<FuncDef> {
        let id = self.declared_func(f)?;
        let sig = &self.items.funcs[id];
        let ret = sig.ret;
        let params_sig = sig.params.clone();
        self.body = BodyState { ret, fn_name: f.name.name.to_string(), ..BodyState::default() };
        let mut params = Vec::new();
        for (name, ty, span) in &params_sig {
            if params.iter().any(|&p: &LocalId| self.body.locals[p].name == *name) {
                self.error(*span, format!("parameter `{name}` is declared twice"));
            }
            params.push(self.declare_local(*name, *ty, *span));
        }
        let (body, flow) = self.block(&f.body);
        if ret != TypeId::UNIT && ret != TypeId::ERROR && flow.continues() {
            let end = f.body.span.end as usize;
            let ty = self.ty(ret);
            self.error(
                Span::new(end.saturating_sub(1), end),
                format!("function `{}` does not return a value on every path", f.name.name),
            )
            .label = format!("a path reaches the end of the function without returning {ty}");
        }
        let locals = std::mem::take(&mut self.body.locals);
        Some(FuncDef { name: f.name.name.to_string(), span: f.span, params, ret, locals, body })
    }

    fn main_function(&mut self, module: &Module) -> Option<FuncId> {
        let main = module.items.iter().find_map(|item| match item {
            ast::Item::Fn(f) if f.name.name == "main" => Some(f),
            _ => None,
        });
        let Some(main) = main else {
            self.error(Span::default(), "this program has no `main` function").label = "add `fn main() { ... }`".into();
            return None;
        };
        if !main.params.is_empty() || main.ret.is_some() {
            self.error(main.name.span, "`main` must take no parameters and return nothing").label =
                "write `fn main() { ... }`".into();
        }
        self.declared_func(main)
    }
}

/// Whether control can reach the end of a statement or block.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flow {
    Continues,
    /// Every path returns, panics or loops forever.
    Diverges,
}

impl Flow {
    pub fn continues(self) -> bool {
        self == Flow::Continues
    }

    /// The flow after two alternative paths.
    pub fn either(self, other: Flow) -> Flow {
        if self.continues() || other.continues() { Flow::Continues } else { Flow::Diverges }
    }
}

/// A block of HIR with how control leaves it.
pub(crate) type CheckedBlock = (Block, Flow);
