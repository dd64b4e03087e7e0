//! `code_enum!`: an enum of named code points plus `Unknown(raw)`, so reserved
//! and vendor values survive `encode(decode(b)) == b`; `bitmap!`: a newtype
//! over a bitmap's octets with named flags, keeping unnamed bits.

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr => $text:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not name, kept as sent.
            Unknown($repr),
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                match v {
                    $( $value => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> $repr {
                match v {
                    $( $name::$variant => $value, )*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $name {
            /// The snake_case name used by the standard's tables and `dualp`,
            /// or `None` for an unknown value.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => Some($text), )*
                    $name::Unknown(_) => None,
                }
            }

            /// The value for a name returned by `name`.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $text => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl $crate::cluster::typed::NamedValue for $name {
            fn value_name(raw: u64) -> Option<&'static str> {
                <$repr>::try_from(raw).ok().and_then(|v| $name::from(v).name())
            }
        }

        impl<'a> $crate::cluster::typed::Wire<'a> for $name {
            #[inline]
            fn read(
                r: &mut $crate::cursor::Reader<'a>,
                ty: $crate::data_type::DataType,
                what: &'static str,
            ) -> Result<Self, $crate::error::DecodeError> {
                <$repr as $crate::cluster::typed::Wire<'a>>::read(r, ty, what).map($name::from)
            }
            #[inline]
            fn len(&self, ty: $crate::data_type::DataType) -> usize {
                usize::from(ty.length_code())
            }
            #[inline]
            fn write(
                &self,
                w: &mut $crate::cursor::Writer<'_>,
                ty: $crate::data_type::DataType,
            ) -> Result<(), $crate::error::EncodeError> {
                $crate::cluster::typed::Wire::write(&<$repr>::from(*self), w, ty)
            }
        }
    };
}
pub(crate) use code_enum;

macro_rules! bitmap {
    (
        $(#[$meta:meta])*
        pub struct $name:ident : $repr:ty {
            $( $(#[$vmeta:meta])* const $flag:ident = $value:expr => $text:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$vmeta])* pub const $flag: $name = $name($value); )*

            /// The named flags and multi-bit fields: (mask, snake_case name).
            pub const NAMED: &'static [($repr, &'static str)] = &[$(($value, $text)),*];

            /// The raw bits.
            #[must_use]
            pub const fn bits(self) -> $repr {
                self.0
            }

            /// Whether every bit of `other` is set.
            #[must_use]
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }

            /// The names of the single-bit flags that are set.
            pub fn flag_names(self) -> impl Iterator<Item = &'static str> {
                Self::NAMED
                    .iter()
                    .filter(move |(m, _)| m.count_ones() == 1 && self.0 & m != 0)
                    .map(|&(_, n)| n)
            }
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                $name(v)
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> $repr {
                v.0
            }
        }

        impl $crate::cluster::typed::NamedValue for $name {
            fn value_name(_: u64) -> Option<&'static str> {
                None
            }
        }

        impl<'a> $crate::cluster::typed::Wire<'a> for $name {
            #[inline]
            fn read(
                r: &mut $crate::cursor::Reader<'a>,
                ty: $crate::data_type::DataType,
                what: &'static str,
            ) -> Result<Self, $crate::error::DecodeError> {
                <$repr as $crate::cluster::typed::Wire<'a>>::read(r, ty, what).map($name)
            }
            #[inline]
            fn len(&self, ty: $crate::data_type::DataType) -> usize {
                usize::from(ty.length_code())
            }
            #[inline]
            fn write(
                &self,
                w: &mut $crate::cursor::Writer<'_>,
                ty: $crate::data_type::DataType,
            ) -> Result<(), $crate::error::EncodeError> {
                $crate::cluster::typed::Wire::write(&self.0, w, ty)
            }
        }
    };
}
pub(crate) use bitmap;
