//! `match`: patterns, bindings, exhaustiveness and unreachable arms.

use berth_syntax::Span;
use berth_syntax::ast::{self, PatternKind as P};

use crate::checker::{Checker, Flow};
use crate::hir::{Arm, Pattern, StmtKind};
use crate::types::{EnumId, Ty, TypeId};

/// What the arms so far cover.
enum Coverage {
    /// One flag per variant.
    Enum(EnumId, Vec<bool>),
    /// Literal values seen (ints, strings); only a catch-all is exhaustive.
    Open(Vec<Pattern>),
    /// `[false, true]` seen.
    Bool([bool; 2]),
    /// The scrutinee did not check; nothing more to report.
    Unknown,
}

impl Checker {
    pub fn match_stmt(&mut self, scrutinee: &ast::Expr, arms: &[ast::MatchArm]) -> (StmtKind, Flow) {
        let scrutinee = self.expr(scrutinee, None);
        let mut coverage = match self.items.types.get(scrutinee.ty) {
            Ty::Enum(e) => Coverage::Enum(e, vec![false; self.items.enums[e].variants.len()]),
            Ty::Int | Ty::Str => Coverage::Open(Vec::new()),
            Ty::Bool => Coverage::Bool([false; 2]),
            Ty::Error => Coverage::Unknown,
            _ => {
                let ty = self.ty(scrutinee.ty);
                self.error(scrutinee.span, format!("cannot match on a value of type {ty}")).label =
                    "`match` takes an enum, int, str or bool value".into();
                Coverage::Unknown
            }
        };
        let mut catch_all = false;
        let mut flow: Option<Flow> = None;
        let mut checked_arms = Vec::with_capacity(arms.len());
        for arm in arms {
            let (arm, arm_flow) = self.scoped(|c| {
                let (pattern, reachable) = c.pattern(&arm.pattern, scrutinee.ty, &mut coverage);
                if !reachable || catch_all {
                    c.warning(arm.pattern.span, "unreachable match arm: earlier arms already match these values");
                }
                catch_all |= matches!(arm.pattern.kind, P::Wildcard | P::Binding(_));
                let (body, flow) = c.block(&arm.body);
                (Arm { pattern, body, span: arm.pattern.span }, flow)
            });
            flow = Some(flow.map_or(arm_flow, |f| f.either(arm_flow)));
            checked_arms.push(arm);
        }
        if !catch_all {
            self.check_exhaustive(&coverage, scrutinee.span);
        }
        let kind = StmtKind::Match { scrutinee, arms: checked_arms };
        (kind, flow.unwrap_or(Flow::Continues))
    }

    fn check_exhaustive(&mut self, coverage: &Coverage, span: Span) {
        let missing: Vec<String> = match coverage {
            Coverage::Enum(e, covered) => {
                let def = &self.items.enums[*e];
                def.variants
                    .iter()
                    .zip(covered)
                    .filter(|(_, c)| !**c)
                    .map(|(v, _)| format!("`{}::{}`", def.name, v.name))
                    .collect()
            }
            Coverage::Bool(seen) => {
                [false, true].iter().zip(seen).filter(|(_, s)| !**s).map(|(b, _)| format!("`{b}`")).collect()
            }
            Coverage::Open(_) => {
                self.error(span, "non-exhaustive match: literal patterns cannot cover every value").label =
                    "add a `_` arm".into();
                return;
            }
            Coverage::Unknown => Vec::new(),
        };
        if !missing.is_empty() {
            let verb = if missing.len() == 1 { "is" } else { "are" };
            self.error(span, format!("non-exhaustive match: {} {verb} not covered", missing.join(", "))).label =
                "add arms for them, or a `_` arm".into();
        }
    }

