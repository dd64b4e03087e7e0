//! HELLO, WELCOME and capability TLVs (docs/grip.md §5).

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};

use super::{MAX_FRAME_LIMIT, MIN_MAX_FRAME};

/// A 16-octet session id chosen at random by the head end (§5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SessionId(pub [u8; 16]);

/// Feature bits (§5.3 FEATURES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Features(pub u32);

impl Features {
    /// Bit 0: chunked transfers (§4.2).
    pub const CHUNKED: Features = Features(1);
    /// Every feature this implementation supports.
    pub const SUPPORTED: Features = Features::CHUNKED;

    /// Whether all bits of `other` are set.
    #[must_use]
    pub const fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }

    /// Bits set in both.
    #[must_use]
    pub const fn and(self, other: Features) -> Features {
        Features(self.0 & other.0)
    }
}

/// The RESUME capability (§5.3 type 6, §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Resume {
    /// The session to resume.
    pub session: SessionId,
    /// The sender's cursor in that session.
    pub last_received: u32,
}

/// Capability TLVs (§5.3). Absent TLVs are `None` (their defaults apply);
/// TLVs of unknown types are kept raw in `extensions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities<'a> {
    /// 1 MAX_FRAME: the largest frame the sender accepts.
    pub max_frame: Option<u32>,
    /// 2 KEEPALIVE: seconds.
    pub keepalive_secs: Option<u16>,
    /// 3 INITIAL_WINDOW: per-device credit the sender grants.
    pub initial_window: Option<u16>,
    /// 4 MAX_DEVICES: devices with unreleased messages the sender tracks.
    pub max_devices: Option<u16>,
    /// 5 FEATURES.
    pub features: Option<Features>,
    /// 6 RESUME (HELLO only).
    pub resume: Option<Resume>,
    /// Unknown TLVs (types 7 and above), in ascending order, raw.
    pub extensions: &'a [u8],
}

const T_MAX_FRAME: u8 = 1;
const T_KEEPALIVE: u8 = 2;
const T_WINDOW: u8 = 3;
const T_DEVICES: u8 = 4;
const T_FEATURES: u8 = 5;
const T_RESUME: u8 = 6;

