// `troupe bench keeper --snapshot-stall`: how long taking a snapshot of a
// large Keeper tree stops applying. In one process, without a network: a
// keeper_replica (the state machine a member's follower runs) is filled
// with N znodes, then this thread applies set_data transactions back to
// back, as a follower's apply loop does, and snapshots as the follower does:
//   capture — state_machine::capture() between two applies, the writer on
//             another thread (what the follower does now);
//   inline  — snapshot() between two applies (what it did before).
// The stall is the longest gap between two consecutive applies while
// snapshots are taken; also reported: the capture's own time, the writer's,
// the snapshot's size, the time to restore it, the apply rate while a
// snapshot is written (copy-on-write copies leaves then) and memory.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <time.h>

#include "bench_keeper.hpp"
#include "troupe/keeper/keeper_replica.hpp"

namespace troupe::cli {

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

// This thread's CPU time in ms: a gap in it is work of the apply thread,
// not time it waited for a core.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// This process's resident set and its peak, in MB (Linux /proc).
std::pair<double, double> rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  double rss = 0, peak = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0)
      rss = std::stod(line.substr(6)) / 1024;
    else if (line.rfind("VmHWM:", 0) == 0)
      peak = std::stod(line.substr(6)) / 1024;
  }
  return {rss, peak};
}

std::string znode_path(uint64_t i) {
  return "/stall/d" + std::to_string(i % 1000) + "/n" + std::to_string(i);
}

// Transactions of session 1 (the first transaction opens it: its zxid).
constexpr int64_t session = 1;

std::string create_txn(const std::string& path, const std::string& value) {
  wire::KeeperTxn t;
  t.set_session_id(session);
  t.set_time_ms(1);
  auto* c = t.mutable_op()->mutable_create();
  c->set_path(path);
  c->set_data(value);
  auto* a = c->add_acl();
  a->set_perms(31);
  a->set_scheme("world");
  a->set_id("anyone");
  return t.SerializeAsString();
}

std::string set_txn(const std::string& path, const std::string& value) {
  wire::KeeperTxn t;
  t.set_session_id(session);
  t.set_time_ms(2);
  auto* s = t.mutable_op()->mutable_set_data();
  s->set_path(path);
  s->set_data(value);
  s->set_version(-1);
  return t.SerializeAsString();
}

struct stall_run {
  double max_stall_ms = 0;   // longest gap between two applies
  double max_stall_cpu_ms = 0; // the same in this thread's CPU time
  double max_capture_ms = 0; // the snapshot step on the apply thread
  double max_write_ms = 0;   // serializing (on the writer thread for capture)
  uint64_t bytes = 0;
  uint64_t applies_writing = 0; // applies while a snapshot was being written
  double seconds_writing = 0;
  uint64_t applies_idle = 0;
  double seconds_idle = 0;
  double rss_before_mb = 0, rss_peak_mb = 0;
  std::string last_snapshot;
};

