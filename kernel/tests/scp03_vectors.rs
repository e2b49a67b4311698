//! Every session of `tests/vectors/scp03_sessions.txt` (pySim's unit tests,
//! a GlobalPlatformPro JCOP4 dump, blaufish's KDF vectors; sources with
//! commits in the file's header), reproduced byte for byte in the host
//! role and replayed in the card role; and the KDF vectors.

mod common;
use common::hex;

use aes::cipher::{BlockEncrypt, KeyInit};
use scboot::scp03::*;

#[derive(Default, Debug)]
struct Vector {
    name: String,
    fields: std::collections::HashMap<String, String>,
    cmds: Vec<Vec<String>>,
    resps: Vec<Vec<String>>,
    kdf: Vec<Vec<String>>,
}

fn load() -> Vec<Vector> {
    let text = include_str!("vectors/scp03_sessions.txt");
    let mut out: Vec<Vector> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.push(Vector {
                name: name.into(),
                ..Default::default()
            });
            continue;
        }
        let v = out.last_mut().unwrap();
        let (k, val) = line.split_once('=').unwrap();
        let parts = val.split(' ').map(String::from).collect();
        match k {
            "cmd" => v.cmds.push(parts),
            "resp" => v.resps.push(parts),
            "kdf" => v.kdf.push(parts),
            _ => {
                v.fields.insert(k.into(), val.into());
            }
        }
    }
    out
}

impl Vector {
    fn f(&self, k: &str) -> Vec<u8> {
        hex(&self.fields[k])
    }
}

fn aes_block(key: &[u8], block: [u8; 16]) -> [u8; 16] {
    let mut b = aes::Block::from(block);
    match key.len() {
        16 => aes::Aes128::new_from_slice(key)
            .unwrap()
            .encrypt_block(&mut b),
        24 => aes::Aes192::new_from_slice(key)
            .unwrap()
            .encrypt_block(&mut b),
        _ => aes::Aes256::new_from_slice(key)
            .unwrap()
            .encrypt_block(&mut b),
    }
    b.into()
}

#[test]
fn vector_file_is_complete() {
    let v = load();
    let sessions: Vec<_> = v.iter().filter(|v| v.name != "kdf").collect();
    assert_eq!(sessions.len(), 10);
    assert_eq!(sessions.iter().map(|s| s.cmds.len()).sum::<usize>(), 46);
    assert_eq!(sessions.iter().map(|s| s.resps.len()).sum::<usize>(), 10);
    assert_eq!(v.iter().find(|v| v.name == "kdf").unwrap().kdf.len(), 12);
}

#[test]
fn kdf_vectors() {
    let v = load();
    let k = v.iter().find(|v| v.name == "kdf").unwrap();
    for line in &k.kdf {
        let (key, constant, ctx, expected) = (
            hex(&line[0]),
            u8::from_str_radix(&line[1], 16).unwrap(),
            hex(&line[2]),
            hex(&line[3]),
        );
        if !key_len_supported(key.len()) {
            continue;
        }
        let mut out = vec![0u8; expected.len()];
        kdf(&key, constant, &ctx, &mut out).unwrap();
        assert_eq!(out, expected, "kdf constant {constant:02x}");
    }
}

