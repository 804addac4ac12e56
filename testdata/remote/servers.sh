#!/usr/bin/env bash
# Installs the real storage servers the remote tests (tests/it/remote.rs) start on loopback, each
# from its own registry, into target/remote-servers/ (git-ignored). Idempotent: what is there
# is kept.
#
#   testdata/remote/servers.sh [s3] [azure] [gcs] [hdfs] [awscli]     (default: s3 azure gcs hdfs)
#
#   s3      s3s-fs (crates.io): an S3 server over a directory, with SigV4 verification
#   azure   Azurite (npm): Microsoft's Azure Storage emulator
#   gcs     fake-gcs-server (Go module github.com/fsouza/fake-gcs-server, built with `go install`;
#           needs Go >= 1.21, which fetches the Go 1.26 toolchain the module asks for from the
#           module proxy). The tests run it with `-public-host 127.0.0.1` (see
#           tests/it/remote_support/mod.rs: without it every object_store request is a 404)
#   hdfs    Hadoop's MiniDFSCluster (Maven Central: hadoop-client-minicluster) and a launcher
#   awscli  the AWS CLI (PyPI), for BENCHMARKS.md only
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${FLINSPECT_SERVERS:-$root/target/remote-servers}"
mkdir -p "$dest/bin"

S3S_FS_VERSION=0.14.1
AZURITE_VERSION=3.37.0
AZURE_BLOB_SDK_VERSION=12.34.0
FAKE_GCS_VERSION=v1.56.1
HADOOP_VERSION=3.4.1
AWSCLI_VERSION=1.46.2

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(s3 azure gcs hdfs)

for w in "${want[@]}"; do
  case "$w" in
    s3)
      if [ ! -x "$dest/bin/s3s-fs" ]; then
        echo "== s3s-fs $S3S_FS_VERSION (crates.io)"
        # Its own target directory, so it never shares a lock with the tests' build. A debug
        # build: a test server needs no optimisation, and it compiles in a fraction of the
        # release build's time on 2 cores (CI's 40-minute budget).
        CARGO_TARGET_DIR="$dest/build" cargo install --debug --quiet --locked --root "$dest" \
          --version "$S3S_FS_VERSION" --features binary s3s-fs
        rm -rf "$dest/build"
      fi ;;
    azure)
      if [ ! -x "$dest/azurite/node_modules/.bin/azurite-blob" ] || [ ! -d "$dest/azurite/node_modules/@azure/storage-blob" ]; then
        echo "== Azurite $AZURITE_VERSION (npm)"
        rm -rf "$dest/azurite"; mkdir -p "$dest/azurite"
        # Azure's own JavaScript SDK creates the tests' container (object_store has no call for it).
        npm install --silent --no-audit --no-fund --prefix "$dest/azurite" \
          "azurite@$AZURITE_VERSION" "@azure/storage-blob@$AZURE_BLOB_SDK_VERSION"
      fi ;;
    gcs)
      if [ ! -x "$dest/bin/fake-gcs-server" ]; then
        echo "== fake-gcs-server $FAKE_GCS_VERSION (Go module)"
        if ! command -v go >/dev/null 2>&1; then
          echo "servers.sh: gcs needs Go >= 1.21 on PATH (https://go.dev/dl/)" >&2; exit 2
        fi
        # Go >= 1.21 fetches the toolchain the module's go.mod names (GOTOOLCHAIN=auto).
        GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$dest/bin" \
          go install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
      fi ;;
    hdfs)
      if [ ! -f "$dest/hdfs/classpath.txt" ]; then
        echo "== Hadoop $HADOOP_VERSION MiniDFSCluster (Maven Central)"
        mkdir -p "$dest/hdfs"
        mvn -B -q -f "$here/minidfs/pom.xml" "-Dhadoop.version=$HADOOP_VERSION" \
          "-Dmdep.outputFile=$dest/hdfs/classpath.txt" dependency:build-classpath
        javac -d "$dest/hdfs/classes" -cp "$(cat "$dest/hdfs/classpath.txt")" "$here/minidfs/MiniHdfs.java"
      fi ;;
    awscli)
      if [ ! -x "$dest/awscli/bin/aws" ]; then
        echo "== awscli $AWSCLI_VERSION (PyPI)"
        python3 -m venv "$dest/awscli"
        "$dest/awscli/bin/pip" install --quiet "awscli==$AWSCLI_VERSION"
      fi ;;
    *) echo "unknown server $w" >&2; exit 2 ;;
  esac
done
