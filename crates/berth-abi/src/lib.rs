//! The one place where generated code and the runtime agree on memory.
//!
//! `berth-codegen` emits code that reads and writes objects with these
//! offsets and calls runtime functions by these names; `berth-runtime`
//! implements the functions and lays objects out the same way. Neither
//! depends on the other.
//!
//! # Values
//!
//! | Berth type | words | representation |
//! |---|---|---|
//! | `int`, `float` | 1 | i64, f64 |
//! | `bool` | 1 | 0 or 1 (a byte in registers, a word in memory) |
//! | `str` | 2 | see [`str`] |
//! | struct, array, `Thread` | 1 | pointer, 0 for `nil` |
//! | enum | 1 + largest payload | tag word, then the variant's payload words |
//!
//! # Objects
//!
//! Every heap, stack or arena object starts with one header word: the type
//! id in the low 32 bits ([`type_id`]), flags above. Struct fields follow,
//! each in as many 8-byte words as its type needs, in declaration order.
//! Arrays are a fixed object ([`array`]) pointing at a separately allocated
//! element buffer, so the array object never moves when it grows.

/// Bytes in a word; every field slot is a whole number of words.
pub const WORD: i32 = 8;

/// Bytes of the header word that starts every object.
pub const HEADER: i32 = 8;

/// The byte freed frame memory (arena and stack slots) is filled with under
/// `BERTH_POISON=1`: a pointer made of it is not a valid address.
pub const POISON_BYTE: u8 = 0xDB;

/// Type ids in object headers. Structs are numbered from [`FIRST_STRUCT`]
/// in declaration order.
pub mod type_id {
    pub const ARRAY: u32 = 1;
    pub const ARRAY_BUFFER: u32 = 2;
    pub const STRING_BUFFER: u32 = 3;
    /// The record that carries a spawned call's arguments.
    pub const SPAWN_ARGS: u32 = 4;
    pub const FIRST_STRUCT: u32 = 16;
}

/// The array object: `[header][length][capacity][buffer]`; the buffer is
/// `[header][elements...]`, each element the element type's words.
pub mod array {
    pub const LEN: i32 = 8;
    pub const CAP: i32 = 16;
    pub const BUF: i32 = 24;
    pub const SIZE: i32 = 32;
    /// Offset of the first element in the element buffer.
    pub const DATA: i32 = super::HEADER;
}

/// Strings are 16-byte values in two words `(w0, w1)`.
///
/// - Inline (up to [`INLINE_MAX`] bytes): the bytes are stored from byte 0
///   of `w0` on (little-endian), and byte 15 (the top byte of `w1`) holds the
///   length.
/// - On the heap: `w0` points at a string buffer object
///   (`[header][bytes...]`), and `w1` is the length with [`HEAP_FLAG`] set.
///
/// So the top bit of `w1` says which; the empty string is `(0, 0)`.
pub mod str {
    pub const INLINE_MAX: usize = 15;
    pub const HEAP_FLAG: u64 = 1 << 63;
    /// Offset of the bytes in a string buffer object.
    pub const DATA: i32 = super::HEADER;
}

/// The thread context: generated code receives a pointer to it as the
/// hidden first argument of every Berth function (cranelift-jit has no
/// thread-local storage). Offsets of the fields generated code touches.
pub mod context {
    /// Next free byte of the thread's frame arena.
    pub const ARENA_TOP: i32 = 0;
    /// End of the arena's current chunk.
    pub const ARENA_END: i32 = 8;
    /// Lowest stack address a Berth function may use before it reports a
    /// stack overflow.
    pub const STACK_LIMIT: i32 = 16;
    /// Count of objects placed in stack slots (for `--stats`); generated
    /// code increments it.
    pub const STACK_OBJECTS: i32 = 24;
    /// Objects created without memory by scalar replacement and not (yet)
    /// materialised (for `--stats`): generated code adds one where a
    /// virtual object is created and takes one off where it is
    /// materialised.
    pub const SCALAR_OBJECTS: i32 = 32;
    /// Non-zero under `BERTH_POISON=1`: a returning function fills its
    /// stack slots with a poison pattern.
    pub const POISON: i32 = 40;
}

