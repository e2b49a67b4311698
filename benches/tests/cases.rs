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
    let kernel = d.entries().count() + d.find_lwm2m_bootstrap().unwrap().entry;
    assert_eq!(
        peers::der_dodf(&dodf),
        kernel,
        "der finds the same entries and the same LwM2M entry"
    );
    let odf = fixtures::odf();
    let paths: usize = scboot::odf::Odf::parse(&odf)
        .unwrap()
        .entries()
        .map(|e| match e.location {
            scboot::odf::OdfLocation::Path(p) => p.path.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(peers::der_odf(&odf), paths);
    let dir = fixtures::dir();
    let aids: usize = scboot::dir::EfDir::parse(&dir)
        .unwrap()
        .templates()
        .map(|t| t.aid.len())
        .sum();
    assert_eq!(peers::der_dir(&dir), aids);
    // der-parser reads every top-level element of each file.
    for f in [dodf, odf, dir, fixtures::tokeninfo()] {
        assert!(peers::der_parser_all(&f) > 0);
    }
    let boot = fixtures::bootstrap_1k();
    assert_eq!(boot.len(), 1024);
    assert!(fixtures::tlv_32k().len() > 32_000);
}
