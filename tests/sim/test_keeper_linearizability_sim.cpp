// Keeper's consistency under faults, checked on recorded histories.
//
// Three members and three clients; each client runs a random workload on a
// few znodes: creates, setData (blind and compare-and-set on the version it
// last saw), deletes, linearizable reads and plain reads. Meanwhile members
// crash and restart, get isolated and healed, and the network reorders and
// loses messages (a lost message breaks a client's channel: its in-flight
// requests answer ConnectionLoss, i.e. unknown outcome).
//
// Checked per seed:
//   - writes, compare-and-sets and linearizable reads form a linearizable
//     history per znode (Wing-Gong with Lowe's memoization);
//   - plain reads, only sequentially consistent by design: each session's
//     answers carry zxids that never go back, a session sees its own
//     acknowledged writes, and every state read was written by some write.
#include <gtest/gtest.h>

#include "keeper_harness.hpp"
#include "troupe/sim/linearizability.hpp"
#include "troupe/sim/rng.hpp"
#include "troupe/sim/seeds.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;
namespace wire = troupe::wire;
namespace sim = troupe::sim;

namespace {

using next_atom = caf::atom_constant<caf::atom("lin_next")>;

struct plain_read {
  std::string path;
  int64_t zxid = 0;
  bool exists = false;
  std::string value;
  int32_t version = 0;
  int64_t mzxid = 0;
};

struct session_log {
  std::vector<std::pair<int64_t, std::string>> answer_zxids; // (zxid, what) in answer order
  int64_t highest_own_write = 0;
  std::vector<std::string> violations;
};

struct shared_record {
  sim::history_recorder history;
  std::map<int, session_log> sessions;
  std::vector<plain_read> plain_reads;
  std::set<std::pair<std::string, std::string>> written; // (path, value) ever sent
  int ops_done = 0;
  bool stop = false;
};

const std::vector<std::string> paths{"/k0", "/k1"};

sim::znode_result to_result(int32_t err) {
  switch (err) {
    case 0: return sim::znode_result::ok;
    case -110: return sim::znode_result::node_exists;
    case -101: return sim::znode_result::no_node;
    case -103: return sim::znode_result::bad_version;
    default: return sim::znode_result::not_empty;
  }
}

// One client's workload: one request at a time, random kinds.
caf::behavior workload(caf::event_based_actor* self, caf::actor client, int id, uint64_t seed,
                       shared_record* rec) {
  auto rng = std::make_shared<sim::rng>(seed);
  auto last_version = std::make_shared<std::map<std::string, int32_t>>();
  auto counter = std::make_shared<int>(0);
  self->send(self, next_atom::value);
  return {
    [=](next_atom) {
      if (rec->stop)
        return;
      auto& path = paths[rng->below(paths.size())];
      auto now = [self] { return self->clock().now().time_since_epoch().count(); };
      wire::Request req;
      int op = -1;
      auto value = "c" + std::to_string(id) + "-" + std::to_string(++*counter);
      auto roll = rng->below(100);
      sim::znode_op::kind_t kind;
      int32_t expected = -1;
      bool plain = false;
      if (roll < 15) {
        kind = sim::znode_op::create;
        req = create_req(path, value);
      } else if (roll < 45) {
        kind = sim::znode_op::set;
        expected = rng->chance(0.5) && last_version->count(path) ? (*last_version)[path] : -1;
        req = set_req(path, value, expected);
      } else if (roll < 52) {
        kind = sim::znode_op::remove;
        expected = rng->chance(0.5) && last_version->count(path) ? (*last_version)[path] : -1;
        req = delete_req(path, expected);
      } else if (roll < 80) {
        kind = sim::znode_op::read;
        req = get_req(path, false, true);
      } else {
        kind = sim::znode_op::read;
        plain = true;
        req = get_req(path, false, false);
      }
      if (kind == sim::znode_op::create || kind == sim::znode_op::set)
        rec->written.emplace(path, value);
      if (!plain)
        op = rec->history.invoke(id, kind, path, now(), kind == sim::znode_op::remove ? "" : value, expected);
      self->request(client, caf::infinite, std::move(req))
        .then([=](const wire::Response& r) {
          auto err = r.result().err();
          auto& log = rec->sessions[id];
          bool answered = err == 0 || err == -110 || err == -101 || err == -103 || err == -111;
          if (answered && r.zxid() > 0) {
            if (!log.answer_zxids.empty() && r.zxid() < log.answer_zxids.back().first)
              log.violations.push_back("zxid went back from " + std::to_string(log.answer_zxids.back().first) +
                                       " to " + std::to_string(r.zxid()) + " on " + path);
            log.answer_zxids.emplace_back(r.zxid(), path);
          }
          if (plain) {
            if (answered) {
              plain_read p{path, r.zxid(), err == 0, r.result().data(), r.result().stat().version(),
                           r.result().stat().mzxid()};
              if (r.zxid() < log.highest_own_write)
                log.violations.push_back("read at zxid " + std::to_string(r.zxid()) +
                                         " after own write at " + std::to_string(log.highest_own_write));
              rec->plain_reads.push_back(std::move(p));
            }
          } else if (!answered) {
            rec->history.unknown(op); // ConnectionLoss: may or may not have happened
          } else {
            auto v = kind == sim::znode_op::read ? r.result().stat().version() : r.result().stat().version();
            rec->history.complete(op, to_result(err), now(), v, r.result().data());
            if (kind != sim::znode_op::read && err == 0)
              log.highest_own_write = std::max(log.highest_own_write, r.result().zxid());
          }
          if (err == 0 && (kind == sim::znode_op::set || kind == sim::znode_op::read ||
                           kind == sim::znode_op::create))
            (*last_version)[path] = r.result().stat().version();
          ++rec->ops_done;
          self->delayed_send(self, std::chrono::microseconds(rng->below(3000)), next_atom::value);
        });
    },
  };
}

} // namespace

