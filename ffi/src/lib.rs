//! # scboot-ffi: the C API of scboot
//!
//! The kernel's promises hold across the boundary: no heap (the procedure
//! lives in memory the caller provides, its size and alignment exported),
//! no globals, constant-time checks, files validated once. Two forms:
//!
//! * **sans-I/O**, like the kernel: [`scboot_procedure_init`] in caller
//!   memory, then [`scboot_procedure_next`] (`SCBOOT_TRANSMIT` with the
//!   command to send, `SCBOOT_NEED_PIN`, `SCBOOT_DONE`, or an error),
//!   [`scboot_procedure_response`] with the card's answer,
//!   [`scboot_procedure_transport_failed`] when the transport failed;
//! * **one call** on top of it: [`scboot_run`] with a transmit callback and
//!   a context pointer.
//!
//! Results are views into the caller's workspace: the bootstrap file
//! ([`scboot_procedure_file`], or [`scboot_bootstrap_parse`] for a file
//! already in memory) and its accounts ([`scboot_file_account`]). The
//! monitor's state ([`scboot_monitor`]) is a plain struct the device may
//! persist. Every function checks its pointers and the call order: a NULL,
//! a short buffer or a call out of order is an error code, never a crash.
//! `scboot_strerror` names each code.
//!
//! All `unsafe` of scboot is in this crate, each block with its argument.
#![cfg_attr(not(test), no_std)]
#![allow(non_camel_case_types)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

use core::mem::{align_of, size_of};

use scboot::bootstrap::BootstrapFile;
use scboot::lwm2m::accounts;
use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{
    Bootstrap, Config, Fault, Procedure, ProcedureError, RunError, SecurePolicy, Step,
};
use scboot::scp03::{Mode, SecurityLevel, StaticKeyBytes};

// ------------------------------------------------------------------ codes

/// Success.
pub const SCBOOT_OK: i32 = 0;
/// `scboot_procedure_next`: send the command written to the buffer.
pub const SCBOOT_TRANSMIT: i32 = 1;
/// `scboot_procedure_next`: the bootstrap entry or key is private: call
/// `scboot_procedure_pin` (or `scboot_procedure_decline_pin`).
pub const SCBOOT_NEED_PIN: i32 = 2;
/// `scboot_procedure_next`: finished; the results can be read.
pub const SCBOOT_DONE: i32 = 3;

/// A pointer argument is NULL.
pub const SCBOOT_ERR_NULL: i32 = -1;
/// A buffer is too small (the memory block, the command buffer, ...).
pub const SCBOOT_ERR_BUFFER: i32 = -2;
/// A call out of order (the procedure is not in a state for it).
pub const SCBOOT_ERR_ORDER: i32 = -3;
/// An argument is invalid (keys of a bad length, an unknown level or policy).
pub const SCBOOT_ERR_ARGUMENT: i32 = -4;
/// A file from the card (or given) does not parse.
pub const SCBOOT_ERR_PARSE: i32 = -5;
/// The card answered a status word the procedure cannot go on with.
pub const SCBOOT_ERR_CARD_STATUS: i32 = -6;
/// The secure channel failed (card cryptogram, MAC, padding, level).
pub const SCBOOT_ERR_SECURE_CHANNEL: i32 = -7;
/// The card holds no bootstrap data (no application, DODF or entry, or a
/// SELECT answered "not found").
pub const SCBOOT_ERR_NO_BOOTSTRAP_DATA: i32 = -8;
/// The entry is private and no PIN was given (or it was refused).
pub const SCBOOT_ERR_PIN: i32 = -9;
/// The transport failed (`scboot_procedure_transport_failed`).
pub const SCBOOT_ERR_TRANSPORT: i32 = -10;
/// A response the procedure cannot use, or another procedure failure.
pub const SCBOOT_ERR_PROCEDURE: i32 = -11;
/// No such item (an account index past the last).
pub const SCBOOT_ERR_INDEX: i32 = -12;

/// The transport's fault: no card (the only one that means removal).
pub const SCBOOT_FAULT_CARD_ABSENT: i32 = 1;
/// The transport's fault: the card was reset.
pub const SCBOOT_FAULT_CARD_RESET: i32 = 2;
/// The transport's fault: a transient failure (timeout, busy reader).
pub const SCBOOT_FAULT_TRANSIENT: i32 = 3;
/// The transport's fault: a protocol failure.
pub const SCBOOT_FAULT_PROTOCOL: i32 = 4;

/// The monitor's verdict: the card's data is what was applied.
pub const SCBOOT_UNCHANGED: i32 = 0;
/// The monitor's verdict: disable the card-provisioned servers, apply the new.
pub const SCBOOT_CHANGED: i32 = 1;
/// The monitor's verdict: delete everything provisioned from the card.
pub const SCBOOT_REMOVED: i32 = 2;

/// Secure channel policy: SCP03 required.
pub const SCBOOT_POLICY_REQUIRED: u8 = 0;
/// Secure channel policy: SCP03 when the card offers it.
pub const SCBOOT_POLICY_IF_OFFERED: u8 = 1;
/// Secure channel policy: no SCP03.
pub const SCBOOT_POLICY_OFF: u8 = 2;

/// Bytes of memory that always hold a procedure (what
/// `scboot_procedure_size()` returns is at most this, on every target).
pub const SCBOOT_PROCEDURE_MAX_SIZE: usize = 12288;
/// The alignment that always suffices for a procedure.
pub const SCBOOT_PROCEDURE_MAX_ALIGN: usize = 16;

