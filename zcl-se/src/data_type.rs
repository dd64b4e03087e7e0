//! ZCL data type identifiers (ZCL rev 6, §2.6.2, table 2-10).
//!
//! [`DataType`] is a newtype over the identifier octet so that reserved
//! identifiers survive a round trip; [`DataType::kind`] classifies it.

/// A ZCL data type identifier (ZCL rev 6 table 2-10). Reserved identifiers are
/// kept as they are; [`DataType::kind`] returns [`TypeKind::Reserved`] for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DataType(pub u8);

/// What a [`DataType`] identifier denotes, with the octet width of the
/// general data, bitmap and integer families (ZCL rev 6 table 2-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TypeKind {
    /// No data (0x00).
    NoData,
    /// General data, 1 to 8 octets (0x08-0x0f).
    Data(u8),
    /// Boolean (0x10).
    Bool,
    /// Bitmap, 1 to 8 octets (0x18-0x1f).
    Bitmap(u8),
    /// Unsigned integer, 1 to 8 octets (0x20-0x27).
    Uint(u8),
    /// Signed integer, 1 to 8 octets (0x28-0x2f).
    Int(u8),
    /// 8-bit enumeration (0x30).
    Enum8,
    /// 16-bit enumeration (0x31).
    Enum16,
    /// Semi-precision float, IEEE 754 binary16 (0x38).
    Semi,
    /// Single-precision float (0x39).
    Single,
    /// Double-precision float (0x3a).
    Double,
    /// Octet string, one-octet length (0x41).
    OctetString,
    /// Character string, one-octet length (0x42).
    CharString,
    /// Long octet string, two-octet length (0x43).
    LongOctetString,
    /// Long character string, two-octet length (0x44).
    LongCharString,
    /// Array (0x48).
    Array,
    /// Structure (0x4c).
    Structure,
    /// Set (0x50).
    Set,
    /// Bag (0x51).
    Bag,
    /// Time of day (0xe0).
    TimeOfDay,
    /// Date (0xe1).
    Date,
    /// UTC time, seconds since 2000-01-01 00:00:00 UTC (0xe2).
    Utc,
    /// Cluster identifier (0xe8).
    ClusterId,
    /// Attribute identifier (0xe9).
    AttributeId,
    /// BACnet object identifier (0xea).
    BacnetOid,
    /// IEEE (EUI-64) address (0xf0).
    Ieee,
    /// 128-bit security key (0xf1).
    SecurityKey,
    /// "Unknown" (0xff): a type without data, used where a type is not known.
    Unknown,
    /// An identifier reserved by table 2-10: its length cannot be known.
    Reserved,
}

