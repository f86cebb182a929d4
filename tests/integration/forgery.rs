//! Differential forgery test of `verify` (issue 16): random small, deliberately degenerate
//! ReLU nets (zero rows, dead units, duplicated units, all-zero layers), and certificates
//! mutated from valid ones or forged from scratch. Whenever `verify` accepts, two
//! independent exact checks must agree that the property holds on the reported domain:
//! the region-based [`Checker`], and a brute-force search on a grid of small rationals.
//!
//! `RELUCHECK_FORGERY_CASES=N` runs N networks (default 30, a few hundred certificates);
//! `RELUCHECK_FORGERY_SEED` picks the seed. The long run prints its figures.

use relucheck::analysis::certificate::{Certificate, verify};
use relucheck::{Checker, Domain, DomainKind, Network, Property, Q};
use serde_json::{Value, json};

/// splitmix64: deterministic, seeded, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A random dense layer `rows x cols`, degenerate on purpose.
fn dense(rng: &mut Rng, rows: usize, cols: usize) -> Value {
    let all_zero = rng.chance(8);
    let mut w: Vec<Vec<i64>> = vec![];
    let mut b: Vec<i64> = vec![];
    for i in 0..rows {
        if all_zero || rng.chance(15) {
            w.push(vec![0; cols]);
            b.push(if all_zero { 0 } else { rng.range(-1, 1) });
        } else if i > 0 && rng.chance(20) {
            // A duplicated (coincident) unit, sometimes scaled.
            let k = rng.range(1, 2);
            let j = rng.below(i as u64) as usize;
            let row = w[j].iter().map(|v| v * k).collect();
            w.push(row);
            b.push(b[j] * k);
        } else {
            w.push((0..cols).map(|_| rng.range(-2, 2)).collect());
            // Dead units: a very negative bias.
            b.push(if rng.chance(10) { -9 } else { rng.range(-2, 2) });
        }
    }
    json!({"type": "dense", "weights": w, "bias": b})
}

fn random_net(rng: &mut Rng) -> Network {
    let n_in = rng.range(1, 3) as usize;
    let mut layers = vec![];
    let mut cols = n_in;
    for _ in 0..rng.range(1, 3) {
        let width = rng.range(1, 3) as usize;
        layers.push(dense(rng, width, cols));
        layers.push(json!({"type": "relu"}));
        cols = width;
    }
    let outs = rng.range(1, 2) as usize;
    layers.push(dense(rng, outs, cols));
    let v = json!({"relucheck": 1, "input_shape": [n_in], "layers": layers});
    Network::from_json_str(&v.to_string()).unwrap()
}

fn q(n: i64) -> Q {
    Q::from_int(n)
}

