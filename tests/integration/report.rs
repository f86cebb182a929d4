//! Region reports: golden snapshots of report.md and report.json, SVG well-formedness and
//! one filled polygon per region, counts and bounds against the enumeration, budgets.
//!
//! Snapshots live in `tests/golden/<example>/`. After an intended change of the report,
//! regenerate them with `RELUCHECK_BLESS=1 cargo test report` and review the diff.

use crate::cli::{relucheck, stdout};
use crate::repo;
use relucheck::present::report::{ReportOptions, build, refusal, serra_bound, zaslavsky_bound};
use relucheck::{Activation, Budget, Domain, Enumerator, Layer, Matrix, Network, Q, Shape};
use std::time::{Duration, Instant};

fn load(name: &str) -> Network {
    Network::load(repo(&format!("examples/{name}.json"))).unwrap()
}

fn unit_box(d: usize, lo: i64, hi: i64) -> Domain {
    Domain::boxed(vec![Q::from_int(lo); d], vec![Q::from_int(hi); d]).unwrap()
}

/// Compares `text` with the golden file, or writes it when `RELUCHECK_BLESS=1`.
fn golden(path: &str, text: &str) {
    let p = repo(&format!("tests/golden/{path}"));
    if std::env::var("RELUCHECK_BLESS").as_deref() == Ok("1") {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&p).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run RELUCHECK_BLESS=1 cargo test report",
            p.display()
        )
    });
    if expected != text {
        let line = expected
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(text.lines().count()));
        panic!(
            "{} differs from the report at line {}:\n  golden: {:?}\n  now:    {:?}\nIf the change is intended, run RELUCHECK_BLESS=1 cargo test report and review the diff.",
            p.display(),
            line + 1,
            expected.lines().nth(line),
            text.lines().nth(line)
        );
    }
}

fn snapshot(name: &str, dir: &str, dom: Domain) {
    let net = load(name);
    let r = build(&net, dom, &ReportOptions::default()).unwrap();
    assert!(r.complete);
    golden(&format!("{dir}/report.md"), &r.markdown);
    let mut j = serde_json::to_string_pretty(&r.json).unwrap();
    j.push('\n');
    golden(&format!("{dir}/report.json"), &j);
}

#[test]
fn forum_question_report_matches_its_snapshot() {
    snapshot("forum-question", "forum-question", Domain::whole(2));
}

#[test]
fn tent_report_matches_its_snapshot() {
    snapshot("tent-3", "tent-3-box", unit_box(1, 0, 1));
}

