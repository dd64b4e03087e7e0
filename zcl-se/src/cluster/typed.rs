//! Typed command structs, generated from the same definition as the
//! cluster's [`CommandDef`](super::CommandDef) table.
//!
//! Each Smart Energy cluster module declares its commands once, through
//! `se_commands!`: identifier, direction, name, struct name and field list.
//! From that one definition come
//!
//! * the table entry (`COMMANDS`, used by [`crate::Frame::decode_with`] and
//!   `dualp` to name fields),
//! * a struct per command (`PublishPrice<'a>` ...) with borrowed fields,
//!   `decode(&[u8])`, `encoded_len()`, `encode(&mut [u8])` and, with
//!   `alloc`, `encode_to_vec()`,
//! * a per-cluster `Command<'a>` enum that dispatches on direction and
//!   identifier.
//!
//! Field types follow the ZCL data type (ZCL rev 6 table 2-10):
//! 8/16-bit integers, bitmaps, enumerations and booleans are `u8`/`u16`,
//! 24- and 32-bit ones and UTC times `u32`, 40- to 64-bit ones `u64`,
//! signed ones `i8`/`i16`/`i32`; octet and character strings are
//! `Option<&[u8]>` (`None` is the invalid length 0xff); the IEEE address is an
//! [`Eui64`]; repeated sub-payloads are the remaining octets (`&[u8]`). Some
//! fields are a named enumeration or bitmap of the cluster (`code_enum!` /
//! `bitmap!` types, which keep unnamed values).
//!
//! Fields that a later revision appended are `Option`s: a frame from an older
//! device that ends before them decodes with `None` there, and encodes back
//! to the same octets. Octets after the last field are kept in `trailing`
//! (a later revision's additions), so `encode(decode(b)) == b`.
//!
//! Hand cursor, no nom.

use dual_protocol_primitives::Eui64;

use crate::cursor::{Reader, Writer};
use crate::data_type::DataType;
use crate::error::{DecodeError, EncodeError};

/// Writes a cluster-specific ZCL frame header (ZCL rev 6 §2.4.1, not
/// manufacturer specific) and then `payload_len` octets through `body`.
pub(crate) fn encode_frame(
    direction: crate::frame::Direction,
    command_id: u8,
    tsn: u8,
    disable_default_response: bool,
    payload_len: usize,
    buf: &mut [u8],
    body: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    let header = crate::frame::Header {
        frame_type: crate::frame::FrameType::ClusterSpecific,
        direction,
        disable_default_response,
        reserved: 0,
        manufacturer_code: None,
        tsn,
        command_id,
    };
    crate::cursor::encode_with(3 + payload_len, buf, |w| {
        w.put(&[header.frame_control(), tsn, command_id])?;
        body(w)
    })
}

/// A Rust type that carries one command field of ZCL type `ty`.
pub(crate) trait Wire<'a>: Sized {
    fn read(r: &mut Reader<'a>, ty: DataType, what: &'static str) -> Result<Self, DecodeError>;
    fn len(&self, ty: DataType) -> usize;
    fn write(&self, w: &mut Writer<'_>, ty: DataType) -> Result<(), EncodeError>;
}

#[inline(always)]
fn width(ty: DataType) -> usize {
    usize::from(ty.length_code())
}

macro_rules! wire_unsigned {
    ($($t:ty),*) => {$(
        impl Wire<'_> for $t {
            #[inline(always)]
            fn read(r: &mut Reader<'_>, ty: DataType, what: &'static str) -> Result<Self, DecodeError> {
                // The width of the type is at most the width of `$t` (the
                // macro tables pair them), so the value fits.
                Ok(r.uint(width(ty), what)? as $t)
            }
            #[inline(always)]
            fn len(&self, ty: DataType) -> usize {
                width(ty)
            }
            #[inline(always)]
            fn write(&self, w: &mut Writer<'_>, ty: DataType) -> Result<(), EncodeError> {
                let n = width(ty);
                let v = u64::from(*self);
                if n < 8 && v >> (8 * n) != 0 {
                    return Err(EncodeError::InvalidValue { what: "integer wider than its type" });
                }
                w.uint(v, n)
            }
        }
    )*};
}
wire_unsigned!(u8, u16, u32, u64);

