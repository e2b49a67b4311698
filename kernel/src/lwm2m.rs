//! Typed views of the LwM2M Security (object 0) and Server (object 1)
//! instances in bootstrap data, over validated TLV records (zero-copy).
//!
//! Every known resource is checked for its TLV type and value length;
//! unknown resources are left to [`SecurityInstance::record`] /
//! [`ServerInstance::record`]. A resource given twice is an error.
//!
//! ```
//! use scboot::lwm2m::{SecurityInstance, SecurityMode};
//! use scboot::tlv::Tlv;
//! let bytes = [0x08, 0x00, 0x0B, 0xC3, 0x00, b'c', b'o', b'a', 0xC1, 0x01, 0x01, 0xC1, 0x02, 0x03];
//! let inst = Tlv::parse(&bytes).unwrap().records().next().unwrap();
//! let sec = SecurityInstance::from_record(&inst).unwrap();
//! assert_eq!(sec.server_uri, Some("coa"));
//! assert_eq!(sec.bootstrap_server, Some(true));
//! assert_eq!(sec.security_mode, Some(SecurityMode::NoSec));
//! ```

use core::fmt;

use crate::error::{Error, ErrorKind, Field, Result, Structure};
use crate::tlv::{value, ObjLnk, RawRecords, Records, TlvRecord, TlvType};

/// The Security object id.
pub const SECURITY_OBJECT: u16 = 0;
/// The Server object id.
pub const SERVER_OBJECT: u16 = 1;

/// Security Mode (resource 0/x/2).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityMode {
    /// 0: Pre-Shared Key.
    Psk,
    /// 1: Raw Public Key.
    Rpk,
    /// 2: Certificate.
    Certificate,
    /// 3: No security.
    NoSec,
    /// 4: Certificate with EST.
    CertificateEst,
}

impl SecurityMode {
    /// The mode for its resource value.
    pub const fn from_value(v: i64) -> Option<SecurityMode> {
        Some(match v {
            0 => SecurityMode::Psk,
            1 => SecurityMode::Rpk,
            2 => SecurityMode::Certificate,
            3 => SecurityMode::NoSec,
            4 => SecurityMode::CertificateEst,
            _ => return None,
        })
    }

    /// The resource value.
    pub const fn value(self) -> i64 {
        self as i64
    }

    /// `psk`, `rpk`, `certificate`, `nosec`, `certificate_est`.
    pub const fn name(self) -> &'static str {
        match self {
            SecurityMode::Psk => "psk",
            SecurityMode::Rpk => "rpk",
            SecurityMode::Certificate => "certificate",
            SecurityMode::NoSec => "nosec",
            SecurityMode::CertificateEst => "certificate_est",
        }
    }
}

#[cold]
#[inline(never)]
fn err<T>(
    kind: ErrorKind,
    field: Option<Field>,
    offset: usize,
    s: Structure,
    instance: u16,
) -> Result<T> {
    Err(Error::with(kind, field, offset).within(s, Some(usize::from(instance))))
}

/// Walks the resources of an Object Instance, rejecting duplicates of known ids.
struct Walker<'a> {
    structure: Structure,
    instance: u16,
    seen: u64,
    children: Records<'a>,
}

impl<'a> Walker<'a> {
    fn new(rec: &TlvRecord<'a>, structure: Structure) -> Result<Walker<'a>> {
        if rec.kind() != TlvType::ObjectInstance {
            return err(
                ErrorKind::TlvNesting,
                Some(rec.kind().field()),
                rec.offset(),
                structure,
                rec.id(),
            );
        }
        Ok(Walker {
            structure,
            instance: rec.id(),
            seen: 0,
            children: rec.children(),
        })
    }

    /// The next resource with id < 64 (known ids), de-duplicated.
    #[inline]
    fn next(&mut self) -> Result<Option<TlvRecord<'a>>> {
        for r in self.children.by_ref() {
            let Some(bit) = 1u64.checked_shl(u32::from(r.id())) else {
                continue;
            };
            if self.seen & bit != 0 {
                return err(
                    ErrorKind::DuplicateResource,
                    None,
                    r.offset(),
                    self.structure,
                    self.instance,
                );
            }
            self.seen |= bit;
            return Ok(Some(r));
        }
        Ok(None)
    }