/// A brute-force exact search for a counterexample to `p` on `dom` over a grid of small
/// rationals (the families that refute each property): `true` when one is found.
fn grid_refutes(net: &Network, p: Property, dom: &Domain) -> bool {
    let d = net.input_dim();
    let orthant = *dom.kind() == DomainKind::Orthant;
    let vals: Vec<Q> = [-3, -2, -1, 0, 1, 2, 3]
        .into_iter()
        .flat_map(|n| [Q::new(n, 1), Q::new(n, 2)])
        .filter(|v| !orthant || !v.is_negative())
        .collect();
    let mut points: Vec<Vec<Q>> = vec![vec![]];
    for _ in 0..d {
        points = points
            .into_iter()
            .flat_map(|p| {
                vals.iter().map(move |v| {
                    let mut p = p.clone();
                    p.push(v.clone());
                    p
                })
            })
            .collect();
    }
    // Keep the grid small in 3-D.
    if points.len() > 400 {
        points = points.into_iter().step_by(7).collect();
    }
    let f = |x: &[Q]| net.eval(x).unwrap();
    let add = |a: &[Q], b: &[Q]| -> Vec<Q> { a.iter().zip(b).map(|(x, y)| x + y).collect() };
    let scale = |a: &Q, x: &[Q]| -> Vec<Q> { x.iter().map(|v| a * v).collect() };
    let zero = vec![Q::zero(); d];
    let f0 = f(&zero);
    let scalars: Vec<Q> = [q(0), q(2), q(3), Q::new(1, 2)]
        .into_iter()
        .chain((!orthant).then(|| [q(-1), q(-2)]).into_iter().flatten())
        .collect();
    for x in &points {
        let fx = f(x);
        match p {
            Property::Additivity | Property::Linear | Property::Affine => {
                for y in points.iter().step_by(5) {
                    let (fy, fxy) = (f(y), f(&add(x, y)));
                    let lhs = add(&fx, &fy);
                    let rhs = if p == Property::Affine {
                        add(&fxy, &f0)
                    } else {
                        fxy
                    };
                    if lhs != rhs {
                        return true;
                    }
                }
                if p == Property::Linear && f0.iter().any(|v| !v.is_zero()) {
                    return true;
                }
                if p != Property::Affine && !orthant && f(&scale(&q(-1), x)) != scale(&q(-1), &fx) {
                    return true;
                }
            }
            Property::PositiveHomogeneity | Property::Homogeneity => {
                for a in &scalars {
                    if p == Property::PositiveHomogeneity && a.is_negative() {
                        continue;
                    }
                    if f(&scale(a, x)) != scale(a, &fx) {
                        return true;
                    }
                }
            }
            Property::Odd => {
                if f(&scale(&q(-1), x)) != scale(&q(-1), &fx) {
                    return true;
                }
            }
        }
    }
    false
}

/// One random change to a valid certificate.
fn mutate(rng: &mut Rng, c: &mut Value) {
    let np = c["parts"].as_array().map_or(0, Vec::len).max(1);
    let part = &mut c["parts"][rng.below(np as u64) as usize];
    let pick = |rng: &mut Rng, v: &mut Value| -> Option<usize> {
        let n = v.as_array().map_or(0, Vec::len);
        (n > 0).then(|| rng.below(n as u64) as usize)
    };
    match rng.below(10) {
        0 => {
            if let Some(i) = pick(rng, &mut part["regions"]) {
                part["regions"].as_array_mut().unwrap().remove(i);
            }
        }
        1 => {
            if let Some(i) = pick(rng, &mut part["exclusions"]) {
                part["exclusions"].as_array_mut().unwrap().remove(i);
            }
        }
        2 | 3 => {
            if let Some(i) = pick(rng, &mut part["exclusions"]) {
                let e = &mut part["exclusions"][i];
                if let Some(y) = e.get_mut("empty").and_then(Value::as_array_mut) {
                    if !y.is_empty() {
                        let j = rng.below(y.len() as u64) as usize;
                        y[j] = json!(rng.range(0, 3).to_string());
                    }
                } else {
                    e["coincides_with"] = json!(rng.range(0, 2));
                }
            }
        }
        4 => {
            if let Some(i) = pick(rng, &mut part["exclusions"]) {
                part["exclusions"][i]["piece"] = json!(rng.range(0, 2));
            }
        }
        5 | 6 => {
            let (key, field) = if rng.chance(50) {
                ("regions", "pattern")
            } else {
                ("exclusions", "path")
            };
            if let Some(i) = pick(rng, &mut part[key]) {
                let s = part[key][i][field].as_str().unwrap_or("").to_string();
                let mut b = s.into_bytes();
                let digits: Vec<usize> = (0..b.len()).filter(|&k| b[k] != b'|').collect();
                if !digits.is_empty() {
                    let k = digits[rng.below(digits.len() as u64) as usize];
                    b[k] = if b[k] == b'0' { b'1' } else { b'0' };
                }
                part[key][i][field] = json!(String::from_utf8(b).unwrap());
            }
        }
        7 => {
            let p = Property::ALL[rng.below(6) as usize];
            c["property"] = json!(p.name());
            if rng.chance(70) {
                c["statement"] = json!(p.statement());
            }
        }
        8 => {
            let dim = part["domain"]["dim"].clone();
            let kind = if rng.chance(50) { "whole" } else { "orthant" };
            part["domain"] = json!({"kind": kind, "dim": dim});
        }
        _ => {
            // Move an exclusion onto another branch: a claim about a different set.
            if let Some(i) = pick(rng, &mut part["exclusions"]) {
                let e = &mut part["exclusions"][i];
                let s = e["path"].as_str().unwrap_or("").to_string();
                let t = if s.is_empty() || rng.chance(50) {
                    format!("{s}{}", rng.range(0, 1))
                } else {
                    s[..s.len() - 1].to_string()
                };
                e["path"] = json!(t);
            }
        }
    }
}

