#include "troupe/runtime/config.hpp"

#include <cctype>
#include <fstream>
#include <set>

#include <boost/program_options.hpp>

namespace troupe::runtime {

po::options_description node_options() {
  po::options_description d("Node");
  d.add_options()
    ("node,n", po::value<std::string>(), "this node's name, unique in the cluster ([A-Za-z0-9_.-])")
    ("host", po::value<std::string>()->default_value("127.0.0.1"), "address to listen on")
    ("port,p", po::value<uint32_t>()->default_value(0), "port to listen on (0: any free port)")
    ("peer", po::value<std::vector<std::string>>()->composing(),
     "a peer node as name=host:port (repeatable)")
    ("data-dir", po::value<std::string>(), "directory for this node's durable state")
    ("http-port", po::value<uint32_t>(),
     "serve /metrics (Prometheus), /health and /status over HTTP on this port (0: any)")
    ("heartbeat-interval", po::value<std::string>()->default_value("100ms"),
     "how often peer links send heartbeats")
    ("heartbeat-timeout", po::value<std::string>()->default_value("500ms"),
     "silence after which a peer counts as hung")
    ("connect-timeout", po::value<std::string>()->default_value("2s"),
     "how long one connection attempt may take")
    ("reconnect-max", po::value<std::string>()->default_value("1s"),
     "longest pause between reconnection attempts");
  return d;
}

po::options_description tuning_options() {
  po::options_description d("Runtime tuning");
  d.add_options()
    ("scheduler", po::value<std::string>()->default_value("sharing"),
     "CAF scheduler policy: sharing (lower latency, measured) or stealing")
    ("threads", po::value<uint32_t>()->default_value(0), "scheduler threads (0: one per core)")
    ("middleman-workers", po::value<uint32_t>()->default_value(0),
     "middleman deserialization workers (0: none, measured fastest here)");
  return d;
}

po::options_description logging_options() {
  po::options_description d("Logging");
  d.add_options()("log-level", po::value<std::string>()->default_value("info"),
                  "trace, debug, info, warn, error or off");
  return d;
}

po::options_description tls_options() {
  po::options_description d("TLS (all three or none; then only mutual TLS)");
  d.add_options()
    ("tls-cert", po::value<std::string>(), "this process's certificate (PEM), signed by --tls-ca")
    ("tls-key", po::value<std::string>(), "its private key (unencrypted PEM)")
    ("tls-ca", po::value<std::string>(), "the CA certificate (PEM) every peer's certificate must chain to");
  return d;
}

namespace {

// TROUPE_DATA_DIR -> data-dir, for options that exist in `desc`.
std::string env_to_option(const po::options_description& desc, const std::string& var) {
  static const std::string prefix = "TROUPE_";
  if (var.compare(0, prefix.size(), prefix) != 0)
    return {};
  std::string name;
  for (char c : var.substr(prefix.size()))
    name += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "config" || desc.find_nothrow(name, false) != nullptr)
    return name;
  return {};
}

} // namespace

bool parse_options(int argc, const char* const* argv,
                   const po::options_description& desc, po::variables_map& vm) {
  po::options_description all;
  all.add_options()("help,h", "show this help")(
    "config", po::value<std::string>(), "read options from this file (key = value lines)");
  all.add(desc);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("help"))
      return false;
    po::store(po::parse_environment(all, [&](const std::string& var) {
                return env_to_option(desc, var);
              }),
              vm);
    if (vm.count("config")) {
      auto path = vm["config"].as<std::string>();
      std::ifstream in{path};
      if (!in)
        throw config_error("cannot read config file " + path);
      po::store(po::parse_config_file(in, all), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw config_error(e.what());
  }
  return true;
}