/// The runtime errors generated code raises, passed to
/// [`symbols::ERROR`] with the position of the failing expression.
pub mod error {
    pub const NIL: u32 = 1;
    /// Detail: the index and the length.
    pub const INDEX: u32 = 2;
    pub const DIVISION_BY_ZERO: u32 = 3;
    pub const ASSERT: u32 = 4;
    pub const STACK_OVERFLOW: u32 = 5;
    /// Detail: the negative count.
    pub const NEGATIVE_LENGTH: u32 = 6;
    pub const POP_EMPTY: u32 = 7;
}

/// A type descriptor, emitted by codegen as read-only data for every type
/// a `log`, `send` or the collector needs to walk: how to render a value
/// and where its references are.
#[repr(C)]
pub struct TypeDesc {
    /// One of [`kind`].
    pub kind: u64,
    /// Struct or enum name (UTF-8, not terminated).
    pub name: *const u8,
    pub name_len: u64,
    /// Words a value of this type takes (an enum's tag included).
    pub words: u64,
    /// Struct fields or enum variants.
    pub items: *const ItemDesc,
    pub item_count: u64,
    /// The element type of an array.
    pub elem: *const TypeDesc,
}

/// A struct field or an enum variant.
#[repr(C)]
pub struct ItemDesc {
    pub name: *const u8,
    pub name_len: u64,
    /// Field: its offset in the object in bytes. Variant: unused.
    pub offset: u64,
    /// Field: one type. Variant: the payload types, in order.
    pub types: *const *const TypeDesc,
    pub type_count: u64,
}

/// Byte offsets of [`TypeDesc`] and [`ItemDesc`] fields, for the code that
/// emits them as data.
pub mod desc {
    use std::mem::{offset_of, size_of};

    use super::{ItemDesc, TypeDesc};

    pub const TYPE_KIND: usize = offset_of!(TypeDesc, kind);
    pub const TYPE_NAME: usize = offset_of!(TypeDesc, name);
    pub const TYPE_NAME_LEN: usize = offset_of!(TypeDesc, name_len);
    pub const TYPE_WORDS: usize = offset_of!(TypeDesc, words);
    pub const TYPE_ITEMS: usize = offset_of!(TypeDesc, items);
    pub const TYPE_ITEM_COUNT: usize = offset_of!(TypeDesc, item_count);
    pub const TYPE_ELEM: usize = offset_of!(TypeDesc, elem);
    pub const TYPE_SIZE: usize = size_of::<TypeDesc>();

    pub const ITEM_NAME: usize = offset_of!(ItemDesc, name);
    pub const ITEM_NAME_LEN: usize = offset_of!(ItemDesc, name_len);
    pub const ITEM_OFFSET: usize = offset_of!(ItemDesc, offset);
    pub const ITEM_TYPES: usize = offset_of!(ItemDesc, types);
    pub const ITEM_TYPE_COUNT: usize = offset_of!(ItemDesc, type_count);
    pub const ITEM_SIZE: usize = size_of::<ItemDesc>();

    pub const PROGRAM_INIT: usize = std::mem::offset_of!(super::ProgramInfo, init);
    pub const PROGRAM_MAIN: usize = std::mem::offset_of!(super::ProgramInfo, main);
    pub const PROGRAM_FILE: usize = std::mem::offset_of!(super::ProgramInfo, file);
    pub const PROGRAM_FILE_LEN: usize = std::mem::offset_of!(super::ProgramInfo, file_len);
    pub const PROGRAM_SIZE: usize = std::mem::size_of::<super::ProgramInfo>();
}

pub mod kind {
    pub const INT: u64 = 1;
    pub const FLOAT: u64 = 2;
    pub const BOOL: u64 = 3;
    pub const STR: u64 = 4;
    pub const STRUCT: u64 = 5;
    pub const ARRAY: u64 = 6;
    pub const ENUM: u64 = 7;
    pub const THREAD: u64 = 8;
    pub const NIL: u64 = 9;
}

/// What generated code needs to start a program: emitted by codegen (as
/// the exported data object [`symbols::PROGRAM`] in a standalone build),
/// read by the runtime's entry point.
#[repr(C)]
pub struct ProgramInfo {
    /// `fn(ctx)`: initialises the globals.
    pub init: *const u8,
    /// `fn(ctx)`: the program's `main`.
    pub main: *const u8,
    /// The source file's name as given to the compiler, for error messages.
    pub file: *const u8,
    pub file_len: u64,
}

