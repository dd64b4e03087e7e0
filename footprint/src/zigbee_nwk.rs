//! `zigbee-nwk`: the 802.15.4 MAC, ZigBee NWK, APS and ZDO codecs, no heap:
//! decode a MAC frame (FCS checked) down through NWK, APS and ZDO (with the
//! NWK and APS commands), and re-encode each layer into stack buffers.

use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsFrame};
use dual_protocol_zigbee_nwk::mac::{MacBody, MacContext, MacFrame};
use dual_protocol_zigbee_nwk::nwk::{BeaconPayload, NwkBody, NwkPdu};
use dual_protocol_zigbee_nwk::zdo::ZdoFrame;

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    let mut out = [0u8; 127];
    let ctx = MacContext { fcs: input.first().is_some_and(|b| b & 1 == 1) };
    let Ok(mac) = MacFrame::decode_with(input, &ctx) else {
        return acc;
    };
    acc ^= mac.encode_with(&mut out, &ctx).unwrap_or(0) as u32;
    if let MacBody::Beacon(b) = mac.body {
        if let Ok(p) = BeaconPayload::decode(b.payload) {
            acc ^= p.encode(&mut out).unwrap_or(0) as u32 ^ p.tx_offset;
        }
    }
    let Some(payload) = mac.data_payload() else {
        return acc;
    };
    let Ok(NwkPdu::Frame(nwk)) = NwkPdu::decode(payload) else {
        return acc;
    };
    acc ^= nwk.encode(&mut out).unwrap_or(0) as u32;
    if let Some(l) = nwk.secured_layout() {
        acc ^= l.aad_end as u32;
    }
    let aps = match nwk.body {
        NwkBody::Data(p) => p,
        NwkBody::Command(c) => return acc ^ u32::from(c.command.id()),
        _ => return acc,
    };
    let Ok(aps) = ApsFrame::decode(aps) else {
        return acc;
    };
    acc ^= aps.encode(&mut out).unwrap_or(0) as u32;
    match aps.body {
        ApsBody::Payload(p) if aps.is_zdo() => {
            if let Ok(z) = ZdoFrame::decode_with(p, aps.header.cluster.unwrap_or(0)) {
                acc ^= z.encode(&mut out).unwrap_or(0) as u32 ^ u32::from(z.message.cluster());
            }
        }
        ApsBody::Command(c) => acc ^= u32::from(c.command.id()),
        _ => {}
    }
    acc
}
