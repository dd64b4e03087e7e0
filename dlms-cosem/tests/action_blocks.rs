//! ACTION return parameters by blocks (Green Book, DLMS UA 1000-2 ed. 10,
//! clause 9.3.5.3: `action-response-with-pblock`, acknowledged by
//! `action-request-next-pblock`): the server splits a 3 KiB return value
//! under the client's maximum PDU (512 bytes), the client reassembles it
//! within its caller limit; lossless and through the seeded lossy link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_dlms_cosem::acse::Conformance;
use dual_protocol_dlms_cosem::apdu::ActionResult;
use dual_protocol_dlms_cosem::association::{ClientEvent, ServerEvent, Service};
use dual_protocol_dlms_cosem::block::BlockError;

/// Associate, ACTION on [`REPORT`] (3 KiB return value), release.
fn report_run(keys: &Keys, mode: Mode, model: LinkModel, retries: u8, limit: usize) -> Run {
    let mut cc = client_config(keys, mode);
    cc.retries = retries;
    cc.response_timeout = dual_protocol_primitives::time::Duration::from_millis(300);
    cc.max_reassembly = limit;
    let sc = server_config(keys, mode);
    run_script(keys, mode, cc, sc, model, |step, now, c, rng| match step {
        0 => Some(c.associate(now, rng).map(|_| 0)),
        1 => Some(c.action(now, REPORT, None)),
        2 => Some(c.release(now).map(|_| 0)),
        _ => None,
    })
}

fn expected_line() -> String {
    // The client's response data is the Get-Data-Result: data [0] choice, then the value.
    format!(
        "Action Action {{ result: Success, data: true }} 00{}",
        hex(&report_value())
    )
}

#[test]
fn long_action_reply_goes_by_pblocks() {
    let keys = Keys::new();
    for mode in [Mode::Plain, Mode::GmacSuite0, Mode::EcdsaSuite1] {
        let run = report_run(&keys, mode, LinkModel::LOSSLESS, 0, usize::MAX);
        let t = &run.transcript;
        assert_eq!(t.len(), 3, "{mode:?}: {t:#?}");
        assert!(t[0].starts_with("associated"), "{mode:?}");
        assert_eq!(t[1], expected_line(), "{mode:?}");
        assert_eq!(t[2], "released");
        assert_eq!(run.server_actions, 1, "{mode:?}");
        // Every APDU fitted the client's 512-byte maximum PDU.
        assert!(run.max_frame <= 512, "{mode:?}: {}", run.max_frame);
        assert!(
            !run.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::BlockRejected(_))),
            "{mode:?}"
        );
    }
}

#[test]
fn long_action_reply_through_a_lossy_link() {
    let keys = Keys::new();
    for mode in [Mode::Plain, Mode::GmacSuite0] {
        let base = report_run(&keys, mode, LinkModel::LOSSLESS, 0, usize::MAX).transcript;
        let mut complete = 0;
        let (mut dropped, mut duplicated) = (0, 0);
        for seed in 1..=8u64 {
            let model = LinkModel {
                seed,
                drop: 80,
                duplicate: 150,
                latency: (2, 60),
            };
            let run = report_run(&keys, mode, model, 6, usize::MAX);
            dropped += run.dropped;
            duplicated += run.duplicated;
            let t = &run.transcript;
            if t == &base {
                complete += 1;
                // A retried request re-sends the blocks, it does not re-run the method.
                assert_eq!(run.server_actions, 1, "{mode:?} seed {seed}");
            } else {
                let last = t.last().unwrap();
                assert!(last.starts_with("timeout"), "{mode:?} seed {seed}: {t:#?}");
                assert_eq!(&base[..t.len() - 1], &t[..t.len() - 1]);
            }
        }
        assert!(complete >= 6, "{mode:?}: only {complete} of 8 completed");
        assert!(dropped >= 4 && duplicated >= 4, "{dropped} {duplicated}");
    }
}

#[test]
fn long_action_reply_over_the_client_limit_is_refused() {
    let keys = Keys::new();
    let run = report_run(&keys, Mode::Plain, LinkModel::LOSSLESS, 0, 1000);
    assert!(
        run.client_events
            .iter()
            .any(|e| matches!(e, ClientEvent::BlockRejected(BlockError::Oversize { .. }))),
        "{:#?}",
        run.client_events
    );
    // No response reached the application; the association still released.
    assert_eq!(run.transcript.len(), 2, "{:#?}", run.transcript);
    assert_eq!(run.transcript[1], "released");
}