/// A small well-formedness check: tags nest and close, attributes are quoted, entities
/// are known.
fn well_formed(svg: &str) -> Result<(), String> {
    let body = svg
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .ok_or("no XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        check_text(text)?;
        let end = rest[i..].find('>').ok_or("unclosed tag")? + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad tag name in <{tag}>"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = tag[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .ok_or(format!("bad attribute in <{tag}>"))?;
            let close = attrs[eq + 2..].find('"').ok_or("unterminated attribute")? + eq + 2;
            check_text(&attrs[eq + 2..close])?;
            attrs = attrs[close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

fn check_text(t: &str) -> Result<(), String> {
    if t.contains('<') {
        return Err("stray <".into());
    }
    let mut rest = t;
    while let Some(i) = rest.find('&') {
        let semi = rest[i..].find(';').ok_or("unterminated entity")? + i;
        let ent = &rest[i + 1..semi];
        if !["amp", "lt", "gt", "quot", "apos"].contains(&ent) {
            return Err(format!("unknown entity &{ent};"));
        }
        rest = &rest[semi + 1..];
    }
    Ok(())
}

#[test]
fn the_checker_rejects_bad_xml() {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    assert!(well_formed(&format!("{head}<svg><g></svg>")).is_err());
    assert!(well_formed(&format!("{head}<svg a=\"1\">x & y</svg>")).is_err());
    assert!(well_formed(&format!("{head}<svg a=\"1\"><g/>x &amp; y</svg>")).is_ok());
}

#[test]
fn pictures_are_xml_with_one_filled_polygon_per_region() {
    let cases = [
        ("forum-question", Domain::whole(2)),
        ("sign-flip", Domain::whole(2)),
        ("xor", unit_box(2, -1, 2)),
        ("leaky", Domain::orthant(2)),
        ("tent-3", unit_box(1, 0, 1)),
    ];
    for (name, dom) in cases {
        let net = load(name);
        let regions = Enumerator::new(&net, dom.clone()).run().unwrap();
        let r = build(&net, dom, &ReportOptions::default()).unwrap();
        assert!(!r.pictures.is_empty(), "{name}: no pictures");
        for p in &r.pictures {
            well_formed(&p.svg).unwrap_or_else(|e| panic!("{name} {}: {e}", p.file));
            assert!(
                r.markdown.contains(&format!("]({})", p.file)),
                "{name}: {} not linked",
                p.file
            );
            if p.file.starts_with("graph") {
                assert_eq!(p.svg.matches("class=\"graph\"").count(), 1);
                continue;
            }
            for reg in &regions.regions {
                assert_eq!(
                    p.svg
                        .matches(&format!("class=\"region\" data-region=\"{}\" ", reg.id))
                        .count(),
                    1,
                    "{name} {}: region {}",
                    p.file,
                    reg.id
                );
            }
            assert_eq!(
                p.svg.matches("<polygon class=\"region\"").count(),
                regions.regions.len()
            );
        }
        // Deterministic.
        let again = build(&net, regions.domain.clone(), &ReportOptions::default()).unwrap();
        assert_eq!(again.markdown, r.markdown);
        assert_eq!(again.pictures[0].svg, r.pictures[0].svg);
    }
}

#[test]
fn no_pictures_in_three_dimensions() {
    let net = Network::new(
        Shape::Flat(3),
        vec![
            Layer::Dense {
                weights: Matrix::from_rows(vec![vec![Q::ONE, Q::ONE, -Q::ONE]]).unwrap(),
                bias: vec![Q::ZERO],
            },
            Layer::Activation(Activation::Relu),
        ],
    )
    .unwrap();
    let r = build(&net, unit_box(3, -1, 1), &ReportOptions::default()).unwrap();
    assert!(r.pictures.is_empty());
    assert!(
        r.markdown
            .contains("No pictures: the domain has 3 dimensions")
    );
    assert!(r.markdown.contains("--slice \"0,0,0;1,0,0;0,1,0\""));
}

#[test]
fn counts_and_bounds_agree_with_regions() {
    for (name, dom) in [
        ("forum-question", Domain::whole(2)),
        ("sign-flip", Domain::orthant(2)),
        ("tent-3", unit_box(1, 0, 1)),
        ("xor", unit_box(2, -1, 2)),
    ] {
        let net = load(name);
        let regions = Enumerator::new(&net, dom.clone()).run().unwrap();
        let r = build(&net, dom, &ReportOptions::default()).unwrap();
        let j = &r.json;
        assert_eq!(j["counts"]["regions"], regions.regions.len(), "{name}");
        assert_eq!(
            j["counts"]["pieces"],
            regions.piece_count.unwrap(),
            "{name}"
        );
        assert_eq!(
            j["regions"].as_array().unwrap().len(),
            regions.regions.len()
        );
        for b in j["bounds"].as_array().unwrap() {
            if let Some(v) = b["value"].as_str() {
                let v: u64 = v.parse().unwrap();
                assert!(regions.regions.len() as u64 <= v, "{name}: {b}");
            }
        }
        assert!(r.markdown.contains(&format!(
            "| activation regions | {} |",
            regions.regions.len()
        )));
    }
    // forum question: ReLU widths 3, 2 on R^2; tent-3: widths 2, 2, 2 on R^1.
    let b = |name: &str, k: usize| {
        let r = build(
            &load(name),
            if k == 2 {
                Domain::whole(2)
            } else {
                unit_box(1, 0, 1)
            },
            &ReportOptions::default(),
        )
        .unwrap();
        r.json["bounds"][2]["value"].as_str().unwrap().to_string()
    };
    assert_eq!(b("forum-question", 2), serra_bound(2, &[3, 2]).to_string());
    assert_eq!(b("forum-question", 2), "25");
    assert_eq!(b("tent-3", 1), serra_bound(1, &[2, 2, 2]).to_string());
    assert_eq!(b("tent-3", 1), "27");
    assert_eq!(zaslavsky_bound(141, 2).to_string(), "10012");
    assert_eq!(serra_bound(2, &[141]), zaslavsky_bound(141, 2));
}

/// One hidden layer of `n` ReLUs whose kinks are tangents of the parabola `x2 = x1^2`:
/// no two parallel, no three through a point, so on R^2 there are exactly
/// `1 + n + C(n, 2)` regions (10,012 for n = 141).
fn tangents(n: i64) -> Network {
    let rows: Vec<Vec<Q>> = (0..n)
        .map(|i| vec![Q::new(2 * i - n, 4), -Q::ONE])
        .collect();
    let bias: Vec<Q> = (0..n)
        .map(|i| -(Q::new(i * 2 - n, 8) * Q::new(i * 2 - n, 8)))
        .collect();
    let out: Vec<Q> = (0..n).map(|i| Q::from_int(i + 1)).collect();
    Network::new(
        Shape::Flat(2),
        vec![
            Layer::Dense {
                weights: Matrix::from_rows(rows).unwrap(),
                bias,
            },
            Layer::Activation(Activation::Relu),
            Layer::Dense {
                weights: Matrix::from_rows(vec![out]).unwrap(),
                bias: vec![Q::ZERO],
            },
        ],
    )
    .unwrap()
}

#[test]
fn a_net_with_ten_thousand_regions_gets_an_incomplete_report_within_budget() {
    let net = tangents(141);
    let opts = ReportOptions {
        budget: Budget::unlimited()
            .with_max_regions(150)
            .with_time_limit(Duration::from_secs(2)),
        ..Default::default()
    };
    let start = Instant::now();
    let r = build(&net, Domain::whole(2), &opts).unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(secs < 8.0, "took {secs} s");
    assert!(!r.complete);
    assert_eq!(r.json["complete"], false);
    assert!(r.markdown.contains("**INCOMPLETE REPORT.**"));
    assert!(r.markdown.contains("more rows left out"));
    assert_eq!(r.json["counts"]["pieces"], serde_json::Value::Null);
    assert_eq!(r.json["bounds"][1]["value"], "10012");
    // Nothing the enumeration did not establish: no property holds from partial regions.
    for v in r.json["verdicts"].as_array().unwrap() {
        assert_ne!(v["holds"], true, "{v}");
    }
    assert_eq!(r.json["units"]["decided"], false);
}

#[test]
fn report_command_writes_the_files() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-report-test-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let _ = std::fs::remove_dir_all(&dir);
    let o = relucheck(&[
        "report",
        repo("examples/xor.json").to_str().unwrap(),
        "--box",
        "-1:2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).starts_with(&format!("report written to {}", dir.display())));
    for f in ["report.md", "report.json", "regions.svg", "output.svg"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(j["relucheck_report"], 2);
    std::fs::remove_dir_all(&dir).unwrap();
    let o = relucheck(&[
        "report",
        repo("examples/xor.json").to_str().unwrap(),
        "--output",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

/// README's picture is the current output of its documented command.
#[test]
fn the_readme_picture_is_up_to_date() {
    let r = build(
        &load("forum-question"),
        Domain::whole(2),
        &ReportOptions::default(),
    )
    .unwrap();
    let p = r.pictures.iter().find(|p| p.file == "regions.svg").unwrap();
    let committed = std::fs::read_to_string(repo("docs/forum-question-report/regions.svg"))
        .expect("docs/forum-question-report/regions.svg");
    assert!(
        committed == p.svg,
        "docs/forum-question-report is stale: cargo run --release -- report examples/forum-question.json --out docs/forum-question-report"
    );
}

#[test]
fn a_complete_report_on_a_box_stays_complete_when_an_extra_check_is_cut_short() {
    // leaky relu is positively homogeneous on R^2: only a whole-space enumeration shows it.
    // With no time for extra enumerations, that verdict is unknown and says which check was
    // cut short; the box the user asked for is fully established, so the report is complete.
    let net = load("leaky");
    let opts = ReportOptions {
        aux_time_limit: Duration::ZERO,
        ..ReportOptions::default()
    };
    let r = build(&net, unit_box(2, -1, 1), &opts).unwrap();
    assert!(r.complete, "{}", r.markdown);
    assert!(!r.markdown.contains("INCOMPLETE"), "{}", r.markdown);
    let whole = &r.json["whole_space_verdicts"];
    let text = r
        .markdown
        .split("### On the whole input space")
        .nth(1)
        .unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("| positive-homogeneity"))
        .unwrap();
    assert!(row.contains("--aux-time-limit"), "{row}\n{whole:?}");
    assert!(row.contains("whole input space"), "{row}");
    // With the default budget the same verdict is established (it holds).
    let r = build(&net, unit_box(2, -1, 1), &ReportOptions::default()).unwrap();
    let text = r
        .markdown
        .split("### On the whole input space")
        .nth(1)
        .unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("| positive-homogeneity"))
        .unwrap();
    assert!(row.contains("**holds**"), "{row}");
}

#[test]
fn a_failure_on_a_slice_is_carried_over_to_the_whole_space_without_enumerating_it() {
    // On a 2-D slice of the 16-input conv net, affinity fails; the whole-space verdicts of
    // affine and linear reuse that counterexample (no time at all for extra enumerations),
    // as network inputs, and the counterexample is one: checked here with `eval`.
    let net = load("conv-relu");
    let e = |k: usize| {
        let mut v = vec![Q::ZERO; 16];
        v[k] = Q::ONE;
        v
    };
    let bounds = (vec![Q::from_int(-1); 2], vec![Q::ONE; 2]);
    let dom = Domain::slice(vec![Q::ZERO; 16], e(0), e(1), Some(bounds)).unwrap();
    let opts = ReportOptions {
        aux_time_limit: Duration::ZERO,
        ..ReportOptions::default()
    };
    let r = build(&net, dom, &opts).unwrap();
    // The slice's enumeration is complete, so the report is, though the extra whole-space
    // enumerations had no time at all.
    assert!(r.complete);
    assert_eq!(r.json["complete"], true);
    assert!(
        !r.markdown.to_lowercase().contains("incomplete"),
        "{}",
        r.markdown
    );
    let text = r
        .markdown
        .split("### On the whole input space")
        .nth(1)
        .unwrap();
    for p in ["| affine", "| linear"] {
        let row = text.lines().find(|l| l.starts_with(p)).unwrap();
        assert!(
            row.contains("**fails**") && row.contains("carried over"),
            "{row}"
        );
    }
    for v in r.json["whole_space_verdicts"].as_array().unwrap() {
        if v["property"] != "affine" {
            continue;
        }
        let c = &v["counterexample"];
        let point = |k: &str| -> Vec<Q> {
            c[k].as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().parse().unwrap())
                .collect()
        };
        let (x, y) = (point("x"), point("y"));
        assert_eq!(x.len(), 16, "network inputs, not slice coordinates: {c}");
        let half = Q::new(1, 2);
        let m: Vec<Q> = x.iter().zip(&y).map(|(a, b)| (a + b) * &half).collect();
        let (fx, fy, fm) = (
            net.eval(&x).unwrap(),
            net.eval(&y).unwrap(),
            net.eval(&m).unwrap(),
        );
        assert_ne!(fm[0].clone(), (&fx[0] + &fy[0]) * &half, "{c}");
    }
}

/// Every text of a picture, with its position, size, anchor and body (tooltips left out).
fn svg_texts(svg: &str) -> Vec<(f64, u32, String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].to_string())
    };
    let mut out = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let Some(close) = piece.find('>') else {
            continue;
        };
        let tag = &piece[..close];
        let rest = &piece[close + 1..];
        let body = &rest[..rest.find("</text>").unwrap()];
        let body = match body.find("</title>") {
            Some(i) => &body[i + "</title>".len()..],
            None => body,
        };
        out.push((
            attr(tag, "x").unwrap().parse().unwrap(),
            attr(tag, "font-size").unwrap().parse().unwrap(),
            attr(tag, "text-anchor").unwrap_or_else(|| "start".into()),
            body.to_string(),
        ));
    }
    out
}

/// Pictures of a net with float32 weights: labels and legends are short (rounded, marked
/// ≈, the exact form in a `<title>` tooltip) and every text fits inside the canvas by a
/// width estimate of 0.6 em per character (DejaVu Sans averages about 0.55), so nothing is
/// cut (issue 14).
#[test]
fn long_numbers_stay_inside_the_pictures() {
    let w = |v: f32| format!("\"{}\"", Q::from_f32(v).unwrap());
    let json = format!(
        r#"{{"relucheck": 1, "input_shape": [2], "layers": [
        {{"type": "dense", "weights": [[{}, {}], [{}, {}]], "bias": [{}, {}]}},
        {{"type": "relu"}},
        {{"type": "dense", "weights": [[{}, {}]], "bias": [{}]}}]}}"#,
        w(0.731_234_5),
        w(-0.412_345_6),
        w(0.212_345_7),
        w(0.913_456_7),
        w(0.101_234_5),
        w(-0.231_234_5),
        w(1.123_456_7),
        w(-0.871_234_5),
        w(0.051_234_5)
    );
    let net = Network::from_json_str(&json).unwrap();
    let mut pictures = build(&net, Domain::whole(2), &ReportOptions::default())
        .unwrap()
        .pictures;
    let seg = Domain::segment(
        vec![Q::from_int(-2), Q::from_int(-1)],
        vec![Q::from_int(2), Q::from_int(1)],
    )
    .unwrap();
    pictures.extend(
        build(&net, seg, &ReportOptions::default())
            .unwrap()
            .pictures,
    );
    assert!(pictures.len() >= 3, "{}", pictures.len());
    for p in &pictures {
        let width: f64 = {
            let i = p.svg.find(" width=\"").unwrap() + 8;
            p.svg[i..i + p.svg[i..].find('"').unwrap()].parse().unwrap()
        };
        assert!(p.svg.contains("<title>"), "{}: no tooltip", p.file);
        for (x, size, anchor, body) in svg_texts(&p.svg) {
            let len = body.chars().count() as f64 * size as f64 * 0.6;
            let right = match anchor.as_str() {
                "middle" => x + len / 2.0,
                "end" => x,
                _ => x + len,
            };
            assert!(
                right <= width,
                "{}: {body:?} ends at {right:.0} > {width}",
                p.file
            );
        }
    }
}

