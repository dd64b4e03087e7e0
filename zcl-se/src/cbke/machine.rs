//! Sans-IO Key Establishment (cluster 0x0800) initiator and responder
//! (SE 07-5356 Annex C.3 commands, C.4 protocol):
//!
//! ```text
//! initiator U (client)                         responder V (server)
//!   Initiate Key Establishment Request (cert U) ->
//!                                <- Initiate Key Establishment Response (cert V)
//!   Ephemeral Data Request (QEU) ->
//!                                <- Ephemeral Data Response (QEV)
//!   Confirm Key Data Request (MACU) ->
//!                                <- Confirm Key Data Response (MACV)
//!   either side, any time: Terminate Key Establishment (status, wait, suite)
//! ```
//!
//! A frame, in and out, is the ZCL command identifier followed by the
//! command payload (the ZCL header is the caller's: direction client →
//! server for the initiator's frames). Payloads are decoded by the typed
//! commands of `cluster::key_establishment_commands` (the cluster's one
//! codec), with the exact lengths the suite demands checked here. Time
//! comes in as [`Instant`]; randomness (the ephemeral key) is drawn from
//! the caller's RNG when the machine is created. The
//! established link key comes out as [`Event::Established`] for the trust
//! centre's link key table.
//!
//! Robustness: an exact repeat of the last frame received is ignored (a
//! duplicated frame); anything else out of sequence ends the exchange with
//! Terminate (BAD_MESSAGE); silence past the deadline ends it with
//! [`Event::TimedOut`].

use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::curve::Point;
use super::ecmqv;
use super::ecqv::{Certificate, MAX_CERT_LEN, SuiteParams};
use super::gf2m::Params;
use super::kdf::{self, DerivedKeys};
use super::scalar::Scalar;

/// The Key Establishment cluster identifier.
pub const CLUSTER_ID: u16 = 0x0800;
/// Command 0x00 (both directions): Initiate Key Establishment Request / Response.
pub const CMD_INITIATE: u8 = 0x00;
/// Command 0x01: Ephemeral Data Request / Response.
pub const CMD_EPHEMERAL_DATA: u8 = 0x01;
/// Command 0x02: Confirm Key Data Request / Response.
pub const CMD_CONFIRM_KEY: u8 = 0x02;
/// Command 0x03: Terminate Key Establishment.
pub const CMD_TERMINATE: u8 = 0x03;
/// Largest frame (command id + Initiate with a suite 2 certificate).
pub const MAX_FRAME_LEN: usize = 1 + 4 + MAX_CERT_LEN;

/// Terminate Key Establishment status codes (Annex C.3.1.2.3 / C.3.2.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TerminateStatus {
    /// 0x01: the certificate's issuer is not the local CA.
    UnknownIssuer,
    /// 0x02: the key-confirmation MAC did not match.
    BadKeyConfirm,
    /// 0x03: malformed or out-of-sequence message.
    BadMessage,
    /// 0x04: no resources to run the exchange now.
    NoResources,
    /// 0x05: the requested suite is not supported.
    UnsupportedSuite,
    /// 0x06: the certificate is invalid (SE 1.2+).
    InvalidCertificate,
    /// Any other value, kept as is.
    Unknown(u8),
}

impl TerminateStatus {
    /// Wire value.
    #[must_use]
    pub fn to_u8(self) -> u8 {
        match self {
            Self::UnknownIssuer => 0x01,
            Self::BadKeyConfirm => 0x02,
            Self::BadMessage => 0x03,
            Self::NoResources => 0x04,
            Self::UnsupportedSuite => 0x05,
            Self::InvalidCertificate => 0x06,
            Self::Unknown(v) => v,
        }
    }

