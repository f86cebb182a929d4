//! Every proof in proofs/ holds: each claim's command prints exactly what the proof says.
//! The checker is itself tested on a deliberately wrong proof.

use crate::repo;
use relucheck::analysis::proofs::{check_proof, render};
use std::path::Path;
use std::process::Command;

fn run(args: &[String], dir: &Path) -> (String, i32) {
    let o = Command::new(env!("CARGO_BIN_EXE_relucheck"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        String::from_utf8(o.stdout).unwrap(),
        o.status.code().unwrap_or(-1),
    )
}

#[test]
fn every_proof_holds() {
    let dir = repo("proofs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.file_name().unwrap() != "README.md")
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut failures = String::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let results = check_proof(&text, &dir, &mut |a, d| run(a, d)).unwrap();
        if results.iter().any(|r| !r.ok) {
            failures.push_str(&format!("{}\n{}", f.display(), render(&results)));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn every_proof_is_listed_in_the_course() {
    let index = std::fs::read_to_string(repo("proofs/README.md")).unwrap();
    for e in std::fs::read_dir(repo("proofs")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") && name != "README.md" {
            assert!(
                index.contains(&format!("]({name})")),
                "{name} is not in proofs/README.md"
            );
        }
    }
}

#[test]
fn a_wrong_proof_fails_on_every_wrong_claim() {
    let text = std::fs::read_to_string(repo("tests/fixtures/wrong-proof.md")).unwrap();
    let results = check_proof(&text, &repo("tests/fixtures"), &mut |a, d| run(a, d)).unwrap();
    let failed: Vec<usize> = results
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.claim.line)
        .collect();
    // The fixture marks each claim that must fail with "WRONG" on the line before its block.
    let wrong: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("$ relucheck"))
        .filter(|(i, _)| {
            text.lines()
                .take(*i)
                .collect::<Vec<_>>()
                .iter()
                .rev()
                .find(|l| l.starts_with("WRONG") || l.starts_with("RIGHT"))
                .is_some_and(|l| l.starts_with("WRONG"))
        })
        .map(|(i, _)| i + 1)
        .collect();
    assert!(wrong.len() >= 3);
    assert_eq!(failed, wrong, "{}", render(&results));
    // And the CLI says so, with exit code 2.
    let o = Command::new(env!("CARGO_BIN_EXE_relucheck"))
        .args([
            "prove",
            repo("tests/fixtures/wrong-proof.md").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stdout).unwrap().contains("✗ line"));
}
