//! The bodies of the fuzz targets, shared by the targets and the corpus
//! replay test. Each panics on a finding.

pub mod gen;
pub mod hostile;

use scboot::ber::{Concat, Encode};
use scboot_reference::mirror;

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut out).expect("a parsed value re-encodes");
    assert_eq!(n, out.len());
    // One byte short: refused, naming what it needs.
    if let Some(short) = n.checked_sub(1) {
        match v.encode(&mut vec![0u8; short]) {
            Err(scboot::EncodeError::BufferTooSmall { needed, available }) => {
                assert_eq!((needed, available), (n, short));
            }
            other => panic!("{short} bytes for {n}: {other:?}"),
        }
    }
    out
}

use scboot::ErrorKind;

/// Every error formats (the CLI prints them), with its parts.
fn show(e: &scboot::Error) {
    let s = e.to_string();
    assert!(s.contains("at offset"), "{s}");
    let _ = (
        format!("{e:?}"),
        e.structure().name(),
        e.index(),
        e.kind().to_string(),
    );
    // The component, where the error names one, is in the message.
    if let Some(f) = e.field() {
        assert!(s.contains(&f.to_string()), "{s}");
    }
}

/// The generic BER API over the same bytes: element, children, walker.
fn generic_ber(data: &[u8]) {
    match scboot::ber::Element::parse(data) {
        Ok((e, rest)) => {
            assert_eq!(e.encoded_len() + rest.len(), data.len());
            assert_eq!(e.value_offset(), e.header_len());
            let _ = (
                format!("{e:?} {}", e.tag()),
                e.tag().first_byte(),
                e.tag().class(),
            );
            // The identifier octets as a number are the first
            // `encoded_len` octets of the input, big-endian.
            let id = data[..e.tag().encoded_len()]
                .iter()
                .fold(0u32, |v, &b| (v << 8) | u32::from(b));
            assert_eq!(e.tag().identifier(), id);
            for c in e.children().take(64) {
                match c {
                    Ok(c) => {
                        let _ = (
                            c.integer().map_err(|e| show(&e)),
                            c.bit_string()
                                .map(|b| (b.len(), b.is_empty(), b.bit(3)))
                                .map_err(|e| show(&e)),
                            c.utf8().map_err(|e| show(&e)),
                        );
                        // The bounded readers: a bound at the value's
                        // length passes, one below it fails at the element.
                        let n = c.value().len();
                        assert_eq!(c.check_max(n), Ok(()));
                        assert_eq!(c.check_min(n), Ok(()));
                        if n > 0 {
                            let e = c.check_max(n - 1).unwrap_err();
                            assert_eq!((e.kind(), e.offset()), (ErrorKind::TooLong, c.offset()));
                        }
                        let e = c.check_min(n + 1).unwrap_err();
                        assert_eq!((e.kind(), e.offset()), (ErrorKind::TooShort, c.offset()));
                        assert_eq!(c.bounded_utf8(n), c.utf8());
                        if let (Ok(v), Ok(u)) = (c.integer(), c.unsigned(u32::MAX)) {
                            assert_eq!(i64::from(u), v);
                        }
                        match c.oid() {
                            Ok(o) => drop(format!("{o} {o:?}")),
                            Err(e) => show(&e),
                        }
                    }
                    Err(e) => show(&e),
                }
            }
        }
        Err(e) => show(&e),
    }
    if let Err(e) = scboot::ber::validate(data, scboot::ber::MAX_DEPTH) {
        show(&e);
    }
    for e in scboot::ber::Elements::new(data).take(64).flatten() {
        let _ = e.tag().is_encodable();
    }
    // A tag built from parts: the number kept (at most 2^24 - 1), the
    // class and constructed bit intact; an encodable one reads back.
    if let [a, b, c, d, ..] = *data {
        use scboot::ber::{Tag, TagClass};
        let number = u32::from_be_bytes([a, b, c, d]);
        let class = [
            TagClass::Universal,
            TagClass::Application,
            TagClass::ContextSpecific,
            TagClass::Private,
        ][usize::from(a >> 6)];
        let constructed = a & 0x20 != 0;
        let t = Tag::new(class, constructed, number);
        assert_eq!(
            (t.class(), t.is_constructed(), t.number()),
            (class, constructed, number.min(0x00FF_FFFF))
        );
        assert_eq!(t.is_encodable(), number < 1 << 21);
        assert_eq!(
            Tag::application(number, constructed).class(),
            TagClass::Application
        );
        if t.is_encodable() {
            let (octets, n) = t.to_bytes();
            let mut enc = octets[..n].to_vec();
            enc.push(0);
            let (e, _) = scboot::ber::Element::parse(&enc).expect("an encodable tag parses");
            assert_eq!(e.tag(), t);
        }
    }
}

