//! ZigBee security negative tests and round trips (ZigBee R22 §4.3.1, §4.4.1,
//! §4.5): every rejection has its own error and leaves the incoming frame
//! counter table unchanged; every security level secures and unsecures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::hex;
use dual_protocol_primitives::counter::{CounterError, VolatileStore};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::error::DecodeError;
use dual_protocol_zigbee_nwk::nwk::{NwkBody, NwkFrame};
use dual_protocol_zigbee_nwk::security::mmo::MMO_BLOCK;
use dual_protocol_zigbee_nwk::security::{
    AesMmo, AuxHeader, IncomingCounters, KeyIdentifier, Keys, OutgoingFrameCounter, ReplayError,
    SecuredPayload, SecurityContext, SecurityError, ZigbeeKey, aps_nonce_source, secure_nwk,
    unsecure_nwk,
};

const NWK_KEY: [u8; 16] = [
    0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0d,
];

/// zigbee-on-host NETDEF_ZCL_FRAME_CMD_TO_COORD, NWK part (MAC header and
/// TI metadata removed); plaintext 000100ef0401013f095025af00.
fn frame() -> Vec<u8> {
    hex("4802000038aa1e80282e2f9a02584ad0feff08ac7000515287015210a74fb734f1d9c888ef5e6d")
}

fn keys(seq: u8, key: [u8; 16]) -> Keys {
    Keys {
        network: Some((seq, ZigbeeKey::new(&key).unwrap())),
        link: None,
    }
}

#[test]
fn captured_frame_unsecures() {
    let mut b = frame();
    let mut t = IncomingCounters::<4>::new();
    let u = unsecure_nwk(
        &mut b,
        &SecurityContext::default(),
        &keys(0, NWK_KEY),
        &mut t,
    )
    .unwrap();
    assert_eq!(
        &b[u.payload.clone()],
        hex("000100ef0401013f095025af00").as_slice()
    );
    assert_eq!(u.level, 5);
    // The on-air security control (level 0) is back in the buffer.
    assert_eq!(b[u.header_len], 0x28);
    assert_eq!(t.len(), 1);
}

#[test]
fn bit_flip_anywhere_is_rejected_and_table_unchanged() {
    let ctx = SecurityContext::default();
    let k = keys(0, NWK_KEY);
    let original = frame();
    let mut kinds = std::collections::BTreeSet::new();
    for i in 0..original.len() {
        for bit in 0..8 {
            let mut b = original.clone();
            b[i] ^= 1 << bit;
            let mut t = IncomingCounters::<4>::new();
            let before = t.clone();
            let err = unsecure_nwk(&mut b, &ctx, &k, &mut t)
                .expect_err(&format!("flip of bit {bit} in byte {i} accepted"));
            assert_eq!(t, before);
            kinds.insert(format!("{:?}", std::mem::discriminant(&err)));
        }
    }
    // Flips hit the MIC check, the key lookup, the level check, the nonce source and the decoder.
    assert!(kinds.len() >= 4, "{kinds:?}");
}

#[test]
fn mic_mismatch_names_the_mic_offset() {
    let mut b = frame();
    let n = b.len();
    b[n - 1] ^= 0x80;
    let mut t = IncomingCounters::<4>::new();
    let err = unsecure_nwk(
        &mut b,
        &SecurityContext::default(),
        &keys(0, NWK_KEY),
        &mut t,
    )
    .unwrap_err();
    assert_eq!(err, SecurityError::MicMismatch { offset: n - 4 });
    assert!(t.is_empty());
}

#[test]
fn replayed_counter_is_rejected_and_table_unchanged() {
    let ctx = SecurityContext::default();
    let k = keys(0, NWK_KEY);
    let mut t = IncomingCounters::<4>::new();
    let mut b = frame();
    let u = unsecure_nwk(&mut b, &ctx, &k, &mut t).unwrap();
    let snapshot = t.clone();
    let mut again = frame();
    let err = unsecure_nwk(&mut again, &ctx, &k, &mut t).unwrap_err();
    assert_eq!(
        err,
        SecurityError::Replay(ReplayError::Replayed {
            received: u.aux.frame_counter,
            last: u.aux.frame_counter
        })
    );
    assert_eq!(t, snapshot);
    // The replay is refused before any cryptography: the ciphertext is untouched.
    assert_eq!(again, frame());
}

#[test]
fn wrong_key_is_a_mic_mismatch_and_table_unchanged() {
    let mut t = IncomingCounters::<4>::new();
    let mut b = frame();
    let err = unsecure_nwk(
        &mut b,
        &SecurityContext::default(),
        &keys(0, [0x55; 16]),
        &mut t,
    )
    .unwrap_err();
    assert!(matches!(err, SecurityError::MicMismatch { .. }), "{err}");
    assert!(t.is_empty());
}

