//! The text form of the AST for `berth dump --stage ast`: one node per line,
//! indented by depth, each with the line:column where it starts.

use std::fmt::Write;

use crate::ast::*;
use crate::{LineIndex, Span};

pub fn print_module(module: &Module, source: &str) -> String {
    let mut p = Printer { out: String::new(), source, lines: LineIndex::new(source), indent: 0 };
    p.line(Span::default(), "module");
    p.nested(|p| module.items.iter().for_each(|item| p.item(item)));
    p.out
}

struct Printer<'a> {
    out: String,
    source: &'a str,
    lines: LineIndex,
    indent: usize,
}

impl Printer<'_> {
    fn line(&mut self, span: Span, text: impl AsRef<str>) {
        let (line, col) = self.lines.line_col(self.source, span.start);
        let _ = writeln!(self.out, "{:width$}{} @{line}:{col}", "", text.as_ref(), width = self.indent * 2);
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        self.indent += 1;
        f(self);
        self.indent -= 1;
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Struct(s) => {
                self.line(s.span, format!("struct {}", s.name.name));
                self.nested(|p| {
                    for f in &s.fields {
                        p.line(f.name.span, format!("field {}: {}", f.name.name, type_text(&f.ty)));
                    }
                });
            }
            Item::Enum(e) => {
                self.line(e.span, format!("enum {}", e.name.name));
                self.nested(|p| {
                    for v in &e.variants {
                        let payload: Vec<String> = v.payload.iter().map(type_text).collect();
                        let text = if payload.is_empty() {
                            format!("variant {}", v.name.name)
                        } else {
                            format!("variant {}({})", v.name.name, payload.join(", "))
                        };
                        p.line(v.name.span, text);
                    }
                });
            }
            Item::Global(g) => {
                self.line(g.span, format!("global {}: {}", g.name.name, type_text(&g.ty)));
                self.nested(|p| p.expr(&g.init));
            }
            Item::Fn(f) => {
                let params: Vec<String> =
                    f.params.iter().map(|p| format!("{}: {}", p.name.name, type_text(&p.ty))).collect();
                let ret = f.ret.as_ref().map(|t| format!(" -> {}", type_text(t))).unwrap_or_default();
                self.line(f.span, format!("fn {}({}){ret}", f.name.name, params.join(", ")));
                self.nested(|p| p.block_body(&f.body));
            }
        }
    }

    fn block(&mut self, label: &str, block: &Block) {
        self.line(block.span, label);
        self.nested(|p| p.block_body(block));
    }

    fn block_body(&mut self, block: &Block) {
        block.stmts.iter().for_each(|s| self.stmt(s));
    }

    fn stmt(&mut self, stmt: &Stmt) {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Let { name, ty, init } => {
                let ty = ty.as_ref().map(|t| format!(": {}", type_text(t))).unwrap_or_default();
                self.line(span, format!("let {}{ty}", name.name));
                self.nested(|p| p.expr(init));
            }
            StmtKind::Assign { target, op, value } => {
                let op = op.map_or("=".to_string(), |op| format!("{}=", op.symbol()));
                self.line(span, format!("assign {op}"));
                self.nested(|p| {
                    p.expr(target);
                    p.expr(value);
                });
            }
            StmtKind::If { cond, then, els } => {
                self.line(span, "if");
                self.nested(|p| {
                    p.expr(cond);
                    p.block("then", then);
                    if let Some(els) = els {
                        p.block("else", els);
                    }
                });
            }
            StmtKind::While { cond, body } => {
                self.line(span, "while");
                self.nested(|p| {
                    p.expr(cond);
                    p.block("do", body);
                });
            }
            StmtKind::ForRange { var, lo, hi, body } => {
                self.line(span, format!("for {} in range", var.name));
                self.nested(|p| {
                    p.expr(lo);
                    p.expr(hi);
                    p.block("do", body);
                });
            }
            StmtKind::ForIn { var, iter, body } => {
                self.line(span, format!("for {} in", var.name));
                self.nested(|p| {
                    p.expr(iter);
                    p.block("do", body);
                });
            }
            StmtKind::Match { scrutinee, arms } => {
                self.line(span, "match");
                self.nested(|p| {
                    p.expr(scrutinee);
                    for arm in arms {
                        p.line(arm.pattern.span, format!("arm {}", pattern_text(&arm.pattern)));
                        p.nested(|p| p.block_body(&arm.body));
                    }
                });
            }
            StmtKind::Return(value) => {
                self.line(span, "return");
                if let Some(value) = value {
                    self.nested(|p| p.expr(value));
                }
            }
            StmtKind::Break => self.line(span, "break"),
            StmtKind::Continue => self.line(span, "continue"),
            StmtKind::Expr(e) => {
                self.line(span, "expr");
                self.nested(|p| p.expr(e));
            }
            StmtKind::Block(b) => self.block("block", b),
            StmtKind::Error => self.line(span, "<error>"),
        }
    }

    fn expr(&mut self, e: &Expr) {
        let span = e.span;
        match &e.kind {
            ExprKind::Int(v) => self.line(span, format!("int {v}")),
            ExprKind::Float(v) => self.line(span, format!("float {v:?}")),
            ExprKind::Str(s) => self.line(span, format!("str {s:?}")),
            ExprKind::Bool(b) => self.line(span, format!("bool {b}")),
            ExprKind::Nil => self.line(span, "nil"),
            ExprKind::Name(n) => self.line(span, format!("name {}", n.name)),
            ExprKind::Path { enum_name, variant } => {
                self.line(span, format!("path {}::{}", enum_name.name, variant.name))
            }
            ExprKind::Unary(op, operand) => {
                self.line(span, format!("unary {}", op.symbol()));
                self.nested(|p| p.expr(operand));
            }
            ExprKind::Binary(op, a, b) => {
                self.line(span, format!("binary {}", op.symbol()));
                self.nested(|p| {
                    p.expr(a);
                    p.expr(b);
                });
            }
            ExprKind::Call { callee, args } => {
                self.line(span, "call");
                self.nested(|p| {
                    p.expr(callee);
                    args.iter().for_each(|a| p.expr(a));
                });
            }
            ExprKind::MethodCall { receiver, method, args } => {
                self.line(span, format!("method-call .{}", method.name));
                self.nested(|p| {
                    p.expr(receiver);
                    args.iter().for_each(|a| p.expr(a));
                });
            }
            ExprKind::Field(object, field) => {
                self.line(span, format!("field .{}", field.name));
                self.nested(|p| p.expr(object));
            }
            ExprKind::Index(array, index) => {
                self.line(span, "index");
                self.nested(|p| {
                    p.expr(array);
                    p.expr(index);
                });
            }
            ExprKind::StructLit { name, fields } => {
                self.line(span, format!("struct-literal {}", name.name));
                self.nested(|p| {
                    for f in fields {
                        p.line(f.name.span, format!("field {}", f.name.name));
                        p.nested(|p| p.expr(&f.value));
                    }
                });
            }
            ExprKind::ArrayLit(elems) => {
                self.line(span, format!("array-literal ({} elements)", elems.len()));
                self.nested(|p| elems.iter().for_each(|a| p.expr(a)));
            }
            ExprKind::ArrayRepeat { value, count } => {
                self.line(span, "array-repeat");
                self.nested(|p| {
                    p.expr(value);
                    p.expr(count);
                });
            }
            ExprKind::Spawn(call) => {
                self.line(span, "spawn");
                self.nested(|p| p.expr(call));
            }
            ExprKind::Error => self.line(span, "<error>"),
        }
    }
}

fn type_text(ty: &TypeExpr) -> String {
    match &ty.kind {
        TypeExprKind::Named(name) => name.name.to_string(),
        TypeExprKind::Array(elem) => format!("[{}]", type_text(elem)),
    }
}

fn pattern_text(pattern: &Pattern) -> String {
    match &pattern.kind {
        PatternKind::Wildcard => "_".into(),
        PatternKind::Binding(name) => name.name.to_string(),
        PatternKind::Variant { enum_name, variant, bindings } => {
            let path = format!("{}::{}", enum_name.name, variant.name);
            match bindings {
                None => path,
                Some(bindings) => {
                    let names: Vec<&str> = bindings
                        .iter()
                        .map(|b| match b {
                            Binding::Name(n) => n.name.as_str(),
                            Binding::Wildcard(_) => "_",
                        })
                        .collect();
                    format!("{path}({})", names.join(", "))
                }
            }
        }
        PatternKind::Int(v) => v.to_string(),
        PatternKind::Str(s) => format!("{s:?}"),
        PatternKind::Bool(b) => b.to_string(),
    }
}
