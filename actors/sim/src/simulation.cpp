#include "troupe/sim/simulation.hpp"

#include <cstdlib>
#include <map>
#include <stdexcept>

#include "caf/all.hpp"

#include "directory_impl.hpp"
#include "network.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/metrics.hpp"

namespace troupe::sim {

namespace {

using detail::network;

// A node's connector: what CAF's middleman is to a production node. It
// answers a peer link's connect request with a proxy of the peer's directory
// after a simulated round trip, if the peer is up and reachable. Across a
// partition it never answers (a lost SYN): the link's deadline fires.
struct connector_state {
  std::map<uint64_t, caf::response_promise> pending;
  uint64_t next_id = 0;
  static inline const char* name = "troupe.sim.connector";
};

using resolve_atom = caf::atom_constant<caf::atom("tr_resolve")>;

} // namespace

/// One simulated node: its node_env, and what survives its crashes.
class sim_node final : public node_env {
public:
  sim_node(simulation::impl& sim, std::string name, simulation::boot_fn boot)
    : sim_(sim), name_(std::move(name)), boot_(std::move(boot)) {}

  const std::string& name() const override { return name_; }
  caf::actor_system& system() override;
  const caf::actor& directory() const override { return directory_; }
  void add_role(const std::string& role, const caf::actor& handle) override;
  persistence::kv_store& store(const std::string& name) override {
    auto& slot = stores_[name];
    if (!slot)
      slot = std::make_unique<persistence::memory_store>();
    return *slot;
  }
  uint64_t seed() const override { return seed_; }
  uint64_t incarnation() const override { return incarnation_; }
  metrics::registry& metrics() override { return metrics_; }

  void boot();
  void crash();
  bool up() const { return up_; }

private:
  friend struct simulation::impl;
  simulation::impl& sim_;
  std::string name_;
  simulation::boot_fn boot_;
  bool up_ = false;
  uint64_t incarnation_ = 0;
  uint64_t seed_ = 0;
  caf::actor directory_;
  caf::actor connector_;
  std::vector<caf::actor> roles_;
  std::map<std::string, std::unique_ptr<persistence::memory_store>> stores_;
  metrics::registry metrics_;
};

struct simulation::impl {
  uint64_t seed;
  runtime::link_timing timing;
  std::unique_ptr<network> net; // destroyed after the system (declared first)
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  caf::actor_clock::time_point t0;
  std::map<std::string, std::unique_ptr<sim_node>> nodes;

  int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(sched->clock().now() - t0).count();
  }

  caf::actor spawn_connector(sim_node& n);
  void drain();
};

caf::actor_system& sim_node::system() { return *sim_.sys; }

void sim_node::add_role(const std::string& role, const caf::actor& handle) {
  roles_.push_back(handle);
  sim_.net->set_home(handle.id(), name_);
  troupe::register_role(directory_, role, handle);
}

void sim_node::boot() {
  ++incarnation_;
  uint64_t s = sim_.seed ^ (incarnation_ * 0x9e3779b97f4a7c15ULL);
  seed_ = fnv1a(name_, splitmix64(s));
  up_ = true;
  sim_.net->node_up(name_, incarnation_);
  connector_ = sim_.spawn_connector(*this);
  sim_.net->set_home(connector_.id(), name_);
  runtime::directory_settings ds;
  ds.node = name_;
  ds.incarnation = incarnation_;
  ds.timing = sim_.timing;
  ds.connector = connector_;
  ds.metrics = &metrics_;
  for (auto& [other, n] : sim_.nodes)
    if (other != name_)
      ds.peers.push_back(runtime::peer_spec{other, other, 1});
  directory_ = runtime::spawn_directory(*sim_.sys, std::move(ds));
  sim_.net->set_home(directory_.id(), name_);
  boot_(*this);
}

