//! `zigbee-nwk`: the 802.15.4 MAC, ZigBee NWK, APS and ZDO codecs, no heap:
//! decode a MAC frame (FCS checked) down through NWK, APS and ZDO (with the
//! NWK and APS commands), and re-encode each layer into stack buffers; a
//! secured NWK frame is unsecured in a stack copy (CCM* with a fixed key,
//! replay table of 4 entries) and secured again.

use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsFrame};
use dual_protocol_zigbee_nwk::mac::{MacBody, MacContext, MacFrame};
use dual_protocol_zigbee_nwk::nwk::{BeaconPayload, NwkBody, NwkPdu};
use dual_protocol_zigbee_nwk::zdo::ZdoFrame;

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    let mut out = [0u8; 127];
    let ctx = MacContext {
        fcs: input.first().is_some_and(|b| b & 1 == 1),
    };
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
        acc ^= unsecure(payload);
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

/// ZigBee security, heap-free: unsecure a copy of a secured NWK frame, then secure it again.
fn unsecure(nwk: &[u8]) -> u32 {
    use dual_protocol_zigbee_nwk::security::{
        IncomingCounters, Keys, SecurityContext, ZigbeeKey, secure_nwk, unsecure_nwk,
    };
    let mut buf = [0u8; 127];
    let Some(frame) = buf.get_mut(..nwk.len()) else {
        return 0;
    };
    frame.copy_from_slice(nwk);
    let Ok(key) = ZigbeeKey::new(&[0x5a; 16]) else {
        return 0;
    };
    let keys = Keys {
        network: Some((0, key)),
        link: None,
    };
    let mut table = IncomingCounters::<4>::new();
    let ctx = SecurityContext::default();
    match unsecure_nwk(frame, &ctx, &keys, &mut table) {
        Ok(u) => {
            let Some((_, key)) = &keys.network else {
                return 0;
            };
            u.payload.len() as u32 ^ u32::from(secure_nwk(frame, &ctx, key).is_ok())
        }
        Err(_) => 0xdead,
    }
}
