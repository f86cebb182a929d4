//! Views of regions for plotting and analysis: iteration over [`Regions`], and the polygon
//! of a 2-D region intersected with a window, exact and then in `f64` (unbounded regions
//! get a finite polygon this way).
//!
//! The polygon is computed exactly (the region's inequalities and the window's, vertices
//! in `Q`); only [`Region::polygon_in_f64`] rounds, at the end, for drawing.

use crate::exact::linalg::HalfSpace;
use crate::exact::rational::Q;
use crate::regions::enumerate::{Region, Regions};

impl Regions {
    /// The regions, in their deterministic order (the same as [`Regions::regions`]).
    ///
    /// ```
    /// use relucheck::{Domain, Enumerator, Network};
    /// let net = Network::load("examples/xor.json")?;
    /// let regions = Enumerator::new(&net, Domain::whole(2)).run()?;
    /// assert_eq!(regions.iter().count(), regions.regions.len());
    /// for region in &regions {
    ///     assert!(region.polytope.contains(&region.interior_point));
    /// }
    /// # Ok::<(), relucheck::Error>(())
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Region> {
        self.regions.iter()
    }
}

impl<'a> IntoIterator for &'a Regions {
    type Item = &'a Region;
    type IntoIter = std::slice::Iter<'a, Region>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Region {
    /// The region intersected with the window `lo <= y <= hi` (domain coordinates), as its
    /// exact vertices in counter-clockwise order: a polygon, or fewer than three points
    /// when the intersection is a segment or a point; empty when the region misses the
    /// window (or the window is empty). `None` when the region is not 2-D or `lo`, `hi`
    /// do not have two coordinates. Unbounded regions get the polygon inside the window.
    ///
    /// ```
    /// use relucheck::{Domain, Enumerator, Network, Q};
    /// // relu(x1): two half-planes, cut at x1 = 0.
    /// let net = Network::builder(2).dense([[1, 0]], [0]).relu().build()?;
    /// let regions = Enumerator::new(&net, Domain::whole(2)).run()?;
    /// let (lo, hi) = ([Q::from_int(-1), Q::from_int(-1)], [Q::from_int(2), Q::from_int(1)]);
    /// let mut areas: Vec<usize> = regions
    ///     .iter()
    ///     .map(|r| r.polygon_in(&lo, &hi).unwrap().len())
    ///     .collect();
    /// areas.sort();
    /// assert_eq!(areas, vec![4, 4]); // two rectangles of the window
    /// let left = regions.iter().find(|r| r.interior_point[0].is_negative()).unwrap();
    /// let mut xs: Vec<f64> = left.polygon_in_f64(&lo, &hi).unwrap().iter().map(|p| p[0]).collect();
    /// xs.sort_by(f64::total_cmp);
    /// assert_eq!(xs, vec![-1.0, -1.0, 0.0, 0.0]);
    /// # Ok::<(), relucheck::Error>(())
    /// ```
    pub fn polygon_in(&self, lo: &[Q], hi: &[Q]) -> Option<Vec<Vec<Q>>> {
        if self.polytope.dim() != 2 || lo.len() != 2 || hi.len() != 2 {
            return None;
        }
        if lo.iter().zip(hi).any(|(l, h)| l > h) {
            return Some(Vec::new());
        }
        let mut clipped = self.polytope.clone();
        for j in 0..2 {
            let mut e = vec![Q::ZERO; 2];
            e[j] = Q::ONE;
            clipped.push(HalfSpace::new(e.clone(), hi[j].clone()));
            e[j] = -Q::ONE;
            clipped.push(HalfSpace::new(e, -&lo[j]));
        }
        Some(clipped.vertices_2d().unwrap_or_default())
    }

    /// [`Region::polygon_in`] rounded to `f64` at the end, for drawing.
    pub fn polygon_in_f64(&self, lo: &[Q], hi: &[Q]) -> Option<Vec<[f64; 2]>> {
        Some(
            self.polygon_in(lo, hi)?
                .iter()
                .map(|p| [p[0].to_f64(), p[1].to_f64()])
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::exact::rational::Q;
    use crate::net::network::Network;
    use crate::regions::domain::Domain;
    use crate::regions::enumerate::Enumerator;

    #[test]
    fn clipped_polygons_tile_the_window() {
        // |x1| + |x2| style cuts: relu(x1), relu(x2) give four quadrants.
        let net = Network::builder(2)
            .dense([[1, 0], [0, 1]], [0, 0])
            .relu()
            .dense([[1, 1]], [0])
            .build()
            .unwrap();
        let regions = Enumerator::new(&net, Domain::whole(2)).run().unwrap();
        let (lo, hi) = ([Q::from_int(-1), Q::new(-1, 2)], [Q::from_int(3), Q::ONE]);
        let mut area = Q::ZERO;
        for r in &regions {
            let p = r.polygon_in(&lo, &hi).unwrap();
            assert_eq!(p.len(), 4, "each quadrant meets the window in a rectangle");
            // Shoelace formula, exact; counter-clockwise gives a positive area.
            let twice: Q = (0..p.len())
                .map(|i| {
                    let (a, b) = (&p[i], &p[(i + 1) % p.len()]);
                    &a[0] * &b[1] - &a[1] * &b[0]
                })
                .sum();
            assert!(twice.is_positive());
            area += twice / Q::from_int(2);
        }
        assert_eq!(area, Q::from_int(4) * Q::new(3, 2));
        let r = &regions.regions[0];
        assert_eq!(r.polygon_in(&lo[..1], &hi), None);
        assert_eq!(r.polygon_in(&hi, &lo), Some(vec![]));
        let far = [Q::from_int(100), Q::from_int(100)];
        let farther = [Q::from_int(101), Q::from_int(101)];
        let hits = regions
            .iter()
            .filter(|r| !r.polygon_in(&far, &farther).unwrap().is_empty())
            .count();
        assert_eq!(
            hits, 1,
            "a window inside one quadrant meets only that region"
        );
    }
}
