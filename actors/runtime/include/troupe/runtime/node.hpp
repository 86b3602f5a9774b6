// A production node: a CAF actor system with the middleman, the node's
// directory published on a TCP port, peer links to the configured peers,
// and the node's data directory. Roles run on it through node_env.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/node_config.hpp"
#include "troupe/runtime/node_env.hpp"

namespace troupe::wire {
class NodeStatus;
}

namespace troupe::runtime {

/// The node could not start (port in use, data directory unusable, ...).
class startup_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class node final : public node_env {
public:
  /// Starts everything; throws startup_error or config_error with a
  /// one-line reason. `types` registers the application's message types.
  explicit node(const node_config& cfg, const type_registrar& types = {});
  ~node() override;

  /// The port the directory listens on (the chosen one if cfg.port was 0).
  uint16_t port() const;
  /// The port of the HTTP endpoint (/metrics, /health, /status), if enabled.
  std::optional<uint16_t> http_port() const;
  const node_config& config() const;

  /// Adds a peer at run time.
  void add_peer(const peer_spec& peer);

  /// Serves `path` on the HTTP endpoint (if enabled) as a JSON status page
  /// (json_page.hpp: ?format=text for people) with the document `json`
  /// returns; it runs on one of the endpoint's worker threads.
  void add_http_route(const std::string& path, std::function<std::string()> json);

  /// Asks the directory for this node's status (blocks briefly).
  wire::NodeStatus status();

  const std::string& name() const override;
  caf::actor_system& system() override;
  const caf::actor& directory() const override;
  void add_role(const std::string& role, const caf::actor& handle) override;
  persistence::kv_store& store(const std::string& name) override;
  uint64_t seed() const override;
  uint64_t incarnation() const override;
  metrics::registry& metrics() override;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace troupe::runtime
