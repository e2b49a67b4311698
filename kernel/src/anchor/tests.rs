//! Device-side checks: ECDSA P-256 cases in the style of Wycheproof's
//! `ecdsa_secp256r1_sha256_p1363` groups (valid, high-S, r or s out of
//! range, wrong lengths, points off the curve or compressed, another
//! curve), and the checksum comparison.

use super::*;
#[cfg(feature = "p256")]
use p256::ecdsa::signature::hazmat::PrehashSigner;
#[cfg(feature = "p256")]
use p256::ecdsa::{Signature, SigningKey};
#[cfg(feature = "p256")]
use sha2::{Digest, Sha256};
use std::vec::Vec;

/// The group order n of P-256.
#[cfg(feature = "p256")]
const N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

#[cfg(feature = "p256")]
fn key() -> SigningKey {
    SigningKey::from_slice(&[0x17; 32]).unwrap()
}

#[cfg(feature = "p256")]
fn point() -> Vec<u8> {
    key()
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

#[cfg(feature = "p256")]
fn sign(msg: &[u8]) -> ([u8; 32], [u8; 64]) {
    let digest: [u8; 32] = Sha256::digest(msg).into();
    let sig: Signature = key().sign_prehash(&digest).unwrap();
    (digest, sig.to_bytes().into())
}

/// `n - s` as 32 big-endian bytes.
#[cfg(feature = "p256")]
fn negate(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let v = i16::from(N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(v < 0);
        out[i] = v.rem_euclid(256) as u8;
    }
    out
}

#[cfg(feature = "p256")]
#[test]
#[cfg_attr(
    miri,
    ignore = "P-256 arithmetic: minutes per verification under Miri; natively and in the fuzzers it runs"
)]
fn valid_signature_verifies_and_any_change_does_not() {
    let (digest, sig) = sign(b"bootstrap package");
    let pk = point();
    assert_eq!(verify_p256(&pk, &digest, &sig), Ok(()));
    // Every single-bit change of the digest or the signature is caught.
    for i in 0..32 {
        let mut d = digest;
        d[i] ^= 0x01;
        assert_eq!(verify_p256(&pk, &d, &sig), Err(VerifyError::BadSignature));
    }
    for i in 0..64 {
        let mut s = sig;
        s[i] ^= 0x80;
        let r = verify_p256(&pk, &digest, &s);
        assert!(
            matches!(
                r,
                Err(VerifyError::BadSignature | VerifyError::MalformedSignature)
            ),
            "byte {i}: {r:?}"
        );
    }
    // Another key does not verify it.
    let other = SigningKey::from_slice(&[0x18; 32]).unwrap();
    let opk = other.verifying_key().to_encoded_point(false);
    assert_eq!(
        verify_p256(opk.as_bytes(), &digest, &sig),
        Err(VerifyError::BadSignature)
    );
}

#[cfg(feature = "p256")]
#[test]
#[cfg_attr(
    miri,
    ignore = "P-256 arithmetic: minutes per verification under Miri; natively and in the fuzzers it runs"
)]
fn high_s_is_accepted_as_ecdsa_defines_it() {
    let (digest, sig) = sign(b"high s");
    let mut high = sig;
    high[32..].copy_from_slice(&negate(&sig[32..]));
    assert_ne!(high, sig);
    // (r, n - s) verifies too: ECDSA has no low-S rule; cards do not normalise.
    assert_eq!(verify_p256(&point(), &digest, &high), Ok(()));
    assert_eq!(verify_p256(&point(), &digest, &sig), Ok(()));
}

#[cfg(feature = "p256")]
#[test]
#[cfg_attr(
    miri,
    ignore = "P-256 arithmetic: minutes per verification under Miri; natively and in the fuzzers it runs"
)]
fn r_or_s_out_of_range_is_malformed() {
    let (digest, sig) = sign(b"range");
    let pk = point();
    let mut cases: Vec<[u8; 64]> = Vec::new();
    for (field, value) in [
        (0, [0u8; 32]),
        (1, [0u8; 32]),
        (0, N),
        (1, N),
        (0, [0xFF; 32]),
        (1, [0xFF; 32]),
    ] {
        let mut s = sig;
        s[field * 32..field * 32 + 32].copy_from_slice(&value);
        cases.push(s);
    }
    for s in cases {
        assert_eq!(
            verify_p256(&pk, &digest, &s),
            Err(VerifyError::MalformedSignature),
            "{s:02x?}"
        );
    }
}

