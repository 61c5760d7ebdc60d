//! The text of `log(x)` and of an outbox line: any value, objects with
//! their fields, through the type descriptors codegen emits.
//!
//! `Point { x: 1, y: 2 }`, `[1, 2]`, `Value::Int(3)`, `"text"`, `nil`,
//! `<thread>`; an object met again while it is being rendered is `<cycle>`.

use std::collections::HashSet;
use std::fmt::Write;

use berth_abi::{ItemDesc, TypeDesc, WORD, kind};

use crate::arrays::ArrayRef;
use crate::strings::{BerthStr, format_float};

/// Renders the value whose words start at `words`.
///
/// # Safety
/// `desc` must describe the value at `words`, and every object reachable
/// from it must be live.
pub unsafe fn render(desc: *const TypeDesc, words: *const u64) -> String {
    let mut out = String::new();
    let mut path = HashSet::new();
    // SAFETY: forwarded from the caller.
    unsafe { render_into(&mut out, &mut path, &*desc, words) };
    out
}

fn name(ptr: *const u8, len: u64) -> &'static str {
    // SAFETY: descriptors hold UTF-8 names emitted by the compiler, which
    // live as long as the program.
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len as usize)) }
}

fn items(desc: &TypeDesc) -> &[ItemDesc] {
    if desc.item_count == 0 {
        return &[];
    }
    // SAFETY: `items` points at `item_count` descriptors.
    unsafe { std::slice::from_raw_parts(desc.items, desc.item_count as usize) }
}

fn item_types(item: &ItemDesc) -> &[*const TypeDesc] {
    if item.type_count == 0 {
        return &[];
    }
    // SAFETY: `types` points at `type_count` descriptor pointers.
    unsafe { std::slice::from_raw_parts(item.types, item.type_count as usize) }
}

/// # Safety
/// As for [`render`]; `path` holds the objects being rendered.
unsafe fn render_into(out: &mut String, path: &mut HashSet<u64>, desc: &TypeDesc, words: *const u64) {
    // SAFETY (for the reads below): `words` points at `desc.words` words.
    let word = |i: usize| unsafe { *words.add(i) };
    match desc.kind {
        kind::INT => {
            let _ = write!(out, "{}", word(0) as i64);
        }
        kind::FLOAT => out.push_str(&format_float(f64::from_bits(word(0)))),
        kind::BOOL => out.push_str(if word(0) as u8 != 0 { "true" } else { "false" }),
        kind::STR => out.push_str(&quote(BerthStr::from_words(word(0), word(1)).bytes())),
        kind::THREAD => out.push_str("<thread>"),
        kind::NIL => out.push_str("nil"),
        kind::STRUCT | kind::ARRAY => {
            let object = word(0);
            if object == 0 {
                out.push_str("nil");
            } else if !path.insert(object) {
                out.push_str("<cycle>");
            } else {
                // SAFETY: a non-nil reference of this type is a live object.
                unsafe {
                    if desc.kind == kind::STRUCT {
                        render_struct(out, path, desc, object)
                    } else {
                        render_array(out, path, desc, object)
                    }
                };
                path.remove(&object);
            }
        }
        kind::ENUM => {
            let tag = word(0) as usize;
            let Some(variant) = items(desc).get(tag) else {
                out.push_str("<bad enum>");
                return;
            };
            let _ = write!(out, "{}::{}", name(desc.name, desc.name_len), name(variant.name, variant.name_len));
            let types = item_types(variant);
            if !types.is_empty() {
                out.push('(');
                let mut offset = 1;
                for (i, &t) in types.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    // SAFETY: the payload's words follow the tag in order.
                    unsafe {
                        render_into(out, path, &*t, words.add(offset));
                        offset += (*t).words as usize;
                    }
                }
                out.push(')');
            }
        }
        _ => out.push_str("<unknown>"),
    }
}

/// # Safety
/// `object` is a live struct described by `desc`.
unsafe fn render_struct(out: &mut String, path: &mut HashSet<u64>, desc: &TypeDesc, object: u64) {
    let fields = items(desc);
    let _ = write!(out, "{} {{", name(desc.name, desc.name_len));
    for (i, field) in fields.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        let _ = write!(out, "{}: ", name(field.name, field.name_len));
        let types = item_types(field);
        // SAFETY: the field's words are at its offset in the object.
        unsafe { render_into(out, path, &*types[0], (object + field.offset) as *const u64) };
    }
    out.push_str(if fields.is_empty() { "}" } else { " }" });
}

/// # Safety
/// `object` is a live array described by `desc`.
unsafe fn render_array(out: &mut String, path: &mut HashSet<u64>, desc: &TypeDesc, object: u64) {
    let array = ArrayRef(object as usize);
    // SAFETY: an array descriptor has its element type.
    let elem = unsafe { &*desc.elem };
    out.push('[');
    for i in 0..array.len() {
        if i > 0 {
            out.push_str(", ");
        }
        let at = array.data() + i * elem.words as usize * WORD as usize;
        // SAFETY: element `i` is within the buffer.
        unsafe { render_into(out, path, elem, at as *const u64) };
    }
    out.push(']');
}

/// A string as a quoted literal: `"a\"b\n"`.
pub fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