    fn fix<T>(&self, r: Result<T>) -> Result<T> {
        r.map_err(|e| {
            Error::with(e.kind(), e.field(), e.offset())
                .within(self.structure, Some(usize::from(self.instance)))
        })
    }

    fn wrong_type<T>(&self, r: &TlvRecord<'_>) -> Result<T> {
        err(
            ErrorKind::WrongResourceType,
            None,
            r.offset(),
            self.structure,
            self.instance,
        )
    }

    fn out_of_range<T>(&self, r: &TlvRecord<'_>, field: Field) -> Result<T> {
        err(
            ErrorKind::IntegerOutOfRange,
            Some(field),
            r.offset(),
            self.structure,
            self.instance,
        )
    }

    /// Decode the resource `r` as `kind`, every error named: one
    /// decoder for every resource of both objects (the precise walk is
    /// code a device carries once, not once per resource).
    #[inline(never)]
    fn decode(&self, kind: Kind, r: &TlvRecord<'a>) -> Result<Value<'a>> {
        // A single Resource, or for a list of integers a Multiple Resource.
        let record_type = match kind {
            Kind::Integers => TlvType::MultipleResource,
            _ => TlvType::Resource,
        };
        if r.kind() != record_type {
            return self.wrong_type(r);
        }
        Ok(match kind {
            Kind::Text => Value::Text(self.fix(r.as_str())?),
            Kind::Boolean => Value::Boolean(self.fix(r.as_bool())?),
            Kind::Opaque => Value::Opaque(r.as_opaque()),
            Kind::Objlnk => Value::Objlnk(self.fix(r.as_objlnk())?),
            Kind::Integer | Kind::ShortServerId | Kind::SecurityMode => {
                let i = self.fix(r.as_integer())?;
                match kind {
                    Kind::ShortServerId => match u16::try_from(i) {
                        Ok(id @ 1..=65534) => Value::ShortServerId(id),
                        _ => return self.out_of_range(r, Field::ShortServerId),
                    },
                    Kind::SecurityMode => match SecurityMode::from_value(i) {
                        Some(m) => Value::SecurityMode(m),
                        None => return self.out_of_range(r, Field::SecurityMode),
                    },
                    _ => Value::Integer(i),
                }
            }
            Kind::Integers => {
                for ri in r.children() {
                    self.fix(ri.as_integer())?;
                }
                Value::Integers(*r)
            }
        })
    }
}

/// The kinds of value in the resource tables: each names a decoder in
/// [`fast`] and an arm of [`Walker::decode`].
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Boolean,
    Integer,
    Opaque,
    ShortServerId,
    SecurityMode,
    Objlnk,
    /// A Multiple Resource of integers.
    Integers,
}

