//! One JSON contract: `schemas/*.schema.json` are generated from the types that write each
//! JSON output (schemars), must match those types, and every real output of the fixture
//! bundles must validate against its schema. Regenerate after a deliberate change with
//! `WUTRIAGE_UPDATE_SCHEMAS=1 cargo test --test schemas` (and raise `SCHEMA_VERSION` when the
//! change is not additive).

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use wutriage::batch::Line;
use wutriage::report::analyze::Report;
use wutriage::report::events::EventView;
use wutriage::report::explain::Explanation;
use wutriage::report::inventory::Inventory;
use wutriage::report::timeline::Row;

fn generated() -> Vec<(&'static str, Value)> {
    let v = |s: schemars::Schema| serde_json::to_value(s).unwrap();
    vec![
        ("analyze", v(schemars::schema_for!(Report))),
        ("batch", v(schemars::schema_for!(Line))),
        ("timeline", v(schemars::schema_for!(Row))),
        ("inventory", v(schemars::schema_for!(Inventory))),
        ("events", v(schemars::schema_for!(EventView<'static>))),
        ("explain", v(schemars::schema_for!(Explanation))),
    ]
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{name}.schema.json"))
}

#[test]
fn checked_in_schemas_are_the_ones_the_types_give() {
    let update = std::env::var_os("WUTRIAGE_UPDATE_SCHEMAS").is_some();
    for (name, schema) in generated() {
        let file = path(name);
        if update {
            fs::write(&file, serde_json::to_string_pretty(&schema).unwrap() + "\n").unwrap();
            continue;
        }
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("{} missing: WUTRIAGE_UPDATE_SCHEMAS=1", file.display()));
        let kept: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            kept,
            schema,
            "{} is not what the types give; regenerate with WUTRIAGE_UPDATE_SCHEMAS=1 \
             cargo test --test schemas, and raise SCHEMA_VERSION if a field changed meaning",
            file.display()
        );
    }
}

fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_wutriage")).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn check(name: &str, docs: &[Value]) {
    let schema: Value = serde_json::from_str(&fs::read_to_string(path(name)).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!docs.is_empty(), "{name}: nothing to check");
    for d in docs {
        let errors: Vec<String> = validator.iter_errors(d).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}\nin {d}");
    }
}

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn every_real_output_matches_its_schema() {
    let mut bundles: Vec<String> = fs::read_dir(common::fixture("bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.display().to_string())
        .collect();
    bundles.sort();
    let (mut analyze, mut inventory, mut timeline, mut events) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for b in &bundles {
        let a: Value = serde_json::from_str(&run(&["analyze", "--format", "json", b])).unwrap();
        assert_eq!(a["schema_version"], wutriage::report::SCHEMA_VERSION);
        analyze.push(a);
        inventory.push(serde_json::from_str(&run(&["inventory", "--format", "json", b])).unwrap());
        timeline.extend(lines(&run(&["timeline", "--all", b])));
        events.extend(lines(&run(&["events", "--all", b])));
    }
    check("analyze", &analyze);
    check("inventory", &inventory);
    check("timeline", &timeline);
    check("events", &events);
    let batch = lines(&run(&["batch", &common::fixture("bundles").display().to_string()]));
    check("batch", &batch);
    let explain: Value =
        serde_json::from_str(&run(&["explain", "--format", "json", "0x80070306", "STO001", "774"]))
            .unwrap();
    check("explain", &[explain]);

    // The vocabulary is one: what analyze and batch both say, they say alike.
    let storage = bundles.iter().position(|b| b.ends_with("storage-0x80070306")).unwrap();
    let a = &analyze[storage];
    let l = batch.iter().find(|l| l["bundle"] == "storage-0x80070306").unwrap();
    assert_eq!(a["verdict"], l["verdict"]);
    assert_eq!(a["utc_offset"], l["utc_offset"]);
    assert_eq!(a["schema_version"], l["schema_version"]);
    for key in [
        "id",
        "kind",
        "what",
        "update",
        "kb",
        "code",
        "code_name",
        "wraps",
        "wraps_name",
        "cause",
        "count",
        "first",
        "last",
    ] {
        assert_eq!(a["incidents"][0][key], l["incidents"][0][key], "incident {key}");
    }
    for key in ["rank", "cause", "title", "confidence", "score"] {
        assert_eq!(a["causes"][0][key], l["causes"][0][key], "cause {key}");
    }
}
