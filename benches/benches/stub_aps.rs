//! stub-aps: a PublishPrice Inter-PAN frame (49-byte ZCL frame) decoded,
//! secured and unsecured in each form, beside the bare CCM (8- and 4-byte
//! tags over 49 bytes) and AES-CMAC floors measured in the same run; and the
//! announcement verify beside a bare P-256 verify.

use criterion::{Criterion, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_stub_aps::frame::{Destination, InterPanFrame, InterPanMac};
use dual_protocol_stub_aps::published::{self, PublishedOptions};
use dual_protocol_stub_aps::secure::{self, Announcement, KeyChain, Kind, secured_aps};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::mac::MacContext;
use dual_protocol_zigbee_nwk::security::ZigbeeKey;
use std::hint::black_box;

/// The survey's unicast PublishPrice Inter-PAN frame (with FCS).
const PRICE: &str = "21cc51ffffffeeddccbbaa9988621a88776655443322110b00030007090109100001000000044241534510000000804c1b2e003a03211100000000ffffdc050000ffffffffffffffffffffffff0000291f";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn stub_aps(c: &mut Criterion) {
    let mut g = c.benchmark_group("stub_aps");
    floors::memcpy(&mut g, 49);
    floors::aes128_ccm_seal(&mut g, 49, 4);
    floors::aes128_ccm_open(&mut g, 49, 4);
    floors::aes128_ccm_seal(&mut g, 49, 8);
    floors::aes128_ccm_open(&mut g, 49, 8);
    let p = RustCrypto;
    let msg = floors::data(64);
    g.bench_function("floor/aes128-cmac/64", |b| {
        b.iter(|| p.aes128_cmac(&floors::KEY16, &[black_box(&msg)]))
    });
    floors::p256_verify(&mut g);

    let frame = unhex(PRICE);
    let fcs = MacContext { fcs: true };
    g.bench_function("decode/publish-price", |b| {
        b.iter(|| InterPanFrame::decode_with(black_box(&frame), &fcs).expect("decodes"))
    });
    let f = InterPanFrame::decode_with(&frame, &fcs).expect("decodes");
    let zcl = f.payload.to_vec();
    let hub = f.mac.src;
    let key = ZigbeeKey::new(&floors::KEY16).expect("key");
    let mac = InterPanMac::new(1, PanId(0xffff), f.mac.dst, f.mac.src_pan, hub);
    let sec = InterPanFrame::new(mac, secured_aps(mac.dst, 0x0700, 0x0109), &zcl);
    let none = MacContext::default();
    let mut out = [0u8; 127];

    // Ember form: seal, and open (decode + window + CCM* open).
    let opts = PublishedOptions::EMBER;
    g.bench_function("ember/seal/publish-price", |b| {
        b.iter(|| published::seal(black_box(&sec), 1, &key, &opts, &mut out, &none).expect("seals"))
    });
    let n = published::seal(&sec, 1, &key, &opts, &mut out, &none).expect("seals");
    let sealed = out[..n].to_vec();
    let mut buf = sealed.clone();
    g.bench_function("ember/open/publish-price", |b| {
        b.iter(|| {
            buf.copy_from_slice(&sealed);
            let mut w = ReplayWindow::<2>::new();
            published::open(black_box(&mut buf), &key, &opts, &mut w).expect("opens")
        })
    });

    // Extension: pairwise Data (ENC-MIC-64).
    let aps = secured_aps(mac.dst, 0x0700, 0x0109);
    g.bench_function("dp-data/seal/publish-price", |b| {
        b.iter(|| {
            secure::seal_pairwise(mac, aps, Kind::Data, 0, 1, black_box(&zcl), &key, &mut out)
                .expect("seals")
        })
    });
    let n = secure::seal_pairwise(mac, aps, Kind::Data, 0, 1, &zcl, &key, &mut out).expect("seals");
    let sealed = out[..n].to_vec();
    let mut buf = sealed.clone();
    g.bench_function("dp-data/open/publish-price", |b| {
        b.iter(|| {
            buf.copy_from_slice(&sealed);
            let mut w = ReplayWindow::<2>::new();
            secure::open_pairwise(black_box(&mut buf), &key, 0, &mut w).expect("opens")
        })
    });

    // Extension: TESLA broadcast (CMAC under F'(K_i), derivation included).
    let bmac = InterPanMac::new(
        1,
        PanId::BROADCAST,
        Destination::Broadcast,
        f.mac.src_pan,
        hub,
    );
    let baps = secured_aps(bmac.dst, 0x0700, 0x0109);
    let k = [0x5e; 16];
    g.bench_function("dp-broadcast/seal/publish-price", |b| {
        b.iter(|| {
            secure::seal_broadcast(bmac, baps, 1, 1, 5, black_box(&zcl), &k, &mut out)
                .expect("seals")
        })
    });
    let n = secure::seal_broadcast(bmac, baps, 1, 1, 5, &zcl, &k, &mut out).expect("seals");
    let sealed = out[..n].to_vec();
    g.bench_function("dp-broadcast/verify/publish-price", |b| {
        b.iter(|| secure::verify_broadcast(black_box(&sealed), &k).expect("verifies"))
    });

    // Announcement verify beside the bare P-256 verify above.
    let sk = p.p256_signing_key(&[0x42; 32]).expect("scalar");
    let vk = p
        .p256_verifying_key(&p.p256_public_key(&sk))
        .expect("point");
    let params = secure::ChainParams {
        epoch: 1,
        start_s: 1000,
        interval_ms: 10_000,
        length: 360,
        delay: 1,
    };
    let chain = KeyChain::new(params, [0x5e; 16]).expect("chain");
    let a = Announcement {
        epoch: 1,
        start_s: 1000,
        interval_ms: 10_000,
        length: 360,
        delay: 1,
        anchor: chain.anchor(),
        signature: [0; 64],
    };
    let n = secure::sign_announcement(bmac, 2, &a, &sk, &mut out).expect("signs");
    let ann = out[..n].to_vec();
    g.bench_function("dp-announcement/verify", |b| {
        b.iter(|| secure::verify_announcement(black_box(&ann), &vk).expect("verifies"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = stub_aps
}
criterion_main!(benches);
