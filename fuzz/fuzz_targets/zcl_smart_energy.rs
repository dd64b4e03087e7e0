//! Smart Energy cluster commands (every table of `SMART_ENERGY`): decode
//! never panics, whatever decodes re-encodes byte for byte, rebuilding a
//! decoded command from its field values (`CommandFields::build`) gives the
//! same octets, and the typed struct (`SeCommand`) accepts exactly what the
//! table accepts and re-encodes the same payload.
//!
//! Input: a selector octet (cluster index into `SMART_ENERGY`, modulo its
//! length), then the ZCL frame.
#![no_main]

use dual_protocol_zcl_se::cluster::SMART_ENERGY;
use dual_protocol_zcl_se::cluster::se::SeCommand;
use dual_protocol_zcl_se::{CommandFields, Context, FieldValue, Frame, Payload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let cluster = SMART_ENERGY[usize::from(sel) % SMART_ENERGY.len()].id;
    let Ok(f) = Frame::decode_with(frame, &Context::new(cluster)) else {
        return;
    };
    let mut out = vec![0u8; f.encoded_len()];
    let n = f.encode(&mut out).expect("a decoded frame encodes");
    assert_eq!(&out[..n], frame);
    if let Payload::Cluster(c) = f.payload {
        let values: Vec<FieldValue<'_>> = c.fields().map(|fl| fl.value).collect();
        let mut buf = vec![0u8; c.encoded_len()];
        let rebuilt = CommandFields::build(c.def(), &values, &mut buf).expect("fields rebuild");
        let fields_len = c.bytes().len() - c.trailing().len();
        assert_eq!(rebuilt.bytes(), &c.bytes()[..fields_len]);
        let typed = SeCommand::from_frame(&f, cluster)
            .expect("the table accepted it")
            .expect("every SE table command has a struct");
        let mut tbuf = vec![0u8; typed.encoded_len()];
        typed.encode(&mut tbuf).expect("typed encodes");
        assert_eq!(tbuf, c.bytes());
    }
});
