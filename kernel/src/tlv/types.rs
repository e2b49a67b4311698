//! The TLV identifier types and the object link value.

use core::fmt;

/// The longest value a TLV header can describe (24-bit length).
pub const MAX_VALUE_LEN: usize = 0xFF_FFFF;

/// The identifier type of a TLV record.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlvType {
    /// `00`: Object Instance (contains resources).
    ObjectInstance,
    /// `01`: Resource Instance (one value of a multiple resource).
    ResourceInstance,
    /// `10`: Multiple Resource (contains resource instances).
    MultipleResource,
    /// `11`: Resource with value.
    Resource,
}

impl TlvType {
    pub(super) const fn from_bits(b: u8) -> TlvType {
        match b >> 6 {
            0 => TlvType::ObjectInstance,
            1 => TlvType::ResourceInstance,
            2 => TlvType::MultipleResource,
            _ => TlvType::Resource,
        }
    }

    pub(super) const fn bits(self) -> u8 {
        (self as u8) << 6
    }

    /// Whether records of this type contain other records.
    pub const fn is_container(self) -> bool {
        matches!(self, TlvType::ObjectInstance | TlvType::MultipleResource)
    }

    /// Whether `child` may appear directly inside `self`.
    pub const fn allows(self, child: TlvType) -> bool {
        matches!(
            (self, child),
            (
                TlvType::ObjectInstance,
                TlvType::Resource | TlvType::MultipleResource
            ) | (TlvType::MultipleResource, TlvType::ResourceInstance)
        )
    }

    /// `object_instance`, `resource_instance`, `multiple_resource`, `resource`.
    pub const fn snake_name(self) -> &'static str {
        match self {
            TlvType::ObjectInstance => "object_instance",
            TlvType::ResourceInstance => "resource_instance",
            TlvType::MultipleResource => "multiple_resource",
            TlvType::Resource => "resource",
        }
    }
}

impl TlvType {
    /// The error component naming this type.
    pub(crate) const fn field(self) -> crate::error::Field {
        use crate::error::Field;
        match self {
            TlvType::ObjectInstance => Field::ObjectInstance,
            TlvType::ResourceInstance => Field::ResourceInstance,
            TlvType::MultipleResource => Field::MultipleResource,
            TlvType::Resource => Field::Resource,
        }
    }

    /// `Object Instance`, `Resource Instance`, `Multiple Resource`, `Resource`.
    pub const fn name(self) -> &'static str {
        match self {
            TlvType::ObjectInstance => "Object Instance",
            TlvType::ResourceInstance => "Resource Instance",
            TlvType::MultipleResource => "Multiple Resource",
            TlvType::Resource => "Resource",
        }
    }
}

impl fmt::Display for TlvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An object link value (`Objlnk`): object id and instance id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjLnk {
    /// The object id.
    pub object_id: u16,
    /// The object instance id.
    pub instance_id: u16,
}

impl ObjLnk {
    /// `FFFF:FFFF`, the null link.
    pub const NULL: ObjLnk = ObjLnk {
        object_id: 0xFFFF,
        instance_id: 0xFFFF,
    };

    /// Whether this is the null link.
    pub const fn is_null(&self) -> bool {
        self.object_id == 0xFFFF && self.instance_id == 0xFFFF
    }
}
