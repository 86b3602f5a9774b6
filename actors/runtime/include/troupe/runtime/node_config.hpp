// What a node is configured with, as plain values (no option parser): its
// name and address, peers, tuning of the CAF runtime, link timing; and the
// parsers of the small value syntaxes every tool shares (durations,
// host:port, name=host:port). Option parsing lives in config.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "troupe/runtime/log.hpp"
#include "troupe/runtime/tls.hpp"

namespace troupe::runtime {

/// A bad flag, value, file or variable: the message is one line for the user.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

using duration = std::chrono::nanoseconds;

/// Parses "250ms", "1s", "2m", "500us", "3h" (a bare number means ms).
duration parse_duration(const std::string& text);
std::string format_duration(duration d);

struct peer_spec {
  std::string node;
  std::string host;
  uint16_t port = 0;
};

/// Parses "name=host:port".
peer_spec parse_peer(const std::string& text);
/// Parses "host:port".
std::pair<std::string, uint16_t> parse_host_port(const std::string& text);

/// Tuning of the CAF runtime underneath a node.
struct runtime_tuning {
  std::string scheduler = "sharing"; // sharing | stealing
  size_t threads = 0;                // 0: one per core
  size_t middleman_workers = 0;      // 0: the multiplexer thread deserializes
};

/// Peer-link timing (heartbeats, reconnects).
struct link_timing {
  duration heartbeat_interval = std::chrono::milliseconds(100);
  duration heartbeat_timeout = std::chrono::milliseconds(500);
  duration connect_timeout = std::chrono::milliseconds(2000);
  duration reconnect_min = std::chrono::milliseconds(50);
  duration reconnect_max = std::chrono::milliseconds(1000);
  duration lookup_timeout = std::chrono::milliseconds(500);
};

struct node_config {
  std::string name;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::vector<peer_spec> peers;
  std::string data_dir;
  std::optional<uint16_t> http_port; // /metrics, /health, /status when set
  log::level log_level = log::level::info;
  runtime_tuning tuning;
  link_timing timing;
  tls_files tls; // all set: node-to-node links are mutual TLS only
};

/// A node or role name: [A-Za-z0-9_.-]{1,64}.
bool valid_name(const std::string& name);

} // namespace troupe::runtime