void sim_node::crash() {
  if (!up_)
    return;
  up_ = false;
  sim_.net->node_down(name_);
  // Every actor known to run here dies: roles, the directory (and its
  // linked peer links), the connector, and any actor that sent from here.
  std::vector<caf::actor> victims = roles_;
  victims.push_back(directory_);
  victims.push_back(connector_);
  for (auto id : sim_.net->actors_on(name_))
    if (auto ptr = sim_.sys->registry().get(id))
      victims.push_back(caf::actor_cast<caf::actor>(ptr));
  for (auto& v : victims)
    caf::anon_send_exit(v, caf::exit_reason::kill);
  roles_.clear();
  directory_ = nullptr;
  connector_ = nullptr;
  sim_.drain(); // the node's actors die before its connections reset
  sim_.net->kill_proxies_of(name_);
  // The disk keeps what was synced, and maybe a prefix of the rest.
  for (auto& [name, store] : stores_)
    store->crash(sim_.net->random.below(store->pending_batches() + 1));
}

caf::actor simulation::impl::spawn_connector(sim_node& n) {
  auto* self_impl = this;
  std::string local = n.name();
  return sys->spawn([self_impl, local](caf::stateful_actor<connector_state>* self) -> caf::behavior {
    return {
      [=](caf::connect_atom, const std::string& host, uint16_t) -> caf::result<caf::message> {
        auto& st = self->state;
        auto id = st.next_id++;
        st.pending.emplace(id, self->make_response_promise());
        auto& f = self_impl->net->faults;
        auto rtt = 2 * self_impl->net->random.between(f.min_delay.count(), f.max_delay.count());
        self->delayed_send(self, std::chrono::nanoseconds(rtt), resolve_atom::value, id, host);
        return caf::delegated<caf::message>{};
      },
      [=](resolve_atom, uint64_t id, const std::string& host) {
        auto& st = self->state;
        auto i = st.pending.find(id);
        if (i == st.pending.end())
          return;
        auto& net = *self_impl->net;
        auto target = self_impl->nodes.find(host);
        if (target == self_impl->nodes.end() || !net.up(host)) {
          i->second.deliver(caf::make_error(caf::sec::cannot_connect_to_node, "connection refused"));
        } else if (!net.connected(local, host)) {
          return; // unanswered, like a SYN into a partition
        } else {
          auto dir = caf::actor_cast<caf::strong_actor_ptr>(target->second->directory());
          i->second.deliver(self->home_system().node(), net.proxy_for(local, dir),
                            std::set<std::string>{});
        }
        st.pending.erase(i);
      },
    };
  });
}

simulation::simulation(uint64_t seed, network_faults faults, runtime::link_timing timing,
                       const runtime::type_registrar& types)
  : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.seed = seed;
  d.timing = timing;
  runtime::register_runtime_types(d.cfg);
  if (types)
    types(d.cfg);
  d.cfg.set("scheduler.policy", caf::atom("testing"));
  d.cfg.set("logger.verbosity", caf::atom("quiet"));
  d.sys = std::make_unique<caf::actor_system>(d.cfg);
  d.sched = &dynamic_cast<caf::scheduler::test_coordinator&>(d.sys->scheduler());
  d.t0 = d.sched->clock().now();
  uint64_t s = seed;
  d.net = std::make_unique<network>(*d.sys, splitmix64(s), faults);
  d.net->set_clock([p = impl_.get()] { return p->now_ns(); });
  log::set_clock([p = impl_.get()] { return p->now_ns(); });
  auto* level = std::getenv("TROUPE_LOG_LEVEL");
  log::set_level(level && log::parse_level(level) ? *log::parse_level(level) : log::level::warn);
}

simulation::~simulation() {
  auto& d = *impl_;
  auto level = log::threshold();
  log::set_level(log::level::off); // tearing down is not news
  for (auto& [name, n] : d.nodes)
    n->crash();
  d.net->clear();
  // Pending timers hold actors alive: fire them all (the actors are dead and
  // ignore them) so the actor system can shut down.
  for (int rounds = 0; rounds < 1000; ++rounds) {
    d.sched->run();
    if (!d.sched->has_pending_timeout())
      break;
    d.sched->trigger_timeouts();
  }
  d.sched->run();
  d.nodes.clear();
  d.sys.reset();
  log::set_clock(nullptr);
  log::set_level(level);
}