    /// From the wire value.
    #[must_use]
    pub fn from_u8(v: u8) -> Self {
        match v {
            0x01 => Self::UnknownIssuer,
            0x02 => Self::BadKeyConfirm,
            0x03 => Self::BadMessage,
            0x04 => Self::NoResources,
            0x05 => Self::UnsupportedSuite,
            0x06 => Self::InvalidCertificate,
            v => Self::Unknown(v),
        }
    }
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame is empty (no command identifier).
    #[error("empty frame: no command identifier at offset 0")]
    Empty,
    /// Unknown command identifier.
    #[error("unknown Key Establishment command 0x{0:02x} at offset 0")]
    UnknownCommand(u8),
    /// The payload length is wrong for the command and suite.
    #[error(
        "command 0x{command:02x}: payload must be {expected} octets, got {actual} (from offset 1)"
    )]
    Length {
        /// Command identifier.
        command: u8,
        /// Expected payload length.
        expected: usize,
        /// Actual payload length.
        actual: usize,
    },
}

/// One Key Establishment command, borrowed from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// Initiate Key Establishment Request/Response.
    Initiate {
        /// Key Establishment Suite bitmap.
        suite: u16,
        /// Ephemeral Data Generate Time (seconds).
        ephemeral_time: u8,
        /// Confirm Key Generate Time (seconds).
        confirm_time: u8,
        /// The sender's certificate.
        identity: &'a [u8],
    },
    /// Ephemeral Data Request/Response: the compressed ephemeral key.
    EphemeralData(&'a [u8]),
    /// Confirm Key Data Request/Response: MACU or MACV.
    ConfirmKey(&'a [u8]),
    /// Terminate Key Establishment.
    Terminate {
        /// Status code.
        status: TerminateStatus,
        /// Seconds to wait before trying again.
        wait_time: u8,
        /// Key Establishment Suite bitmap.
        suite: u16,
    },
}

impl<'a> Message<'a> {
    /// Decodes `command id || payload` for the suite with `N` limbs. The
    /// payload layout is the typed commands' of
    /// [`crate::cluster::key_establishment_commands`] (one codec for the
    /// cluster); this adds the exact lengths the suite demands.
    pub fn decode<const N: usize>(frame: &'a [u8]) -> Result<Self, FrameError>
    where
        Params<N>: SuiteParams<N>,
    {
        use crate::cluster::key_establishment_commands as kc;
        let (&command, payload) = frame.split_first().ok_or(FrameError::Empty)?;
        let len_err = |expected: usize| FrameError::Length {
            command,
            expected,
            actual: payload.len(),
        };
        let exact = |expected: usize| {
            if payload.len() == expected {
                Ok(())
            } else {
                Err(len_err(expected))
            }
        };
        match command {
            CMD_INITIATE => {
                let want = 4 + Certificate::<N>::LEN;
                exact(want)?;
                let r = kc::InitiateKeyEstablishmentRequest::decode_at(payload, 1)
                    .map_err(|_| len_err(want))?;
                Ok(Self::Initiate {
                    suite: r.key_establishment_suite,
                    ephemeral_time: r.ephemeral_data_generate_time,
                    confirm_time: r.confirm_key_generate_time,
                    identity: r.identity,
                })
            }
            CMD_EPHEMERAL_DATA => {
                let want = Point::<N>::COMPRESSED_LEN;
                exact(want)?;
                let r =
                    kc::EphemeralDataRequest::decode_at(payload, 1).map_err(|_| len_err(want))?;
                Ok(Self::EphemeralData(r.ephemeral_data))
            }
            CMD_CONFIRM_KEY => {
                exact(16)?;
                let r =
                    kc::ConfirmKeyDataRequest::decode_at(payload, 1).map_err(|_| len_err(16))?;
                Ok(Self::ConfirmKey(r.secure_message_authentication_code))
            }
            CMD_TERMINATE => {
                exact(4)?;
                let r =
                    kc::TerminateKeyEstablishment::decode_at(payload, 1).map_err(|_| len_err(4))?;
                Ok(Self::Terminate {
                    status: TerminateStatus::from_u8(u8::from(r.status_code)),
                    wait_time: r.wait_time,
                    suite: r.key_establishment_suite,
                })
            }
            other => Err(FrameError::UnknownCommand(other)),
        }
    }

    /// Encoded length (command id included).
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        1 + match self {
            Self::Initiate { identity, .. } => 4 + identity.len(),
            Self::EphemeralData(b) | Self::ConfirmKey(b) => b.len(),
            Self::Terminate { .. } => 4,
        }
    }

    /// Encodes `command id || payload` into `out` through the typed
    /// commands; `None` if `out` is too short.
    #[must_use]
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        use crate::cluster::key_establishment_commands as kc;
        let len = self.encoded_len();
        let (id, payload) = out.get_mut(..len)?.split_first_mut()?;
        let n = match *self {
            Self::Initiate {
                suite,
                ephemeral_time,
                confirm_time,
                identity,
            } => {
                *id = CMD_INITIATE;
                kc::InitiateKeyEstablishmentRequest {
                    key_establishment_suite: suite,
                    ephemeral_data_generate_time: ephemeral_time,
                    confirm_key_generate_time: confirm_time,
                    identity,
                    trailing: &[],
                }
                .encode(payload)
            }
            Self::EphemeralData(b) => {
                *id = CMD_EPHEMERAL_DATA;
                kc::EphemeralDataRequest {
                    ephemeral_data: b,
                    trailing: &[],
                }
                .encode(payload)
            }
            Self::ConfirmKey(b) => {
                *id = CMD_CONFIRM_KEY;
                kc::ConfirmKeyDataRequest {
                    secure_message_authentication_code: b,
                    trailing: &[],
                }
                .encode(payload)
            }
            Self::Terminate {
                status,
                wait_time,
                suite,
            } => {
                *id = CMD_TERMINATE;
                kc::TerminateKeyEstablishment {
                    status_code: status.to_u8().into(),
                    wait_time,
                    key_establishment_suite: suite,
                    trailing: &[],
                }
                .encode(payload)
            }
        };
        n.ok().map(|n| n + 1)
    }
}

