//! Keyed pseudonyms: BLAKE3 in keyed mode, one derived subkey per class of
//! identifier, so that a user and a host of the same name get unrelated
//! pseudonyms, and one key gives the same pseudonym everywhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use zeroize::Zeroizing;

use super::key::Key;

/// What kind of identifier a value is; each has its own subkey and shape.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    User,
    Host,
    /// An IPv4 or IPv6 address: its pseudonym is an address of the same family.
    Ip,
    /// A hexadecimal ID (Sentinel client ID): the pseudonym is hex of the same length.
    Id,
    /// Any other identifying text (project, ISV-defined field, comment, ...).
    Text,
}

impl Class {
    pub const ALL: [Class; 5] = [Class::User, Class::Host, Class::Ip, Class::Id, Class::Text];

    pub fn name(self) -> &'static str {
        match self {
            Class::User => "user",
            Class::Host => "host",
            Class::Ip => "ip",
            Class::Id => "id",
            Class::Text => "text",
        }
    }

    pub fn parse(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == name)
    }

    fn context(self) -> &'static str {
        match self {
            Class::User => "liclog 2026-11 pseudonym subkey: user",
            Class::Host => "liclog 2026-11 pseudonym subkey: host",
            Class::Ip => "liclog 2026-11 pseudonym subkey: ip",
            Class::Id => "liclog 2026-11 pseudonym subkey: id",
            Class::Text => "liclog 2026-11 pseudonym subkey: text",
        }
    }
}

/// Hex digits of the hash in a name pseudonym: 64 bits, so that a million
/// distinct names collide with probability about 2.7e-8
/// (`docs/anonymization.md` shows the calculation).
pub const NAME_HEX: usize = 16;

/// The pseudonym maker: one subkey per class. It keeps no cache, so it
/// can be shared by every thread; callers cache per distinct name
/// ([`super::local::Local`]).
pub struct Pseudonyms {
    subkeys: Vec<Zeroizing<[u8; 32]>>,
}

impl Pseudonyms {
    pub fn new(key: &Key) -> Pseudonyms {
        let subkeys = Class::ALL
            .iter()
            .map(|c| Zeroizing::new(blake3::derive_key(c.context(), key.0.as_ref())))
            .collect();
        Pseudonyms { subkeys }
    }

    /// The class `value` is replaced as: a value that looks like an IP
    /// address is one, whatever field it came from.
    pub fn class_of(class: Class, value: &str) -> Class {
        if class != Class::Ip && address(value).is_some() {
            Class::Ip
        } else {
            class
        }
    }

    /// The pseudonym of `value` as an identifier of `class`.
    pub fn make(&self, class: Class, value: &str) -> String {
        let class = Pseudonyms::class_of(class, value);
        let h = self.hash(class, value.as_bytes());
        match class {
            Class::User => typed("u-", &h),
            Class::Host => typed("h-", &h),
            Class::Text => typed("t-", &h),
            Class::Id if value.len() <= 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) => {
                let mut out = hex("", &h, value.len());
                if value.bytes().any(|b| b.is_ascii_uppercase()) {
                    out.make_ascii_uppercase();
                }
                out
            }
            Class::Id => typed("i-", &h),
            Class::Ip => match address(value) {
                Some((IpAddr::V4(a), _)) => {
                    Ipv4Addr::from(self.reserved(u32::from(a).into(), 32) as u32).to_string()
                }
                Some((IpAddr::V6(a), zone)) => {
                    Ipv6Addr::from(self.reserved(u128::from(a), 128)).to_string() + zone
                }
                None => typed("h-", &h),
            },
        }
    }

    fn hash(&self, class: Class, value: &[u8]) -> [u8; 32] {
        *blake3::keyed_hash(&self.subkeys[class as usize], value).as_bytes()
    }

    /// An address pseudonym (`bits`: 32 or 128) in a range reserved for
    /// no one, so that anyone can tell it for a pseudonym without the key:
    /// IPv4's 240.0.0.0/4 and IPv6's documentation prefix 2001:db8::/32.
    ///
    /// The bits below the range's prefix are a keyed prefix-preserving
    /// permutation (as Crypto-PAn's) of the address's own, after a keyed
    /// mask chosen by the bits it drops (the top 4 of IPv4, the top 32 of
    /// IPv6): two addresses of one subnet stay in one subnet of the same
    /// size, and two addresses that share the dropped bits never share a
    /// pseudonym. Two that differ there share one only by chance: for n
    /// such addresses with probability about n² / 2^29 (IPv4) or n² / 2^97.
    fn reserved(&self, address: u128, bits: u32) -> u128 {
        let (prefix, kept) = if bits == 32 {
            (0xF000_0000u128, 28)
        } else {
            (0x2001_0db8u128 << 96, 96)
        };
        let low_mask = (1u128 << kept) - 1;
        let dropped = address >> kept;
        let mut mask_input = [0u8; 18];
        mask_input[0] = b'm';
        mask_input[1] = bits as u8;
        mask_input[2..].copy_from_slice(&dropped.to_le_bytes());
        let mask = u128::from_le_bytes(
            self.hash(Class::Ip, &mask_input)[..16]
                .try_into()
                .expect("16 bytes"),
        );
        let low = (address ^ mask) & low_mask;
        prefix | self.prefix_preserving(low, kept)
    }

    /// Bit i (from the top) of the result is bit i of `value` flipped by a
    /// keyed function of the bits above it: equal prefixes stay equal, and
    /// the first differing bit still differs, so it is a permutation.
    fn prefix_preserving(&self, value: u128, bits: u32) -> u128 {
        let mut out = 0u128;
        let mut input = [0u8; 18];
        input[0] = b'p';
        for i in 0..bits {
            let shift = bits - 1 - i;
            let above = value >> (shift + 1);
            input[1] = i as u8;
            input[2..].copy_from_slice(&above.to_le_bytes());
            let flip = u128::from(self.hash(Class::Ip, &input)[0] & 1);
            out |= (((value >> shift) & 1) ^ flip) << shift;
        }
        out
    }
}

