//! OTA Upgrade server machine (zcl-se `ota::server`): arbitrary frames from
//! arbitrary sources, interleaved with notifies, activation changes, polls
//! and timer firings, never panic; every transmitted frame fits the buffer,
//! decodes as a ZCL header, and every Image Block Response carries octets
//! of the registered image at the offset it names.
#![no_main]

use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zcl_se::cluster::ota_upgrade::{
    BlockResponseBody, Command, ImageNotifyPayloadType,
};
use dual_protocol_zcl_se::ota::integrity::append_integrity_code;
use dual_protocol_zcl_se::ota::server::{Activation, Server, ServerConfig};
use dual_protocol_zcl_se::ota::{Address, HeaderFieldControl, ImageHeader};
use dual_protocol_zcl_se::{Direction, Header};
use libfuzzer_sys::fuzz_target;

fn image() -> Vec<u8> {
    let hs = [b'x'; 32];
    let h = ImageHeader {
        header_version: 0x0100,
        field_control: HeaderFieldControl::HARDWARE_VERSIONS,
        manufacturer_code: 0x1234,
        image_type: 0x5678,
        file_version: 2,
        stack_version: 2,
        header_string: &hs,
        total_image_size: 60 + 6 + 300 + 22,
        security_credential_version: None,
        upgrade_file_destination: None,
        hardware_versions: Some((1, 5)),
        extra: &[],
    };
    let mut f = vec![0u8; 60];
    h.encode(&mut f).unwrap();
    f.extend([0, 0, 44, 1, 0, 0]);
    f.extend((0..300u32).map(|i| i as u8));
    append_integrity_code(&mut f);
    f
}

fuzz_target!(|data: &[u8]| {
    let img = image();
    let cfg = ServerConfig {
        max_data_size: 48,
        minimum_block_period: 10,
        max_downloads: 2,
        idle_timeout: Duration::from_secs(5),
        ..ServerConfig::default()
    };
    let mut s: Server<&[u8], 2, 3, 8> = Server::new(cfg, 0);
    s.add_image(&img[..]).unwrap();
    let mut now = Instant::from_millis(0);
    let mut buf = [0u8; 17 + 48];
    // Records: [op, source, len, bytes...].
    let mut rest = data;
    while let [op, who, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, after) = tail.split_at(n);
        rest = after;
        match op % 5 {
            0 | 1 => {
                let _ = s.handle_input(now, u16::from(*who & 7), frame);
            }
            2 => {
                let to = match who % 3 {
                    0 => Address::Device(u16::from(*len)),
                    1 => Address::Group(1),
                    _ => Address::Broadcast(0xffff),
                };
                let _ = s.notify(
                    to,
                    usize::from(*who >> 6),
                    ImageNotifyPayloadType::from(*len & 3),
                );
                s.set_activation(match len % 4 {
                    0 => Activation::Now,
                    1 => Activation::After(u32::from(*who)),
                    2 => Activation::AtUtc(7),
                    _ => Activation::WaitForCommand,
                });
            }
            3 => {
                now += Duration::from_millis(u64::from(*len) * 10);
                s.handle_timeout(now);
            }
            _ => {}
        }
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            assert!(t.len <= buf.len());
            let f = &buf[..t.len];
            let (h, at) = Header::decode(f).unwrap();
            if let Ok(Some(Command::ImageBlockResponse(r))) =
                Command::decode(Direction::ServerToClient, h.command_id, &f[at..])
                && let BlockResponseBody::Data {
                    file_offset, data, ..
                } = r.body
            {
                let o = file_offset as usize;
                assert_eq!(img.get(o..o + data.len()), Some(data));
            }
        }
        while s.poll_event().is_some() {}
        let _ = s.poll_timeout();
    }
});
