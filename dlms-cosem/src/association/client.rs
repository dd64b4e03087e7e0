//! The client side of an application association (Green Book, DLMS UA
//! 1000-2 ed. 10, clauses 9.3.2-9.3.5; IEC 62056-5-3 ed. 3 clauses 6.1-6.4),
//! sans-IO: whole APDUs in and out.
//!
//! [`Client::associate`] sends the AARQ (with the proposed conformance, the
//! maximum receive PDU size, the LLS password or the HLS challenge CtoS, and
//! a glo-initiateRequest when the association is ciphered). An accepted
//! AARE with HLS triggers pass 3 (`reply_to_HLS_authentication` on the
//! Association LN object) and pass 4 is verified before
//! [`ClientEvent::Associated`]. Then [`Client::get`], [`Client::set`],
//! [`Client::action`] (and their with-list forms) each send one confirmed
//! request; one request is outstanding at a time, matched to its response
//! by invoke id. Long SET values and ACTION parameters go as blocks when
//! they do not fit the server's maximum PDU; long GET responses and
//! ACTION return parameters (`action-response-with-pblock`) are
//! reassembled into the client's buffer (bounded by `N` and
//! [`ClientConfig::max_reassembly`]), asking for each next block.
//!
//! Each request has a timer ([`ClientConfig::response_timeout`]); on
//! expiry the request is sent again up to [`ClientConfig::retries`] times
//! (a ciphered request is protected anew, with a fresh invocation counter),
//! then [`ClientEvent::Timeout`]. DLMS has no request deduplication above
//! the link layer: a retried SET or ACTION may run twice on the server, so
//! retries are off by default. Unsolicited data- and event-notifications
//! are surfaced as [`ClientEvent::Notification`].

use super::auth::{
    ASSOCIATION_LN_CLASS, AuthError, Authentication, Challenge, HlsExchange, HlsSecret,
    REPLY_TO_HLS_METHOD, hls_reply, hls_verify,
};
use super::{EVENT_CAPACITY, PROTECTION_OVERHEAD, Queue, Service, dedicated_counter, protect_out};
use crate::acse::{
    Aarq, AcseApdu, ApplicationContextName, AssociationResult, AuthenticationMechanism,
    AuthenticationValue, BerValue, BitString, Conformance, InitiateRequest, MechanismName,
    ReleaseRequestReason, ResultSourceDiagnostic, Rlrq, UserInformation,
};
use crate::apdu::{
    ActionRequest, ActionResponse, ActionResult, ConfirmedServiceError, DataAccessResult,
    DataBlockGResult, DataBlockSa, ExceptionResponse, GetDataResult, GetRequest, GetResponse,
    InvokeIdAndPriority, KeyScope, SetRequest, SetResponse,
};
use crate::axdr::{Decode, Encode, List};
use crate::block::{
    Accepted, BlockError, Blocks, GbtConfig, GbtInput, GbtLink, Reassembly, block_size,
};
use crate::descriptor::{
    AttributeDescriptor, AttributeWithSelection, MethodDescriptor, SelectiveAccess,
};
use crate::error::DecodeError;
use crate::security::{SecurityContext, SecurityError, SecurityKey};
use crate::{Apdu, Data, Obis};
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_core::CryptoRng;

const GBT_TAG: u8 = 224;

/// A client's configuration.
pub struct ClientConfig<'k> {
    /// Our system title (calling-AP-title when ciphering or HLS).
    pub system_title: [u8; 8],
    /// How we authenticate.
    pub authentication: Authentication<'k>,
    /// The conformance we propose.
    pub conformance: Conformance,
    /// Our maximum receive PDU size (proposed in the InitiateRequest).
    pub max_receive_pdu: u16,
    /// The Association LN object's logical name (for HLS pass 3).
    pub association_ln: Obis,
    /// Length of our HLS challenge CtoS (8..=64).
    pub challenge_len: usize,
    /// The first invoke id (0..=15); each request takes the next one.
    pub invoke_id: u8,
    /// Request high priority.
    pub high_priority: bool,
    /// Service class confirmed. Unconfirmed requests get no response, so
    /// each ends in [`ClientEvent::Timeout`]; keep `true` unless that is wanted.
    pub confirmed: bool,
    /// How long to wait for each response.
    pub response_timeout: Duration,
    /// How many times a request is sent again after a timeout.
    pub retries: u8,
    /// Longest GET response reassembled from blocks (further bounded by `N`).
    pub max_reassembly: usize,
    /// In a ciphered association, propose a fresh random dedicated key in
    /// the glo-initiateRequest (Green Book 9.2.7.2.4.3); once the AARQ is
    /// sent both sides protect with it (ded- APDUs, their own invocation
    /// counters), until the release.
    pub dedicated_key: bool,
    /// General block transfer parameters (used when the conformance
    /// includes `general-block-transfer`: long requests then go as GBT
    /// blocks, and long responses arrive so).
    pub gbt: GbtConfig,
}

impl<'k> ClientConfig<'k> {
    /// Defaults: LN services with block transfer, selective access and
    /// multiple references proposed, 1024-byte PDUs, association LN
    /// 0.0.40.0.0.255, 16-byte challenges, invoke id 1, normal priority,
    /// confirmed, 5 s timeout, no retries.
    #[must_use]
    pub fn new(system_title: [u8; 8], authentication: Authentication<'k>) -> Self {
        Self {
            system_title,
            authentication,
            conformance: Conformance::GET
                .union(Conformance::SET)
                .union(Conformance::ACTION)
                .union(Conformance::SELECTIVE_ACCESS)
                .union(Conformance::MULTIPLE_REFERENCES)
                .union(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ)
                .union(Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE)
                .union(Conformance::BLOCK_TRANSFER_WITH_ACTION)
                .union(Conformance::DATA_NOTIFICATION)
                .union(Conformance::EVENT_NOTIFICATION),
            max_receive_pdu: 1024,
            association_ln: super::auth::ASSOCIATION_LN,
            challenge_len: 16,
            invoke_id: 1,
            high_priority: false,
            confirmed: true,
            response_timeout: Duration::from_secs(5),
            retries: 0,
            max_reassembly: usize::MAX,
            dedicated_key: false,
            gbt: GbtConfig::default(),
        }
    }
}

/// A completed request's result. Values are in [`Client::response_data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseResult {
    /// A value: `response_data()` holds its A-XDR `Data` encoding.
    Data,
    /// GET with list: `response_data()` holds the `SEQUENCE OF Get-Data-Result`.
    DataList,
    /// A data-access-result (SET, or a GET error).
    Access(DataAccessResult),
    /// SET with list: `response_data()` holds the `SEQUENCE OF Data-Access-Result`.
    AccessList,
    /// An ACTION result; `data` says whether `response_data()` holds
    /// return parameters (a `Get-Data-Result`).
    Action {
        /// The result.
        result: ActionResult,
        /// Whether return parameters came back.
        data: bool,
    },
    /// ACTION with list: `response_data()` holds the responses' encoding.
    ActionList,
}

/// Which unsolicited report arrived ([`Client::notification`] holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotificationKind {
    /// data-notification (tag 15).
    Data,
    /// event-notification-request (tag 194).
    Event,
}

