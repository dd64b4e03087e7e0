//! `compact-array` (Blue Book, clause 4.1.5; IEC 62056-6-2, "compact-array"):
//! a type description followed by an octet string of untagged rows.
//!
//! `TypeDescription ::= CHOICE { null-data [0], array [1] SEQUENCE
//! { number-of-elements Unsigned16, type-description TypeDescription },
//! structure [2] SEQUENCE OF TypeDescription, <every simple type> }`.
//! The contents are rows of the described type, each encoded without tags
//! (arrays and structures without their element counts, strings with their
//! lengths). The row count is what fills the contents exactly.
//!
//! Validation cost is linear: types of fixed size are skipped in one step,
//! and every row of a variable-size type holds at least one byte, so a
//! crafted description cannot make decoding loop longer than the input.
//! An array of zero-size elements (null-data, dont-care, empty structures
//! or arrays) must be empty, so iterating the rows is also bounded by the
//! input's size (no "compression bomb" of billions of null values).

use core::fmt;

use super::{Data, DataType, Sequence};
use crate::axdr::{Reader, Writer, length_len};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// A validated type description, borrowed from the frame.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeDesc<'a> {
    bytes: &'a [u8],
}

/// The shape of a [`TypeDesc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeDescKind<'a> {
    /// A simple type (every tag but array, structure and compact-array).
    Simple(DataType),
    /// `count` elements of `element`.
    Array {
        /// `number-of-elements`.
        count: u16,
        /// The element type.
        element: TypeDesc<'a>,
    },
    /// Members of the given types.
    Structure {
        /// Number of members.
        count: usize,
        /// The members' descriptions, back to back (iterate with [`TypeDesc::members`]).
        members: &'a [u8],
    },
}

impl<'a> TypeDesc<'a> {
    pub(crate) const fn from_validated(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// Validates a type description that fills `bytes` exactly.
    pub fn new(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let td = Self::read_at(&mut r, 0)?;
        r.finish()?;
        Ok(td)
    }

    /// Reads and validates one description (containers nest from `depth`).
    pub(crate) fn read_at(r: &mut Reader<'a>, depth: usize) -> Result<Self, DecodeError> {
        let start = r.position();
        let at = r.offset();
        let tag = r.u8()?;
        match DataType::from_u8(tag) {
            DataType::Array => {
                let inner = nest(depth, at)?;
                let count = r.u16()?;
                let element = Self::read_at(r, inner)?;
                // Elements of no bytes (null-data, dont-care, empty structures
                // or arrays) would let a few bytes stand for billions of
                // values; such an array must be empty.
                if count > 0 && element.static_size() == Some(0) {
                    return Err(DecodeError::new(
                        at,
                        DecodeErrorKind::InvalidValue {
                            what: "compact-array array of zero-size elements",
                            value: count.into(),
                        },
                    ));
                }
            }
            DataType::Structure => {
                let inner = nest(depth, at)?;
                let n = r.length()?;
                for _ in 0..n {
                    Self::read_at(r, inner)?;
                }
            }
            DataType::CompactArray | DataType::Unknown(_) => {
                return Err(DecodeError::new(
                    at,
                    DecodeErrorKind::UnknownTag {
                        what: "compact-array type description",
                        tag,
                    },
                ));
            }
            _ => {}
        }
        Ok(Self {
            bytes: r.since(start),
        })
    }

    /// The description's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The described type's tag.
    #[must_use]
    pub fn data_type(&self) -> DataType {
        DataType::from_u8(self.bytes.first().copied().unwrap_or(0))
    }

    /// The shape.
    #[must_use]
    pub fn kind(&self) -> TypeDescKind<'a> {
        let mut r = Reader::new(self.bytes);
        match DataType::from_u8(r.u8().unwrap_or(0)) {
            DataType::Array => {
                let count = r.u16().unwrap_or(0);
                TypeDescKind::Array {
                    count,
                    element: Self { bytes: r.rest() },
                }
            }
            DataType::Structure => {
                let count = r.length().unwrap_or(0);
                TypeDescKind::Structure {
                    count,
                    members: r.rest(),
                }
            }
            t => TypeDescKind::Simple(t),
        }
    }

    /// The members of a structure description (empty for other kinds).
    pub fn members(&self) -> impl Iterator<Item = TypeDesc<'a>> + 'a {
        let (count, members) = match self.kind() {
            TypeDescKind::Structure { count, members } => (count, members),
            _ => (0, &[][..]),
        };
        let mut r = Reader::new(members);
        (0..count).map_while(move |_| Self::read_at(&mut r, 0).ok())
    }

