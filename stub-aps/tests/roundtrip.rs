//! Proptest round trips for every message type: Inter-PAN frames (all
//! delivery modes, every stub header bit), the extension's payloads of
//! every kind, and seal/open of the published forms (all four option
//! combinations) and of pairwise frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_stub_aps::frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, StubApsFrameControl, StubApsHeader,
    StubNwkFrameControl,
};
use dual_protocol_stub_aps::published::{self, PublishedOptions};
use dual_protocol_stub_aps::secure::wire::{Announcement, Body, DpPayload, Kind};
use dual_protocol_stub_aps::secure::{self, secured_aps};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::mac::MacContext;
use dual_protocol_zigbee_nwk::security::ZigbeeKey;
use proptest::prelude::*;

fn delivery() -> impl Strategy<Value = DeliveryMode> {
    prop_oneof![
        Just(DeliveryMode::Unicast),
        Just(DeliveryMode::Reserved),
        Just(DeliveryMode::Broadcast),
        Just(DeliveryMode::Group)
    ]
}

prop_compose! {
    fn frame_parts()(
        seq in any::<u8>(), unicast in any::<bool>(), dst in any::<[u8; 8]>(), src in any::<[u8; 8]>(),
        dpan in any::<u16>(), span in any::<u16>(), version in 0u8..16, other in 0u16..1024,
        delivery in delivery(), bits in any::<[bool; 4]>(), group in any::<u16>(),
        cluster in any::<u16>(), profile in any::<u16>(),
        payload in proptest::collection::vec(any::<u8>(), 0..60),
    ) -> (InterPanMac, StubNwkFrameControl, StubApsHeader, Vec<u8>) {
        let dst = if unicast { Destination::Extended(Eui64(dst)) } else { Destination::Broadcast };
        let mac = InterPanMac::new(seq, PanId(dpan), dst, PanId(span), Eui64(src));
        let fc = StubApsFrameControl { delivery, ack_format: bits[0], security: bits[1], ack_request: bits[2], extended_header: bits[3] };
        let aps = StubApsHeader { frame_control: fc, group: (delivery == DeliveryMode::Group).then_some(group), cluster, profile };
        (mac, StubNwkFrameControl { protocol_version: version, other }, aps, payload)
    }
}

proptest! {
    #[test]
    fn interpan_frame_round_trips((mac, nwk, aps, payload) in frame_parts(), fcs in any::<bool>()) {
        let f = InterPanFrame { mac, nwk, aps, payload: &payload };
        let ctx = MacContext { fcs };
        let mut buf = [0u8; 127];
        let n = f.encode_with(&mut buf, &ctx).unwrap();
        prop_assert_eq!(n, f.encoded_len() + if fcs { 2 } else { 0 });
        let d = InterPanFrame::decode_with(&buf[..n], &ctx).unwrap();
        prop_assert_eq!(d, f);
        let mut again = [0u8; 127];
        let m = d.encode_with(&mut again, &ctx).unwrap();
        prop_assert_eq!(&again[..m], &buf[..n]);
    }

    #[test]
    fn dp_payload_round_trips(
        kind in 0u8..6, version in 0u8..16, counter in any::<u32>(), epoch in any::<u16>(),
        interval in any::<u16>(), key in any::<[u8; 16]>(), mic in any::<[u8; 8]>(),
        body in proptest::collection::vec(any::<u8>(), 0..40), sig in any::<[u8; 32]>(),
        start in any::<u32>(), ims in any::<u32>(), len in any::<u16>(), delay in any::<u8>(),
    ) {
        let (kind, body) = match kind {
            0 => (Kind::Data, Body::Sealed { ciphertext: &body, mic }),
            1 => (Kind::Broadcast, Body::Broadcast { epoch, interval, payload: &body, mac: mic }),
            2 => (Kind::Disclosure, Body::Disclosure { epoch, interval, key }),
            3 => {
                let mut signature = [0u8; 64];
                signature[..32].copy_from_slice(&sig);
                (Kind::Announcement, Body::Announcement(Announcement { epoch, start_s: start, interval_ms: ims, length: len, delay, anchor: key, signature }))
            }
            4 => (Kind::PairRequest, Body::Sealed { ciphertext: &body, mic }),
            _ => (Kind::PairResponse, Body::Sealed { ciphertext: &body, mic }),
        };
        let p = DpPayload { kind, key_version: if matches!(kind, Kind::Data) { version } else { 0 }, frame_counter: counter, body };
        let mut buf = [0u8; 200];
        let n = p.encode(&mut buf).unwrap();
        prop_assert_eq!(n, p.encoded_len());
        prop_assert_eq!(DpPayload::decode(&buf[..n], 0).unwrap(), p);
    }

    #[test]
    fn published_seal_open_round_trips(
        nwk_in_aad in any::<bool>(), extended_nonce in any::<bool>(), key in any::<[u8; 16]>(),
        counter in any::<u32>(), zcl in proptest::collection::vec(any::<u8>(), 0..60), src in any::<[u8; 8]>(),
    ) {
        let opts = PublishedOptions { nwk_in_aad, extended_nonce, level: 5 };
        let k = ZigbeeKey::new(&key).unwrap();
        let mac = InterPanMac::new(1, PanId(0xffff), Destination::Broadcast, PanId(1), Eui64(src));
        let f = InterPanFrame::new(mac, secured_aps(mac.dst, 0x0700, 0x0109), &zcl);
        let mut buf = [0u8; 127];
        let n = published::seal(&f, counter, &k, &opts, &mut buf, &MacContext::default()).unwrap();
        let o = published::open(&mut buf[..n], &k, &opts, &mut ReplayWindow::<2>::new()).unwrap();
        prop_assert_eq!(&buf[o.plaintext], &zcl[..]);
        prop_assert_eq!(o.aux.frame_counter, counter);
    }

    #[test]
    fn pairwise_seal_open_round_trips(
        key in any::<[u8; 16]>(), counter in any::<u32>(), kind in 0u8..3,
        zcl in proptest::collection::vec(any::<u8>(), 0..60), src in any::<[u8; 8]>(), dst in any::<[u8; 8]>(),
    ) {
        let kind = [Kind::Data, Kind::PairRequest, Kind::PairResponse][usize::from(kind)];
        let k = ZigbeeKey::new(&key).unwrap();
        let mac = InterPanMac::new(1, PanId(0xffff), Destination::Extended(Eui64(dst)), PanId(1), Eui64(src));
        let mut buf = [0u8; 127];
        let n = secure::seal_pairwise(mac, secured_aps(mac.dst, 0x0700, 0x0109), kind, 0, counter, &zcl, &k, &mut buf).unwrap();
        let o = secure::open_pairwise(&mut buf[..n], &k, 0, &mut ReplayWindow::<2>::new()).unwrap();
        prop_assert_eq!(o.kind, kind);
        prop_assert_eq!(&buf[o.plaintext], &zcl[..]);
    }
}
