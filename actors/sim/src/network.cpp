#include "network.hpp"

#include "caf/all.hpp"

#include "troupe/messages/registry.hpp"
#include "troupe/runtime/log.hpp"

namespace troupe::sim::detail {

// -- sim_proxy ---------------------------------------------------------------

sim_proxy::sim_proxy(caf::actor_config& cfg, network* net, std::string home,
                     caf::strong_actor_ptr target, std::string target_node,
                     uint64_t target_incarnation)
  : caf::actor_proxy(cfg),
    net_(net),
    home_(std::move(home)),
    target_(std::move(target)),
    target_node_(std::move(target_node)),
    target_incarnation_(target_incarnation) {}

void sim_proxy::enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) {
  net_->submit(*this, std::move(what));
}

void sim_proxy::kill_proxy(caf::execution_unit* host, caf::error reason) {
  cleanup(std::move(reason), host);
}

// -- network -------------------------------------------------------------------

network::network(caf::actor_system& sys, uint64_t seed, network_faults f)
  : faults(f), random(seed), sys_(sys) {}

void network::node_up(const std::string& node, uint64_t incarnation) {
  up_[node] = incarnation;
  incarnations_[node] = incarnation;
}

void network::node_down(const std::string& node) {
  up_.erase(node);
}

void network::kill_proxies_of(const std::string& node) {
  kill_proxies(
    [&](const sim_proxy& p) { return p.home() == node || p.target_node() == node; },
    caf::make_error(caf::exit_reason::remote_link_unreachable));
}

bool network::up(const std::string& node) const {
  return up_.count(node) > 0;
}

uint64_t network::incarnation(const std::string& node) const {
  auto i = incarnations_.find(node);
  return i == incarnations_.end() ? 0 : i->second;
}

void network::set_home(caf::actor_id id, const std::string& node) {
  homes_[id] = node;
}

std::optional<std::string> network::home(caf::actor_id id) const {
  auto i = homes_.find(id);
  if (i == homes_.end())
    return std::nullopt;
  return i->second;
}

std::vector<caf::actor_id> network::actors_on(const std::string& node) const {
  std::vector<caf::actor_id> result;
  for (auto& [id, home] : homes_)
    if (home == node)
      result.push_back(id);
  return result;
}

void network::cut(const std::string& a, const std::string& b) {
  if (a == b)
    return;
  cuts_.emplace(a, b);
  cuts_.emplace(b, a);
}

bool network::connected(const std::string& a, const std::string& b) const {
  return cuts_.count({a, b}) == 0;
}

caf::strong_actor_ptr network::real_of(const caf::strong_actor_ptr& x) const {
  if (!x)
    return nullptr;
  if (auto* p = dynamic_cast<sim_proxy*>(caf::actor_cast<caf::abstract_actor*>(x)))
    return p->target();
  return x;
}

caf::strong_actor_ptr network::proxy_for(const std::string& node, caf::strong_actor_ptr x) {
  auto real = real_of(x);
  if (!real)
    return nullptr;
  auto h = home(real->id());
  if (!h) {
    // Never sent across nodes nor registered: it can only be local.
    log::write(log::level::warn, node, "sim", "actor handle with unknown node, passed as is",
               {{"actor", real->id()}});
    return real;
  }
  if (*h == node)
    return real;
  auto key = std::make_pair(node, real->id());
  if (auto i = proxies_.find(key); i != proxies_.end())
    return i->second;
  caf::actor_config cfg;
  auto proxy = caf::make_actor<sim_proxy, caf::strong_actor_ptr>(
    sys_.next_actor_id(), sys_.node(), &sys_, cfg, this, node, real, *h, incarnation(*h));
  set_home(proxy->id(), node);
  proxies_.emplace(key, proxy);
  if (watched_.insert(real->id()).second) {
    // When the real actor ends, its proxies learn of it over the network.
    auto id = real->id();
    real->get()->attach_functor([this, id](const caf::error& reason) {
      if (!closing_)
        on_actor_exit(id, reason);
    });
  }
  return proxy;
}

void network::on_actor_exit(caf::actor_id id, const caf::error& reason) {
  auto h = home(id);
  flight f;
  f.at = now_() + faults.min_delay.count();
  f.from = h ? *h : std::string{};
  f.dead_actor = id;
  f.reason = reason;
  schedule(std::move(f));
}

void network::kill_proxies(const std::function<bool(const sim_proxy&)>& which,
                           const caf::error& reason) {
  for (auto i = proxies_.begin(); i != proxies_.end();) {
    auto* p = static_cast<sim_proxy*>(caf::actor_cast<caf::abstract_actor*>(i->second));
    if (which(*p)) {
      p->kill_proxy(nullptr, reason);
      i = proxies_.erase(i);
    } else {
      ++i;
    }
  }
}

