//! COSEM `date`, `time` and `date-time` (IEC 62056-6-2, clause 4.1.6.1,
//! the Blue Book's "Date and time formats").
//!
//! Every field is kept raw, so wildcards (`0xFF`, `0xFFFF`), the daylight-saving
//! and last-day markers, a not-specified deviation (`0x8000`) and the clock
//! status survive a round trip. Accessors return `None` where a field is not
//! specified. Conversion to and from Unix seconds (and the workspace's
//! [`UtcDateTime`]) uses the proleptic Gregorian calendar and needs no `std`.
//!
//! Deviation: the Blue Book defines it as the minutes from local time to UTC,
//! so `UTC = local + deviation`; central European winter time (UTC+1) carries
//! `-60`. Real meter pushes in this crate's test vectors agree.

use core::fmt;

use dual_protocol_primitives::datetime::UtcDateTime;

use crate::axdr::{Decode, Encode, Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// "Not specified" for one-byte fields.
pub const NOT_SPECIFIED: u8 = 0xff;
/// "Not specified" for the year.
pub const YEAR_NOT_SPECIFIED: u16 = 0xffff;
/// "Not specified" for the deviation.
pub const DEVIATION_NOT_SPECIFIED: i16 = i16::MIN;

/// A COSEM date (5 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CosemDate {
    /// Year, `0xFFFF` not specified.
    pub year: u16,
    /// Month 1..=12; `0xFD` daylight-saving end, `0xFE` begin, `0xFF` not specified.
    pub month: u8,
    /// Day of month 1..=31; `0xFD` second-last day, `0xFE` last day, `0xFF` not specified.
    pub day_of_month: u8,
    /// Day of week 1 (Monday) ..= 7; `0xFF` not specified.
    pub day_of_week: u8,
}

/// A COSEM time (4 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CosemTime {
    /// Hour 0..=23, `0xFF` not specified.
    pub hour: u8,
    /// Minute 0..=59, `0xFF` not specified.
    pub minute: u8,
    /// Second 0..=59, `0xFF` not specified.
    pub second: u8,
    /// Hundredths 0..=99, `0xFF` not specified.
    pub hundredths: u8,
}

/// A COSEM date-time (12 bytes): date, time, deviation, clock status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CosemDateTime {
    /// The date.
    pub date: CosemDate,
    /// The time of day (local).
    pub time: CosemTime,
    /// Minutes from local time to UTC (-720..=720), [`DEVIATION_NOT_SPECIFIED`] if unknown.
    pub deviation: i16,
    /// Clock status bits ([`ClockStatus`]); `0xFF` not specified.
    pub clock_status: u8,
}

/// Clock status bits (Blue Book, clock status of a date-time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClockStatus(pub u8);

impl ClockStatus {
    /// Bit 0: the time could not be recovered after a power failure.
    pub const INVALID_VALUE: u8 = 0x01;
    /// Bit 1: the time may be wrong.
    pub const DOUBTFUL_VALUE: u8 = 0x02;
    /// Bit 2: the clock base differs from the one specified.
    pub const DIFFERENT_CLOCK_BASE: u8 = 0x04;
    /// Bit 3: the status itself is invalid.
    pub const INVALID_CLOCK_STATUS: u8 = 0x08;
    /// Bit 7: daylight saving active.
    pub const DAYLIGHT_SAVING_ACTIVE: u8 = 0x80;

    /// Whether `bit` (one of the constants) is set.
    #[must_use]
    pub const fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

const fn spec(v: u8) -> Option<u8> {
    if v == NOT_SPECIFIED { None } else { Some(v) }
}

impl CosemDate {
    /// From the 5 wire bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 5]) -> Self {
        Self {
            year: u16::from_be_bytes([b[0], b[1]]),
            month: b[2],
            day_of_month: b[3],
            day_of_week: b[4],
        }
    }