/// Which side this machine plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The client, which sends the requests (U in the MAC formulas).
    Initiator,
    /// The server, which answers (V).
    Responder,
}

/// Tunables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Base wait for the peer's next message; the peer's advertised
    /// generate times are added to it.
    pub timeout: Duration,
    /// Our Ephemeral Data Generate Time, advertised in Initiate (seconds).
    pub ephemeral_time: u8,
    /// Our Confirm Key Generate Time, advertised in Initiate (seconds).
    pub confirm_time: u8,
    /// Wait Time we put in Terminate (seconds).
    pub terminate_wait: u8,
    /// UTC now (Unix seconds) for suite 2 certificate validity; `None` skips it.
    pub utc_now: Option<u64>,
    /// The IEEE address the peer's certificate must name, if known (from
    /// the frame's source address).
    pub expected_peer: Option<[u8; 8]>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            ephemeral_time: 10,
            confirm_time: 10,
            terminate_wait: 10,
            utc_now: None,
            expected_peer: None,
        }
    }
}

/// The device's own credentials: its certificate, its static private key
/// and the CA's public key (the trust anchor).
#[derive(Clone)]
pub struct LocalIdentity<const N: usize> {
    /// Our certificate.
    pub certificate: Certificate<N>,
    /// Our static private key (zeroized on drop).
    pub private_key: Scalar<N>,
    /// The certificate authority's public key.
    pub ca_public: Point<N>,
}

impl<const N: usize> core::fmt::Debug for LocalIdentity<N>
where
    Params<N>: SuiteParams<N>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalIdentity")
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

/// Outcomes reported to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Both MACs checked: the new link key for `partner`.
    Established {
        /// The partner's IEEE address (from its certificate).
        partner: [u8; 8],
        /// The link key (KeyData).
        link_key: SecretBytes<16>,
    },
    /// We ended the exchange with this status (a Terminate is queued).
    Failed(TerminateStatus),
    /// The peer sent Terminate Key Establishment.
    PeerTerminated {
        /// Its status.
        status: TerminateStatus,
        /// Seconds it asks us to wait.
        wait_time: u8,
    },
    /// The peer did not answer in time.
    TimedOut,
}

