//! Every proof in proofs/ holds: each claim's command prints exactly what the proof says.
//! The checker is itself tested on a deliberately wrong proof.

use crate::repo;
use relucheck::analysis::proofs::{Sandbox, check_proof, render, run_claim};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(args: &[String], dir: &Path) -> Result<(String, i32), String> {
    run_claim(
        Path::new(env!("CARGO_BIN_EXE_relucheck")),
        args,
        dir,
        Duration::from_secs(60),
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
        let sandbox = Sandbox::new(&dir, &dir).unwrap();
        let results = check_proof(&text, &sandbox, &mut |a, d| run(a, d)).unwrap();
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
    let sandbox = Sandbox::new(&repo("tests/fixtures"), &repo(".")).unwrap();
    let results = check_proof(&text, &sandbox, &mut |a, d| run(a, d)).unwrap();
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
            "--read-root",
            repo(".").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stdout).unwrap().contains("✗ line"));
}

#[test]
fn the_proofs_copies_of_the_examples_are_the_examples() {
    for name in ["conv-relu", "forum-question", "leaky", "sign-flip", "xor"] {
        let copy = std::fs::read(repo(&format!("proofs/nets/{name}.json"))).unwrap();
        let original = std::fs::read(repo(&format!("examples/{name}.json"))).unwrap();
        assert_eq!(copy, original, "proofs/nets/{name}.json");
    }
    let copy = std::fs::read(repo("proofs/nets/tent-3-example.json")).unwrap();
    assert_eq!(copy, std::fs::read(repo("examples/tent-3.json")).unwrap());
}

/// A proof in a fresh folder with the ReLU net beside it: (folder, proof path).
fn proof_folder(claims: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("proofs/nets/relu.json"), dir.path().join("relu.json")).unwrap();
    let proof = dir.path().join("attack.md");
    std::fs::write(&proof, format!("```console\n{claims}```\n")).unwrap();
    (dir, proof)
}

