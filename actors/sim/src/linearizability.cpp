// Linearizability checking of znode histories (see linearizability.hpp).
//
// Per znode, Wing & Gong's search with Lowe's memoization: the history is a
// doubly linked list of call and return entries ordered by time (calls first
// at equal times: an op precedes another only if it responded strictly before
// the other was invoked). The call entries before the first return entry are
// the candidates to linearize next. Linearizing one "lifts" it (unlinks its
// entries) and pushes it on a stack; when no candidate fits, pop the last
// choice, "unlift" it and try the next candidate. A configuration (linearized
// set, model state) entered once is never entered again.
//
// Refinements, each a without-loss-of-generality restriction:
//  - Candidates are tried in phases: 0) completed ops that leave the state
//    unchanged (reads, failures), 1) other completed ops, 2) unknown ops. An
//    accepted phase-0 op is lifted as a forced move, not a choice: any
//    completion could be reordered to put it first (all ops that must precede
//    it are linearized and it changes nothing), so if it fails, so does the
//    configuration below it.
//  - Unknown ops have no return entry (no deadline) and are never required:
//    success is when every completed op is linearized. One whose effect would
//    be a no-op is never lifted. Unknown ops with the same effect (kind,
//    expected version, value) are interchangeable, so they are applied in
//    invoke order; otherwise k pending timeouts would cost 2^k subsets.
//  - Values no read returned cannot be told apart, so the model merges them.
//
// The memo holds 128-bit fingerprints: a Zobrist hash of the linearized set
// (XOR of a random key per op, O(1) to update) XOR a random key per model
// state. 16 bytes a configuration instead of a 256-byte bitset for 2,000 ops;
// the chance of any false hit among N entries is about N^2 / 2^129.
#include "troupe/sim/linearizability.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "troupe/sim/rng.hpp"

namespace troupe::sim {

bool operator==(const znode_state& a, const znode_state& b) {
  return a.exists == b.exists && (!a.exists || (a.version == b.version && a.value == b.value));
}

namespace {

constexpr int64_t never = std::numeric_limits<int64_t>::max();

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 40; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
      out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    else
      out += static_cast<char>(c);
  }
  return out + (s.size() > 40 ? "\"..." : "\"");
}

std::string version_arg(int32_t v) { return v == -1 ? "any" : std::to_string(v); }

struct fingerprint {
  uint64_t a = 0, b = 0;
  bool operator==(const fingerprint& o) const { return a == o.a && b == o.b; }
  fingerprint operator^(const fingerprint& o) const { return {a ^ o.a, b ^ o.b}; }
};
struct fingerprint_hash {
  size_t operator()(const fingerprint& f) const noexcept { return static_cast<size_t>(f.a); }
};
fingerprint draw(rng& r) {
  uint64_t a = r.next();
  return {a, r.next()};
}

struct state_hash {
  size_t operator()(const znode_state& s) const {
    return s.exists ? std::hash<std::string>{}(s.value) ^ (static_cast<size_t>(s.version) * 0x9e3779b97f4a7c15ULL) : 0;
  }
};

// The sequential register, with states interned to small ids.
class model {
public:
  // Values no read in `observed` returned are indistinguishable to the model,
  // so they are all replaced by one marker that no read returned either.
  model(const znode_state& init, std::unordered_set<std::string> observed)
      : observed_(std::move(observed)), keys_(0x11ea7) {
    while (observed_.count(unread_))
      unread_ += '?';
    init_ = intern(init);
  }

  uint32_t init() const { return init_; }
  const znode_state& state(uint32_t id) const { return states_[id]; }
  fingerprint key(uint32_t id) const { return state_keys_[id]; }
  const std::string& canonical(const std::string& v) const { return observed_.count(v) ? v : unread_; }

