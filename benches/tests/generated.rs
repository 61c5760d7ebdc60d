//! The generated benchmark programs are valid at every size.

#[test]
fn generated_programs_check_and_lower() {
    for lines in [1, 100, 5_000] {
        let source = berth_benches::generate::program(lines);
        assert!(source.lines().count() >= lines);
        assert!(berth_benches::front_end(&source) > 0);
    }
}
