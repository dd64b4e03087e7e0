//! Service-specific block transfer (Green Book, DLMS UA 1000-2 ed. 10,
//! clause 9.3.5.3; IEC 62056-5-3 ed. 3 clause 6.4.4): the block
//! bookkeeping, and client/server transfers under the negotiated maximum
//! PDU size, with wrong block numbers, lost blocks and oversize values.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_dlms_cosem::acse::Conformance;
use dual_protocol_dlms_cosem::apdu::{
    ActionRequest, DataAccessResult, DataBlockSa, GetRequest, GetResponse, InvokeIdAndPriority,
    SetRequest, SetResponse,
};
use dual_protocol_dlms_cosem::association::client::{ClientError, ResponseResult};
use dual_protocol_dlms_cosem::association::{ClientEvent, ServerEvent, Service};
use dual_protocol_dlms_cosem::block::{Accepted, BlockError, Blocks, Reassembly, block_size};
use dual_protocol_dlms_cosem::{Apdu, Data, Decode};
use dual_protocol_primitives::time::Instant;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

#[test]
fn blocks_cover_the_value_exactly() {
    for (total, size) in [(0, 10), (1, 10), (10, 10), (11, 10), (1000, 7), (4096, 480)] {
        let b = Blocks::new(total, size);
        let mut next = 0;
        for n in 1..=b.count() {
            let (r, last) = b.block(n).unwrap();
            assert_eq!(r.start, next);
            assert!(r.len() <= size);
            assert_eq!(last, n == b.count());
            next = r.end;
        }
        assert_eq!(next, total);
        assert_eq!(b.block(0), None);
        assert_eq!(b.block(b.count() + 1), None);
    }
    assert_eq!(Blocks::new(5, 0).count(), 5);
    // The block size leaves room for the header, length and protection.
    assert_eq!(block_size(512, 9, 21), 512 - 9 - 21 - 3);
    assert_eq!(block_size(10, 9, 21), 1);
}

#[test]
fn reassembly_state_survives_errors() {
    let mut buf = [0u8; 10];
    let mut r = Reassembly::new(8);
    assert_eq!(
        r.accept(&mut buf, 2, b"xx", false),
        Err(BlockError::WrongNumber {
            expected: 1,
            received: 2
        })
    );
    assert_eq!(r.accept(&mut buf, 1, b"abc", false), Ok(Accepted::Appended));
    assert_eq!(
        r.accept(&mut buf, 1, b"abc", false),
        Ok(Accepted::Duplicate)
    );
    assert_eq!(
        r.accept(&mut buf, 3, b"zz", false),
        Err(BlockError::WrongNumber {
            expected: 2,
            received: 3
        })
    );
    assert_eq!(r.accept(&mut buf, 2, b"de", false), Ok(Accepted::Appended));
    // Over the limit of 8: refused, state unchanged.
    assert_eq!(
        r.accept(&mut buf, 3, b"fghi", true),
        Err(BlockError::Oversize { limit: 8 })
    );
    assert_eq!((r.len(), r.last_block()), (5, 2));
    assert_eq!(r.accept(&mut buf, 3, b"fgh", true), Ok(Accepted::Appended));
    assert!(r.is_complete());
    assert_eq!(&buf[..r.len()], b"abcdefgh");
    // Nothing after the last block.
    assert!(r.accept(&mut buf, 4, b"", true).is_err());
    // The buffer bounds too.
    let mut small = [0u8; 2];
    let mut r = Reassembly::new(100);
    assert_eq!(
        r.accept(&mut small, 1, b"abc", true),
        Err(BlockError::Oversize { limit: 2 })
    );
}

fn client_events(c: &mut TestClient<'_>) -> Vec<ClientEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn server_events(s: &mut TestServer<'_>) -> Vec<ServerEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// Associated pair; returns the largest APDU each side sent.
fn pump(c: &mut TestClient<'_>, s: &mut TestServer<'_>, rng: &mut ChaCha20Rng) -> (usize, usize) {
    let now = Instant::from_millis(1);
    let mut buf = vec![0u8; N];
    let (mut cmax, mut smax) = (0, 0);
    loop {
        let mut moved = false;
        while let Some(n) = c.poll_transmit(now, &mut buf) {
            cmax = cmax.max(n);
            s.handle_input(now, rng, &buf[..n]);
            moved = true;
        }
        while let Some(n) = s.poll_transmit(now, &mut buf) {
            smax = smax.max(n);
            c.handle_input(now, &buf[..n]);
            moved = true;
        }
        if !moved {
            return (cmax, smax);
        }
    }
}