macro_rules! wire_signed {
    ($($t:ty),*) => {$(
        impl Wire<'_> for $t {
            #[inline(always)]
            fn read(r: &mut Reader<'_>, ty: DataType, what: &'static str) -> Result<Self, DecodeError> {
                let n = width(ty);
                let raw = r.uint(n, what)?;
                let shift = 64 - 8 * n as u32;
                Ok((((raw << shift) as i64) >> shift) as $t)
            }
            #[inline(always)]
            fn len(&self, ty: DataType) -> usize {
                width(ty)
            }
            #[inline(always)]
            fn write(&self, w: &mut Writer<'_>, ty: DataType) -> Result<(), EncodeError> {
                let n = width(ty);
                let v = i64::from(*self);
                let shift = 64 - 8 * n as u32;
                if ((v << shift) >> shift) != v {
                    return Err(EncodeError::InvalidValue { what: "signed integer wider than its type" });
                }
                w.uint(v as u64, n)
            }
        }
    )*};
}
wire_signed!(i8, i16, i32, i64);

impl Wire<'_> for Eui64 {
    #[inline]
    fn read(r: &mut Reader<'_>, _: DataType, what: &'static str) -> Result<Self, DecodeError> {
        Ok(Eui64::from_le_bytes(r.array(what)?))
    }
    #[inline]
    fn len(&self, _: DataType) -> usize {
        8
    }
    #[inline]
    fn write(&self, w: &mut Writer<'_>, _: DataType) -> Result<(), EncodeError> {
        w.put(&self.to_le_bytes())
    }
}

/// Octet and character strings with a one-octet length (ZCL rev 6
/// §2.6.2.11-12): `None` is the invalid value (length 0xff).
impl<'a> Wire<'a> for Option<&'a [u8]> {
    #[inline]
    fn read(r: &mut Reader<'a>, _: DataType, what: &'static str) -> Result<Self, DecodeError> {
        let offset = r.offset();
        let len = r.u8(what)?;
        if len == 0xff {
            return Ok(None);
        }
        let len = usize::from(len);
        if len > r.remaining() {
            return Err(DecodeError::StringTooLong {
                offset,
                what,
                declared: len,
                available: r.remaining(),
            });
        }
        r.take(len, what).map(Some)
    }
    #[inline]
    fn len(&self, _: DataType) -> usize {
        1 + self.map_or(0, <[u8]>::len)
    }
    #[inline]
    fn write(&self, w: &mut Writer<'_>, _: DataType) -> Result<(), EncodeError> {
        match self {
            None => w.u8(0xff),
            Some(s) => {
                let len = u8::try_from(s.len()).ok().filter(|&l| l != 0xff).ok_or(
                    EncodeError::InvalidValue {
                        what: "string longer than 254 octets",
                    },
                )?;
                w.u8(len)?;
                w.put(s)
            }
        }
    }
}

/// A named enumeration or bitmap type of a field: the name of a raw value
/// (enumerations name their code points; bitmaps have no single name).
pub(crate) trait NamedValue {
    fn value_name(raw: u64) -> Option<&'static str>;
}

/// The name of raw value `$raw` of a field spec, if the field is named.
macro_rules! se_field_value_name {
    ($raw:ident; opt $($t:tt)+) => {
        $crate::cluster::typed::se_field_value_name!($raw; $($t)+)
    };
    ($raw:ident; $ty:ident => $named:ident) => {
        <$named as $crate::cluster::typed::NamedValue>::value_name($raw)
    };
    ($raw:ident; $($t:tt)+) => {
        None
    };
}
pub(crate) use se_field_value_name;

