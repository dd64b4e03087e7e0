//! Attack tests (docs sections 4.1, 8, 11): every attack is rejected with
//! its specific reason, forgeries never move the replay window, and the
//! integrity limit trips where docs 8.2 says and the pair recovers without
//! any exchange.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_digital_envelope::certificate::{
    KeyUsage, NoRevocation, Role, TrustAnchor, verify_chain,
};
use dual_protocol_digital_envelope::error::{
    CertificateError, KeyError, ProtectError, UnprotectError,
};
use dual_protocol_digital_envelope::{
    DecodeError, MessageType, Outgoing, PeerConfig, PeerContext, Protection, SIGNATURE_CONTEXT,
};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{CryptoProvider, SecretBytes};
use dual_protocol_primitives::datetime::UtcDateTime;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::replay::ReplayError;

const OTHER_HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0x11, 0x22, 0x33]);

fn report() -> Outgoing<'static> {
    Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        &METER_READ_40,
    )
}

fn seal(ctx: &mut PeerContext<P>, msg: &Outgoing<'_>, signer: Option<&SigningKey>) -> Vec<u8> {
    let mut buf = [0u8; 1232];
    let mut store = VolatileStore::default();
    let n = ctx
        .protect(&RustCrypto, &mut store, msg, signer, &mut buf)
        .unwrap();
    buf[..n].to_vec()
}

#[test]
fn forged_sender() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let d = seal(&mut hub, &report(), None);
    // The same datagram claiming another hub's id: the hub's context
    // refuses it by id, and the other hub's context by its tag.
    let mut forged = d.clone();
    forged[3..11].copy_from_slice(&OTHER_HUB.0);
    assert_eq!(
        he.unprotect(&p, &mut forged.clone()),
        Err(UnprotectError::SenderMismatch {
            expected: HUB_ID,
            found: OTHER_HUB
        })
    );
    let mut other = PeerContext::<P>::new(
        &p,
        HEAD_END_ID,
        OTHER_HUB,
        &SecretBytes::new([7; 32]),
        PeerConfig::default(),
    )
    .unwrap();
    assert_eq!(
        other.unprotect(&p, &mut forged),
        Err(UnprotectError::AuthenticationFailed {
            epoch: 0,
            key_retired: false
        })
    );
    // The genuine datagram still opens: the forgeries moved nothing.
    assert!(he.unprotect(&p, &mut d.clone()).is_ok());
}

#[test]
fn wrong_key() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, _) = pki.contexts();
    let mut wrong = PeerContext::<P>::new(
        &p,
        HEAD_END_ID,
        HUB_ID,
        &SecretBytes::new([9; 32]),
        PeerConfig::default(),
    )
    .unwrap();
    let mut d = seal(&mut hub, &report(), None);
    assert_eq!(
        wrong.unprotect(&p, &mut d),
        Err(UnprotectError::AuthenticationFailed {
            epoch: 0,
            key_retired: false
        })
    );
    assert_eq!(wrong.failed_decryptions(0), Some(1));
}

#[test]
fn wrong_epoch() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let d = seal(&mut hub, &report(), None);
    // An accepted epoch whose key is not the one used: the tag fails.
    let mut e1 = d.clone();
    e1[13] = 1;
    assert_eq!(
        he.unprotect(&p, &mut e1),
        Err(UnprotectError::AuthenticationFailed {
            epoch: 1,
            key_retired: false
        })
    );
    assert_eq!(he.failed_decryptions(1), Some(1));
    // Out of the accepted range: refused before any cryptography.
    let mut e9 = d.clone();
    e9[13] = 9;
    assert_eq!(
        he.unprotect(&p, &mut e9),
        Err(UnprotectError::EpochOutOfRange {
            epoch: 9,
            current: 0
        })
    );
    assert_eq!(he.rx_epoch(), 0);
    assert!(he.unprotect(&p, &mut d.clone()).is_ok());
}

