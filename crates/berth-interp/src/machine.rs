//! The machine: a stack of frames, each with one register per SSA value of
//! its function, stepping through the layout one instruction at a time.
//! Calls push a frame instead of recursing in Rust, so a Berth program's
//! recursion depth is bounded by [`STACK_VALUES`], not by the
//! interpreter's own stack.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::rc::Rc;

use berth_ir::instructions::{AllocInit, BinaryOp, BlockCall, InstKind, Storage};
use berth_ir::{Block, Function, Inst, Module, Value};
use berth_runtime::errors::RuntimeError;
use berth_runtime::strings::{self, format_float};
use berth_syntax::Span;
use berth_types::hir::FuncId;
use berth_types::{Ty, TypeId};
use cranelift_entity::EntityRef;

use crate::heap::{Heap, ObjData, Object, Stale};
use crate::ops;
use crate::oracle::{Cause, GLOBAL, Oracle};
use crate::render::render;
use crate::value::{EnumVal, INLINE_MAX, ObjRef, Str, Val};

/// Registers one thread's frames may hold at once before the program
/// stops with a stack overflow: 16 bytes each, as much as the 256 MiB
/// stack of a compiled Berth thread.
pub const STACK_VALUES: usize = 16 << 20;

/// Why the machine stopped before the program's end.
pub enum Stop {
    /// A runtime error, reported at `at` (nowhere for running out of
    /// memory, as in compiled code).
    Error { what: String, at: Option<Span> },
    /// The oracle saw an object used after its frame released it.
    UseAfterRelease,
}

struct Frame {
    func: FuncId,
    regs: Vec<Val>,
    block: Block,
    next: usize,
    /// The caller's value that receives the result.
    result: Option<Value>,
    /// Set on the first frame of a spawned thread.
    thread: bool,
    /// Under the oracle: the object in each stack slot of the frame, by
    /// the `alloc` that owns the slot.
    slots: Vec<(Inst, ObjRef)>,
    /// Under the oracle: the frame's arena objects, oldest first.
    arena: Vec<ObjRef>,
}

struct DirStream {
    entries: Option<std::fs::ReadDir>,
    current: Box<[u8]>,
}

pub struct Machine<'m> {
    module: &'m Module,
    pub heap: Heap,
    globals: Vec<Val>,
    frames: Vec<Frame>,
    /// Registers held by all frames, and where each running thread's
    /// frames start (for the stack limit).
    stack_values: usize,
    thread_bases: Vec<usize>,
    /// Whether each spawned thread has been joined.
    joined: Vec<bool>,
    dirs: Vec<DirStream>,
    pub oracle: Option<Oracle>,
}

impl<'m> Machine<'m> {
    pub fn new(module: &'m Module, oracle: bool) -> Machine<'m> {
        Machine {
            module,
            heap: Heap::default(),
            globals: module.globals.values().map(|g| zero(module, g.ty)).collect(),
            frames: Vec::new(),
            stack_values: 0,
            thread_bases: vec![0],
            joined: Vec::new(),
            dirs: Vec::new(),
            oracle: oracle.then(Oracle::default),
        }
    }

    /// Under the oracle, at the program's end: what threads never joined
    /// were given stayed theirs, beyond every frame.
    pub fn detach_unjoined(&mut self) {
        if let Some(oracle) = &mut self.oracle {
            oracle.detach_unjoined(&mut self.heap);
        }
    }

    /// Runs `func` (with no arguments) to its end.
    pub fn run(&mut self, func: FuncId) -> Result<(), Stop> {
        self.push_frame(func, Vec::new(), None, false)?;
        while !self.frames.is_empty() {
            self.step()?;
        }
        Ok(())
    }

    fn frame(&self) -> &Frame {
        self.frames.last().expect("a running frame")
    }

    fn frame_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a running frame")
    }

    fn get(&self, v: Value) -> &Val {
        &self.frame().regs[v.index()]
    }

    fn set(&mut self, v: Value, val: Val) {
        self.frame_mut().regs[v.index()] = val;
    }

    fn depth(&self) -> i32 {
        self.frames.len() as i32 - 1
    }