/// The Rust type of a field of ZCL type `$ty` (table 2-10 widths).
macro_rules! wire_ty {
    ($lt:lifetime; BOOL) => { u8 };
    ($lt:lifetime; UINT8) => { u8 };
    ($lt:lifetime; ENUM8) => { u8 };
    ($lt:lifetime; BITMAP8) => { u8 };
    ($lt:lifetime; UINT16) => { u16 };
    ($lt:lifetime; ENUM16) => { u16 };
    ($lt:lifetime; BITMAP16) => { u16 };
    ($lt:lifetime; UINT24) => { u32 };
    ($lt:lifetime; UINT32) => { u32 };
    ($lt:lifetime; BITMAP24) => { u32 };
    ($lt:lifetime; BITMAP32) => { u32 };
    ($lt:lifetime; UTC) => { u32 };
    ($lt:lifetime; UINT40) => { u64 };
    ($lt:lifetime; UINT48) => { u64 };
    ($lt:lifetime; UINT56) => { u64 };
    ($lt:lifetime; UINT64) => { u64 };
    ($lt:lifetime; BITMAP48) => { u64 };
    ($lt:lifetime; BITMAP64) => { u64 };
    ($lt:lifetime; INT8) => { i8 };
    ($lt:lifetime; INT16) => { i16 };
    ($lt:lifetime; INT24) => { i32 };
    ($lt:lifetime; INT32) => { i32 };
    ($lt:lifetime; INT48) => { i64 };
    ($lt:lifetime; OCTET_STRING) => { Option<&$lt [u8]> };
    ($lt:lifetime; CHAR_STRING) => { Option<&$lt [u8]> };
    ($lt:lifetime; IEEE_ADDRESS) => { dual_protocol_primitives::Eui64 };
}
pub(crate) use wire_ty;

/// The Rust type of a field spec: `[TYPE]`, `[TYPE => Named]`,
/// `[opt TYPE ...]`, `[rest]`.
macro_rules! se_field_ty {
    ($lt:lifetime; rest) => { &$lt [u8] };
    ($lt:lifetime; opt $($t:tt)+) => { Option<$crate::cluster::typed::se_field_ty!($lt; $($t)+)> };
    ($lt:lifetime; $ty:ident => $named:ident) => { $named };
    ($lt:lifetime; $ty:ident) => { $crate::cluster::typed::wire_ty!($lt; $ty) };
}
pub(crate) use se_field_ty;

/// The table entry of a field spec.
macro_rules! se_field_def {
    ($n:ident; rest) => {
        $crate::cluster::FieldDef::rest(stringify!($n))
    };
    ($n:ident; opt $ty:ident $(=> $named:ident)?) => {
        $crate::cluster::FieldDef::optional(stringify!($n), $crate::data_type::DataType::$ty)
    };
    ($n:ident; $ty:ident $(=> $named:ident)?) => {
        $crate::cluster::FieldDef::new(stringify!($n), $crate::data_type::DataType::$ty)
    };
}
pub(crate) use se_field_def;

/// Reads one field.
macro_rules! se_field_read {
    ($r:ident, $n:ident; rest) => {
        $r.rest()
    };
    ($r:ident, $n:ident; opt $($t:tt)+) => {
        if $r.is_empty() {
            None
        } else {
            Some($crate::cluster::typed::se_field_read!($r, $n; $($t)+))
        }
    };
    ($r:ident, $n:ident; $ty:ident $(=> $named:ident)?) => {
        $crate::cluster::typed::Wire::read(
            &mut $r,
            $crate::data_type::DataType::$ty,
            stringify!($n),
        )?
    };
}
pub(crate) use se_field_read;

/// Encoded length of one field.
macro_rules! se_field_len {
    ($v:expr; rest) => {
        $v.len()
    };
    ($v:expr; opt $ty:ident $(=> $named:ident)?) => {
        $v.as_ref().map_or(0, |x| {
            $crate::cluster::typed::Wire::len(x, $crate::data_type::DataType::$ty)
        })
    };
    ($v:expr; $ty:ident $(=> $named:ident)?) => {
        $crate::cluster::typed::Wire::len(&$v, $crate::data_type::DataType::$ty)
    };
}
pub(crate) use se_field_len;

/// Writes one field; `$absent` tracks whether an optional field was left
/// out (every later field must then be absent too).
macro_rules! se_field_write {
    ($w:ident, $absent:ident, $v:expr; rest) => {
        if !$v.is_empty() {
            if $absent {
                return Err($crate::error::EncodeError::InvalidValue {
                    what: "field after an absent optional field",
                });
            }
            $w.put($v)?;
        }
    };
    ($w:ident, $absent:ident, $v:expr; opt $ty:ident $(=> $named:ident)?) => {
        match &$v {
            None => $absent = true,
            Some(_) if $absent => {
                return Err($crate::error::EncodeError::InvalidValue {
                    what: "field after an absent optional field",
                });
            }
            Some(x) => {
                $crate::cluster::typed::Wire::write(x, $w, $crate::data_type::DataType::$ty)?
            }
        }
    };
    ($w:ident, $absent:ident, $v:expr; $ty:ident $(=> $named:ident)?) => {
        $crate::cluster::typed::Wire::write(&$v, $w, $crate::data_type::DataType::$ty)?
    };
}
pub(crate) use se_field_write;

