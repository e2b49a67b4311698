//! The C API from Rust: a run against the virtual card through the
//! sans-I/O calls and through `scboot_run`, the accounts and the monitor,
//! and every misuse (NULLs, short buffers, wrong order, misaligned or small
//! memory, hostile files) answered with its code. `miri_*` tests avoid the
//! virtual card (serde and AES are slow under Miri) and run in CI's Miri step.

use super::*;
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

const KEY: [u8; 16] = [
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
];

#[repr(C, align(16))]
struct Memory([u8; SCBOOT_PROCEDURE_MAX_SIZE]);

fn keys() -> scboot_keys {
    scboot_keys {
        kvn: 0x30,
        key_len: 16,
        enc: KEY.as_ptr(),
        mac: KEY.as_ptr(),
        dek: KEY.as_ptr(),
    }
}

fn config(policy: u8) -> scboot_config {
    let mut c = scboot_config {
        host_challenge: [0; 16],
        level: 0,
        policy: 0,
        basic_channel: 0,
        s16: 0,
    };
    // SAFETY: a valid, writable struct.
    assert_eq!(unsafe { scboot_config_default(&mut c) }, SCBOOT_OK);
    c.host_challenge = [0x33; 16];
    c.policy = policy;
    c
}

fn init(mem: &mut Memory, ws: &mut [u8], policy: u8) -> *mut scboot_procedure {
    let mut p = core::ptr::null_mut();
    // SAFETY: every pointer is valid for its length.
    let r = unsafe {
        scboot_procedure_init(
            mem.0.as_mut_ptr(),
            mem.0.len(),
            &keys(),
            &config(policy),
            ws.as_mut_ptr(),
            ws.len(),
            &mut p,
        )
    };
    assert_eq!(r, SCBOOT_OK);
    p
}

/// Drive `p` against `card` with the sans-I/O calls; the final code.
fn drive(p: *mut scboot_procedure, card: &mut VirtualCard) -> i32 {
    drive_with(p, card, false)
}

/// [`drive`], each response handed over (`in_place` false) or written
/// into the procedure's own buffer.
fn drive_with(p: *mut scboot_procedure, card: &mut VirtualCard, in_place: bool) -> i32 {
    let mut cmd = [0u8; 300];
    loop {
        let mut n = 0;
        // SAFETY: valid procedure and buffers.
        let r = unsafe { scboot_procedure_next(p, cmd.as_mut_ptr(), cmd.len(), &mut n) };
        if r != SCBOOT_TRANSMIT {
            return r;
        }
        let resp = card.process(&cmd[..n]);
        let r = if in_place {
            let (mut at, mut cap) = (core::ptr::null_mut(), 0usize);
            // SAFETY: valid procedure, writable outputs; then `cap` bytes at
            // `at` are the procedure's, written before the next call on `p`.
            unsafe {
                assert_eq!(
                    scboot_procedure_response_buffer(p, &mut at, &mut cap),
                    SCBOOT_OK
                );
                assert!(cap >= resp.len(), "room for {} bytes: {cap}", resp.len());
                core::slice::from_raw_parts_mut(at, cap)[..resp.len()].copy_from_slice(&resp);
                scboot_procedure_response_written(p, resp.len())
            }
        } else {
            // SAFETY: valid procedure; `resp` is a live Vec.
            unsafe { scboot_procedure_response(p, resp.as_ptr(), resp.len()) }
        };
        if r != SCBOOT_OK {
            return r;
        }
    }
}

fn demo_card() -> VirtualCard {
    VirtualCard::new(build(&CardConfig::parse(DEMO_CONFIG).unwrap()).unwrap()).unwrap()
}

fn text(p: *const u8, n: usize) -> String {
    // SAFETY: a view the API returned, valid while the workspace is.
    String::from_utf8(unsafe { core::slice::from_raw_parts(p, n) }.to_vec()).unwrap()
}

