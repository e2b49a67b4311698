//! Benchmark cases shared by the criterion benches (`benches/throughput.rs`)
//! and the callgrind budgets (`src/bin/bench-ops.rs`): one closure per case,
//! so both measure the same code on the same bytes.

pub mod fixtures;
pub mod peers;

use std::hint::black_box;

use scboot::ber::{Concat, Encode};
use scboot::scp03::*;

/// One benchmark: `group/name`, the bytes it processes, and the work.
pub struct Case {
    /// Group (what is compared).
    pub group: &'static str,
    /// Implementation (`scboot`, `reference`, `der`, `der-parser`, `floor-aes-work`, ...).
    pub name: &'static str,
    /// Bytes processed per call.
    pub bytes: usize,
    /// One call of the work; returns something to keep it alive.
    pub run: Box<dyn FnMut() -> usize>,
}

impl Case {
    /// `group/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

fn case(
    group: &'static str,
    name: &'static str,
    bytes: usize,
    run: impl FnMut() -> usize + 'static,
) -> Case {
    Case {
        group,
        name,
        bytes,
        run: Box::new(run),
    }
}

/// One implementation of a parser case: the bytes in, something to keep alive out.
type Parse = fn(&[u8]) -> usize;

/// The parser cases of one group: every implementation on the same bytes.
fn parsers(
    out: &mut Vec<Case>,
    group: &'static str,
    bytes: &[u8],
    impls: &[(&'static str, Parse)],
) {
    for &(name, parse) in impls {
        let b = bytes.to_vec();
        out.push(case(group, name, b.len(), move || parse(black_box(&b))));
    }
}

/// What each implementation does with a file: the work the procedure
/// needs (validate all of it, then take what the next step uses).
mod work {
    pub fn scboot_dir(b: &[u8]) -> usize {
        // Validate every template and find the PKCS#15 one.
        let d = scboot::dir::EfDir::parse(b).unwrap();
        d.len() + d.pkcs15().map_or(0, |t| t.aid.len())
    }
    pub fn reference_dir(b: &[u8]) -> usize {
        scboot_reference::dir::parse(b).unwrap().len()
    }
    pub fn scboot_odf(b: &[u8]) -> usize {
        // Validate every entry, then take the DODF paths.
        let o = scboot::odf::Odf::parse(b).unwrap();
        o.len() + o.data_object_paths().map(|p| p.path.len()).sum::<usize>()
    }
    pub fn reference_odf(b: &[u8]) -> usize {
        scboot_reference::odf::parse(b).unwrap().len()
    }
    pub fn scboot_dodf(b: &[u8]) -> usize {
        // Validate every entry (typed) and find the LwM2M bootstrap one.
        let d = scboot::dodf::Dodf::parse(b).unwrap();
        d.len() + d.find_lwm2m_bootstrap().map_or(0, |m| m.entry)
    }
    pub fn reference_dodf(b: &[u8]) -> usize {
        let e = scboot_reference::dodf::parse(b).unwrap();
        e.len() + scboot_reference::dodf::find_bootstrap(&e).map_or(0, |m| m.0)
    }
    pub fn scboot_tokeninfo(b: &[u8]) -> usize {
        let t = scboot::tokeninfo::TokenInfo::parse(b).unwrap();
        t.serial_number.len()
    }
    pub fn reference_tokeninfo(b: &[u8]) -> usize {
        let t = scboot_reference::tokeninfo::parse(b).unwrap();
        t.serial_number.len()
    }
    pub fn scboot_bootstrap(b: &[u8]) -> usize {
        let f = scboot::bootstrap::BootstrapFile::parse(b).unwrap();
        usize::from(f.object_count())
    }
    pub fn scboot_accounts(b: &[u8]) -> usize {
        let f = scboot::bootstrap::BootstrapFile::parse(b).unwrap();
        scboot::lwm2m::accounts(&f).filter(|a| a.is_ok()).count()
    }
    pub fn reference_bootstrap(b: &[u8]) -> usize {
        scboot_reference::bootstrap::parse(b).unwrap().len()
    }
    pub fn scboot_tlv(b: &[u8]) -> usize {
        scboot::tlv::Tlv::parse(b).unwrap().records().count()
    }
    pub fn reference_tlv(b: &[u8]) -> usize {
        scboot_reference::tlv::parse(b).unwrap().len()
    }
}

fn parser_cases(out: &mut Vec<Case>) {
    // The PKCS#15 files: scboot, the reference model, and the two peers.
    let pkcs15: [(&'static str, Vec<u8>, Parse, Parse, Parse); 4] = [
        (
            "ef_dir",
            fixtures::dir(),
            work::scboot_dir,
            work::reference_dir,
            peers::der_dir,
        ),
        (
            "odf",
            fixtures::odf(),
            work::scboot_odf,
            work::reference_odf,
            peers::der_odf,
        ),
        (
            "dodf",
            fixtures::dodf(),
            work::scboot_dodf,
            work::reference_dodf,
            peers::der_dodf,
        ),
        (
            "tokeninfo",
            fixtures::tokeninfo(),
            work::scboot_tokeninfo,
            work::reference_tokeninfo,
            peers::der_tokeninfo,
        ),
    ];
    for (group, bytes, ours, model, der) in pkcs15 {
        let impls = [
            ("scboot", ours),
            ("reference", model),
            ("der", der),
            ("der-parser", peers::der_parser_all as Parse),
        ];
        parsers(out, group, &bytes, &impls);
    }
    let bootstrap: [(&'static str, Parse); 3] = [
        ("scboot", work::scboot_bootstrap),
        ("scboot+accounts", work::scboot_accounts),
        ("reference", work::reference_bootstrap),
    ];
    parsers(out, "bootstrap_1k", &fixtures::bootstrap_1k(), &bootstrap);
    out.push(accounts_limit(fixtures::bootstrap_1k()));
    let tlv: [(&'static str, Parse); 2] = [
        ("scboot", work::scboot_tlv),
        ("reference", work::reference_tlv),
    ];
    parsers(out, "tlv_small", &fixtures::tlv_small(), &tlv);
    parsers(out, "tlv_32k", &fixtures::tlv_32k(), &tlv);
}

/// The least any typed accounts of `file` can cost, for a limit beside
/// `scboot+accounts`: the file's TLV-level parse plus `core::str::from_utf8`
/// on each of its text resources (found before the run), which is the only
/// safe way to hand out a `&str`. It walks no record, decodes no other value
/// and pairs nothing, so a real implementation costs more.
fn accounts_limit(file: Vec<u8>) -> Case {
    let texts: Vec<std::ops::Range<usize>> = {
        let parsed = scboot::bootstrap::BootstrapFile::parse(&file).unwrap();
        let start = file.as_ptr() as usize;
        scboot::lwm2m::accounts(&parsed)
            .map(Result::unwrap)
            .flat_map(|a| {
                let sec = a.security;
                let srv = a.server.map(|s| [s.binding, s.preferred_transport]);
                [sec.server_uri, sec.server_sms_number, sec.sni]
                    .into_iter()
                    .chain(srv.into_iter().flatten())
                    .flatten()
            })
            .map(|t| {
                let at = t.as_ptr() as usize - start;
                at..at + t.len()
            })
            .collect()
    };
    assert!(!texts.is_empty(), "the fixture has text resources");
    case("bootstrap_1k", "limit-parse+utf8", file.len(), move || {
        let b = black_box(&file[..]);
        let parsed = scboot::bootstrap::BootstrapFile::parse(b).unwrap();
        let mut n = usize::from(parsed.object_count());
        for r in black_box(&texts) {
            n += usize::from(
                b.get(r.clone())
                    .is_some_and(|t| core::str::from_utf8(t).is_ok()),
            );
        }
        n
    })
}

/// The parse cost against the input: LwM2M TLV from 64 B to 64 KB, a DODF
/// from 1 to 100 entries (`bench-report scaling` fits the slopes).
fn scaling_cases(out: &mut Vec<Case>) {
    let tlv = [64usize, 256, 1024, 4096, 16384, 65536].map(|size| {
        (
            format!("scale_tlv_{size}"),
            fixtures::tlv_of(size),
            work::scboot_tlv as Parse,
        )
    });
    let dodf = [1usize, 10, 30, 100].map(|n| {
        (
            format!("scale_dodf_{n}"),
            fixtures::dodf_of(n),
            work::scboot_dodf as Parse,
        )
    });
    for (group, bytes, parse) in tlv.into_iter().chain(dodf) {
        let group: &'static str = Box::leak(group.into_boxed_str());
        parsers(out, group, &bytes, &[("scboot", parse)]);
    }
}

fn encoder_cases(out: &mut Vec<Case>) {
    let dodf = fixtures::dodf();
    let d = scboot::dodf::Dodf::parse(&dodf).unwrap();
    let entries: Vec<_> = d.entries().map(|e| (e, dodf.clone())).collect();
    let n = dodf.len();
    let mut buf = vec![0u8; n];
    let src = dodf.clone();
    out.push(case("encode_dodf", "scboot", n, move || {
        let d = scboot::dodf::Dodf::parse(&src).unwrap();
        let es: Vec<_> = d.entries().collect();
        Concat(black_box(&es)).encode(&mut buf).unwrap()
    }));
    drop(entries);
    let boot = fixtures::bootstrap_1k();
    let mut buf = vec![0u8; 2048];
    let n = boot.len();
    out.push(case("encode_bootstrap", "scboot", n, move || {
        let f = scboot::bootstrap::BootstrapFile::parse(&boot).unwrap();
        let objs: Vec<_> = f.objects().map(|o| o.data()).collect();
        scboot::bootstrap::BootstrapData {
            objects: black_box(&objs),
        }
        .encode(&mut buf)
        .unwrap()
    }));
}

const AID: &[u8] = scboot::dir::PKCS15_AID;

/// A host and a card with an open session.
pub fn session(key_len: usize, mode: Mode, level: SecurityLevel) -> (HostSession, CardChannel) {
    let k = StaticKeys::new(
        0x30,
        &vec![0x40; key_len],
        &vec![0x41; key_len],
        &vec![0x42; key_len],
    )
    .unwrap();
    let i = if mode == Mode::S16 { 0x71 } else { 0x70 };
    let mut card = CardChannel::new(k.clone(), CardConfig::new(i, AID).unwrap());
    let cfg = HostConfig::default()
        .level(level)
        .mode(mode)
        .channel(0)
        .card_aid(Some(AID));
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let (hs, n) = HostHandshake::start(&k, &cfg, &[7; 16][..mode.size()], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    let (p, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
    card.external_authenticate(&a[..n]).unwrap();
    (p.confirm(0x9000).unwrap(), card)
}

fn command(len: usize) -> Vec<u8> {
    let data = vec![0x5Au8; len];
    let c = scboot::apdu::Command::new(0x80, 0xE2, 0x90, 0x00, &data, Some(256));
    let mut v = vec![0u8; c.encoded_len()];
    c.encode(&mut v).unwrap();
    v
}

/// The raw work of protecting one command at a level, with precomputed keys:
/// the floor for SCP03 (AES-CBC and AES-CMAC on the same bytes).
pub struct RawFloor {
    mac: cmac::Cmac<aes::Aes128>,
    enc: aes::Aes128,
    chain: [u8; 16],
}

impl RawFloor {
    fn new() -> RawFloor {
        use aes::cipher::KeyInit;
        RawFloor {
            mac: <cmac::Cmac<aes::Aes128> as KeyInit>::new_from_slice(&[1; 16]).unwrap(),
            enc: aes::Aes128::new_from_slice(&[2; 16]).unwrap(),
            chain: [0; 16],
        }
    }

    /// Host side then card side of one command, the AES work the protocol
    /// needs and nothing else: ICV, CBC encrypt, C-MAC over the chain, the
    /// header and the data; C-MAC again (the card's check), ICV, CBC decrypt
    /// (blocks deciphered together). The keyed CMAC is reset after each use, never
    /// cloned; nothing is allocated.
    fn command(&mut self, header: &[u8], data: &[u8], encrypt: bool, out: &mut [u8]) -> usize {
        use aes::cipher::{BlockDecrypt, BlockEncrypt};
        use cmac::Mac;
        let mut n = data.len();
        out[..n].copy_from_slice(data);
        if encrypt {
            out[n] = 0x80;
            let padded = (n / 16 + 1) * 16;
            out[n + 1..padded].fill(0);
            n = padded;
            let mut prev = aes::Block::default();
            self.enc.encrypt_block(&mut prev);
            for chunk in out[..n].chunks_exact_mut(16) {
                let mut b = aes::Block::clone_from_slice(chunk);
                for (x, p) in b.iter_mut().zip(prev.iter()) {
                    *x ^= p;
                }
                self.enc.encrypt_block(&mut b);
                chunk.copy_from_slice(&b);
                prev = b;
            }
        }
        self.mac.update(&self.chain);
        self.mac.update(header);
        self.mac.update(&out[..n]);
        let host = self.mac.finalize_reset().into_bytes();
        // Card side: the same C-MAC, then decryption.
        self.mac.update(&self.chain);
        self.mac.update(header);
        self.mac.update(&out[..n]);
        let card = self.mac.finalize_reset().into_bytes();
        self.chain.copy_from_slice(&host);
        if encrypt {
            let mut icv = aes::Block::default();
            self.enc.encrypt_block(&mut icv);
            let blocks = n / 16;
            let mut ct = [aes::Block::default(); 72];
            let mut pt = [aes::Block::default(); 72];
            for (i, c) in out[..n].chunks_exact(16).enumerate() {
                ct[i].copy_from_slice(c);
            }
            pt[..blocks].copy_from_slice(&ct[..blocks]);
            self.enc.decrypt_blocks(&mut pt[..blocks]);
            for (i, chunk) in out[..n].chunks_exact_mut(16).enumerate() {
                let prev = if i == 0 { &icv } else { &ct[i - 1] };
                for ((o, x), y) in chunk.iter_mut().zip(pt[i].iter()).zip(prev.iter()) {
                    *o = x ^ y;
                }
            }
        }
        n + usize::from(card[0])
    }

    /// The AES block operations [`RawFloor::command`] does: what a
    /// computed limit multiplies by the cost of one block.
    pub fn block_operations(header_len: usize, data_len: usize, encrypt: bool) -> usize {
        let n = if encrypt {
            (data_len / 16 + 1) * 16
        } else {
            data_len
        };
        let mac = (16 + header_len + n).div_ceil(16);
        let cbc = if encrypt { 2 + 2 * (n / 16) } else { 0 };
        2 * mac + cbc
    }
}

fn scp03_cases(out: &mut Vec<Case>) {
    // Session setup: the host's handshake, given the card's IU response.
    for (mode, name) in [(Mode::S8, "scboot"), (Mode::S16, "scboot-s16")] {
        let k = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16]).unwrap();
        let i = if mode == Mode::S16 { 0x71 } else { 0x70 };
        let mut card = CardChannel::new(k.clone(), CardConfig::new(i, AID).unwrap());
        let cfg = HostConfig::default().mode(mode).card_aid(Some(AID));
        let hc = [7u8; 16];
        let mut a = [0u8; 64];
        let (_, n) = HostHandshake::start(&k, &cfg, &hc[..mode.size()], &mut a).unwrap();
        let mut resp = [0u8; 64];
        let m = card.initialize_update(&a[..n], &[], &mut resp).unwrap();
        let resp = resp[..m].to_vec();
        // The session is keyed where it lives (as the procedure keys the
        // one in its exchange): no keyed session is moved.
        let mut host = HostSession::closed();
        out.push(case("scp03_setup", name, 0, move || {
            let cfg = HostConfig::default().mode(mode).card_aid(Some(AID));
            let mut buf = [0u8; 64];
            let (hs, _) = HostHandshake::start(&k, &cfg, &hc[..mode.size()], &mut buf).unwrap();
            let (n, _) = hs
                .authenticate_into(&k, black_box(&resp), &mut buf, &mut host)
                .unwrap();
            host.confirm(0x9000).unwrap();
            host.counter() as usize + n
        }));
    }
    // The floors: the raw CMAC calls of the same handshake on the same bytes,
    // made with the `cmac` crate. Key-ENC and Key-MAC are keyed once outside
    // the loop, as `StaticKeys` does; S-MAC is keyed per session (cryptograms,
    // EXTERNAL AUTHENTICATE C-MAC).
    out.push(case("scp03_setup", "floor-7-cmacs", 0, raw_setup(false)));
    // The fair floor, what an open session needs: the 7 CMACs with the
    // static keys keyed once, and the schedules a session holds (AES with
    // S-ENC for C-DEC/R-ENC, CMAC with S-MAC and S-RMAC).
    out.push(case("scp03_setup", "floor-fair", 0, raw_setup(true)));
    // The 7 CMAC calls made one-shot (`Cmac::new(key)`, update, finalize
    // each time): no static key keyed beforehand (slower than fair).
    out.push(case(
        "scp03_setup",
        "floor-7-cmacs-oneshot",
        0,
        raw_setup_oneshot(),
    ));

    // Command protection: host wrap + card unwrap.
    for (size, size_name) in [(16usize, "16"), (64, "64"), (255, "255"), (1024, "ext1024")] {
        for (level, lname) in [
            (SecurityLevel::C_MAC, "01"),
            (SecurityLevel::C_DEC, "03"),
            (SecurityLevel::ALL, "33"),
        ] {
            for (mode, mname) in [(Mode::S8, "s8"), (Mode::S16, "s16")] {
                let group: &'static str =
                    Box::leak(format!("scp03_cmd_{size_name}_{lname}_{mname}").into_boxed_str());
                let (mut host, mut card) = session(16, mode, level);
                let cmd = command(size);
                let mut wire = vec![0u8; size + 64];
                let mut plain = vec![0u8; size + 64];
                out.push(case(group, "scboot", size, move || {
                    let n = host.wrap(black_box(&cmd), &mut wire).unwrap();
                    card.unwrap_command(&wire[..n], &mut plain).unwrap()
                }));
                if mode == Mode::S8 {
                    let mut floor = RawFloor::new();
                    let data = vec![0x5Au8; size];
                    let header = [0x84u8, 0xE2, 0x90, 0x00, 0x00, 0x01, 0x10];
                    let hlen = if size > 247 { 7 } else { 5 };
                    let mut buf = vec![0u8; size + 32];
                    let encrypt = level.c_dec();
                    out.push(case(group, "floor-aes-work", size, move || {
                        floor.command(&header[..hlen], black_box(&data), encrypt, &mut buf)
                    }));
                }
            }
        }
    }
    // One AES-128 block: the unit of the computed SCP03 limits.
    {
        use aes::cipher::{BlockEncrypt, KeyInit};
        let c = aes::Aes128::new_from_slice(&[3; 16]).unwrap();
        let mut b = aes::Block::default();
        out.push(case("aes_block", "aes128-encrypt", 16, move || {
            c.encrypt_block(black_box(&mut b));
            usize::from(b[0])
        }));
    }
    // Response protection at 33: card wrap + host unwrap.
    for (size, group) in [
        (64usize, "scp03_resp_64_33_s8"),
        (255, "scp03_resp_255_33_s8"),
    ] {
        let (mut host, mut card) = session(16, Mode::S8, SecurityLevel::ALL);
        let data = vec![0xA5u8; size];
        let mut wire = vec![0u8; size + 64];
        let mut plain = vec![0u8; size + 64];
        let mut cmdw = vec![0u8; 64];
        out.push(case(group, "scboot", size, move || {
            // A short command first (the response belongs to it): cost shown by scp03_cmd_16.
            let n = host
                .wrap(&[0x00, 0xB0, 0x00, 0x00, 0x00], &mut cmdw)
                .unwrap();
            card.unwrap_command(&cmdw[..n], &mut plain).unwrap();
            let n = card
                .wrap_response(black_box(&data), 0x9000, &mut wire)
                .unwrap();
            host.unwrap(&wire[..n], &mut plain).unwrap().len
        }));
    }
}

fn procedure_cases(out: &mut Vec<Case>) {
    let cfg = scboot_card::config::CardConfig::parse(scboot_card::config::DEMO_CONFIG).unwrap();
    let image = scboot_card::config::build(&cfg).unwrap();
    let keys = image.keys.static_keys().unwrap();
    let mut card = scboot_card::VirtualCard::new(image).unwrap();
    let mut ws = vec![0u8; 4096];
    out.push(case("procedure", "scboot+virtual-card", 0, move || {
        let b = scboot::procedure::run(
            &mut card,
            &keys,
            scboot::procedure::Config::new([3; 16]),
            &mut ws,
            None,
        )
        .unwrap();
        b.provenance.apdus as usize
    }));
    for (name, file_size, level, read_everything) in LAYOUTS {
        let mut cfg =
            scboot_card::config::CardConfig::parse(scboot_card::config::DEMO_CONFIG).unwrap();
        cfg.file_size = *file_size;
        let image = scboot_card::config::build(&cfg).unwrap();
        let keys = image.keys.static_keys().unwrap();
        let mut card = scboot_card::VirtualCard::new(image).unwrap();
        let mut ws = vec![0u8; 4096];
        let config = match level {
            Some(l) => scboot::procedure::Config::new([3; 16]).level(*l),
            None => {
                scboot::procedure::Config::new([3; 16]).policy(scboot::procedure::SecurePolicy::Off)
            }
        }
        .read_everything(*read_everything);
        out.push(case("procedure_layout", name, 0, move || {
            let b = scboot::procedure::run(&mut card, &keys, config, &mut ws, None).unwrap();
            b.provenance.apdus as usize
        }));
    }
}

/// Card layouts for the procedure's APDU count: the demo's data (457 bytes
/// of bootstrap information) in bootstrap EFs of 512 and 3000 bytes, at
/// SCP03 levels 33, 03, 01 and without a secure channel; `-dump` reads
/// EF.TokenInfo and every DODF too (`Config::read_everything`, what
/// `scboot card dump` does).
pub const LAYOUTS: &[(&str, usize, Option<scboot::scp03::SecurityLevel>, bool)] = {
    use scboot::scp03::SecurityLevel as L;
    &[
        ("ef512-level33", 512, Some(L::ALL), false),
        ("ef3000-level33", 3000, Some(L::ALL), false),
        ("ef3000-level33-dump", 3000, Some(L::ALL), true),
        ("ef3000-level03", 3000, Some(L::C_DEC), false),
        ("ef3000-level01", 3000, Some(L::C_MAC), false),
        ("ef3000-no-scp03", 3000, None, false),
        ("ef3000-no-scp03-dump", 3000, None, true),
    ]
};

/// The APDUs one run of a layout exchanges.
pub fn layout_apdus(name: &str) -> Option<usize> {
    let mut v = Vec::new();
    procedure_cases(&mut v);
    v.into_iter()
        .find(|c| c.group == "procedure_layout" && c.name == name)
        .map(|mut c| (c.run)())
}

/// The fixed part of an SCP03 KDF input (GPC 2.3 Amd D 4.1.5): the
/// derivation constant at byte 11, the output length in bits at 13..15
/// (here one byte: 0x40 or 0x80), the counter 1 at byte 15.
fn fixed(constant: u8, l_bits: u8) -> [u8; 16] {
    let mut f = [0u8; 16];
    f[11] = constant;
    f[14] = l_bits;
    f[15] = 1;
    f
}

/// The raw CMAC work of a host handshake (S8, AES-128, pseudo-random
/// challenge): 7 CMACs over the same inputs; Key-ENC and Key-MAC keyed
/// beforehand, S-MAC keyed here.
fn raw_setup(with_session_schedules: bool) -> impl FnMut() -> usize {
    use aes::cipher::KeyInit;
    use cmac::Mac;
    type C = cmac::Cmac<aes::Aes128>;
    let mut enc = <C as KeyInit>::new_from_slice(&[0x40u8; 16]).unwrap();
    let mut mac = <C as KeyInit>::new_from_slice(&[0x41u8; 16]).unwrap();
    let (hc, cc, seq) = ([7u8; 8], [9u8; 8], [0u8, 0, 1]);
    move || {
        let run = |m: &mut C, parts: &[&[u8]]| {
            for p in parts {
                m.update(p);
            }
            let t: [u8; 16] = m.finalize_reset().into_bytes().into();
            t
        };
        let ch = run(&mut enc, &[&fixed(2, 0x40), &seq, AID]);
        let s_enc = run(&mut enc, &[&fixed(4, 0x80), &hc, &cc]);
        let s_mac = run(&mut mac, &[&fixed(6, 0x80), &hc, &cc]);
        let s_rmac = run(&mut mac, &[&fixed(7, 0x80), &hc, &cc]);
        let mut smac = <C as KeyInit>::new_from_slice(&s_mac).unwrap();
        let card = run(&mut smac, &[&fixed(0, 0x40), &hc, &cc]);
        let host = run(&mut smac, &[&fixed(1, 0x40), &hc, &cc]);
        let ea = run(
            &mut smac,
            &[&[0u8; 16], &[0x84, 0x82, 0x33, 0x00, 0x10], &host[..8]],
        );
        let mut acc = usize::from(ch[0] ^ card[0] ^ ea[0]);
        if with_session_schedules {
            use aes::cipher::BlockEncrypt;
            let c = aes::Aes128::new_from_slice(&s_enc).unwrap();
            let r = <C as KeyInit>::new_from_slice(&s_rmac).unwrap();
            let mut b = aes::Block::default();
            c.encrypt_block(&mut b);
            acc += usize::from(b[0]) + usize::from(r.finalize().into_bytes()[0]);
        }
        acc
    }
}

fn probes(out: &mut Vec<Case>) {
    let k = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16]).unwrap();
    let kk = k.clone();
    out.push(case("probe", "derive", 0, move || {
        let s = SessionKeys::derive(&kk, &[7; 8], &[9; 8]).unwrap();
        usize::from(s.s_mac()[0])
    }));
    out.push(case("probe", "kdf", 0, move || {
        let mut o = [0u8; 16];
        scboot::scp03::kdf(black_box(&[0x41; 16]), 6, &[7; 16], &mut o).unwrap();
        usize::from(o[0])
    }));
    out.push(case("probe", "oneshot-cmac", 0, move || {
        use aes::cipher::KeyInit;
        use cmac::Mac;
        let mut m =
            <cmac::Cmac<aes::Aes128> as KeyInit>::new_from_slice(black_box(&[0x41; 16])).unwrap();
        m.update(&[0u8; 16]);
        m.update(&[7u8; 16]);
        usize::from(m.finalize().into_bytes()[0])
    }));
    let kk = k.clone();
    out.push(case("probe", "start", 0, move || {
        let mut buf = [0u8; 64];
        let (hs, n) = HostHandshake::start(&kk, &HostConfig::default(), &[7; 8], &mut buf).unwrap();
        n + hs.host_challenge().len()
    }));
}

/// [`raw_setup`] with a fresh `Cmac` per call, static keys included.
fn raw_setup_oneshot() -> impl FnMut() -> usize {
    use aes::cipher::KeyInit;
    use cmac::Mac;
    type C = cmac::Cmac<aes::Aes128>;
    fn one(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
        let mut m = <C as KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }
    let k_enc = [0x40u8; 16];
    let k_mac = [0x41u8; 16];
    let (hc, cc, seq) = ([7u8; 8], [9u8; 8], [0u8, 0, 1]);
    move || {
        let (k_enc, k_mac) = (black_box(&k_enc), black_box(&k_mac));
        let ch = one(k_enc, &[&fixed(2, 0x40), &seq, AID]);
        let s_enc = one(k_enc, &[&fixed(4, 0x80), &hc, &cc]);
        let s_mac = one(k_mac, &[&fixed(6, 0x80), &hc, &cc]);
        let s_rmac = one(k_mac, &[&fixed(7, 0x80), &hc, &cc]);
        let card = one(&s_mac, &[&fixed(0, 0x40), &hc, &cc]);
        let host = one(&s_mac, &[&fixed(1, 0x40), &hc, &cc]);
        let ea = one(
            &s_mac,
            &[&[0u8; 16], &[0x84, 0x82, 0x33, 0x00, 0x10], &host[..8]],
        );
        usize::from(ch[0] ^ card[0] ^ ea[0] ^ s_enc[0] ^ s_rmac[0])
    }
}

/// Every benchmark case.
pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    if std::env::var_os("SCBOOT_PROBES").is_some() {
        probes(&mut v);
    }
    parser_cases(&mut v);
    scaling_cases(&mut v);
    encoder_cases(&mut v);
    scp03_cases(&mut v);
    procedure_cases(&mut v);
    v
}

/// The region callgrind measures (`--toggle-collect=*measured_region*`):
/// `n` calls of the case.
#[inline(never)]
pub fn measured_region(c: &mut Case, n: usize) -> usize {
    let mut acc = 0usize;
    for _ in 0..n {
        acc = acc.wrapping_add((c.run)());
    }
    black_box(acc)
}
