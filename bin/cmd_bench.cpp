// `troupe bench rpc`: round-trip latency and pipelined throughput between
// two troupe processes on loopback, through the same directory and peer-link
// seam that roles use.
#include <future>
#include <iostream>

#include "caf/all.hpp"

#include "bench_stats.hpp"
#include "commands.hpp"
#include "scratch_dir.hpp"
#include "troupe/runtime/actor_system_setup.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/directory.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/process.hpp"
#include "troupe/runtime/tls_certs.hpp"
#include "troupe/messages/wire.hpp"

namespace troupe::cli {

int bench_log(int argc, const char* const* argv);
int bench_keeper(int argc, const char* const* argv);

namespace {

struct rpc_params {
  size_t warmup = 2000;
  size_t sequential = 20000;
  size_t inflight = 64;
  std::chrono::milliseconds pipelined_for{3000};
  size_t payload = 16;
};

struct rpc_result {
  latency_samples sequential;
  latency_samples pipelined;
  double pipelined_per_sec = 0;
  uint64_t errors = 0;
};

struct rpc_client_state {
  rpc_params params;
  std::promise<rpc_result>* done = nullptr;
  caf::actor echo;
  deadline_table deadlines;
  rpc_result result;
  wire::Echo msg;
  size_t issued = 0;
  size_t completed = 0;
  std::chrono::steady_clock::time_point phase_start;
  bool pipelining = false;
  static inline const char* name = "troupe.bench.rpc";
};

using rpc_client = caf::stateful_actor<rpc_client_state>;

void send_one(rpc_client* self);

void start_pipelined(rpc_client* self) {
  auto& st = self->state;
  st.pipelining = true;
  st.phase_start = std::chrono::steady_clock::now();
  st.completed = 0;
  for (size_t i = 0; i < st.params.inflight; ++i)
    send_one(self);
}

void finish(rpc_client* self) {
  auto& st = self->state;
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - st.phase_start).count();
  st.result.pipelined_per_sec = static_cast<double>(st.completed) / secs;
  st.done->set_value(std::move(st.result));
  self->quit();
}

void on_reply(rpc_client* self, std::chrono::steady_clock::time_point sent) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto us = std::chrono::duration<double, std::micro>(now - sent).count();
  ++st.completed;
  if (!st.pipelining) {
    if (st.completed > st.params.warmup)
      st.result.sequential.add_us(us);
    if (st.completed == st.params.warmup + st.params.sequential)
      start_pipelined(self);
    else
      send_one(self);
    return;
  }
  st.result.pipelined.add_us(us);
  if (now - st.phase_start < st.params.pipelined_for)
    send_one(self);
  else if (st.deadlines.pending() == 0)
    finish(self);
}

void send_one(rpc_client* self) {
  auto& st = self->state;
  st.msg.set_seq(++st.issued);
  auto sent = std::chrono::steady_clock::now();
  request(self, st.deadlines, st.echo, std::chrono::seconds(5), st.msg)
    .then([self, sent](const wire::Echo&) { on_reply(self, sent); },
          [self, sent](caf::error&) {
            ++self->state.result.errors;
            on_reply(self, sent);
          });
}

caf::behavior rpc_client_actor(rpc_client* self, caf::actor directory, std::string server,
                               rpc_params params, std::promise<rpc_result>* done) {
  auto& st = self->state;
  st.params = params;
  st.done = done;
  st.msg.set_from_node("bench-client");
  st.msg.set_payload(std::string(params.payload, 'x'));
  st.result.sequential.reserve(params.sequential);
  subscribe(self, directory, address{server, "echo"});
  return {
    [self](const role_up& up) {
      if (self->state.echo)
        return;
      self->state.echo = up.handle;
      send_one(self);
    },
    [](const role_down&) {},
  };
}

