//! The sending machine (docs 10.1, 10.2, 10.4, 10.5, 10.6): a hub pushing
//! reports to a head end.
//!
//! Sans-IO and heap-free. `N` message slots of `D` bytes each hold the
//! protected datagrams until they are acknowledged, given up or (for
//! non-confirmable ones) sent; a retransmission re-sends the identical
//! datagram, so the receiver's replay window is also its duplicate filter.
//!
//! Drive it like this, after every call that changes it:
//!
//! 1. [`Sender::send`] a message (protected at once with the next counter);
//! 2. [`Sender::poll_transmit`] until it returns `Ok(None)`, sending each
//!    datagram;
//! 3. feed every datagram from the peer to [`Sender::handle_input`];
//! 4. [`Sender::poll_event`] until `None`;
//! 5. wait until [`Sender::poll_timeout`] or the next datagram, then call
//!    [`Sender::handle_timeout`], and go to 2.
//!
//! **Restart.** The counter's mark is persisted through the caller's
//! `CounterStore` before any counter is used (docs 5.5). To keep reports
//! across a power loss, the caller persists the datagrams of
//! [`Sender::in_flight`] (for example after each `send` and each event) and
//! gives them back with [`Sender::resume_in_flight`] after a restart: they
//! are re-sent unchanged, so the receiver delivers each at most once.

use core::fmt;

use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::payload::PayloadDescriptor;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_core::CryptoRng;

use super::ack::Ack;
use super::resync::{EchoChallenge, EchoResponse, MAX_LISTED};
use super::time_sync::{TimeEstimate, TimeRequest, TimeResponse};
use super::{
    ACK, ECHO_CHALLENGE, ECHO_RESPONSE, Ring, TIME_REQUEST, TIME_RESPONSE, control_message,
    counter_of,
};
use crate::context::{Outgoing, PeerContext};
use crate::envelope::Envelope;
use crate::error::{EncodeError, InputError, ProtectError, SendError};
use crate::header::{MessageType, Protection};

/// CoAP's ACK_TIMEOUT doubled for cellular links (2G/3G radio wake-up):
/// the initial retransmission timeout before jitter (docs 10.1).
pub const ACK_TIMEOUT: Duration = Duration::from_secs(4);
/// Largest jitter added to the initial timeout, in percent of it (CoAP's
/// ACK_RANDOM_FACTOR 1.5).
pub const JITTER_PERCENT: u8 = 50;
/// Retransmissions before giving up (CoAP's MAX_RETRANSMIT).
pub const MAX_RETRANSMIT: u8 = 4;
/// Default bound on a time request's round trip (docs 10.5).
pub const TIME_ROUND_TRIP_BOUND: Duration = Duration::from_secs(10);
/// Default number of time requests before `TimeSyncFailed`.
pub const TIME_ATTEMPTS: u8 = 3;

/// Settings of a [`Sender`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SenderConfig {
    /// Initial retransmission timeout before jitter.
    pub initial_timeout: Duration,
    /// Jitter: up to this percentage of the initial timeout is added,
    /// uniformly, from the caller's RNG.
    pub jitter_percent: u8,
    /// Retransmissions of a confirmable message before `GaveUp`.
    pub max_retransmit: u8,
    /// Confirmable messages in flight at once (bulk push window), at most
    /// the slot count `N`.
    pub window: usize,
    /// A time response later than this after its request is rejected.
    pub time_round_trip_bound: Duration,
    /// Time requests (each with a fresh nonce) before `TimeSyncFailed`.
    pub time_attempts: u8,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            initial_timeout: ACK_TIMEOUT,
            jitter_percent: JITTER_PERCENT,
            max_retransmit: MAX_RETRANSMIT,
            window: 8,
            time_round_trip_bound: TIME_ROUND_TRIP_BOUND,
            time_attempts: TIME_ATTEMPTS,
        }
    }
}