/// A resource's decoded value, as the precise walk hands it to the
/// instance.
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Boolean(bool),
    Integer(i64),
    Opaque(&'a [u8]),
    ShortServerId(u16),
    SecurityMode(SecurityMode),
    Objlnk(ObjLnk),
    /// The Multiple Resource, every instance an integer.
    Integers(TlvRecord<'a>),
}

/// The precise walk of an Object Instance: each resource `kind_of` knows
/// is decoded ([`Walker::decode`]) and handed to `store`; the first error
/// is returned with its offset and reason. One walk for both objects.
#[inline(never)]
fn walk_precise<'a>(
    rec: &TlvRecord<'a>,
    structure: Structure,
    kind_of: fn(u16) -> Option<Kind>,
    store: &mut dyn FnMut(u16, Value<'a>),
) -> Result<()> {
    let mut w = Walker::new(rec, structure)?;
    while let Some(r) = w.next()? {
        if let Some(kind) = kind_of(r.id()) {
            store(r.id(), w.decode(kind, &r)?);
        }
    }
    Ok(())
}

/// The fast decoders, one per kind of the resource tables: the value bytes
/// to the value, `None` for anything the precise decoders refuse.
mod fast {
    use super::SecurityMode;
    pub(super) use crate::tlv::value::{boolean, integer, objlnk, text};

    #[inline(always)]
    pub(super) fn opaque(v: &[u8]) -> Option<&[u8]> {
        Some(v)
    }

    /// An integer in 1..=65534.
    #[inline(always)]
    pub(super) fn short_server_id(v: &[u8]) -> Option<u16> {
        match u16::try_from(integer(v)?) {
            Ok(id @ 1..=65534) => Some(id),
            _ => None,
        }
    }

    #[inline(always)]
    pub(super) fn security_mode(v: &[u8]) -> Option<SecurityMode> {
        SecurityMode::from_value(integer(v)?)
    }
}

/// The single-value resources of an object, each with its field and its
/// kind: the fast decode (`set_fast`) and the precise one (`precise_kind`
/// and `store`, around [`walk_precise`]) are both generated from this one
/// table, so they cannot list different resources. An entry `id => field:
/// Kind(decoder)` names the [`Kind`] (and so the [`Value`]) of the precise
/// walk and the decoder in [`fast`].
macro_rules! single_resources {
    ($object:ident { $($id:literal => $field:ident: $Kind:ident($kind:ident),)* }) => {
        impl<'a> $object<'a> {
            /// Decode the resources of `self.record` into `self`, in place:
            /// the fast path first (with the `fast-paths` feature); should
            /// it refuse, the precise walk, which names the error (or
            /// decodes what the fast path leaves to it).
            #[inline]
            fn fill(&mut self) -> Result<()> {
                if cfg!(feature = "fast-paths") && self.fill_fast().is_some() {
                    return Ok(());
                }
                *self = Self::empty(self.record);
                self.fill_precise()
            }

            /// Decode resource `id` (its type bits `kind`, its value `v`)
            /// into its field: `Some(true)`; `Some(false)`: not in the
            /// table; `None`: not a single Resource, or a bad value.
            #[inline(always)]
            fn set_fast(&mut self, id: u16, kind: u8, v: &'a [u8]) -> Option<bool> {
                match id {
                    $($id => {
                        if kind != RESOURCE {
                            return None;
                        }
                        self.$field = Some(fast::$kind(v)?);
                    })*
                    _ => return Some(false),
                }
                Some(true)
            }

            /// The kind of resource `id` for the precise walk; `None`: not
            /// in the table, left alone.
            #[inline(always)]
            fn precise_kind(id: u16) -> Option<Kind> {
                Some(match id {
                    $($id => Kind::$Kind,)*
                    _ => return None,
                })
            }

            /// Store the value the precise walk decoded for resource `id`
            /// (of its table kind) in its field.
            #[inline(always)]
            fn store(&mut self, id: u16, v: Value<'a>) {
                match (id, v) {
                    $(($id, Value::$Kind(x)) => self.$field = Some(x),)*
                    // A value always has its resource's kind.
                    _ => {}
                }
            }
        }
    };
}

single_resources!(SecurityInstance {
    0 => server_uri: Text(text),
    1 => bootstrap_server: Boolean(boolean),
    2 => security_mode: SecurityMode(security_mode),
    3 => public_key_or_identity: Opaque(opaque),
    4 => server_public_key: Opaque(opaque),
    5 => secret_key: Opaque(opaque),
    6 => sms_security_mode: Integer(integer),
    7 => sms_binding_key_parameters: Opaque(opaque),
    8 => sms_binding_secret_keys: Opaque(opaque),
    9 => server_sms_number: Text(text),
    10 => short_server_id: ShortServerId(short_server_id),
    11 => client_hold_off_time: Integer(integer),
    12 => bootstrap_server_account_timeout: Integer(integer),
    13 => matching_type: Integer(integer),
    14 => sni: Text(text),
    15 => certificate_usage: Integer(integer),
    17 => oscore_security_mode: Objlnk(objlnk),
});

// 4, 8 and 9 are executable resources: no value to read.
single_resources!(ServerInstance {
    0 => short_server_id: ShortServerId(short_server_id),
    1 => lifetime: Integer(integer),
    2 => default_min_period: Integer(integer),
    3 => default_max_period: Integer(integer),
    5 => disable_timeout: Integer(integer),
    6 => notification_storing: Boolean(boolean),
    7 => binding: Text(text),
    10 => apn_link: Objlnk(objlnk),
    11 => tls_dtls_alert_code: Integer(integer),
    12 => last_bootstrapped: Integer(integer),
    13 => registration_priority_order: Integer(integer),
    14 => initial_registration_delay_timer: Integer(integer),
    15 => registration_failure_block: Boolean(boolean),
    16 => bootstrap_on_registration_failure: Boolean(boolean),
    17 => communication_retry_count: Integer(integer),
    18 => communication_retry_timer: Integer(integer),
    19 => communication_sequence_delay_timer: Integer(integer),
    20 => communication_sequence_retry_count: Integer(integer),
    21 => trigger: Boolean(boolean),
    22 => preferred_transport: Text(text),
    23 => mute_send: Boolean(boolean),
});

/// A Security object (0) instance.
#[non_exhaustive]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecurityInstance<'a> {
    /// The Object Instance record (all resources, known or not).
    pub record: TlvRecord<'a>,
    /// 0: LwM2M Server URI.
    pub server_uri: Option<&'a str>,
    /// 1: Bootstrap-Server.
    pub bootstrap_server: Option<bool>,
    /// 2: Security Mode.
    pub security_mode: Option<SecurityMode>,
    /// 3: Public Key or Identity (the PSK identity in PSK mode).
    pub public_key_or_identity: Option<&'a [u8]>,
    /// 4: Server Public Key.
    pub server_public_key: Option<&'a [u8]>,
    /// 5: Secret Key (the PSK in PSK mode). Never printed by `Debug`.
    pub secret_key: Option<&'a [u8]>,
    /// 6: SMS Security Mode.
    pub sms_security_mode: Option<i64>,
    /// 7: SMS Binding Key Parameters.
    pub sms_binding_key_parameters: Option<&'a [u8]>,
    /// 8: SMS Binding Secret Key(s). Never printed by `Debug`.
    pub sms_binding_secret_keys: Option<&'a [u8]>,
    /// 9: LwM2M Server SMS Number.
    pub server_sms_number: Option<&'a str>,
    /// 10: Short Server ID (1..=65534).
    pub short_server_id: Option<u16>,
    /// 11: Client Hold Off Time (s).
    pub client_hold_off_time: Option<i64>,
    /// 12: Bootstrap-Server Account Timeout (s).
    pub bootstrap_server_account_timeout: Option<i64>,
    /// 13: Matching Type (1.1).
    pub matching_type: Option<i64>,
    /// 14: SNI (1.1).
    pub sni: Option<&'a str>,
    /// 15: Certificate Usage (1.1).
    pub certificate_usage: Option<i64>,
    /// 16: DTLS/TLS Ciphersuite (1.1), a Multiple Resource of integers.
    pub ciphersuites: Option<TlvRecord<'a>>,
    /// 17: OSCORE Security Mode (1.1).
    pub oscore_security_mode: Option<ObjLnk>,
}