/// The number of ReLU units (one pattern digit each) of `net`.
fn units(net: &Network) -> usize {
    let v: Value = serde_json::from_str(&net.to_json()).unwrap();
    let layers = v["layers"].as_array().unwrap();
    layers
        .windows(2)
        .filter(|w| w[1]["type"] == "relu")
        .map(|w| w[0]["weights"].as_array().unwrap().len())
        .sum()
}

/// A certificate forged from scratch: random regions with random patterns and (invented)
/// maps satisfying the claim, and an exclusion with random non-negative multipliers on
/// every branch not leading to a listed region.
fn forge(rng: &mut Rng, net: &Network, p: Property, dom: &Domain, template: &Value) -> Value {
    let n = units(net);
    let d = net.input_dim();
    let outs = net.eval(&vec![Q::zero(); d]).unwrap().len();
    let mut c = template.clone();
    c["property"] = json!(p.name());
    c["statement"] = json!(p.statement());
    let nparts = match p {
        Property::Homogeneity => 2,
        _ => 1,
    };
    let parts: Vec<Value> = (0..nparts)
        .map(|pi| {
            let odd = p == Property::Odd || pi == 1;
            let claim = match p {
                Property::Additivity | Property::Linear => "one-linear-map",
                Property::PositiveHomogeneity => "zero-offsets",
                Property::Homogeneity if pi == 0 => "zero-offsets",
                Property::Homogeneity | Property::Odd => "zero-map",
                Property::Affine => "one-map",
            };
            let units = if odd { 2 * n } else { n };
            let pattern: String = (0..units).map(|_| if rng.chance(50) { '1' } else { '0' }).collect();
            let a: Vec<Vec<String>> = (0..outs)
                .map(|_| (0..d).map(|_| if odd { "0".into() } else { rng.range(-1, 1).to_string() }).collect())
                .collect();
            let point: Vec<String> = (0..d).map(|_| rng.range(-2, 2).to_string()).collect();
            let regions = if rng.chance(70) {
                vec![json!({"pattern": pattern, "interior_point": point,
                            "map": {"A": a, "c": vec!["0"; outs]}})]
            } else {
                vec![]
            };
            // Exclusions on every branch off the region's path (or everywhere).
            let rows = 2 * d + 2 * units + 2;
            let mut exclusions = vec![];
            let mut path = String::new();
            for k in 0..units {
                let on = pattern.as_bytes()[k];
                for piece in 0..2u8 {
                    if regions.is_empty() || b'0' + piece != on || rng.chance(10) {
                        let y: Vec<String> = (0..rng.range(0, rows as i64))
                            .map(|_| rng.range(0, 2).to_string())
                            .collect();
                        exclusions.push(json!({"path": path.clone(), "piece": piece, "empty": y}));
                    }
                }
                path.push(on as char);
            }
            json!({"subject": if odd { "f(x)+f(-x)" } else { "f" },
                   "domain": {"kind": if *dom.kind() == DomainKind::Orthant { "orthant" } else { "whole" }, "dim": d},
                   "claim": claim, "regions": regions, "exclusions": exclusions})
        })
        .collect();
    c["parts"] = json!(parts);
    c
}

