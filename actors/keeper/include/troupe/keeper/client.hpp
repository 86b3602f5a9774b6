// Keeper's blocking client, for plain programs (the CLI, recipes, scripts):
// ZooKeeper's synchronous API over the asynchronous client actor
// (client_actor.hpp). Errors throw keeper_error with ZooKeeper's code.
//
// Watch callbacks run on the client's event thread, one at a time, in the
// order the events happened; do not block there (signal another thread).
// Methods are thread-safe; each blocks until its answer or the request
// timeout (then operation_timeout: the request may still take effect).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/create_mode.hpp"
#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/ops.hpp"
#include "troupe/keeper/session_state.hpp"
#include "troupe/keeper/stat.hpp"
#include "troupe/keeper/watch_event.hpp"

namespace troupe::wire {
class Request;
class Response;
class Stat;
} // namespace troupe::wire

namespace troupe::keeper {

class keeper_error : public std::runtime_error {
public:
  keeper_error(error code, const std::string& path);
  error code() const { return code_; }
  const std::string& path() const { return path_; }

private:
  error code_;
  std::string path_;
};

using watcher = std::function<void(const watch_event&)>;

struct client_options {
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds connect_timeout{10000}; // the constructor waits this long
  bool linearizable_reads = false;                  // every read through the read barrier
  // Mutual TLS to the members (all three PEM files or none), as the members'
  // --tls-cert/--tls-key/--tls-ca: this client's certificate, its key, the CA.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
};

class client {
public:
  /// Connects to "host:port,host:port,..." with a private actor system;
  /// throws keeper_error(connection_loss) if no member answers in time.
  explicit client(const std::string& connect_string, client_options opts = {});
  /// Uses an existing actor system (client_actor.hpp defines it; it is how
  /// a troupe node's own actors share one Keeper client).
  struct in_actor_system;
  explicit client(const in_actor_system& where, client_options opts = {});
  ~client(); // closes the session (its ephemerals go)
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  int64_t session_id() const;
  session_state state() const;
  /// The member currently serving the session ("" while disconnected).
  std::string member() const;
  /// Adds a listener called on every connection-state change (on the event
  /// thread, in order); returns a token for remove_state_listener.
  uint64_t on_state(std::function<void(session_state)> f);
  void remove_state_listener(uint64_t token);

  std::string create(const std::string& path, const std::string& data = "",
                     create_mode mode = create_mode::persistent,
                     const acl_list& acl = open_acl_unsafe(), int64_t ttl_ms = no_ttl);
  void remove(const std::string& path, int32_t version = -1);
  stat set(const std::string& path, const std::string& data, int32_t version = -1);
  std::string get(const std::string& path, stat* st = nullptr, watcher w = {});
  std::optional<stat> exists(const std::string& path, watcher w = {});
  std::vector<std::string> children(const std::string& path, watcher w = {}, stat* st = nullptr);
  /// All or nothing; on failure throws keeper_error with the failing op's
  /// code (results() of the error are not kept: ZooKeeper's sync API too).
  std::vector<op_result> multi(const std::vector<op>& ops);
  /// Waits until this client's member has every write committed before.
  void sync(const std::string& path = "/");
  /// Persistent (recursive: also every descendant) watch, ZooKeeper 3.6's addWatch.
  void add_watch(const std::string& path, bool recursive, watcher w);
  /// ZooKeeper's addAuth ("digest", "user:password"). The client re-sends
  /// it to every member it moves to. A refused one throws
  /// keeper_error(auth_failed) and ends the client (state auth_failed).
  void add_auth(const std::string& scheme, const std::string& credentials);
  acl_list get_acl(const std::string& path, stat* st = nullptr);
  stat set_acl(const std::string& path, const acl_list& acl, int32_t version = -1);
  std::vector<std::string> ephemerals(const std::string& prefix = "/");
  int32_t all_children_number(const std::string& path);

  /// Any request, raw; never throws for ZooKeeper errors (see the result).
  wire::Response call(wire::Request req, watcher w = {}, bool persistent_watch = false);

  /// Ends the session now (idempotent).
  void close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

stat from_wire(const wire::Stat& st);

/// Parses "host:port,host:port,..." (throws std::invalid_argument with the
/// offending entry).
std::vector<std::pair<std::string, uint16_t>> parse_connect_string(const std::string& s);

} // namespace troupe::keeper
