//! The HDLC control field (IEC 62056-46, clause 6.4.3; ISO/IEC 13239):
//! I frames with send and receive sequence numbers, the supervisory RR and
//! RNR, the unnumbered SNRM, DISC, UA, DM, FRMR and UI, each with its
//! poll/final bit (bit 4). Other values are kept raw.

/// A control field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Control {
    /// Information: N(S), N(R) (0..=7) and P/F.
    I {
        /// Send sequence number.
        ns: u8,
        /// Receive sequence number.
        nr: u8,
        /// Poll/final.
        poll_final: bool,
    },
    /// Receive ready.
    Rr {
        /// Receive sequence number.
        nr: u8,
        /// Poll/final.
        poll_final: bool,
    },
    /// Receive not ready.
    Rnr {
        /// Receive sequence number.
        nr: u8,
        /// Poll/final.
        poll_final: bool,
    },
    /// Set normal response mode (connect).
    Snrm {
        /// Poll.
        poll_final: bool,
    },
    /// Disconnect.
    Disc {
        /// Poll.
        poll_final: bool,
    },
    /// Unnumbered acknowledge.
    Ua {
        /// Final.
        poll_final: bool,
    },
    /// Disconnected mode.
    Dm {
        /// Final.
        poll_final: bool,
    },
    /// Frame reject.
    Frmr {
        /// Final.
        poll_final: bool,
    },
    /// Unnumbered information (pushes, broadcasts).
    Ui {
        /// Poll/final.
        poll_final: bool,
    },
    /// Any other value (REJ, SREJ, ...), kept raw.
    Unknown(u8),
}

const PF: u8 = 0x10;

const fn pf(p: bool) -> u8 {
    if p { PF } else { 0 }
}

/// (unnumbered code without P/F, constructor index) for the U frames.
const UNNUMBERED: [(u8, &str); 6] = [
    (0x83, "snrm"),
    (0x43, "disc"),
    (0x63, "ua"),
    (0x0f, "dm"),
    (0x87, "frmr"),
    (0x03, "ui"),
];

impl Control {
    /// Decodes a control byte.
    #[must_use]
    pub const fn from_u8(b: u8) -> Self {
        let pf = b & PF != 0;
        let nr = b >> 5;
        if b & 1 == 0 {
            return Self::I {
                ns: (b >> 1) & 7,
                nr,
                poll_final: pf,
            };
        }
        match b & 0x0f {
            0x01 => return Self::Rr { nr, poll_final: pf },
            0x05 => return Self::Rnr { nr, poll_final: pf },
            _ => {}
        }
        match b & !PF {
            0x83 => Self::Snrm { poll_final: pf },
            0x43 => Self::Disc { poll_final: pf },
            0x63 => Self::Ua { poll_final: pf },
            0x0f => Self::Dm { poll_final: pf },
            0x87 => Self::Frmr { poll_final: pf },
            0x03 => Self::Ui { poll_final: pf },
            _ => Self::Unknown(b),
        }
    }

    /// The control byte (sequence numbers masked to 3 bits).
    #[must_use]
    pub const fn to_u8(self) -> u8 {
        match self {
            Self::I { ns, nr, poll_final } => ((nr & 7) << 5) | pf(poll_final) | ((ns & 7) << 1),
            Self::Rr { nr, poll_final } => ((nr & 7) << 5) | pf(poll_final) | 0x01,
            Self::Rnr { nr, poll_final } => ((nr & 7) << 5) | pf(poll_final) | 0x05,
            Self::Snrm { poll_final } => 0x83 | pf(poll_final),
            Self::Disc { poll_final } => 0x43 | pf(poll_final),
            Self::Ua { poll_final } => 0x63 | pf(poll_final),
            Self::Dm { poll_final } => 0x0f | pf(poll_final),
            Self::Frmr { poll_final } => 0x87 | pf(poll_final),
            Self::Ui { poll_final } => 0x03 | pf(poll_final),
            Self::Unknown(b) => b,
        }
    }

    /// The frame type's name in snake_case (`"i"`, `"rr"`, `"snrm"`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::I { .. } => "i",
            Self::Rr { .. } => "rr",
            Self::Rnr { .. } => "rnr",
            Self::Unknown(_) => "unknown",
            other => {
                let code = other.to_u8() & !PF;
                UNNUMBERED
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or("unknown", |(_, n)| n)
            }
        }
    }

    /// The poll/final bit.
    #[must_use]
    pub const fn poll_final(self) -> bool {
        self.to_u8() & PF != 0
    }
}