  // Applies `op` in state `from`: false if its recorded result is impossible
  // there. An unknown op always applies, with whatever result the model gives.
  bool step(const znode_op& op, bool unknown, uint32_t from, uint32_t& to) {
    const bool exists = states_[from].exists;
    const int32_t version = states_[from].version;
    const bool version_ok = op.expected_version == -1 || (exists && version == op.expected_version);
    const bool ok = unknown || op.result == znode_result::ok;
    to = from;
    switch (op.kind) {
      case znode_op::create:
        if (ok && !exists)
          to = intern(znode_state::present(op.value, 0));
        if (ok)
          return unknown || !exists;
        // no_node: the parent is missing, which says nothing about this znode.
        return op.result == znode_result::no_node || (op.result == znode_result::node_exists && exists);
      case znode_op::set:
        if (ok && exists && version_ok && (unknown || op.result_version == version + 1)) {
          to = intern(znode_state::present(op.value, version + 1));
          return true;
        }
        break;
      case znode_op::remove:
        if (ok && exists && version_ok) {
          to = intern(znode_state::absent());
          return true;
        }
        if (op.result == znode_result::not_empty && !ok) // ZooKeeper checks the version first
          return exists && version_ok;
        break;
      case znode_op::read:
        if (op.result == znode_result::ok && !unknown)
          return exists && version == op.result_version && states_[from].value == op.result_value;
        break;
    }
    if (ok)
      return unknown; // an unknown op that would fail: a no-op
    if (op.result == znode_result::bad_version && op.kind != znode_op::read)
      return exists && !version_ok;
    return op.result == znode_result::no_node && !exists;
  }

private:
  uint32_t intern(const znode_state& s) {
    znode_state c = s.exists ? znode_state::present(canonical(s.value), s.version) : znode_state{};
    auto [it, fresh] = ids_.emplace(std::move(c), static_cast<uint32_t>(states_.size()));
    if (fresh) {
      states_.push_back(it->first);
      state_keys_.push_back(draw(keys_));
    }
    return it->second;
  }

  std::unordered_map<znode_state, uint32_t, state_hash> ids_;
  std::vector<znode_state> states_;
  std::vector<fingerprint> state_keys_;
  std::unordered_set<std::string> observed_;
  std::string unread_ = "<unread>";
  rng keys_;
  uint32_t init_ = 0;
};

// An op as one search run sees it (a prefix run turns pending ops unknown).
struct view {
  size_t index; // into the caller's history
  const znode_op* op;
  bool unknown;
  int64_t invoke, response; // response: `never` when unknown
};

enum class outcome { linearizable, violation, budget };

struct search_run {
  outcome result = outcome::linearizable;
  uint64_t steps = 0;
  std::vector<std::pair<size_t, uint32_t>> deepest; // (view, state after), when tracked
};

