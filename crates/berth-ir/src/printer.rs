//! The one text form of the IR. It depends only on the IR itself (no
//! hash-map order, no addresses), so it is stable across runs and its
//! snapshots are reviewable diffs.
//!
//! ```text
//! fn @add(Point, Point) -> Point {
//! block0(v0: Point, v1: Point):
//!     v2: int = field.get v0, Point.x
//!     ...
//!     v6: Point = alloc site0 Point { x: v4, y: v5 }  ; struct at 4:46
//!     return v6
//! }
//! ```

use std::fmt::{self, Write};

use berth_types::Ty;
use berth_types::hir::FuncId;

use crate::entities::{Block, Inst, Value};
use crate::function::Function;
use crate::instructions::{AllocInit, ArithOp, BinaryOp, BlockCall, CmpOp, InstKind, Storage, UnaryOp};
use crate::module::Module;

pub fn print_module(module: &Module) -> String {
    let mut out = String::new();
    write_module(&mut out, module).expect("writing to a String cannot fail");
    out
}

pub fn print_function(module: &Module, func: FuncId) -> String {
    let mut out = String::new();
    write_function(&mut out, module, func).expect("writing to a String cannot fail");
    out
}

fn write_module(out: &mut String, m: &Module) -> fmt::Result {
    for s in m.structs.values() {
        let fields: Vec<String> = s.fields.iter().map(|f| format!("{}: {}", f.name, m.types.display(f.ty))).collect();
        writeln!(out, "struct {} {{ {} }}", s.name, fields.join(", "))?;
    }
    for e in m.enums.values() {
        let variants: Vec<String> = e
            .variants
            .iter()
            .map(|v| {
                if v.payload.is_empty() {
                    v.name.clone()
                } else {
                    let payload: Vec<String> = v.payload.iter().map(|&t| m.types.display(t).to_string()).collect();
                    format!("{}({})", v.name, payload.join(", "))
                }
            })
            .collect();
        writeln!(out, "enum {} {{ {} }}", e.name, variants.join(", "))?;
    }
    for g in m.globals.values() {
        writeln!(out, "global @{}: {}", g.name, m.types.display(g.ty))?;
    }
    for id in m.funcs.keys() {
        writeln!(out)?;
        write_function(out, m, id)?;
    }
    Ok(())
}

fn write_function(out: &mut String, m: &Module, id: FuncId) -> fmt::Result {
    let f = &m.funcs[id];
    let params: Vec<String> = f.params.iter().map(|&t| m.types.display(t).to_string()).collect();
    write!(out, "fn @{}({})", f.name, params.join(", "))?;
    if f.ret != berth_types::TypeId::UNIT {
        write!(out, " -> {}", m.types.display(f.ret))?;
    }
    writeln!(out, " {{")?;
    for &block in &f.layout.blocks {
        write_block_header(out, m, f, block)?;
        for &inst in &f.layout.insts[block] {
            write_inst(out, m, f, inst)?;
        }
    }
    writeln!(out, "}}")
}

fn write_block_header(out: &mut String, m: &Module, f: &Function, block: Block) -> fmt::Result {
    let params = &f.dfg.blocks[block].params;
    if params.is_empty() {
        return writeln!(out, "{block}:");
    }
    let params: Vec<String> =
        params.iter().map(|&v| format!("{v}: {}", m.types.display(f.dfg.value_type(v)))).collect();
    writeln!(out, "{block}({}):", params.join(", "))
}