#[test]
fn a_run_gives_the_accounts_and_the_monitor_judges_it() {
    for policy in [SCBOOT_POLICY_REQUIRED, SCBOOT_POLICY_OFF] {
        let mut card = demo_card();
        let mut mem = Memory([0; SCBOOT_PROCEDURE_MAX_SIZE]);
        let mut ws = [0u8; 2048];
        let p = init(&mut mem, &mut ws, policy);
        assert_eq!(drive(p, &mut card), SCBOOT_DONE);
        // SAFETY (this test's calls): valid procedure, writable outputs.
        unsafe {
            let mut f = core::mem::zeroed::<scboot_file>();
            assert_eq!(scboot_procedure_file(p, &mut f), SCBOOT_OK);
            assert_eq!(f.objects, 2);
            let mut a = core::mem::zeroed::<scboot_account>();
            assert_eq!(scboot_file_account(&f, 0, &mut a), SCBOOT_OK);
            assert_eq!(
                text(a.uri, a.uri_len),
                "coaps://leshan.eclipseprojects.io:5684"
            );
            assert_eq!(
                (a.bootstrap_server, a.security_mode, a.short_server_id),
                (0, 0, 101)
            );
            assert_eq!((a.has_server, a.lifetime), (1, 86400));
            assert_eq!(text(a.identity, a.identity_len), "scboot-demo-device");
            assert_eq!(a.secret_key_len, 16);
            assert_eq!(text(a.binding, a.binding_len), "U");
            assert_eq!(scboot_file_account(&f, 1, &mut a), SCBOOT_OK);
            assert_eq!(
                (a.bootstrap_server, a.has_server, a.short_server_id),
                (1, 0, -1)
            );
            assert_eq!(scboot_file_account(&f, 2, &mut a), SCBOOT_ERR_INDEX);
            let mut pv = core::mem::zeroed::<scboot_provenance>();
            assert_eq!(scboot_procedure_provenance(p, &mut pv), SCBOOT_OK);
            assert_eq!(pv.apdus, if policy == SCBOOT_POLICY_OFF { 11 } else { 13 });
            assert_eq!(
                pv.level,
                if policy == SCBOOT_POLICY_OFF {
                    -1
                } else {
                    0x33
                }
            );
            // The monitor: applied, then the same data again: unchanged.
            let mut m = core::mem::zeroed::<scboot_monitor>();
            assert_eq!(scboot_monitor_init(&mut m), SCBOOT_OK);
            assert_eq!(scboot_monitor_applied(&mut m, p), SCBOOT_OK);
            assert_eq!(m.digest, pv.digest);
            assert_eq!(scboot_procedure_clear(p), SCBOOT_OK);
            let p2 = init(&mut mem, &mut ws, policy);
            assert_eq!(drive(p2, &mut card), SCBOOT_DONE);
            assert_eq!(scboot_monitor_check(&mut m, p2), SCBOOT_UNCHANGED);
            // A transient failure changes nothing; an absent card is removal.
            assert_eq!(scboot_procedure_clear(p2), SCBOOT_OK);
            for (fault, verdict, applied) in [
                (SCBOOT_FAULT_TRANSIENT, SCBOOT_ERR_TRANSPORT, 1),
                (SCBOOT_FAULT_CARD_ABSENT, SCBOOT_REMOVED, 0),
            ] {
                let p3 = init(&mut mem, &mut ws, policy);
                assert_eq!(
                    scboot_procedure_transport_failed(p3, fault),
                    SCBOOT_ERR_TRANSPORT
                );
                assert_eq!(scboot_monitor_check(&mut m, p3), verdict);
                assert_eq!(m.applied, applied);
                assert_eq!(scboot_procedure_clear(p3), SCBOOT_OK);
            }
        }
    }
}

unsafe extern "C" fn transmit(
    ctx: *mut core::ffi::c_void,
    command: *const u8,
    command_len: usize,
    response: *mut u8,
    response_cap: usize,
) -> isize {
    // SAFETY: `ctx` is the `VirtualCard` the test passed; the buffers are
    // valid for their lengths (scboot_run's contract).
    let card = unsafe { &mut *ctx.cast::<VirtualCard>() };
    let c = unsafe { core::slice::from_raw_parts(command, command_len) };
    let r = card.process(c);
    if r.len() > response_cap {
        return -(SCBOOT_FAULT_PROTOCOL as isize);
    }
    unsafe { core::ptr::copy_nonoverlapping(r.as_ptr(), response, r.len()) };
    r.len() as isize
}

unsafe extern "C" fn absent(
    _: *mut core::ffi::c_void,
    _: *const u8,
    _: usize,
    _: *mut u8,
    _: usize,
) -> isize {
    -(SCBOOT_FAULT_CARD_ABSENT as isize)
}

