//! Fixed test identities, keys and certificates shared by the tests.
//! The private keys are public test data: never use them outside tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use dual_protocol_digital_envelope::certificate::{
    Certificate, KeyUsage, NoRevocation, Role, TbsCertificate, TrustAnchor, VerifiedKey,
    verify_chain,
};
use dual_protocol_digital_envelope::{PeerConfig, PeerContext};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::datetime::UtcDateTime;
use dual_protocol_primitives::eui64::Eui64;

pub type P = RustCrypto;
pub type SigningKey = <RustCrypto as CryptoProvider>::P256SigningKey;

pub const CA_ID: Eui64 = Eui64([0x44, 0x50, 0x44, 0x45, 0x00, 0x00, 0xca, 0x01]);
pub const HUB_ID: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
pub const HEAD_END_ID: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);
/// 2026-01-01T00:00:00Z.
pub const NOT_BEFORE: u32 = 1_767_225_600;
/// 2036-01-01T00:00:00Z.
pub const NOT_AFTER: u32 = 2_082_758_400;

/// A private key whose scalar is SHA-256 of `label` (test keys only).
pub fn key(label: &str) -> SigningKey {
    let p = RustCrypto;
    p.p256_signing_key(&p.sha256(&[label.as_bytes()])).unwrap()
}

pub fn now() -> UtcDateTime {
    UtcDateTime::new(2026, 11, 29, 7, 0, 0).unwrap()
}

pub struct Party {
    pub id: Eui64,
    pub ka: SigningKey,
    pub ds: SigningKey,
    pub ka_cert: Certificate,
    pub ds_cert: Certificate,
}

pub struct Pki {
    pub ca_key: SigningKey,
    pub ca_cert: Certificate,
    pub hub: Party,
    pub head_end: Party,
}

pub fn issue(
    ca: &SigningKey,
    serial: u64,
    issuer: Eui64,
    subject: Eui64,
    role: Role,
    usage: KeyUsage,
    key: &SigningKey,
) -> Certificate {
    let p = RustCrypto;
    TbsCertificate {
        serial,
        issuer,
        subject,
        role,
        key_usage: usage,
        not_before: NOT_BEFORE,
        not_after: NOT_AFTER,
        public_key: p.p256_public_key(key),
    }
    .sign(&p, ca)
    .unwrap()
}

fn party(ca: &SigningKey, id: Eui64, role: Role, name: &str, serial: u64) -> Party {
    let ka = key(&format!("DPDE test {name} key agreement"));
    let ds = key(&format!("DPDE test {name} signing"));
    Party {
        id,
        ka_cert: issue(ca, serial, CA_ID, id, role, KeyUsage::KeyAgreement, &ka),
        ds_cert: issue(
            ca,
            serial + 1,
            CA_ID,
            id,
            role,
            KeyUsage::DigitalSignature,
            &ds,
        ),
        ka,
        ds,
    }
}

/// The test PKI, built once per test binary (ECDSA is slow in debug builds).
pub fn pki() -> &'static Pki {
    static PKI: std::sync::OnceLock<Pki> = std::sync::OnceLock::new();
    PKI.get_or_init(build_pki)
}

fn build_pki() -> Pki {
    let ca_key = key("DPDE test CA");
    let ca_cert = issue(
        &ca_key,
        1,
        CA_ID,
        CA_ID,
        Role::CertificateAuthority,
        KeyUsage::CertificateSigning,
        &ca_key,
    );
    Pki {
        hub: party(&ca_key, HUB_ID, Role::Hub, "hub", 0x100),
        head_end: party(&ca_key, HEAD_END_ID, Role::HeadEnd, "head end", 0x200),
        ca_key,
        ca_cert,
    }
}

impl Pki {
    pub fn anchor(&self) -> TrustAnchor<P> {
        TrustAnchor::from_certificate(&RustCrypto, &self.ca_cert).unwrap()
    }

    pub fn verified(&self, cert: &Certificate, usage: KeyUsage) -> VerifiedKey<P> {
        verify_chain(
            &RustCrypto,
            cert,
            &[],
            &self.anchor(),
            now(),
            &NoRevocation,
            usage,
        )
        .unwrap()
    }

    /// The hub's and the head end's contexts for each other, with signing
    /// keys set, as after certificate exchange.
    pub fn contexts_with(&self, config: PeerConfig) -> (PeerContext<P>, PeerContext<P>) {
        let p = RustCrypto;
        let mut hub = PeerContext::from_key_agreement(
            &p,
            HUB_ID,
            &self.hub.ka,
            &self.verified(&self.head_end.ka_cert, KeyUsage::KeyAgreement),
            config,
        )
        .unwrap();
        hub.set_peer_signing_key(
            &self.verified(&self.head_end.ds_cert, KeyUsage::DigitalSignature),
        )
        .unwrap();
        let mut he = PeerContext::from_key_agreement(
            &p,
            HEAD_END_ID,
            &self.head_end.ka,
            &self.verified(&self.hub.ka_cert, KeyUsage::KeyAgreement),
            config,
        )
        .unwrap();
        he.set_peer_signing_key(&self.verified(&self.hub.ds_cert, KeyUsage::DigitalSignature))
            .unwrap();
        (hub, he)
    }

    pub fn contexts(&self) -> (PeerContext<P>, PeerContext<P>) {
        self.contexts_with(PeerConfig::default())
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A 40-byte DLMS data-notification-like meter read (payload bytes only;
/// content is opaque to the envelope).
pub const METER_READ_40: [u8; 40] = [
    0x0f, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x07, 0xea, 0x0b, 0x1d, 0x07, 0x07, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x02, 0x09, 0x06, 0x01, 0x00, 0x01, 0x08, 0x00, 0xff, 0x06, 0x00, 0x01, 0xe2,
    0x40, 0x0f, 0x00, 0x16, 0x1e, 0x12, 0x00, 0x00,
];
