//! The receiving machine (docs 10.2, 10.3, 10.4, 10.5): a head end's state
//! for one hub.
//!
//! Sans-IO and heap-free. Each DATA message is delivered at most once (the
//! replay window is the duplicate filter); confirmable ones are
//! acknowledged, several per ACK; a duplicate is acknowledged again when it
//! matches the [`AckCache`]. After a restart the receiver challenges the
//! sender (docs 10.4) before it accepts anything its persisted window
//! cannot vouch for.
//!
//! Drive it like this:
//!
//! 1. [`Receiver::handle_input`] for each datagram from the peer; use the
//!    [`Delivery`] it returns;
//! 2. **persist [`Receiver::state`] with every delivery, in the same
//!    transaction as the delivered payload, before step 3** (docs 10.4:
//!    this is what makes delivery exactly-once across a restart);
//! 3. [`Receiver::poll_event`] until `None` (time requests: answer with
//!    [`Receiver::respond_time`]);
//! 4. [`Receiver::poll_transmit`] until `Ok(None)`, sending each datagram.
//!
//! The receiver has no timers of its own ([`Receiver::poll_timeout`] is
//! always `None`): it answers what arrives.

use core::fmt;

use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::replay::{ReplayError, ReplayWindow};
use dual_protocol_primitives::time::{Duration, Instant};
use rand_core::CryptoRng;

use super::ack::{Ack, AckCache, tail_of};
const FLAG_ACK_REQUESTED: u8 = 0x08;
use super::resync::{EchoChallenge, EchoResponse};
use super::time_sync::{TimeRequest, TimeResponse};
use super::{
    ACK, ECHO_CHALLENGE, ECHO_RESPONSE, Ring, TIME_REQUEST, TIME_RESPONSE, control_message,
    counter_of,
};
use crate::context::{EpochWindow, PeerContext, ReplayState};
use crate::error::{InputError, KeyError, ProtectError, UnprotectError};
use crate::header::{Header, MessageType};

/// Counters waiting to be acknowledged.
pub const PENDING_ACKS: usize = 32;
/// Time requests waiting for `respond_time`, and responses waiting to be sent.
pub const PENDING_TIME: usize = 4;
/// Default least interval between two echo challenges to one peer.
pub const CHALLENGE_INTERVAL: Duration = Duration::from_secs(1);

/// Settings of a [`Receiver`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReceiverConfig {
    /// Least interval between two echo challenges (each costs a datagram
    /// and a counter; an attacker replaying old datagrams cannot make the
    /// receiver send more than one per interval).
    pub challenge_interval: Duration,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            challenge_interval: CHALLENGE_INTERVAL,
        }
    }
}

/// What a receiver persists per peer (docs 10.4): the replay windows and
/// the cache of recent acknowledgements. Bounded (`W` window words and
/// [`super::ack::ACK_CACHE_LEN`] cache entries) and serde-serialisable, so
/// a head end can store it with each delivery and move hubs between
/// processes. The keys are not in it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReceiverState<const W: usize> {
    /// The context's anti-replay state.
    pub replay: ReplayState<W>,
    /// Recent acknowledged datagrams.
    pub acks: AckCache,
}

/// A delivered DATA message: its payload, decrypted in the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery<'b> {
    /// Counter `epoch << 40 | sequence`.
    pub counter: u64,
    /// The header (descriptor, protection, flag A).
    pub header: Header,
    /// The payload.
    pub payload: &'b [u8],
    /// The verified signature, in the signed modes.
    pub signature: Option<[u8; crate::SIGNATURE_LEN]>,
}

/// What became of an input that was not an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received<'b> {
    /// A new DATA message, delivered once; persist [`Receiver::state`] with it.
    Delivered(Delivery<'b>),
    /// A datagram already received (the replay window says so); an ACK
    /// goes out again when it matched the ACK cache.
    Duplicate {
        /// Its counter.
        counter: u64,
        /// Whether an ACK is queued for it.
        reacknowledged: bool,
    },
    /// A control message (TIME_REQUEST) was accepted.
    Control {
        /// Its counter.
        counter: u64,
        /// Its type.
        message_type: MessageType,
    },
    /// Authentic, but freshness is unproven after a restart: not used; an
    /// echo challenge is queued (unless one went out within the interval).
    Challenged {
        /// Its counter.
        counter: u64,
    },
    /// An echo response proved freshness: the window now starts at it.
    Resynchronised {
        /// The echo response's counter.
        counter: u64,
    },
}

/// A time request to answer with [`Receiver::respond_time`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeRequestEvent {
    /// The request's counter.
    pub request: u64,
    /// Its nonce.
    pub nonce: [u8; 8],
}

