// Three `troupe keeper` processes on loopback for system tests: start, kill
// -9 and restart members by index (0-2), clients on the connect string, and
// "has a restarted member caught up" from the leader's /keeper page, and
// each member's view of the leader from its own page.
#pragma once

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.hpp"
#include "troupe/log/leader_status.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/runtime/http_endpoint.hpp"
#include "troupe/runtime/process.hpp"

namespace troupe::test {

/// Polls `pred` every 10 ms until true or `timeout`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class keeper_ensemble {
public:
  /// `extra` flags go to every member (timeouts, snapshot interval, ...).
  explicit keeper_ensemble(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
    std::string spec;
    for (int i = 1; i <= 3; ++i) {
      client_ports_.push_back(runtime::pick_free_port());
      http_ports_.push_back(runtime::pick_free_port());
      spec += (i > 1 ? "," : "") + std::to_string(i) + "=127.0.0.1:" + std::to_string(runtime::pick_free_port());
      connect += (i > 1 ? "," : "") + std::string{"127.0.0.1:"} + std::to_string(client_ports_.back());
    }
    spec_ = spec;
    members.resize(3);
    for (size_t i = 0; i < 3; ++i)
      if (!start(i))
        return;
    started = true;
  }

  /// Starts member i (again); false if it did not print its address.
  bool start(size_t i) {
    std::vector<std::string> args{"keeper", "--id", std::to_string(i + 1), "--members", spec_,
                                  "--client-port", std::to_string(client_ports_[i]),
                                  "--http-port", std::to_string(http_ports_[i]),
                                  "--data-dir", dir_.sub("m" + std::to_string(i + 1)), "--log-level", "warn"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    members[i] = std::make_unique<runtime::child_process>(TROUPE_BINARY, args);
    return members[i]->wait_for_line("listening ", std::chrono::seconds(10)).has_value();
  }

  void kill9(size_t i) {
    members[i]->signal(SIGKILL);
    members[i]->wait(std::chrono::seconds(5));
  }

  std::unique_ptr<keeper::client> client(std::chrono::milliseconds session = std::chrono::milliseconds(4000)) const {
    return std::make_unique<keeper::client>(connect, options(session));
  }

  /// A client of member i only (it does not move to another member).
  std::unique_ptr<keeper::client> client_of(size_t i, std::chrono::milliseconds session = std::chrono::milliseconds(4000)) const {
    return std::make_unique<keeper::client>("127.0.0.1:" + std::to_string(client_ports_[i]), options(session));
  }

  /// Member i's leader role as its /keeper page shows it; nullopt if it is
  /// not running. (Never ask a stopped member: its socket accepts but
  /// nobody answers.)
  std::optional<rlog::leader_status> status(size_t i) const {
    if (!members[i] || !members[i]->running())
      return std::nullopt;
    auto page = runtime::http_get(http_ports_[i], "/keeper");
    return page ? rlog::parse_leader_status(page->body) : std::nullopt;
  }

  /// The leader's /keeper page shows every acceptor within 100 entries of
  /// its last index. A restarted member must have caught up before the next
  /// kill, or the survivors have no quorum that can commit.
  bool caught_up() const {
    for (size_t i = 0; i < members.size(); ++i) {
      auto s = status(i);
      if (!s || s->role != "leader")
        continue;
      return s->acceptors.size() == 3 && *rlog::max_acceptor_lag(*s) <= 100;
    }
    return false;
  }

  bool wait_caught_up(std::chrono::seconds limit = std::chrono::seconds(30)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (caught_up())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string connect;   // "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"
  bool started = false;  // all three printed their address
  std::vector<std::unique_ptr<runtime::child_process>> members;

private:
  static keeper::client_options options(std::chrono::milliseconds session) {
    keeper::client_options o;
    o.session_timeout = session;
    o.request_timeout = std::chrono::milliseconds(5000);
    return o;
  }

  temp_dir dir_;
  std::vector<std::string> extra_;
  std::string spec_;
  std::vector<uint16_t> client_ports_, http_ports_;
};

} // namespace troupe::test
