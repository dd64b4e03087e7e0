//! The server side of an application association (Green Book, DLMS UA
//! 1000-2 ed. 10, clauses 9.3.2-9.3.5; IEC 62056-5-3 ed. 3 clauses 6.1-6.4):
//! AARQ validation and conformance negotiation, LLS and HLS verification,
//! GET/SET/ACTION dispatch to a caller's [`CosemServer`], block transfer
//! both ways, RLRQ/RLRE. Sans-IO: whole APDUs in and out.
//!
//! Rules applied (each refusal is a [`ServerEvent`]):
//! - the AARQ's application context must be LN referencing, ciphered
//!   exactly when the server has a [`SecurityContext`]; the mechanism must
//!   be the configured one; the negotiated conformance is the intersection
//!   of the proposed and the server's blocks (clause 9.4.6.1).
//! - After an HLS AARE only `reply_to_HLS_authentication` of the
//!   Association LN object is served; other requests get `read-write-denied`.
//! - A service outside the negotiated conformance gets an
//!   `ExceptionResponse` (state-error service-not-allowed, service-error
//!   service-not-supported).
//! - In a ciphered association every request must be a glo- APDU that
//!   passes the security context (policy, replay window, tag). Replays are
//!   dropped silently (an event), other security failures get an
//!   `ExceptionResponse` with deciphering-error.
//! - A repeated AARQ (same bytes, e.g. a retry after a lost AARE) gets the
//!   same AARE again, so the HLS challenge does not change under the client.
//! - Responses too long for the client's maximum PDU are sent as
//!   `get-response-with-datablock` blocks when block transfer with GET is
//!   negotiated, and an ACTION's long return parameters (their A-XDR `Data`
//!   encoding) as `action-response-with-pblock` blocks, each acknowledged
//!   by `action-request-next-pblock`, when block transfer with ACTION is
//!   negotiated (a repeat of the request re-sends block 1, it does not run
//!   the method again); long SET values and ACTION parameters are reassembled into
//!   a buffer bounded by `N` and [`ServerConfig::max_reassembly`]. A block
//!   number ahead of the expected one gets `data-block-number-invalid`
//!   (`data-block-unavailable` for ACTION) and leaves the transfer as it
//!   was; a repeat of the last block is acknowledged again; an older number
//!   (a late duplicate, answered already) is only reported as an event.
//!
//! Not supported (refused with an exception): SET/ACTION with list and
//! first datablock, short-name services,
//! ACCESS, general-block-transfer.

use super::auth::{
    ASSOCIATION_LN_CLASS, AuthError, Authentication, Challenge, HlsExchange, REPLY_TO_HLS_METHOD,
    hls_reply, hls_verify, lls_matches,
};
use super::{EVENT_CAPACITY, PROTECTION_OVERHEAD, Queue, Service, dedicated_counter, protect_out};
use crate::acse::{
    Aare, AcseApdu, AcseServiceUser, ApplicationContextName, AssociationResult,
    AuthenticationMechanism, AuthenticationValue, BerValue, BitString, Conformance,
    InitiateRequest, InitiateResponse, MechanismName, ReleaseResponseReason,
    ResultSourceDiagnostic, Rlre, UserInformation,
};
use crate::apdu::{
    ActionRequest, ActionResponse, ActionResponseWithOptionalData, ActionResult, ConfirmedService,
    ConfirmedServiceError, DataAccessResult, DataBlockG, DataBlockGResult, ExceptionResponse,
    GetDataResult, GetRequest, GetResponse, InvokeIdAndPriority, ServiceError, ServiceErrorKind,
    SetRequest, SetResponse, StateError,
};
use crate::axdr::{Decode, Encode, Writer};
use crate::block::{
    Accepted, BlockError, Blocks, GbtConfig, GbtInput, GbtLink, Reassembly, block_size,
};
use crate::descriptor::{AttributeDescriptor, MethodDescriptor, SelectiveAccess};
use crate::error::DecodeError;
use crate::security::{SecurityContext, SecurityError, SecurityKey};
use crate::{Apdu, Data, Obis};
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_core::CryptoRng;

/// The object model behind a server: the caller's. Each call gets the
/// request's descriptor and returns the value or the reason there is none.
pub trait CosemServer {
    /// GET of one attribute.
    ///
    /// # Errors
    /// The data-access-result the client receives.
    fn get<'s>(
        &'s mut self,
        attribute: &AttributeDescriptor,
        access: Option<&SelectiveAccess<'_>>,
    ) -> Result<Data<'s>, DataAccessResult>;

    /// SET of one attribute; returns the data-access-result.
    fn set(
        &mut self,
        attribute: &AttributeDescriptor,
        access: Option<&SelectiveAccess<'_>>,
        value: &Data<'_>,
    ) -> DataAccessResult;

    /// ACTION: invokes a method; returns its return parameters, if any.
    ///
    /// # Errors
    /// The action-result the client receives.
    fn action<'s>(
        &'s mut self,
        method: &MethodDescriptor,
        parameters: Option<&Data<'_>>,
    ) -> Result<Option<Data<'s>>, ActionResult>;
}

/// A server's configuration.
pub struct ServerConfig<'k> {
    /// Our system title (sent as responding-AP-title when ciphering or HLS).
    pub system_title: [u8; 8],
    /// The services this server supports; a client gets the intersection.
    pub conformance: Conformance,
    /// Our maximum receive PDU size (sent in the InitiateResponse).
    pub max_receive_pdu: u16,
    /// The authentication a client must pass.
    pub authentication: Authentication<'k>,
    /// The Association LN object's logical name (class 15).
    pub association_ln: Obis,
    /// Length of our HLS challenge StoC (8..=64).
    pub challenge_len: usize,
    /// Longest SET value / ACTION parameter reassembled from blocks
    /// (further bounded by `N`).
    pub max_reassembly: usize,
    /// An association idle this long is dropped (`None`: never).
    pub inactivity_timeout: Option<Duration>,
    /// General block transfer parameters (used when the conformance
    /// includes `general-block-transfer`: long responses then go as GBT
    /// blocks instead of datablocks).
    pub gbt: GbtConfig,
}

impl<'k> ServerConfig<'k> {
    /// Defaults: the usual conformance of a LN server (GET, SET, ACTION,
    /// selective access, multiple references, block transfer with GET, SET
    /// and ACTION), 1024-byte PDUs, association LN 0.0.40.0.0.255,
    /// 16-byte challenges, no inactivity timeout.
    #[must_use]
    pub fn new(system_title: [u8; 8], authentication: Authentication<'k>) -> Self {
        Self {
            system_title,
            conformance: Conformance::GET
                .union(Conformance::SET)
                .union(Conformance::ACTION)
                .union(Conformance::SELECTIVE_ACCESS)
                .union(Conformance::MULTIPLE_REFERENCES)
                .union(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ)
                .union(Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE)
                .union(Conformance::BLOCK_TRANSFER_WITH_ACTION),
            max_receive_pdu: 1024,
            authentication,
            association_ln: super::auth::ASSOCIATION_LN,
            challenge_len: 16,
            max_reassembly: usize::MAX,
            inactivity_timeout: None,
            gbt: GbtConfig::default(),
        }
    }
}

/// Why a request was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// No association is open.
    NotAssociated,
    /// HLS pass 3 has not succeeded yet.
    NotAuthenticated,
    /// The service is outside the negotiated conformance.
    OutsideConformance,
    /// The service is not implemented here.
    Unsupported,
    /// An unprotected request in a ciphered association.
    Unprotected,
}

