//! The OTA Upgrade client (OTA Upgrade cluster specification 095264r23
//! §6.10-6.11; ZCL rev 7 §11.12): finds, downloads, checks and reports a
//! new image, sans-IO and without a heap.
//!
//! * Query Next Image on the caller's command ([`Client::query`]) or on an
//!   Image Notify that matches this device: the client draws a number in
//!   1..=100 from the caller's RNG and queries only if it is at most the
//!   notify's query jitter (§6.10.3.3), after a random delay of up to
//!   [`ClientConfig::notify_delay_max`] so a broadcast does not bring every
//!   device at once.
//! * Download block by block into the caller's [`ImageSink`] (written at
//!   the block's offset; a block is accepted only at the offset expected
//!   and only inside the offered size, so a stray, repeated or reordered
//!   response never writes outside the image). WAIT_FOR_DATA is honoured
//!   (request time minus current time, and the minimum block period it
//!   carries from then on); a request unanswered for
//!   [`ClientConfig::response_timeout`] is sent again, up to
//!   [`ClientConfig::max_retries`] times.
//! * [`Client::persisted`] is the state to keep across a restart (the offer
//!   and the octets written); [`Client::resume`] continues from it.
//! * At the end the header is read back from the sink and must name the
//!   offered manufacturer, image type, version and size, and the image
//!   integrity code must verify ([`super::integrity`]). On failure the
//!   client sends Upgrade End INVALID_IMAGE and starts over with a new
//!   query; on success Upgrade End SUCCESS, then reports the activation
//!   time of the server's Upgrade End Response ([`ClientEvent::ActivateAt`]
//!   or [`ClientEvent::WaitForUpgradeCommand`]).
//!
//! Limits: [`QUEUE`] events (progress is coalesced, so the queue does not
//! fill during a download); one request outstanding at a time;
//! `poll_transmit`'s buffer must hold 36 octets.

use dual_protocol_primitives::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_core::CryptoRng;

use super::integrity::{ImageStorage, verify_integrity};
use super::{Address, ImageHeader, MIN_HEADER_LEN, OtaError, Transmit, push};
use crate::cluster::ota_upgrade::{
    BlockFieldControl, BlockResponseBody, Command, ImageBlockRequest, ImageId, ImageOffer,
    QueryFieldControl, QueryNextImageRequest, UpgradeEndRequest, WAIT_FOR_UPGRADE_COMMAND,
};
use crate::frame::{Direction, FrameType, Header};
use crate::status::Status;
use crate::tunnel::Fifo;

/// Capacity of the event queue.
pub const QUEUE: usize = 8;

/// Octets of the header read back for the final check.
pub const HEADER_READ: usize = 128;

/// Storage the client writes the image into (flash, a file, RAM), read
/// back through [`ImageStorage`] for the integrity check.
pub trait ImageSink: ImageStorage {
    /// Writes `data` at octet `offset` of the image.
    fn write_at(&mut self, offset: u32, data: &[u8]) -> Result<(), Self::Error>;
}

/// Client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClientConfig {
    /// The image running now (manufacturer, image type, current version).
    pub current: ImageId,
    /// Hardware version, sent in Query Next Image Request when known.
    pub hardware_version: Option<u16>,
    /// This device's IEEE address, sent in Image Block Request when set.
    pub request_node_address: Option<Eui64>,
    /// The OTA server's network address.
    pub server: u16,
    /// Largest block asked for.
    pub max_data_size: u8,
    /// Largest image the sink holds.
    pub max_image_size: u32,
    /// Time to wait for a response before asking again.
    pub response_timeout: Duration,
    /// Retries of one request before giving up.
    pub max_retries: u8,
    /// Longest random delay between a matching Image Notify and the query.
    pub notify_delay_max: Duration,
}

impl ClientConfig {
    /// Settings with the usual values for `current` and `server`: 64-octet
    /// blocks, 1 MiB images, 2 s timeout, 5 retries, up to 1 s after a
    /// notify.
    pub fn new(current: ImageId, server: u16) -> Self {
        ClientConfig {
            current,
            hardware_version: None,
            request_node_address: None,
            server,
            max_data_size: 64,
            max_image_size: 1 << 20,
            response_timeout: Duration::from_secs(2),
            max_retries: 5,
            notify_delay_max: Duration::from_secs(1),
        }
    }
}

/// The state to keep across a restart: the offered image and the octets of
/// it already written to the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Persisted {
    /// The image being downloaded.
    pub offer: Option<ImageOffer>,
    /// Octets written.
    pub offset: u32,
}

