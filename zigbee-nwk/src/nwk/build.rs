//! Builders for the MAC frames the NWK roles send (IEEE 802.15.4-2006
//! frame version 2003, as ZigBee PRO sends them): data frames, MAC
//! commands and beacons, written into the caller's buffer.

use crate::error::EncodeError;
use crate::mac::{
    AddressingMode, Beacon, FrameControl, FrameType, FrameVersion, HeaderIes, MacAddress, MacBody,
    MacCommand, MacFrame, PayloadIes, SuperframeSpec,
};
use crate::types::{List, PanId};

fn fc(
    frame_type: FrameType,
    dst: Option<MacAddress>,
    src: Option<MacAddress>,
    compress: bool,
) -> FrameControl {
    let broadcast = matches!(dst, Some(MacAddress::Short(s)) if s.0 == 0xffff);
    FrameControl {
        frame_type,
        security_enabled: false,
        frame_pending: false,
        ack_request: dst.is_some() && !broadcast && frame_type != FrameType::Beacon,
        pan_id_compression: compress,
        reserved: false,
        sequence_number_suppression: false,
        ie_present: false,
        dst_mode: dst.map_or(AddressingMode::None, |a| a.mode()),
        version: FrameVersion::Ieee2003,
        src_mode: src.map_or(AddressingMode::None, |a| a.mode()),
    }
}

/// Writes a MAC frame with `body`, PAN id compression when both addresses
/// are present and `src_pan` is `None`.
#[allow(clippy::too_many_arguments)] // one argument per MAC header field
pub(crate) fn mac_frame(
    buf: &mut [u8],
    frame_type: FrameType,
    sequence: u8,
    dst_pan: Option<PanId>,
    dst: Option<MacAddress>,
    src_pan: Option<PanId>,
    src: Option<MacAddress>,
    frame_pending: bool,
    body: MacBody<'_>,
) -> Result<usize, EncodeError> {
    let compress = dst.is_some() && src.is_some() && src_pan.is_none();
    let mut frame_control = fc(frame_type, dst, src, compress);
    frame_control.frame_pending = frame_pending;
    MacFrame {
        frame_control,
        sequence: Some(sequence),
        dst_pan: if dst.is_some() { dst_pan } else { None },
        dst,
        src_pan: if compress { None } else { src_pan },
        src,
        security: None,
        header_ies: HeaderIes::default(),
        payload_ies: PayloadIes::default(),
        body,
    }
    .encode(buf)
}

/// A MAC command frame.
pub(crate) fn command(
    buf: &mut [u8],
    sequence: u8,
    dst_pan: Option<PanId>,
    dst: Option<MacAddress>,
    src_pan: Option<PanId>,
    src: Option<MacAddress>,
    cmd: MacCommand<'_>,
) -> Result<usize, EncodeError> {
    mac_frame(
        buf,
        FrameType::Command,
        sequence,
        dst_pan,
        dst,
        src_pan,
        src,
        false,
        MacBody::Command(cmd),
    )
}

/// A beacon (superframe order and beacon order 15: a non-beacon network).
pub(crate) fn beacon(
    buf: &mut [u8],
    sequence: u8,
    pan: PanId,
    src: MacAddress,
    permit: bool,
    pan_coordinator: bool,
    payload: &[u8],
) -> Result<usize, EncodeError> {
    // BO = SO = 15, final CAP slot 15, PAN coordinator / association permit bits.
    let mut sf: u16 = 0x0fff;
    if pan_coordinator {
        sf |= 1 << 14;
    }
    if permit {
        sf |= 1 << 15;
    }
    mac_frame(
        buf,
        FrameType::Beacon,
        sequence,
        None,
        None,
        Some(pan),
        Some(src),
        false,
        MacBody::Beacon(Beacon {
            superframe: SuperframeSpec(sf),
            gts_permit: false,
            gts_reserved: 0,
            gts_directions: 0,
            gts_descriptors: List::empty(),
            pending_reserved: 0,
            pending_short: List::empty(),
            pending_extended: List::empty(),
            payload,
        }),
    )
}
