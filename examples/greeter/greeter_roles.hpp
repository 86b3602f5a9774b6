// An example of user-written roles, both typed actors: a `greeter` that answers
// Greet with Greeting and persists how many greetings it gave, and a `caller`
// on another node that finds the greeter through the directory and greets it
// periodically. The same code runs as two processes (greeter_main.cpp) and in
// the deterministic simulation (tests/greeter_sim_test.cpp).
#pragma once

#include <string>

#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/node_config.hpp"
#include "troupe/runtime/node_env.hpp"

namespace greeter {

/// Registers the example's message types with an actor system.
void register_types(caf::actor_system_config& cfg);

/// Spawns the greeter role on `env` and registers it as "greeter".
caf::actor spawn_greeter(troupe::node_env& env);

/// Spawns the caller role: it greets greeter@`greeter_node` every `interval`
/// and records each answered greeting in its node's store "caller" (key
/// "answered"), synced, so the count survives crashes.
caf::actor spawn_caller(troupe::node_env& env, std::string greeter_node,
                        troupe::runtime::duration interval);

/// How many greetings the caller on `env` saw answered (from its store).
uint64_t answered(troupe::node_env& env);

} // namespace greeter
