//! Explanations: the chain of steps behind a decision, each with the
//! position where it happens, in words a person can follow.

use berth_ir::{Inst, SiteKind};
use berth_syntax::Span;
use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;

use crate::escape::{Escapes, Reason};
use crate::graph::{Graph, Obj, ObjId, Root, Slot};
use crate::summary::Summary;
use crate::threads::Unjoined;

/// One step of an explanation.
#[derive(Clone, PartialEq, Debug)]
pub struct Step {
    pub text: String,
    pub span: Span,
}

impl Step {
    pub fn new(g: &Graph, inst: Inst, text: String) -> Step {
        Step { text, span: g.func.dfg.insts[inst].span }
    }
}

/// "the struct `Node` at 4:13", "the object from parameter `p`".
pub fn describe(g: &Graph, obj: ObjId) -> String {
    match g.objs[obj] {
        Obj::Site(site) => {
            let data = &g.module.sites[site];
            let what = match data.kind {
                SiteKind::Struct => match &g.func.dfg.insts[g.site_inst[&site]].kind {
                    berth_ir::instructions::InstKind::Alloc {
                        init: berth_ir::instructions::AllocInit::Struct { strukt, .. },
                        ..
                    } => format!("the struct `{}`", g.module.structs[*strukt].name),
                    _ => "the struct".to_string(),
                },
                SiteKind::Array => "the array".to_string(),
                SiteKind::String => "the string".to_string(),
            };
            format!("{what} at {}:{}", data.line, data.column)
        }
        Obj::Param(i) => format!("the object from parameter `{}`", param_name(g, i)),
        Obj::ParamSlot(i, slot) => {
            format!("{} of the object from parameter `{}`", slot_name(g, i, slot), param_name(g, i))
        }
        Obj::Content(i) => format!("an object reachable from parameter `{}`", param_name(g, i)),
        Obj::Global(global) => {
            let data = &g.module.globals[global];
            format!("the {} in global `{}`", noun(g, data.ty), data.name)
        }
        Obj::Outside => "an object from outside".to_string(),
    }
}

/// "array", "struct" or "object": what a value of type `ty` is.
fn noun(g: &Graph, ty: berth_types::TypeId) -> &'static str {
    match g.module.types.get(ty) {
        berth_types::Ty::Array(_) => "array",
        berth_types::Ty::Struct(_) => "struct",
        _ => "object",
    }
}

pub fn param_name(g: &Graph, i: u32) -> String {
    g.func.param_names.get(i as usize).cloned().unwrap_or_else(|| format!("#{i}"))
}

/// "passed to `f` as parameter `p`", for the caller's side of a call (or
/// of a `spawn` that is joined).
pub fn passed_to(g: &Graph, inst: Inst, callee: FuncId, param: u32) -> Step {
    let callee_func = &g.module.funcs[callee];
    let name = callee_func.param_names.get(param as usize).cloned().unwrap_or_default();
    let to = match g.func.dfg.insts[inst].kind {
        berth_ir::instructions::InstKind::Spawn { .. } => {
            format!("a new thread running `{}` (joined on every path)", callee_func.name)
        }
        _ => format!("`{}`", callee_func.name),
    };
    Step::new(g, inst, format!("passed to {to} as parameter `{name}`"))
}

/// "12:5": where an instruction is in the source.
fn at(g: &Graph, inst: Inst) -> String {
    let (line, col) = g.module.positions.line_col(g.func.dfg.insts[inst].span);
    format!("{line}:{col}")
}

/// The steps from `obj` to the root that makes it escape (empty if it does
/// not escape).
pub fn chain(g: &Graph, escapes: &Escapes, summaries: &SecondaryMap<FuncId, Summary>, obj: ObjId) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut current = obj;
    let func = &g.func.name;
    // A reason replaced by a better one later can close a loop of
    // containers; each object is explained once.
    let mut seen = crate::bitset::BitSet::default();
    while let Some((_, reason)) = &escapes.state[current] {
        if !seen.insert(current) {
            break;
        }
        let subject = describe(g, current);
        match reason {
            Reason::Root { root, inst } => {
                let what = match root {
                    Root::Global(global) => format!("is stored into global `{}`", g.module.globals[*global].name),
                    Root::Send => "is sent to the outbox, which keeps it".to_string(),
                    Root::Spawn(f, why) => {
                        let thread = format!("is passed to a new thread running `{}`", g.module.funcs[*f].name);
                        match why {
                            Unjoined::Exit(exit) => {
                                let exit_span = g.func.dfg.insts[*exit].span;
                                let exit_name = if g.module.positions.starts_with(exit_span, "return") {
                                    "the return".to_string()
                                } else {
                                    format!("the end of `{func}`")
                                };
                                format!("{thread}, which is not joined before {exit_name} at {}", at(g, *exit))
                            }
                            Unjoined::SpawnsAgain => {
                                format!("{thread}, which is not joined before the spawn runs again")
                            }
                            Unjoined::HandleUsed(used) => {
                                format!("{thread}, whose handle is used at {} other than by `join`", at(g, *used))
                            }
                        }
                    }
                };
                steps.push(Step::new(g, *inst, format!("{subject} {what}")));
                break;
            }
            Reason::Returned { inst } => {
                steps.push(Step::new(g, *inst, format!("{subject} is returned from `{func}`")));
                break;
            }
            Reason::CallArg { inst, callee, param, depth } => {
                let passed = passed_to(g, *inst, *callee, *param);
                steps.push(Step { text: format!("{subject} is {}", passed.text), span: passed.span });
                let inner = summaries[*callee].params[*param as usize]
                    .escapes
                    .iter()
                    .find(|(d, _)| d == depth)
                    .map(|(_, steps)| steps.clone())
                    .unwrap_or_default();
                steps.extend(inner);
                break;
            }
            Reason::Within { container, slot, inst } => {
                let Some(inst) = inst else {
                    // A parameter's object reaches its content: the content
                    // escapes with it, as the next step says.
                    current = *container;
                    continue;
                };
                steps.push(Step::new(g, *inst, format!("{subject} {}", stored(g, *inst, *container, *slot))));
                if !matches!(g.objs[*container], Obj::Site(_)) {
                    break;
                }
                current = *container;
            }
        }
    }
    steps
}

