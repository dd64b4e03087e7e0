//! Connection control frames (docs/grip.md §9, §10): GOAWAY and CLOSE.
//! (ACK, PING and PONG have single-field bodies handled in `frame`.)

use super::codes;
use crate::cursor::{Reader, Writer};
use crate::error::DecodeError;

codes! {
    /// Why a side ends the session with GOAWAY (§9).
    GoAwayCode {
        /// 0: orderly shutdown.
        Shutdown = 0,
        /// 1: the 32-bit id space is used up (§6.1).
        IdsExhausted = 1,
    }
}

codes! {
    /// Why a connection is closed (§10, §11).
    CloseReason {
        /// 0: the caller closed the connection.
        Normal = 0,
        /// 1: a body does not match its layout.
        Malformed = 1,
        /// 2: a frame exceeds the receiver's MAX_FRAME.
        FrameTooLarge = 2,
        /// 3: an unknown frame type.
        UnknownFrameType = 3,
        /// 4: no common version.
        UnsupportedVersion = 4,
        /// 5: a frame not legal in this state.
        UnexpectedFrame = 5,
        /// 6: a sequenced id above cursor + 1.
        SequenceGap = 6,
        /// 7: an acknowledgement of an id never sent.
        AckUnknown = 7,
        /// 8: a device window exceeded or an excess release.
        CreditViolation = 8,
        /// 9: the TLS identity differs from the session's.
        IdentityMismatch = 9,
        /// 10: the peer was silent for 1.5 × keepalive.
        IdleTimeout = 10,
        /// 11: more devices than MAX_DEVICES.
        ResourceExhausted = 11,
        /// 12: a feature used without negotiation.
        NotNegotiated = 12,
        /// 13: any other protocol error.
        ProtocolError = 13,
    }
}

/// GOAWAY (§9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GoAway {
    /// The sender's cursor: the last id it processed.
    pub last_received: u32,
    /// Why.
    pub code: GoAwayCode,
}

impl GoAway {
    pub(crate) const BODY_LEN: usize = 5;

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GoAway {
            last_received: r.u32()?,
            code: r.u8()?.into(),
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        w.put(&self.last_received.to_be_bytes());
        w.put(&[self.code.into()]);
    }
}

/// CLOSE (§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Close {
    /// Why.
    pub reason: CloseReason,
    /// The offending value (type, id, length, offset, version) or 0.
    pub detail: u32,
}

impl Close {
    pub(crate) const BODY_LEN: usize = 5;

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Close {
            reason: r.u8()?.into(),
            detail: r.u32()?,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        w.put(&[self.reason.into()]);
        w.put(&self.detail.to_be_bytes());
    }
}
