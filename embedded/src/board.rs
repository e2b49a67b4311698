//! The board the firmware runs on, QEMU's MPS2 AN386 (a Cortex-M4F): the
//! part of the vector table that a device's PAC provides. With
//! cortex-m-rt's `device` feature the interrupt vectors are the device's
//! own, sized to its interrupts; without a PAC, cortex-m-rt reserves 240
//! (960 bytes of flash). A firmware for a real device links its PAC
//! instead of this crate.
#![no_std]

extern "C" {
    /// cortex-m-rt's handler of any exception or interrupt without one of
    /// its own (its linker script provides the symbol).
    fn DefaultHandler();
}

/// The AN386's 32 external interrupts (as QEMU's model has them), each to
/// the default handler: the firmware enables none.
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
pub static __INTERRUPTS: [unsafe extern "C" fn(); 32] = [DefaultHandler; 32];