runtime_tuning read_tuning(const po::variables_map& vm) {
  runtime_tuning t;
  if (vm.count("scheduler"))
    t.scheduler = vm["scheduler"].as<std::string>();
  if (t.scheduler != "sharing" && t.scheduler != "stealing")
    throw config_error("invalid --scheduler '" + t.scheduler + "' (sharing or stealing)");
  if (vm.count("threads"))
    t.threads = vm["threads"].as<uint32_t>();
  if (vm.count("middleman-workers"))
    t.middleman_workers = vm["middleman-workers"].as<uint32_t>();
  if (t.threads > 256 || t.middleman_workers > 256)
    throw config_error("--threads and --middleman-workers must be at most 256");
  return t;
}

log::level read_log_level(const po::variables_map& vm) {
  if (!vm.count("log-level"))
    return log::level::info;
  auto text = vm["log-level"].as<std::string>();
  if (auto l = log::parse_level(text))
    return *l;
  throw config_error("invalid --log-level '" + text + "' (trace, debug, info, warn, error, off)");
}

tls_files read_tls_files(const po::variables_map& vm) {
  auto get = [&](const char* key) { return vm.count(key) ? vm[key].as<std::string>() : std::string{}; };
  tls_files files{get("tls-cert"), get("tls-key"), get("tls-ca")};
  validate_tls_files(files);
  return files;
}

namespace {

duration read_positive_duration(const po::variables_map& vm, const char* key, duration fallback) {
  if (!vm.count(key))
    return fallback;
  auto text = vm[key].as<std::string>();
  duration d;
  try {
    d = parse_duration(text);
  } catch (const config_error& e) {
    throw config_error(std::string{"--"} + key + ": " + e.what());
  }
  if (d.count() <= 0)
    throw config_error(std::string{"--"} + key + " must be positive");
  return d;
}

} // namespace

node_config read_node_config(const po::variables_map& vm) {
  node_config cfg;
  if (!vm.count("node"))
    throw config_error("missing --node NAME (or TROUPE_NODE)");
  cfg.name = vm["node"].as<std::string>();
  if (!valid_name(cfg.name))
    throw config_error("invalid node name '" + cfg.name + "' (1-64 of A-Z a-z 0-9 _ . -)");
  if (vm.count("host"))
    cfg.host = vm["host"].as<std::string>();
  if (vm.count("port")) {
    auto port = vm["port"].as<uint32_t>();
    if (port > 65535)
      throw config_error("--port " + std::to_string(port) + " out of range (0-65535)");
    cfg.port = static_cast<uint16_t>(port);
  }
  std::set<std::string> seen{cfg.name};
  if (vm.count("peer"))
    for (auto& text : vm["peer"].as<std::vector<std::string>>()) {
      auto peer = parse_peer(text);
      if (!seen.insert(peer.node).second)
        throw config_error("peer '" + peer.node + "' given twice (or is this node)");
      cfg.peers.push_back(std::move(peer));
    }
  if (vm.count("data-dir"))
    cfg.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("http-port")) {
    auto port = vm["http-port"].as<uint32_t>();
    if (port > 65535)
      throw config_error("--http-port " + std::to_string(port) + " out of range (0-65535)");
    cfg.http_port = static_cast<uint16_t>(port);
  }
  cfg.log_level = read_log_level(vm);
  cfg.tuning = read_tuning(vm);
  cfg.tls = read_tls_files(vm);
  auto& t = cfg.timing;
  t.heartbeat_interval = read_positive_duration(vm, "heartbeat-interval", t.heartbeat_interval);
  t.heartbeat_timeout = read_positive_duration(vm, "heartbeat-timeout", t.heartbeat_timeout);
  t.connect_timeout = read_positive_duration(vm, "connect-timeout", t.connect_timeout);
  t.reconnect_max = read_positive_duration(vm, "reconnect-max", t.reconnect_max);
  if (t.heartbeat_timeout <= t.heartbeat_interval)
    throw config_error("--heartbeat-timeout must be longer than --heartbeat-interval");
  if (t.reconnect_min > t.reconnect_max)
    t.reconnect_min = t.reconnect_max;
  return cfg;
}

} // namespace troupe::runtime
