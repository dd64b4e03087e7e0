//! The OTA Upgrade server (OTA Upgrade cluster specification 095264r23
//! §6.10-6.11; ZCL rev 7 §11.13): offers images to many clients at once,
//! sans-IO and without a heap.
//!
//! * Images are registered by the caller ([`Server::add_image`]), each as
//!   an [`ImageStorage`] the server reads blocks from; the header is read
//!   once at registration (manufacturer, image type, version, size,
//!   hardware version range, device-specific destination).
//! * Query Next Image: the newest image with the client's manufacturer
//!   code and image type, a file version above the client's, and (when both
//!   say) a hardware version range containing the client's; device-specific
//!   files are offered only through Query Device Specific File.
//! * Image Block: at most [`ServerConfig::max_data_size`] octets per block;
//!   a client asking again within [`ServerConfig::minimum_block_period`] of
//!   its last block, or a new client while
//!   [`ServerConfig::max_downloads`] downloads are under way, gets
//!   WAIT_FOR_DATA (§6.10.8.3: current time, request time, minimum block
//!   period).
//! * Image Page: the page goes out as a series of Image Block Responses
//!   `response_spacing` milliseconds apart, paced through
//!   [`Server::poll_transmit`] / [`Server::poll_timeout`].
//! * Upgrade End: SUCCESS is answered with an Upgrade End Response carrying
//!   the caller-set [`Activation`]; any other status with a Default
//!   Response (SUCCESS), as §6.10.9.4 asks.
//! * Malformed commands get a Default Response MALFORMED_COMMAND,
//!   unknown ones UNSUP_CLUSTER_COMMAND (ZCL rev 6 §2.5.12).
//!
//! Times on the wire are UTC seconds when the caller sets
//! [`ServerConfig::utc_at_zero`]; otherwise current time is 0 and request
//! and upgrade times are offsets in seconds, as §6.10.8.3 allows for a
//! server without a clock.
//!
//! Limits: `I` images, `C` clients tracked at once (per-client state:
//! image, offset, last request, page in progress), `Q` queued frames and
//! `Q` queued events (a request that finds the transmit queue full is
//! dropped with [`OtaError::QueueFull`]; its client retries). A download
//! idle for [`ServerConfig::idle_timeout`] is forgotten with a
//! `Failed { status: Timeout }` event. `poll_transmit`'s buffer must hold
//! 17 octets plus `max_data_size` (a frame that does not fit is dropped and
//! counted in [`Server::dropped`]).

use dual_protocol_primitives::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};

use super::integrity::ImageStorage;
use super::{Address, ImageHeader, OtaError, Transmit, push, secs};
use crate::cluster::ota_upgrade::{
    BlockResponseBody, Command, ImageBlockResponse, ImageId, ImageNotify, ImageNotifyPayloadType,
    ImageOffer, QueryDeviceSpecificFileResponse, QueryNextImageResponse, UpgradeEndResponse,
    WAIT_FOR_UPGRADE_COMMAND,
};
use crate::frame::{Direction, FrameType, Header};
use crate::status::Status;
use crate::tunnel::Fifo;

/// Octets of the header read from storage when an image is registered
/// (a header declaring more is refused).
pub const HEADER_READ: usize = 128;

/// Octets of an Image Block Response before its data.
pub const BLOCK_OVERHEAD: usize = 17;

/// Server settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerConfig {
    /// Largest block the server sends, whatever the client asks.
    pub max_data_size: u8,
    /// Minimum milliseconds between two blocks to one client (0: no limit).
    pub minimum_block_period: u16,
    /// Downloads served at once (at most `C`).
    pub max_downloads: usize,
    /// Seconds a client turned away for `max_downloads` waits.
    pub busy_delay_secs: u32,
    /// A download with no request for this long is forgotten.
    pub idle_timeout: Duration,
    /// Query jitter of group and broadcast Image Notify (unicast uses 100).
    pub query_jitter: u8,
    /// UTC seconds (ZigBee epoch) at `Instant` 0, when the server has a
    /// clock.
    pub utc_at_zero: Option<u32>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_data_size: 64,
            minimum_block_period: 0,
            max_downloads: usize::MAX,
            busy_delay_secs: 10,
            idle_timeout: Duration::from_secs(300),
            query_jitter: 50,
            utc_at_zero: None,
        }
    }
}

