//! Guest memory layout of WITX types, computed here (and cross-checked against the `witx`
//! crate's own computation by a test in `tests/`).

use witx::{BuiltinType, IntRepr, RecordDatatype, Type, TypeRef, Variant};

/// Size and alignment in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeAlign {
    pub size: u32,
    pub align: u32,
}

pub fn align_up(n: u32, align: u32) -> u32 {
    n.div_ceil(align) * align
}

pub fn of_repr(repr: IntRepr) -> SizeAlign {
    let n = match repr {
        IntRepr::U8 => 1,
        IntRepr::U16 => 2,
        IntRepr::U32 => 4,
        IntRepr::U64 => 8,
    };
    SizeAlign { size: n, align: n }
}

pub fn of(tref: &TypeRef) -> SizeAlign {
    of_type(tref.type_())
}

pub fn of_type(ty: &Type) -> SizeAlign {
    match ty {
        Type::Builtin(b) => {
            let n = match b {
                BuiltinType::U8 { .. } | BuiltinType::S8 => 1,
                BuiltinType::U16 | BuiltinType::S16 => 2,
                BuiltinType::U32 { .. }
                | BuiltinType::S32
                | BuiltinType::F32
                | BuiltinType::Char => 4,
                BuiltinType::U64 | BuiltinType::S64 | BuiltinType::F64 => 8,
            };
            SizeAlign { size: n, align: n }
        }
        Type::Handle(_) | Type::Pointer(_) | Type::ConstPointer(_) => {
            SizeAlign { size: 4, align: 4 }
        }
        Type::List(_) => SizeAlign { size: 8, align: 4 },
        Type::Record(r) => match r.bitflags_repr() {
            Some(repr) => of_repr(repr),
            None => record(r).0,
        },
        Type::Variant(v) => variant(v).0,
    }
}

/// A record's size/alignment and each member's offset.
pub fn record(r: &RecordDatatype) -> (SizeAlign, Vec<u32>) {
    let mut offset = 0;
    let mut align = 1;
    let mut offsets = Vec::new();
    for m in &r.members {
        let f = of(&m.tref);
        offset = align_up(offset, f.align);
        offsets.push(offset);
        offset += f.size;
        align = align.max(f.align);
    }
    (
        SizeAlign {
            size: align_up(offset, align),
            align,
        },
        offsets,
    )
}

/// A variant's size/alignment and the offset of its payload.
pub fn variant(v: &Variant) -> (SizeAlign, u32) {
    let tag = of_repr(v.tag_repr);
    let mut payload = SizeAlign { size: 0, align: 1 };
    for case in &v.cases {
        if let Some(t) = &case.tref {
            let c = of(t);
            payload.size = payload.size.max(c.size);
            payload.align = payload.align.max(c.align);
        }
    }
    let payload_offset = align_up(tag.size, payload.align);
    let align = tag.align.max(payload.align);
    (
        SizeAlign {
            size: align_up(payload_offset + payload.size, align),
            align,
        },
        payload_offset,
    )
}
