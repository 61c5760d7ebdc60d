//! Back edges: checking what a loop header assumed about the objects its
//! loop carries, and passing the loop's values to the header's phis.

use std::collections::HashMap;

use berth_ir::{Block, Value};

use super::Constraint;
use super::merge::{Added, Edge, HeaderObjects, virtual_of};
use super::walk::{Obj, ObjState, Resolved, State, Walk};

impl Walk<'_> {
    /// Checks a block's edges back to loop headers against what the header
    /// assumed, and passes the loop's values to the header's phis.
    pub(super) fn back_edges(&mut self, block: Block, state: &State) -> Result<(), Constraint> {
        let Some(term) = self.func.terminator(block) else { return Ok(()) };
        let dests: Vec<(usize, Block)> =
            self.func.dfg.insts[term].kind.destinations().map(|d| d.block).enumerate().collect();
        for (dest, header) in dests {
            if !self.headers.contains_key(&header) {
                continue;
            }
            let mut edge = Edge { state: state.clone(), from: block, dest, split: None };
            let header_objs = std::mem::take(self.headers.get_mut(&header).expect("checked"));
            let result = self.back_edge(&mut edge, header, &header_objs);
            self.headers.insert(header, header_objs);
            result?;
        }
        Ok(())
    }

    pub(super) fn back_edge(&mut self, edge: &mut Edge, header: Block, h: &HeaderObjects) -> Result<(), Constraint> {
        let params = self.func.dfg.blocks[header].params.clone();
        let original_count = self.module.funcs[self.f].dfg.blocks[header].params.len();
        let args: Vec<Value> = self.edge_args(edge)[..original_count].to_vec();
        // The object each virtual parameter gets from this edge.
        let mut param_objs: HashMap<usize, Obj> = HashMap::new();
        for (index, obj, _) in &h.params {
            match self.resolve(&edge.state, args[*index]) {
                Resolved::Virtual(o) => {
                    param_objs.insert(*index, o);
                    self.flows.push((o, *obj));
                }
                Resolved::Real(_) => return Err(Constraint::RealParam(header, *index)),
            }
        }
        // Each virtual parameter needs an object of its own: two names for
        // one object must share its memory.
        let mut taken: Vec<Obj> = h.objects.iter().map(|(o, _)| *o).collect();
        for (index, _, _) in &h.params {
            let o = param_objs[index];
            if taken.contains(&o) {
                return Err(Constraint::RealParam(header, *index));
            }
            taken.push(o);
        }
        // Virtual values headed for real parameters or phis get memory.
        for (index, &arg) in args.iter().enumerate() {
            if !param_objs.contains_key(&index)
                && let Resolved::Virtual(obj) = self.resolve(&edge.state, arg)
            {
                self.materialize_on_edge(edge, obj, header)?;
            }
        }
        for added in &h.added {
            let value = match *added {
                Added::ObjectField(obj, field) => virtual_of(&edge.state, obj).get(field).copied(),
                Added::ParamField(index, field) => virtual_of(&edge.state, param_objs[&index]).get(field).copied(),
                Added::Address(_) => None,
            };
            if let Some(value) = value
                && let Resolved::Virtual(inner) = self.resolve(&edge.state, value)
            {
                self.materialize_on_edge(edge, inner, header)?;
            }
            if let Added::Address(obj) = *added
                && let Some(ObjState::Virtual(_)) = edge.state.get(&obj)
            {
                self.materialize_on_edge(edge, obj, header)?;
            }
        }
        // What the header assumed must still hold: its virtual objects are
        // virtual here, and fields without a phi hold the same objects.
        let unchanged = |walk: &Self, obj: Obj, at_header: &[Value]| -> bool {
            let Some(ObjState::Virtual(here)) = edge.state.get(&obj) else { return false };
            here.len() == at_header.len()
                && at_header.iter().zip(here).all(|(&h, &e)| {
                    params[original_count..].contains(&h)
                        || (walk.same_object(&edge.state, h, e)
                            && matches!(walk.resolve(&edge.state, e), Resolved::Virtual(_)))
                })
        };
        for (obj, fields) in &h.objects {
            if !unchanged(self, *obj, fields) {
                return Err(Constraint::BeforeLoop(header, self.objs[*obj].root));
            }
        }
        for (index, _, fields) in &h.params {
            if !unchanged(self, param_objs[index], fields) {
                return Err(Constraint::RealParam(header, *index));
            }
        }
        let mut rewritten = Vec::with_capacity(params.len());
        for (index, &arg) in args.iter().enumerate() {
            rewritten.push(match self.resolve(&edge.state, arg) {
                Resolved::Real(v) => v,
                Resolved::Virtual(_) => self.nil(self.func.dfg.value_type(params[index])),
            });
        }
        for added in &h.added {
            let value = match *added {
                Added::ObjectField(obj, field) => self.field_value(&edge.state, virtual_of(&edge.state, obj)[field]),
                Added::ParamField(index, field) => {
                    self.field_value(&edge.state, virtual_of(&edge.state, param_objs[&index])[field])
                }
                Added::Address(obj) => match edge.state.get(&obj) {
                    Some(ObjState::Materialized(m)) => *m,
                    _ => return Err(Constraint::BeforeLoop(header, self.objs[obj].root)),
                },
            };
            rewritten.push(value);
        }
        self.set_edge_args(edge, rewritten);
        Ok(())
    }

    /// Whether two values stand for the same object on a path.
    pub(super) fn same_object(&self, state: &State, a: Value, b: Value) -> bool {
        match (self.resolve(state, a), self.resolve(state, b)) {
            (Resolved::Virtual(x), Resolved::Virtual(y)) => x == y,
            (Resolved::Real(x), Resolved::Real(y)) => x == y,
            _ => false,
        }
    }
}
