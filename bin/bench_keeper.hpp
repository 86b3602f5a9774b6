// `troupe bench keeper`: one workload, two kinds of target (a troupe Keeper
// ensemble through troupe's client library; Apache ZooKeeper through its C
// client), the same measurements, so the two run side by side.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bench_stats.hpp"

namespace troupe::cli {

struct keeper_workload {
  std::string kind = "write";   // write: setData; read: getData; create-delete: create then delete
  int sessions = 32;            // S client sessions, spread over the servers
  int outstanding = 64;         // W requests in flight per session
  double seconds = 5;           // measured time (after a short warm-up)
  size_t value_bytes = 100;
  std::string prefix = "/bench"; // each session works under PREFIX/s<N>
};

struct keeper_result {
  std::string target;           // "troupe" or "zookeeper"
  keeper_workload workload;
  uint64_t ops = 0;             // completed without error in the measured time
  uint64_t errors = 0;
  std::map<int, uint64_t> error_codes; // ZooKeeper error code -> count
  double seconds = 0;           // measured wall time
  latency_samples latency;      // per request, microseconds
};

/// One JSON line: {"bench":"keeper","target":...,"kind":...,"sessions":S,
/// "outstanding":W,"ops":N,"errors":E,"seconds":T,"ops_per_s":R,
/// "p50_us":...,"p99_us":...}, and "error_codes":{"CODE":N,...} if E > 0.
result_line to_json(keeper_result& r);

/// Runs the workload against ZooKeeper servers ("host:port,host:port,...")
/// through the ZooKeeper C client. Throws std::runtime_error with a
/// one-line reason if it cannot connect.
keeper_result run_zookeeper_workload(const std::string& servers, const keeper_workload& w);

/// Discarded load (write, read, create-delete at 32x64, `seconds` in all)
/// so a fresh ZooKeeper ensemble's JVMs have JIT-compiled their hot paths:
/// here the first seconds run at a third of the steady-state write rate.
void warm_up_zookeeper(const std::string& servers, double seconds = 15);

/// `--snapshot-stall` (bench_keeper_snapshot.cpp): a tree of `znodes` znodes
/// with values of `value_bytes`; `snapshots` snapshots taken while applying,
/// captured then inline. One JSON line per mode:
/// {"bench":"keeper-snapshot-stall","mode":"capture"|"inline","znodes":N,
/// "max_stall_ms":...,"max_stall_cpu_ms":...,"capture_ms":...,"write_ms":...,"snapshot_mb":...,
/// "restore_ms":...,"applies_per_s_idle":...,"applies_per_s_writing":...,
/// "rss_before_mb":...,"rss_peak_mb":...}.
int bench_keeper_snapshot_stall(uint64_t znodes, uint32_t value_bytes, int snapshots);

} // namespace troupe::cli