fn pair<'k>(keys: &'k Keys, mode: Mode) -> (TestClient<'k>, TestServer<'k>, ChaCha20Rng) {
    let mut c = client(keys, mode, client_config(keys, mode));
    let mut s = server(keys, mode, server_config(keys, mode));
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(c.is_associated());
    client_events(&mut c);
    server_events(&mut s);
    (c, s, rng)
}

#[test]
fn every_apdu_fits_the_negotiated_max_pdu() {
    let keys = Keys::new();
    for mode in [Mode::Plain, Mode::GmacSuite0, Mode::EcdsaSuite2] {
        let (mut c, mut s, mut rng) = pair(&keys, mode);
        let now = Instant::from_millis(1);
        c.get(now, PROFILE, None).unwrap();
        let (_, smax) = pump(&mut c, &mut s, &mut rng);
        assert!(smax <= 512 && smax > 400, "{mode:?}: {smax}");
        assert_eq!(c.response_data(), s.app().profile.as_slice());
        let value: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        c.set(now, REGISTER, None, &Data::OctetString(&value))
            .unwrap();
        let (cmax, _) = pump(&mut c, &mut s, &mut rng);
        assert!(cmax <= 512 && cmax > 400, "{mode:?}: {cmax}");
        assert_eq!(s.app().register, enc(&Data::OctetString(&value)));
        c.action(now, SCRIPT, Some(&Data::OctetString(&value)))
            .unwrap();
        let (cmax, _) = pump(&mut c, &mut s, &mut rng);
        assert!(cmax <= 512, "{mode:?}: {cmax}");
        let ce = client_events(&mut c);
        assert_eq!(ce.len(), 3, "{ce:?}");
        assert!(matches!(
            ce[2],
            ClientEvent::Response {
                service: Service::Action,
                result: ResponseResult::Action { data: true, .. },
                ..
            }
        ));
        assert_eq!(c.response_data(), &[0x00, 0x06, 0, 0, 0x0b, 0xbc]);
    }
}

#[test]
fn server_refuses_a_wrong_set_block_and_goes_on() {
    let keys = Keys::new();
    let mut s = server(&keys, Mode::Plain, server_config(&keys, Mode::Plain));
    let mut c = client(&keys, Mode::Plain, client_config(&keys, Mode::Plain));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    server_events(&mut s);
    let now = Instant::from_millis(1);
    let value = enc(&Data::OctetString(b"0123456789"));
    let invoke = InvokeIdAndPriority::new(5, true, false);
    let block = |n: u32, last: bool, raw: &'static [u8]| DataBlockSa {
        last_block: last,
        block_number: n,
        raw_data: raw,
    };
    let v: &'static [u8] = Box::leak(value.into_boxed_slice());
    let mut buf = [0u8; 128];
    let mut send = |s: &mut TestServer<'_>, apdu: Apdu<'_>| {
        let bytes = enc(&apdu);
        s.handle_input(now, &mut rng, &bytes);
        let n = s.poll_transmit(now, &mut buf).unwrap();
        let Ok(Apdu::SetResponse(r)) = Apdu::decode(&buf[..n]) else {
            panic!("not a set response")
        };
        format!("{r:?}")
    };
    let first = Apdu::SetRequest(SetRequest::WithFirstDataBlock {
        invoke_id: invoke,
        attribute: REGISTER,
        access: None,
        data_block: block(1, false, &v[..5]),
    });
    assert!(
        send(&mut s, first)
            .contains("DataBlock { invoke_id: InvokeIdAndPriority(69), block_number: 1 }")
    );
    // Block 3 instead of 2: data-block-number-invalid, typed event.
    let wrong = Apdu::SetRequest(SetRequest::WithDataBlock {
        invoke_id: invoke,
        data_block: block(3, true, &v[5..]),
    });
    let r = send(&mut s, wrong);
    assert!(r.contains("DataBlockNumberInvalid"), "{r}");
    assert!(
        server_events(&mut s).contains(&ServerEvent::BlockRejected(BlockError::WrongNumber {
            expected: 2,
            received: 3
        }))
    );
    // A repeat of block 1 is acknowledged again without appending.
    let again = Apdu::SetRequest(SetRequest::WithFirstDataBlock {
        invoke_id: invoke,
        attribute: REGISTER,
        access: None,
        data_block: block(1, false, &v[..5]),
    });
    assert!(send(&mut s, again).contains("block_number: 1"));
    // The right block 2 completes the transfer: not corrupted.
    let right = Apdu::SetRequest(SetRequest::WithDataBlock {
        invoke_id: invoke,
        data_block: block(2, true, &v[5..]),
    });
    let r = send(&mut s, right);
    assert!(r.contains("LastDataBlock") && r.contains("Success"), "{r}");
    assert_eq!(s.app().register, v);
    // A late duplicate of block 1 after completion: no second effect.
    let late = Apdu::SetRequest(SetRequest::WithDataBlock {
        invoke_id: InvokeIdAndPriority::new(6, true, false),
        data_block: block(1, false, &v[..5]),
    });
    let r = send(&mut s, late);
    assert!(r.contains("NoLongSetInProgress"), "{r}");
}