/// Declares a cluster's commands once: the `COMMANDS` table, a struct per
/// command and the cluster's `Command` enum.
///
/// ```text
/// se_commands! {
///     /// Doc (clause, revision).
///     0x00 ServerToClient "publish_price" PublishPrice {
///         provider_id: [UINT32],
///         unit_of_measure: [ENUM8 => UnitOfMeasure],
///         price_ratio: [opt UINT8],
///         sub_payload: [rest],
///     }
/// }
/// ```
macro_rules! se_commands {
    (
        $(
            $(#[$meta:meta])*
            $id:literal $dir:ident $name:literal $st:ident {
                $( $(#[$fmeta:meta])* $f:ident : [ $($spec:tt)+ ] ),* $(,)?
            }
        )*
    ) => {
        $(
            $(#[$meta])*
            #[doc = ""]
            #[doc = concat!("Command `", $name, "` (", stringify!($id), ", ", stringify!($dir), ").")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $st<'a> {
                $(
                    $(#[$fmeta])*
                    #[doc = concat!("`", stringify!($f), "`: ", stringify!($($spec)+), ".")]
                    pub $f: $crate::cluster::typed::se_field_ty!('a; $($spec)+),
                )*
                /// Octets after the last field this crate knows (a later
                /// revision's additions), kept so the frame re-encodes as sent.
                pub trailing: &'a [u8],
            }

            impl<'a> $st<'a> {
                /// Command identifier.
                pub const ID: u8 = $id;
                /// Direction the command travels.
                pub const DIRECTION: $crate::frame::Direction = $crate::frame::Direction::$dir;
                /// Name, as the cluster table and `dualp` spell it.
                pub const NAME: &'static str = $name;
                /// The table entry generated from the same definition.
                pub const DEF: $crate::cluster::CommandDef<'static> = $crate::cluster::CommandDef::new(
                    $id,
                    $name,
                    $crate::frame::Direction::$dir,
                    &[$($crate::cluster::typed::se_field_def!($f; $($spec)+)),*],
                );

                /// The name of raw value `raw` of field `field` when the field
                /// is a named enumeration (`dualp` shows it beside the number).
                #[must_use]
                #[allow(unused_variables)]
                pub fn value_name(field: &str, raw: u64) -> Option<&'static str> {
                    $(
                        if field == stringify!($f) {
                            return $crate::cluster::typed::se_field_value_name!(raw; $($spec)+);
                        }
                    )*
                    None
                }

                /// Decodes the command payload (after the ZCL header).
                pub fn decode(payload: &'a [u8]) -> Result<Self, $crate::error::DecodeError> {
                    Self::decode_at(payload, 0)
                }

                /// Decodes the payload whose first octet is at absolute
                /// offset `base` (errors report absolute offsets).
                #[allow(unused_mut)]
                pub fn decode_at(
                    payload: &'a [u8],
                    base: usize,
                ) -> Result<Self, $crate::error::DecodeError> {
                    let mut r = $crate::cursor::Reader::new(payload, base);
                    $( let $f = $crate::cluster::typed::se_field_read!(r, $f; $($spec)+); )*
                    Ok($st { $($f,)* trailing: r.rest() })
                }

                /// Length of the encoded payload.
                #[must_use]
                pub fn encoded_len(&self) -> usize {
                    0 $( + $crate::cluster::typed::se_field_len!(self.$f; $($spec)+) )* + self.trailing.len()
                }

                pub(crate) fn write(
                    &self,
                    w: &mut $crate::cursor::Writer<'_>,
                ) -> Result<(), $crate::error::EncodeError> {
                    #[allow(unused_mut)]
                    let mut absent = false;
                    $( $crate::cluster::typed::se_field_write!(w, absent, self.$f; $($spec)+); )*
                    let _ = absent;
                    w.put(self.trailing)
                }

                /// Encodes the payload into `buf`; returns its length.
                pub fn encode(&self, buf: &mut [u8]) -> Result<usize, $crate::error::EncodeError> {
                    $crate::cursor::encode_with(self.encoded_len(), buf, |w| self.write(w))
                }

                /// Encodes a whole ZCL frame (cluster-specific, not
                /// manufacturer specific: frame control, `tsn`, command
                /// identifier, payload) into `buf`; returns its length.
                pub fn encode_frame(
                    &self,
                    tsn: u8,
                    disable_default_response: bool,
                    buf: &mut [u8],
                ) -> Result<usize, $crate::error::EncodeError> {
                    $crate::cluster::typed::encode_frame(
                        $crate::frame::Direction::$dir,
                        $id,
                        tsn,
                        disable_default_response,
                        self.encoded_len(),
                        buf,
                        |w| self.write(w),
                    )
                }

                /// Encodes the payload into a new vector.
                #[cfg(feature = "alloc")]
                pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, $crate::error::EncodeError> {
                    let mut v = alloc::vec![0u8; self.encoded_len()];
                    let n = self.encode(&mut v)?;
                    v.truncate(n);
                    Ok(v)
                }
            }

            impl<'a> From<$st<'a>> for Command<'a> {
                fn from(c: $st<'a>) -> Self {
                    Command::$st(c)
                }
            }
        )*

        /// The cluster's commands (both directions), generated with the
        /// structs from one definition each.
        pub static COMMANDS: &[$crate::cluster::CommandDef<'static>] = &[$($st::DEF),*];

        /// Any command of this cluster, typed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Command<'a> {
            $(
                #[doc = concat!("`", $name, "`.")]
                $st($st<'a>),
            )*
        }

        impl<'a> Command<'a> {
            /// Decodes command `id` travelling in `direction`; `Ok(None)` for
            /// an identifier this cluster does not define.
            pub fn decode(
                direction: $crate::frame::Direction,
                id: u8,
                payload: &'a [u8],
            ) -> Result<Option<Self>, $crate::error::DecodeError> {
                Self::decode_at(direction, id, payload, 0)
            }

            /// As [`Command::decode`], with the payload's absolute offset.
            pub fn decode_at(
                direction: $crate::frame::Direction,
                id: u8,
                payload: &'a [u8],
                base: usize,
            ) -> Result<Option<Self>, $crate::error::DecodeError> {
                $(
                    if id == $id && direction == $crate::frame::Direction::$dir {
                        return $st::decode_at(payload, base).map(|c| Some(Command::$st(c)));
                    }
                )*
                Ok(None)
            }

            /// The name of raw value `raw` of field `field` of command `id`
            /// travelling in `direction`, when that field is a named
            /// enumeration.
            #[must_use]
            pub fn value_name(
                direction: $crate::frame::Direction,
                id: u8,
                field: &str,
                raw: u64,
            ) -> Option<&'static str> {
                $(
                    if id == $id && direction == $crate::frame::Direction::$dir {
                        return $st::value_name(field, raw);
                    }
                )*
                None
            }

            /// Command identifier.
            #[must_use]
            pub const fn id(&self) -> u8 {
                match self { $( Command::$st(_) => $id, )* }
            }

            /// Direction.
            #[must_use]
            pub const fn direction(&self) -> $crate::frame::Direction {
                match self { $( Command::$st(_) => $crate::frame::Direction::$dir, )* }
            }

            /// Name.
            #[must_use]
            pub const fn name(&self) -> &'static str {
                match self { $( Command::$st(_) => $name, )* }
            }

            /// Length of the encoded payload.
            #[must_use]
            pub fn encoded_len(&self) -> usize {
                match self { $( Command::$st(c) => c.encoded_len(), )* }
            }

            /// Encodes the payload into `buf`; returns its length.
            pub fn encode(&self, buf: &mut [u8]) -> Result<usize, $crate::error::EncodeError> {
                match self { $( Command::$st(c) => c.encode(buf), )* }
            }

            /// Encodes a whole ZCL frame (see each struct's `encode_frame`).
            pub fn encode_frame(
                &self,
                tsn: u8,
                disable_default_response: bool,
                buf: &mut [u8],
            ) -> Result<usize, $crate::error::EncodeError> {
                match self {
                    $( Command::$st(c) => c.encode_frame(tsn, disable_default_response, buf), )*
                }
            }

            /// Encodes the payload into a new vector.
            #[cfg(feature = "alloc")]
            pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, $crate::error::EncodeError> {
                match self { $( Command::$st(c) => c.encode_to_vec(), )* }
            }
        }
    };
}
pub(crate) use se_commands;
