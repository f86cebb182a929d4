//! Output files: never an input of the same command, replaced files announced, reports
//! replaced whole.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relucheck"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["examples/xor.json", "fixtures/nnet/tiny.nnet"] {
        let src = crate::repo(f);
        std::fs::copy(&src, dir.path().join(src.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn a_command_refuses_to_overwrite_its_input() {
    let dir = folder();
    let before = std::fs::read(dir.path().join("xor.json")).unwrap();
    for args in [
        &[
            "check",
            "xor.json",
            "-p",
            "linear",
            "--certificate",
            "xor.json",
        ][..],
        &[
            "check",
            "xor.json",
            "-p",
            "linear",
            "--certificate",
            "./sub/../xor.json",
        ],
        &["report", "xor.json", "--out", "."],
    ] {
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        let o = run(dir.path(), args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("an input of this command"), "{err}");
    }
    assert_eq!(std::fs::read(dir.path().join("xor.json")).unwrap(), before);
    let nnet = std::fs::read(dir.path().join("tiny.nnet")).unwrap();
    let o = run(dir.path(), &["import", "tiny.nnet", "-o", "tiny.nnet"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(dir.path().join("tiny.nnet")).unwrap(), nnet);
}

#[test]
fn replacing_a_file_is_said_and_the_file_is_complete() {
    let dir = folder();
    let o = run(dir.path(), &["import", "tiny.nnet", "-o", "net.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("replaced"));
    let first = std::fs::read(dir.path().join("net.json")).unwrap();
    let o = run(dir.path(), &["import", "tiny.nnet", "-o", "net.json"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("replaced the existing file net.json"));
    assert_eq!(std::fs::read(dir.path().join("net.json")).unwrap(), first);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
}

#[test]
fn a_report_without_pictures_leaves_no_picture_of_an_earlier_one() {
    let dir = folder();
    let o = run(
        dir.path(),
        &["report", "xor.json", "--box", "-1:2", "--out", "rep"],
    );
    assert_eq!(o.status.code(), Some(0));
    let svgs = |d: &Path| {
        std::fs::read_dir(d.join("rep"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "svg")
            })
            .count()
    };
    assert!(svgs(dir.path()) > 0);
    // Three inputs: no picture.
    std::fs::write(
        dir.path().join("three.json"),
        r#"{"relucheck": 1, "input_shape": [3], "layers": [{"type": "dense", "weights": [["1", "1", "1"]]}, {"type": "relu"}]}"#,
    )
    .unwrap();
    let o = run(dir.path(), &["report", "three.json", "--out", "rep"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(svgs(dir.path()), 0);
    let top: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top.len(), 4, "no temporary folder left: {top:?}");
}
