//! The generated program's types: a few structs (always a linked `Node`,
//! often a binary `Tree`, plus random records) and one or two enums, and the
//! generator's refinement of Berth's types with nullability.
//!
//! Nullability is the generator's own bookkeeping, not Berth's: a
//! `Ty::Struct(id, true)` value is never `nil`, so its fields may be read
//! without a check. The invariants that keep it true:
//! - array elements and enum payloads of struct type are always non-nil;
//! - a non-nil struct field only points at an *earlier* struct, so a minimal
//!   literal of any struct exists (no infinite construction);
//! - every enum's first variant has only scalar payloads (its minimal value).

use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    /// A struct reference; the flag says "never nil".
    Struct(usize, bool),
    /// Arrays are never nil; struct elements are never nil (see `Ty::array`).
    Array(Box<Ty>),
    Enum(usize),
    Thread,
}

impl Ty {
    /// `[elem]`, with the elements normalised to non-nil.
    pub fn array(elem: Ty) -> Ty {
        Ty::Array(Box::new(elem.nonnull()))
    }

    pub fn nonnull(self) -> Ty {
        match self {
            Ty::Struct(i, _) => Ty::Struct(i, true),
            t => t,
        }
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Bool | Ty::Str)
    }

    /// Can a value of type `src` be stored where `self` is expected?
    pub fn accepts(&self, src: &Ty) -> bool {
        match (self, src) {
            (Ty::Struct(a, need_nn), Ty::Struct(b, is_nn)) => a == b && (!need_nn || *is_nn),
            _ => self == src,
        }
    }

    /// Same Berth type, ignoring nullability.
    pub fn same_berth(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Struct(a, _), Ty::Struct(b, _)) => a == b,
            _ => self == other,
        }
    }
}

pub struct Field {
    pub name: String,
    pub ty: Ty,
}

pub struct StructDef {
    pub name: String,
    pub fields: Vec<Field>,
}

pub struct Variant {
    pub name: String,
    pub payload: Vec<Ty>,
}

pub struct EnumDef {
    pub name: String,
    pub variants: Vec<Variant>,
}

/// The deepest a walker (`ck_*`) is ever asked to go.
pub const MAX_WALK_DEPTH: usize = 5;
/// How many elements an array walker visits.
pub const WALK_ELEMS: u64 = 6;

pub struct Types {
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    /// Index of `Node` (fields `val: int`, `next: Node`).
    pub node: usize,
    /// Index of `Tree` (fields `key: int`, `left: Tree`, `right: Tree`), if any.
    pub tree: Option<usize>,
    /// Element types arrays may have.
    pub elem_types: Vec<Ty>,
    /// `walk_cost[d]` for structs, then enums: calls made by `ck_X(v, d)`.
    struct_cost: Vec<[u64; MAX_WALK_DEPTH + 1]>,
    enum_cost: Vec<[u64; MAX_WALK_DEPTH + 1]>,
    /// Structs whose objects `log` may render without exponential blow-up.
    log_safe_struct: Vec<bool>,
}

const RECORD_NAMES: [&str; 8] = ["Box", "Item", "Pair", "Job", "Cell", "Bag", "Entry", "Slot"];
const ENUM_NAMES: [&str; 4] = ["Kind", "Shape", "Token", "Event"];
const VARIANT_NAMES: [&str; 10] = ["Num", "Text", "Link", "Pair", "Flag", "Ratio", "Many", "Wrap", "Tag", "Blob"];
const EMPTY_NAMES: [&str; 4] = ["Empty", "Zero", "Idle", "Missing"];
const FIELD_NAMES: [&str; 16] = [
    "id", "name", "count", "weight", "flag", "kind", "item", "items", "label", "score", "owner", "parts", "data",
    "link", "extra", "tags",
];