/// What the application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server has no newer image.
    NoImageAvailable,
    /// A download starts (or resumes).
    Started {
        /// The offered image.
        offer: ImageOffer,
        /// Where it starts.
        offset: u32,
    },
    /// Octets received so far.
    Progress {
        /// Octets written.
        offset: u32,
        /// Image size.
        total: u32,
    },
    /// The whole image is in the sink and its integrity code verifies.
    Verified {
        /// The image.
        offer: ImageOffer,
    },
    /// The download failed: INVALID_IMAGE (the check at the end; the
    /// client starts over), ABORT (from the server), TIMEOUT (no answer),
    /// INSUFFICIENT_SPACE (image too large), HARDWARE_FAILURE (the sink).
    Failed {
        /// Why.
        status: Status,
    },
    /// The server says: activate the new image at this instant.
    ActivateAt(Instant),
    /// The server says: wait for its upgrade command.
    WaitForUpgradeCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    QueryDue(Instant),
    Querying,
    Downloading { offer: ImageOffer, offset: u32 },
    Ending { offer: ImageOffer },
    Activation { offer: ImageOffer },
}

/// A request waiting to go out or for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outstanding {
    tsn: u8,
    /// When it was sent; `None` while it waits to be sent.
    sent: Option<Instant>,
    /// Not before this instant.
    not_before: Instant,
    retries: u8,
}

/// An OTA Upgrade client writing into `S`.
#[derive(Debug)]
#[must_use]
pub struct Client<S> {
    cfg: ClientConfig,
    sink: S,
    state: State,
    req: Option<Outstanding>,
    /// Upgrade End INVALID_IMAGE to send (no answer awaited).
    invalid: Option<(u8, ImageId)>,
    events: Fifo<ClientEvent, QUEUE>,
    progress: bool,
    min_block_period: u16,
    tsn: u8,
    /// Blocks refused because they were not at the expected offset.
    stale: u32,
}

impl<S: ImageSink> Client<S> {
    /// An idle client.
    pub fn new(cfg: ClientConfig, sink: S, first_tsn: u8) -> Self {
        Client {
            cfg,
            sink,
            state: State::Idle,
            req: None,
            invalid: None,
            events: Fifo::new(),
            progress: false,
            min_block_period: 0,
            tsn: first_tsn,
            stale: 0,
        }
    }

    /// A client restarted with `persisted` state: it goes on downloading
    /// from the persisted offset at once (an idle client if nothing was
    /// under way).
    pub fn resume(cfg: ClientConfig, sink: S, persisted: Persisted, first_tsn: u8) -> Self {
        let mut c = Client::new(cfg, sink, first_tsn);
        if let Some(offer) = persisted.offer.filter(|o| persisted.offset <= o.image_size) {
            c.state = State::Downloading {
                offer,
                offset: persisted.offset,
            };
            c.req = Some(c.fresh(Instant::from_micros(0)));
            let _ = push(
                &mut c.events,
                ClientEvent::Started {
                    offer,
                    offset: persisted.offset,
                },
            );
        }
        c
    }

    /// The state to persist.
    #[must_use]
    pub fn persisted(&self) -> Persisted {
        match self.state {
            State::Downloading { offer, offset } => Persisted {
                offer: Some(offer),
                offset,
            },
            _ => Persisted::default(),
        }
    }

    /// The sink.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// Gives the sink back.
    pub fn into_sink(self) -> S {
        self.sink
    }

    /// The minimum block period in force (milliseconds; the server's
    /// WAIT_FOR_DATA sets it).
    #[must_use]
    pub fn minimum_block_period(&self) -> u16 {
        self.min_block_period
    }

    /// Blocks dropped because they were not at the expected offset.
    #[must_use]
    pub fn stale_blocks(&self) -> u32 {
        self.stale
    }

    /// Whether a download or query is under way.
    #[must_use]
    pub fn is_busy(&self) -> bool {
        !matches!(self.state, State::Idle | State::Activation { .. })
    }

    fn next_tsn(&mut self) -> u8 {
        let t = self.tsn;
        self.tsn = self.tsn.wrapping_add(1);
        t
    }

    fn fresh(&mut self, not_before: Instant) -> Outstanding {
        Outstanding {
            tsn: self.next_tsn(),
            sent: None,
            not_before,
            retries: 0,
        }
    }

    /// Asks the server for a new image now.
    pub fn query(&mut self, now: Instant) -> Result<(), OtaError> {
        if self.is_busy() {
            return Err(OtaError::Busy);
        }
        self.state = State::QueryDue(now);
        Ok(())
    }