    fn push_frame(&mut self, func: FuncId, args: Vec<Val>, result: Option<Value>, thread: bool) -> Result<(), Stop> {
        let f = &self.module.funcs[func];
        let size = f.dfg.values.len();
        if thread {
            self.thread_bases.push(self.stack_values);
        }
        self.stack_values += size;
        let base = *self.thread_bases.last().expect("the main thread's base");
        if self.stack_values - base > STACK_VALUES {
            return Err(Stop::Error { what: RuntimeError::StackOverflow.to_string(), at: Some(f.span) });
        }
        let entry = f.entry().expect("a function has an entry block");
        let mut regs = vec![Val::Unit; size];
        for (&param, arg) in f.dfg.blocks[entry].params.iter().zip(args) {
            regs[param.index()] = arg;
        }
        self.frames.push(Frame {
            func,
            regs,
            block: entry,
            next: 0,
            result,
            thread,
            slots: Vec::new(),
            arena: Vec::new(),
        });
        Ok(())
    }

    fn error(&self, what: RuntimeError, at: Span) -> Stop {
        Stop::Error { what: what.to_string(), at: Some(at) }
    }

    /// The object behind a reference, or the oracle's verdict on a stale
    /// one.
    fn object(&mut self, r: ObjRef, at: Span) -> Result<&mut Object, Stop> {
        if self.heap.get(r).is_err() {
            return Err(self.stale(at));
        }
        Ok(self.heap.get_mut(r).expect("checked above"))
    }

    fn stale(&mut self, at: Span) -> Stop {
        if let Some(oracle) = &mut self.oracle {
            oracle.used_after_release(at);
        }
        Stop::UseAfterRelease
    }

    /// A non-nil reference operand, or the nil-dereference error.
    fn non_nil(&self, v: Value, at: Span) -> Result<ObjRef, Stop> {
        self.get(v).reference().ok_or_else(|| self.error(RuntimeError::Nil, at))
    }

    /// A string operand whose buffer (if any) is still there.
    fn text(&mut self, v: Value, at: Span) -> Result<Rc<Str>, Stop> {
        let s = self.get(v).string().clone();
        if let Some(buffer) = s.buffer
            && self.heap.get(buffer).is_err()
        {
            return Err(self.stale(at));
        }
        Ok(s)
    }

    fn lower(&mut self, value: &Val, reach: i32, cause: Cause, at: Span) -> Result<(), Stop> {
        if let Some(oracle) = &mut self.oracle
            && oracle.lower(&mut self.heap, value, reach, cause, at).is_err()
        {
            return Err(self.stale(at));
        }
        Ok(())
    }