/// `scboot_run` in `mem` and `ws` under policy REQUIRED, PIN reference 0x81
/// and no PIN.
///
/// # Safety
/// `transmit` follows `scboot_run`'s contract with `ctx`.
unsafe fn run(
    mem: &mut Memory,
    ws: &mut [u8],
    transmit: scboot_transmit_fn,
    ctx: *mut core::ffi::c_void,
    p: &mut *mut scboot_procedure,
) -> i32 {
    // SAFETY: valid pointers for their lengths; `transmit` as promised.
    unsafe {
        scboot_run(
            mem.0.as_mut_ptr(),
            mem.0.len(),
            &keys(),
            &config(SCBOOT_POLICY_REQUIRED),
            ws.as_mut_ptr(),
            ws.len(),
            transmit,
            ctx,
            0x81,
            core::ptr::null(),
            0,
            p,
        )
    }
}

#[test]
fn the_one_call_form() {
    let mut card = demo_card();
    let mut mem = Memory([0; SCBOOT_PROCEDURE_MAX_SIZE]);
    let mut ws = [0u8; 2048];
    let mut p = core::ptr::null_mut();
    // SAFETY: valid pointers; `transmit` follows the contract with `card` as
    // ctx, `absent` with any.
    unsafe {
        let card_ctx = (&mut card as *mut VirtualCard).cast();
        let r = run(&mut mem, &mut ws, Some(transmit), card_ctx, &mut p);
        assert_eq!(r, SCBOOT_DONE);
        let mut f = core::mem::zeroed::<scboot_file>();
        assert_eq!(scboot_procedure_file(p, &mut f), SCBOOT_OK);
        assert_eq!(f.objects, 2);
        assert_eq!(scboot_procedure_clear(p), SCBOOT_OK);
        // An absent card: the transport code, the monitor would say removed.
        let r = run(
            &mut mem,
            &mut ws,
            Some(absent),
            core::ptr::null_mut(),
            &mut p,
        );
        assert_eq!(r, SCBOOT_ERR_TRANSPORT);
        let mut m = scboot_monitor {
            applied: 1,
            digest: [1; 32],
        };
        assert_eq!(scboot_monitor_check(&mut m, p), SCBOOT_REMOVED);
        // No transmit function.
        let r = run(&mut mem, &mut ws, None, core::ptr::null_mut(), &mut p);
        assert_eq!(r, SCBOOT_ERR_NULL);
    }
}