/// How to send one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendOptions {
    /// Payload descriptor.
    pub descriptor: PayloadDescriptor,
    /// Protection mode.
    pub protection: Protection,
    /// Confirmable (flag A, acknowledged and retransmitted) or not.
    pub confirmable: bool,
}

impl SendOptions {
    /// A confirmable AEAD message.
    #[must_use]
    pub const fn confirmable(descriptor: PayloadDescriptor) -> Self {
        SendOptions {
            descriptor,
            protection: Protection::Aead,
            confirmable: true,
        }
    }

    /// A non-confirmable AEAD message: sent once, never acknowledged.
    #[must_use]
    pub const fn non_confirmable(descriptor: PayloadDescriptor) -> Self {
        SendOptions {
            descriptor,
            protection: Protection::Aead,
            confirmable: false,
        }
    }
}

/// A message handed to [`Sender::send`]: its counter (`epoch << 40 |
/// sequence`), which every retransmission keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MessageId(pub u64);

/// What the application must know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SenderEvent {
    /// The peer acknowledged the message.
    Acknowledged {
        /// The message.
        id: MessageId,
        /// Transmissions it took (1 when no retransmission was needed).
        transmissions: u8,
        /// From its first transmission to the acknowledgement.
        latency: Duration,
    },
    /// No acknowledgement after the last retransmission's timeout.
    GaveUp {
        /// The message.
        id: MessageId,
    },
    /// A time response within the bound arrived (docs 10.5).
    TimeSynchronised(TimeEstimate),
    /// Every time request went unanswered within the bound.
    TimeSyncFailed,
}

/// Counts since creation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SenderStats {
    /// Datagrams handed to the caller by `poll_transmit`.
    pub transmissions: u64,
    /// Of those, retransmissions of a confirmable message after a timeout.
    pub retransmissions: u64,
    /// Messages acknowledged.
    pub acknowledged: u64,
    /// Messages given up.
    pub gave_up: u64,
    /// Echo challenges answered.
    pub challenges: u64,
    /// Received datagrams rejected.
    pub rejected: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
    InFlight,
    Acknowledged(Instant),
    GaveUp,
}

struct Slot<const D: usize> {
    counter: u64,
    confirmable: bool,
    datagram: [u8; D],
    len: usize,
    state: SlotState,
    due: bool,
    transmissions: u8,
    retransmissions: u8,
    timeout: Duration,
    deadline: Option<Instant>,
    first_sent: Option<Instant>,
}

#[derive(Clone, Copy, Debug)]
struct TimeState {
    nonce: [u8; 8],
    request: Option<u64>,
    sent_at: Option<Instant>,
    attempts: u8,
}

/// The sending machine for one peer. See the module docs.
///
/// `N` message slots of `D` bytes each; `W` is the replay window of the
/// peer context (docs 8.1).
pub struct Sender<P: CryptoProvider, const N: usize = 8, const D: usize = 256, const W: usize = 2> {
    ctx: PeerContext<P, W>,
    config: SenderConfig,
    slots: [Option<Slot<D>>; N],
    echo: Option<[u8; 8]>,
    time: Option<TimeState>,
    events: Ring<SenderEvent, 4>,
    stats: SenderStats,
}

impl<P: CryptoProvider, const N: usize, const D: usize, const W: usize> fmt::Debug
    for Sender<P, N, D, W>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("context", &self.ctx)
            .field("in_flight", &self.in_flight_count())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

fn jittered<R: CryptoRng + ?Sized>(config: &SenderConfig, rng: &mut R) -> Duration {
    let base = u64::try_from(config.initial_timeout.as_micros()).unwrap_or(u64::MAX);
    let span = base / 100 * u64::from(config.jitter_percent);
    let extra = if span == 0 {
        0
    } else {
        rng.next_u64() % (span + 1)
    };
    Duration::from_micros(base.saturating_add(extra))
}

