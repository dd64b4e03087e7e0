//! Property tests: every protection mode, both key scopes, suites 0 to 2,
//! glo-/ded- and general- containers: `unprotect(protect(p)) == p`, and a
//! single flipped bit of an authenticated APDU is always rejected.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::apdu::{KeyScope, ProtectedService};
use dual_protocol_dlms_cosem::security::{
    SecurityContext, SecurityKey, SecurityPolicy, SecuritySuite,
};
use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use proptest::prelude::*;

const PLAIN_TAGS: [u8; 16] = [
    1, 5, 6, 8, 12, 13, 14, 22, 24, 192, 193, 194, 195, 196, 197, 199,
];

fn suite() -> impl Strategy<Value = SecuritySuite> {
    prop_oneof![
        Just(SecuritySuite::Suite0),
        Just(SecuritySuite::Suite1),
        Just(SecuritySuite::Suite2)
    ]
}

fn pair(
    policy: SecurityPolicy,
    seed: u8,
    ic: u64,
) -> (SecurityContext<RustCrypto>, SecurityContext<RustCrypto>) {
    let n = policy.suite.key_len();
    let ek = SecurityKey::new(&vec![seed; n]).unwrap();
    let ak = SecurityKey::new(&vec![seed ^ 0x5a; n]).unwrap();
    let dk = SecurityKey::new(&vec![seed ^ 0xa5; n]).unwrap();
    let mk = |own: [u8; 8], peer: [u8; 8]| {
        let mut c = SecurityContext::new(
            RustCrypto,
            policy,
            own,
            &ek.clone(),
            ak.clone(),
            CounterReservation::resume(ic, 8, u64::from(u32::MAX)),
        )
        .unwrap();
        c.set_peer_system_title(peer);
        c.set_dedicated_key(
            &dk.clone(),
            CounterReservation::resume(ic, 8, u64::from(u32::MAX)),
        )
        .unwrap();
        c
    };
    let a = *b"CLIENT01";
    let b = *b"SERVER01";
    (mk(a, b), mk(b, a))
}

proptest! {
    #[test]
    fn protect_then_unprotect(
        suite in suite(),
        mode in 1u8..4,
        dedicated in any::<bool>(),
        general in any::<bool>(),
        tag_ix in 0usize..16,
        body in proptest::collection::vec(any::<u8>(), 0..300),
        seed in any::<u8>(),
        ic in 0u64..=u64::from(u32::MAX - 1),
        flip in any::<prop::sample::Index>(),
    ) {
        let policy = SecurityPolicy { suite, authenticated: mode & 1 != 0, encrypted: mode & 2 != 0 };
        let (mut client, mut server) = pair(policy, seed, ic);
        let scope = if dedicated { KeyScope::Dedicated } else { KeyScope::Global };
        let mut plain = vec![PLAIN_TAGS[tag_ix]];
        plain.extend_from_slice(&body);
        let mut wire = vec![0u8; plain.len() + 64];
        let mut store = VolatileStore::default();
        let n = if general {
            client.protect_general(&mut store, scope, &plain, &mut wire).unwrap()
        } else {
            client.protect(&mut store, scope, &plain, &mut wire).unwrap()
        };
        let wire = &wire[..n];
        if !general {
            prop_assert_eq!(ProtectedService::from_tag(wire[0]).map(|s| s.0), Some(scope));
        }
        let mut out = vec![0u8; plain.len() + 64];
        {
            let r = server.unprotect(wire, &mut out).unwrap();
            prop_assert_eq!(r.plaintext, &plain[..]);
            prop_assert_eq!(u64::from(r.invocation_counter), ic);
            prop_assert_eq!(r.scope, scope);
        }
        if policy.authenticated {
            let (_, mut fresh) = pair(policy, seed, ic);
            let bit = flip.index(n * 8);
            let mut t = wire.to_vec();
            t[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(fresh.unprotect(&t, &mut out).is_err(), "bit {} accepted", bit);
        }
        prop_assert!(server.unprotect(wire, &mut out).is_err(), "replay accepted");
    }
}