/// What the client tells its application.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The association is open.
    Associated {
        /// The negotiated conformance.
        conformance: Conformance,
        /// The server's maximum receive PDU size.
        server_max_pdu: u16,
    },
    /// The server rejected the association.
    AssociationRejected {
        /// Permanent or transient.
        result: AssociationResult,
        /// Why.
        diagnostic: ResultSourceDiagnostic,
        /// The xDLMS initiate error, if the AARE carried one.
        initiate_error: Option<ConfirmedServiceError>,
    },
    /// HLS pass 4 failed or the server refused our pass 3.
    AuthenticationFailed(AuthError),
    /// A request completed.
    Response {
        /// Its invoke id.
        invoke_id: u8,
        /// Its service.
        service: Service,
        /// The result.
        result: ResponseResult,
    },
    /// The server answered the outstanding request with an exception.
    Exception {
        /// The request's service.
        service: Service,
        /// The exception.
        exception: ExceptionResponse,
    },
    /// An unsolicited notification (see [`Client::notification`]).
    Notification(NotificationKind),
    /// The association was released (RLRE received).
    Released,
    /// The outstanding request got no response in time (after the retries).
    Timeout {
        /// Its service.
        service: Service,
        /// Its invoke id.
        invoke_id: u8,
    },
    /// A protected APDU failed the security context (replay, tag, policy).
    SecurityRejected(SecurityError),
    /// An unprotected xDLMS APDU arrived in a ciphered association.
    Unprotected {
        /// Its tag.
        tag: u8,
    },
    /// A block was refused (wrong number, over the limit).
    BlockRejected(BlockError),
    /// An APDU did not decode.
    Malformed(DecodeError),
    /// An APDU that matches no outstanding request (late, duplicate).
    Unexpected {
        /// Its tag.
        tag: u8,
    },
    /// A retry or block could not be sent.
    OutputFailed(SecurityError),
}

/// Why a request could not be issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No association is open (or it is one already, for `associate`).
    #[error("wrong association state")]
    State,
    /// A request is outstanding.
    #[error("a request is outstanding")]
    Busy,
    /// The request does not fit the buffers, or needs block transfer that
    /// was not negotiated.
    #[error("request too large ({needed} bytes)")]
    TooLarge {
        /// Bytes needed.
        needed: usize,
    },
    /// The service is outside the negotiated conformance.
    #[error("service outside the negotiated conformance")]
    NotNegotiated,
    /// Protection or authentication failed.
    #[error("security: {0}")]
    Security(SecurityError),
}

impl From<SecurityError> for ClientError {
    fn from(e: SecurityError) -> Self {
        Self::Security(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Associating,
    Associated,
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    Aarq,
    Hls {
        stoc: Challenge,
    },
    Get {
        reasm: Reassembly,
        list: bool,
    },
    Set {
        blocks: Option<(Blocks, u32)>,
    },
    /// `reply`: the return parameters' reassembly once the server sends
    /// them as blocks.
    Action {
        blocks: Option<(Blocks, u32)>,
        reply: Option<Reassembly>,
    },
    Release,
}

impl Pending {
    const fn service(&self) -> Service {
        match self {
            Self::Aarq => Service::Associate,
            Self::Hls { .. } => Service::HlsAuthentication,
            Self::Get { .. } => Service::Get,
            Self::Set { .. } => Service::Set,
            Self::Action { .. } => Service::Action,
            Self::Release => Service::Release,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Outstanding {
    invoke: InvokeIdAndPriority,
    pending: Pending,
    deadline: Instant,
    retries_left: u8,
    /// `req` holds wire bytes (ACSE) rather than an xDLMS APDU to protect.
    raw: bool,
}

/// The request being built, for blocks: the attribute or method.
#[derive(Debug, Clone, Copy)]
enum Target {
    Attribute(AttributeDescriptor),
    Method(MethodDescriptor),
}

struct Core<'k, P: CryptoProvider, S: CounterStore> {
    config: ClientConfig<'k>,
    provider: P,
    security: Option<SecurityContext<P>>,
    store: S,
    phase: Phase,
    conformance: Conformance,
    server_max_pdu: u16,
    server_title: Option<[u8; 8]>,
    ctos: Option<Challenge>,
    next_invoke: u8,
    outstanding: Option<Outstanding>,
    target: Option<Target>,
    data_len: usize,
    notification_len: usize,
    events: Queue<ClientEvent, EVENT_CAPACITY>,
    gbt: GbtLink,
    /// A dedicated key is installed: requests go ded- protected.
    dedicated: bool,
}

struct Bufs<const N: usize> {
    req: [u8; N],
    req_len: usize,
    data: [u8; N],
    tx: [u8; N],
    tx_len: usize,
    /// `tx` goes out as GBT blocks.
    tx_gbt: bool,
}

/// The client machine; `N` bytes per working buffer (four of them).
pub struct Client<'k, P: CryptoProvider, S: CounterStore, const N: usize> {
    core: Core<'k, P, S>,
    rx: [u8; N],
    /// GBT reassembly.
    gin: [u8; N],
    bufs: Bufs<N>,
}

impl<P: CryptoProvider, S: CounterStore, const N: usize> core::fmt::Debug for Client<'_, P, S, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("phase", &self.core.phase)
            .field("conformance", &self.core.conformance)
            .field("outstanding", &self.core.outstanding)
            .finish_non_exhaustive()
    }
}

impl<'k, P: CryptoProvider, S: CounterStore, const N: usize> Client<'k, P, S, N> {
    /// A client with `config`, the crypto `provider`, an optional security
    /// context (present: the association is ciphered) and the counter store
    /// for its invocation counters.
    pub fn new(
        config: ClientConfig<'k>,
        provider: P,
        security: Option<SecurityContext<P>>,
        store: S,
    ) -> Self {
        let next_invoke = config.invoke_id & 0x0f;
        let gbt = config.gbt;
        Self {
            core: Core {
                config,
                provider,
                security,
                store,
                phase: Phase::Idle,
                conformance: Conformance::from_bits(0),
                server_max_pdu: 0,
                server_title: None,
                ctos: None,
                next_invoke,
                outstanding: None,
                target: None,
                data_len: 0,
                notification_len: 0,
                events: Queue::new(),
                gbt: GbtLink::new(gbt),
                dedicated: false,
            },
            rx: [0; N],
            gin: [0; N],
            bufs: Bufs {
                req: [0; N],
                req_len: 0,
                data: [0; N],
                tx: [0; N],
                tx_len: 0,
                tx_gbt: false,
            },
        }
    }

    /// Whether the association is open.
    #[must_use]
    pub fn is_associated(&self) -> bool {
        self.core.phase == Phase::Associated
    }

    /// Whether a request is outstanding.
    #[must_use]
    pub fn is_busy(&self) -> bool {
        self.core.outstanding.is_some()
    }

    /// The negotiated conformance.
    #[must_use]
    pub fn conformance(&self) -> Conformance {
        self.core.conformance
    }

    /// The security context, if ciphering.
    pub fn security(&self) -> Option<&SecurityContext<P>> {
        self.core.security.as_ref()
    }

    /// The value of the last [`ClientEvent::Response`] (see
    /// [`ResponseResult`]); valid until the next request is issued.
    #[must_use]
    pub fn response_data(&self) -> &[u8] {
        self.bufs.data.get(..self.core.data_len).unwrap_or(&[])
    }

