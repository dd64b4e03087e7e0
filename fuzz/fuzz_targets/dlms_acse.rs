//! Arbitrary bytes as an ACSE APDU (AARQ/AARE/RLRQ/RLRE with their xDLMS
//! user-information) and as an InitiateRequest: decoding never panics and
//! everything accepted re-encodes byte for byte.
#![no_main]

use dual_protocol_dlms_cosem::acse::{AcseApdu, InitiateRequest, InitiateResponse};
use dual_protocol_dlms_cosem::{Decode, Encode};
use libfuzzer_sys::fuzz_target;

fn exact<'a, T: Decode<'a> + Encode>(data: &'a [u8]) {
    if let Ok(v) = T::decode(data) {
        assert_eq!(v.encoded_len(), data.len());
        let mut out = vec![0u8; data.len()];
        assert_eq!(v.encode(&mut out), Ok(data.len()));
        assert_eq!(&out[..], data);
    }
}

fuzz_target!(|data: &[u8]| {
    exact::<AcseApdu<'_>>(data);
    exact::<InitiateRequest<'_>>(data);
    exact::<InitiateResponse>(data);
});
