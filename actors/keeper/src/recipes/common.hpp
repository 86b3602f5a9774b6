// What the recipes share (internal to troupe_keeper): session checks, retries
// of idempotent requests, parent creation, protected sequential nodes, and a
// flag that watch callbacks raise without blocking the client's event thread.
//
// Rules every recipe follows:
//   - watch callbacks only raise a flag (they run on the client's event
//     thread, which must never block); the recipe's own thread (the caller's,
//     or a worker's) does the requests;
//   - a blocking wait wakes at least every 50 ms to look at the session:
//     once it expired (or the client was closed) it throws
//     keeper_error(session_expired) instead of waiting forever;
//   - ConnectionLoss / OperationTimeout on a read is retried (the client
//     reconnects by itself); on a write the recipe checks what happened.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "troupe/keeper/client.hpp"

namespace troupe::keeper::recipes::detail {

using steady = std::chrono::steady_clock;

/// True once the session is over: expired, or the client closed.
bool session_over(client& c);

/// Throws keeper_error(session_expired, path) when session_over(c).
void check_session(client& c, const std::string& path);

/// Whether an error leaves the request's fate unknown (and the session may
/// still be alive): ConnectionLoss, OperationTimeout.
bool transient(error e);

/// Runs f; a keeper_error thrown after the session ended becomes
/// session_expired (the client reports the requests it could not send as
/// ConnectionLoss or OperationTimeout).
template <class F>
auto guarded(client& c, const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const keeper_error&) {
    check_session(c, path);
    throw;
  }
}

/// Runs an idempotent request f, retrying transient errors (with a short
/// pause) for up to 30 s while the session lives.
template <class F>
auto retrying(client& c, const std::string& path, F&& f) -> decltype(f()) {
  auto give_up = steady::now() + std::chrono::seconds(30);
  for (int attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const keeper_error& e) {
      check_session(c, path);
      if (!transient(e.code()) || steady::now() > give_up)
        throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20 * attempt, 200)));
  }
}

/// Creates `path` (in `mode`) and its missing ancestors (containers, which
/// the server reaps once they had children and have none: recipe roots do
/// not pile up, as Curator's creatingParentContainersIfNeeded). An
/// existing node is fine.
void ensure_path(client& c, const std::string& path, create_mode mode = create_mode::container);

/// "a/b" joined: dir + "/" + name (dir "/" gives "/name").
std::string join(const std::string& dir, const std::string& name);

/// 32 random hex digits.
std::string new_guid();

/// The sequence number of a sequential node's name (its last 10 digits), or
/// -1 when the name does not end with 10 digits.
int64_t sequence_of(const std::string& name);

/// The part of a sequential name before its sequence number, after any
/// protection ("_c_<guid>-"): "_c_ab..-read-0000000007" -> "read-".
std::string kind_of(const std::string& name);

/// The names among `children` whose kind_of is one of `kinds`, sorted by
/// sequence number.
std::vector<std::string> sequential(const std::vector<std::string>& children, const std::vector<std::string>& kinds);

/// Creates dir/"_c_<guid>-<kind><sequence>" in a sequential `mode` (Curator's
/// protected mode) and returns its path. Missing parents are created
/// (containers). When the create's fate is unknown (ConnectionLoss,
/// OperationTimeout) it syncs and looks for its node before trying again:
/// an ephemeral one among this session's ephemerals (getEphemerals), any
/// other among dir's children, by the GUID; so it never leaves a second
/// node behind (if two do carry the GUID, the higher ones are deleted).
std::string create_protected(client& c, const std::string& dir, const std::string& kind, const std::string& data,
                             create_mode mode);

/// sync(path), retrying transient errors; a missing path is fine. After it,
/// every request this client sent before has been answered, and the
/// member has every write committed before.
void sync_quietly(client& c, const std::string& path);

/// Deletes `path` (any version); a missing node is fine; transient errors
/// are retried. Throws session_expired if the session ended first.
void remove_quietly(client& c, const std::string& path);

/// A flag raised by watch callbacks (on the event thread: never blocks) and
/// awaited by the recipe's thread. Shared, because a watch may fire after
/// the recipe object is gone.
class wake_flag : public std::enable_shared_from_this<wake_flag> {
public:
  void raise();
  void lower();
  /// Waits until raised (then lowers it and returns true) or `deadline`
  /// (false); throws session_expired as soon as the session is over.
  bool wait(client& c, steady::time_point deadline, const std::string& path);
  /// A watcher that raises this flag and, if given, calls `also` first
  /// (which must not block).
  watcher as_watcher(std::function<void()> also = {});

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool raised_ = false;
};

/// The data at `path`, or nothing if it does not exist (retrying transient
/// errors while the session lives).
std::optional<std::string> get_if_exists(client& c, const std::string& path);

/// exists(path) with a watch raising `flag` (after calling `also`, if
/// given) when the node is created, changes or goes.
std::optional<stat> exists_watched(client& c, const std::string& path, const std::shared_ptr<wake_flag>& flag,
                                   std::function<void()> also = {});

/// A thread that runs `step` once at start and again whenever its flag is
/// raised (watch callbacks raise it), so that re-reading and re-arming
/// watches happens off the event thread. Each step returns whether to go
/// on. The thread ends when a step returns false, throws (transient errors
/// are retried) or the session ends; then `on_end` runs, once. stop() (and
/// the destructor) ends it without on_end and joins it (unless called from
/// the worker itself).
class watch_worker {
public:
  /// on_end gets the exception that ended the thread (null if a step
  /// returned false); session_expired when the session ended.
  /// `flag` is the one the recipe's watchers raise (shared with the
  /// recipe, so its steps can use it from the first one on).
  watch_worker(client& c, std::shared_ptr<wake_flag> flag, std::function<bool()> step,
               std::function<void(std::exception_ptr)> on_end);
  ~watch_worker();
  watch_worker(const watch_worker&) = delete;
  watch_worker& operator=(const watch_worker&) = delete;
  void stop();

private:
  void run();

  client& c_;
  std::function<bool()> step_;
  std::function<void(std::exception_ptr)> on_end_;
  std::shared_ptr<wake_flag> flag_;
  std::mutex mtx_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace troupe::keeper::recipes::detail
