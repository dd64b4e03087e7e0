//! Negative tests: truncation at every byte of every vector, frame controls
//! that promise more than the frame holds, reserved addressing modes, bad
//! FCS, short output buffers and inconsistent values, each with its own
//! error and byte offset.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{hex, vectors};
use dual_protocol_zigbee_nwk::aps::{ApsFrame, ApsHeader};
use dual_protocol_zigbee_nwk::mac::{MacBody, MacCommand, MacContext, MacFrame};
use dual_protocol_zigbee_nwk::nwk::{NwkBody, NwkCommandFrame, NwkFrame, NwkHeader, NwkPdu};
use dual_protocol_zigbee_nwk::zdo::ZdoFrame;
use dual_protocol_zigbee_nwk::{DecodeError, EncodeError};

/// Every prefix of every vector either fails with an error whose offset
/// lies inside the prefix, or decodes to a value that re-encodes to exactly
/// that prefix. Prefixes shorter than the frame's header must fail with
/// `Truncated`.
#[test]
fn truncation_at_every_byte() {
    let mut errors = 0;
    for v in vectors() {
        let layer = v["layer"].as_str().unwrap();
        let mut bytes = hex(v["hex"].as_str().unwrap());
        if layer == "mac" && v["source"].as_str().unwrap().contains("zigbee-on-host") {
            bytes.truncate(bytes.len() - 2);
        }
        for n in 0..bytes.len() {
            let p = &bytes[..n];
            let mut out = [0u8; 256];
            let (res, header_len): (Result<usize, DecodeError>, usize) = match layer {
                "mac" => {
                    let full = MacFrame::decode(&bytes)
                        .map(|f| f.header_len())
                        .unwrap_or(0);
                    (
                        MacFrame::decode(p).map(|f| f.encode(&mut out).unwrap()),
                        full,
                    )
                }
                "nwk" => {
                    let full = NwkHeader::decode(&bytes).map(|h| h.1).unwrap_or(0);
                    (
                        NwkFrame::decode(p).map(|f| f.encode(&mut out).unwrap()),
                        full,
                    )
                }
                "aps" => {
                    let full = ApsHeader::decode(&bytes).map(|h| h.1).unwrap_or(0);
                    (
                        ApsFrame::decode(p).map(|f| f.encode(&mut out).unwrap()),
                        full,
                    )
                }
                "nwk_command_payload" => (
                    NwkCommandFrame::decode(p).map(|f| f.encode(&mut out).unwrap()),
                    1,
                ),
                "aps_command_payload" => (
                    dual_protocol_zigbee_nwk::aps::ApsCommandFrame::decode(p)
                        .map(|f| f.encode(&mut out).unwrap()),
                    1,
                ),
                "beacon_payload" => (
                    dual_protocol_zigbee_nwk::nwk::BeaconPayload::decode(p)
                        .map(|f| f.encode(&mut out).unwrap()),
                    14,
                ),
                other => panic!("{other}"),
            };
            match res {
                Ok(len) => {
                    assert!(
                        n >= header_len,
                        "{layer} prefix {n} < header {header_len} decoded"
                    );
                    assert_eq!(&out[..len], p, "{layer} prefix {n}");
                }
                Err(e) => {
                    errors += 1;
                    assert!(e.offset() <= n, "{layer} prefix {n}: {e}");
                    if n < header_len {
                        assert!(
                            matches!(e, DecodeError::Truncated { .. }),
                            "{layer} prefix {n}: {e}"
                        );
                    }
                }
            }
        }
    }
    assert!(errors > 500, "{errors}");
}

