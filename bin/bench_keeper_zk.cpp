// `troupe bench keeper`, ZooKeeper side: the workload of bench_keeper.hpp
// run through Apache ZooKeeper's multi-threaded C client (zookeeper_mt), so
// the troupe Keeper is compared against the real thing, pipelined the same
// way. S sessions (one zhandle_t each; the client picks one of the servers
// at random) each keep W asynchronous requests in flight: every completion
// records its latency and issues the slot's next request. Completions of a
// handle run on that handle's completion thread, so each session's stats
// sit behind its own (uncontended) mutex and are merged at the end.
//
// Counting: every completed request is one op (a create-delete pair is two
// ops: the create and the delete), counted when it completes inside the
// measured window; rc != ZOK counts as an error instead. The nodes
// PREFIX and PREFIX/s<N> are left in place (reused by the next run).
// After a connection loss (failover) a slot waits for its session to
// reconnect instead of spinning through failures.
//
// Fairness notes: a fresh ensemble runs at a third of its steady rate
// until the JVMs' JIT has warmed up (warm_up_zookeeper, ~15 s of load);
// the client's per-poll DNS re-resolution is turned off (see below).
#include "bench_keeper.hpp"

#ifndef THREADED
#define THREADED // the synchronous API (used for set-up) is declared only for zookeeper_mt
#endif
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace troupe::cli {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

enum class op_kind { write, read, create_delete };
enum phase : int { warming_up, measuring, draining };

constexpr int session_timeout_ms = 10000;
constexpr milliseconds connect_timeout{15000};
constexpr milliseconds warmup_time{1000};
constexpr milliseconds drain_timeout{10000};

struct zk_session;

struct slot {
  zk_session* session = nullptr;
  clock_type::time_point issued;
  std::string child;    // create-delete: PREFIX/s<N>/c<slot>
  bool created = false; // create-delete: the next request is the delete
};

struct zk_session {
  int index = 0;
  zhandle_t* zh = nullptr;
  op_kind kind = op_kind::write;
  std::string path; // PREFIX/s<N>
  const std::string* value = nullptr;
  const std::atomic<int>* phase = nullptr;
  std::atomic<int> in_flight{0};
  std::vector<slot> slots;

  std::mutex mu; // guards everything below
  std::condition_variable cv;
  int state = 0; // last session state seen by the watcher
  std::vector<slot*> parked; // waiting for the connection to come back
  uint64_t ops = 0;
  uint64_t errors = 0;
  std::map<int, uint64_t> error_codes;
  std::vector<double> latency_us;
};

void issue(slot& sl);

// Common tail of every completion: record, then issue the slot's next
// request unless the run is over. Runs on the handle's completion thread.
void completed(slot& sl, int rc) {
  auto& s = *sl.session;
  auto now = clock_type::now();
  if (s.phase->load(std::memory_order_acquire) == measuring) {
    std::lock_guard<std::mutex> guard{s.mu};
    if (rc == ZOK) {
      ++s.ops;
      s.latency_us.push_back(std::chrono::duration<double, std::micro>(now - sl.issued).count());
    } else {
      ++s.errors;
      ++s.error_codes[rc];
    }
  }
  if (s.kind == op_kind::create_delete)
    sl.created = !sl.created;
  // A created child is deleted even while draining, so none is left behind.
  bool again = rc != ZCLOSING && rc != ZSESSIONEXPIRED
               && (s.phase->load(std::memory_order_acquire) != draining || sl.created);
  // System errors (connection loss, timeout) while the connection is down:
  // park the slot until the watcher sees the session reconnected, rather
  // than spin through failures (the client fails each queued request on
  // every connection attempt).
  if (again && rc < 0 && rc > ZAPIERROR) {
    std::lock_guard<std::mutex> guard{s.mu};
    if (s.state != ZOO_CONNECTED_STATE) {
      s.parked.push_back(&sl);
      again = false;
    }
  }
  if (again)
    issue(sl);
  s.in_flight.fetch_sub(1, std::memory_order_acq_rel);
}

void on_stat(int rc, const Stat*, const void* data) {
  completed(*static_cast<slot*>(const_cast<void*>(data)), rc);
}

void on_data(int rc, const char*, int, const Stat*, const void* data) {
  completed(*static_cast<slot*>(const_cast<void*>(data)), rc);
}

void on_string(int rc, const char*, const void* data) {
  completed(*static_cast<slot*>(const_cast<void*>(data)), rc);
}

void on_void(int rc, const void* data) {
  completed(*static_cast<slot*>(const_cast<void*>(data)), rc);
}

void issue(slot& sl) {
  auto& s = *sl.session;
  auto* data = static_cast<const void*>(&sl);
  auto len = static_cast<int>(s.value->size());
  s.in_flight.fetch_add(1, std::memory_order_acq_rel);
  sl.issued = clock_type::now();
  int rc = ZOK;
  switch (s.kind) {
    case op_kind::write:
      rc = zoo_aset(s.zh, s.path.c_str(), s.value->data(), len, -1, on_stat, data);
      break;
    case op_kind::read:
      rc = zoo_aget(s.zh, s.path.c_str(), 0, on_data, data);
      break;
    case op_kind::create_delete:
      rc = sl.created ? zoo_adelete(s.zh, sl.child.c_str(), -1, on_void, data)
                      : zoo_acreate(s.zh, sl.child.c_str(), s.value->data(), len,
                                    &ZOO_OPEN_ACL_UNSAFE, 0, on_string, data);
      break;
  }
  if (rc != ZOK) { // not queued (e.g. session expired): this slot stops
    if (s.phase->load(std::memory_order_acquire) == measuring) {
      std::lock_guard<std::mutex> guard{s.mu};
      ++s.errors;
      ++s.error_codes[rc];
    }
    s.in_flight.fetch_sub(1, std::memory_order_acq_rel);
  }
}

// Runs on the completion thread, in order with the completions.
void watcher(zhandle_t*, int type, int state, const char*, void* ctx) {
  if (type != ZOO_SESSION_EVENT)
    return;
  auto& s = *static_cast<zk_session*>(ctx);
  std::vector<slot*> resume;
  {
    std::lock_guard<std::mutex> guard{s.mu};
    s.state = state;
    s.cv.notify_all();
    if (state == ZOO_CONNECTED_STATE && s.phase->load(std::memory_order_acquire) != draining)
      resume.swap(s.parked);
  }
  for (auto* sl : resume)
    issue(*sl);
}

// The client's own log (ERROR level: every failed connection attempt) would
// flood stderr during a failover; keep only the last line for error messages.
std::mutex client_log_mu;
std::string client_log_last;

void client_log(const char* message) {
  std::lock_guard<std::mutex> guard{client_log_mu};
  client_log_last = message;
}

std::string last_client_log() {
  std::lock_guard<std::mutex> guard{client_log_mu};
  auto at = client_log_last.find("ZOO_");
  auto line = at == std::string::npos ? client_log_last : client_log_last.substr(at);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  return line.empty() ? line : " (client: " + line.substr(0, 200) + ")";
}

op_kind parse_kind(const std::string& kind) {
  if (kind == "write")
    return op_kind::write;
  if (kind == "read")
    return op_kind::read;
  if (kind == "create-delete")
    return op_kind::create_delete;
  throw std::runtime_error("unknown keeper workload kind: " + kind
                           + " (write, read or create-delete)");
}

// Creates `path` holding `value`, or sets it if it exists.
void put_node(zhandle_t* zh, const std::string& path, const std::string& value) {
  auto len = static_cast<int>(value.size());
  int rc = zoo_create(zh, path.c_str(), value.data(), len, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
  if (rc == ZNODEEXISTS)
    rc = zoo_set(zh, path.c_str(), value.data(), len, -1);
  if (rc != ZOK)
    throw std::runtime_error("zookeeper: cannot write " + path + ": " + zerror(rc));
}

// Owns the sessions; closes every handle (joining its threads, failing what
// is still queued with ZCLOSING) before the slots they point to go away.
struct session_set {
  std::vector<std::unique_ptr<zk_session>> all;
  ~session_set() {
    // zookeeper_close waits for the server to end the session: in parallel.
    std::vector<std::thread> closers;
    for (auto& s : all)
      if (s->zh)
        closers.emplace_back([zh = s->zh] { zookeeper_close(zh); });
    for (auto& t : closers)
      t.join();
  }
};

uint64_t total_in_flight(const session_set& set) {
  uint64_t n = 0;
  for (auto& s : set.all)
    n += static_cast<uint64_t>(s->in_flight.load(std::memory_order_acquire));
  return n;
}

} // namespace

keeper_result run_zookeeper_workload(const std::string& servers, const keeper_workload& w) {
  auto kind = parse_kind(w.kind);
  if (w.sessions < 1 || w.outstanding < 1 || w.seconds <= 0)
    throw std::runtime_error("keeper workload needs sessions, outstanding and seconds > 0");
  if (w.prefix.size() < 2 || w.prefix.front() != '/' || w.prefix.back() == '/')
    throw std::runtime_error("keeper workload prefix must look like /name: " + w.prefix);
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);

  const std::string value(w.value_bytes, 'v');
  std::atomic<int> phase{warming_up};
  session_set set;
  for (int i = 0; i < w.sessions; ++i) {
    auto s = std::make_unique<zk_session>();
    s->index = i;
    s->kind = kind;
    s->path = w.prefix + "/s" + std::to_string(i);
    s->value = &value;
    s->phase = &phase;
    s->slots.resize(static_cast<size_t>(w.outstanding));
    for (size_t k = 0; k < s->slots.size(); ++k) {
      s->slots[k].session = s.get();
      s->slots[k].child = s->path + "/c" + std::to_string(k);
    }
    s->zh = zookeeper_init2(servers.c_str(), watcher, session_timeout_ms, nullptr, s.get(), 0,
                            client_log);
    if (!s->zh)
      throw std::runtime_error("zookeeper: cannot create a client for \"" + servers
                               + "\": " + std::strerror(errno));
    // By default the client re-resolves the server list (getaddrinfo, a
    // netlink socket, /dev/urandom for the shuffle) every time it polls its
    // socket, i.e. per request; that dominated the client's CPU here. -1:
    // only on connection loss.
    zoo_set_servers_resolution_delay(s->zh, -1);
    set.all.push_back(std::move(s));
  }

  auto deadline = clock_type::now() + connect_timeout;
  int connected = 0;
  for (auto& s : set.all) {
    std::unique_lock<std::mutex> lock{s->mu};
    if (!s->cv.wait_until(lock, deadline, [&] { return s->state == ZOO_CONNECTED_STATE; }))
      break;
    ++connected;
  }
  if (connected < w.sessions)
    throw std::runtime_error("zookeeper: cannot connect to " + servers + " within "
                             + std::to_string(connect_timeout.count() / 1000) + " s ("
                             + std::to_string(connected) + " of " + std::to_string(w.sessions)
                             + " sessions connected)" + last_client_log());

  // Set-up: PREFIX (each level), then every session's own node.
  for (auto at = w.prefix.find('/', 1);; at = w.prefix.find('/', at + 1)) {
    auto path = w.prefix.substr(0, at);
    int rc = zoo_create(set.all[0]->zh, path.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS)
      throw std::runtime_error("zookeeper: cannot create " + path + ": " + zerror(rc));
    if (at == std::string::npos)
      break;
  }
  for (auto& s : set.all)
    put_node(s->zh, s->path, value);

  for (auto& s : set.all) {
    s->latency_us.reserve(static_cast<size_t>(w.seconds * 2000));
    for (auto& sl : s->slots)
      issue(sl);
  }
  std::this_thread::sleep_for(warmup_time);
  auto start = clock_type::now();
  phase.store(measuring, std::memory_order_release);
  std::this_thread::sleep_until(start + std::chrono::duration<double>(w.seconds));
  phase.store(draining, std::memory_order_release);
  auto stop = clock_type::now();

  auto drain_deadline = stop + drain_timeout;
  while (total_in_flight(set) > 0 && clock_type::now() < drain_deadline)
    std::this_thread::sleep_for(milliseconds(5));

  keeper_result r;
  r.target = "zookeeper";
  r.workload = w;
  r.seconds = std::chrono::duration<double>(stop - start).count();
  size_t samples = 0;
  for (auto& s : set.all) {
    std::lock_guard<std::mutex> guard{s->mu};
    samples += s->latency_us.size();
  }
  r.latency.reserve(samples);
  for (auto& s : set.all) {
    std::lock_guard<std::mutex> guard{s->mu};
    r.ops += s->ops;
    r.errors += s->errors;
    for (auto [code, n] : s->error_codes)
      r.error_codes[code] += n;
    for (double us : s->latency_us)
      r.latency.add_us(us);
  }
  return r; // `set` closes the sessions
}

void warm_up_zookeeper(const std::string& servers, double seconds) {
  for (const char* kind : {"write", "read", "create-delete"}) {
    keeper_workload w;
    w.kind = kind;
    w.seconds = seconds / 3;
    run_zookeeper_workload(servers, w);
  }
}

} // namespace troupe::cli