#[test]
fn long_action_reply_without_block_transfer_is_other_reason() {
    let keys = Keys::new();
    let mode = Mode::Plain;
    let mut cc = client_config(&keys, mode);
    cc.conformance =
        Conformance::from_bits(cc.conformance.bits & !Conformance::BLOCK_TRANSFER_WITH_ACTION.bits);
    let sc = server_config(&keys, mode);
    let run = run_script(
        &keys,
        mode,
        cc,
        sc,
        LinkModel::LOSSLESS,
        |step, now, c, rng| match step {
            0 => Some(c.associate(now, rng).map(|_| 0)),
            1 => Some(c.action(now, REPORT, None)),
            _ => None,
        },
    );
    assert_eq!(
        run.transcript[1],
        format!(
            "{:?} {:?} ",
            Service::Action,
            dual_protocol_dlms_cosem::association::client::ResponseResult::Action {
                result: ActionResult::OtherReason,
                data: false
            }
        )
    );
}

/// Server side bookkeeping of `action-request-next-pblock`: a number ahead
/// of the transfer gets `data-block-unavailable` and leaves the transfer as
/// it was; without a transfer it is `no-long-action-in-progress`.
#[test]
fn next_pblock_numbers_are_checked_by_the_server() {
    use dual_protocol_dlms_cosem::apdu::{ActionRequest, ActionResponse, InvokeIdAndPriority};
    use dual_protocol_dlms_cosem::{Apdu, Decode};
    use dual_protocol_primitives::time::Instant;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    let keys = Keys::new();
    let mode = Mode::Plain;
    let mut c = client(&keys, mode, client_config(&keys, mode));
    let mut s = server(&keys, mode, server_config(&keys, mode));
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let now = Instant::from_millis(1);
    let mut buf = vec![0u8; N];
    c.associate(now, &mut rng).unwrap();
    let n = c.poll_transmit(now, &mut buf).unwrap();
    s.handle_input(now, &mut rng, &buf[..n]);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    c.handle_input(now, &buf[..n]);
    assert!(c.is_associated() && s.is_associated());

    let next = |invoke: InvokeIdAndPriority, block_number: u32| {
        enc(&Apdu::ActionRequest(ActionRequest::NextPBlock {
            invoke_id: invoke,
            block_number,
        }))
    };
    let mut answer = |s: &mut TestServer<'_>, request: &[u8]| {
        let mut out = vec![0u8; N];
        s.handle_input(now, &mut rng, request);
        let n = s.poll_transmit(now, &mut out).unwrap();
        out.truncate(n);
        out
    };

    // No transfer yet.
    let invoke = InvokeIdAndPriority::new(1, true, true);
    let r = answer(&mut s, &next(invoke, 1));
    match Apdu::decode(&r).unwrap() {
        Apdu::ActionResponse(ActionResponse::Normal { response, .. }) => {
            assert_eq!(response.result, ActionResult::NoLongActionInProgress);
        }
        other => panic!("{other:?}"),
    }

    // Start the transfer with the client's request; the server sends block 1.
    c.action(now, REPORT, None).unwrap();
    let n = c.poll_transmit(now, &mut buf).unwrap();
    let request = buf[..n].to_vec();
    let first = answer(&mut s, &request);
    let invoke = match Apdu::decode(&first).unwrap() {
        Apdu::ActionResponse(ActionResponse::WithPBlock { invoke_id, pblock }) => {
            assert_eq!(pblock.block_number, 1);
            assert!(!pblock.last_block);
            invoke_id
        }
        other => panic!("{other:?}"),
    };
    // A number ahead: refused, transfer unchanged.
    let r = answer(&mut s, &next(invoke, 5));
    match Apdu::decode(&r).unwrap() {
        Apdu::ActionResponse(ActionResponse::Normal { response, .. }) => {
            assert_eq!(response.result, ActionResult::DataBlockUnavailable);
        }
        other => panic!("{other:?}"),
    }
    // The request repeated: block 1 again, the method not run twice.
    assert_eq!(answer(&mut s, &request), first);
    assert_eq!(s.app().actions, 1);
    // The right acknowledgement: block 2.
    let r = answer(&mut s, &next(invoke, 1));
    match Apdu::decode(&r).unwrap() {
        Apdu::ActionResponse(ActionResponse::WithPBlock { pblock, .. }) => {
            assert_eq!(pblock.block_number, 2);
        }
        other => panic!("{other:?}"),
    }
}
