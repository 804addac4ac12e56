//! `scan`: audits of whole checkpoint/savepoint trees (in progress)
