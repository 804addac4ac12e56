//! Options of remote locations, shared by `inspect`, `check`, `scan` and `audit`.

use std::path::Path;
use std::time::Duration;

use flinspect::storage;

use super::Failure;

/// How remote locations (s3://, gs://, abfss://, hdfs://, https://) are read.
#[derive(clap::Args, Clone, Debug)]
pub struct RemoteArgs {
    /// Remote requests in flight at once (listing, HEAD and GET together)
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Timeout of one remote request, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub remote_timeout: u32,
    /// Retries of a failed remote request (throttling, server errors, timeouts, resets,
    /// truncated bodies), with exponential backoff
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(0..=20))]
    pub retries: u16,
}

impl RemoteArgs {
    /// Configures the storage layer (before any remote location is touched), with the keys of
    /// the Flink configuration file `config` when given (`s3.endpoint`, `s3.access-key`, …).
    pub fn apply(&self, config: Option<&Path>) -> Result<(), Failure> {
        let flink = match config {
            Some(p) => storage::flink_conf::read(p).map_err(Failure::Message)?,
            None => storage::FlinkConf::new(),
        };
        self.configure(flink);
        Ok(())
    }

    /// Configures the storage layer with the keys of a configuration already read.
    pub fn configure(&self, flink: storage::FlinkConf) {
        storage::configure(storage::Config {
            flink,
            concurrency: usize::from(self.concurrency),
            timeout: Duration::from_secs(u64::from(self.remote_timeout)),
            retries: usize::from(self.retries),
        });
    }
}