// Applies set_data back to back; every `gap` applies, snapshots (one in
// flight at a time), until `snapshots` are written.
stall_run run(keeper::keeper_replica& r, uint64_t& zxid, uint64_t znodes, const std::string& value,
              bool capture, int snapshots) {
  stall_run out;
  out.rss_before_mb = rss_mb().first;
  std::atomic<bool> written{false};
  std::thread writer;
  std::string bytes;
  double write_ms = 0, writer_rss = 0;
  bool writing = false;
  int done = 0;
  uint64_t x = 88172645463325252ull, since_snapshot = 0;
  constexpr uint64_t between = 20000; // applies between snapshots
  auto phase_start = clock_type::now();
  auto last = clock_type::now();
  auto last_cpu = thread_cpu_ms();
  auto finish_phase = [&](bool was_writing) {
    double s = std::chrono::duration<double>(clock_type::now() - phase_start).count();
    (was_writing ? out.seconds_writing : out.seconds_idle) += s;
    phase_start = clock_type::now();
  };
  std::vector<std::string> txns;
  for (int i = 0; i < 4096; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    txns.push_back(set_txn(znode_path(x % znodes), value));
  }
  while (done < snapshots) {
    auto& txn = txns[zxid % txns.size()];
    r.apply(txn, ++zxid);
    ++(writing ? out.applies_writing : out.applies_idle);
    ++since_snapshot;
    if (writing && written.load(std::memory_order_acquire)) {
      writer.join();
      finish_phase(true);
      writing = false;
      written = false;
      out.max_write_ms = std::max(out.max_write_ms, write_ms);
      out.bytes = bytes.size();
      out.last_snapshot = std::move(bytes);
      out.rss_peak_mb = std::max(out.rss_peak_mb, writer_rss);
      ++done;
      since_snapshot = 0;
    } else if (!writing && since_snapshot >= between) {
      auto t = clock_type::now();
      if (capture) {
        finish_phase(false);
        writing = true;
        writer = std::thread([&, w = r.capture()] {
          auto started = clock_type::now();
          bytes = w();
          write_ms = ms_since(started);
          writer_rss = rss_mb().first; // the view still holds the leaves copied meanwhile
          written.store(true, std::memory_order_release);
        });
        out.max_capture_ms = std::max(out.max_capture_ms, ms_since(t));
      } else {
        bytes = r.snapshot();
        auto took = ms_since(t);
        out.max_capture_ms = std::max(out.max_capture_ms, took);
        out.max_write_ms = std::max(out.max_write_ms, took);
        out.bytes = bytes.size();
        out.last_snapshot = std::move(bytes);
        out.rss_peak_mb = std::max(out.rss_peak_mb, rss_mb().first);
        ++done;
        since_snapshot = 0;
      }
    }
    auto now = clock_type::now();
    out.max_stall_ms = std::max(out.max_stall_ms, std::chrono::duration<double, std::milli>(now - last).count());
    last = now;
    auto cpu = thread_cpu_ms();
    out.max_stall_cpu_ms = std::max(out.max_stall_cpu_ms, cpu - last_cpu);
    last_cpu = cpu;
  }
  finish_phase(false);
  return out;
}

} // namespace

int bench_keeper_snapshot_stall(uint64_t znodes, uint32_t value_bytes, int snapshots) {
  std::string value(value_bytes, 'v');
  keeper::keeper_replica r;
  uint64_t zxid = 0;
  std::cerr << "troupe bench keeper: building a tree of " << znodes << " znodes..." << std::endl;
  auto t = clock_type::now();
  wire::KeeperTxn open;
  open.mutable_create_session()->set_timeout_ms(30000);
  r.apply(open.SerializeAsString(), ++zxid);
  r.apply(create_txn("/stall", ""), ++zxid);
  for (uint64_t d = 0; d < std::min<uint64_t>(1000, znodes); ++d)
    r.apply(create_txn("/stall/d" + std::to_string(d), ""), ++zxid);
  for (uint64_t i = 0; i < znodes; ++i)
    r.apply(create_txn(znode_path(i), value), ++zxid);
  std::cerr << "troupe bench keeper: built in " << ms_since(t) / 1000 << " s" << std::endl;
  for (bool capture : {true, false}) {
    std::cerr << "troupe bench keeper: " << snapshots << " snapshots, "
              << (capture ? "captured (written on another thread)" : "inline") << "..." << std::endl;
    auto s = run(r, zxid, znodes, value, capture, snapshots);
    keeper::keeper_replica restored;
    auto rt = clock_type::now();
    restored.restore(s.last_snapshot);
    double restore_ms = ms_since(rt);
    auto rate = [](uint64_t n, double secs) { return secs > 0 ? static_cast<double>(n) / secs : 0.0; };
    std::ostringstream j;
    j << "{\"bench\":\"keeper-snapshot-stall\",\"mode\":\"" << (capture ? "capture" : "inline")
      << "\",\"znodes\":" << r.machine().tree().node_count() << ",\"snapshots\":" << snapshots
      << ",\"max_stall_ms\":" << fixed(s.max_stall_ms, 1) << ",\"max_stall_cpu_ms\":" << fixed(s.max_stall_cpu_ms, 1) << ",\"capture_ms\":" << fixed(s.max_capture_ms, 2)
      << ",\"write_ms\":" << fixed(s.max_write_ms, 0) << ",\"snapshot_mb\":" << fixed(static_cast<double>(s.bytes) / 1e6, 1)
      << ",\"restore_ms\":" << fixed(restore_ms, 0)
      << ",\"applies_per_s_idle\":" << fixed(rate(s.applies_idle, s.seconds_idle), 0)
      << ",\"applies_per_s_writing\":" << fixed(rate(s.applies_writing, s.seconds_writing), 0)
      << ",\"rss_before_mb\":" << fixed(s.rss_before_mb, 0) << ",\"rss_peak_mb\":" << fixed(s.rss_peak_mb, 0) << "}";
    std::cout << j.str() << std::endl;
  }
  return 0;
}

} // namespace troupe::cli
