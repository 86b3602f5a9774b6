// The greeter example in the deterministic simulation: the same roles as in
// greeter_main.cpp, on two simulated nodes with a lossy network, a crash
// and a restart.
#include <gtest/gtest.h>

#include "greeter_roles.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/sim/seeds.hpp"
#include "troupe/sim/simulation.hpp"

using namespace std::chrono_literals;

namespace {

struct run_result {
  uint64_t answered_before_crash = 0;
  uint64_t answered_while_down = 0;
  uint64_t answered_after_restart = 0;
  uint64_t greeted_after_restart = 0;
  uint64_t trace_hash = 0;
};

run_result run(uint64_t seed) {
  troupe::sim::network_faults faults;
  faults.drop = 0.05;
  faults.duplicate = 0.02;
  troupe::sim::simulation sim{seed, faults, {}, greeter::register_types};
  sim.add_node("b", [](troupe::node_env& env) { greeter::spawn_greeter(env); });
  sim.add_node("a", [](troupe::node_env& env) { greeter::spawn_caller(env, "b", 100ms); });
  run_result r;
  sim.run_for(5s);
  r.answered_before_crash = greeter::answered(sim.node("a"));
  sim.crash("b");
  sim.run_for(300ms); // let answers already on the wire land
  auto at_crash = greeter::answered(sim.node("a"));
  sim.run_for(3s);
  r.answered_while_down = greeter::answered(sim.node("a")) - at_crash;
  sim.restart("b");
  sim.run_for(5s);
  r.answered_after_restart = greeter::answered(sim.node("a")) - at_crash;
  auto v = sim.node("b").store("greeter").get("greeted");
  r.greeted_after_restart = v ? std::stoull(*v) : 0;
  r.trace_hash = sim.trace_hash();
  return r;
}

} // namespace

TEST(GreeterSim, GreetsSurvivesCrashAndReplaysExactly) {
  for (auto seed : troupe::sim::seeds(1, 5)) {
    SCOPED_TRACE(troupe::sim::replay_hint(seed));
    auto r = run(seed);
    // About 50 greetings in 5 s at 100 ms, minus losses.
    EXPECT_GT(r.answered_before_crash, 30u);
    EXPECT_EQ(r.answered_while_down, 0u);
    EXPECT_GT(r.answered_after_restart, 30u);
    // The greeter's synced counter survived its crash: it counts all answers.
    EXPECT_GE(r.greeted_after_restart, r.answered_before_crash + r.answered_after_restart);
    EXPECT_EQ(run(seed).trace_hash, r.trace_hash);
  }
}
