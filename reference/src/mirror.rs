//! The kernel's results as this model's owned types, and the comparison the
//! differential tests and fuzz targets make: the same value, or errors of the
//! same class at the same offset. This module converts; it models nothing.

use std::collections::BTreeMap;
use std::fmt::Debug;

use crate::ber::RefPath;
use crate::bootstrap::RefObject;
use crate::dir::RefTemplate;
use crate::dodf::{RefDataObject, RefValue};
use crate::error::RefResult;
use crate::keys::{RefKey, RefKeyClass};
use crate::odf::{RefLocation, RefOdfEntry};
use crate::tlv::{RefResource, RefTlv};
use crate::tokeninfo::{RefLastUpdate, RefTokenInfo};

/// A kernel outcome: the value, or `(class, offset)`.
pub type Outcome<T> = Result<T, (String, usize)>;

/// The class of a kernel error: its kind's variant name.
pub fn class(e: &scboot::Error) -> (String, usize) {
    let d = format!("{:?}", e.kind());
    let name: String = d
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (name, e.offset())
}

/// Compare a kernel outcome with the model's; `Err` describes the divergence.
pub fn compare<T: PartialEq + Debug>(
    what: &str,
    kernel: Outcome<T>,
    model: RefResult<T>,
) -> Result<(), String> {
    match (kernel, model) {
        (Ok(k), Ok(m)) if k == m => Ok(()),
        (Err((kc, ko)), Err(m)) if kc == m.class && ko == m.offset => Ok(()),
        (k, m) => Err(format!("{what}: kernel {k:?}\n  model {m:?}")),
    }
}

fn path(p: scboot::path::Path<'_>) -> RefPath {
    RefPath {
        path: p.path.to_vec(),
        index_length: p.index_length.map(|il| (il.index, il.length)),
    }
}

fn template(t: scboot::dir::ApplicationTemplate<'_>) -> RefTemplate {
    RefTemplate {
        aid: t.aid.to_vec(),
        label: t.label.map(String::from),
        path: t.path.map(<[u8]>::to_vec),
        discretionary: t.discretionary.map(<[u8]>::to_vec),
    }
}

/// EF.DIR through the kernel.
pub fn dir(b: &[u8]) -> Outcome<Vec<RefTemplate>> {
    let d = scboot::dir::EfDir::parse(b).map_err(|e| class(&e))?;
    Ok(d.templates().map(template).collect())
}

/// One EF.DIR record through the kernel.
pub fn dir_record(b: &[u8]) -> Outcome<Option<RefTemplate>> {
    scboot::dir::ApplicationTemplate::parse_record(b)
        .map(|t| t.map(template))
        .map_err(|e| class(&e))
}

/// ODF through the kernel.
pub fn odf(b: &[u8]) -> Outcome<Vec<RefOdfEntry>> {
    let o = scboot::odf::Odf::parse(b).map_err(|e| class(&e))?;
    Ok(o.entries()
        .map(|e| RefOdfEntry {
            class: e.class.tag_number(),
            location: match e.location {
                scboot::odf::OdfLocation::Path(p) => RefLocation::Path(path(p)),
                scboot::odf::OdfLocation::Direct(d) => RefLocation::Direct(d.to_vec()),
            },
        })
        .collect())
}

/// A kernel variant the model does not know yet (the kernel's enums are
/// `#[non_exhaustive]`): the model must learn it before they can agree.
fn unknown<T: core::fmt::Debug, R>(what: &str, v: T) -> R {
    panic!("the model does not know {what} {v:?}: teach it")
}