#[test]
fn miri_misuse_is_a_code_not_a_crash() {
    let mut mem = Memory([0; SCBOOT_PROCEDURE_MAX_SIZE]);
    let mut ws = [0u8; 64];
    let mut p = core::ptr::null_mut();
    let mut n = 0usize;
    let mut cmd = [0u8; 8];
    // SAFETY: every non-NULL pointer below is valid for its length.
    unsafe {
        // NULLs everywhere.
        assert_eq!(
            scboot_config_default(core::ptr::null_mut()),
            SCBOOT_ERR_NULL
        );
        let k = keys();
        let c = config(0);
        let null_init = scboot_procedure_init(
            core::ptr::null_mut(),
            0,
            &k,
            &c,
            ws.as_mut_ptr(),
            ws.len(),
            &mut p,
        );
        assert_eq!(null_init, SCBOOT_ERR_NULL);
        assert_eq!(
            scboot_procedure_next(core::ptr::null_mut(), cmd.as_mut_ptr(), 8, &mut n),
            SCBOOT_ERR_NULL
        );
        assert_eq!(
            scboot_procedure_response(core::ptr::null_mut(), core::ptr::null(), 0),
            SCBOOT_ERR_NULL
        );
        assert_eq!(
            scboot_procedure_clear(core::ptr::null_mut()),
            SCBOOT_ERR_NULL
        );
        assert_eq!(scboot_monitor_init(core::ptr::null_mut()), SCBOOT_ERR_NULL);
        assert_eq!(
            scboot_bootstrap_parse(core::ptr::null(), 5, &mut core::mem::zeroed()),
            SCBOOT_ERR_NULL
        );
        // Memory too small, misaligned; keys of a bad length; unknown policy.
        let small = scboot_procedure_init(
            mem.0.as_mut_ptr(),
            16,
            &k,
            &c,
            ws.as_mut_ptr(),
            ws.len(),
            &mut p,
        );
        assert_eq!(small, SCBOOT_ERR_BUFFER);
        let misaligned = scboot_procedure_init(
            mem.0.as_mut_ptr().add(1),
            mem.0.len() - 1,
            &k,
            &c,
            ws.as_mut_ptr(),
            ws.len(),
            &mut p,
        );
        assert_eq!(misaligned, SCBOOT_ERR_ARGUMENT);
        let bad_keys = scboot_keys {
            key_len: 15,
            ..keys()
        };
        assert_eq!(
            scboot_procedure_init(
                mem.0.as_mut_ptr(),
                mem.0.len(),
                &bad_keys,
                &c,
                ws.as_mut_ptr(),
                ws.len(),
                &mut p
            ),
            SCBOOT_ERR_ARGUMENT
        );
        let bad_policy = scboot_config {
            policy: 9,
            ..config(0)
        };
        assert_eq!(
            scboot_procedure_init(
                mem.0.as_mut_ptr(),
                mem.0.len(),
                &k,
                &bad_policy,
                ws.as_mut_ptr(),
                ws.len(),
                &mut p
            ),
            SCBOOT_ERR_ARGUMENT
        );
        // Memory that was never initialised: out of order.
        let fresh = mem.0.as_mut_ptr().cast::<scboot_procedure>();
        assert_eq!(
            scboot_procedure_next(fresh, cmd.as_mut_ptr(), 8, &mut n),
            SCBOOT_ERR_ORDER
        );
        // A real procedure: wrong order and a short command buffer.
        assert_eq!(
            scboot_procedure_init(
                mem.0.as_mut_ptr(),
                mem.0.len(),
                &k,
                &c,
                ws.as_mut_ptr(),
                ws.len(),
                &mut p
            ),
            SCBOOT_OK
        );
        assert_eq!(
            scboot_procedure_response(p, [0x90, 0x00].as_ptr(), 2),
            SCBOOT_ERR_ORDER
        );
        assert_eq!(
            scboot_procedure_pin(p, 0x81, b"1234".as_ptr(), 4),
            SCBOOT_ERR_ORDER
        );
        assert_eq!(
            scboot_procedure_file(p, &mut core::mem::zeroed()),
            SCBOOT_ERR_ORDER
        );
        let mut m = core::mem::zeroed::<scboot_monitor>();
        assert_eq!(scboot_monitor_check(&mut m, p), SCBOOT_ERR_ORDER);
        // The first command (SELECT EF.DIR) is 8 bytes: 4 do not hold it.
        assert_eq!(
            scboot_procedure_next(p, cmd.as_mut_ptr(), 4, &mut n),
            SCBOOT_ERR_BUFFER
        );
        assert_eq!(
            scboot_procedure_transport_failed(p, 77),
            SCBOOT_ERR_ARGUMENT
        );
        assert_eq!(scboot_procedure_clear(p), SCBOOT_OK);
        // Cleared: every call is out of order.
        assert_eq!(
            scboot_procedure_next(p, cmd.as_mut_ptr(), 8, &mut n),
            SCBOOT_ERR_ORDER
        );
        assert_eq!(scboot_procedure_clear(p), SCBOOT_ERR_ORDER);
    }
}