impl fmt::Debug for SecurityInstance<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityInstance")
            .field("instance", &self.record.id())
            .field("server_uri", &self.server_uri)
            .field("bootstrap_server", &self.bootstrap_server)
            .field("security_mode", &self.security_mode)
            .field("public_key_or_identity", &self.public_key_or_identity)
            .field("secret_key", &self.secret_key.map(|_| "<redacted>"))
            .field("short_server_id", &self.short_server_id)
            .finish_non_exhaustive()
    }
}

impl<'a> SecurityInstance<'a> {
    /// Decode an Object Instance record of the Security object.
    pub fn from_record(rec: &TlvRecord<'a>) -> Result<SecurityInstance<'a>> {
        let mut s = SecurityInstance::empty(*rec);
        s.fill()?;
        Ok(s)
    }

    /// The instance of `record` with no resource decoded yet.
    #[inline]
    const fn empty(record: TlvRecord<'a>) -> SecurityInstance<'a> {
        SecurityInstance {
            record,
            server_uri: None,
            bootstrap_server: None,
            security_mode: None,
            public_key_or_identity: None,
            server_public_key: None,
            secret_key: None,
            sms_security_mode: None,
            sms_binding_key_parameters: None,
            sms_binding_secret_keys: None,
            server_sms_number: None,
            short_server_id: None,
            client_hold_off_time: None,
            bootstrap_server_account_timeout: None,
            matching_type: None,
            sni: None,
            certificate_usage: None,
            ciphersuites: None,
            oscore_security_mode: None,
        }
    }

    /// The decode with no error to build: `None` wherever [`Self::fill_precise`]
    /// fails (and the instance is then decoded again by it). `fast_and_precise_agree`
    /// checks the two on every resource, type and length.
    #[inline(always)]
    fn fill_fast(&mut self) -> Option<()> {
        if self.record.kind() != TlvType::ObjectInstance {
            return None;
        }
        let children = self.record.value();
        let mut walk = RawRecords::new(children);
        let mut seen = 0u64;
        while let Some((t, id, header_len, v)) = walk.next() {
            let Some(bit) = 1u64.checked_shl(u32::from(id)) else {
                continue;
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            if id != 16 {
                self.set_fast(id, t >> 6, v)?;
                continue;
            }
            // 16: DTLS/TLS Ciphersuite, a Multiple Resource of integers.
            if t >> 6 != MULTIPLE_RESOURCE {
                return None;
            }
            let mut instances = RawRecords::new(v);
            while let Some((_, _, _, vi)) = instances.next() {
                value::integer(vi)?;
            }
            let start = children.len() - walk.remaining() - header_len - v.len();
            let offset = self.record.value_offset() + start;
            self.ciphersuites = Some(TlvRecord::from_parts(t, id, offset, header_len, v));
        }
        Some(())
    }

    /// The precise walk: every error with its offset and reason.
    #[cold]
    #[inline(never)]
    fn fill_precise(&mut self) -> Result<()> {
        let record = self.record;
        walk_precise(
            &record,
            Structure::SecurityInstance,
            |id| match id {
                16 => Some(Kind::Integers),
                _ => Self::precise_kind(id),
            },
            &mut |id, v| match v {
                Value::Integers(r) => self.ciphersuites = Some(r),
                _ => self.store(id, v),
            },
        )
    }

    /// The instance id.
    pub const fn instance_id(&self) -> u16 {
        self.record.id()
    }
}

/// A Server object (1) instance.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerInstance<'a> {
    /// The Object Instance record (all resources, known or not).
    pub record: TlvRecord<'a>,
    /// 0: Short Server ID (1..=65534).
    pub short_server_id: Option<u16>,
    /// 1: Lifetime (s).
    pub lifetime: Option<i64>,
    /// 2: Default Minimum Period (s).
    pub default_min_period: Option<i64>,
    /// 3: Default Maximum Period (s).
    pub default_max_period: Option<i64>,
    /// 5: Disable Timeout (s).
    pub disable_timeout: Option<i64>,
    /// 6: Notification Storing When Disabled or Offline.
    pub notification_storing: Option<bool>,
    /// 7: Binding (`U`, `UQ`, `S`, ...).
    pub binding: Option<&'a str>,
    /// 10: APN Link (1.1).
    pub apn_link: Option<ObjLnk>,
    /// 11: TLS-DTLS Alert Code (1.1).
    pub tls_dtls_alert_code: Option<i64>,
    /// 12: Last Bootstrapped (1.1, time).
    pub last_bootstrapped: Option<i64>,
    /// 13: Registration Priority Order (1.1).
    pub registration_priority_order: Option<i64>,
    /// 14: Initial Registration Delay Timer (1.1).
    pub initial_registration_delay_timer: Option<i64>,
    /// 15: Registration Failure Block (1.1).
    pub registration_failure_block: Option<bool>,
    /// 16: Bootstrap on Registration Failure (1.1).
    pub bootstrap_on_registration_failure: Option<bool>,
    /// 17: Communication Retry Count (1.1).
    pub communication_retry_count: Option<i64>,
    /// 18: Communication Retry Timer (1.1).
    pub communication_retry_timer: Option<i64>,
    /// 19: Communication Sequence Delay Timer (1.1).
    pub communication_sequence_delay_timer: Option<i64>,
    /// 20: Communication Sequence Retry Count (1.1).
    pub communication_sequence_retry_count: Option<i64>,
    /// 21: Trigger (1.1).
    pub trigger: Option<bool>,
    /// 22: Preferred Transport (1.1).
    pub preferred_transport: Option<&'a str>,
    /// 23: Mute Send (1.1).
    pub mute_send: Option<bool>,
}

impl<'a> ServerInstance<'a> {
    /// Decode an Object Instance record of the Server object.
    pub fn from_record(rec: &TlvRecord<'a>) -> Result<ServerInstance<'a>> {
        let mut s = ServerInstance::empty(*rec);
        s.fill()?;
        Ok(s)
    }

    /// The instance of `record` with no resource decoded yet.
    #[inline]
    const fn empty(record: TlvRecord<'a>) -> ServerInstance<'a> {
        ServerInstance {
            record,
            short_server_id: None,
            lifetime: None,
            default_min_period: None,
            default_max_period: None,
            disable_timeout: None,
            notification_storing: None,
            binding: None,
            apn_link: None,
            tls_dtls_alert_code: None,
            last_bootstrapped: None,
            registration_priority_order: None,
            initial_registration_delay_timer: None,
            registration_failure_block: None,
            bootstrap_on_registration_failure: None,
            communication_retry_count: None,
            communication_retry_timer: None,
            communication_sequence_delay_timer: None,
            communication_sequence_retry_count: None,
            trigger: None,
            preferred_transport: None,
            mute_send: None,
        }
    }

    /// The decode with no error to build: `None` wherever [`Self::fill_precise`]
    /// fails.
    #[inline(always)]
    fn fill_fast(&mut self) -> Option<()> {
        if self.record.kind() != TlvType::ObjectInstance {
            return None;
        }
        let mut walk = RawRecords::new(self.record.value());
        let mut seen = 0u64;
        while let Some((t, id, _, v)) = walk.next() {
            let Some(bit) = 1u64.checked_shl(u32::from(id)) else {
                continue;
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            self.set_fast(id, t >> 6, v)?;
        }
        Some(())
    }

    /// The precise walk: every error with its offset and reason.
    #[cold]
    #[inline(never)]
    fn fill_precise(&mut self) -> Result<()> {
        let record = self.record;
        walk_precise(
            &record,
            Structure::ServerInstance,
            Self::precise_kind,
            &mut |id, v| self.store(id, v),
        )
    }

    /// The instance id.
    pub const fn instance_id(&self) -> u16 {
        self.record.id()
    }
}

/// A Security instance with the Server instance of the same Short Server ID.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    /// The Security (0) instance.
    pub security: SecurityInstance<'a>,
    /// The Server (1) instance, absent for a bootstrap-server account.
    pub server: Option<ServerInstance<'a>>,
}

/// The type bits (7-6) of a Resource and of a Multiple Resource.
const RESOURCE: u8 = 0b11;
const MULTIPLE_RESOURCE: u8 = 0b10;

/// Server instances indexed by Short Server ID in the accounts iterator.
const INDEXED_SERVERS: usize = 16;

/// The Short Server ID (resource 0) of a Server instance, read without
/// decoding the rest; `None` when absent or out of range (such an instance
/// is then matched by no Security instance).
fn server_ssid(rec: &TlvRecord<'_>) -> Option<u16> {
    // The raw walk: the file is validated, and no record is built.
    let mut walk = RawRecords::new(rec.value());
    while let Some((_, id, _, v)) = walk.next() {
        if id == 0 {
            return fast::short_server_id(v);
        }
    }
    None
}

/// The accounts of a bootstrap file: every Security instance, paired with
/// the Server instance whose Short Server ID matches. One pass over the
/// Server instances indexes them by Short Server ID (up to 16, inline: no
/// allocation), then one pass over the Security instances decodes each and
/// the Server instance it names; a Server instance no Security instance
/// names is not decoded. (A file with more than 16 Server instances has
/// the rest looked up by a scan.)
pub fn accounts<'a>(file: &crate::bootstrap::BootstrapFile<'a>) -> Accounts<'a> {
    Accounts {
        file: *file,
        objects: file.objects(),
        instances: None,
        index: [None; INDEXED_SERVERS],
        indexed: None,
    }
}

/// The iterator of [`accounts`].
#[derive(Debug, Clone)]
pub struct Accounts<'a> {
    file: crate::bootstrap::BootstrapFile<'a>,
    objects: crate::bootstrap::BootstrapObjects<'a>,
    instances: Option<crate::tlv::Records<'a>>,
    index: [Option<(u16, TlvRecord<'a>)>; INDEXED_SERVERS],
    /// `Some(overflow)` once the index is built; `overflow`: more Server
    /// instances than it holds.
    indexed: Option<bool>,
}

impl<'a> Accounts<'a> {
    fn build_index(&mut self) -> bool {
        let mut n = 0;
        let mut overflow = false;
        for o in self.file.objects().filter(|o| o.object_id == SERVER_OBJECT) {
            for r in o.instances() {
                let Some(ssid) = server_ssid(&r) else {
                    continue;
                };
                match self.index.get_mut(n) {
                    Some(slot) => {
                        *slot = Some((ssid, r));
                        n += 1;
                    }
                    None => overflow = true,
                }
            }
        }
        overflow
    }

    /// The Server instance of `ssid`: the first with that Short Server ID.
    fn server(&mut self, ssid: u16) -> Option<TlvRecord<'a>> {
        let overflow = match self.indexed {
            Some(o) => o,
            None => {
                let o = self.build_index();
                self.indexed = Some(o);
                o
            }
        };
        if let Some((_, r)) = self.index.iter().flatten().find(|(s, _)| *s == ssid) {
            return Some(*r);
        }
        if !overflow {
            return None;
        }
        self.file
            .objects()
            .filter(|o| o.object_id == SERVER_OBJECT)
            .flat_map(|o| o.instances())
            .find(|r| server_ssid(r) == Some(ssid))
    }

    fn next_security(&mut self) -> Option<TlvRecord<'a>> {
        loop {
            if let Some(r) = self.instances.as_mut().and_then(Iterator::next) {
                return Some(r);
            }
            let o = self.objects.find(|o| o.object_id == SECURITY_OBJECT)?;
            self.instances = Some(o.instances());
        }
    }
}

impl<'a> Iterator for Accounts<'a> {
    type Item = Result<Account<'a>>;

