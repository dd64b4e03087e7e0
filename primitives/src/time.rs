//! Caller-supplied monotonic time.
//!
//! No layer crate reads a clock: every state machine takes `now: Instant`
//! as an argument. An [`Instant`] counts microseconds since an epoch the
//! caller chooses (boot, process start); only differences and ordering
//! matter. UTC wall-clock time for certificates and schedules is
//! [`crate::datetime::UtcDateTime`], a separate type on purpose.

use core::ops::{Add, AddAssign, Sub};

pub use core::time::Duration;

/// A point on the caller's monotonic clock, in microseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant(u64);

impl Instant {
    /// The caller's epoch.
    pub const ZERO: Instant = Instant(0);
    /// The largest representable instant (about 584,000 years after the epoch).
    pub const MAX: Instant = Instant(u64::MAX);

    /// From microseconds since the caller's epoch.
    #[must_use]
    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }

    /// From milliseconds since the caller's epoch (saturating).
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms.saturating_mul(1_000))
    }

    /// From seconds since the caller's epoch (saturating).
    #[must_use]
    pub const fn from_secs(s: u64) -> Self {
        Instant(s.saturating_mul(1_000_000))
    }

    /// Microseconds since the caller's epoch.
    #[must_use]
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Milliseconds since the caller's epoch (truncated).
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    /// `self + d`, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, d: Duration) -> Option<Instant> {
        u64::try_from(d.as_micros())
            .ok()
            .and_then(|us| self.0.checked_add(us))
            .map(Instant)
    }

    /// `self + d`, saturating at [`Instant::MAX`].
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Instant {
        self.checked_add(d).unwrap_or(Instant::MAX)
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }

    /// Time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    #[must_use]
    pub fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        self.0.checked_sub(earlier.0).map(Duration::from_micros)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturating: a timer set past the end of time never fires rather than wrapping.
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturating at zero.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_millis(1500);
        assert_eq!(t.as_micros(), 1_500_000);
        assert_eq!(t + Duration::from_millis(500), Instant::from_secs(2));
        assert_eq!(Instant::from_secs(1) - t, Duration::ZERO);
        assert_eq!(t - Instant::from_secs(1), Duration::from_millis(500));
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Instant::MAX.checked_add(Duration::from_micros(1)), None);
        assert_eq!(Instant::from_secs(1).checked_duration_since(t), None);
    }
}