    fn step(&mut self) -> Result<(), Stop> {
        let module = self.module;
        let frame = self.frame_mut();
        let func: &'m Function = &module.funcs[frame.func];
        let inst = func.layout.insts[frame.block][frame.next];
        frame.next += 1;
        let data = &func.dfg.insts[inst];
        let at = data.span;
        let value = match &data.kind {
            InstKind::IntConst(n) => Val::Int(*n),
            InstKind::FloatConst(x) => Val::Float(*x),
            InstKind::BoolConst(b) => Val::Bool(*b),
            InstKind::StrConst(s) => Val::str(s.as_bytes(), None),
            InstKind::Nil => Val::Ref(None),
            InstKind::Unary(op, x) => ops::unary(*op, self.get(*x)),
            InstKind::Binary(op, a, b) => {
                // Comparing strings reads their bytes, comparing references
                // their addresses: both need the objects to be there.
                match op {
                    BinaryOp::StrCmp(_) => {
                        self.text(*a, at)?;
                        self.text(*b, at)?;
                    }
                    BinaryOp::RefCmp(_) => {
                        for r in [self.get(*a).reference(), self.get(*b).reference()].into_iter().flatten() {
                            self.object(r, at)?;
                        }
                    }
                    _ => {}
                }
                ops::binary(*op, self.get(*a), self.get(*b)).map_err(|e| self.error(e, at))?
            }
            InstKind::Alloc { site, storage, init } => self.alloc(inst, *site, *storage, init, at)?,
            InstKind::Scalar(site) => {
                if let Some(oracle) = &mut self.oracle {
                    oracle.virtual_object(*site);
                }
                Val::Unit
            }
            InstKind::FieldGet { object, field, .. } => {
                let r = self.non_nil(*object, at)?;
                match &self.object(r, at)?.data {
                    ObjData::Struct { fields, .. } => fields[*field as usize].clone(),
                    other => unreachable!("a struct was expected, found {other:?}"),
                }
            }
            InstKind::FieldSet { object, field, value, .. } => {
                let r = self.non_nil(*object, at)?;
                let value = self.get(*value).clone();
                let target = self.object(r, at)?;
                let reach = target.reach;
                match &mut target.data {
                    ObjData::Struct { fields, .. } => fields[*field as usize] = value.clone(),
                    other => unreachable!("a struct was expected, found {other:?}"),
                }
                self.lower(&value, reach, Cause::Store, at)?;
                Val::Unit
            }
            InstKind::ArrayGet { array, index } => {
                let i = self.get(*index).int();
                let r = self.non_nil(*array, at)?;
                let elems = self.elements(r, at)?;
                match usize::try_from(i).ok().and_then(|i| elems.get(i)) {
                    Some(v) => v.clone(),
                    None => {
                        let len = elems.len();
                        return Err(self.error(RuntimeError::Index { index: i, len: len as i64 }, at));
                    }
                }
            }
            InstKind::ArraySet { array, index, value } => {
                let i = self.get(*index).int();
                let value = self.get(*value).clone();
                let r = self.non_nil(*array, at)?;
                let reach = self.object(r, at)?.reach;
                let elems = self.elements(r, at)?;
                let len = elems.len();
                match usize::try_from(i).ok().and_then(|i| elems.get_mut(i)) {
                    Some(slot) => *slot = value.clone(),
                    None => return Err(self.error(RuntimeError::Index { index: i, len: len as i64 }, at)),
                }
                self.lower(&value, reach, Cause::Store, at)?;
                Val::Unit
            }
            InstKind::ArrayLen(array) => {
                let r = self.non_nil(*array, at)?;
                Val::Int(self.elements(r, at)?.len() as i64)
            }
            InstKind::ArrayPush { array, value, .. } => {
                let value = self.get(*value).clone();
                let r = self.non_nil(*array, at)?;
                let reach = self.object(r, at)?.reach;
                self.elements(r, at)?.push(value.clone());
                self.lower(&value, reach, Cause::Store, at)?;
                Val::Unit
            }
            InstKind::ArrayPop(array) => {
                let r = self.non_nil(*array, at)?;
                match self.elements(r, at)?.pop() {
                    Some(v) => v,
                    None => return Err(self.error(RuntimeError::PopEmpty, at)),
                }
            }
            InstKind::StrLen(s) => Val::Int(self.text(*s, at)?.bytes.len() as i64),
            InstKind::ByteAt { string, index } => {
                let s = self.text(*string, at)?;
                let i = self.get(*index).int();
                match usize::try_from(i).ok().and_then(|i| s.bytes.get(i)) {
                    Some(&b) => Val::Int(i64::from(b)),
                    None => return Err(self.error(RuntimeError::StringIndex { index: i, len: s.bytes.len() }, at)),
                }
            }
            InstKind::ParseInt(s) => {
                let s = self.text(*s, at)?;
                match strings::parse_int(&s.bytes) {
                    Some(n) => Val::Int(n),
                    None => return Err(self.error(RuntimeError::InvalidInteger(&s.bytes), at)),
                }
            }
            InstKind::EnumMake { enum_id, variant, payload } => Val::Enum(Rc::new(EnumVal {
                enum_id: *enum_id,
                variant: *variant,
                payload: payload.iter().map(|&v| self.get(v).clone()).collect(),
            })),
            InstKind::EnumTag(v) => match self.get(*v) {
                Val::Enum(e) => Val::Int(i64::from(e.variant)),
                other => unreachable!("an enum was expected, found {other:?}"),
            },
            InstKind::EnumField { value, index, .. } => match self.get(*value) {
                Val::Enum(e) => e.payload[*index as usize].clone(),
                other => unreachable!("an enum was expected, found {other:?}"),
            },
            InstKind::GlobalGet(g) => self.globals[g.index()].clone(),
            InstKind::GlobalSet(g, v) => {
                let value = self.get(*v).clone();
                self.globals[g.index()] = value.clone();
                self.lower(&value, GLOBAL, Cause::Global, at)?;
                Val::Unit
            }
            InstKind::Call { func: callee, args } => {
                let args = args.iter().map(|&v| self.get(v).clone()).collect();
                return self.push_frame(*callee, args, data.result, false);
            }
            InstKind::Spawn { func: callee, args } => {
                // The thread runs to its end now, before the spawner goes
                // on: one of the schedules a real run may take.
                let args: Vec<Val> = args.iter().map(|&v| self.get(v).clone()).collect();
                let id = self.joined.len() as u32;
                self.joined.push(false);
                if let Some(result) = data.result {
                    self.set(result, Val::Thread(id));
                }
                if let Some(oracle) = &mut self.oracle {
                    oracle.lend(&self.heap, &args, id, at);
                }
                return self.push_frame(*callee, args, None, true);
            }
            InstKind::Join(t) => {
                if let &Val::Thread(id) = self.get(*t)
                    && let Some(joined) = self.joined.get_mut(id as usize)
                {
                    *joined = true;
                    // The thread's arguments lived until here.
                    if let Some(args) = self.oracle.as_mut().and_then(|o| o.joined(id)) {
                        let depth = self.depth();
                        for arg in &args {
                            self.lower(arg, depth, Cause::Thread, at)?;
                        }
                    }
                }
                Val::Unit
            }
            InstKind::Print { newline, args } => {
                for &arg in args {
                    let bytes = match self.get(arg) {
                        Val::Int(n) => n.to_string().into_bytes(),
                        Val::Float(x) => format_float(*x).into_bytes(),
                        Val::Bool(b) => b.to_string().into_bytes(),
                        Val::Str(_) => self.text(arg, at)?.bytes.to_vec(),
                        other => unreachable!("print of {other:?}"),
                    };
                    berth_runtime::print::write_value(&bytes);
                }
                berth_runtime::print::end_print(*newline);
                Val::Unit
            }
            InstKind::Log(v) => {
                let line = render(module, &self.heap, self.get(*v)).map_err(|Stale| self.stale(at))?;
                berth_runtime::outbox::log_line(&line);
                Val::Unit
            }
            InstKind::Send(v) => {
                let value = self.get(*v).clone();
                let line = render(module, &self.heap, &value).map_err(|Stale| self.stale(at))?;
                berth_runtime::outbox::send_line(line);
                self.lower(&value, GLOBAL, Cause::Send, at)?;
                Val::Unit
            }
            InstKind::ListDir(p) => {
                let path = self.text(*p, at)?;
                let mut names: Vec<Vec<u8>> = std::fs::read_dir(OsStr::from_bytes(&path.bytes))
                    .map(|entries| entries.flatten().map(|e| e.file_name().as_bytes().to_vec()).collect())
                    .unwrap_or_default();
                names.sort();
                let elems = names.into_iter().map(|n| Val::str(n, None)).collect();
                let depth = self.depth();
                let object =
                    Object { data: ObjData::Array(elems), site: None, storage: Storage::Heap, depth, reach: depth };
                Val::Ref(Some(self.heap.insert(object)))
            }
            InstKind::DirOpen(p) => {
                let path = self.text(*p, at)?;
                let entries = std::fs::read_dir(OsStr::from_bytes(&path.bytes)).ok();
                self.dirs.push(DirStream { entries, current: Box::default() });
                Val::Dir(self.dirs.len() as u32 - 1)
            }
            InstKind::DirNext(d) => {
                let &Val::Dir(id) = self.get(*d) else { unreachable!("a directory stream") };
                let stream = &mut self.dirs[id as usize];
                let next = stream.entries.as_mut().and_then(|e| e.flatten().next());
                match next {
                    Some(entry) => {
                        stream.current = entry.file_name().as_bytes().into();
                        Val::Bool(true)
                    }
                    None => {
                        stream.entries = None;
                        Val::Bool(false)
                    }
                }
            }
            InstKind::DirName(d) => {
                let Val::Dir(id) = self.get(*d) else { unreachable!("a directory stream") };
                Val::str(self.dirs[*id as usize].current.clone(), None)
            }
            InstKind::ClockNs => Val::Int(berth_runtime::start::started().elapsed().as_nanos() as i64),
            InstKind::ArenaMark => Val::Int(self.frame().arena.len() as i64),
            InstKind::ArenaRelease(mark) => {
                let mark = self.get(*mark).int() as usize;
                let released: Vec<ObjRef> = self.frame_mut().arena.drain(mark..).collect();
                for r in released {
                    self.release(r, at);
                }
                Val::Unit
            }
            InstKind::Assert(c) => {
                if !self.get(*c).bool() {
                    return Err(self.error(RuntimeError::Assert, at));
                }
                Val::Unit
            }
            InstKind::Jump(dest) => {
                self.goto(dest);
                return Ok(());
            }
            InstKind::Branch { cond, then_dest, else_dest } => {
                let dest = if self.get(*cond).bool() { then_dest } else { else_dest };
                self.goto(dest);
                return Ok(());
            }
            InstKind::Return(v) => {
                let value = v.map_or(Val::Unit, |v| self.get(v).clone());
                return self.return_from(value, at);
            }
            InstKind::Panic(message) => {
                let message = self.text(*message, at)?;
                return Err(self.error(RuntimeError::Panic(&message.bytes), at));
            }
        };
        if let Some(result) = data.result {
            self.set(result, value);
        }
        Ok(())
    }

