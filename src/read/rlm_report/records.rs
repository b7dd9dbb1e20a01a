//! The fields of each reportlog record, in the order the RLM reportlog
//! documentation gives them, per format (std, small, detailed) and version.

use crate::event::Kind;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    Std,
    Small,
    Detailed,
}

impl Layout {
    pub fn from_number(n: u8) -> Option<Layout> {
        match n {
            0 => Some(Layout::Std),
            1 => Some(Layout::Small),
            2 => Some(Layout::Detailed),
            _ => None,
        }
    }

    pub fn number(self) -> i64 {
        match self {
            Layout::Std => 0,
            Layout::Small => 1,
            Layout::Detailed => 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Layout::Std => "std",
            Layout::Small => "small",
            Layout::Detailed => "detailed",
        }
    }
}

/// A timed record: its fields before the time, and (detailed OUT only)
/// after it. `required` fields must be there; later ones came with newer
/// reportlog versions and may be missing.
pub struct Shape {
    pub kind: Kind,
    pub before: &'static [&'static str],
    pub after: &'static [&'static str],
    pub required: usize,
}

const OUT: &[&str] = &[
    "product",
    "version",
    "pool",
    "user",
    "host",
    "isv_def",
    "count",
    "cur_use",
    "cur_resuse",
    "server_handle",
    "share_handle",
    "process_id",
    "project",
    "requested_product",
    "requested_version",
];
const OUT_SMALL: &[&str] = &[
    "product",
    "version",
    "user",
    "host",
    "isv_def",
    "count",
    "server_handle",
    "share_handle",
];
const OUT_DETAILED_AFTER: &[&str] = &[
    "client_machine_os_info",
    "application_argv0",
    "roam_days",
    "roam_handle",
    "client_ip_address",
];
const IN: &[&str] = &[
    "why",
    "product",
    "version",
    "user",
    "host",
    "isv_def",
    "count",
    "cur_use",
    "cur_resuse",
    "server_handle",
];
const IN_SMALL: &[&str] = &["why", "count", "server_handle"];
const DEQUE: &[&str] = &[
    "why",
    "product",
    "version",
    "user",
    "host",
    "isv_def",
    "count",
    "server_handle",
];
const QUE: &[&str] = &[
    "product",
    "version",
    "user",
    "host",
    "isv_def",
    "count",
    "server_handle",
    "project",
    "requested_product",
    "requested_version",
];
const DENY: &[&str] = &[
    "product",
    "version",
    "user",
    "host",
    "isv_def",
    "count",
    "why",
    "last_attempt",
    "pid",
];
const INUSE: &[&str] = &[
    "product",
    "version",
    "pool",
    "user",
    "host",
    "isv_def",
    "count",
    "server_handle",
    "share_handle",
    "process_id",
];
/// Before reportlog v12.2, INUSE had no share_handle.
const INUSE_OLD: &[&str] = &[
    "product",
    "version",
    "pool",
    "user",
    "host",
    "isv_def",
    "count",
    "server_handle",
    "process_id",
];
const ROAM_EXTEND: &[&str] = &[
    "product",
    "version",
    "pool",
    "user",
    "host",
    "isv_def",
    "days_extended",
    "server_handle",
    "process_id",
];
const METER_DEC: &[&str] = &["license_handle", "meter_counter", "amount_decremented"];
const DYNRES: &[&str] = &["action", "user", "host", "license_pool", "count", "string"];
const TEMP: &[&str] = &[
    "action",
    "product",
    "version",
    "license_pool",
    "user",
    "host",
    "isv_def",
    "expdate",
    "exptime",
    "server_handle",
];
const USER_HOST: &[&str] = &["user", "host"];
const TIMEJUMP: &[&str] = &["minutes"];

/// PRODUCT records carry no time.
pub const PRODUCT: &[&str] = &[
    "product",
    "version",
    "pool",
    "count",
    "reservations",
    "soft_limit",
    "hostid",
    "contract",
    "customer",
    "issuer",
    "line_item",
    "options",
    "share",
    "max_share",
    "type",
    "named_user_count",
    "meter_type",
    "meter_counter",
    "meter_initial_decrement",
    "meter_period",
    "meter_period_decrement",
];