search_run search(const std::vector<view>& ops, model& m, uint64_t budget, bool track) {
  struct entry { int64_t time; bool ret; uint32_t op; };
  std::vector<entry> order;
  size_t known_left = 0;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    order.push_back({ops[i].invoke, false, i});
    if (!ops[i].unknown) {
      order.push_back({ops[i].response, true, i});
      ++known_left;
    }
  }
  std::sort(order.begin(), order.end(), [](const entry& x, const entry& y) {
    return std::tie(x.time, x.ret, x.op) < std::tie(y.time, y.ret, y.op);
  });

  // The list, between a head (0) and a tail sentinel (neither is a call).
  struct node { uint32_t op; bool call; int32_t match /* a call's return node or -1 */, prev, next; };
  const auto tail = static_cast<int32_t>(order.size() + 1);
  std::vector<node> list(order.size() + 2);
  list[0] = {0, false, -1, -1, 1};
  list[tail] = {0, false, -1, tail - 1, -1};
  std::vector<int32_t> call_of(ops.size(), -1);
  // Classes of interchangeable unknown ops; rank = position in invoke order.
  std::map<std::tuple<int, int32_t, std::string>, int32_t> class_ids;
  std::vector<int32_t> cls(ops.size(), -1);
  std::vector<uint32_t> rank(ops.size(), 0), applied;
  for (size_t k = 0; k < order.size(); ++k) {
    auto n = static_cast<int32_t>(k + 1);
    uint32_t o = order[k].op;
    list[n] = {o, !order[k].ret, -1, n - 1, n + 1};
    if (order[k].ret) {
      list[call_of[o]].match = n;
      continue;
    }
    call_of[o] = n;
    const znode_op& op = *ops[o].op;
    if (!ops[o].unknown)
      continue;
    auto key = std::make_tuple(int{op.kind}, op.kind == znode_op::create ? -1 : op.expected_version,
                               op.kind == znode_op::remove ? std::string() : m.canonical(op.value));
    auto [it, fresh] = class_ids.emplace(std::move(key), static_cast<int32_t>(applied.size()));
    if (fresh)
      applied.push_back(0);
    cls[o] = it->second;
    rank[o] = applied[it->second]++;
  }
  std::fill(applied.begin(), applied.end(), 0);
  auto unlink = [&](int32_t n) { list[list[n].prev].next = list[n].next; list[list[n].next].prev = list[n].prev; };
  auto relink = [&](int32_t n) { list[list[n].prev].next = n; list[list[n].next].prev = n; };
  rng keys(0x2b0e);
  std::vector<fingerprint> op_keys(ops.size());
  for (auto& k : op_keys)
    k = draw(keys);
  auto phase_of = [](const view& v) {
    return v.unknown ? 2 : v.op->result == znode_result::ok && v.op->kind != znode_op::read ? 1 : 0;
  };

  struct frame { int32_t call; uint32_t before /* state */; int phase; };
  search_run run;
  std::unordered_set<fingerprint, fingerprint_hash> seen;
  fingerprint linearized; // Zobrist hash of the linearized set
  uint32_t state = m.init();
  std::vector<frame> stack;
  int phase = 0;
  int32_t e = list[0].next;
  while (known_left > 0) {
    if (++run.steps > budget) {
      run.result = outcome::budget;
      return run;
    }
    if (list[e].call) {
      const uint32_t o = list[e].op;
      const view& v = ops[o];
      uint32_t next = state;
      if (phase_of(v) != phase || (cls[o] >= 0 && rank[o] != applied[cls[o]])
          || !m.step(*v.op, v.unknown, state, next) || (v.unknown && next == state)) {
        e = list[e].next;
        continue;
      }
      if (seen.insert(linearized ^ op_keys[o] ^ m.key(next)).second) {
        stack.push_back({e, state, phase});
        linearized = linearized ^ op_keys[o];
        state = next;
        unlink(e);
        if (list[e].match != -1) {
          unlink(list[e].match);
          --known_left;
        }
        if (cls[o] >= 0)
          ++applied[cls[o]];
        if (track && stack.size() > run.deepest.size()) {
          run.deepest.clear();
          for (size_t k = 0; k < stack.size(); ++k)
            run.deepest.emplace_back(list[stack[k].call].op, k + 1 < stack.size() ? stack[k + 1].before : state);
        }
        phase = 0;
        e = list[0].next;
        continue;
      }
      if (phase != 0) { // seen before, and failed: try the next candidate
        e = list[e].next;
        continue;
      }
      // A forced move into a failed configuration: this one fails too.
    } else if (phase < 2) { // past the last candidate of this phase (a return entry, or the tail)
      ++phase;
      e = list[0].next;
      continue;
    }
    // Backtrack: undo the last choice, and the forced moves above it.
    for (;;) {
      if (stack.empty()) {
        run.result = outcome::violation;
        return run;
      }
      frame f = stack.back();
      stack.pop_back();
      const uint32_t o = list[f.call].op;
      if (list[f.call].match != -1) {
        relink(list[f.call].match);
        ++known_left;
      }
      relink(f.call);
      if (cls[o] >= 0)
        --applied[cls[o]];
      linearized = linearized ^ op_keys[o];
      state = f.before;
      if (f.phase != 0) {
        phase = f.phase;
        e = list[f.call].next;
        break;
      }
    }
  }
  return run;
}

