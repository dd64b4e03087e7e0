//! Shared harness for the association and block-transfer tests: a meter
//! object model, key material, client/server pairs in each security mode,
//! and an in-memory link that drops, duplicates and reorders APDUs.
#![allow(dead_code)]

use dual_protocol_dlms_cosem::acse::Conformance;
use dual_protocol_dlms_cosem::apdu::{ActionResult, DataAccessResult};
use dual_protocol_dlms_cosem::association::auth::{EcdsaP256, EcdsaP384};
use dual_protocol_dlms_cosem::association::client::{ClientError, ResponseResult};
use dual_protocol_dlms_cosem::association::{
    Authentication, Client, ClientConfig, ClientEvent, CosemServer, HlsSecret, Server,
    ServerConfig, ServerEvent,
};
use dual_protocol_dlms_cosem::block::GbtConfig;
use dual_protocol_dlms_cosem::descriptor::{MethodDescriptor, SelectiveAccess};
use dual_protocol_dlms_cosem::security::{
    SecurityContext, SecurityKey, SecurityPolicy, SecuritySuite,
};
use dual_protocol_dlms_cosem::{AttributeDescriptor, Data, Decode, Encode, Obis};
use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::time::Instant;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

pub const N: usize = 8192;
pub type TestClient<'k> = Client<'k, RustCrypto, VolatileStore, N>;
pub type TestServer<'k> = Server<'k, RustCrypto, VolatileStore, Meter, N>;

pub const CLIENT_TITLE: [u8; 8] = *b"MMM\x00\x00\x00\x00\x01";
pub const SERVER_TITLE: [u8; 8] = [0x4d, 0x4d, 0x4d, 0x00, 0x00, 0xbc, 0x61, 0x4e];

pub const CLOCK: AttributeDescriptor = AttributeDescriptor {
    class_id: 8,
    instance_id: Obis::CLOCK,
    attribute_id: 2,
};
pub const PROFILE: AttributeDescriptor = AttributeDescriptor {
    class_id: 7,
    instance_id: Obis::new(1, 0, 99, 1, 0, 255),
    attribute_id: 2,
};
pub const REGISTER: AttributeDescriptor = AttributeDescriptor {
    class_id: 1,
    instance_id: Obis::new(0, 0, 96, 1, 0, 255),
    attribute_id: 2,
};
pub const SCRIPT: MethodDescriptor = MethodDescriptor {
    class_id: 9,
    instance_id: Obis::new(0, 0, 10, 0, 0, 255),
    method_id: 1,
};

/// The script's method 3: returns [`Meter::report`] (3 KiB).
pub const REPORT: MethodDescriptor = MethodDescriptor {
    method_id: 3,
    ..SCRIPT
};

/// A meter: a clock, a load profile of `rows` entries (about 29 bytes
/// each), a settable register and a script whose method 1 returns the
/// length of its parameters' encoding and whose method 3 returns a 3 KiB
/// octet string.
pub struct Meter {
    pub clock: Vec<u8>,
    pub profile: Vec<u8>,
    pub register: Vec<u8>,
    /// The encoded return value of [`REPORT`].
    pub report: Vec<u8>,
    pub actions: u32,
}

/// The 3 KiB octet string [`REPORT`] returns, encoded.
pub fn report_value() -> Vec<u8> {
    let v: Vec<u8> = (0..3072u32).map(|i| (i * 13 + 5) as u8).collect();
    enc(&Data::OctetString(&v))
}

impl Meter {
    pub fn new(rows: u8) -> Self {
        let mut profile = vec![0x01];
        if rows > 127 {
            profile.push(0x81);
        }
        profile.push(rows);
        for i in 0..rows {
            profile.extend_from_slice(&[
                0x02, 0x04, 0x09, 0x0c, 0x07, 0xea, 11, 29, 7, 0, i, 0, 0, 0, 0, 0,
            ]);
            profile.push(0x06);
            profile.extend_from_slice(&(u32::from(i) * 1000).to_be_bytes());
            profile.push(0x06);
            profile.extend_from_slice(&(u32::from(i) * 7).to_be_bytes());
            profile.push(0x12);
            profile.extend_from_slice(&u16::from(i).to_be_bytes());
        }
        Self {
            clock: vec![0x09, 0x0c, 0x07, 0xea, 11, 29, 7, 12, 0, 0, 0, 0x80, 0, 0],
            profile,
            register: enc(&Data::OctetString(b"init")),
            report: report_value(),
            actions: 0,
        }
    }
}