/// The text of a code.
fn text(code: i32) -> &'static [u8] {
    match code {
        SCBOOT_OK => b"ok\0",
        SCBOOT_TRANSMIT => b"send the command\0",
        SCBOOT_NEED_PIN => b"give the PIN\0",
        SCBOOT_DONE => b"done\0",
        SCBOOT_ERR_NULL => b"a pointer argument is NULL\0",
        SCBOOT_ERR_BUFFER => b"a buffer is too small\0",
        SCBOOT_ERR_ORDER => b"call out of order\0",
        SCBOOT_ERR_ARGUMENT => b"invalid argument\0",
        SCBOOT_ERR_PARSE => b"a file does not parse\0",
        SCBOOT_ERR_CARD_STATUS => b"the card answered an error status\0",
        SCBOOT_ERR_SECURE_CHANNEL => b"the secure channel failed (keys, MAC, level)\0",
        SCBOOT_ERR_NO_BOOTSTRAP_DATA => b"the card holds no bootstrap data\0",
        SCBOOT_ERR_PIN => b"the entry is private: a PIN is needed\0",
        SCBOOT_ERR_TRANSPORT => b"the transport failed\0",
        SCBOOT_ERR_PROCEDURE => b"the procedure failed\0",
        SCBOOT_ERR_INDEX => b"no such item\0",
        _ => b"unknown code\0",
    }
}

/// The text of a status or error code, NUL-terminated, static (never
/// NULL, never freed).
#[no_mangle]
pub extern "C" fn scboot_strerror(code: i32) -> *const core::ffi::c_char {
    text(code).as_ptr().cast()
}

// ---------------------------------------------------------------- structs

/// The SCP03 static keys: Key-ENC, Key-MAC and Key-DEK of `key_len` bytes
/// each (16, 24 or 32), and their key version. The key bytes are copied by
/// `scboot_procedure_init`; the caller may wipe them afterwards.
#[repr(C)]
pub struct scboot_keys {
    /// Key version number (0: the card's first).
    pub kvn: u8,
    /// Length of each key.
    pub key_len: usize,
    /// Key-ENC.
    pub enc: *const u8,
    /// Key-MAC.
    pub mac: *const u8,
    /// Key-DEK.
    pub dek: *const u8,
}

/// How to run the procedure (`scboot_config_default` fills it).
#[repr(C)]
pub struct scboot_config {
    /// The host challenge: random, fresh for every run (8 bytes used in S8).
    pub host_challenge: [u8; 16],
    /// SCP03 security level: 0x00, 0x01, 0x03, 0x11, 0x13 or 0x33.
    pub level: u8,
    /// `SCBOOT_POLICY_*`.
    pub policy: u8,
    /// Non-zero: stay on the basic channel (no MANAGE CHANNEL).
    pub basic_channel: u8,
    /// Non-zero: S16 mode (with the `s16` feature; without it the run
    /// fails at INITIALIZE UPDATE with a secure-channel error).
    pub s16: u8,
}

/// A bootstrap file: a view of validated bytes (in the caller's workspace,
/// or the caller's own buffer), valid as long as those bytes are.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct scboot_file {
    /// The file (header and objects).
    pub data: *const u8,
    /// Its length.
    pub len: usize,
    /// Its number of objects.
    pub objects: u16,
}

/// One account: a Security (object 0) instance and the Server (object 1)
/// instance of its Short Server ID. Every pointer is a view into the file
/// (NULL with length 0 when the resource is absent); strings are not
/// NUL-terminated.
#[repr(C)]
pub struct scboot_account {
    /// The Security instance id.
    pub security_instance: u16,
    /// Resource 0, LwM2M Server URI (UTF-8).
    pub uri: *const u8,
    /// Its length.
    pub uri_len: usize,
    /// Resource 1: 1 for a bootstrap-server account.
    pub bootstrap_server: u8,
    /// Resource 2, Security Mode (0 PSK, 1 RPK, 2 certificate, 3 NoSec, 4
    /// certificate with EST); -1 when absent.
    pub security_mode: i32,
    /// Resource 3, Public Key or Identity (the PSK identity).
    pub identity: *const u8,
    /// Its length.
    pub identity_len: usize,
    /// Resource 5, Secret Key (the PSK). A secret: wipe copies after use.
    pub secret_key: *const u8,
    /// Its length.
    pub secret_key_len: usize,
    /// Resource 10, Short Server ID; -1 when absent.
    pub short_server_id: i32,
    /// Non-zero when a Server instance of that Short Server ID exists.
    pub has_server: u8,
    /// Server resource 1, Lifetime (s); -1 when absent.
    pub lifetime: i64,
    /// Server resource 7, Binding (UTF-8).
    pub binding: *const u8,
    /// Its length.
    pub binding_len: usize,
}

/// Where the bootstrap information came from, once a run is done.
#[repr(C)]
pub struct scboot_provenance {
    /// SHA-256 of the bootstrap file's header and objects.
    pub digest: [u8; 32],
    /// The SCP03 level used; -1 when no secure channel was used.
    pub level: i32,
    /// The logical channel (0: basic).
    pub channel: u8,
    /// APDUs exchanged.
    pub apdus: u32,
    /// Non-zero when the entry was private (read after VERIFY).
    pub private_entry: u8,
}

