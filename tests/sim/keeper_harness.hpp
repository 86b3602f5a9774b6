// A Keeper ensemble in the simulation: members n1..nN (log member roles,
// replica, tracker, front door) and client nodes, each client node running
// one Keeper client actor and a driver that records what its client answers.
// Tests send requests through drivers and read the recordings after
// run_until(); everything runs on the test's thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "caf/all.hpp"

#include "troupe/keeper/client_actor.hpp"
#include "troupe/keeper/member.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/sim/rng.hpp"
#include "troupe/sim/simulation.hpp"

namespace troupe::test {

struct client_record {
  std::vector<wire::Response> answers;   // in arrival order
  std::vector<wire::WatchEvent> events;
  std::vector<int32_t> states;           // session_state values
  caf::actor client;
  caf::actor driver;

  int32_t last_state() const { return states.empty() ? 0 : states.back(); }
  bool connected() const { return last_state() == 3; }
  const wire::Response* answer(int64_t xid) const {
    for (auto& a : answers)
      if (a.xid() == xid)
        return &a;
    return nullptr;
  }
};

/// Forwards (wire::Request) to its client and records answers, watch events
/// and state changes.
inline caf::behavior driver(caf::event_based_actor* self, caf::actor client, client_record* rec) {
  self->send(client, keeper::client_atoms::subscribe::value);
  return {
    [self, client, rec](wire::Request& req) {
      self->request(client, caf::infinite, std::move(req))
        .then([rec](wire::Response& r) { rec->answers.push_back(std::move(r)); });
    },
    [rec](const wire::WatchEvent& e, uint64_t) { rec->events.push_back(e); },
    [rec](keeper::client_atoms::state, int32_t s) { rec->states.push_back(s); },
  };
}

class keeper_sim {
public:
  keeper_sim(uint64_t seed, sim::network_faults faults = {}, size_t members = 3)
    : sim(seed, faults, {}, keeper::register_keeper_types) {
    cfg.log.group = "keeper";
    for (size_t i = 1; i <= members; ++i)
      cfg.log.members[static_cast<rlog::member_id>(i)] = "n" + std::to_string(i);
    cfg.min_session_timeout = std::chrono::milliseconds(200);
    auto* s = &sim;
    cfg.wall_clock_ms = [s] {
      return 1'700'000'000'000 + std::chrono::duration_cast<std::chrono::milliseconds>(s->now()).count();
    };
    for (auto& [id, node] : cfg.log.members) {
      auto member = id;
      sim.add_node(node, [this, member](node_env& env) {
        // Session ids and passwords from the node's seed: runs replay.
        auto member_cfg = cfg;
        auto rng = std::make_shared<troupe::sim::rng>(env.seed());
        member_cfg.random = [rng](unsigned char* out, size_t n) {
          for (size_t i = 0; i < n; ++i)
            out[i] = static_cast<unsigned char>(rng->next());
        };
        handles[env.name()] = keeper::spawn_member(env, member_cfg, member);
      });
    }
  }

  /// Adds node `name` with a client (session timeout `timeout`).
  client_record& add_client(const std::string& name, std::chrono::milliseconds timeout) {
    auto& rec = clients[name];
    sim.add_node(name, [this, &rec, timeout](node_env& env) {
      keeper::client_config c;
      c.directory = env.directory();
      for (auto& [id, node] : cfg.log.members)
        c.member_nodes.push_back(node);
      c.session_timeout = timeout;
      c.seed = env.seed();
      rec.client = keeper::spawn_client(env.system(), c);
      env.add_role("keeper.client", rec.client);
      rec.driver = env.system().spawn(driver, rec.client, &rec);
      env.add_role("driver", rec.driver);
    });
    return rec;
  }

  /// Sends a request through a client's driver; returns the xid it will get
  /// (xids count from 1 per client, in send order).
  int64_t send(const std::string& client, wire::Request req) {
    auto& n = next_xid[client];
    caf::anon_send(clients.at(client).driver, std::move(req));
    return ++n;
  }

  /// Sends and runs until answered (or `limit` passed); nullptr on no answer.
  const wire::Response* call(const std::string& client, wire::Request req,
                             std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto xid = send(client, std::move(req));
    auto& rec = clients.at(client);
    sim.run_until([&] { return rec.answer(xid) != nullptr; }, limit);
    return rec.answer(xid);
  }

  /// Crashes every member once, in turn, restarting each after a second:
  /// every client's member is among them, so every client moves.
  void crash_each_member() {
    for (auto& [id, node] : cfg.log.members) {
      sim.crash(node);
      sim.run_for(std::chrono::seconds(1));
      sim.restart(node);
      sim.run_for(std::chrono::milliseconds(500));
    }
  }

  sim::simulation sim;
  keeper::member_config cfg;
  std::map<std::string, keeper::member_handles> handles;
  std::map<std::string, client_record> clients;
  std::map<std::string, int64_t> next_xid;
};

// Request builders.
inline wire::Request create_req(const std::string& path, const std::string& data, int mode = 0) {
  wire::Request r;
  auto* c = r.mutable_write()->mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  auto* a = c->add_acl();
  a->set_perms(31);
  a->set_scheme("world");
  a->set_id("anyone");
  return r;
}

inline wire::Request set_req(const std::string& path, const std::string& data, int32_t version = -1) {
  wire::Request r;
  auto* s = r.mutable_write()->mutable_set_data();
  s->set_path(path);
  s->set_data(data);
  s->set_version(version);
  return r;
}

inline wire::Request get_req(const std::string& path, bool watch = false, bool linearizable = false) {
  wire::Request r;
  r.mutable_get_data()->set_path(path);
  r.mutable_get_data()->set_watch(watch);
  r.set_linearizable(linearizable);
  return r;
}

inline wire::Request exists_req(const std::string& path, bool watch = false) {
  wire::Request r;
  r.mutable_exists()->set_path(path);
  r.mutable_exists()->set_watch(watch);
  return r;
}

inline wire::Request delete_req(const std::string& path, int32_t version = -1) {
  wire::Request r;
  r.mutable_write()->mutable_delete_()->set_path(path);
  r.mutable_write()->mutable_delete_()->set_version(version);
  return r;
}

} // namespace troupe::test
