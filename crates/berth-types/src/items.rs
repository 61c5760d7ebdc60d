//! The first pass: declare every struct, enum, global and function, then
//! resolve the types in their signatures. Items may refer to each other in
//! any order, so nothing in a body is checked before this is complete.

use berth_syntax::ast::{self, TypeExpr, TypeExprKind};
use berth_syntax::{Diagnostic, Span};
use cranelift_entity::{EntityRef, PrimaryMap};
use ustr::{Ustr, UstrMap, ustr};

use crate::call::BUILTIN_FUNCTIONS;
use crate::hir::{EnumDef, FieldDef, FuncId, GlobalId, StructDef, VariantDef};
use crate::types::{EnumId, StructId, Ty, TypeId, TypeTable};

/// What a name in value position (a call or a variable) denotes at the top
/// level.
#[derive(Clone, Copy, Debug)]
pub enum ValueItem {
    Func(FuncId),
    Global(GlobalId),
}

pub struct FnSig {
    pub span: Span,
    pub params: Vec<(Ustr, TypeId, Span)>,
    pub ret: TypeId,
}

pub struct GlobalSig {
    pub ty: TypeId,
    pub span: Span,
}

/// Everything declared at the top level of a program.
pub struct Items {
    pub types: TypeTable,
    pub structs: PrimaryMap<StructId, StructDef>,
    pub enums: PrimaryMap<EnumId, EnumDef>,
    pub funcs: PrimaryMap<FuncId, FnSig>,
    pub globals: PrimaryMap<GlobalId, GlobalSig>,
    pub values: UstrMap<ValueItem>,
    type_names: UstrMap<TypeId>,
}

const BUILTIN_TYPES: [(&str, TypeId); 5] = [
    ("int", TypeId::INT),
    ("float", TypeId::FLOAT),
    ("bool", TypeId::BOOL),
    ("str", TypeId::STR),
    ("Thread", TypeId::THREAD),
];

impl Items {
    pub fn collect(module: &ast::Module, diags: &mut Vec<Diagnostic>) -> Items {
        let mut items = Items {
            types: TypeTable::default(),
            structs: PrimaryMap::new(),
            enums: PrimaryMap::new(),
            funcs: PrimaryMap::new(),
            globals: PrimaryMap::new(),
            values: UstrMap::default(),
            type_names: BUILTIN_TYPES.iter().map(|&(n, t)| (ustr(n), t)).collect(),
        };
        let declared = items.declare_types(module, diags);
        items.define_types(module, &declared, diags);
        items.declare_values(module, diags);
        items.reject_infinite_enums(diags);
        items
    }

    /// Looks up a type name written in source.
    pub fn named_type(&self, name: Ustr) -> Option<TypeId> {
        self.type_names.get(&name).copied()
    }

    pub fn struct_by_name(&self, name: Ustr) -> Option<StructId> {
        match self.types.get(self.named_type(name)?) {
            Ty::Struct(id) => Some(id),
            _ => None,
        }
    }

    pub fn enum_by_name(&self, name: Ustr) -> Option<EnumId> {
        match self.types.get(self.named_type(name)?) {
            Ty::Enum(id) => Some(id),
            _ => None,
        }
    }

    /// "did you mean `T`?" for a misspelt type name.
    pub fn suggest_type(&self, name: &str) -> Option<String> {
        crate::suggest::closest(name, self.type_names.keys().map(Ustr::as_str)).map(|c| format!("did you mean `{c}`?"))
    }

    /// Resolves a written type, reporting unknown names.
    pub fn resolve_type(&mut self, ty: &TypeExpr, diags: &mut Vec<Diagnostic>) -> TypeId {
        match &ty.kind {
            TypeExprKind::Named(name) => match self.named_type(name.name) {
                Some(id) => id,
                None => {
                    let label =
                        self.suggest_type(&name.name).unwrap_or_else(|| "not a built-in type, struct or enum".into());
                    diags.push(Diagnostic::error(name.span, format!("unknown type `{}`", name.name)).with_label(label));
                    TypeId::ERROR
                }
            },
            TypeExprKind::Array(elem) => {
                let elem = self.resolve_type(elem, diags);
                if elem == TypeId::ERROR { TypeId::ERROR } else { self.types.array_of(elem) }
            }
        }
    }

    /// Declares the structs and enums; returns, per item, the type it
    /// declared (`None` for other items and for rejected duplicates).
    fn declare_types(&mut self, module: &ast::Module, diags: &mut Vec<Diagnostic>) -> Vec<Option<Ty>> {
        let mut declared = Vec::with_capacity(module.items.len());
        for item in &module.items {
            declared.push(None);
            let (name, span) = match item {
                ast::Item::Struct(s) => (&s.name, s.span),
                ast::Item::Enum(e) => (&e.name, e.span),
                _ => continue,
            };
            if let Some(&existing) = self.type_names.get(&name.name) {
                let what = if BUILTIN_TYPES.iter().any(|&(_, t)| t == existing) {
                    format!("`{}` is a built-in type", name.name)
                } else {
                    format!("the type `{}` is defined more than once", name.name)
                };
                diags.push(Diagnostic::error(name.span, what).with_label("redefined here"));
                continue;
            }
            let ty = match item {
                ast::Item::Struct(_) => {
                    let (id, ty) = self.types.declare_struct(&name.name);
                    let pushed = self.structs.push(StructDef { name: name.name.to_string(), span, fields: Vec::new() });
                    debug_assert_eq!(id, pushed);
                    ty
                }
                _ => {
                    let (id, ty) = self.types.declare_enum(&name.name);
                    let pushed = self.enums.push(EnumDef { name: name.name.to_string(), span, variants: Vec::new() });
                    debug_assert_eq!(id, pushed);
                    ty
                }
            };
            self.type_names.insert(name.name, ty);
            *declared.last_mut().expect("pushed above") = Some(self.types.get(ty));
        }
        declared
    }