// Finds the shortest failing prefix of a failing znode history and describes it.
std::string explain(const std::string& path, const znode_state& init, const std::vector<view>& all,
                    model& m, const check_options& options) {
  // The prefix "up to t" holds the ops invoked by t, those still pending at t
  // made unknown. If a prefix fails so do all longer ones: binary search the
  // response times for the first failing one.
  std::vector<int64_t> cuts;
  for (const auto& v : all)
    if (!v.unknown)
      cuts.push_back(v.response);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  auto prefix = [&](int64_t t) {
    std::vector<view> out;
    for (auto v : all) {
      if (v.invoke > t)
        continue;
      if (!v.unknown && v.response > t) {
        v.unknown = true;
        v.response = never;
      }
      out.push_back(v);
    }
    return out;
  };
  auto lo = static_cast<ptrdiff_t>(-1), hi = static_cast<ptrdiff_t>(cuts.size()) - 1; // all fails
  while (hi - lo > 1) {
    ptrdiff_t mid = lo + (hi - lo) / 2;
    (search(prefix(cuts[mid]), m, options.max_steps, false).result == outcome::violation ? hi : lo) = mid;
  }
  const int64_t t = cuts[hi];
  const std::vector<view> ops = prefix(t);
  const search_run run = search(ops, m, options.max_steps, true);

  std::ostringstream out;
  out << "znode " << path << " (initially " << to_string(init)
      << ") is not linearizable.\nShortest failing prefix: the ops invoked by t=" << t
      << ", ending with the response of";
  int64_t window = t;
  for (const auto& v : ops)
    if (!v.unknown && v.response == t) {
      out << " #" << v.index;
      window = std::min(window, v.invoke);
    }
  // The ops overlapping the failing one(s), and the last few completed before.
  std::vector<const view*> shown, before;
  for (const auto& v : ops)
    (v.unknown || v.response >= window ? shown : before).push_back(&v);
  std::sort(before.begin(), before.end(), [](const view* x, const view* y) { return x->response < y->response; });
  shown.insert(shown.end(), before.end() - static_cast<ptrdiff_t>(std::min<size_t>(before.size(), 6)), before.end());
  std::sort(shown.begin(), shown.end(), [](const view* x, const view* y) {
    return std::tie(x->invoke, x->index) < std::tie(y->invoke, y->index);
  });
  auto line = [&](const view& v) {
    return "  #" + std::to_string(v.index) + " " + to_string(*v.op) + (v.unknown && !v.op->unknown ? "  (pending at t)" : "")
           + (!v.unknown && v.response == t ? "  <== fails here" : "");
  };
  out << ".\nOps around it, by invoke time (pending ones may or may not have taken effect):\n";
  for (size_t k = 0; k < shown.size() && k < 40; ++k)
    out << line(*shown[k]) << "\n";
  if (shown.size() > 40)
    out << "  ... " << shown.size() - 40 << " more\n";
  if (run.result == outcome::budget) {
    out << "(the search budget ran out while re-checking this prefix)\n";
  } else if (run.deepest.empty()) {
    out << "No op of this prefix can be linearized first.\n";
  } else {
    // Replay the deepest partial linearization with the real values (the
    // model merged the values no read returned).
    std::vector<std::string> trace;
    znode_state real = init;
    uint32_t prev = m.init();
    for (auto [vi, after] : run.deepest) {
      const view& v = ops[vi];
      if (after != prev)
        real = v.op->kind == znode_op::remove ? znode_state{} : znode_state::present(v.op->value, m.state(after).version);
      prev = after;
      trace.push_back(line(v) + "  => " + to_string(real));
    }
    out << "Longest partial linearization found (" << trace.size() << " ops), ending:\n";
    for (size_t k = trace.size() > 8 ? trace.size() - 8 : 0; k < trace.size(); ++k)
      out << trace[k] << "\n";
    out << "after which no pending op fits.\n";
  }
  return out.str();
}

} // namespace

std::string to_string(const znode_state& s) {
  return s.exists ? quote(s.value) + " v" + std::to_string(s.version) : "absent";
}

std::string to_string(const znode_op& op) {
  static const char* results[] = {"ok", "node_exists", "no_node", "bad_version", "not_empty"};
  std::ostringstream out;
  out << "c" << op.client << " ";
  switch (op.kind) {
    case znode_op::create: out << "create(" << op.path << ", " << quote(op.value) << ")"; break;
    case znode_op::set:
      out << "set(" << op.path << ", " << quote(op.value) << ", v=" << version_arg(op.expected_version) << ")";
      break;
    case znode_op::remove: out << "remove(" << op.path << ", v=" << version_arg(op.expected_version) << ")"; break;
    case znode_op::read: out << "read(" << op.path << ")"; break;
  }
  if (op.unknown)
    return out.str() + " -> ? [" + std::to_string(op.invoke) + ", ...)";
  out << " -> ";
  if (op.result == znode_result::ok && op.kind == znode_op::read)
    out << quote(op.result_value) << " v" << op.result_version;
  else if (op.result == znode_result::ok && op.kind == znode_op::set)
    out << "ok v" << op.result_version;
  else
    out << results[static_cast<int>(op.result)];
  out << " [" << op.invoke << ", " << op.response << "]";
  return out.str();
}

check_result check_history(const std::vector<znode_op>& history, const std::map<std::string, znode_state>& initial,
                           const check_options& options) {
  std::map<std::string, std::vector<size_t>> by_path;
  for (size_t i = 0; i < history.size(); ++i) {
    const znode_op& op = history[i];
    if (!op.unknown && op.response < op.invoke)
      throw std::invalid_argument("check_history: op #" + std::to_string(i) + " responds before its invoke");
    if (!(op.unknown && op.kind == znode_op::read)) // an unknown read constrains nothing
      by_path[op.path].push_back(i);
  }
  check_result result;
  for (const auto& [path, indices] : by_path) {
    auto init = initial.find(path);
    const znode_state init_state = init == initial.end() ? znode_state{} : init->second;
    std::unordered_set<std::string> observed;
    std::vector<view> ops;
    for (size_t i : indices) {
      const znode_op& op = history[i];
      ops.push_back({i, &op, op.unknown, op.invoke, op.unknown ? never : op.response});
      if (!op.unknown && op.kind == znode_op::read && op.result == znode_result::ok)
        observed.insert(op.result_value);
    }
    model m(init_state, std::move(observed));
    search_run run = search(ops, m, options.max_steps, false);
    result.steps += run.steps;
    if (run.result == outcome::violation) {
      result.verdict = check_result::not_linearizable;
      result.path = path;
      result.explanation =
        options.explain ? explain(path, init_state, ops, m, options) : "znode " + path + " is not linearizable";
      return result;
    }
    if (run.result == outcome::budget && result.verdict == check_result::linearizable) {
      result.verdict = check_result::gave_up;
      result.path = path;
      result.explanation = "gave up on znode " + path + " (" + std::to_string(ops.size()) + " ops) after "
                           + std::to_string(options.max_steps) + " search steps";
    }
  }
  return result;
}

