//! One budget for a whole command: a deadline fixed once, when the command starts, and a
//! cap on the regions of each enumeration.
//!
//! Every long computation of a command takes the same [`Budget`] (by reference or as a
//! cheap clone: it holds an instant, a duration and a count) and checks it in each loop that
//! can run long: the walk of the pattern tree, the conversion of each leaf to a region, the
//! details of each region, the loops of LPs, the certificate build. Later steps get only
//! what the earlier ones left: the time is not restarted for each enumeration. When the
//! time is up, a computation stops and says so (an incomplete enumeration, an unknown
//! verdict); it never guesses.
//!
//! ```
//! use relucheck::Budget;
//! use std::time::Duration;
//! let b = Budget::unlimited().with_time_limit(Duration::from_secs(5)).with_max_regions(1000);
//! assert!(!b.expired());
//! assert_eq!(b.time_limit(), Some(Duration::from_secs(5)));
//! // A part of it (an extra enumeration) ends at the earlier of its own limit and the whole's.
//! let part = b.within(Duration::from_secs(60));
//! assert_eq!(part.deadline(), b.deadline());
//! assert!(Budget::unlimited().with_time_limit(Duration::ZERO).expired());
//! ```

use std::time::{Duration, Instant};

/// A time limit and a region cap shared by every step of one command (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// When the time is up, and the limit as the user gave it (for messages).
    time: Option<(Instant, Duration)>,
    /// At most this many regions per enumeration (they are held in memory).
    max_regions: Option<usize>,
}

impl Budget {
    /// No limit on time or regions.
    pub fn unlimited() -> Budget {
        Budget::default()
    }

    /// The time runs out `limit` from now (the clock starts here, once).
    pub fn with_time_limit(mut self, limit: Duration) -> Budget {
        self.time = Some((deadline_after(limit), limit));
        self
    }

    /// At most `n` regions per enumeration (an enumeration that reaches them stops,
    /// incomplete). The cap bounds what one enumeration holds in memory.
    pub fn with_max_regions(mut self, n: usize) -> Budget {
        self.max_regions = Some(n);
        self
    }

    /// The time limit as given (not what is left of it).
    pub fn time_limit(&self) -> Option<Duration> {
        self.time.map(|(_, limit)| limit)
    }

    /// When the time runs out.
    pub fn deadline(&self) -> Option<Instant> {
        self.time.map(|(at, _)| at)
    }

    /// The region cap per enumeration.
    pub fn max_regions(&self) -> Option<usize> {
        self.max_regions
    }

    /// Has the time run out?
    pub fn expired(&self) -> bool {
        self.deadline().is_some_and(|d| Instant::now() >= d)
    }

    /// The time left (zero once it has run out), `None` without a time limit.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline()
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// A part of this budget that may take at most `limit` from now: it ends at the earlier
    /// of that and this budget's deadline, and keeps the region cap. Its
    /// [`Budget::time_limit`] is `limit` when that ends first, else this budget's.
    pub fn within(&self, limit: Duration) -> Budget {
        let own = deadline_after(limit);
        let time = match self.time {
            Some((at, whole)) if at <= own => (at, whole),
            _ => (own, limit),
        };
        Budget {
            time: Some(time),
            max_regions: self.max_regions,
        }
    }
}

impl Budget {
    /// The part of this budget for the work before an output that takes time of its own
    /// (printing every region found): it ends when `share` (between 0 and 1) of the time
    /// limit is left, and keeps the region cap and the time limit in its messages. The
    /// output then gets the rest of the whole budget.
    pub fn leaving(&self, share: f64) -> Budget {
        let Some((at, limit)) = self.time else {
            return *self;
        };
        // At most a year: an absurd limit (`Duration::MAX`) has a far deadline, not a real start.
        let year = Duration::from_secs(365 * 24 * 3600);
        let keep = limit.mul_f64(share.clamp(0.0, 1.0)).min(year);
        Budget {
            time: Some((at.checked_sub(keep).unwrap_or(at), limit)),
            max_regions: self.max_regions,
        }
    }
}

/// `limit` from now, or far in the future when that cannot be represented.
fn deadline_after(limit: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(limit)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_ends_with_the_whole() {
        let whole = Budget::unlimited().with_time_limit(Duration::from_millis(50));
        let part = whole.within(Duration::from_secs(10));
        assert_eq!(part.deadline(), whole.deadline());
        assert_eq!(part.time_limit(), Some(Duration::from_millis(50)));
        let short = whole.within(Duration::ZERO);
        assert!(short.expired());
        assert_eq!(short.time_limit(), Some(Duration::ZERO));
        assert!(!whole.expired());
        std::thread::sleep(Duration::from_millis(60));
        assert!(whole.expired() && part.expired());
        assert_eq!(whole.remaining(), Some(Duration::ZERO));
        let free = Budget::unlimited();
        assert!(!free.expired());
        assert_eq!((free.remaining(), free.max_regions()), (None, None));
        let part = free.with_max_regions(7).within(Duration::from_secs(1));
        assert_eq!(part.max_regions(), Some(7));
        assert!(
            part.remaining()
                .is_some_and(|r| r <= Duration::from_secs(1))
        );
    }

    #[test]
    fn absurd_limits_do_not_overflow() {
        let b = Budget::unlimited().with_time_limit(Duration::MAX);
        assert!(!b.expired());
        assert!(!b.within(Duration::MAX).expired());
        assert!(!b.leaving(0.2).expired());
    }

    #[test]
    fn leaving_a_share_ends_that_much_earlier() {
        let whole = Budget::unlimited()
            .with_time_limit(Duration::from_secs(10))
            .with_max_regions(5);
        let part = whole.leaving(0.2);
        assert_eq!(
            whole.deadline().unwrap() - part.deadline().unwrap(),
            Duration::from_secs(2)
        );
        assert_eq!(part.time_limit(), whole.time_limit());
        assert_eq!(part.max_regions(), Some(5));
        assert_eq!(whole.leaving(7.0).deadline(), whole.leaving(1.0).deadline());
        assert_eq!(Budget::unlimited().leaving(0.5), Budget::unlimited());
    }
}
