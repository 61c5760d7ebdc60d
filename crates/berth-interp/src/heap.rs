//! Every object the interpreted program creates, in slots that carry a
//! generation. Without the oracle nothing is ever released (the language
//! frees nothing). Under the oracle, objects the compiler put in a frame
//! are released when the frame lets them go; their slots are reused, and a
//! stale [`ObjRef`] is caught instead of reading another object.

use berth_ir::AllocSite;
use berth_ir::instructions::Storage;
use berth_types::StructId;

use crate::value::{ObjRef, Val};

#[derive(Debug)]
pub enum ObjData {
    Struct {
        strukt: StructId,
        fields: Vec<Val>,
    },
    Array(Vec<Val>),
    /// A string's buffer: the bytes are in the string value; the object
    /// stands for where they live.
    Buffer,
}

#[derive(Debug)]
pub struct Object {
    pub data: ObjData,
    /// `None` for objects the runtime makes (`list_dir`'s results).
    pub site: Option<AllocSite>,
    pub storage: Storage,
    /// The depth of the frame that created the object (0 for the first
    /// frame of the program).
    pub depth: i32,
    /// The depth of the oldest frame the object has been reachable from;
    /// [`GLOBAL`](crate::oracle::GLOBAL) once a global, the outbox or a
    /// thread that outlives its spawner can reach it.
    pub reach: i32,
}

impl Object {
    /// Calls `f` on every object this one refers to.
    pub fn for_each_ref(&self, f: &mut impl FnMut(ObjRef)) {
        match &self.data {
            ObjData::Struct { fields: values, .. } | ObjData::Array(values) => {
                values.iter().for_each(|v| v.for_each_ref(f))
            }
            ObjData::Buffer => {}
        }
    }

    /// The object has become reachable from an older frame than its own.
    pub fn escaped(&self) -> bool {
        self.reach < self.depth
    }
}

struct Slot {
    generation: u32,
    object: Option<Object>,
}

#[derive(Default)]
pub struct Heap {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

/// A reference to a released object was used.
#[derive(Debug)]
pub struct Stale;

impl Heap {
    pub fn insert(&mut self, object: Object) -> ObjRef {
        if let Some(slot) = self.free.pop() {
            let s = &mut self.slots[slot as usize];
            s.object = Some(object);
            return ObjRef { slot, generation: s.generation };
        }
        self.slots.push(Slot { generation: 0, object: Some(object) });
        ObjRef { slot: self.slots.len() as u32 - 1, generation: 0 }
    }

    pub fn get(&self, r: ObjRef) -> Result<&Object, Stale> {
        let s = &self.slots[r.slot as usize];
        match &s.object {
            Some(object) if s.generation == r.generation => Ok(object),
            _ => Err(Stale),
        }
    }

    pub fn get_mut(&mut self, r: ObjRef) -> Result<&mut Object, Stale> {
        let s = &mut self.slots[r.slot as usize];
        match &mut s.object {
            Some(object) if s.generation == r.generation => Ok(object),
            _ => Err(Stale),
        }
    }

    /// Releases an object; its references become stale. Releasing one
    /// twice is harmless (a stack slot's object may have gone with an
    /// arena release already).
    pub fn release(&mut self, r: ObjRef) -> Option<Object> {
        let s = &mut self.slots[r.slot as usize];
        if s.generation != r.generation || s.object.is_none() {
            return None;
        }
        s.generation = s.generation.wrapping_add(1);
        self.free.push(r.slot);
        s.object.take()
    }
}