    /// The plain APDU of the last [`ClientEvent::Notification`]; valid
    /// until the next [`Client::handle_input`].
    #[must_use]
    pub fn notification(&self) -> &[u8] {
        self.rx.get(..self.core.notification_len).unwrap_or(&[])
    }

    /// Events dropped because the queue was full.
    #[must_use]
    pub fn events_dropped(&self) -> u32 {
        self.core.events.dropped()
    }

    /// Sends the AARQ. `rng` supplies the HLS challenge CtoS.
    ///
    /// # Errors
    /// [`ClientError::State`] unless idle, [`ClientError::Security`] when
    /// the glo-initiateRequest cannot be protected.
    pub fn associate<R: CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        rng: &mut R,
    ) -> Result<(), ClientError> {
        if self.core.phase != Phase::Idle || self.core.outstanding.is_some() {
            return Err(ClientError::State);
        }
        let c = &mut self.core;
        let ciphered = c.security.is_some();
        let mechanism = c.config.authentication.mechanism();
        let is_hls = matches!(c.config.authentication, Authentication::High(_));
        let ctos = is_hls.then(|| Challenge::generate(rng, c.config.challenge_len));
        c.ctos = ctos;
        c.drop_dedicated_key();
        let dedicated = match c.security.as_mut() {
            Some(ctx) if c.config.dedicated_key => {
                let mut bytes = [0u8; 32];
                let len = ctx.policy().suite.key_len().min(bytes.len());
                let fresh = bytes.get_mut(..len).unwrap_or(&mut []);
                rng.fill_bytes(fresh);
                let key = SecurityKey::new(fresh);
                bytes.fill(0);
                let key = key?;
                ctx.set_dedicated_key(&key, dedicated_counter())?;
                c.dedicated = true;
                Some(key)
            }
            _ => None,
        };
        let initiate = InitiateRequest {
            dedicated_key: dedicated.as_ref().map(SecurityKey::expose),
            response_allowed: None,
            proposed_quality_of_service: None,
            proposed_dlms_version_number: 6,
            proposed_conformance: c.config.conformance,
            client_max_receive_pdu_size: c.config.max_receive_pdu,
        };
        let mut plain = [0u8; 64];
        let pn = UserInformation::InitiateRequest(initiate)
            .apdu_len()
            .min(plain.len());
        {
            let mut w = crate::axdr::Writer::new(&mut plain);
            let _ = w.u8(InitiateRequest::TAG);
            let _ = initiate.write(&mut w);
        }
        let ui_bytes: &[u8] = match c.security.as_mut() {
            Some(ctx) => {
                let n = ctx.protect(
                    &mut c.store,
                    KeyScope::Global,
                    plain.get(..pn).unwrap_or(&[]),
                    &mut self.rx,
                )?;
                self.rx.get(..n).unwrap_or(&[])
            }
            None => plain.get(..pn).unwrap_or(&[]),
        };
        let user_information =
            UserInformation::decode_apdu(ui_bytes, 0).map_err(SecurityError::Decode)?;
        let title = c.config.system_title;
        let value = match (&c.config.authentication, ctos.as_ref()) {
            (Authentication::Low { password }, _) => {
                Some(AuthenticationValue::CharString(password))
            }
            (Authentication::High(_), Some(ch)) => {
                Some(AuthenticationValue::CharString(ch.as_bytes()))
            }
            _ => None,
        };
        let lowest = mechanism == AuthenticationMechanism::Lowest;
        let aarq = AcseApdu::Aarq(Aarq {
            protocol_version: None,
            application_context_name: if ciphered {
                ApplicationContextName::LogicalNameCiphered
            } else {
                ApplicationContextName::LogicalName
            },
            called_ap_title: None,
            called_ae_qualifier: None,
            called_ap_invocation_id: None,
            called_ae_invocation_id: None,
            calling_ap_title: (ciphered || is_hls).then(|| BerValue::octet_string(&title)),
            calling_ae_qualifier: None,
            calling_ap_invocation_id: None,
            calling_ae_invocation_id: None,
            sender_acse_requirements: (!lowest).then_some(BitString::BIT0),
            mechanism_name: (!lowest).then_some(MechanismName::Dlms(mechanism)),
            calling_authentication_value: value,
            implementation_information: None,
            user_information: Some(user_information),
        });
        let n = aarq
            .encode(&mut self.bufs.req)
            .map_err(|_| ClientError::TooLarge {
                needed: aarq.encoded_len(),
            })?;
        self.bufs.req_len = n;
        c.phase = Phase::Associating;
        c.start(now, InvokeIdAndPriority(0), Pending::Aarq, true);
        c.transmit(&mut self.bufs);
        Ok(())
    }

    /// Sends RLRQ (reason normal).
    ///
    /// # Errors
    /// [`ClientError::State`] when not associated, [`ClientError::Busy`].
    pub fn release(&mut self, now: Instant) -> Result<(), ClientError> {
        self.core.ready()?;
        let rlrq = AcseApdu::Rlrq(Rlrq {
            reason: Some(ReleaseRequestReason::Normal),
            user_information: None,
        });
        let n = rlrq
            .encode(&mut self.bufs.req)
            .map_err(|_| ClientError::TooLarge { needed: 5 })?;
        self.bufs.req_len = n;
        self.core
            .start(now, InvokeIdAndPriority(0), Pending::Release, true);
        self.core.transmit(&mut self.bufs);
        Ok(())
    }

    /// GET of one attribute. Returns the invoke id.
    ///
    /// # Errors
    /// [`ClientError::State`], [`ClientError::Busy`],
    /// [`ClientError::NotNegotiated`], [`ClientError::TooLarge`].
    pub fn get(
        &mut self,
        now: Instant,
        attribute: AttributeDescriptor,
        access: Option<SelectiveAccess<'_>>,
    ) -> Result<u8, ClientError> {
        self.core.ready()?;
        self.core.need(Conformance::GET)?;
        if access.is_some() {
            self.core.need(Conformance::SELECTIVE_ACCESS)?;
        }
        let invoke = self.core.invoke();
        let apdu = Apdu::GetRequest(GetRequest::Normal {
            invoke_id: invoke,
            attribute,
            access,
        });
        self.issue(now, invoke, &apdu, self.get_pending(false))
    }

