//! Property tests for the security mechanisms: no counter is ever handed out
//! twice across any sequence of crashes, and the replay window accepts each
//! counter at most once and matches a plain model.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::replay::{ReplayError, ReplayWindow};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// A flash cell that may lose the write in progress when power fails.
struct Flash {
    mark: u64,
    fail_next: bool,
}

impl CounterStore for Flash {
    type Error = ();
    fn persist(&mut self, mark: u64) -> Result<(), ()> {
        if self.fail_next {
            self.fail_next = false;
            return Err(());
        }
        self.mark = mark;
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Op {
    Send,
    /// Power loss: RAM state lost, resume from flash.
    Crash,
    /// The next flash write fails.
    FailWrite,
    /// Two-phase path: begin, persist, then crash before confirming.
    CrashAfterPersistBeforeConfirm,
    /// Two-phase path: begin, then crash before the write.
    CrashBeforePersist,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => Just(Op::Send),
        1 => Just(Op::Crash),
        1 => Just(Op::FailWrite),
        1 => Just(Op::CrashAfterPersistBeforeConfirm),
        1 => Just(Op::CrashBeforePersist),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_counter_twice_across_crashes(
        ops in proptest::collection::vec(op(), 1..400),
        block in 1u64..20,
        max in 50u64..300,
    ) {
        let mut flash = Flash { mark: 0, fail_next: false };
        let mut c = CounterReservation::resume(flash.mark, block, max);
        let mut used = BTreeSet::new();
        let mut last: Option<u64> = None;
        for op in ops {
            match op {
                Op::Send => match c.next(&mut flash) {
                    Ok(n) => {
                        prop_assert!(n <= max);
                        prop_assert!(used.insert(n), "counter {} handed out twice", n);
                        prop_assert!(last.is_none_or(|l| n > l));
                        prop_assert!(n < flash.mark, "counter {} not covered by mark {}", n, flash.mark);
                        last = Some(n);
                    }
                    Err(CounterError::Exhausted) => prop_assert!(c.peek() > max || flash.mark > max),
                    Err(CounterError::Store(())) => {}
                    Err(e) => prop_assert!(false, "unexpected {:?}", e),
                },
                Op::Crash => c = CounterReservation::resume(flash.mark, block, max),
                Op::FailWrite => flash.fail_next = true,
                Op::CrashAfterPersistBeforeConfirm => {
                    if let Ok(m) = c.begin_reservation() {
                        let _ = flash.persist(m);
                    }
                    c = CounterReservation::resume(flash.mark, block, max);
                }
                Op::CrashBeforePersist => {
                    let _ = c.begin_reservation();
                    c = CounterReservation::resume(flash.mark, block, max);
                }
            }
        }
    }

    #[test]
    fn replay_window_matches_model(
        seqs in proptest::collection::vec(
            prop_oneof![0u64..400, (0u64..400).prop_map(|x| x * 37)], 1..300),
        authentic in proptest::collection::vec(any::<bool>(), 300),
    ) {
        const WORDS: usize = 3;
        let size = ReplayWindow::<WORDS>::SIZE;
        let mut w = ReplayWindow::<WORDS>::new();
        let mut accepted = BTreeSet::new();
        let mut highest: Option<u64> = None;
        for (i, &s) in seqs.iter().enumerate() {
            let expect = match highest {
                None => Ok(()),
                Some(h) if s > h => Ok(()),
                Some(h) if h - s >= size => Err(ReplayError::TooOld { seq: s, highest: h }),
                Some(_) if accepted.contains(&s) => Err(ReplayError::Duplicate { seq: s }),
                Some(_) => Ok(()),
            };
            prop_assert_eq!(w.check(s), expect);
            // Only authenticated frames update the window.
            if expect.is_ok() && authentic[i] {
                w.update(s).unwrap();
                prop_assert!(accepted.insert(s));
                highest = Some(highest.map_or(s, |h| h.max(s)));
            }
            prop_assert_eq!(w.highest(), highest);
        }
        // Everything accepted is now rejected.
        for s in accepted {
            prop_assert!(w.check(s).is_err());
        }
    }
}
