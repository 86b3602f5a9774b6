// Keeper's replicated state machine, pure and deterministic: the data tree
// plus the session table, changed only by KeeperTxn entries of the log. Every
// member applies the same transactions in the same order and so holds the
// same tree; results go back to the proposing session, watch events to every
// member's watch manager (drain_events).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "troupe/keeper/data_tree.hpp"
#include "troupe/wire/keeper.pb.h"

namespace troupe::keeper {

struct session_record {
  int32_t timeout_ms = 0;
  std::string password;
};

/// A watch event with the zxid of the transaction that fired it.
struct fired_event {
  watch_event event;
  int64_t zxid = 0;
};

class keeper_machine {
public:
  /// The state frozen for a snapshot: the tree's image and a copy of the
  /// session table. serialize() gives what snapshot() gave at capture time,
  /// on any thread, while the machine goes on applying.
  class image {
  public:
    std::string serialize() const;

  private:
    friend class keeper_machine;
    data_tree::image tree_;
    std::map<int64_t, session_record> sessions_;
  };

  explicit keeper_machine(tree_config config = {});

  /// Applies one committed transaction; `zxid` is its log entry's zxid.
  /// The result is what the proposing session answers (OpResult; for a new
  /// session, its id in `count`, or NodeExists if the drawn id is taken).
  wire::OpResult apply(const wire::KeeperTxn& txn, int64_t zxid);

  /// A read request (get_data, exists, get_children, get_acl,
  /// get_ephemerals, get_all_children_number) against this replica, as
  /// `session` holding `ids`. Watches are the session layer's.
  wire::OpResult read(const wire::Request& req, const identities& ids, int64_t session) const;

  /// Watch events fired by the transactions applied since the last call.
  std::vector<fired_event> drain_events();

  const data_tree& tree() const { return tree_; }
  const std::map<int64_t, session_record>& sessions() const { return sessions_; }
  bool has_session(int64_t id) const { return sessions_.count(id) > 0; }

  image capture() const;       // O(nodes / 256 + sessions)
  std::string snapshot() const; // capture().serialize()
  /// Replaces the state; false (state unchanged) if the bytes are not a
  /// valid snapshot.
  bool restore(const std::string& bytes);

private:
  wire::OpResult apply_op(const wire::Op& op, const txn_context& ctx, const identities& ids);

  data_tree tree_;
  std::map<int64_t, session_record> sessions_;
  std::vector<fired_event> events_;
};

/// Conversions between the wire and the tree's types.
wire::Stat to_wire(const stat& st);
acl_list from_wire(const google::protobuf::RepeatedPtrField<wire::Acl>& acls);
void to_wire(const acl_list& acls, google::protobuf::RepeatedPtrField<wire::Acl>* out);
/// A multi's or single write's operation as the tree's op; false if malformed.
bool from_wire(const wire::Op& in, op& out);

} // namespace troupe::keeper