#[test]
fn bit_flips_in_every_authenticated_byte_aead() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let d = seal(&mut hub, &report(), None);
    for i in 0..d.len() {
        for bit in 0..8 {
            let mut f = d.clone();
            f[i] ^= 1 << bit;
            let r = he.unprotect(&p, &mut f);
            assert!(r.is_err(), "flip of byte {i} bit {bit} accepted");
        }
    }
    // Header flips are refused for their specific reasons.
    let flip = |i: usize, x: u8| {
        let mut f = d.clone();
        f[i] ^= x;
        f
    };
    let mut he2 = pki.contexts().1;
    assert_eq!(
        he2.unprotect(&p, &mut flip(0, 0x02)),
        Err(UnprotectError::Decode(DecodeError::UnsupportedVersion {
            version: 3
        }))
    );
    assert_eq!(
        he2.unprotect(&p, &mut flip(2, 0x01)),
        Err(UnprotectError::Decode(DecodeError::InvalidProtection))
    );
    assert_eq!(
        he2.unprotect(&p, &mut flip(1, 0x03)),
        Err(UnprotectError::UnsignedKeyUpdate)
    );
    assert!(matches!(
        he2.unprotect(&p, &mut flip(4, 0x01)),
        Err(UnprotectError::SenderMismatch { .. })
    ));
    assert_eq!(
        he2.unprotect(&p, &mut flip(18, 0x01)),
        Err(UnprotectError::AuthenticationFailed {
            epoch: 0,
            key_retired: false
        })
    );
    // None of the 8 * len forgeries moved the window or retired the key.
    let mut genuine = d.clone();
    let o = he.unprotect(&p, &mut genuine).unwrap();
    assert_eq!(o.payload, METER_READ_40);
}

#[test]
fn bit_flips_in_every_byte_signed() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let msg = Outgoing::data(
        Protection::Signed,
        PayloadDescriptor::hub(PayloadKind::HubManagement),
        b"set tariff",
    );
    let d = seal(&mut he, &msg, Some(&pki.head_end.ds));
    for i in 0..d.len() {
        let mut f = d.clone();
        f[i] ^= 1 << (i % 8);
        assert!(
            hub.unprotect(&p, &mut f).is_err(),
            "flip of byte {i} accepted"
        );
    }
    let mut f = d.clone();
    let last = f.len() - 1;
    f[last] ^= 0x80;
    assert_eq!(hub.unprotect(&p, &mut f), Err(UnprotectError::BadSignature));
    let mut f = d.clone();
    f[20] ^= 0x01; // payload byte
    assert_eq!(hub.unprotect(&p, &mut f), Err(UnprotectError::BadSignature));
    assert!(hub.unprotect(&p, &mut d.clone()).is_ok());
}

#[test]
fn truncation_at_every_byte() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    for (mode, signer) in [
        (Protection::Aead, None),
        (Protection::Signed, Some(&pki.hub.ds)),
        (Protection::SignedAead, Some(&pki.hub.ds)),
    ] {
        let msg = Outgoing::data(
            mode,
            PayloadDescriptor::hub(PayloadKind::DlmsApdu),
            &METER_READ_40,
        );
        let d = seal(&mut hub, &msg, signer);
        let min = 20 + mode.overhead();
        for len in 0..d.len() {
            let mut t = d[..len].to_vec();
            let r = he.unprotect(&p, &mut t);
            if len < min {
                assert!(
                    matches!(
                        r,
                        Err(UnprotectError::Decode(DecodeError::Truncated { .. }))
                    ),
                    "{mode:?} len {len}: {r:?}"
                );
            } else {
                assert!(r.is_err(), "{mode:?} truncated to {len} accepted");
            }
        }
        assert!(he.unprotect(&p, &mut d.clone()).is_ok());
    }
}

