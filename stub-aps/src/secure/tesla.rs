//! TESLA broadcast authentication (RFC 4082 §3) as the extension uses it
//! (`docs/stub-aps-security.md` §5): the hub's one-way key chain, the
//! device's chain verifier, and the loose time synchronisation and safety
//! condition that make a received broadcast safe to buffer.

use super::keys::chain_step;
use super::wire::Announcement;
use dual_protocol_primitives::crypto::SecretBytes;
use subtle::ConstantTimeEq;

/// Longest chain accepted: bounds the hashing a disclosed key can cost a
/// receiver (and the hub's recomputation) to this many CMACs.
pub const MAX_CHAIN_LENGTH: u16 = 4096;

/// The timing of a chain, from its announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChainParams {
    /// Epoch.
    pub epoch: u16,
    /// Hub time at which interval 1 starts, seconds.
    pub start_s: u32,
    /// Interval length, milliseconds (non-zero).
    pub interval_ms: u32,
    /// Last interval.
    pub length: u16,
    /// Disclosure delay, intervals (at least 1).
    pub delay: u8,
}

impl ChainParams {
    /// The parameters of an announcement.
    #[must_use]
    pub const fn of(a: &Announcement) -> Self {
        ChainParams {
            epoch: a.epoch,
            start_s: a.start_s,
            interval_ms: a.interval_ms,
            length: a.length,
            delay: a.delay,
        }
    }

    /// Whether the parameters are usable (non-zero interval, delay at least
    /// 1, length 1..=[`MAX_CHAIN_LENGTH`]).
    #[must_use]
    pub const fn is_valid(&self) -> bool {
        self.interval_ms > 0
            && self.delay >= 1
            && self.length >= 1
            && self.length <= MAX_CHAIN_LENGTH
    }

    /// The interval index at hub time `hub_ms` (0 before the start, so
    /// interval 1 is the first usable; may exceed `length` after the end).
    #[must_use]
    pub const fn interval_at(&self, hub_ms: u64) -> u64 {
        let start = self.start_s as u64 * 1000;
        if hub_ms < start || self.interval_ms == 0 {
            0
        } else {
            (hub_ms - start) / self.interval_ms as u64 + 1
        }
    }

    /// Hub time at which interval `i` starts.
    #[must_use]
    pub const fn interval_start(&self, i: u64) -> u64 {
        self.start_s as u64 * 1000 + i.saturating_sub(1) * self.interval_ms as u64
    }
}

/// The hub's key chain: `K_length` is the random seed, `K_{i-1} = F(K_i)`,
/// `K_0` the anchor. Keys are recomputed from the seed (at most
/// [`MAX_CHAIN_LENGTH`] CMACs) and never stored besides it.
#[derive(Debug)]
pub struct KeyChain {
    params: ChainParams,
    seed: SecretBytes<16>,
}

impl KeyChain {
    /// A chain from a random seed; `None` if the parameters are invalid.
    #[must_use]
    pub fn new(params: ChainParams, seed: [u8; 16]) -> Option<Self> {
        params.is_valid().then(|| KeyChain {
            params,
            seed: SecretBytes::new(seed),
        })
    }

    /// The parameters.
    #[must_use]
    pub const fn params(&self) -> &ChainParams {
        &self.params
    }

    /// `K_i` for `i <= length`.
    #[must_use]
    pub fn key(&self, i: u16) -> Option<SecretBytes<16>> {
        let steps = self.params.length.checked_sub(i)?;
        let mut k = *self.seed.expose();
        for _ in 0..steps {
            k = chain_step(&k);
        }
        Some(SecretBytes::new(k))
    }

    /// The anchor `K_0`.
    #[must_use]
    pub fn anchor(&self) -> [u8; 16] {
        self.key(0).map_or([0; 16], |k| *k.expose())
    }
}

/// Why a disclosed key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The interval is beyond the chain.
    #[error("interval {interval} is beyond the chain (length {length})")]
    OutOfRange {
        /// Interval.
        interval: u16,
        /// Chain length.
        length: u16,
    },
    /// The key does not hash to the last authenticated key.
    #[error("disclosed key of interval {interval} is not on the chain")]
    NotOnChain {
        /// Interval.
        interval: u16,
    },
}

/// A receiver's view of a chain: the last authenticated key and its index.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChainVerifier {
    /// The chain's parameters.
    pub params: ChainParams,
    last_index: u16,
    last_key: [u8; 16],
}

impl ChainVerifier {
    /// Starts from the authenticated anchor.
    #[must_use]
    pub const fn new(params: ChainParams, anchor: [u8; 16]) -> Self {
        ChainVerifier {
            params,
            last_index: 0,
            last_key: anchor,
        }
    }

    /// The highest interval whose key is authenticated.
    #[must_use]
    pub const fn last_index(&self) -> u16 {
        self.last_index
    }

    /// Checks a disclosed `K_i` against the last authenticated key (hashing
    /// `i - last` times, constant-time comparison) and records it. An older
    /// or equal index is checked by hashing the stored key down instead.
    ///
    /// # Errors
    /// [`ChainError`].
    pub fn accept(&mut self, interval: u16, key: &[u8; 16]) -> Result<(), ChainError> {
        if interval > self.params.length {
            return Err(ChainError::OutOfRange {
                interval,
                length: self.params.length,
            });
        }
        let ok = if interval > self.last_index {
            let mut k = *key;
            for _ in self.last_index..interval {
                k = chain_step(&k);
            }
            bool::from(k.ct_eq(&self.last_key))
        } else {
            self.key(interval).is_some_and(|k| bool::from(k.ct_eq(key)))
        };
        if !ok {
            return Err(ChainError::NotOnChain { interval });
        }
        if interval > self.last_index {
            self.last_index = interval;
            self.last_key = *key;
        }
        Ok(())
    }

    /// `K_i` for an authenticated `i <= last_index`.
    #[must_use]
    pub fn key(&self, interval: u16) -> Option<[u8; 16]> {
        let steps = self.last_index.checked_sub(interval)?;
        let mut k = self.last_key;
        for _ in 0..steps {
            k = chain_step(&k);
        }
        Some(k)
    }
}

/// Loose time synchronisation with the hub (RFC 4082 §3.3.1): the device's
/// local time when it sent its nonce, and the hub time the authenticated
/// answer carried. The hub's clock at local time `t` is at most
/// `hub_ms + (t - local_ms)` plus the drift allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeSync {
    /// Local time (ms) when the request left.
    pub local_ms: u64,
    /// Hub time (ms) in the authenticated answer.
    pub hub_ms: u64,
    /// Allowed relative clock drift, parts per million.
    pub drift_ppm: u32,
}

impl TimeSync {
    /// Upper bound on the hub's clock at local time `now_ms`.
    #[must_use]
    pub const fn hub_upper_bound(&self, now_ms: u64) -> u64 {
        let elapsed = now_ms.saturating_sub(self.local_ms);
        let drift = elapsed.saturating_mul(self.drift_ppm as u64) / 1_000_000 + 1;
        self.hub_ms.saturating_add(elapsed).saturating_add(drift)
    }

    /// The TESLA safety condition (RFC 4082 §3.5): a broadcast claiming
    /// `interval`, received at local `now_ms`, is safe when the hub cannot
    /// yet have disclosed that interval's key, i.e. the hub's latest
    /// possible interval is below `interval + delay`.
    #[must_use]
    pub const fn is_safe(&self, params: &ChainParams, interval: u16, now_ms: u64) -> bool {
        let latest = params.interval_at(self.hub_upper_bound(now_ms));
        latest < interval as u64 + params.delay as u64
    }
}
