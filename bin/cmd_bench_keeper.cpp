// `troupe bench keeper`: S sessions x W outstanding requests against a
// 3-member Keeper ensemble (three `troupe keeper` processes on loopback, fsync
// on) through the asynchronous client, and the same workload against Apache
// ZooKeeper through its C client (--target zookeeper or both). One JSON line
// per run (bench_keeper.hpp); then, for troupe, leader kill -9 under writers:
// time until a write sent after the kill is acknowledged.
#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>


#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "bench_keeper.hpp"
#include "commands.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/keeper/client_actor.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/http_endpoint.hpp"
#include "troupe/runtime/process.hpp"
#include <filesystem>
#include "keeper_processes.hpp"
#include "scratch_dir.hpp"
#include "zookeeper_ensemble.hpp"

namespace troupe::cli {

// One result line, the same for both targets.
result_line to_json(keeper_result& r) {
  auto ops_per_s = r.seconds > 0 ? static_cast<double>(r.ops) / r.seconds : 0.0;
  result_line line = {{"bench", "keeper"},
                      {"target", r.target},
                      {"kind", r.workload.kind},
                      {"sessions", r.workload.sessions},
                      {"outstanding", r.workload.outstanding},
                      {"ops", r.ops},
                      {"errors", r.errors},
                      {"seconds", rounded(r.seconds, 3)},
                      {"ops_per_s", rounded(ops_per_s, 0)},
                      {"p50_us", rounded(r.latency.percentile(0.5))},
                      {"p99_us", rounded(r.latency.percentile(0.99))}};
  if (!r.error_codes.empty()) {
    auto& codes = line["error_codes"] = result_line::object();
    for (auto& [code, n] : r.error_codes)
      codes[std::to_string(code)] = n;
  }
  return line;
}

namespace {

using clock_type = std::chrono::steady_clock;
using go_atom = caf::atom_constant<caf::atom("kb_go")>;

struct shared_window {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
};

struct driver_result {
  uint64_t ops = 0;
  uint64_t errors = 0;
  std::map<int, uint64_t> error_codes;
  latency_samples latency;
};

wire::Request make_request(const keeper_workload& w, int session, uint64_t n, const std::string& value) {
  wire::Request r;
  auto path = w.prefix + "/s" + std::to_string(session);
  if (w.kind == "read") {
    r.mutable_get_data()->set_path(path);
  } else if (w.kind == "create-delete") {
    auto child = path + "/c" + std::to_string(n / 2);
    if (n % 2 == 0) {
      auto* c = r.mutable_write()->mutable_create();
      c->set_path(child);
      c->set_data(value);
      auto* a = c->add_acl();
      a->set_perms(31);
      a->set_scheme("world");
      a->set_id("anyone");
    } else {
      r.mutable_write()->mutable_delete_()->set_path(child);
      r.mutable_write()->mutable_delete_()->set_version(-1);
    }
  } else {
    auto* s = r.mutable_write()->mutable_set_data();
    s->set_path(path);
    s->set_data(value);
    s->set_version(-1);
  }
  return r;
}

// Keeps W requests of one session in flight. For create-delete each slot
// alternates create and delete of its own child.
caf::behavior driver(caf::event_based_actor* self, caf::actor client, keeper_workload workload, int session,
                     shared_window* win, driver_result* out) {
  // Shared, not captured by value: each request's callback would copy it.
  auto w = std::make_shared<const keeper_workload>(std::move(workload));
  auto value = std::make_shared<std::string>(w->value_bytes, 'v');
  auto issue = std::make_shared<std::function<void(uint64_t)>>();
  *issue = [=](uint64_t n) {
    if (win->stop)
      return;
    auto sent = clock_type::now();
    self->request(client, caf::infinite, make_request(*w, session, n, *value))
      .then([=](const wire::Response& r) {
        if (win->measuring) {
          if (r.result().err() == 0) {
            ++out->ops;
            out->latency.add_us(std::chrono::duration<double, std::micro>(clock_type::now() - sent).count());
          } else {
            ++out->errors;
            ++out->error_codes[r.result().err()];
          }
        }
        (*issue)(n + static_cast<uint64_t>(w->kind == "create-delete" ? (n % 2 == 0 ? 1 : 2 * w->outstanding - 1) : 0));
      });
  };
  return {
    [=](go_atom) {
      for (int k = 0; k < w->outstanding; ++k)
        (*issue)(static_cast<uint64_t>(2 * k));
    },
  };
}

keeper_result run_troupe_workload(caf::actor_system& sys, const std::vector<std::pair<std::string, uint16_t>>& servers,
                                  const keeper_workload& w) {
  // Set-up through one blocking client.
  {
    keeper::client_config cfg;
    cfg.servers = servers;
    keeper::client setup{keeper::client::in_actor_system{sys, cfg}};
    for (int s = -1; s < w.sessions; ++s) {
      auto path = s < 0 ? w.prefix : w.prefix + "/s" + std::to_string(s);
      try {
        setup.create(path, std::string(w.value_bytes, 'v'));
      } catch (const keeper::keeper_error& e) {
        if (e.code() != keeper::error::node_exists)
          throw std::runtime_error(std::string{"set-up: "} + e.what());
      }
    }
  }
  shared_window win;
  std::vector<driver_result> results(static_cast<size_t>(w.sessions));
  std::vector<caf::actor> clients, drivers;
  for (int s = 0; s < w.sessions; ++s) {
    keeper::client_config cfg;
    cfg.servers = servers;
    cfg.seed = static_cast<uint64_t>(s) + 1;
    clients.push_back(keeper::spawn_client(sys, cfg));
    drivers.push_back(sys.spawn(driver, clients.back(), w, s, &win, &results[static_cast<size_t>(s)]));
  }
  for (auto& d : drivers)
    caf::anon_send(d, go_atom::value);
  std::this_thread::sleep_for(std::chrono::seconds(1)); // warm-up
  win.measuring = true;
  auto start = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(w.seconds));
  win.measuring = false;
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  win.stop = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  keeper_result r;
  r.target = "troupe";
  r.workload = w;
  r.seconds = elapsed;
  for (auto& d : drivers)
    caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
  for (auto& c : clients) {
    caf::scoped_actor self{sys};
    self->request(c, std::chrono::seconds(2), keeper::client_atoms::close::value)
      .receive([](int32_t) {}, [](caf::error&) {});
  }
  for (auto& d : results) {
    r.ops += d.ops;
    r.errors += d.errors;
    for (auto [code, n] : d.error_codes)
      r.error_codes[code] += n;
    r.latency.merge(d.latency); // percentiles over every request of the window
  }
  return r;
}


// Leader kill -9 under writers: ms from the kill to the first acknowledged
// write sent after it.
std::vector<double> failover(keeper_processes& e, caf::actor_system& sys, int trials) {
  std::vector<double> out;
  keeper::client_options o;
  o.request_timeout = std::chrono::milliseconds(3000);
  keeper::client_config cfg;
  cfg.servers = e.servers();
  keeper::client c{keeper::client::in_actor_system{sys, cfg}, o};
  try {
    c.create("/failover", "x");
  } catch (const keeper::keeper_error&) {
  }
  for (int t = 0; t < trials; ++t) {
    std::optional<size_t> found;
    for (int i = 0; i < 300 && !found; ++i) {
      found = e.leader();
      if (!found)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!found)
      break;
    auto leader = *found;
    e.members[leader]->signal(SIGKILL);
    e.members[leader]->wait(std::chrono::seconds(5));
    auto killed = clock_type::now();
    for (;;) {
      try {
        c.set("/failover", "y");
        break;
      } catch (const keeper::keeper_error&) {
        if (clock_type::now() - killed > std::chrono::seconds(10))
          break;
      }
    }
    auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - killed).count();
    out.push_back(ms);
    print_result({{"bench", "keeper-failover"},
                  {"trial", t},
                  {"killed", "m" + std::to_string(leader + 1)},
                  {"writes_resumed_ms", rounded(ms, 1)}});
    e.start(leader);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return out;
}

// A follower killed while writers run for `seconds`, then restarted: ms
// until every acceptor is within 100 entries of the leader again.
void catch_up(keeper_processes& e, caf::actor_system& sys, double seconds) {
  auto lead = e.leader_status();
  if (!lead) {
    std::cerr << "troupe bench keeper: no leader; catch-up skipped" << std::endl;
    return;
  }
  auto victim = (lead->first + 1) % e.members.size();
  e.members[victim]->signal(SIGKILL);
  e.members[victim]->wait(std::chrono::seconds(5));
  keeper_workload w;
  w.kind = "write";
  w.seconds = seconds;
  w.prefix = "/bench-catch-up";
  auto load = run_troupe_workload(sys, e.servers(), w);
  auto before = e.leader_status();
  uint64_t behind = 0;
  if (before)
    for (auto& a : before->second.acceptors)
      if (a.id == victim + 1)
        behind = before->second.last - std::min(before->second.last, a.match);
  auto restarted = clock_type::now();
  e.start(victim);
  double ms = -1;
  while (clock_type::now() - restarted < std::chrono::seconds(60)) {
    if (auto s = e.leader_status(); s && s->second.acceptors.size() == e.members.size()) {
      bool all_reachable = std::all_of(s->second.acceptors.begin(), s->second.acceptors.end(),
                                       [](auto& a) { return a.reachable; });
      if (all_reachable && *rlog::max_acceptor_lag(s->second) <= 100) {
        ms = std::chrono::duration<double, std::milli>(clock_type::now() - restarted).count();
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  print_result({{"bench", "keeper-catch-up"},
                {"restarted", "m" + std::to_string(victim + 1)},
                {"writes_missed", load.ops},
                {"entries_behind", behind},
                {"caught_up_ms", ms < 0 ? result_line(nullptr) : rounded(ms, 1)}});
}

} // namespace

int bench_keeper(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("bench keeper");
  opts.add_options()
    ("target", po::value<std::string>()->default_value("troupe"), "troupe | zookeeper | both")
    ("kind", po::value<std::string>()->default_value("write,read"), "comma list: write, read, create-delete")
    ("sessions", po::value<std::string>()->default_value("1,32"), "comma list of S")
    ("outstanding", po::value<std::string>()->default_value("1,64"), "comma list of W, paired with --sessions")
    ("seconds", po::value<double>()->default_value(5), "measured seconds per run")
    ("value-bytes", po::value<uint32_t>()->default_value(100), "bytes per write")
    ("failover-trials", po::value<uint32_t>()->default_value(5), "troupe leader kills under writers (0: none)")
    ("catch-up-seconds", po::value<double>()->default_value(5),
     "troupe: a follower misses this many seconds of writes, then restarts; time until it caught up (0: skip)")
    ("tls", po::bool_switch(), "troupe: members and clients speak mutual TLS (a throwaway CA)")
    ("snapshot-stall", po::bool_switch(),
     "instead: in this process, the longest pause of applying while snapshots of a large tree are taken "
     "(captured and written on another thread, then inline as before), and the restore time")
    ("znodes", po::value<uint64_t>()->default_value(1000000), "--snapshot-stall: znodes in the tree")
    ("snapshots", po::value<int>()->default_value(3), "--snapshot-stall: snapshots per mode");
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, opts, vm)) {
    std::cout << "usage: troupe bench keeper [options]\n\n"
                 "Starts a 3-member ensemble on this machine (fsync on) and measures S sessions x W\n"
                 "outstanding requests per kind; --target zookeeper runs the same against Apache\n"
                 "ZooKeeper 3.8 (Debian's zookeeper package) through its C client.\n\n"
              << opts << "\n";
    return 0;
  }
  if (vm["snapshot-stall"].as<bool>()) {
    auto znodes = vm["znodes"].as<uint64_t>();
    auto snapshots = vm["snapshots"].as<int>();
    if (znodes < 1 || snapshots < 1)
      throw runtime::config_error("--znodes and --snapshots must be positive");
    return bench_keeper_snapshot_stall(znodes, vm["value-bytes"].as<uint32_t>(), snapshots);
  }
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in{s};
    std::string item;
    while (std::getline(in, item, ','))
      out.push_back(item);
    return out;
  };
  auto target = vm["target"].as<std::string>();
  if (target != "troupe" && target != "zookeeper" && target != "both")
    throw runtime::config_error("--target is troupe, zookeeper or both");
#if !TROUPE_HAVE_ZOOKEEPER_CLIENT
  if (target != "troupe")
    throw runtime::config_error("--target " + target + " is disabled: this troupe was built without "
                                "ZooKeeper's C client (apt-get install libzookeeper-mt-dev, then reconfigure)");
#endif
  auto kinds = split(vm["kind"].as<std::string>());
  for (auto& k : kinds)
    if (k != "write" && k != "read" && k != "create-delete")
      throw runtime::config_error("unknown --kind '" + k + "'");
  auto ss = split(vm["sessions"].as<std::string>());
  auto ws = split(vm["outstanding"].as<std::string>());
  if (ss.size() != ws.size())
    throw runtime::config_error("--sessions and --outstanding need as many entries");
  std::vector<std::pair<int, int>> shapes;
  for (size_t i = 0; i < ss.size(); ++i) {
    int s = 0, w = 0;
    try {
      s = std::stoi(ss[i]);
      w = std::stoi(ws[i]);
    } catch (const std::exception&) {
      throw runtime::config_error("--sessions/--outstanding must be numbers");
    }
    if (s < 1 || s > 1024 || w < 1 || w > 1024)
      throw runtime::config_error("sessions and outstanding are 1-1024");
    shapes.emplace_back(s, w);
  }
  auto run_all = [&](const std::string& which, auto&& run) {
    for (auto& [s, w] : shapes)
      for (auto& k : kinds) {
        keeper_workload wl;
        wl.kind = k;
        wl.sessions = s;
        wl.outstanding = w;
        wl.seconds = vm["seconds"].as<double>();
        wl.value_bytes = vm["value-bytes"].as<uint32_t>();
        wl.prefix = "/bench-" + k;
        std::cerr << "troupe bench keeper: " << which << " " << k << " " << s << "x" << w << "..." << std::endl;
        auto r = run(wl);
        print_result(to_json(r));
      }
  };
  if (target == "troupe" || target == "both") {
    scratch_dir dir{"troupe-bench-keeper"};
    keeper_processes_options o;
    o.data_dir = dir.path();
    o.http = true;
    o.log_level = "error";
    o.tls = vm["tls"].as<bool>();
    keeper_processes e{o};
    caf::actor_system_config cfg;
    runtime::configure_actor_system(cfg, runtime::runtime_tuning{}, e.client_tls());
    caf::actor_system sys{cfg};
    std::cerr << "troupe bench keeper: 3 troupe members up" << std::endl;
    run_all("troupe", [&](const keeper_workload& wl) { return run_troupe_workload(sys, e.servers(), wl); });
    if (auto s = vm["catch-up-seconds"].as<double>(); s > 0)
      catch_up(e, sys, s);
    auto trials = vm["failover-trials"].as<uint32_t>();
    if (trials > 0) {
      auto f = failover(e, sys, static_cast<int>(trials));
      if (!f.empty()) {
        std::sort(f.begin(), f.end());
        print_result({{"bench", "keeper-failover-summary"},
                      {"trials", f.size()},
                      {"median_ms", rounded(f[f.size() / 2], 1)},
                      {"max_ms", rounded(f.back(), 1)}});
      }
    }
  }
#if TROUPE_HAVE_ZOOKEEPER_CLIENT
  if (target == "zookeeper" || target == "both") {
    zookeeper_ensemble zk;
    std::cerr << "troupe bench keeper: 3 ZooKeeper servers up; warming up the JVMs (20 s)" << std::endl;
    warm_up_zookeeper(zk.connect_string(), 20);
    run_all("zookeeper", [&](const keeper_workload& wl) { return run_zookeeper_workload(zk.connect_string(), wl); });
  }
#endif
  return 0;
}

} // namespace troupe::cli