impl<P: CryptoProvider, const N: usize, const D: usize, const W: usize> Sender<P, N, D, W> {
    /// A sender over `ctx`. The window is capped at `N`.
    #[must_use]
    pub fn new(ctx: PeerContext<P, W>, mut config: SenderConfig) -> Self {
        config.window = config.window.clamp(1, N.max(1));
        Sender {
            ctx,
            config,
            slots: core::array::from_fn(|_| None),
            echo: None,
            time: None,
            events: Ring::new(),
            stats: SenderStats::default(),
        }
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

    /// The settings.
    #[must_use]
    pub const fn config(&self) -> &SenderConfig {
        &self.config
    }

    /// Counts since creation.
    #[must_use]
    pub const fn stats(&self) -> SenderStats {
        self.stats
    }

    /// Confirmable messages awaiting an acknowledgement.
    #[must_use]
    pub fn in_flight_count(&self) -> usize {
        self.slots
            .iter()
            .flatten()
            .filter(|s| s.confirmable && s.state == SlotState::InFlight)
            .count()
    }

    /// True when [`Self::send`] of a confirmable message would find room.
    #[must_use]
    pub fn can_send(&self) -> bool {
        self.in_flight_count() < self.config.window && self.slots.iter().any(Option::is_none)
    }

    /// The datagrams of the confirmable messages awaiting an
    /// acknowledgement: what a caller persists to survive a restart.
    pub fn in_flight(&self) -> impl Iterator<Item = (MessageId, &[u8])> + '_ {
        self.slots
            .iter()
            .flatten()
            .filter(|s| s.confirmable && s.state == SlotState::InFlight)
            .map(|s| {
                (
                    MessageId(s.counter),
                    s.datagram.get(..s.len).unwrap_or_default(),
                )
            })
    }

    fn free_slot(&self) -> Result<usize, SendError<core::convert::Infallible>> {
        self.slots
            .iter()
            .position(Option::is_none)
            .ok_or(SendError::QueueFull)
    }

    fn admit<E>(&self, confirmable: bool, len: usize) -> Result<usize, SendError<E>> {
        if len > D {
            return Err(SendError::TooLarge { len, capacity: D });
        }
        let in_flight = self.in_flight_count();
        if confirmable && in_flight >= self.config.window {
            return Err(SendError::WindowFull { in_flight });
        }
        self.free_slot().map_err(|_| SendError::QueueFull)
    }