fn field_name(g: &Graph, obj: ObjId, field: u32) -> String {
    let Some(site) = g.site_of(obj) else { return format!("#{field}") };
    match &g.func.dfg.insts[g.site_inst[&site]].kind {
        berth_ir::instructions::InstKind::Alloc {
            init: berth_ir::instructions::AllocInit::Struct { strukt, .. },
            ..
        } => g.module.structs[*strukt].fields[field as usize].name.clone(),
        _ => format!("#{field}"),
    }
}

/// What the instruction that put an object into `container` did to it,
/// from the object's point of view: "is pushed onto the array in global
/// `ui`", "is stored into field `next` of the struct `Node` at 4:13".
fn stored(g: &Graph, inst: Inst, container: ObjId, slot: Slot) -> String {
    use berth_ir::instructions::{AllocInit, InstKind};
    let target = match g.objs[container] {
        Obj::Outside => format!("an object from outside `{}`", g.func.name),
        Obj::Param(_) | Obj::ParamSlot(..) | Obj::Content(_) => {
            format!("{} of `{}`", describe(g, container), g.func.name)
        }
        // A global stands for everything reachable from it: the object
        // stored into may be one it points to rather than the global's own.
        Obj::Global(global)
            if !matches!(g.func.dfg.insts[inst].kind, InstKind::Call { .. })
                && g.func.dfg.value_type(object_operand(g, inst)) != g.module.globals[global].ty =>
        {
            let noun = noun(g, g.func.dfg.value_type(object_operand(g, inst)));
            let article = if noun == "struct" { "a" } else { "an" };
            format!("{article} {noun} reachable from global `{}`", g.module.globals[global].name)
        }
        _ => describe(g, container),
    };
    let field = |f: u32| match g.module.types.get(g.func.dfg.value_type(object_operand(g, inst))) {
        berth_types::Ty::Struct(s) => g.module.structs[s].fields[f as usize].name.clone(),
        _ => format!("#{f}"),
    };
    match &g.func.dfg.insts[inst].kind {
        InstKind::ArrayPush { .. } => format!("is pushed onto {target}"),
        InstKind::ArraySet { .. } => format!("is stored into an element of {target}"),
        InstKind::FieldSet { field: f, .. } => format!("is stored into field `{}` of {target}", field(*f)),
        InstKind::Alloc { init: AllocInit::Struct { .. }, .. } => match slot {
            Slot::Field(f) => format!("is field `{}` of {target}", field_name(g, container, f)),
            _ => format!("is a field of {target}"),
        },
        InstKind::Alloc { .. } => format!("is an element of {target}"),
        InstKind::Call { func, .. } => format!("is stored into {target} by `{}`", g.module.funcs[*func].name),
        _ => format!("is stored into {target}"),
    }
}

/// The object an instruction stores into (or creates).
fn object_operand(g: &Graph, inst: Inst) -> berth_ir::Value {
    use berth_ir::instructions::InstKind;
    let data = &g.func.dfg.insts[inst];
    match &data.kind {
        InstKind::FieldSet { object, .. } => *object,
        _ => data.result.unwrap_or_else(|| data.kind.operands()[0]),
    }
}

/// "field `next`" or "an element" of parameter `i`'s objects.
fn slot_name(g: &Graph, i: u32, slot: Slot) -> String {
    match slot {
        Slot::Field(f) => format!("field `{}`", param_field_name(g, i, f)),
        Slot::Elem => "an element".into(),
        Slot::Any => "something".into(),
    }
}

fn param_field_name(g: &Graph, i: u32, field: u32) -> String {
    match g.module.types.get(g.func.params[i as usize]) {
        berth_types::Ty::Struct(s) => g.module.structs[s].fields[field as usize].name.clone(),
        _ => format!("#{field}"),
    }
}