void network::schedule(flight f) {
  f.seq = next_seq_++;
  auto key = std::make_pair(f.at, f.seq);
  flights_.emplace(key, std::move(f));
}

void network::submit(sim_proxy& via, caf::mailbox_element_ptr what) {
  ++stats.sent;
  auto& from = via.home();
  auto& to = via.target_node();
  if (!up(from) || !up(to) || incarnation(to) != via.target_incarnation()) {
    ++stats.to_crashed;
    return;
  }
  auto sender = real_of(what->sender);
  if (sender && !home(sender->id()))
    set_home(sender->id(), from);
  if (random.chance(faults.drop)) {
    ++stats.dropped;
    return;
  }
  auto copies = random.chance(faults.duplicate) ? 2 : 1;
  if (copies == 2)
    ++stats.duplicated;
  for (int i = 0; i < copies; ++i) {
    flight f;
    f.at = now_() + random.between(faults.min_delay.count(), faults.max_delay.count());
    f.from = from;
    f.to = to;
    f.to_incarnation = via.target_incarnation();
    f.target = via.target();
    f.sender = sender;
    f.mid = what->mid;
    f.content = what->copy_content_to_message();
    schedule(std::move(f));
  }
}

std::optional<int64_t> network::next_time() const {
  if (flights_.empty())
    return std::nullopt;
  return flights_.begin()->first.first;
}

size_t network::deliver_due(int64_t now) {
  size_t n = 0;
  while (!flights_.empty() && flights_.begin()->first.first <= now) {
    auto node = flights_.extract(flights_.begin());
    deliver(node.mapped());
    ++n;
  }
  return n;
}

void network::deliver(flight& f) {
  if (f.dead_actor != 0) {
    auto id = f.dead_actor;
    kill_proxies([id](const sim_proxy& p) { return p.target()->id() == id; }, f.reason);
    return;
  }
  if (!up(f.to) || incarnation(f.to) != f.to_incarnation) {
    ++stats.to_crashed;
    return;
  }
  if (!connected(f.from, f.to)) {
    ++stats.partitioned;
    return;
  }
  // Actor handles inside the message become proxies on the receiving node,
  // as the middleman's deserializer would make them.
  for (size_t i = 0; i < f.content.size(); ++i) {
    if (f.content.match_element<caf::actor>(i)) {
      auto& h = *static_cast<caf::actor*>(f.content.get_mutable(i));
      h = caf::actor_cast<caf::actor>(proxy_for(f.to, caf::actor_cast<caf::strong_actor_ptr>(h)));
    } else if (f.content.match_element<caf::strong_actor_ptr>(i)) {
      auto& h = *static_cast<caf::strong_actor_ptr*>(f.content.get_mutable(i));
      h = proxy_for(f.to, h);
    }
  }
  hash_delivery(f);
  ++stats.delivered;
  auto sender = proxy_for(f.to, f.sender);
  f.target->enqueue(caf::make_mailbox_element(std::move(sender), f.mid, {}, std::move(f.content)),
                    nullptr);
}

void network::hash_delivery(const flight& f) {
  auto h = trace_hash;
  auto mix = [&h](const void* data, size_t n) {
    h = fnv1a(std::string_view{static_cast<const char*>(data), n}, h);
  };
  auto mix_str = [&](const std::string& s) { mix(s.data(), s.size()); };
  auto mix_u64 = [&](uint64_t v) { mix(&v, sizeof(v)); };
  mix_u64(static_cast<uint64_t>(f.at));
  mix_str(f.from);
  mix_str(f.to);
  mix_u64(f.target->id());
  mix_u64(f.mid.integer_value());
  for (size_t i = 0; i < f.content.size(); ++i) {
    auto type = f.content.type(i);
    mix_u64(type.first);
    if (type.second)
      mix(type.second->name(), std::strlen(type.second->name()));
    if (auto* pb = type.second ? messages::find_protobuf_type(*type.second) : nullptr)
      mix_str(pb->encode(f.content.get(i)));
    else if (f.content.match_element<caf::atom_value>(i))
      mix_u64(static_cast<uint64_t>(f.content.get_as<caf::atom_value>(i)));
    else if (f.content.match_element<std::string>(i))
      mix_str(f.content.get_as<std::string>(i));
    else if (f.content.match_element<uint64_t>(i))
      mix_u64(f.content.get_as<uint64_t>(i));
    else if (f.content.match_element<int64_t>(i))
      mix_u64(static_cast<uint64_t>(f.content.get_as<int64_t>(i)));
  }
  trace_hash = h;
}

void network::clear() {
  closing_ = true;
  flights_.clear();
  for (auto& [key, p] : proxies_)
    static_cast<sim_proxy*>(caf::actor_cast<caf::abstract_actor*>(p))
      ->kill_proxy(nullptr, caf::make_error(caf::exit_reason::user_shutdown));
  proxies_.clear();
}

} // namespace troupe::sim::detail
