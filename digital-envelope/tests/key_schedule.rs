//! Key schedule behaviour (docs 5 and 6.3): a signed key update with
//! ephemeral keys moves both sides to a new generation; sequence numbers
//! roll into the next epoch; a restart resumes above the persisted mark;
//! the epoch space ends in an error, never a wrap.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_digital_envelope::error::{KeyError, ProtectError, UnprotectError};
use dual_protocol_digital_envelope::key_update::ephemeral_secret;
use dual_protocol_digital_envelope::{
    KeyUpdate, KeyUpdateAck, MessageType, Outgoing, PeerConfig, Protection,
};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn report() -> Outgoing<'static> {
    Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        &METER_READ_40,
    )
}

#[test]
fn key_update_with_ephemeral_keys_over_envelopes() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let mut store = VolatileStore::default();
    let mut buf = [0u8; 1232];
    let mut body = [0u8; 101];
    let z = p.p256_ecdh(
        &pki.hub.ka,
        &p.p256_verifying_key(&pki.head_end.ka_cert.tbs.public_key)
            .unwrap(),
    );

    // Head end initiates: signed, with an ephemeral key.
    let e_i = p.p256_generate(&mut rng);
    let update = KeyUpdate::new(
        &p,
        &mut rng,
        he.tx_epoch().max(he.rx_epoch()) + 1,
        Some(&e_i),
    );
    let n = update.encode(&mut body).unwrap();
    let msg = Outgoing {
        message_type: MessageType::KeyUpdate,
        protection: Protection::SignedAead,
        descriptor: None,
        ack_requested: true,
        payload: &body[..n],
    };
    let n = he
        .protect(&p, &mut store, &msg, Some(&pki.head_end.ds), &mut buf)
        .unwrap();
    let opened = hub.unprotect(&p, &mut buf[..n]).unwrap();
    assert_eq!(opened.header.message_type, MessageType::KeyUpdate);
    let got = KeyUpdate::decode(opened.payload).unwrap();
    assert_eq!(got, update);

    // Hub answers, signed, with its ephemeral key, and installs.
    let e_r = p.p256_generate(&mut rng);
    let ack = KeyUpdateAck::answer(&p, &mut rng, &got, Some(&e_r));
    let z_eph_hub = ephemeral_secret(&p, &e_r, &got.ephemeral.unwrap()).unwrap();
    let mut ack_body = [0u8; 101];
    let n = ack.encode(&mut ack_body).unwrap();
    let msg = Outgoing {
        message_type: MessageType::KeyUpdateAck,
        protection: Protection::SignedAead,
        descriptor: None,
        ack_requested: false,
        payload: &ack_body[..n],
    };
    let n = hub
        .protect(&p, &mut store, &msg, Some(&pki.hub.ds), &mut buf)
        .unwrap();
    hub.install_generation(&p, &z, Some(&z_eph_hub), &got, &ack)
        .unwrap();
    let opened = he.unprotect(&p, &mut buf[..n]).unwrap();
    let got_ack = KeyUpdateAck::decode(opened.payload).unwrap();
    let z_eph_he = ephemeral_secret(&p, &e_i, &got_ack.ephemeral.unwrap()).unwrap();
    assert_eq!(z_eph_he.expose(), z_eph_hub.expose());
    he.install_generation(&p, &z, Some(&z_eph_he), &update, &got_ack)
        .unwrap();

    // Traffic continues in the new generation's first epoch.
    let n = hub
        .protect(&p, &mut store, &report(), None, &mut buf)
        .unwrap();
    assert_eq!(buf[11..14], [0, 0, 1]);
    let o = he.unprotect(&p, &mut buf[..n]).unwrap();
    assert_eq!(o.payload, METER_READ_40);
    assert!(o.epoch_advanced);
    let n = he
        .protect(&p, &mut store, &report(), None, &mut buf)
        .unwrap();
    assert_eq!(
        hub.unprotect(&p, &mut buf[..n]).unwrap().payload,
        METER_READ_40
    );

    // Installing an ephemeral update without the ephemeral secret is refused.
    let (mut hub2, _) = pki.contexts();
    assert_eq!(
        hub2.install_generation(&p, &z, None, &update, &ack),
        Err(KeyError::KeyUpdateMismatch)
    );
}

#[test]
fn key_update_checks() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, _) = pki.contexts();
    let z = dual_protocol_primitives::crypto::SecretBytes::new([1; 32]);
    let update = KeyUpdate {
        first_epoch: 1,
        random: [1; 16],
        ephemeral: None,
    };
    let mut ack = KeyUpdateAck {
        first_epoch: 1,
        initiator_random: [2; 16],
        responder_random: [3; 16],
        ephemeral: None,
    };
    assert_eq!(
        hub.install_generation(&p, &z, None, &update, &ack),
        Err(KeyError::KeyUpdateMismatch)
    );
    ack.initiator_random = [1; 16];
    let stale = KeyUpdate {
        first_epoch: 0,
        ..update
    };
    let stale_ack = KeyUpdateAck {
        first_epoch: 0,
        ..ack
    };
    assert_eq!(
        hub.install_generation(&p, &z, None, &stale, &stale_ack),
        Err(KeyError::StaleKeyUpdate { first_epoch: 0 })
    );
    hub.install_generation(&p, &z, None, &update, &ack).unwrap();
    assert_eq!(
        hub.install_generation(&p, &z, None, &update, &ack),
        Err(KeyError::StaleKeyUpdate { first_epoch: 1 })
    );
}