    /// Feeds a ZCL frame of the OTA Upgrade cluster received from `source`
    /// (frames from another node than the configured server are refused);
    /// `rng` draws the Image Notify jitter and delay.
    pub fn handle_input<R: CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        source: u16,
        frame: &[u8],
        rng: &mut R,
    ) -> Result<(), OtaError> {
        let (h, at) = Header::decode(frame)?;
        if source != self.cfg.server {
            return Err(OtaError::WrongSource(source));
        }
        if h.frame_type != FrameType::ClusterSpecific
            || h.direction != Direction::ServerToClient
            || h.manufacturer_code.is_some()
        {
            return Err(OtaError::Unexpected(h.command_id));
        }
        let payload = frame.get(at..).unwrap_or_default();
        let cmd = Command::decode_at(Direction::ServerToClient, h.command_id, payload, at)?
            .ok_or(OtaError::Unexpected(h.command_id))?;
        let tsn_ok = self.req.is_some_and(|r| r.tsn == h.tsn && r.sent.is_some());
        match (cmd, self.state) {
            (Command::ImageNotify(n), State::Idle) => {
                let me = self.cfg.current;
                let wanted = n
                    .manufacturer_code
                    .is_none_or(|m| m == me.manufacturer_code || m == 0xffff)
                    && n.image_type
                        .is_none_or(|t| t == me.image_type || t == 0xffff)
                    && n.new_file_version.is_none_or(|v| v != me.file_version);
                let draw = rng.next_u32() % 100 + 1;
                if wanted && draw <= u32::from(n.query_jitter) {
                    let max = u64::try_from(self.cfg.notify_delay_max.as_millis()).unwrap_or(0);
                    let delay = u64::from(rng.next_u32()) % (max + 1);
                    self.state = State::QueryDue(now + Duration::from_millis(delay));
                }
                Ok(())
            }
            (Command::QueryNextImageResponse(r), State::Querying) if tsn_ok => {
                self.req = None;
                match r.offer {
                    Some(offer) if r.status == Status::Success => self.start(now, offer),
                    _ => {
                        self.state = State::Idle;
                        push(&mut self.events, ClientEvent::NoImageAvailable)
                    }
                }
            }
            (Command::ImageBlockResponse(b), State::Downloading { offer, offset }) => {
                match b.body {
                    BlockResponseBody::Data {
                        image,
                        file_offset,
                        data,
                    } => {
                        let end = u64::from(offset) + data.len() as u64;
                        if image != offer.id
                            || file_offset != offset
                            || data.is_empty()
                            || end > u64::from(offer.image_size)
                        {
                            self.stale = self.stale.saturating_add(1);
                            return Ok(());
                        }
                        if self.sink.write_at(offset, data).is_err() {
                            return self.fail(Status::HardwareFailure);
                        }
                        let offset = offset + data.len() as u32;
                        self.state = State::Downloading { offer, offset };
                        self.progress = true;
                        if offset == offer.image_size {
                            self.req = None;
                            return self.finish(now, offer);
                        }
                        let period = Duration::from_millis(u64::from(self.min_block_period));
                        self.req = Some(self.fresh(now + period));
                        Ok(())
                    }
                    BlockResponseBody::WaitForData {
                        current_time,
                        request_time,
                        minimum_block_period,
                    } if tsn_ok => {
                        if let Some(p) = minimum_block_period {
                            self.min_block_period = p;
                        }
                        let wait = Duration::from_secs(u64::from(
                            request_time.saturating_sub(current_time),
                        ))
                        .max(Duration::from_millis(u64::from(self.min_block_period)));
                        self.req = Some(self.fresh(now + wait));
                        Ok(())
                    }
                    BlockResponseBody::Empty if tsn_ok => self.fail(b.status),
                    _ => Ok(()),
                }
            }
            (
                Command::UpgradeEndResponse(e),
                State::Ending { offer } | State::Activation { offer },
            ) if tsn_ok || matches!(self.state, State::Activation { .. }) => {
                let id = e.image;
                if !(id.manufacturer_code == offer.id.manufacturer_code
                    || id.manufacturer_code == 0xffff)
                    || !(id.image_type == offer.id.image_type || id.image_type == 0xffff)
                    || !(id.file_version == offer.id.file_version || id.file_version == 0xffff_ffff)
                {
                    return Ok(());
                }
                self.req = None;
                self.state = State::Activation { offer };
                let ev = if e.upgrade_time == WAIT_FOR_UPGRADE_COMMAND {
                    ClientEvent::WaitForUpgradeCommand
                } else {
                    let wait = e.upgrade_time.saturating_sub(e.current_time);
                    ClientEvent::ActivateAt(now + Duration::from_secs(u64::from(wait)))
                };
                push(&mut self.events, ev)
            }
            _ => Ok(()),
        }
    }

    fn start(&mut self, now: Instant, offer: ImageOffer) -> Result<(), OtaError> {
        if offer.image_size > self.cfg.max_image_size {
            return self.fail(Status::InsufficientSpace);
        }
        if (offer.image_size as usize) < MIN_HEADER_LEN {
            return self.fail(Status::InvalidImage);
        }
        self.state = State::Downloading { offer, offset: 0 };
        self.req = Some(self.fresh(now));
        push(&mut self.events, ClientEvent::Started { offer, offset: 0 })
    }

    fn fail(&mut self, status: Status) -> Result<(), OtaError> {
        self.state = State::Idle;
        self.req = None;
        push(&mut self.events, ClientEvent::Failed { status })
    }

    /// The end of the download: header and integrity check.
    fn finish(&mut self, now: Instant, offer: ImageOffer) -> Result<(), OtaError> {
        if self.check(offer) {
            self.state = State::Ending { offer };
            self.req = Some(self.fresh(now));
            push(&mut self.events, ClientEvent::Verified { offer })
        } else {
            let tsn = self.next_tsn();
            self.invalid = Some((tsn, offer.id));
            self.state = State::QueryDue(now);
            self.req = None;
            push(
                &mut self.events,
                ClientEvent::Failed {
                    status: Status::InvalidImage,
                },
            )
        }
    }

    fn check(&mut self, offer: ImageOffer) -> bool {
        let mut buf = [0u8; HEADER_READ];
        let Ok(n) = self.sink.read_at(0, &mut buf) else {
            return false;
        };
        let header_ok =
            ImageHeader::decode(buf.get(..n).unwrap_or_default()).is_ok_and(|(h, _)| {
                h.manufacturer_code == offer.id.manufacturer_code
                    && h.image_type == offer.id.image_type
                    && h.file_version == offer.id.file_version
                    && h.total_image_size == offer.image_size
            });
        header_ok && verify_integrity(&mut self.sink).is_ok()
    }

    /// The next frame to send, written into `buf`.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let to = Address::Device(self.cfg.server);
        if let Some((tsn, image)) = self.invalid.take() {
            let n = UpgradeEndRequest {
                status: Status::InvalidImage,
                image,
                trailing: &[],
            }
            .encode_frame(tsn, false, buf)
            .ok()?;
            return Some(Transmit {
                destination: to,
                len: n,
            });
        }
        if let State::QueryDue(at) = self.state
            && at <= now
        {
            self.state = State::Querying;
            self.req = Some(self.fresh(now));
        }
        let mut req = self
            .req
            .filter(|r| r.sent.is_none() && r.not_before <= now)?;
        let cfg = &self.cfg;
        let n = match self.state {
            State::Querying => QueryNextImageRequest {
                field_control: QueryFieldControl(u8::from(cfg.hardware_version.is_some())),
                current: cfg.current,
                hardware_version: cfg.hardware_version,
                trailing: &[],
            }
            .encode_frame(req.tsn, true, buf),
            State::Downloading { offer, offset } => ImageBlockRequest {
                field_control: BlockFieldControl(
                    u8::from(cfg.request_node_address.is_some())
                        | BlockFieldControl::MINIMUM_BLOCK_PERIOD.0,
                ),
                image: offer.id,
                file_offset: offset,
                maximum_data_size: cfg.max_data_size,
                request_node_address: cfg.request_node_address,
                minimum_block_period: Some(self.min_block_period),
                trailing: &[],
            }
            .encode_frame(req.tsn, true, buf),
            State::Ending { offer } => UpgradeEndRequest {
                status: Status::Success,
                image: offer.id,
                trailing: &[],
            }
            .encode_frame(req.tsn, true, buf),
            _ => return None,
        }
        .ok()?;
        req.sent = Some(now);
        self.req = Some(req);
        Some(Transmit {
            destination: to,
            len: n,
        })
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        if let Some(e) = self.events.pop() {
            return Some(e);
        }
        if let (true, State::Downloading { offer, offset }) = (self.progress, self.state) {
            self.progress = false;
            return Some(ClientEvent::Progress {
                offset,
                total: offer.image_size,
            });
        }
        None
    }

    /// When [`Client::handle_timeout`] should next run (or `poll_transmit`
    /// has something to send).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if let State::QueryDue(at) = self.state {
            return Some(at);
        }
        let r = self.req?;
        Some(match r.sent {
            Some(s) => s + self.cfg.response_timeout,
            None => r.not_before,
        })
    }

    /// Resends a request whose answer did not come in time; gives up after
    /// [`ClientConfig::max_retries`] (TIMEOUT; the persisted offset is
    /// kept for the next query only through [`Client::persisted`] before
    /// this point).
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(r) = self.req else {
            return;
        };
        let Some(sent) = r.sent else {
            return;
        };
        if now < sent + self.cfg.response_timeout {
            return;
        }
        if r.retries >= self.cfg.max_retries {
            let _ = self.fail(Status::Timeout);
            return;
        }
        let mut next = self.fresh(now);
        next.retries = r.retries + 1;
        self.req = Some(next);
    }
}