/// EF.DIR: parse, walk, re-encode each template, re-parse.
pub fn parse_dir(data: &[u8]) {
    match scboot::dir::EfDir::parse(data) {
        Ok(d) => {
            let ts: Vec<_> = d.templates().collect();
            assert_eq!(ts.len(), d.len());
            let again = encode(&Concat(&ts));
            let d2 = scboot::dir::EfDir::parse(&again).expect("re-encoded EF.DIR parses");
            assert!(d2.templates().eq(ts.iter().copied()));
            // The cached PKCS#15 template is the first with that AID, as
            // `find` gives the first template of any AID.
            assert_eq!(d.pkcs15(), ts.iter().copied().find(|t| t.is_pkcs15()));
            for t in &ts {
                assert_eq!(d.find(t.aid), ts.iter().copied().find(|u| u.aid == t.aid));
            }
            let _ = (
                d.is_empty(),
                format!("{d:?}"),
                ts.iter().map(|t| (t.is_pkcs15(), format!("{t:?}"))).count(),
            );
        }
        Err(e) => show(&e),
    }
    if let Err(e) = scboot::dir::ApplicationTemplate::parse_record(data) {
        show(&e);
    }
    // The encoder takes an AID of 5 to 16 bytes (ISO/IEC 7816-4 8.2.1.2)
    // and nothing else.
    let aid = &data[..data.len().min(20)];
    let mut out = [0u8; 64];
    match scboot::dir::ApplicationTemplate::new(aid).encode(&mut out) {
        Ok(_) => assert!((5..=16).contains(&aid.len())),
        Err(e) => {
            assert!(!(5..=16).contains(&aid.len()), "{e}");
            assert_eq!(e.to_string(), "cannot encode: AID must be 5..=16 bytes");
        }
    }
    generic_ber(data);
}

/// ODF.
pub fn parse_odf(data: &[u8]) {
    match scboot::odf::Odf::parse(data) {
        Ok(o) => {
            let es: Vec<_> = o.entries().collect();
            assert_eq!(es.len(), o.len());
            let again = encode(&Concat(&es));
            assert!(scboot::odf::Odf::parse(&again)
                .expect("re-encoded ODF parses")
                .entries()
                .eq(es.iter().copied()));
            // The cached DODF paths are the dataObjects paths of the entries.
            assert!(o.data_object_paths().eq(es.iter().filter_map(|e| {
                match (e.class, e.location) {
                    (scboot::odf::ObjectClass::DataObjects, scboot::odf::OdfLocation::Path(p)) => {
                        Some(p)
                    }
                    _ => None,
                }
            })));
            let _ = (
                o.is_empty(),
                format!("{o:?}"),
                es.iter()
                    .map(|e| (e.class.name(), format!("{e:?}")))
                    .count(),
            );
        }
        Err(e) => show(&e),
    }
    match scboot::path::Path::parse(data) {
        Ok(p) => {
            let again = encode(&p);
            assert_eq!(
                scboot::path::Path::parse(&again).expect("re-encoded Path parses"),
                p
            );
        }
        Err(e) => show(&e),
    }
}

