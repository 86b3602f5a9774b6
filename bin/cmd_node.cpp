// `troupe node`: a bare node — directory, peer links, and the echo and
// prober roles that show it talking to its peers.
#include <iostream>

#include "commands.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/echo.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

namespace troupe::cli {

int node(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description desc;
  po::options_description roles("Roles");
  roles.add_options()("probe-interval", po::value<std::string>()->default_value("1s"),
                      "how often the prober pings each peer's echo role (0: never)");
  desc.add(runtime::node_options()).add(roles).add(runtime::tuning_options()).add(runtime::logging_options())
    .add(runtime::tls_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe node --node NAME [--port P] [--peer NAME=HOST:PORT ...]\n\n"
                 "Runs one node: its directory listens on --port; peer links connect to every\n"
                 "--peer, detect dead and hung peers and reconnect. The node runs an `echo` role\n"
                 "and a `prober` that pings its peers' echo roles. Stops on SIGINT/SIGTERM.\n\n"
              << desc << "\n";
    return 0;
  }
  auto cfg = runtime::read_node_config(vm);
  auto probe_text = vm["probe-interval"].as<std::string>();
  auto probe = probe_text == "0" ? runtime::duration{0} : runtime::parse_duration(probe_text);
  runtime::node n{cfg};
  runtime::spawn_echo(n);
  if (probe.count() > 0 && !cfg.peers.empty()) {
    std::vector<std::string> peers;
    for (auto& p : cfg.peers)
      peers.push_back(p.node);
    runtime::spawn_prober(n, std::move(peers), probe);
  }
  // Scripts and tests read the port from this line.
  if (auto http = n.http_port())
    std::cout << "http " << cfg.host << ":" << *http << std::endl;
  std::cout << "listening " << cfg.host << ":" << n.port() << std::endl;
  auto sig = runtime::wait_for_termination_signal();
  n.logger("node").info("stopping", {{"signal", sig}});
  return 0;
}

} // namespace troupe::cli
