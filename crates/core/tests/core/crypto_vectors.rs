//! Every vector in `tests/data/crypto/` (copied from the shared data; see its README).

use base64::Engine as _;
use envdesk_core::crypto::{self, CryptoError, DataKey, ProjectKey};

use super::read_json;

fn b64d(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn upstream_legacy_pad_key_blobs_decrypt() {
    let v = read_json("crypto/upstream-vectors.json");
    let cases = v["legacy_pad_key_decrypt"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let key = ProjectKey::new(c["key"].as_str().unwrap()).unwrap();
        // A descriptor without a salt (server-managed) means padKey.
        let dk = DataKey::for_descriptor(&key, None, None, false).unwrap();
        let text = crypto::decrypt_string(&dk, c["ciphertext"].as_str().unwrap()).unwrap();
        assert_eq!(text.as_str(), c["plaintext"].as_str().unwrap(), "{}", c["name"]);
        // The same key through PBKDF2 is a different key: authentication fails, clearly.
        let wrong = crypto::derive_data_key(&key, &[0; 16], 1);
        assert_eq!(
            crypto::decrypt(&wrong, c["ciphertext"].as_str().unwrap()).err(),
            Some(CryptoError::AuthenticationFailed)
        );
    }
}

#[test]
fn upstream_data_key_derivation() {
    let v = read_json("crypto/upstream-vectors.json");
    for c in v["data_key_derivation"].as_array().unwrap() {
        let key = ProjectKey::new(c["key"].as_str().unwrap()).unwrap();
        let salt = c["salt_b64"].as_str().unwrap();
        let iters = c["iterations"].as_i64().unwrap();
        let dk = DataKey::for_descriptor(&key, Some(salt), Some(iters), true).unwrap();
        assert_eq!(dk.expose().to_vec(), b64d(c["data_key_b64"].as_str().unwrap()), "{}", c["name"]);
    }
}

#[test]
fn upstream_key_proof() {
    let v = read_json("crypto/upstream-vectors.json");
    for c in v["key_proof"].as_array().unwrap() {
        let key = ProjectKey::new(c["key"].as_str().unwrap()).unwrap();
        let salt = b64d(c["salt_b64"].as_str().unwrap());
        let iters = c["iterations"].as_u64().unwrap() as u32;
        let proof = crypto::key_proof(&key, &salt, iters);
        let expected = c["key_proof_b64"].as_str().unwrap();
        assert_eq!(proof, expected, "{}", c["name"]);
        assert!(crypto::proofs_equal(&proof, expected));
        let other = crypto::key_proof(&ProjectKey::new("test-key-124").unwrap(), &salt, iters);
        assert!(!crypto::proofs_equal(&other, expected));
    }
}

#[test]
fn upstream_and_rfc_pbkdf2() {
    let v = read_json("crypto/upstream-vectors.json");
    for c in v["pbkdf2_hmac_sha256_rfc"].as_array().unwrap() {
        let mut out = vec![0; c["dk_len"].as_u64().unwrap() as usize];
        crypto::pbkdf2_hmac_sha256(
            c["password"].as_str().unwrap().as_bytes(),
            c["salt"].as_str().unwrap().as_bytes(),
            c["iterations"].as_u64().unwrap() as u32,
            &mut out,
        );
        assert_eq!(out, hex(c["dk_hex"].as_str().unwrap()));
    }
    let v = read_json("crypto/pbkdf2_hmac_sha256_vectors.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 4);
    for c in vectors {
        let mut out = vec![0; c["dkLen"].as_u64().unwrap() as usize];
        crypto::pbkdf2_hmac_sha256(
            c["password_utf8"].as_str().unwrap().as_bytes(),
            c["salt_utf8"].as_str().unwrap().as_bytes(),
            c["iterations"].as_u64().unwrap() as u32,
            &mut out,
        );
        assert_eq!(out, hex(c["dk_hex"].as_str().unwrap()), "{}", c["source"]);
    }
}

#[test]
fn wycheproof_pbkdf2_all_60() {
    let v = read_json("crypto/wycheproof/pbkdf2_hmacsha256_test.json");
    let mut n = 0;
    for g in v["testGroups"].as_array().unwrap() {
        for t in g["tests"].as_array().unwrap() {
            let mut out = vec![0; t["dkLen"].as_u64().unwrap() as usize];
            crypto::pbkdf2_hmac_sha256(
                &hex(t["password"].as_str().unwrap()),
                &hex(t["salt"].as_str().unwrap()),
                t["iterationCount"].as_u64().unwrap() as u32,
                &mut out,
            );
            let matches = out == hex(t["dk"].as_str().unwrap());
            assert_eq!(matches, t["result"] == "valid", "tcId {}", t["tcId"]);
            n += 1;
        }
    }
    assert_eq!(n, 60);
}

#[test]
fn wycheproof_aes_gcm_256_96_128() {
    let v = read_json("crypto/wycheproof/aes_gcm_test.json");
    let (mut valid, mut invalid, mut through_blob) = (0, 0, 0);
    for g in v["testGroups"].as_array().unwrap() {
        if g["keySize"] != 256 || g["ivSize"] != 96 || g["tagSize"] != 128 {
            continue;
        }
        for t in g["tests"].as_array().unwrap() {
            let key: [u8; 32] = hex(t["key"].as_str().unwrap()).try_into().unwrap();
            let iv = hex(t["iv"].as_str().unwrap());
            let aad = hex(t["aad"].as_str().unwrap());
            let msg = hex(t["msg"].as_str().unwrap());
            let mut ct = hex(t["ct"].as_str().unwrap());
            ct.extend(hex(t["tag"].as_str().unwrap()));
            let ok = t["result"] == "valid";
            let opened = crypto::aes_gcm_open(&key, &iv, &aad, &ct);
            if ok {
                assert_eq!(opened.as_deref().ok(), Some(msg.as_slice()), "tcId {}", t["tcId"]);
                valid += 1;
            } else {
                assert!(opened.is_err(), "tcId {} must be rejected", t["tcId"]);
                invalid += 1;
            }
            if aad.is_empty() {
                // Our wire format: base64(IV ‖ ct ‖ tag), through the public blob API.
                let mut blob = iv.clone();
                blob.extend(&ct);
                let blob = crypto::b64(&blob);
                let r = crypto::decrypt(&DataKey::from_bytes(key), &blob);
                if ok {
                    assert_eq!(r.unwrap().as_slice(), msg.as_slice(), "tcId {}", t["tcId"]);
                } else {
                    assert_eq!(r.err(), Some(CryptoError::AuthenticationFailed), "tcId {}", t["tcId"]);
                }
                through_blob += 1;
            }
        }
    }
    assert!(valid > 0 && invalid > 0, "valid {valid}, invalid {invalid}");
    assert_eq!(valid + invalid, 66, "every case of that shape");
    assert!(through_blob > 40);
}

#[test]
fn pad_key_rules() {
    assert_eq!(&*crypto::pad_key(b"abc"), b"abc00000000000000000000000000000");
    let long = b"0123456789abcdef0123456789abcdefXYZ";
    assert_eq!(&crypto::pad_key(long)[..], &long[..32]);
    assert_eq!(&*crypto::pad_key(b""), &[b'0'; 32]);
}

#[test]
fn proof_covers_only_32_bytes_and_32_byte_passphrase_is_refused() {
    let salt = [3u8; 16];
    let long = ProjectKey::new("0123456789abcdef0123456789abcdef-and-more").unwrap();
    let short = ProjectKey::new("0123456789abcdef0123456789abcdef-other").unwrap();
    assert_eq!(crypto::key_proof(&long, &salt, 1), crypto::key_proof(&short, &salt, 1));
    assert!(matches!(ProjectKey::from_passphrase("x".repeat(32)), Err(CryptoError::Passphrase32Bytes)));
    assert!(ProjectKey::from_passphrase("x".repeat(33)).is_ok());
    // Why: for a 32-byte key the proof is the data key.
    let k32 = ProjectKey::new("y".repeat(32)).unwrap();
    let dk = crypto::derive_data_key(&k32, &salt, 5);
    assert_eq!(crypto::key_proof(&k32, &salt, 5), crypto::b64(dk.expose()));
}

#[test]
fn descriptor_paths() {
    let key = ProjectKey::new("k").unwrap();
    assert_eq!(DataKey::for_descriptor(&key, None, None, true).err(), Some(CryptoError::MissingSalt));
    assert_eq!(DataKey::for_descriptor(&key, Some("%%"), None, false).err(), Some(CryptoError::InvalidSalt));
    assert_eq!(crypto::checked_iterations(Some(0)), Ok(600_000));
    assert_eq!(crypto::checked_iterations(Some(-5)), Ok(600_000));
    assert_eq!(crypto::checked_iterations(None), Ok(600_000));
    assert_eq!(crypto::checked_iterations(Some(1000)), Ok(1000));
    assert_eq!(crypto::checked_iterations(Some(10_000_000)), Ok(10_000_000));
    // Hostile descriptors: too few iterations make the public proof cheap to brute-force, too many
    // stall the unlock; both are refused before any PBKDF2 runs, naming the setting.
    for bad in [1, 999, 10_000_001, i64::from(u32::MAX), i64::MAX] {
        let e = crypto::checked_iterations(Some(bad)).unwrap_err();
        assert_eq!(e, CryptoError::IterationsOutOfRange { iterations: bad });
        assert!(e.to_string().contains("key_check_iterations"), "{e}");
        let salt = crypto::b64(&[7; 16]);
        assert_eq!(DataKey::for_descriptor(&key, Some(&salt), Some(bad), true).err(), Some(e));
    }
    for len in [1, 7, 65, 4096] {
        let salt = crypto::b64(&vec![7; len]);
        let e = DataKey::for_descriptor(&key, Some(&salt), Some(1000), true).err().unwrap();
        assert_eq!(e, CryptoError::SaltLength { len });
        assert!(e.to_string().contains("key_check_salt"), "{e}");
    }
    assert!(crypto::kdf_params(&crypto::b64(&[0; 16]), Some(600_000)).is_ok());
    assert!(matches!(ProjectKey::new("  \n"), Err(CryptoError::EmptyKey)));
    assert_eq!(ProjectKey::new("  k \n").unwrap().expose(), "k");
}

#[test]
fn distinct_errors() {
    let key = DataKey::from_bytes([1; 32]);
    assert_eq!(crypto::decrypt(&key, "not base64!").err(), Some(CryptoError::NotBase64));
    assert_eq!(crypto::decrypt(&key, &crypto::b64(&[0; 27])).err(), Some(CryptoError::TooShort { len: 27 }));
    let blob = crypto::encrypt(&key, b"A=1");
    assert_eq!(crypto::decrypt(&DataKey::from_bytes([2; 32]), &blob).err(), Some(CryptoError::AuthenticationFailed));
    let not_text = crypto::encrypt(&key, &[0xff, 0xfe, 0x00]);
    assert_eq!(crypto::decrypt_string(&key, &not_text).err(), Some(CryptoError::NotUtf8));
    // Error messages carry no secret bytes.
    for e in [
        CryptoError::NotBase64,
        CryptoError::TooShort { len: 3 },
        CryptoError::AuthenticationFailed,
        CryptoError::NotUtf8,
    ] {
        assert!(!e.to_string().contains("A=1"));
    }
}
