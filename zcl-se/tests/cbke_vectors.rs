//! Public and independently computed vectors for the CBKE arithmetic.
//!
//! Sources (data copied here so the tests stand alone):
//! * SEC 2 v2.0 §3.1 / FIPS 186-4 D.1.3 (K-163, K-283): the generators and
//!   orders, in `src/cbke/scalar.rs`; the compressed y bit of each generator
//!   as OpenSSL's `test/ectest.c` `char2_curve_tests` records it (K-163: 1,
//!   K-283: 0).
//! * Certicom test CA certificates for ZigBee Smart Energy ("CA Pub Key",
//!   "Device Implicit Cert", "Private Key Reconstruction Data", "Device
//!   Public Key"), as published in zsmartsystems/com.zsmartsystems.zigbee
//!   `CerticomCbkeCertificateTest.java` (suite 1 and suite 2) and
//!   `ZclKeyEstablishmentClientTest.java` (a second suite 1 device).
//! * OpenSSL 3.0.19 (an independent binary-curve implementation), run on
//!   this machine: `openssl ecparam -name sect163k1|sect283k1 -genkey`,
//!   `openssl ec -conv_form compressed -text`, `openssl pkeyutl -derive`
//!   (plain ECDH, no cofactor): private key d, its compressed public key,
//!   a peer's compressed public key, and the shared x coordinate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::cbke::{Certificate, Point, SUITE1, SUITE2, Scalar};

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn compressed<const N: usize>(p: &Point<N>) -> Vec<u8>
where
    dual_protocol_zcl_se::cbke::Params<N>: dual_protocol_zcl_se::cbke::CurveParams<N>,
{
    let mut out = vec![0u8; Point::<N>::COMPRESSED_LEN];
    p.write_compressed(&mut out);
    out
}

#[test]
fn generators_compress_as_sec2_records() {
    let g1 = Point::<SUITE1>::generator();
    assert!(g1.is_on_curve());
    assert_eq!(
        compressed(&g1),
        hex("0302FE13C0537BBC11ACAA07D793DE4E6D5E5C94EEE8")
    );
    assert_eq!(
        Point::<SUITE1>::from_compressed(&compressed(&g1)).unwrap(),
        g1
    );
    let g2 = Point::<SUITE2>::generator();
    assert!(g2.is_on_curve());
    assert_eq!(
        compressed(&g2),
        hex("020503213F78CA44883F1A3B8162F188E553CD265F23C1567A16876913B0C2AC2458492836")
    );
    assert_eq!(
        Point::<SUITE2>::from_compressed(&compressed(&g2)).unwrap(),
        g2
    );
}

struct CerticomVector {
    ca: &'static str,
    cert: &'static str,
    private: &'static str,
    public: &'static str,
}

/// Certicom test CA data (zsmartsystems, see the module header).
const SUITE1_CERTICOM: [CerticomVector; 2] = [
    CerticomVector {
        ca: "0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8",
        cert: "02020882b1d7df05538f37cdd09a4f6b15368998642b002208000000000154455354534543410109108301234567890a",
        private: "0392ba4afc2453a49eebe9bca8de73210f02479a4a",
        public: "0207d1ca014786b5e552cfd5f04339a2e856f00eaaef",
    },
    CerticomVector {
        ca: "0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8",
        cert: "0200caa15b4beede65c3139a5c3bc40c9ad153854a270022a300001731f354455354534543410109108301234567890a",
        private: "019fcc486fc46980ab4a612725b36f005edff075fe",
        public: "020366d312a0abf55654ead3e1624c31faed89c3bb20",
    },
];

const SUITE2_CERTICOM: CerticomVector = CerticomVector {
    ca: "0207a445022d9f39f49bdc38380026a27a9e0a1799313ab28c5c1a1c6b605154db1dff6752",
    cert: "000b3ad5a312ab75d60d081112131415161718005b7ed230ffffffff0022080000000001080205bb3d1d1576197ff9ab6563915019a130437adb0ee7915432dc4a09c97dc595c5856800",
    private: "00997097b87684f62f555173c47be89935fbf6440ae292492b54c5829a0d541f4d26e254",
    public: "02012f082ee7db1bd3f89f16eabbf5d6221a5dcd077fc0c9d37b329eee8e2cdaee03439de0",
};

fn check_certicom<const N: usize>(v: &CerticomVector)
where
    dual_protocol_zcl_se::cbke::Params<N>: dual_protocol_zcl_se::cbke::SuiteParams<N>,
{
    let ca = Point::<N>::from_compressed(&hex(v.ca)).unwrap();
    let cert = Certificate::<N>::parse(&hex(v.cert)).unwrap();
    let public = Point::<N>::from_compressed(&hex(v.public)).unwrap();
    // ECQV reconstruction from the certificate and the CA key (SEC 4 §3.6).
    assert_eq!(cert.public_key(&ca).unwrap(), public, "ECQV reconstruction");
    assert_eq!(compressed(&cert.public_key(&ca).unwrap()), hex(v.public));
    // The private key matches the public key: d·G by the ladder and by the
    // reference double-and-add.
    let d = Scalar::<N>::from_be_bytes_canonical(&hex(v.private)).unwrap();
    assert_eq!(Point::<N>::generator().mul(&d), public, "ladder d·G");
    assert_eq!(
        Point::<N>::generator().mul_vartime(&d),
        public,
        "double-and-add d·G"
    );
}

