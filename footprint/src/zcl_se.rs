//! `zcl-se`: ZCL frame decode (header, global commands, every data type,
//! general-cluster command tables, typed Smart Energy commands), a walk of the records and nested
//! values, and encode into a stack buffer.

use dual_protocol_zcl_se::cluster::se::SeCommand;
use dual_protocol_zcl_se::global::{AttributeValue, GlobalCommand, List};
use dual_protocol_zcl_se::{Context, Direction, Frame, Payload, Value};

fn walk(v: &Value<'_>) -> u32 {
    let mut acc = v.encoded_len() as u32 ^ u32::from(v.is_invalid());
    if let Value::Collection(c) = v {
        for e in c.elements() {
            acc = acc.wrapping_add(e.encoded_len() as u32);
        }
    }
    acc
}

pub fn probe(input: &[u8]) -> u32 {
    let cluster = u16::from_le_bytes([
        input.first().copied().unwrap_or(0),
        input.get(1).copied().unwrap_or(0),
    ]);
    let bytes = input.get(2..).unwrap_or_default();
    let ctx = Context::new(cluster);
    let mut acc = 0u32;
    if let Ok(f) = Frame::decode_with(bytes, &ctx) {
        let mut out = [0u8; 128];
        acc ^= f.encode(&mut out).unwrap_or(0) as u32;
        match f.payload {
            Payload::Global(GlobalCommand::ReportAttributes(l)) => {
                for r in l.iter() {
                    acc = acc.wrapping_add(u32::from(r.id)) ^ walk(&r.value);
                    if let Some(def) = ctx.attribute(f.header.manufacturer_code, r.id) {
                        acc ^= def.name.len() as u32;
                    }
                }
            }
            Payload::Global(GlobalCommand::ReadAttributesResponse(l)) => {
                for r in l.iter() {
                    acc = acc.wrapping_add(u32::from(r.id));
                    if let Some(v) = r.value {
                        acc ^= walk(&v);
                    }
                }
            }
            Payload::Cluster(c) => {
                for field in c.fields() {
                    acc ^= field.def.name.len() as u32;
                }
                // The typed struct of the same command, re-encoded.
                if let Ok(Some(t)) = SeCommand::from_frame(&f, cluster) {
                    let mut tb = [0u8; 128];
                    acc ^= t.encode(&mut tb).unwrap_or(0) as u32 ^ u32::from(t.id());
                }
            }
            _ => acc ^= u32::from(f.header.command_id),
        }
    }
    // Build a Report Attributes frame on the stack.
    let recs = [AttributeValue {
        id: 0x0000,
        value: Value::Uint {
            width: 6,
            value: u64::from(acc),
        },
    }];
    let report = Frame::global(
        Direction::ServerToClient,
        acc as u8,
        true,
        GlobalCommand::ReportAttributes(List::Slice(&recs)),
    );
    let mut out = [0u8; 32];
    acc ^= report.encode(&mut out).unwrap_or(0) as u32;
    acc ^ tunnel_step(bytes) ^ ota_client_step(bytes)
}

/// A Tunneling server step: the input as a frame from a client, then the
/// frame it answers with; and the OTA integrity check over the input.
fn tunnel_step(frame: &[u8]) -> u32 {
    use dual_protocol_primitives::time::Instant;
    use dual_protocol_zcl_se::ota::integrity::verify_integrity;
    use dual_protocol_zcl_se::tunnel::{Config, Server};
    const PROTOCOLS: &[(u16, u8)] = &[(0xffff, 0), (0xffff, 6)];
    let now = Instant::from_millis(1);
    let mut s: Server<'static, 2, 128> = Server::new(Config::default(), PROTOCOLS, true, 0);
    let mut acc = match s.handle_input(now, 1, frame) {
        Ok(Some(r)) => r.data.len() as u32,
        Ok(None) => 1,
        Err(_) => 2,
    };
    let mut out = [0u8; 80];
    if let Some(t) = s.poll_transmit(now, &mut out) {
        acc ^= t.len as u32;
    }
    acc ^ u32::from(verify_integrity(&mut &frame[..]).is_ok())
}

/// A RAM "flash" of 256 octets for the OTA client.
struct Flash([u8; 256]);

impl dual_protocol_zcl_se::ota::integrity::ImageStorage for Flash {
    type Error = ();
    fn read_at(&mut self, offset: u32, buf: &mut [u8]) -> Result<usize, ()> {
        let mut s: &[u8] = &self.0;
        s.read_at(offset, buf).map_err(|_| ())
    }
}

impl dual_protocol_zcl_se::ota::client::ImageSink for Flash {
    fn write_at(&mut self, offset: u32, data: &[u8]) -> Result<(), ()> {
        let o = offset as usize;
        self.0
            .get_mut(o..o + data.len())
            .ok_or(())?
            .copy_from_slice(data);
        Ok(())
    }
}

/// A counter standing in for the device's RNG (the probe only links the
/// code).
struct Counter(u32);

impl dual_protocol_zcl_se::rand_core::TryRng for Counter {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        Ok(self.0)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.try_next_u32()?))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u32()? as u8;
        }
        Ok(())
    }
}
impl dual_protocol_zcl_se::rand_core::TryCryptoRng for Counter {}

/// An OTA client step: a query, the input as the server's answer, the
/// frame the client sends next.
fn ota_client_step(frame: &[u8]) -> u32 {
    use dual_protocol_primitives::time::Instant;
    use dual_protocol_zcl_se::cluster::ota_upgrade::ImageId;
    use dual_protocol_zcl_se::ota::client::{Client, ClientConfig};
    let mut cfg = ClientConfig::new(
        ImageId {
            manufacturer_code: 0x1234,
            image_type: 0x5678,
            file_version: 1,
        },
        0,
    );
    cfg.max_image_size = 256;
    let now = Instant::from_millis(1);
    let mut c = Client::new(cfg, Flash([0xff; 256]), 0);
    let mut out = [0u8; 40];
    let mut acc = u32::from(c.query(now).is_ok());
    if let Some(t) = c.poll_transmit(now, &mut out) {
        acc ^= t.len as u32;
    }
    acc ^= u32::from(c.handle_input(now, 0, frame, &mut Counter(7)).is_ok());
    if let Some(t) = c.poll_transmit(now, &mut out) {
        acc ^= (t.len as u32) << 8;
    }
    if c.poll_event().is_some() {
        acc ^= 0x100;
    }
    acc ^ c.persisted().offset
}
