//! Errors, one enum per concern, grouped by fault: malformed input
//! ([`DecodeError`]), a caller's buffer or value ([`EncodeError`]),
//! certificates ([`CertificateError`]), keys ([`KeyError`]), sending
//! ([`ProtectError`]) and receiving ([`UnprotectError`]).

use dual_protocol_primitives::crypto::CryptoError;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::PayloadDescriptorError;
use dual_protocol_primitives::replay::ReplayError;

use crate::certificate::KeyUsage;

/// Why bytes are not a well-formed envelope or message body (docs section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before the structure does.
    #[error("truncated at offset {offset}: at least {needed} bytes needed")]
    Truncated {
        /// Length of the input (where more was needed).
        offset: usize,
        /// Minimum total length for what was read so far.
        needed: usize,
    },
    /// Longer than `MAX_DATAGRAM` (docs section 2).
    #[error("datagram of {len} bytes is longer than the maximum 1232")]
    TooLong {
        /// Length of the input.
        len: usize,
    },
    /// Version byte (offset 0) is not 1.
    #[error("unsupported version {version} at offset 0")]
    UnsupportedVersion {
        /// The version byte.
        version: u8,
    },
    /// Protection bits (offset 2, bits 1..0) are `00`.
    #[error("invalid protection mode 00 in the flags at offset 2")]
    InvalidProtection,
    /// The payload descriptor (offset 19) does not decode.
    #[error("payload descriptor at offset 19: {0}")]
    Descriptor(PayloadDescriptorError),
    /// A field holds a value the structure does not allow.
    #[error("invalid value {value:#04x} at offset {offset}")]
    InvalidValue {
        /// Offset of the field.
        offset: usize,
        /// The value found.
        value: u8,
    },
    /// Bytes left after a fixed-length structure.
    #[error("{extra} unexpected trailing bytes at offset {offset}")]
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many.
        extra: usize,
    },
}

/// Why a value cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// A field is out of its wire range (epoch > 2^24-1, sequence > 2^40-1,
    /// reserved flags > 15).
    #[error("field {field} out of range")]
    OutOfRange {
        /// Which field.
        field: &'static str,
    },
    /// The payload descriptor cannot be encoded.
    #[error("payload descriptor: {0}")]
    Descriptor(PayloadDescriptorError),
    /// The datagram would exceed `MAX_DATAGRAM`.
    #[error("datagram of {len} bytes would exceed the maximum 1232")]
    TooLong {
        /// Length it would have.
        len: usize,
    },
}

/// Why a certificate or chain is rejected (docs section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The bytes are not a compact certificate.
    #[error("malformed certificate: {0}")]
    Malformed(DecodeError),
    /// The format byte is not 1.
    #[error("unsupported certificate format {0}")]
    UnsupportedFormat(u8),
    /// The subject public key is not a valid uncompressed P-256 point.
    #[error("invalid subject public key in certificate {serial:#x}")]
    InvalidPublicKey {
        /// Serial of the certificate.
        serial: u64,
    },
    /// `now` is before not-before.
    #[error("certificate {serial:#x} is not valid before {not_before} (unix seconds)")]
    NotYetValid {
        /// Serial of the certificate.
        serial: u64,
        /// Its not-before.
        not_before: u32,
    },
    /// `now` is after not-after.
    #[error("certificate {serial:#x} expired at {not_after} (unix seconds)")]
    Expired {
        /// Serial of the certificate.
        serial: u64,
        /// Its not-after.
        not_after: u32,
    },
    /// The serial is on the caller's revocation list.
    #[error("certificate {serial:#x} is revoked")]
    Revoked {
        /// Serial of the certificate.
        serial: u64,
    },
    /// Neither the next certificate nor the trust anchor is the issuer.
    #[error(
        "issuer {issuer} of certificate {serial:#x} is not the next certificate or the trust anchor"
    )]
    UnknownIssuer {
        /// Serial of the certificate.
        serial: u64,
        /// The issuer id it names.
        issuer: Eui64,
    },
    /// The issuing certificate is not a certificate-signing certificate.
    #[error("issuer certificate {serial:#x} may not sign certificates")]
    IssuerNotCa {
        /// Serial of the issuing certificate.
        serial: u64,
    },
    /// The issuer's signature does not verify.
    #[error("signature of certificate {serial:#x} does not verify")]
    BadSignature {
        /// Serial of the certificate.
        serial: u64,
    },
    /// The key is used for something its certificate does not allow
    /// (for example a signing key for key agreement).
    #[error("key usage {found:?} where {expected:?} is required")]
    WrongKeyUsage {
        /// Usage required.
        expected: KeyUsage,
        /// Usage the certificate grants.
        found: KeyUsage,
    },
    /// More intermediates than `MAX_INTERMEDIATES`.
    #[error("certificate chain longer than the maximum")]
    ChainTooLong,
    /// Signing a certificate failed in the provider.
    #[error("crypto provider: {0}")]
    Crypto(CryptoError),
}