    /// The elements of a live array.
    fn elements(&mut self, r: ObjRef, at: Span) -> Result<&mut Vec<Val>, Stop> {
        match &mut self.object(r, at)?.data {
            ObjData::Array(elems) => Ok(elems),
            other => unreachable!("an array was expected, found {other:?}"),
        }
    }

    /// `[value; n]`, or the out-of-memory error compiled code would give
    /// (with its buffer's size) when there is no room for it.
    fn repeat(&mut self, value: Value, n: usize) -> Result<Vec<Val>, Stop> {
        let mut elems = Vec::new();
        if elems.try_reserve_exact(n).is_err() {
            let words = self.module.value_words(self.frame_type(value)).max(1);
            let bytes = berth_runtime::arrays::buffer_bytes(words * 8, n.max(4)).unwrap_or(usize::MAX);
            return Err(Stop::Error { what: RuntimeError::OutOfMemory(bytes).to_string(), at: None });
        }
        elems.resize(n, self.get(value).clone());
        Ok(elems)
    }

    /// The type of a value of the running function.
    fn frame_type(&self, v: Value) -> TypeId {
        self.module.funcs[self.frame().func].dfg.value_type(v)
    }

    fn goto(&mut self, dest: &BlockCall) {
        let module = self.module;
        let args: Vec<Val> = dest.args.iter().map(|&v| self.get(v).clone()).collect();
        let frame = self.frame_mut();
        let params = &module.funcs[frame.func].dfg.blocks[dest.block].params;
        for (&param, arg) in params.iter().zip(args) {
            frame.regs[param.index()] = arg;
        }
        frame.block = dest.block;
        frame.next = 0;
    }