    /// The 5 wire bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 5] {
        let y = self.year.to_be_bytes();
        [y[0], y[1], self.month, self.day_of_month, self.day_of_week]
    }

    /// The year if specified.
    #[must_use]
    pub const fn year(self) -> Option<u16> {
        if self.year == YEAR_NOT_SPECIFIED {
            None
        } else {
            Some(self.year)
        }
    }

    /// The calendar month 1..=12 if it is one (not a wildcard or DST marker).
    #[must_use]
    pub const fn month(self) -> Option<u8> {
        if self.month >= 1 && self.month <= 12 {
            Some(self.month)
        } else {
            None
        }
    }

    /// The day of month 1..=31 if it is one.
    #[must_use]
    pub const fn day_of_month(self) -> Option<u8> {
        if self.day_of_month >= 1 && self.day_of_month <= 31 {
            Some(self.day_of_month)
        } else {
            None
        }
    }

    /// The day of week 1 (Monday) ..= 7 if specified.
    #[must_use]
    pub const fn day_of_week(self) -> Option<u8> {
        if self.day_of_week >= 1 && self.day_of_week <= 7 {
            Some(self.day_of_week)
        } else {
            None
        }
    }

    /// Days since 1970-01-01 if year, month and day are specified and valid.
    #[must_use]
    pub fn days_since_epoch(self) -> Option<i64> {
        let (y, m, d) = (self.year()?, self.month()?, self.day_of_month()?);
        if d > days_in_month(y, m) {
            return None;
        }
        Some(days_from_civil(i64::from(y), i64::from(m), i64::from(d)))
    }

    /// The date of a day count since 1970-01-01, with its day of week; `None`
    /// outside years 0..=65534.
    #[must_use]
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        let (y, m, d) = civil_from_days(days);
        let year = u16::try_from(y).ok().filter(|y| *y != YEAR_NOT_SPECIFIED)?;
        // 1970-01-01 was a Thursday (4).
        let dow = (days.rem_euclid(7) + 3) % 7 + 1;
        Some(Self {
            year,
            month: m as u8,
            day_of_month: d as u8,
            day_of_week: dow as u8,
        })
    }
}

impl CosemTime {
    /// From the 4 wire bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 4]) -> Self {
        Self {
            hour: b[0],
            minute: b[1],
            second: b[2],
            hundredths: b[3],
        }
    }

    /// The 4 wire bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 4] {
        [self.hour, self.minute, self.second, self.hundredths]
    }

    /// Seconds since midnight if hour, minute and second are specified and valid.
    #[must_use]
    pub fn seconds_of_day(self) -> Option<u32> {
        let (h, m, s) = (spec(self.hour)?, spec(self.minute)?, spec(self.second)?);
        (h < 24 && m < 60 && s < 60).then(|| u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(s))
    }

    /// Hundredths if specified.
    #[must_use]
    pub const fn hundredths(self) -> Option<u8> {
        spec(self.hundredths)
    }
}

