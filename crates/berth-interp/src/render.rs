//! The text `log` writes and the outbox keeps, rendered from interpreter
//! values exactly as the runtime renders compiled ones (see
//! `berth_runtime::render`): `Point { x: 1, y: 2 }`, `[1, 2]`,
//! `Value::Int(3)`, `"text"`, `nil`, `<thread>`, and `<cycle>` for an
//! object met again while it is being rendered.

use std::collections::HashSet;
use std::fmt::Write;

use berth_ir::Module;
use berth_runtime::render::quote;
use berth_runtime::strings::format_float;

use crate::heap::{Heap, ObjData, Stale};
use crate::value::{ObjRef, Val};

pub fn render(module: &Module, heap: &Heap, value: &Val) -> Result<String, Stale> {
    let mut out = String::new();
    render_into(module, heap, &mut out, &mut HashSet::new(), value)?;
    Ok(out)
}

fn render_into(
    module: &Module,
    heap: &Heap,
    out: &mut String,
    path: &mut HashSet<ObjRef>,
    value: &Val,
) -> Result<(), Stale> {
    match value {
        Val::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Val::Float(x) => out.push_str(&format_float(*x)),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Str(s) => {
            if let Some(buffer) = s.buffer {
                heap.get(buffer)?;
            }
            out.push_str(&quote(&s.bytes))
        }
        Val::Thread(_) => out.push_str("<thread>"),
        Val::Ref(None) => out.push_str("nil"),
        Val::Ref(Some(r)) => {
            if !path.insert(*r) {
                out.push_str("<cycle>");
                return Ok(());
            }
            match &heap.get(*r)?.data {
                ObjData::Struct { strukt, fields } => {
                    let def = &module.structs[*strukt];
                    let _ = write!(out, "{} {{", def.name);
                    for (i, (field, value)) in def.fields.iter().zip(fields).enumerate() {
                        out.push_str(if i == 0 { " " } else { ", " });
                        let _ = write!(out, "{}: ", field.name);
                        render_into(module, heap, out, path, value)?;
                    }
                    out.push_str(if fields.is_empty() { "}" } else { " }" });
                }
                ObjData::Array(elems) => {
                    out.push('[');
                    for (i, value) in elems.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        render_into(module, heap, out, path, value)?;
                    }
                    out.push(']');
                }
                ObjData::Buffer => out.push_str("<buffer>"),
            }
            path.remove(r);
        }
        Val::Enum(e) => {
            let def = &module.enums[e.enum_id];
            let _ = write!(out, "{}::{}", def.name, def.variants[e.variant as usize].name);
            if !e.payload.is_empty() {
                out.push('(');
                for (i, value) in e.payload.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    render_into(module, heap, out, path, value)?;
                }
                out.push(')');
            }
        }
        Val::Unit | Val::Dir(_) => out.push_str("<unknown>"),
    }
    Ok(())
}
