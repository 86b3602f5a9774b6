#include "greeter_roles.hpp"

#include "caf/all.hpp"

#include "greeter/greeter.pb.h"
#include "troupe/messages/registry.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"

// CAF finds the protobuf bridge by argument-dependent lookup.
namespace greeter::wire {
using troupe::messages::inspect;
}

namespace greeter {

namespace {

// The greeter's typed interface: the compiler checks every message sent to it.
using greeter_actor = caf::typed_actor<caf::replies_to<wire::Greet>::with<wire::Greeting>>;

uint64_t read_counter(troupe::persistence::kv_store& store, const std::string& key) {
  auto v = store.get(key);
  return v ? std::stoull(*v) : 0;
}

greeter_actor::behavior_type greeter_impl(greeter_actor::pointer, troupe::node_env* env) {
  auto& store = env->store("greeter");
  auto log = env->logger("greeter");
  return {
    [env, &store, log](const wire::Greet& greet) {
      // Durable before answering: a greeting is counted even if we crash now.
      auto count = read_counter(store, "greeted") + 1;
      store.put("greeted", std::to_string(count), true);
      log.debug("greeting", {{"name", greet.name()}, {"count", count}});
      wire::Greeting reply;
      reply.set_text("hello, " + greet.name());
      reply.set_from_node(env->name());
      reply.set_seq(greet.seq());
      reply.set_greeted_so_far(count);
      return reply;
    },
  };
}

using tick_atom = caf::atom_constant<caf::atom("tick")>;

// The caller is typed too: it accepts directory events and its own timer tick.
using caller_actor = caf::typed_actor<caf::reacts_to<troupe::role_up>,
                                      caf::reacts_to<troupe::role_down>,
                                      caf::reacts_to<tick_atom>>;

struct caller_state {
  greeter_actor greeter;                 // set while the greeter is reachable
  troupe::deadline_table deadlines;
  uint64_t seq = 0;
  static inline const char* name = "greeter.caller";
};

caller_actor::behavior_type caller_impl(caller_actor::stateful_pointer<caller_state> self,
                                        troupe::node_env* env, std::string greeter_node,
                                        troupe::runtime::duration interval) {
  auto log = env->logger("caller");
  troupe::subscribe(self, env->directory(), troupe::address{greeter_node, "greeter"});
  self->send(self, tick_atom::value);
  return {
    [self, log](const troupe::role_up& up) {
      log.info("greeter reachable", {{"at", troupe::to_string(up.addr)}});
      self->state.greeter = caf::actor_cast<greeter_actor>(up.handle);
    },
    [self, log](const troupe::role_down& down) {
      log.info("greeter unreachable", {{"reason", down.reason}});
      self->state.greeter = nullptr;
    },
    [self, env, interval, log](tick_atom) {
      self->delayed_send(self, interval, tick_atom::value);
      auto& st = self->state;
      if (!st.greeter)
        return;
      wire::Greet greet;
      greet.set_name(env->name());
      greet.set_seq(++st.seq);
      troupe::request(self, st.deadlines, st.greeter, interval, greet)
        .then(
          [env, log](const wire::Greeting& reply) {
            auto& store = env->store("caller");
            auto n = read_counter(store, "answered") + 1;
            store.put("answered", std::to_string(n), true);
            log.info(reply.text(), {{"from", reply.from_node()}, {"seq", reply.seq()},
                                    {"greeted_so_far", reply.greeted_so_far()}});
          },
          [log](caf::error& err) { log.debug("greeting lost", {{"error", to_string(err)}}); });
    },
  };
}

} // namespace

void register_types(caf::actor_system_config& cfg) {
  troupe::messages::add_protobuf_message<wire::Greet>(cfg);
  troupe::messages::add_protobuf_message<wire::Greeting>(cfg);
}

caf::actor spawn_greeter(troupe::node_env& env) {
  auto handle = caf::actor_cast<caf::actor>(env.system().spawn(greeter_impl, &env));
  env.add_role("greeter", handle);
  return handle;
}

caf::actor spawn_caller(troupe::node_env& env, std::string greeter_node,
                        troupe::runtime::duration interval) {
  auto handle = caf::actor_cast<caf::actor>(
    env.system().spawn(caller_impl, &env, std::move(greeter_node), interval));
  env.add_role("caller", handle);
  return handle;
}

uint64_t answered(troupe::node_env& env) {
  return read_counter(env.store("caller"), "answered");
}

} // namespace greeter