    /// GET of several attributes at once (multiple references).
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn get_with_list(
        &mut self,
        now: Instant,
        attributes: &[AttributeWithSelection<'_>],
    ) -> Result<u8, ClientError> {
        self.core.ready()?;
        self.core
            .need(Conformance::GET.union(Conformance::MULTIPLE_REFERENCES))?;
        let invoke = self.core.invoke();
        let apdu = Apdu::GetRequest(GetRequest::WithList {
            invoke_id: invoke,
            attributes: List::from_items(attributes),
        });
        self.issue(now, invoke, &apdu, self.get_pending(true))
    }

    fn get_pending(&self, list: bool) -> Pending {
        let limit = self.core.config.max_reassembly;
        Pending::Get {
            reasm: Reassembly::new(limit),
            list,
        }
    }

    /// SET of one attribute; sent with blocks when it does not fit the
    /// server's maximum PDU (no selective access then).
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn set(
        &mut self,
        now: Instant,
        attribute: AttributeDescriptor,
        access: Option<SelectiveAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<u8, ClientError> {
        self.core.ready()?;
        self.core.need(Conformance::SET)?;
        if access.is_some() {
            self.core.need(Conformance::SELECTIVE_ACCESS)?;
        }
        let invoke = self.core.invoke();
        let apdu = Apdu::SetRequest(SetRequest::Normal {
            invoke_id: invoke,
            attribute,
            access,
            value: *value,
        });
        if apdu.encoded_len() + self.core.overhead() <= self.core.max_out::<N>() {
            return self.issue(now, invoke, &apdu, Pending::Set { blocks: None });
        }
        if self.core.gbt_negotiated() {
            return self.issue(now, invoke, &apdu, Pending::Set { blocks: None });
        }
        if access.is_some() {
            return Err(ClientError::TooLarge {
                needed: apdu.encoded_len(),
            });
        }
        self.core
            .need(Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE)?;
        self.start_blocks(now, invoke, Target::Attribute(attribute), value, 18)
    }

    /// SET of several attributes at once (multiple references, no blocks).
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn set_with_list(
        &mut self,
        now: Instant,
        attributes: &[AttributeWithSelection<'_>],
        values: &[Data<'_>],
    ) -> Result<u8, ClientError> {
        self.core.ready()?;
        self.core
            .need(Conformance::SET.union(Conformance::MULTIPLE_REFERENCES))?;
        let invoke = self.core.invoke();
        let apdu = Apdu::SetRequest(SetRequest::WithList {
            invoke_id: invoke,
            attributes: List::from_items(attributes),
            values: List::from_items(values),
        });
        self.issue(now, invoke, &apdu, Pending::Set { blocks: None })
    }

    /// ACTION: invokes a method; parameters go with blocks (pblock) when
    /// they do not fit the server's maximum PDU.
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn action(
        &mut self,
        now: Instant,
        method: MethodDescriptor,
        parameters: Option<&Data<'_>>,
    ) -> Result<u8, ClientError> {
        self.core.ready()?;
        self.core.need(Conformance::ACTION)?;
        let invoke = self.core.invoke();
        let apdu = Apdu::ActionRequest(ActionRequest::Normal {
            invoke_id: invoke,
            method,
            parameters: parameters.copied(),
        });
        if apdu.encoded_len() + self.core.overhead() <= self.core.max_out::<N>() {
            return self.issue(
                now,
                invoke,
                &apdu,
                Pending::Action {
                    blocks: None,
                    reply: None,
                },
            );
        }
        if self.core.gbt_negotiated() {
            return self.issue(
                now,
                invoke,
                &apdu,
                Pending::Action {
                    blocks: None,
                    reply: None,
                },
            );
        }
        let Some(p) = parameters else {
            return Err(ClientError::TooLarge {
                needed: apdu.encoded_len(),
            });
        };
        self.core.need(Conformance::BLOCK_TRANSFER_WITH_ACTION)?;
        self.start_blocks(now, invoke, Target::Method(method), p, 17)
    }

    /// ACTION on several methods at once (multiple references, no blocks).
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn action_with_list(
        &mut self,
        now: Instant,
        methods: &[MethodDescriptor],
        parameters: &[Data<'_>],
    ) -> Result<u8, ClientError> {
        self.core.ready()?;
        self.core
            .need(Conformance::ACTION.union(Conformance::MULTIPLE_REFERENCES))?;
        let invoke = self.core.invoke();
        let apdu = Apdu::ActionRequest(ActionRequest::WithList {
            invoke_id: invoke,
            methods: List::from_items(methods),
            parameters: List::from_items(parameters),
        });
        self.issue(
            now,
            invoke,
            &apdu,
            Pending::Action {
                blocks: None,
                reply: None,
            },
        )
    }

    fn start_blocks(
        &mut self,
        now: Instant,
        invoke: InvokeIdAndPriority,
        target: Target,
        value: &Data<'_>,
        header: usize,
    ) -> Result<u8, ClientError> {
        let len = value
            .encode(&mut self.bufs.data)
            .map_err(|_| ClientError::TooLarge {
                needed: value.encoded_len(),
            })?;
        let size = block_size(self.core.max_out::<N>(), header, self.core.overhead());
        let blocks = Some((Blocks::new(len, size), 1));
        let pending = match target {
            Target::Attribute(_) => Pending::Set { blocks },
            Target::Method(_) => Pending::Action {
                blocks,
                reply: None,
            },
        };
        self.core.target = Some(target);
        self.core.start(now, invoke, pending, false);
        self.core.data_len = 0;
        self.core.send_block(&mut self.bufs, 1);
        Ok(invoke.invoke_id())
    }

    fn issue(
        &mut self,
        now: Instant,
        invoke: InvokeIdAndPriority,
        apdu: &Apdu<'_>,
        pending: Pending,
    ) -> Result<u8, ClientError> {
        let n = apdu
            .encode(&mut self.bufs.req)
            .map_err(|_| ClientError::TooLarge {
                needed: apdu.encoded_len(),
            })?;
        if n + self.core.overhead() > self.core.max_out::<N>() && !self.core.gbt_negotiated() {
            return Err(ClientError::TooLarge { needed: n });
        }
        self.bufs.req_len = n;
        self.core.data_len = 0;
        self.core.start(now, invoke, pending, false);
        self.core.transmit(&mut self.bufs);
        Ok(invoke.invoke_id())
    }

    /// Feeds one received APDU. Call [`Client::poll_transmit`] and
    /// [`Client::poll_event`] afterwards.
    pub fn handle_input(&mut self, now: Instant, apdu: &[u8]) {
        if apdu.first() == Some(&GBT_TAG) {
            return self.on_gbt(now, apdu);
        }
        Self::input(&mut self.core, &mut self.rx, &mut self.bufs, now, apdu);
    }

    fn on_gbt(&mut self, now: Instant, apdu: &[u8]) {
        let g = match Apdu::decode(apdu) {
            Ok(Apdu::GeneralBlockTransfer(g)) => g,
            Ok(_) => return,
            Err(e) => return self.core.events.push(ClientEvent::Malformed(e)),
        };
        if !self.core.gbt_negotiated() {
            return self
                .core
                .events
                .push(ClientEvent::Unexpected { tag: GBT_TAG });
        }
        if !g.block_data.is_empty() {
            // Progress on the response: the request timer starts again.
            self.core.restart_timer(now);
        }
        match self.core.gbt.handle_input(now, &g, &mut self.gin) {
            GbtInput::Nothing => {}
            GbtInput::Refused(e) => self.core.events.push(ClientEvent::BlockRejected(e)),
            GbtInput::Complete(len) => {
                let apdu = self.gin.get(..len).unwrap_or(&[]);
                Self::input(&mut self.core, &mut self.rx, &mut self.bufs, now, apdu);
            }
        }
    }

    fn input(
        core: &mut Core<'k, P, S>,
        rx: &mut [u8; N],
        bufs: &mut Bufs<N>,
        now: Instant,
        apdu: &[u8],
    ) {
        core.notification_len = 0;
        let Some(&tag) = apdu.first() else {
            core.events.push(ClientEvent::Malformed(DecodeError::new(
                0,
                crate::DecodeErrorKind::Truncated { needed: 1 },
            )));
            return;
        };
        if AcseApdu::is_acse_tag(tag) {
            core.on_acse(now, apdu, rx, bufs);
            return;
        }
        let protected = matches!(
            Apdu::decode(apdu),
            Ok(Apdu::Ciphered(_) | Apdu::GeneralGloCiphering(_) | Apdu::GeneralDedCiphering(_))
        );
        let len = match (core.security.as_mut(), protected) {
            (Some(ctx), true) => match ctx.unprotect(apdu, rx) {
                Ok(r) => r.plaintext.len(),
                Err(e) => {
                    core.events.push(ClientEvent::SecurityRejected(e));
                    return;
                }
            },
            (Some(_), false) if !matches!(tag, 14 | 216) => {
                core.events.push(ClientEvent::Unprotected { tag });
                return;
            }
            (None, true) => {
                core.events.push(ClientEvent::Unprotected { tag });
                return;
            }
            _ => match rx.get_mut(..apdu.len()) {
                Some(dst) => {
                    dst.copy_from_slice(apdu);
                    apdu.len()
                }
                None => {
                    core.events
                        .push(ClientEvent::OutputFailed(SecurityError::BufferTooSmall {
                            needed: apdu.len(),
                        }));
                    return;
                }
            },
        };
        let plain = rx.get(..len).unwrap_or(&[]);
        if let Some(kind) = core.on_xdlms(now, plain, bufs) {
            core.notification_len = len;
            core.events.push(ClientEvent::Notification(kind));
        }
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
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.core.events.pop()
    }

    /// When [`Client::handle_timeout`] must be called: the outstanding
    /// request's deadline.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (
            self.core.outstanding.map(|o| o.deadline),
            self.core.gbt.poll_timeout(),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Retries or times out the outstanding request once its deadline passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(e) = self.core.gbt.handle_timeout(now) {
            self.core.events.push(ClientEvent::BlockRejected(e));
        }
        let Some(mut o) = self.core.outstanding else {
            return;
        };
        if now < o.deadline {
            return;
        }
        if self.core.gbt.is_receiving() {
            // The response is arriving as GBT, whose own timers recover
            // lost blocks (and give up): wait for it.
            o.deadline = now + self.core.config.response_timeout;
            self.core.outstanding = Some(o);
            return;
        }
        if o.retries_left > 0 {
            o.retries_left -= 1;
            o.deadline = now + self.core.config.response_timeout;
            self.core.outstanding = Some(o);
            if self.bufs.tx_gbt && self.core.gbt.is_sending() {
                // The request is still going out as GBT: resend its
                // unacknowledged blocks rather than a new request.
                self.core.gbt.rewind();
            } else {
                self.core.transmit(&mut self.bufs);
            }
            return;
        }
        self.core.outstanding = None;
        let service = o.pending.service();
        if matches!(
            o.pending,
            Pending::Aarq | Pending::Hls { .. } | Pending::Release
        ) {
            self.core.phase = Phase::Idle;
        }
        self.core.events.push(ClientEvent::Timeout {
            service,
            invoke_id: o.invoke.invoke_id(),
        });
    }
}

impl<P: CryptoProvider, S: CounterStore> Core<'_, P, S> {
    fn ready(&self) -> Result<(), ClientError> {
        if self.phase != Phase::Associated {
            return Err(ClientError::State);
        }
        if self.outstanding.is_some() {
            return Err(ClientError::Busy);
        }
        Ok(())
    }

    fn need(&self, bits: Conformance) -> Result<(), ClientError> {
        if self.conformance.contains(bits) {
            Ok(())
        } else {
            Err(ClientError::NotNegotiated)
        }
    }

    fn invoke(&mut self) -> InvokeIdAndPriority {
        let id = self.next_invoke;
        self.next_invoke = (id + 1) & 0x0f;
        InvokeIdAndPriority::new(id, self.config.confirmed, self.config.high_priority)
    }

    fn gbt_negotiated(&self) -> bool {
        self.conformance
            .contains(Conformance::GENERAL_BLOCK_TRANSFER)
    }

    fn overhead(&self) -> usize {
        if self.security.is_some() {
            PROTECTION_OVERHEAD
        } else {
            0
        }
    }

    fn max_out<const N: usize>(&self) -> usize {
        let m = usize::from(self.server_max_pdu);
        if m == 0 { N } else { m.min(N) }
    }

    fn start(&mut self, now: Instant, invoke: InvokeIdAndPriority, pending: Pending, raw: bool) {
        self.outstanding = Some(Outstanding {
            invoke,
            pending,
            deadline: now + self.config.response_timeout,
            retries_left: self.config.retries,
            raw,
        });
    }

    /// Sends `req` (protected when ciphering and not ACSE).
    fn transmit<const N: usize>(&mut self, b: &mut Bufs<N>) {
        let raw = self.outstanding.is_some_and(|o| o.raw);
        let req = b.req.get(..b.req_len).unwrap_or(&[]);
        let r = if raw {
            match b.tx.get_mut(..req.len()) {
                Some(d) => {
                    d.copy_from_slice(req);
                    Ok(req.len())
                }
                None => Err(SecurityError::BufferTooSmall { needed: req.len() }),
            }
        } else {
            let scope = if self.dedicated {
                KeyScope::Dedicated
            } else {
                KeyScope::Global
            };
            protect_out(
                self.security.as_mut(),
                &mut self.store,
                scope,
                req,
                &mut b.tx,
            )
        };
        b.tx_gbt = false;
        self.gbt.stop_send();
        match r {
            Ok(n) => {
                b.tx_len = n;
                let max = self.max_out::<N>();
                if n > max && !raw && self.gbt_negotiated() {
                    match self.gbt.start_send(n, max) {
                        Ok(()) => b.tx_gbt = true,
                        Err(e) => {
                            b.tx_len = 0;
                            self.events.push(ClientEvent::BlockRejected(e));
                        }
                    }
                }
            }
            Err(e) => self.events.push(ClientEvent::OutputFailed(e)),
        }
    }

    /// Builds block `number` of the outgoing SET/ACTION value in `req` and sends it.
    fn send_block<const N: usize>(&mut self, b: &mut Bufs<N>, number: u32) {
        let (Some(o), Some(target)) = (self.outstanding.as_mut(), self.target) else {
            return;
        };
        let blocks = match &mut o.pending {
            Pending::Set {
                blocks: Some((blocks, sent)),
            }
            | Pending::Action {
                blocks: Some((blocks, sent)),
                ..
            } => {
                *sent = number;
                *blocks
            }
            _ => return,
        };
        let Some((range, last)) = blocks.block(number) else {
            return;
        };
        let invoke = o.invoke;
        let block = DataBlockSa {
            last_block: last,
            block_number: number,
            raw_data: b.data.get(range).unwrap_or(&[]),
        };
        let apdu = match (target, number) {
            (Target::Attribute(attribute), 1) => Apdu::SetRequest(SetRequest::WithFirstDataBlock {
                invoke_id: invoke,
                attribute,
                access: None,
                data_block: block,
            }),
            (Target::Attribute(_), _) => Apdu::SetRequest(SetRequest::WithDataBlock {
                invoke_id: invoke,
                data_block: block,
            }),
            (Target::Method(method), 1) => Apdu::ActionRequest(ActionRequest::WithFirstPBlock {
                invoke_id: invoke,
                method,
                pblock: block,
            }),
            (Target::Method(_), _) => Apdu::ActionRequest(ActionRequest::WithPBlock {
                invoke_id: invoke,
                pblock: block,
            }),
        };
        match apdu.encode(&mut b.req) {
            Ok(n) => {
                b.req_len = n;
                self.transmit(b);
            }
            Err(_) => self
                .events
                .push(ClientEvent::OutputFailed(SecurityError::BufferTooSmall {
                    needed: apdu.encoded_len(),
                })),
        }
    }

    fn restart_timer(&mut self, now: Instant) {
        let t = self.config.response_timeout;
        let r = self.config.retries;
        if let Some(o) = self.outstanding.as_mut() {
            o.deadline = now + t;
            o.retries_left = r;
        }
    }

    fn complete(&mut self, result: ResponseResult) {
        if let Some(o) = self.outstanding.take() {
            self.events.push(ClientEvent::Response {
                invoke_id: o.invoke.invoke_id(),
                service: o.pending.service(),
                result,
            });
        }
    }

    fn keep_encoded<const N: usize, T: Encode>(&mut self, b: &mut Bufs<N>, v: &T) -> bool {
        match v.encode(&mut b.data) {
            Ok(n) => {
                self.data_len = n;
                true
            }
            Err(_) => {
                self.events
                    .push(ClientEvent::BlockRejected(BlockError::Oversize {
                        limit: N,
                    }));
                false
            }
        }
    }

    // ---------------------------------------------------------------- ACSE

    fn on_acse<const N: usize>(
        &mut self,
        now: Instant,
        apdu: &[u8],
        rx: &mut [u8; N],
        b: &mut Bufs<N>,
    ) {
        let decoded = match AcseApdu::decode(apdu) {
            Ok(a) => a,
            Err(e) => {
                self.events.push(ClientEvent::Malformed(e));
                return;
            }
        };
        let pending = self.outstanding.map(|o| o.pending);
        match (decoded, pending) {
            (AcseApdu::Aare(aare), Some(Pending::Aarq)) => self.on_aare(now, &aare, rx, b),
            (AcseApdu::Rlre(_), Some(Pending::Release)) => {
                self.outstanding = None;
                self.gbt.reset();
                self.phase = Phase::Idle;
                self.drop_dedicated_key();
                self.conformance = Conformance::from_bits(0);
                self.events.push(ClientEvent::Released);
            }
            (other, _) => self
                .events
                .push(ClientEvent::Unexpected { tag: other.tag() }),
        }
    }

    /// Forgets the association's dedicated key.
    fn drop_dedicated_key(&mut self) {
        if let Some(ctx) = self.security.as_mut() {
            ctx.clear_dedicated_key();
        }
        self.dedicated = false;
    }

    fn fail_association(&mut self, e: ClientEvent) {
        self.outstanding = None;
        self.phase = Phase::Idle;
        self.drop_dedicated_key();
        self.events.push(e);
    }

    fn on_aare<const N: usize>(
        &mut self,
        now: Instant,
        aare: &crate::acse::Aare<'_>,
        rx: &mut [u8; N],
        b: &mut Bufs<N>,
    ) {
        if !aare.accepted() {
            return self.fail_association(ClientEvent::AssociationRejected {
                result: aare.result,
                diagnostic: aare.result_source_diagnostic,
                initiate_error: aare
                    .user_information
                    .and_then(|u| u.confirmed_service_error()),
            });
        }
        self.server_title = aare
            .responding_ap_title
            .and_then(|t| t.as_octets())
            .and_then(|t| <[u8; 8]>::try_from(t).ok());
        if let (Some(ctx), Some(t)) = (self.security.as_mut(), self.server_title) {
            ctx.set_peer_system_title(t);
        }
        let response = match (aare.user_information, self.security.as_mut()) {
            (Some(UserInformation::InitiateResponse(r)), None) => Some(r),
            (Some(UserInformation::Apdu(a @ Apdu::Ciphered(_))), Some(ctx)) => {
                let n = a.encode(&mut b.tx).unwrap_or(0);
                let r = ctx.unprotect(b.tx.get(..n).unwrap_or(&[]), rx);
                match r {
                    Ok(r) => match UserInformation::decode_apdu(r.plaintext, 0) {
                        Ok(UserInformation::InitiateResponse(i)) => Some(i),
                        _ => None,
                    },
                    Err(e) => {
                        return self.fail_association(ClientEvent::SecurityRejected(e));
                    }
                }
            }
            _ => None,
        };
        let Some(response) = response else {
            return self.fail_association(ClientEvent::Malformed(DecodeError::new(
                0,
                crate::DecodeErrorKind::MissingField {
                    what: "AARE InitiateResponse",
                },
            )));
        };
        self.conformance = response
            .negotiated_conformance
            .intersection(self.config.conformance);
        self.server_max_pdu = response.server_max_receive_pdu_size;
        let Authentication::High(secret) = &self.config.authentication else {
            self.outstanding = None;
            self.phase = Phase::Associated;
            self.events.push(ClientEvent::Associated {
                conformance: self.conformance,
                server_max_pdu: self.server_max_pdu,
            });
            return;
        };
        // HLS pass 3: f(StoC) to reply_to_HLS_authentication.
        let stoc = aare
            .responding_authentication_value
            .map(|v| v.as_bytes())
            .unwrap_or(&[]);
        let (stoc, ctos, server) = match (Challenge::from_slice(stoc), self.ctos, self.server_title)
        {
            (Ok(s), Some(c), Some(t)) => (s, c, t),
            (Err(e), _, _) => return self.fail_association(ClientEvent::AuthenticationFailed(e)),
            _ => {
                return self.fail_association(ClientEvent::AuthenticationFailed(
                    AuthError::NoPeerSystemTitle,
                ));
            }
        };
        let ic = match (secret, self.security.as_mut()) {
            (HlsSecret::Gmac { .. }, Some(ctx)) => {
                match super::reserve_invocation_counter(ctx, &mut self.store) {
                    Ok(ic) => ic,
                    Err(e) => {
                        return self.fail_association(ClientEvent::AuthenticationFailed(
                            AuthError::Security(e),
                        ));
                    }
                }
            }
            (HlsSecret::Gmac { .. }, None) => {
                return self
                    .fail_association(ClientEvent::AuthenticationFailed(AuthError::Configuration));
            }
            _ => 0,
        };
        let x = HlsExchange {
            own_title: self.config.system_title,
            peer_title: server,
            own_challenge: ctos.as_bytes(),
            peer_challenge: stoc.as_bytes(),
        };
        let reply = match hls_reply(&self.provider, secret, &x, ic) {
            Ok(r) => r,
            Err(e) => return self.fail_association(ClientEvent::AuthenticationFailed(e)),
        };
        let invoke = self.invoke();
        let apdu = Apdu::ActionRequest(ActionRequest::Normal {
            invoke_id: invoke,
            method: MethodDescriptor {
                class_id: ASSOCIATION_LN_CLASS,
                instance_id: self.config.association_ln,
                method_id: REPLY_TO_HLS_METHOD,
            },
            parameters: Some(Data::OctetString(reply.as_bytes())),
        });
        match apdu.encode(&mut b.req) {
            Ok(n) => b.req_len = n,
            Err(_) => {
                return self.fail_association(ClientEvent::OutputFailed(
                    SecurityError::BufferTooSmall {
                        needed: apdu.encoded_len(),
                    },
                ));
            }
        }
        self.start(now, invoke, Pending::Hls { stoc }, false);
        self.transmit(b);
    }

    // --------------------------------------------------------------- xDLMS

    /// Handles a plain xDLMS APDU; returns the notification kind when it
    /// is one.
    fn on_xdlms<const N: usize>(
        &mut self,
        now: Instant,
        plain: &[u8],
        b: &mut Bufs<N>,
    ) -> Option<NotificationKind> {
        let apdu = match Apdu::decode(plain) {
            Ok(a) => a,
            Err(e) => {
                self.events.push(ClientEvent::Malformed(e));
                return None;
            }
        };
        let o = match apdu {
            Apdu::DataNotification(_) => return Some(NotificationKind::Data),
            Apdu::EventNotificationRequest(_) => return Some(NotificationKind::Event),
            _ => match self.outstanding {
                Some(o) => o,
                None => {
                    self.events
                        .push(ClientEvent::Unexpected { tag: apdu.tag() });
                    return None;
                }
            },
        };
        let invoke_matches = |i: InvokeIdAndPriority| i.invoke_id() == o.invoke.invoke_id();
        match (apdu, o.pending) {
            (Apdu::ExceptionResponse(e), p) if !matches!(p, Pending::Aarq | Pending::Release) => {
                self.outstanding = None;
                if matches!(p, Pending::Hls { .. }) {
                    self.phase = Phase::Idle;
                }
                self.events.push(ClientEvent::Exception {
                    service: p.service(),
                    exception: e,
                });
            }
            (
                Apdu::ActionResponse(ActionResponse::Normal {
                    invoke_id,
                    response,
                }),
                Pending::Hls { stoc },
            ) if invoke_matches(invoke_id) => {
                self.on_hls_result(&response, stoc);
            }
            (Apdu::GetResponse(r), Pending::Get { reasm, list }) => {
                self.on_get_response(now, &r, reasm, list, b, o.invoke);
            }
            (Apdu::SetResponse(r), Pending::Set { blocks }) => {
                self.on_set_response(now, &r, blocks, b, o.invoke);
            }
            (Apdu::ActionResponse(r), Pending::Action { blocks, reply }) => {
                self.on_action_response(now, &r, (blocks, reply), b, o.invoke);
            }
            (a, _) => self.events.push(ClientEvent::Unexpected { tag: a.tag() }),
        }
        None
    }

    fn on_hls_result(
        &mut self,
        r: &crate::apdu::ActionResponseWithOptionalData<'_>,
        stoc: Challenge,
    ) {
        let reply = match (r.result, r.return_parameters) {
            (
                ActionResult::Success,
                Some(GetDataResult::Data {
                    data: Data::OctetString(reply),
                }),
            ) => reply,
            _ => {
                return self
                    .fail_association(ClientEvent::AuthenticationFailed(AuthError::WrongReply));
            }
        };
        let (Authentication::High(secret), Some(ctos), Some(server)) =
            (&self.config.authentication, self.ctos, self.server_title)
        else {
            return self
                .fail_association(ClientEvent::AuthenticationFailed(AuthError::Configuration));
        };
        let x = HlsExchange {
            own_title: self.config.system_title,
            peer_title: server,
            own_challenge: ctos.as_bytes(),
            peer_challenge: stoc.as_bytes(),
        };
        match hls_verify(&self.provider, secret, &x, reply) {
            Ok(()) => {
                self.outstanding = None;
                self.phase = Phase::Associated;
                self.events.push(ClientEvent::Associated {
                    conformance: self.conformance,
                    server_max_pdu: self.server_max_pdu,
                });
            }
            Err(e) => self.fail_association(ClientEvent::AuthenticationFailed(e)),
        }
    }

    #[allow(clippy::too_many_arguments)] // Private: the response and the request's state.
    fn on_get_response<const N: usize>(
        &mut self,
        now: Instant,
        r: &GetResponse<'_>,
        mut reasm: Reassembly,
        list: bool,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
    ) {
        let id = match r {
            GetResponse::Normal { invoke_id, .. }
            | GetResponse::WithDataBlock { invoke_id, .. }
            | GetResponse::WithList { invoke_id, .. } => *invoke_id,
        };
        if id.invoke_id() != invoke.invoke_id() {
            self.events.push(ClientEvent::Unexpected { tag: 196 });
            return;
        }
        match r {
            GetResponse::Normal { result, .. } => match result {
                GetDataResult::Data { data } => {
                    if self.keep_encoded(b, data) {
                        self.complete(ResponseResult::Data);
                    } else {
                        self.outstanding = None;
                    }
                }
                GetDataResult::DataAccessResult { result } => {
                    self.complete(ResponseResult::Access(*result));
                }
            },
            GetResponse::WithList { results, .. } => {
                if self.keep_encoded(b, results) {
                    self.complete(ResponseResult::DataList);
                } else {
                    self.outstanding = None;
                }
            }
            GetResponse::WithDataBlock { result, .. } => match result.result {
                DataBlockGResult::DataAccessResult { result: e } => {
                    if e == DataAccessResult::DataBlockNumberInvalid {
                        self.events
                            .push(ClientEvent::BlockRejected(BlockError::WrongNumber {
                                expected: reasm.last_block(),
                                received: result.block_number,
                            }));
                        if result.block_number != reasm.last_block() {
                            // About a request we did not just send: stale.
                            return;
                        }
                    }
                    self.complete(ResponseResult::Access(e));
                }
                DataBlockGResult::RawData { raw_data } => {
                    let limit = self.config.max_reassembly.min(N);
                    let buf = b.data.get_mut(..limit).unwrap_or(&mut []);
                    match reasm.accept(buf, result.block_number, raw_data, result.last_block) {
                        Ok(Accepted::Duplicate) => {
                            self.events.push(ClientEvent::Unexpected { tag: 196 });
                        }
                        Ok(Accepted::Appended) => {
                            self.data_len = reasm.len();
                            if let Some(o) = self.outstanding.as_mut() {
                                o.pending = Pending::Get { reasm, list };
                            }
                            if reasm.is_complete() {
                                self.complete(if list {
                                    ResponseResult::DataList
                                } else {
                                    ResponseResult::Data
                                });
                            } else {
                                let next = Apdu::GetRequest(GetRequest::Next {
                                    invoke_id: invoke,
                                    block_number: result.block_number,
                                });
                                match next.encode(&mut b.req) {
                                    Ok(n) => {
                                        b.req_len = n;
                                        self.restart_timer(now);
                                        self.transmit(b);
                                    }
                                    Err(_) => self.events.push(ClientEvent::OutputFailed(
                                        SecurityError::BufferTooSmall { needed: 7 },
                                    )),
                                }
                            }
                        }
                        Err(e @ BlockError::Oversize { .. }) => {
                            self.events.push(ClientEvent::BlockRejected(e));
                            self.outstanding = None;
                            self.data_len = 0;
                        }
                        Err(e) => self.events.push(ClientEvent::BlockRejected(e)),
                    }
                }
            },
        }
    }

    fn on_set_response<const N: usize>(
        &mut self,
        now: Instant,
        r: &SetResponse<'_>,
        blocks: Option<(Blocks, u32)>,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
    ) {
        let id = match r {
            SetResponse::Normal { invoke_id, .. }
            | SetResponse::DataBlock { invoke_id, .. }
            | SetResponse::LastDataBlock { invoke_id, .. }
            | SetResponse::LastDataBlockWithList { invoke_id, .. }
            | SetResponse::WithList { invoke_id, .. } => *invoke_id,
        };
        if id.invoke_id() != invoke.invoke_id() {
            self.events.push(ClientEvent::Unexpected { tag: 197 });
            return;
        }
        match (r, blocks) {
            (SetResponse::Normal { result, .. }, _) => {
                self.complete(ResponseResult::Access(*result));
            }
            (SetResponse::WithList { results, .. }, _) => {
                if self.keep_encoded(b, results) {
                    self.complete(ResponseResult::AccessList);
                } else {
                    self.outstanding = None;
                }
            }
            (SetResponse::DataBlock { block_number, .. }, Some((bl, sent))) => {
                self.block_ack(now, *block_number, bl, sent, b);
            }
            (
                SetResponse::LastDataBlock {
                    result,
                    block_number,
                    ..
                },
                Some((bl, sent)),
            ) => {
                if *block_number == sent
                    && (sent == bl.count() || *result != DataAccessResult::Success)
                {
                    self.data_len = 0;
                    self.complete(ResponseResult::Access(*result));
                } else {
                    self.events
                        .push(ClientEvent::BlockRejected(BlockError::WrongNumber {
                            expected: sent,
                            received: *block_number,
                        }));
                }
            }
            _ => self.events.push(ClientEvent::Unexpected { tag: 197 }),
        }
    }

    /// The server acknowledged block `acked` of our outgoing value.
    fn block_ack<const N: usize>(
        &mut self,
        now: Instant,
        acked: u32,
        blocks: Blocks,
        sent: u32,
        b: &mut Bufs<N>,
    ) {
        if acked == sent && sent < blocks.count() {
            self.restart_timer(now);
            self.send_block(b, sent + 1);
        } else {
            // A late or duplicated acknowledgement.
            self.events
                .push(ClientEvent::BlockRejected(BlockError::WrongNumber {
                    expected: sent,
                    received: acked,
                }));
        }
    }

    fn on_action_response<const N: usize>(
        &mut self,
        now: Instant,
        r: &ActionResponse<'_>,
        (blocks, reply): (Option<(Blocks, u32)>, Option<Reassembly>),
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
    ) {
        let id = match r {
            ActionResponse::Normal { invoke_id, .. }
            | ActionResponse::WithPBlock { invoke_id, .. }
            | ActionResponse::WithList { invoke_id, .. }
            | ActionResponse::NextPBlock { invoke_id, .. } => *invoke_id,
        };
        if id.invoke_id() != invoke.invoke_id() {
            self.events.push(ClientEvent::Unexpected { tag: 199 });
            return;
        }
        match (r, blocks) {
            (ActionResponse::Normal { response, .. }, _) => {
                let data = match response.return_parameters {
                    Some(p) => {
                        if !self.keep_encoded(b, &p) {
                            self.outstanding = None;
                            return;
                        }
                        true
                    }
                    None => {
                        self.data_len = 0;
                        false
                    }
                };
                if blocks.is_some_and(|(bl, sent)| sent < bl.count())
                    && response.result == ActionResult::Success
                {
                    // A final answer before our last block: stale.
                    self.events.push(ClientEvent::Unexpected { tag: 199 });
                    return;
                }
                self.complete(ResponseResult::Action {
                    result: response.result,
                    data,
                });
            }
            (ActionResponse::WithList { responses, .. }, _) => {
                if self.keep_encoded(b, responses) {
                    self.complete(ResponseResult::ActionList);
                } else {
                    self.outstanding = None;
                }
            }
            (ActionResponse::NextPBlock { block_number, .. }, Some((bl, sent))) => {
                self.block_ack(now, *block_number, bl, sent, b);
            }
            (ActionResponse::WithPBlock { pblock, .. }, _) => {
                if blocks.is_some_and(|(bl, sent)| sent < bl.count()) {
                    // Return data before our last parameter block: stale.
                    self.events.push(ClientEvent::Unexpected { tag: 199 });
                    return;
                }
                self.action_reply_block(now, pblock, reply, b, invoke);
            }
            _ => self.events.push(ClientEvent::Unexpected { tag: 199 }),
        }
    }

    /// A block of the return parameters (`action-response-with-pblock`,
    /// Green Book 9.3.5.3): reassembled after a `Get-Data-Result` data
    /// choice byte, so [`Client::response_data`] holds the same form as
    /// for a whole response; each block but the last is acknowledged with
    /// `action-request-next-pblock`.
    fn action_reply_block<const N: usize>(
        &mut self,
        now: Instant,
        pblock: &crate::apdu::DataBlockSa<'_>,
        reply: Option<Reassembly>,
        b: &mut Bufs<N>,
        invoke: InvokeIdAndPriority,
    ) {
        let limit = self.config.max_reassembly.min(N);
        let mut reasm = reply.unwrap_or(Reassembly::new(limit.saturating_sub(1)));
        let Some((choice, buf)) = b.data.get_mut(..limit).and_then(|d| d.split_first_mut()) else {
            self.events
                .push(ClientEvent::BlockRejected(BlockError::Oversize { limit }));
            self.outstanding = None;
            self.data_len = 0;
            return;
        };
        *choice = 0; // Get-Data-Result: data [0]
        match reasm.accept(buf, pblock.block_number, pblock.raw_data, pblock.last_block) {
            Ok(Accepted::Duplicate) => self.events.push(ClientEvent::Unexpected { tag: 199 }),
            Ok(Accepted::Appended) => {
                self.data_len = 1 + reasm.len();
                if let Some(o) = self.outstanding.as_mut()
                    && let Pending::Action { reply, .. } = &mut o.pending
                {
                    *reply = Some(reasm);
                }
                if reasm.is_complete() {
                    return self.complete(ResponseResult::Action {
                        result: ActionResult::Success,
                        data: true,
                    });
                }
                let next = Apdu::ActionRequest(ActionRequest::NextPBlock {
                    invoke_id: invoke,
                    block_number: pblock.block_number,
                });
                match next.encode(&mut b.req) {
                    Ok(n) => {
                        b.req_len = n;
                        self.restart_timer(now);
                        self.transmit(b);
                    }
                    Err(_) => {
                        self.events
                            .push(ClientEvent::OutputFailed(SecurityError::BufferTooSmall {
                                needed: next.encoded_len(),
                            }))
                    }
                }
            }
            Err(e @ BlockError::Oversize { .. }) => {
                self.events.push(ClientEvent::BlockRejected(e));
                self.outstanding = None;
                self.data_len = 0;
            }
            Err(e) => self.events.push(ClientEvent::BlockRejected(e)),
        }
    }
}