    fn define_types(&mut self, module: &ast::Module, declared: &[Option<Ty>], diags: &mut Vec<Diagnostic>) {
        for (item, declared) in module.items.iter().zip(declared) {
            match (item, *declared) {
                (ast::Item::Struct(s), Some(Ty::Struct(id))) => {
                    let mut fields: Vec<FieldDef> = Vec::new();
                    for f in &s.fields {
                        let ty = self.resolve_type(&f.ty, diags);
                        if fields.iter().any(|g| g.name == f.name.name) {
                            diags.push(
                                Diagnostic::error(f.name.span, format!("field `{}` is declared twice", f.name.name))
                                    .with_label(format!("in struct `{}`", s.name.name)),
                            );
                            continue;
                        }
                        fields.push(FieldDef { name: f.name.name.to_string(), ty, span: f.name.span });
                    }
                    self.structs[id].fields = fields;
                }
                (ast::Item::Enum(e), Some(Ty::Enum(id))) => {
                    let mut variants: Vec<VariantDef> = Vec::new();
                    for v in &e.variants {
                        let payload = v.payload.iter().map(|t| self.resolve_type(t, diags)).collect();
                        if variants.iter().any(|w| w.name == v.name.name) {
                            diags.push(
                                Diagnostic::error(v.name.span, format!("variant `{}` is declared twice", v.name.name))
                                    .with_label(format!("in enum `{}`", e.name.name)),
                            );
                            continue;
                        }
                        variants.push(VariantDef { name: v.name.name.to_string(), payload, span: v.name.span });
                    }
                    if variants.is_empty() {
                        diags.push(
                            Diagnostic::error(e.name.span, format!("enum `{}` has no variants", e.name.name))
                                .with_label("an enum needs at least one variant to have values"),
                        );
                    }
                    self.enums[id].variants = variants;
                }
                _ => {}
            }
        }
    }

    fn declare_values(&mut self, module: &ast::Module, diags: &mut Vec<Diagnostic>) {
        for item in &module.items {
            let name = match item {
                ast::Item::Fn(f) => &f.name,
                ast::Item::Global(g) => &g.name,
                _ => continue,
            };
            if BUILTIN_FUNCTIONS.contains(&name.name.as_str()) {
                diags.push(
                    Diagnostic::error(name.span, format!("`{}` is a built-in function", name.name))
                        .with_label("choose another name"),
                );
                continue;
            }
            if self.values.contains_key(&name.name) {
                diags.push(
                    Diagnostic::error(name.span, format!("`{}` is defined more than once", name.name))
                        .with_label("functions and globals share one namespace"),
                );
                continue;
            }
            let value = match item {
                ast::Item::Fn(f) => {
                    let params =
                        f.params.iter().map(|p| (p.name.name, self.resolve_type(&p.ty, diags), p.name.span)).collect();
                    let ret = match &f.ret {
                        Some(t) => self.resolve_type(t, diags),
                        None => TypeId::UNIT,
                    };
                    ValueItem::Func(self.funcs.push(FnSig { span: f.span, params, ret }))
                }
                ast::Item::Global(g) => {
                    let ty = self.resolve_type(&g.ty, diags);
                    ValueItem::Global(self.globals.push(GlobalSig { ty, span: g.span }))
                }
                _ => unreachable!("only functions and globals reach here"),
            };
            self.values.insert(name.name, value);
        }
    }

    /// Enums are values stored inline, so an enum that contains itself
    /// (directly or through other enums' payloads) would be infinitely large.
    fn reject_infinite_enums(&self, diags: &mut Vec<Diagnostic>) {
        for (id, def) in &self.enums {
            let mut stack: Vec<EnumId> = self.inline_enums(id).collect();
            let mut seen = vec![false; self.enums.len()];
            while let Some(e) = stack.pop() {
                if e == id {
                    diags.push(
                        Diagnostic::error(
                            def.span,
                            format!("enum `{}` contains itself and would be infinitely large", def.name),
                        )
                        .with_label("enums are stored inline")
                        .with_note("put the recursive part in a struct, which is stored by reference"),
                    );
                    break;
                }
                if !std::mem::replace(&mut seen[e.index()], true) {
                    stack.extend(self.inline_enums(e));
                }
            }
        }
    }

    fn inline_enums(&self, id: EnumId) -> impl Iterator<Item = EnumId> + '_ {
        self.enums[id].variants.iter().flat_map(|v| &v.payload).filter_map(|&t| match self.types.get(t) {
            Ty::Enum(e) => Some(e),
            _ => None,
        })
    }
}
