//! Parsing a whole card's files, walking every entry, finding the bootstrap
//! object and decoding the typed views performs zero heap allocations.
#![allow(unsafe_code)] // a counting GlobalAlloc needs `unsafe impl`; the kernel itself forbids unsafe.

mod common;
use common::hex;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocations, Counting};

use scboot::bootstrap::BootstrapFile;
use scboot::dir::EfDir;
use scboot::dodf::Dodf;
use scboot::lwm2m::{SecurityInstance, ServerInstance, SECURITY_OBJECT, SERVER_OBJECT};
use scboot::odf::Odf;
use scboot::tokeninfo::TokenInfo;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn counter_sees_allocations() {
    // The counter is live: a Vec allocates once.
    let (n, v) = allocations(|| vec![1u8; 100]);
    assert_eq!(n, 1);
    drop(v);
}

#[test]
fn whole_card_parse_allocates_nothing() {
    let dir = hex("61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015 FFFF");
    let odf = hex("A7 06 30 04 04 02 6430 A8 06 30 04 04 02 4401 0000");
    let tokeninfo =
        hex("30 1E 02 01 00 04 04 01020304 0C 06 73636F6F7400 80 03 4C774D 03 02 06 40 13 02 656E");
    let dodf = hex(
        "A1 27 30 00 30 11 0C 0F 4C774D324D20426F6F747374726170 A1 10 30 0E 06 06 06 04 67 2B 09 01 30 04 04 02 64 32 FFFF",
    );
    let mut bootstrap = hex("00 02 00 4E 00 00 00 00 31 08 00 2E C8 00 25");
    bootstrap.extend_from_slice(b"coap://leshan.eclipseprojects.io:5783");
    bootstrap.extend(hex("C1 01 01 C1 02 03"));
    // Object 1 (Server), version 1.1: instance 0 { 0 = 101, 1 = 86400, 7 = "U" }
    bootstrap.extend(hex(
        "00 01 01 01 00 12 08 00 0F C1 00 65 C4 01 00015180 C1 07 55 C1 06 01",
    ));
    bootstrap.extend([0xFF; 16]);

    let (n, summary) = allocations(|| {
        let d = EfDir::parse(&dir).unwrap();
        let app = d.pkcs15().unwrap();
        let o = Odf::parse(&odf).unwrap();
        let dodf_path = o.data_object_paths().next().unwrap();
        let t = TokenInfo::parse(&tokeninfo).unwrap();
        let dd = Dodf::parse(&dodf).unwrap();
        let found = dd.find_lwm2m_bootstrap().unwrap();
        let file_path = found.object.value.path().unwrap();
        let bf = BootstrapFile::parse(&bootstrap).unwrap();
        let mut uri_len = 0;
        let mut lifetime = 0;
        for obj in bf.objects() {
            for inst in obj.instances() {
                match obj.object_id {
                    SECURITY_OBJECT => {
                        uri_len = SecurityInstance::from_record(&inst)
                            .unwrap()
                            .server_uri
                            .unwrap()
                            .len()
                    }
                    SERVER_OBJECT => {
                        lifetime = ServerInstance::from_record(&inst)
                            .unwrap()
                            .lifetime
                            .unwrap()
                    }
                    _ => {}
                }
            }
        }
        (
            app.aid.len(),
            dodf_path.path.len(),
            t.serial_number.len(),
            file_path.path.len(),
            uri_len,
            lifetime,
        )
    });
    assert_eq!(summary, (12, 2, 4, 2, 37, 86400));
    assert_eq!(n, 0, "parsing allocated {n} times");
}
