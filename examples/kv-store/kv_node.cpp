// One node of the kv store, as its own process.
//
//   kv-node --members 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 --id 1 --data-dir d1
//   kv-node --members ... --node f1 --port 7004 --data-dir f1      (a follower replica)
//
// Members (--id) hold the log's acceptor and leader roles and a replica;
// any other node (--node NAME --port P) holds a replica only. With
// --keeper HOST:PORT,... the node announces itself (name and address) in the
// Keeper group /kv/nodes, where `kv` and `kv-nodes` find it; it leaves the
// group by itself when it stops or dies (an ephemeral znode).
#include <iostream>
#include <memory>

#include "kv_roles.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/keeper/recipes/membership.hpp"
#include "troupe/log/group_spec.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

namespace po = troupe::runtime::po;
using troupe::runtime::config_error;

int main(int argc, char** argv) {
  troupe::runtime::block_termination_signals();
  po::options_description opts("kv-node");
  opts.add_options()
    ("members", po::value<std::string>(), "the store's log members: 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT")
    ("id", po::value<uint32_t>(), "this node is member ID (listens on its address from --members)")
    ("node", po::value<std::string>(), "a follower node's name (not a member)")
    ("host", po::value<std::string>()->default_value("127.0.0.1"), "a follower node's address")
    ("port", po::value<uint32_t>()->default_value(0), "a follower node's port")
    ("data-dir", po::value<std::string>(), "where this node keeps its state")
    ("keeper", po::value<std::string>(), "announce this node in Keeper (HOST:PORT,...)");
  po::options_description desc;
  desc.add(opts).add(troupe::runtime::logging_options());
  try {
    po::variables_map vm;
    if (!troupe::runtime::parse_options(argc, argv, desc, vm)) {
      std::cout << "usage: kv-node --members 1=HOST:PORT,... (--id N | --node NAME --port P) --data-dir DIR\n\n"
                << desc << "\n";
      return 0;
    }
    if (!vm.count("members") || !vm.count("data-dir"))
      throw config_error("--members and --data-dir are required");
    if (vm.count("id") == vm.count("node"))
      throw config_error("give either --id (a member) or --node (a follower)");
    std::vector<troupe::runtime::peer_spec> members;
    auto group = kv::make_group(troupe::rlog::parse_group("kv", vm["members"].as<std::string>(), members).members);

    troupe::runtime::node_config cfg;
    std::optional<troupe::rlog::member_id> member;
    if (vm.count("id")) {
      member = vm["id"].as<uint32_t>();
      if (!group.members.count(*member))
        throw config_error("--id " + std::to_string(*member) + " is not in --members");
      cfg.name = group.members.at(*member);
    } else {
      cfg.name = vm["node"].as<std::string>();
      if (!troupe::runtime::valid_name(cfg.name))
        throw config_error("invalid --node name '" + cfg.name + "'");
      for (auto& [id, name] : group.members)
        if (name == cfg.name)
          throw config_error("--node " + cfg.name + " is member " + std::to_string(id) + "'s name; use --id");
      cfg.host = vm["host"].as<std::string>();
      auto port = vm["port"].as<uint32_t>();
      if (port > 65535)
        throw config_error("--port out of range");
      cfg.port = static_cast<uint16_t>(port);
    }
    for (auto& m : members) {
      if (m.node == cfg.name) {
        cfg.host = m.host;
        cfg.port = m.port;
      } else {
        cfg.peers.push_back(m);
      }
    }
    cfg.data_dir = vm["data-dir"].as<std::string>();
    cfg.log_level = troupe::runtime::read_log_level(vm);

    troupe::runtime::node node{cfg, kv::register_types};
    kv::start_node(node, group, member);
    auto where = cfg.host + ":" + std::to_string(node.port());

    // Announced in Keeper while this process lives.
    std::unique_ptr<troupe::keeper::client> keeper;
    std::unique_ptr<troupe::keeper::recipes::group_membership> announced;
    if (vm.count("keeper")) {
      keeper = std::make_unique<troupe::keeper::client>(vm["keeper"].as<std::string>());
      announced = std::make_unique<troupe::keeper::recipes::group_membership>(*keeper, "/kv/nodes");
      announced->join(cfg.name, where);
    }
    std::cout << "kv-node " << cfg.name << " listening " << where << (member ? " (member)" : " (follower)")
              << std::endl;
    troupe::runtime::wait_for_termination_signal();
    return 0;
  } catch (const config_error& e) {
    std::cerr << "kv-node: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kv-node: error: " << e.what() << "\n";
    return 1;
  }
}