#[test]
fn unknown_key_sequence_number() {
    let mut t = IncomingCounters::<4>::new();
    let mut b = frame();
    let err = unsecure_nwk(
        &mut b,
        &SecurityContext::default(),
        &keys(1, NWK_KEY),
        &mut t,
    )
    .unwrap_err();
    assert_eq!(err, SecurityError::UnknownKeySequence { sequence: 0 });
    assert!(t.is_empty());
    let no_keys: Keys = Keys::default();
    let err =
        unsecure_nwk(&mut frame(), &SecurityContext::default(), &no_keys, &mut t).unwrap_err();
    assert_eq!(err, SecurityError::UnknownKeySequence { sequence: 0 });
}

#[test]
fn truncated_mic() {
    let ctx = SecurityContext::default();
    let k = keys(0, NWK_KEY);
    let full = frame();
    // One MIC byte missing: the last 4 bytes are taken as the MIC and fail.
    let mut t = IncomingCounters::<4>::new();
    let mut b = full[..full.len() - 1].to_vec();
    let err = unsecure_nwk(&mut b, &ctx, &k, &mut t).unwrap_err();
    assert!(matches!(err, SecurityError::MicMismatch { .. }), "{err}");
    // Fewer bytes after the auxiliary header than a MIC: a decode error.
    let aux_end = 8 + 14;
    for cut in aux_end..aux_end + 4 {
        let mut b = full[..cut].to_vec();
        let err = unsecure_nwk(&mut b, &ctx, &k, &mut t).unwrap_err();
        assert!(
            matches!(
                err,
                SecurityError::Decode(DecodeError::Truncated { what: "MIC", .. })
            ),
            "{cut}: {err}"
        );
    }
    assert!(t.is_empty());
}

#[test]
fn level_on_air_other_than_zero_or_network_level_is_refused() {
    let mut b = frame();
    // Security control 0x28 -> 0x2c: level 4 (encryption without MIC).
    b[8] = 0x2c;
    let mut t = IncomingCounters::<4>::new();
    let err = unsecure_nwk(
        &mut b,
        &SecurityContext::default(),
        &keys(0, NWK_KEY),
        &mut t,
    )
    .unwrap_err();
    assert_eq!(
        err,
        SecurityError::LevelMismatch {
            on_air: 4,
            expected: 5
        }
    );
    assert!(t.is_empty());
}

#[test]
fn full_table_rejects_new_sources_only() {
    let ctx = SecurityContext::default();
    let k = keys(0, NWK_KEY);
    let mut t = IncomingCounters::<1>::new();
    let other = Eui64([1, 2, 3, 4, 5, 6, 7, 8]);
    let key = KeyIdentifier::Network { sequence: 0 };
    let slot = t.check(other, key, 10).unwrap();
    t.accept(slot).unwrap();
    let snapshot = t.clone();
    let err = unsecure_nwk(&mut frame(), &ctx, &k, &mut t).unwrap_err();
    assert_eq!(err, SecurityError::Replay(ReplayError::TableFull));
    assert_eq!(t, snapshot);
    // The known source still works; freeing an entry admits the new one.
    assert!(t.check(other, key, 11).is_ok());
    t.remove_source(other);
    assert!(unsecure_nwk(&mut frame(), &ctx, &k, &mut t).is_ok());
    t.remove_key(key);
    assert!(t.is_empty());
}

/// A NWK data frame built from fields with the auxiliary header given,
/// plaintext in place and room for the MIC.
fn build(level_on_air: u8, mic: usize, payload: &[u8]) -> Vec<u8> {
    let base = frame();
    let f = NwkFrame::decode(&base).unwrap();
    let NwkBody::Secured(s) = f.body else {
        panic!()
    };
    let aux = AuxHeader {
        level: level_on_air,
        ..s.aux
    };
    let zeros = vec![0u8; mic];
    let g = NwkFrame {
        header: f.header,
        body: NwkBody::Secured(SecuredPayload {
            aux,
            ciphertext: payload,
            mic: &zeros,
        }),
    };
    let mut b = vec![0u8; g.encoded_len()];
    g.encode(&mut b).unwrap();
    b
}

