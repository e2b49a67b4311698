//! Every seed of the parse and differential corpora through the kernel-vs-model
//! comparison, on every `cargo test` (the fuzzers' findings stay fixed).

use std::path::Path;

#[test]
fn every_parser_seed_agrees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let mut files = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("parse_") || name.starts_with("diff_")) {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            let bytes = std::fs::read(&f).unwrap();
            let r = if name.ends_with("_keys") {
                // The first byte picks the directory's class.
                use scboot_reference::keys::{parse, RefKeyClass};
                let classes = [
                    RefKeyClass::Private,
                    RefKeyClass::Public,
                    RefKeyClass::Secret,
                ];
                match bytes.split_first() {
                    Some((&c, rest)) => {
                        let class = classes[usize::from(c % 3)];
                        scboot_reference::mirror::compare(
                            "key directory",
                            scboot_reference::mirror::keys(rest, class),
                            parse(rest, class),
                        )
                    }
                    None => Ok(()),
                }
            } else {
                scboot_reference::mirror::compare_all(&bytes)
            };
            if let Err(e) = r {
                panic!("{}: {e}", f.display());
            }
            files += 1;
        }
    }
    assert!(files > 1000, "only {files} seeds found");
}

#[test]
fn regression_depth_assertion_on_empty_children() {
    // Found by parse_tlv (a harness bug: the depth check fired on the empty
    // child list of a depth-2 leaf). The kernel walk must stop at depth 3.
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../corpus/parse_tlv/regress-harness-depth-assert-on-empty-children.bin"),
    )
    .unwrap();
    let t = scboot::tlv::Tlv::parse(&bytes).unwrap();
    fn depth(r: scboot::tlv::Records<'_>) -> usize {
        r.map(|x| 1 + depth(x.children())).max().unwrap_or(0)
    }
    assert!(depth(t.records()) <= 3);
    assert_eq!(
        depth(t.records()),
        3,
        "the input reaches a resource instance"
    );
}
