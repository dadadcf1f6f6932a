//! Deterministic fault injection: with rate `p`, request `n` (counting from 0) fails when
//! `floor((n+1)·p)` steps past `floor(n·p)`, so failures are spread evenly and a run repeats.

use std::sync::atomic::{AtomicU64, Ordering};

pub struct Faults {
    rate: f64,
    statuses: Vec<u16>,
    counter: AtomicU64,
}

impl Faults {
    pub fn new(rate: f64, statuses: Vec<u16>) -> Self {
        Faults {
            rate,
            statuses,
            counter: AtomicU64::new(0),
        }
    }

    /// The injected status of the next request, if it is to fail.
    pub fn next(&self) -> Option<u16> {
        if self.rate <= 0.0 || self.statuses.is_empty() {
            return None;
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed) as f64;
        let before = (n * self.rate).floor();
        let after = ((n + 1.0) * self.rate).floor();
        if after > before {
            // the k-th failure takes the k-th status, in turn
            let k = before as usize % self.statuses.len();
            self.statuses.get(k).copied()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_percent_is_every_tenth_request_with_statuses_in_turn() {
        let f = Faults::new(0.1, vec![429, 500]);
        let got: Vec<Option<u16>> = (0..40).map(|_| f.next()).collect();
        let failed: Vec<(usize, u16)> = got
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i, s)))
            .collect();
        assert_eq!(failed, vec![(9, 429), (19, 500), (29, 429), (39, 500)]);
    }

    #[test]
    fn edges() {
        let none = Faults::new(0.0, vec![500]);
        assert!((0..100).all(|_| none.next().is_none()));
        let all = Faults::new(1.0, vec![503]);
        assert!((0..100).all(|_| all.next() == Some(503)));
        let third = Faults::new(1.0 / 3.0, vec![500]);
        let n = (0..300).filter(|_| third.next().is_some()).count();
        assert_eq!(n, 100);
    }
}
