//! Region enumeration against counts known from theory, brute force, sampling and exact
//! area sums; degenerate networks on purpose.

use proptest::prelude::*;
use relucheck::analysis::testing::{network, rational_in};
use relucheck::{
    Activation, Domain, Enumerator, HalfSpace, Layer, Matrix, Network, Polytope, Q, Regions, Shape,
};

fn q(n: i64) -> Q {
    Q::from_int(n)
}

fn dense(rows: Vec<Vec<Q>>, bias: Vec<Q>) -> Layer {
    Layer::Dense {
        weights: Matrix::from_rows(rows).unwrap(),
        bias,
    }
}

fn relu() -> Layer {
    Layer::Activation(Activation::Relu)
}

/// One hidden ReLU layer with the given rows and biases, summed by a dense read-out.
fn one_layer(rows: Vec<Vec<Q>>, bias: Vec<Q>) -> Network {
    let d = rows[0].len();
    let n = rows.len();
    Network::new(
        Shape::Flat(d),
        vec![
            dense(rows, bias),
            relu(),
            dense(vec![(1..=n as i64).map(q).collect()], vec![Q::ZERO]),
        ],
    )
    .unwrap()
}

/// Telgarsky's tent map composed k times.
pub fn tent(k: usize) -> Network {
    let half = Q::new(1, 2);
    let mut layers = vec![
        dense(vec![vec![q(1)], vec![q(1)]], vec![Q::ZERO, -&half]),
        relu(),
    ];
    for _ in 1..k {
        layers.push(dense(
            vec![vec![q(2), q(-4)], vec![q(2), q(-4)]],
            vec![Q::ZERO, -&half],
        ));
        layers.push(relu());
    }
    layers.push(dense(vec![vec![q(2), q(-4)]], vec![Q::ZERO]));
    Network::new(Shape::Flat(1), layers).unwrap()
}

fn regions(net: &Network, dom: Domain) -> Regions {
    let r = Enumerator::new(net, dom).run().unwrap();
    assert!(r.is_complete());
    r
}

fn unit_box(d: usize, lo: i64, hi: i64) -> Domain {
    Domain::boxed(vec![q(lo); d], vec![q(hi); d]).unwrap()
}

/// The exact area of a 2-D region from its vertices (shoelace).
fn area(vertices: &[Vec<Q>]) -> Q {
    let n = vertices.len();
    let mut twice = Q::ZERO;
    for i in 0..n {
        let (a, b) = (&vertices[i], &vertices[(i + 1) % n]);
        twice += &a[0] * &b[1] - &a[1] * &b[0];
    }
    twice / q(2)
}

