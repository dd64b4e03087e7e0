//! Arbitrary bytes as a serial stream, fed in pieces of varying size to the
//! HDLC deframer: nothing panics, every frame it yields re-encodes to a
//! frame that decodes to the same value, segmented I/UI frames go through
//! the reassembler, and the same bytes drive an HDLC link station.
#![no_main]

use dual_protocol_dlms_cosem::hdlc::{
    HdlcAddress, HdlcDeframer, HdlcFrame, HdlcLink, HdlcParameters, LinkConfig, LinkLimits,
    Reassembler, Role,
};
use dual_protocol_dlms_cosem::{Decode, Encode};
use dual_protocol_primitives::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 64) + 1;
    let mut d = HdlcDeframer::<512>::new();
    let mut r = Reassembler::<1024>::new();
    for chunk in stream.chunks(step) {
        let mut chunk = chunk;
        while !chunk.is_empty() {
            let n = d.feed(chunk);
            chunk = &chunk[n..];
            while let Some(f) = d.poll_frame() {
                let mut out = vec![0u8; f.encoded_len()];
                assert_eq!(f.encode(&mut out), Ok(out.len()));
                assert_eq!(HdlcFrame::decode(&out), Ok(f));
                let _ = r.push(&f);
                let _ = HdlcParameters::decode(f.information);
            }
        }
    }
    for role in [Role::Client, Role::Server] {
        let (local, remote) = match role {
            Role::Client => (
                HdlcAddress::One(0x10),
                HdlcAddress::Two {
                    upper: 1,
                    lower: 17,
                },
            ),
            Role::Server => (
                HdlcAddress::Two {
                    upper: 1,
                    lower: 17,
                },
                HdlcAddress::One(0x10),
            ),
        };
        let mut link = HdlcLink::<256, 512>::new(LinkConfig {
            role,
            local,
            remote,
            limits: LinkLimits::DEFAULT,
            response_timeout: Duration::from_millis(100),
            max_retries: 2,
        });
        let _ = link.connect();
        let mut buf = [0u8; 600];
        let mut now = Instant::from_millis(0);
        for chunk in stream.chunks(step) {
            now += Duration::from_millis(50);
            link.handle_input(now, chunk);
            while link.poll_event().is_some() {}
            let _ = link.send(chunk);
            while link.poll_transmit(now, &mut buf).is_some() {}
            link.handle_timeout(now);
        }
    }
});
