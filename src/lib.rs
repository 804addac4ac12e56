//! flinspect: read Apache Flink checkpoint and savepoint `_metadata` files.