void simulation::add_node(const std::string& name, boot_fn boot) {
  auto& d = *impl_;
  if (!runtime::valid_name(name) || d.nodes.count(name))
    throw std::invalid_argument("invalid or duplicate node name '" + name + "'");
  for (auto& [other, n] : d.nodes)
    if (n->up())
      caf::anon_send(n->directory(), troupe::atoms::add_peer::value, name, name, uint16_t{1});
  auto& n = *d.nodes.emplace(name, std::make_unique<sim_node>(d, name, std::move(boot))).first->second;
  n.boot();
  drain();
}

sim_node& lookup_node(std::map<std::string, std::unique_ptr<sim_node>>& nodes, const std::string& name) {
  auto i = nodes.find(name);
  if (i == nodes.end())
    throw std::invalid_argument("no simulated node '" + name + "'");
  return *i->second;
}

void simulation::crash(const std::string& name) {
  lookup_node(impl_->nodes, name).crash();
  drain();
}

void simulation::restart(const std::string& name) {
  auto& n = lookup_node(impl_->nodes, name);
  if (n.up())
    throw std::logic_error("node '" + name + "' is up; crash it before restarting");
  n.boot();
  drain();
}

bool simulation::is_up(const std::string& name) const {
  return lookup_node(impl_->nodes, name).up();
}

void simulation::partition(const std::vector<std::string>& side_a,
                           const std::vector<std::string>& side_b) {
  for (auto& a : side_a)
    for (auto& b : side_b)
      impl_->net->cut(a, b);
}

void simulation::isolate(const std::string& name) {
  for (auto& [other, n] : impl_->nodes)
    impl_->net->cut(name, other);
}

void simulation::heal() { impl_->net->heal(); }
void simulation::set_faults(const network_faults& faults) { impl_->net->faults = faults; }
const network_faults& simulation::faults() const { return impl_->net->faults; }

void simulation::impl::drain() {
  for (;;) {
    auto ran = sched->run();
    auto delivered = net->deliver_due(now_ns());
    if (ran == 0 && delivered == 0)
      return;
  }
}

void simulation::drain() {
  impl_->drain();
}

bool simulation::run_until(const std::function<bool()>& pred, duration limit) {
  auto& d = *impl_;
  auto end = d.now_ns() + limit.count();
  for (;;) {
    drain();
    if (pred())
      return true;
    std::optional<int64_t> next = d.net->next_time();
    auto& schedule = d.sched->clock().schedule();
    if (!schedule.empty()) {
      auto t = std::chrono::duration_cast<std::chrono::nanoseconds>(schedule.begin()->first - d.t0).count();
      next = next ? std::min(*next, t) : t;
    }
    auto target = next && *next <= end ? *next : end;
    // advance_time fires exactly the timers due by the new time;
    // trigger_timeouts would fire all of them and jump the clock.
    d.sched->advance_time(std::chrono::nanoseconds(std::max<int64_t>(0, target - d.now_ns())));
    d.net->deliver_due(d.now_ns());
    if (!next || *next > end) {
      drain();
      return pred();
    }
  }
}

void simulation::run_for(duration d) {
  run_until([] { return false; }, d);
}

duration simulation::now() const { return duration{impl_->now_ns()}; }
uint64_t simulation::seed() const { return impl_->seed; }
uint64_t simulation::trace_hash() const { return impl_->net->trace_hash; }
const network_stats& simulation::stats() const { return impl_->net->stats; }
rng& simulation::random() { return impl_->net->random; }

node_env& simulation::node(const std::string& name) {
  return lookup_node(impl_->nodes, name);
}

std::vector<std::string> simulation::node_names() const {
  std::vector<std::string> result;
  for (auto& [name, n] : impl_->nodes)
    result.push_back(name);
  return result;
}

caf::actor_system& simulation::system() { return *impl_->sys; }

} // namespace troupe::sim
