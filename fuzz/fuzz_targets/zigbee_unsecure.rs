//! Arbitrary bytes as a secured NWK frame and as a secured APS frame,
//! unsecured in place against fixed keys (a network key, ZigBeeAlliance09
//! with its key-transport and key-load keys): never a panic, a rejected
//! frame leaves the counter table unchanged, and an accepted frame
//! re-secures to the input bytes.
#![no_main]

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::security::{
    IncomingCounters, KeyIdentifier, Keys, LinkKeys, SecurityContext, ZigbeeKey, secure_aps,
    secure_nwk, unsecure_aps, unsecure_nwk,
};
use libfuzzer_sys::fuzz_target;

const NWK_KEY: [u8; 16] = [
    0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0d,
];

fuzz_target!(|data: &[u8]| {
    let keys = Keys {
        network: Some((0, ZigbeeKey::new(&NWK_KEY).expect("16-byte key"))),
        link: Some(LinkKeys::new(b"ZigBeeAlliance09").expect("16-byte key")),
    };
    let ctx = SecurityContext::default();
    let source = Eui64([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);

    let mut buf = data.to_vec();
    let mut table = IncomingCounters::<2>::new();
    match unsecure_nwk(&mut buf, &ctx, &keys, &mut table) {
        Ok(u) => {
            assert!(u.payload.end <= buf.len() && u.mic.end == buf.len());
            assert_eq!(
                table.last(u.source, u.aux.key_id),
                Some(u.aux.frame_counter)
            );
            let key = keys.network.as_ref().map(|(_, k)| k).expect("network key");
            secure_nwk(&mut buf, &ctx, key).expect("an unsecured frame re-secures");
            assert_eq!(buf, data);
        }
        Err(_) => assert!(table.is_empty()),
    }

    let mut buf = data.to_vec();
    let mut table = IncomingCounters::<2>::new();
    match unsecure_aps(&mut buf, &ctx, &keys, &mut table, Some(source)) {
        Ok(u) => {
            let link = keys.link.as_ref().expect("link keys");
            let key = match u.aux.key_id {
                KeyIdentifier::Data => &link.data,
                KeyIdentifier::KeyTransport => &link.transport,
                KeyIdentifier::KeyLoad => &link.load,
                KeyIdentifier::Network { .. } => {
                    keys.network.as_ref().map(|(_, k)| k).expect("network key")
                }
            };
            secure_aps(&mut buf, &ctx, key, Some(source)).expect("re-secures");
            assert_eq!(buf, data);
        }
        Err(_) => assert!(table.is_empty()),
    }
});