/// What the server tells its application.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// An association is established (after HLS pass 3 for HLS).
    Associated {
        /// The mechanism used.
        mechanism: AuthenticationMechanism,
        /// The negotiated conformance.
        conformance: Conformance,
        /// The client's maximum receive PDU size.
        client_max_pdu: u16,
    },
    /// An AARQ was rejected; the AARE says why.
    AssociationRejected {
        /// The diagnostic sent.
        diagnostic: AcseServiceUser,
    },
    /// LLS password or HLS reply wrong (the association is dropped).
    AuthenticationFailed(AuthError),
    /// A request was served.
    Served {
        /// The service.
        service: Service,
        /// Its invoke id.
        invoke_id: u8,
    },
    /// A request was refused.
    Refused {
        /// The service (or `None` when unknown).
        service: Option<Service>,
        /// Why.
        reason: Refusal,
    },
    /// A protected APDU failed the security context (replay, tag, policy).
    SecurityRejected(SecurityError),
    /// A block of a SET/ACTION transfer or a GET next request was refused.
    BlockRejected(BlockError),
    /// An APDU did not decode.
    Malformed(DecodeError),
    /// An output did not fit `N` (or the counter failed): nothing was sent.
    OutputFailed(SecurityError),
    /// Input arrived before the previous output was polled; it was dropped.
    InputDropped,
    /// The association was released (RLRQ).
    Released,
    /// The association was dropped for inactivity.
    InactivityTimeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    AwaitingHls,
    Associated,
}

/// An outgoing transfer by blocks (a GET value, or an ACTION's return
/// parameters): the value is in `big`.
#[derive(Debug, Clone, Copy)]
struct Outgoing {
    invoke: InvokeIdAndPriority,
    blocks: Blocks,
    sent: u32,
    /// `action-response-with-pblock` blocks rather than GET datablocks.
    action: bool,
}

#[derive(Debug, Clone, Copy)]
enum Incoming {
    Set {
        invoke: InvokeIdAndPriority,
        attribute: AttributeDescriptor,
        reasm: Reassembly,
    },
    Action {
        invoke: InvokeIdAndPriority,
        method: MethodDescriptor,
        reasm: Reassembly,
    },
}

const AARE_MAX: usize = 192;
const GBT_TAG: u8 = 224;

struct Core<'k, P: CryptoProvider, S: CounterStore, A: CosemServer> {
    config: ServerConfig<'k>,
    provider: P,
    security: Option<SecurityContext<P>>,
    store: S,
    app: A,
    phase: Phase,
    conformance: Conformance,
    client_max_pdu: u16,
    client_title: Option<[u8; 8]>,
    ctos: Option<Challenge>,
    stoc: Option<Challenge>,
    aarq_digest: Option<[u8; 32]>,
    aare: [u8; AARE_MAX],
    aare_len: usize,
    outgoing: Option<Outgoing>,
    incoming: Option<Incoming>,
    last_activity: Instant,
    events: Queue<ServerEvent, EVENT_CAPACITY>,
    gbt: GbtLink,
    /// A dedicated key is installed: responses go ded- protected.
    dedicated: bool,
}

struct Bufs<const N: usize> {
    scratch: [u8; N],
    big: [u8; N],
    tx: [u8; N],
    tx_len: usize,
    /// `tx` goes out as GBT blocks.
    tx_gbt: bool,
}

/// The server machine; `N` bytes per working buffer (four of them).
pub struct Server<'k, P: CryptoProvider, S: CounterStore, A: CosemServer, const N: usize> {
    core: Core<'k, P, S, A>,
    rx: [u8; N],
    /// GBT reassembly.
    gin: [u8; N],
    bufs: Bufs<N>,
}

impl<P: CryptoProvider, S: CounterStore, A: CosemServer, const N: usize> core::fmt::Debug
    for Server<'_, P, S, A, N>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("phase", &self.core.phase)
            .field("conformance", &self.core.conformance)
            .finish_non_exhaustive()
    }
}

fn exception(service_error: ServiceError) -> ExceptionResponse {
    ExceptionResponse {
        state_error: StateError::ServiceNotAllowed,
        service_error,
    }
}

impl<'k, P: CryptoProvider, S: CounterStore, A: CosemServer, const N: usize>
    Server<'k, P, S, A, N>
{
    /// A server with `config`, the crypto `provider`, an optional security
    /// context (present: the association must be ciphered), the counter
    /// store for its invocation counters and the application's object model.
    pub fn new(
        config: ServerConfig<'k>,
        provider: P,
        security: Option<SecurityContext<P>>,
        store: S,
        app: A,
    ) -> Self {
        let gbt = config.gbt;
        Self {
            core: Core {
                config,
                provider,
                security,
                store,
                app,
                phase: Phase::Idle,
                conformance: Conformance::from_bits(0),
                client_max_pdu: 0,
                client_title: None,
                ctos: None,
                stoc: None,
                aarq_digest: None,
                aare: [0; AARE_MAX],
                aare_len: 0,
                outgoing: None,
                incoming: None,
                last_activity: Instant::from_micros(0),
                events: Queue::new(),
                gbt: GbtLink::new(gbt),
                dedicated: false,
            },
            rx: [0; N],
            gin: [0; N],
            bufs: Bufs {
                scratch: [0; N],
                big: [0; N],
                tx: [0; N],
                tx_len: 0,
                tx_gbt: false,
            },
        }
    }

    /// The application's object model.
    pub fn app(&self) -> &A {
        &self.core.app
    }

    /// The application's object model, mutable.
    pub fn app_mut(&mut self) -> &mut A {
        &mut self.core.app
    }

    /// The security context, if ciphering.
    pub fn security(&self) -> Option<&SecurityContext<P>> {
        self.core.security.as_ref()
    }

    /// Whether an association is open (HLS pass 3 passed, if HLS).
    #[must_use]
    pub fn is_associated(&self) -> bool {
        self.core.phase == Phase::Associated
    }

    /// The negotiated conformance (empty before an association).
    #[must_use]
    pub fn conformance(&self) -> Conformance {
        self.core.conformance
    }

    /// Events dropped because the queue was full.
    #[must_use]
    pub fn events_dropped(&self) -> u32 {
        self.core.events.dropped()
    }

    /// Feeds one received APDU. `rng` supplies the HLS challenge. Call
    /// [`Server::poll_transmit`] and [`Server::poll_event`] afterwards.
    pub fn handle_input<R: CryptoRng + ?Sized>(&mut self, now: Instant, rng: &mut R, apdu: &[u8]) {
        if apdu.first() == Some(&GBT_TAG) {
            self.core.last_activity = now;
            return self.on_gbt(now, rng, apdu);
        }
        Self::input(&mut self.core, &mut self.rx, &mut self.bufs, now, rng, apdu);
    }

    fn on_gbt<R: CryptoRng + ?Sized>(&mut self, now: Instant, rng: &mut R, apdu: &[u8]) {
        let g = match Apdu::decode(apdu) {
            Ok(Apdu::GeneralBlockTransfer(g)) => g,
            Ok(_) => return,
            Err(e) => return self.core.events.push(ServerEvent::Malformed(e)),
        };
        if !self.core.allowed(Conformance::GENERAL_BLOCK_TRANSFER) {
            self.core.events.push(ServerEvent::Refused {
                service: None,
                reason: Refusal::OutsideConformance,
            });
            return self.core.send_exception(
                &mut self.bufs,
                exception(ServiceError::ServiceNotSupported {}),
            );
        }
        match self.core.gbt.handle_input(now, &g, &mut self.gin) {
            GbtInput::Nothing => {}
            GbtInput::Refused(e) => self.core.events.push(ServerEvent::BlockRejected(e)),
            GbtInput::Complete(len) => {
                let apdu = self.gin.get(..len).unwrap_or(&[]);
                Self::input(&mut self.core, &mut self.rx, &mut self.bufs, now, rng, apdu);
            }
        }
    }

    fn input<R: CryptoRng + ?Sized>(
        core: &mut Core<'k, P, S, A>,
        rx: &mut [u8; N],
        bufs: &mut Bufs<N>,
        now: Instant,
        rng: &mut R,
        apdu: &[u8],
    ) {
        if bufs.tx_len != 0 {
            if !bufs.tx_gbt {
                core.events.push(ServerEvent::InputDropped);
                return;
            }
            // A new request: the peer has the previous GBT response.
            core.gbt.stop_send();
            bufs.tx_len = 0;
            bufs.tx_gbt = false;
        }
        core.last_activity = now;
        let Some(&tag) = apdu.first() else {
            core.events.push(ServerEvent::Malformed(DecodeError::new(
                0,
                crate::DecodeErrorKind::Truncated { needed: 1 },
            )));
            return;
        };
        if AcseApdu::is_acse_tag(tag) {
            core.on_acse(rng, apdu, rx, bufs);
            return;
        }
        let protected = matches!(
            Apdu::decode(apdu),
            Ok(Apdu::Ciphered(_) | Apdu::GeneralGloCiphering(_) | Apdu::GeneralDedCiphering(_))
        );
        let plain: &[u8] = match (core.security.as_mut(), protected) {
            (Some(ctx), true) => match ctx.unprotect(apdu, rx) {
                Ok(r) => r.plaintext,
                Err(e) => {
                    core.events.push(ServerEvent::SecurityRejected(e));
                    if !matches!(e, SecurityError::Replay(_)) {
                        core.send_exception(bufs, exception(ServiceError::DecipheringError {}));
                    }
                    return;
                }
            },
            (Some(_), false) => {
                core.events.push(ServerEvent::Refused {
                    service: None,
                    reason: Refusal::Unprotected,
                });
                core.send_exception(bufs, exception(ServiceError::OperationNotPossible {}));
                return;
            }
            (None, true) => {
                core.events.push(ServerEvent::Refused {
                    service: None,
                    reason: Refusal::Unsupported,
                });
                core.send_exception(bufs, exception(ServiceError::DecipheringError {}));
                return;
            }
            (None, false) => apdu,
        };
        core.on_xdlms(plain, bufs);
    }

    /// The next APDU to send, written to `buf`; `None` when there is none
    /// (or `buf` is too small: it stays queued).
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        super::poll_outgoing(
            &mut self.core.gbt,
            &self.bufs.tx,
            &mut self.bufs.tx_len,
            &mut self.bufs.tx_gbt,
            now,
            buf,
        )
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.core.events.pop()
    }

    /// When [`Server::handle_timeout`] must be called (the inactivity timer).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let idle = match (self.core.phase, self.core.config.inactivity_timeout) {
            (Phase::Idle, _) | (_, None) => None,
            (_, Some(t)) => self.core.last_activity.checked_add(t),
        };
        match (idle, self.core.gbt.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Drops an idle association once its inactivity timer has passed;
    /// drives the GBT timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(e) = self.core.gbt.handle_timeout(now) {
            self.core.events.push(ServerEvent::BlockRejected(e));
            if self.bufs.tx_gbt && !self.core.gbt.is_sending() {
                self.bufs.tx_len = 0;
                self.bufs.tx_gbt = false;
            }
        }
        let idle = match (self.core.phase, self.core.config.inactivity_timeout) {
            (Phase::Idle, _) | (_, None) => None,
            (_, Some(t)) => self.core.last_activity.checked_add(t),
        };
        if idle.is_some_and(|t| now >= t) {
            self.core.reset();
            self.core.gbt.reset();
            self.bufs.tx_len = 0;
            self.bufs.tx_gbt = false;
            self.core.events.push(ServerEvent::InactivityTimeout);
        }
    }
}

