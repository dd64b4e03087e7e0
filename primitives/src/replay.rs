//! Anti-replay window for incoming counters (RFC 4303 §3.4.3, with the
//! block-ring bitmap of RFC 6479).
//!
//! A receiver keeps the highest authenticated counter and a bitmap of the
//! counters below it that it has seen. The window is `64 * (WORDS - 1)`
//! counters wide below the highest one (`WORDS >= 2`, checked at compile
//! time); older counters are rejected as [`ReplayError::TooOld`].
//!
//! The rule is **check before, update after authentication**: call
//! [`ReplayWindow::check`] (cheap, no state change) before any cryptography,
//! and [`ReplayWindow::update`] only once the frame has authenticated. A
//! forged frame therefore never moves the window, and a rejected frame
//! leaves it unchanged.
//!
//! Advancing the window clears at most `WORDS` whole 64-bit blocks (no bit
//! shifting), so the cost of a jump is bounded whatever its size.
//!
//! After a restart that lost the window, [`ReplayWindow::with_floor`] starts
//! a window that rejects every counter up to a persisted floor.

/// Why a counter was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReplayError {
    /// Left of the window: too old to tell, so rejected.
    #[error("counter {seq} is left of the replay window (highest {highest})")]
    TooOld {
        /// The counter offered.
        seq: u64,
        /// The highest counter accepted so far.
        highest: u64,
    },
    /// Already seen.
    #[error("counter {seq} was already received")]
    Duplicate {
        /// The counter offered.
        seq: u64,
    },
}

/// A sliding anti-replay window of `64 * (WORDS - 1)` counters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReplayWindow<const WORDS: usize> {
    highest: Option<u64>,
    blocks: [u64; WORDS],
}

impl<const WORDS: usize> Default for ReplayWindow<WORDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WORDS: usize> ReplayWindow<WORDS> {
    /// Counters tracked below the highest one.
    pub const SIZE: u64 = {
        assert!(
            WORDS >= 2,
            "a replay window needs at least two 64-bit words"
        );
        64 * (WORDS as u64 - 1)
    };

    /// An empty window: the first counter offered is accepted.
    #[must_use]
    pub const fn new() -> Self {
        let _ = Self::SIZE;
        ReplayWindow {
            highest: None,
            blocks: [0; WORDS],
        }
    }

    /// A window that rejects every counter `<= floor`: for a receiver that
    /// restarts from a persisted floor (the highest counter it may have
    /// accepted before it lost its window).
    #[must_use]
    pub const fn with_floor(floor: u64) -> Self {
        let _ = Self::SIZE;
        ReplayWindow {
            highest: Some(floor),
            blocks: [u64::MAX; WORDS],
        }
    }

    /// The highest counter accepted, if any.
    #[must_use]
    pub const fn highest(&self) -> Option<u64> {
        self.highest
    }

    fn slot(seq: u64) -> (usize, u64) {
        // WORDS >= 2, so the modulo is well defined; the index is < WORDS.
        (((seq / 64) % WORDS as u64) as usize, 1u64 << (seq % 64))
    }

    fn seen(&self, seq: u64) -> bool {
        let (i, bit) = Self::slot(seq);
        self.blocks.get(i).is_some_and(|b| b & bit != 0)
    }

    /// Would `seq` be accepted? No state changes.
    pub fn check(&self, seq: u64) -> Result<(), ReplayError> {
        let Some(highest) = self.highest else {
            return Ok(());
        };
        if seq > highest {
            return Ok(());
        }
        if highest - seq >= Self::SIZE {
            return Err(ReplayError::TooOld { seq, highest });
        }
        if self.seen(seq) {
            return Err(ReplayError::Duplicate { seq });
        }
        Ok(())
    }

