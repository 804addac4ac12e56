//! The Flink configuration keys flinspect reads, with every spelling each has had.
//!
//! Each [`Key`] lists its spellings newest first, each with the releases whose `ConfigOption`s
//! declare it (as the option's key, or as a deprecated/fallback key Flink still reads). The
//! ranges are pinned by `tests/it/config_keys.rs` against the keys read from the Flink jars
//! (`testdata/config/flink-<release>/option-keys.tsv`, from `testdata/config/OptionKeys.java`,
//! for 1.13.6, 1.14.6, 1.15.4, 1.16.3, 1.18.1, 1.20.3, 2.0.1, 2.1.1 and 2.3.0; Flink 1.20.3 and
//! 2.3.0 are read live from their jars by that test).

use std::fmt;

/// A Flink release line, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release(pub u8, pub u8);

impl Release {
    /// Reads `1.20`, `1.20.3` or `2.3-SNAPSHOT`.
    pub fn parse(s: &str) -> Option<Release> {
        let mut it = s.trim().split(['.', '-']);
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(Release(major, minor))
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What a value must look like for Flink to accept it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// Any string.
    Text,
    /// `true` / `false` (case-insensitive), as `ConfigurationUtils.convertToBoolean`.
    Bool,
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// A fraction in `0..=1`.
    Fraction,
    /// `TimeUtils.parseDuration`: a number and an optional unit (default milliseconds).
    Duration,
    /// `MemorySize.parse`: a number and an optional unit (default bytes).
    Memory,
    /// One of these names (case-insensitive, `-`/`_` alike), or, when `class` is set, a
    /// fully qualified factory class name.
    Enum {
        names: &'static [&'static str],
        class: bool,
    },
    /// A list: YAML list in the standard format, `;` or `,` separated in the flat one.
    List,
}

/// One spelling of a key and the releases that read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spelling {
    pub key: &'static str,
    /// The first release whose options declare it (1.13: since 1.13 or earlier).
    pub from: Release,
    /// The last release that reads it; `None`: still read by 2.3.
    pub until: Option<Release>,
}

impl Spelling {
    pub fn read_by(&self, r: Release) -> bool {
        r >= self.from && self.until.is_none_or(|u| r <= u)
    }
}

/// A configuration option flinspect reads.
#[derive(Debug, PartialEq, Eq)]
pub struct Key {
    /// Every spelling, newest first: a file may use any of them.
    pub spellings: &'static [Spelling],
    pub ty: Type,
    /// Flink's default when the key is absent, as the newest release documents it (`None`: no
    /// default, the feature is off or derived).
    pub default: Option<&'static str>,
}

impl Key {
    /// The newest spelling: what messages name.
    pub fn name(&self) -> &'static str {
        self.spellings[0].key
    }

    /// The spelling a release reads (the newest one it knows), for messages about that release.
    pub fn name_for(&self, r: Option<Release>) -> &'static str {
        match r {
            Some(r) => self
                .spellings
                .iter()
                .find(|s| s.read_by(r))
                .map_or(self.name(), |s| s.key),
            None => self.name(),
        }
    }

    /// Every spelling, `a` (or `b`) for messages.
    pub fn spelled(&self) -> String {
        let mut s = format!("`{}`", self.spellings[0].key);
        let older: Vec<String> = self.spellings[1..]
            .iter()
            .map(|s| format!("`{}`", s.key))
            .collect();
        if !older.is_empty() {
            s.push_str(&format!(" (older: {})", older.join(", ")));
        }
        s
    }
}

const R1_13: Release = Release(1, 13);
const R1_18: Release = Release(1, 18);
const R1_20: Release = Release(1, 20);
const R2_0: Release = Release(2, 0);

const fn always(key: &'static str) -> Spelling {
    Spelling {
        key,
        from: R1_13,
        until: None,
    }
}

const fn since(key: &'static str, from: Release) -> Spelling {
    Spelling {
        key,
        from,
        until: None,
    }
}

const fn until(key: &'static str, until: Release) -> Spelling {
    Spelling {
        key,
        from: R1_13,
        until: Some(until),
    }
}

macro_rules! key {
    ($name:ident, [$($s:expr),+], $ty:expr, $default:expr) => {
        pub static $name: Key = Key { spellings: &[$($s),+], ty: $ty, default: $default };
    };
}

