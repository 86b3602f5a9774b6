// `troupe bench log`: a 3-member replicated log as three `troupe log`
// processes on loopback (real data directories, fsync on). This process is a
// client node with its own follower; worker actors propose fixed-size
// commands through it, one at a time each. Reports appends/s and commit
// latency (propose -> applied by the client's follower) per concurrency
// level, then failover: kill -9 of the leader under load, time until a
// proposal sent after the kill commits, over several trials.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "caf/all.hpp"

#include "bench_stats.hpp"
#include "commands.hpp"
#include "member_options.hpp"
#include "troupe/log/digest_machine.hpp"
#include "troupe/log/follower_status.hpp"
#include "troupe/log/replicated_log.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/deadline.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/process.hpp"

namespace troupe::cli {


namespace {

using clock_type = std::chrono::steady_clock;

struct samples {
  std::mutex mtx;
  latency_samples latency;
  uint64_t errors = 0;
  std::vector<std::pair<clock_type::time_point, clock_type::time_point>> acks; // (sent, acked)
  bool keep_acks = false;
};

using next_atom = caf::atom_constant<caf::atom("next")>;

caf::behavior worker(caf::stateful_actor<deadline_table>* self, caf::actor follower,
                     std::string payload, samples* out, std::atomic<bool>* stop) {
  self->send(self, next_atom::value);
  return {
    [=](next_atom) {
      if (stop->load())
        return self->quit();
      auto sent = clock_type::now();
      request(self, self->state, follower, std::chrono::seconds(5), rlog::atoms::propose::value, payload)
        .then(
          [=](const std::string&) {
            auto now = clock_type::now();
            {
              std::lock_guard<std::mutex> guard{out->mtx};
              out->latency.add_us(std::chrono::duration<double, std::micro>(now - sent).count());
              if (out->keep_acks)
                out->acks.emplace_back(sent, now);
            }
            self->send(self, next_atom::value);
          },
          [=](caf::error&) {
            {
              std::lock_guard<std::mutex> guard{out->mtx};
              ++out->errors;
            }
            self->send(self, next_atom::value);
          });
    },
  };
}

struct bench_client {
  std::unique_ptr<runtime::node> node;
  caf::actor follower;
  size_t runs = 0;

  bench_client(const rlog::group_config& g, const std::vector<runtime::peer_spec>& members,
               const runtime::runtime_tuning& tuning) {
    runtime::node_config cfg;
    cfg.name = "bench-client";
    cfg.peers = members;
    cfg.tuning = tuning;
    cfg.log_level = log::level::warn;
    node = std::make_unique<runtime::node>(cfg, [](caf::actor_system_config& c) { rlog::register_log_types(c); });
    follower = rlog::spawn_follower(*node, g, "bench", std::make_unique<rlog::digest_machine>());
  }

  std::string leader() {
    caf::scoped_actor self{node->system()};
    std::string status;
    self->request(follower, std::chrono::seconds(2), rlog::atoms::status::value)
      .receive([&](const std::string& s) { status = s; }, [](caf::error&) {});
    auto s = rlog::parse_follower_status(status);
    return s ? s->leader_node : std::string{};
  }

  // Runs `workers` proposers until `stop` is set; the caller waits.
  void start(size_t workers, const std::string& payload, samples& out, std::atomic<bool>& stop) {
    ++runs;
    for (size_t i = 0; i < workers; ++i)
      node->add_role("bench-worker-" + std::to_string(runs) + "-" + std::to_string(i),
                     node->system().spawn(worker, follower, payload, &out, &stop));
  }
};

std::vector<size_t> parse_levels(const std::string& text) {
  std::vector<size_t> out;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, ','))
    try {
      out.push_back(std::stoul(item));
    } catch (const std::exception&) {
      throw runtime::config_error("invalid --concurrency '" + text + "'");
    }
  if (out.empty() || std::any_of(out.begin(), out.end(), [](size_t c) { return c == 0 || c > 4096; }))
    throw runtime::config_error("--concurrency takes numbers from 1 to 4096");
  return out;
}

} // namespace