    fn next(&mut self) -> Option<Result<Account<'a>>> {
        let rec = self.next_security()?;
        // Each instance is decoded in place in the account, never moved
        // through a `Result` of its own.
        let mut account = Account {
            security: SecurityInstance::empty(rec),
            server: None,
        };
        if let Err(e) = account.security.fill() {
            return Some(Err(e));
        }
        if let Some(r) = account
            .security
            .short_server_id
            .and_then(|id| self.server(id))
        {
            if let Err(e) = account.server.insert(ServerInstance::empty(r)).fill() {
                return Some(Err(e));
            }
        }
        Some(Ok(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlv::Tlv;
    use proptest::prelude::*;
    use std::format;
    use std::vec;
    use std::vec::Vec;

    /// One TLV header and value: `kind` the two type bits; `wide` forces a
    /// 2-octet length field (the general header path).
    fn encode(out: &mut Vec<u8>, kind: u8, id: u16, wide: bool, value: &[u8]) {
        let id16 = id > 0xFF;
        let len = value.len();
        let form = if wide || len > 0xFF {
            2
        } else if len <= 7 {
            0
        } else {
            1
        };
        let low = if form == 0 { len as u8 } else { 0 };
        out.push(kind << 6 | u8::from(id16) << 5 | form << 3 | low);
        if id16 {
            out.extend_from_slice(&id.to_be_bytes());
        } else {
            out.push(id as u8);
        }
        match form {
            1 => out.push(len as u8),
            2 => out.extend_from_slice(&(len as u16).to_be_bytes()),
            _ => {}
        }
        out.extend_from_slice(value);
    }

    /// Values that hit every decoder's edges: integer widths, booleans,
    /// Short Server IDs at and past their bounds, object links, UTF-8 and
    /// not, empty, long.
    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..10),
            Just(vec![0]),
            Just(vec![1]),
            Just(vec![2]),
            Just(vec![0x00, 0x01]),
            Just(vec![0xFF, 0xFE]),
            Just(vec![0xFF, 0xFF]),
            Just(vec![0x00, 0x00, 0xFF, 0xFE]),
            Just(vec![0x00, 0x00, 0xFF, 0xFF]),
            Just(b"coaps://h".to_vec()),
            Just(vec![b'a', 0xC3]),
            Just(vec![0x41; 300]),
        ]
    }