const DURATION: Type = Type::Duration;
const BOOL: Type = Type::Bool;

// State backend and checkpoint storage.
key!(
    STATE_BACKEND,
    [since("state.backend.type", R1_18), always("state.backend")],
    Type::Enum {
        names: &["hashmap", "rocksdb", "forst", "filesystem", "jobmanager"],
        class: true
    },
    Some("hashmap")
);
key!(
    CHECKPOINT_STORAGE,
    [
        since("execution.checkpointing.storage", R1_20),
        always("state.checkpoint-storage")
    ],
    Type::Enum {
        names: &["jobmanager", "filesystem"],
        class: true
    },
    None
);
key!(
    CHECKPOINT_DIR,
    [
        since("execution.checkpointing.dir", R1_20),
        always("state.checkpoints.dir"),
        always("state.backend.fs.checkpointdir")
    ],
    Type::Text,
    None
);
key!(
    SAVEPOINT_DIR,
    [
        since("execution.checkpointing.savepoint-dir", R1_20),
        always("state.savepoints.dir")
    ],
    Type::Text,
    None
);
key!(
    INCREMENTAL,
    [
        since("execution.checkpointing.incremental", R1_20),
        always("state.backend.incremental")
    ],
    BOOL,
    Some("false")
);
key!(
    NUM_RETAINED,
    [
        since("execution.checkpointing.num-retained", R1_20),
        always("state.checkpoints.num-retained")
    ],
    Type::Int {
        min: 1,
        max: i32::MAX as i64
    },
    Some("1")
);
key!(
    ROCKSDB_MEMORY_MANAGED,
    [always("state.backend.rocksdb.memory.managed")],
    BOOL,
    Some("true")
);
key!(
    ROCKSDB_MEMORY_FIXED_PER_SLOT,
    [always("state.backend.rocksdb.memory.fixed-per-slot")],
    Type::Memory,
    None
);
key!(
    MANAGED_MEMORY_SIZE,
    [always("taskmanager.memory.managed.size")],
    Type::Memory,
    None
);
key!(
    MANAGED_MEMORY_FRACTION,
    [always("taskmanager.memory.managed.fraction")],
    Type::Fraction,
    Some("0.4")
);

// Checkpointing.
key!(
    CHECKPOINT_INTERVAL,
    [always("execution.checkpointing.interval")],
    DURATION,
    None
);
key!(
    CHECKPOINT_TIMEOUT,
    [always("execution.checkpointing.timeout")],
    DURATION,
    Some("10 min")
);
key!(
    CHECKPOINT_MIN_PAUSE,
    [always("execution.checkpointing.min-pause")],
    DURATION,
    Some("0 ms")
);
key!(
    TOLERABLE_FAILURES,
    [always(
        "execution.checkpointing.tolerable-failed-checkpoints"
    )],
    Type::Int {
        min: 0,
        max: i32::MAX as i64
    },
    Some("0")
);
key!(
    EXTERNALIZED_RETENTION,
    [always(
        "execution.checkpointing.externalized-checkpoint-retention"
    )],
    Type::Enum {
        names: &[
            "DELETE_ON_CANCELLATION",
            "RETAIN_ON_CANCELLATION",
            "NO_EXTERNALIZED_CHECKPOINTS"
        ],
        class: false
    },
    Some("NO_EXTERNALIZED_CHECKPOINTS")
);

// Parallelism.
key!(
    MAX_PARALLELISM,
    [always("pipeline.max-parallelism")],
    Type::Int {
        min: -1,
        max: 32768
    },
    Some("-1")
);
key!(
    PARALLELISM,
    [always("parallelism.default")],
    Type::Int { min: 1, max: 32768 },
    Some("1")
);

// Recovery.
key!(
    HA,
    [
        since("high-availability.type", R1_18),
        always("high-availability")
    ],
    Type::Enum {
        names: &["NONE", "ZOOKEEPER", "KUBERNETES"],
        class: true
    },
    Some("NONE")
);
key!(
    HA_STORAGE_DIR,
    [
        always("high-availability.storageDir"),
        always("high-availability.zookeeper.storageDir")
    ],
    Type::Text,
    None
);
key!(
    RESTART_STRATEGY,
    [
        since("restart-strategy.type", R1_18),
        always("restart-strategy")
    ],
    Type::Enum {
        names: &[
            "none",
            "off",
            "disable",
            "fixeddelay",
            "fixed-delay",
            "failurerate",
            "failure-rate",
            "exponentialdelay",
            "exponential-delay"
        ],
        class: true
    },
    None
);
key!(
    RESTART_FIXED_DELAY_ATTEMPTS,
    [always("restart-strategy.fixed-delay.attempts")],
    Type::Int {
        min: 0,
        max: i32::MAX as i64
    },
    Some("1")
);
key!(
    FAILOVER_STRATEGY,
    [always("jobmanager.execution.failover-strategy")],
    Type::Enum {
        names: &["full", "region"],
        class: false
    },
    Some("region")
);

