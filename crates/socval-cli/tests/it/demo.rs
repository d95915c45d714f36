//! `socval demo`: the worked example a newcomer sees first.

use crate::expect;

#[test]
fn demo_reproduces_table_2_10_and_runs_the_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = expect(dir.path(), &["demo"], 0);
    for want in [
        "Total: £1,458,532",
        "£1,458,537",
        "£5 difference",
        "£999,162",
        "£239,859",
        "Don Valley Builders Ltd",
        "Q-004",
        "3 not compliant",
        "docs/engine.md",
    ] {
        assert!(out.contains(want), "{want:?} missing from the demo:\n{out}");
    }
}
