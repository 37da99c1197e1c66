//! The c3voc schedule formats' validators, as the consumers' ecosystem runs them: `xmllint`
//! with the frab XSD and python `jsonschema` with the c3voc JSON schema, as subprocesses
//! (`scripts/setup.sh` installs both), against the schema copies in `tests/fixtures`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The copies in the repository (CI runs on a clean clone without /work/shared).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schedule-formats")
}

/// Writes files into a temporary directory and runs `xmllint` on the XML and python
/// `jsonschema` (the draft the schema names, with format checks) on the JSON ones.
pub fn validate_schedule_exports(xml: &[String], json: &[String]) {
    let dir = tempfile::tempdir().unwrap();
    let mut xml_files = Vec::new();
    for (i, x) in xml.iter().enumerate() {
        let p = dir.path().join(format!("schedule-{i}.xml"));
        std::fs::write(&p, x).unwrap();
        xml_files.push(p);
    }
    if !xml_files.is_empty() {
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(fixtures().join("schedule.xml.xsd"))
            .args(&xml_files)
            .output()
            .expect("xmllint (scripts/setup.sh installs libxml2-utils)");
        assert!(
            out.status.success(),
            "xmllint refused the export:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut json_files = Vec::new();
    for (i, j) in json.iter().enumerate() {
        let p = dir.path().join(format!("schedule-{i}.json"));
        std::fs::write(&p, j).unwrap();
        json_files.push(p);
    }
    if !json_files.is_empty() {
        let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for f in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(f))):
        bad += 1
        print(f, "/".join(map(str, e.absolute_path)), e.message[:300])
sys.exit(1 if bad else 0)
"#;
        let out = Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(script)
            .arg(fixtures().join("schema.json"))
            .args(&json_files)
            .output()
            .expect("python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)");
        assert!(
            out.status.success(),
            "jsonschema refused the export:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