#[test]
fn replays_are_rejected_and_counted_nowhere() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let first = seal(&mut hub, &report(), None);
    assert!(he.unprotect(&p, &mut first.clone()).is_ok());
    assert_eq!(
        he.unprotect(&p, &mut first.clone()),
        Err(UnprotectError::Replay(ReplayError::Duplicate { seq: 0 }))
    );
    for _ in 0..70 {
        let mut d = seal(&mut hub, &report(), None);
        he.unprotect(&p, &mut d).unwrap();
    }
    assert_eq!(
        he.unprotect(&p, &mut first.clone()),
        Err(UnprotectError::Replay(ReplayError::TooOld {
            seq: 0,
            highest: 70
        }))
    );
    assert_eq!(he.failed_decryptions(0), Some(0));
}

#[test]
fn integrity_limit_retires_the_key_and_the_pair_recovers_without_exchange() {
    let p = RustCrypto;
    let pki = pki();
    let config = PeerConfig {
        integrity_limit: 4,
        ..PeerConfig::default()
    };
    let (mut hub, mut he) = pki.contexts_with(config);
    let in_flight = seal(&mut hub, &report(), None);
    // An off-path forger sends garbage under the hub's public identifier.
    for n in 1..=4u32 {
        let mut f = in_flight.clone();
        f[30] ^= 0xff;
        f[14..19].copy_from_slice(&[0, 0, 0, 1, n as u8]);
        assert_eq!(
            he.unprotect(&p, &mut f),
            Err(UnprotectError::AuthenticationFailed {
                epoch: 0,
                key_retired: n == 4
            })
        );
    }
    // Docs 8.2: epoch 0's key is retired, epoch 1 is current at once, and
    // the head end's own sending epoch moved up.
    assert_eq!(he.rx_epoch(), 1);
    assert!(he.tx_epoch() >= 1);
    assert_eq!(
        he.unprotect(&p, &mut in_flight.clone()),
        Err(UnprotectError::KeyRetired { epoch: 0 })
    );
    // The head end's next message tells the hub (sending-epoch rule) ...
    let msg = Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::HubManagement),
        b"ok",
    );
    let mut d = seal(&mut he, &msg, None);
    assert_eq!(d[11..14], [0, 0, 1]);
    let o = hub.unprotect(&p, &mut d).unwrap();
    assert!(o.epoch_advanced);
    // ... and the hub's re-sent report goes out in epoch 1 and is accepted.
    let mut again = seal(&mut hub, &report(), None);
    assert_eq!(again[11..14], [0, 0, 1]);
    assert_eq!(he.unprotect(&p, &mut again).unwrap().payload, METER_READ_40);
}

#[test]
fn unsigned_key_update_and_missing_signing_keys() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, _) = pki.contexts();
    let msg = Outgoing {
        message_type: MessageType::KeyUpdate,
        protection: Protection::Aead,
        descriptor: None,
        ack_requested: false,
        payload: &[0; 20],
    };
    let mut buf = [0u8; 200];
    let mut store = VolatileStore::default();
    assert_eq!(
        hub.protect(&p, &mut store, &msg, None, &mut buf),
        Err(ProtectError::UnsignedKeyUpdate)
    );
    let signed = Outgoing::data(
        Protection::Signed,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        b"x",
    );
    assert_eq!(
        hub.protect(&p, &mut store, &signed, None, &mut buf),
        Err(ProtectError::NoSigningKey)
    );
    assert_eq!(store.mark, 0, "no counter was taken for refused messages");
    // A receiver without the peer's signing key refuses signed datagrams.
    let mut bare = PeerContext::<P>::from_key_agreement(
        &p,
        HEAD_END_ID,
        &pki.head_end.ka,
        &pki.verified(&pki.hub.ka_cert, KeyUsage::KeyAgreement),
        PeerConfig::default(),
    )
    .unwrap();
    let mut d = seal(&mut hub, &signed, Some(&pki.hub.ds));
    assert_eq!(
        bare.unprotect(&p, &mut d),
        Err(UnprotectError::NoSigningKey)
    );
}

