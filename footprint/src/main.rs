//! Heap-free firmware probe.
//!
//! A `no_std`, `no_main` image for `thumbv7em-none-eabihf` (Cortex-M4F/M7)
//! with its own panic handler and **no global allocator**: it calls the
//! no-heap API of each layer crate enabled by feature, so the link itself
//! proves that none of it needs a heap, and `measure.sh` reads the sections
//! to state the flash (`.text` + `.rodata` + `.data`) and RAM (`.data` +
//! `.bss`) each layer costs.
//!
//! The input comes through `core::hint::black_box`, so the optimiser cannot
//! fold the probes away; their results are consumed the same way.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::panic::PanicInfo;

#[cfg(any(feature = "crypto-aead", feature = "crypto-p256"))]
mod crypto;
#[cfg(feature = "digital-envelope")]
mod digital_envelope;
#[cfg(feature = "dlms-cosem")]
mod dlms_cosem;
#[cfg(feature = "grip")]
mod grip;
#[cfg(feature = "primitives")]
mod primitives;
#[cfg(feature = "stub-aps")]
mod stub_aps;
#[cfg(feature = "zcl-se")]
mod zcl_se;
#[cfg(feature = "zcl-se-cbke")]
mod zcl_se_cbke;
#[cfg(feature = "zigbee-nwk")]
mod zigbee_nwk;

/// Stand-in for a frame received from a radio or a UART.
static INPUT: [u8; 256] = [0; 256];

// A no_main image must export its entry symbol under a fixed name; this is
// the only unsafe attribute in the project and no input reaches it.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let input: &[u8] = core::hint::black_box(&INPUT[..]);
    #[allow(unused_mut)] // with no probe enabled nothing updates it
    let mut acc = 0u32;
    #[cfg(feature = "primitives")]
    {
        acc ^= primitives::probe(input);
    }
    #[cfg(feature = "crypto-aead")]
    {
        acc ^= crypto::probe_aead(input);
    }
    #[cfg(feature = "crypto-p256")]
    {
        acc ^= crypto::probe_p256(input);
    }
    #[cfg(feature = "dlms-cosem")]
    {
        acc ^= dlms_cosem::probe(input);
    }
    #[cfg(feature = "zigbee-nwk")]
    {
        acc ^= zigbee_nwk::probe(input);
    }
    #[cfg(feature = "zcl-se")]
    {
        acc ^= zcl_se::probe(input);
    }
    #[cfg(feature = "zcl-se-cbke")]
    {
        acc ^= zcl_se_cbke::probe(input);
    }
    #[cfg(feature = "stub-aps")]
    {
        acc ^= stub_aps::probe(input);
    }
    #[cfg(feature = "grip")]
    {
        acc ^= grip::probe(input);
    }
    #[cfg(feature = "digital-envelope")]
    {
        acc ^= digital_envelope::probe(input);
    }
    core::hint::black_box(acc);
    core::hint::black_box(input);
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
