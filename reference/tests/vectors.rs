//! The model on its own against the published vectors and the format
//! examples (corpus/vectors/SOURCES.md): it must be right, not merely agree
//! with the kernel.

mod common;
use common::hex;

use scboot_reference::scp03::*;
use scboot_reference::{bootstrap, dodf, odf, tlv};

#[test]
fn cmac_nist_sp800_38b_examples() {
    // SP 800-38B Appendix D.1 (AES-128): key 2b7e1516..., messages of 0, 16, 40 and 64 bytes.
    let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
    let m = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    assert_eq!(
        cmac(&key, &[]).to_vec(),
        hex("bb1d6929e95937287fa37d129b756746")
    );
    assert_eq!(
        cmac(&key, &m[..16]).to_vec(),
        hex("070a16b46b4d4144f79bdd9dd04a287c")
    );
    assert_eq!(
        cmac(&key, &m[..40]).to_vec(),
        hex("dfa66747de9ae63030ca32611497c827")
    );
    assert_eq!(
        cmac(&key, &m).to_vec(),
        hex("51f0bebf7e3b9d92fc49741779363cfe")
    );
}

#[test]
fn every_scp03_session() {
    let text = include_str!("../../kernel/tests/vectors/scp03_sessions.txt");
    let mut sessions = 0;
    let mut f = std::collections::HashMap::new();
    let mut cmds: Vec<Vec<String>> = vec![];
    let mut resps: Vec<Vec<String>> = vec![];
    let mut kdfs = 0;
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    lines.push("[end]");
    for line in lines {
        if line.starts_with('[') {
            if f.contains_key("key_enc") {
                check(&f, &cmds, &resps);
                sessions += 1;
            }
            f.clear();
            cmds.clear();
            resps.clear();
            continue;
        }
        let (k, v) = line.split_once('=').unwrap();
        let parts: Vec<String> = v.split(' ').map(String::from).collect();
        match k {
            "cmd" => cmds.push(parts),
            "resp" => resps.push(parts),
            "kdf" => {
                let out = kdf(
                    &hex(&parts[0]),
                    u8::from_str_radix(&parts[1], 16).unwrap(),
                    &hex(&parts[2]),
                    parts[3].len() / 2,
                );
                assert_eq!(out, hex(&parts[3]));
                kdfs += 1;
            }
            _ => {
                f.insert(k.to_string(), v.to_string());
            }
        }
    }
    assert_eq!((sessions, kdfs), (10, 12));
}

fn check(
    f: &std::collections::HashMap<String, String>,
    cmds: &[Vec<String>],
    resps: &[Vec<String>],
) {
    let g = |k: &str| hex(&f[k]);
    let (enc, mac) = (g("key_enc"), g("key_mac"));
    let iu = g("iu_cmd");
    let resp = g("iu_resp");
    let m = 8;
    let hc = &iu[5..5 + m];
    assert_eq!(initialize_update(iu[2], 0, hc), iu);
    let keys = session_keys(&enc, &mac, hc, &resp[13..13 + m]);
    assert_eq!(keys[0], g("s_enc"));
    assert_eq!(keys[1], g("s_mac"));
    assert_eq!(keys[2], g("s_rmac"));
    // The pseudo-random challenge: KDF(Key-ENC, 02, 64, seq || AID).
    let ctx = [&resp[resp.len() - 3..], &g("card_aid")[..]].concat();
    assert_eq!(kdf(&enc, 0x02, &ctx, 8), resp[13..21]);
    let level = u8::from_str_radix(&f["level"], 16).unwrap();
    let (mut s, ea) =
        host_authenticate(&g("card_aid"), &enc, &mac, iu[2], level, m, 0, hc, &resp).unwrap();
    assert_eq!(ea, g("ea"));
    assert_eq!(s.chain.to_vec(), g("chain_ea"));
    for (k, c) in cmds.iter().enumerate() {
        assert_eq!(s.wrap(&hex(&c[0])).unwrap(), hex(&c[1]));
        assert_eq!(s.chain.to_vec(), hex(&c[3]));
        if k == 0 {
            if let Some(r) = resps.first() {
                let (data, sw) = s.unwrap_response(&hex(&r[0])).unwrap();
                assert_eq!((data, sw), (hex(&r[1]), 0x9000));
            }
        }
    }
}

#[test]
fn design_examples() {
    let o = odf::parse(&hex("A7 06 30 04 04 02 64 30")).unwrap();
    assert_eq!(o[0].class, 7);
    let d = dodf::parse(&hex("A1 27 30 00 30 11 0C 0F 4C774D324D20426F6F747374726170 A1 10 30 0E 06 06 06 04 67 2B 09 01 30 04 04 02 64 32")).unwrap();
    assert_eq!(dodf::find_bootstrap(&d), Some((0, 2)));
    let mut b = hex("00 01 00 36 00 00 00 00 31 08 00 2E C8 00 25");
    b.extend_from_slice(b"coap://leshan.eclipseprojects.io:5783");
    b.extend(hex("C1 01 01 C1 02 03 FF FF"));
    let objs = bootstrap::parse(&b).unwrap();
    let inst = &objs[0].instances[0];
    assert_eq!(
        tlv::string(&inst.children[0]).unwrap(),
        "coap://leshan.eclipseprojects.io:5783"
    );
    assert_eq!(tlv::integer(&inst.children[2]).unwrap(), 3);
}
