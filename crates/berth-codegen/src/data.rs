//! Data the generated code refers to: long string literals, the storage of
//! globals, and type descriptors (for `log`, `send` and, later, the
//! collector).

use std::collections::HashMap;

use berth_abi::{HEADER, desc, kind, str as abi_str, type_id};
use berth_ir::Module as IrModule;
use berth_types::hir::GlobalId;
use berth_types::{Ty, TypeId};
use cranelift_module::{DataDescription, DataId, Linkage, Module, ModuleResult};

use crate::layout::Layouts;

/// The data objects of one compilation, declared on first use.
#[derive(Default)]
pub struct Data {
    strings: HashMap<String, DataId>,
    globals: HashMap<GlobalId, DataId>,
    descriptors: HashMap<TypeId, DataId>,
    /// Descriptors declared but not defined yet.
    pending: Vec<TypeId>,
    next: usize,
}

impl Data {
    fn name(&mut self, what: &str) -> String {
        self.next += 1;
        format!("berth.{what}.{}", self.next)
    }

    /// A read-only object of `bytes`.
    fn bytes<M: Module>(&mut self, module: &mut M, what: &str, bytes: Vec<u8>) -> ModuleResult<DataId> {
        let name = self.name(what);
        let id = module.declare_data(&name, Linkage::Local, false, false)?;
        let mut description = DataDescription::new();
        description.define(bytes.into_boxed_slice());
        description.set_align(8);
        module.define_data(id, &description)?;
        Ok(id)
    }

    /// A static string buffer object (header, then the bytes) for a literal
    /// too long to be inline.
    pub fn string<M: Module>(&mut self, module: &mut M, text: &str) -> ModuleResult<DataId> {
        if let Some(&id) = self.strings.get(text) {
            return Ok(id);
        }
        let mut bytes = u64::from(type_id::STRING_BUFFER).to_le_bytes().to_vec();
        bytes.extend_from_slice(text.as_bytes());
        debug_assert_eq!(abi_str::DATA, HEADER);
        let id = self.bytes(module, "str", bytes)?;
        self.strings.insert(text.to_string(), id);
        Ok(id)
    }

    /// The zero-initialised storage of a global.
    pub fn global<M: Module>(
        &mut self,
        module: &mut M,
        layouts: &Layouts,
        ir: &IrModule,
        g: GlobalId,
    ) -> ModuleResult<DataId> {
        if let Some(&id) = self.globals.get(&g) {
            return Ok(id);
        }
        let name = self.name(&format!("global.{}", ir.globals[g].name));
        let id = module.declare_data(&name, Linkage::Local, true, false)?;
        let mut description = DataDescription::new();
        description.define_zeroinit(8 * layouts.words(ir.globals[g].ty).max(1));
        description.set_align(8);
        module.define_data(id, &description)?;
        self.globals.insert(g, id);
        Ok(id)
    }

    /// The descriptor of a type, declared now and defined by
    /// [`Data::define_descriptors`].
    pub fn descriptor<M: Module>(&mut self, module: &mut M, ty: TypeId) -> ModuleResult<DataId> {
        if let Some(&id) = self.descriptors.get(&ty) {
            return Ok(id);
        }
        let name = self.name("type");
        let id = module.declare_data(&name, Linkage::Local, false, false)?;
        self.descriptors.insert(ty, id);
        self.pending.push(ty);
        Ok(id)
    }

    /// Defines every descriptor declared so far, and those they refer to.
    pub fn define_descriptors<M: Module>(
        &mut self,
        module: &mut M,
        layouts: &Layouts,
        ir: &IrModule,
    ) -> ModuleResult<()> {
        while let Some(ty) = self.pending.pop() {
            let id = self.descriptors[&ty];
            let description = self.describe(module, layouts, ir, ty)?;
            module.define_data(id, &description)?;
        }
        Ok(())
    }

