//! Application associations (Green Book, DLMS UA 1000-2 ed. 10, clause
//! 9.3.2 "the application association" and 9.4.2 ACSE; IEC 62056-5-3 ed. 3
//! clauses 6.1-6.3): the client ([`Client`]) and server ([`Server`]) state
//! machines, sans-IO.
//!
//! Both machines take and give whole xDLMS / ACSE APDUs (framing by the
//! wrapper or HDLC stays outside) and follow the crate's machine shape:
//! `handle_input(now, apdu)`, `poll_transmit(now, &mut buf) -> Option<usize>`,
//! `poll_event()`, `poll_timeout()`, `handle_timeout(now)`. Memory is
//! bounded by the const generic `N` (bytes per working buffer; four of
//! them per machine) and by the event queue's [`EVENT_CAPACITY`].
//!
//! - [`auth`]: LLS and HLS mechanisms 5 (GMAC), 6 (SHA-256), 7 (ECDSA).
//! - [`client`]: AARQ/AARE, HLS passes 3 and 4, GET/SET/ACTION with
//!   invoke-id correlation, block transfer both ways, notifications,
//!   RLRQ/RLRE, per-request timeouts and optional retries.
//! - [`server`]: AARQ validation and conformance negotiation, HLS
//!   verification, dispatch to a [`CosemServer`], refusal of services outside
//!   the negotiated conformance, block transfer both ways, RLRQ/RLRE.
//!
//! Ciphered associations (application context `Logical_Name_Referencing_With_Ciphering`)
//! protect every xDLMS APDU after the AARQ with the global key of the
//! association's [`SecurityContext`] (glo- service APDUs), or with the
//! dedicated key the client proposed in its InitiateRequest
//! ([`ClientConfig::dedicated_key`]; ded- service APDUs); the AARQ/AARE
//! carry a glo-initiateRequest/Response. Every failure is an event with
//! its reason.

pub mod auth;
pub mod client;
pub mod server;

pub use auth::{AuthError, Authentication, Challenge, HlsSecret};
pub use client::{Client, ClientConfig, ClientEvent};
pub use server::{CosemServer, Server, ServerConfig, ServerEvent};

use crate::apdu::KeyScope;
use crate::security::{SecurityContext, SecurityError};
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::crypto::CryptoProvider;

/// Events each machine can hold before the caller polls them; further
/// events are counted as dropped.
pub const EVENT_CAPACITY: usize = 8;

/// The confirmed services a request or response belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Service {
    /// Association (AARQ / AARE).
    Associate,
    /// HLS pass 3 / 4 (reply_to_HLS_authentication).
    HlsAuthentication,
    /// GET (normal or with-list, blocks included).
    Get,
    /// SET.
    Set,
    /// ACTION.
    Action,
    /// Release (RLRQ / RLRE).
    Release,
}

/// A bounded FIFO of `Copy` items with a drop counter.
#[derive(Debug, Clone)]
pub(crate) struct Queue<T: Copy, const C: usize> {
    items: [Option<T>; C],
    head: usize,
    len: usize,
    dropped: u32,
}

impl<T: Copy, const C: usize> Queue<T, C> {
    pub(crate) const fn new() -> Self {
        Self {
            items: [None; C],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        if self.len >= C {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let i = (self.head + self.len) % C;
        if let Some(slot) = self.items.get_mut(i) {
            *slot = Some(item);
            self.len += 1;
        }
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.items.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % C;
        self.len -= 1;
        item
    }

    pub(crate) const fn dropped(&self) -> u32 {
        self.dropped
    }
}

/// Protects `plain` with the context's key `scope` (glo- or ded- form)
/// into `out`, or copies it when there is no context. APDUs without a
/// protected form (exception-response) go out plain.
pub(crate) fn protect_out<P: CryptoProvider, S: CounterStore>(
    security: Option<&mut SecurityContext<P>>,
    store: &mut S,
    scope: KeyScope,
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    match security {
        Some(ctx) => match ctx.protect(store, scope, plain, out) {
            Err(SecurityError::NotProtected { .. }) => copy_out(plain, out),
            r => r,
        },
        None => copy_out(plain, out),
    }
}

fn copy_out(plain: &[u8], out: &mut [u8]) -> Result<usize, SecurityError> {
    out.get_mut(..plain.len())
        .ok_or(SecurityError::BufferTooSmall {
            needed: plain.len(),
        })?
        .copy_from_slice(plain);
    Ok(plain.len())
}

/// Takes one invocation counter from the context's global counter, for
/// an HLS-GMAC reply (Green Book 9.2.7.4: the IC in `f(challenge)` is the
/// sender's invocation counter), reserved like any other so it is never
/// reused.
/// The one outgoing APDU a machine holds in `tx[..*tx_len]`: sent as GBT
/// blocks through `gbt` when `*tx_gbt` (the slot is freed once the link has
/// sent them all), otherwise copied whole into `buf` and freed. Both
/// machines' `poll_transmit` end here.
pub(crate) fn poll_outgoing(
    gbt: &mut crate::block::gbt::GbtLink,
    tx: &[u8],
    tx_len: &mut usize,
    tx_gbt: &mut bool,
    now: dual_protocol_primitives::time::Instant,
    buf: &mut [u8],
) -> Option<usize> {
    let n = *tx_len;
    let gbt_out = if *tx_gbt {
        tx.get(..n).unwrap_or(&[])
    } else {
        &[]
    };
    if let Some(m) = gbt.poll_transmit(now, gbt_out, buf) {
        return Some(m);
    }
    if *tx_gbt {
        if !gbt.is_sending() {
            *tx_len = 0;
            *tx_gbt = false;
        }
        return None;
    }
    if n == 0 {
        return None;
    }
    buf.get_mut(..n)?.copy_from_slice(tx.get(..n)?);
    *tx_len = 0;
    Some(n)
}

pub(crate) fn reserve_invocation_counter<P: CryptoProvider, S: CounterStore>(
    ctx: &mut SecurityContext<P>,
    store: &mut S,
) -> Result<u32, SecurityError> {
    ctx.next_invocation_counter(KeyScope::Global, store)
}

/// The outgoing counter of an association's dedicated key (Green Book
/// 9.2.7.2.4.3: the key lives only as long as the association, so its
/// invocation counters need not survive a restart): the whole range is
/// reserved up front and never written to the counter store, which keeps
/// the global key's persisted high-water mark alone.
pub(crate) fn dedicated_counter() -> dual_protocol_primitives::counter::CounterReservation {
    let max = u64::from(u32::MAX);
    let mut r = dual_protocol_primitives::counter::CounterReservation::resume(0, max, max);
    if let Ok(mark) = r.begin_reservation() {
        let _ = r.confirm_reservation(mark);
    }
    r
}

/// Room for the protection of one APDU (glo- tag, length of up to three
/// bytes, security header, tag).
pub(crate) const PROTECTION_OVERHEAD: usize = 1 + 3 + 5 + crate::security::TAG_LEN;