/// What the application must know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceiverEvent {
    /// The peer asks for the time: call [`Receiver::respond_time`].
    TimeRequested(TimeRequestEvent),
    /// Re-synchronisation finished: persist [`Receiver::state`].
    Resynchronised,
}

/// Counts since creation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReceiverStats {
    /// DATA messages delivered.
    pub delivered: u64,
    /// Duplicates seen (not delivered).
    pub duplicates: u64,
    /// ACK datagrams sent.
    pub acks_sent: u64,
    /// Echo challenges sent.
    pub challenges_sent: u64,
    /// Inputs rejected with an error.
    pub rejected: u64,
}

#[derive(Clone, Copy, Debug)]
enum Sync {
    Synchronised,
    Unsynchronised {
        echo: [u8; 8],
        last_challenge: Option<Instant>,
        due: bool,
    },
}

/// The receiving machine for one peer. See the module docs.
pub struct Receiver<P: CryptoProvider, const W: usize = 2> {
    ctx: PeerContext<P, W>,
    config: ReceiverConfig,
    acks: AckCache,
    sync: Sync,
    pending: [Option<u64>; PENDING_ACKS],
    requests: Ring<ReceiverEvent, PENDING_TIME>,
    responses: Ring<TimeResponse, PENDING_TIME>,
    stats: ReceiverStats,
}