    /// Protects `payload` at once (taking the next counter through `store`)
    /// and queues it for [`Self::poll_transmit`]. A confirmable message
    /// gets an initial timeout of `initial_timeout` plus up to
    /// `jitter_percent` of it, drawn from `rng`. `signer` is the sender's
    /// signing key for the signed modes.
    pub fn send<S: CounterStore, R: CryptoRng + ?Sized>(
        &mut self,
        provider: &P,
        store: &mut S,
        rng: &mut R,
        options: &SendOptions,
        payload: &[u8],
        signer: Option<&P::P256SigningKey>,
    ) -> Result<MessageId, SendError<S::Error>> {
        let msg = Outgoing {
            message_type: MessageType::Data,
            protection: options.protection,
            descriptor: Some(options.descriptor),
            ack_requested: options.confirmable,
            payload,
        };
        let i = self.admit(options.confirmable, msg.datagram_len())?;
        let mut datagram = [0u8; D];
        let len = self
            .ctx
            .protect(provider, store, &msg, signer, &mut datagram)?;
        let counter = Envelope::decode(datagram.get(..len).unwrap_or_default())
            .map(|e| counter_of(&e.header))
            .map_err(|e| SendError::Protect(ProtectError::Encode(decode_to_encode(e))))?;
        let timeout = jittered(&self.config, rng);
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Some(Slot {
                counter,
                confirmable: options.confirmable,
                datagram,
                len,
                state: SlotState::InFlight,
                due: true,
                transmissions: 0,
                retransmissions: 0,
                timeout,
                deadline: None,
                first_sent: None,
            });
        }
        Ok(MessageId(counter))
    }

    /// Takes back a datagram this sender protected before a restart (from
    /// [`Self::in_flight`]); it is re-sent unchanged with a fresh timeout
    /// and retry budget. Its counter is below the counter's persisted mark,
    /// so no counter is reused.
    pub fn resume_in_flight<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        datagram: &[u8],
    ) -> Result<MessageId, SendError> {
        let env = Envelope::decode(datagram).map_err(SendError::NotOurs)?;
        if env.header.sender != self.ctx.local() {
            return Err(SendError::NotOurs(
                crate::error::DecodeError::InvalidValue {
                    offset: 3,
                    value: env.header.sender.0.first().copied().unwrap_or(0),
                },
            ));
        }
        let confirmable = env.header.ack_requested;
        let i = self.admit(confirmable, datagram.len())?;
        let mut buf = [0u8; D];
        buf.get_mut(..datagram.len())
            .ok_or(SendError::TooLarge {
                len: datagram.len(),
                capacity: D,
            })?
            .copy_from_slice(datagram);
        let counter = counter_of(&env.header);
        let timeout = jittered(&self.config, rng);
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Some(Slot {
                counter,
                confirmable,
                datagram: buf,
                len: datagram.len(),
                state: SlotState::InFlight,
                due: true,
                transmissions: 0,
                retransmissions: 0,
                timeout,
                deadline: None,
                first_sent: None,
            });
        }
        Ok(MessageId(counter))
    }

    /// Asks the peer for the time (docs 10.5): a TIME_REQUEST with a fresh
    /// nonce goes out at the next [`Self::poll_transmit`].
    pub fn request_time<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<(), SendError> {
        if self.time.is_some() {
            return Err(SendError::TimeRequestPending);
        }
        let mut nonce = [0u8; 8];
        rng.fill_bytes(&mut nonce);
        self.time = Some(TimeState {
            nonce,
            request: None,
            sent_at: None,
            attempts: 1,
        });
        Ok(())
    }

    /// Feeds one datagram from the peer (decrypted in place): an ACK, an
    /// ECHO_CHALLENGE or a TIME_RESPONSE. Afterwards call
    /// [`Self::poll_event`] and [`Self::poll_transmit`].
    pub fn handle_input(
        &mut self,
        now: Instant,
        provider: &P,
        datagram: &mut [u8],
    ) -> Result<(), InputError> {
        let r = self.input(now, provider, datagram);
        if r.is_err() {
            self.stats.rejected += 1;
        }
        r
    }

    fn input(&mut self, now: Instant, provider: &P, datagram: &mut [u8]) -> Result<(), InputError> {
        let opened = self.ctx.unprotect(provider, datagram)?;
        let t = opened.header.message_type;
        let body_err = |error| InputError::Body {
            message_type: t.code(),
            error,
        };
        if t == ACK {
            let ack = Ack::decode(opened.payload).map_err(body_err)?;
            for slot in self.slots.iter_mut().flatten() {
                if slot.confirmable
                    && slot.state == SlotState::InFlight
                    && ack.acknowledges(slot.counter)
                {
                    slot.state = SlotState::Acknowledged(now);
                    slot.due = false;
                }
            }
            Ok(())
        } else if t == ECHO_CHALLENGE {
            let c = EchoChallenge::decode(opened.payload).map_err(body_err)?;
            self.ctx.advance_tx_counter(c.floor);
            self.echo = Some(c.echo);
            self.stats.challenges += 1;
            Ok(())
        } else if t == TIME_RESPONSE {
            let r = TimeResponse::decode(opened.payload).map_err(body_err)?;
            let Some(ts) = self.time else {
                return Err(InputError::TimeResponseMismatch);
            };
            let (Some(request), Some(sent_at)) = (ts.request, ts.sent_at) else {
                return Err(InputError::TimeResponseMismatch);
            };
            if r.request != request || r.nonce != ts.nonce {
                return Err(InputError::TimeResponseMismatch);
            }
            let round_trip = now.saturating_duration_since(sent_at);
            if round_trip > self.config.time_round_trip_bound {
                return Err(InputError::RoundTripTooLong {
                    round_trip_ms: u64::try_from(round_trip.as_millis()).unwrap_or(u64::MAX),
                });
            }
            self.time = None;
            let _ = self
                .events
                .push(SenderEvent::TimeSynchronised(TimeEstimate::new(
                    r.utc_millis,
                    sent_at,
                    now,
                )));
            Ok(())
        } else {
            Err(InputError::UnexpectedType(t.code()))
        }
    }

    /// The next datagram to send, written to `buf`; `Ok(None)` when nothing
    /// is due. Control messages (echo response, time request) are protected
    /// here, taking counters through `store`. Call after `send`,
    /// `handle_input`, `handle_timeout` and `request_time`, until `None`.
    pub fn poll_transmit<S: CounterStore>(
        &mut self,
        now: Instant,
        provider: &P,
        store: &mut S,
        buf: &mut [u8],
    ) -> Result<Option<usize>, ProtectError<S::Error>> {
        if let Some(echo) = self.echo {
            let n = self.echo_response(provider, store, echo, buf)?;
            self.echo = None;
            // Every message in flight goes again at once, so that the
            // receiver's new window admits them without waiting for timers.
            for s in self.slots.iter_mut().flatten() {
                if s.state == SlotState::InFlight && s.transmissions > 0 {
                    s.due = true;
                }
            }
            self.stats.transmissions += 1;
            return Ok(Some(n));
        }
        if let Some(ts) = self.time.as_mut().filter(|t| t.sent_at.is_none()) {
            let body = TimeRequest { nonce: ts.nonce };
            let mut b = [0u8; 8];
            body.encode(&mut b)?;
            let n = self.ctx.protect(
                provider,
                store,
                &control_message(TIME_REQUEST, &b),
                None,
                buf,
            )?;
            let counter = Envelope::decode(buf.get(..n).unwrap_or_default())
                .map(|e| counter_of(&e.header))
                .map_err(|e| ProtectError::Encode(decode_to_encode(e)))?;
            ts.request = Some(counter);
            ts.sent_at = Some(now);
            self.stats.transmissions += 1;
            return Ok(Some(n));
        }
        let next = self
            .slots
            .iter_mut()
            .flatten()
            .filter(|s| s.due && s.state == SlotState::InFlight)
            .min_by_key(|s| s.counter);
        let Some(slot) = next else {
            return Ok(None);
        };
        let src = slot.datagram.get(..slot.len).unwrap_or_default();
        buf.get_mut(..slot.len)
            .ok_or(ProtectError::Encode(EncodeError::BufferTooSmall {
                needed: slot.len,
            }))?
            .copy_from_slice(src);
        slot.due = false;
        slot.transmissions = slot.transmissions.saturating_add(1);
        if slot.first_sent.is_none() {
            slot.first_sent = Some(now);
            slot.deadline = Some(now + slot.timeout);
        }
        let n = slot.len;
        if !slot.confirmable {
            // Sent once, never acknowledged: the slot is free again.
            let c = slot.counter;
            for s in &mut self.slots {
                if s.as_ref().is_some_and(|s| s.counter == c) {
                    *s = None;
                }
            }
        }
        self.stats.transmissions += 1;
        Ok(Some(n))
    }

    fn echo_response<S: CounterStore>(
        &mut self,
        provider: &P,
        store: &mut S,
        echo: [u8; 8],
        buf: &mut [u8],
    ) -> Result<usize, ProtectError<S::Error>> {
        let mut list = [0u8; 8 * MAX_LISTED];
        let mut counters = [u64::MAX; MAX_LISTED];
        let mut n = 0;
        for s in self.slots.iter().flatten() {
            if s.state == SlotState::InFlight
                && let Some(c) = counters.get_mut(n)
            {
                *c = s.counter;
                n += 1;
            }
        }
        let counters = counters.get_mut(..n).unwrap_or_default();
        counters.sort_unstable();
        for (chunk, c) in list.chunks_exact_mut(8).zip(counters.iter()) {
            chunk.copy_from_slice(&c.to_be_bytes());
        }
        let body = EchoResponse {
            echo,
            in_flight: list.get(..8 * n).unwrap_or_default(),
        };
        let mut b = [0u8; 9 + 8 * MAX_LISTED];
        let len = body.encode(&mut b)?;
        self.ctx.protect(
            provider,
            store,
            &control_message(ECHO_RESPONSE, b.get(..len).unwrap_or_default()),
            None,
            buf,
        )
    }

    /// The next event; call until `None` after `handle_input` and
    /// `handle_timeout`. Reporting an acknowledged or given-up message frees
    /// its slot.
    pub fn poll_event(&mut self) -> Option<SenderEvent> {
        if let Some(e) = self.events.pop() {
            return Some(e);
        }
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.as_ref().is_some_and(|s| s.state != SlotState::InFlight))?;
        let s = slot.take()?;
        let id = MessageId(s.counter);
        match s.state {
            SlotState::Acknowledged(at) => {
                self.stats.acknowledged += 1;
                Some(SenderEvent::Acknowledged {
                    id,
                    transmissions: s.transmissions,
                    latency: s
                        .first_sent
                        .map_or(Duration::ZERO, |f| at.saturating_duration_since(f)),
                })
            }
            SlotState::GaveUp | SlotState::InFlight => {
                self.stats.gave_up += 1;
                Some(SenderEvent::GaveUp { id })
            }
        }
    }

    /// When [`Self::handle_timeout`] must be called next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let slots = self
            .slots
            .iter()
            .flatten()
            .filter(|s| s.state == SlotState::InFlight && s.confirmable)
            .filter_map(|s| s.deadline);
        let time = self
            .time
            .and_then(|t| t.sent_at)
            .map(|s| s + self.config.time_round_trip_bound);
        slots.chain(time).min()
    }

    /// Fires the timers due at `now`: a confirmable message whose timeout
    /// passed is retransmitted with its timeout doubled, or given up after
    /// `max_retransmit` retransmissions; an unanswered time request is
    /// repeated with a fresh nonce from `rng`, or reported as failed.
    pub fn handle_timeout<R: CryptoRng + ?Sized>(&mut self, now: Instant, rng: &mut R) {
        let max = self.config.max_retransmit;
        for s in self.slots.iter_mut().flatten() {
            if s.state != SlotState::InFlight || s.deadline.is_none_or(|d| d > now) {
                continue;
            }
            if s.retransmissions >= max {
                s.state = SlotState::GaveUp;
                s.due = false;
                continue;
            }
            s.retransmissions += 1;
            s.timeout = s.timeout.saturating_mul(2);
            s.deadline = Some(now + s.timeout);
            s.due = true;
            self.stats.retransmissions += 1;
        }
        let bound = self.config.time_round_trip_bound;
        if let Some(ts) = self.time.as_mut()
            && ts.sent_at.is_some_and(|s| s + bound <= now)
        {
            if ts.attempts >= self.config.time_attempts {
                self.time = None;
                let _ = self.events.push(SenderEvent::TimeSyncFailed);
            } else {
                rng.fill_bytes(&mut ts.nonce);
                ts.attempts += 1;
                ts.request = None;
                ts.sent_at = None;
            }
        }
    }
}

/// A datagram this crate just protected does not decode: only a bug could
/// cause it; reported as an encoding failure rather than a panic.
fn decode_to_encode(_: crate::error::DecodeError) -> EncodeError {
    EncodeError::OutOfRange { field: "datagram" }
}
