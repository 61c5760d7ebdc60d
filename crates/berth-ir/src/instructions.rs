//! The instruction set.
//!
//! Every instruction has at most one result. Terminators end a block:
//! `jump`, `brif`, `return` and `panic`. Built-ins whose semantics matter to
//! the escape analysis (`push`, `send`, `spawn`, globals, ...) are
//! instructions of their own rather than calls, so an analysis sees exactly
//! what each one does to its operands.

use berth_types::hir::{FuncId, GlobalId};
use berth_types::{EnumId, StructId};

use crate::entities::{AllocSite, Block, Value};

pub use berth_types::hir::{ArithOp, CmpOp};

#[derive(Clone, Debug)]
pub enum InstKind {
    IntConst(i64),
    FloatConst(f64),
    BoolConst(bool),
    /// A string literal (static data; no allocation).
    StrConst(String),
    /// The null reference, typed by the result.
    Nil,
    Unary(UnaryOp, Value),
    Binary(BinaryOp, Value, Value),

    /// Creates objects for an allocation site; `storage` says where they
    /// live (decided by the escape analysis).
    Alloc {
        site: AllocSite,
        storage: Storage,
        init: AllocInit,
    },
    /// Where an object of the site is created that scalar replacement
    /// removed: it has no memory, its fields are SSA values. Only counts
    /// the object for `berth run --stats`.
    Scalar(AllocSite),
    /// Reads a field; traps on `nil`.
    FieldGet {
        object: Value,
        strukt: StructId,
        field: u32,
    },
    /// Writes a field; traps on `nil`. The value flows into the object.
    FieldSet {
        object: Value,
        strukt: StructId,
        field: u32,
        value: Value,
    },
    /// Traps on `nil` or an index out of bounds.
    ArrayGet {
        array: Value,
        index: Value,
    },
    /// Traps like `ArrayGet`. The value flows into the array.
    ArraySet {
        array: Value,
        index: Value,
        value: Value,
    },
    ArrayLen(Value),
    /// Appends; the value flows into the array. When the buffer must grow,
    /// the new one comes from `grow` (the frame arena only for an array of
    /// this function's own arena; otherwise the heap).
    ArrayPush {
        array: Value,
        value: Value,
        grow: Storage,
    },
    /// Removes and returns the last element; traps when empty.
    ArrayPop(Value),
    StrLen(Value),
    /// Traps when the index is out of bounds.
    ByteAt {
        string: Value,
        index: Value,
    },
    /// Traps when the string is not a decimal integer.
    ParseInt(Value),

    EnumMake {
        enum_id: EnumId,
        variant: u32,
        payload: Vec<Value>,
    },
    /// The variant index of an enum value, as an `int`.
    EnumTag(Value),
    /// A payload value of an enum value known to hold `variant`.
    EnumField {
        value: Value,
        variant: u32,
        index: u32,
    },

    GlobalGet(GlobalId),
    /// The value becomes reachable from a global.
    GlobalSet(GlobalId, Value),

    Call {
        func: FuncId,
        args: Vec<Value>,
    },
    /// Runs `func(args)` on a new thread; the result is a `Thread` handle.
    Spawn {
        func: FuncId,
        args: Vec<Value>,
    },
    Join(Value),

    Print {
        newline: bool,
        args: Vec<Value>,
    },
    /// Renders a value to stderr; nothing escapes.
    Log(Value),
    /// Queues a value on the network outbox, which keeps it: it escapes.
    Send(Value),
    /// A new array of new strings (runtime-allocated, always on the heap).
    ListDir(Value),
    /// Opens the stream behind `for name in read_dir(path)`.
    DirOpen(Value),
    /// Advances the stream; `true` if there is another entry.
    DirNext(Value),
    /// The current entry's name, as a new string.
    DirName(Value),
    ClockNs,
    /// The frame arena's current position (an `int`), to come back to with
    /// `ArenaRelease`.
    ArenaMark,
    /// Frees everything allocated in the frame arena since the mark. The
    /// escape analysis places a mark at the header of a loop whose
    /// iterations keep nothing they allocate there, and a release on each
    /// of its back edges, so the loop runs in bounded memory.
    ArenaRelease(Value),
    /// Traps when false.
    Assert(Value),

    Jump(BlockCall),
    Branch {
        cond: Value,
        then_dest: BlockCall,
        else_dest: BlockCall,
    },
    Return(Option<Value>),
    /// Stops the program with the message (a runtime error).
    Panic(Value),
}

/// A branch target with the arguments for its block parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockCall {
    pub block: Block,
    pub args: Vec<Value>,
}

/// Where the objects of an allocation site live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Not decided yet: treated as the heap.
    Undecided,
    Heap,
    /// A stack slot of the function's frame.
    Stack,
    /// The thread's frame arena, released when the function returns.
    Arena,
}

/// What an `alloc` creates.
#[derive(Clone, Debug)]
pub enum AllocInit {
    /// A struct object with every field set.
    Struct { strukt: StructId, fields: Vec<Value> },
    /// An array with these elements.
    Array { elems: Vec<Value> },
    /// `[value; count]`; traps on a negative count.
    ArrayRepeat { value: Value, count: Value },
    /// String `+`.
    Concat(Value, Value),
    /// `substr(string, start, end)`; traps when out of bounds.
    Substr { string: Value, start: Value, end: Value },
    /// `str(x)` of an int, float or bool.
    Format(Value),
}