/// The monitor's state: what the client applied. Plain data: the device may
/// persist it across restarts. Initialise with `scboot_monitor_init`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct scboot_monitor {
    /// Non-zero when the client holds card-provisioned information.
    pub applied: u8,
    /// The digest of what it applied.
    pub digest: [u8; 32],
}

/// A procedure, in memory the caller provides (opaque).
pub struct scboot_procedure {
    _private: [u8; 0],
}

// ------------------------------------------------------------- the state

const MAGIC: u32 = 0x5CB0_0751;

enum Outcome {
    Running,
    Done(Bootstrap<'static>),
    Failed(RunError<Fault>),
}

/// What lives in the caller's memory: the keys, the procedure that borrows
/// them (and the caller's workspace), and the outcome. The keys are kept
/// as bytes: a procedure makes one handshake, so keying them there costs
/// what keying them at init would, and the block holds no AES schedules.
struct State {
    magic: u32,
    keys: StaticKeyBytes,
    procedure: Option<Procedure<'static, 'static>>,
    outcome: Outcome,
}

const _: () = assert!(size_of::<State>() <= SCBOOT_PROCEDURE_MAX_SIZE);
const _: () = assert!(align_of::<State>() <= SCBOOT_PROCEDURE_MAX_ALIGN);

/// Bytes a procedure needs on this target.
#[no_mangle]
pub extern "C" fn scboot_procedure_size() -> usize {
    size_of::<State>()
}

/// The alignment a procedure needs on this target.
#[no_mangle]
pub extern "C" fn scboot_procedure_align() -> usize {
    align_of::<State>()
}

/// Fill `config` with the defaults: level 33, SCP03 required, a logical
/// channel, S8, and a host challenge of zeros (set a fresh random one).
///
/// # Safety
/// `config` is NULL or points to a writable `scboot_config`.
#[no_mangle]
pub unsafe extern "C" fn scboot_config_default(config: *mut scboot_config) -> i32 {
    // SAFETY: the caller passes NULL or a valid, writable pointer.
    let Some(c) = (unsafe { config.as_mut() }) else {
        return SCBOOT_ERR_NULL;
    };
    *c = scboot_config {
        host_challenge: [0; 16],
        level: 0x33,
        policy: SCBOOT_POLICY_REQUIRED,
        basic_channel: 0,
        s16: 0,
    };
    SCBOOT_OK
}

/// A slice from a C pointer and length (a NULL pointer is an empty slice
/// only when the length is 0).
///
/// # Safety
/// `p` is NULL or valid for reads of `len` bytes for `'a`.
unsafe fn bytes<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    if p.is_null() {
        return (len == 0).then_some(&[]);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes.
    Some(unsafe { core::slice::from_raw_parts(p, len) })
}

/// The mutable counterpart of [`bytes`].
///
/// # Safety
/// `p` is NULL or valid for reads and writes of `len` bytes for `'a`, and
/// not used through another pointer meanwhile.
unsafe fn bytes_mut<'a>(p: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if p.is_null() {
        return (len == 0).then_some(&mut []);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` writable bytes, unaliased.
    Some(unsafe { core::slice::from_raw_parts_mut(p, len) })
}

fn kernel_config(c: &scboot_config) -> Option<Config> {
    let level = SecurityLevel::new(c.level).ok()?;
    let policy = match c.policy {
        SCBOOT_POLICY_REQUIRED => SecurePolicy::Required,
        SCBOOT_POLICY_IF_OFFERED => SecurePolicy::IfOffered,
        SCBOOT_POLICY_OFF => SecurePolicy::Off,
        _ => return None,
    };
    Some(
        Config::new(c.host_challenge)
            .level(level)
            .policy(policy)
            .logical_channel(c.basic_channel == 0)
            .mode(if c.s16 != 0 { Mode::S16 } else { Mode::S8 }),
    )
}

/// The state in a procedure pointer, checked.
///
/// # Safety
/// `p` is NULL or a pointer `scboot_procedure_init` returned, whose memory
/// is still the caller's and was not moved.
unsafe fn state<'a>(p: *mut scboot_procedure) -> Result<&'a mut State, i32> {
    if p.is_null() {
        return Err(SCBOOT_ERR_NULL);
    }
    if (p as usize) % align_of::<State>() != 0 {
        return Err(SCBOOT_ERR_ARGUMENT);
    }
    let s = p.cast::<State>();
    // SAFETY: aligned and non-NULL, inside the caller's block of at least
    // `size_of::<State>()` bytes (the pointer came from init); only the
    // magic's u32 is read, through a raw pointer, before any reference to
    // the whole state exists.
    let magic = unsafe { core::ptr::addr_of!((*s).magic).read() };
    if magic != MAGIC {
        return Err(SCBOOT_ERR_ORDER);
    }
    // SAFETY: the magic says `init` wrote a `State` here; the caller keeps
    // the memory alive and unmoved, and calls one function at a time on it,
    // so this is the only reference.
    Ok(unsafe { &mut *s })
}

/// The value in an `Ok`; from an `Err`, its status code is returned from
/// the calling function.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(code) => return code,
        }
    };
}

/// The caller's struct behind `out`, which must not be NULL.
///
/// # Safety
/// `out` is NULL or valid, writable and unaliased for the returned lifetime.
unsafe fn writable<'a, T>(out: *mut T) -> Result<&'a mut T, i32> {
    // SAFETY: the caller's promise.
    unsafe { out.as_mut() }.ok_or(SCBOOT_ERR_NULL)
}

/// Start a procedure in `memory` (at least `scboot_procedure_size()`
/// bytes, aligned to `scboot_procedure_align()`), with the static keys, a
/// configuration, and a workspace for the card's files (the largest file:
/// the bootstrap file is at most 32 KiB). On success `*out` points into
/// `memory`.
///
/// Lifetimes: `memory` and `workspace` must stay valid and must not move
/// until the last call on `*out` (and as long as views of the results are
/// used: they point into `workspace`). Call `scboot_procedure_clear` to
/// wipe the keys and the session when done.
///
/// # Safety
/// Every pointer is NULL or valid for its length: `memory` for
/// `memory_len` writable bytes, `workspace` for `workspace_len`, the keys
/// for `key_len` bytes each; `config` and `keys` point to their structs.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_init(
    memory: *mut u8,
    memory_len: usize,
    keys: *const scboot_keys,
    config: *const scboot_config,
    workspace: *mut u8,
    workspace_len: usize,
    out: *mut *mut scboot_procedure,
) -> i32 {
    if memory.is_null()
        || keys.is_null()
        || config.is_null()
        || workspace.is_null()
        || out.is_null()
    {
        return SCBOOT_ERR_NULL;
    }
    if memory_len < size_of::<State>() || workspace_len == 0 {
        return SCBOOT_ERR_BUFFER;
    }
    if (memory as usize) % align_of::<State>() != 0 {
        return SCBOOT_ERR_ARGUMENT;
    }
    // SAFETY: both non-NULL and pointing to their structs (caller's promise).
    let (k, c) = unsafe { (&*keys, &*config) };
    // SAFETY: the key pointers are valid for `key_len` bytes (caller's promise).
    let (enc, mac, dek) = unsafe {
        (
            bytes(k.enc, k.key_len),
            bytes(k.mac, k.key_len),
            bytes(k.dek, k.key_len),
        )
    };
    let (Some(enc), Some(mac), Some(dek)) = (enc, mac, dek) else {
        return SCBOOT_ERR_NULL;
    };
    let Ok(static_keys) = StaticKeyBytes::new(k.kvn, enc, mac, dek) else {
        return SCBOOT_ERR_ARGUMENT;
    };
    let Some(cfg) = kernel_config(c) else {
        return SCBOOT_ERR_ARGUMENT;
    };
    let s = memory.cast::<State>();
    // SAFETY: `memory` is aligned for `State` and holds at least
    // `size_of::<State>()` writable bytes (checked above); whatever was
    // there is not a `State` we own, so it is overwritten, not dropped.
    unsafe {
        s.write(State {
            magic: MAGIC,
            keys: static_keys,
            procedure: None,
            outcome: Outcome::Running,
        })
    };
    // SAFETY: just written; the only reference.
    let st = unsafe { &mut *s };
    // SAFETY: the procedure borrows the keys inside the same block and the
    // caller's workspace. Neither moves nor dies before the procedure: the
    // block is the caller's memory, which the caller keeps in place until
    // the last call (documented above), and `scboot_procedure_clear` drops
    // the procedure before the keys. The 'static lifetimes only stand for
    // that promise; nothing gives the references out beyond the block.
    let (keys_ref, ws): (&'static StaticKeyBytes, &'static mut [u8]) = unsafe {
        (
            &*core::ptr::addr_of!(st.keys),
            core::slice::from_raw_parts_mut(workspace, workspace_len),
        )
    };
    st.procedure = Some(Procedure::new(keys_ref, cfg, ws));
    // SAFETY: `out` is non-NULL and writable (caller's promise).
    unsafe { *out = s.cast() };
    SCBOOT_OK
}

fn error_code(e: &ProcedureError) -> i32 {
    if e.data_removed() {
        return SCBOOT_ERR_NO_BOOTSTRAP_DATA;
    }
    match e {
        ProcedureError::Status { .. } => SCBOOT_ERR_CARD_STATUS,
        ProcedureError::Parse { .. } => SCBOOT_ERR_PARSE,
        ProcedureError::SecureChannel { .. } => SCBOOT_ERR_SECURE_CHANNEL,
        ProcedureError::PinRequired => SCBOOT_ERR_PIN,
        ProcedureError::BufferTooSmall | ProcedureError::FileTooLarge { .. } => SCBOOT_ERR_BUFFER,
        ProcedureError::OutOfOrder => SCBOOT_ERR_ORDER,
        _ => SCBOOT_ERR_PROCEDURE,
    }
}

impl State {
    fn fail(&mut self, e: ProcedureError) -> i32 {
        self.procedure = None;
        let code = error_code(&e);
        self.outcome = Outcome::Failed(RunError::Procedure(e));
        code
    }

    /// The code for what the procedure made of a response: a step taken,
    /// a call out of order (nothing changes), or the end of the run.
    fn answered(&mut self, r: Result<(), ProcedureError>) -> i32 {
        match r {
            Ok(()) => SCBOOT_OK,
            Err(ProcedureError::OutOfOrder) => SCBOOT_ERR_ORDER,
            Err(e) => self.fail(e),
        }
    }

    /// The bootstrap information of a finished run.
    fn finished(&self) -> Result<&Bootstrap<'static>, i32> {
        match &self.outcome {
            Outcome::Done(b) => Ok(b),
            _ => Err(SCBOOT_ERR_ORDER),
        }
    }
}

/// The next step: `SCBOOT_TRANSMIT` (send `command[..*command_len]` to the
/// card, then call `scboot_procedure_response`, or write the response in
/// place: `scboot_procedure_response_buffer`), `SCBOOT_NEED_PIN`,
/// `SCBOOT_DONE`, or an error code (the procedure is then over; the monitor
/// can still judge it). `command` must hold at least 300 bytes.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `command` is valid for
/// `command_cap` writable bytes; `command_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_next(
    p: *mut scboot_procedure,
    command: *mut u8,
    command_cap: usize,
    command_len: *mut usize,
) -> i32 {
    // SAFETY: as documented, `p` comes from init.
    let s = match unsafe { state(p) } {
        Ok(s) => s,
        Err(e) => return e,
    };
    if command.is_null() || command_len.is_null() {
        return SCBOOT_ERR_NULL;
    }
    // SAFETY: `command` is valid for `command_cap` bytes (caller's promise).
    let Some(out) = (unsafe { bytes_mut(command, command_cap) }) else {
        return SCBOOT_ERR_NULL;
    };
    let Some(proc_) = s.procedure.as_mut() else {
        return match s.outcome {
            Outcome::Done(_) => SCBOOT_DONE,
            _ => SCBOOT_ERR_ORDER,
        };
    };
    let step = plain_step(proc_.next(out));
    let (r, n) = s.stepped(step);
    if r == SCBOOT_TRANSMIT {
        // SAFETY: checked non-NULL; writable (caller's promise).
        unsafe { *command_len = n };
    }
    r
}

/// As `scboot_procedure_next`, with the command built in the procedure's
/// own memory instead of a buffer of the caller's: after
/// `SCBOOT_TRANSMIT`, `*command` points at its `*command_len` bytes, valid
/// until the response is given (`scboot_procedure_response`,
/// `scboot_procedure_response_written`, `scboot_procedure_transport_failed`)
/// or `p` is cleared; `scboot_procedure_response_buffer` leaves it in
/// place, so the transport may hold both at once. With it a
/// microcontroller then needs no APDU buffer at all. (`scboot_run` drives
/// the procedure this way.)
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `command` and `command_len` are
/// writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_next_in_place(
    p: *mut scboot_procedure,
    command: *mut *const u8,
    command_len: *mut usize,
) -> i32 {
    // SAFETY: as documented, `p` comes from init.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: the caller's promise.
    let command = or_return!(unsafe { writable(command) });
    // SAFETY: the caller's promise.
    let command_len = or_return!(unsafe { writable(command_len) });
    let Some(proc_) = s.procedure.as_mut() else {
        return match s.outcome {
            Outcome::Done(_) => SCBOOT_DONE,
            _ => SCBOOT_ERR_ORDER,
        };
    };
    let step = plain_step(proc_.next_in_place());
    let (r, n) = s.stepped(step);
    if r == SCBOOT_TRANSMIT {
        let Some(proc_) = s.procedure.as_mut() else {
            return SCBOOT_ERR_ORDER;
        };
        *command = proc_.transfer_buffers().0.as_ptr();
        *command_len = n;
    }
    r
}

