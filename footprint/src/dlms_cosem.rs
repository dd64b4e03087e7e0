//! `dlms-cosem`: decode any xDLMS APDU, walk its data (arrays, structures,
//! compact-array rows), read date-times, encode an APDU into a stack buffer;
//! decode an ACSE APDU, deframe and decode HDLC frames (FCS checked),
//! reassemble segments, encode a frame and run an HDLC link station step.
//! And the suite-0 security context with the RustCrypto provider (the
//! `dlms-cosem` feature enables it): unprotect the input, protect a request.
//! And the association server machine: one AARQ, one GET, then the input.

use dual_protocol_dlms_cosem::acse::{AcseApdu, UserInformation};
use dual_protocol_dlms_cosem::apdu::DataNotification;
use dual_protocol_dlms_cosem::apdu::{
    GetDataResult, GetRequest, GetResponse, InvokeIdAndPriority, LongInvokeIdAndPriority,
    NotificationDateTime,
};
use dual_protocol_dlms_cosem::hdlc::{
    Control, HdlcAddress, HdlcDeframer, HdlcFrame, HdlcLink, LinkConfig, LinkLimits, Llc,
    Reassembler, Role,
};
use dual_protocol_dlms_cosem::wrapper::WrapperFrame;
use dual_protocol_dlms_cosem::{Apdu, AttributeDescriptor, Data, Decode, Encode, Obis, Sequence};
use dual_protocol_primitives::time::{Duration, Instant};

/// A meter's HDLC port: frames out of the serial stream, segments joined,
/// the association request read, a frame sent back, one link step.
fn framing(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    if let Ok(AcseApdu::Aarq(a)) = AcseApdu::decode(input) {
        if let Some(UserInformation::InitiateRequest(i)) = a.user_information {
            acc ^= i.proposed_conformance.bits ^ u32::from(i.client_max_receive_pdu_size);
        }
    }
    if let Ok(w) = WrapperFrame::decode(input) {
        acc ^= u32::from(w.destination_wport) ^ w.apdu.len() as u32;
    }
    let mut d = HdlcDeframer::<300>::new();
    let mut r = Reassembler::<256>::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = d.feed(rest);
        rest = rest.get(n..).unwrap_or(&[]);
        while let Some(f) = d.poll_frame() {
            acc ^= u32::from(f.control.to_u8());
            if let Ok(Some(apdu)) = r.push(&f) {
                let apdu = Llc::split(apdu).map_or(apdu, |(_, a)| a);
                if let Ok(a) = Apdu::decode(apdu) {
                    acc ^= u32::from(a.tag());
                }
            }
        }
    }
    let mut out = [0u8; 64];
    let ua = HdlcFrame {
        segmented: false,
        destination: HdlcAddress::One(0x10),
        source: HdlcAddress::Two {
            upper: 1,
            lower: 17,
        },
        control: Control::Ua { poll_final: true },
        information: &[],
    };
    acc ^= ua.encode(&mut out).unwrap_or(0) as u32;
    let mut link = HdlcLink::<128, 300>::new(LinkConfig {
        role: Role::Server,
        local: HdlcAddress::Two {
            upper: 1,
            lower: 17,
        },
        remote: HdlcAddress::One(0x10),
        limits: LinkLimits::DEFAULT,
        response_timeout: Duration::from_millis(500),
        max_retries: 3,
    });
    let now = Instant::from_millis(1);
    link.handle_input(now, input);
    while let Some(_e) = link.poll_event() {
        acc = acc.wrapping_add(1);
    }
    let mut tx = [0u8; 200];
    while let Some(n) = link.poll_transmit(now, &mut tx) {
        acc ^= n as u32;
    }
    acc
}

fn walk(d: &Data<'_>) -> u32 {
    match d {
        Data::Array(s) | Data::Structure(s) => s.iter().fold(1u32, |a, e| a.wrapping_add(walk(&e))),
        Data::CompactArray(c) => c.rows().fold(2u32, |a, r| a.wrapping_add(walk(&r))),
        other => {
            let dt = other
                .as_date_time()
                .and_then(|t| t.to_unix_seconds())
                .unwrap_or(0) as u32;
            dt ^ other.as_integer().unwrap_or(0) as u32
        }
    }
}

