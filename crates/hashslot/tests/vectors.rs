//! The 83 `CLUSTER KEYSLOT` answers read off a live Redis 7.0.15 server
//! (`fixtures/reference/keyslot-vectors.tsv`), replayed through both slot functions.

use slotlint_hashslot::{const_slot, hash_tag, slot};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn every_server_vector_matches() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/reference/keyslot-vectors.tsv"
    );
    let text = std::fs::read_to_string(path).expect("read vectors");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (c_slot, c_hex, c_len, c_tag, c_hashed) = (
        col("slot"),
        col("key_hex"),
        col("byte_len"),
        col("hash_tag_used"),
        col("hashed_bytes_hex"),
    );
    let mut count = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        let key = hex(cells[c_hex]);
        assert_eq!(key.len(), cells[c_len].parse::<usize>().unwrap());
        let expected: u16 = cells[c_slot].parse().unwrap();
        assert_eq!(slot(&key), expected, "slot of {line}");
        assert_eq!(const_slot(&key), expected, "const slot of {line}");
        let tag = hash_tag(&key);
        assert_eq!(tag.is_some(), cells[c_tag] == "yes", "tag use of {line}");
        assert_eq!(
            tag.unwrap_or(&key),
            &hex(cells[c_hashed])[..],
            "hashed bytes of {line}"
        );
        count += 1;
    }
    assert_eq!(count, 83, "the reference holds 83 vectors");
}
