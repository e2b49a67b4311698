//! Names and data types of the LwM2M objects a bootstrap file commonly
//! carries (OMA LwM2M core objects 0-4, and the APN connection profile, 11),
//! so that `inspect` and `bootstrap` can show resources by name and decode
//! their values. Anything else is shown by number, as raw bytes.

use scboot::tlv::TlvRecord;

/// The data type of a resource (LwM2M TS Appendix C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    String,
    /// Signed integer.
    Integer,
    /// Unsigned integer.
    Unsigned,
    /// Boolean.
    Boolean,
    /// Bytes.
    Opaque,
    /// Bytes that must never be printed (secret keys, passwords).
    Secret,
    /// Object link.
    Objlnk,
    /// Seconds since 1970.
    Time,
    /// An executable resource (no value).
    Execute,
}

/// One known resource.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// Its name in the object definition.
    pub name: &'static str,
    /// Its data type.
    pub kind: Kind,
}

const fn r(name: &'static str, kind: Kind) -> Resource {
    Resource { name, kind }
}

use Kind::*;

const SECURITY: &[Resource] = &[
    r("Server URI", String),
    r("Bootstrap-Server", Boolean),
    r("Security Mode", Integer),
    r("Public Key or Identity", Opaque),
    r("Server Public Key", Opaque),
    r("Secret Key", Secret),
    r("SMS Security Mode", Integer),
    r("SMS Binding Key Parameters", Opaque),
    r("SMS Binding Secret Key(s)", Secret),
    r("Server SMS Number", String),
    r("Short Server ID", Integer),
    r("Client Hold Off Time", Integer),
    r("Bootstrap-Server Account Timeout", Integer),
    r("Matching Type", Unsigned),
    r("SNI", String),
    r("Certificate Usage", Unsigned),
    r("DTLS/TLS Ciphersuite", Unsigned),
    r("OSCORE Security Mode", Objlnk),
];

const SERVER: &[Resource] = &[
    r("Short Server ID", Integer),
    r("Lifetime", Integer),
    r("Default Minimum Period", Integer),
    r("Default Maximum Period", Integer),
    r("Disable", Execute),
    r("Disable Timeout", Integer),
    r("Notification Storing When Disabled or Offline", Boolean),
    r("Binding", String),
    r("Registration Update Trigger", Execute),
    r("Bootstrap-Request Trigger", Execute),
    r("APN Link", Objlnk),
    r("TLS-DTLS Alert Code", Unsigned),
    r("Last Bootstrapped", Time),
    r("Registration Priority Order", Unsigned),
    r("Initial Registration Delay Timer", Unsigned),
    r("Registration Failure Block", Boolean),
    r("Bootstrap on Registration Failure", Boolean),
    r("Communication Retry Count", Unsigned),
    r("Communication Retry Timer", Unsigned),
    r("Communication Sequence Delay Timer", Unsigned),
    r("Communication Sequence Retry Count", Unsigned),
    r("Trigger", Boolean),
    r("Preferred Transport", String),
    r("Mute Send", Boolean),
];

const ACCESS_CONTROL: &[Resource] = &[
    r("Object ID", Integer),
    r("Object Instance ID", Integer),
    r("ACL", Integer),
    r("Access Control Owner", Integer),
];

const DEVICE: &[Resource] = &[
    r("Manufacturer", String),
    r("Model Number", String),
    r("Serial Number", String),
    r("Firmware Version", String),
    r("Reboot", Execute),
    r("Factory Reset", Execute),
    r("Available Power Sources", Integer),
    r("Power Source Voltage", Integer),
    r("Power Source Current", Integer),
    r("Battery Level", Integer),
    r("Memory Free", Integer),
    r("Error Code", Integer),
    r("Reset Error Code", Execute),
    r("Current Time", Time),
    r("UTC Offset", String),
    r("Timezone", String),
    r("Supported Binding and Modes", String),
    r("Device Type", String),
    r("Hardware Version", String),
    r("Software Version", String),
    r("Battery Status", Integer),
    r("Memory Total", Integer),
    r("ExtDevInfo", Objlnk),
];

const CONNECTIVITY_MONITORING: &[Resource] = &[
    r("Network Bearer", Integer),
    r("Available Network Bearer", Integer),
    r("Radio Signal Strength", Integer),
    r("Link Quality", Integer),
    r("IP Addresses", String),
    r("Router IP Addresses", String),
    r("Link Utilization", Integer),
    r("APN", String),
    r("Cell ID", Integer),
    r("SMNC", Integer),
    r("SMCC", Integer),
];

const APN_CONNECTION_PROFILE: &[Resource] = &[
    r("Profile Name", String),
    r("APN", String),
    r("Auto Select APN by Device", Boolean),
    r("Enable Status", Boolean),
    r("Authentication Type", Integer),
    r("User Name", String),
    r("Secret", Secret),
];

/// The name of object `id`, if known.
pub fn object_name(id: u16) -> Option<&'static str> {
    Some(match id {
        0 => "LwM2M Security",
        1 => "LwM2M Server",
        2 => "Access Control",
        3 => "Device",
        4 => "Connectivity Monitoring",
        11 => "APN Connection Profile",
        _ => return None,
    })
}

/// Resource `res` of object `obj`, if known.
pub fn resource(obj: u16, res: u16) -> Option<Resource> {
    let table = match obj {
        0 => SECURITY,
        1 => SERVER,
        2 => ACCESS_CONTROL,
        3 => DEVICE,
        4 => CONNECTIVITY_MONITORING,
        11 => APN_CONNECTION_PROFILE,
        _ => return None,
    };
    table.get(usize::from(res)).copied()
}

/// A resource value decoded by its known type, for display: `None` when
/// the type is unknown or the bytes do not fit it (then show raw hex).
pub fn typed_value(kind: Kind, rec: &TlvRecord<'_>) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match kind {
        String => json!(rec.as_str().ok()?),
        Integer => json!(rec.as_integer().ok()?),
        Unsigned => json!(rec.as_unsigned().ok()?),
        Boolean => json!(rec.as_bool().ok()?),
        Time => json!(rec.as_time().ok()?),
        Objlnk => {
            let l = rec.as_objlnk().ok()?;
            json!(format!("{}:{}", l.object_id, l.instance_id))
        }
        Opaque | Secret | Execute => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_accounts() {
        assert_eq!(resource(0, 0).unwrap().name, "Server URI");
        assert_eq!(resource(0, 5).unwrap().kind, Kind::Secret);
        assert_eq!(resource(0, 10).unwrap().name, "Short Server ID");
        assert_eq!(resource(1, 7).unwrap().name, "Binding");
        assert_eq!(resource(1, 24).map(|r| r.name), None);
        assert_eq!(resource(11, 6).unwrap().kind, Kind::Secret);
        assert_eq!(object_name(4), Some("Connectivity Monitoring"));
        assert_eq!(object_name(10241), None);
    }
}