fn data_object(o: &scboot::dodf::DataObject<'_>) -> RefDataObject {
    use scboot::dodf::DataObjectKind;
    RefDataObject {
        kind: match o.kind {
            DataObjectKind::Opaque => 0,
            DataObjectKind::External => 1,
            DataObjectKind::Oid(_) => 2,
            k => unknown("DataObjectKind", k),
        },
        id: match o.kind {
            DataObjectKind::Oid(id) => Some(id.as_bytes().to_vec()),
            _ => None,
        },
        label: o.common.label.map(String::from),
        flags: o.common.flags.map(|f| f.0),
        auth_id: o.common.auth_id.map(<[u8]>::to_vec),
        user_consent: o.common.user_consent,
        access_control_rules: o.common.access_control_rules.map(<[u8]>::to_vec),
        application_name: o.data.application_name.map(String::from),
        application_oid: o.data.application_oid.map(|x| x.as_bytes().to_vec()),
        sub_class: o.sub_class.map(<[u8]>::to_vec),
        value: value(o.value),
    }
}

fn value(v: scboot::dodf::ObjectValue<'_>) -> RefValue {
    use scboot::dodf::ObjectValue;
    match v {
        ObjectValue::Path(p) => RefValue::Path(path(p)),
        ObjectValue::Url(u) => RefValue::Url(u.to_string()),
        ObjectValue::UrlWithDigest(d) => RefValue::UrlWithDigest(d.to_vec()),
        ObjectValue::Direct(d) => RefValue::Direct(d.to_vec()),
        v => unknown("ObjectValue", v),
    }
}

/// The kernel's class for the model's.
pub fn key_class(c: RefKeyClass) -> scboot::keys::KeyClass {
    match c {
        RefKeyClass::Private => scboot::keys::KeyClass::Private,
        RefKeyClass::Public => scboot::keys::KeyClass::Public,
        RefKeyClass::Secret => scboot::keys::KeyClass::Secret,
    }
}

/// A kernel key entry as the model's.
pub fn key_object(k: &scboot::keys::KeyObject<'_>) -> RefKey {
    use scboot::keys::KeyType;
    RefKey {
        kind: match k.key_type {
            KeyType::Rsa => 0,
            KeyType::Ec => 1,
            KeyType::GenericSecret => 2,
            KeyType::Other(n) => 100 + n,
            t => unknown("KeyType", t),
        },
        label: k.common.label.map(String::from),
        flags: k.common.flags.map(|f| f.0),
        auth_id: k.common.auth_id.map(<[u8]>::to_vec),
        id: k.key.id.to_vec(),
        usage: k.key.usage.0,
        native: k.key.native,
        access: k.key.access.map(|a| a.0),
        key_reference: k.key.key_reference,
        sub_class: k.sub_class.map(<[u8]>::to_vec),
        value: k.value.map(value),
        field_size: k.field_size,
        key_len: k.key_len,
    }
}

/// A key directory through the kernel.
pub fn keys(b: &[u8], c: RefKeyClass) -> Outcome<Vec<RefKey>> {
    let d = scboot::keys::KeyDirectory::parse(b, key_class(c)).map_err(|e| class(&e))?;
    Ok(d.entries().map(|k| key_object(&k)).collect())
}

/// A DODF's entries and the finder's `(entry, rule)`.
pub type DodfView = (Vec<RefDataObject>, Option<(usize, u8)>);

/// DODF through the kernel, with the finder's answer.
pub fn dodf(b: &[u8]) -> Outcome<DodfView> {
    use scboot::dodf::BootstrapRule;
    let d = scboot::dodf::Dodf::parse(b).map_err(|e| class(&e))?;
    let entries = d.entries().map(|o| data_object(&o)).collect();
    let found = d.find_lwm2m_bootstrap().map(|m| {
        let rule = match m.rule {
            BootstrapRule::RegisteredOid => 1,
            BootstrapRule::DoubleEncodedOid => 2,
            BootstrapRule::OpaqueApplicationOid => 3,
            r => unknown("BootstrapRule", r),
        };
        (m.entry, rule)
    });
    Ok((entries, found))
}

/// DODF through the model, with the finder's answer.
pub fn model_dodf(b: &[u8]) -> RefResult<DodfView> {
    let e = crate::dodf::parse(b)?;
    let f = crate::dodf::find_bootstrap(&e);
    Ok((e, f))
}