impl<P: CryptoProvider, S: CounterStore, A: CosemServer> Core<'_, P, S, A> {
    fn reset(&mut self) {
        self.drop_dedicated_key();
        self.phase = Phase::Idle;
        self.conformance = Conformance::from_bits(0);
        self.outgoing = None;
        self.incoming = None;
        self.ctos = None;
        self.stoc = None;
    }

    /// Protects `scratch[..n]` into `tx`; too long for the client's PDU
    /// with general block transfer negotiated, it goes as GBT blocks.
    fn send<const N: usize>(&mut self, b: &mut Bufs<N>, n: usize) {
        let plain = b.scratch.get(..n).unwrap_or(&[]);
        let scope = if self.dedicated {
            crate::apdu::KeyScope::Dedicated
        } else {
            crate::apdu::KeyScope::Global
        };
        match protect_out(
            self.security.as_mut(),
            &mut self.store,
            scope,
            plain,
            &mut b.tx,
        ) {
            Ok(len) => {
                b.tx_len = len;
                b.tx_gbt = false;
                self.gbt.stop_send();
                let max = self.max_out::<N>();
                if len > max && self.allowed(Conformance::GENERAL_BLOCK_TRANSFER) {
                    match self.gbt.start_send(len, max) {
                        Ok(()) => b.tx_gbt = true,
                        Err(e) => {
                            b.tx_len = 0;
                            self.events.push(ServerEvent::BlockRejected(e));
                        }
                    }
                }
            }
            Err(e) => self.events.push(ServerEvent::OutputFailed(e)),
        }
    }

    fn send_apdu<const N: usize>(&mut self, b: &mut Bufs<N>, apdu: &Apdu<'_>) {
        match apdu.encode(&mut b.scratch) {
            Ok(n) => self.send(b, n),
            Err(_) => self
                .events
                .push(ServerEvent::OutputFailed(SecurityError::BufferTooSmall {
                    needed: apdu.encoded_len(),
                })),
        }
    }

    fn send_exception<const N: usize>(&mut self, b: &mut Bufs<N>, e: ExceptionResponse) {
        let apdu = Apdu::ExceptionResponse(e);
        match apdu.encode(&mut b.tx) {
            Ok(n) => b.tx_len = n,
            Err(_) => self
                .events
                .push(ServerEvent::OutputFailed(SecurityError::BufferTooSmall {
                    needed: 3,
                })),
        }
    }

    /// Forgets the association's dedicated key (release, a new AARQ, a rejection).
    fn drop_dedicated_key(&mut self) {
        if let Some(ctx) = self.security.as_mut() {
            ctx.clear_dedicated_key();
        }
        self.dedicated = false;
    }

    fn max_out<const N: usize>(&self) -> usize {
        let m = usize::from(self.client_max_pdu);
        if m == 0 { N } else { m.min(N) }
    }

    fn overhead(&self) -> usize {
        if self.security.is_some() {
            PROTECTION_OVERHEAD
        } else {
            0
        }
    }

    // ---------------------------------------------------------------- ACSE

    fn on_acse<R: CryptoRng + ?Sized, const N: usize>(
        &mut self,
        rng: &mut R,
        apdu: &[u8],
        rx: &mut [u8; N],
        b: &mut Bufs<N>,
    ) {
        match AcseApdu::decode(apdu) {
            Ok(AcseApdu::Aarq(aarq)) => {
                let digest = self.provider.sha256(&[apdu]);
                if self.phase != Phase::Idle && self.aarq_digest == Some(digest) {
                    // A repeated AARQ: the same AARE again.
                    if let (Some(src), Some(dst)) = (
                        self.aare.get(..self.aare_len),
                        b.tx.get_mut(..self.aare_len),
                    ) {
                        dst.copy_from_slice(src);
                        b.tx_len = self.aare_len;
                    }
                    return;
                }
                self.reset();
                self.aarq_digest = Some(digest);
                self.on_aarq(rng, &aarq, rx, b);
            }
            Ok(AcseApdu::Rlrq(_)) => {
                let was = self.phase != Phase::Idle;
                self.reset();
                self.gbt.reset();
                self.aarq_digest = None;
                let rlre = AcseApdu::Rlre(Rlre {
                    reason: Some(ReleaseResponseReason::Normal),
                    user_information: None,
                });
                if let Ok(n) = rlre.encode(&mut b.tx) {
                    b.tx_len = n;
                }
                if was {
                    self.events.push(ServerEvent::Released);
                }
            }
            Ok(other) => self.events.push(ServerEvent::Refused {
                service: Some(match other {
                    AcseApdu::Aare(_) => Service::Associate,
                    _ => Service::Release,
                }),
                reason: Refusal::Unsupported,
            }),
            Err(e) => self.events.push(ServerEvent::Malformed(e)),
        }
    }

    fn reject<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        context: ApplicationContextName<'_>,
        diagnostic: AcseServiceUser,
        user_information: Option<UserInformation<'_>>,
    ) {
        let aare = Aare {
            protocol_version: None,
            application_context_name: context,
            result: AssociationResult::RejectedPermanent,
            result_source_diagnostic: ResultSourceDiagnostic::ServiceUser(diagnostic),
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responding_ap_invocation_id: None,
            responding_ae_invocation_id: None,
            responder_acse_requirements: None,
            mechanism_name: None,
            responding_authentication_value: None,
            implementation_information: None,
            user_information,
        };
        self.store_aare(b, &AcseApdu::Aare(aare));
        self.drop_dedicated_key();
        self.phase = Phase::Idle;
        self.events
            .push(ServerEvent::AssociationRejected { diagnostic });
    }

    fn store_aare<const N: usize>(&mut self, b: &mut Bufs<N>, aare: &AcseApdu<'_>) {
        match aare.encode(&mut self.aare) {
            Ok(n) => {
                self.aare_len = n;
                if let (Some(src), Some(dst)) = (self.aare.get(..n), b.tx.get_mut(..n)) {
                    dst.copy_from_slice(src);
                    b.tx_len = n;
                }
            }
            Err(_) => self
                .events
                .push(ServerEvent::OutputFailed(SecurityError::BufferTooSmall {
                    needed: aare.encoded_len(),
                })),
        }
    }

    #[allow(clippy::too_many_lines)] // The AARQ checks of clause 9.4.2, in the standard's order.
    fn on_aarq<R: CryptoRng + ?Sized, const N: usize>(
        &mut self,
        rng: &mut R,
        aarq: &crate::acse::Aarq<'_>,
        rx: &mut [u8; N],
        b: &mut Bufs<N>,
    ) {
        let ciphered = self.security.is_some();
        let context = if ciphered {
            ApplicationContextName::LogicalNameCiphered
        } else {
            ApplicationContextName::LogicalName
        };
        if aarq.application_context_name != context {
            return self.reject(
                b,
                context,
                AcseServiceUser::ApplicationContextNameNotSupported,
                None,
            );
        }
        let mechanism = self.config.authentication.mechanism();
        let proposed = aarq.mechanism().unwrap_or(AuthenticationMechanism::Lowest);
        if proposed != mechanism || (aarq.mechanism_name.is_some() && aarq.mechanism().is_none()) {
            let d = if proposed == AuthenticationMechanism::Lowest {
                AcseServiceUser::AuthenticationRequired
            } else {
                AcseServiceUser::AuthenticationMechanismNameNotRecognised
            };
            return self.reject(b, context, d, None);
        }
        let is_hls = matches!(self.config.authentication, Authentication::High(_));
        // The client's system title (calling-AP-title).
        self.client_title = aarq
            .calling_ap_title
            .and_then(|t| t.as_octets())
            .and_then(|t| <[u8; 8]>::try_from(t).ok());
        if (ciphered || is_hls) && self.client_title.is_none() {
            return self.reject(
                b,
                context,
                AcseServiceUser::CallingApTitleNotRecognized,
                None,
            );
        }
        if let (Some(ctx), Some(t)) = (self.security.as_mut(), self.client_title) {
            ctx.set_peer_system_title(t);
        }
        let value = aarq
            .calling_authentication_value
            .map(|v| v.as_bytes())
            .unwrap_or(&[]);
        match &self.config.authentication {
            Authentication::None => {}
            Authentication::Low { password } => {
                if !lls_matches(password, value) {
                    self.events
                        .push(ServerEvent::AuthenticationFailed(AuthError::WrongPassword));
                    return self.reject(b, context, AcseServiceUser::AuthenticationFailure, None);
                }
            }
            Authentication::High(_) => match Challenge::from_slice(value) {
                Ok(c) => self.ctos = Some(c),
                Err(e) => {
                    self.events.push(ServerEvent::AuthenticationFailed(e));
                    return self.reject(b, context, AcseServiceUser::AuthenticationFailure, None);
                }
            },
        }
        // The InitiateRequest, ciphered (glo-initiateRequest) in a ciphered context.
        let request = match (aarq.user_information, self.security.as_mut()) {
            (Some(UserInformation::InitiateRequest(i)), None) => Some(i),
            (Some(UserInformation::Apdu(a @ Apdu::Ciphered(_))), Some(ctx)) => {
                let n = a.encode(&mut b.scratch).unwrap_or(0);
                match ctx.unprotect(b.scratch.get(..n).unwrap_or(&[]), rx) {
                    Ok(r) => match UserInformation::decode_apdu(r.plaintext, 0) {
                        Ok(UserInformation::InitiateRequest(i)) => Some(i),
                        Ok(_) => None,
                        Err(e) => {
                            self.events.push(ServerEvent::Malformed(e));
                            None
                        }
                    },
                    Err(e) => {
                        self.events.push(ServerEvent::SecurityRejected(e));
                        return self.reject(b, context, AcseServiceUser::NoReasonGiven, None);
                    }
                }
            }
            _ => None,
        };
        let Some(request) = request else {
            return self.reject(b, context, AcseServiceUser::NoReasonGiven, None);
        };
        if let Some(e) = initiate_error(&request) {
            let ui = UserInformation::Apdu(Apdu::ConfirmedServiceError(e));
            return self.reject(b, context, AcseServiceUser::NoReasonGiven, Some(ui));
        }
        self.conformance = request
            .proposed_conformance
            .intersection(self.config.conformance);
        self.client_max_pdu = request.client_max_receive_pdu_size;
        // The client's dedicated key (only inside a ciphered InitiateRequest):
        // from now on both sides protect with it (ded- APDUs).
        if let (Some(key), Some(ctx)) = (request.dedicated_key, self.security.as_mut()) {
            match SecurityKey::new(key).and_then(|k| ctx.set_dedicated_key(&k, dedicated_counter()))
            {
                Ok(()) => self.dedicated = true,
                Err(e) => {
                    self.events.push(ServerEvent::SecurityRejected(e));
                    return self.reject(b, context, AcseServiceUser::NoReasonGiven, None);
                }
            }
        }
        let response = InitiateResponse {
            negotiated_quality_of_service: None,
            negotiated_dlms_version_number: 6,
            negotiated_conformance: self.conformance,
            server_max_receive_pdu_size: self.config.max_receive_pdu,
            vaa_name: 0x0007,
        };
        // The InitiateResponse, protected when ciphering, built in `rx`.
        let mut plain = [0u8; 16];
        let pn = UserInformation::InitiateResponse(response)
            .apdu_len()
            .min(plain.len());
        let mut w = Writer::new(&mut plain);
        let _ = w.u8(InitiateResponse::TAG);
        let _ = response.write(&mut w);
        let ui_bytes: &[u8] = match self.security.as_mut() {
            Some(ctx) => {
                let r = ctx.protect(
                    &mut self.store,
                    crate::apdu::KeyScope::Global,
                    plain.get(..pn).unwrap_or(&[]),
                    rx,
                );
                match r {
                    Ok(n) => rx.get(..n).unwrap_or(&[]),
                    Err(e) => {
                        self.events.push(ServerEvent::OutputFailed(e));
                        return;
                    }
                }
            }
            None => plain.get(..pn).unwrap_or(&[]),
        };
        let user_information = match UserInformation::decode_apdu(ui_bytes, 0) {
            Ok(u) => u,
            Err(e) => {
                self.events.push(ServerEvent::Malformed(e));
                return;
            }
        };
        let stoc = if is_hls {
            let c = Challenge::generate(rng, self.config.challenge_len);
            self.stoc = Some(c);
            Some(c)
        } else {
            None
        };
        let title = self.config.system_title;
        let send_title = ciphered || is_hls;
        let aare = Aare {
            protocol_version: None,
            application_context_name: context,
            result: AssociationResult::Accepted,
            result_source_diagnostic: ResultSourceDiagnostic::ServiceUser(if is_hls {
                AcseServiceUser::AuthenticationRequired
            } else {
                AcseServiceUser::Null
            }),
            responding_ap_title: send_title.then(|| BerValue::octet_string(&title)),
            responding_ae_qualifier: None,
            responding_ap_invocation_id: None,
            responding_ae_invocation_id: None,
            responder_acse_requirements: (mechanism != AuthenticationMechanism::Lowest)
                .then_some(BitString::BIT0),
            mechanism_name: (mechanism != AuthenticationMechanism::Lowest)
                .then_some(MechanismName::Dlms(mechanism)),
            responding_authentication_value: stoc
                .as_ref()
                .map(|c| AuthenticationValue::CharString(c.as_bytes())),
            implementation_information: None,
            user_information: Some(user_information),
        };
        self.store_aare(b, &AcseApdu::Aare(aare));
        if is_hls {
            self.phase = Phase::AwaitingHls;
        } else {
            self.phase = Phase::Associated;
            self.events.push(ServerEvent::Associated {
                mechanism,
                conformance: self.conformance,
                client_max_pdu: self.client_max_pdu,
            });
        }
    }

    // --------------------------------------------------------------- xDLMS

    fn refuse<const N: usize>(&mut self, b: &mut Bufs<N>, service: Service, reason: Refusal) {
        self.events.push(ServerEvent::Refused {
            service: Some(service),
            reason,
        });
        let e = match reason {
            Refusal::OutsideConformance | Refusal::Unsupported => {
                ServiceError::ServiceNotSupported {}
            }
            _ => ServiceError::OperationNotPossible {},
        };
        self.send_exception(b, exception(e));
    }

    fn allowed(&self, bit: Conformance) -> bool {
        self.conformance.contains(bit)
    }

    fn on_xdlms<const N: usize>(&mut self, plain: &[u8], b: &mut Bufs<N>) {
        let apdu = match Apdu::decode(plain) {
            Ok(a) => a,
            Err(e) => {
                self.events.push(ServerEvent::Malformed(e));
                return;
            }
        };
        let service = match apdu {
            Apdu::GetRequest(_) => Service::Get,
            Apdu::SetRequest(_) => Service::Set,
            Apdu::ActionRequest(_) => Service::Action,
            _ => {
                self.events.push(ServerEvent::Refused {
                    service: None,
                    reason: Refusal::Unsupported,
                });
                let e = ExceptionResponse {
                    state_error: StateError::ServiceUnknown,
                    service_error: ServiceError::ServiceNotSupported {},
                };
                self.send_exception(b, e);
                return;
            }
        };
        if self.phase == Phase::Idle {
            return self.refuse(b, service, Refusal::NotAssociated);
        }
        match apdu {
            Apdu::GetRequest(r) => self.on_get(&r, b),
            Apdu::SetRequest(r) => self.on_set(&r, b),
            Apdu::ActionRequest(r) => self.on_action(&r, b),
            _ => {}
        }
    }

    fn served(&mut self, service: Service, invoke: InvokeIdAndPriority) {
        self.events.push(ServerEvent::Served {
            service,
            invoke_id: invoke.invoke_id(),
        });
    }

    fn on_get<const N: usize>(&mut self, r: &GetRequest<'_>, b: &mut Bufs<N>) {
        if !self.allowed(Conformance::GET) {
            return self.refuse(b, Service::Get, Refusal::OutsideConformance);
        }
        match r {
            GetRequest::Normal {
                invoke_id,
                attribute,
                access,
            } => {
                if access.is_some() && !self.allowed(Conformance::SELECTIVE_ACCESS) {
                    return self.refuse(b, Service::Get, Refusal::OutsideConformance);
                }
                if let Some(o) = self
                    .outgoing
                    .filter(|o| o.invoke.0 == invoke_id.0 && !o.action)
                {
                    // A repeat of the request that opened this transfer (a
                    // retry or a duplicate): block 1 again, state kept.
                    let sent = o.sent;
                    self.send_block(b, 1);
                    if let Some(o) = self.outgoing.as_mut() {
                        o.sent = sent;
                    }
                    return;
                }
                self.outgoing = None;
                if self.phase != Phase::Associated {
                    self.events.push(ServerEvent::Refused {
                        service: Some(Service::Get),
                        reason: Refusal::NotAuthenticated,
                    });
                    return self.get_error(b, *invoke_id, DataAccessResult::ReadWriteDenied);
                }
                let result = self.app.get(attribute, access.as_ref());
                let len = match result {
                    Ok(d) => match d.encode(&mut b.big) {
                        Ok(n) => n,
                        Err(_) => {
                            return self.get_error(b, *invoke_id, DataAccessResult::OtherReason);
                        }
                    },
                    Err(e) => return self.get_error(b, *invoke_id, e),
                };
                self.served(Service::Get, *invoke_id);
                self.respond_get(b, *invoke_id, len, 1);
            }
            GetRequest::WithList {
                invoke_id,
                attributes,
            } => {
                if !self.allowed(Conformance::MULTIPLE_REFERENCES) {
                    return self.refuse(b, Service::Get, Refusal::OutsideConformance);
                }
                self.outgoing = None;
                let authenticated = self.phase == Phase::Associated;
                let mut w = Writer::new(&mut b.big);
                let mut ok = w.length(attributes.len()).is_ok();
                for a in attributes.iter() {
                    let r = if authenticated {
                        self.app.get(&a.attribute, a.access.as_ref())
                    } else {
                        Err(DataAccessResult::ReadWriteDenied)
                    };
                    let r = match r {
                        Ok(d) => GetDataResult::Data { data: d },
                        Err(e) => GetDataResult::DataAccessResult { result: e },
                    };
                    ok &= r.write(&mut w).is_ok();
                }
                let len = w.written();
                if !ok {
                    return self.get_error(b, *invoke_id, DataAccessResult::OtherReason);
                }
                self.served(Service::Get, *invoke_id);
                self.respond_get(b, *invoke_id, len, 3);
            }
            GetRequest::Next {
                invoke_id,
                block_number,
            } => self.on_get_next(b, *invoke_id, *block_number),
        }
    }

    fn get_error<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        e: DataAccessResult,
    ) {
        let apdu = Apdu::GetResponse(GetResponse::Normal {
            invoke_id: invoke,
            result: GetDataResult::DataAccessResult { result: e },
        });
        self.send_apdu(b, &apdu);
    }

    /// Sends `big[..len]` (a Data for `choice` 1, a result list for 3)
    /// whole or, when too long, as the first of its blocks.
    fn respond_get<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        len: usize,
        choice: u8,
    ) {
        let header = if choice == 1 { 4 } else { 3 };
        let gbt = self.allowed(Conformance::GENERAL_BLOCK_TRANSFER);
        if gbt || header + len + self.overhead() <= self.max_out::<N>() {
            let head: [u8; 4] = [0xc4, choice, invoke.0, 0];
            if let (Some(out), Some(data), Some(h)) = (
                b.scratch.get_mut(..header + len),
                b.big.get(..len),
                head.get(..header),
            ) {
                let (oh, od) = out.split_at_mut(header);
                oh.copy_from_slice(h);
                od.copy_from_slice(data);
                return self.send(b, header + len);
            }
        }
        if gbt {
            return self.get_error(b, invoke, DataAccessResult::OtherReason);
        }
        if !self.allowed(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ) {
            return self.get_error(b, invoke, DataAccessResult::OtherReason);
        }
        // get-response-with-datablock: C4 02 invoke last number(4) 00 len raw.
        let size = block_size(self.max_out::<N>(), 9, self.overhead());
        self.outgoing = Some(Outgoing {
            invoke,
            blocks: Blocks::new(len, size),
            sent: 0,
            action: false,
        });
        self.send_block(b, 1);
    }

    fn send_block<const N: usize>(&mut self, b: &mut Bufs<N>, number: u32) {
        let Some(o) = self.outgoing.as_mut() else {
            return;
        };
        let Some((range, last)) = o.blocks.block(number) else {
            return;
        };
        o.sent = number;
        let invoke = o.invoke;
        let raw_data = b.big.get(range).unwrap_or(&[]);
        let apdu = if o.action {
            Apdu::ActionResponse(ActionResponse::WithPBlock {
                invoke_id: invoke,
                pblock: crate::apdu::DataBlockSa {
                    last_block: last,
                    block_number: number,
                    raw_data,
                },
            })
        } else {
            Apdu::GetResponse(GetResponse::WithDataBlock {
                invoke_id: invoke,
                result: DataBlockG {
                    last_block: last,
                    block_number: number,
                    result: DataBlockGResult::RawData { raw_data },
                },
            })
        };
        match apdu.encode(&mut b.scratch) {
            Ok(n) => self.send(b, n),
            Err(_) => self
                .events
                .push(ServerEvent::OutputFailed(SecurityError::BufferTooSmall {
                    needed: apdu.encoded_len(),
                })),
        }
    }

    fn on_get_next<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        number: u32,
    ) {
        let Some(o) = self.outgoing else {
            self.events
                .push(ServerEvent::BlockRejected(BlockError::NotInProgress));
            return self.block_error(b, invoke, number, DataAccessResult::NoLongGetInProgress);
        };
        if o.invoke.invoke_id() != invoke.invoke_id() || o.action {
            self.events
                .push(ServerEvent::BlockRejected(BlockError::NotInProgress));
            return self.block_error(b, invoke, number, DataAccessResult::NoLongGetInProgress);
        }
        if self.next_block(b, o, number) {
            self.block_error(b, invoke, number, DataAccessResult::DataBlockNumberInvalid);
        }
    }

    /// Answers the peer's acknowledgement of block `number` of `o`: the
    /// next block, or the last one sent again when it was lost. Returns
    /// whether the number is ahead of the transfer (to be refused); an old
    /// number (a late duplicate, answered already) is only an event.
    fn next_block<const N: usize>(&mut self, b: &mut Bufs<N>, o: Outgoing, number: u32) -> bool {
        if number == o.sent && number < o.blocks.count() {
            self.send_block(b, number + 1);
        } else if number.saturating_add(1) == o.sent {
            // The block we sent was lost: send it again.
            self.send_block(b, o.sent);
        } else {
            self.events
                .push(ServerEvent::BlockRejected(BlockError::WrongNumber {
                    expected: o.sent,
                    received: number,
                }));
            return number >= o.sent;
        }
        false
    }

    /// A repeat of the request that opened the ACTION return transfer `invoke`
    /// (a retry or a duplicate): block 1 again, state kept. Whether it was one.
    fn repeat_action_start<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
    ) -> bool {
        let Some(o) = self
            .outgoing
            .filter(|o| o.action && o.invoke.invoke_id() == invoke.invoke_id())
        else {
            return false;
        };
        self.send_block(b, 1);
        if let Some(out) = self.outgoing.as_mut() {
            out.sent = o.sent;
        }
        true
    }

    fn block_error<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        number: u32,
        e: DataAccessResult,
    ) {
        let apdu = Apdu::GetResponse(GetResponse::WithDataBlock {
            invoke_id: invoke,
            result: DataBlockG {
                last_block: true,
                block_number: number,
                result: DataBlockGResult::DataAccessResult { result: e },
            },
        });
        self.send_apdu(b, &apdu);
    }

    fn on_set<const N: usize>(&mut self, r: &SetRequest<'_>, b: &mut Bufs<N>) {
        if !self.allowed(Conformance::SET) {
            return self.refuse(b, Service::Set, Refusal::OutsideConformance);
        }
        self.outgoing = None;
        let authenticated = self.phase == Phase::Associated;
        match r {
            SetRequest::Normal {
                invoke_id,
                attribute,
                access,
                value,
            } => {
                if access.is_some() && !self.allowed(Conformance::SELECTIVE_ACCESS) {
                    return self.refuse(b, Service::Set, Refusal::OutsideConformance);
                }
                let result = if authenticated {
                    self.served(Service::Set, *invoke_id);
                    self.app.set(attribute, access.as_ref(), value)
                } else {
                    self.not_authenticated(Service::Set);
                    DataAccessResult::ReadWriteDenied
                };
                self.send_apdu(
                    b,
                    &Apdu::SetResponse(SetResponse::Normal {
                        invoke_id: *invoke_id,
                        result,
                    }),
                );
            }
            SetRequest::WithList {
                invoke_id,
                attributes,
                values,
            } => {
                if !self.allowed(Conformance::MULTIPLE_REFERENCES) {
                    return self.refuse(b, Service::Set, Refusal::OutsideConformance);
                }
                let mut results = [DataAccessResult::OtherReason; 32];
                let n = attributes.len().min(values.len()).min(results.len());
                for ((slot, a), v) in results.iter_mut().zip(attributes.iter()).zip(values.iter()) {
                    *slot = if authenticated {
                        self.app.set(&a.attribute, a.access.as_ref(), &v)
                    } else {
                        DataAccessResult::ReadWriteDenied
                    };
                }
                self.served(Service::Set, *invoke_id);
                self.send_apdu(
                    b,
                    &Apdu::SetResponse(SetResponse::WithList {
                        invoke_id: *invoke_id,
                        results: crate::List::from_items(results.get(..n).unwrap_or(&[])),
                    }),
                );
            }
            SetRequest::WithFirstDataBlock {
                invoke_id,
                attribute,
                access,
                data_block,
            } => {
                if !self.allowed(Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE) {
                    return self.refuse(b, Service::Set, Refusal::OutsideConformance);
                }
                if matches!(self.incoming, Some(Incoming::Set { invoke, .. }) if invoke.0 == invoke_id.0)
                {
                    // A repeat of the first block of the transfer in progress.
                    return self.set_block(b, *invoke_id, data_block);
                }
                if !authenticated || access.is_some() {
                    if !authenticated {
                        self.not_authenticated(Service::Set);
                    }
                    let result = if authenticated {
                        DataAccessResult::OtherReason
                    } else {
                        DataAccessResult::ReadWriteDenied
                    };
                    return self.send_apdu(
                        b,
                        &Apdu::SetResponse(SetResponse::Normal {
                            invoke_id: *invoke_id,
                            result,
                        }),
                    );
                }
                let limit = self.config.max_reassembly;
                self.incoming = Some(Incoming::Set {
                    invoke: *invoke_id,
                    attribute: *attribute,
                    reasm: Reassembly::new(limit),
                });
                self.set_block(b, *invoke_id, data_block);
            }
            SetRequest::WithDataBlock {
                invoke_id,
                data_block,
            } => self.set_block(b, *invoke_id, data_block),
            SetRequest::WithListAndFirstDataBlock { .. } => {
                self.refuse(b, Service::Set, Refusal::Unsupported);
            }
        }
    }

    fn not_authenticated(&mut self, service: Service) {
        self.events.push(ServerEvent::Refused {
            service: Some(service),
            reason: Refusal::NotAuthenticated,
        });
    }

    /// Offers a block to the incoming transfer; returns the reassembled
    /// length when the last block arrived, `Err(result)` to answer with.
    fn accept_block<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        block: &crate::apdu::DataBlockSa<'_>,
        action: bool,
    ) -> Result<Option<(Accepted, Option<usize>)>, BlockError> {
        let (reasm, owner) = match (self.incoming.as_mut(), action) {
            (Some(Incoming::Set { reasm, invoke, .. }), false) => (reasm, *invoke),
            (Some(Incoming::Action { reasm, invoke, .. }), true) => (reasm, *invoke),
            _ => return Err(BlockError::NotInProgress),
        };
        if owner.invoke_id() != invoke.invoke_id() {
            return Err(BlockError::NotInProgress);
        }
        let a = reasm.accept(
            &mut b.big,
            block.block_number,
            block.raw_data,
            block.last_block,
        )?;
        Ok(Some((a, reasm.is_complete().then_some(reasm.len()))))
    }

    fn set_block<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        block: &crate::apdu::DataBlockSa<'_>,
    ) {
        let number = block.block_number;
        let res = self.accept_block(b, invoke, block, false);
        let apdu = match res {
            Ok(Some((Accepted::Duplicate, None) | (Accepted::Appended, None))) => {
                SetResponse::DataBlock {
                    invoke_id: invoke,
                    block_number: number,
                }
            }
            Ok(Some((_, Some(len)))) => {
                let Some(Incoming::Set { attribute, .. }) = self.incoming else {
                    return;
                };
                let result = match b.big.get(..len).map(Data::decode) {
                    Some(Ok(v)) => {
                        self.served(Service::Set, invoke);
                        self.app.set(&attribute, None, &v)
                    }
                    Some(Err(e)) => {
                        self.events.push(ServerEvent::Malformed(e));
                        DataAccessResult::TypeUnmatched
                    }
                    None => DataAccessResult::OtherReason,
                };
                SetResponse::LastDataBlock {
                    invoke_id: invoke,
                    result,
                    block_number: number,
                }
            }
            Ok(None) => return,
            Err(e) => {
                self.events.push(ServerEvent::BlockRejected(e));
                if is_stale(e) {
                    return;
                }
                let result = match e {
                    BlockError::WrongNumber { .. } => DataAccessResult::DataBlockNumberInvalid,
                    BlockError::NotInProgress => DataAccessResult::NoLongSetInProgress,
                    _ => DataAccessResult::OtherReason,
                };
                if matches!(e, BlockError::Oversize { .. }) {
                    self.incoming = None;
                }
                SetResponse::LastDataBlock {
                    invoke_id: invoke,
                    result,
                    block_number: number,
                }
            }
        };
        self.send_apdu(b, &Apdu::SetResponse(apdu));
    }

    fn is_hls_reply(&self, m: &MethodDescriptor) -> bool {
        m.class_id == ASSOCIATION_LN_CLASS
            && m.instance_id == self.config.association_ln
            && m.method_id == REPLY_TO_HLS_METHOD
    }

    fn on_action<const N: usize>(&mut self, r: &ActionRequest<'_>, b: &mut Bufs<N>) {
        if let ActionRequest::Normal {
            invoke_id,
            method,
            parameters,
        } = r
            && self.is_hls_reply(method)
            && self.stoc.is_some()
        {
            return self.on_hls_reply(b, *invoke_id, parameters.as_ref());
        }
        if !self.allowed(Conformance::ACTION) {
            return self.refuse(b, Service::Action, Refusal::OutsideConformance);
        }
        match r {
            ActionRequest::NextPBlock {
                invoke_id,
                block_number,
            } => return self.on_action_next(b, *invoke_id, *block_number),
            ActionRequest::Normal { invoke_id, .. }
            | ActionRequest::WithFirstPBlock { invoke_id, .. }
            | ActionRequest::WithPBlock { invoke_id, .. }
                if self.repeat_action_start(b, *invoke_id) =>
            {
                return;
            }
            _ => {}
        }
        self.outgoing = None;
        let authenticated = self.phase == Phase::Associated;
        match r {
            ActionRequest::Normal {
                invoke_id,
                method,
                parameters,
            } => {
                if !authenticated {
                    self.not_authenticated(Service::Action);
                    return self.action_result(b, *invoke_id, ActionResult::ReadWriteDenied);
                }
                self.served(Service::Action, *invoke_id);
                let room = self.reply_room::<N>();
                let result = self.app.action(method, parameters.as_ref());
                let reply = encode_action_reply(*invoke_id, result, room, b);
                self.finish_action(b, *invoke_id, reply);
            }
            ActionRequest::WithFirstPBlock {
                invoke_id,
                method,
                pblock,
            } => {
                if !self.allowed(Conformance::BLOCK_TRANSFER_WITH_ACTION) {
                    return self.refuse(b, Service::Action, Refusal::OutsideConformance);
                }
                if matches!(self.incoming, Some(Incoming::Action { invoke, .. }) if invoke.0 == invoke_id.0)
                {
                    // A repeat of the first block of the transfer in progress.
                    return self.action_block(b, *invoke_id, pblock);
                }
                if !authenticated {
                    self.not_authenticated(Service::Action);
                    return self.action_result(b, *invoke_id, ActionResult::ReadWriteDenied);
                }
                self.incoming = Some(Incoming::Action {
                    invoke: *invoke_id,
                    method: *method,
                    reasm: Reassembly::new(self.config.max_reassembly),
                });
                self.action_block(b, *invoke_id, pblock);
            }
            ActionRequest::WithPBlock { invoke_id, pblock } => {
                self.action_block(b, *invoke_id, pblock);
            }
            ActionRequest::WithList {
                invoke_id,
                methods,
                parameters,
            } => {
                if !self.allowed(Conformance::MULTIPLE_REFERENCES) {
                    return self.refuse(b, Service::Action, Refusal::OutsideConformance);
                }
                // Return data is not carried in list responses (results only).
                let mut results = [ActionResponseWithOptionalData {
                    result: ActionResult::OtherReason,
                    return_parameters: None,
                }; 16];
                let n = methods.len().min(parameters.len()).min(results.len());
                for ((slot, m), p) in results
                    .iter_mut()
                    .zip(methods.iter())
                    .zip(parameters.iter())
                {
                    slot.result = if authenticated {
                        match self.app.action(&m, Some(&p)) {
                            Ok(_) => ActionResult::Success,
                            Err(e) => e,
                        }
                    } else {
                        ActionResult::ReadWriteDenied
                    };
                }
                self.served(Service::Action, *invoke_id);
                self.send_apdu(
                    b,
                    &Apdu::ActionResponse(ActionResponse::WithList {
                        invoke_id: *invoke_id,
                        responses: crate::List::from_items(results.get(..n).unwrap_or(&[])),
                    }),
                );
            }
            ActionRequest::NextPBlock { .. } => {}
            ActionRequest::WithListAndFirstPBlock { .. } => {
                self.refuse(b, Service::Action, Refusal::Unsupported);
            }
        }
    }

    fn action_result<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        result: ActionResult,
    ) {
        self.send_apdu(
            b,
            &Apdu::ActionResponse(ActionResponse::Normal {
                invoke_id: invoke,
                response: ActionResponseWithOptionalData {
                    result,
                    return_parameters: None,
                },
            }),
        );
    }

    /// `action-request-next-pblock`: the client acknowledges block
    /// `number` of the return parameters (Green Book 9.3.5.3, ACTION with
    /// block transfer).
    fn on_action_next<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        number: u32,
    ) {
        let Some(o) = self
            .outgoing
            .filter(|o| o.action && o.invoke.invoke_id() == invoke.invoke_id())
        else {
            self.events
                .push(ServerEvent::BlockRejected(BlockError::NotInProgress));
            return self.action_result(b, invoke, ActionResult::NoLongActionInProgress);
        };
        if self.next_block(b, o, number) {
            self.action_result(b, invoke, ActionResult::DataBlockUnavailable);
        }
    }

    /// Sends an action reply: whole when it fits the client's maximum PDU
    /// (or goes by GBT), else its return parameters (the A-XDR `Data` in
    /// `big`) as `action-response-with-pblock` blocks when block transfer
    /// with ACTION is negotiated, else `other-reason`.
    fn finish_action<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        reply: ActionReply,
    ) {
        match reply {
            ActionReply::Encoded(n) if n <= self.reply_room::<N>() => self.send(b, n),
            ActionReply::Data(len) if self.allowed(Conformance::BLOCK_TRANSFER_WITH_ACTION) => {
                // action-response-with-pblock: C7 02 invoke last number(4) len raw.
                let size = block_size(self.max_out::<N>(), 8, self.overhead());
                self.outgoing = Some(Outgoing {
                    invoke,
                    blocks: Blocks::new(len, size),
                    sent: 0,
                    action: true,
                });
                self.send_block(b, 1);
            }
            _ => self.action_result(b, invoke, ActionResult::OtherReason),
        }
    }

    /// The longest plain response sent whole: the client's maximum PDU
    /// less the protection, or `N` when GBT carries long APDUs.
    fn reply_room<const N: usize>(&self) -> usize {
        if self.allowed(Conformance::GENERAL_BLOCK_TRANSFER) {
            N
        } else {
            self.max_out::<N>().saturating_sub(self.overhead())
        }
    }

    fn action_response<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        result: Result<Option<Data<'_>>, ActionResult>,
    ) {
        let response = match result {
            Ok(d) => ActionResponseWithOptionalData {
                result: ActionResult::Success,
                return_parameters: d.map(|data| GetDataResult::Data { data }),
            },
            Err(e) => ActionResponseWithOptionalData {
                result: e,
                return_parameters: None,
            },
        };
        let apdu = Apdu::ActionResponse(ActionResponse::Normal {
            invoke_id: invoke,
            response,
        });
        if apdu.encoded_len() + self.overhead() > self.max_out::<N>()
            && !self.allowed(Conformance::GENERAL_BLOCK_TRANSFER)
        {
            // The HLS reply is short; a longer one is refused.
            return self.action_result(b, invoke, ActionResult::OtherReason);
        }
        self.send_apdu(b, &apdu);
    }

    fn action_block<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        block: &crate::apdu::DataBlockSa<'_>,
    ) {
        let number = block.block_number;
        match self.accept_block(b, invoke, block, true) {
            Ok(Some((_, None))) => self.send_apdu(
                b,
                &Apdu::ActionResponse(ActionResponse::NextPBlock {
                    invoke_id: invoke,
                    block_number: number,
                }),
            ),
            Ok(Some((_, Some(len)))) => {
                let Some(Incoming::Action { method, .. }) = self.incoming else {
                    return;
                };
                let Some(raw) = b.big.get(..len) else {
                    return;
                };
                match Data::decode(raw) {
                    Ok(v) => {
                        self.served(Service::Action, invoke);
                        let room = self.reply_room::<N>();
                        let result = self.app.action(&method, Some(&v));
                        let reply = encode_action_reply(invoke, result, room, b);
                        self.finish_action(b, invoke, reply);
                    }
                    Err(e) => {
                        self.events.push(ServerEvent::Malformed(e));
                        self.action_result(b, invoke, ActionResult::TypeUnmatched);
                    }
                }
            }
            Ok(None) => {}
            Err(e) => {
                self.events.push(ServerEvent::BlockRejected(e));
                if is_stale(e) {
                    return;
                }
                let result = match e {
                    BlockError::NotInProgress => ActionResult::NoLongActionInProgress,
                    BlockError::WrongNumber { .. } => ActionResult::DataBlockUnavailable,
                    _ => ActionResult::OtherReason,
                };
                if matches!(e, BlockError::Oversize { .. }) {
                    self.incoming = None;
                }
                self.action_result(b, invoke, result);
            }
        }
    }

    fn on_hls_reply<const N: usize>(
        &mut self,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
        parameters: Option<&Data<'_>>,
    ) {
        let (Authentication::High(secret), Some(stoc), Some(ctos), Some(client)) = (
            &self.config.authentication,
            self.stoc,
            self.ctos,
            self.client_title,
        ) else {
            return self.action_result(b, invoke, ActionResult::ReadWriteDenied);
        };
        let x = HlsExchange {
            own_title: self.config.system_title,
            peer_title: client,
            own_challenge: stoc.as_bytes(),
            peer_challenge: ctos.as_bytes(),
        };
        let reply = match parameters {
            Some(Data::OctetString(r)) => *r,
            _ => &[],
        };
        if let Err(e) = hls_verify(&self.provider, secret, &x, reply) {
            self.events.push(ServerEvent::AuthenticationFailed(e));
            self.reset();
            return self.action_result(b, invoke, ActionResult::ReadWriteDenied);
        }
        let ic = match (secret, self.security.as_mut()) {
            (super::HlsSecret::Gmac { .. }, Some(ctx)) => {
                match super::reserve_invocation_counter(ctx, &mut self.store) {
                    Ok(ic) => ic,
                    Err(e) => {
                        self.events.push(ServerEvent::OutputFailed(e));
                        return;
                    }
                }
            }
            (super::HlsSecret::Gmac { .. }, None) => {
                self.events
                    .push(ServerEvent::AuthenticationFailed(AuthError::Configuration));
                return self.action_result(b, invoke, ActionResult::OtherReason);
            }
            _ => 0,
        };
        let ours = match hls_reply(&self.provider, secret, &x, ic) {
            Ok(r) => r,
            Err(e) => {
                self.events.push(ServerEvent::AuthenticationFailed(e));
                return self.action_result(b, invoke, ActionResult::OtherReason);
            }
        };
        let first = self.phase != Phase::Associated;
        self.phase = Phase::Associated;
        if first {
            self.events.push(ServerEvent::Associated {
                mechanism: self.config.authentication.mechanism(),
                conformance: self.conformance,
                client_max_pdu: self.client_max_pdu,
            });
        }
        self.action_response(b, invoke, Ok(Some(Data::OctetString(ours.as_bytes()))));
    }
}

