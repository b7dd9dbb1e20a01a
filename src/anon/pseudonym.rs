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
        if class != Class::Ip && value.parse::<IpAddr>().is_ok() {
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
            Class::Ip => match value.parse::<IpAddr>() {
                Ok(IpAddr::V4(a)) => {
                    let v = feistel(u32::from(a).into(), 16, |r, i| self.round(i, r)) as u32;
                    Ipv4Addr::from(v).to_string()
                }
                Ok(IpAddr::V6(a)) => {
                    let v = feistel(u128::from(a), 64, |r, i| self.round(i, r));
                    Ipv6Addr::from(v).to_string()
                }
                Err(_) => typed("h-", &h),
            },
        }
    }

    fn hash(&self, class: Class, value: &[u8]) -> [u8; 32] {
        *blake3::keyed_hash(&self.subkeys[class as usize], value).as_bytes()
    }

    fn round(&self, index: u8, half: u128) -> u128 {
        let mut input = [0u8; 17];
        input[0] = index;
        input[1..].copy_from_slice(&half.to_le_bytes());
        let h = self.hash(Class::Ip, &input);
        u128::from_le_bytes(h[..16].try_into().expect("16 bytes"))
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

/// A keyed permutation of `2 * half_bits`-bit values (a four-round Feistel
/// network): distinct addresses always get distinct pseudonyms.
fn feistel(value: u128, half_bits: u32, round: impl Fn(u128, u8) -> u128) -> u128 {
    let mask = if half_bits == 64 {
        u128::from(u64::MAX)
    } else {
        (1u128 << half_bits) - 1
    };
    let (mut left, mut right) = ((value >> half_bits) & mask, value & mask);
    for i in 0..4 {
        let next = left ^ (round(right, i) & mask);
        left = right;
        right = next;
    }
    (left << half_bits) | right
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
    fn address_pseudonyms_never_collide() {
        let p = Pseudonyms::new(&key(4));
        let mut seen = std::collections::HashSet::new();
        for v in 0u128..5000 {
            assert!(seen.insert(feistel(v, 16, |r, i| p.round(i, r))));
        }
    }
}