/// DODF with the finder.
pub fn parse_dodf(data: &[u8]) {
    match scboot::dodf::Dodf::parse(data) {
        Ok(d) => {
            let es: Vec<_> = d.entries().collect();
            assert_eq!(es.len(), d.len());
            let again = encode(&Concat(&es));
            let d2 = scboot::dodf::Dodf::parse(&again).expect("re-encoded DODF parses");
            assert!(d2.entries().eq(es.iter().copied()));
            let found = d.find_lwm2m_bootstrap();
            let first = es.iter().position(|o| o.bootstrap_rule().is_some());
            assert_eq!(found.map(|m| m.entry), first);
            assert_eq!(found.map(|m| m.object), first.map(|i| es[i]));
            if let Some(m) = found {
                let _ = (m.rule.name(), format!("{m:?}"));
            }
            for o in &es {
                let f = o.common.flags.unwrap_or_default();
                let _ = (
                    f.private(),
                    f.modifiable(),
                    o.kind.name(),
                    o.value.path(),
                    format!("{o:?}"),
                );
            }
            let _ = (d.is_empty(), format!("{d:?}"));
        }
        Err(e) => show(&e),
    }
}

/// The key directory classes, by the first input byte.
fn key_class(b: u8) -> scboot::keys::KeyClass {
    use scboot::keys::KeyClass;
    [KeyClass::Private, KeyClass::Public, KeyClass::Secret][usize::from(b % 3)]
}

/// Key directories (PrKDF, PuKDF, SKDF by the first byte): parse, walk,
/// re-encode each entry, re-parse: the same keys.
pub fn parse_keys(data: &[u8]) {
    let Some((&c, data)) = data.split_first() else {
        return;
    };
    let class = key_class(c);
    match scboot::keys::KeyDirectory::parse(data, class) {
        Ok(d) => {
            let es: Vec<_> = d.entries().collect();
            assert_eq!(es.len(), d.len());
            let again = encode(&Concat(&es));
            let d2 = scboot::keys::KeyDirectory::parse(&again, class)
                .expect("re-encoded key directory parses");
            // Extensions after a key's value are not re-encoded: compare
            // what the parser reads.
            type View<'a> = (
                scboot::keys::KeyType,
                scboot::dodf::CommonObjectAttributes<'a>,
                scboot::keys::CommonKeyAttributes<'a>,
                Option<&'a [u8]>,
                Option<scboot::dodf::ObjectValue<'a>>,
                Option<u32>,
                Option<u32>,
            );
            fn view<'a>(k: &scboot::keys::KeyObject<'a>) -> View<'a> {
                (
                    k.key_type,
                    k.common,
                    k.key,
                    k.sub_class,
                    k.value,
                    k.field_size,
                    k.key_len,
                )
            }
            assert!(d2.entries().map(|k| view(&k)).eq(es.iter().map(view)));
            for k in &es {
                if let Some(l) = k.common.label {
                    assert!(d.find_label(l).is_some());
                }
                assert!(d.find_id(k.key.id).is_some());
                let _ = (k.path(), k.needs_pin(), k.class.name(), format!("{k:?}"));
                // A public key held in the directory itself: the point
                // reader takes it (an error names the form it refuses), and
                // what it returns is the 65-byte uncompressed point.
                if let Some(scboot::dodf::ObjectValue::Direct(v)) = k.value {
                    match scboot::keys::ec_point(v) {
                        Ok(p) => assert!(p.len() == 65 && p[0] == 0x04, "{p:02x?}"),
                        Err(e) => show(&e),
                    }
                }
            }
            let _ = (d.is_empty(), d.class().odf_class(), format!("{d:?}"));
        }
        Err(e) => show(&e),
    }
}

/// TokenInfo.
pub fn parse_tokeninfo(data: &[u8]) {
    match scboot::tokeninfo::TokenInfo::parse(data) {
        Ok(t) => {
            let again = encode(&t);
            assert_eq!(
                scboot::tokeninfo::TokenInfo::parse(&again).expect("re-encoded TokenInfo parses"),
                t
            );
        }
        Err(e) => show(&e),
    }
}

fn walk(records: scboot::tlv::Records<'_>, depth: usize) -> usize {
    records
        .map(|r| {
            assert!(depth < 3, "a TLV record nested beyond 3 levels");
            assert_eq!(r.value_offset(), r.offset() + r.header_len());
            let _ = format!("{r:?}");
            let _ = (
                r.as_integer(),
                r.as_unsigned(),
                r.as_float(),
                r.as_bool(),
                r.as_str(),
                r.as_objlnk(),
            );
            if let Err(e) = scboot::lwm2m::SecurityInstance::from_record(&r) {
                show(&e);
            }
            if let Err(e) = scboot::lwm2m::ServerInstance::from_record(&r) {
                show(&e);
            }
            1 + walk(r.children(), depth + 1)
        })
        .sum()
}