fn write_inst(out: &mut String, m: &Module, f: &Function, inst: Inst) -> fmt::Result {
    let data = &f.dfg.insts[inst];
    write!(out, "    ")?;
    if let Some(v) = data.result {
        write!(out, "{v}: {} = ", m.types.display(f.dfg.value_type(v)))?;
    }
    let list = |values: &[Value]| values.iter().map(Value::to_string).collect::<Vec<_>>().join(", ");
    match &data.kind {
        InstKind::IntConst(n) => write!(out, "iconst {n}"),
        InstKind::FloatConst(x) => write!(out, "fconst {x:?}"),
        InstKind::BoolConst(b) => write!(out, "bconst {b}"),
        InstKind::StrConst(s) => write!(out, "sconst {s:?}"),
        InstKind::Nil => write!(out, "nil"),
        InstKind::Unary(op, v) => write!(out, "{} {v}", unary_name(*op)),
        InstKind::Binary(op, a, b) => write!(out, "{} {a}, {b}", binary_name(*op)),
        InstKind::Alloc { site, storage, init } => {
            let name = alloc_name(*storage);
            match m.sites[*site].materializes.as_slice() {
                [] => write!(out, "{name} {site} ")?,
                of => {
                    let of: Vec<String> = of.iter().map(ToString::to_string).collect();
                    write!(out, "{} {site} ({}) ", name.replacen("alloc", "materialize", 1), of.join(", "))?
                }
            }
            match init {
                AllocInit::Struct { strukt, fields } => {
                    let def = &m.structs[*strukt];
                    let fields: Vec<String> =
                        def.fields.iter().zip(fields).map(|(d, v)| format!("{}: {v}", d.name)).collect();
                    write!(out, "{} {{ {} }}", def.name, fields.join(", "))?;
                }
                AllocInit::Array { elems } => write!(out, "[{}]", list(elems))?,
                AllocInit::ArrayRepeat { value, count } => write!(out, "[{value}; {count}]")?,
                AllocInit::Concat(a, b) => write!(out, "str.concat {a}, {b}")?,
                AllocInit::Substr { string, start, end } => write!(out, "str.substr {string}, {start}, {end}")?,
                AllocInit::Format(v) => write!(out, "str.format {v}")?,
            }
            let site = &m.sites[*site];
            write!(out, "  ; {} at {}:{}", site.kind.name(), site.line, site.column)
        }
        InstKind::Scalar(site) => {
            let data = &m.sites[*site];
            write!(out, "scalar {site}  ; {} at {}:{}", data.kind.name(), data.line, data.column)
        }
        InstKind::FieldGet { object, strukt, field } => {
            write!(
                out,
                "field.get {object}, {}.{}",
                m.structs[*strukt].name, m.structs[*strukt].fields[*field as usize].name
            )
        }
        InstKind::FieldSet { object, strukt, field, value } => write!(
            out,
            "field.set {object}, {}.{}, {value}",
            m.structs[*strukt].name, m.structs[*strukt].fields[*field as usize].name
        ),
        InstKind::ArrayGet { array, index } => write!(out, "array.get {array}, {index}"),
        InstKind::ArraySet { array, index, value } => write!(out, "array.set {array}, {index}, {value}"),
        InstKind::ArrayLen(v) => write!(out, "array.len {v}"),
        InstKind::ArrayPush { array, value, grow: Storage::Arena } => write!(out, "array.push.arena {array}, {value}"),
        InstKind::ArrayPush { array, value, .. } => write!(out, "array.push {array}, {value}"),
        InstKind::ArrayPop(v) => write!(out, "array.pop {v}"),
        InstKind::StrLen(v) => write!(out, "str.len {v}"),
        InstKind::ByteAt { string, index } => write!(out, "str.byte_at {string}, {index}"),
        InstKind::ParseInt(v) => write!(out, "str.parse_int {v}"),
        InstKind::EnumMake { enum_id, variant, payload } => {
            let def = &m.enums[*enum_id];
            write!(out, "enum.make {}::{}", def.name, def.variants[*variant as usize].name)?;
            if payload.is_empty() { Ok(()) } else { write!(out, "({})", list(payload)) }
        }
        InstKind::EnumTag(v) => write!(out, "enum.tag {v}"),
        InstKind::EnumField { value, variant, index } => {
            let Ty::Enum(e) = m.types.get(f.dfg.value_type(*value)) else {
                return write!(out, "enum.field {value}, <not an enum>");
            };
            let def = &m.enums[e];
            write!(out, "enum.field {value}, {}::{}.{index}", def.name, def.variants[*variant as usize].name)
        }
        InstKind::GlobalGet(g) => write!(out, "global.get @{}", m.globals[*g].name),
        InstKind::GlobalSet(g, v) => write!(out, "global.set @{}, {v}", m.globals[*g].name),
        InstKind::Call { func, args } => write!(out, "call @{}({})", m.funcs[*func].name, list(args)),
        InstKind::Spawn { func, args } => write!(out, "spawn @{}({})", m.funcs[*func].name, list(args)),
        InstKind::Join(v) => write!(out, "join {v}"),
        InstKind::Print { newline, args } => {
            write!(out, "{}", if *newline { "println" } else { "print" })?;
            if args.is_empty() { Ok(()) } else { write!(out, " {}", list(args)) }
        }
        InstKind::Log(v) => write!(out, "log {v}"),
        InstKind::Send(v) => write!(out, "send {v}"),
        InstKind::ListDir(v) => write!(out, "list_dir {v}"),
        InstKind::DirOpen(v) => write!(out, "dir.open {v}"),
        InstKind::DirNext(v) => write!(out, "dir.next {v}"),
        InstKind::DirName(v) => write!(out, "dir.name {v}"),
        InstKind::ClockNs => write!(out, "clock_ns"),
        InstKind::ArenaMark => write!(out, "arena.mark"),
        InstKind::ArenaRelease(mark) => write!(out, "arena.release {mark}"),
        InstKind::Assert(v) => write!(out, "assert {v}"),
        InstKind::Jump(dest) => write!(out, "jump {}", block_call(dest)),
        InstKind::Branch { cond, then_dest, else_dest } => {
            write!(out, "brif {cond}, {}, {}", block_call(then_dest), block_call(else_dest))
        }
        InstKind::Return(None) => write!(out, "return"),
        InstKind::Return(Some(v)) => write!(out, "return {v}"),
        InstKind::Panic(v) => write!(out, "panic {v}"),
    }?;
    writeln!(out)
}

