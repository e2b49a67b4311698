//! The bytes every benchmark works on.

use scboot::ber::{Concat, Encode};

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    v.encode(&mut out).unwrap();
    out
}

fn hex(s: &str) -> Vec<u8> {
    scboot_card::from_hex(s).unwrap()
}

/// EF.DIR: three application templates (the PKCS#15 one last), records end to end.
pub fn dir() -> Vec<u8> {
    use scboot::dir::{ApplicationTemplate, PKCS15_AID};
    let p = [0x3F, 0x00, 0x50, 0x15];
    let usim = hex("a0000000871002ff49ff0589");
    let isim = hex("a0000000871004ff49ff0589");
    let t = [
        ApplicationTemplate {
            aid: &usim,
            label: Some("USIM"),
            path: Some(&[0x7F, 0xF0]),
            discretionary: None,
        },
        ApplicationTemplate {
            aid: &isim,
            label: Some("ISIM"),
            path: Some(&[0x7F, 0xF1]),
            discretionary: None,
        },
        ApplicationTemplate {
            aid: PKCS15_AID,
            label: Some("LwM2M"),
            path: Some(&p),
            discretionary: None,
        },
    ];
    encode(&Concat(&t))
}

/// EF.ODF: four classes.
pub fn odf() -> Vec<u8> {
    use scboot::odf::{ObjectClass, OdfEntry, OdfLocation};
    use scboot::path::Path;
    let paths: [[u8; 2]; 4] = [[0x44, 0x01], [0x44, 0x02], [0x64, 0x30], [0x44, 0x03]];
    let classes = [
        ObjectClass::PrivateKeys,
        ObjectClass::Certificates,
        ObjectClass::DataObjects,
        ObjectClass::AuthObjects,
    ];
    let e: Vec<OdfEntry> = paths
        .iter()
        .zip(classes)
        .map(|(p, class)| OdfEntry {
            class,
            location: OdfLocation::Path(Path::new(p)),
        })
        .collect();
    encode(&Concat(&e))
}

/// A DODF of six oidDO entries, the LwM2M one last (the finder reads all).
pub fn dodf() -> Vec<u8> {
    use scboot::ber::Oid;
    use scboot::dodf::*;
    use scboot::path::Path;
    let other_ids: Vec<Vec<u8>> = (2..7u8).map(|k| vec![0x67, 0x2B, 0x09, k]).collect();
    let labels = [
        "ObjectA",
        "ObjectB",
        "ObjectC",
        "ObjectD",
        "ObjectE",
        "LwM2M Bootstrap",
    ];
    let paths: Vec<[u8; 2]> = (0..6u8).map(|k| [0x64, 0x40 + k]).collect();
    let mut ids: Vec<Oid> = other_ids
        .iter()
        .map(|i| Oid::from_content(i).unwrap())
        .collect();
    ids.push(Oid::LWM2M_BOOTSTRAP);
    let e: Vec<DataObject> = ids
        .iter()
        .zip(labels)
        .zip(&paths)
        .map(|((id, label), p)| DataObject {
            kind: DataObjectKind::Oid(*id),
            common: CommonObjectAttributes {
                label: Some(label),
                flags: Some(ObjectFlags(2)),
                ..Default::default()
            },
            data: CommonDataObjectAttributes {
                application_name: Some("LwM2M"),
                application_oid: None,
            },
            sub_class: None,
            value: ObjectValue::Path(Path::new(p)),
        })
        .collect();
    encode(&Concat(&e))
}

/// EF.TokenInfo.
pub fn tokeninfo() -> Vec<u8> {
    use scboot::tokeninfo::*;
    let serial = hex("8944010000000000001f");
    encode(&TokenInfo {
        manufacturer_id: Some("scboot"),
        label: Some("LwM2M UICC"),
        last_update: Some(LastUpdate::Time("20261123120000Z")),
        preferred_language: Some("en"),
        ..TokenInfo::new(&serial, TokenFlags(0x02))
    })
}

fn servers(n: usize) -> Vec<scboot_card::config::Server> {
    (0..n)
        .map(|i| scboot_card::config::Server {
            uri: format!("coaps://lwm2m-{i}.example.com:5684"),
            bootstrap: false,
            security_mode: "psk".into(),
            psk_identity: Some(format!("device-{i:04}")),
            psk_key: Some("000102030405060708090a0b0c0d0e0f".into()),
            server_public_key: None,
            short_server_id: Some(100 + i as u16),
            lifetime: Some(86400),
            binding: Some("UQ".into()),
        })
        .collect()
}

/// A bootstrap file of about 1 KB (Security and Server instances), padded to 1024.
pub fn bootstrap_1k() -> Vec<u8> {
    let mut n = 1;
    let mut data = scboot_card::config::bootstrap_data(&servers(n)).unwrap();
    while data.len() < 900 {
        n += 1;
        data = scboot_card::config::bootstrap_data(&servers(n)).unwrap();
    }
    data.resize(1024, 0xFF);
    data
}

/// One Security instance as bare TLV.
pub fn tlv_small() -> Vec<u8> {
    let f = scboot_card::config::bootstrap_data(&servers(1)).unwrap();
    let bf = scboot::bootstrap::BootstrapFile::parse(&f).unwrap();
    bf.objects().next().unwrap().tlv().as_bytes().to_vec()
}

/// About 32 KB of TLV (Object Instances).
pub fn tlv_32k() -> Vec<u8> {
    let one = tlv_small();
    let mut v = Vec::new();
    while v.len() + one.len() <= 32 * 1024 {
        v.extend_from_slice(&one);
    }
    v
}

/// LwM2M TLV of about `n` bytes: whole Security instances, repeated.
pub fn tlv_of(n: usize) -> Vec<u8> {
    let one = tlv_small();
    let mut v = Vec::new();
    while v.len() + one.len() <= n.max(one.len()) {
        v.extend_from_slice(&one);
    }
    v
}

/// A DODF of `n` oidDO entries, the LwM2M bootstrap one last.
pub fn dodf_of(n: usize) -> Vec<u8> {
    use scboot::ber::Oid;
    use scboot::dodf::*;
    use scboot::path::Path;
    let ids: Vec<Vec<u8>> = (0..n)
        .map(|k| vec![0x67, 0x2B, 0x09, 0x10 + (k % 100) as u8])
        .collect();
    let path = [0x64, 0x40];
    let mut e: Vec<DataObject> = ids
        .iter()
        .map(|id| DataObject {
            kind: DataObjectKind::Oid(Oid::from_content(id).unwrap()),
            common: CommonObjectAttributes {
                label: Some("Object"),
                ..Default::default()
            },
            data: CommonDataObjectAttributes::default(),
            sub_class: None,
            value: ObjectValue::Path(Path::new(&path)),
        })
        .collect();
    if let Some(last) = e.last_mut() {
        last.kind = DataObjectKind::Oid(Oid::LWM2M_BOOTSTRAP);
    }
    encode(&scboot::ber::Concat(&e))
}
