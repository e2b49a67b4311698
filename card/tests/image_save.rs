//! The card image is saved atomically: a save that fails half-way leaves
//! the old image whole, and no temporary file behind.

use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::CardImage;

#[test]
fn save_replaces_whole_or_not_at_all() {
    let dir = std::env::temp_dir().join(format!("scboot-image-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("card.json");
    let mut image = build(&CardConfig::parse(DEMO_CONFIG).unwrap()).unwrap();
    image.save(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    assert_eq!(
        CardImage::load(&path).unwrap().files.len(),
        image.files.len()
    );

    // The temporary file cannot be made (a folder stands in its place): the
    // save fails and the image on disk is untouched.
    let tmp = dir.join(format!(".card.json.{}.tmp", std::process::id()));
    std::fs::create_dir(&tmp).unwrap();
    image.sequence_counter = 7;
    let e = image.save(&path).unwrap_err();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    std::fs::remove_dir(&tmp).unwrap();

    // Now it works, and leaves only the image in the folder.
    image.save(&path).unwrap();
    assert_eq!(CardImage::load(&path).unwrap().sequence_counter, 7);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["card.json"]);
    std::fs::remove_dir_all(&dir).ok();
}
