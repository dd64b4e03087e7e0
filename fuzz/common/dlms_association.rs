//! Set-up shared by the `dlms_client` and `dlms_server` fuzz targets: the
//! keys, a deterministic RNG, a client/server pair per mode, a complete
//! association between them, and the input split into APDUs.

use core::convert::Infallible;
use dual_protocol_dlms_cosem::apdu::{ActionResult, DataAccessResult};
use dual_protocol_dlms_cosem::association::{
    Authentication, Client, ClientConfig, CosemServer, HlsSecret, Server, ServerConfig,
};
use dual_protocol_dlms_cosem::descriptor::{MethodDescriptor, SelectiveAccess};
use dual_protocol_dlms_cosem::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_dlms_cosem::security::{
    SecurityContext, SecurityKey, SecurityPolicy, SecuritySuite,
};
use dual_protocol_dlms_cosem::{AttributeDescriptor, Data, Obis};
use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;

pub const N: usize = 2048;
pub const CLOCK: AttributeDescriptor = AttributeDescriptor {
    class_id: 8,
    instance_id: Obis::CLOCK,
    attribute_id: 2,
};

/// A counter, not a random generator: fuzzing only.
pub struct Counter(pub u64);

impl TryRng for Counter {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst {
            *b = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}
impl TryCryptoRng for Counter {}

/// Answers every GET with a long octet string (block transfer), takes
/// every SET, answers every ACTION.
pub struct Objects([u8; 1500]);

impl CosemServer for Objects {
    fn get<'s>(
        &'s mut self,
        attribute: &AttributeDescriptor,
        _: Option<&SelectiveAccess<'_>>,
    ) -> Result<Data<'s>, DataAccessResult> {
        match attribute.attribute_id {
            2 => Ok(Data::OctetString(&self.0)),
            3 => Ok(Data::Unsigned(1)),
            _ => Err(DataAccessResult::ObjectUndefined),
        }
    }
    fn set(
        &mut self,
        _: &AttributeDescriptor,
        _: Option<&SelectiveAccess<'_>>,
        _: &Data<'_>,
    ) -> DataAccessResult {
        DataAccessResult::Success
    }
    fn action<'s>(
        &'s mut self,
        _: &MethodDescriptor,
        p: Option<&Data<'_>>,
    ) -> Result<Option<Data<'s>>, ActionResult> {
        Ok(p.map(|_| Data::Unsigned(0)))
    }
}

#[derive(Clone, Copy)]
pub enum Mode {
    Plain,
    Lls,
    Gmac,
}

impl From<u8> for Mode {
    fn from(b: u8) -> Self {
        match b % 3 {
            0 => Self::Plain,
            1 => Self::Lls,
            _ => Self::Gmac,
        }
    }
}

pub struct Keys {
    ek: SecurityKey,
    ak: SecurityKey,
}

impl Keys {
    pub fn new() -> Self {
        Self {
            ek: SecurityKey::new(&[0x11; 16]).expect("16 bytes"),
            ak: SecurityKey::new(&[0x22; 16]).expect("16 bytes"),
        }
    }
}

pub type C<'k> = Client<'k, RustCrypto, VolatileStore, N>;
pub type S<'k> = Server<'k, RustCrypto, VolatileStore, Objects, N>;

pub fn auth(keys: &Keys, mode: Mode) -> Authentication<'_> {
    match mode {
        Mode::Plain => Authentication::None,
        Mode::Lls => Authentication::Low {
            password: b"12345678",
        },
        Mode::Gmac => Authentication::High(HlsSecret::Gmac {
            suite: SecuritySuite::Suite0,
            ek: &keys.ek,
            ak: &keys.ak,
        }),
    }
}

pub fn context(keys: &Keys, own: [u8; 8]) -> SecurityContext<RustCrypto> {
    SecurityContext::new(
        RustCrypto,
        SecurityPolicy::authenticated_encrypted(SecuritySuite::Suite0),
        own,
        &keys.ek,
        keys.ak.clone(),
        CounterReservation::resume(1, 16, u64::from(u32::MAX)),
    )
    .expect("suite-0 keys")
}

pub fn pair(keys: &Keys, mode: Mode) -> (C<'_>, S<'_>) {
    let (ct, st) = (*b"CLIENT01", *b"SERVER01");
    let ciphered = matches!(mode, Mode::Gmac);
    let mut cc = ClientConfig::new(ct, auth(keys, mode));
    cc.max_receive_pdu = 256;
    cc.retries = 1;
    let mut sc = ServerConfig::new(st, auth(keys, mode));
    sc.max_receive_pdu = 256;
    sc.max_reassembly = 1024;
    let c = Client::new(
        cc,
        RustCrypto,
        ciphered.then(|| context(keys, ct)),
        VolatileStore::default(),
    );
    let s = Server::new(
        sc,
        RustCrypto,
        ciphered.then(|| context(keys, st)),
        VolatileStore::default(),
        Objects([0x5a; 1500]),
    );
    (c, s)
}

/// Runs AARQ/AARE (and HLS passes 3-4) between `c` and `s`.
pub fn associate(c: &mut C<'_>, s: &mut S<'_>, rng: &mut Counter) {
    let now = dual_protocol_primitives::time::Instant::from_millis(0);
    let mut buf = vec![0u8; N];
    if c.associate(now, rng).is_err() {
        return;
    }
    for _ in 0..8 {
        while let Some(n) = c.poll_transmit(now, &mut buf) {
            s.handle_input(now, rng, &buf[..n]);
        }
        while let Some(n) = s.poll_transmit(now, &mut buf) {
            c.handle_input(now, &buf[..n]);
        }
    }
    assert!(c.is_associated() && s.is_associated());
    while c.poll_event().is_some() {}
    while s.poll_event().is_some() {}
}

/// Length-prefixed pieces of the input (one byte of length each).
pub fn chunks(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    core::iter::from_fn(move || {
        let (&len, rest) = data.split_first()?;
        let n = usize::from(len).min(rest.len());
        let (a, b) = rest.split_at(n);
        data = b;
        Some(a)
    })
}