/// A step of the procedure, without its borrow of the procedure.
enum Stepped {
    Transmit(usize),
    NeedPin,
    Done,
    Unknown,
}

fn plain_step(step: Result<Step<'_, '_, '_>, ProcedureError>) -> Result<Stepped, ProcedureError> {
    step.map(|s| match s {
        Step::Transmit(n) => Stepped::Transmit(n),
        Step::NeedPin(_) => Stepped::NeedPin,
        Step::Done => Stepped::Done,
        _ => Stepped::Unknown,
    })
}

impl State {
    /// The code of a step, and the command's length for `SCBOOT_TRANSMIT`.
    fn stepped(&mut self, step: Result<Stepped, ProcedureError>) -> (i32, usize) {
        let code = match step {
            Ok(Stepped::Transmit(n)) => return (SCBOOT_TRANSMIT, n),
            Ok(Stepped::NeedPin) => SCBOOT_NEED_PIN,
            Ok(Stepped::Done) => {
                let Some(done) = self.procedure.take() else {
                    return (SCBOOT_ERR_ORDER, 0);
                };
                match done.finish() {
                    Ok(b) => {
                        self.outcome = Outcome::Done(b);
                        SCBOOT_DONE
                    }
                    Err(e) => self.fail(e),
                }
            }
            Ok(Stepped::Unknown) => self.fail(ProcedureError::OutOfOrder),
            Err(ProcedureError::BufferTooSmall) => SCBOOT_ERR_BUFFER,
            Err(e) => self.fail(e),
        };
        (code, 0)
    }
}

