// Small roles for simulation tests. Their observations go into a plain
// struct owned by the test: the simulation runs on the test's thread, so the
// test reads it directly after run_for().
#pragma once

#include <string>
#include <vector>

#include "caf/all.hpp"

#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/node_env.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe::test {

struct observations {
  std::vector<std::string> events;       // "up echo@b", "down echo@b: reason"
  std::vector<uint64_t> received_seqs;   // by a recorder, in arrival order
  uint64_t replies = 0;                  // by a watcher's echo requests
  uint64_t timeouts = 0;
  uint64_t other_errors = 0;
  caf::actor last_handle;

  bool up() const { return !events.empty() && events.back().rfind("up ", 0) == 0; }
  bool down_with(const std::string& reason) const {
    return !events.empty() && events.back().find(reason) != std::string::npos &&
           events.back().rfind("down ", 0) == 0;
  }
};

using ping_atom = caf::atom_constant<caf::atom("t_ping")>;
using blast_atom = caf::atom_constant<caf::atom("t_blast")>;

/// Subscribes to `target`; on (ping_atom, n) sends n Echo requests with a
/// deadline; on (blast_atom, n) sends n one-way Echo messages numbered 1..n.
inline caf::behavior watcher(caf::stateful_actor<deadline_table>* self, node_env* env,
                             address target, observations* obs) {
  subscribe(self, env->directory(), target);
  return {
    [obs](const role_up& up) {
      obs->events.push_back("up " + to_string(up.addr));
      obs->last_handle = up.handle;
    },
    [obs](const role_down& down) {
      obs->events.push_back("down " + to_string(down.addr) + ": " + down.reason);
      obs->last_handle = nullptr;
    },
    [self, obs](ping_atom, int n) {
      for (int i = 0; i < n; ++i) {
        if (!obs->last_handle) {
          ++obs->other_errors;
          continue;
        }
        wire::Echo e;
        e.set_seq(static_cast<uint64_t>(i));
        request(self, self->state, obs->last_handle, std::chrono::milliseconds(200), e)
          .then([obs](const wire::Echo&) { ++obs->replies; },
                [obs](caf::error& err) {
                  if (err == caf::sec::request_timeout)
                    ++obs->timeouts;
                  else
                    ++obs->other_errors;
                });
      }
    },
    [self, obs](blast_atom, int n) {
      for (int i = 1; i <= n; ++i) {
        wire::Echo e;
        e.set_seq(static_cast<uint64_t>(i));
        self->send(obs->last_handle, e);
      }
    },
  };
}

/// Records the seq of every Echo it receives (one-way; it does not answer).
inline caf::behavior recorder(caf::event_based_actor*, observations* obs) {
  return {
    [obs](const wire::Echo& e) { obs->received_seqs.push_back(e.seq()); },
  };
}

} // namespace troupe::test