/// Errors of [`KeyEstablishment::handle_input`]; the machine has already
/// reacted (queued a Terminate or ignored the frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// The frame did not decode.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The exchange had already ended.
    #[error("key establishment already finished")]
    Finished,
    /// The exchange was terminated with this status.
    #[error("key establishment terminated: {0:?}")]
    Terminated(TerminateStatus),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    AwaitInitiate,
    AwaitEphemeral,
    AwaitConfirm,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Initiate,
    Ephemeral,
    Confirm,
    Terminate(TerminateStatus),
}

/// One key establishment, either side, for the suite with `N` limbs
/// (3: suite 1, 5: suite 2).
#[must_use]
pub struct KeyEstablishment<const N: usize>
where
    Params<N>: SuiteParams<N>,
{
    role: Role,
    state: State,
    config: Config,
    local: LocalIdentity<N>,
    ephemeral: Scalar<N>,
    ephemeral_pub: Point<N>,
    peer_cert: Option<Certificate<N>>,
    peer_static: Option<Point<N>>,
    peer_ephemeral: [u8; 37],
    keys: Option<DerivedKeys>,
    expected_mac: [u8; 16],
    own_mac: [u8; 16],
    pending: Option<Pending>,
    event: Option<Event>,
    deadline: Option<Instant>,
    last_input: [u8; MAX_FRAME_LEN],
    last_input_len: usize,
    peer_wait: u8,
}

impl<const N: usize> core::fmt::Debug for KeyEstablishment<N>
where
    Params<N>: SuiteParams<N>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyEstablishment")
            .field("role", &self.role)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<const N: usize> Drop for KeyEstablishment<N>
where
    Params<N>: SuiteParams<N>,
{
    fn drop(&mut self) {
        self.expected_mac.zeroize();
        self.own_mac.zeroize();
    }
}

