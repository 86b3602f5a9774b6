// The kv store in troupe's deterministic simulation: three member nodes and
// a follower node run the same roles as the kv-node processes; a client node
// writes through the follower while members crash and restart and the
// network loses messages, then reads every key back through every node.
#include <gtest/gtest.h>

#include "caf/all.hpp"

#include "kv_messages.hpp"
#include "kv_roles.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/sim/seeds.hpp"
#include "troupe/sim/simulation.hpp"

using namespace std::chrono_literals;

namespace {

const std::vector<std::string> store_nodes{"m1", "m2", "m3", "f1"};
constexpr int keys = 60;

using tick_atom = caf::atom_constant<caf::atom("kv_tick")>;

struct driver_state {
  troupe::deadline_table deadlines;
  std::map<std::string, caf::actor> apis; // node -> its kv.api
  int next = 0;                           // next key to write
  bool busy = false;
  size_t reader = 0;                      // which node the reads go to
  int read_next = 0;
  static inline const char* name = "kv.driver";
};

std::string key(int i) { return "k" + std::to_string(i); }
std::string value(int i) { return "v" + std::to_string(i * 7); }

void count(troupe::node_env* env, const std::string& what) {
  auto& s = env->store("driver");
  auto n = s.get(what);
  s.put(what, std::to_string((n ? std::stoi(*n) : 0) + 1), true);
}

// Writes key(i) = value(i) for every i through f1 (one at a time, retried
// until answered), then reads every key back through each store node.
caf::behavior driver(caf::stateful_actor<driver_state>* self, troupe::node_env* env) {
  for (auto& n : store_nodes)
    troupe::subscribe(self, env->directory(), troupe::address{n, kv::api_role});
  self->send(self, tick_atom::value);
  return {
    [self](const troupe::role_up& up) { self->state.apis[up.addr.node] = up.handle; },
    [self](const troupe::role_down& down) { self->state.apis.erase(down.addr.node); },
    [self, env](tick_atom) {
      self->delayed_send(self, 20ms, tick_atom::value);
      auto& st = self->state;
      if (st.busy)
        return;
      kv::wire::KvRequest req;
      std::string via;
      if (st.next < keys) {
        via = "f1";
        req.set_op(kv::wire::KvRequest::PUT);
        req.set_key(key(st.next));
        req.set_value(value(st.next));
      } else if (st.reader < store_nodes.size()) {
        via = store_nodes[st.reader];
        req.set_op(kv::wire::KvRequest::GET);
        req.set_key(key(st.read_next));
      } else {
        return;
      }
      auto api = st.apis.find(via);
      if (api == st.apis.end())
        return;
      st.busy = true;
      troupe::request(self, st.deadlines, api->second, 2s, req)
        .then(
          [self, env, req](const kv::wire::KvResponse& r) {
            auto& st = self->state;
            st.busy = false;
            if (!r.ok())
              return; // retried on the next tick
            if (req.op() == kv::wire::KvRequest::PUT) {
              count(env, "acked");
              ++st.next;
              return;
            }
            count(env, r.found() && r.value() == value(st.read_next) ? "verified" : "wrong");
            if (++st.read_next == keys) {
              st.read_next = 0;
              ++st.reader;
            }
          },
          [self](caf::error&) { self->state.busy = false; });
    },
  };
}

int counter(troupe::sim::simulation& sim, const std::string& what) {
  auto v = sim.node("client").store("driver").get(what);
  return v ? std::stoi(*v) : 0;
}

struct outcome {
  int acked, verified, wrong;
  uint64_t trace;
};

outcome run(uint64_t seed) {
  troupe::sim::network_faults faults;
  faults.drop = 0.02;
  troupe::sim::simulation sim{seed, faults, {}, kv::register_types};
  auto group = kv::make_group({{1, "m1"}, {2, "m2"}, {3, "m3"}});
  group.snapshot_every = 20; // compaction and snapshot restores happen in the run
  for (troupe::rlog::member_id id = 1; id <= 3; ++id)
    sim.add_node("m" + std::to_string(id), [group, id](troupe::node_env& env) { kv::start_node(env, group, id); });
  sim.add_node("f1", [group](troupe::node_env& env) { kv::start_node(env, group, std::nullopt); });
  sim.add_node("client", [](troupe::node_env& env) { env.add_role("driver", env.system().spawn(driver, &env)); });
  // Crash a member (whichever leads or not) while writes go on, then another.
  sim.run_until([&] { return counter(sim, "acked") >= keys / 3; }, 20s);
  auto first = "m" + std::to_string(1 + sim.random().below(3));
  sim.crash(first);
  sim.run_until([&] { return counter(sim, "acked") >= 2 * keys / 3; }, 20s);
  sim.restart(first);
  sim.run_until([&] { return counter(sim, "verified") + counter(sim, "wrong") == 4 * keys; }, 60s);
  return {counter(sim, "acked"), counter(sim, "verified"), counter(sim, "wrong"), sim.trace_hash()};
}

} // namespace

TEST(KvStoreSim, AcknowledgedWritesAreReadBackThroughEveryNode) {
  for (auto seed : troupe::sim::seeds(1, 3)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    auto r = run(seed);
    EXPECT_EQ(r.acked, keys);
    EXPECT_EQ(r.verified, 4 * keys);
    EXPECT_EQ(r.wrong, 0);
    EXPECT_EQ(run(seed).trace, r.trace) << "a seed must replay exactly";
  }
}
