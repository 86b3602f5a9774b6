// `troupe zk`: Keeper's command-line client, in the spirit of zkCli.sh, for
// people and scripts. Exit codes: 0 success, 1 a Keeper error (printed as
// ZooKeeper names it, e.g. "NoNode: /a"), 2 bad usage, 3 no member reachable.
#include <cstring>
#include <ctime>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "recipes_cli.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/log.hpp"
#include "zk_interrupt.hpp"

namespace troupe::cli {

namespace {

using keeper::create_mode;

const char* zk_usage =
  "usage: troupe zk --server HOST:PORT[,HOST:PORT...] COMMAND [ARGS]\n\n"
  "commands:\n"
  "  ls [-w] [-s] PATH                 children (-w: wait for a change and print it; -s: and the stat)\n"
  "  get [-w] [-s] PATH                data\n"
  "  stat PATH                         the znode's Stat\n"
  "  set [-v VERSION] PATH DATA        replace data (-v: only at this version)\n"
  "  create [-e] [-s] [-c] [-t TTL_MS] PATH [DATA]\n"
  "                                    -e ephemeral, -s sequential, -c container, -t TTL node\n"
  "  delete [-v VERSION] PATH          delete a childless znode\n"
  "  deleteall PATH                    delete a znode and everything below it\n"
  "  watch [-r] PATH                   print every change of PATH (-r: and below) until interrupted\n"
  "  lock PATH [COMMAND...]            take the lock PATH (queueing fairly), then run COMMAND\n"
  "                                    holding it, or hold it until interrupted\n"
  "  getAcl PATH | getEphemerals [PREFIX] | getAllChildrenNumber PATH | sync [PATH]\n"
  "options come before COMMAND (flags, then TROUPE_* variables, then --config FILE);\n"
  "Ctrl-C ends any command within a second.\n";

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string hex(int64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

std::string when(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

void print_stat(const keeper::stat& st) {
  std::cout << "cZxid = " << hex(st.czxid) << "\nctime = " << when(st.ctime) << "\nmZxid = " << hex(st.mzxid)
            << "\nmtime = " << when(st.mtime) << "\npZxid = " << hex(st.pzxid) << "\ncversion = " << st.cversion
            << "\ndataVersion = " << st.version << "\naclVersion = " << st.aversion
            << "\nephemeralOwner = " << hex(st.ephemeral_owner) << "\ndataLength = " << st.data_length
            << "\nnumChildren = " << st.num_children << "\n";
}

// Flags of a subcommand: "-e", "-v 3"; the rest are positional.
struct args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> pos;
};

args parse(const std::vector<std::string>& in, const std::string& with_value) {
  args out;
  for (size_t i = 0; i < in.size(); ++i) {
    auto& a = in[i];
    if (a.size() == 2 && a[0] == '-' && out.pos.empty()) {
      if (with_value.find(a[1]) != std::string::npos) {
        if (i + 1 >= in.size())
          throw usage_error(a + " needs a value");
        out.flags[a] = in[++i];
      } else {
        out.flags[a] = "";
      }
    } else {
      out.pos.push_back(a);
    }
  }
  return out;
}

int32_t number(const std::string& s, const std::string& what) {
  try {
    size_t used = 0;
    auto v = std::stoll(s, &used);
    if (used != s.size() || v < INT32_MIN || v > INT32_MAX)
      throw std::invalid_argument(s);
    return static_cast<int32_t>(v);
  } catch (const std::exception&) {
    throw usage_error(what + " must be a number, not '" + s + "'");
  }
}

const std::string& need(const args& a, size_t i, const char* what) {
  if (a.pos.size() <= i)
    throw usage_error(std::string{"missing "} + what);
  return a.pos[i];
}

void delete_all(keeper::client& c, const std::string& path) {
  for (auto& child : c.children(path))
    delete_all(c, (path == "/" ? "" : path) + "/" + child);
  if (path != "/")
    c.remove(path);
}

int run(keeper::client& c, zk_interrupt& interrupt, const std::string& cmd,
        const std::vector<std::string>& rest) {
  if (cmd == "ls") {
    auto a = parse(rest, "");
    auto& path = need(a, 0, "PATH");
    bool watch = a.flags.count("-w");
    std::atomic<bool> fired{false};
    keeper::stat st;
    auto kids = c.children(path, watch ? keeper::watcher{[&](const keeper::watch_event& e) {
                                            std::cout << "WATCHER: " << event_type_name(e.type) << " " << e.path << std::endl;
                                            fired = true;
                                          }}
                                       : keeper::watcher{},
                           &st);
    std::cout << "[";
    for (size_t i = 0; i < kids.size(); ++i)
      std::cout << (i ? ", " : "") << kids[i];
    std::cout << "]" << std::endl;
    if (a.flags.count("-s"))
      print_stat(st);
    if (watch)
      while (!fired && !interrupt.wait(std::chrono::milliseconds(10))) {
      }
    return 0;
  }
  if (cmd == "get") {
    auto a = parse(rest, "");
    auto& path = need(a, 0, "PATH");
    bool watch = a.flags.count("-w");
    std::atomic<bool> fired{false};
    keeper::stat st;
    auto data = c.get(path, &st, watch ? keeper::watcher{[&](const keeper::watch_event& e) {
                                           std::cout << "WATCHER: " << event_type_name(e.type) << " " << e.path << std::endl;
                                           fired = true;
                                         }}
                                      : keeper::watcher{});
    std::cout << data << std::endl;
    if (a.flags.count("-s"))
      print_stat(st);
    if (watch)
      while (!fired && !interrupt.wait(std::chrono::milliseconds(10))) {
      }
    return 0;
  }
  if (cmd == "stat") {
    auto a = parse(rest, "");
    auto& path = need(a, 0, "PATH");
    auto st = c.exists(path);
    if (!st)
      throw keeper::keeper_error(keeper::error::no_node, path);
    print_stat(*st);
    return 0;
  }
  if (cmd == "set") {
    auto a = parse(rest, "v");
    auto version = a.flags.count("-v") ? number(a.flags["-v"], "VERSION") : -1;
    print_stat(c.set(need(a, 0, "PATH"), need(a, 1, "DATA"), version));
    return 0;
  }
  if (cmd == "create") {
    auto a = parse(rest, "t");
    bool e = a.flags.count("-e"), s = a.flags.count("-s"), ct = a.flags.count("-c"), t = a.flags.count("-t");
    if ((e && (ct || t)) || (ct && (s || t)))
      throw usage_error("-e, -c and -t do not combine (except -e/-t with -s)");
    create_mode mode = e ? (s ? create_mode::ephemeral_sequential : create_mode::ephemeral)
                     : ct ? create_mode::container
                     : t ? (s ? create_mode::persistent_sequential_with_ttl : create_mode::persistent_with_ttl)
                     : s ? create_mode::persistent_sequential
                         : create_mode::persistent;
    int64_t ttl = t ? number(a.flags["-t"], "TTL_MS") : keeper::no_ttl;
    auto created = c.create(need(a, 0, "PATH"), a.pos.size() > 1 ? a.pos[1] : "", mode,
                            keeper::open_acl_unsafe(), ttl);
    std::cout << "Created " << created << std::endl;
    return 0;
  }
  if (cmd == "delete") {
    auto a = parse(rest, "v");
    c.remove(need(a, 0, "PATH"), a.flags.count("-v") ? number(a.flags["-v"], "VERSION") : -1);
    return 0;
  }
  if (cmd == "deleteall") {
    auto a = parse(rest, "");
    delete_all(c, need(a, 0, "PATH"));
    return 0;
  }
  if (cmd == "watch") {
    auto a = parse(rest, "");
    auto& path = need(a, 0, "PATH");
    c.add_watch(path, a.flags.count("-r") > 0, [](const keeper::watch_event& e) {
      std::cout << event_type_name(e.type) << " " << e.path << std::endl;
    });
    std::cout << "watching " << path << std::endl;
    interrupt.wait();
    return 0;
  }
  if (cmd == "lock") {
    auto a = parse(rest, "");
    std::vector<std::string> command{a.pos.begin() + std::min<size_t>(1, a.pos.size()), a.pos.end()};
    if (!command.empty() && command.front() == "--")
      command.erase(command.begin());
    return run_lock(c, interrupt, need(a, 0, "PATH"), command);
  }
  if (cmd == "getAcl") {
    auto a = parse(rest, "");
    for (auto& x : c.get_acl(need(a, 0, "PATH")))
      std::cout << "'" << x.scheme << "," << x.id << "\n: " << x.perms << "\n";
    return 0;
  }
  if (cmd == "getEphemerals") {
    auto a = parse(rest, "");
    for (auto& p : c.ephemerals(a.pos.empty() ? "/" : a.pos[0]))
      std::cout << p << "\n";
    return 0;
  }
  if (cmd == "getAllChildrenNumber") {
    auto a = parse(rest, "");
    std::cout << c.all_children_number(need(a, 0, "PATH")) << std::endl;
    return 0;
  }
  if (cmd == "sync") {
    auto a = parse(rest, "");
    c.sync(a.pos.empty() ? "/" : a.pos[0]);
    std::cout << "Sync is OK" << std::endl;
    return 0;
  }
  throw usage_error("unknown command '" + cmd + "'");
}

// The global options end at the first word that is neither an option nor
// an option's value: that is COMMAND, and everything after it is its own
// (`troupe zk set -v 3 /a x`), left to parse().
int command_index(int argc, const char* const* argv, const runtime::po::options_description& desc) {
  int i = 1;
  while (i < argc) {
    std::string a = argv[i];
    if (a.size() < 2 || a[0] != '-')
      return i;
    auto name = a.substr(a.rfind('-', 1) + 1);
    bool inline_value = name.find('=') != std::string::npos;
    name = name.substr(0, name.find('='));
    auto* opt = desc.find_nothrow(name, false);
    bool takes_value = name == "config" || (opt && opt->semantic()->max_tokens() > 0);
    i += takes_value && !inline_value ? 2 : 1;
  }
  return argc;
}

} // namespace

int zk(int argc, const char* const* argv) {
  // Output is for people and scripts: the client's own log only on trouble.
  log::set_level(log::level::warn);
  namespace po = runtime::po;
  po::options_description opts("troupe zk");
  opts.add_options()
    ("server", po::value<std::string>(), "members' client ports HOST:PORT,... (or TROUPE_ZK_SERVER)")
    ("timeout", po::value<int32_t>()->default_value(10000), "session timeout in ms")
    ("auth", po::value<std::string>(), "USER:PASSWORD, a digest identity for this session")
    ("linearizable", po::bool_switch(), "reads through the read barrier");
  po::options_description desc;
  desc.add(opts).add(runtime::tls_options());
  keeper::client_options copts;
  copts.connect_timeout = std::chrono::milliseconds(5000);
  std::string server, auth;
  std::vector<std::string> rest;
  try {
    auto split = command_index(argc, argv, desc);
    po::variables_map vm;
    if (!runtime::parse_options(split, argv, desc, vm)) {
      std::cout << zk_usage << "\n" << desc << "\n";
      return 0;
    }
    if (vm.count("server"))
      server = vm["server"].as<std::string>();
    else if (auto* env = std::getenv("TROUPE_ZK_SERVER"))
      server = env;
    copts.session_timeout = std::chrono::milliseconds(vm["timeout"].as<int32_t>());
    if (vm.count("auth"))
      auth = vm["auth"].as<std::string>();
    copts.linearizable_reads = vm["linearizable"].as<bool>();
    auto tls = runtime::read_tls_files(vm);
    copts.tls_cert = tls.cert;
    copts.tls_key = tls.key;
    copts.tls_ca = tls.ca;
    for (int i = split; i < argc; ++i)
      rest.emplace_back(argv[i]);
    if (server.empty())
      throw usage_error("--server is required (or TROUPE_ZK_SERVER)");
    if (rest.empty())
      throw usage_error("missing COMMAND");
    keeper::parse_connect_string(server);
  } catch (const std::exception& e) {
    std::cerr << "troupe zk: " << e.what() << " (see troupe zk --help)\n";
    return 2;
  }
  // From here on Ctrl-C ends the command within a second, even while the
  // client still waits for a member to answer.
  zk_interrupt interrupt{std::chrono::milliseconds(800)};
  std::unique_ptr<keeper::client> c;
  try {
    c = std::make_unique<keeper::client>(server, copts);
  } catch (const keeper::keeper_error&) {
    std::cerr << "troupe zk: cannot reach a Keeper member at " << server << "\n";
    return 3;
  }
  try {
    if (!auth.empty())
      c->add_auth("digest", auth);
    auto cmd = rest.front();
    rest.erase(rest.begin());
    return run(*c, interrupt, cmd, rest);
  } catch (const usage_error& e) {
    std::cerr << "troupe zk: " << e.what() << " (see troupe zk --help)\n";
    return 2;
  } catch (const keeper::keeper_error& e) {
    std::cerr << e.what() << "\n";
    if (e.code() == keeper::error::connection_loss || e.code() == keeper::error::operation_timeout)
      return 3;
    return 1;
  }
}

} // namespace troupe::cli