/// Suite 0 with the Green Book keys on the stack: open whatever protected
/// APDU the input holds, then protect a get-request (counter, header, seal).
fn secured(input: &[u8]) -> u32 {
    use dual_protocol_dlms_cosem::apdu::KeyScope;
    use dual_protocol_dlms_cosem::security::{
        SecurityContext, SecurityKey, SecurityPolicy, SecuritySuite,
    };
    use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    const EK: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    let (Ok(ek), Ok(ak)) = (SecurityKey::new(&EK), SecurityKey::new(&[0xd0; 16])) else {
        return 0;
    };
    let Ok(mut c) = SecurityContext::new(
        RustCrypto,
        SecurityPolicy::authenticated_encrypted(SecuritySuite::Suite0),
        *b"METER001",
        &ek,
        ak,
        CounterReservation::resume(1, 16, u64::from(u32::MAX)),
    ) else {
        return 0;
    };
    c.set_peer_system_title([0x4d, 0x4d, 0x4d, 0, 0, 0xbc, 0x61, 0x4e]);
    let mut out = [0u8; 256];
    let mut acc = match c.unprotect(input, &mut out) {
        Ok(r) => r.invocation_counter ^ r.plaintext.len() as u32,
        Err(_) => c.rejected(),
    };
    let plain = [0xc0, 0x01, 0xc1, 0, 8, 0, 0, 1, 0, 0, 0xff, 2, 0];
    let mut store = VolatileStore::default();
    if let Ok(n) = c.protect(&mut store, KeyScope::Global, &plain, &mut out) {
        acc ^= n as u32 ^ u32::from(out.get(n - 1).copied().unwrap_or(0));
    }
    acc
}

/// A meter's association server (512-byte buffers, on the stack): one
/// AARQ (no authentication), then one GET of the clock, answered from a
/// two-object model; then the input as a further APDU.
fn association(input: &[u8]) -> u32 {
    use core::convert::Infallible;
    use dual_protocol_dlms_cosem::apdu::{ActionResult, DataAccessResult};
    use dual_protocol_dlms_cosem::association::{
        Authentication, CosemServer, Server, ServerConfig, ServerEvent,
    };
    use dual_protocol_dlms_cosem::descriptor::{MethodDescriptor, SelectiveAccess};
    use dual_protocol_dlms_cosem::rand_core::{TryCryptoRng, TryRng};
    use dual_protocol_primitives::counter::VolatileStore;
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;

    /// Not random: the probe needs no HLS challenge.
    struct NoRng;
    impl TryRng for NoRng {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok(0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            Ok(0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            dst.fill(0);
            Ok(())
        }
    }
    impl TryCryptoRng for NoRng {}

    struct Meter {
        clock: [u8; 12],
        energy: u32,
    }
    impl CosemServer for Meter {
        fn get<'s>(
            &'s mut self,
            attribute: &AttributeDescriptor,
            _: Option<&SelectiveAccess<'_>>,
        ) -> Result<Data<'s>, DataAccessResult> {
            match attribute.class_id {
                8 => Ok(Data::OctetString(&self.clock)),
                3 => Ok(Data::DoubleLongUnsigned(self.energy)),
                _ => Err(DataAccessResult::ObjectUndefined),
            }
        }
        fn set(
            &mut self,
            _: &AttributeDescriptor,
            _: Option<&SelectiveAccess<'_>>,
            value: &Data<'_>,
        ) -> DataAccessResult {
            self.energy = value.as_integer().unwrap_or(0) as u32;
            DataAccessResult::Success
        }
        fn action<'s>(
            &'s mut self,
            _: &MethodDescriptor,
            _: Option<&Data<'_>>,
        ) -> Result<Option<Data<'s>>, ActionResult> {
            Err(ActionResult::ReadWriteDenied)
        }
    }

    let config = ServerConfig::new(*b"METER001", Authentication::None);
    let meter = Meter {
        clock: [0x07, 0xea, 11, 29, 7, 12, 0, 0, 0, 0x80, 0, 0],
        energy: input.len() as u32,
    };
    let mut s: Server<'_, RustCrypto, VolatileStore, Meter, 512> =
        Server::new(config, RustCrypto, None, VolatileStore::default(), meter);
    // AARQ: LN referencing, no authentication, conformance GET/SET/ACTION
    // and block transfer, client max PDU 1200 (Green Book example).
    const AARQ: [u8; 31] = [
        0x60, 0x1d, 0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xbe, 0x10,
        0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x00, 0x7e, 0x1f, 0x04,
        0xb0,
    ];
    const GET: [u8; 13] = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00];
    let now = Instant::from_millis(1);
    let mut out = [0u8; 512];
    let mut acc = 0u32;
    for apdu in [&AARQ[..], &GET[..], input] {
        s.handle_input(now, &mut NoRng, apdu);
        while let Some(n) = s.poll_transmit(now, &mut out) {
            acc = acc.wrapping_mul(31) ^ n as u32 ^ u32::from(out.get(n - 1).copied().unwrap_or(0));
        }
        while let Some(e) = s.poll_event() {
            acc ^= match e {
                ServerEvent::Associated { conformance, .. } => conformance.bits,
                ServerEvent::Served { invoke_id, .. } => u32::from(invoke_id) << 8,
                _ => 1,
            };
        }
    }
    acc ^ u32::from(s.is_associated())
}

