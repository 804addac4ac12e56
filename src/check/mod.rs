//! `check`: is the new job compatible with the snapshot? (in progress)