/// When a client that finished its download activates the new image
/// (Upgrade End Response, §6.10.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Activation {
    /// At once (upgrade time = current time).
    Now,
    /// This many seconds after the response.
    After(u32),
    /// At this UTC time (needs [`ServerConfig::utc_at_zero`]).
    AtUtc(u32),
    /// Wait for a later Upgrade End Response ([`Server::activate`]).
    WaitForCommand,
}

/// What the application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A client asked for its first block of an image.
    Started {
        /// The client.
        device: u16,
        /// The image.
        image: ImageId,
    },
    /// A client asked for the block at `offset`, so it holds `offset` octets.
    Progress {
        /// The client.
        device: u16,
        /// Octets received.
        offset: u32,
        /// Image size.
        total: u32,
    },
    /// A client reported Upgrade End SUCCESS.
    Completed {
        /// The client.
        device: u16,
        /// The image.
        image: ImageId,
    },
    /// A download ended otherwise: the client's Upgrade End status
    /// (INVALID_IMAGE, REQUIRE_MORE_IMAGE, ABORT), ABORT sent by the
    /// server, or TIMEOUT for an idle client.
    Failed {
        /// The client.
        device: u16,
        /// Why.
        status: Status,
    },
}

#[derive(Debug, Clone, Copy)]
struct Served<S> {
    offer: ImageOffer,
    hardware: Option<(u16, u16)>,
    destination: Option<Eui64>,
    storage: S,
}

#[derive(Debug, Clone, Copy)]
struct Page {
    tsn: u8,
    next: u32,
    end: u32,
    max: u8,
    spacing: Duration,
    due: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Download {
    device: u16,
    image: usize,
    offset: u32,
    last_request: Instant,
    last_block: Option<Instant>,
    progress: bool,
    page: Option<Page>,
}

#[derive(Debug, Clone, Copy)]
enum Out {
    Notify {
        to: Address,
        id: ImageId,
        payload_type: ImageNotifyPayloadType,
        jitter: u8,
    },
    Query {
        to: u16,
        tsn: u8,
        offer: Option<ImageOffer>,
        specific: bool,
    },
    Block {
        to: u16,
        tsn: u8,
        image: usize,
        offset: u32,
        len: u8,
    },
    Wait {
        to: u16,
        tsn: u8,
        delay: u32,
        period: Option<u16>,
    },
    Abort {
        to: Address,
        tsn: u8,
    },
    End {
        to: Address,
        tsn: u8,
        id: ImageId,
        activation: Activation,
    },
    Default {
        to: u16,
        tsn: u8,
        command: u8,
        status: Status,
    },
}

/// An OTA Upgrade server with `I` images, `C` concurrent clients and
/// queues of `Q` frames and events.
#[derive(Debug)]
#[must_use]
pub struct Server<S, const I: usize, const C: usize, const Q: usize> {
    cfg: ServerConfig,
    images: [Option<Served<S>>; I],
    clients: [Option<Download>; C],
    tx: Fifo<Out, Q>,
    events: Fifo<ServerEvent, Q>,
    activation: Activation,
    tsn: u8,
    dropped: u32,
}

impl<S: ImageStorage, const I: usize, const C: usize, const Q: usize> Server<S, I, C, Q> {
    /// A server with no images; `first_tsn` seeds the transaction sequence
    /// numbers of its unsolicited frames.
    pub fn new(cfg: ServerConfig, first_tsn: u8) -> Self {
        Server {
            cfg,
            images: core::array::from_fn(|_| None),
            clients: [None; C],
            tx: Fifo::new(),
            events: Fifo::new(),
            activation: Activation::Now,
            tsn: first_tsn,
            dropped: 0,
        }
    }