    /// A resource: id (small, past 63, 16-bit), Resource or Multiple
    /// Resource (with Resource Instances), value.
    fn resource() -> impl Strategy<Value = (u8, u16, bool, Vec<u8>)> {
        let id = prop_oneof![8 => 0u16..26, 1 => 60u16..70, 1 => 250u16..260];
        let multiple = prop::collection::vec((0u16..3, value()), 0..3).prop_map(|ris| {
            let mut v = Vec::new();
            for (i, x) in &ris {
                encode(&mut v, 0b01, *i, false, x);
            }
            v
        });
        (id, any::<bool>(), any::<bool>(), value(), multiple).prop_map(
            |(id, is_multiple, wide, single, multiple)| {
                if is_multiple {
                    (0b10, id, wide, multiple)
                } else {
                    (0b11, id, wide, single)
                }
            },
        )
    }

    fn instance(resources: &[(u8, u16, bool, Vec<u8>)]) -> Vec<u8> {
        let mut children = Vec::new();
        for (kind, id, wide, v) in resources {
            encode(&mut children, *kind, *id, *wide, v);
        }
        let mut out = Vec::new();
        encode(&mut out, 0b00, 3, false, &children);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The fast decode and the precise walk agree on every instance:
        /// the fast path succeeds exactly when the walk does, with the same
        /// instance; where the walk fails, the fast path refuses.
        #[test]
        #[cfg_attr(
            miri,
            ignore = "safe code only, and minutes under Miri; natively it runs 4000 cases"
        )]
        fn fast_and_precise_agree(
            resources in prop::collection::vec(resource(), 0..12)
        ) {
            let bytes = instance(&resources);
            let tlv = Tlv::parse(&bytes).unwrap();
            let rec = tlv.records().next().unwrap();

            let mut fast = SecurityInstance::empty(rec);
            let fast_ok = fast.fill_fast().is_some();
            let mut precise = SecurityInstance::empty(rec);
            let precise_ok = precise.fill_precise().is_ok();
            prop_assert_eq!(fast_ok, precise_ok);
            if fast_ok {
                prop_assert_eq!(fast, precise);
            }
            prop_assert_eq!(
                SecurityInstance::from_record(&rec),
                { let mut s = SecurityInstance::empty(rec); s.fill_precise().map(|()| s) }
            );

            let mut fast = ServerInstance::empty(rec);
            let fast_ok = fast.fill_fast().is_some();
            let mut precise = ServerInstance::empty(rec);
            let precise_ok = precise.fill_precise().is_ok();
            prop_assert_eq!(fast_ok, precise_ok);
            if fast_ok {
                prop_assert_eq!(fast, precise);
            }
            prop_assert_eq!(
                ServerInstance::from_record(&rec),
                { let mut s = ServerInstance::empty(rec); s.fill_precise().map(|()| s) }
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The Short Server ID the accounts index reads with the raw walk
        /// is that of the first record with identifier 0, read as a
        /// record: present, in range, or `None`.
        #[test]
        #[cfg_attr(miri, ignore = "safe code only; natively it runs 2000 cases")]
        fn server_ssid_is_the_first_resource_0(
            resources in prop::collection::vec(resource(), 0..8)
        ) {
            let bytes = instance(&resources);
            let rec = Tlv::parse(&bytes).unwrap().records().next().unwrap();
            let by_record = rec
                .children()
                .find(|r| r.id() == 0)
                .and_then(|r| fast::short_server_id(r.value()));
            prop_assert_eq!(server_ssid(&rec), by_record);
        }
    }

    /// A record that is no Object Instance is refused by both paths.
    #[test]
    fn only_object_instances_decode() {
        let bytes = [0xC1, 0x00, 0x01];
        let rec = Tlv::parse(&bytes).unwrap().records().next().unwrap();
        assert!(SecurityInstance::empty(rec).fill_fast().is_none());
        assert!(ServerInstance::empty(rec).fill_fast().is_none());
        assert!(SecurityInstance::from_record(&rec).is_err());
        assert!(ServerInstance::from_record(&rec).is_err());
    }

    /// The ciphersuites found by the fast path keep their record's offset.
    #[test]
    fn fast_ciphersuites_keep_their_offset() {
        let mut ris = Vec::new();
        encode(&mut ris, 0b01, 0, false, &[0xC0, 0xA8]);
        let bytes = instance(&[
            (0b11, 0, false, b"coap://x".to_vec()),
            (0b10, 16, true, ris),
        ]);
        let rec = Tlv::parse(&bytes).unwrap().records().next().unwrap();
        let mut fast = SecurityInstance::empty(rec);
        assert!(fast.fill_fast().is_some());
        let c = fast.ciphersuites.unwrap();
        // The instance's header (3), then `coap://x` (a 3-byte header, 8 bytes).
        assert_eq!(c.offset(), 3 + 3 + 8);
        assert_eq!(c.header_len(), 4);
        assert_eq!(c.children().next().unwrap().as_integer(), Ok(-16216));
    }
}