TEST(KeeperLinearizabilitySim, HistoriesUnderFaultsAreLinearizable) {
  size_t checked_ops = 0, unknown = 0;
  for (auto seed : sim::seeds(1, 500)) {
    SCOPED_TRACE(sim::replay_hint(seed));
    sim::network_faults faults;
    faults.drop = 0.002;
    keeper_sim k{seed, faults};
    shared_record rec;
    for (int c = 1; c <= 3; ++c) {
      auto name = "c" + std::to_string(c);
      auto& cr = k.add_client(name, 1500ms);
      auto& node = k.sim.node(name);
      auto w = node.system().spawn(workload, cr.client, c, node.seed(), &rec);
      node.add_role("workload", w);
    }
    auto& rng = k.sim.random();
    // Faults while the workload runs: 1.2 s of virtual time.
    for (int step = 0; step < 6; ++step) {
      k.sim.run_for(std::chrono::milliseconds(100 + rng.below(100)));
      auto victim = "n" + std::to_string(1 + rng.below(3));
      switch (rng.below(4)) {
        case 0:
          if (k.sim.is_up(victim)) {
            k.sim.crash(victim);
            k.sim.run_for(std::chrono::milliseconds(50 + rng.below(150)));
            k.sim.restart(victim);
          }
          break;
        case 1:
          k.sim.isolate(victim);
          k.sim.run_for(std::chrono::milliseconds(50 + rng.below(250)));
          k.sim.heal();
          break;
        default:
          break; // a quiet stretch
      }
    }
    rec.stop = true;
    k.sim.run_for(2s); // let what is in flight finish
    auto result = sim::check_history(rec.history.ops());
    EXPECT_EQ(result.verdict, sim::check_result::linearizable) << result.explanation;
    for (auto& [id, log] : rec.sessions)
      for (auto& v : log.violations)
        ADD_FAILURE() << "session " << id << ": " << v;
    for (auto& p : rec.plain_reads)
      if (p.exists && !rec.written.count({p.path, p.value}))
        ADD_FAILURE() << "plain read of " << p.path << " saw '" << p.value << "', never written";
    EXPECT_GT(rec.ops_done, 30);
    checked_ops += rec.history.ops().size();
    for (auto& o : rec.history.ops())
      unknown += o.unknown;
    if (HasFailure())
      break;
  }
  std::cout << "checked " << checked_ops << " operations (" << unknown << " with unknown outcome)\n";
}