impl CosemDateTime {
    /// From the 12 wire bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 12]) -> Self {
        Self {
            date: CosemDate::from_bytes([b[0], b[1], b[2], b[3], b[4]]),
            time: CosemTime::from_bytes([b[5], b[6], b[7], b[8]]),
            deviation: i16::from_be_bytes([b[9], b[10]]),
            clock_status: b[11],
        }
    }

    /// From a 12-byte slice (the usual octet-string form); `None` for another length.
    #[must_use]
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        <[u8; 12]>::try_from(b).ok().map(Self::from_bytes)
    }

    /// The 12 wire bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 12] {
        let d = self.date.to_bytes();
        let t = self.time.to_bytes();
        let v = self.deviation.to_be_bytes();
        [
            d[0],
            d[1],
            d[2],
            d[3],
            d[4],
            t[0],
            t[1],
            t[2],
            t[3],
            v[0],
            v[1],
            self.clock_status,
        ]
    }

    /// The deviation in minutes if specified.
    #[must_use]
    pub const fn deviation(self) -> Option<i16> {
        if self.deviation == DEVIATION_NOT_SPECIFIED {
            None
        } else {
            Some(self.deviation)
        }
    }

    /// The clock status if specified.
    #[must_use]
    pub const fn clock_status(self) -> Option<ClockStatus> {
        match spec(self.clock_status) {
            Some(v) => Some(ClockStatus(v)),
            None => None,
        }
    }

    /// Local time as seconds since 1970-01-01T00:00 local, if date and time
    /// (hour, minute, second) are specified.
    #[must_use]
    pub fn local_unix_seconds(self) -> Option<i64> {
        Some(self.date.days_since_epoch()? * 86_400 + i64::from(self.time.seconds_of_day()?))
    }

    /// UTC seconds since the Unix epoch, if date, time and deviation are specified.
    #[must_use]
    pub fn to_unix_seconds(self) -> Option<i64> {
        Some(self.local_unix_seconds()? + i64::from(self.deviation()?) * 60)
    }

    /// The date-time for UTC `unix_seconds` shown in the local time given by
    /// `deviation` (minutes, UTC = local + deviation), with hundredths 0 and
    /// the day of week filled in. `None` outside years 0..=65534.
    #[must_use]
    pub fn from_unix_seconds(unix_seconds: i64, deviation: i16, clock_status: u8) -> Option<Self> {
        let dev = if deviation == DEVIATION_NOT_SPECIFIED {
            0
        } else {
            i64::from(deviation)
        };
        let local = unix_seconds.checked_sub(dev * 60)?;
        let date = CosemDate::from_days_since_epoch(local.div_euclid(86_400))?;
        let s = local.rem_euclid(86_400);
        let time = CosemTime {
            hour: (s / 3600) as u8,
            minute: (s / 60 % 60) as u8,
            second: (s % 60) as u8,
            hundredths: 0,
        };
        Some(Self {
            date,
            time,
            deviation,
            clock_status,
        })
    }

    /// The UTC instant, as the workspace's calendar type, if date, time and
    /// deviation are specified.
    #[must_use]
    pub fn to_utc(self) -> Option<UtcDateTime> {
        UtcDateTime::from_unix_seconds(self.to_unix_seconds()?).ok()
    }

    /// The date-time for a UTC instant shown in local time with `deviation`
    /// (see [`CosemDateTime::from_unix_seconds`]).
    #[must_use]
    pub fn from_utc(utc: UtcDateTime, deviation: i16, clock_status: u8) -> Option<Self> {
        Self::from_unix_seconds(utc.to_unix_seconds(), deviation, clock_status)
    }

    /// An ISO 8601 rendering (`2016-09-08T19:13:25+01:00`, hundredths as a
    /// fraction when specified, no offset when the deviation is not
    /// specified), or `None` unless year, month, day, hour, minute and second
    /// are all specified and valid.
    #[must_use]
    pub fn iso8601(self) -> Option<Iso8601> {
        self.local_unix_seconds().map(|_| Iso8601(self))
    }
}

/// Display helper returned by [`CosemDateTime::iso8601`].
#[derive(Clone, Copy, Debug)]
pub struct Iso8601(CosemDateTime);

impl fmt::Display for Iso8601 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.date.year,
            dt.date.month,
            dt.date.day_of_month,
            dt.time.hour,
            dt.time.minute,
            dt.time.second
        )?;
        if let Some(h) = dt.time.hundredths().filter(|h| *h < 100) {
            write!(f, ".{h:02}")?;
        }
        if let Some(dev) = dt.deviation() {
            // Offset of local time from UTC is -deviation.
            let off = -i32::from(dev);
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", a / 60, a % 60)?;
        }
        Ok(())
    }
}

fn wild(f: &mut fmt::Formatter<'_>, v: u8) -> fmt::Result {
    if v == NOT_SPECIFIED {
        f.write_str("**")
    } else {
        write!(f, "{v:02}")
    }
}