#[derive(Default, Debug)]
struct Figures {
    nets: u64,
    certificates: u64,
    accepted: u64,
    accepted_true: u64,
    valid_built: u64,
}

/// Runs `cases` random networks; panics on an accepted certificate of a false property.
fn run(cases: u64, seed: u64) -> Figures {
    let mut rng = Rng(seed);
    let mut fig = Figures::default();
    let mut truth_cache = std::collections::HashMap::new();
    for case in 0..cases {
        if case > 0 && case % 10_000 == 0 {
            eprintln!("forgery: after {case} nets: {fig:?}");
        }
        let net = random_net(&mut rng);
        fig.nets += 1;
        truth_cache.clear();
        let d = net.input_dim();
        let dom = if rng.chance(25) {
            Domain::orthant(d)
        } else {
            Domain::whole(d)
        };
        let regions = Checker::new(&net, dom.clone()).regions().unwrap();
        let mut truth = |p: Property, dom: &Domain| -> bool {
            *truth_cache
                .entry((p, *dom.kind() == DomainKind::Orthant))
                .or_insert_with(|| {
                    let by_regions = Checker::new(&net, dom.clone()).check(p).unwrap().holds();
                    let by_grid = grid_refutes(&net, p, dom);
                    // The two independent checks agree with each other.
                    assert!(
                        !(by_regions == Some(true) && by_grid),
                        "the checker says {p:?} holds, the grid refutes it: {}",
                        net.to_json()
                    );
                    by_regions == Some(true) && !by_grid
                })
        };
        let mut valid: Vec<Value> = vec![];
        for p in Property::ALL {
            if p.check_domain(&dom).is_err() {
                continue;
            }
            if truth(p, &dom) {
                let c = Certificate::build(&net, p, &dom, &regions)
                    .unwrap()
                    .to_json();
                let r = verify(&c, &net);
                assert!(r.is_ok(), "a built certificate is rejected: {r:?}");
                fig.valid_built += 1;
                valid.push(c);
            }
        }
        let mut judge = |c: &Value, fig: &mut Figures| {
            fig.certificates += 1;
            if let Ok(r) = verify(c, &net) {
                fig.accepted += 1;
                assert!(
                    truth(r.property, &r.domain),
                    "SOUNDNESS: verify accepts {} on {} for {}\ncertificate: {c}",
                    r.property,
                    r.domain.describe(),
                    net.to_json()
                );
                fig.accepted_true += 1;
            }
        };
        for c in &valid {
            for _ in 0..12 {
                let mut m = c.clone();
                for _ in 0..rng.range(1, 3) {
                    mutate(&mut rng, &mut m);
                }
                judge(&m, &mut fig);
            }
        }
        let template = valid.first().cloned().unwrap_or_else(|| {
            json!({"relucheck_certificate": 1, "statement": "forged",
                   "network": {"name": net.name, "fingerprint": relucheck::analysis::certificate::fingerprint(&net)}})
        });
        for _ in 0..6 {
            let p = Property::ALL[rng.below(6) as usize];
            let f = forge(&mut rng, &net, p, &dom, &template);
            judge(&f, &mut fig);
        }
    }
    fig
}

#[test]
fn forged_and_mutated_certificates_are_accepted_only_for_true_properties() {
    let cases = std::env::var("RELUCHECK_FORGERY_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let seed = std::env::var("RELUCHECK_FORGERY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let start = std::time::Instant::now();
    let fig = run(cases, seed);
    eprintln!("forgery: {fig:?} in {:?}", start.elapsed());
    assert!(fig.valid_built > 0, "some properties hold: {fig:?}");
    assert!(fig.certificates >= cases * 4, "{fig:?}");
    assert_eq!(fig.accepted, fig.accepted_true);
}