impl CosemServer for Meter {
    fn get<'s>(
        &'s mut self,
        attribute: &AttributeDescriptor,
        _access: Option<&SelectiveAccess<'_>>,
    ) -> Result<Data<'s>, DataAccessResult> {
        let bytes = match *attribute {
            CLOCK => &self.clock,
            PROFILE => &self.profile,
            REGISTER => &self.register,
            _ => return Err(DataAccessResult::ObjectUndefined),
        };
        Data::decode(bytes).map_err(|_| DataAccessResult::OtherReason)
    }

    fn set(
        &mut self,
        attribute: &AttributeDescriptor,
        _access: Option<&SelectiveAccess<'_>>,
        value: &Data<'_>,
    ) -> DataAccessResult {
        if *attribute != REGISTER {
            return DataAccessResult::ReadWriteDenied;
        }
        self.register = enc(value);
        DataAccessResult::Success
    }

    fn action<'s>(
        &'s mut self,
        method: &MethodDescriptor,
        parameters: Option<&Data<'_>>,
    ) -> Result<Option<Data<'s>>, ActionResult> {
        if *method == REPORT {
            self.actions += 1;
            return Data::decode(&self.report)
                .map(Some)
                .map_err(|_| ActionResult::OtherReason);
        }
        if *method != SCRIPT {
            return Err(ActionResult::ObjectUndefined);
        }
        self.actions += 1;
        let n = parameters.map_or(0, Encode::encoded_len);
        Ok(Some(Data::DoubleLongUnsigned(n as u32)))
    }
}

/// Every key the modes need, owned by the test so machines can borrow them.
pub struct Keys {
    pub ek: SecurityKey,
    pub ak: SecurityKey,
    pub wrong_ak: SecurityKey,
    pub client_p256: <RustCrypto as CryptoProvider>::P256SigningKey,
    pub server_p256: <RustCrypto as CryptoProvider>::P256SigningKey,
    pub client_p256_pub: <RustCrypto as CryptoProvider>::P256VerifyingKey,
    pub server_p256_pub: <RustCrypto as CryptoProvider>::P256VerifyingKey,
    pub client_p384: <RustCrypto as CryptoProvider>::P384SigningKey,
    pub server_p384: <RustCrypto as CryptoProvider>::P384SigningKey,
    pub client_p384_pub: <RustCrypto as CryptoProvider>::P384VerifyingKey,
    pub server_p384_pub: <RustCrypto as CryptoProvider>::P384VerifyingKey,
    pub ek256: SecurityKey,
    pub ak256: SecurityKey,
    /// HLS mechanism 7 key sets: client and server, P-256 and P-384.
    pub client_hls256: EcdsaP256<RustCrypto>,
    pub server_hls256: EcdsaP256<RustCrypto>,
    pub client_hls384: EcdsaP384<RustCrypto>,
    pub server_hls384: EcdsaP384<RustCrypto>,
}

/// Mechanism 7 keys on P-256 (copies of the keys).
pub fn p256(
    own: &<RustCrypto as CryptoProvider>::P256SigningKey,
    peer: &<RustCrypto as CryptoProvider>::P256VerifyingKey,
) -> EcdsaP256<RustCrypto> {
    EcdsaP256 {
        provider: RustCrypto,
        own: own.clone(),
        peer: *peer,
    }
}

/// Mechanism 7 keys on P-384 (copies of the keys).
pub fn p384(
    own: &<RustCrypto as CryptoProvider>::P384SigningKey,
    peer: &<RustCrypto as CryptoProvider>::P384VerifyingKey,
) -> EcdsaP384<RustCrypto> {
    EcdsaP384 {
        provider: RustCrypto,
        own: own.clone(),
        peer: *peer,
    }
}

impl Keys {
    pub fn new() -> Self {
        let p = RustCrypto;
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let client_p256 = p.p256_generate(&mut rng);
        let server_p256 = p.p256_generate(&mut rng);
        let client_p384 = p.p384_generate(&mut rng);
        let server_p384 = p.p384_generate(&mut rng);
        let client_p256_pub = p
            .p256_verifying_key(&p.p256_public_key(&client_p256))
            .unwrap();
        let server_p256_pub = p
            .p256_verifying_key(&p.p256_public_key(&server_p256))
            .unwrap();
        let client_p384_pub = p
            .p384_verifying_key(&p.p384_public_key(&client_p384))
            .unwrap();
        let server_p384_pub = p
            .p384_verifying_key(&p.p384_public_key(&server_p384))
            .unwrap();
        let ek: Vec<u8> = (0u8..16).collect();
        let ak: Vec<u8> = (0xd0u8..=0xdf).collect();
        let ek256: Vec<u8> = (0u8..32).collect();
        let ak256: Vec<u8> = (0xc0u8..=0xdf).collect();
        Self {
            client_hls256: p256(&client_p256, &server_p256_pub),
            server_hls256: p256(&server_p256, &client_p256_pub),
            client_hls384: p384(&client_p384, &server_p384_pub),
            server_hls384: p384(&server_p384, &client_p384_pub),
            ek: SecurityKey::new(&ek).unwrap(),
            ak: SecurityKey::new(&ak).unwrap(),
            wrong_ak: SecurityKey::new(&[0x55; 16]).unwrap(),
            client_p256,
            server_p256,
            client_p256_pub,
            server_p256_pub,
            client_p384,
            server_p384,
            client_p384_pub,
            server_p384_pub,
            ek256: SecurityKey::new(&ek256).unwrap(),
            ak256: SecurityKey::new(&ak256).unwrap(),
        }
    }
}