#[test]
fn certicom_suite1_certificates_reconstruct() {
    for v in &SUITE1_CERTICOM {
        check_certicom::<SUITE1>(v);
    }
    let cert = Certificate::<SUITE1>::parse(&hex(SUITE1_CERTICOM[0].cert)).unwrap();
    assert_eq!(cert.subject(), [0x00, 0x22, 0x08, 0, 0, 0, 0, 0x01]);
    assert_eq!(&cert.issuer(), b"TESTSECA");
}

#[test]
fn certicom_suite2_certificate_reconstructs() {
    check_certicom::<SUITE2>(&SUITE2_CERTICOM);
    let cert = Certificate::<SUITE2>::parse(&hex(SUITE2_CERTICOM.cert)).unwrap();
    assert_eq!(cert.subject(), [0x00, 0x22, 0x08, 0, 0, 0, 0, 0x01]);
    assert_eq!(
        cert.issuer(),
        [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]
    );
    assert_eq!(cert.validity(), Some((0x5b7e_d230, 0xffff_ffff)));
}

struct EcdhVector {
    d: &'static str,
    q: &'static str,
    peer: &'static str,
    z: &'static str,
}

/// OpenSSL 3.0.19 `pkeyutl -derive` on sect163k1 (see the module header).
const OPENSSL_163: [EcdhVector; 3] = [
    EcdhVector {
        d: "0154395327b68d9c47c6c6a2ea3c63712875c76cf6",
        q: "03020f7d3c9098d7e4650f809ad0d78e3dd9e7f719af",
        peer: "0302c354ed136bbda778ed452a4d2aa6e98eb6bb8acd",
        z: "06a774aa5e5868548359e876a2a7f48b3ed6c3bee2",
    },
    EcdhVector {
        d: "012fc2e01f9be4fb53bb51bb37a6b2a64727b49551",
        q: "0205c66be97fe436449b6d6556a24b6a512e34d6553d",
        peer: "0300025dcdf9ab5b5e3903799cdf34e409ccd5483487",
        z: "0157005741cc48457a3528e21a0b584df9de859ceb",
    },
    EcdhVector {
        d: "00693e76aedd7a5e6119e451a347b0cc397acc2247",
        q: "0301e7e0d692473f2b06a34d7d44327351e684d0d00c",
        peer: "03042d0c3687c75fcd8af1809827e5e433a1dcf14e6c",
        z: "07a37f3a3637bc720dedf52f7d24a14bd36c653184",
    },
];

/// OpenSSL 3.0.19 `pkeyutl -derive` on sect283k1.
const OPENSSL_283: [EcdhVector; 3] = [
    EcdhVector {
        d: "001a54a02aa02e1a83e1d235e58d67762418be6989d55b1b3018dcce18a42149dee12339",
        q: "0202e3ec08f34df6ef6931a4c74b7c6d66479470d3906e57b80c4c102edf323b6a3641ed51",
        peer: "030461aa257c6bf909c9e1986d3b85bcbbad2b97740f6f61aadc3274fe3d4f9a11b647d341",
        z: "024566de9ac478438b2034042b3f1f5ce99b7fe3bc3af80c8f018d73227c5fd35d06c3d6",
    },
    EcdhVector {
        d: "01f2e6bf3241e74f243e9fd697e52c5d3de0f21e3dd211c9f262deeecace4fd5e2e99517",
        q: "02077135a676a8b485ff39aaa41423ceffb9a702d48b3b59e3415dedd019339ce757283908",
        peer: "030323110f234975433ea40adf4277e049934b211577178dcde47d7545206a6032d6f1965e",
        z: "01dfc5c17f290ece25d83a4acfc1edde3febfd08f296470131b767248d33fa823a5564ff",
    },
    EcdhVector {
        d: "01f3d35390cbaff068aad9512e448f876d2ea34ecc8f83aa4104b44d20b6c24e5386146d",
        q: "0206030a74816d3a67d3c5d675e2c5bdf6378594100d3d7124567aa1e07e72cc0221cad4a8",
        peer: "030468856b00ae485fde55b05f5a84f4c0701cc8d6d7684a2ed6d49bae48f498a575be6e11",
        z: "04517a73629011a04104912ab53cf256a79cf72e47265ccd5f6d5f634f8ba26cde59adaa",
    },
];

fn check_ecdh<const N: usize>(v: &EcdhVector)
where
    dual_protocol_zcl_se::cbke::Params<N>: dual_protocol_zcl_se::cbke::CurveParams<N>,
{
    let d = Scalar::<N>::from_be_bytes_canonical(&hex(v.d)).unwrap();
    assert_eq!(
        compressed(&Point::<N>::generator().mul(&d)),
        hex(v.q),
        "d·G"
    );
    let peer = Point::<N>::from_compressed(&hex(v.peer)).unwrap();
    let shared = peer.mul(&d);
    let mut z = vec![0u8; hex(v.z).len()];
    shared.x.write_bytes(&mut z);
    assert_eq!(z, hex(v.z), "ECDH x");
}

#[test]
fn openssl_sect163k1_ecdh() {
    for v in &OPENSSL_163 {
        check_ecdh::<SUITE1>(v);
    }
}

#[test]
fn openssl_sect283k1_ecdh() {
    for v in &OPENSSL_283 {
        check_ecdh::<SUITE2>(v);
    }
}
