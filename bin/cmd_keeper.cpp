// `troupe keeper`: one member of a Keeper ensemble, as a daemon. It runs the
// ensemble's log member roles, the replica, the session tracker and the
// front door, which it publishes on --client-port for clients
// (`troupe zk`, the client library, `troupe bench keeper`).
#include <iostream>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "commands.hpp"
#include "member_options.hpp"
#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/member.hpp"
#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

namespace troupe::cli {

int keeper(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("Keeper member");
  opts.add_options()
    ("id", po::value<uint32_t>(), "this member's id")
    ("members", po::value<std::string>(), "the ensemble: 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT (member-to-member ports)")
    ("data-dir", po::value<std::string>(), "where this member keeps its log (LevelDB, fsync on)")
    ("client-port", po::value<uint32_t>(), "port for clients (on this member's host)")
    ("min-session-timeout", po::value<uint32_t>()->default_value(1000), "ms; shorter requests are raised to this")
    ("max-session-timeout", po::value<uint32_t>()->default_value(60000), "ms; longer requests are lowered to this")
    ("max-data-size", po::value<uint32_t>()->default_value(1048576), "bytes of data per znode")
    ("container-check", po::value<uint32_t>()->default_value(1000), "ms between scans for empty containers and expired TTL nodes")
    ("http-port", po::value<uint32_t>(), "serve /metrics, /health, /status, /keeper on this port")
    ("super-digest", po::value<std::string>(),
     "USER:HASH (HASH = base64(sha1(\"USER:PASSWORD\"))): a client that authenticates as this digest "
     "passes every ACL check (ZooKeeper's superDigest)");
  po::options_description desc;
  desc.add(opts).add(snapshot_options()).add(runtime::tuning_options()).add(runtime::logging_options())
    .add(runtime::tls_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe keeper --id N --members 1=HOST:PORT,... --data-dir DIR --client-port P\n\n"
                 "Runs one member of a Keeper ensemble (ZooKeeper's data model on troupe's replicated\n"
                 "log). Clients connect to the --client-port of any member. Stops on SIGINT/SIGTERM.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("id") || !vm.count("members") || !vm.count("data-dir") || !vm.count("client-port"))
    throw runtime::config_error("--id, --members, --data-dir and --client-port are required");
  std::vector<runtime::peer_spec> addresses;
  keeper::member_config kc;
  kc.log = parse_group("keeper", vm["members"].as<std::string>(), addresses);
  apply_snapshot_options(vm, kc.log);
  auto min_timeout = vm["min-session-timeout"].as<uint32_t>();
  auto max_timeout = vm["max-session-timeout"].as<uint32_t>();
  if (min_timeout < 100 || max_timeout < min_timeout)
    throw runtime::config_error("session timeouts: need 100 <= --min-session-timeout <= --max-session-timeout");
  kc.min_session_timeout = std::chrono::milliseconds(min_timeout);
  kc.max_session_timeout = std::chrono::milliseconds(max_timeout);
  kc.container_check_interval = std::chrono::milliseconds(std::max<uint32_t>(10, vm["container-check"].as<uint32_t>()));
  kc.tree.max_data_size = vm["max-data-size"].as<uint32_t>();
  if (vm.count("super-digest")) {
    kc.super_digest = vm["super-digest"].as<std::string>();
    if (!keeper::valid_super_digest(kc.super_digest))
      // The value is not echoed: it may be a password given by mistake.
      throw runtime::config_error("--super-digest must be USER:HASH with HASH = base64(sha1(\"USER:PASSWORD\")), "
                                  "28 characters");
  }
  auto client_port = vm["client-port"].as<uint32_t>();
  if (client_port > 65535)
    throw runtime::config_error("--client-port must be 0-65535");
  auto id = vm["id"].as<uint32_t>();
  auto cfg = member_node_config(kc.log, addresses, id, vm);
  runtime::node n{cfg, [](caf::actor_system_config& c) { keeper::register_keeper_types(c); }};
  keeper::member_handles member;
  try {
    member = keeper::spawn_member(n, kc, id);
  } catch (const std::exception& e) {
    throw runtime::startup_error(e.what());
  }
  // Clients speak TLS too when members do (the same certificates and CA).
  auto published = runtime::publish(n.system(), member.server, static_cast<uint16_t>(client_port),
                                    cfg.host, true);
  if (!published)
    throw runtime::startup_error("cannot listen for clients on " + cfg.host + ":" + std::to_string(client_port) +
                                 ": " + n.system().render(published.error()));
  n.add_http_route("/keeper", [&n, member] {
    return status_page(n.system(), {{"log", member.log.leader}, {"follower", member.follower}, {"server", member.server}});
  });
  std::cout << "listening " << cfg.host << ":" << n.port() << " clients " << cfg.host << ":" << *published
            << std::endl;
  auto sig = runtime::wait_for_termination_signal();
  n.logger("keeper").info("stopping", {{"signal", sig}});
  return 0;
}

} // namespace troupe::cli
