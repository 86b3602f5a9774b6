// `troupe log`: one member of a replicated-log group, as a daemon. It runs
// the group's acceptor and leader roles and a follower ("main") over a
// digest state machine; clients (`troupe bench log`) propose through a
// follower of their own.
#include <iostream>
#include <sstream>

#include "caf/all.hpp"

#include "commands.hpp"
#include "troupe/log/digest_machine.hpp"
#include "troupe/log/replicated_log.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

namespace troupe::cli {

rlog::group_config parse_group(const std::string& name, const std::string& members,
                               std::vector<runtime::peer_spec>& addresses) {
  rlog::group_config g;
  g.group = name;
  std::stringstream in{members};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      throw runtime::config_error("invalid --members entry '" + item + "' (expected ID=HOST:PORT)");
    unsigned long id = 0;
    try {
      id = std::stoul(item.substr(0, eq));
    } catch (const std::exception&) {
      throw runtime::config_error("invalid member id in '" + item + "'");
    }
    if (id == 0 || id > 255)
      throw runtime::config_error("member ids are 1-255, not " + item.substr(0, eq));
    auto [host, port] = runtime::parse_host_port(item.substr(eq + 1));
    auto node = "m" + std::to_string(id);
    if (g.members.count(static_cast<rlog::member_id>(id)))
      throw runtime::config_error("member " + std::to_string(id) + " given twice");
    g.members.emplace(static_cast<rlog::member_id>(id), node);
    addresses.push_back({node, host, port});
  }
  try {
    g.validate();
  } catch (const std::invalid_argument& e) {
    throw runtime::config_error(e.what());
  }
  return g;
}

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
    ("snapshot-every", po::value<uint64_t>()->default_value(100000),
     "entries between snapshots (the log is compacted behind them)")
    ("http-port", po::value<uint32_t>(), "serve /metrics, /health, /status on this port");
  po::options_description desc;
  desc.add(opts).add(runtime::tuning_options()).add(runtime::logging_options());
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
  g.snapshot_every = std::max<uint64_t>(1, vm["snapshot-every"].as<uint64_t>());
  auto id = vm["id"].as<uint32_t>();
  if (!g.members.count(id))
    throw runtime::config_error("--id " + std::to_string(id) + " is not in --members");
  runtime::node_config cfg;
  cfg.name = g.members.at(id);
  for (auto& a : addresses) {
    if (a.node == cfg.name) {
      cfg.host = a.host;
      cfg.port = a.port;
    } else {
      cfg.peers.push_back(a);
    }
  }
  cfg.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("http-port"))
    cfg.http_port = static_cast<uint16_t>(vm["http-port"].as<uint32_t>());
  cfg.tuning = runtime::read_tuning(vm);
  cfg.log_level = runtime::read_log_level(vm);
  runtime::node n{cfg, log_types()};
  rlog::member_roles roles;
  try {
    roles = rlog::spawn_member(n, g, id);
  } catch (const std::exception& e) {
    throw runtime::startup_error(e.what());
  }
  rlog::spawn_follower(n, g, "main", std::make_unique<rlog::digest_machine>());
  // /log: this member's view of the group (role, epoch, commit, acceptors).
  n.add_http_route("/log", [&n, leader = roles.leader] {
    caf::scoped_actor self{n.system()};
    std::string out = "no answer from the leader role\n";
    self->request(leader, std::chrono::seconds(2), rlog::atoms::status::value)
      .receive([&](const std::string& s) { out = s; }, [](caf::error&) {});
    return out;
  });
  std::cout << "listening " << cfg.host << ":" << n.port() << std::endl;
  auto sig = runtime::wait_for_termination_signal();
  n.logger("log").info("stopping", {{"signal", sig}});
  return 0;
}

} // namespace troupe::cli
