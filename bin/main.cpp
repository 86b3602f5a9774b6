// troupe: one binary for every daemon, tool and benchmark.
#include <cstring>
#include <iostream>
#include <unistd.h>

#include "commands.hpp"
#include "troupe/persistence/kv_store.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

namespace {

struct command {
  const char* name;
  troupe::cli::command_fn fn;
  const char* summary;
};

const command commands[] = {
  {"local", troupe::cli::local, "start a local cluster on this machine and show it working"},
  {"node", troupe::cli::node, "run a bare node (directory, echo and prober roles)"},
  {"log", troupe::cli::log, "run one member of a replicated-log group"},
  {"keeper", troupe::cli::keeper, "run one member of a Keeper ensemble (ZooKeeper's model)"},
  {"zk", troupe::cli::zk, "Keeper's command-line client, in the spirit of zkCli"},
  {"bench", troupe::cli::bench, "benchmarks: `troupe bench rpc`"},
  {"version", troupe::cli::version, "print the version"},
};

void usage(std::ostream& out) {
  out << "usage: troupe <command> [options]\n\ncommands:\n";
  for (auto& c : commands)
    out << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << "\n";
  out << "\n`troupe <command> --help` describes a command's options.\n";
}

} // namespace

namespace troupe::cli {

std::string self_path() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return "troupe";
  return std::string(buf, static_cast<size_t>(n));
}

} // namespace troupe::cli

int main(int argc, char** argv) {
  troupe::runtime::block_termination_signals();
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  if (name == "--version")
    name = "version";
  for (auto& c : commands) {
    if (name != c.name)
      continue;
    try {
      return c.fn(argc - 1, argv + 1);
    } catch (const troupe::runtime::config_error& e) {
      std::cerr << "troupe " << name << ": error: " << e.what() << "\n";
      return 2;
    } catch (const troupe::runtime::startup_error& e) {
      std::cerr << "troupe " << name << ": error: " << e.what() << "\n";
      return 1;
    } catch (const troupe::persistence::storage_error& e) {
      std::cerr << "troupe " << name << ": error: " << e.what() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "troupe " << name << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "troupe: unknown command '" << name << "' (see troupe --help)\n";
  return 2;
}