impl AllocInit {
    /// Whether objects of this kind with this storage take memory from the
    /// frame arena: arena objects, and the buffers of arrays and strings
    /// that stay in the frame (only a struct fits a stack slot whole).
    pub fn in_frame_arena(&self, storage: Storage) -> bool {
        match storage {
            Storage::Arena => true,
            Storage::Stack => !matches!(self, AllocInit::Struct { .. }),
            Storage::Heap | Storage::Undecided => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Ineg,
    Fneg,
    Not,
    /// `float(i)`.
    IntToFloat,
    /// `int(f)`: truncates toward zero (saturating; NaN gives 0).
    FloatToInt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// Wrapping; `Div` and `Rem` trap on a zero divisor.
    Int(ArithOp),
    Float(ArithOp),
    IntCmp(CmpOp),
    FloatCmp(CmpOp),
    /// By content, bytewise.
    StrCmp(CmpOp),
    BoolCmp(CmpOp),
    /// Identity; `==` and `!=` only.
    RefCmp(CmpOp),
}

/// One `match` serves both operand visitors: with default binding modes the
/// same patterns bind `&Value` or `&mut Value`.
macro_rules! visit_operands {
    ($kind:expr, $f:expr) => {{
        let mut f = $f;
        match $kind {
            InstKind::IntConst(_)
            | InstKind::FloatConst(_)
            | InstKind::BoolConst(_)
            | InstKind::StrConst(_)
            | InstKind::Nil
            | InstKind::GlobalGet(_)
            | InstKind::ClockNs
            | InstKind::ArenaMark
            | InstKind::Scalar(_)
            | InstKind::Return(None) => {}
            InstKind::Unary(_, v)
            | InstKind::ArrayLen(v)
            | InstKind::ArrayPop(v)
            | InstKind::StrLen(v)
            | InstKind::ParseInt(v)
            | InstKind::EnumTag(v)
            | InstKind::EnumField { value: v, .. }
            | InstKind::GlobalSet(_, v)
            | InstKind::Join(v)
            | InstKind::Log(v)
            | InstKind::Send(v)
            | InstKind::ListDir(v)
            | InstKind::DirOpen(v)
            | InstKind::DirNext(v)
            | InstKind::DirName(v)
            | InstKind::Assert(v)
            | InstKind::ArenaRelease(v)
            | InstKind::Return(Some(v))
            | InstKind::Panic(v)
            | InstKind::FieldGet { object: v, .. } => f(v),
            InstKind::Binary(_, a, b)
            | InstKind::FieldSet { object: a, value: b, .. }
            | InstKind::ArrayGet { array: a, index: b }
            | InstKind::ArrayPush { array: a, value: b, .. }
            | InstKind::ByteAt { string: a, index: b } => {
                f(a);
                f(b);
            }
            InstKind::ArraySet { array, index, value } => {
                f(array);
                f(index);
                f(value);
            }
            InstKind::Alloc { init, .. } => match init {
                AllocInit::Struct { fields: values, .. } | AllocInit::Array { elems: values } => {
                    for v in values {
                        f(v);
                    }
                }
                AllocInit::ArrayRepeat { value: a, count: b } | AllocInit::Concat(a, b) => {
                    f(a);
                    f(b);
                }
                AllocInit::Substr { string, start, end } => {
                    f(string);
                    f(start);
                    f(end);
                }
                AllocInit::Format(v) => f(v),
            },
            InstKind::EnumMake { payload: values, .. }
            | InstKind::Call { args: values, .. }
            | InstKind::Spawn { args: values, .. }
            | InstKind::Print { args: values, .. } => {
                for v in values {
                    f(v);
                }
            }
            InstKind::Jump(BlockCall { args, .. }) => {
                for v in args {
                    f(v);
                }
            }
            InstKind::Branch {
                cond,
                then_dest: BlockCall { args: then_args, .. },
                else_dest: BlockCall { args: else_args, .. },
            } => {
                f(cond);
                for v in then_args {
                    f(v);
                }
                for v in else_args {
                    f(v);
                }
            }
        }
    }};
}

impl InstKind {
    /// Whether this instruction takes memory from the frame arena.
    pub fn uses_frame_arena(&self) -> bool {
        match self {
            InstKind::Alloc { storage, init, .. } => init.in_frame_arena(*storage),
            InstKind::ArrayPush { grow, .. } => *grow == Storage::Arena,
            _ => false,
        }
    }

    pub fn is_terminator(&self) -> bool {
        matches!(self, InstKind::Jump(_) | InstKind::Branch { .. } | InstKind::Return(_) | InstKind::Panic(_))
    }

    /// The blocks this terminator may transfer control to, with arguments.
    pub fn destinations(&self) -> impl Iterator<Item = &BlockCall> {
        let pair = match self {
            InstKind::Jump(dest) => [Some(dest), None],
            InstKind::Branch { then_dest, else_dest, .. } => [Some(then_dest), Some(else_dest)],
            _ => [None, None],
        };
        pair.into_iter().flatten()
    }

    pub fn destinations_mut(&mut self) -> impl Iterator<Item = &mut BlockCall> {
        let pair = match self {
            InstKind::Jump(dest) => [Some(dest), None],
            InstKind::Branch { then_dest, else_dest, .. } => [Some(then_dest), Some(else_dest)],
            _ => [None, None],
        };
        pair.into_iter().flatten()
    }

    /// Calls `f` on every value the instruction uses, branch arguments
    /// included, in operand order.
    pub fn for_each_operand(&self, mut f: impl FnMut(Value)) {
        visit_operands!(self, |v: &Value| f(*v));
    }

    /// Lets `f` rewrite every value the instruction uses.
    pub fn for_each_operand_mut(&mut self, mut f: impl FnMut(&mut Value)) {
        visit_operands!(self, |v: &mut Value| f(v));
    }

    /// The operands, collected.
    pub fn operands(&self) -> Vec<Value> {
        let mut out = Vec::new();
        self.for_each_operand(|v| out.push(v));
        out
    }
}