    fn describe<M: Module>(
        &mut self,
        module: &mut M,
        layouts: &Layouts,
        ir: &IrModule,
        ty: TypeId,
    ) -> ModuleResult<DataDescription> {
        let mut bytes = vec![0u8; desc::TYPE_SIZE];
        let put = |bytes: &mut Vec<u8>, at: usize, value: u64| bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
        let mut description = DataDescription::new();
        let (type_kind, name, items): (u64, Option<String>, Option<DataId>) = match ir.types.get(ty) {
            Ty::Int => (kind::INT, None, None),
            Ty::Float => (kind::FLOAT, None, None),
            Ty::Bool => (kind::BOOL, None, None),
            Ty::Str => (kind::STR, None, None),
            Ty::Thread | Ty::DirStream => (kind::THREAD, None, None),
            Ty::Nil | Ty::Unit | Ty::Error => (kind::NIL, None, None),
            Ty::Array(elem) => {
                let elem_id = self.descriptor(module, elem)?;
                let gv = module.declare_data_in_data(elem_id, &mut description);
                description.write_data_addr(desc::TYPE_ELEM as u32, gv, 0);
                (kind::ARRAY, None, None)
            }
            Ty::Struct(s) => {
                let def = &ir.structs[s];
                let mut fields = Vec::new();
                for (i, f) in def.fields.iter().enumerate() {
                    let offset = layouts.field_offset(s, i as u32) as u64;
                    fields.push((f.name.clone(), offset, vec![f.ty]));
                }
                put(&mut bytes, desc::TYPE_ITEM_COUNT, fields.len() as u64);
                (kind::STRUCT, Some(def.name.clone()), Some(self.items(module, fields)?))
            }
            Ty::Enum(e) => {
                let def = &ir.enums[e];
                let variants: Vec<_> = def.variants.iter().map(|v| (v.name.clone(), 0, v.payload.clone())).collect();
                put(&mut bytes, desc::TYPE_ITEM_COUNT, variants.len() as u64);
                (kind::ENUM, Some(def.name.clone()), Some(self.items(module, variants)?))
            }
        };
        put(&mut bytes, desc::TYPE_KIND, type_kind);
        put(&mut bytes, desc::TYPE_WORDS, layouts.words(ty) as u64);
        if let Some(name) = name {
            put(&mut bytes, desc::TYPE_NAME_LEN, name.len() as u64);
            let name_id = self.bytes(module, "name", name.into_bytes())?;
            let gv = module.declare_data_in_data(name_id, &mut description);
            description.write_data_addr(desc::TYPE_NAME as u32, gv, 0);
        }
        if let Some(items) = items {
            let gv = module.declare_data_in_data(items, &mut description);
            description.write_data_addr(desc::TYPE_ITEMS as u32, gv, 0);
        }
        description.define(bytes.into_boxed_slice());
        description.set_align(8);
        Ok(description)
    }

    /// An array of item descriptors: (name, offset, types).
    fn items<M: Module>(&mut self, module: &mut M, items: Vec<(String, u64, Vec<TypeId>)>) -> ModuleResult<DataId> {
        let mut bytes = vec![0u8; desc::ITEM_SIZE * items.len().max(1)];
        let mut description = DataDescription::new();
        for (i, (name, offset, types)) in items.into_iter().enumerate() {
            let base = i * desc::ITEM_SIZE;
            bytes[base + desc::ITEM_NAME_LEN..][..8].copy_from_slice(&(name.len() as u64).to_le_bytes());
            bytes[base + desc::ITEM_OFFSET..][..8].copy_from_slice(&offset.to_le_bytes());
            bytes[base + desc::ITEM_TYPE_COUNT..][..8].copy_from_slice(&(types.len() as u64).to_le_bytes());
            let name_id = self.bytes(module, "name", name.into_bytes())?;
            let gv = module.declare_data_in_data(name_id, &mut description);
            description.write_data_addr((base + desc::ITEM_NAME) as u32, gv, 0);
            if !types.is_empty() {
                let list = self.type_list(module, &types)?;
                let gv = module.declare_data_in_data(list, &mut description);
                description.write_data_addr((base + desc::ITEM_TYPES) as u32, gv, 0);
            }
        }
        description.define(bytes.into_boxed_slice());
        description.set_align(8);
        let name = self.name("items");
        let id = module.declare_data(&name, Linkage::Local, false, false)?;
        module.define_data(id, &description)?;
        Ok(id)
    }

    /// An array of pointers to descriptors.
    fn type_list<M: Module>(&mut self, module: &mut M, types: &[TypeId]) -> ModuleResult<DataId> {
        let mut description = DataDescription::new();
        description.define(vec![0u8; 8 * types.len()].into_boxed_slice());
        description.set_align(8);
        for (i, &t) in types.iter().enumerate() {
            let target = self.descriptor(module, t)?;
            let gv = module.declare_data_in_data(target, &mut description);
            description.write_data_addr((8 * i) as u32, gv, 0);
        }
        let name = self.name("types");
        let id = module.declare_data(&name, Linkage::Local, false, false)?;
        module.define_data(id, &description)?;
        Ok(id)
    }
}