/// The card's response to the last command (data and SW1 SW2).
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `response` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_response(
    p: *mut scboot_procedure,
    response: *const u8,
    len: usize,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: `response` is valid for `len` bytes (caller's promise).
    let Some(r) = (unsafe { bytes(response, len) }) else {
        return SCBOOT_ERR_NULL;
    };
    let Some(proc_) = s.procedure.as_mut() else {
        return SCBOOT_ERR_ORDER;
    };
    let r = proc_.on_response(r);
    s.answered(r)
}

/// Where the transport may write the card's response to the last command
/// in place, instead of into a buffer of the caller's: `*buffer` and
/// `*capacity` receive a pointer into the procedure's memory and the room
/// there (a short response and its status word at least), after
/// `SCBOOT_TRANSMIT` (`SCBOOT_ERR_ORDER` otherwise). Write the
/// response (data and SW1 SW2) there, then call
/// `scboot_procedure_response_written` with its length. The pointer is
/// valid until the next call on `p`. A microcontroller then needs no
/// response buffer of its own.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `buffer` and `capacity` are
/// writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_response_buffer(
    p: *mut scboot_procedure,
    buffer: *mut *mut u8,
    capacity: *mut usize,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: the caller's promise.
    let buffer = or_return!(unsafe { writable(buffer) });
    // SAFETY: the caller's promise.
    let capacity = or_return!(unsafe { writable(capacity) });
    let Some(proc_) = s.procedure.as_mut() else {
        return SCBOOT_ERR_ORDER;
    };
    let room = proc_.response_buffer();
    if room.is_empty() {
        // No command awaits its response.
        return SCBOOT_ERR_ORDER;
    }
    *buffer = room.as_mut_ptr();
    *capacity = room.len();
    SCBOOT_OK
}