impl fmt::Display for CosemDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year() {
            Some(y) => write!(f, "{y:04}-")?,
            None => f.write_str("****-")?,
        }
        wild(f, self.month)?;
        f.write_str("-")?;
        wild(f, self.day_of_month)?;
        f.write_str(" dow ")?;
        wild(f, self.day_of_week)
    }
}

impl fmt::Display for CosemTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        wild(f, self.hour)?;
        f.write_str(":")?;
        wild(f, self.minute)?;
        f.write_str(":")?;
        wild(f, self.second)?;
        f.write_str(".")?;
        wild(f, self.hundredths)
    }
}

impl fmt::Display for CosemDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)?;
        match self.deviation() {
            Some(d) => write!(f, " dev {d}")?,
            None => f.write_str(" dev **")?,
        }
        write!(f, " status {:02x}", self.clock_status)
    }
}

macro_rules! fixed_codec {
    ($t:ty, $n:literal) => {
        impl<'a> Decode<'a> for $t {
            fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                r.array::<$n>().map(Self::from_bytes)
            }
        }
        impl Encode for $t {
            fn encoded_len(&self) -> usize {
                $n
            }
            fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                w.put(&self.to_bytes())
            }
        }
    };
}
fixed_codec!(CosemDate, 5);
fixed_codec!(CosemTime, 4);
fixed_codec!(CosemDateTime, 12);

// Calendar arithmetic is written once, in primitives.
pub use dual_protocol_primitives::datetime::days_in_month;
use dual_protocol_primitives::datetime::{civil_from_days, days_from_civil};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blue_book_style_example_round_trips_through_unix_time() {
        // 2016-09-08 Thu 19:13:25.00, deviation -60 (UTC+1), status 0x80.
        let dt = CosemDateTime::from_bytes([0x07, 0xe0, 9, 8, 4, 19, 13, 25, 0, 0xff, 0xc4, 0x80]);
        let utc = dt.to_unix_seconds().unwrap();
        assert_eq!(utc, 1_473_358_405);
        let back = CosemDateTime::from_unix_seconds(utc, -60, 0x80).unwrap();
        assert_eq!(back, dt);
        let u = dt.to_utc().unwrap();
        assert_eq!(
            (
                u.year(),
                u.month(),
                u.day(),
                u.hour(),
                u.minute(),
                u.second()
            ),
            (2016, 9, 8, 18, 13, 25)
        );
        assert_eq!(CosemDateTime::from_utc(u, -60, 0x80), Some(dt));
        assert_eq!(alloc_free_iso(dt), "2016-09-08T19:13:25.00+01:00");
    }

    fn alloc_free_iso(dt: CosemDateTime) -> heapless_string::S {
        let mut s = heapless_string::S::default();
        core::fmt::write(&mut s, format_args!("{}", dt.iso8601().unwrap())).unwrap();
        s
    }

    mod heapless_string {
        #[derive(PartialEq, Debug)]
        pub struct S(pub [u8; 64], pub usize);
        impl Default for S {
            fn default() -> Self {
                Self([0; 64], 0)
            }
        }
        impl core::fmt::Write for S {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                self.0[self.1..self.1 + s.len()].copy_from_slice(s.as_bytes());
                self.1 += s.len();
                Ok(())
            }
        }
        impl PartialEq<&str> for S {
            fn eq(&self, o: &&str) -> bool {
                &self.0[..self.1] == o.as_bytes()
            }
        }
    }

    #[test]
    fn wildcards_are_not_fully_specified() {
        let dt =
            CosemDateTime::from_bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80, 0, 0xff]);
        assert!(dt.iso8601().is_none());
        assert_eq!(dt.deviation(), None);
        assert_eq!(dt.clock_status(), None);
    }

    #[test]
    fn day_of_week_of_epoch_is_thursday() {
        assert_eq!(CosemDate::from_days_since_epoch(0).unwrap().day_of_week, 4);
        assert_eq!(CosemDate::from_days_since_epoch(-1).unwrap().day_of_week, 3);
    }
}
