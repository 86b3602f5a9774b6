#include "member_options.hpp"

#include <sstream>

#include <nlohmann/json.hpp>

#include "caf/all.hpp"

namespace troupe::cli {

runtime::node_config member_node_config(const rlog::group_config& g,
                                        const std::vector<runtime::peer_spec>& addresses, uint32_t id,
                                        const runtime::po::variables_map& vm) {
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
  cfg.tls = runtime::read_tls_files(vm);
  return cfg;
}

std::string status_page(caf::actor_system& sys, const std::vector<std::pair<std::string, caf::actor>>& parts) {
  caf::scoped_actor self{sys};
  auto page = nlohmann::ordered_json::object();
  for (auto& [name, who] : parts) {
    auto& part = page[name];
    self->request(who, std::chrono::seconds(2), rlog::atoms::status::value)
      .receive([&](const std::string& s) { part = nlohmann::ordered_json::parse(s, nullptr, false); },
               [](caf::error&) {});
    if (part.is_discarded())
      part = nullptr;
  }
  return page.dump();
}

runtime::po::options_description snapshot_options() {
  namespace po = runtime::po;
  po::options_description opts{"snapshots"};
  opts.add_options()
    ("snapshot-every", po::value<uint64_t>()->default_value(100000),
     "commands between snapshots (the log is compacted behind them), once the log since the "
     "last snapshot is at least half its size")
    ("snapshot-bytes", po::value<uint64_t>()->default_value(64u << 20),
     "or this many bytes of commands (or the last snapshot's size, if larger), whichever comes first "
     "(bounds the log kept in memory)");
  return opts;
}

void apply_snapshot_options(const runtime::po::variables_map& vm, rlog::group_config& g) {
  auto every = vm["snapshot-every"].as<uint64_t>();
  auto bytes = vm["snapshot-bytes"].as<uint64_t>();
  if (every == 0 || bytes == 0)
    throw runtime::config_error("--snapshot-every and --snapshot-bytes must be at least 1");
  g.snapshot_every = every;
  g.snapshot_bytes = bytes;
}

} // namespace troupe::cli
