//! The generator computes guest layouts itself; these tests hold them against the `witx`
//! crate's independent computation, and check that encoding puts bytes where witx says.

use std::path::Path;

use wasi_host::guest::GuestType;
use wasi_host::preview1::{self, Fdflags, Fdstat, Filestat, Filetype, LAYOUTS, Rights};
use wasi_host_tests::encode;
use witx::{Layout, Type};

fn spec() -> witx::Document {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    witx::load(&[root.join("witx/preview1/wasi_snapshot_preview1.witx")]).expect("spec loads")
}

#[test]
fn every_record_and_union_matches_witx() {
    let doc = spec();
    let mut checked = 0;
    for nt in doc.typenames() {
        let expected_fields: Vec<(String, u32)> = match &**nt.type_() {
            Type::Record(r) if r.bitflags_repr().is_none() => r
                .member_layout()
                .iter()
                .map(|m| (m.member.name.as_str().to_string(), m.offset as u32))
                .collect(),
            Type::Variant(v) if !v.is_enum() => {
                vec![("<payload>".to_string(), v.payload_offset() as u32)]
            }
            _ => continue,
        };
        let name = nt.name.as_str();
        let ours = LAYOUTS
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("no generated layout for {name}"));
        let sa = nt.mem_size_align();
        assert_eq!(
            (ours.size, ours.align),
            (sa.size as u32, sa.align as u32),
            "{name}"
        );
        let fields: Vec<(String, u32)> = ours
            .fields
            .iter()
            .map(|(n, o)| (n.to_string(), *o))
            .collect();
        assert_eq!(fields, expected_fields, "{name}");
        checked += 1;
    }
    assert_eq!(
        checked,
        LAYOUTS.len(),
        "LAYOUTS lists exactly the records and unions"
    );
    // preview1 has 11 records and 2 unions.
    assert_eq!(checked, 13);
}

#[test]
fn guest_type_sizes_match_layouts() {
    let find = |n: &str| LAYOUTS.iter().find(|l| l.name == n).unwrap();
    assert_eq!(
        (Filestat::SIZE, Filestat::ALIGN),
        (find("filestat").size, find("filestat").align)
    );
    assert_eq!(
        (Fdstat::SIZE, Fdstat::ALIGN),
        (find("fdstat").size, find("fdstat").align)
    );
    assert_eq!(preview1::Subscription::SIZE, find("subscription").size);
    assert_eq!(preview1::Event::SIZE, find("event").size);
    assert_eq!(preview1::Prestat::SIZE, find("prestat").size);
    assert_eq!(preview1::Dirent::SIZE, find("dirent").size);
}

#[test]
fn filestat_bytes_sit_at_witx_offsets() {
    let value = Filestat {
        dev: 0x0101_0101_0101_0101,
        ino: 0x0202_0202_0202_0202,
        filetype: Filetype::Directory,
        nlink: 0x0404_0404_0404_0404,
        size: 0x0505_0505_0505_0505,
        atim: 0x0606_0606_0606_0606,
        mtim: 0x0707_0707_0707_0707,
        ctim: 0x0808_0808_0808_0808,
    };
    let bytes = encode(&value);
    let offset = |field: &str| {
        Filestat::FIELD_OFFSETS
            .iter()
            .find(|(n, _)| *n == field)
            .unwrap()
            .1 as usize
    };
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap());
    assert_eq!(u64_at(offset("dev")), value.dev);
    assert_eq!(u64_at(offset("ino")), value.ino);
    assert_eq!(bytes[offset("filetype")], Filetype::Directory as u8);
    assert_eq!(u64_at(offset("nlink")), value.nlink);
    assert_eq!(u64_at(offset("ctim")), value.ctim);
    // Padding after the one-byte filetype is zeroed.
    assert!(
        bytes[offset("filetype") + 1..offset("nlink")]
            .iter()
            .all(|&b| b == 0)
    );
    // And the encoding reads back to the same value.
    let mut copy = bytes.clone();
    let mem = wasi_host::guest::GuestMemory::unshared(&mut copy);
    assert_eq!(mem.read::<Filestat>(0).unwrap(), value);
}

#[test]
fn fdstat_round_trips_and_rejects_unknown_bits() {
    let value = Fdstat {
        fs_filetype: Filetype::RegularFile,
        fs_flags: Fdflags::APPEND | Fdflags::NONBLOCK,
        fs_rights_base: Rights::FD_READ | Rights::FD_WRITE,
        fs_rights_inheriting: Rights::empty(),
    };
    let mut bytes = encode(&value);
    let mem = wasi_host::guest::GuestMemory::unshared(&mut bytes);
    assert_eq!(mem.read::<Fdstat>(0).unwrap(), value);
    // An undefined fdflags bit in memory is rejected on decode.
    bytes[2] |= 0x80;
    let mem = wasi_host::guest::GuestMemory::unshared(&mut bytes);
    assert!(matches!(
        mem.read::<Fdstat>(0),
        Err(wasi_host::guest::GuestError::InvalidFlags {
            type_name: "fdflags",
            ..
        })
    ));
}