    fn alloc(
        &mut self,
        inst: Inst,
        site: berth_ir::AllocSite,
        storage: Storage,
        init: &AllocInit,
        at: Span,
    ) -> Result<Val, Stop> {
        let data = match init {
            AllocInit::Struct { strukt, fields } => {
                ObjData::Struct { strukt: *strukt, fields: fields.iter().map(|&v| self.get(v).clone()).collect() }
            }
            AllocInit::Array { elems } => ObjData::Array(elems.iter().map(|&v| self.get(v).clone()).collect()),
            AllocInit::ArrayRepeat { value, count } => {
                let n = self.get(*count).int();
                if n < 0 {
                    return Err(self.error(RuntimeError::NegativeLength(n), at));
                }
                ObjData::Array(self.repeat(*value, n as usize)?)
            }
            AllocInit::Concat(a, b) => {
                let (a, b) = (self.text(*a, at)?, self.text(*b, at)?);
                return Ok(self.string([&a.bytes[..], &b.bytes[..]].concat(), site, storage));
            }
            AllocInit::Substr { string, start, end } => {
                let s = self.text(*string, at)?;
                let (start, end) = (self.get(*start).int(), self.get(*end).int());
                let len = s.bytes.len() as i64;
                if start < 0 || start > end || end > len {
                    return Err(self.error(RuntimeError::Substring { start, end, len }, at));
                }
                return Ok(self.string(s.bytes[start as usize..end as usize].to_vec(), site, storage));
            }
            AllocInit::Format(v) => {
                let text = match self.get(*v) {
                    Val::Int(n) => n.to_string(),
                    Val::Float(x) => format_float(*x),
                    Val::Bool(b) => b.to_string(),
                    other => unreachable!("str() of {other:?}"),
                };
                return Ok(self.string(text.into_bytes(), site, storage));
            }
        };
        let is_struct = matches!(data, ObjData::Struct { .. });
        let r = self.new_object(data, site, storage);
        if self.oracle.is_some() && storage == Storage::Stack && is_struct {
            // A stack slot holds one object: the next execution of its
            // `alloc` takes it over.
            let frame = self.frame_mut();
            let previous = match frame.slots.iter_mut().find(|(i, _)| *i == inst) {
                Some((_, slot)) => Some(std::mem::replace(slot, r)),
                None => {
                    frame.slots.push((inst, r));
                    None
                }
            };
            if let Some(previous) = previous {
                self.release(previous, at);
            }
        }
        Ok(Val::Ref(Some(r)))
    }

