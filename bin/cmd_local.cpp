// `troupe local`: a working local cluster in one command. For now: N nodes as
// separate processes on loopback, each pinging the others' echo roles; their
// logs show the messages flowing. Later issues grow it into Keeper and Cluster.
#include <csignal>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/process.hpp"
#include "troupe/runtime/signals.hpp"

namespace troupe::cli {

int local(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("Local cluster");
  opts.add_options()
    ("nodes", po::value<uint32_t>()->default_value(3), "how many nodes (1-9)")
    ("base-port", po::value<uint32_t>()->default_value(0),
     "first port; nodes use consecutive ports (0: any free ports)")
    ("data-dir", po::value<std::string>()->default_value("troupe-local"),
     "parent directory of the nodes' data directories")
    ("duration", po::value<std::string>()->default_value("0"),
     "stop after this long (0: run until Ctrl-C)")
    ("probe-interval", po::value<std::string>()->default_value("1s"),
     "how often each node pings every other node");
  po::options_description desc;
  desc.add(opts).add(runtime::tuning_options()).add(runtime::logging_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe local [options]\n\n"
                 "Starts a local cluster: --nodes processes on 127.0.0.1 that find each other,\n"
                 "ping each other's echo role and log the round trips. Ctrl-C stops them all.\n\n"
              << desc << "\n";
    return 0;
  }
  auto count = vm["nodes"].as<uint32_t>();
  if (count < 1 || count > 9)
    throw runtime::config_error("--nodes must be between 1 and 9");
  auto base = vm["base-port"].as<uint32_t>();
  if (base > 65535 - count)
    throw runtime::config_error("--base-port out of range");
  auto duration_text = vm["duration"].as<std::string>();
  auto limit = duration_text == "0" ? runtime::duration{0} : runtime::parse_duration(duration_text);
  runtime::parse_duration(vm["probe-interval"].as<std::string>()); // validate before starting
  auto tuning = runtime::read_tuning(vm);
  auto level = vm["log-level"].as<std::string>();
  runtime::read_log_level(vm);
  auto data_dir = vm["data-dir"].as<std::string>();

  std::vector<std::string> names;
  std::vector<uint16_t> ports;
  for (uint32_t i = 0; i < count; ++i) {
    names.push_back("n" + std::to_string(i + 1));
    ports.push_back(base ? static_cast<uint16_t>(base + i) : runtime::pick_free_port());
  }
  std::cout << "troupe local: starting " << count << " nodes (data in " << data_dir << "/)"
            << std::endl;
  std::vector<std::unique_ptr<runtime::child_process>> children;
  for (uint32_t i = 0; i < count; ++i) {
    std::vector<std::string> args{"node",
                                  "--node", names[i],
                                  "--port", std::to_string(ports[i]),
                                  "--data-dir", data_dir + "/" + names[i],
                                  "--probe-interval", vm["probe-interval"].as<std::string>(),
                                  "--scheduler", tuning.scheduler,
                                  "--log-level", level};
    for (uint32_t j = 0; j < count; ++j)
      if (j != i)
        args.push_back("--peer=" + names[j] + "=127.0.0.1:" + std::to_string(ports[j]));
    children.push_back(std::make_unique<runtime::child_process>(self_path(), args));
  }
  for (uint32_t i = 0; i < count; ++i) {
    auto where = children[i]->wait_for_line("listening ", std::chrono::seconds(10));
    if (!where) {
      std::cerr << "troupe local: node " << names[i] << " did not start (see its error above)\n";
      return 1;
    }
    std::cout << "  " << names[i] << " (pid " << children[i]->pid() << ") listening on " << *where
              << std::endl;
  }
  std::cout << "troupe local: " << count << " nodes up; each pings the others' echo role every "
            << vm["probe-interval"].as<std::string>() << " (log lines below)."
            << (limit.count() ? "" : " Ctrl-C stops them.") << std::endl;
  auto deadline = std::chrono::steady_clock::now() + limit;
  int rc = 0;
  for (;;) {
    auto sig = runtime::wait_for_termination_signal(std::chrono::milliseconds(200));
    if (sig != 0)
      break;
    if (limit.count() > 0 && std::chrono::steady_clock::now() >= deadline)
      break;
    bool died = false;
    for (uint32_t i = 0; i < count; ++i)
      if (auto status = children[i]->poll()) {
        std::cerr << "troupe local: node " << names[i] << " exited with status " << *status << "\n";
        died = true;
      }
    if (died) {
      rc = 1;
      break;
    }
  }
  std::cout << "troupe local: stopping" << std::endl;
  for (auto& c : children)
    c->signal(SIGTERM);
  for (auto& c : children)
    if (!c->wait(std::chrono::seconds(5)))
      c->signal(SIGKILL);
  return rc;
}

} // namespace troupe::cli