/// The security configurations under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No authentication, no ciphering.
    Plain,
    /// LLS password, no ciphering.
    Lls,
    /// HLS SHA-256 (mechanism 6), no ciphering.
    Sha256,
    /// Suite 0 ciphered, HLS-GMAC (mechanism 5).
    GmacSuite0,
    /// Suite 1 ciphered, HLS-ECDSA P-256 (mechanism 7).
    EcdsaSuite1,
    /// Suite 2 ciphered, HLS-ECDSA P-384 (mechanism 7).
    EcdsaSuite2,
}

pub const PASSWORD: &[u8] = b"12345678";
pub const HLS_SECRET: &[u8] = b"a shared HLS secret";

fn context(keys: &Keys, suite: SecuritySuite, own: [u8; 8]) -> SecurityContext<RustCrypto> {
    let (ek, ak) = if suite == SecuritySuite::Suite2 {
        (&keys.ek256, keys.ak256.clone())
    } else {
        (&keys.ek, keys.ak.clone())
    };
    SecurityContext::new(
        RustCrypto,
        SecurityPolicy::authenticated_encrypted(suite),
        own,
        ek,
        ak,
        CounterReservation::resume(1, 16, u64::from(u32::MAX)),
    )
    .unwrap()
}

pub fn suite(mode: Mode) -> Option<SecuritySuite> {
    match mode {
        Mode::GmacSuite0 => Some(SecuritySuite::Suite0),
        Mode::EcdsaSuite1 => Some(SecuritySuite::Suite1),
        Mode::EcdsaSuite2 => Some(SecuritySuite::Suite2),
        _ => None,
    }
}

pub fn client_auth(keys: &Keys, mode: Mode) -> Authentication<'_> {
    match mode {
        Mode::Plain => Authentication::None,
        Mode::Lls => Authentication::Low { password: PASSWORD },
        Mode::Sha256 => Authentication::High(HlsSecret::Sha256 { secret: HLS_SECRET }),
        Mode::GmacSuite0 => Authentication::High(HlsSecret::Gmac {
            suite: SecuritySuite::Suite0,
            ek: &keys.ek,
            ak: &keys.ak,
        }),
        Mode::EcdsaSuite1 => Authentication::High(HlsSecret::Ecdsa(&keys.client_hls256)),
        Mode::EcdsaSuite2 => Authentication::High(HlsSecret::Ecdsa(&keys.client_hls384)),
    }
}

pub fn server_auth(keys: &Keys, mode: Mode) -> Authentication<'_> {
    match mode {
        Mode::EcdsaSuite1 => Authentication::High(HlsSecret::Ecdsa(&keys.server_hls256)),
        Mode::EcdsaSuite2 => Authentication::High(HlsSecret::Ecdsa(&keys.server_hls384)),
        m => client_auth(keys, m),
    }
}

pub fn client_config(keys: &Keys, mode: Mode) -> ClientConfig<'_> {
    let mut c = ClientConfig::new(CLIENT_TITLE, client_auth(keys, mode));
    c.max_receive_pdu = 512;
    c
}

pub fn server_config(keys: &Keys, mode: Mode) -> ServerConfig<'_> {
    let mut c = ServerConfig::new(SERVER_TITLE, server_auth(keys, mode));
    c.max_receive_pdu = 512;
    c
}

pub fn client<'k>(keys: &'k Keys, mode: Mode, config: ClientConfig<'k>) -> TestClient<'k> {
    let sec = suite(mode).map(|s| context(keys, s, CLIENT_TITLE));
    Client::new(config, RustCrypto, sec, VolatileStore::default())
}

pub fn server<'k>(keys: &'k Keys, mode: Mode, config: ServerConfig<'k>) -> TestServer<'k> {
    let sec = suite(mode).map(|s| context(keys, s, SERVER_TITLE));
    Server::new(
        config,
        RustCrypto,
        sec,
        VolatileStore::default(),
        Meter::new(120),
    )
}