    /// A string built at `site`: inline when short, else with an object
    /// standing for its buffer.
    fn string(&mut self, bytes: Vec<u8>, site: berth_ir::AllocSite, storage: Storage) -> Val {
        let buffer = (bytes.len() > INLINE_MAX).then(|| self.new_object(ObjData::Buffer, site, storage));
        Val::str(bytes, buffer)
    }

    fn new_object(&mut self, data: ObjData, site: berth_ir::AllocSite, storage: Storage) -> ObjRef {
        let depth = self.depth();
        // Only a struct fits a stack slot (tracked by its slot); other
        // frame objects are in the frame arena.
        let in_arena = match storage {
            Storage::Arena => true,
            Storage::Stack => !matches!(data, ObjData::Struct { .. }),
            Storage::Heap | Storage::Undecided => false,
        };
        let r = self.heap.insert(Object { data, site: Some(site), storage, depth, reach: depth });
        if let Some(oracle) = &mut self.oracle {
            oracle.created(site, storage, !self.module.sites[site].materializes.is_empty());
            if in_arena {
                self.frame_mut().arena.push(r);
            }
        }
        r
    }

    /// Under the oracle: a frame lets an object go at `at`.
    fn release(&mut self, r: ObjRef, at: Span) {
        if let Some(oracle) = &mut self.oracle {
            oracle.releasing(r, at);
        }
        self.heap.release(r);
    }

    fn return_from(&mut self, value: Val, at: Span) -> Result<(), Stop> {
        let depth = self.depth();
        let thread = self.frame().thread;
        if !thread {
            self.lower(&value, depth - 1, Cause::Return, at)?;
        }
        let frame = self.frames.pop().expect("a running frame");
        if self.oracle.is_some() {
            for r in frame.slots.iter().map(|&(_, r)| r).chain(frame.arena.iter().copied()) {
                self.release(r, at);
            }
        }
        self.stack_values -= frame.regs.len();
        if thread {
            self.thread_bases.pop();
        } else if let (Some(result), Some(_)) = (frame.result, self.frames.last()) {
            self.set(result, value);
        }
        Ok(())
    }
}

/// What a global holds before its initialiser runs: all bits zero in
/// compiled code.
fn zero(module: &Module, ty: TypeId) -> Val {
    match module.types.get(ty) {
        Ty::Int => Val::Int(0),
        Ty::Float => Val::Float(0.0),
        Ty::Bool => Val::Bool(false),
        Ty::Str => Val::str(Vec::new(), None),
        Ty::Enum(e) => Val::Enum(Rc::new(EnumVal {
            enum_id: e,
            variant: 0,
            payload: module.enums[e].variants[0].payload.iter().map(|&t| zero(module, t)).collect(),
        })),
        // A zero thread handle names no thread: joining it does nothing.
        Ty::Thread => Val::Thread(u32::MAX),
        _ => Val::Ref(None),
    }
}
