//! `dualp`: decode, encode, key and certificate tools for the Dual Protocol
//! smart-metering stack. The command-line contract (layer names, JSON
//! conventions, exit statuses) is in `ARCHITECTURE.md`.

// The CLI's job is to print.
#![allow(clippy::print_stdout, clippy::print_stderr)]

// Shared helpers for the layer modules.
mod common;
mod layers;

use clap::{Args, FromArgMatches, Parser, Subcommand};
use common::{CliError, DecodeIo};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "dualp",
    version,
    about = "Decode, encode and inspect Dual Protocol frames: DLMS/COSEM, ZigBee, ZCL Smart Energy, Inter-PAN, GRIP and Digital Envelopes."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Decode a frame (or a stream of frames) and print it as a tree or as JSON.
    #[command(subcommand)]
    Decode(DecodeLayer),
    /// Encode frames from their JSON form (one object, or JSON lines); prints hex, one line per frame.
    #[command(subcommand)]
    Encode(EncodeLayer),
    /// A test certificate authority for the Digital Envelope's compact certificates.
    #[command(subcommand)]
    Ca(CaCmd),
    /// P-256 key pairs (PEM, PKCS#8).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Show a Smart Energy ECQV implicit certificate (CBKE suite 1 or 2) and,
    /// given the CA's public key, the device's reconstructed public key.
    CbkeCert(layers::cbke::CbkeCertArgs),
    /// Show an OTA Upgrade image file: header, sub-elements and whether its
    /// image integrity code verifies (exit status 1 if not).
    OtaImage(layers::ota::OtaImageArgs),
    /// Print the ZigBee link key derived from an install code (its CRC checked).
    InstallCode {
        /// The install code with its CRC, as hex (6, 8, 12 or 16 bytes plus 2).
        #[arg(value_name = "CODE")]
        code: String,
    },
}

#[derive(Subcommand, Debug)]
enum CaCmd {
    /// Make a self-signed CA: its private key and compact certificate.
    New(layers::envelope::CaNewArgs),
    /// Issue a compact certificate for a hub, HAN device or head end.
    Issue(layers::envelope::CaIssueArgs),
    /// Show a compact certificate and, given the CA, check it.
    Inspect(layers::envelope::CaInspectArgs),
}

#[derive(Subcommand, Debug)]
enum KeyCmd {
    /// Generate a P-256 private key.
    New(layers::envelope::KeyNewArgs),
}

fn print_json(v: &serde_json::Value) -> Result<(), CliError> {
    writeln!(std::io::stdout().lock(), "{v}")?;
    Ok(())
}

/// `decode LAYER`: input options plus the layer's context options.
#[derive(Args, Debug)]
struct DecodeArgs<C: Args + FromArgMatches> {
    #[command(flatten)]
    io: DecodeIo,
    #[command(flatten)]
    ctx: C,
}

/// `encode LAYER [FILE|-]`: the JSON input plus the layer's context options.
#[derive(Args, Debug)]
struct EncodeArgs<C: Args + FromArgMatches> {
    /// JSON input file (`-` or none: standard input).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    ctx: C,
}

/// Declares every layer once: its command name, context type and functions.
macro_rules! layers {
    ($($(#[$doc:meta])* $variant:ident = $name:literal => $module:ident :: $ctx:ident, $decode:ident, $encode:ident;)*) => {
        #[derive(Subcommand, Debug)]
        enum DecodeLayer {
            $($(#[$doc])* #[command(name = $name)] $variant(DecodeArgs<layers::$module::$ctx>),)*
        }

        #[derive(Subcommand, Debug)]
        enum EncodeLayer {
            $($(#[$doc])* #[command(name = $name)] $variant(EncodeArgs<layers::$module::$ctx>),)*
        }

        fn run_decode(layer: &DecodeLayer) -> Result<(), CliError> {
            match layer {
                $(DecodeLayer::$variant(a) => {
                    let bytes = a.io.read()?;
                    let frames = layers::$module::$decode(&a.ctx, &bytes)?;
                    print_frames(&frames, a.io.json)
                })*
            }
        }

        fn run_encode(layer: &EncodeLayer) -> Result<(), CliError> {
            match layer {
                $(EncodeLayer::$variant(a) => {
                    let mut out = std::io::stdout().lock();
                    for v in common::read_json_input(a.file.as_ref())? {
                        let bytes = layers::$module::$encode(&a.ctx, &v)?;
                        writeln!(out, "{}", common::to_hex(&bytes))?;
                    }
                    Ok(())
                })*
            }
        }
    };
}

layers! {
    /// DLMS/COSEM xDLMS and ACSE APDUs.
    DlmsApdu = "dlms-apdu" => dlms::ApduCtx, decode_apdu, encode_apdu;
    /// A-XDR Data values.
    DlmsData = "dlms-data" => dlms::DataCtx, decode_data, encode_data;
    /// IEC 62056-47 wrapper frames (a TCP/UDP stream).
    DlmsWrapper = "dlms-wrapper" => dlms::WrapperCtx, decode_wrapper, encode_wrapper;
    /// IEC 62056-46 HDLC frames (a serial stream).
    Hdlc = "hdlc" => dlms::HdlcCtx, decode_hdlc, encode_hdlc;
    /// IEEE 802.15.4 MAC frames, with NWK, APS, ZDO and ZCL inside.
    Mac = "mac" => zigbee::MacCtx, decode_mac, encode_mac;
    /// ZigBee NWK frames.
    Nwk = "nwk" => zigbee::NwkCtx, decode_nwk, encode_nwk;
    /// ZigBee APS frames.
    Aps = "aps" => zigbee::ApsCtx, decode_aps, encode_aps;
    /// Smart Energy Inter-PAN frames.
    Interpan = "interpan" => interpan::InterpanCtx, decode_interpan, encode_interpan;
    /// ZCL frames (Smart Energy profile by default).
    Zcl = "zcl" => zcl::ZclCtx, decode_zcl, encode_zcl;
    /// GRIP frames (a stream).
    Grip = "grip" => grip::GripCtx, decode_grip, encode_grip;
    /// Digital Envelope datagrams.
    Envelope = "envelope" => envelope::EnvelopeCtx, decode_envelope, encode_envelope;
}

fn print_frames(frames: &[serde_json::Value], json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    for f in frames {
        if json {
            writeln!(out, "{f}")?;
        } else {
            write!(out, "{}", common::render_tree(f))?;
            if frames.len() > 1 {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match &cli.cmd {
        Cmd::Decode(l) => run_decode(l),
        Cmd::Encode(l) => run_encode(l),
        Cmd::Ca(CaCmd::New(a)) => layers::envelope::ca_new(a).and_then(|v| print_json(&v)),
        Cmd::Ca(CaCmd::Issue(a)) => layers::envelope::ca_issue(a).and_then(|v| print_json(&v)),
        Cmd::Ca(CaCmd::Inspect(a)) => layers::envelope::ca_inspect(a).and_then(|v| print_json(&v)),
        Cmd::CbkeCert(a) => layers::cbke::cbke_cert(a).and_then(|v| print_json(&v)),
        Cmd::OtaImage(a) => layers::ota::ota_image(a),
        Cmd::InstallCode { code } => layers::zigbee::install_code(code)
            .and_then(|k| writeln!(std::io::stdout().lock(), "{k}").map_err(CliError::from)),
        Cmd::Key(KeyCmd::New(a)) => layers::envelope::key_new(a).and_then(|v| print_json(&v)),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dualp: error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