// Observability.
key!(
    METRICS_REPORTERS,
    [always("metrics.reporters")],
    Type::List,
    None
);

// Security.
key!(
    REST_BIND_ADDRESS,
    [always("rest.bind-address")],
    Type::Text,
    None
);
key!(REST_ADDRESS, [always("rest.address")], Type::Text, None);
key!(
    SSL_REST,
    [always("security.ssl.rest.enabled")],
    BOOL,
    Some("false")
);
key!(
    SSL_REST_AUTH,
    [always("security.ssl.rest.authentication-enabled")],
    BOOL,
    Some("false")
);
key!(
    SSL_INTERNAL,
    [
        always("security.ssl.internal.enabled"),
        until("security.ssl.enabled", R1_20)
    ],
    BOOL,
    Some("false")
);
key!(
    KERBEROS_KEYTAB,
    [always("security.kerberos.login.keytab")],
    Type::Text,
    None
);
key!(
    KERBEROS_PRINCIPAL,
    [always("security.kerberos.login.principal")],
    Type::Text,
    None
);
key!(
    KERBEROS_TICKET_CACHE,
    [always("security.kerberos.login.use-ticket-cache")],
    BOOL,
    Some("true")
);

/// The prefix of a metric reporter's keys: `metrics.reporter.<name>.<option>`.
pub const METRICS_REPORTER_PREFIX: &str = "metrics.reporter.";
/// A reporter's factory option (`MetricOptions.REPORTER_FACTORY_CLASS`, a `ConfigOption` since
/// 1.16; `ConfigConstants.METRICS_REPORTER_FACTORY_CLASS_SUFFIX` before).
pub const METRICS_REPORTER_FACTORY: Spelling = since("factory.class", Release(1, 16));

/// Every key above, for lookups by any spelling and for the key test.
pub static ALL: &[&Key] = &[
    &STATE_BACKEND,
    &CHECKPOINT_STORAGE,
    &CHECKPOINT_DIR,
    &SAVEPOINT_DIR,
    &INCREMENTAL,
    &NUM_RETAINED,
    &ROCKSDB_MEMORY_MANAGED,
    &ROCKSDB_MEMORY_FIXED_PER_SLOT,
    &MANAGED_MEMORY_SIZE,
    &MANAGED_MEMORY_FRACTION,
    &CHECKPOINT_INTERVAL,
    &CHECKPOINT_TIMEOUT,
    &CHECKPOINT_MIN_PAUSE,
    &TOLERABLE_FAILURES,
    &EXTERNALIZED_RETENTION,
    &MAX_PARALLELISM,
    &PARALLELISM,
    &HA,
    &HA_STORAGE_DIR,
    &RESTART_STRATEGY,
    &RESTART_FIXED_DELAY_ATTEMPTS,
    &FAILOVER_STRATEGY,
    &METRICS_REPORTERS,
    &REST_BIND_ADDRESS,
    &REST_ADDRESS,
    &SSL_REST,
    &SSL_REST_AUTH,
    &SSL_INTERNAL,
    &KERBEROS_KEYTAB,
    &KERBEROS_PRINCIPAL,
    &KERBEROS_TICKET_CACHE,
];

/// The key one of whose spellings is `name`.
pub fn find(name: &str) -> Option<&'static Key> {
    ALL.iter()
        .copied()
        .find(|k| k.spellings.iter().any(|s| s.key == name))
}

/// The releases whose keys the tests read (`testdata/config/flink-<release>/`).
pub const TESTED: &[Release] = &[
    R1_13,
    Release(1, 14),
    Release(1, 15),
    Release(1, 16),
    R1_18,
    R1_20,
    R2_0,
    Release(2, 1),
    Release(2, 3),
];
