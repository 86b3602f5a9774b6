// `troupe log`: one member of a replicated-log group, as a daemon. It runs
// the group's acceptor and leader roles and a follower ("main") over a
// digest state machine; clients (`troupe bench log`) propose through a
// follower of their own.
#include <iostream>
#include <sstream>

#include "caf/all.hpp"

#include "commands.hpp"
#include "member_options.hpp"
#include "troupe/log/digest_machine.hpp"
#include "troupe/log/replicated_log.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

namespace troupe::cli {


runtime::type_registrar log_types() {
  return [](caf::actor_system_config& cfg) { rlog::register_log_types(cfg); };
}

int log(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("Replicated log member");
  opts.add_options()
    ("id", po::value<uint32_t>(), "this member's id")
    ("members", po::value<std::string>(), "the group: 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT")
    ("group", po::value<std::string>()->default_value("log"), "the group's name")
    ("data-dir", po::value<std::string>(), "where the acceptor keeps its state (LevelDB)")
    ("http-port", po::value<uint32_t>(), "serve /metrics, /health, /status, /log on this port");
  po::options_description desc;
  desc.add(opts).add(snapshot_options()).add(runtime::tuning_options()).add(runtime::logging_options())
    .add(runtime::tls_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe log --id N --members 1=HOST:PORT,... --data-dir DIR\n\n"
                 "Runs one member of a replicated-log group (acceptor, leader and a follower).\n"
                 "The member listens on its own address from --members. Stops on SIGINT/SIGTERM.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("id") || !vm.count("members") || !vm.count("data-dir"))
    throw runtime::config_error("--id, --members and --data-dir are required");
  std::vector<runtime::peer_spec> addresses;
  auto g = parse_group(vm["group"].as<std::string>(), vm["members"].as<std::string>(), addresses);
  apply_snapshot_options(vm, g);
  auto id = vm["id"].as<uint32_t>();
  auto cfg = member_node_config(g, addresses, id, vm);
  runtime::node n{cfg, log_types()};
  rlog::member_roles roles;
  try {
    roles = rlog::spawn_member(n, g, id);
  } catch (const std::exception& e) {
    throw runtime::startup_error(e.what());
  }
  auto follower = rlog::spawn_follower(n, g, "main", std::make_unique<rlog::digest_machine>());
  // /log: this member's view of the group ("log": role, epoch, commit,
  // acceptors) and its follower's ("follower": applied, leader).
  n.add_http_route("/log", [&n, leader = roles.leader, follower] {
    return status_page(n.system(), {{"log", leader}, {"follower", follower}});
  });
  std::cout << "listening " << cfg.host << ":" << n.port() << std::endl;
  auto sig = runtime::wait_for_termination_signal();
  n.logger("log").info("stopping", {{"signal", sig}});
  return 0;
}

} // namespace troupe::cli
