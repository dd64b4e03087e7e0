//! UTC calendar date and time, for certificate validity, time
//! synchronisation and schedules.
//!
//! Monotonic timer time is [`crate::time::Instant`]; this type is wall-clock
//! UTC, always supplied by the caller (a trait or an argument), never read
//! from a system clock. Conversion to and from Unix seconds uses the
//! proleptic Gregorian calendar and needs no `std`. Leap seconds are not
//! represented (second 60 is rejected), as in POSIX time.

use core::fmt;

/// A UTC date and time with one-second resolution.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UtcDateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// Why a date-time is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DateTimeError {
    /// Month outside 1..=12.
    #[error("month {0} outside 1..=12")]
    Month(u8),
    /// Day outside the month's days.
    #[error("day {0} outside the month")]
    Day(u8),
    /// Hour, minute or second outside its range.
    #[error("time of day {0:02}:{1:02}:{2:02} out of range")]
    TimeOfDay(u8, u8, u8),
    /// Year outside 1..=9999 or a Unix time outside that span.
    #[error("year outside 1..=9999")]
    Year,
}

const fn is_leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Days in `month` (1..=12) of `year`; 0 for an invalid month.
#[must_use]
pub const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date in the proleptic Gregorian
/// calendar (H. Hinnant's days-from-civil algorithm); `m` in 1..=12.
#[must_use]
pub const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month 1..=12, day) of a day count since 1970-01-01,
/// the inverse of [`days_from_civil`].
#[must_use]
pub const fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

impl UtcDateTime {
    /// Unix time of 0001-01-01T00:00:00Z, the earliest representable instant.
    pub const MIN_UNIX: i64 = -62_135_596_800;
    /// Unix time of 9999-12-31T23:59:59Z, the latest representable instant.
    pub const MAX_UNIX: i64 = 253_402_300_799;

    /// A validated date-time.
    pub const fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, DateTimeError> {
        if year == 0 || year > 9999 {
            return Err(DateTimeError::Year);
        }
        if month == 0 || month > 12 {
            return Err(DateTimeError::Month(month));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateTimeError::Day(day));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(DateTimeError::TimeOfDay(hour, minute, second));
        }
        Ok(UtcDateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// From seconds since 1970-01-01T00:00:00Z.
    pub fn from_unix_seconds(t: i64) -> Result<Self, DateTimeError> {
        if !(Self::MIN_UNIX..=Self::MAX_UNIX).contains(&t) {
            return Err(DateTimeError::Year);
        }
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // In range by the check above: y in 1..=9999, m in 1..=12, d in 1..=31,
        // secs in 0..86400.
        Self::new(
            y as u16,
            m as u8,
            d as u8,
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
        )
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    #[must_use]
    pub const fn to_unix_seconds(&self) -> i64 {
        days_from_civil(self.year as i64, self.month as i64, self.day as i64) * 86_400
            + self.hour as i64 * 3600
            + self.minute as i64 * 60
            + self.second as i64
    }

    /// Year (1..=9999).
    #[must_use]
    pub const fn year(&self) -> u16 {
        self.year
    }
    /// Month (1..=12).
    #[must_use]
    pub const fn month(&self) -> u8 {
        self.month
    }
    /// Day of month (1..=31).
    #[must_use]
    pub const fn day(&self) -> u8 {
        self.day
    }
    /// Hour (0..=23).
    #[must_use]
    pub const fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute (0..=59).
    #[must_use]
    pub const fn minute(&self) -> u8 {
        self.minute
    }
    /// Second (0..=59).
    #[must_use]
    pub const fn second(&self) -> u8 {
        self.second
    }

    /// Day of week, 1 = Monday .. 7 = Sunday (ISO 8601, as DLMS uses it).
    #[must_use]
    pub const fn weekday(&self) -> u8 {
        let days = days_from_civil(self.year as i64, self.month as i64, self.day as i64);
        // 1970-01-01 was a Thursday (4).
        ((days + 3).rem_euclid(7) + 1) as u8
    }
}

impl fmt::Display for UtcDateTime {
    /// ISO 8601: `2026-11-29T06:50:26Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    #[test]
    fn known_instants() {
        let e = UtcDateTime::from_unix_seconds(0).unwrap();
        assert_eq!(e.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(e.weekday(), 4);
        // 2000-02-29 (leap day of a century leap year): 951782400.
        let d = UtcDateTime::new(2000, 2, 29, 0, 0, 0).unwrap();
        assert_eq!(d.to_unix_seconds(), 951_782_400);
        assert_eq!(d.weekday(), 2);
        // 2038-01-19T03:14:08Z = 2^31.
        let d = UtcDateTime::from_unix_seconds(1 << 31).unwrap();
        assert_eq!(d.to_string(), "2038-01-19T03:14:08Z");
        assert_eq!(
            UtcDateTime::from_unix_seconds(UtcDateTime::MIN_UNIX)
                .unwrap()
                .to_string(),
            "0001-01-01T00:00:00Z"
        );
        assert_eq!(
            UtcDateTime::from_unix_seconds(UtcDateTime::MAX_UNIX)
                .unwrap()
                .to_string(),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn invalid_dates_rejected() {
        assert_eq!(
            UtcDateTime::new(1900, 2, 29, 0, 0, 0),
            Err(DateTimeError::Day(29))
        );
        assert_eq!(
            UtcDateTime::new(2024, 13, 1, 0, 0, 0),
            Err(DateTimeError::Month(13))
        );
        assert_eq!(
            UtcDateTime::new(2024, 1, 1, 24, 0, 0),
            Err(DateTimeError::TimeOfDay(24, 0, 0))
        );
        assert_eq!(UtcDateTime::new(0, 1, 1, 0, 0, 0), Err(DateTimeError::Year));
        assert_eq!(
            UtcDateTime::from_unix_seconds(UtcDateTime::MAX_UNIX + 1),
            Err(DateTimeError::Year)
        );
    }

    proptest! {
        #[test]
        fn unix_round_trip(t in UtcDateTime::MIN_UNIX..=UtcDateTime::MAX_UNIX) {
            let d = UtcDateTime::from_unix_seconds(t).unwrap();
            prop_assert_eq!(d.to_unix_seconds(), t);
        }

        #[test]
        fn order_matches_unix_order(a in 0i64..4_000_000_000, b in 0i64..4_000_000_000) {
            let da = UtcDateTime::from_unix_seconds(a).unwrap();
            let db = UtcDateTime::from_unix_seconds(b).unwrap();
            prop_assert_eq!(da.cmp(&db), a.cmp(&b));
        }
    }
}