/// Why keys cannot be set up or updated (docs sections 5 and 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Both parties have the same identifier: the directions' keys would
    /// coincide.
    #[error("local and peer identifier are the same")]
    SameIdentity,
    /// The certificate does not allow this use.
    #[error("certificate: {0}")]
    Certificate(CertificateError),
    /// A key update's first epoch is not above every epoch used so far.
    #[error("key update epoch {first_epoch} is not above the epochs in use")]
    StaleKeyUpdate {
        /// The epoch the update names.
        first_epoch: u32,
    },
    /// A key-update answer does not echo the request.
    #[error("key update answer does not match the request")]
    KeyUpdateMismatch,
    /// An epoch above 2^24 - 1.
    #[error("epoch {0} out of range")]
    EpochOutOfRange(u32),
    /// The crypto provider failed.
    #[error("crypto provider: {0}")]
    Crypto(CryptoError),
}

/// Why a datagram was not produced (docs section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectError<E = core::convert::Infallible> {
    /// Encoding failed (buffer, ranges, size).
    #[error("encode: {0}")]
    Encode(EncodeError),
    /// A signed mode without a signing key.
    #[error("a signed mode needs the sender's signing key")]
    NoSigningKey,
    /// A DATA message without a payload descriptor.
    #[error("a DATA message needs a payload descriptor")]
    MissingDescriptor,
    /// A key update must be signed (docs 6.3).
    #[error("key-update messages must be signed")]
    UnsignedKeyUpdate,
    /// The sequence-number and epoch space is used up: new certificates
    /// are needed (docs 5.4).
    #[error("epochs exhausted: new certificates needed")]
    EpochExhausted,
    /// Persisting the counter's high-water mark failed; nothing was sent.
    #[error("persisting the sequence counter failed")]
    Store(E),
    /// The crypto provider failed.
    #[error("crypto provider: {0}")]
    Crypto(CryptoError),
}

/// Why a received datagram was rejected, in the order the checks run
/// (docs section 8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnprotectError {
    /// Malformed (steps 1 to 3).
    #[error("malformed: {0}")]
    Decode(DecodeError),
    /// The sender id is not this context's peer (step 4).
    #[error("sender {found} is not the peer {expected} of this context")]
    SenderMismatch {
        /// The peer of this context.
        expected: Eui64,
        /// The sender id in the datagram.
        found: Eui64,
    },
    /// The epoch is not previous, current or next (step 5).
    #[error("epoch {epoch} outside the accepted range around {current}")]
    EpochOutOfRange {
        /// Epoch in the datagram.
        epoch: u32,
        /// Current receive epoch.
        current: u32,
    },
    /// The key of this epoch was retired by the integrity limit (step 5).
    #[error("key of epoch {epoch} is retired")]
    KeyRetired {
        /// Epoch in the datagram.
        epoch: u32,
    },
    /// Replayed or too old (step 6).
    #[error("replay: {0}")]
    Replay(ReplayError),
    /// A signed mode, but the peer's signing key is not known (step 7).
    #[error("signed datagram but no signing key of the peer is known")]
    NoSigningKey,
    /// An unsigned key update (step 7).
    #[error("key-update messages must be signed")]
    UnsignedKeyUpdate,
    /// The AEAD tag does not verify (step 8); `key_retired` says that this
    /// failure reached the integrity limit.
    #[error("authentication failed in epoch {epoch}")]
    AuthenticationFailed {
        /// Epoch in the datagram.
        epoch: u32,
        /// This failure retired the key (docs 8.2).
        key_retired: bool,
    },
    /// The ECDSA signature does not verify (step 9).
    #[error("signature does not verify")]
    BadSignature,
}

