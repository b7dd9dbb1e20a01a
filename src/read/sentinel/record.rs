//! Sentinel RMS usage records: the three generations' field layouts, the
//! checks that tell them apart, and the transaction-type table.

use crate::event::Kind;

/// Which record layout a log writes; its startup line says which.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Generation {
    /// Development Kit v7: no queue, capacity or client-ID fields.
    V7,
    /// License Manager v8+ without the extended log option.
    Plain,
    /// License Manager v8+ with `-elog`: a client ID before the record number.
    Extended,
}

/// Fields before the comment: the two LFEs, Reserved, the 5-token date,
/// Time-stamp, Feature, Ver, Trans, Numkeys, Keylife, User, Host, LSver,
/// Currency.
pub const COMMENT: usize = 18;

impl Generation {
    pub const ALL: [Generation; 3] = [Generation::V7, Generation::Plain, Generation::Extended];

    pub fn name(self) -> &'static str {
        match self {
            Generation::V7 => "v7",
            Generation::Plain => "plain",
            Generation::Extended => "extended",
        }
    }

    /// Fields after the comment: (queue 5, capacity 4, client ID 1,) record
    /// number, readable checksum, encrypted checksum.
    pub fn tail(self) -> usize {
        match self {
            Generation::V7 => 3,
            Generation::Plain => 12,
            Generation::Extended => 13,
        }
    }

    /// Field count of a record whose comment is one token.
    pub fn fields(self) -> usize {
        COMMENT + 1 + self.tail()
    }

    pub fn by_count(n: usize) -> Option<Generation> {
        Generation::ALL.into_iter().find(|g| g.fields() == n)
    }
}

/// The fields after the comment, by name, in the order the spec gives them.
pub const QUEUE_AND_CAPACITY: [&str; 9] = [
    "queue_key_id",
    "absolute_position",
    "group_position",
    "group_name",
    "queue_length",
    "capacity_flag",
    "license_capacity",
    "team_capacity",
    "user_capacity",
];

/// Checks that `f` (all fields of a line, comment joined into one) has the
/// shape of `generation`; the error says which field is wrong.
pub fn check(generation: Generation, f: &[&str]) -> Result<(), String> {
    let want = generation.fields();
    if f.len() != want {
        return Err(format!(
            "{} fields where a {} record has {want}",
            f.len(),
            generation.name()
        ));
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let fail = |name: &str, value: &str| Err(format!("{name} {value:?} is not valid"));
    if !digits(f[8]) {
        return fail("Time-stamp", f[8]);
    }
    if !f[11].parse::<u8>().is_ok_and(|t| t < 20) {
        return fail("Trans", f[11]);
    }
    let tail = &f[COMMENT + 1..];
    if generation != Generation::V7 && !matches!(tail[5], "0" | "1") {
        return fail("Capacity Flag", tail[5]);
    }
    if generation == Generation::Extended {
        let id = tail[9];
        if id != "-" && !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return fail("Client ID", id);
        }
    }
    let readable = tail[tail.len() - 2];
    if !digits(readable) {
        return fail("readable checksum", readable);
    }
    Ok(())
}

/// What a transaction type means: the kind, the spec's description (as
/// `reason`), and flags for `extra`.
pub struct Transaction {
    pub kind: Kind,
    pub description: &'static str,
    pub flags: &'static [(&'static str, &'static str)],
}

const IMPLICIT: &[(&str, &str)] = &[("implicit", "yes")];
/// Types 13 and 15 close and reopen a client's use at a log-file change;
/// a duration report must join them rather than count two uses.
const PLACEHOLDER: &[(&str, &str)] = &[("implicit", "yes"), ("placeholder", "rotation")];

const fn t(
    kind: Kind,
    description: &'static str,
    flags: &'static [(&'static str, &'static str)],
) -> Transaction {
    Transaction {
        kind,
        description,
        flags,
    }
}

