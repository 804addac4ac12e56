//! The `flinspect` binary: argument parsing and exit codes only; the work is in the library.

mod cli;

/// Decoding allocates and frees a few small vectors per subtask; mimalloc does that in about
/// half the time of glibc's allocator (`BENCHMARKS.md`, "profile").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