/// The bootstrap file.
pub fn parse_bootstrap(data: &[u8]) {
    match scboot::bootstrap::BootstrapFile::parse(data) {
        Ok(f) => {
            let objs: Vec<_> = f.objects().map(|o| o.data()).collect();
            assert_eq!(objs.len(), usize::from(f.object_count()));
            for o in f.objects() {
                walk(o.instances(), 0);
                let _ = (
                    o.offset(),
                    o.version.to_string(),
                    o.version.major_minor(),
                    o.tlv().offset(),
                    format!("{o:?}"),
                );
            }
            let _ = (f.size(), f.object_bytes().len(), format!("{f:?}"));
            let again = encode(&scboot::bootstrap::BootstrapData { objects: &objs });
            let f2 = scboot::bootstrap::BootstrapFile::parse(&again)
                .expect("re-encoded bootstrap file parses");
            assert!(f2.objects().map(|o| o.data()).eq(objs.iter().copied()));
        }
        Err(e) => show(&e),
    }
}

/// Bare TLV.
pub fn parse_tlv(data: &[u8]) {
    match scboot::tlv::Tlv::parse(data) {
        Ok(t) => {
            walk(t.records(), 0);
            let _ = (t.offset(), t.as_bytes().len(), format!("{t:?}"));
            let items: Vec<_> = t.records().map(|r| r.to_item()).collect();
            let again = encode(&Concat(&items));
            assert!(again.len() <= data.len(), "minimal headers never grow");
            let t2 = scboot::tlv::Tlv::parse(&again).expect("re-encoded TLV parses");
            assert_eq!(
                gen::shape(&mirror::tlv_tree(t2.records())),
                gen::shape(&mirror::tlv_tree(t.records()))
            );
        }
        Err(e) => show(&e),
    }
}

fn check(r: Result<(), String>) {
    if let Err(e) = r {
        panic!("divergence: {e}");
    }
}

/// Kernel vs model: EF.DIR (file and record).
pub fn diff_dir(data: &[u8]) {
    check(mirror::compare(
        "EF.DIR",
        mirror::dir(data),
        scboot_reference::dir::parse(data),
    ));
    check(mirror::compare(
        "EF.DIR record",
        mirror::dir_record(data),
        scboot_reference::dir::parse_record(data),
    ));
}

/// Kernel vs model: ODF.
pub fn diff_odf(data: &[u8]) {
    check(mirror::compare(
        "ODF",
        mirror::odf(data),
        scboot_reference::odf::parse(data),
    ));
}

/// Kernel vs model: DODF and the finder.
pub fn diff_dodf(data: &[u8]) {
    check(mirror::compare(
        "DODF",
        mirror::dodf(data),
        mirror::model_dodf(data),
    ));
}

/// Kernel vs model: key directories (the class by the first byte).
pub fn diff_keys(data: &[u8]) {
    use scboot_reference::keys::RefKeyClass;
    let Some((&c, data)) = data.split_first() else {
        return;
    };
    let class = [
        RefKeyClass::Private,
        RefKeyClass::Public,
        RefKeyClass::Secret,
    ][usize::from(c % 3)];
    check(mirror::compare(
        "key directory",
        mirror::keys(data, class),
        scboot_reference::keys::parse(data, class),
    ));
}

/// Kernel vs model: TokenInfo.
pub fn diff_tokeninfo(data: &[u8]) {
    check(mirror::compare(
        "TokenInfo",
        mirror::tokeninfo(data),
        scboot_reference::tokeninfo::parse(data),
    ));
    // TokenFlags ::= BIT STRING {readonly(0), loginRequired(1),
    // prn-generation(2), eidCompliant(3)} (PKCS#15 6.9).
    if let (Ok(k), Ok(m)) = (
        scboot::tokeninfo::TokenInfo::parse(data),
        scboot_reference::tokeninfo::parse(data),
    ) {
        let f = k.token_flags;
        let named = [
            f.readonly(),
            f.login_required(),
            f.prn_generation(),
            f.eid_compliant(),
        ];
        for (bit, set) in named.into_iter().enumerate() {
            assert_eq!(set, m.token_flags >> bit & 1 == 1, "flag {bit}");
        }
    }
}