#[test]
fn server_refuses_a_wrong_get_next_and_goes_on() {
    let keys = Keys::new();
    let (mut c, mut s, mut rng) = pair(&keys, Mode::Plain);
    let now = Instant::from_millis(1);
    c.get(now, PROFILE, None).unwrap();
    let mut buf = vec![0u8; N];
    let n = c.poll_transmit(now, &mut buf).unwrap();
    s.handle_input(now, &mut rng, &buf[..n]);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    let first = buf[..n].to_vec();
    let invoke = match Apdu::decode(&first) {
        Ok(Apdu::GetResponse(GetResponse::WithDataBlock { invoke_id, result })) => {
            assert_eq!(result.block_number, 1);
            assert!(!result.last_block);
            invoke_id
        }
        other => panic!("{other:?}"),
    };
    // get-request-next for block 4 (only block 1 was sent).
    let next = |n: u32| {
        Apdu::GetRequest(GetRequest::Next {
            invoke_id: invoke,
            block_number: n,
        })
        .to_bytes()
    };
    s.handle_input(now, &mut rng, &next(4));
    let n = s.poll_transmit(now, &mut buf).unwrap();
    let r = format!("{:?}", Apdu::decode(&buf[..n]).unwrap());
    assert!(r.contains("DataBlockNumberInvalid"), "{r}");
    assert!(
        server_events(&mut s).contains(&ServerEvent::BlockRejected(BlockError::WrongNumber {
            expected: 1,
            received: 4
        }))
    );
    // The client sees that error about a block it did not ask for: stale, ignored.
    c.handle_input(now, &buf[..n]);
    assert!(c.is_busy());
    // The transfer continues normally.
    c.handle_input(now, &first);
    pump(&mut c, &mut s, &mut rng);
    let ce = client_events(&mut c);
    assert!(ce.contains(&ClientEvent::Response {
        invoke_id: invoke.invoke_id(),
        service: Service::Get,
        result: ResponseResult::Data
    }));
    assert_eq!(c.response_data(), s.app().profile.as_slice());
    // A next with no transfer: no-long-get-in-progress.
    let other = Apdu::GetRequest(GetRequest::Next {
        invoke_id: InvokeIdAndPriority::new(9, true, false),
        block_number: 1,
    })
    .to_bytes();
    s.handle_input(now, &mut rng, &other);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    assert!(format!("{:?}", Apdu::decode(&buf[..n]).unwrap()).contains("NoLongGetInProgress"));
}

#[test]
fn lost_get_block_is_recovered_by_retry() {
    let keys = Keys::new();
    let mut cc = client_config(&keys, Mode::GmacSuite0);
    cc.retries = 2;
    let mut c = client(&keys, Mode::GmacSuite0, cc);
    let mut s = server(
        &keys,
        Mode::GmacSuite0,
        server_config(&keys, Mode::GmacSuite0),
    );
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    client_events(&mut c);
    let t0 = Instant::from_millis(10);
    c.get(t0, PROFILE, None).unwrap();
    let mut buf = vec![0u8; N];
    let mut lost = 0;
    let mut now = t0;
    let mut retried = 0;
    for step in 0..50 {
        let mut moved = false;
        while let Some(n) = c.poll_transmit(now, &mut buf) {
            s.handle_input(now, &mut rng, &buf[..n]);
        }
        while let Some(n) = s.poll_transmit(now, &mut buf) {
            // Lose the third block once.
            if step == 2 && lost == 0 {
                lost += 1;
                continue;
            }
            c.handle_input(now, &buf[..n]);
            moved = true;
        }
        if !c.is_busy() {
            break;
        }
        if !moved {
            // Nothing came back: the client's timer fires and it asks again.
            now = c.poll_timeout().unwrap();
            c.handle_timeout(now);
            retried += 1;
        }
    }
    assert_eq!(retried, 1);
    assert_eq!(lost, 1);
    assert!(!c.is_busy());
    assert_eq!(c.response_data(), s.app().profile.as_slice());
}