    /// Bytes of one untagged value of this type if that is fixed
    /// (saturating: an absurd size simply fails against the frame).
    #[must_use]
    pub fn static_size(&self) -> Option<usize> {
        match self.kind() {
            TypeDescKind::Simple(t) => t.fixed_size(),
            // No elements: no bytes, whatever the element type (so walking
            // never meets a variable-size value that takes no bytes).
            TypeDescKind::Array { count: 0, .. } => Some(0),
            TypeDescKind::Array { count, element } => {
                Some(element.static_size()?.saturating_mul(count.into()))
            }
            TypeDescKind::Structure { .. } => {
                let mut sum = 0usize;
                for m in self.members() {
                    sum = sum.saturating_add(m.static_size()?);
                }
                Some(sum)
            }
        }
    }
}

impl fmt::Debug for TypeDesc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            TypeDescKind::Simple(t) => write!(f, "{t:?}"),
            TypeDescKind::Array { count, element } => write!(f, "Array[{count}; {element:?}]"),
            TypeDescKind::Structure { .. } => f
                .debug_tuple("Structure")
                .field(&DebugMembers(*self))
                .finish(),
        }
    }
}

struct DebugMembers<'a>(TypeDesc<'a>);
impl fmt::Debug for DebugMembers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.members()).finish()
    }
}

fn nest(depth: usize, at: usize) -> Result<usize, DecodeError> {
    let d = depth + 1;
    if d > crate::axdr::NESTING_LIMIT {
        Err(DecodeError::new(
            at,
            DecodeErrorKind::NestingTooDeep {
                limit: crate::axdr::NESTING_LIMIT,
            },
        ))
    } else {
        Ok(d)
    }
}

/// Reads one untagged value of type `td` (a row, or part of one).
pub(crate) fn read_untagged<'a>(
    r: &mut Reader<'a>,
    td: TypeDesc<'a>,
) -> Result<Data<'a>, DecodeError> {
    let at = r.offset();
    match td.kind() {
        TypeDescKind::Array { count, element } => {
            let start = r.position();
            match element.static_size() {
                Some(n) => r.skip(n.saturating_mul(count.into()))?,
                None => {
                    for _ in 0..count {
                        read_untagged(r, element)?;
                    }
                }
            }
            Ok(Data::Array(Sequence::untagged(
                count.into(),
                element.bytes,
                true,
                r.since(start),
            )))
        }
        TypeDescKind::Structure { count, members } => {
            let start = r.position();
            match td.static_size() {
                Some(n) => r.skip(n)?,
                None => {
                    for m in td.members() {
                        read_untagged(r, m)?;
                    }
                }
            }
            Ok(Data::Structure(Sequence::untagged(
                count,
                members,
                false,
                r.since(start),
            )))
        }
        TypeDescKind::Simple(t) => super::read_content(r, t, 0, at),
    }
}

/// Bytes `d` takes written untagged as `td`; `None` if it does not match.
fn untagged_len(td: TypeDesc<'_>, d: &Data<'_>) -> Option<usize> {
    match (td.kind(), d) {
        (TypeDescKind::Array { count, element }, Data::Array(s))
            if s.len() == usize::from(count) =>
        {
            s.iter().map(|e| untagged_len(element, &e)).sum()
        }
        (TypeDescKind::Structure { count, .. }, Data::Structure(s)) if s.len() == count => td
            .members()
            .zip(s.iter())
            .map(|(t, e)| untagged_len(t, &e))
            .sum(),
        (TypeDescKind::Simple(t), d) if d.data_type() == t => Some(d.content_len()),
        _ => None,
    }
}

/// Writes `d` untagged as `td`.
fn write_untagged(w: &mut Writer<'_>, td: TypeDesc<'_>, d: &Data<'_>) -> Result<(), EncodeError> {
    const MISMATCH: EncodeError = EncodeError::InvalidValue {
        what: "compact-array row",
    };
    match (td.kind(), d) {
        (TypeDescKind::Array { count, element }, Data::Array(s))
            if s.len() == usize::from(count) =>
        {
            s.iter().try_for_each(|e| write_untagged(w, element, &e))
        }
        (TypeDescKind::Structure { count, .. }, Data::Structure(s)) if s.len() == count => td
            .members()
            .zip(s.iter())
            .try_for_each(|(t, e)| write_untagged(w, t, &e)),
        (TypeDescKind::Simple(t), d) if d.data_type() == t => d.write_content(w),
        _ => Err(MISMATCH),
    }
}