/// A block number older than the last one accepted: a late duplicate,
/// answered already, so it gets no response.
fn is_stale(e: BlockError) -> bool {
    matches!(e, BlockError::WrongNumber { expected, received } if received.saturating_add(1) < expected)
}

/// An ACTION's reply, encoded before the object model's borrow ends.
#[derive(Debug, Clone, Copy)]
enum ActionReply {
    /// A whole action-response-normal in `scratch`.
    Encoded(usize),
    /// Return parameters too long for one response: their A-XDR `Data`
    /// encoding in `big` (to go as blocks).
    Data(usize),
    /// It fits no buffer.
    TooLong,
}

/// Encodes an ACTION's result as a whole response in `scratch` when it
/// fits `room` bytes; else the return parameters into `big`. (`big` keeps
/// a reassembled parameter value unless the reply goes by blocks, so a
/// repeated last parameter block finds it.)
fn encode_action_reply<const N: usize>(
    invoke: InvokeIdAndPriority,
    result: Result<Option<Data<'_>>, ActionResult>,
    room: usize,
    b: &mut Bufs<N>,
) -> ActionReply {
    let long = match result {
        Ok(Some(d)) => d,
        r => {
            return encode_action_response(invoke, r, &mut b.scratch)
                .map_or(ActionReply::TooLong, ActionReply::Encoded);
        }
    };
    match encode_action_response(invoke, Ok(Some(long)), &mut b.scratch) {
        Some(n) if n <= room => ActionReply::Encoded(n),
        _ => long
            .encode(&mut b.big)
            .map_or(ActionReply::TooLong, ActionReply::Data),
    }
}