#[test]
fn sequence_rolls_into_the_next_epoch() {
    let p = RustCrypto;
    let pki = pki();
    let config = PeerConfig {
        tx_mark: (1 << 40) - 1,
        ..PeerConfig::default()
    };
    let (mut hub, _) = pki.contexts_with(config);
    let (_, mut he) = pki.contexts();
    let mut store = VolatileStore::default();
    let mut buf = [0u8; 1232];
    let n = hub
        .protect(&p, &mut store, &report(), None, &mut buf)
        .unwrap();
    assert_eq!(buf[11..19], [0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert!(he.unprotect(&p, &mut buf[..n]).is_ok());
    let n = hub
        .protect(&p, &mut store, &report(), None, &mut buf)
        .unwrap();
    assert_eq!(buf[11..19], [0, 0, 1, 0, 0, 0, 0, 0]);
    let o = he.unprotect(&p, &mut buf[..n]).unwrap();
    assert!(o.epoch_advanced);
    assert_eq!(he.rx_epoch(), 1);
}

#[test]
fn restart_resumes_above_the_persisted_mark() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts_with(PeerConfig {
        counter_block: 16,
        ..PeerConfig::default()
    });
    let mut store = VolatileStore::default();
    let mut buf = [0u8; 1232];
    for _ in 0..5 {
        let n = hub
            .protect(&p, &mut store, &report(), None, &mut buf)
            .unwrap();
        he.unprotect(&p, &mut buf[..n]).unwrap();
    }
    assert_eq!(store.mark, 16);
    // Power loss: the hub's context is rebuilt from the persisted mark.
    let (mut hub, _) = pki.contexts_with(PeerConfig {
        tx_mark: store.mark,
        counter_block: 16,
        ..PeerConfig::default()
    });
    let n = hub
        .protect(&p, &mut store, &report(), None, &mut buf)
        .unwrap();
    assert_eq!(buf[14..19], [0, 0, 0, 0, 16]);
    assert!(he.unprotect(&p, &mut buf[..n]).is_ok());
}

#[test]
fn epoch_space_ends_in_an_error() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, _) = pki.contexts_with(PeerConfig {
        tx_mark: u64::MAX - 1,
        ..PeerConfig::default()
    });
    let mut store = VolatileStore::default();
    let mut buf = [0u8; 1232];
    hub.protect(&p, &mut store, &report(), None, &mut buf)
        .unwrap();
    assert_eq!(
        buf[11..19],
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]
    );
    assert_eq!(
        hub.protect(&p, &mut store, &report(), None, &mut buf),
        Err(ProtectError::EpochExhausted)
    );
}

#[test]
fn previous_epoch_grace_and_ahead_failure_counts() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let mut store = VolatileStore::default();
    let seal = |ctx: &mut dual_protocol_digital_envelope::PeerContext<P>,
                store: &mut VolatileStore| {
        let mut buf = [0u8; 1232];
        let n = ctx.protect(&p, store, &report(), None, &mut buf).unwrap();
        buf[..n].to_vec()
    };
    let late = seal(&mut hub, &mut store);
    let late2 = seal(&mut hub, &mut store);
    hub.advance_tx_epoch(1).unwrap();
    assert_eq!(hub.tx_epoch(), 1);
    let mut d1 = seal(&mut hub, &mut store);
    assert_eq!(d1[11..14], [0, 0, 1]);
    assert!(he.unprotect(&p, &mut d1).unwrap().epoch_advanced);
    assert_eq!(he.rx_epoch(), 1);
    // A reordered datagram of the previous epoch is still accepted, once.
    assert!(he.unprotect(&p, &mut late.clone()).is_ok());
    assert!(matches!(
        he.unprotect(&p, &mut late.clone()),
        Err(UnprotectError::Replay(_))
    ));
    // After the grace period the previous epoch is gone.
    he.retire_previous_epoch();
    assert_eq!(
        he.unprotect(&p, &mut late2.clone()),
        Err(UnprotectError::EpochOutOfRange {
            epoch: 0,
            current: 1
        })
    );
    // Forgeries in epochs above the current one are counted per epoch.
    for _ in 0..3 {
        let mut f = d1.clone();
        f[13] = 3;
        f[30] ^= 1;
        assert!(matches!(
            he.unprotect(&p, &mut f),
            Err(UnprotectError::AuthenticationFailed { epoch: 3, .. })
        ));
    }
    assert_eq!(he.failed_decryptions(3), Some(3));
    assert_eq!(he.failed_decryptions(2), Some(0));
    assert_eq!(he.failed_decryptions(9), None);
    // The hub never moves down.
    hub.advance_tx_epoch(0).unwrap();
    assert_eq!(hub.tx_epoch(), 1);
    assert_eq!(
        hub.advance_tx_epoch(1 << 24),
        Err(KeyError::EpochOutOfRange(1 << 24))
    );
}