/// `value` as an address, and its IPv6 zone (`%eth0`, kept as it is: it
/// names an interface of the machine, not the machine).
fn address(value: &str) -> Option<(IpAddr, &str)> {
    let (address, zone) = match value.find('%') {
        Some(i) => value.split_at(i),
        None => (value, ""),
    };
    match address.parse::<IpAddr>().ok()? {
        IpAddr::V4(_) if !zone.is_empty() => None,
        ip => Some((ip, zone)),
    }
}

/// The first `digits` hex digits of `bytes`, after `prefix`.
fn hex(prefix: &str, bytes: &[u8], digits: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(prefix.len() + digits);
    s.push_str(prefix);
    for &b in bytes.iter().take(digits.div_ceil(2)) {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s.truncate(prefix.len() + digits);
    s
}

fn typed(prefix: &str, h: &[u8; 32]) -> String {
    hex(prefix, h, NAME_HEX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Key {
        Key(Zeroizing::new([byte; 32]))
    }

    #[test]
    fn same_key_same_pseudonym_other_key_other() {
        let a = Pseudonyms::new(&key(1));
        let b = Pseudonyms::new(&key(1));
        let c = Pseudonyms::new(&key(2));
        let p = a.make(Class::User, "jdoe").to_string();
        assert_eq!(p, b.make(Class::User, "jdoe"));
        assert_ne!(p, c.make(Class::User, "jdoe"));
        assert!(p.starts_with("u-") && p.len() == 2 + NAME_HEX);
        assert_ne!(
            a.make(Class::Host, "jdoe")[2..],
            p[2..],
            "classes have their own subkeys"
        );
    }

    #[test]
    fn shapes_fit_their_fields() {
        let p = Pseudonyms::new(&key(3));
        let id = p
            .make(Class::Id, "3fd76b52b2d23b445e5a1e253068b3f1")
            .to_string();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        let v4 = p.make(Class::Ip, "10.1.2.3").to_string();
        assert!(v4.parse::<Ipv4Addr>().is_ok() && v4 != "10.1.2.3");
        let v6 = p.make(Class::Ip, "fe80::1").to_string();
        assert!(v6.parse::<Ipv6Addr>().is_ok());
        assert!(
            p.make(Class::Host, "192.168.0.9")
                .parse::<Ipv4Addr>()
                .is_ok()
        );
        for name in ["Mª Cruz", "山田太郎", "a b\"c@d"] {
            let u = p.make(Class::User, name);
            assert!(!u.contains([' ', '"', '@', '\'', ',']), "{u}");
        }
    }

    #[test]
    fn address_pseudonyms_are_reserved_distinct_and_keep_subnets() {
        let p = Pseudonyms::new(&key(4));
        let mut seen = std::collections::HashSet::new();
        for v in 0u32..5000 {
            let a = Ipv4Addr::from(0x0A01_0000 + v * 7).to_string();
            let got: Ipv4Addr = p.make(Class::Ip, &a).parse().unwrap();
            assert_eq!(got.octets()[0] >> 4, 0xF, "{got}");
            assert!(seen.insert(got));
        }
        let pair = |a: &str| -> u32 { p.make(Class::Ip, a).parse::<Ipv4Addr>().unwrap().into() };
        // 10.1.2.3 and 10.1.2.200 share 24 bits: their pseudonyms do too,
        // and no more.
        let (a, b) = (pair("10.1.2.3"), pair("10.1.2.200"));
        assert_eq!(
            (a ^ b).leading_zeros(),
            (0x0A01_0203u32 ^ 0x0A01_02C8).leading_zeros()
        );
        let v6: Ipv6Addr = p.make(Class::Ip, "fe80::1").parse().unwrap();
        assert_eq!(v6.segments()[..2], [0x2001, 0x0db8]);
        let mapped: Ipv6Addr = p.make(Class::Ip, "::ffff:10.4.12.77").parse().unwrap();
        assert_eq!(mapped.segments()[..2], [0x2001, 0x0db8]);
        let zoned = p.make(Class::Host, "fe80::1%eth0");
        assert_eq!(zoned, p.make(Class::Ip, "fe80::1") + "%eth0");
    }
}