fn block_call(call: &BlockCall) -> String {
    if call.args.is_empty() {
        return call.block.to_string();
    }
    let args: Vec<String> = call.args.iter().map(Value::to_string).collect();
    format!("{}({})", call.block, args.join(", "))
}

pub fn alloc_name(storage: Storage) -> &'static str {
    match storage {
        Storage::Undecided => "alloc",
        Storage::Heap => "alloc.heap",
        Storage::Stack => "alloc.stack",
        Storage::Arena => "alloc.arena",
    }
}

fn unary_name(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Ineg => "ineg",
        UnaryOp::Fneg => "fneg",
        UnaryOp::Not => "not",
        UnaryOp::IntToFloat => "itof",
        UnaryOp::FloatToInt => "ftoi",
    }
}

fn binary_name(op: BinaryOp) -> String {
    let arith = |prefix: &str, op: ArithOp| {
        let name = match op {
            ArithOp::Add => "add",
            ArithOp::Sub => "sub",
            ArithOp::Mul => "mul",
            ArithOp::Div => "div",
            ArithOp::Rem => "rem",
        };
        format!("{prefix}{name}")
    };
    let cmp = |prefix: &str, op: CmpOp| {
        let name = match op {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        };
        format!("{prefix}.{name}")
    };
    match op {
        BinaryOp::Int(op) => arith("i", op),
        BinaryOp::Float(op) => arith("f", op),
        BinaryOp::IntCmp(op) => cmp("icmp", op),
        BinaryOp::FloatCmp(op) => cmp("fcmp", op),
        BinaryOp::StrCmp(op) => cmp("scmp", op),
        BinaryOp::BoolCmp(op) => cmp("bcmp", op),
        BinaryOp::RefCmp(op) => cmp("rcmp", op),
    }
}