/// Checks the invariants every enumeration must satisfy, against independent methods.
fn check_invariants(net: &Network, r: &Regions, samples: &[Vec<Q>]) {
    let k = r.domain.dim();
    for reg in &r.regions {
        // The interior point is strictly inside, traces to the region's pattern, and the
        // map is the network there.
        assert!(reg.polytope.contains_strictly(&reg.interior_point));
        let x = r.domain.to_input(&reg.interior_point);
        let t = net.trace(&x).unwrap();
        assert_eq!(t.pattern(), reg.pattern, "region {}", reg.id);
        assert_eq!(t.output(), reg.map.apply(&reg.interior_point).as_slice());
        // Adjacency is symmetric.
        for nb in reg.neighbour_ids() {
            assert!(
                r.regions[nb].neighbour_ids().contains(&reg.id),
                "{} -> {nb}",
                reg.id
            );
        }
    }
    // Sampling: a point strictly inside one region is strictly inside no other, its traced
    // pattern is that region's, and the region's map gives the network's value.
    for y in samples {
        if !r.domain.polytope().contains(y) {
            continue;
        }
        let inside: Vec<_> = r
            .regions
            .iter()
            .filter(|g| g.polytope.contains(y))
            .collect();
        assert!(!inside.is_empty(), "{y:?} is in no region");
        let strict: Vec<_> = inside
            .iter()
            .filter(|g| g.polytope.contains_strictly(y))
            .collect();
        assert!(strict.len() <= 1);
        let x = r.domain.to_input(y);
        let out = net.eval(&x).unwrap();
        for g in &inside {
            assert_eq!(g.map.apply(y), out, "continuity at {y:?}");
        }
        if let [g] = strict[..] {
            assert_eq!(net.trace(&x).unwrap().pattern(), g.pattern);
            assert_eq!(r.locate(net, y), Some(g.id));
        }
    }
    // In 2-D on a box: the regions' exact areas add up to the box's.
    if k == 2 && r.domain.is_bounded() {
        let total: Q = r
            .regions
            .iter()
            .map(|g| area(g.vertices.as_ref().unwrap()))
            .sum();
        let dom_area = area(&r.domain.polytope().vertices_2d().unwrap());
        assert_eq!(total, dom_area, "the regions tile the domain");
        assert!(
            r.regions
                .iter()
                .all(|g| area(g.vertices.as_ref().unwrap()).is_positive())
        );
    }
    if k == 1 && r.domain.is_bounded() {
        let total: Q = r
            .regions
            .iter()
            .map(|g| {
                let v = g.vertices.as_ref().unwrap();
                &v[1][0] - &v[0][0]
            })
            .sum();
        let v = r.domain.polytope().vertices();
        assert_eq!(total, (&v[0][0] - &v[1][0]).abs());
    }
}

fn grid(k: usize, lo: i64, hi: i64, steps: i64) -> Vec<Vec<Q>> {
    let pts: Vec<Q> = (0..=steps)
        .map(|i| q(lo) + Q::new(i * (hi - lo), steps) + Q::new(1, 1009))
        .collect();
    match k {
        1 => pts.iter().map(|a| vec![a.clone()]).collect(),
        2 => pts
            .iter()
            .flat_map(|a| {
                pts.iter()
                    .map(move |b| vec![a.clone(), b.clone() + Q::new(1, 997)])
            })
            .collect(),
        _ => pts.iter().map(|a| vec![a.clone(); k]).collect(),
    }
}

#[test]
fn tent_map_has_2_to_the_k_regions_on_the_unit_interval() {
    for k in 1..=7 {
        let net = tent(k);
        let r = regions(&net, unit_box(1, 0, 1));
        assert_eq!(r.regions.len(), 1 << k, "k = {k}");
        assert_eq!(r.piece_count, Some(1 << k));
        check_invariants(&net, &r, &grid(1, 0, 1, 50));
        if k >= 2 {
            let whole = regions(&net, Domain::whole(1));
            assert_eq!(whole.regions.len(), (1 << k) + 2, "k = {k} on R");
        }
    }
}

#[test]
fn tent_map_composed_12_times_has_4096_regions() {
    let net = tent(12);
    let r = Enumerator::new(&net, unit_box(1, 0, 1))
        .with_details(false)
        .run()
        .unwrap();
    assert_eq!(r.regions.len(), 4096);
}

/// Lines a_i·x + b_i with small integer coefficients in general position (no two
/// parallel, no three through a point), checked exactly.
fn general_lines(n: usize, seed: u64) -> (Vec<Vec<Q>>, Vec<Q>) {
    let mut s = seed;
    let mut next = |m: i64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 33) % (2 * m as u64 + 1)) as i64 - m
    };
    let mut rows: Vec<Vec<Q>> = vec![];
    let mut bias: Vec<Q> = vec![];
    while rows.len() < n {
        let (a, b, c) = (q(next(9)), q(next(9)), q(next(9)));
        let row = vec![a, b];
        if row.iter().all(Q::is_zero) {
            continue;
        }
        let parallel = |r: &Vec<Q>| &r[0] * &row[1] == &r[1] * &row[0];
        if rows.iter().any(parallel) {
            continue;
        }
        // No three concurrent: the new line misses every pairwise intersection.
        let mut ok = true;
        for i in 0..rows.len() {
            for j in i + 1..rows.len() {
                let m = Matrix::from_rows(vec![rows[i].clone(), rows[j].clone()]).unwrap();
                let p = m.solve(&[-&bias[i], -&bias[j]]).unwrap();
                if &row[0] * &p[0] + &row[1] * &p[1] + &c == Q::ZERO {
                    ok = false;
                }
            }
        }
        if ok {
            rows.push(row);
            bias.push(c);
        }
    }
    (rows, bias)
}