#[test]
fn host_role_reproduces_every_session() {
    for v in load()
        .into_iter()
        .filter(|v| v.name != "kdf" && key_len_supported(v.f("key_enc").len()))
    {
        let name = &v.name;
        // The host asks with the KVN it sent (GlobalPlatformPro sent 00: "first available").
        let keys = StaticKeys::new(
            v.f("iu_cmd")[2],
            &v.f("key_enc"),
            &v.f("key_mac"),
            &v.f("key_dek"),
        )
        .unwrap();
        let mode = if v.fields["mode"] == "S16" {
            Mode::S16
        } else {
            Mode::S8
        };
        if !mode.is_available() {
            continue;
        }
        let m = mode.size();
        let aid = v.f("card_aid");
        let level =
            SecurityLevel::new(u8::from_str_radix(&v.fields["level"], 16).unwrap()).unwrap();
        let cfg = HostConfig::default()
            .level(level)
            .mode(mode)
            .channel(0)
            .card_aid(Some(&aid));
        let iu_cmd = v.f("iu_cmd");
        let iu_resp = v.f("iu_resp");
        let host_challenge = &iu_cmd[5..5 + m];

        let mut buf = [0u8; 512];
        let (hs, n) = HostHandshake::start(&keys, &cfg, host_challenge, &mut buf).unwrap();
        assert_eq!(&buf[..n], &iu_cmd[..], "{name}: INITIALIZE UPDATE");

        // The pieces: session keys, both cryptograms, the pseudo-random challenge.
        let r = InitUpdateResponse::parse(&iu_resp, mode).unwrap();
        assert_eq!(r.scp, 3);
        let sk = SessionKeys::derive(&keys, host_challenge, r.card_challenge()).unwrap();
        assert_eq!(sk.s_enc(), &v.f("s_enc")[..], "{name}: S-ENC");
        assert_eq!(sk.s_mac(), &v.f("s_mac")[..], "{name}: S-MAC");
        assert_eq!(sk.s_rmac(), &v.f("s_rmac")[..], "{name}: S-RMAC");
        let cc = sk
            .card_cryptogram(mode, host_challenge, r.card_challenge())
            .unwrap();
        assert_eq!(
            &cc[..m],
            &v.f("card_cryptogram")[..],
            "{name}: card cryptogram"
        );
        assert_eq!(
            &cc[..m],
            r.card_cryptogram(),
            "{name}: card cryptogram on the wire"
        );
        let hcg = sk
            .host_cryptogram(mode, host_challenge, r.card_challenge())
            .unwrap();
        assert_eq!(
            &hcg[..m],
            &v.f("host_cryptogram")[..],
            "{name}: host cryptogram"
        );
        let seq = r.sequence_counter.unwrap();
        let prc = pseudo_random_challenge(&keys, mode, seq, &aid).unwrap();
        assert_eq!(
            &prc[..m],
            r.card_challenge(),
            "{name}: pseudo-random card challenge"
        );

        let (pending, n) = hs.authenticate(&keys, &iu_resp, &mut buf).unwrap();
        assert_eq!(&buf[..n], &v.f("ea")[..], "{name}: EXTERNAL AUTHENTICATE");
        assert_eq!(pending.host_cryptogram(), &v.f("host_cryptogram")[..]);
        let mut host = pending.confirm(0x9000).unwrap();
        assert_eq!(
            host.mac_chaining_value().to_vec(),
            v.f("chain_ea"),
            "{name}: chain after EA"
        );
        assert_eq!(host.counter(), 0);

        let mut resps = v.resps.iter();
        for (i, c) in v.cmds.iter().enumerate() {
            let n = host.wrap(&hex(&c[0]), &mut buf).unwrap();
            assert_eq!(&buf[..n], &hex(&c[1])[..], "{name}: command {}", i + 1);
            assert_eq!(
                host.counter().to_string(),
                c[2],
                "{name}: counter {}",
                i + 1
            );
            assert_eq!(
                host.mac_chaining_value().to_vec(),
                hex(&c[3]),
                "{name}: chain {}",
                i + 1
            );
            if c[4] != "-" {
                let mut block = [0u8; 16];
                block[12..].copy_from_slice(&host.counter().to_be_bytes());
                assert_eq!(
                    aes_block(sk.s_enc(), block).to_vec(),
                    hex(&c[4]),
                    "{name}: command ICV {}",
                    i + 1
                );
            }
            if i == 0 {
                let rsp = resps.next().unwrap();
                let mut out = [0u8; 512];
                let r = host.unwrap(&hex(&rsp[0]), &mut out).unwrap();
                assert_eq!(r.sw, 0x9000);
                assert_eq!(&out[..r.len], &hex(&rsp[1])[..], "{name}: response");
                if rsp[2] != "-" {
                    let mut block = [0u8; 16];
                    block[12..].copy_from_slice(&host.counter().to_be_bytes());
                    block[0] = 0x80;
                    assert_eq!(
                        aes_block(sk.s_enc(), block).to_vec(),
                        hex(&rsp[2]),
                        "{name}: response ICV"
                    );
                }
            }
        }
    }
}

#[test]
fn card_role_replays_every_session() {
    for v in load()
        .into_iter()
        .filter(|v| v.name != "kdf" && key_len_supported(v.f("key_enc").len()))
    {
        let name = &v.name;
        let iu_resp = v.f("iu_resp");
        let keys = StaticKeys::new(
            iu_resp[10],
            &v.f("key_enc"),
            &v.f("key_mac"),
            &v.f("key_dek"),
        )
        .unwrap();
        let i = iu_resp[12];
        let mut cfg = CardConfig::new(i, &v.f("card_aid")).unwrap();
        cfg.kdd.copy_from_slice(&iu_resp[..10]);
        let seq = &iu_resp[iu_resp.len() - 3..];
        cfg.sequence_counter = u32::from_be_bytes([0, seq[0], seq[1], seq[2]]) - 1;
        let mut card = CardChannel::new(keys, cfg);
        let mut out = [0u8; 512];
        // The card derives its pseudo-random challenge: the random input is unused.
        let n = card
            .initialize_update(&v.f("iu_cmd"), &[], &mut out)
            .unwrap();
        assert_eq!(&out[..n], &iu_resp[..], "{name}: card IU response");
        let level = card.external_authenticate(&v.f("ea")).unwrap();
        assert_eq!(
            level.bits(),
            u8::from_str_radix(&v.fields["level"], 16).unwrap()
        );
        let mut resps = v.resps.iter();
        for (k, c) in v.cmds.iter().enumerate() {
            let n = card.unwrap_command(&hex(&c[1]), &mut out).unwrap();
            assert_eq!(
                &out[..n],
                &hex(&c[0])[..],
                "{name}: card unwraps command {}",
                k + 1
            );
            if k == 0 {
                let rsp = resps.next().unwrap();
                let n = card.wrap_response(&hex(&rsp[1]), 0x9000, &mut out).unwrap();
                assert_eq!(&out[..n], &hex(&rsp[0])[..], "{name}: card wraps response");
            }
        }
    }
}