#[test]
fn client_reassembly_is_bounded() {
    let keys = Keys::new();
    let mut cc = client_config(&keys, Mode::Plain);
    cc.max_reassembly = 1000;
    let mut c = client(&keys, Mode::Plain, cc);
    let mut s = server(&keys, Mode::Plain, server_config(&keys, Mode::Plain));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    client_events(&mut c);
    c.get(Instant::from_millis(1), PROFILE, None).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert_eq!(
        client_events(&mut c),
        vec![ClientEvent::BlockRejected(BlockError::Oversize {
            limit: 1000
        })]
    );
    assert!(!c.is_busy());
    assert!(c.response_data().is_empty());
}

#[test]
fn server_reassembly_is_bounded() {
    let keys = Keys::new();
    let mut sc = server_config(&keys, Mode::Plain);
    sc.max_reassembly = 700;
    let mut c = client(&keys, Mode::Plain, client_config(&keys, Mode::Plain));
    let mut s = server(&keys, Mode::Plain, sc);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    c.associate(now, &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    client_events(&mut c);
    server_events(&mut s);
    let value = vec![7u8; 2000];
    c.set(now, REGISTER, None, &Data::OctetString(&value))
        .unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(
        server_events(&mut s).contains(&ServerEvent::BlockRejected(BlockError::Oversize {
            limit: 700
        }))
    );
    assert!(matches!(
        client_events(&mut c)[..],
        [ClientEvent::Response {
            result: ResponseResult::Access(DataAccessResult::OtherReason),
            ..
        }]
    ));
    // ACTION parameters too.
    c.action(now, SCRIPT, Some(&Data::OctetString(&value)))
        .unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(
        server_events(&mut s)
            .iter()
            .any(|e| matches!(e, ServerEvent::BlockRejected(BlockError::Oversize { .. })))
    );
    assert_eq!(s.app().actions, 0);
}

#[test]
fn block_transfer_needs_its_conformance_bits() {
    let keys = Keys::new();
    let mut sc = server_config(&keys, Mode::Plain);
    sc.conformance = Conformance::GET
        .union(Conformance::SET)
        .union(Conformance::ACTION);
    let mut c = client(&keys, Mode::Plain, client_config(&keys, Mode::Plain));
    let mut s = server(&keys, Mode::Plain, sc);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    c.associate(now, &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    client_events(&mut c);
    // The client does not split a long SET without the bit.
    let value = vec![1u8; 2000];
    assert_eq!(
        c.set(now, REGISTER, None, &Data::OctetString(&value)),
        Err(ClientError::NotNegotiated)
    );
    // The server cannot send the profile whole, nor in blocks.
    c.get(now, PROFILE, None).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(matches!(
        client_events(&mut c)[..],
        [ClientEvent::Response {
            result: ResponseResult::Access(DataAccessResult::OtherReason),
            ..
        }]
    ));
    // A pblock sent anyway is refused as outside the conformance.
    let raw = Apdu::ActionRequest(ActionRequest::WithFirstPBlock {
        invoke_id: InvokeIdAndPriority::new(3, true, false),
        method: SCRIPT,
        pblock: DataBlockSa {
            last_block: true,
            block_number: 1,
            raw_data: &[0x11, 0x01],
        },
    })
    .to_bytes();
    s.handle_input(now, &mut rng, &raw);
    assert!(server_events(&mut s).iter().any(|e| matches!(
        e,
        ServerEvent::Refused {
            service: Some(Service::Action),
            reason: dual_protocol_dlms_cosem::association::server::Refusal::OutsideConformance
        }
    )));
}

#[test]
fn set_block_acks_are_checked() {
    // A set-response-datablock for a block we did not send is ignored.
    let keys = Keys::new();
    let (mut c, mut s, mut rng) = pair(&keys, Mode::Plain);
    let now = Instant::from_millis(1);
    let value = vec![3u8; 1500];
    let invoke = c
        .set(now, REGISTER, None, &Data::OctetString(&value))
        .unwrap();
    let mut buf = vec![0u8; N];
    let n = c.poll_transmit(now, &mut buf).unwrap();
    let bogus = Apdu::SetResponse(SetResponse::DataBlock {
        invoke_id: InvokeIdAndPriority::new(invoke, true, false),
        block_number: 7,
    })
    .to_bytes();
    c.handle_input(now, &bogus);
    assert_eq!(
        client_events(&mut c),
        vec![ClientEvent::BlockRejected(BlockError::WrongNumber {
            expected: 1,
            received: 7
        })]
    );
    assert_eq!(c.poll_transmit(now, &mut [0u8; 8]), None);
    s.handle_input(now, &mut rng, &buf[..n]);
    pump(&mut c, &mut s, &mut rng);
    assert!(matches!(
        client_events(&mut c)[..],
        [ClientEvent::Response {
            result: ResponseResult::Access(DataAccessResult::Success),
            ..
        }]
    ));
}

/// Two GBT parties over a lossy, duplicating, reordering link: the APDU
/// arrives whole and the sender learns it was received.
#[test]
fn gbt_link_recovers_lost_blocks() {
    use dual_protocol_dlms_cosem::block::{GbtConfig, GbtInput, GbtLink};
    use dual_protocol_primitives::time::Duration;
    let apdu: Vec<u8> = (0..5000u32).map(|i| (i * 13 + 1) as u8).collect();
    for seed in 0..12u64 {
        let cfg = GbtConfig {
            window: 4,
            timeout: Duration::from_millis(50),
            attempts: 20,
            max_apdu: 6000,
        };
        let (mut a, mut b) = (GbtLink::new(cfg), GbtLink::new(cfg));
        a.start_send(apdu.len(), 256).unwrap();
        let model = if seed == 0 {
            LinkModel::LOSSLESS
        } else {
            LinkModel {
                seed,
                drop: 150,
                duplicate: 100,
                latency: (1, 15),
            }
        };
        let mut link = Link::new(model);
        let mut got = None;
        let mut bin = vec![0u8; 6000];
        let mut frame = [0u8; 300];
        let mut sizes = 0usize;
        for ms in 0..20_000u64 {
            let now = Instant::from_millis(ms);
            for (to_b, f) in link.due(ms) {
                let Ok(Apdu::GeneralBlockTransfer(g)) = Apdu::decode(&f) else {
                    panic!("not GBT")
                };
                if to_b {
                    if let GbtInput::Complete(n) = b.handle_input(now, &g, &mut bin) {
                        assert!(got.is_none() || got == Some(n));
                        got = Some(n);
                    }
                } else {
                    assert_eq!(a.handle_input(now, &g, &mut []), GbtInput::Nothing);
                }
            }
            for (l, to_b, out) in [(&mut a, true, &apdu[..]), (&mut b, false, &[][..])] {
                if l.poll_timeout().is_some_and(|t| t <= now) {
                    assert_eq!(l.handle_timeout(now), None, "seed {seed}");
                }
                while let Some(n) = l.poll_transmit(now, out, &mut frame) {
                    sizes = sizes.max(n);
                    link.send(ms, to_b, &frame[..n]);
                }
            }
            if got.is_some() && !a.is_sending() {
                break;
            }
        }
        assert_eq!(got, Some(apdu.len()), "seed {seed}");
        assert_eq!(&bin[..apdu.len()], &apdu[..]);
        assert!(
            !a.is_sending(),
            "seed {seed}: sender never saw the last acknowledgement"
        );
        assert!(sizes <= 256);
    }
}

#[test]
fn gbt_reassembly_is_bounded() {
    use dual_protocol_dlms_cosem::apdu::{BlockControl, GeneralBlockTransfer};
    use dual_protocol_dlms_cosem::block::{GbtConfig, GbtInput, GbtLink};
    let mut r = GbtLink::new(GbtConfig {
        max_apdu: 100,
        ..GbtConfig::default()
    });
    let mut buf = [0u8; 1000];
    let now = Instant::from_millis(0);
    let block = |n: u16, last: bool| GeneralBlockTransfer {
        block_control: BlockControl::new(last, true, 4),
        block_number: n,
        block_number_ack: 0,
        block_data: &[0x55; 60],
    };
    assert_eq!(
        r.handle_input(now, &block(1, false), &mut buf),
        GbtInput::Nothing
    );
    // A gap: dropped, nothing appended.
    assert_eq!(
        r.handle_input(now, &block(3, false), &mut buf),
        GbtInput::Nothing
    );
    assert!(r.is_receiving());
    assert_eq!(
        r.handle_input(now, &block(2, true), &mut buf),
        GbtInput::Refused(BlockError::Oversize { limit: 100 })
    );
    assert!(!r.is_receiving());
}

#[test]
fn gbt_abandons_after_silence() {
    use dual_protocol_dlms_cosem::block::{GbtConfig, GbtLink};
    use dual_protocol_primitives::time::Duration;
    let mut a = GbtLink::new(GbtConfig {
        window: 2,
        timeout: Duration::from_millis(10),
        attempts: 2,
        max_apdu: 1000,
    });
    let apdu = [7u8; 900];
    a.start_send(apdu.len(), 128).unwrap();
    let mut frame = [0u8; 200];
    let mut now = Instant::from_millis(0);
    let mut sent = 0;
    let mut abandoned = None;
    for _ in 0..10 {
        while a.poll_transmit(now, &apdu, &mut frame).is_some() {
            sent += 1;
        }
        match a.poll_timeout() {
            Some(t) => {
                now = t;
                if let Some(e) = a.handle_timeout(now) {
                    abandoned = Some(e);
                    break;
                }
            }
            None => break,
        }
    }
    // A window of 2, sent 3 times (first try, 2 retries), then given up.
    assert_eq!(sent, 6);
    assert_eq!(abandoned, Some(BlockError::NotInProgress));
    assert!(!a.is_sending());
}

/// The whole scenario with general block transfer negotiated (window 3):
/// long responses and requests go as GBT, lossless and lossy.
#[test]
fn gbt_scenario_lossless_and_lossy() {
    let keys = Keys::new();
    for mode in [Mode::Plain, Mode::GmacSuite0, Mode::EcdsaSuite1] {
        let base = scenario_with(&keys, mode, LinkModel::LOSSLESS, 0, true);
        let datablock = scenario(&keys, mode, LinkModel::LOSSLESS, 0);
        // The same results as with service-specific block transfer.
        // (The association line differs only by the negotiated GBT bit.)
        assert!(base.transcript[0].contains("general_block_transfer"));
        assert!(
            base.transcript[1..] == datablock.transcript[1..],
            "{mode:?}: GBT results differ from datablock results"
        );
        assert_eq!(base.transcript.len(), 7);
        // Every APDU on the link fits the 512-byte PDUs; GBT carried the long ones.
        assert!(base.max_frame <= 512, "{mode:?}: {}", base.max_frame);
        assert!(base.gbt_frames > 15, "{mode:?}: {}", base.gbt_frames);
        assert_eq!(datablock.gbt_frames, 0);
        assert!(datablock.max_frame <= 512);
        let mut complete = 0;
        for seed in 1..=6u64 {
            let model = LinkModel {
                seed,
                drop: 60,
                duplicate: 100,
                latency: (2, 40),
            };
            let run = scenario_with(&keys, mode, model, 4, true);
            let t = &run.transcript;
            if *t == base.transcript {
                complete += 1;
            } else {
                let last = t.last().unwrap();
                assert!(
                    last.starts_with("timeout"),
                    "{mode:?} {seed}: {}",
                    &last[..last.len().min(200)]
                );
                assert!(
                    base.transcript[..t.len() - 1] == t[..t.len() - 1],
                    "{mode:?} {seed}"
                );
            }
        }
        assert!(complete >= 4, "{mode:?}: {complete}/6");
    }
}

#[test]
fn gbt_without_its_conformance_bit_is_refused() {
    use dual_protocol_dlms_cosem::apdu::{BlockControl, GeneralBlockTransfer};
    use dual_protocol_dlms_cosem::association::server::Refusal;
    let keys = Keys::new();
    let (mut c, mut s, mut rng) = pair(&keys, Mode::Plain);
    let now = Instant::from_millis(1);
    let gbt = Apdu::GeneralBlockTransfer(GeneralBlockTransfer {
        block_control: BlockControl::new(true, false, 1),
        block_number: 1,
        block_number_ack: 0,
        block_data: &[0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00],
    })
    .to_bytes();
    s.handle_input(now, &mut rng, &gbt);
    assert!(server_events(&mut s).contains(&ServerEvent::Refused {
        service: None,
        reason: Refusal::OutsideConformance
    }));
    let mut buf = [0u8; 16];
    assert_eq!(s.poll_transmit(now, &mut buf).map(|_| buf[0]), Some(216));
    // The client, without the bit, ignores GBT too.
    c.handle_input(now, &gbt);
    assert_eq!(
        client_events(&mut c),
        vec![ClientEvent::Unexpected { tag: 224 }]
    );
}
