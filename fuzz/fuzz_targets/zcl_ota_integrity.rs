//! OTA image integrity check (zcl-se `ota::integrity`): any input, read
//! through the storage trait, gives a result and never panics.
#![no_main]

use dual_protocol_zcl_se::ota::integrity::verify_integrity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = verify_integrity(&mut &data[..]);
});