/// `relucheck prove FILE EXTRA..`: (exit code, standard output).
fn prove(file: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_relucheck"))
        .arg("prove")
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

const HOLDS: &str = "network: relu\ndomain: all of R^1\npositive-homogeneity: holds (exact): every one of the 2 regions has offset 0\n";

#[test]
fn a_proof_cannot_write_to_an_absolute_path_or_above_its_folder() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("victim.json");
    std::fs::write(&target, "precious").unwrap();
    for dest in [
        target.to_str().unwrap().to_string(),
        "../victim.json".into(),
        "sub/../../victim.json".into(),
    ] {
        let (dir, proof) = proof_folder(&format!(
            "$ relucheck check relu.json -p positive-homogeneity --certificate {dest}\n{HOLDS}"
        ));
        let (code, out) = prove(&proof, &[]);
        assert_eq!(code, Some(2), "{dest}: {out}");
        assert!(
            out.contains("not run:") && out.contains("relative paths"),
            "{out}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(!dir.path().parent().unwrap().join("victim.json").exists());
        // import -o and report --out are refused alike.
        std::fs::write(&proof, format!("```console\n$ relucheck import relu.onnx -o {dest}\n$ relucheck report relu.json --out {dest}\n```\n")).unwrap();
        let (_, out) = prove(&proof, &[]);
        assert_eq!(out.matches("relative paths").count(), 2, "{out}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    }
}

#[test]
fn a_proofs_writes_go_to_a_temporary_folder_its_later_claims_read() {
    let (dir, proof) = proof_folder(&format!(
        "$ relucheck check relu.json -p positive-homogeneity --certificate c.json\n{HOLDS}$ relucheck verify c.json --network relu.json\ncertificate valid: positive-homogeneity holds for relu on all of R^1 (2 regions and 0 excluded branches checked exactly)\n$ relucheck report relu.json --out rep\nreport written to rep: report.md, report.json, graph.svg\n"
    ));
    let (code, out) = prove(&proof, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!dir.path().join("c.json").exists() && !dir.path().join("rep").exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[cfg(unix)]
#[test]
fn a_proof_cannot_read_through_a_symbolic_link_out_of_its_folder() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo("proofs/nets/relu.json"),
        outside.path().join("secret.json"),
    )
    .unwrap();
    let (dir, proof) = proof_folder(&format!(
        "$ relucheck check link.json -p positive-homogeneity\n{HOLDS}$ relucheck check d/secret.json -p positive-homogeneity\n{HOLDS}$ relucheck eval relu.json --input @link.json\n...\n$ relucheck check ../{}/secret.json -p positive-homogeneity\n{HOLDS}",
        outside.path().file_name().unwrap().to_str().unwrap()
    ));
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        dir.path().join("link.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("d")).unwrap();
    let (code, out) = prove(&proof, &[]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(
        out.matches("lies outside the proof's folder").count(),
        4,
        "{out}"
    );
    assert!(out.contains("4 claims, 0 hold, 4 fail"), "{out}");
}

#[test]
fn a_proof_cannot_run_prove() {
    let (_dir, proof) =
        proof_folder("$ relucheck prove attack.md\n...\n$ relucheck --version\n...\n");
    let start = Instant::now();
    let (code, out) = prove(&proof, &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("may not run `prove`"), "{out}");
    assert!(out.contains("a claim may run only eval"), "{out}");
    assert!(start.elapsed() < Duration::from_secs(10));
    // And a relucheck started from a claim (the marker is set) refuses prove.
    let o = Command::new(env!("CARGO_BIN_EXE_relucheck"))
        .args(["prove"])
        .arg(&proof)
        .env(relucheck::analysis::proofs::IN_PROOF_ENV, "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("inside a proof"));
}

#[cfg(unix)]
#[test]
fn a_slow_claim_is_stopped_at_its_time_limit() {
    let start = Instant::now();
    let r = run_claim(
        Path::new("sleep"),
        &["30".into()],
        Path::new("."),
        Duration::from_millis(300),
    );
    let took = start.elapsed();
    assert!(r.unwrap_err().contains("time limit of 0.3 s"));
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
    // Through the CLI: a claim that enumerates for long fails with the reason.
    let (_dir, proof) = proof_folder("$ relucheck regions relu.json --count\n...\n");
    let (code, out) = prove(&proof, &["--claim-time-limit", "0"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("not run: stopped at the claim time limit of 0 s"),
        "{out}"
    );
}

#[test]
fn a_proof_with_many_ellipses_is_matched_quickly() {
    let mut claims = String::from("$ relucheck regions relu.json\n");
    for _ in 0..12 {
        claims.push_str("...\nnever printed\n");
    }
    let (_dir, proof) = proof_folder(&claims);
    let start = Instant::now();
    let (code, out) = prove(&proof, &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// The pictures in proofs/pictures are what `relucheck report` draws today (regenerate with
/// `RELUCHECK_BLESS=1 cargo test --test integration proof_pictures`).
#[test]
fn proof_pictures_are_what_the_report_draws() {
    use relucheck::present::report::{ReportOptions, build};
    use relucheck::{Domain, Network, Q};
    let cases = [(
        "proofs/nets/sign-flip.json",
        (Q::ZERO, Q::from_int(2)),
        "regions.svg",
        "proofs/pictures/04-sign-flip-regions.svg",
    )];
    for (net, (lo, hi), file, picture) in cases {
        let net = Network::load(repo(net)).unwrap();
        let d = net.input_dim();
        let dom = Domain::boxed(vec![lo.clone(); d], vec![hi.clone(); d]).unwrap();
        let r = build(&net, dom, &ReportOptions::default()).unwrap();
        let drawn = &r.pictures.iter().find(|p| p.file == file).unwrap().svg;
        let path = repo(picture);
        if std::env::var("RELUCHECK_BLESS").as_deref() == Ok("1") {
            std::fs::write(&path, drawn).unwrap();
        }
        let kept = std::fs::read_to_string(&path).unwrap();
        assert!(
            kept == *drawn,
            "{picture} differs from what the report draws"
        );
    }
    let proof = std::fs::read_to_string(repo("proofs/04-the-learners-case.md")).unwrap();
    assert!(proof.contains("(pictures/04-sign-flip-regions.svg)"));
}