impl From<DecodeError> for UnprotectError {
    fn from(e: DecodeError) -> Self {
        UnprotectError::Decode(e)
    }
}

impl From<DecodeError> for CertificateError {
    fn from(e: DecodeError) -> Self {
        CertificateError::Malformed(e)
    }
}

impl From<CertificateError> for KeyError {
    fn from(e: CertificateError) -> Self {
        KeyError::Certificate(e)
    }
}

impl<E> From<EncodeError> for ProtectError<E> {
    fn from(e: EncodeError) -> Self {
        ProtectError::Encode(e)
    }
}

/// Why the reliability layer's [`Sender`](crate::reliability::Sender) did
/// not take a message (docs 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError<E = core::convert::Infallible> {
    /// As many confirmable messages are in flight as the configured window
    /// allows; wait for acknowledgements (docs 10.6).
    #[error("send window full: {in_flight} messages in flight")]
    WindowFull {
        /// Messages in flight.
        in_flight: usize,
    },
    /// Every slot is taken (in flight, or finished and not yet reported by
    /// `poll_event`).
    #[error("no free message slot")]
    QueueFull,
    /// The datagram does not fit a slot of the sender.
    #[error("datagram of {len} bytes exceeds the slot capacity {capacity}")]
    TooLarge {
        /// Datagram length.
        len: usize,
        /// Slot capacity.
        capacity: usize,
    },
    /// A time request is already outstanding.
    #[error("a time request is already outstanding")]
    TimeRequestPending,
    /// A datagram given back after a restart is not one of this sender's.
    #[error("not a datagram of this sender: {0}")]
    NotOurs(DecodeError),
    /// Protecting failed (store, buffer, keys).
    #[error("protect: {0}")]
    Protect(ProtectError<E>),
}

impl<E> From<ProtectError<E>> for SendError<E> {
    fn from(e: ProtectError<E>) -> Self {
        SendError::Protect(e)
    }
}

/// Why a received datagram was not used by a reliability machine (docs 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The protection layer rejected it (docs 8.1).
    #[error("{0}")]
    Unprotect(UnprotectError),
    /// The body of a reliability message does not decode.
    #[error("body of message type {message_type:#04x}: {error}")]
    Body {
        /// The message type.
        message_type: u8,
        /// Why.
        error: DecodeError,
    },
    /// A message type this machine does not take (for example DATA at a
    /// sender, or an ACK at a receiver).
    #[error("unexpected message type {0:#04x}")]
    UnexpectedType(u8),
    /// An ECHO_RESPONSE whose echo is not the one outstanding.
    #[error("echo response does not match the outstanding challenge")]
    StaleEcho,
    /// An ECHO_RESPONSE in an epoch below the current receive epoch.
    #[error("echo response in epoch {epoch}, below the receive epoch {current}")]
    EchoEpoch {
        /// Its epoch.
        epoch: u32,
        /// The current receive epoch.
        current: u32,
    },
    /// A TIME_RESPONSE for no outstanding request, or whose request counter
    /// or nonce does not match it.
    #[error("time response does not match the outstanding request")]
    TimeResponseMismatch,
    /// A TIME_RESPONSE that arrived after the round-trip bound (docs 10.5).
    #[error("time response after {round_trip_ms} ms, above the bound")]
    RoundTripTooLong {
        /// The round trip, in milliseconds.
        round_trip_ms: u64,
    },
    /// A bounded queue is full; the message was accepted but its effect
    /// (a time request) is dropped.
    #[error("queue full")]
    QueueFull,
}

impl From<UnprotectError> for InputError {
    fn from(e: UnprotectError) -> Self {
        InputError::Unprotect(e)
    }
}