pub fn shape(keyword: &str, layout: Layout, version: (u16, u16)) -> Option<Shape> {
    let small = layout == Layout::Small;
    let (kind, before, required) = match keyword {
        "OUT" if small => (Kind::Checkout, OUT_SMALL, 7),
        "OUT" => (Kind::Checkout, OUT, 7),
        "IN" if small => (Kind::Checkin, IN_SMALL, 3),
        // Before reportlog v2.0, IN had no cur_use and cur_resuse: the
        // fields DEQUE still has.
        "IN" if version < (2, 0) => (Kind::Checkin, DEQUE, 8),
        "IN" => (Kind::Checkin, IN, 10),
        "DEQUE" if small => (Kind::Dequeued, IN_SMALL, 3),
        "DEQUE" => (Kind::Dequeued, DEQUE, 8),
        "QUE" if small => (Kind::Queued, &QUE[..7], 7),
        "QUE" => (Kind::Queued, QUE, 7),
        "DENY" => (Kind::Denial, DENY, 8),
        "INUSE" if version < (12, 2) => (Kind::Inuse, INUSE_OLD, 8),
        "INUSE" => (Kind::Inuse, INUSE, 9),
        "ROAM_EXTEND" => (Kind::RoamExtend, ROAM_EXTEND, 9),
        "METER_DEC" => (Kind::Meter, METER_DEC, 3),
        "DYNRES" => (Kind::Reservation, DYNRES, 6),
        "TEMP" => (Kind::TempLicense, TEMP, 10),
        "SHUTDOWN" => (Kind::ServerStop, USER_HOST, 2),
        "REREAD" => (Kind::Reread, USER_HOST, 2),
        "TIMEJUMP" => (Kind::TimeJump, TIMEJUMP, 1),
        _ => return None,
    };
    let after = if keyword == "OUT" && layout == Layout::Detailed {
        OUT_DETAILED_AFTER
    } else {
        &[]
    };
    Some(Shape {
        kind,
        before,
        after,
        required,
    })
}

/// The check-in (and dequeue) `why` values.
pub fn checkin_reason(why: &str) -> Option<&'static str> {
    Some(match why.parse::<u8>().ok()? {
        1 => "normal check-in",
        2 => "application exited, automatic check-in",
        3 => "removed by rlmremove",
        4 => "removed by the server after a timeout",
        5 => "hold or minimum checkout period expired",
        6 => "client requested dequeue",
        7 => "portable hostid removed",
        8 => "failed host back up",
        9 => "server lost its transferred licenses",
        10 => "meter ran out of count during a periodic decrement",
        11 => "client sent no heartbeat within the promise interval",
        12 => "temporary license expired",
        13 => "temporary license returned",
        _ => return None,
    })
}

/// RLM checkout status values (RLM_EL_xxx), as a denial's `why`.
pub fn denial_reason(why: &str) -> Option<&'static str> {
    const TEXT: [&str; 66] = [
        "no authorization for product",
        "authorization is for another ISV",
        "authorization has expired",
        "wrong host for authorization",
        "bad key in authorization",
        "requested version not supported",
        "bad date format in authorization",
        "checkout request for too many licenses",
        "no license authorization supplied",
        "on the EXCLUDEALL list",
        "on the feature EXCLUDE list",
        "not on the INCLUDEALL list",
        "not on the feature INCLUDE list",
        "request would go over the license MAX",
        "license removed by the server (rlmremove)",
        "unexpected response from server",
        "error communicating with server",
        "license server does not support this product",
        "no license handle",
        "server closed connection",
        "no heartbeat response received",
        "all licenses in use",
        "no hostid on uncounted license",
        "license timed out by server",
        "in queue for license",
        "license syntax error",
        "roam time exceeds maximum",
        "server does not know this handle",
        "on the roam EXCLUDE list",
        "not on the roam INCLUDE list",
        "too many licenses roaming",
        "license expires before roam ends",
        "problem with roam file",
        "cannot check out rlm_roam license",
        "wrong platform for client",
        "wrong time zone for client",
        "license start date not reached",
        "cannot get the date (time() failed)",
        "over license soft limit",
        "clock setback detected",
        "bad parameter to checkout call",
        "roam operations not permitted on failover servers",
        "bad hostname in license file or port@host",
        "application is inactive",
        "not a named user",
        "terminal server disabled",
        "virtual machines disabled",
        "portable hostid removed",
        "demo license has expired",
        "failed host back up",
        "server lost its transferred license",
        "incorrect password for product",
        "metered licenses require a server",
        "not enough count for metered license",
        "roam operations not permitted on servers with transient hostids",
        "cannot reconnect to server",
        "none of these licenses can roam",
        "server too old for operation",
        "server rejected client",
        "requested option not present",
        "reclaim cannot find dynamic reservation",
        "reconnection info invalid",
        "licenses are already roaming",
        "bad format for RLM_ROAM_EXTEND",
        "bad extend code for roam extend",
        "no roaming license to extend",
    ];
    let n: i32 = why.parse().ok()?;
    TEXT.get(usize::try_from(-n).ok()?.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert_eq!(denial_reason("-22"), Some("all licenses in use"));
        assert_eq!(denial_reason("-1"), Some("no authorization for product"));
        assert_eq!(denial_reason("-66"), Some("no roaming license to extend"));
        assert_eq!(denial_reason("-67"), None);
        assert_eq!(denial_reason("0"), None);
        assert_eq!(denial_reason("x"), None);
        assert_eq!(checkin_reason("13"), Some("temporary license returned"));
        assert_eq!(checkin_reason("14"), None);
    }

    #[test]
    fn inuse_gained_share_handle_in_12_2() {
        let old = shape("INUSE", Layout::Std, (10, 0)).unwrap();
        assert!(!old.before.contains(&"share_handle"));
        let new = shape("INUSE", Layout::Std, (12, 2)).unwrap();
        assert!(new.before.contains(&"share_handle"));
    }
}
