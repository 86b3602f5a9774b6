// Internal: the simulated network. Actors on one node see actors on another
// as sim_proxy actors (like CAF's middleman proxies); whatever a proxy is sent
// becomes a `flight` that the network delivers later, after a random delay,
// or drops (fault, partition, crash). Delivery rewrites the sender and any
// actor handle in the message into proxies on the receiving node, so replies,
// monitors and request ids work as across real machines.
#pragma once

#include <map>
#include <optional>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "caf/actor_proxy.hpp"
#include "caf/fwd.hpp"
#include "caf/mailbox_element.hpp"
#include "caf/message.hpp"
#include "caf/message_id.hpp"

#include "troupe/sim/rng.hpp"
#include "troupe/sim/simulation.hpp"

namespace troupe::sim::detail {

class network;

class sim_proxy final : public caf::actor_proxy {
public:
  sim_proxy(caf::actor_config& cfg, network* net, std::string home,
            caf::strong_actor_ptr target, std::string target_node, uint64_t target_incarnation);

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override;
  bool add_backlink(caf::abstract_actor*) override { return false; }
  bool remove_backlink(caf::abstract_actor*) override { return false; }
  void kill_proxy(caf::execution_unit* host, caf::error reason) override;

  const std::string& home() const { return home_; }
  const caf::strong_actor_ptr& target() const { return target_; }
  const std::string& target_node() const { return target_node_; }
  uint64_t target_incarnation() const { return target_incarnation_; }

private:
  network* net_;
  std::string home_;
  caf::strong_actor_ptr target_;
  std::string target_node_;
  uint64_t target_incarnation_;
};

class network {
public:
  network(caf::actor_system& sys, uint64_t seed, network_faults faults);

  void set_clock(std::function<int64_t()> now_ns) { now_ = std::move(now_ns); }

  // Nodes.
  void node_up(const std::string& node, uint64_t incarnation);
  /// Marks the node crashed: nothing is sent from or delivered to it.
  void node_down(const std::string& node);
  /// Kills every proxy to or on `node` (after its actors died): monitors
  /// elsewhere fire at once, as when a process's TCP connections reset.
  void kill_proxies_of(const std::string& node);
  bool up(const std::string& node) const;
  uint64_t incarnation(const std::string& node) const;

  /// Records that actor `id` runs on `node`.
  void set_home(caf::actor_id id, const std::string& node);
  std::optional<std::string> home(caf::actor_id id) const;
  /// Actors known to run on `node`.
  std::vector<caf::actor_id> actors_on(const std::string& node) const;

  // Partitions.
  void cut(const std::string& a, const std::string& b);
  void heal() { cuts_.clear(); }
  bool connected(const std::string& a, const std::string& b) const;

  /// `real` as seen from `node`: itself if it runs there, else a proxy.
  caf::strong_actor_ptr proxy_for(const std::string& node, caf::strong_actor_ptr real);

  /// Called by proxies: queue (or drop) a message.
  void submit(sim_proxy& via, caf::mailbox_element_ptr what);

  /// Earliest pending delivery, in virtual nanoseconds.
  std::optional<int64_t> next_time() const;
  /// Delivers everything due at or before `now`; returns how many flights it handled.
  size_t deliver_due(int64_t now);

  /// Drops all state (before the actor system goes away).
  void clear();

  network_faults faults;
  network_stats stats;
  uint64_t trace_hash = 0xcbf29ce484222325ULL;
  rng random;

private:
  struct flight {
    int64_t at;
    uint64_t seq;
    std::string from;
    std::string to;
    uint64_t to_incarnation;
    caf::strong_actor_ptr target;   // real receiver, or nullptr for a kill notice
    caf::strong_actor_ptr sender;   // real sender
    caf::message_id mid;
    caf::message content;
    caf::actor_id dead_actor = 0;   // kill notice: proxies of this actor die
    caf::error reason;
  };

  caf::strong_actor_ptr real_of(const caf::strong_actor_ptr& x) const;
  void schedule(flight f);
  void deliver(flight& f);
  void kill_proxies(const std::function<bool(const sim_proxy&)>& which, const caf::error& reason);
  void on_actor_exit(caf::actor_id id, const caf::error& reason);
  void hash_delivery(const flight& f);

  caf::actor_system& sys_;
  std::function<int64_t()> now_;
  uint64_t next_seq_ = 0;
  std::map<std::pair<int64_t, uint64_t>, flight> flights_; // by (due time, sequence)
  std::map<std::string, uint64_t> up_;           // node -> incarnation, for live nodes
  std::map<std::string, uint64_t> incarnations_;
  std::map<caf::actor_id, std::string> homes_;
  std::set<caf::actor_id> watched_;              // actors whose exit we observe
  std::map<std::pair<std::string, caf::actor_id>, caf::strong_actor_ptr> proxies_;
  std::set<std::pair<std::string, std::string>> cuts_;
  bool closing_ = false;
};

} // namespace troupe::sim::detail
