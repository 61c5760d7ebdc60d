//! `berth escape`: the decisions as text (one line per site in source
//! order, `-v` with every step) or JSON.

use berth_ir::Module;
use serde_json::json;

use crate::Analysis;

/// Sites with their decisions, in source order.
fn in_order<'a>(module: &'a Module, analysis: &'a Analysis) -> Vec<(berth_ir::AllocSite, &'a crate::SiteDecision)> {
    let mut sites: Vec<_> = module.sites.keys().filter_map(|s| analysis.sites[s].as_ref().map(|d| (s, d))).collect();
    sites.sort_by_key(|(s, _)| (module.sites[*s].line, module.sites[*s].column, *s));
    sites
}

/// `file:line:col: <kind> <decision>: <reason>` per site; with `verbose`,
/// each followed by its steps, indented, each with its position.
pub fn text(module: &Module, analysis: &Analysis, file: &str, verbose: bool) -> String {
    let mut out = String::new();
    for (site, decision) in in_order(module, analysis) {
        let data = &module.sites[site];
        let inlined = match inlined_into(module, site) {
            calls if calls.is_empty() => String::new(),
            calls => {
                let calls: Vec<String> = calls.iter().map(|(f, l, c)| format!("`{f}` at {l}:{c}")).collect();
                format!("inlined into {}: ", calls.join(", then "))
            }
        };
        out.push_str(&format!(
            "{file}:{}:{}: {} {}: {inlined}{}\n",
            data.line,
            data.column,
            data.kind.name(),
            decision.verdict.word(),
            decision.reason
        ));
        if verbose {
            out.push_str(&format!("    storage: {}\n", storage_name(decision)));
            for step in &decision.chain {
                let (line, col) = module.positions.line_col(step.span);
                out.push_str(&format!("    {file}:{line}:{col}: {}\n", step.text));
            }
        }
    }
    out
}

/// `{"file": ..., "sites": [...]}`.
pub fn json(module: &Module, analysis: &Analysis, file: &str) -> String {
    let sites: Vec<serde_json::Value> = in_order(module, analysis)
        .into_iter()
        .map(|(site, decision)| {
            let data = &module.sites[site];
            let chain: Vec<serde_json::Value> = decision
                .chain
                .iter()
                .map(|step| {
                    let (line, column) = module.positions.line_col(step.span);
                    json!({ "line": line, "column": column, "text": step.text })
                })
                .collect();
            json!({
                "line": data.line,
                "column": data.column,
                "kind": data.kind.name(),
                "decision": decision.verdict.word(),
                "storage": storage_name(decision),
                "function": module.funcs[data.func].name,
                "reason": decision.reason,
                "chain": chain,
                "inlined_into": inlined_into(module, site)
                    .into_iter()
                    .map(|(function, line, column)| json!({ "function": function, "line": line, "column": column }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let report = json!({ "file": file, "sites": sites });
    serde_json::to_string_pretty(&report).expect("JSON values always serialise") + "\n"
}

/// Where a site's objects live: `heap`, `stack`, `arena`, or `none`.
fn storage_name(decision: &crate::SiteDecision) -> &'static str {
    use berth_ir::instructions::Storage;
    match (decision.verdict, decision.storage) {
        (crate::Verdict::Scalar, _) | (crate::Verdict::Partial, Storage::Undecided) => "none",
        (_, Storage::Heap | Storage::Undecided) => "heap",
        (_, Storage::Stack) => "stack",
        (_, Storage::Arena) => "arena",
    }
}

/// The calls an inlined copy of a site was inlined through, innermost
/// first: (function, line, column of the call).
fn inlined_into(module: &Module, site: berth_ir::AllocSite) -> Vec<(String, u32, u32)> {
    let Some(inlined) = &module.sites[site].inlined else { return Vec::new() };
    inlined
        .into
        .iter()
        .map(|call| {
            let (line, column) = module.positions.line_col(call.span);
            (module.funcs[call.func].name.clone(), line, column)
        })
        .collect()
}