#[test]
fn lines_in_general_position_give_zaslavskys_count() {
    for (n, seed) in [(1, 1), (3, 2), (6, 3), (10, 4)] {
        let (rows, bias) = general_lines(n, seed);
        let net = one_layer(rows, bias);
        let r = regions(&net, Domain::whole(2));
        assert_eq!(r.regions.len(), 1 + n + n * (n - 1) / 2, "n = {n}");
        check_invariants(&net, &r, &grid(2, -6, 6, 12));
    }
}

#[test]
fn planes_in_general_position_in_3d() {
    // Random integer planes are in general position with overwhelming probability; the
    // count C(n,0)+...+C(n,3) is checked only when every 3 normals are independent and
    // no 4 planes meet, verified exactly.
    let n = 6;
    let mut s = 7u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        q(((s >> 33) % 19) as i64 - 9)
    };
    let rows: Vec<Vec<Q>> = (0..n).map(|_| vec![next(), next(), next()]).collect();
    let bias: Vec<Q> = (0..n).map(|_| next()).collect();
    let mut general = true;
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                let m = Matrix::from_rows(vec![rows[a].clone(), rows[b].clone(), rows[c].clone()])
                    .unwrap();
                match m.solve(&[-&bias[a], -&bias[b], -&bias[c]]) {
                    None => general = false,
                    Some(p) => {
                        for (d, row) in rows.iter().enumerate() {
                            if ![a, b, c].contains(&d)
                                && relucheck::dot(row, &p) + &bias[d] == Q::ZERO
                            {
                                general = false;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(general, "pick another seed");
    let net = one_layer(rows, bias);
    let r = regions(&net, Domain::whole(3));
    assert_eq!(r.regions.len(), 1 + 6 + 15 + 20);
    check_invariants(&net, &r, &grid(3, -5, 5, 20));
}

#[test]
fn bias_free_units_in_the_plane_give_2n() {
    for n in [1usize, 2, 5, 9] {
        // Directions (1, i) and (-1, i)... no two parallel or opposite.
        let rows: Vec<Vec<Q>> = (0..n as i64).map(|i| vec![q(1), q(i)]).collect();
        let net = one_layer(rows, vec![Q::ZERO; n]);
        let r = regions(&net, Domain::whole(2));
        assert_eq!(r.regions.len(), 2 * n, "n = {n}");
    }
}

#[test]
fn max_of_two_with_three_relus_has_4_regions_and_2_pieces() {
    // max(x1, x2) = relu(x1 - x2) + relu(x2) - relu(-x2)
    let net = Network::new(
        Shape::Flat(2),
        vec![
            dense(
                vec![vec![q(1), q(-1)], vec![q(0), q(1)], vec![q(0), q(-1)]],
                vec![Q::ZERO; 3],
            ),
            relu(),
            dense(vec![vec![q(1), q(1), q(-1)]], vec![Q::ZERO]),
        ],
    )
    .unwrap();
    let r = regions(&net, Domain::whole(2));
    assert_eq!((r.regions.len(), r.piece_count), (4, Some(2)));
    let b = regions(&net, unit_box(2, -1, 1));
    assert_eq!((b.regions.len(), b.piece_count), (4, Some(2)));
    check_invariants(&net, &b, &grid(2, -1, 1, 16));
}

#[test]
fn degenerate_arrangements_are_exact() {
    let third = Q::new(1, 3);
    let tiny = Q::pow2(-30);
    type Case = (&'static str, Vec<Vec<Q>>, Vec<Q>, usize);
    let cases: Vec<Case> = vec![
        // Two coincident lines (one scaled), one opposite: still 2 regions... plus x2 = 0.
        (
            "coincident",
            vec![
                vec![q(1), q(1)],
                vec![q(2), q(2)],
                vec![q(-1), q(-1)],
                vec![q(0), q(1)],
            ],
            vec![q(0), q(0), q(0), q(0)],
            4,
        ),
        // Five lines through the origin: 10 sectors.
        (
            "concurrent",
            (0..5).map(|i| vec![q(1), q(i - 2)]).collect(),
            vec![Q::ZERO; 5],
            10,
        ),
        // Parallel lines: 4 strips.
        (
            "parallel",
            vec![vec![q(1), q(-1)]; 3],
            vec![q(0), third.clone(), q(-1)],
            4,
        ),
        // A zero row with positive, zero and negative bias: no cut at all.
        (
            "zero rows",
            vec![
                vec![q(0), q(0)],
                vec![q(0), q(0)],
                vec![q(0), q(0)],
                vec![q(1), q(0)],
            ],
            vec![q(1), q(0), q(-1), q(0)],
            2,
        ),
        // Two lines 2^-30 apart: a thin strip.
        (
            "thin",
            vec![vec![q(1), q(0)], vec![q(1), q(0)]],
            vec![Q::ZERO, -tiny.clone()],
            3,
        ),
        // A line touching the box only at its corner (1, 1): no cut.
        ("touch", vec![vec![q(1), q(1)]], vec![q(-2)], 1),
    ];
    for (name, rows, bias, expected) in cases {
        let net = one_layer(rows, bias);
        let r = regions(&net, unit_box(2, -1, 1));
        assert_eq!(r.regions.len(), expected, "{name}");
        check_invariants(&net, &r, &grid(2, -1, 1, 10));
    }
}

#[test]
fn every_piecewise_layer_kind_takes_part() {
    // hard-tanh: 3 pieces; abs: 2; leaky: 2; max-pool over 2 inputs: 2; avg-pool and conv
    // are affine.
    let text = r#"{"relucheck": 1, "input_shape": [1, 1, 2], "layers": [
        {"type": "conv2d", "weights": [[[[1]]], [[[2]]]], "bias": [0, "-1/2"]},
        {"type": "hard_tanh", "min": "-1/2", "max": "1/2"},
        {"type": "max_pool2d", "kernel_size": [1, 2]},
        {"type": "avg_pool2d", "kernel_size": 1},
        {"type": "flatten"},
        {"type": "dense", "weights": [[1, -1], [-1, 1]], "bias": [0, "1/8"]},
        {"type": "abs"},
        {"type": "leaky_relu", "alpha": "1/4"},
        {"type": "dense", "weights": [[1, 2]], "bias": [0]}
    ]}"#;
    let net = Network::from_json_str(text).unwrap();
    let r = regions(&net, unit_box(2, -2, 2));
    check_invariants(&net, &r, &grid(2, -2, 2, 12));
    assert!(r.regions.len() >= 9);
    // max-pool with real windows
    let text = r#"{"relucheck": 1, "input_shape": [1, 2, 2], "layers": [
        {"type": "max_pool2d", "kernel_size": 2}, {"type": "flatten"}]}"#;
    let net = Network::from_json_str(text).unwrap();
    let r = regions(&net, unit_box(4, -1, 1));
    assert_eq!(r.regions.len(), 4);
    assert_eq!(r.piece_count, Some(4));
    for reg in &r.regions {
        assert!(reg.polytope.contains_strictly(&reg.interior_point));
    }
}