#[cfg(feature = "p256")]
#[test]
#[cfg_attr(
    miri,
    ignore = "P-256 arithmetic: minutes per verification under Miri; natively and in the fuzzers it runs"
)]
fn wrong_lengths_and_der_are_malformed() {
    let (digest, sig) = sign(b"lengths");
    let pk = point();
    for len in [0, 1, 32, 63, 65, 72] {
        let mut s = sig.to_vec();
        s.resize(len, 0x01);
        assert_eq!(
            verify_p256(&pk, &digest, &s),
            Err(VerifyError::MalformedSignature),
            "{len}"
        );
    }
    // A DER signature is not r || s.
    let der = Signature::from_slice(&sig).unwrap().to_der();
    assert_eq!(
        verify_p256(&pk, &digest, der.as_bytes()),
        Err(VerifyError::MalformedSignature)
    );
}

#[cfg(feature = "p256")]
#[test]
#[cfg_attr(
    miri,
    ignore = "P-256 arithmetic: minutes per verification under Miri; natively and in the fuzzers it runs"
)]
fn public_keys_off_the_curve_compressed_or_of_another_curve_are_refused() {
    let (digest, sig) = sign(b"keys");
    let pk = point();
    // Y + 1: not on the curve.
    let mut off = pk.clone();
    off[64] ^= 0x01;
    assert_eq!(
        verify_p256(&off, &digest, &sig),
        Err(VerifyError::PublicKey)
    );
    // The compressed form.
    let compressed = key().verifying_key().to_encoded_point(true);
    assert_eq!(
        verify_p256(compressed.as_bytes(), &digest, &sig),
        Err(VerifyError::PublicKey)
    );
    // The point at infinity, an empty key, the X coordinate alone.
    for k in [&[0x00][..], &[], &pk[1..33]] {
        assert_eq!(verify_p256(k, &digest, &sig), Err(VerifyError::PublicKey));
    }
    // A SubjectPublicKeyInfo of P-384 (secp384r1, 1.3.132.0.34) around the point.
    let mut spki = std::vec![
        0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05,
        0x2B, 0x81, 0x04, 0x00, 0x22, 0x03, 0x42, 0x00,
    ];
    spki.extend_from_slice(&pk);
    assert_eq!(
        verify_p256(&spki, &digest, &sig),
        Err(VerifyError::PublicKey)
    );
    // The same SPKI with prime256v1 verifies.
    let mut good = std::vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08,
        0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    good.extend_from_slice(&pk);
    assert_eq!(verify_p256(&good, &digest, &sig), Ok(()));
}

/// A package: one Security instance with resource 0 "coap://h".
fn package() -> Vec<u8> {
    let mut f = std::vec![0x00, 0x01, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x0E, 0x08, 0x00, 0x0B];
    f.extend([0xC8, 0x00, 0x08]);
    f.extend(b"coap://h");
    f
}

#[cfg(feature = "p256")]
#[test]
#[cfg_attr(
    miri,
    ignore = "P-256 arithmetic: minutes per verification under Miri; natively and in the fuzzers it runs"
)]
fn a_package_is_given_only_when_its_signature_verifies() {
    let pkg = package();
    let (_, sig) = sign(&pkg);
    let file = verified_by_signature(&pkg, &sig, &point()).unwrap();
    assert_eq!(file.object_count(), 1);
    let mut tampered = pkg.clone();
    tampered[18] ^= 0x20;
    assert_eq!(
        verified_by_signature(&tampered, &sig, &point()).map(|f| f.object_count()),
        Err(VerifyError::BadSignature)
    );
    // A signed package that is not a bootstrap file: verified, not applied.
    let junk = b"not a bootstrap file";
    let (_, sig) = sign(junk);
    assert!(matches!(
        verified_by_signature(junk, &sig, &point()),
        Err(VerifyError::Parse(_))
    ));
}

#[test]
fn checksums_compare_whole() {
    let pkg = package();
    let mac = [0x5Au8; 16];
    assert!(checksum_matches(&mac, &mac));
    for i in 0..16 {
        let mut m = mac;
        m[i] ^= 1;
        assert!(!checksum_matches(&m, &mac));
        assert_eq!(
            verified_by_checksum(&pkg, &m, &mac).map(|f| f.object_count()),
            Err(VerifyError::BadChecksum)
        );
    }
    assert!(!checksum_matches(&mac[..8], &mac));
    assert_eq!(
        verified_by_checksum(&pkg, &mac, &mac)
            .unwrap()
            .object_count(),
        1
    );
}