/// The transport wrote `len` bytes of the card's response (data and SW1
/// SW2) at the pointer `scboot_procedure_response_buffer` gave: as
/// `scboot_procedure_response`.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_response_written(
    p: *mut scboot_procedure,
    len: usize,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    let Some(proc_) = s.procedure.as_mut() else {
        return SCBOOT_ERR_ORDER;
    };
    let r = proc_.on_response_written(len);
    s.answered(r)
}

/// The transport failed on the last command: `fault` is a
/// `SCBOOT_FAULT_*` code. The procedure is over; `SCBOOT_FAULT_CARD_ABSENT`
/// is the only fault the monitor counts as removal.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_transport_failed(
    p: *mut scboot_procedure,
    fault: i32,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    let f = match fault {
        SCBOOT_FAULT_CARD_ABSENT => Fault::CardAbsent,
        SCBOOT_FAULT_CARD_RESET => Fault::CardReset,
        SCBOOT_FAULT_TRANSIENT => Fault::Transient,
        SCBOOT_FAULT_PROTOCOL => Fault::Protocol,
        _ => return SCBOOT_ERR_ARGUMENT,
    };
    if s.procedure.is_none() {
        return SCBOOT_ERR_ORDER;
    }
    s.procedure = None;
    s.outcome = Outcome::Failed(RunError::Card(f));
    SCBOOT_ERR_TRANSPORT
}

/// Give the PIN after `SCBOOT_NEED_PIN` (at most 16 bytes, as the card
/// wants it; `reference` is VERIFY's P2). The PIN is not kept.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `pin` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_pin(
    p: *mut scboot_procedure,
    reference: u8,
    pin: *const u8,
    len: usize,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: `pin` is valid for `len` bytes (caller's promise).
    let Some(pin) = (unsafe { bytes(pin, len) }) else {
        return SCBOOT_ERR_NULL;
    };
    let Some(proc_) = s.procedure.as_mut() else {
        return SCBOOT_ERR_ORDER;
    };
    // The PIN step comes back from `next` until it is answered.
    match proc_.next(&mut []) {
        Ok(Step::NeedPin(request)) => match request.supply(reference, pin) {
            Ok(()) => SCBOOT_OK,
            Err(e) => s.fail(e),
        },
        _ => SCBOOT_ERR_ORDER,
    }
}

/// Decline to give the PIN: the procedure ends with `SCBOOT_ERR_PIN`.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_decline_pin(p: *mut scboot_procedure) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    let Some(proc_) = s.procedure.as_mut() else {
        return SCBOOT_ERR_ORDER;
    };
    match proc_.next(&mut []) {
        Ok(Step::NeedPin(request)) => {
            let e = request.decline();
            s.fail(e)
        }
        _ => SCBOOT_ERR_ORDER,
    }
}

/// The bootstrap file of a finished run (a view into the workspace).
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_file(
    p: *mut scboot_procedure,
    out: *mut scboot_file,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: `out` is NULL or writable (caller's promise).
    let out = or_return!(unsafe { writable(out) });
    let b = or_return!(s.finished());
    let bytes = b.file.as_bytes();
    *out = scboot_file {
        data: bytes.as_ptr(),
        len: bytes.len(),
        objects: b.file.object_count(),
    };
    SCBOOT_OK
}

/// Where the bootstrap information of a finished run came from.
///
/// # Safety
/// `p` comes from `scboot_procedure_init`; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_provenance(
    p: *mut scboot_procedure,
    out: *mut scboot_provenance,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: `out` is NULL or writable (caller's promise).
    let out = or_return!(unsafe { writable(out) });
    let b = or_return!(s.finished());
    let pv = &b.provenance;
    *out = scboot_provenance {
        digest: pv.digest,
        level: pv.level.map_or(-1, |l| i32::from(l.bits())),
        channel: pv.channel,
        apdus: pv.apdus,
        private_entry: u8::from(pv.private),
    };
    SCBOOT_OK
}

/// Wipe the procedure: the static keys and any session are zeroized, the
/// memory can be reused. Views of the results stay valid (they point into
/// the workspace, not into this memory).
///
/// # Safety
/// `p` comes from `scboot_procedure_init` and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn scboot_procedure_clear(p: *mut scboot_procedure) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // The procedure borrows the keys: drop it first.
    s.procedure = None;
    s.outcome = Outcome::Running;
    s.magic = 0;
    // SAFETY: `s` is a valid `State` that nothing else references; after
    // this drop (which zeroizes the keys) the magic is 0, so every later
    // call on `p` answers SCBOOT_ERR_ORDER without reading the rest.
    unsafe { core::ptr::drop_in_place(core::ptr::addr_of_mut!(s.keys)) };
    SCBOOT_OK
}