/// Kernel vs model: bootstrap file, then accessors and typed views of its records.
pub fn diff_bootstrap(data: &[u8]) {
    check(mirror::compare(
        "bootstrap",
        mirror::bootstrap(data),
        scboot_reference::bootstrap::parse(data),
    ));
    if let (Ok(k), Ok(m)) = (
        scboot::bootstrap::BootstrapFile::parse(data),
        scboot_reference::bootstrap::parse(data),
    ) {
        for (ko, mo) in k.objects().zip(&m) {
            for (ki, mi) in ko.instances().zip(&mo.instances) {
                check(mirror::compare_typed(&ki, mi));
            }
        }
        accounts_agree(&k, &m);
    }
}

/// The kernel's accounts against a plain model of the pairing: one account
/// per Security instance, in file order, with the first Server instance
/// (in file order) whose resource 0 is that Short Server ID.
fn accounts_agree(
    k: &scboot::bootstrap::BootstrapFile<'_>,
    m: &[scboot_reference::bootstrap::RefObject],
) {
    use scboot_reference::tlv::RefTlv;
    let of = |id: u16| -> Vec<&RefTlv> {
        m.iter()
            .filter(|o| o.object_id == id)
            .flat_map(|o| &o.instances)
            .collect()
    };
    let (securities, servers) = (of(0), of(1));
    let ssid = |r: &RefTlv| -> Option<u16> {
        let x = scboot_reference::tlv::integer(r.children.iter().find(|c| c.id == 0)?).ok()?;
        u16::try_from(x).ok().filter(|s| (1..=65534).contains(s))
    };
    let got: Vec<_> = scboot::lwm2m::accounts(k).collect();
    assert_eq!(
        got.len(),
        securities.len(),
        "one account per Security instance"
    );
    for (a, sec) in got.iter().zip(&securities) {
        let Ok(a) = a else {
            continue;
        };
        assert_eq!(a.security.instance_id(), sec.id);
        let want = a
            .security
            .short_server_id
            .and_then(|s| servers.iter().find(|r| ssid(r) == Some(s)));
        assert_eq!(
            a.server.map(|s| s.instance_id()),
            want.map(|r| r.id),
            "{a:?}"
        );
        let _ = (
            a.security.security_mode.map(|mode| mode.name()),
            format!("{a:?}"),
        );
    }
}

/// Kernel vs model: TLV, accessors, typed views.
pub fn diff_tlv(data: &[u8]) {
    check(mirror::compare(
        "TLV",
        mirror::tlv(data),
        scboot_reference::tlv::parse(data),
    ));
    check(mirror::compare_accessors(data));
}