// The cost of opening a link: TCP connect, the TLS handshake if any, and
// CAF's BASP handshake, each in a fresh actor system (CAF keeps one
// connection per node pair and reuses it). Microseconds per connect.
latency_samples measure_connects(const runtime::peer_spec& peer, const runtime::runtime_tuning& tuning,
                                 const runtime::tls_files& tls, size_t count) {
  latency_samples out;
  for (size_t i = 0; i < count; ++i) {
    caf::actor_system_config cfg;
    runtime::configure_actor_system(cfg, tuning, tls);
    caf::actor_system sys{cfg};
    caf::scoped_actor self{sys};
    auto start = std::chrono::steady_clock::now();
    self->request(runtime::connector(sys), std::chrono::seconds(10), caf::connect_atom::value, peer.host, peer.port)
      .receive(
        [&](const caf::node_id&, const caf::strong_actor_ptr&, const std::set<std::string>&) {
          out.add_us(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
        },
        [&](const caf::error& e) {
          throw std::runtime_error("connect to " + peer.host + ":" + std::to_string(peer.port) +
                                   " failed: " + sys.render(e));
        });
  }
  return out;
}

int bench_rpc(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("rpc benchmark");
  opts.add_options()
    ("count", po::value<uint32_t>()->default_value(20000), "sequential round trips to time")
    ("inflight", po::value<uint32_t>()->default_value(64), "requests in flight when pipelining")
    ("duration", po::value<std::string>()->default_value("3s"), "how long to pipeline")
    ("payload", po::value<uint32_t>()->default_value(16), "payload bytes per message")
    ("server", po::value<std::string>(), "host:port of a running `troupe node` (default: start one)")
    ("server-node", po::value<std::string>()->default_value("bench-server"),
     "node name of --server")
    ("tls", po::bool_switch(), "mutual TLS between the two processes (a throwaway CA in a temporary directory)")
    ("connects", po::value<uint32_t>()->default_value(20), "fresh connections to time (TCP + TLS + CAF handshakes)");
  po::options_description desc;
  desc.add(opts).add(runtime::tuning_options()).add(runtime::logging_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe bench rpc [options]\n\n"
                 "Starts a server node (a child process) unless --server is given, then measures\n"
                 "sequential round trips (p50/p99) and pipelined echoes per second from this\n"
                 "process. Scheduler options apply to both processes.\n\n"
              << desc << "\n";
    return 0;
  }
  rpc_params params;
  params.sequential = vm["count"].as<uint32_t>();
  params.inflight = vm["inflight"].as<uint32_t>();
  params.payload = vm["payload"].as<uint32_t>();
  params.pipelined_for = std::chrono::duration_cast<std::chrono::milliseconds>(
    runtime::parse_duration(vm["duration"].as<std::string>()));
  if (params.sequential == 0 || params.inflight == 0 || params.inflight > 100000)
    throw runtime::config_error("--count must be positive and --inflight within 1-100000");
  if (params.payload > (16u << 20))
    throw runtime::config_error("--payload must be at most 16 MiB");
  auto tuning = runtime::read_tuning(vm);
  auto level = vm["log-level"].as<std::string>();
  bool use_tls = vm["tls"].as<bool>();
  if (use_tls && vm.count("server"))
    throw runtime::config_error("--tls starts its own server (it makes the certificates); drop --server");
  std::unique_ptr<scratch_dir> pki_dir;
  runtime::tls_files server_tls, client_tls;
  if (use_tls) {
    pki_dir = std::make_unique<scratch_dir>("troupe-bench-tls");
    auto pki = runtime::write_throwaway_pki(pki_dir->path(), {"bench-server", "bench-client"});
    server_tls = pki.at("bench-server");
    client_tls = pki.at("bench-client");
  }

  std::unique_ptr<runtime::child_process> server;
  std::string server_node = vm["server-node"].as<std::string>();
  runtime::peer_spec peer;
  if (vm.count("server")) {
    std::tie(peer.host, peer.port) = runtime::parse_host_port(vm["server"].as<std::string>());
  } else {
    server_node = "bench-server";
    peer.host = "127.0.0.1";
    peer.port = runtime::pick_free_port();
    std::vector<std::string> args{"node", "--node", server_node, "--port", std::to_string(peer.port),
                                  "--probe-interval", "0", "--scheduler", tuning.scheduler, "--threads",
                                  std::to_string(tuning.threads), "--middleman-workers",
                                  std::to_string(tuning.middleman_workers), "--log-level", "warn"};
    if (use_tls)
      args.insert(args.end(), {"--tls-cert", server_tls.cert, "--tls-key", server_tls.key, "--tls-ca", server_tls.ca});
    server = std::make_unique<runtime::child_process>(self_path(), args);
    if (!server->wait_for_line("listening ", std::chrono::seconds(10))) {
      std::cerr << "troupe bench rpc: the server node did not start\n";
      return 1;
    }
  }
  peer.node = server_node;
  auto connects = measure_connects(peer, tuning, client_tls, vm["connects"].as<uint32_t>());
  runtime::node_config cfg;
  cfg.tls = client_tls;
  cfg.name = "bench-client";
  cfg.peers.push_back(peer);
  cfg.tuning = tuning;
  cfg.log_level = runtime::read_log_level(vm);
  runtime::node client{cfg};
  std::cerr << "troupe bench rpc: " << params.warmup << " warm-up + " << params.sequential
            << " sequential round trips, then " << params.inflight << " in flight for "
            << params.pipelined_for.count() << " ms (tls=" << (use_tls ? "on" : "off")
            << ", scheduler=" << tuning.scheduler
            << ", middleman-workers=" << tuning.middleman_workers << ")" << std::endl;
  std::promise<rpc_result> done;
  auto future = done.get_future();
  client.system().spawn(rpc_client_actor, client.directory(), server_node, params, &done);
  auto limit = std::chrono::seconds(30) + params.pipelined_for +
               std::chrono::milliseconds(params.sequential / 100);
  if (future.wait_for(limit) != std::future_status::ready) {
    std::cerr << "troupe bench rpc: no answer from " << peer.host << ":" << peer.port << "\n";
    return 1;
  }
  auto r = future.get();
  std::cout << "connect (TCP" << (use_tls ? " + TLS" : "") << " + CAF handshake): p50 "
            << fixed(connects.percentile(0.5)) << " us, p99 " << fixed(connects.percentile(0.99)) << " us ("
            << connects.count() << " fresh connections)\n";
  std::cout << "sequential round trip: p50 " << fixed(r.sequential.percentile(0.5)) << " us, p99 "
            << fixed(r.sequential.percentile(0.99)) << " us, p99.9 "
            << fixed(r.sequential.percentile(0.999)) << " us (" << r.sequential.count()
            << " samples)\n"
            << "pipelined (" << params.inflight << " in flight): "
            << fixed(r.pipelined_per_sec, 0) << " msgs/s, p50 "
            << fixed(r.pipelined.percentile(0.5)) << " us, p99 "
            << fixed(r.pipelined.percentile(0.99)) << " us\n";
  print_result({{"bench", "rpc"},
                {"tls", use_tls},
                {"connect_p50_us", rounded(connects.percentile(0.5))},
                {"scheduler", tuning.scheduler},
                {"middleman_workers", tuning.middleman_workers},
                {"payload", params.payload},
                {"seq_p50_us", rounded(r.sequential.percentile(0.5))},
                {"seq_p99_us", rounded(r.sequential.percentile(0.99))},
                {"inflight", params.inflight},
                {"pipelined_msgs_per_s", rounded(r.pipelined_per_sec, 0)},
                {"pipelined_p50_us", rounded(r.pipelined.percentile(0.5))},
                {"pipelined_p99_us", rounded(r.pipelined.percentile(0.99))},
                {"errors", r.errors}});
  return r.errors == 0 ? 0 : 1;
}

} // namespace

int bench(int argc, const char* const* argv) {
  if (argc < 2 || std::string{argv[1]} == "--help" || std::string{argv[1]} == "-h") {
    std::cout << "usage: troupe bench <name> [options]\n\nbenchmarks:\n"
                 "  rpc       round trips and pipelined echoes between two processes\n"
                 "  log       a 3-member replicated log: appends/s, commit latency, failover\n"
                 "  keeper   a 3-member Keeper ensemble (and Apache ZooKeeper): ops/s, latency, failover\n";
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  if (name == "rpc")
    return bench_rpc(argc - 1, argv + 1);
  if (name == "log")
    return bench_log(argc - 1, argv + 1);
  if (name == "keeper")
    return bench_keeper(argc - 1, argv + 1);
  throw runtime::config_error("unknown benchmark '" + name + "' (available: rpc, log, keeper)");
}

} // namespace troupe::cli
