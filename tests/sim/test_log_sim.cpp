// The replicated log's actors in the deterministic simulation: three member
// nodes, each with a follower; a client proposes through its local follower
// over a lossy network while the leader is crashed and restarted. Every
// acknowledged proposal must be applied, in the same order, by every follower.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "caf/all.hpp"

#include "troupe/log/replicated_log.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/metrics.hpp"
#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/sim/seeds.hpp"
#include "troupe/sim/simulation.hpp"

using namespace std::chrono_literals;
using troupe::node_env;
namespace rlog = troupe::rlog;

namespace {

std::string lines(const std::vector<std::string>& items) {
  std::string s;
  for (auto& x : items)
    s += x + "\n";
  return s;
}

// Snapshots a follower wrote: the list's length at capture, the length it
// had when the bytes were written (later, on the writer's step), the bytes.
struct written_snapshot {
  size_t captured_at = 0;
  size_t written_at = 0;
  std::string bytes;
};

// The test's state machine: the list of applied commands. Its capture()
// copies the list, and serializes the copy when the follower's writer runs.
struct list_machine : rlog::state_machine {
  std::vector<std::string>* out;
  uint64_t* restores;
  std::vector<written_snapshot>* written = nullptr;
  explicit list_machine(std::vector<std::string>* o, uint64_t* r = nullptr) : out(o), restores(r) { out->clear(); }
  std::string apply(const std::string& cmd, uint64_t) override {
    out->push_back(cmd);
    return "ok " + cmd;
  }
  std::string snapshot() const override { return lines(*out); }
  snapshot_writer capture() const override {
    return [items = *out, live = out, written = written] {
      auto bytes = lines(items);
      if (written)
        written->push_back({items.size(), live->size(), bytes});
      return bytes;
    };
  }
  void restore(const std::string& snap) override {
    if (restores)
      ++*restores;
    out->clear();
    size_t start = 0;
    for (size_t nl; (nl = snap.find('\n', start)) != std::string::npos; start = nl + 1)
      out->push_back(snap.substr(start, nl - start));
  }
};

using go_atom = caf::atom_constant<caf::atom("go")>;

struct client_log {
  std::set<std::string> acknowledged;
  uint64_t failed = 0;
};

// Proposes "c<n>" every 20 ms through the local follower.
caf::behavior client(caf::stateful_actor<troupe::deadline_table>* self, caf::actor follower,
                     client_log* log) {
  self->send(self, go_atom::value, 0);
  return {
    [=](go_atom, int n) {
      self->delayed_send(self, 20ms, go_atom::value, n + 1);
      auto cmd = "c" + std::to_string(n);
      troupe::request(self, self->state, follower, 1s, rlog::atoms::propose::value, cmd)
        .then([=](const std::string& result) {
                EXPECT_EQ(result, "ok " + cmd);
                log->acknowledged.insert(cmd);
              },
              [=](caf::error&) { ++log->failed; });
    },
  };
}

rlog::group_config group() {
  rlog::group_config g;
  g.group = "test";
  g.members = {{1, "n1"}, {2, "n2"}, {3, "n3"}};
  g.snapshot_every = 50;
  g.snapshot_chunk_bytes = 64; // snapshots of a few KB: dozens of chunks
  return g;
}

struct run_result {
  client_log clients;
  std::map<std::string, std::vector<std::string>> applied;
  uint64_t restores = 0; // followers restored from a (chunked) snapshot
  uint64_t trace = 0;
};

run_result run(uint64_t seed) {
  troupe::sim::network_faults faults;
  faults.drop = 0.02;
  faults.duplicate = 0.01;
  troupe::sim::simulation sim{seed, faults, {}, rlog::register_log_types};
  run_result r;
  auto g = group();
  for (auto& [id, node] : g.members) {
    auto member = id;
    auto* out = &r.applied[node];
    sim.add_node(node, [g, member, out, &r](node_env& env) {
      rlog::spawn_member(env, g, member);
      auto f = rlog::spawn_follower(env, g, "main", std::make_unique<list_machine>(out, &r.restores));
      if (env.name() == "n1")
        env.add_role("client", env.system().spawn(client, f, &r.clients));
    });
  }
  sim.run_for(3s);
  // Crash whichever node leads (by its applied prefix we cannot tell; crash n2 and n3 in turn).
  sim.crash("n2");
  sim.run_for(2s);
  sim.restart("n2");
  sim.run_for(2s);
  sim.crash("n3");
  sim.run_for(2s);
  sim.restart("n3");
  sim.run_for(4s);
  r.trace = sim.trace_hash();
  return r;
}

} // namespace

