//! Arbitrary bytes as an xDLMS APDU: decoding never panics, everything
//! accepted re-encodes byte for byte, and walking every nested value (lists,
//! Data sequences, compact-array rows) never panics either.
#![no_main]

use dual_protocol_dlms_cosem::apdu::{GetDataResult, GetResponse};
use dual_protocol_dlms_cosem::{Apdu, Data, Decode, Encode};
use libfuzzer_sys::fuzz_target;

fn walk(d: &Data<'_>) -> usize {
    match d {
        Data::Array(s) | Data::Structure(s) => s.iter().map(|e| 1 + walk(&e)).sum(),
        Data::CompactArray(c) => c.rows().map(|r| 1 + walk(&r)).sum(),
        _ => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = Apdu::decode(data) {
        assert_eq!(a.encoded_len(), data.len());
        let mut out = vec![0u8; data.len()];
        assert_eq!(a.encode(&mut out), Ok(data.len()));
        assert_eq!(&out[..], data);
        match a {
            Apdu::GetResponse(GetResponse::Normal {
                result: GetDataResult::Data { data },
                ..
            }) => {
                walk(&data);
            }
            Apdu::GetResponse(GetResponse::WithList { results, .. }) => {
                for r in results {
                    if let GetDataResult::Data { data } = r {
                        walk(&data);
                    }
                }
            }
            Apdu::DataNotification(n) => {
                walk(&n.body);
                let _ = n.date_time().and_then(|d| d.to_unix_seconds());
            }
            Apdu::AccessRequest(r) => r.data.iter().for_each(|d| {
                walk(&d);
            }),
            _ => {}
        }
    }
});
