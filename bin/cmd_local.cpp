// `troupe local`: a working local cluster in one command: a Keeper ensemble
// of --members `troupe keeper` processes on loopback (data under --data-dir,
// fsync on), checked with a write and a read through the client library,
// then left running with the commands to use it printed.
#include <csignal>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "keeper_processes.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/process.hpp"
#include "troupe/runtime/signals.hpp"

namespace troupe::cli {

namespace {

// Writes and reads back a znode through the ensemble; returns what it saw.
std::string self_check(const std::string& connect, const runtime::tls_files& tls) {
  keeper::client_options opts;
  opts.connect_timeout = std::chrono::seconds(10);
  opts.tls_cert = tls.cert;
  opts.tls_key = tls.key;
  opts.tls_ca = tls.ca;
  keeper::client c{connect, opts};
  try {
    c.create("/troupe");
  } catch (const keeper::keeper_error& e) {
    if (e.code() != keeper::error::node_exists)
      throw;
  }
  auto stamp = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count());
  try {
    c.set("/troupe/local", stamp);
  } catch (const keeper::keeper_error& e) {
    if (e.code() != keeper::error::no_node)
      throw;
    c.create("/troupe/local", stamp);
  }
  keeper::stat st;
  auto back = c.get("/troupe/local", &st);
  if (back != stamp)
    throw std::runtime_error("read back '" + back + "', wrote '" + stamp + "'");
  return "wrote and read /troupe/local (version " + std::to_string(st.version) + ") through member " +
         c.member();
}

} // namespace

int local(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("Local cluster");
  opts.add_options()
    ("members", po::value<uint32_t>()->default_value(3), "Keeper members (1, 3, 5 or 7)")
    ("base-port", po::value<uint32_t>()->default_value(0),
     "first port; member i uses BASE+i-1 between members and BASE+100+i-1 for clients (0: any free ports)")
    ("data-dir", po::value<std::string>()->default_value("troupe-local"),
     "parent directory of the members' data directories (kept across runs)")
    ("duration", po::value<std::string>()->default_value("0"),
     "stop after this long (0: run until Ctrl-C)")
    ("tls", po::bool_switch(),
     "make a throwaway CA and certificates in DATA_DIR/tls and run the members with mutual TLS only");
  po::options_description desc;
  desc.add(opts).add(runtime::tuning_options()).add(runtime::logging_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe local [options]\n\n"
                 "Starts a Keeper ensemble on this machine (one `troupe keeper` process per member,\n"
                 "127.0.0.1), checks it with a write and a read, prints how to connect, and runs\n"
                 "until Ctrl-C. Data stays in --data-dir: a restart finds it again.\n\n"
              << desc << "\n";
    return 0;
  }
  auto count = vm["members"].as<uint32_t>();
  if (count != 1 && count != 3 && count != 5 && count != 7)
    throw runtime::config_error("--members must be 1, 3, 5 or 7");
  auto base = vm["base-port"].as<uint32_t>();
  if (base != 0 && (base < 1024 || base > 65535 - 100 - count))
    throw runtime::config_error("--base-port out of range");
  auto duration_text = vm["duration"].as<std::string>();
  auto limit = duration_text == "0" ? runtime::duration{0} : runtime::parse_duration(duration_text);
  auto tuning = runtime::read_tuning(vm);
  auto level = vm["log-level"].as<std::string>();
  runtime::read_log_level(vm);
  auto data_dir = vm["data-dir"].as<std::string>();

  std::cout << "troupe local: starting a Keeper ensemble of " << count << " members (data in " << data_dir
            << "/" << (vm["tls"].as<bool>() ? ", mutual TLS with a throwaway CA in " + data_dir + "/tls" : "")
            << ")" << std::endl;
  keeper_processes_options po_opts;
  po_opts.members = count;
  po_opts.base_port = static_cast<uint16_t>(base);
  po_opts.data_dir = data_dir;
  po_opts.log_level = level;
  po_opts.extra = {"--scheduler", tuning.scheduler};
  po_opts.tls = vm["tls"].as<bool>();
  std::unique_ptr<keeper_processes> ensemble;
  try {
    ensemble = std::make_unique<keeper_processes>(po_opts);
  } catch (const std::runtime_error& e) {
    std::cerr << "troupe local: " << e.what() << "\n";
    return 1;
  }
  auto& children = ensemble->members;
  auto connect = ensemble->connect_string();
  auto& tls = ensemble->client_tls();
  // The printed commands carry the client certificate when TLS is on.
  auto server = connect;
  if (tls.enabled())
    server += " --tls-cert " + tls.cert + " --tls-key " + tls.key + " --tls-ca " + tls.ca;
  for (uint32_t i = 0; i < count; ++i)
    std::cout << "  m" << i + 1 << " (pid " << children[i]->pid() << ") " << ensemble->where(i) << std::endl;
  try {
    std::cout << "troupe local: self-check: " << self_check(connect, tls) << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "troupe local: self-check failed: " << e.what() << "\n";
    for (auto& c : children)
      c->signal(SIGTERM);
    return 1;
  }
  std::cout << "troupe local: ensemble up. Try:\n"
            << "  troupe zk --server " << server << " ls /\n"
            << "  troupe zk --server " << server << " create -e /hello world\n"
            << "  troupe zk --server " << server << " watch -r /\n"
            << "(build/bin/troupe from the source tree; kill -9 a pid above to see failover)"
            << (limit.count() ? "" : "\nCtrl-C stops the ensemble.") << std::endl;
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
        std::cerr << "troupe local: member m" << i + 1 << " exited with status " << *status << "\n";
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