/// The procedure driven step by step, as a client that logs every exchange
/// does (`scboot bootstrap -v`), with the outcome `run` gives. On the way:
///
/// * `apdus()` counts every APDU handed out;
/// * the log view of a command sent in the clear is the bytes sent (a
///   continuation shows none); one sent under the secure channel is never
///   shorter than its plain form, and an encrypted one carries a C-MAC;
/// * after a protected response the secure channel refused, no response is
///   shown: nothing unverified reaches the log;
/// * a completed file lies in the workspace, and on success the bootstrap
///   file handed out is the one the last bootstrap read completed;
/// * after an error, `next` keeps returning it (a sticky failure; a command
///   buffer too small is the caller's to retry, not a failure);
/// * the PIN step formats and names its entry's authId.
pub fn run_by_hand<'w, C: scboot::procedure::Card>(
    card: &mut C,
    keys: &scboot::scp03::StaticKeys,
    cfg: scboot::procedure::Config,
    workspace: &'w mut [u8],
    pin: Option<(u8, &[u8])>,
) -> Result<scboot::procedure::Bootstrap<'w>, scboot::procedure::RunError<C::Error>> {
    use scboot::procedure::{FileKind, Procedure, ProcedureError, RunError, Step};
    let capacity = workspace.len();
    let mut p = Procedure::new(keys, cfg, workspace);
    let (mut cmd, mut resp) = ([0u8; 300], [0u8; 1100]);
    let mut sent = 0u32;
    let mut last_bootstrap: Option<Vec<u8>> = None;
    let failure = loop {
        let _ = format!("{p:?}");
        let step = match p.next(&mut cmd) {
            Ok(step) => step,
            Err(e) => break RunError::Procedure(e),
        };
        match step {
            Step::Transmit(n) => {
                sent += 1;
                assert_eq!(p.apdus(), sent);
                let view = p.last_command();
                let protected = view.protected;
                if !protected && !view.plain.is_empty() {
                    assert_eq!(view.plain, &cmd[..n], "{:?}", view.step);
                }
                // Under the channel a command is never shorter than its plain
                // form (at the authentication-only level it is the same); an
                // encrypted one carries a C-MAC of 8 bytes at least.
                if protected {
                    assert!(n >= view.plain.len(), "{:?}: shorter", view.step);
                }
                if view.encrypted {
                    assert!(n >= view.plain.len() + 8, "{:?}: no C-MAC", view.step);
                }
                let _ = view.step.name();
                let m = match card.transmit(&cmd[..n], &mut resp) {
                    Ok(m) => m.min(resp.len()),
                    Err(e) => break RunError::Card(e),
                };
                // Every other response reaches the procedure as a firmware's
                // transport hands it over: written into the procedure's own
                // buffer (`response_buffer`, `on_response_written`). One too
                // long for that buffer is reported with its length only, as
                // a transport that overran its room would.
                let handed = if sent & 1 == 0 {
                    let room = p.response_buffer();
                    if let Some(dst) = room.get_mut(..m) {
                        dst.copy_from_slice(&resp[..m]);
                    }
                    p.on_response_written(m)
                } else {
                    p.on_response(&resp[..m])
                };
                if let Err(e) = handed {
                    if protected && matches!(e, ProcedureError::SecureChannel { .. }) {
                        assert!(p.last_response().is_none(), "unverified response shown");
                    }
                    break RunError::Procedure(e);
                }
                if let Some(r) = p.last_response() {
                    let _ = (r.step, r.data.len(), r.encrypted);
                    let sw = u16::from(r.sw);
                    assert_eq!(r.sw.to_string(), format!("{sw:04X}"));
                    assert_eq!(format!("{:X}", r.sw), format!("{sw:X}"));
                }
                if let Some(f) = p.file() {
                    assert!(f.bytes.len() <= capacity);
                    let _ = (f.kind, f.path.len());
                    if f.kind == FileKind::Bootstrap {
                        last_bootstrap = Some(f.bytes.to_vec());
                    }
                }
            }
            Step::NeedPin(request) => {
                let _ = (format!("{request:?}"), request.auth_id().len());
                let outcome = match pin {
                    Some((reference, value)) => request.supply(reference, value),
                    None => Err(request.decline()),
                };
                if let Err(e) = outcome {
                    break RunError::Procedure(e);
                }
            }
            Step::Done => {
                let b = p.finish().map_err(RunError::Procedure)?;
                let read = last_bootstrap.expect("a bootstrap without its file read");
                assert!(read.starts_with(b.file.as_bytes()), "not the file read");
                // The provenance's paths print as the hex of their bytes.
                let pv = &b.provenance;
                for path in [pv.aid, pv.application_path, pv.dodf_path, pv.file_path] {
                    let hex = scboot_card::to_hex(path.as_ref());
                    assert_eq!(format!("{path:?}"), hex);
                    assert_eq!(path.is_empty(), hex.is_empty());
                }
                return Ok(b);
            }
            // `Step` may grow (it is non-exhaustive): a step this client
            // does not know ends the run, as `run` would not go on either.
            _ => panic!("a step the procedure does not document"),
        }
    };
    if let RunError::Procedure(e) = failure {
        if e != ProcedureError::BufferTooSmall {
            assert_eq!(p.next(&mut cmd).err(), Some(e), "the failure did not stick");
        }
    }
    Err(failure)
}