    /// Registers an image; returns its index. Its header is read from
    /// `storage` now.
    pub fn add_image(&mut self, mut storage: S) -> Result<usize, OtaError> {
        let slot = self
            .images
            .iter()
            .position(Option::is_none)
            .ok_or(OtaError::TableFull)?;
        let mut buf = [0u8; HEADER_READ];
        let n = storage
            .read_at(0, &mut buf)
            .map_err(|_| OtaError::Storage)?;
        let (h, _) =
            ImageHeader::decode(buf.get(..n).unwrap_or_default()).map_err(OtaError::Image)?;
        let served = Served {
            offer: ImageOffer {
                id: ImageId {
                    manufacturer_code: h.manufacturer_code,
                    image_type: h.image_type,
                    file_version: h.file_version,
                },
                image_size: h.total_image_size,
            },
            hardware: h.hardware_versions,
            destination: h.upgrade_file_destination,
            storage,
        };
        if let Some(s) = self.images.get_mut(slot) {
            *s = Some(served);
        }
        Ok(slot)
    }

    /// Withdraws an image; downloads of it are forgotten. Returns its storage.
    pub fn remove_image(&mut self, index: usize) -> Option<S> {
        let served = self.images.get_mut(index)?.take()?;
        for c in &mut self.clients {
            if c.is_some_and(|d| d.image == index) {
                *c = None;
            }
        }
        Some(served.storage)
    }

    /// The offer of image `index`.
    #[must_use]
    pub fn image(&self, index: usize) -> Option<ImageOffer> {
        self.images.get(index)?.as_ref().map(|s| s.offer)
    }

    /// Sets the activation time sent in Upgrade End Responses from now on.
    pub fn set_activation(&mut self, activation: Activation) {
        self.activation = activation;
    }

    /// Downloads under way.
    #[must_use]
    pub fn active_downloads(&self) -> usize {
        self.clients.iter().flatten().count()
    }

    /// Frames dropped because the caller's buffer was too small.
    #[must_use]
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    fn next_tsn(&mut self) -> u8 {
        let t = self.tsn;
        self.tsn = self.tsn.wrapping_add(1);
        t
    }

    /// Queues an Image Notify for image `index` (§6.10.3) to one device
    /// (query jitter 100) or to a group or broadcast address (the
    /// configured jitter), with the fields `payload_type` selects.
    pub fn notify(
        &mut self,
        to: Address,
        index: usize,
        payload_type: ImageNotifyPayloadType,
    ) -> Result<(), OtaError> {
        let id = self.image(index).ok_or(OtaError::NoSuchImage)?.id;
        let jitter = match to {
            Address::Device(_) => 100,
            _ => self.cfg.query_jitter,
        };
        push(
            &mut self.tx,
            Out::Notify {
                to,
                id,
                payload_type,
                jitter,
            },
        )
    }

    /// Queues an unsolicited Upgrade End Response telling `to` (a device
    /// waiting for the upgrade command, or a group) to activate `image` now.
    pub fn activate(&mut self, to: Address, image: ImageId) -> Result<(), OtaError> {
        let tsn = self.next_tsn();
        push(
            &mut self.tx,
            Out::End {
                to,
                tsn,
                id: image,
                activation: Activation::Now,
            },
        )
    }

