// The kv store's command line: finds a node in Keeper (or takes --node) and
// asks its kv.api role.
//
//   kv --keeper 127.0.0.1:2281 put greeting hello     prints the previous value, if any
//   kv --keeper 127.0.0.1:2281 get greeting           prints the value (exit 1: not found)
//   kv --node m1=127.0.0.1:7001 delete greeting
//
// The command is a troupe node of its own (no port to configure, no data)
// with the chosen store node as its one peer; it tries the announced nodes
// in turn until one answers.
#include <unistd.h>

#include <boost/program_options.hpp>

#include <iostream>
#include <vector>

#include "caf/all.hpp"

#include "kv_messages.hpp"
#include "kv_roles.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/keeper/recipes/membership.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/node.hpp"

namespace po = troupe::runtime::po;
using troupe::runtime::config_error;
using namespace std::chrono_literals;

namespace {

// The store's nodes announced in Keeper (name=host:port each).
std::vector<troupe::runtime::peer_spec> announced_nodes(const std::string& keeper) {
  troupe::keeper::client c{keeper};
  troupe::keeper::recipes::group_membership nodes{c, "/kv/nodes"};
  std::vector<troupe::runtime::peer_spec> out;
  for (auto& name : nodes.members())
    if (auto where = nodes.data(name))
      out.push_back(troupe::runtime::parse_peer(name + "=" + *where));
  return out;
}

// Asks `target`'s kv.api; nullopt if it cannot be reached in time.
std::optional<kv::wire::KvResponse> ask(const troupe::runtime::peer_spec& target,
                                        const kv::wire::KvRequest& req) {
  troupe::runtime::node_config cfg;
  cfg.name = "kv-cli-" + std::to_string(getpid());
  cfg.peers.push_back(target);
  cfg.log_level = troupe::log::level::warn;
  troupe::runtime::node node{cfg, kv::register_types};
  caf::scoped_actor self{node.system()};
  troupe::subscribe(self.ptr(), node.directory(), troupe::address{target.node, kv::api_role});
  std::optional<kv::wire::KvResponse> out;
  caf::actor api;
  bool gave_up = false;
  // role_down "not connected yet" comes first; wait for role_up.
  self->receive_while([&] { return !api && !gave_up; })(
    [&](const troupe::role_up& up) { api = up.handle; },
    [&](const troupe::role_down&) {},
    caf::after(std::chrono::seconds(3)) >> [&] { gave_up = true; });
  if (!api)
    return std::nullopt;
  self->request(api, std::chrono::seconds(10), req)
    .receive([&](const kv::wire::KvResponse& r) { out = r; }, [](caf::error&) {});
  return out;
}

} // namespace

int main(int argc, char** argv) {
  po::options_description opts("kv");
  opts.add_options()
    ("keeper", po::value<std::string>(), "find a store node in Keeper (HOST:PORT,...)")
    ("node", po::value<std::string>(), "or ask this node: NAME=HOST:PORT")
    ("args", po::value<std::vector<std::string>>(), "get KEY | put KEY VALUE | delete KEY");
  po::positional_options_description positional;
  positional.add("args", -1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), vm);
    po::notify(vm);
    auto args = vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
    kv::wire::KvRequest req;
    if (args.size() == 2 && args[0] == "get")
      req.set_op(kv::wire::KvRequest::GET);
    else if (args.size() == 3 && args[0] == "put")
      req.set_op(kv::wire::KvRequest::PUT);
    else if (args.size() == 2 && args[0] == "delete")
      req.set_op(kv::wire::KvRequest::DELETE);
    else
      throw config_error("usage: kv (--keeper HOSTS | --node NAME=HOST:PORT) get KEY | put KEY VALUE | delete KEY");
    req.set_key(args[1]);
    if (args.size() == 3)
      req.set_value(args[2]);
    if (vm.count("keeper") == vm.count("node"))
      throw config_error("give either --keeper or --node");
    auto targets = vm.count("node") ? std::vector{troupe::runtime::parse_peer(vm["node"].as<std::string>())}
                                    : announced_nodes(vm["keeper"].as<std::string>());
    if (targets.empty()) {
      std::cerr << "kv: no store node is announced in Keeper (/kv/nodes)\n";
      return 1;
    }
    for (auto& target : targets) {
      auto r = ask(target, req);
      if (!r) {
        std::cerr << "kv: " << target.node << " did not answer; trying the next node\n";
        continue;
      }
      if (!r->ok()) {
        std::cerr << "kv: " << target.node << ": " << r->error() << "\n";
        return 1;
      }
      if (r->found())
        std::cout << r->value() << "\n";
      return req.op() == kv::wire::KvRequest::GET && !r->found() ? 1 : 0;
    }
    std::cerr << "kv: no store node answered\n";
    return 1;
  } catch (const config_error& e) {
    std::cerr << "kv: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "kv: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kv: " << e.what() << "\n";
    return 1;
  }
}
