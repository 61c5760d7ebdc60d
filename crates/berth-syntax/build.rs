//! Generates the parser from `grammar/berth.lalrpop` at the workspace root.

fn main() {
    println!("cargo:rerun-if-changed=../../grammar/berth.lalrpop");
    lalrpop::Configuration::new()
        .emit_rerun_directives(true)
        .process_dir("../../grammar")
        .expect("grammar/berth.lalrpop must build");
}
