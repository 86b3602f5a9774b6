// keeper_recipes_demo: Keeper's recipes (troupe/keeper/recipes/) from the
// command line, for the five-minute tour in README.md.
//
//   keeper_recipes_demo --server CONNECT election NAME [PATH]
//   keeper_recipes_demo --server CONNECT lock PATH [SECONDS]
//   keeper_recipes_demo --server CONNECT queue produce PATH [ITEM...]
//   keeper_recipes_demo --server CONNECT queue consume PATH
//
// CONNECT is "host:port,host:port,..." (the members' client ports). Every
// mode stops on Ctrl-C (SIGINT) or SIGTERM, leaving its ephemeral nodes
// behind for the server to delete as the session closes.
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/keeper/client.hpp"
#include "troupe/keeper/recipes/election.hpp"
#include "troupe/keeper/recipes/lock.hpp"
#include "troupe/keeper/recipes/queue.hpp"
#include "troupe/runtime/signals.hpp"

namespace keeper = troupe::keeper;
namespace recipes = troupe::keeper::recipes;
using namespace std::chrono_literals;

namespace {

const char* usage =
  "usage: keeper_recipes_demo --server HOST:PORT[,HOST:PORT...] [--timeout MS] MODE ...\n"
  "  election NAME [PATH]         take part in the election at PATH (default /demo/election)\n"
  "  lock PATH [SECONDS]          take the lock, hold it SECONDS (default: until Ctrl-C)\n"
  "  queue produce PATH [ITEM...] offer the items (none given: each line of stdin)\n"
  "  queue consume PATH           take items and print them until Ctrl-C\n";

std::mutex out_mtx;

void say(const std::string& line) {
  std::lock_guard<std::mutex> guard{out_mtx};
  std::cout << line << std::endl;
}

// Waits for Ctrl-C/SIGTERM or `limit`; false when the session ended first.
bool wait_while_alive(keeper::client& c, std::optional<std::chrono::milliseconds> limit = std::nullopt) {
  auto deadline = limit ? std::chrono::steady_clock::now() + *limit : std::chrono::steady_clock::time_point::max();
  while (std::chrono::steady_clock::now() < deadline) {
    if (troupe::runtime::wait_for_termination_signal(100ms) != 0)
      return true;
    auto s = c.state();
    if (s == keeper::session_state::expired || s == keeper::session_state::closed)
      return false;
  }
  return true;
}

int election(keeper::client& c, const std::string& name, const std::string& path) {
  recipes::leader_election e{c, path, name};
  say(name + ": joined as " + e.node());
  if (!e.is_leader())
    say(name + ": following " + e.leader_id());
  e.on_change([&](bool leading) { say(name + (leading ? ": I am the leader" : ": I am no longer the leader")); });
  if (!wait_while_alive(c)) {
    say(name + ": session expired");
    return 1;
  }
  e.resign();
  say(name + ": resigned");
  return 0;
}

int hold_lock(keeper::client& c, const std::string& path, std::optional<std::chrono::milliseconds> hold) {
  recipes::lock lk{c, path};
  say("waiting for " + path);
  lk.acquire();
  say("locked " + lk.node());
  if (!wait_while_alive(c, hold)) {
    say("session expired: the lock is lost");
    return 1;
  }
  lk.release();
  say("released " + path);
  return 0;
}

int produce(keeper::client& c, const std::string& path, std::vector<std::string> items) {
  recipes::distributed_queue q{c, path};
  if (items.empty())
    for (std::string line; std::getline(std::cin, line);)
      items.push_back(line);
  for (auto& item : items)
    say("offered " + q.offer(item) + ": " + item);
  return 0;
}

int consume(keeper::client& c, const std::string& path) {
  recipes::distributed_queue q{c, path};
  say("consuming " + path);
  while (troupe::runtime::wait_for_termination_signal(0ms) == 0)
    if (auto item = q.take(200ms))
      say("took " + *item);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  troupe::runtime::block_termination_signals();
  std::string server;
  if (auto* env = std::getenv("TROUPE_ZK_SERVER"))
    server = env;
  keeper::client_options opts;
  opts.session_timeout = 4000ms;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--server" && i + 1 < argc) {
      server = argv[++i];
    } else if (a == "--timeout" && i + 1 < argc) {
      opts.session_timeout = std::chrono::milliseconds(std::atoi(argv[++i]));
    } else if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else {
      args.push_back(a);
    }
  }
  auto arg = [&](size_t i) { return i < args.size() ? args[i] : std::string{}; };
  bool ok = !server.empty() && ((arg(0) == "election" && args.size() >= 2 && args.size() <= 3) ||
                                (arg(0) == "lock" && args.size() >= 2 && args.size() <= 3) ||
                                (arg(0) == "queue" && arg(1) == "produce" && args.size() >= 3) ||
                                (arg(0) == "queue" && arg(1) == "consume" && args.size() == 3));
  if (!ok) {
    std::cerr << usage;
    return 2;
  }
  try {
    keeper::client c{server, opts};
    if (arg(0) == "election")
      return election(c, arg(1), args.size() > 2 ? arg(2) : "/demo/election");
    if (arg(0) == "lock")
      return hold_lock(c, arg(1),
                       args.size() > 2 ? std::optional{std::chrono::milliseconds(std::stoi(arg(2)) * 1000)}
                                       : std::nullopt);
    if (arg(1) == "produce")
      return produce(c, arg(2), {args.begin() + 3, args.end()});
    return consume(c, arg(2));
  } catch (const keeper::keeper_error& e) {
    std::cerr << "keeper_recipes_demo: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "keeper_recipes_demo: " << e.what() << "\n";
    return 2;
  }
}
