//! Small macros: code-point enums that keep unknown values, and the `alloc`
//! convenience encoder.

/// An enum over a `u8` code space whose reserved values land in `Unknown(u8)`,
/// so that decoding then encoding is lossless.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the standard reserves or this crate does not name (kept as received).
            Unknown(u8),
        }

        impl From<u8> for $name {
            #[inline]
            fn from(v: u8) -> Self {
                match v {
                    $( $value => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u8 {
            #[inline]
            fn from(v: $name) -> u8 {
                match v {
                    $( $name::$variant => $value, )*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $name {
            /// Every named value (for tests and tools).
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The snake_case name, or `"unknown"`.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => stringify!($variant), )*
                    $name::Unknown(_) => "Unknown",
                }
            }
        }
    };
}

/// `encode_to_vec` behind `alloc` for a type with `encoded_len` and `encode`.
macro_rules! encode_to_vec {
    ($t:ty) => {
        #[cfg(feature = "alloc")]
        impl $t {
            /// Encodes into a new `Vec` (feature `alloc`).
            ///
            /// # Errors
            /// As [`Self::encode`], except that the buffer is never too small.
            pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, crate::EncodeError> {
                let mut v = alloc::vec![0u8; self.encoded_len()];
                let n = self.encode(&mut v)?;
                v.truncate(n);
                Ok(v)
            }
        }
    };
}

pub(crate) use code_enum;
pub(crate) use encode_to_vec;