#[test]
fn slices_and_segments() {
    let net = tent(3);
    // The segment from 0 to 1 is the unit interval.
    let seg = Domain::segment(vec![q(0)], vec![q(1)]).unwrap();
    assert_eq!(regions(&net, seg).regions.len(), 8);
    // A slice of the 16-input conv net.
    let conv = Network::load(crate::repo("examples/conv-relu.json")).unwrap();
    let mut u = vec![Q::ZERO; 16];
    let mut v = vec![Q::ZERO; 16];
    u[0] = q(1);
    v[5] = q(1);
    v[1] = q(1);
    let dom = Domain::slice(
        vec![Q::ZERO; 16],
        u,
        v,
        Some((vec![q(-1); 2], vec![q(1); 2])),
    )
    .unwrap();
    let r = regions(&conv, dom);
    check_invariants(&conv, &r, &grid(2, -1, 1, 10));
    assert!(r.regions.len() >= 3);
}

/// Brute force for one-hidden-layer and two-hidden-layer ReLU nets: try every pattern,
/// write its polyhedron from the weights directly, and keep the full-dimensional ones.
fn brute_force_patterns(net: &Network, dom: &Domain) -> Vec<String> {
    let layers = net.layers();
    let d = net.input_dim();
    let mut hidden: Vec<(Matrix, Vec<Q>)> = vec![];
    for l in layers {
        if let Layer::Dense { weights, bias } = l {
            hidden.push((weights.clone(), bias.clone()));
        }
    }
    hidden.pop(); // the read-out
    let sizes: Vec<usize> = hidden.iter().map(|(w, _)| w.rows()).collect();
    let total: usize = sizes.iter().sum();
    let mut found = vec![];
    for bits in 0u32..(1 << total) {
        let mut cons: Vec<HalfSpace> = dom.polytope().constraints().to_vec();
        // Current values as affine functions of x: rows (coefficients, constant).
        let mut cur: Vec<(Vec<Q>, Q)> = (0..d)
            .map(|i| {
                let mut e = vec![Q::ZERO; d];
                e[i] = Q::ONE;
                (e, Q::ZERO)
            })
            .collect();
        let mut bit = 0;
        let mut skip = false;
        let mut pattern = String::new();
        for (li, (w, b)) in hidden.iter().enumerate() {
            if li > 0 {
                pattern.push('|');
            }
            let mut next = vec![];
            for u in 0..w.rows() {
                let mut coef = vec![Q::ZERO; d];
                let mut c = b[u].clone();
                for (j, (cj, kj)) in cur.iter().enumerate() {
                    for t in 0..d {
                        coef[t] += &w[(u, j)] * &cj[t];
                    }
                    c += &w[(u, j)] * kj;
                }
                let active = (bits >> bit) & 1 == 1;
                bit += 1;
                if coef.iter().all(Q::is_zero) && c.is_zero() && active {
                    // Identically zero: both pieces are the same set; the lower one counts.
                    skip = true;
                }
                pattern.push(if active { '1' } else { '0' });
                if active {
                    cons.push(HalfSpace::new(coef.iter().map(|v| -v).collect(), c.clone()));
                    next.push((coef, c));
                } else {
                    cons.push(HalfSpace::new(coef, -c));
                    next.push((vec![Q::ZERO; d], Q::ZERO));
                }
            }
            cur = next;
        }
        // Constant constraints: drop the ones that hold, reject the pattern on one that fails.
        if cons.iter().any(|h| h.is_trivial() && h.b.is_negative()) {
            continue;
        }
        cons.retain(|h| !h.is_trivial());
        if !skip && Polytope::new(d, cons).interior_point().is_some() {
            found.push(pattern);
        }
    }
    found.sort();
    found
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn fast_enumeration_agrees_with_brute_force(net in network(&[2, 4, 3, 1])) {
        let dom = unit_box(2, -2, 2);
        let r = Enumerator::new(&net, dom.clone()).run().unwrap();
        let mut fast: Vec<String> = r.regions.iter().map(|g| g.pattern.to_string()).collect();
        fast.sort();
        let brute = brute_force_patterns(&net, &dom);
        prop_assert_eq!(fast, brute);
        check_invariants(&net, &r, &grid(2, -2, 2, 8));
    }

    #[test]
    fn random_small_nets_tile_the_box(net in network(&[2, 3, 3, 2]), s in rational_in(3, 3)) {
        let dom = Domain::boxed(vec![q(-2), &s - q(3)], vec![q(2), &s + q(3)]).unwrap();
        let r = Enumerator::new(&net, dom).run().unwrap();
        check_invariants(&net, &r, &grid(2, -2, 2, 8));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Sharing the walk among threads changes nothing: the same regions in the same order
    /// with the same ids and details, and the same stop under a region budget, on the vertex
    /// path (a box) and the LP path (the whole space).
    #[test]
    fn threads_do_not_change_the_result(
        net in network(&[3, 5, 4, 1]),
        budget in proptest::option::of(1usize..40),
        whole in any::<bool>(),
    ) {
        let dom = if whole { Domain::whole(3) } else { unit_box(3, -2, 2) };
        let run = |threads: usize| {
            let mut e = Enumerator::new(&net, dom.clone()).with_threads(threads);
            if let Some(m) = budget {
                e = e.with_max_regions(m);
            }
            e.run().unwrap()
        };
        let one = run(1);
        for threads in [2, 3] {
            let many = run(threads);
            prop_assert_eq!(&one.stop, &many.stop);
            prop_assert_eq!(one.piece_count, many.piece_count);
            prop_assert!(one.regions == many.regions, "{threads} threads: different regions");
        }
        if let Some(m) = budget {
            prop_assert!(one.regions.len() <= m);
        }
    }
}

#[test]
fn the_time_limit_holds_on_every_thread_count() {
    use relucheck::StopReason;
    use std::time::{Duration, Instant};
    // 300 random lines in the plane (three-decimal coefficients): about 20,000 regions,
    // several seconds of exact LPs on the whole plane.
    let mut s = 11u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Q::new(((s >> 33) % 2001) as i64 - 1000, 1000)
    };
    let rows = (0..300).map(|_| vec![next(), next()]).collect();
    let bias = (0..300).map(|_| next()).collect();
    let net = one_layer(rows, bias);
    for threads in [1, 2, 3] {
        for details in [false, true] {
            let limit = Duration::from_millis(300);
            let start = Instant::now();
            let r = Enumerator::new(&net, Domain::whole(2))
                .with_threads(threads)
                .with_details(details)
                .with_time_limit(limit)
                .run()
                .unwrap();
            let took = start.elapsed();
            assert_eq!(r.stop, StopReason::TimeLimit(limit), "{threads} threads");
            assert!(!r.is_complete() && r.piece_count.is_none());
            assert!(took < Duration::from_secs(3), "{threads} threads: {took:?}");
        }
    }
}

