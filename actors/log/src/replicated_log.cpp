// The facade: validating a group, checking a member's store against the
// configured membership, spawning a member's roles.
#include <set>
#include <stdexcept>

#include "log_actors.hpp"
#include "troupe/runtime/node_config.hpp"

namespace troupe::rlog {

state_machine::~state_machine() = default;

state_machine::snapshot_writer state_machine::capture() const {
  return [bytes = snapshot()]() mutable { return std::move(bytes); };
}

std::string state_machine::query(const std::string&) {
  return {};
}

void group_config::validate() const {
  if (!runtime::valid_name(group))
    throw std::invalid_argument("invalid log group name '" + group + "'");
  auto n = members.size();
  if (n != 1 && n != 3 && n != 5 && n != 7)
    throw std::invalid_argument("a log group has 1, 3, 5 or 7 members, not " + std::to_string(n));
  std::set<std::string> nodes;
  for (auto& [id, node] : members) {
    if (id == 0)
      throw std::invalid_argument("member ids start at 1");
    if (!nodes.insert(node).second)
      throw std::invalid_argument("node " + node + " appears twice in the membership");
  }
  if (election_ticks_min == 0 || election_ticks_max < election_ticks_min ||
      heartbeat_ticks == 0 || heartbeat_ticks >= election_ticks_min)
    throw std::invalid_argument("election ticks must exceed the heartbeat ticks");
}

namespace {

std::string describe(const wire::Membership& m) {
  std::string out = m.group() + " {";
  for (int i = 0; i < m.members_size(); ++i)
    out += (i ? "," : "") + std::to_string(m.members(i));
  return out + "}";
}

} // namespace

member_roles spawn_member(node_env& env, const group_config& cfg, member_id self) {
  cfg.validate();
  if (!cfg.members.count(self) || cfg.members.at(self) != env.name())
    throw std::invalid_argument("member " + std::to_string(self) + " of group " + cfg.group +
                                " is not node " + env.name());
  wire::Membership want;
  want.set_group(cfg.group);
  for (auto& [id, node] : cfg.members)
    want.add_members(id);
  auto& kv = env.store("log." + cfg.group);
  persistence::log_store store{kv};
  auto have = store.load().membership;
  if (have && have->SerializeAsString() != want.SerializeAsString())
    throw std::runtime_error("the data directory holds log " + describe(*have) +
                             " but this member is configured for " + describe(want) +
                             "; refusing to start (use the matching configuration or a new directory)");
  if (!have) {
    persistence::log_store::change c;
    c.membership = want;
    store.write(c, true);
  }
  // A snapshot file that does not verify stops the member here, naming it.
  auto removed = store.recover_snapshot_files(kv.snapshots());
  if (!removed.empty())
    env.logger("log.acceptor").info("removed stray snapshot files",
                                    {{"group", cfg.group}, {"count", removed.size()}, {"first", removed.front()}});
  auto acceptor = spawn_acceptor(env, cfg, self, kv);
  auto leader = spawn_leader(env, cfg, self, acceptor);
  return {acceptor, leader};
}

void register_log_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<local_tail>("troupe.log.local_tail");
  cfg.add_message_type<catch_up>("troupe.log.catch_up");
  cfg.add_message_type<leadership>("troupe.log.leadership");
  cfg.add_message_type<std::vector<wire::LogEntry>>("troupe.log.entries");
}

} // namespace troupe::rlog