macro_rules! type_consts {
    ($($(#[$m:meta])* $name:ident = $v:expr;)*) => {
        impl DataType {
            $($(#[$m])* pub const $name: DataType = DataType($v);)*
        }
    };
}

type_consts! {
    /// No data.
    NO_DATA = 0x00;
    /// 8-bit data.
    DATA8 = 0x08;
    /// 16-bit data.
    DATA16 = 0x09;
    /// 24-bit data.
    DATA24 = 0x0a;
    /// 32-bit data.
    DATA32 = 0x0b;
    /// 40-bit data.
    DATA40 = 0x0c;
    /// 48-bit data.
    DATA48 = 0x0d;
    /// 56-bit data.
    DATA56 = 0x0e;
    /// 64-bit data.
    DATA64 = 0x0f;
    /// Boolean.
    BOOL = 0x10;
    /// 8-bit bitmap.
    BITMAP8 = 0x18;
    /// 16-bit bitmap.
    BITMAP16 = 0x19;
    /// 24-bit bitmap.
    BITMAP24 = 0x1a;
    /// 32-bit bitmap.
    BITMAP32 = 0x1b;
    /// 40-bit bitmap.
    BITMAP40 = 0x1c;
    /// 48-bit bitmap.
    BITMAP48 = 0x1d;
    /// 56-bit bitmap.
    BITMAP56 = 0x1e;
    /// 64-bit bitmap.
    BITMAP64 = 0x1f;
    /// Unsigned 8-bit integer.
    UINT8 = 0x20;
    /// Unsigned 16-bit integer.
    UINT16 = 0x21;
    /// Unsigned 24-bit integer.
    UINT24 = 0x22;
    /// Unsigned 32-bit integer.
    UINT32 = 0x23;
    /// Unsigned 40-bit integer.
    UINT40 = 0x24;
    /// Unsigned 48-bit integer.
    UINT48 = 0x25;
    /// Unsigned 56-bit integer.
    UINT56 = 0x26;
    /// Unsigned 64-bit integer.
    UINT64 = 0x27;
    /// Signed 8-bit integer.
    INT8 = 0x28;
    /// Signed 16-bit integer.
    INT16 = 0x29;
    /// Signed 24-bit integer.
    INT24 = 0x2a;
    /// Signed 32-bit integer.
    INT32 = 0x2b;
    /// Signed 40-bit integer.
    INT40 = 0x2c;
    /// Signed 48-bit integer.
    INT48 = 0x2d;
    /// Signed 56-bit integer.
    INT56 = 0x2e;
    /// Signed 64-bit integer.
    INT64 = 0x2f;
    /// 8-bit enumeration.
    ENUM8 = 0x30;
    /// 16-bit enumeration.
    ENUM16 = 0x31;
    /// Semi-precision float.
    SEMI = 0x38;
    /// Single-precision float.
    SINGLE = 0x39;
    /// Double-precision float.
    DOUBLE = 0x3a;
    /// Octet string.
    OCTET_STRING = 0x41;
    /// Character string.
    CHAR_STRING = 0x42;
    /// Long octet string.
    LONG_OCTET_STRING = 0x43;
    /// Long character string.
    LONG_CHAR_STRING = 0x44;
    /// Array.
    ARRAY = 0x48;
    /// Structure.
    STRUCTURE = 0x4c;
    /// Set.
    SET = 0x50;
    /// Bag.
    BAG = 0x51;
    /// Time of day.
    TIME_OF_DAY = 0xe0;
    /// Date.
    DATE = 0xe1;
    /// UTC time.
    UTC = 0xe2;
    /// Cluster identifier.
    CLUSTER_ID = 0xe8;
    /// Attribute identifier.
    ATTRIBUTE_ID = 0xe9;
    /// BACnet OID.
    BACNET_OID = 0xea;
    /// IEEE address.
    IEEE_ADDRESS = 0xf0;
    /// 128-bit security key.
    SECURITY_KEY = 0xf1;
    /// Unknown.
    UNKNOWN = 0xff;
}

impl DataType {
    /// Classifies the identifier.
    #[must_use]
    #[inline]
    pub const fn kind(self) -> TypeKind {
        let id = self.0;
        match id {
            0x00 => TypeKind::NoData,
            0x08..=0x0f => TypeKind::Data(id - 0x07),
            0x10 => TypeKind::Bool,
            0x18..=0x1f => TypeKind::Bitmap(id - 0x17),
            0x20..=0x27 => TypeKind::Uint(id - 0x1f),
            0x28..=0x2f => TypeKind::Int(id - 0x27),
            0x30 => TypeKind::Enum8,
            0x31 => TypeKind::Enum16,
            0x38 => TypeKind::Semi,
            0x39 => TypeKind::Single,
            0x3a => TypeKind::Double,
            0x41 => TypeKind::OctetString,
            0x42 => TypeKind::CharString,
            0x43 => TypeKind::LongOctetString,
            0x44 => TypeKind::LongCharString,
            0x48 => TypeKind::Array,
            0x4c => TypeKind::Structure,
            0x50 => TypeKind::Set,
            0x51 => TypeKind::Bag,
            0xe0 => TypeKind::TimeOfDay,
            0xe1 => TypeKind::Date,
            0xe2 => TypeKind::Utc,
            0xe8 => TypeKind::ClusterId,
            0xe9 => TypeKind::AttributeId,
            0xea => TypeKind::BacnetOid,
            0xf0 => TypeKind::Ieee,
            0xf1 => TypeKind::SecurityKey,
            0xff => TypeKind::Unknown,
            _ => TypeKind::Reserved,
        }
    }

    /// The value length in octets for fixed-length types; `None` for strings,
    /// collections and reserved identifiers.
    #[must_use]
    #[inline]
    pub fn fixed_len(self) -> Option<usize> {
        match LENGTHS.get(usize::from(self.0)).copied() {
            Some(VARIABLE | RESERVED) | None => None,
            Some(n) => Some(usize::from(n)),
        }
    }

    /// Whether table 2-10 reserves this identifier.
    #[must_use]
    #[inline]
    pub fn is_reserved(self) -> bool {
        LENGTHS.get(usize::from(self.0)) == Some(&RESERVED)
    }

    /// Raw entry of the length table (crate use: the skip fast path).
    #[inline]
    pub(crate) fn length_code(self) -> u8 {
        LENGTHS
            .get(usize::from(self.0))
            .copied()
            .unwrap_or(RESERVED)
    }

    /// The fixed length, computed from [`DataType::kind`] (builds `LENGTHS`).
    const fn compute_fixed_len(self) -> Option<usize> {
        Some(match self.kind() {
            TypeKind::NoData | TypeKind::Unknown => 0,
            TypeKind::Data(w) | TypeKind::Bitmap(w) | TypeKind::Uint(w) | TypeKind::Int(w) => {
                w as usize
            }
            TypeKind::Bool | TypeKind::Enum8 => 1,
            TypeKind::Enum16 | TypeKind::Semi | TypeKind::ClusterId | TypeKind::AttributeId => 2,
            TypeKind::Single
            | TypeKind::TimeOfDay
            | TypeKind::Date
            | TypeKind::Utc
            | TypeKind::BacnetOid => 4,
            TypeKind::Double | TypeKind::Ieee => 8,
            TypeKind::SecurityKey => 16,
            TypeKind::OctetString
            | TypeKind::CharString
            | TypeKind::LongOctetString
            | TypeKind::LongCharString
            | TypeKind::Array
            | TypeKind::Structure
            | TypeKind::Set
            | TypeKind::Bag
            | TypeKind::Reserved => return None,
        })
    }

    /// Whether the type is analog (class "A" in table 2-10): integers, floats
    /// and times. Only analog attributes carry a reportable-change field in
    /// configure-reporting records (ZCL rev 6 §2.5.7.1.7).
    #[must_use]
    pub const fn is_analog(self) -> bool {
        matches!(
            self.kind(),
            TypeKind::Uint(_)
                | TypeKind::Int(_)
                | TypeKind::Semi
                | TypeKind::Single
                | TypeKind::Double
                | TypeKind::TimeOfDay
                | TypeKind::Date
                | TypeKind::Utc
        )
    }

    /// Whether the type is a collection (array, structure, set, bag).
    #[must_use]
    pub const fn is_collection(self) -> bool {
        matches!(
            self.kind(),
            TypeKind::Array | TypeKind::Structure | TypeKind::Set | TypeKind::Bag
        )
    }

    /// The short name used by table 2-10 and by `dualp` (`uint48`, `string`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        const DATA: [&str; 8] = [
            "data8", "data16", "data24", "data32", "data40", "data48", "data56", "data64",
        ];
        const BITMAP: [&str; 8] = [
            "bitmap8", "bitmap16", "bitmap24", "bitmap32", "bitmap40", "bitmap48", "bitmap56",
            "bitmap64",
        ];
        const UINT: [&str; 8] = [
            "uint8", "uint16", "uint24", "uint32", "uint40", "uint48", "uint56", "uint64",
        ];
        const INT: [&str; 8] = [
            "int8", "int16", "int24", "int32", "int40", "int48", "int56", "int64",
        ];
        match self.kind() {
            TypeKind::NoData => "nodata",
            TypeKind::Data(w) => width_name(&DATA, w),
            TypeKind::Bool => "bool",
            TypeKind::Bitmap(w) => width_name(&BITMAP, w),
            TypeKind::Uint(w) => width_name(&UINT, w),
            TypeKind::Int(w) => width_name(&INT, w),
            TypeKind::Enum8 => "enum8",
            TypeKind::Enum16 => "enum16",
            TypeKind::Semi => "semi",
            TypeKind::Single => "single",
            TypeKind::Double => "double",
            TypeKind::OctetString => "octstr",
            TypeKind::CharString => "string",
            TypeKind::LongOctetString => "octstr16",
            TypeKind::LongCharString => "string16",
            TypeKind::Array => "array",
            TypeKind::Structure => "struct",
            TypeKind::Set => "set",
            TypeKind::Bag => "bag",
            TypeKind::TimeOfDay => "ToD",
            TypeKind::Date => "date",
            TypeKind::Utc => "UTC",
            TypeKind::ClusterId => "clusterId",
            TypeKind::AttributeId => "attribId",
            TypeKind::BacnetOid => "bacOID",
            TypeKind::Ieee => "EUI64",
            TypeKind::SecurityKey => "key128",
            TypeKind::Unknown => "unk",
            TypeKind::Reserved => "reserved",
        }
    }

    /// The identifier for a name returned by [`DataType::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<DataType> {
        (0u8..=0xff)
            .map(DataType)
            .find(|t| !matches!(t.kind(), TypeKind::Reserved) && t.name() == name)
    }
}

/// `LENGTHS[id]`: the value length of type `id`, or `VARIABLE` / `RESERVED`.
pub(crate) const VARIABLE: u8 = 0xfe;
pub(crate) const RESERVED: u8 = 0xff;
// Evaluated at compile time; `i < 256` by the loop bound.
#[allow(clippy::indexing_slicing)]
const LENGTHS: [u8; 256] = {
    let mut t = [RESERVED; 256];
    let mut i = 0;
    while i < 256 {
        let ty = DataType(i as u8);
        t[i] = match ty.compute_fixed_len() {
            Some(n) => n as u8,
            None if matches!(ty.kind(), TypeKind::Reserved) => RESERVED,
            None => VARIABLE,
        };
        i += 1;
    }
    t
};

fn width_name(names: &[&'static str; 8], w: u8) -> &'static str {
    names
        .get(usize::from(w).saturating_sub(1))
        .copied()
        .unwrap_or("reserved")
}
