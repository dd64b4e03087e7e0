//! Key material kept by the trust centre and the joining device, and the
//! sealing and opening of APS-secured commands (ZigBee R22 §4.4.1, §4.4.10)
//! that both state machines share.
//!
//! APS commands are secured here, not in the APS data service (which
//! refuses APS-secured frames): key identifier 2 (key-transport key) for a
//! Transport Key, 0 (the link key itself) for everything else, always with
//! the extended nonce (the sender's IEEE address in the auxiliary header).

use super::frame::{LinkKeys, SecurityError, unsecure_aps};
use super::{AuxHeader, IncomingCounters, KeyIdentifier, SecuredPayload, SecurityContext};
use crate::aps::{
    ApsBody, ApsCommand, ApsCommandFrame, ApsFrame, ApsFrameControl, ApsFrameType, ApsHeader,
    DeliveryMode,
};
use crate::security::KeyLookup;
use crate::security::ccm_star::ZigbeeKey;
use crate::security::frame::secure_aps;
use dual_protocol_primitives::eui64::Eui64;
use zeroize::Zeroize;

/// The largest APS command frame the trust-centre machines build or accept
/// (a secured Transport Key of a network key is 2 + 14 + 35 + 4 bytes).
pub const MAX_COMMAND_FRAME: usize = 80;

/// A 128-bit key: zeroized on drop, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecretKey(pub [u8; 16]);

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The well-known default trust centre link key "ZigBeeAlliance09" (ZigBee
/// R22 §4.6.3.2.2.1 / BDB §6.3). Used only when the caller opts in.
pub const DEFAULT_TC_LINK_KEY: [u8; 16] = *b"ZigBeeAlliance09";

/// Why an APS-secured command was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// Unsecuring failed (wrong key, replay, tampering, truncation).
    #[error(transparent)]
    Security(#[from] SecurityError),
    /// The frame is not an APS command frame.
    #[error("not an APS command frame")]
    NotCommand,
    /// The frame is not APS-secured where security is required.
    #[error("APS command not secured")]
    Unsecured,
    /// The frame is longer than [`MAX_COMMAND_FRAME`].
    #[error("frame of {len} bytes, at most {MAX_COMMAND_FRAME}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The auxiliary header names another sender than the frame's source.
    #[error("auxiliary header source is not the sending device")]
    SourceMismatch,
    /// The key could not be set up, or an encode failed.
    #[error("internal encode or key error")]
    Internal,
}

fn command_header(counter: u8, security: bool) -> ApsHeader {
    ApsHeader {
        frame_control: ApsFrameControl {
            frame_type: ApsFrameType::Command,
            delivery: DeliveryMode::Unicast,
            ack_format: false,
            security,
            ack_request: false,
            extended_header: false,
        },
        dst_endpoint: None,
        group: None,
        cluster: None,
        profile: None,
        src_endpoint: None,
        counter: Some(counter),
        extended: None,
    }
}

/// Builds an APS command frame secured with `link_key` (key identifier
/// `key_id`: [`KeyIdentifier::KeyTransport`] or [`KeyIdentifier::Data`])
/// by `source` with `frame_counter` (ZigBee R22 §4.4.1.1). Returns the length.
///
/// # Errors
/// [`CommandError::Internal`] if `out` is too small.
pub fn seal_command(
    command: &ApsCommand<'_>,
    key_id: KeyIdentifier,
    link_key: &[u8; 16],
    source: Eui64,
    frame_counter: u32,
    aps_counter: u8,
    out: &mut [u8],
) -> Result<usize, CommandError> {
    let mut plain = [0u8; MAX_COMMAND_FRAME];
    let cf = ApsCommandFrame {
        command: *command,
        tlvs: &[],
    };
    let n = cf.encode(&mut plain).map_err(|_| CommandError::Internal)?;
    let f = ApsFrame {
        header: command_header(aps_counter, true),
        body: ApsBody::Secured(SecuredPayload {
            aux: AuxHeader {
                level: 0,
                key_id,
                reserved: 0,
                frame_counter,
                source: Some(source),
            },
            ciphertext: plain.get(..n).ok_or(CommandError::Internal)?,
            mic: &[0; 4],
        }),
    };
    let len = f.encode(out).map_err(|_| CommandError::Internal);
    plain.zeroize();
    let len = len?;
    let keys = LinkKeys::new(link_key).map_err(|_| CommandError::Internal)?;
    let lookup = OneLink(&keys);
    let key = lookup.key(key_id, source).ok_or(CommandError::Internal)?;
    let buf = out.get_mut(..len).ok_or(CommandError::Internal)?;
    secure_aps(buf, &SecurityContext::default(), key, Some(source))?;
    Ok(len)
}

/// Builds an APS command frame without APS security (Verify Key, and
/// commands under the network key only).
///
/// # Errors
/// [`CommandError::Internal`] if `out` is too small.
pub fn plain_command(
    command: &ApsCommand<'_>,
    aps_counter: u8,
    out: &mut [u8],
) -> Result<usize, CommandError> {
    let f = ApsFrame {
        header: command_header(aps_counter, false),
        body: ApsBody::Command(ApsCommandFrame {
            command: *command,
            tlvs: &[],
        }),
    };
    f.encode(out).map_err(|_| CommandError::Internal)
}

struct OneLink<'k>(&'k LinkKeys);