/// A GBCS message checked as a meter does: the originator counter against
/// a small anti-replay table, then the MAC under the per-message key.
fn gbcs(input: &[u8]) -> u32 {
    use dual_protocol_dlms_cosem::gbcs::{self, AntiReplay, CounterTable, GbcsMessage};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    let Ok(m) = GbcsMessage::decode(input) else {
        return 0;
    };
    let g = m.grouping;
    let mut replay = AntiReplay::new(CounterTable::<4>::default());
    let mut acc = u32::from(
        replay
            .check(&g.originator, g.transaction_id.originator_counter)
            .is_ok(),
    );
    if let Ok(k) = gbcs::crypto::derive_key(
        &RustCrypto,
        &[0x5a; 32],
        &g.originator,
        &g.transaction_id.to_bytes(),
        &g.recipient,
    ) {
        let mut work = [0u8; 1600];
        acc ^= u32::from(gbcs::crypto::verify_mac(&RustCrypto, &k, &m, &mut work).is_ok()) << 1;
    }
    acc
}

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = framing(input) ^ secured(input) ^ association(input) ^ gbcs(input);
    // A meter receiving a request, or a hub reading a push.
    match Apdu::decode(input) {
        Ok(Apdu::GetRequest(GetRequest::Normal { attribute, .. })) => {
            acc ^= u32::from(attribute.class_id)
        }
        Ok(Apdu::GetResponse(GetResponse::Normal {
            result: GetDataResult::Data { data },
            ..
        })) => acc ^= walk(&data),
        Ok(Apdu::DataNotification(n)) => acc ^= walk(&n.body) ^ n.invoke_id.invoke_id(),
        Ok(a) => acc ^= u32::from(a.tag()),
        Err(e) => acc ^= e.offset as u32,
    }
    if let Ok(d) = Data::decode(input) {
        acc ^= walk(&d);
    }
    // A meter answering: a get-response and a push, encoded on the stack.
    let regs = [
        Data::OctetString(&[1, 0, 1, 8, 0, 255]),
        Data::DoubleLongUnsigned(acc),
        Data::Integer(-1),
    ];
    let body = Data::Structure(Sequence::from_items(&regs));
    let mut out = [0u8; 64];
    let push = Apdu::DataNotification(DataNotification {
        invoke_id: LongInvokeIdAndPriority(0x4000_0001),
        date_time: NotificationDateTime::ABSENT,
        body,
    });
    acc ^= push.encode(&mut out).unwrap_or(0) as u32;
    let req = Apdu::GetRequest(GetRequest::Normal {
        invoke_id: InvokeIdAndPriority::new(1, true, true),
        attribute: AttributeDescriptor {
            class_id: 8,
            instance_id: Obis::CLOCK,
            attribute_id: 2,
        },
        access: None,
    });
    acc ^= req.encode(&mut out).unwrap_or(0) as u32;
    acc ^ u32::from(out.first().copied().unwrap_or(0))
}