/// Loss model of the link.
#[derive(Clone, Copy, Debug)]
pub struct LinkModel {
    pub seed: u64,
    /// Per-mille of frames dropped.
    pub drop: u32,
    /// Per-mille of frames duplicated.
    pub duplicate: u32,
    /// Latency range in ms (random per copy: reorders frames).
    pub latency: (u64, u64),
}

impl LinkModel {
    pub const LOSSLESS: Self = Self {
        seed: 0,
        drop: 0,
        duplicate: 0,
        latency: (5, 5),
    };
}

/// An in-memory link: each frame (and each duplicate) is delivered after
/// a random latency, so frames reorder.
pub struct Link {
    model: LinkModel,
    rng: ChaCha20Rng,
    flight: Vec<(u64, bool, Vec<u8>)>,
    pub dropped: u32,
    pub duplicated: u32,
    /// The longest frame sent, and how many were GBT APDUs (tag 224).
    pub max_frame: usize,
    pub gbt_frames: u32,
}

impl Link {
    pub fn new(model: LinkModel) -> Self {
        Self {
            model,
            rng: ChaCha20Rng::seed_from_u64(model.seed),
            flight: Vec::new(),
            dropped: 0,
            duplicated: 0,
            max_frame: 0,
            gbt_frames: 0,
        }
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.next_u32() % 1000 < per_mille
    }

    fn latency(&mut self) -> u64 {
        let (lo, hi) = self.model.latency;
        lo + u64::from(self.rng.next_u32()) % (hi - lo + 1)
    }

    pub fn send(&mut self, now: u64, to_server: bool, frame: &[u8]) {
        self.max_frame = self.max_frame.max(frame.len());
        self.gbt_frames += u32::from(frame.first() == Some(&224));
        if self.chance(self.model.drop) {
            self.dropped += 1;
            return;
        }
        let t = now + self.latency();
        self.flight.push((t, to_server, frame.to_vec()));
        if self.chance(self.model.duplicate) {
            self.duplicated += 1;
            let t = now + self.latency();
            self.flight.push((t, to_server, frame.to_vec()));
        }
    }

    /// Frames due at `now`, in delivery order.
    pub fn due(&mut self, now: u64) -> Vec<(bool, Vec<u8>)> {
        let mut due: Vec<_> = Vec::new();
        let mut rest = Vec::new();
        for f in self.flight.drain(..) {
            if f.0 <= now {
                due.push(f)
            } else {
                rest.push(f)
            }
        }
        self.flight = rest;
        due.sort_by_key(|f| f.0);
        due.into_iter().map(|(_, s, f)| (s, f)).collect()
    }
}

/// What a run produced, as comparable text.
#[derive(Debug, Default)]
pub struct Run {
    pub transcript: Vec<String>,
    pub client_events: Vec<ClientEvent>,
    pub server_events: Vec<ServerEvent>,
    pub server_actions: u32,
    pub register: Vec<u8>,
    pub dropped: u32,
    pub duplicated: u32,
    pub max_frame: usize,
    pub gbt_frames: u32,
}

/// The scenario: associate, GET clock, GET profile (block transfer), SET
/// a long value (datablocks), ACTION with long parameters (pblocks), GET the
/// register back, release.
pub fn scenario(keys: &Keys, mode: Mode, model: LinkModel, retries: u8) -> Run {
    scenario_with(keys, mode, model, retries, false)
}

/// [`scenario`], with general block transfer negotiated when `gbt` (window
/// 3, 100 ms block timer).
pub fn scenario_with(keys: &Keys, mode: Mode, model: LinkModel, retries: u8, gbt: bool) -> Run {
    let mut cc = client_config(keys, mode);
    cc.retries = retries;
    cc.response_timeout = dual_protocol_primitives::time::Duration::from_millis(300);
    let mut sc = server_config(keys, mode);
    if gbt {
        let g = GbtConfig {
            window: 3,
            timeout: dual_protocol_primitives::time::Duration::from_millis(100),
            attempts: 8,
            max_apdu: usize::MAX,
        };
        cc.conformance = cc.conformance.union(Conformance::GENERAL_BLOCK_TRANSFER);
        sc.conformance = sc.conformance.union(Conformance::GENERAL_BLOCK_TRANSFER);
        cc.gbt = g;
        sc.gbt = g;
    }
    let set_value: Vec<u8> = (0..2000u32).map(|i| (i * 7) as u8).collect();
    let action_param: Vec<u8> = (0..1500u32).map(|i| (i * 3) as u8).collect();
    run_script(keys, mode, cc, sc, model, |step, now, c, crng| match step {
        0 => Some(c.associate(now, crng).map(|_| 0)),
        1 => Some(c.get(now, CLOCK, None)),
        2 => Some(c.get(now, PROFILE, None)),
        3 => Some(c.set(now, REGISTER, None, &Data::OctetString(&set_value))),
        4 => Some(c.action(now, SCRIPT, Some(&Data::OctetString(&action_param)))),
        5 => Some(c.get(now, REGISTER, None)),
        6 => Some(c.release(now).map(|_| 0)),
        _ => None,
    })
}