impl<'a> Capabilities<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let mut caps = Capabilities::default();
        let mut last: u8 = 0;
        let mut ext_start: Option<(usize, &'a [u8])> = None;
        let whole_offset = r.offset();
        let whole = r.rest();
        let mut t = Reader::new(whole, whole_offset);
        while t.remaining() > 0 {
            let at = t.offset();
            let ty = t.u8()?;
            let len = t.u8()?;
            if ty == 0 || ty <= last {
                return Err(DecodeError::TlvOrder { offset: at });
            }
            last = ty;
            let value = t.take(usize::from(len))?;
            let mut v = Reader::new(value, at + 2);
            let want = match ty {
                T_MAX_FRAME | T_FEATURES => 4,
                T_KEEPALIVE | T_WINDOW | T_DEVICES => 2,
                T_RESUME => 20,
                _ => {
                    if ext_start.is_none() {
                        ext_start = Some((at - whole_offset, whole));
                    }
                    continue;
                }
            };
            if usize::from(len) != want {
                return Err(DecodeError::TlvLength {
                    offset: at,
                    tlv_type: ty,
                    length: len,
                });
            }
            let bad = |what| DecodeError::InvalidValue {
                offset: at + 2,
                what,
            };
            match ty {
                T_MAX_FRAME => {
                    let m = v.u32()?;
                    if !(MIN_MAX_FRAME as u64..=MAX_FRAME_LIMIT as u64).contains(&u64::from(m)) {
                        return Err(bad("MAX_FRAME"));
                    }
                    caps.max_frame = Some(m);
                }
                T_KEEPALIVE => {
                    let k = v.u16()?;
                    if k == 0 {
                        return Err(bad("KEEPALIVE"));
                    }
                    caps.keepalive_secs = Some(k);
                }
                T_WINDOW => {
                    let k = v.u16()?;
                    if k == 0 {
                        return Err(bad("INITIAL_WINDOW"));
                    }
                    caps.initial_window = Some(k);
                }
                T_DEVICES => {
                    let k = v.u16()?;
                    if k == 0 {
                        return Err(bad("MAX_DEVICES"));
                    }
                    caps.max_devices = Some(k);
                }
                T_FEATURES => caps.features = Some(Features(v.u32()?)),
                _ => {
                    caps.resume = Some(Resume {
                        session: SessionId(v.array()?),
                        last_received: v.u32()?,
                    });
                }
            }
        }
        if let Some((start, whole)) = ext_start {
            caps.extensions = whole.get(start..).unwrap_or_default();
        }
        Ok(caps)
    }

    pub(crate) fn body_len(&self) -> usize {
        self.max_frame.map_or(0, |_| 6)
            + self.keepalive_secs.map_or(0, |_| 4)
            + self.initial_window.map_or(0, |_| 4)
            + self.max_devices.map_or(0, |_| 4)
            + self.features.map_or(0, |_| 6)
            + self.resume.map_or(0, |_| 22)
            + self.extensions.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if let Some(m) = self.max_frame {
            if !(MIN_MAX_FRAME as u64..=MAX_FRAME_LIMIT as u64).contains(&u64::from(m)) {
                return Err(EncodeError::InvalidField("MAX_FRAME"));
            }
            w.put(&[T_MAX_FRAME, 4]);
            w.put(&m.to_be_bytes());
        }
        for (ty, v, name) in [
            (T_KEEPALIVE, self.keepalive_secs, "KEEPALIVE"),
            (T_WINDOW, self.initial_window, "INITIAL_WINDOW"),
            (T_DEVICES, self.max_devices, "MAX_DEVICES"),
        ] {
            if let Some(v) = v {
                if v == 0 {
                    return Err(EncodeError::InvalidField(name));
                }
                w.put(&[ty, 2]);
                w.put(&v.to_be_bytes());
            }
        }
        if let Some(f) = self.features {
            w.put(&[T_FEATURES, 4]);
            w.put(&f.0.to_be_bytes());
        }
        if let Some(r) = self.resume {
            w.put(&[T_RESUME, 20]);
            w.put(&r.session.0);
            w.put(&r.last_received.to_be_bytes());
        }
        // Extensions must be well-formed TLVs of unknown types, ascending.
        let mut t = Reader::new(self.extensions, 0);
        let mut last = T_RESUME;
        while t.remaining() > 0 {
            let ty = t
                .u8()
                .map_err(|_| EncodeError::InvalidField("extensions"))?;
            let len = t
                .u8()
                .map_err(|_| EncodeError::InvalidField("extensions"))?;
            if ty <= last || t.take(usize::from(len)).is_err() {
                return Err(EncodeError::InvalidField("extensions"));
            }
            last = ty;
        }
        w.put(self.extensions);
        Ok(())
    }
}

/// HELLO (§5.1): the hub's opening frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hello<'a> {
    /// Lowest version the hub speaks.
    pub min_version: u8,
    /// Highest version the hub speaks.
    pub max_version: u8,
    /// Capabilities.
    pub caps: Capabilities<'a>,
}

impl<'a> Hello<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let min_version = r.u8()?;
        let max_version = r.u8()?;
        Ok(Hello {
            min_version,
            max_version,
            caps: Capabilities::read(r)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        2 + self.caps.body_len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&[self.min_version, self.max_version]);
        self.caps.write(w)
    }
}

/// WELCOME (§5.2): the head end's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Welcome<'a> {
    /// The version chosen.
    pub version: u8,
    /// The session was resumed.
    pub resumed: bool,
    /// The session id.
    pub session: SessionId,
    /// The head end's cursor (0 for a fresh session).
    pub last_received: u32,
    /// Capabilities.
    pub caps: Capabilities<'a>,
}

impl<'a> Welcome<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let version = r.u8()?;
        let at = r.offset();
        let flags = r.u8()?;
        if flags & !1 != 0 {
            return Err(DecodeError::ReservedBits {
                offset: at,
                value: flags & !1,
            });
        }
        Ok(Welcome {
            version,
            resumed: flags & 1 != 0,
            session: SessionId(r.array()?),
            last_received: r.u32()?,
            caps: Capabilities::read(r)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        22 + self.caps.body_len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&[self.version, u8::from(self.resumed)]);
        w.put(&self.session.0);
        w.put(&self.last_received.to_be_bytes());
        self.caps.write(w)
    }
}
