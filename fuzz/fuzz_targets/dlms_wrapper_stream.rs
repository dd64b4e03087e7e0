//! Arbitrary bytes as a TCP stream of IEC 62056-47 wrapper frames, fed in
//! pieces of varying size: nothing panics, every frame re-encodes to the
//! bytes it came from, and a too-long frame is an error, never a panic.
#![no_main]

use dual_protocol_dlms_cosem::Encode;
use dual_protocol_dlms_cosem::wrapper::WrapperStream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 64) + 1;
    let mut s = WrapperStream::<300>::new(usize::from(step) * 4);
    let mut seen = Vec::new();
    for chunk in stream.chunks(step) {
        let mut chunk = chunk;
        while !chunk.is_empty() {
            let n = s.feed(chunk);
            chunk = &chunk[n..];
            loop {
                match s.poll_frame() {
                    Ok(Some(f)) => {
                        let mut out = vec![0u8; f.encoded_len()];
                        assert_eq!(f.encode(&mut out), Ok(out.len()));
                        seen.extend_from_slice(&out);
                    }
                    Ok(None) => break,
                    Err(_) => {
                        seen.clear();
                        break;
                    }
                }
            }
            if n == 0 {
                break;
            }
        }
    }
    assert!(seen.len() <= stream.len());
});
