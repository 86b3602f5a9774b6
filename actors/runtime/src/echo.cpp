#include "troupe/runtime/echo.hpp"

#include <map>

#include "caf/all.hpp"

#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe::runtime {

namespace {

caf::behavior echo(caf::event_based_actor*, std::string node) {
  return {
    [node](wire::Echo& msg) {
      msg.set_from_node(node);
      return std::move(msg);
    },
  };
}

struct prober_state {
  std::string node;
  log::logger log;
  duration interval{0};
  std::map<std::string, caf::actor> up; // peer node -> its echo role
  deadline_table deadlines;
  uint64_t seq = 0;
  metrics::histogram* rtt = nullptr;
  metrics::counter* lost = nullptr;
  static inline const char* name = "troupe.prober";
};

caf::behavior prober(caf::stateful_actor<prober_state>* self, node_env* env,
                     std::vector<std::string> peers, duration interval) {
  auto& st = self->state;
  st.node = env->name();
  st.log = env->logger("prober");
  st.interval = interval;
  st.rtt = &env->metrics().get_histogram("troupe_echo_rtt_seconds", "Echo round trips to peers");
  st.lost = &env->metrics().get_counter("troupe_echo_lost_total", "Echoes without answer in time");
  for (auto& p : peers)
    subscribe(self, env->directory(), address{p, "echo"});
  self->send(self, atoms::tick::value);
  return {
    [self](const role_up& up) {
      self->state.log.info("peer reachable", {{"peer", up.addr.node}});
      self->state.up[up.addr.node] = up.handle;
    },
    [self](const role_down& down) {
      auto& st = self->state;
      if (st.up.erase(down.addr.node) > 0)
        st.log.warn("peer unreachable", {{"peer", down.addr.node}, {"reason", down.reason}});
    },
    [self](atoms::tick) {
      auto& st = self->state;
      self->delayed_send(self, st.interval, atoms::tick::value);
      for (auto& [peer, handle] : st.up) {
        wire::Echo msg;
        msg.set_from_node(st.node);
        msg.set_seq(++st.seq);
        auto sent = self->clock().now();
        msg.set_sent_ns(sent.time_since_epoch().count());
        request(self, st.deadlines, handle, st.interval, std::move(msg))
          .then(
            [self, sent](const wire::Echo& reply) {
              auto& st = self->state;
              auto rtt = std::chrono::duration<double>(self->clock().now() - sent);
              st.rtt->observe(rtt.count());
              st.log.info("echo", {{"from", reply.from_node()},
                                   {"seq", reply.seq()},
                                   {"rtt_us", static_cast<int64_t>(rtt.count() * 1e6)}});
            },
            [self, peer = peer](caf::error& err) {
              self->state.lost->inc();
              self->state.log.debug("echo lost", {{"peer", peer}, {"error", to_string(err)}});
            });
      }
    },
  };
}

} // namespace

caf::actor spawn_echo(node_env& env) {
  auto handle = env.system().spawn(echo, env.name());
  env.add_role("echo", handle);
  return handle;
}

caf::actor spawn_prober(node_env& env, std::vector<std::string> peers, duration interval) {
  auto handle = env.system().spawn(prober, &env, std::move(peers), interval);
  env.add_role("prober", handle);
  return handle;
}

} // namespace troupe::runtime