/// Names of the runtime's functions, as generated code imports them. All
/// take the thread context first unless noted.
pub mod symbols {
    /// The [`ProgramInfo`] data object of a standalone executable.
    pub const PROGRAM: &str = "berth_program";
    /// `(program) -> exit status` (no context): what the `main` generated
    /// into a standalone executable calls.
    pub const RUN_PROGRAM: &str = "berth_run_program";
    /// `(ctx, size, type_id) -> ptr`: a zeroed heap object with its header.
    pub const ALLOC: &str = "berth_alloc";
    /// `(ctx, size, type_id) -> ptr`: like `ALLOC`, in the frame arena.
    pub const ARENA_ALLOC: &str = "berth_arena_alloc";
    /// `(ctx, elem_words, len, in_arena) -> array`: an array of `len`
    /// zeroed elements.
    pub const ARRAY_NEW: &str = "berth_array_new";
    /// `(ctx, array, elem_words, in_arena) -> slot`: grows by one element,
    /// returns its address for the caller to store into.
    pub const ARRAY_PUSH: &str = "berth_array_push";
    /// `(kind, line, col, detail_a, detail_b) -> !` (no context).
    pub const ERROR: &str = "berth_error";
    /// `(line, col, msg_w0, msg_w1) -> !` (no context).
    pub const PANIC: &str = "berth_panic";
    /// `(ctx, a0, a1, b0, b1) -> (w0, w1)`.
    pub const STR_CONCAT: &str = "berth_str_concat";
    /// `(ctx, s0, s1, start, end, line, col) -> (w0, w1)`.
    pub const STR_SUBSTR: &str = "berth_str_substr";
    /// `(a0, a1, b0, b1) -> i64`: <0, 0, >0 (no context).
    pub const STR_CMP: &str = "berth_str_cmp";
    /// `(s0, s1, index, line, col) -> i64` (no context).
    pub const STR_BYTE_AT: &str = "berth_str_byte_at";
    /// `(s0, s1, line, col) -> i64` (no context).
    pub const PARSE_INT: &str = "berth_parse_int";
    /// `(ctx, i64) -> (w0, w1)`.
    pub const FORMAT_INT: &str = "berth_format_int";
    /// `(ctx, f64) -> (w0, w1)`.
    pub const FORMAT_FLOAT: &str = "berth_format_float";
    /// `(ctx, bool) -> (w0, w1)`.
    pub const FORMAT_BOOL: &str = "berth_format_bool";
    /// `(i64)`, `(f64)`, `(bool)`, `(w0, w1)`, `(newline: bool)` (no
    /// context). Values of one call are separated by spaces.
    pub const PRINT_INT: &str = "berth_print_int";
    pub const PRINT_FLOAT: &str = "berth_print_float";
    pub const PRINT_BOOL: &str = "berth_print_bool";
    pub const PRINT_STR: &str = "berth_print_str";
    pub const PRINT_END: &str = "berth_print_end";
    /// `(ctx, desc, value_words_ptr)`.
    pub const LOG: &str = "berth_log";
    pub const SEND: &str = "berth_send";
    /// `(ctx, entry, args_record) -> thread`; `entry(ctx, args_record)`
    /// unpacks the arguments and calls the spawned function.
    pub const SPAWN: &str = "berth_spawn";
    /// `(ctx, thread)`.
    pub const JOIN: &str = "berth_join";
    /// `(ctx, p0, p1) -> array of str`.
    pub const LIST_DIR: &str = "berth_list_dir";
    /// `(ctx, p0, p1) -> stream`; `(ctx, stream) -> bool`;
    /// `(ctx, stream) -> (w0, w1)`.
    pub const DIR_OPEN: &str = "berth_dir_open";
    pub const DIR_NEXT: &str = "berth_dir_next";
    pub const DIR_NAME: &str = "berth_dir_name";
    /// `() -> i64` (no context).
    pub const CLOCK_NS: &str = "berth_clock_ns";
    /// `(ctx) -> i64`: the arena position to restore on return;
    /// `(ctx, mark)`: restores it.
    pub const ARENA_MARK: &str = "berth_arena_mark";
    pub const ARENA_RELEASE: &str = "berth_arena_release";
    /// `(line, col) -> !` (no context).
    pub const STACK_OVERFLOW: &str = "berth_stack_overflow";
    /// `(a, b) -> f64` (no context): float remainder.
    pub const FMOD: &str = "berth_fmod";
}