// --------------------------------------------------------- one-call form

/// The transport for `scboot_run`: send `command`, write the response (data
/// and SW1 SW2) into `response` (`response_cap` bytes), return its length,
/// or a negative `-SCBOOT_FAULT_*` when the transport failed.
pub type scboot_transmit_fn = Option<
    unsafe extern "C" fn(
        ctx: *mut core::ffi::c_void,
        command: *const u8,
        command_len: usize,
        response: *mut u8,
        response_cap: usize,
    ) -> isize,
>;

/// The whole procedure in one call over `transmit` (called with `ctx`):
/// `scboot_procedure_init`, then the steps until `SCBOOT_DONE` (returned)
/// or an error code. `pin` (may be NULL with `pin_len` 0) answers a private
/// entry's PIN step. The results are read from `*out` as after the
/// sans-I/O form.
///
/// # Safety
/// As `scboot_procedure_init`; `transmit` is a valid function that follows
/// its contract; `pin` is valid for `pin_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn scboot_run(
    memory: *mut u8,
    memory_len: usize,
    keys: *const scboot_keys,
    config: *const scboot_config,
    workspace: *mut u8,
    workspace_len: usize,
    transmit: scboot_transmit_fn,
    ctx: *mut core::ffi::c_void,
    pin_reference: u8,
    pin: *const u8,
    pin_len: usize,
    out: *mut *mut scboot_procedure,
) -> i32 {
    let Some(transmit) = transmit else {
        return SCBOOT_ERR_NULL;
    };
    // SAFETY: the same promises as init (this function's contract).
    let r = unsafe {
        scboot_procedure_init(
            memory,
            memory_len,
            keys,
            config,
            workspace,
            workspace_len,
            out,
        )
    };
    if r != SCBOOT_OK {
        return r;
    }
    // SAFETY: init succeeded, so `out` holds a valid procedure pointer.
    let p = unsafe { *out };
    loop {
        let mut cmd: *const u8 = core::ptr::null();
        let mut n = 0usize;
        // SAFETY: `p` is valid; `cmd` and `n` are local and writable. The
        // command stays in the procedure's memory until the response is
        // given (asking for the response buffer leaves it in place).
        let step = unsafe { scboot_procedure_next_in_place(p, &mut cmd, &mut n) };
        match step {
            SCBOOT_TRANSMIT => {
                // The response is written into the procedure's own buffer.
                let mut resp: *mut u8 = core::ptr::null_mut();
                let mut cap = 0usize;
                // SAFETY: `p` is valid; `resp` and `cap` are local and writable.
                let r = unsafe { scboot_procedure_response_buffer(p, &mut resp, &mut cap) };
                if r != SCBOOT_OK {
                    return r;
                }
                // SAFETY: the callback's contract: it reads `n` command bytes
                // at `cmd` and writes at most `cap` response bytes at `resp`;
                // both point into the procedure's memory, at disjoint
                // buffers, valid until the response is given.
                let m = unsafe { transmit(ctx, cmd, n, resp, cap) };
                if m < 0 {
                    let fault = i32::try_from(-m).unwrap_or(SCBOOT_FAULT_PROTOCOL);
                    // SAFETY: `p` is valid.
                    let r = unsafe { scboot_procedure_transport_failed(p, fault) };
                    return if r == SCBOOT_ERR_ARGUMENT {
                        // SAFETY: `p` is valid.
                        unsafe { scboot_procedure_transport_failed(p, SCBOOT_FAULT_PROTOCOL) }
                    } else {
                        r
                    };
                }
                let m = (m as usize).min(cap);
                // SAFETY: `p` is valid; the callback wrote `m` bytes in place.
                let r = unsafe { scboot_procedure_response_written(p, m) };
                if r != SCBOOT_OK {
                    return r;
                }
            }
            SCBOOT_NEED_PIN => {
                let r = if pin.is_null() {
                    // SAFETY: `p` is valid.
                    unsafe { scboot_procedure_decline_pin(p) }
                } else {
                    // SAFETY: `p` is valid; `pin` for `pin_len` bytes (contract).
                    unsafe { scboot_procedure_pin(p, pin_reference, pin, pin_len) }
                };
                if r != SCBOOT_OK {
                    return r;
                }
            }
            other => return other,
        }
    }
}

// ------------------------------------------------------------- the files

/// Validate a bootstrap file already in memory (for example one written
/// over the air); `*out` is a view of `data`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_bootstrap_parse(
    data: *const u8,
    len: usize,
    out: *mut scboot_file,
) -> i32 {
    // SAFETY: `data` is valid for `len` bytes (caller's promise).
    let Some(b) = (unsafe { bytes(data, len) }) else {
        return SCBOOT_ERR_NULL;
    };
    // SAFETY: `out` is NULL or writable (caller's promise).
    let out = or_return!(unsafe { writable(out) });
    match BootstrapFile::parse(b) {
        Ok(f) => {
            *out = scboot_file {
                data: b.as_ptr(),
                len: f.as_bytes().len(),
                objects: f.object_count(),
            };
            SCBOOT_OK
        }
        Err(_) => SCBOOT_ERR_PARSE,
    }
}

fn view(s: Option<&[u8]>) -> (*const u8, usize) {
    match s {
        Some(b) => (b.as_ptr(), b.len()),
        None => (core::ptr::null(), 0),
    }
}