#[test]
fn signed_message_is_bound_to_its_recipient_and_covers_exact_bytes() {
    let p = RustCrypto;
    let pki = pki();
    let (_, mut he) = pki.contexts();
    let msg = Outgoing::data(
        Protection::Signed,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        b"credit +10",
    );
    let d = seal(&mut he, &msg, Some(&pki.head_end.ds));
    // Docs 6.2: SHA-256 over context ‖ recipient ‖ header ‖ payload.
    let hlen = 20;
    let (header, rest) = d.split_at(hlen);
    let (payload, sig) = rest.split_at(rest.len() - 64);
    let digest = p.sha256(&[SIGNATURE_CONTEXT, &HUB_ID.0, header, payload]);
    let vk = p
        .p256_verifying_key(&pki.head_end.ds_cert.tbs.public_key)
        .unwrap();
    p.p256_verify_prehash(&vk, &digest, sig.try_into().unwrap())
        .unwrap();
    // Delivered to another hub that also trusts this head end: refused.
    let mut other = PeerContext::<P>::new(
        &p,
        OTHER_HUB,
        HEAD_END_ID,
        &SecretBytes::new([3; 32]),
        PeerConfig::default(),
    )
    .unwrap();
    other
        .set_peer_signing_key(&pki.verified(&pki.head_end.ds_cert, KeyUsage::DigitalSignature))
        .unwrap();
    assert_eq!(
        other.unprotect(&p, &mut d.clone()),
        Err(UnprotectError::BadSignature)
    );
}

#[test]
fn certificate_from_another_ca() {
    let p = RustCrypto;
    let pki = pki();
    let rogue_key = key("DPDE test rogue CA");
    let rogue_id = Eui64([0xba, 0xd0, 0, 0, 0, 0, 0xca, 0x02]);
    let cert = issue(
        &rogue_key,
        0x300,
        rogue_id,
        HUB_ID,
        Role::Hub,
        KeyUsage::KeyAgreement,
        &pki.hub.ka,
    );
    assert_eq!(
        verify_chain(
            &p,
            &cert,
            &[],
            &pki.anchor(),
            now(),
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::UnknownIssuer {
            serial: 0x300,
            issuer: rogue_id
        })
    );
    // The rogue CA copies the real CA's id: the signature fails.
    let cert = issue(
        &rogue_key,
        0x301,
        CA_ID,
        HUB_ID,
        Role::Hub,
        KeyUsage::KeyAgreement,
        &pki.hub.ka,
    );
    assert_eq!(
        verify_chain(
            &p,
            &cert,
            &[],
            &pki.anchor(),
            now(),
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::BadSignature { serial: 0x301 })
    );
}