impl<P: CryptoProvider, const W: usize> fmt::Debug for Receiver<P, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("context", &self.ctx)
            .field("synchronised", &matches!(self.sync, Sync::Synchronised))
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<P: CryptoProvider, const W: usize> Receiver<P, W> {
    /// A receiver for a new pair (nothing received before): synchronised,
    /// with empty windows.
    #[must_use]
    pub fn new(ctx: PeerContext<P, W>, config: ReceiverConfig) -> Self {
        Receiver {
            ctx,
            config,
            acks: AckCache::new(),
            sync: Sync::Synchronised,
            pending: [None; PENDING_ACKS],
            requests: Ring::new(),
            responses: Ring::new(),
            stats: ReceiverStats::default(),
        }
    }

    /// A receiver after a restart, from its persisted state (docs 10.4). It
    /// starts **unsynchronised** with a fresh echo value from `rng`: it
    /// delivers nothing its restored window cannot vouch for until the
    /// sender has answered a challenge. Pass `None` as `state` when nothing
    /// was persisted (every counter is then unproven).
    pub fn restore<R: CryptoRng + ?Sized>(
        provider: &P,
        mut ctx: PeerContext<P, W>,
        state: Option<&ReceiverState<W>>,
        config: ReceiverConfig,
        rng: &mut R,
    ) -> Result<Self, KeyError> {
        let mut r = Receiver::new(
            {
                if let Some(s) = state {
                    ctx.restore_replay_state(provider, &s.replay)?;
                }
                ctx
            },
            config,
        );
        if let Some(s) = state {
            r.acks = s.acks.clone();
        }
        let mut echo = [0u8; 8];
        rng.fill_bytes(&mut echo);
        r.sync = Sync::Unsynchronised {
            echo,
            last_challenge: None,
            due: false,
        };
        Ok(r)
    }

    /// The state to persist with every delivery.
    #[must_use]
    pub fn state(&self) -> ReceiverState<W> {
        ReceiverState {
            replay: self.ctx.replay_state(),
            acks: self.acks.clone(),
        }
    }

    /// True once freshness is established (always, unless restored and not
    /// yet re-synchronised).
    #[must_use]
    pub const fn is_synchronised(&self) -> bool {
        matches!(self.sync, Sync::Synchronised)
    }

    /// The peer context.
    #[must_use]
    pub const fn context(&self) -> &PeerContext<P, W> {
        &self.ctx
    }

    /// The peer context, for epoch and key management.
    pub fn context_mut(&mut self) -> &mut PeerContext<P, W> {
        &mut self.ctx
    }

    /// Counts since creation.
    #[must_use]
    pub const fn stats(&self) -> ReceiverStats {
        self.stats
    }

    fn queue_ack(&mut self, counter: u64) {
        if self.pending.contains(&Some(counter)) {
            return;
        }
        if let Some(free) = self.pending.iter_mut().find(|p| p.is_none()) {
            *free = Some(counter);
        }
        // Full: the counter stays in the ACK cache, is repeated by the next
        // ACK that covers it, or is acknowledged again on retransmission.
    }

    /// Feeds one datagram from the peer, decrypted in place. Returns what it
    /// was; a delivered payload borrows `datagram`.
    pub fn handle_input<'b>(
        &mut self,
        now: Instant,
        provider: &P,
        datagram: &'b mut [u8],
    ) -> Result<Received<'b>, InputError> {
        let r = self.input(now, provider, datagram);
        if r.is_err() {
            self.stats.rejected += 1;
        }
        r
    }

    fn input<'b>(
        &mut self,
        now: Instant,
        provider: &P,
        datagram: &'b mut [u8],
    ) -> Result<Received<'b>, InputError> {
        let tail = tail_of(datagram);
        // What a duplicate needs, read from the clear header before the
        // buffer is decrypted (flags at offset 2, epoch and sequence at
        // 11..19, docs 3); only used after the window said `Duplicate`, so
        // the header is known to be well formed.
        let clear = (
            datagram.get(2).is_some_and(|f| f & FLAG_ACK_REQUESTED != 0),
            datagram.get(11..19).map_or(0, super::be),
        );
        let synchronised = self.is_synchronised();
        let before = (!synchronised).then(|| self.ctx.replay_state());
        let opened = if synchronised {
            self.ctx.unprotect(provider, datagram)
        } else {
            self.ctx.authenticate(provider, datagram)
        };
        let opened = match opened {
            Ok(o) => o,
            Err(UnprotectError::Replay(ReplayError::Duplicate { .. })) => {
                return Ok(self.duplicate(clear, &tail));
            }
            Err(e) => return Err(e.into()),
        };
        let header = opened.header;
        let counter = counter_of(&header);
        let t = header.message_type;
        let body_err = |error| InputError::Body {
            message_type: t.code(),
            error,
        };
        if let Some(before) = before {
            // Unsynchronised: only the answer to our challenge is used.
            if t == ECHO_RESPONSE {
                let resp = EchoResponse::decode(opened.payload).map_err(body_err)?;
                return self.resynchronise(provider, &before, &header, &resp);
            }
            if let Sync::Unsynchronised {
                last_challenge,
                due,
                ..
            } = &mut self.sync
                && last_challenge.is_none_or(|l| l + self.config.challenge_interval <= now)
            {
                *last_challenge = Some(now);
                *due = true;
            }
            return Ok(Received::Challenged { counter });
        }
        match t {
            MessageType::Data => {
                if header.ack_requested {
                    self.acks.insert(counter, tail);
                    self.queue_ack(counter);
                }
                self.stats.delivered += 1;
                Ok(Received::Delivered(Delivery {
                    counter,
                    header,
                    payload: opened.payload,
                    signature: opened.signature,
                }))
            }
            t if t == TIME_REQUEST => {
                let req = TimeRequest::decode(opened.payload).map_err(body_err)?;
                self.requests
                    .push(ReceiverEvent::TimeRequested(TimeRequestEvent {
                        request: counter,
                        nonce: req.nonce,
                    }))
                    .map_err(|_| InputError::QueueFull)?;
                Ok(Received::Control {
                    counter,
                    message_type: t,
                })
            }
            t if t == ECHO_RESPONSE => Err(InputError::StaleEcho),
            t => Err(InputError::UnexpectedType(t.code())),
        }
    }

    /// A datagram the window has seen: acknowledged again only if it is
    /// exactly one we acknowledged (docs 10.3).
    fn duplicate<'b>(
        &mut self,
        (ack_requested, counter): (bool, u64),
        tail: &[u8; 8],
    ) -> Received<'b> {
        self.stats.duplicates += 1;
        let again = ack_requested && self.acks.contains(counter, tail);
        if again {
            self.queue_ack(counter);
        }
        Received::Duplicate {
            counter,
            reacknowledged: again,
        }
    }

    /// Docs 10.4: the echo matched, so the response's counter is fresh. The
    /// new window of its epoch marks every counter up to it as seen except
    /// the listed in-flight counters that the restored window had not seen.
    fn resynchronise<'b>(
        &mut self,
        provider: &P,
        before: &ReplayState<W>,
        header: &Header,
        resp: &EchoResponse<'_>,
    ) -> Result<Received<'b>, InputError> {
        let Sync::Unsynchronised { echo, .. } = self.sync else {
            return Err(InputError::StaleEcho);
        };
        if resp.echo != echo {
            return Err(InputError::StaleEcho);
        }
        let epoch = header.epoch;
        let current = before.current.epoch;
        if epoch < current {
            return Err(InputError::EchoEpoch { epoch, current });
        }
        let old = if epoch == current {
            Some(&before.current.window)
        } else {
            None
        };
        let seen_before = |seq: u64| old.is_some_and(|w| w.check(seq).is_err());
        let top = header.sequence;
        let lo = top.saturating_sub(ReplayWindow::<W>::SIZE.saturating_sub(1));
        let listed = |seq: u64| {
            resp.counters()
                .any(|c| c >> 40 == u64::from(epoch) && c & crate::header::MAX_SEQUENCE == seq)
        };
        let mut window = ReplayWindow::<W>::new();
        for seq in lo..=top {
            if seq == top || !listed(seq) || seen_before(seq) {
                let _ = window.update(seq);
            }
        }
        let state = ReplayState {
            current: EpochWindow {
                epoch,
                window,
                failures: if epoch == current {
                    before.current.failures
                } else {
                    0
                },
            },
            previous: None,
        };
        self.ctx
            .restore_replay_state(provider, &state)
            .map_err(|_| InputError::EchoEpoch { epoch, current })?;
        // Listed messages delivered before the restart: acknowledge now.
        let delivered: [Option<u64>; super::resync::MAX_LISTED] = {
            let mut d = [None; super::resync::MAX_LISTED];
            for (slot, c) in d.iter_mut().zip(resp.counters()) {
                if self.acks.contains_counter(c) {
                    *slot = Some(c);
                }
            }
            d
        };
        for c in delivered.into_iter().flatten() {
            self.queue_ack(c);
        }
        self.sync = Sync::Synchronised;
        let _ = self.requests.push(ReceiverEvent::Resynchronised);
        Ok(Received::Resynchronised {
            counter: counter_of(header),
        })
    }

    /// The next event; call until `None` after `handle_input`.
    pub fn poll_event(&mut self) -> Option<ReceiverEvent> {
        self.requests.pop()
    }

    /// Answers a time request with the caller's UTC in milliseconds since
    /// the Unix epoch (docs 10.5); sent at the next `poll_transmit`.
    pub fn respond_time(
        &mut self,
        request: &TimeRequestEvent,
        utc_millis: u64,
    ) -> Result<(), InputError> {
        self.responses
            .push(TimeResponse {
                request: request.request,
                nonce: request.nonce,
                utc_millis,
            })
            .map_err(|_| InputError::QueueFull)
    }

    /// Always `None`: the receiver has no timers.
    #[must_use]
    pub const fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// Nothing to do: the receiver has no timers.
    pub fn handle_timeout(&mut self, _now: Instant) {}

    /// The next datagram to send (echo challenge, ACK, time response),
    /// protected into `buf` with counters through `store`; `Ok(None)` when
    /// nothing is due. Call after `handle_input` and `respond_time` until
    /// `None`.
    pub fn poll_transmit<S: CounterStore>(
        &mut self,
        _now: Instant,
        provider: &P,
        store: &mut S,
        buf: &mut [u8],
    ) -> Result<Option<usize>, ProtectError<S::Error>> {
        if let Sync::Unsynchronised {
            echo, due: true, ..
        } = self.sync
        {
            let floor = self
                .ctx
                .highest_received()
                .map_or(0, |h| h.saturating_add(1));
            let mut b = [0u8; super::resync::ECHO_CHALLENGE_LEN];
            EchoChallenge { echo, floor }.encode(&mut b)?;
            let n = self.ctx.protect(
                provider,
                store,
                &control_message(ECHO_CHALLENGE, &b),
                None,
                buf,
            )?;
            if let Sync::Unsynchronised { due, .. } = &mut self.sync {
                *due = false;
            }
            self.stats.challenges_sent += 1;
            return Ok(Some(n));
        }
        if let Some(largest) = self.pending.iter().flatten().max().copied() {
            let mut ack = Ack::of(largest);
            for c in self
                .pending
                .iter()
                .flatten()
                .copied()
                .chain(self.acks.counters())
            {
                ack.add(c);
            }
            let mut b = [0u8; super::ack::ACK_LEN];
            ack.encode(&mut b)?;
            let n = self
                .ctx
                .protect(provider, store, &control_message(ACK, &b), None, buf)?;
            for p in &mut self.pending {
                if p.is_some_and(|c| ack.acknowledges(c)) {
                    *p = None;
                }
            }
            self.stats.acks_sent += 1;
            return Ok(Some(n));
        }
        if let Some(r) = self.responses.peek().copied() {
            let mut b = [0u8; super::time_sync::TIME_RESPONSE_LEN];
            r.encode(&mut b)?;
            let n = self.ctx.protect(
                provider,
                store,
                &control_message(TIME_RESPONSE, &b),
                None,
                buf,
            )?;
            let _ = self.responses.pop();
            return Ok(Some(n));
        }
        Ok(None)
    }
}