    /// Records `seq` as received. Call only after the frame authenticated.
    /// Re-checks, so a duplicate or too-old counter changes nothing.
    pub fn update(&mut self, seq: u64) -> Result<(), ReplayError> {
        self.check(seq)?;
        match self.highest {
            Some(h) if seq <= h => {}
            old => {
                let new_block = seq / 64;
                let first = match old {
                    Some(h) => h / 64 + 1,
                    None => new_block.saturating_sub(WORDS as u64 - 1),
                };
                let span = new_block.saturating_sub(first).saturating_add(1);
                if span >= WORDS as u64 {
                    self.blocks = [0; WORDS];
                } else {
                    for b in first..=new_block {
                        if let Some(w) = self.blocks.get_mut(((b) % WORDS as u64) as usize) {
                            *w = 0;
                        }
                    }
                }
                self.highest = Some(seq);
            }
        }
        let (i, bit) = Self::slot(seq);
        if let Some(w) = self.blocks.get_mut(i) {
            *w |= bit;
        }
        Ok(())
    }

    /// `check` then `update`: for callers that authenticate before asking.
    pub fn check_and_update(&mut self, seq: u64) -> Result<(), ReplayError> {
        self.update(seq)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::ReplayWindow;
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::ser::SerializeTuple;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    // Serialized as a tuple (highest, block 0, block 1, ...): fixed length, so
    // it works for any WORDS and in formats without length prefixes.
    impl<const WORDS: usize> Serialize for ReplayWindow<WORDS> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut t = s.serialize_tuple(WORDS + 1)?;
            t.serialize_element(&self.highest)?;
            for b in &self.blocks {
                t.serialize_element(b)?;
            }
            t.end()
        }
    }

    impl<'de, const WORDS: usize> Deserialize<'de> for ReplayWindow<WORDS> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<const W: usize>;
            impl<'de, const W: usize> Visitor<'de> for V<W> {
                type Value = ReplayWindow<W>;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    write!(f, "a replay window of {} words", W)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    let highest: Option<u64> = seq
                        .next_element()?
                        .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                    let mut w = ReplayWindow::<W>::new();
                    w.highest = highest;
                    for (i, b) in w.blocks.iter_mut().enumerate() {
                        *b = seq
                            .next_element()?
                            .ok_or_else(|| A::Error::invalid_length(i + 1, &self))?;
                    }
                    Ok(w)
                }
            }
            d.deserialize_tuple(WORDS + 1, V::<WORDS>)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_once_rejects_duplicates_and_old() {
        let mut w = ReplayWindow::<2>::new();
        assert_eq!(ReplayWindow::<2>::SIZE, 64);
        assert_eq!(w.update(100), Ok(()));
        assert_eq!(w.check(100), Err(ReplayError::Duplicate { seq: 100 }));
        assert_eq!(w.update(99), Ok(()));
        assert_eq!(w.update(37), Ok(()));
        assert_eq!(
            w.check(36),
            Err(ReplayError::TooOld {
                seq: 36,
                highest: 100
            })
        );
        assert_eq!(w.update(1000), Ok(()));
        assert_eq!(
            w.check(100),
            Err(ReplayError::TooOld {
                seq: 100,
                highest: 1000
            })
        );
        assert_eq!(w.check(999), Ok(()));
        assert_eq!(w.update(1000), Err(ReplayError::Duplicate { seq: 1000 }));
        assert_eq!(w.highest(), Some(1000));
    }

    #[test]
    fn check_changes_nothing() {
        let mut w = ReplayWindow::<4>::new();
        w.update(10).unwrap();
        let before = w.clone();
        assert!(w.check(11).is_ok());
        assert!(w.check(9).is_ok());
        assert_eq!(w, before);
    }

    #[test]
    fn floor_after_restart() {
        let w = ReplayWindow::<4>::with_floor(500);
        assert!(w.check(500).is_err());
        assert!(w.check(499).is_err());
        assert!(w.check(0).is_err());
        assert_eq!(w.check(501), Ok(()));
    }
}