    fn find_image(&self, id: ImageId) -> Option<usize> {
        self.images
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.offer.id == id))
    }

    fn slot_of(&self, device: u16) -> Option<usize> {
        self.clients
            .iter()
            .position(|c| c.is_some_and(|d| d.device == device))
    }

    /// Feeds a ZCL frame of the OTA Upgrade cluster received from `source`.
    pub fn handle_input(
        &mut self,
        now: Instant,
        source: u16,
        frame: &[u8],
    ) -> Result<(), OtaError> {
        let (h, at) = Header::decode(frame)?;
        if h.frame_type != FrameType::ClusterSpecific
            || h.direction != Direction::ClientToServer
            || h.manufacturer_code.is_some()
        {
            return Err(OtaError::Unexpected(h.command_id));
        }
        let payload = frame.get(at..).unwrap_or_default();
        let cmd = match Command::decode_at(Direction::ClientToServer, h.command_id, payload, at) {
            Ok(Some(c)) => c,
            Ok(None) => {
                self.default_response(source, &h, Status::UnsupClusterCommand)?;
                return Err(OtaError::Unexpected(h.command_id));
            }
            Err(e) => {
                self.default_response(source, &h, Status::MalformedCommand)?;
                return Err(OtaError::Decode(e));
            }
        };
        let tsn = h.tsn;
        match cmd {
            Command::QueryNextImageRequest(q) => {
                let best = self
                    .images
                    .iter()
                    .flatten()
                    .filter(|s| {
                        let id = s.offer.id;
                        s.destination.is_none()
                            && id.manufacturer_code == q.current.manufacturer_code
                            && id.image_type == q.current.image_type
                            && id.file_version > q.current.file_version
                            && match (s.hardware, q.hardware_version) {
                                (Some((lo, hi)), Some(hw)) => (lo..=hi).contains(&hw),
                                _ => true,
                            }
                    })
                    .max_by_key(|s| s.offer.id.file_version)
                    .map(|s| s.offer);
                push(
                    &mut self.tx,
                    Out::Query {
                        to: source,
                        tsn,
                        offer: best,
                        specific: false,
                    },
                )
            }
            Command::QueryDeviceSpecificFileRequest(q) => {
                let offer = self
                    .images
                    .iter()
                    .flatten()
                    .find(|s| {
                        let id = s.offer.id;
                        s.destination == Some(q.request_node_address)
                            && id.manufacturer_code == q.file.manufacturer_code
                            && id.image_type == q.file.image_type
                            && (q.file.file_version == 0xffff_ffff
                                || id.file_version == q.file.file_version)
                    })
                    .map(|s| s.offer);
                push(
                    &mut self.tx,
                    Out::Query {
                        to: source,
                        tsn,
                        offer,
                        specific: true,
                    },
                )
            }
            Command::ImageBlockRequest(b) => {
                let Some((slot, image, size)) =
                    self.admit(now, source, tsn, b.image, b.file_offset)?
                else {
                    return Ok(());
                };
                let period = Duration::from_millis(u64::from(self.cfg.minimum_block_period));
                let too_fast = self
                    .clients
                    .get(slot)
                    .and_then(|c| c.as_ref())
                    .is_some_and(|d| {
                        self.cfg.minimum_block_period > 0
                            && d.last_block
                                .is_some_and(|l| now.saturating_duration_since(l) < period)
                    });
                if too_fast {
                    return push(
                        &mut self.tx,
                        Out::Wait {
                            to: source,
                            tsn,
                            delay: 0,
                            period: Some(self.cfg.minimum_block_period),
                        },
                    );
                }
                let len = u32::from(b.maximum_data_size.min(self.cfg.max_data_size))
                    .min(size - b.file_offset);
                push(
                    &mut self.tx,
                    Out::Block {
                        to: source,
                        tsn,
                        image,
                        offset: b.file_offset,
                        len: u8::try_from(len).unwrap_or(u8::MAX),
                    },
                )?;
                if let Some(Some(d)) = self.clients.get_mut(slot) {
                    d.last_block = Some(now);
                }
                Ok(())
            }
            Command::ImagePageRequest(p) => {
                let Some((slot, _, size)) = self.admit(now, source, tsn, p.image, p.file_offset)?
                else {
                    return Ok(());
                };
                let end = u64::from(p.file_offset) + u64::from(p.page_size);
                let page = Page {
                    tsn,
                    next: p.file_offset,
                    end: u32::try_from(end).unwrap_or(u32::MAX).min(size),
                    max: p.maximum_data_size.min(self.cfg.max_data_size).max(1),
                    spacing: Duration::from_millis(u64::from(p.response_spacing)),
                    due: now,
                };
                if let Some(Some(d)) = self.clients.get_mut(slot) {
                    d.page = Some(page);
                }
                Ok(())
            }
            Command::UpgradeEndRequest(e) => {
                let slot = self.slot_of(source);
                if e.status == Status::Success {
                    if self.find_image(e.image).is_none() {
                        return push(
                            &mut self.tx,
                            Out::Default {
                                to: source,
                                tsn,
                                command: h.command_id,
                                status: Status::Abort,
                            },
                        );
                    }
                    push(
                        &mut self.tx,
                        Out::End {
                            to: Address::Device(source),
                            tsn,
                            id: e.image,
                            activation: self.activation,
                        },
                    )?;
                    if let Some(s) = slot {
                        self.end(s, Some(e.image), Status::Success);
                    }
                    Ok(())
                } else {
                    push(
                        &mut self.tx,
                        Out::Default {
                            to: source,
                            tsn,
                            command: h.command_id,
                            status: Status::Success,
                        },
                    )?;
                    if let Some(s) = slot {
                        self.end(s, None, e.status);
                    }
                    Ok(())
                }
            }
            _ => Err(OtaError::Unexpected(h.command_id)),
        }
    }

    /// Finds or creates the client's download for a block or page
    /// request; answers ABORT (unknown image, offset past the end) or
    /// WAIT_FOR_DATA (at the download limit) itself and returns `None`.
    fn admit(
        &mut self,
        now: Instant,
        source: u16,
        tsn: u8,
        id: ImageId,
        offset: u32,
    ) -> Result<Option<(usize, usize, u32)>, OtaError> {
        let found = self
            .find_image(id)
            .and_then(|i| Some((i, self.image(i)?.image_size)));
        let existing = self.slot_of(source);
        let Some((image, size)) = found.filter(|&(_, size)| offset < size) else {
            push(
                &mut self.tx,
                Out::Abort {
                    to: Address::Device(source),
                    tsn,
                },
            )?;
            if let Some(s) = existing {
                self.end(s, None, Status::Abort);
            }
            return Ok(None);
        };
        let slot = match existing {
            Some(s)
                if self
                    .clients
                    .get(s)
                    .and_then(|c| c.as_ref())
                    .is_some_and(|d| d.image == image) =>
            {
                s
            }
            other => {
                let free = other.or_else(|| self.clients.iter().position(Option::is_none));
                let active = self.active_downloads() - usize::from(other.is_some());
                let Some(free) = free.filter(|_| active < self.cfg.max_downloads) else {
                    push(
                        &mut self.tx,
                        Out::Wait {
                            to: source,
                            tsn,
                            delay: self.cfg.busy_delay_secs,
                            period: None,
                        },
                    )?;
                    return Ok(None);
                };
                push(
                    &mut self.events,
                    ServerEvent::Started {
                        device: source,
                        image: id,
                    },
                )?;
                if let Some(c) = self.clients.get_mut(free) {
                    *c = Some(Download {
                        device: source,
                        image,
                        offset,
                        last_request: now,
                        last_block: None,
                        progress: false,
                        page: None,
                    });
                }
                free
            }
        };
        if let Some(Some(d)) = self.clients.get_mut(slot) {
            d.last_request = now;
            if offset != d.offset {
                d.progress = true;
            }
            d.offset = offset;
        }
        Ok(Some((slot, image, size)))
    }

    fn end(&mut self, slot: usize, completed: Option<ImageId>, status: Status) {
        let Some(d) = self.clients.get_mut(slot).and_then(Option::take) else {
            return;
        };
        let ev = match completed {
            Some(image) => ServerEvent::Completed {
                device: d.device,
                image,
            },
            None => ServerEvent::Failed {
                device: d.device,
                status,
            },
        };
        // A full event queue loses this event only; the table is freed.
        let _ = push(&mut self.events, ev);
    }

    fn default_response(&mut self, to: u16, h: &Header, status: Status) -> Result<(), OtaError> {
        if h.disable_default_response && status == Status::Success {
            return Ok(());
        }
        push(
            &mut self.tx,
            Out::Default {
                to,
                tsn: h.tsn,
                command: h.command_id,
                status,
            },
        )
    }

    fn utc(&self, now: Instant) -> u32 {
        self.cfg.utc_at_zero.map_or(0, |u| {
            u.wrapping_add(u32::try_from(secs(now)).unwrap_or(u32::MAX))
        })
    }

    /// The next frame to send, written into `buf`.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        while let Some(out) = self.tx.pop() {
            match self.encode(now, out, buf) {
                Some(t) => return Some(t),
                None => self.dropped = self.dropped.saturating_add(1),
            }
        }
        // Pages: one block from the first client whose page is due.
        let (slot, d, page) = self.clients.iter().enumerate().find_map(|(i, c)| {
            let d = (*c)?;
            let p = d.page?;
            (p.due <= now).then_some((i, d, p))
        })?;
        let len = (page.end - page.next).min(u32::from(page.max));
        let out = Out::Block {
            to: d.device,
            tsn: page.tsn,
            image: d.image,
            offset: page.next,
            len: u8::try_from(len).unwrap_or(u8::MAX),
        };
        if let Some(Some(dl)) = self.clients.get_mut(slot) {
            let next = page.next + len;
            dl.page = (next < page.end).then_some(Page {
                next,
                due: now + page.spacing,
                ..page
            });
            dl.last_block = Some(now);
        }
        let t = self.encode(now, out, buf);
        if t.is_none() {
            self.dropped = self.dropped.saturating_add(1);
        }
        t
    }

    fn encode(&mut self, now: Instant, out: Out, buf: &mut [u8]) -> Option<Transmit> {
        let current = self.utc(now);
        let (to, len) = match out {
            Out::Notify {
                to,
                id,
                payload_type,
                jitter,
            } => {
                let level = match payload_type {
                    ImageNotifyPayloadType::Unknown(_) => 0,
                    t => u8::from(t),
                };
                let tsn = self.next_tsn();
                let n = ImageNotify {
                    payload_type,
                    query_jitter: jitter,
                    manufacturer_code: (level >= 1).then_some(id.manufacturer_code),
                    image_type: (level >= 2).then_some(id.image_type),
                    new_file_version: (level >= 3).then_some(id.file_version),
                    trailing: &[],
                }
                .encode_frame(tsn, true, buf);
                (to, n)
            }
            Out::Query {
                to,
                tsn,
                offer,
                specific,
            } => {
                let status = if offer.is_some() {
                    Status::Success
                } else {
                    Status::NoImageAvailable
                };
                let n = if specific {
                    QueryDeviceSpecificFileResponse {
                        status,
                        offer,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                } else {
                    QueryNextImageResponse {
                        status,
                        offer,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                };
                (Address::Device(to), n)
            }
            Out::Block {
                to,
                tsn,
                image,
                offset,
                len,
            } => return self.encode_block(to, tsn, image, offset, len, buf),
            Out::Wait {
                to,
                tsn,
                delay,
                period,
            } => {
                let n = ImageBlockResponse {
                    status: Status::WaitForData,
                    body: BlockResponseBody::WaitForData {
                        current_time: current,
                        request_time: current.wrapping_add(delay),
                        minimum_block_period: period,
                    },
                    trailing: &[],
                }
                .encode_frame(tsn, true, buf);
                (Address::Device(to), n)
            }
            Out::Abort { to, tsn } => {
                let n = ImageBlockResponse {
                    status: Status::Abort,
                    body: BlockResponseBody::Empty,
                    trailing: &[],
                }
                .encode_frame(tsn, true, buf);
                (to, n)
            }
            Out::End {
                to,
                tsn,
                id,
                activation,
            } => {
                let upgrade_time = match activation {
                    Activation::Now => current,
                    Activation::After(s) => current.wrapping_add(s),
                    Activation::AtUtc(t) => t,
                    Activation::WaitForCommand => WAIT_FOR_UPGRADE_COMMAND,
                };
                let n = UpgradeEndResponse {
                    image: id,
                    current_time: current,
                    upgrade_time,
                    trailing: &[],
                }
                .encode_frame(tsn, true, buf);
                (to, n)
            }
            Out::Default {
                to,
                tsn,
                command,
                status,
            } => {
                // Global Default Response (ZCL rev 6 §2.5.12), server to
                // client, default response disabled.
                let bytes = [0x18, tsn, 0x0b, command, status.into()];
                let n = buf
                    .get_mut(..bytes.len())
                    .map(|d| {
                        d.copy_from_slice(&bytes);
                        bytes.len()
                    })
                    .ok_or(crate::error::EncodeError::BufferTooSmall {
                        needed: bytes.len(),
                    });
                (Address::Device(to), n)
            }
        };
        len.ok().map(|len| Transmit {
            destination: to,
            len,
        })
    }

    /// Writes an Image Block Response SUCCESS whose data is read from the
    /// image storage straight into `buf` (ABORT if the storage fails).
    fn encode_block(
        &mut self,
        to: u16,
        tsn: u8,
        image: usize,
        offset: u32,
        len: u8,
        buf: &mut [u8],
    ) -> Option<Transmit> {
        let served = self.images.get_mut(image).and_then(Option::as_mut);
        let read = served.and_then(|s| {
            let id = s.offer.id;
            let data = buf.get_mut(BLOCK_OVERHEAD..BLOCK_OVERHEAD + usize::from(len))?;
            let n = s.storage.read_at(offset, data).ok()?;
            (n > 0).then_some((id, n))
        });
        let Some((id, n)) = read else {
            let slot = self.slot_of(to);
            if let Some(s) = slot {
                self.end(s, None, Status::Abort);
            }
            let n = ImageBlockResponse {
                status: Status::Abort,
                body: BlockResponseBody::Empty,
                trailing: &[],
            }
            .encode_frame(tsn, true, buf)
            .ok()?;
            return Some(Transmit {
                destination: Address::Device(to),
                len: n,
            });
        };
        let head = buf.get_mut(..BLOCK_OVERHEAD)?;
        let m = id.manufacturer_code.to_le_bytes();
        let t = id.image_type.to_le_bytes();
        let v = id.file_version.to_le_bytes();
        let o = offset.to_le_bytes();
        head.copy_from_slice(&[
            0x19,
            tsn,
            0x05,
            Status::Success.into(),
            m[0],
            m[1],
            t[0],
            t[1],
            v[0],
            v[1],
            v[2],
            v[3],
            o[0],
            o[1],
            o[2],
            o[3],
            u8::try_from(n).unwrap_or(0),
        ]);
        Some(Transmit {
            destination: Address::Device(to),
            len: BLOCK_OVERHEAD + n,
        })
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        if let Some(e) = self.events.pop() {
            return Some(e);
        }
        let images = &self.images;
        self.clients.iter_mut().flatten().find_map(|d| {
            if !d.progress {
                return None;
            }
            d.progress = false;
            let total = images.get(d.image)?.as_ref()?.offer.image_size;
            Some(ServerEvent::Progress {
                device: d.device,
                offset: d.offset,
                total,
            })
        })
    }

    /// When [`Server::handle_timeout`] should next run.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.clients
            .iter()
            .flatten()
            .flat_map(|d| {
                [
                    d.last_request.checked_add(self.cfg.idle_timeout),
                    d.page.map(|p| p.due),
                ]
            })
            .flatten()
            .min()
    }

    /// Forgets idle downloads (pages due are sent by `poll_transmit`).
    pub fn handle_timeout(&mut self, now: Instant) {
        for slot in 0..C {
            let idle = self
                .clients
                .get(slot)
                .and_then(|c| c.as_ref())
                .is_some_and(|d| {
                    d.page.is_none()
                        && d.last_request
                            .checked_add(self.cfg.idle_timeout)
                            .is_some_and(|t| t <= now)
                });
            if idle {
                self.end(slot, None, Status::Timeout);
            }
        }
    }
}