// ---- history_recorder ---------------------------------------------------------

znode_op& history_recorder::at(int id) {
  if (id < 0 || static_cast<size_t>(id) >= ops_.size())
    throw std::out_of_range("history_recorder: no op " + std::to_string(id));
  if (settled_[static_cast<size_t>(id)])
    throw std::logic_error("history_recorder: op " + std::to_string(id) + " already settled");
  settled_[static_cast<size_t>(id)] = true;
  return ops_[static_cast<size_t>(id)];
}

int history_recorder::invoke(int client, znode_op::kind_t kind, std::string path, int64_t now, std::string value,
                             int32_t expected_version) {
  // Unknown (response +infinity) until complete().
  ops_.push_back({kind, std::move(path), client, std::move(value), expected_version, now, never, true, {}, 0, {}});
  settled_.push_back(false);
  return static_cast<int>(ops_.size() - 1);
}

void history_recorder::complete(int id, znode_result result, int64_t now, int32_t version, std::string value) {
  znode_op& op = at(id);
  std::tie(op.unknown, op.response, op.result, op.result_version) = std::make_tuple(false, now, result, version);
  op.result_value = std::move(value);
}

void history_recorder::unknown(int id) { at(id); }

// ---- Sequential consistency of plain reads ------------------------------------

std::vector<std::string>
check_sequential_reads(const std::map<std::string, std::vector<committed_write>>& committed,
                       const std::map<int64_t, std::vector<session_event>>& sessions,
                       const std::map<std::string, znode_state>& initial) {
  auto by_zxid = [](const committed_write& a, const committed_write& b) { return a.zxid < b.zxid; };
  for (const auto& [path, writes] : committed)
    if (!std::is_sorted(writes.begin(), writes.end(), by_zxid))
      throw std::invalid_argument("check_sequential_reads: writes to " + path + " not in zxid order");
  const znode_state absent;
  // The state after the last committed write to `path` with zxid <= `zxid`.
  auto state_at = [&](const std::string& path, int64_t zxid) -> const znode_state& {
    auto init = initial.find(path);
    const znode_state& start = init == initial.end() ? absent : init->second;
    auto writes = committed.find(path);
    if (writes == committed.end())
      return start;
    auto it = std::upper_bound(writes->second.begin(), writes->second.end(), committed_write{zxid, {}}, by_zxid);
    return it == writes->second.begin() ? start : std::prev(it)->after;
  };

  std::vector<std::string> violations;
  for (const auto& [session, events] : sessions) {
    std::ostringstream id;
    id << "session 0x" << std::hex << session;
    int64_t last_read = std::numeric_limits<int64_t>::min();
    int64_t own_write = std::numeric_limits<int64_t>::min();
    for (size_t i = 0; i < events.size(); ++i) {
      const session_event& e = events[i];
      if (e.kind == session_event::own_write) {
        own_write = std::max(own_write, e.zxid);
        continue;
      }
      const std::string where =
        id.str() + " event #" + std::to_string(i) + " read(" + e.path + ") at zxid " + std::to_string(e.zxid) + ": ";
      const znode_state& expected = state_at(e.path, e.zxid);
      if (e.seen != expected)
        violations.push_back(where + "saw " + to_string(e.seen) + " but the committed state is " + to_string(expected));
      if (e.zxid < last_read)
        violations.push_back(where + "went backwards from zxid " + std::to_string(last_read));
      if (e.zxid < own_write)
        violations.push_back(where + "misses the session's own write at zxid " + std::to_string(own_write));
      last_read = std::max(last_read, e.zxid);
    }
  }
  return violations;
}

} // namespace troupe::sim
