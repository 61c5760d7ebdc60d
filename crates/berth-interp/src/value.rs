//! Values as the interpreter holds them in registers, fields and elements.
//!
//! Structs and arrays are objects in the [`Heap`](crate::heap::Heap),
//! reached through an [`ObjRef`]. Strings are values of their own; a
//! string too long to be stored inline (over 15 bytes, as in the runtime)
//! also names the object standing for its buffer, so the oracle can follow
//! where buffers go. Enums are values that may hold references.

use std::rc::Rc;

use berth_types::EnumId;

/// A reference to an object: its slot in the heap and the slot's
/// generation when the object was made. A slot whose generation moved on
/// held an object that was released (a frame's stack slot or arena memory,
/// under the oracle), so using the reference is a use after release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjRef {
    pub slot: u32,
    pub generation: u32,
}

#[derive(Clone, Debug)]
pub enum Val {
    /// What an instruction without a result, or a global not yet set,
    /// holds; never read as anything else.
    Unit,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(Rc<Str>),
    /// A struct or array reference, `None` for `nil`.
    Ref(Option<ObjRef>),
    Enum(Rc<EnumVal>),
    /// A thread handle: an index into the machine's threads.
    Thread(u32),
    /// A `read_dir` stream: an index into the machine's open streams.
    Dir(u32),
}

// A register is two words, which the stack limit counts on.
const _: () = assert!(std::mem::size_of::<Val>() == 16);

#[derive(Debug)]
pub struct Str {
    pub bytes: Box<[u8]>,
    /// The object standing for the buffer of a string built at an
    /// allocation site, when the string does not fit inline.
    pub buffer: Option<ObjRef>,
}

#[derive(Debug)]
pub struct EnumVal {
    pub enum_id: EnumId,
    pub variant: u32,
    pub payload: Vec<Val>,
}

/// The most bytes a string keeps inline, without a buffer, as compiled
/// code does.
pub use berth_abi::str::INLINE_MAX;

impl Val {
    pub fn str(bytes: impl Into<Box<[u8]>>, buffer: Option<ObjRef>) -> Val {
        Val::Str(Rc::new(Str { bytes: bytes.into(), buffer }))
    }

    pub fn int(&self) -> i64 {
        match self {
            Val::Int(n) => *n,
            other => unreachable!("an int was expected, found {other:?}"),
        }
    }

    pub fn float(&self) -> f64 {
        match self {
            Val::Float(x) => *x,
            other => unreachable!("a float was expected, found {other:?}"),
        }
    }

    pub fn bool(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            other => unreachable!("a bool was expected, found {other:?}"),
        }
    }

    pub fn string(&self) -> &Rc<Str> {
        match self {
            Val::Str(s) => s,
            other => unreachable!("a string was expected, found {other:?}"),
        }
    }

    /// A struct or array reference (`None` for `nil`).
    pub fn reference(&self) -> Option<ObjRef> {
        match self {
            Val::Ref(r) => *r,
            other => unreachable!("a reference was expected, found {other:?}"),
        }
    }

    /// Calls `f` on every object this value refers to directly: a struct
    /// or array, a string's buffer, and those in an enum's payload.
    pub fn for_each_ref(&self, f: &mut impl FnMut(ObjRef)) {
        match self {
            Val::Ref(Some(r)) => f(*r),
            Val::Str(s) => {
                if let Some(b) = s.buffer {
                    f(b)
                }
            }
            Val::Enum(e) => e.payload.iter().for_each(|v| v.for_each_ref(f)),
            _ => {}
        }
    }
}