#[test]
fn expired_and_not_yet_valid() {
    let p = RustCrypto;
    let pki = pki();
    let later = UtcDateTime::new(2036, 1, 1, 0, 0, 1).unwrap();
    assert_eq!(
        verify_chain(
            &p,
            &pki.hub.ka_cert,
            &[],
            &pki.anchor(),
            later,
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::Expired {
            serial: 0x100,
            not_after: NOT_AFTER
        })
    );
    let edge = UtcDateTime::new(2036, 1, 1, 0, 0, 0).unwrap();
    assert!(
        verify_chain(
            &p,
            &pki.hub.ka_cert,
            &[],
            &pki.anchor(),
            edge,
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .is_ok()
    );
    let early = UtcDateTime::new(2025, 12, 31, 23, 59, 59).unwrap();
    assert_eq!(
        verify_chain(
            &p,
            &pki.hub.ka_cert,
            &[],
            &pki.anchor(),
            early,
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::NotYetValid {
            serial: 0x100,
            not_before: NOT_BEFORE
        })
    );
}

#[test]
fn revoked() {
    let p = RustCrypto;
    let pki = pki();
    let revoked: &[u64] = &[0x17, 0x100, 0x5];
    assert_eq!(
        verify_chain(
            &p,
            &pki.hub.ka_cert,
            &[],
            &pki.anchor(),
            now(),
            revoked,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::Revoked { serial: 0x100 })
    );
    assert!(
        verify_chain(
            &p,
            &pki.hub.ds_cert,
            &[],
            &pki.anchor(),
            now(),
            revoked,
            KeyUsage::DigitalSignature
        )
        .is_ok()
    );
}

#[test]
fn signing_key_used_for_key_agreement() {
    let p = RustCrypto;
    let pki = pki();
    assert_eq!(
        verify_chain(
            &p,
            &pki.hub.ds_cert,
            &[],
            &pki.anchor(),
            now(),
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::WrongKeyUsage {
            expected: KeyUsage::KeyAgreement,
            found: KeyUsage::DigitalSignature
        })
    );
    let ds = pki.verified(&pki.hub.ds_cert, KeyUsage::DigitalSignature);
    assert_eq!(
        PeerContext::<P>::from_key_agreement(
            &p,
            HEAD_END_ID,
            &pki.head_end.ka,
            &ds,
            PeerConfig::default()
        )
        .map(|_| ()),
        Err(KeyError::Certificate(CertificateError::WrongKeyUsage {
            expected: KeyUsage::KeyAgreement,
            found: KeyUsage::DigitalSignature
        }))
    );
    // And the reverse: a key-agreement key as a signing key.
    let (mut hub, _) = pki.contexts();
    let ka = pki.verified(&pki.head_end.ka_cert, KeyUsage::KeyAgreement);
    assert_eq!(
        hub.set_peer_signing_key(&ka),
        Err(KeyError::Certificate(CertificateError::WrongKeyUsage {
            expected: KeyUsage::DigitalSignature,
            found: KeyUsage::KeyAgreement
        }))
    );
}

#[test]
fn intermediate_chains() {
    let p = RustCrypto;
    let pki = pki();
    let sub_id = Eui64([0x44, 0x50, 0x44, 0x45, 0x00, 0x00, 0xca, 0x10]);
    let sub_key = key("DPDE test sub CA");
    let sub = issue(
        &pki.ca_key,
        0x10,
        CA_ID,
        sub_id,
        Role::CertificateAuthority,
        KeyUsage::CertificateSigning,
        &sub_key,
    );
    let leaf = issue(
        &sub_key,
        0x1000,
        sub_id,
        HUB_ID,
        Role::Hub,
        KeyUsage::KeyAgreement,
        &pki.hub.ka,
    );
    let v = verify_chain(
        &p,
        &leaf,
        &[sub],
        &pki.anchor(),
        now(),
        &NoRevocation,
        KeyUsage::KeyAgreement,
    )
    .unwrap();
    assert_eq!(v.subject, HUB_ID);
    // An intermediate that is not a CA.
    let not_ca = issue(
        &pki.ca_key,
        0x11,
        CA_ID,
        sub_id,
        Role::HeadEnd,
        KeyUsage::DigitalSignature,
        &sub_key,
    );
    assert_eq!(
        verify_chain(
            &p,
            &leaf,
            &[not_ca],
            &pki.anchor(),
            now(),
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::IssuerNotCa { serial: 0x11 })
    );
    // A revoked intermediate.
    let revoked: &[u64] = &[0x10];
    assert_eq!(
        verify_chain(
            &p,
            &leaf,
            &[sub],
            &pki.anchor(),
            now(),
            revoked,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::Revoked { serial: 0x10 })
    );
    // Too long.
    assert_eq!(
        verify_chain(
            &p,
            &leaf,
            &[sub; 4],
            &pki.anchor(),
            now(),
            &NoRevocation,
            KeyUsage::KeyAgreement
        )
        .map(|_| ()),
        Err(CertificateError::ChainTooLong)
    );
    // An anchor must be a certificate-signing certificate.
    assert!(matches!(
        TrustAnchor::<P>::from_certificate(&p, &pki.hub.ka_cert),
        Err(CertificateError::WrongKeyUsage { .. })
    ));
}

#[test]
fn same_identity_is_refused() {
    let p = RustCrypto;
    assert_eq!(
        PeerContext::<P>::new(
            &p,
            HUB_ID,
            HUB_ID,
            &SecretBytes::new([1; 32]),
            PeerConfig::default()
        )
        .map(|_| ()),
        Err(KeyError::SameIdentity)
    );
}