TEST(LogSim, AcknowledgedProposalsSurviveCrashesAndAllFollowersAgree) {
  for (auto seed : troupe::sim::seeds(1, 8)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    auto r = run(seed);
    EXPECT_GT(r.clients.acknowledged.size(), 300u);
    // The restarted followers start empty behind compacted logs: they catch
    // up by reading a snapshot in chunks.
    EXPECT_GE(r.restores, 2u);
    auto& reference = r.applied["n1"];
    for (auto& [node, applied] : r.applied) {
      // Same order everywhere: the shorter list is a prefix of the longer.
      auto n = std::min(applied.size(), reference.size());
      EXPECT_TRUE(std::equal(applied.begin(), applied.begin() + static_cast<long>(n), reference.begin()))
        << node << " diverges from n1";
      EXPECT_GE(applied.size() + 20, reference.size()) << node << " fell behind";
    }
    std::set<std::string> applied_set(reference.begin(), reference.end());
    EXPECT_EQ(applied_set.size(), reference.size()) << "a command applied twice";
    for (auto& cmd : r.clients.acknowledged)
      EXPECT_TRUE(applied_set.count(cmd)) << cmd << " was acknowledged but is not applied";
    if (HasFailure())
      break;
  }
}

namespace {

using rogue_atom = caf::atom_constant<caf::atom("rogue")>;

// Sends the acceptor at `target` a vote request from another group and an
// append from a non-member, both with a huge epoch.
caf::behavior rogue(caf::event_based_actor* self, node_env* env, troupe::address target) {
  troupe::subscribe(self, env->directory(), target);
  return {
    [=](const troupe::role_up& up) {
      troupe::wire::VoteRequest v;
      v.set_group("other");
      v.set_epoch(1000);
      v.set_candidate(1);
      self->send(up.handle, v);
      troupe::wire::AppendRequest a;
      a.set_group("test");
      a.set_epoch(1000);
      a.set_leader(9);
      self->send(up.handle, a);
    },
    [](const troupe::role_down&) {},
    [](const troupe::wire::VoteResponse&) { ADD_FAILURE() << "a foreign vote was answered"; },
    [](const troupe::wire::AppendResponse&) { ADD_FAILURE() << "a non-member's append was answered"; },
  };
}

} // namespace

TEST(LogSim, MessagesFromOutsideTheGroupAreRefusedAndCounted) {
  troupe::sim::simulation sim{7, {}, {}, rlog::register_log_types};
  rlog::group_config g;
  g.group = "test";
  g.members = {{1, "n1"}};
  std::vector<std::string> applied;
  uint64_t restores = 0;
  client_log clients;
  sim.add_node("n1", [&](node_env& env) {
    rlog::spawn_member(env, g, 1);
    auto f = rlog::spawn_follower(env, g, "main", std::make_unique<list_machine>(&applied, &restores));
    env.add_role("client", env.system().spawn(client, f, &clients));
  });
  sim.add_node("x", [&](node_env& env) {
    env.add_role("rogue", env.system().spawn(rogue, &env, troupe::address{"n1", g.acceptor_role()}));
  });
  sim.run_for(2s);
  auto metrics = sim.node("n1").metrics().render_prometheus();
  EXPECT_NE(metrics.find("troupe_log_refused_total{group=\"test\"} 2"), std::string::npos) << metrics;
  // The group never saw epoch 1000 and kept committing.
  auto before = clients.acknowledged.size();
  sim.run_for(1s);
  EXPECT_GT(clients.acknowledged.size(), before + 20);
  EXPECT_EQ(clients.failed, 0u);
}

// The follower captures between applies and writes the bytes in a later
// step (the writer actor); each snapshot holds the state as captured, and a
// follower restarted mid-run applies the same history again.
TEST(LogSim, SnapshotsHoldTheStateOfTheirCapture) {
  for (auto seed : troupe::sim::seeds(1, 4)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    troupe::sim::simulation sim{seed, {}, {}, rlog::register_log_types};
    rlog::group_config g;
    g.group = "test";
    g.members = {{1, "n1"}};
    g.snapshot_every = 20;
    std::vector<std::string> applied;
    std::vector<written_snapshot> written;
    client_log clients;
    sim.add_node("n1", [&](node_env& env) {
      rlog::spawn_member(env, g, 1);
      auto m = std::make_unique<list_machine>(&applied);
      m->written = &written;
      auto f = rlog::spawn_follower(env, g, "main", std::move(m));
      env.add_role("client", env.system().spawn(client, f, &clients));
    });
    sim.run_until([&] { return written.size() >= 3; }, 20s);
    ASSERT_GE(written.size(), 3u);
    auto check_written = [&] {
      for (auto& w : written) {
        // The bytes are the list as captured, even where more was applied
        // before the writer ran.
        EXPECT_LE(w.captured_at, w.written_at);
        EXPECT_EQ(w.bytes, lines({applied.begin(), applied.begin() + static_cast<long>(w.captured_at)}));
      }
    };
    check_written();
    auto before_crash = applied;
    sim.crash("n1"); // mid-snapshot or not: nothing half-written reaches the acceptor
    sim.restart("n1");
    written.clear();
    sim.run_until([&] { return applied.size() > before_crash.size() && written.size() >= 2; }, 20s);
    ASSERT_GE(written.size(), 2u);
    check_written();
    // Everything applied before the crash is back, in the same order.
    ASSERT_GE(applied.size(), before_crash.size());
    EXPECT_TRUE(std::equal(before_crash.begin(), before_crash.end(), applied.begin()));
    for (auto& cmd : clients.acknowledged)
      EXPECT_TRUE(std::find(applied.begin(), applied.end(), cmd) != applied.end()) << cmd;
    if (HasFailure())
      break;
  }
}