    /// Checks one pattern against the scrutinee's type, declaring its
    /// bindings; also says whether it can match anything earlier arms did
    /// not.
    fn pattern(&mut self, pattern: &ast::Pattern, ty: TypeId, coverage: &mut Coverage) -> (Pattern, bool) {
        let span = pattern.span;
        match &pattern.kind {
            P::Wildcard => (Pattern::Wildcard, true),
            P::Binding(name) => (Pattern::Bind(self.declare_local(name.name, ty, name.span)), true),
            P::Variant { enum_name, variant, bindings } => {
                let Some((enum_id, index)) = self.resolve_variant(enum_name, variant) else {
                    // Reported; bind the names so their uses do not add errors.
                    for b in bindings.iter().flatten() {
                        if let ast::Binding::Name(name) = b {
                            self.declare_local(name.name, TypeId::ERROR, name.span);
                        }
                    }
                    *coverage = Coverage::Unknown;
                    return (Pattern::Wildcard, true);
                };
                let reachable = match coverage {
                    Coverage::Enum(e, covered) if *e == enum_id => {
                        !std::mem::replace(&mut covered[index as usize], true)
                    }
                    Coverage::Unknown => true,
                    _ => {
                        let found = self.items.enums[enum_id].name.clone();
                        let expected = self.ty(ty);
                        self.error(
                            span,
                            format!("mismatched types: expected a pattern for {expected}, found `{found}`"),
                        );
                        true
                    }
                };
                let payload = self.items.enums[enum_id].variants[index as usize].payload.clone();
                let path = format!("{}::{}", enum_name.name, variant.name);
                let bindings = match bindings {
                    None if payload.is_empty() => Vec::new(),
                    None => {
                        let n = payload.len();
                        self.error(span, format!("`{path}` holds {}", values(n))).label =
                            format!("write `{path}({})` to match it", vec!["_"; n].join(", "));
                        Vec::new()
                    }
                    Some(bindings) if bindings.len() != payload.len() => {
                        let n = payload.len();
                        self.error(
                            span,
                            format!("`{path}` holds {}, but the pattern has {}", values(n), bindings.len()),
                        );
                        for b in bindings {
                            if let ast::Binding::Name(name) = b {
                                self.declare_local(name.name, TypeId::ERROR, name.span);
                            }
                        }
                        Vec::new()
                    }
                    Some(bindings) => bindings
                        .iter()
                        .zip(&payload)
                        .map(|(b, &ty)| match b {
                            ast::Binding::Name(name) => Some(self.declare_local(name.name, ty, name.span)),
                            ast::Binding::Wildcard(_) => None,
                        })
                        .collect(),
                };
                (Pattern::Variant { variant: index, bindings }, reachable)
            }
            P::Int(v) => self.literal_pattern(Pattern::Int(*v), TypeId::INT, ty, span, coverage),
            P::Str(s) => self.literal_pattern(Pattern::Str(s.clone()), TypeId::STR, ty, span, coverage),
            P::Bool(b) => self.literal_pattern(Pattern::Bool(*b), TypeId::BOOL, ty, span, coverage),
        }
    }

    fn literal_pattern(
        &mut self,
        pattern: Pattern,
        pattern_ty: TypeId,
        ty: TypeId,
        span: Span,
        coverage: &mut Coverage,
    ) -> (Pattern, bool) {
        let reachable = match (coverage, &pattern) {
            (Coverage::Bool(seen), Pattern::Bool(b)) => !std::mem::replace(&mut seen[*b as usize], true),
            (Coverage::Open(seen), _) if pattern_ty == ty => {
                let new = !seen.iter().any(|p| same_literal(p, &pattern));
                if new {
                    seen.push(clone_literal(&pattern));
                }
                new
            }
            (Coverage::Unknown, _) => true,
            _ => {
                let (found, expected) = (self.ty(pattern_ty), self.ty(ty));
                self.error(span, format!("mismatched types: expected a pattern for {expected}, found {found}"));
                true
            }
        };
        (pattern, reachable)
    }
}

/// "1 value", "2 values", "no values".
pub fn values(n: usize) -> String {
    match n {
        0 => "no values".into(),
        1 => "1 value".into(),
        n => format!("{n} values"),
    }
}

fn same_literal(a: &Pattern, b: &Pattern) -> bool {
    match (a, b) {
        (Pattern::Int(x), Pattern::Int(y)) => x == y,
        (Pattern::Str(x), Pattern::Str(y)) => x == y,
        _ => false,
    }
}

fn clone_literal(p: &Pattern) -> Pattern {
    match p {
        Pattern::Int(v) => Pattern::Int(*v),
        Pattern::Str(s) => Pattern::Str(s.clone()),
        Pattern::Bool(b) => Pattern::Bool(*b),
        _ => Pattern::Wildcard,
    }
}