impl Types {
    pub fn generate(rng: &mut Rng) -> Types {
        let mut structs = vec![StructDef { name: "Node".into(), fields: vec![] }];
        let tree = if rng.chance(60) {
            structs.push(StructDef { name: "Tree".into(), fields: vec![] });
            Some(1)
        } else {
            None
        };
        let mut names = RECORD_NAMES.to_vec();
        rng.shuffle(&mut names);
        for name in names.iter().take(1 + rng.index(2)) {
            structs.push(StructDef { name: (*name).into(), fields: vec![] });
        }
        let mut enum_names = ENUM_NAMES.to_vec();
        rng.shuffle(&mut enum_names);
        let n_enums = 1 + rng.index(2);
        let nstructs = structs.len();

        // Enums: a scalar-only first variant, then payload variants.
        let mut enums = vec![];
        for name in enum_names.iter().take(n_enums) {
            let mut vnames = VARIANT_NAMES.to_vec();
            rng.shuffle(&mut vnames);
            let mut variants = vec![];
            if rng.chance(60) {
                variants.push(Variant { name: (*rng.pick(&EMPTY_NAMES)).into(), payload: vec![] });
            } else {
                let t = rng.pick(&[Ty::Int, Ty::Str, Ty::Float]).clone();
                variants.push(Variant { name: vnames.pop().unwrap().into(), payload: vec![t] });
            }
            for _ in 0..1 + rng.index(3) {
                let mut payload = vec![];
                for _ in 0..1 + rng.index(2) {
                    payload.push(match rng.weighted(&[3, 2, 1, 1, 4, 1]) {
                        0 => Ty::Int,
                        1 => Ty::Str,
                        2 => Ty::Float,
                        3 => Ty::Bool,
                        4 => Ty::Struct(rng.index(nstructs), true),
                        _ => Ty::array(if rng.chance(50) { Ty::Int } else { Ty::Struct(rng.index(nstructs), true) }),
                    });
                }
                variants.push(Variant { name: vnames.pop().unwrap().into(), payload });
            }
            enums.push(EnumDef { name: (*name).into(), variants });
        }

        // Arrays hold ints and one to three other element types.
        let mut others = vec![Ty::Str, Ty::Float];
        others.extend((0..nstructs).map(|i| Ty::Struct(i, true)));
        others.extend((0..n_enums).map(Ty::Enum));
        rng.shuffle(&mut others);
        others.truncate(1 + rng.index(3));
        let mut elem_types = vec![Ty::Int];
        elem_types.extend(others);
        let random_field = |rng: &mut Rng, me: usize| -> Ty {
            match rng.weighted(&[3, 2, 1, 1, 2, 3, 2, 3]) {
                0 => Ty::Int,
                1 => Ty::Str,
                2 => Ty::Float,
                3 => Ty::Bool,
                4 => Ty::Enum(rng.index(n_enums)),
                5 => Ty::Struct(rng.index(nstructs), false),
                6 if me > 0 => Ty::Struct(rng.index(me), true),
                6 => Ty::Int,
                _ => Ty::array(rng.pick(&elem_types).clone()),
            }
        };
        for (i, st) in structs.iter_mut().enumerate() {
            let mut fields = vec![];
            let mut fnames = FIELD_NAMES.to_vec();
            rng.shuffle(&mut fnames);
            match (i, tree) {
                (0, _) => {
                    fields.push(Field { name: "val".into(), ty: Ty::Int });
                    fields.push(Field { name: "next".into(), ty: Ty::Struct(0, false) });
                    for _ in 0..rng.index(3) {
                        fields.push(Field { name: fnames.pop().unwrap().into(), ty: random_field(rng, i) });
                    }
                }
                (1, Some(1)) => {
                    fields.push(Field { name: "key".into(), ty: Ty::Int });
                    fields.push(Field { name: "left".into(), ty: Ty::Struct(1, false) });
                    fields.push(Field { name: "right".into(), ty: Ty::Struct(1, false) });
                    for _ in 0..rng.index(2) {
                        fields.push(Field { name: fnames.pop().unwrap().into(), ty: random_field(rng, i) });
                    }
                }
                _ => {
                    // Every record has an int field first (workers count into it).
                    fields.push(Field { name: fnames.pop().unwrap().into(), ty: Ty::Int });
                    for _ in 0..1 + rng.index(4) {
                        fields.push(Field { name: fnames.pop().unwrap().into(), ty: random_field(rng, i) });
                    }
                    rng.shuffle(&mut fields);
                }
            }
            st.fields = fields;
        }
        let mut types = Types {
            structs,
            enums,
            node: 0,
            tree,
            elem_types,
            struct_cost: vec![],
            enum_cost: vec![],
            log_safe_struct: vec![],
        };
        types.compute_walk_costs();
        types.compute_log_safety();
        types
    }

    /// Berth spelling of a type.
    pub fn name(&self, ty: &Ty) -> String {
        match ty {
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Str => "str".into(),
            Ty::Struct(i, _) => self.structs[*i].name.clone(),
            Ty::Array(e) => format!("[{}]", self.name(e)),
            Ty::Enum(i) => self.enums[*i].name.clone(),
            Ty::Thread => "Thread".into(),
        }
    }

