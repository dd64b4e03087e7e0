//! Arbitrary bytes as A-XDR `Data`: decoding never panics, whatever is
//! accepted re-encodes byte for byte (borrowed and owned), iteration of
//! every sequence and compact-array row is total, and the owned tree
//! decodes back to the same value.
#![no_main]

use dual_protocol_dlms_cosem::{Data, Decode, Encode};
use libfuzzer_sys::fuzz_target;

fn walk(d: &Data<'_>, depth: usize) {
    assert!(depth <= dual_protocol_dlms_cosem::NESTING_LIMIT);
    match d {
        Data::Array(s) | Data::Structure(s) => {
            let mut n = 0;
            for e in s.iter() {
                walk(&e, depth + 1);
                n += 1;
            }
            assert_eq!(n, s.len());
        }
        Data::CompactArray(c) => {
            assert_eq!(c.rows().count(), c.len());
            for r in c.rows() {
                walk(&r, depth + 1);
            }
        }
        other => {
            let _ = other
                .as_date_time()
                .map(|d| (d.to_unix_seconds(), d.iso8601().map(|i| i.to_string())));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = Data::decode(data) {
        walk(&d, 0);
        assert_eq!(d.encode_to_vec().unwrap(), data);
        let owned = d.to_owned();
        assert_eq!(owned.encode_to_vec().unwrap(), data);
        assert_eq!(Data::decode(data).unwrap(), d);
    }
});
