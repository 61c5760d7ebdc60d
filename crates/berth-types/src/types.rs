//! Types, interned: every distinct type has one [`TypeId`], so comparing
//! types is comparing integers.

use std::collections::HashMap;
use std::fmt;

use cranelift_entity::{PrimaryMap, entity_impl};

/// An interned type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(u32);
entity_impl!(TypeId, "type");

/// A struct declaration; its fields are in [`crate::hir::Program::structs`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId(u32);
entity_impl!(StructId, "struct");

/// An enum declaration; its variants are in [`crate::hir::Program::enums`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(u32);
entity_impl!(EnumId, "enum");

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Ty {
    /// The type of an expression that failed to check; compatible with
    /// everything so one mistake is reported once.
    Error,
    /// What a function without `-> T` returns; not a value.
    Unit,
    /// The type of the `nil` literal before context gives it a reference type.
    Nil,
    Int,
    Float,
    Bool,
    Str,
    Thread,
    /// The stream behind `for name in read_dir(path)`; never written by users.
    DirStream,
    Struct(StructId),
    Enum(EnumId),
    Array(TypeId),
}

/// Every type of one program, and the names of its structs and enums.
#[derive(Clone, Debug)]
pub struct TypeTable {
    types: PrimaryMap<TypeId, Ty>,
    ids: HashMap<Ty, TypeId>,
    struct_names: PrimaryMap<StructId, String>,
    enum_names: PrimaryMap<EnumId, String>,
}

impl Default for TypeId {
    /// Unknown until set.
    fn default() -> TypeId {
        TypeId::ERROR
    }
}

impl TypeId {
    pub const ERROR: TypeId = TypeId(0);
    pub const UNIT: TypeId = TypeId(1);
    pub const NIL: TypeId = TypeId(2);
    pub const INT: TypeId = TypeId(3);
    pub const FLOAT: TypeId = TypeId(4);
    pub const BOOL: TypeId = TypeId(5);
    pub const STR: TypeId = TypeId(6);
    pub const THREAD: TypeId = TypeId(7);
    pub const DIR_STREAM: TypeId = TypeId(8);
}

impl Default for TypeTable {
    fn default() -> Self {
        let mut table = TypeTable {
            types: PrimaryMap::new(),
            ids: HashMap::new(),
            struct_names: PrimaryMap::new(),
            enum_names: PrimaryMap::new(),
        };
        // Interned in the order of the `TypeId` constants above.
        for ty in [Ty::Error, Ty::Unit, Ty::Nil, Ty::Int, Ty::Float, Ty::Bool, Ty::Str, Ty::Thread, Ty::DirStream] {
            table.intern(ty);
        }
        table
    }
}

impl TypeTable {
    pub fn intern(&mut self, ty: Ty) -> TypeId {
        if let Some(&id) = self.ids.get(&ty) {
            return id;
        }
        let id = self.types.push(ty);
        self.ids.insert(ty, id);
        id
    }

    /// The id of a type already interned.
    pub fn lookup(&self, ty: Ty) -> Option<TypeId> {
        self.ids.get(&ty).copied()
    }

    pub fn array_of(&mut self, elem: TypeId) -> TypeId {
        self.intern(Ty::Array(elem))
    }

    pub fn declare_struct(&mut self, name: &str) -> (StructId, TypeId) {
        let id = self.struct_names.push(name.to_string());
        (id, self.intern(Ty::Struct(id)))
    }

    pub fn declare_enum(&mut self, name: &str) -> (EnumId, TypeId) {
        let id = self.enum_names.push(name.to_string());
        (id, self.intern(Ty::Enum(id)))
    }

    pub fn get(&self, id: TypeId) -> Ty {
        self.types[id]
    }

    pub fn struct_name(&self, id: StructId) -> &str {
        &self.struct_names[id]
    }

    pub fn enum_name(&self, id: EnumId) -> &str {
        &self.enum_names[id]
    }

    /// The element type, if `id` is an array type.
    pub fn element(&self, id: TypeId) -> Option<TypeId> {
        match self.get(id) {
            Ty::Array(elem) => Some(elem),
            _ => None,
        }
    }

    /// Struct and array types: references to objects, which may be `nil`.
    pub fn is_reference(&self, id: TypeId) -> bool {
        matches!(self.get(id), Ty::Struct(_) | Ty::Array(_))
    }

    /// Whether a value of type `from` may be stored where `to` is expected.
    pub fn assignable(&self, from: TypeId, to: TypeId) -> bool {
        from == to || from == TypeId::ERROR || to == TypeId::ERROR || (from == TypeId::NIL && self.is_reference(to))
    }

    /// The type as written in Berth source (`[Point]`), for messages and the
    /// IR printer.
    pub fn display(&self, id: TypeId) -> DisplayType<'_> {
        DisplayType { table: self, id }
    }
}

pub struct DisplayType<'a> {
    table: &'a TypeTable,
    id: TypeId,
}

impl fmt::Display for DisplayType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table.get(self.id) {
            Ty::Error => f.write_str("{unknown}"),
            Ty::Unit => f.write_str("()"),
            Ty::Nil => f.write_str("nil"),
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::Bool => f.write_str("bool"),
            Ty::Str => f.write_str("str"),
            Ty::Thread => f.write_str("Thread"),
            Ty::DirStream => f.write_str("dirstream"),
            Ty::Struct(s) => f.write_str(self.table.struct_name(s)),
            Ty::Enum(e) => f.write_str(self.table.enum_name(e)),
            Ty::Array(elem) => write!(f, "[{}]", self.table.display(elem)),
        }
    }
}