/// A validated compact array: its type description and its rows.
#[derive(Clone, Copy, PartialEq)]
pub struct CompactArray<'a> {
    description: TypeDesc<'a>,
    contents: &'a [u8],
    rows: usize,
}

impl<'a> CompactArray<'a> {
    /// Validates a description and contents given separately (to encode a
    /// compact array built elsewhere). Offsets in errors count from the
    /// start of `contents`.
    pub fn new(description: &'a [u8], contents: &'a [u8]) -> Result<Self, DecodeError> {
        let description = TypeDesc::new(description)?;
        let rows = count_rows(description, contents, 0)?;
        Ok(Self {
            description,
            contents,
            rows,
        })
    }

    pub(crate) fn read_content(r: &mut Reader<'a>, depth: usize) -> Result<Self, DecodeError> {
        let description = TypeDesc::read_at(r, depth)?;
        let len_at = r.offset();
        let contents = r.octet_string()?;
        let rows = count_rows(description, contents, len_at + length_len(contents.len()))?;
        Ok(Self {
            description,
            contents,
            rows,
        })
    }

    /// The row type.
    #[must_use]
    pub const fn description(&self) -> TypeDesc<'a> {
        self.description
    }

    /// The raw contents (rows back to back, untagged).
    #[must_use]
    pub const fn contents(&self) -> &'a [u8] {
        self.contents
    }

    /// Number of rows.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no rows.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The rows, typed by the description (a structure row yields a
    /// [`Data::Structure`] whose members are typed too).
    #[must_use]
    pub fn rows(&self) -> CompactRows<'a> {
        CompactRows {
            r: Reader::new(self.contents),
            description: self.description,
            left: self.rows,
        }
    }

    pub(crate) fn content_len(&self) -> usize {
        self.description.bytes.len() + length_len(self.contents.len()) + self.contents.len()
    }

    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(self.description.bytes)?;
        w.octet_string(self.contents)
    }

    /// Writes a whole `compact-array` (tag, description, contents) from typed
    /// rows, checking each against the description. Returns bytes written.
    pub fn write_from_rows<'r>(
        description: TypeDesc<'_>,
        rows: impl Iterator<Item = Data<'r>> + Clone,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let mut content = 0usize;
        for row in rows.clone() {
            content += untagged_len(description, &row).ok_or(EncodeError::InvalidValue {
                what: "compact-array row",
            })?;
        }
        let needed = 1 + description.bytes.len() + length_len(content) + content;
        if buf.len() < needed {
            return Err(EncodeError::BufferTooSmall { needed });
        }
        let mut w = Writer::new(buf);
        w.u8(DataType::CompactArray.to_u8())?;
        w.put(description.bytes)?;
        w.length(content)?;
        for row in rows {
            write_untagged(&mut w, description, &row)?;
        }
        Ok(w.written())
    }
}

fn count_rows(td: TypeDesc<'_>, contents: &[u8], base: usize) -> Result<usize, DecodeError> {
    if contents.is_empty() {
        return Ok(0);
    }
    match td.static_size() {
        Some(0) => Err(DecodeError::new(base, DecodeErrorKind::CompactArrayRows)),
        Some(n) if !contents.len().is_multiple_of(n) => Err(DecodeError::new(
            base + contents.len() / n * n,
            DecodeErrorKind::CompactArrayRows,
        )),
        Some(n) => Ok(contents.len() / n),
        None => {
            let mut r = Reader::with_base(contents, base);
            let mut rows = 0;
            while r.remaining() > 0 {
                let at = r.offset();
                read_untagged(&mut r, td)?;
                if r.offset() == at {
                    // A row of no bytes (say, structure {array(0, octet-string)})
                    // cannot be counted.
                    return Err(DecodeError::new(at, DecodeErrorKind::CompactArrayRows));
                }
                rows += 1;
            }
            Ok(rows)
        }
    }
}

impl fmt::Debug for CompactArray<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompactArray")
            .field("description", &self.description)
            .field("rows", &DebugRows(*self))
            .finish()
    }
}

struct DebugRows<'a>(CompactArray<'a>);
impl fmt::Debug for DebugRows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.rows()).finish()
    }
}

/// Iterator over the rows of a [`CompactArray`].
#[derive(Clone)]
pub struct CompactRows<'a> {
    r: Reader<'a>,
    description: TypeDesc<'a>,
    left: usize,
}

impl<'a> Iterator for CompactRows<'a> {
    type Item = Data<'a>;
    fn next(&mut self) -> Option<Data<'a>> {
        self.left = self.left.checked_sub(1)?;
        // Validated at decode.
        read_untagged(&mut self.r, self.description).ok()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for CompactRows<'_> {}