/// Transaction types 0–19, after the License Manager usage-log spec.
pub const TRANSACTIONS: [Transaction; 20] = [
    t(Kind::Checkout, "license issued", &[]),
    t(Kind::Denial, "license denied", &[]),
    t(Kind::Checkin, "license released by the application", &[]),
    t(
        Kind::Queued,
        "queued key issued: the client waits in the queue",
        &[],
    ),
    t(
        Kind::Denial,
        "queuing request failed",
        &[("queue", "failed")],
    ),
    t(
        Kind::Checkout,
        "queuing request answered with a normal key: the client is not queued",
        &[("queue", "bypassed")],
    ),
    t(
        Kind::Checkout,
        "queued license converted to an actual license",
        &[("queue", "converted")],
    ),
    t(
        Kind::Checkin,
        "queued key released: it could not be converted to an actual license in time",
        &[("queue", "expired")],
    ),
    t(
        Kind::Checkout,
        "commuter license checked out",
        &[("commuter", "yes")],
    ),
    t(
        Kind::Checkin,
        "commuter license checked in",
        &[("commuter", "yes")],
    ),
    t(
        Kind::Checkin,
        "implicit release: cleanup of keys in use before the License Manager shut down",
        IMPLICIT,
    ),
    t(
        Kind::Checkin,
        "implicit release: the key lifetime expired",
        IMPLICIT,
    ),
    t(
        Kind::Checkin,
        "implicit release: license switched at midnight, revoked, or replaced by a dynamically added license",
        IMPLICIT,
    ),
    t(
        Kind::Checkin,
        "implicit release: the usage log file changed (backup or new file name)",
        PLACEHOLDER,
    ),
    t(
        Kind::Checkout,
        "implicit request: an update converted into a request (heartbeat after a restart or after the key lifetime)",
        IMPLICIT,
    ),
    t(
        Kind::Checkout,
        "implicit request: the usage log file changed (backup or new file name)",
        PLACEHOLDER,
    ),
    t(
        Kind::Checkin,
        "implicit release on the follower server: the original leader came back",
        IMPLICIT,
    ),
    t(
        Kind::Checkout,
        "explicit request of a shared license token",
        &[("shared", "yes")],
    ),
    t(
        Kind::Checkin,
        "explicit release of a shared license token",
        &[("shared", "yes")],
    ),
    t(
        Kind::Checkin,
        "active session terminated: license token released",
        &[],
    ),
];

/// The encryption level in force: a non-zero License-LFE (the vendor's)
/// overrides the Server-LFE (the administrator's); neither set means the
/// default, 2.
pub fn effective_lfe(server: u8, license: u8) -> u8 {
    match (license, server) {
        (0, 0) => 2,
        (0, s) => s,
        (l, _) => l,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "2 1 ODA= Mon Aug 25 15:36:27 2014 1408961187 f1 v1 0 1 0 JSmith Machine1 \
        8.6.0.0036 1 request_comment - - - - - 0 - - - MA== 3724690 MTQxMjY4NTg3Nw==";

    #[test]
    fn generations_by_field_count() {
        let f: Vec<&str> = PLAIN.split_whitespace().collect();
        assert_eq!(Generation::by_count(f.len()), Some(Generation::Plain));
        assert_eq!(check(Generation::Plain, &f), Ok(()));
        assert!(
            check(Generation::Extended, &f)
                .unwrap_err()
                .contains("31 fields")
        );
        assert_eq!(Generation::by_count(22), Some(Generation::V7));
        assert_eq!(Generation::by_count(32), Some(Generation::Extended));
        let mut bad = f.clone();
        bad[COMMENT + 6] = "7";
        assert!(
            check(Generation::Plain, &bad)
                .unwrap_err()
                .contains("Capacity Flag")
        );
        bad = f.clone();
        bad[11] = "20";
        assert!(
            check(Generation::Plain, &bad)
                .unwrap_err()
                .contains("Trans")
        );
    }

    #[test]
    fn transaction_table_follows_the_issue() {
        let kind = |t: usize| TRANSACTIONS[t].kind;
        for t in [0, 5, 6, 8, 14, 15, 17] {
            assert_eq!(kind(t), Kind::Checkout, "{t}");
        }
        for t in [2, 7, 9, 10, 11, 12, 13, 16, 18, 19] {
            assert_eq!(kind(t), Kind::Checkin, "{t}");
        }
        assert_eq!(
            (kind(1), kind(3), kind(4)),
            (Kind::Denial, Kind::Queued, Kind::Denial)
        );
        for t in [13, 15] {
            assert!(TRANSACTIONS[t].flags.contains(&("placeholder", "rotation")));
        }
    }

    #[test]
    fn lfe_rules() {
        assert_eq!(effective_lfe(2, 1), 1, "the vendor's level wins");
        assert_eq!(effective_lfe(3, 0), 3, "vendor 0: the administrator's");
        assert_eq!(effective_lfe(0, 0), 2, "neither: the default");
        assert_eq!(effective_lfe(1, 4), 4);
    }
}