#[test]
fn every_level_secures_and_unsecures() {
    let plain = hex("000100ef0401013f095025af00");
    for level in 0..8u8 {
        let ctx = SecurityContext { level };
        let mic = dual_protocol_zigbee_nwk::security::mic_len(level);
        for on_air in [0, level] {
            let key = ZigbeeKey::new(&NWK_KEY).unwrap();
            let mut b = build(on_air, mic, &plain);
            secure_nwk(&mut b, &ctx, &key).unwrap();
            let aad_end = b.len() - mic - plain.len();
            assert_eq!(b[8] & 7, on_air, "on-air level kept");
            if level & 4 != 0 {
                assert_ne!(&b[aad_end..aad_end + plain.len()], plain.as_slice());
            } else {
                assert_eq!(&b[aad_end..aad_end + plain.len()], plain.as_slice());
            }
            let sealed = b.clone();
            let mut t = IncomingCounters::<2>::new();
            let u = unsecure_nwk(&mut b, &ctx, &keys(0, NWK_KEY), &mut t).unwrap();
            assert_eq!(&b[u.payload.clone()], plain.as_slice(), "level {level}");
            assert_eq!(u.level, level);
            // A flipped payload byte is caught whenever there is a MIC.
            let mut bad = sealed.clone();
            bad[aad_end] ^= 1;
            let mut t = IncomingCounters::<2>::new();
            let r = unsecure_nwk(&mut bad, &ctx, &keys(0, NWK_KEY), &mut t);
            if mic > 0 {
                assert!(
                    matches!(r, Err(SecurityError::MicMismatch { .. })),
                    "level {level}"
                );
                assert!(t.is_empty());
            } else {
                // Levels 0 and 4 have no MIC: nothing to detect the change.
                assert!(r.is_ok());
            }
        }
    }
}

#[test]
fn level_five_matches_the_captured_mic() {
    // Our encoder + secure_nwk reproduce the captured frame byte for byte.
    let mut b = build(0, 4, &hex("000100ef0401013f095025af00"));
    secure_nwk(
        &mut b,
        &SecurityContext::default(),
        &ZigbeeKey::new(&NWK_KEY).unwrap(),
    )
    .unwrap();
    assert_eq!(b, frame());
}

#[test]
fn aps_nonce_source_from_header_or_map() {
    let base = frame();
    let f = NwkFrame::decode(&base).unwrap();
    let ieee = Eui64([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    assert_eq!(aps_nonce_source(&f.header, |_| None), None);
    assert_eq!(
        aps_nonce_source(&f.header, |s| (s == f.header.src).then_some(ieee)),
        Some(ieee)
    );
    let mut h = f.header;
    h.src_ieee = Some(ieee);
    assert_eq!(aps_nonce_source(&h, |_| None), Some(ieee));
}

#[test]
fn outgoing_counter_persists_before_use_and_never_repeats() {
    let mut store = VolatileStore::default();
    let mut c = OutgoingFrameCounter::resume(0, 8);
    let first: Vec<u32> = (0..10).map(|_| c.next(&mut store).unwrap()).collect();
    assert_eq!(first, (0..10).collect::<Vec<_>>());
    assert!(store.mark >= 10);
    // A restart resumes above every counter handed out.
    let mut c = OutgoingFrameCounter::resume(store.mark as u32, 8);
    assert!(c.next(&mut store).unwrap() >= 10);
    // Exhaustion at u32::MAX, never a wrap.
    let mut c = OutgoingFrameCounter::resume(u32::MAX, 8);
    assert_eq!(c.next(&mut store).unwrap(), u32::MAX);
    assert_eq!(c.next(&mut store), Err(CounterError::Exhausted));
}

/// A reference AES-MMO written from Annex B.6 with the padded message built
/// in full, to check the streaming padding, including the long-message rule.
fn mmo_reference(m: &[u8]) -> [u8; 16] {
    use aes::cipher::{BlockCipherEncrypt, KeyInit};
    let bits = (m.len() as u64) * 8;
    let mut p = m.to_vec();
    p.push(0x80);
    if bits < 1 << 16 {
        while p.len() % 16 != 14 {
            p.push(0);
        }
        p.extend_from_slice(&(bits as u16).to_be_bytes());
    } else {
        while p.len() % 16 != 10 {
            p.push(0);
        }
        p.extend_from_slice(&(bits as u32).to_be_bytes());
        p.extend_from_slice(&[0, 0]);
    }
    let mut h = [0u8; 16];
    for block in p.chunks(16) {
        let c = aes::Aes128::new(&h.into());
        let mut b = aes::Block::try_from(block).unwrap();
        c.encrypt_block(&mut b);
        for i in 0..16 {
            h[i] = b[i] ^ block[i];
        }
    }
    h
}

#[test]
fn mmo_padding_short_and_long_messages() {
    for len in [
        0, 1, 13, 14, 15, 16, 17, 29, 30, 31, 32, 8191, 8192, 8200, 9000,
    ] {
        let m: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        assert_eq!(AesMmo::digest(&[&m]), mmo_reference(&m), "length {len}");
    }
    assert_eq!(MMO_BLOCK, 16);
}