/// The character of `layer`'s unit `unit` in a pattern string (`000|01`): the groups are
/// the network's piecewise-linear layers, in order.
fn pattern_char(net: &Network, pattern: &str, layer: usize, unit: usize) -> char {
    let group = net.layers()[..layer]
        .iter()
        .filter(|l| !l.is_affine())
        .count();
    let part = pattern.split('|').nth(group).expect("a group per layer");
    part.chars().nth(unit).expect("a character per unit")
}

/// One numbering from 0 for regions, pieces, layers and units: the unit the report names
/// (in the learner's answer and in the table of units that never change piece) is found in
/// the regions' own patterns at that 0-based position, with the pieces it says.
#[test]
fn units_and_regions_are_numbered_from_zero_everywhere() {
    let mut witnesses = 0;
    for (name, dom) in [
        ("forum-question", Domain::whole(2)),
        ("forum-question", unit_box(2, -1, 1)),
        ("xor", unit_box(2, -1, 2)),
        ("sign-flip", Domain::whole(2)),
        ("tent-3", unit_box(1, 0, 1)),
    ] {
        let net = load(name);
        let r = build(&net, dom, &ReportOptions::default()).unwrap();
        assert!(r.markdown.contains(relucheck::present::report::NUMBERING));
        let regions = r.json["regions"].as_array().unwrap();
        let pattern_of = |id: &serde_json::Value| {
            let found = regions.iter().find(|g| g["id"] == *id).expect("the region");
            found["pattern"].as_str().unwrap().to_string()
        };
        let w = &r.json["learner"]["witness"];
        if !w.is_null() {
            witnesses += 1;
            let (layer, unit) = (w["layer"].as_u64().unwrap(), w["unit"].as_u64().unwrap());
            let chars: Vec<char> = (0..2)
                .map(|i| {
                    let p = pattern_of(&w["regions"][i]);
                    assert_eq!(p, w["patterns"][i], "{name}: the witness's pattern");
                    pattern_char(&net, &p, layer as usize, unit as usize)
                })
                .collect();
            assert_ne!(chars[0], chars[1], "{name}: the named unit must differ");
            for (c, piece) in chars.iter().zip(w["pieces"].as_array().unwrap()) {
                assert_eq!(c.to_digit(10), piece.as_u64().map(|p| p as u32), "{name}");
            }
            let text = format!("unit {unit} of layer {layer} (");
            assert!(r.markdown.contains(&text), "{name}: {text}");
        }
        for c in r.json["units"]["constant"].as_array().into_iter().flatten() {
            let (layer, unit) = (c["layer"].as_u64().unwrap(), c["unit"].as_u64().unwrap());
            for g in regions {
                let p = g["pattern"].as_str().unwrap();
                let ch = pattern_char(&net, p, layer as usize, unit as usize);
                assert_eq!(ch.to_digit(10), c["piece"].as_u64().map(|p| p as u32));
            }
        }
    }
    assert!(witnesses >= 2, "the test must see some named units");
}