/// The `index`-th account of a file (`SCBOOT_ERR_INDEX` past the last).
///
/// # Safety
/// `file` points to a view from `scboot_procedure_file` or
/// `scboot_bootstrap_parse` whose bytes are still valid; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_file_account(
    file: *const scboot_file,
    index: usize,
    out: *mut scboot_account,
) -> i32 {
    // SAFETY: NULL or a valid view (caller's promise).
    let Some(f) = (unsafe { file.as_ref() }) else {
        return SCBOOT_ERR_NULL;
    };
    // SAFETY: `out` is NULL or writable (caller's promise).
    let out = or_return!(unsafe { writable(out) });
    // SAFETY: the view's bytes are valid for its length (caller's promise).
    let Some(b) = (unsafe { bytes(f.data, f.len) }) else {
        return SCBOOT_ERR_NULL;
    };
    // The view may be the caller's copy: check it again.
    let Ok(file) = BootstrapFile::parse(b) else {
        return SCBOOT_ERR_PARSE;
    };
    let a = match accounts(&file).nth(index) {
        Some(Ok(a)) => a,
        Some(Err(_)) => return SCBOOT_ERR_PARSE,
        None => return SCBOOT_ERR_INDEX,
    };
    let sec = &a.security;
    let (uri, uri_len) = view(sec.server_uri.map(str::as_bytes));
    let (identity, identity_len) = view(sec.public_key_or_identity);
    let (secret_key, secret_key_len) = view(sec.secret_key);
    let (binding, binding_len) = view(a.server.and_then(|s| s.binding).map(str::as_bytes));
    *out = scboot_account {
        security_instance: sec.record.id(),
        uri,
        uri_len,
        bootstrap_server: u8::from(sec.bootstrap_server.unwrap_or(false)),
        security_mode: sec.security_mode.map_or(-1, |m| m.value() as i32),
        identity,
        identity_len,
        secret_key,
        secret_key_len,
        short_server_id: sec.short_server_id.map_or(-1, i32::from),
        has_server: u8::from(a.server.is_some()),
        lifetime: a.server.and_then(|s| s.lifetime).unwrap_or(-1),
        binding,
        binding_len,
    };
    SCBOOT_OK
}

// ------------------------------------------------------------ the monitor

/// A monitor that holds nothing (before the first bootstrap).
///
/// # Safety
/// `m` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn scboot_monitor_init(m: *mut scboot_monitor) -> i32 {
    // SAFETY: NULL or writable (caller's promise).
    let Some(m) = (unsafe { m.as_mut() }) else {
        return SCBOOT_ERR_NULL;
    };
    *m = scboot_monitor {
        applied: 0,
        digest: [0; 32],
    };
    SCBOOT_OK
}

fn load(m: &scboot_monitor) -> Monitor {
    Monitor::restore((m.applied != 0).then_some(m.digest))
}

fn store(m: &mut scboot_monitor, k: &Monitor) {
    *m = match k.applied_digest() {
        Some(d) => scboot_monitor {
            applied: 1,
            digest: d,
        },
        None => scboot_monitor {
            applied: 0,
            digest: [0; 32],
        },
    };
}

/// Record that the client applied the bootstrap information of a finished run.
///
/// # Safety
/// `m` is writable; `p` comes from `scboot_procedure_init`.
#[no_mangle]
pub unsafe extern "C" fn scboot_monitor_applied(
    m: *mut scboot_monitor,
    p: *mut scboot_procedure,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: `m` is NULL or writable (caller's promise).
    let m = or_return!(unsafe { writable(m) });
    let b = or_return!(s.finished());
    let mut k = load(m);
    k.applied(b);
    store(m, &k);
    SCBOOT_OK
}

/// At Register or Update: judge a finished (or failed) run against what was
/// applied. `SCBOOT_UNCHANGED`; `SCBOOT_CHANGED` (disable the card's
/// servers, apply the run's information); `SCBOOT_REMOVED` (delete them);
/// or the run's error code (nothing changes).
///
/// # Safety
/// `m` is writable; `p` comes from `scboot_procedure_init`.
#[no_mangle]
pub unsafe extern "C" fn scboot_monitor_check(
    m: *mut scboot_monitor,
    p: *mut scboot_procedure,
) -> i32 {
    // SAFETY: as documented.
    let s = or_return!(unsafe { state(p) });
    // SAFETY: `m` is NULL or writable (caller's promise).
    let m = or_return!(unsafe { writable(m) });
    let fresh: Result<Bootstrap<'_>, RunError<Fault>> = match &s.outcome {
        Outcome::Done(b) => Ok(*b),
        Outcome::Failed(e) => Err(e.clone()),
        Outcome::Running => return SCBOOT_ERR_ORDER,
    };
    let code = match &fresh {
        Err(RunError::Procedure(e)) => error_code(e),
        Err(RunError::Card(_)) => SCBOOT_ERR_TRANSPORT,
        Ok(_) => SCBOOT_OK,
    };
    let mut k = load(m);
    let verdict = k.check(fresh);
    store(m, &k);
    match verdict {
        Ok(Verdict::Unchanged) => SCBOOT_UNCHANGED,
        Ok(Verdict::Changed(_)) => SCBOOT_CHANGED,
        Ok(Verdict::Removed) => SCBOOT_REMOVED,
        Err(_) => code,
    }
}

#[cfg(all(not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // The static library has no std to unwind with: a panic (there is none
    // on any input; the kernel's parsers never panic) stops here.
    loop {
        core::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests;
