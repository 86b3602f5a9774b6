#include "troupe/runtime/node.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "directory_impl.hpp"
#include "troupe/persistence/data_dir.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/http_endpoint.hpp"
#include "troupe/runtime/json_page.hpp"
#include "troupe/runtime/metrics.hpp"
#include "troupe/runtime/tls_diagnostics.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe::runtime {

struct node::impl {
  node_config cfg;
  std::unique_ptr<persistence::data_dir> dir;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor directory;
  caf::actor tls_watch; // while TLS is on
  uint16_t port = 0;
  uint64_t seed = 0;
  uint64_t incarnation = 0;
  metrics::registry metrics;
  std::mutex mtx;
  std::vector<caf::actor> roles;
  std::map<std::string, std::unique_ptr<persistence::kv_store>> stores;
  std::unique_ptr<http_endpoint> http; // stops before the actor system
};

namespace {

// /status: who this node is, its roles and each peer link's state.
std::string status_json(const wire::NodeStatus& st) {
  nlohmann::ordered_json peers = nlohmann::ordered_json::array();
  for (auto& p : st.peers()) {
    nlohmann::ordered_json peer = {{"node", p.node()}, {"endpoint", p.endpoint()}, {"state", p.state()}};
    if (p.state() == "up")
      peer["rtt_us"] = p.rtt_us();
    else if (!p.reason().empty())
      peer["reason"] = p.reason();
    peers.push_back(std::move(peer));
  }
  return nlohmann::ordered_json{{"node", st.node()},
                        {"incarnation", st.incarnation()},
                        {"uptime_ms", st.uptime_ms()},
                        {"roles", std::vector<std::string>(st.roles().begin(), st.roles().end())},
                        {"peers", std::move(peers)}}
    .dump();
}

} // namespace

node::node(const node_config& cfg, const type_registrar& types) : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.cfg = cfg;
  log::set_level(cfg.log_level);
  if (!cfg.data_dir.empty()) {
    try {
      d.dir = std::make_unique<persistence::data_dir>(cfg.data_dir);
    } catch (const persistence::storage_error& e) {
      throw startup_error(e.what());
    }
  }
  d.seed = std::random_device{}();
  d.incarnation = static_cast<uint64_t>(
    std::chrono::system_clock::now().time_since_epoch().count());
  try {
    validate_tls_files(cfg.tls);
  } catch (const config_error& e) {
    throw startup_error(e.what());
  }
  configure_actor_system(d.sys_cfg, cfg.tuning, cfg.tls);
  if (types)
    types(d.sys_cfg);
  d.sys = std::make_unique<caf::actor_system>(d.sys_cfg);
  directory_settings ds;
  ds.node = cfg.name;
  ds.incarnation = d.incarnation;
  ds.timing = cfg.timing;
  ds.connector = connector(*d.sys);
  ds.peers = cfg.peers;
  ds.metrics = &d.metrics;
  ds.tls = cfg.tls;
  d.directory = spawn_directory(*d.sys, std::move(ds));
  if (cfg.tls.enabled())
    d.tls_watch = spawn_tls_refusal_watch(*d.sys, cfg.name, d.metrics);
  // SO_REUSEADDR: a restarted node rebinds its port at once (TIME_WAIT);
  // a port with a live listener is still refused.
  auto published = publish(*d.sys, d.directory, cfg.port, cfg.host, true);
  if (!published) {
    auto reason = d.sys->render(published.error());
    caf::anon_send_exit(d.directory, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(d.tls_watch, caf::exit_reason::user_shutdown);
    throw startup_error("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) +
                        ": " + reason);
  }
  d.port = *published;
  if (cfg.http_port) {
    try {
      d.http = std::make_unique<http_endpoint>(
        cfg.host, *cfg.http_port,
        std::map<std::string, http_endpoint::handler>{
          {"/metrics",
           [this](const http_endpoint::request&) {
             return http_endpoint::response{200, impl_->metrics.render_prometheus(),
                                            "text/plain; version=0.0.4"};
           }},
          {"/health",
           [this](const http_endpoint::request&) {
             return http_endpoint::response{200, "ok " + impl_->cfg.name + "\n"};
           }},
          {"/status",
           [this](const http_endpoint::request& req) { return json_page(status_json(status()), req); }},
        });
    } catch (const std::runtime_error& e) {
      caf::anon_send_exit(d.directory, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(d.tls_watch, caf::exit_reason::user_shutdown);
      throw startup_error(e.what());
    }
  }
  logger("node").info("node started", {{"listen", cfg.host + ":" + std::to_string(d.port)},
                                       {"peers", cfg.peers.size()},
                                       {"tls", cfg.tls.enabled() ? "mutual" : "off"}});
}

node::~node() {
  auto& d = *impl_;
  d.http.reset();
  {
    std::lock_guard<std::mutex> guard{d.mtx};
    for (auto& r : d.roles)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(d.directory, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(d.tls_watch, caf::exit_reason::user_shutdown);
  // The actor system waits for every actor: roles must be registered with
  // add_role (or linked to one) so that they stop here.
  d.sys.reset();
}

uint16_t node::port() const { return impl_->port; }
std::optional<uint16_t> node::http_port() const {
  if (!impl_->http)
    return std::nullopt;
  return impl_->http->port();
}
const node_config& node::config() const { return impl_->cfg; }

void node::add_http_route(const std::string& path, std::function<std::string()> json) {
  if (impl_->http)
    impl_->http->add_route(path, [json = std::move(json)](const http_endpoint::request& req) {
      return json_page(json(), req);
    });
}

void node::add_peer(const peer_spec& peer) {
  caf::anon_send(impl_->directory, atoms::add_peer::value, peer.node, peer.host, peer.port);
}

wire::NodeStatus node::status() {
  caf::scoped_actor self{*impl_->sys};
  wire::NodeStatus result;
  self->request(impl_->directory, std::chrono::seconds(5), wire::StatusRequest{})
    .receive([&](const wire::NodeStatus& s) { result = s; },
             [&](const caf::error&) { result.set_node(impl_->cfg.name); });
  return result;
}

const std::string& node::name() const { return impl_->cfg.name; }
caf::actor_system& node::system() { return *impl_->sys; }
const caf::actor& node::directory() const { return impl_->directory; }

void node::add_role(const std::string& role, const caf::actor& handle) {
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->roles.push_back(handle);
  }
  register_role(impl_->directory, role, handle);
}

persistence::kv_store& node::store(const std::string& name) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> guard{d.mtx};
  auto& slot = d.stores[name];
  if (!slot) {
    if (!d.dir)
      throw startup_error("node " + d.cfg.name + " has no --data-dir for store " + name);
    slot = persistence::open_leveldb_store(d.dir->sub(name));
  }
  return *slot;
}

uint64_t node::seed() const { return impl_->seed; }
uint64_t node::incarnation() const { return impl_->incarnation; }
metrics::registry& node::metrics() { return impl_->metrics; }

} // namespace troupe::runtime
