//! Every benchmark case runs, and the peers decode what the kernel decodes.

#[test]
fn every_case_runs_twice() {
    let mut cases = scboot_benches::all();
    assert!(cases.len() > 40, "{} cases", cases.len());
    for c in cases.iter_mut() {
        let a = (c.run)();
        let b = (c.run)();
        let _ = (a, b);
    }
}

#[test]
fn peers_decode_the_same_files() {
    use scboot_benches::{fixtures, peers};
    let dodf = fixtures::dodf();
    let d = scboot::dodf::Dodf::parse(&dodf).unwrap();
    let kernel = d.len() + d.find_lwm2m_bootstrap().unwrap().entry;
    assert_eq!(d.entries().count(), d.len());
    assert_eq!(
        peers::der_dodf(&dodf),
        kernel,
        "der finds the same entries and the same LwM2M entry"
    );
    let odf = fixtures::odf();
    let o = scboot::odf::Odf::parse(&odf).unwrap();
    let paths: usize = o.data_object_paths().map(|p| p.path.len()).sum();
    assert!(paths > 0);
    assert_eq!(peers::der_odf(&odf), o.len() + paths);
    let dir = fixtures::dir();
    let d = scboot::dir::EfDir::parse(&dir).unwrap();
    assert_eq!(
        peers::der_dir(&dir),
        d.len() + d.pkcs15().unwrap().aid.len(),
        "der finds the same templates and the same PKCS#15 AID"
    );
    // der-parser reads every top-level element of each file.
    for f in [dodf, odf, dir, fixtures::tokeninfo()] {
        assert!(peers::der_parser_all(&f) > 0);
    }
    let boot = fixtures::bootstrap_1k();
    assert_eq!(boot.len(), 1024);
    assert!(fixtures::tlv_32k().len() > 32_000);
}