#[test]
fn the_time_limit_holds_while_one_exact_lp_runs_in_hundreds_of_dimensions() {
    use relucheck::StopReason;
    use std::time::{Duration, Instant};
    // 64 units with float32 weights on a 400-D box: each exact LP takes longer than the
    // limit, so the simplex itself must read the clock (it did not: a 784-D box ran 5-7 s
    // at a 1 s limit).
    let d = 400;
    let mut s = 5u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
        Q::from_f32((u / (d as f64).sqrt()) as f32).unwrap()
    };
    let rows = (0..64).map(|_| (0..d).map(|_| next()).collect()).collect();
    let bias = (0..64).map(|_| next()).collect();
    let net = one_layer(rows, bias);
    let dom = Domain::boxed(vec![Q::ZERO; d], vec![Q::ONE; d]).unwrap();
    for threads in [1, 2] {
        let limit = Duration::from_millis(500);
        let start = Instant::now();
        let r = Enumerator::new(&net, dom.clone())
            .with_threads(threads)
            .with_details(false)
            .with_time_limit(limit)
            .run()
            .unwrap();
        let took = start.elapsed();
        assert_eq!(r.stop, StopReason::TimeLimit(limit), "{threads} threads");
        let bound = limit.mul_f64(1.1) + Duration::from_millis(100);
        assert!(took <= bound, "{threads} threads: {took:?} > {bound:?}");
    }
}