/// Encodes an action-response-normal into `out`; `None` when it does not fit.
fn encode_action_response(
    invoke: InvokeIdAndPriority,
    result: Result<Option<Data<'_>>, ActionResult>,
    out: &mut [u8],
) -> Option<usize> {
    let response = match result {
        Ok(d) => ActionResponseWithOptionalData {
            result: ActionResult::Success,
            return_parameters: d.map(|data| GetDataResult::Data { data }),
        },
        Err(e) => ActionResponseWithOptionalData {
            result: e,
            return_parameters: None,
        },
    };
    Apdu::ActionResponse(ActionResponse::Normal {
        invoke_id: invoke,
        response,
    })
    .encode(out)
    .ok()
}

/// The xDLMS initiate checks (clause 9.4.6.2): DLMS version 6, a usable
/// PDU size.
fn initiate_error(r: &InitiateRequest<'_>) -> Option<ConfirmedServiceError> {
    let value = if r.proposed_dlms_version_number < 6 {
        1 // dlms-version-too-low
    } else if r.client_max_receive_pdu_size != 0 && r.client_max_receive_pdu_size < 12 {
        3 // pdu-size-too-short
    } else {
        return None;
    };
    Some(ConfirmedServiceError {
        service: ConfirmedService::Initiate,
        kind: ServiceErrorKind::Initiate,
        value,
    })
}