/// TokenInfo through the kernel.
pub fn tokeninfo(b: &[u8]) -> Outcome<RefTokenInfo> {
    use scboot::tokeninfo::LastUpdate;
    let t = scboot::tokeninfo::TokenInfo::parse(b).map_err(|e| class(&e))?;
    let s = |x: Option<&str>| x.map(String::from);
    let v = |x: Option<&[u8]>| x.map(<[u8]>::to_vec);
    Ok(RefTokenInfo {
        version: t.version,
        serial_number: t.serial_number.to_vec(),
        manufacturer_id: s(t.manufacturer_id),
        label: s(t.label),
        token_flags: t.token_flags.0,
        se_info: v(t.se_info),
        record_info: v(t.record_info),
        supported_algorithms: v(t.supported_algorithms),
        issuer_id: s(t.issuer_id),
        holder_id: s(t.holder_id),
        last_update: t.last_update.map(|l| match l {
            LastUpdate::Time(x) => RefLastUpdate::Time(x.to_string()),
            LastUpdate::Referenced(r) => RefLastUpdate::Referenced(r.to_vec()),
            l => unknown("LastUpdate", l),
        }),
        preferred_language: s(t.preferred_language),
    })
}

/// Kernel TLV records as the model's tree.
pub fn tlv_tree(records: scboot::tlv::Records<'_>) -> Vec<RefTlv> {
    records
        .map(|r| RefTlv {
            kind: r.kind() as u8,
            id: r.id(),
            offset: r.offset(),
            value: r.value().to_vec(),
            value_offset: r.value_offset(),
            children: if r.kind().is_container() {
                tlv_tree(r.children())
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// TLV through the kernel.
pub fn tlv(b: &[u8]) -> Outcome<Vec<RefTlv>> {
    let t = scboot::tlv::Tlv::parse(b).map_err(|e| class(&e))?;
    Ok(tlv_tree(t.records()))
}

/// The bootstrap file through the kernel.
pub fn bootstrap(b: &[u8]) -> Outcome<Vec<RefObject>> {
    use scboot::bootstrap::ObjectVersion;
    let f = scboot::bootstrap::BootstrapFile::parse(b).map_err(|e| class(&e))?;
    Ok(f.objects()
        .map(|o| RefObject {
            object_id: o.object_id,
            version: match o.version {
                ObjectVersion::Implicit => None,
                ObjectVersion::Explicit { major, minor } => Some((major, minor)),
            },
            tlv: o.tlv().as_bytes().to_vec(),
            instances: tlv_tree(o.instances()),
        })
        .collect())
}

/// The typed value accessors of every leaf, kernel side: `(offset, outcomes)`.
pub type Accessors = (
    Outcome<i64>,
    Outcome<u64>,
    Outcome<u64>,
    Outcome<bool>,
    Outcome<String>,
    Outcome<(u16, u16)>,
);

/// Kernel accessors of one record (float compared by bits).
pub fn accessors(r: &scboot::tlv::TlvRecord<'_>) -> Accessors {
    let c = |e: scboot::Error| class(&e);
    (
        r.as_integer().map_err(c),
        r.as_unsigned().map_err(c),
        r.as_float().map(f64::to_bits).map_err(c),
        r.as_bool().map_err(c),
        r.as_str().map(String::from).map_err(c),
        r.as_objlnk()
            .map(|l| (l.object_id, l.instance_id))
            .map_err(c),
    )
}

/// Compare kernel and model accessors on every record of `b` (which both accept).
pub fn compare_accessors(b: &[u8]) -> Result<(), String> {
    let Ok(t) = scboot::tlv::Tlv::parse(b) else {
        return Ok(());
    };
    let Ok(m) = crate::tlv::parse(b) else {
        return Err("model rejects TLV the kernel accepts".into());
    };
    fn walk(k: scboot::tlv::Records<'_>, m: &[RefTlv]) -> Result<(), String> {
        for (kr, mr) in k.zip(m) {
            let (i, u, f, bo, s, l) = accessors(&kr);
            compare("integer", i, crate::tlv::integer(mr))?;
            compare("unsigned", u, crate::tlv::unsigned(mr))?;
            compare("float", f, crate::tlv::float(mr).map(f64::to_bits))?;
            compare("boolean", bo, crate::tlv::boolean(mr))?;
            compare("string", s, crate::tlv::string(mr))?;
            compare("objlnk", l, crate::tlv::objlnk(mr))?;
            compare_typed(&kr, mr)?;
            walk(kr.children(), &mr.children)?;
        }
        Ok(())
    }
    walk(t.records(), &m)
}

/// Kernel Security/Server typed views as resource maps.
pub fn compare_typed(k: &scboot::tlv::TlvRecord<'_>, m: &RefTlv) -> Result<(), String> {
    use scboot::lwm2m::{SecurityInstance, ServerInstance};
    type Map = BTreeMap<u16, RefResource>;
    fn put<T>(map: &mut Map, id: u16, v: Option<T>, f: impl Fn(T) -> RefResource) {
        if let Some(v) = v {
            map.insert(id, f(v));
        }
    }
    let sec: Outcome<Map> = SecurityInstance::from_record(k)
        .map_err(|e| class(&e))
        .map(|s| {
            let mut m = Map::new();
            put(&mut m, 0, s.server_uri, |x| RefResource::Str(x.into()));
            put(&mut m, 1, s.bootstrap_server, RefResource::Bool);
            put(&mut m, 2, s.security_mode, |x| RefResource::Int(x.value()));
            put(&mut m, 3, s.public_key_or_identity, |x| {
                RefResource::Opaque(x.to_vec())
            });
            put(&mut m, 4, s.server_public_key, |x| {
                RefResource::Opaque(x.to_vec())
            });
            put(&mut m, 5, s.secret_key, |x| RefResource::Opaque(x.to_vec()));
            put(&mut m, 6, s.sms_security_mode, RefResource::Int);
            put(&mut m, 7, s.sms_binding_key_parameters, |x| {
                RefResource::Opaque(x.to_vec())
            });
            put(&mut m, 8, s.sms_binding_secret_keys, |x| {
                RefResource::Opaque(x.to_vec())
            });
            put(&mut m, 9, s.server_sms_number, |x| {
                RefResource::Str(x.into())
            });
            put(&mut m, 10, s.short_server_id, |x| {
                RefResource::Int(i64::from(x))
            });
            put(&mut m, 11, s.client_hold_off_time, RefResource::Int);
            put(
                &mut m,
                12,
                s.bootstrap_server_account_timeout,
                RefResource::Int,
            );
            put(&mut m, 13, s.matching_type, RefResource::Int);
            put(&mut m, 14, s.sni, |x| RefResource::Str(x.into()));
            put(&mut m, 15, s.certificate_usage, RefResource::Int);
            put(&mut m, 16, s.ciphersuites, |r| {
                RefResource::Ints(
                    r.children()
                        .map(|c| c.as_integer().unwrap_or(i64::MIN))
                        .collect(),
                )
            });
            put(&mut m, 17, s.oscore_security_mode, |l| {
                RefResource::Link(l.object_id, l.instance_id)
            });
            m
        });
    compare("security view", sec, crate::tlv::security(m))?;
    let srv: Outcome<Map> = ServerInstance::from_record(k)
        .map_err(|e| class(&e))
        .map(|s| {
            let mut m = Map::new();
            put(&mut m, 0, s.short_server_id, |x| {
                RefResource::Int(i64::from(x))
            });
            put(&mut m, 1, s.lifetime, RefResource::Int);
            put(&mut m, 2, s.default_min_period, RefResource::Int);
            put(&mut m, 3, s.default_max_period, RefResource::Int);
            put(&mut m, 5, s.disable_timeout, RefResource::Int);
            put(&mut m, 6, s.notification_storing, RefResource::Bool);
            put(&mut m, 7, s.binding, |x| RefResource::Str(x.into()));
            put(&mut m, 10, s.apn_link, |l| {
                RefResource::Link(l.object_id, l.instance_id)
            });
            put(&mut m, 11, s.tls_dtls_alert_code, RefResource::Int);
            put(&mut m, 12, s.last_bootstrapped, RefResource::Int);
            put(&mut m, 13, s.registration_priority_order, RefResource::Int);
            put(
                &mut m,
                14,
                s.initial_registration_delay_timer,
                RefResource::Int,
            );
            put(&mut m, 15, s.registration_failure_block, RefResource::Bool);
            put(
                &mut m,
                16,
                s.bootstrap_on_registration_failure,
                RefResource::Bool,
            );
            put(&mut m, 17, s.communication_retry_count, RefResource::Int);
            put(&mut m, 18, s.communication_retry_timer, RefResource::Int);
            put(
                &mut m,
                19,
                s.communication_sequence_delay_timer,
                RefResource::Int,
            );
            put(
                &mut m,
                20,
                s.communication_sequence_retry_count,
                RefResource::Int,
            );
            put(&mut m, 21, s.trigger, RefResource::Bool);
            put(&mut m, 22, s.preferred_transport, |x| {
                RefResource::Str(x.into())
            });
            put(&mut m, 23, s.mute_send, RefResource::Bool);
            m
        });
    compare("server view", srv, crate::tlv::server(m))
}

/// Every parser, kernel against model, on the same bytes.
pub fn compare_all(b: &[u8]) -> Result<(), String> {
    compare("EF.DIR", dir(b), crate::dir::parse(b))?;
    compare("EF.DIR record", dir_record(b), crate::dir::parse_record(b))?;
    compare("ODF", odf(b), crate::odf::parse(b))?;
    compare("DODF", dodf(b), model_dodf(b))?;
    compare("TokenInfo", tokeninfo(b), crate::tokeninfo::parse(b))?;
    compare("bootstrap", bootstrap(b), crate::bootstrap::parse(b))?;
    compare("TLV", tlv(b), crate::tlv::parse(b))?;
    for c in [
        RefKeyClass::Private,
        RefKeyClass::Public,
        RefKeyClass::Secret,
    ] {
        compare("key directory", keys(b, c), crate::keys::parse(b, c))?;
    }
    compare_accessors(b)
}

/// One exchange of an SCP03 script.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The plain command APDU (any bytes: malformed ones are part of the test).
    pub command: Vec<u8>,
    /// Flip this bit of the wire command, if any.
    pub flip_command: Option<usize>,
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub sw: u16,
    /// Flip this bit of the wire response, if any.
    pub flip_response: Option<usize>,
    /// Blocks of padding beyond the minimum in an encrypted command (the
    /// model host wraps it; both cards must unwrap it alike). The kernel
    /// host's MAC chain cannot follow, so the script ends after it.
    pub command_extra_padding: usize,
    /// Blocks of padding beyond the minimum in an encrypted response (the
    /// model card wraps it; both hosts must unwrap it alike); from 8 up,
    /// `% 8` blocks and wrong padding under a valid R-MAC, which both hosts
    /// must refuse.
    pub response_extra_padding: usize,
}

/// A whole session to run through kernel and model.
#[derive(Debug, Clone)]
pub struct Script {
    /// 16, 24 or 32.
    pub key_len: usize,
    /// Key material (the first 3 x key_len bytes are Key-ENC, Key-MAC, Key-DEK).
    pub key_bytes: [u8; 96],
    /// The card's i.
    pub i: u8,
    /// The host's level (any byte; invalid ones are part of the test).
    pub level: u8,
    /// The host asks for S16.
    pub s16: bool,
    /// Logical channel 0..=19.
    pub channel: u8,
    /// Host challenge (first 8 or 16 bytes used).
    pub host_challenge: [u8; 16],
    /// Card random challenge.
    pub card_random: [u8; 16],
    /// Card sequence counter.
    pub seq: u32,
    /// A bit flipped in one handshake message on its way: `(0, bit)` the
    /// INITIALIZE UPDATE command before the cards, `(1, bit)` the card's
    /// response before the hosts, `(2, bit)` EXTERNAL AUTHENTICATE before
    /// the cards. Both sides must then refuse alike (or accept alike where
    /// the flipped bit is not checked).
    pub handshake_flip: Option<(u8, usize)>,
    /// Exchanges.
    pub exchanges: Vec<Exchange>,
}

fn scp_class(e: &scboot::scp03::Scp03Error) -> String {
    // Every kernel error the lockstep meets: its text and status word build.
    let _ = (e.to_string(), e.status_word(), e.terminates_session());
    let d = format!("{e:?}");
    d.chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn same(
    what: &str,
    k: Result<Vec<u8>, String>,
    m: Result<Vec<u8>, &'static str>,
) -> Result<bool, String> {
    match (&k, &m) {
        (Ok(a), Ok(b)) if a == b => Ok(true),
        (Err(a), Err(b)) if a == b => Ok(false),
        _ => Err(format!("{what}: kernel {k:02x?} model {m:02x?}")),
    }
}

fn flip(v: &mut [u8], bit: Option<usize>) {
    if let Some(b) = bit {
        if !v.is_empty() {
            let b = b % (v.len() * 8);
            v[b / 8] ^= 0x80 >> (b % 8);
        }
    }
}

/// Run `s` with kernel host + kernel card and model host + model card in
/// lockstep: every wire byte and every accept/reject must agree. Returns how
/// many exchanges went through the open session.
pub fn scp03_lockstep(s: &Script) -> Result<usize, String> {
    use crate::scp03 as m;
    use scboot::scp03::*;
    const AID: &[u8] = &[
        0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35,
    ];
    let n = s.key_len;
    let (enc, mac, dek) = (
        &s.key_bytes[..n],
        &s.key_bytes[n..2 * n],
        &s.key_bytes[2 * n..3 * n],
    );
    let keys = StaticKeys::new(0x30, enc, mac, dek).map_err(|e| e.to_string())?;
    let mode = if s.s16 { Mode::S16 } else { Mode::S8 };
    let ms = mode.size();
    let hc = &s.host_challenge[..ms];
    let card_mode = Mode::from_i(s.i);
    let rc = &s.card_random[..card_mode.size()];
    let mut cfg = CardConfig::new(s.i, AID).map_err(|e| e.to_string())?;
    cfg.sequence_counter = s.seq;
    let mut kcard = CardChannel::new(keys.clone(), cfg);
    let mut mcard = m::RefCard::new(enc, mac, 0x30, s.i, AID, s.seq);
    let big = 70_000;
    let mut buf = vec![0u8; big];

    // INITIALIZE UPDATE.
    let level = match SecurityLevel::new(s.level) {
        Ok(l) => l,
        Err(_) => return Ok(0), // the host refuses before anything is sent
    };
    let hcfg = HostConfig::default()
        .level(level)
        .mode(mode)
        .channel(s.channel)
        .card_aid(Some(AID));
    let (hs, k) = HostHandshake::start(&keys, &hcfg, hc, &mut buf).map_err(|e| e.to_string())?;
    let mut iu = buf[..k].to_vec();
    same(
        "IU",
        Ok(iu.clone()),
        Ok(m::initialize_update(0x30, s.channel, hc)),
    )?;
    let flip_at = |message: u8| match s.handshake_flip {
        Some((m, bit)) if m % 3 == message => Some(bit),
        _ => None,
    };
    flip(&mut iu, flip_at(0));
    let kr = kcard
        .initialize_update(&iu, rc, &mut buf)
        .map(|k| buf[..k].to_vec())
        .map_err(|e| scp_class(&e));
    let mr = mcard.initialize_update(&iu, rc);
    if !same("IU response", kr.clone(), mr)? {
        // Refused: neither card has a handshake, so EXTERNAL AUTHENTICATE
        // (the same bytes as INS 82) is out of order for both.
        let mut ea = iu;
        if let Some(ins) = ea.get_mut(1) {
            *ins = 0x82;
        }
        let kl = kcard.external_authenticate(&ea).map(|l| vec![l.bits()]);
        let ml = mcard.external_authenticate(&ea).map(|l| vec![l]);
        if same("EA without IU", kl.map_err(|e| scp_class(&e)), ml)? {
            return Err("a card accepted EXTERNAL AUTHENTICATE without INITIALIZE UPDATE".into());
        }
        return Ok(0);
    }
    // The card's session is on the channel of the IU it received (a flip
    // may have moved it: the card's dispatcher, not the session, routes).
    let iu_cla = iu[0];
    let mut resp = kr.unwrap_or_default();
    flip(&mut resp, flip_at(1));

    // EXTERNAL AUTHENTICATE.
    let ka = hs
        .authenticate(&keys, &resp, &mut buf)
        .map(|(p, k)| (p, buf[..k].to_vec()));
    let ma = m::host_authenticate(AID, enc, mac, 0x30, s.level, ms, s.channel, hc, &resp);
    let (pending, mut mhost, mut ea) = match (ka, ma) {
        (Ok((p, ea)), Ok((ms_, mea))) if ea == mea => (p, ms_, ea),
        (Err(e), Err(me)) if scp_class(&e) == me => return Ok(0),
        (k, m_) => {
            return Err(format!(
                "EA: kernel {:?} model {:?}",
                k.map(|x| x.1),
                m_.map(|x| x.1)
            ))
        }
    };
    let ea_flip = flip_at(2);
    flip(&mut ea, ea_flip);
    let kl = kcard
        .external_authenticate(&ea)
        .map(|l| vec![l.bits()])
        .map_err(|e| scp_class(&e));
    let ml = mcard.external_authenticate(&ea).map(|l| vec![l]);
    let accepted = same("EA check", kl, ml)?;
    if let Some(bit) = ea_flip {
        // Every bit of EXTERNAL AUTHENTICATE is checked (header, Lc,
        // cryptogram, C-MAC) but the class byte's logical channel bits,
        // which the C-MAC leaves out and the card's dispatcher reads: a
        // flipped bit elsewhere never opens a session.
        let byte = bit % (ea.len() * 8) / 8;
        if accepted && byte != 0 {
            return Err(format!(
                "a card accepted EXTERNAL AUTHENTICATE tampered in byte {byte}"
            ));
        }
        return Ok(0);
    }
    if !accepted {
        if s.handshake_flip.is_some() {
            // The cards took another IU than the hosts sent, or the hosts
            // read another response than the card sent (another channel,
            // `i` or challenge): both cards refused the EA alike.
            return Ok(0);
        }
        return Err("the card refused an EA both hosts built".into());
    }
    // What the pending session shows is what went out and came in.
    let _ = format!("{pending:?}");
    if pending.host_cryptogram() != &ea[5..5 + ms] || pending.init_update_response().mode() != mode
    {
        return Err("the pending session shows another host cryptogram or mode".into());
    }
    let mut khost = pending.confirm(0x9000).map_err(|e| e.to_string())?;
    let mut msess = mcard.session.take().ok_or("model card has no session")?;
    let _ = (format!("{khost:?}"), format!("{kcard:?}"));
    let host_shows = (khost.level(), khost.mode(), khost.channel());
    let card_shows = (kcard.level(), kcard.channel());
    if host_shows != (level, mode, s.channel)
        || card_shows != (Some(level), Some(m::channel_of(iu_cla)))
    {
        return Err(format!(
            "an open session shows another level, mode or channel: host {host_shows:?} \
             card {card_shows:?}, asked {:?}",
            (level, mode, s.channel)
        ));
    }

    let mut plain = vec![0u8; big];
    let mut done = 0;
    for (step, x) in s.exchanges.iter().enumerate() {
        let kw = khost
            .wrap(&x.command, &mut buf)
            .map(|k| buf[..k].to_vec())
            .map_err(|e| scp_class(&e));
        let field_padded = x.command_extra_padding > 0 && level.c_dec();
        let mw = if field_padded {
            mhost.wrap_padded(&x.command, x.command_extra_padding)
        } else {
            mhost.wrap(&x.command)
        };
        let mut wire = if field_padded {
            // Only the model host pads beyond the minimum: both must refuse
            // the same commands, and the cards must read the model's wire.
            if kw.is_ok() != mw.is_ok() {
                return Err(format!("wrap {step}: kernel {kw:02x?} model {mw:02x?}"));
            }
            match mw {
                Ok(w) => w,
                Err(_) => continue,
            }
        } else {
            if !same(&format!("wrap {step}"), kw.clone(), mw)? {
                continue; // refused on both sides before anything went out
            }
            kw.unwrap_or_default()
        };
        flip(&mut wire, x.flip_command);
        let kc = kcard
            .unwrap_command(&wire, &mut plain)
            .map(|k| plain[..k].to_vec())
            .map_err(|e| scp_class(&e));
        let mc = msess.unwrap_command(&wire);
        let accepted = same(&format!("unwrap command {step}"), kc.clone(), mc)?;
        if !accepted {
            if kcard.is_open() || msess.open {
                return Err(format!(
                    "step {step}: a card kept its session after a failure"
                ));
            }
            return Ok(done);
        }
        if field_padded {
            // The kernel host's chain has not followed the model's wire.
            return Ok(done + 1);
        }
        if x.flip_command.is_none() && kc.as_deref() != Ok(&x.command[..]) {
            // The card sees the host's command, up to the class byte and length form.
            let a = m::parse_command(&x.command).ok_or("host accepted a malformed command")?;
            let b =
                m::parse_command(kc.as_deref().unwrap_or(&[])).ok_or("card output malformed")?;
            if a.header[1..] != b.header[1..] || a.data != b.data || a.le != b.le {
                return Err(format!(
                    "step {step}: the card does not see the host's command"
                ));
            }
        }
        let kw = kcard
            .wrap_response(&x.data, x.sw, &mut buf)
            .map(|k| buf[..k].to_vec())
            .map_err(|e| scp_class(&e));
        let mut rw = if x.response_extra_padding > 0 {
            // Only the model card pads beyond the minimum; the R-MAC does
            // not advance the chain, so both sessions stay in step.
            msess
                .wrap_response_padded(&x.data, x.sw, x.response_extra_padding)
                .map_err(|e| format!("model wrap response {step}: {e}"))?
        } else {
            let mw = msess.wrap_response(&x.data, x.sw);
            same(&format!("wrap response {step}"), kw.clone(), mw)?;
            kw.unwrap_or_default()
        };
        flip(&mut rw, x.flip_response);
        let ku = khost.unwrap(&rw, &mut plain).map(|r| {
            let mut v = plain[..r.len].to_vec();
            v.extend_from_slice(&r.sw.to_bytes());
            v
        });
        let mu = mhost.unwrap_response(&rw).map(|(mut d, sw)| {
            d.extend_from_slice(&sw.to_be_bytes());
            d
        });
        let ku = ku.map_err(|e| scp_class(&e));
        let padded_wrong = x.response_extra_padding >= 8
            && level.r_enc()
            && !x.data.is_empty()
            && m::protected(x.sw);
        if padded_wrong && x.flip_response.is_none() && ku.is_ok() {
            return Err(format!("step {step}: the host accepted a wrong padding"));
        }
        if x.flip_response.is_none() && level.r_mac() && ku.is_ok() {
            // An untouched protected response reads back as what the card sent.
            let mut sent = if scboot::apdu::StatusWord(x.sw).completes() {
                x.data.clone()
            } else {
                Vec::new()
            };
            sent.extend_from_slice(&x.sw.to_be_bytes());
            if ku.as_deref() != Ok(&sent[..]) {
                return Err(format!(
                    "step {step}: the host did not read the card's response"
                ));
            }
        }
        if !same(&format!("unwrap response {step}"), ku, mu)? {
            if khost.is_open() || mhost.open {
                return Err(format!(
                    "step {step}: a host kept its session after a failure"
                ));
            }
            return Ok(done);
        }
        // The kernel host's session state is the model host's.
        if khost.mac_chaining_value() != mhost.chain || u64::from(khost.counter()) != mhost.counter
        {
            return Err(format!("step {step}: the host's chain or counter differs"));
        }
        done += 1;
    }
    kcard.terminate();
    if kcard.level().is_some() || kcard.channel().is_some() {
        return Err("a terminated card session still shows a level".into());
    }
    Ok(done)
}
