//! Cluster-specific command payloads described by a [`CommandDef`] table
//! (ZCL rev 6 §2.4.2, and each cluster's command clauses).
//!
//! [`CommandFields`] is a validated view: decoding walks the fields once,
//! iteration re-reads the borrowed bytes without error. Octets after the
//! last defined field are kept (later revisions append fields) so that
//! `encode(decode(b)) == b`.

use crate::cluster::{CommandDef, FieldDef, FieldKind};
use crate::cursor::{Reader, Writer, encode_with};
use crate::error::{DecodeError, EncodeError};
use crate::value::{Nesting, Value, skip};

/// The value of one command field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// A typed value.
    Value(Value<'a>),
    /// Remaining octets ([`FieldKind::Rest`]).
    Octets(&'a [u8]),
}

/// A named field of a decoded command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// Its definition.
    pub def: &'a FieldDef<'a>,
    /// Its value.
    pub value: FieldValue<'a>,
}

/// A cluster-specific command payload decoded through its definition.
#[derive(Debug, Clone, Copy)]
pub struct CommandFields<'a> {
    def: &'a CommandDef<'a>,
    bytes: &'a [u8],
    fields_len: usize,
    max_nesting: u8,
}

impl PartialEq for CommandFields<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.def == other.def && self.bytes == other.bytes
    }
}

fn read_field<'a>(
    f: &FieldDef<'a>,
    r: &mut Reader<'a>,
    n: Nesting,
) -> Result<FieldValue<'a>, DecodeError> {
    Ok(match f.kind {
        FieldKind::Value(ty) => FieldValue::Value(Value::read(ty, r, n)?),
        FieldKind::Rest => FieldValue::Octets(r.rest()),
    })
}

impl<'a> CommandFields<'a> {
    /// Decodes `payload` (whose first byte is at absolute offset `base`) as
    /// command `def`.
    pub fn decode(
        def: &'a CommandDef<'a>,
        payload: &'a [u8],
        base: usize,
        max_nesting: u8,
    ) -> Result<Self, DecodeError> {
        let mut r = Reader::new(payload, base);
        let n = Nesting::new(max_nesting);
        for f in def.fields {
            if f.optional && r.is_empty() {
                break;
            }
            // Validate without building the value: fixed-length fields cost
            // one table lookup (`skip` reports the same errors as `read`).
            match f.kind {
                FieldKind::Value(ty) => skip(ty, &mut r, n)?,
                FieldKind::Rest => {
                    r.rest();
                }
            }
        }
        Ok(CommandFields {
            def,
            bytes: payload,
            fields_len: r.offset() - base,
            max_nesting,
        })
    }

    /// Encodes `values` for command `def` into `buf` and returns the view of
    /// what was written. Trailing optional fields may be left out.
    pub fn build(
        def: &'a CommandDef<'a>,
        values: &[FieldValue<'_>],
        buf: &'a mut [u8],
    ) -> Result<Self, EncodeError> {
        if values.len() > def.fields.len()
            || def.fields.get(values.len()).is_some_and(|f| !f.optional)
        {
            return Err(EncodeError::InvalidValue {
                what: "command field count",
            });
        }
        let needed = values
            .iter()
            .map(|v| match v {
                FieldValue::Value(v) => v.encoded_len(),
                FieldValue::Octets(o) => o.len(),
            })
            .sum();
        let n = encode_with(needed, buf, |w| {
            for (f, v) in def.fields.iter().zip(values) {
                match (f.kind, v) {
                    (FieldKind::Value(ty), FieldValue::Value(v)) if v.data_type() == ty => {
                        v.write(w)?;
                    }
                    (FieldKind::Rest, FieldValue::Octets(o)) => w.put(o)?,
                    _ => {
                        return Err(EncodeError::InvalidValue {
                            what: "command field of another type",
                        });
                    }
                }
            }
            Ok(())
        })?;
        let bytes: &'a [u8] = buf.get(..n).unwrap_or_default();
        CommandFields::decode(def, bytes, 0, crate::value::DEFAULT_MAX_NESTING).map_err(|_| {
            EncodeError::InvalidValue {
                what: "command fields",
            }
        })
    }

    /// The command definition.
    #[must_use]
    pub const fn def(&self) -> &'a CommandDef<'a> {
        self.def
    }

    /// The payload as sent.
    #[must_use]
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Octets after the last defined field.
    #[must_use]
    pub fn trailing(&self) -> &'a [u8] {
        self.bytes.get(self.fields_len..).unwrap_or_default()
    }

    /// Iterates the fields present.
    pub fn fields(&self) -> impl Iterator<Item = Field<'a>> + 'a {
        let mut r = Reader::new(self.bytes.get(..self.fields_len).unwrap_or_default(), 0);
        let n = Nesting::new(self.max_nesting);
        self.def.fields.iter().map_while(move |f| {
            if f.optional && r.is_empty() {
                return None;
            }
            // Validated at decode.
            read_field(f, &mut r, n)
                .ok()
                .map(|value| Field { def: f, value })
        })
    }

    /// The field called `name`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<FieldValue<'a>> {
        self.fields().find(|f| f.def.name == name).map(|f| f.value)
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(self.bytes)
    }
}