impl KeyLookup for OneLink<'_> {
    fn key(&self, key: KeyIdentifier, _source: Eui64) -> Option<&ZigbeeKey> {
        match key {
            KeyIdentifier::Data => Some(&self.0.data),
            KeyIdentifier::KeyTransport => Some(&self.0.transport),
            KeyIdentifier::KeyLoad => Some(&self.0.load),
            KeyIdentifier::Network { .. } => None,
        }
    }
}

/// An APS-secured command opened into the caller's copy of the frame.
#[derive(Debug, Clone, Copy)]
pub struct Opened {
    /// The auxiliary header (key identifier, frame counter, source).
    pub aux: AuxHeader,
    /// The nonce source.
    pub source: Eui64,
    /// Where the plaintext command sits in the buffer.
    pub start: usize,
    /// End of the plaintext command.
    pub end: usize,
}

/// The auxiliary header of an APS-secured frame, before any key is chosen.
///
/// # Errors
/// [`CommandError`].
pub fn peek_secured(frame: &[u8]) -> Result<AuxHeader, CommandError> {
    if frame.len() > MAX_COMMAND_FRAME {
        return Err(CommandError::TooLong { len: frame.len() });
    }
    let f = ApsFrame::decode(frame).map_err(SecurityError::from)?;
    if f.header.frame_control.frame_type != ApsFrameType::Command {
        return Err(CommandError::NotCommand);
    }
    match f.body {
        ApsBody::Secured(s) => Ok(s.aux),
        _ => Err(CommandError::Unsecured),
    }
}

/// Opens an APS-secured command in `buf` with `link_key` and its derived
/// keys (ZigBee R22 §4.4.1.2), replay-checked against `counters`.
///
/// # Errors
/// [`CommandError`]; `counters` unchanged on error.
pub fn open_command<const N: usize>(
    buf: &mut [u8],
    link_key: &[u8; 16],
    counters: &mut IncomingCounters<N>,
    nonce_source: Option<Eui64>,
) -> Result<Opened, CommandError> {
    peek_secured(buf)?;
    let keys = LinkKeys::new(link_key).map_err(|_| CommandError::Internal)?;
    let u = unsecure_aps(
        buf,
        &SecurityContext::default(),
        &OneLink(&keys),
        counters,
        nonce_source,
    )?;
    Ok(Opened {
        aux: u.aux,
        source: u.source,
        start: u.payload.start,
        end: u.payload.end,
    })
}

/// Decodes the plaintext command of an opened frame.
///
/// # Errors
/// [`CommandError::Security`] wrapping the decode error.
pub fn opened_command<'a>(buf: &'a [u8], o: &Opened) -> Result<ApsCommand<'a>, CommandError> {
    let b = buf.get(o.start..o.end).ok_or(CommandError::Internal)?;
    Ok(ApsCommandFrame::decode(b)
        .map_err(SecurityError::from)?
        .command)
}