int bench_log(int argc, const char* const* argv) {
  namespace po = runtime::po;
  po::options_description opts("log benchmark");
  opts.add_options()
    ("concurrency", po::value<std::string>()->default_value("1,16,64,256"), "proposers in flight, per run")
    ("duration", po::value<std::string>()->default_value("3s"), "length of each run")
    ("payload", po::value<uint32_t>()->default_value(100), "bytes per appended command")
    ("failover-trials", po::value<uint32_t>()->default_value(10), "leader kills (0: none)")
    ("data-dir", po::value<std::string>()->default_value("/tmp/troupe-bench-log"),
     "parent of the members' data directories (emptied first)");
  po::options_description desc;
  desc.add(opts).add(runtime::tuning_options()).add(runtime::logging_options());
  po::variables_map vm;
  if (!runtime::parse_options(argc, argv, desc, vm)) {
    std::cout << "usage: troupe bench log [options]\n\n"
                 "Starts three `troupe log` members (fsync on), proposes through a follower in\n"
                 "this process, and prints JSON lines: appends/s and commit latency per\n"
                 "concurrency level, then leader-kill failover times.\n\n"
              << desc << "\n";
    return 0;
  }
  auto levels = parse_levels(vm["concurrency"].as<std::string>());
  auto duration = runtime::parse_duration(vm["duration"].as<std::string>());
  auto payload = std::string(vm["payload"].as<uint32_t>(), 'x');
  auto trials = vm["failover-trials"].as<uint32_t>();
  auto tuning = runtime::read_tuning(vm);
  auto dir = vm["data-dir"].as<std::string>();
  if (dir.empty() || dir == "/")
    throw runtime::config_error("refusing --data-dir '" + dir + "'");
  std::system(("rm -rf '" + dir + "'").c_str());

  std::string spec;
  std::map<int, uint16_t> ports;
  for (int i = 1; i <= 3; ++i) {
    ports[i] = runtime::pick_free_port();
    spec += (i > 1 ? "," : "") + std::to_string(i) + "=127.0.0.1:" + std::to_string(ports[i]);
  }
  std::map<int, std::unique_ptr<runtime::child_process>> members;
  auto start = [&](int i) {
    members[i] = std::make_unique<runtime::child_process>(
      self_path(), std::vector<std::string>{"log", "--id", std::to_string(i), "--members", spec,
                                            "--data-dir", dir + "/m" + std::to_string(i),
                                            "--scheduler", tuning.scheduler, "--log-level", "warn"});
    if (!members[i]->wait_for_line("listening ", std::chrono::seconds(10)))
      throw runtime::startup_error("member " + std::to_string(i) + " did not start");
  };
  for (int i = 1; i <= 3; ++i)
    start(i);
  std::vector<runtime::peer_spec> addresses;
  auto g = parse_group("log", spec, addresses);
  bench_client client{g, addresses, tuning};
  for (int i = 0; i < 500 && client.leader().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::cerr << "troupe bench log: 3 members up, leader " << client.leader() << "; "
            << payload.size() << "-byte appends, " << vm["duration"].as<std::string>()
            << " per level" << std::endl;

  for (auto c : levels) {
    samples s;
    std::atomic<bool> stop{false};
    client.start(c, payload, s, stop);
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // warm-up
    {
      std::lock_guard<std::mutex> guard{s.mtx};
      s.latency = latency_samples{};
    }
    auto t0 = clock_type::now();
    std::this_thread::sleep_for(duration);
    double secs;
    latency_samples lat;
    {
      std::lock_guard<std::mutex> guard{s.mtx};
      secs = std::chrono::duration<double>(clock_type::now() - t0).count();
      lat = s.latency;
    }
    stop = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // let workers drain
    print_result({{"bench", "log"},
                  {"concurrency", c},
                  {"payload", payload.size()},
                  {"appends_per_s", rounded(static_cast<double>(lat.count()) / secs, 0)},
                  {"p50_ms", rounded(lat.percentile(0.5) / 1000, 3)},
                  {"p99_ms", rounded(lat.percentile(0.99) / 1000, 3)},
                  {"errors", s.errors}});
  }

  std::vector<double> failovers;
  for (uint32_t t = 0; t < trials; ++t) {
    samples s;
    s.keep_acks = true;
    std::atomic<bool> stop{false};
    client.start(16, payload, s, stop);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto leader = client.leader();
    if (leader.size() != 2) {
      std::cerr << "troupe bench log: no leader before trial " << t << "\n";
      stop = true;
      break;
    }
    int id = leader[1] - '0';
    auto killed_at = clock_type::now();
    members[id]->signal(SIGKILL);
    members[id]->wait(std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    std::optional<double> resumed_ms;
    {
      std::lock_guard<std::mutex> guard{s.mtx};
      for (auto& [sent, acked] : s.acks)
        if (sent > killed_at) {
          auto ms = std::chrono::duration<double, std::milli>(acked - killed_at).count();
          resumed_ms = resumed_ms ? std::min(*resumed_ms, ms) : ms;
        }
    }
    stop = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    start(id);
    // Let the restarted member catch up before the next kill: killing a
    // leader while another member is still far behind measures catch-up
    // time, not failover.
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    if (resumed_ms)
      failovers.push_back(*resumed_ms);
    print_result({{"bench", "log-failover"},
                  {"trial", t},
                  {"killed", leader},
                  {"next_commit_ms", resumed_ms ? rounded(*resumed_ms, 1) : result_line(nullptr)}});
  }
  if (!failovers.empty()) {
    std::sort(failovers.begin(), failovers.end());
    print_result({{"bench", "log-failover-summary"},
                  {"trials", failovers.size()},
                  {"median_ms", rounded(failovers[failovers.size() / 2], 1)},
                  {"max_ms", rounded(failovers.back(), 1)}});
  }
  return 0;
}

} // namespace troupe::cli