#[test]
fn miri_files_in_memory() {
    // One Security instance with resource 0 "coap://h", then hostile variants.
    let mut file = vec![
        0x00, 0x01, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x0E, 0x08, 0x00, 0x0B,
    ];
    file.extend([0xC8, 0x00, 0x08]);
    file.extend(b"coap://h");
    file.extend([0xFF; 5]);
    // SAFETY: valid buffers and outputs.
    unsafe {
        let mut f = core::mem::zeroed::<scboot_file>();
        assert_eq!(
            scboot_bootstrap_parse(file.as_ptr(), file.len(), &mut f),
            SCBOOT_OK
        );
        assert_eq!((f.len, f.objects), (23, 1));
        let mut a = core::mem::zeroed::<scboot_account>();
        assert_eq!(scboot_file_account(&f, 0, &mut a), SCBOOT_OK);
        assert_eq!(text(a.uri, a.uri_len), "coap://h");
        assert!(a.identity.is_null() && a.identity_len == 0);
        assert_eq!(
            (a.security_mode, a.short_server_id, a.lifetime),
            (-1, -1, -1)
        );
        for cut in 0..file.len() - 5 {
            let r = scboot_bootstrap_parse(file.as_ptr(), cut, &mut f);
            assert_eq!(r, SCBOOT_ERR_PARSE, "{cut}");
        }
        let mut bad = file.clone();
        bad[1] = 2; // two objects announced
        assert_eq!(
            scboot_bootstrap_parse(bad.as_ptr(), bad.len(), &mut f),
            SCBOOT_ERR_PARSE
        );
        // A view that lies about its bytes is checked again.
        let lie = scboot_file {
            data: bad.as_ptr(),
            len: bad.len(),
            objects: 1,
        };
        assert_eq!(scboot_file_account(&lie, 0, &mut a), SCBOOT_ERR_PARSE);
        // Every code has a text.
        for code in -12..=3 {
            let t = core::ffi::CStr::from_ptr(scboot_strerror(code));
            assert!(!t.to_bytes().is_empty());
            assert_ne!(t.to_bytes(), b"unknown code", "{code}");
        }
        assert_eq!(
            core::ffi::CStr::from_ptr(scboot_strerror(99)).to_bytes(),
            b"unknown code"
        );
        assert!(scboot_procedure_size() <= SCBOOT_PROCEDURE_MAX_SIZE);
        assert!(scboot_procedure_align() <= SCBOOT_PROCEDURE_MAX_ALIGN);
    }
}

/// Responses written in place give the same file as responses handed
/// over; the in-place calls refuse NULL, calls out of order and lengths
/// beyond the room they gave.
#[test]
fn responses_written_in_place() {
    for policy in [SCBOOT_POLICY_REQUIRED, SCBOOT_POLICY_OFF] {
        let mut files = Vec::new();
        for in_place in [false, true] {
            let mut card = demo_card();
            let mut mem = Memory([0; SCBOOT_PROCEDURE_MAX_SIZE]);
            let mut ws = [0u8; 2048];
            let p = init(&mut mem, &mut ws, policy);
            assert_eq!(drive_with(p, &mut card, in_place), SCBOOT_DONE);
            // SAFETY: valid procedure, writable output; the view is copied
            // while the workspace lives.
            unsafe {
                let mut f = core::mem::zeroed::<scboot_file>();
                assert_eq!(scboot_procedure_file(p, &mut f), SCBOOT_OK);
                files.push(core::slice::from_raw_parts(f.data, f.len).to_vec());
            }
        }
        assert_eq!(files[0], files[1]);
    }
    let mut mem = Memory([0; SCBOOT_PROCEDURE_MAX_SIZE]);
    let mut ws = [0u8; 2048];
    let p = init(&mut mem, &mut ws, SCBOOT_POLICY_REQUIRED);
    let (mut at, mut cap) = (core::ptr::null_mut(), 0usize);
    // SAFETY (the misuse calls): valid or NULL pointers, as each case says.
    unsafe {
        assert_eq!(
            scboot_procedure_response_buffer(core::ptr::null_mut(), &mut at, &mut cap),
            SCBOOT_ERR_NULL
        );
        assert_eq!(
            scboot_procedure_response_buffer(p, core::ptr::null_mut(), &mut cap),
            SCBOOT_ERR_NULL
        );
        assert_eq!(
            scboot_procedure_response_written(core::ptr::null_mut(), 2),
            SCBOOT_ERR_NULL
        );
        // Nothing sent yet.
        assert_eq!(scboot_procedure_response_written(p, 2), SCBOOT_ERR_ORDER);
        assert_eq!(
            scboot_procedure_response_buffer(p, &mut at, &mut cap),
            SCBOOT_ERR_ORDER
        );
        let mut cmd = [0u8; 300];
        let mut n = 0;
        assert_eq!(
            scboot_procedure_next(p, cmd.as_mut_ptr(), cmd.len(), &mut n),
            SCBOOT_TRANSMIT
        );
        assert_eq!(
            scboot_procedure_response_buffer(p, &mut at, &mut cap),
            SCBOOT_OK
        );
        assert!(cap >= 258);
        // More than the room given: the response is refused, the run is over.
        assert_eq!(
            scboot_procedure_response_written(p, cap + 1),
            SCBOOT_ERR_PROCEDURE
        );
    }
}