/// One request per step of `script` (called with the step number when the
/// client is idle; `None` ends the script) between a client and a server
/// with these configurations, through a link of `model`.
pub fn run_script<'k>(
    keys: &'k Keys,
    mode: Mode,
    cc: ClientConfig<'k>,
    sc: ServerConfig<'k>,
    model: LinkModel,
    mut script: impl FnMut(
        usize,
        Instant,
        &mut TestClient<'k>,
        &mut ChaCha20Rng,
    ) -> Option<Result<u8, ClientError>>,
) -> Run {
    let mut c = client(keys, mode, cc);
    let mut s = server(keys, mode, sc);
    let mut link = Link::new(model);
    let mut crng = ChaCha20Rng::seed_from_u64(11);
    let mut srng = ChaCha20Rng::seed_from_u64(12);
    let mut run = Run::default();
    let mut step = 0;
    let mut done = false;
    let mut buf = vec![0u8; N];
    for ms in 0..600_000u64 {
        let now = Instant::from_millis(ms);
        if !c.is_busy() && !done {
            match script(step, now, &mut c, &mut crng) {
                Some(r) => {
                    r.unwrap_or_else(|e| panic!("step {step}: {e}"));
                    step += 1;
                }
                None => done = true,
            }
        }
        for (to_server, frame) in link.due(ms) {
            if to_server {
                s.handle_input(now, &mut srng, &frame);
            } else {
                c.handle_input(now, &frame);
            }
        }
        if c.poll_timeout().is_some_and(|t| t <= now) {
            c.handle_timeout(now);
        }
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        while let Some(n) = c.poll_transmit(now, &mut buf) {
            link.send(ms, true, &buf[..n]);
        }
        while let Some(n) = s.poll_transmit(now, &mut buf) {
            link.send(ms, false, &buf[..n]);
        }
        while let Some(e) = s.poll_event() {
            run.server_events.push(e);
        }
        while let Some(e) = c.poll_event() {
            run.client_events.push(e);
            let line = match e {
                ClientEvent::Associated {
                    conformance,
                    server_max_pdu,
                } => {
                    format!("associated {conformance} {server_max_pdu}")
                }
                ClientEvent::Response {
                    service, result, ..
                } => {
                    let data = match result {
                        ResponseResult::Data
                        | ResponseResult::DataList
                        | ResponseResult::AccessList
                        | ResponseResult::ActionList
                        | ResponseResult::Action { data: true, .. } => hex(c.response_data()),
                        _ => String::new(),
                    };
                    format!("{service:?} {result:?} {data}")
                }
                ClientEvent::Released => {
                    done = true;
                    "released".into()
                }
                ClientEvent::Timeout { service, .. } => {
                    done = true;
                    format!("timeout {service:?}")
                }
                e @ (ClientEvent::AssociationRejected { .. }
                | ClientEvent::AuthenticationFailed(_)
                | ClientEvent::Exception { .. }) => {
                    done = true;
                    format!("{e:?}")
                }
                _ => continue,
            };
            run.transcript.push(line);
        }
        if done && !c.is_busy() && link.flight.is_empty() && s.poll_timeout().is_none() {
            break;
        }
    }
    run.server_actions = s.app().actions;
    run.register = s.app().register.clone();
    run.dropped = link.dropped;
    run.duplicated = link.duplicated;
    run.max_frame = link.max_frame;
    run.gbt_frames = link.gbt_frames;
    run
}

/// Encodes into a fresh vector (without the `alloc` feature's helper).
pub fn enc<T: Encode + ?Sized>(v: &T) -> Vec<u8> {
    let mut b = vec![0; v.encoded_len()];
    let n = v.encode(&mut b).unwrap();
    b.truncate(n);
    b
}

/// `enc` as a method.
pub trait ToBytes {
    fn to_bytes(&self) -> Vec<u8>;
}

impl<T: Encode> ToBytes for T {
    fn to_bytes(&self) -> Vec<u8> {
        enc(self)
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