impl<const N: usize> KeyEstablishment<N>
where
    Params<N>: SuiteParams<N>,
{
    /// A machine for `role`; the ephemeral key pair is drawn from `rng` now.
    pub fn new<R: CryptoRng + ?Sized>(
        role: Role,
        local: LocalIdentity<N>,
        config: Config,
        rng: &mut R,
    ) -> Self {
        Self::with_ephemeral_key(role, local, config, Scalar::random(rng))
    }

    /// A machine with a given ephemeral private key: for known-answer
    /// tests and fuzzing only. Reusing an ephemeral key across exchanges
    /// breaks ECMQV's security; use [`Self::new`].
    pub fn with_ephemeral_key(
        role: Role,
        local: LocalIdentity<N>,
        config: Config,
        ephemeral: Scalar<N>,
    ) -> Self {
        let ephemeral_pub = Point::generator().mul(&ephemeral);
        Self {
            role,
            state: match role {
                Role::Initiator => State::Idle,
                Role::Responder => State::AwaitInitiate,
            },
            config,
            local,
            ephemeral,
            ephemeral_pub,
            peer_cert: None,
            peer_static: None,
            peer_ephemeral: [0; 37],
            keys: None,
            expected_mac: [0; 16],
            own_mac: [0; 16],
            pending: None,
            event: None,
            deadline: None,
            last_input: [0; MAX_FRAME_LEN],
            last_input_len: 0,
            peer_wait: 0,
        }
    }

    /// This side's role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the exchange has ended (established, failed or timed out).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// Initiator: queues the Initiate Key Establishment Request.
    pub fn start(&mut self, now: Instant) {
        if self.role == Role::Initiator && self.state == State::Idle {
            self.pending = Some(Pending::Initiate);
            self.state = State::AwaitInitiate;
            self.deadline = Some(now.saturating_add(self.config.timeout));
        }
    }

    fn fail(&mut self, status: TerminateStatus) -> MachineError {
        self.pending = Some(Pending::Terminate(status));
        self.event = Some(Event::Failed(status));
        self.finish();
        MachineError::Terminated(status)
    }

    fn finish(&mut self) {
        self.state = State::Done;
        self.deadline = None;
        self.keys = None;
        self.ephemeral.zeroize();
    }

    fn wait(&mut self, now: Instant, extra_secs: u8) {
        self.deadline = Some(
            now.saturating_add(self.config.timeout)
                .saturating_add(Duration::from_secs(u64::from(extra_secs))),
        );
    }

    /// Handles one received frame (`command id || payload`).
    pub fn handle_input(&mut self, now: Instant, frame: &[u8]) -> Result<(), MachineError> {
        if self.state == State::Done {
            return Err(MachineError::Finished);
        }
        if self.last_input_len != 0 && self.last_input.get(..self.last_input_len) == Some(frame) {
            return Ok(());
        }
        let message = match Message::decode::<N>(frame) {
            Ok(m) => m,
            Err(e) => {
                let _ = self.fail(TerminateStatus::BadMessage);
                return Err(e.into());
            }
        };
        if let Some(dst) = self.last_input.get_mut(..frame.len()) {
            dst.copy_from_slice(frame);
            self.last_input_len = frame.len();
        }
        match (self.state, message) {
            (
                _,
                Message::Terminate {
                    status, wait_time, ..
                },
            ) => {
                self.event = Some(Event::PeerTerminated { status, wait_time });
                self.pending = None;
                self.finish();
                Err(MachineError::Terminated(status))
            }
            (
                State::AwaitInitiate,
                Message::Initiate {
                    suite,
                    ephemeral_time,
                    confirm_time,
                    identity,
                },
            ) => self.on_initiate(now, suite, ephemeral_time.max(confirm_time), identity),
            (State::AwaitEphemeral, Message::EphemeralData(q)) => self.on_ephemeral(now, q),
            (State::AwaitConfirm, Message::ConfirmKey(mac)) => self.on_confirm(mac),
            _ => Err(self.fail(TerminateStatus::BadMessage)),
        }
    }

    fn on_initiate(
        &mut self,
        now: Instant,
        suite: u16,
        wait: u8,
        identity: &[u8],
    ) -> Result<(), MachineError> {
        if suite & <Params<N> as SuiteParams<N>>::SUITE_ID == 0 {
            return Err(self.fail(TerminateStatus::UnsupportedSuite));
        }
        let cert = Certificate::<N>::parse(identity)
            .map_err(|_| self.fail(TerminateStatus::BadMessage))?;
        if cert.issuer() != self.local.certificate.issuer() {
            return Err(self.fail(TerminateStatus::UnknownIssuer));
        }
        if let Some(now_utc) = self.config.utc_now
            && cert.check_validity(now_utc).is_err()
        {
            return Err(self.fail(TerminateStatus::InvalidCertificate));
        }
        if self
            .config
            .expected_peer
            .is_some_and(|p| p != cert.subject())
        {
            return Err(self.fail(TerminateStatus::BadMessage));
        }
        let q = cert
            .public_key(&self.local.ca_public)
            .map_err(|_| self.fail(TerminateStatus::InvalidCertificate))?;
        self.peer_cert = Some(cert);
        self.peer_static = Some(q);
        self.peer_wait = wait;
        self.state = State::AwaitEphemeral;
        self.pending = Some(match self.role {
            Role::Responder => Pending::Initiate,
            Role::Initiator => Pending::Ephemeral,
        });
        self.wait(now, wait);
        Ok(())
    }

    fn on_ephemeral(&mut self, now: Instant, q: &[u8]) -> Result<(), MachineError> {
        let peer_e =
            Point::<N>::from_compressed(q).map_err(|_| self.fail(TerminateStatus::BadMessage))?;
        let (Some(peer_s), Some(peer_cert)) = (self.peer_static, self.peer_cert) else {
            return Err(self.fail(TerminateStatus::BadMessage));
        };
        if let Some(dst) = self.peer_ephemeral.get_mut(..q.len()) {
            dst.copy_from_slice(q);
        }
        let mut z = [0u8; 36];
        let zlen = Point::<N>::COMPRESSED_LEN - 1;
        let z = z.get_mut(..zlen).unwrap_or_default();
        ecmqv::shared_secret(
            &self.local.private_key,
            &self.ephemeral,
            &self.ephemeral_pub,
            &peer_s,
            &peer_e,
            z,
        )
        .map_err(|_| self.fail(TerminateStatus::BadMessage))?;
        let keys = kdf::derive_keys(z);
        z.zeroize();
        let mut own_e = [0u8; 37];
        let own_e = own_e.get_mut(..q.len()).unwrap_or_default();
        self.ephemeral_pub.write_compressed(own_e);
        let own_id = self.local.certificate.subject();
        let peer_id = peer_cert.subject();
        let (id_u, id_v, qe_u, qe_v): (&[u8; 8], &[u8; 8], &[u8], &[u8]) = match self.role {
            Role::Initiator => (&own_id, &peer_id, own_e, q),
            Role::Responder => (&peer_id, &own_id, q, own_e),
        };
        let mac_u = kdf::confirmation_mac(&keys.mac_key, kdf::MAC_U_PREFIX, id_u, id_v, qe_u, qe_v);
        let mac_v = kdf::confirmation_mac(&keys.mac_key, kdf::MAC_V_PREFIX, id_v, id_u, qe_v, qe_u);
        let (own, expected) = match self.role {
            Role::Initiator => (mac_u, mac_v),
            Role::Responder => (mac_v, mac_u),
        };
        self.own_mac = own;
        self.expected_mac = expected;
        self.keys = Some(keys);
        self.state = State::AwaitConfirm;
        self.pending = Some(match self.role {
            Role::Responder => Pending::Ephemeral,
            Role::Initiator => Pending::Confirm,
        });
        self.wait(now, self.peer_wait);
        Ok(())
    }

    fn on_confirm(&mut self, mac: &[u8]) -> Result<(), MachineError> {
        if !bool::from(mac.ct_eq(&self.expected_mac)) {
            return Err(self.fail(TerminateStatus::BadKeyConfirm));
        }
        let link_key = SecretBytes::new(self.keys.as_ref().map_or([0; 16], |k| k.key_data));
        let partner = self.peer_cert.map_or([0; 8], |c| c.subject());
        self.event = Some(Event::Established { partner, link_key });
        if self.role == Role::Responder {
            self.pending = Some(Pending::Confirm);
        }
        self.finish();
        Ok(())
    }

    /// The next frame to send, written into `out` (at least
    /// [`MAX_FRAME_LEN`] octets is always enough); `None` if nothing is
    /// queued or `out` is too short (the frame then stays queued).
    pub fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<usize> {
        let pending = self.pending?;
        let suite = <Params<N> as SuiteParams<N>>::SUITE_ID;
        let mut eph = [0u8; 37];
        let eph = eph
            .get_mut(..Point::<N>::COMPRESSED_LEN)
            .unwrap_or_default();
        let message = match pending {
            Pending::Initiate => Message::Initiate {
                suite,
                ephemeral_time: self.config.ephemeral_time,
                confirm_time: self.config.confirm_time,
                identity: self.local.certificate.as_bytes(),
            },
            Pending::Ephemeral => {
                self.ephemeral_pub.write_compressed(eph);
                Message::EphemeralData(eph)
            }
            Pending::Confirm => Message::ConfirmKey(&self.own_mac),
            Pending::Terminate(status) => Message::Terminate {
                status,
                wait_time: self.config.terminate_wait,
                suite,
            },
        };
        let n = message.encode(out)?;
        self.pending = None;
        Some(n)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.event.take()
    }

    /// When [`Self::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Ends the exchange with [`Event::TimedOut`] once the deadline has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_some_and(|d| now >= d) {
            self.event = Some(Event::TimedOut);
            self.pending = None;
            self.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn terminate_status_round_trips() {
        for v in 0..=255u8 {
            assert_eq!(TerminateStatus::from_u8(v).to_u8(), v);
        }
    }
}