#[test]
fn mac_frame_control_promises_more_than_the_frame_holds() {
    // Data, extended destination and source, PAN id compression: 2+1+2+8+8 bytes needed.
    let e = MacFrame::decode(&hex("61cc 01 621a 0102030405")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 5,
            what: "destination address",
            needed: 3
        }
    );
    // Security enabled but no auxiliary header.
    let e = MacFrame::decode(&hex("6988 01 621a 0000 3412")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 9,
            what: "MAC security control",
            needed: 1
        }
    );
    // Security level 6 (MIC-64) but only 3 bytes after the aux header.
    let e = MacFrame::decode(&hex("6988 01 621a 0000 3412 06 01000000 aabbcc")).unwrap_err();
    assert!(
        matches!(e, DecodeError::Truncated { what: "MIC", .. }),
        "{e}"
    );
    // Beacon whose GTS count promises descriptors.
    let e = MacFrame::decode(&hex("0080 01 621a 0000 ffcf 02 00")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 11,
            what: "GTS list",
            needed: 6
        }
    );
    // Header IE longer than the frame.
    let e = MacFrame::decode(&hex("41aa 01 621a ffff 0000 0500 aa")).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::LengthMismatch {
                offset: 9,
                what: "header IE length",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn reserved_addressing_modes_are_rejected() {
    let e = MacFrame::decode(&hex("4184 01 621a ffff 0000")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::ReservedAddressingMode {
            offset: 0,
            which: "destination",
            mode: 1
        }
    );
    let e = MacFrame::decode(&hex("4148 01 621a ffff 0000")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::ReservedAddressingMode {
            offset: 0,
            which: "source",
            mode: 1
        }
    );
}

#[test]
fn other_mac_errors() {
    let good = hex("23cc89ffff8877665544332211aa99ffeeddccbbaa998808aa99dec014adde5c21");
    let ctx = MacContext { fcs: true };
    assert!(MacFrame::decode_with(&good, &ctx).is_ok());
    let mut bad = good.clone();
    bad[5] ^= 1;
    assert!(matches!(
        MacFrame::decode_with(&bad, &ctx),
        Err(DecodeError::FcsMismatch {
            offset: 31,
            received: 0x215c,
            ..
        })
    ));
    assert_eq!(
        MacFrame::decode_with(&[0x41], &ctx).unwrap_err(),
        DecodeError::Truncated {
            offset: 0,
            what: "FCS",
            needed: 1
        }
    );
    // Frame type 5 (multipurpose).
    assert!(matches!(
        MacFrame::decode(&hex("0500")),
        Err(DecodeError::NotHandled { .. })
    ));
    // Association request with a trailing byte: the offset is in the frame.
    let e = MacFrame::decode(&hex("23c874641a0000ffffdf0f289b6d38c1a4018e00")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::TrailingBytes {
            offset: 19,
            what: "MAC command",
            count: 1
        }
    );
}

#[test]
fn nwk_errors() {
    // Source IEEE present, but the frame ends after 3 of its 8 bytes.
    let e = NwkFrame::decode(&hex("0810 0000 3412 1e 01 aabbcc")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 8,
            what: "source IEEE address",
            needed: 5
        }
    );
    // Source route subframe promising 3 relays.
    let e = NwkFrame::decode(&hex("0804 0000 3412 1e 01 03 00 aaaa")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 10,
            what: "relay list",
            needed: 4
        }
    );
    // Secured, MIC missing.
    let e = NwkFrame::decode(&hex(
        "0802 0000 3412 1e 01 28 01000000 1122334455667788 00 aa",
    ))
    .unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 22,
            what: "MIC",
            needed: 3
        }
    );
    // Inter-PAN and Green Power are not standard NWK frames.
    assert!(matches!(
        NwkFrame::decode(&hex("0b00")),
        Err(DecodeError::NotHandled { .. })
    ));
    assert!(matches!(
        NwkPdu::decode(&hex("0b00 0b")),
        Ok(NwkPdu::InterPan { .. })
    ));
    assert!(matches!(
        NwkPdu::decode(&hex("0c")),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        NwkPdu::decode(&hex("0c00 aa")),
        Ok(NwkPdu::GreenPower(_))
    ));
    // A truncated command reports its offset in the NWK frame.
    let e = NwkFrame::decode(&hex("0900 0000 3412 1e 01 01 08")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 10,
            what: "route request id",
            needed: 1
        }
    );
}

#[test]
fn aps_and_zdo_errors() {
    let e = ApsFrame::decode(&hex("81 01")).unwrap_err(); // command, extended header promised
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 2,
            what: "extended frame control",
            needed: 1
        }
    );
    let e = ApsFrame::decode(&hex("0c 0100 0600")).unwrap_err(); // group delivery: profile cut
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 5,
            what: "profile id",
            needed: 2
        }
    );
    let e = ApsFrame::decode(&hex("81 01 01")).unwrap_err(); // first fragment: block number missing
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 3,
            what: "block number",
            needed: 1
        }
    );
    // Simple_Desc_rsp whose length byte disagrees with its content.
    let e =
        ZdoFrame::decode_with(&hex("01 00 3412 09 01 0401 0001 00 00 00 ee"), 0x8004).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::LengthMismatch {
                offset: 4,
                what: "simple descriptor length",
                ..
            }
        ),
        "{e}"
    );
    let e = ZdoFrame::decode_with(&hex("01 3412"), 0x0013).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 3,
            what: "IEEE address",
            needed: 8
        }
    );
}

#[test]
fn encode_errors() {
    let bytes = hex(
        "6188e6621a000038aa4802000038aa1e80282e2f9a02584ad0feff08ac7000515287015210a74fb734f1d9c888ef5e6d",
    );
    let f = MacFrame::decode(&bytes).unwrap();
    for n in 0..bytes.len() {
        let mut buf = vec![0u8; n];
        assert_eq!(
            f.encode(&mut buf),
            Err(EncodeError::BufferTooSmall {
                needed: bytes.len()
            })
        );
    }
    let mut buf = vec![0u8; bytes.len() + 1];
    assert_eq!(
        f.encode_with(&mut buf, &MacContext { fcs: true }),
        Err(EncodeError::BufferTooSmall {
            needed: bytes.len() + 2
        })
    );
    let mut g = f;
    g.frame_control.security_enabled = true;
    assert!(matches!(
        g.encode(&mut [0u8; 128]),
        Err(EncodeError::Inconsistent { .. })
    ));
    let mut g = f;
    g.dst_pan = None;
    assert!(matches!(
        g.encode(&mut [0u8; 128]),
        Err(EncodeError::Inconsistent { .. })
    ));
    let mut g = f;
    g.body = MacBody::Command(MacCommand::DataRequest);
    assert!(matches!(
        g.encode(&mut [0u8; 128]),
        Err(EncodeError::Inconsistent {
            what: "frame type vs body"
        })
    ));

    let n = NwkFrame::decode(f.data_payload().unwrap()).unwrap();
    let mut m = n;
    m.header.frame_control.src_ieee = true;
    assert!(matches!(
        m.encode(&mut [0u8; 128]),
        Err(EncodeError::Inconsistent { .. })
    ));
    let mut m = n;
    m.body = NwkBody::Data(&[]);
    assert!(matches!(
        m.encode(&mut [0u8; 128]),
        Err(EncodeError::Inconsistent { .. })
    ));
    if let NwkBody::Secured(mut s) = n.body {
        s.aux.level = 9;
        let mut m = n;
        m.body = NwkBody::Secured(s);
        assert_eq!(
            m.encode(&mut [0u8; 128]),
            Err(EncodeError::TooLarge {
                what: "security control"
            })
        );
    }
}