    /// A suffix naming a type in helper names: `Node`, `int`, `Kind`.
    pub fn tag(&self, ty: &Ty) -> String {
        match ty {
            Ty::Array(e) => format!("a{}", self.tag(e)),
            _ => self.name(ty),
        }
    }

    /// Values of this type reach no mutable object: they may be shared
    /// freely (with threads, the outbox, anyone).
    pub fn is_value(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Int | Ty::Float | Ty::Bool | Ty::Str => true,
            Ty::Enum(e) => self.enums[*e].variants.iter().all(|v| v.payload.iter().all(|p| p.is_scalar())),
            _ => false,
        }
    }

    /// The struct fields that point back to the same struct (list/tree links).
    pub fn self_links(&self, s: usize) -> Vec<&Field> {
        self.structs[s].fields.iter().filter(|f| f.ty == Ty::Struct(s, false)).collect()
    }

    /// Number of walker calls `ck(v, d)` makes at most, for budgeting.
    pub fn walk_cost(&self, ty: &Ty, d: usize) -> u64 {
        let d = d.min(MAX_WALK_DEPTH);
        match ty {
            Ty::Struct(i, _) => self.struct_cost[*i][d],
            Ty::Enum(i) => self.enum_cost[*i][d],
            Ty::Array(e) => {
                if d == 0 {
                    1
                } else {
                    1 + WALK_ELEMS * self.walk_cost(e, d - 1)
                }
            }
            _ => 1,
        }
    }

    fn compute_walk_costs(&mut self) {
        self.struct_cost = vec![[1; MAX_WALK_DEPTH + 1]; self.structs.len()];
        self.enum_cost = vec![[1; MAX_WALK_DEPTH + 1]; self.enums.len()];
        for d in 1..=MAX_WALK_DEPTH {
            for i in 0..self.structs.len() {
                let c: u64 = self.structs[i].fields.iter().map(|f| self.walk_cost(&f.ty, d - 1)).sum();
                self.struct_cost[i][d] = 1 + c;
            }
            for i in 0..self.enums.len() {
                let c = self.enums[i]
                    .variants
                    .iter()
                    .map(|v| v.payload.iter().map(|p| self.walk_cost(p, d - 1)).sum::<u64>())
                    .max()
                    .unwrap_or(0);
                self.enum_cost[i][d] = 1 + c;
            }
        }
    }

    /// Struct types directly reachable from a type (through fields, elements, payloads), with multiplicity.
    fn struct_edges(&self, ty: &Ty, out: &mut Vec<usize>) {
        match ty {
            Ty::Struct(i, _) => out.push(*i),
            Ty::Array(e) => {
                // An array holds many: count it twice.
                self.struct_edges(e, out);
                self.struct_edges(e, out);
            }
            Ty::Enum(i) => {
                let mut best = vec![];
                for v in &self.enums[*i].variants {
                    let mut o = vec![];
                    for p in &v.payload {
                        self.struct_edges(p, &mut o);
                    }
                    if o.len() > best.len() {
                        best = o;
                    }
                }
                out.extend(best);
            }
            _ => {}
        }
    }

    /// `log(x)` renders shared objects once per path; a struct that lies on a
    /// type cycle and has two or more edges back into that cycle can make the
    /// rendering exponential. Such structs (and anything reaching them) are
    /// never logged.
    fn compute_log_safety(&mut self) {
        let n = self.structs.len();
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                let mut o = vec![];
                for f in &self.structs[i].fields {
                    self.struct_edges(&f.ty, &mut o);
                }
                o
            })
            .collect();
        // reach[i][j]: j reachable from i in one or more steps.
        let mut reach = vec![vec![false; n]; n];
        for i in 0..n {
            for &j in &edges[i] {
                reach[i][j] = true;
            }
        }
        for k in 0..n {
            for i in 0..n {
                if reach[i][k] {
                    let via = reach[k].clone();
                    for (to, &r) in reach[i].iter_mut().zip(&via) {
                        *to |= r;
                    }
                }
            }
        }
        let dangerous: Vec<bool> = (0..n)
            .map(|i| reach[i][i] && edges[i].iter().filter(|&&j| j == i || (reach[i][j] && reach[j][i])).count() >= 2)
            .collect();
        self.log_safe_struct = (0..n).map(|i| !dangerous[i] && !(0..n).any(|j| reach[i][j] && dangerous[j])).collect();
    }

    pub fn log_safe(&self, ty: &Ty) -> bool {
        let mut o = vec![];
        self.struct_edges(ty, &mut o);
        o.iter().all(|&i| self.log_safe_struct[i])
    }
}
