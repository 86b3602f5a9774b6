// Helpers for system tests: real `troupe` child processes on loopback, and an
// in-test node whose observer actor turns directory events into a queue the
// test thread waits on (with a timeout, never a sleep).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "troupe/runtime/address.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/process.hpp"

namespace troupe::test {

/// Events an observer saw: "up echo@n1", "down echo@n1: connection lost",
/// "reply echo@n1 <from_node> <payload>".
class event_queue {
public:
  void push(std::string e);
  /// Waits for an event containing `needle`; earlier events are consumed.
  std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout);

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::string> events_;
};

/// Starts `troupe node` as a child; returns once it printed its port.
std::unique_ptr<runtime::child_process> start_troupe_node(const std::string& name, uint16_t port,
                                                          const std::vector<std::string>& peers,
                                                          const std::string& probe = "0");

/// A node inside the test process that peers with the given nodes.
std::unique_ptr<runtime::node> test_node(const std::vector<runtime::peer_spec>& peers);

/// Spawns an observer of `target` on `n`: it pushes up/down events into
/// `events`, and on every role_up sends one Echo (payload "hello") and pushes
/// the reply.
void observe(runtime::node& n, const address& target, event_queue& events);

/// Runs a shell command, returns (exit status, combined stdout+stderr).
std::pair<int, std::string> run_shell(const std::string& command);

} // namespace troupe::test