/// The 1-D picture numbers its pieces with the report's linear pieces (from 0), and every
/// linear piece of a one-output net gets exactly one number.
#[test]
fn the_graph_numbers_its_pieces_as_the_report_does() {
    let net = crate::regions::tent(4);
    let r = build(&net, unit_box(1, 0, 1), &ReportOptions::default()).unwrap();
    let pieces: std::collections::BTreeSet<u64> = r.json["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["piece"].as_u64().unwrap())
        .collect();
    assert_eq!(pieces.len(), 16);
    let graph = r.pictures.iter().find(|p| p.output == Some(0)).unwrap();
    let numbers: Vec<u64> = graph
        .svg
        .lines()
        .filter(|l| l.contains("class=\"piece-label\""))
        .map(|l| {
            let text = l.rsplit_once("\">").unwrap().1.trim_end_matches("</text>");
            text.parse()
                .unwrap_or_else(|_| panic!("a number label: {l}"))
        })
        .collect();
    assert_eq!(numbers.len(), 16, "one label per piece");
    let labelled: std::collections::BTreeSet<u64> = numbers.iter().copied().collect();
    assert_eq!(labelled, pieces);
    assert!(graph.svg.contains("numbers: linear pieces, from 0"));
}

/// Issue 13: a report on a 2-D slice of an imported-looking float32 net (64 inputs) finishes
/// quickly and complete, and every interior point it prints is simple (denominators below
/// 2^16) and strictly inside its region, checked here independently: each inequality of the
/// region evaluated exactly, and the network's own activation pattern at the point.
#[test]
fn issue_13_report_on_a_float32_slice_has_simple_interior_points() {
    let net = relucheck::analysis::testing::float32_mlp(&[64, 16, 8, 3], 13);
    let d = 64;
    let e = |i: usize| (0..d).map(|j| Q::from_int(i64::from(i == j))).collect();
    let bounds = (vec![-Q::ONE; 2], vec![Q::ONE; 2]);
    let dom = Domain::slice(vec![Q::ZERO; d], e(0), e(1), Some(bounds)).unwrap();
    let start = Instant::now();
    let r = build(&net, dom.clone(), &ReportOptions::default()).unwrap();
    let took = start.elapsed();
    assert!(r.complete, "the enumeration and every verdict finish");
    assert!(
        took < Duration::from_secs(5),
        "well under the extra checks' 10 s: {took:?}"
    );
    assert!(r.regions.regions.len() > 20, "{}", r.regions.regions.len());
    let q = |v: &serde_json::Value| v.as_str().unwrap().parse::<Q>().unwrap();
    let limit = num_bigint::BigInt::from(1u32 << 16);
    let regions = r.json["regions"].as_array().unwrap();
    assert_eq!(regions.len(), r.regions.regions.len());
    for reg in regions {
        let p: Vec<Q> = reg["interior_point"]
            .as_array()
            .unwrap()
            .iter()
            .map(q)
            .collect();
        assert!(
            p.iter().all(|c| c.denom() < limit),
            "region {}: {p:?} is not simple",
            reg["id"]
        );
        for h in reg["inequalities"].as_array().unwrap() {
            let a: Vec<Q> = h["a"].as_array().unwrap().iter().map(q).collect();
            let lhs: Q = a.iter().zip(&p).map(|(a, x)| a * x).sum();
            assert!(
                lhs < q(&h["b"]),
                "region {}: {p:?} on or past a side",
                reg["id"]
            );
        }
        assert!(p.iter().all(|c| c.abs() < Q::ONE), "inside the slice's box");
        let x = dom.to_input(&p);
        assert_eq!(
            net.trace(&x).unwrap().pattern().to_string(),
            reg["pattern"].as_str().unwrap(),
            "the network's own pattern at the point"
        );
    }
    // report.md shows the same points, and no long fraction among them.
    for reg in regions.iter().take(50) {
        let p: Vec<String> = reg["interior_point"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let shown = format!("[{}]", p.join(", "));
        assert!(r.markdown.contains(&shown), "{shown} in report.md");
    }
}

/// Issue 13: a report on all of R^64 of a 64-16-8-3 net would run its exact LPs in 64
/// dimensions to the region cap for minutes, silently. Without a time limit it is refused
/// at once with the fixes named (a concrete slice command for this network, a segment, a
/// time limit); small nets and domains are not refused.
#[test]
fn issue_13_a_report_on_64_dimensions_is_refused_at_once() {
    let net = relucheck::analysis::testing::float32_mlp(&[64, 16, 8, 3], 13);
    // The command line's default cap: 2^24 activation patterns may exceed it.
    let opts = ReportOptions {
        budget: Budget::unlimited().with_max_regions(100_000),
        ..Default::default()
    };
    let start = Instant::now();
    let Err(err) = build(&net, Domain::whole(64), &opts) else {
        panic!("a report on R^64 is refused");
    };
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    let why = err.to_string();
    let zeros = vec!["0"; 64].join(",");
    assert!(why.contains("64 dimensions"), "{why}");
    assert!(
        why.contains(&format!("relucheck report NET --slice \"{zeros};1,")),
        "{why}"
    );
    assert!(
        why.contains("--segment") && why.contains("--time-limit"),
        "{why}"
    );
    // Nets in 16 dimensions or fewer, and small bounds, are not refused.
    let conv = load("conv-relu");
    assert_eq!(refusal(&conv, &Domain::whole(16), &opts, "NET"), None);
    let small = relucheck::analysis::testing::float32_mlp(&[64, 3, 1], 13);
    assert_eq!(
        refusal(&small, &Domain::whole(64), &opts, "NET"),
        None,
        "8 patterns"
    );
}

/// The command line names the network's own path in the suggested slice command, and
/// exits 1 (an input error) at once.
#[test]
fn issue_13_report_command_suggests_a_slice_of_the_network_given() {
    let net = relucheck::analysis::testing::float32_mlp(&[64, 16, 8, 3], 13);
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-report-64-")
        .tempdir()
        .unwrap();
    let path = tmp.path().join("mlp64.json");
    std::fs::write(&path, net.to_json()).unwrap();
    let out = tmp.path().join("out");
    let start = Instant::now();
    let o = relucheck(&[
        "report",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("relucheck report {} --slice \"", path.display())),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

/// Calls of the progress hook, for [`a_report_shows_the_progress_of_its_enumerations`].
static PROGRESS_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_progress(p: relucheck::Progress) {
    assert!(p.regions <= 301, "{p:?}");
    PROGRESS_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn a_report_shows_the_progress_of_its_enumerations() {
    // 300 kinks in [0, 1]: 301 regions, more than the 256 between two progress calls.
    let n = 300;
    let net = Network::new(
        Shape::Flat(1),
        vec![
            Layer::Dense {
                weights: Matrix::from_rows(vec![vec![Q::ONE]; n]).unwrap(),
                bias: (0..n)
                    .map(|i| Q::new(-(i as i64) - 1, n as i64 + 1))
                    .collect(),
            },
            Layer::Activation(Activation::Relu),
            Layer::Dense {
                weights: Matrix::from_rows(vec![
                    (0..n)
                        .map(|i| Q::from_int(if i % 2 == 0 { 2 } else { -2 }))
                        .collect(),
                ])
                .unwrap(),
                bias: vec![Q::ZERO],
            },
        ],
    )
    .unwrap();
    let opts = ReportOptions {
        threads: Some(1),
        aux_time_limit: Duration::ZERO,
        progress: Some(count_progress),
        ..Default::default()
    };
    let r = build(&net, unit_box(1, 0, 1), &opts).unwrap();
    assert!(r.markdown.contains("| activation regions | 301 |"));
    assert!(PROGRESS_CALLS.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}
